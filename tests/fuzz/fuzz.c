// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz.c: the fuzz targets' shared helpers: the input as text, the invariants, and the model
 * build with its checks (model/desired.h), the one every accepted input must survive. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "model/desired.h"
#include "fuzz.h"

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	FUZZ_CHECK(text, "out of memory");
	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* msg starts with origin and a ':' (sl_err's "file: field: what", jansson's "file:1:2: "). */
static bool names_origin(const char *msg, const char *origin)
{
	size_t n = strlen(origin);

	return !strncmp(msg, origin, n) && msg[n] == ':';
}

void fuzz_check_failed(int ret, const char *msg, const char *origin, const void *out, size_t n)
{
	FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM, "a parse failed with %d: %s", ret, msg);
	FUZZ_CHECK(names_origin(msg, origin), "an error does not name %s first: %s", origin, msg);
	FUZZ_CHECK(all_zero(out, n), "a parse that failed left output behind: %s", msg);
}

/* A VIP table as sl_vip_assign promises it: names and VIPs unique, each VIP in the range and
 * not its first address. */
static void check_vips(const struct sl_vip_table *t, const struct sl_cidr *range)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		FUZZ_CHECK(t->v[i].name && *t->v[i].name, "a VIP without a name");
		FUZZ_CHECK(sl_cidr_contains(range, &t->v[i].vip) &&
			   !sl_addr_eq(&t->v[i].vip, &range->base), "VIP of %s outside its range",
			   t->v[i].name);
		for (k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(t->v[i].name, t->v[k].name) &&
				   !sl_addr_eq(&t->v[i].vip, &t->v[k].vip),
				   "%s and %s: a name or VIP twice", t->v[i].name, t->v[k].name);
	}
}

static bool has_backend(const struct sl_service_model *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->nbackends; i++)
		if (s->backends[i].id == id)
			return sl_backend_in_table(s, &s->backends[i]);
	return false;
}

static void check_service(const struct sl_config *cfg, const struct sl_service_model *s)
{
	const struct sl_table_model *t;
	uint32_t fam, k;
	size_t i;

	FUZZ_CHECK(s->id >= 1 && s->id < cfg->limits.services, "service id %u", s->id);
	for (i = 0; i < s->nbackends; i++)
		FUZZ_CHECK(s->backends[i].id >= 1 && s->backends[i].id < cfg->limits.backends,
			   "service %s: backend id %u", s->name, s->backends[i].id);
	for (fam = 0; fam < 2; fam++) {
		t = &s->table[fam];
		FUZZ_CHECK(t->nslots <= SLUICE_MAX_SLOTS && !t->nslots == !t->slots,
			   "service %s: a table of %u slots", s->name, t->nslots);
		for (k = 0; k < t->nslots; k++)
			FUZZ_CHECK(t->slots[k].nslots == t->nslots &&
				   has_backend(s, t->slots[k].backend_id),
				   "service %s: slot %u: backend %u", s->name, k,
				   t->slots[k].backend_id);
	}
}

/* The config's namespace a model namespace id stands for (by its place in the config). */
static const struct sl_ns_cfg *ns_of(const struct sl_config *cfg, const struct sl_model *m,
				     uint32_t id)
{
	size_t i;

	for (i = 0; i < m->nnamespaces; i++)
		if (m->namespaces[i].id == id && m->namespaces[i].value.order < cfg->nnamespaces)
			return &cfg->namespaces[m->namespaces[i].value.order];
	return NULL;
}

static void check_model(const struct sl_config *cfg, const struct sl_desired *d)
{
	const struct sl_model *m = &d->model;
	const struct sl_service_model *s;
	const struct sl_ns_cfg *ns;
	struct sl_addr vip;
	size_t i;

	FUZZ_CHECK(d->nns == cfg->nnamespaces, "%zu VIP tables for %zu namespaces", d->nns,
		   cfg->nnamespaces);
	for (i = 0; i < d->nns; i++) {
		check_vips(&d->vip4[i], &cfg->namespaces[i].vip_cidr4);
		check_vips(&d->vip6[i], &cfg->namespaces[i].vip_cidr6);
	}
	for (i = 0; i < m->nservices; i++) {
		check_service(cfg, &m->services[i]);
		FUZZ_CHECK(!i || m->services[i - 1].id < m->services[i].id, "service ids unsorted");
		FUZZ_CHECK(ns_of(cfg, m, m->services[i].ns_id), "service %s: no namespace",
			   m->services[i].name);
	}
	for (i = 0; i < m->nfrontends; i++) {
		const struct sl_frontend_model *f = &m->frontends[i];

		memcpy(vip.a, f->key.addr, sizeof(vip.a));
		ns = ns_of(cfg, m, f->key.ns_id);
		s = sl_model_find_service(m, f->value.service_id);
		FUZZ_CHECK(ns && s && s->ns_id == f->key.ns_id, "frontend %s: no service or namespace",
			   f->value.alias);
		FUZZ_CHECK(sl_cidr_contains(sl_addr_is_v4(&vip) ? &ns->vip_cidr4 : &ns->vip_cidr6, &vip),
			   "frontend %s: VIP outside its namespace's range", f->value.alias);
		FUZZ_CHECK(!i || memcmp(&m->frontends[i - 1].key, &f->key, sizeof(f->key)) < 0,
			   "frontend %s: keys unsorted or twice", f->value.alias);
	}
}

/* One build from nothing (no current model, fresh ids): 0 or -ENOSPC, err naming the config. */
static int build(const struct sl_config *cfg, const struct sl_instances *instances,
		 const struct sl_vip_table *prev4, const struct sl_vip_table *prev6,
		 struct sl_desired *out)
{
	static const struct sl_model empty;
	const struct sl_desired_input in = {
		.cfg = cfg, .instances = instances, .prev_vip4 = prev4, .prev_vip6 = prev6,
		.current = &empty,
	};
	struct sl_id_alloc service_ids = { 0 }, backend_ids = { 0 };
	struct sl_err err = { "" };
	int ret;

	ret = sl_desired_build(&in, &service_ids, &backend_ids, out, &err);
	if (ret) {
		FUZZ_CHECK(ret == -ENOSPC, "the model build refuses a config that parsed (%d): %s",
			   ret, err.msg);
		FUZZ_CHECK(names_origin(err.msg, cfg->origin), "a build error without its origin: %s",
			   err.msg);
		FUZZ_CHECK(all_zero(out, sizeof(*out)), "a build that failed left a model behind");
	}
	return ret;
}

void fuzz_build(const struct sl_config *cfg, const struct sl_instances *instances,
		const struct sl_vip_table *prev4, const struct sl_vip_table *prev6)
{
	struct sl_desired d, again;
	size_t i;

	sl_log_set_level(SL_LOG_ERR); /* the build's warnings: one per input, nothing to see */
	if (build(cfg, instances, prev4, prev6, &d))
		return;
	check_model(cfg, &d);
	FUZZ_CHECK(!build(cfg, instances, d.vip4, d.vip6, &again), "a rebuild failed");
	for (i = 0; i < d.nns; i++)
		FUZZ_CHECK(sl_vip_table_eq(&d.vip4[i], &again.vip4[i]) &&
			   sl_vip_table_eq(&d.vip6[i], &again.vip6[i]),
			   "namespace %zu: VIPs moved when built again from the ones handed out", i);
	sl_desired_free(&again);
	sl_desired_free(&d);
}

/* Two namespaces in ranges of six (IPv4) and seven (IPv6) usable addresses, so that VIPs from
 * a state file collide: prod.local with orders (both protocols, least request), users
 * (HEALTHY_OR_ELSE_ALL, a default port, panic at 100%), resolver (udp, affinity, a fixed vip6);
 * staging.local with orders again and inventory (round robin, no outlier detection). */
static const char fixed_config[] =
	"{\"vipCidr\": \"127.255.0.0/29\", \"vipCidr6\": \"fd00:5c1c::/125\","
	" \"limits\": {\"services\": 8, \"backends\": 64}, \"namespaces\": ["
	" {\"namespace\": \"prod.local\", \"services\": ["
	"  {\"discoveryName\": \"orders\", \"protocol\": \"both\", \"lbPolicy\": \"least_request\","
	"   \"clientAliases\": [{\"port\": 8080}, {\"dnsName\": \"orders.alt\", \"port\": 80}]},"
	"  {\"discoveryName\": \"users\", \"healthStatus\": \"HEALTHY_OR_ELSE_ALL\","
	"   \"port\": 8080, \"panicThresholdPercent\": 100, \"vip\": \"127.255.0.3\","
	"   \"clientAliases\": [{\"port\": 80}, {\"port\": 443}]},"
	"  {\"discoveryName\": \"resolver\", \"protocol\": \"udp\", \"vip6\": \"fd00:5c1c::5\","
	"   \"sessionAffinity\": {\"timeoutSeconds\": 60},"
	"   \"clientAliases\": [{\"port\": 53}]}]},"
	" {\"namespace\": \"staging.local\", \"services\": ["
	"  {\"discoveryName\": \"orders\", \"clientAliases\": [{\"port\": 8080}]},"
	"  {\"discoveryName\": \"inventory\", \"lbPolicy\": \"round_robin\","
	"   \"outlierDetection\": false, \"clientAliases\": [{\"port\": 9090}]}]}]}";

const struct sl_config *fuzz_config(void)
{
	static struct sl_config cfg;
	static bool parsed;
	struct sl_err err;

	if (!parsed)
		FUZZ_CHECK(!sl_config_parse(fixed_config, "fuzz-config.json", &cfg, &err),
			   "the fixed config: %s", err.msg);
	parsed = true;
	return &cfg;
}
