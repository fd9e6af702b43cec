// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* registrar.c: this host's instances put under one lease (granted, kept alive every third of
 * its TTL, granted again and every key put again when lost), one request at a time through
 * the etcd gateway (inputs/http_multi.c) on a private epoll fd with the registration files. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "inputs/etcd_msg.h"
#include "inputs/http_multi.h"
#include "inputs/registry_file.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "sluiced/registrar.h"

#define TAG_HTTP 1
#define TAG_FILES 2
#define NS_PER_MS 1000000ULL
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 2000
#define TIMEOUT_MS 2000
#define MAX_INSTANCES 4096
#define MAX_BODY (1U << 20)

enum op { OP_NONE, OP_AUTH, OP_GRANT, OP_KEEPALIVE, OP_PUT, OP_DELETE };

struct kv {
	char *key, *value;
};

struct kvs {
	struct kv *v;
	size_t n;
};

struct sl_registrar {
	struct sl_source_cfg etcd; /* the cluster's (a copy) */
	char *path, *default_ns;
	uint32_t ttl_ms;
	struct sl_registry_file *files;
	struct sl_http *http;
	bool closing;             /* the request cancelled by sl_http_free is no failure */
	enum op op;               /* the request under way, OP_NONE: none */
	char *op_key;             /* OP_PUT, OP_DELETE: the key, OP_PUT's value in op_value */
	char *op_value;
	int ep;
	size_t endpoint;
	unsigned failures;
	char *token;
	int64_t lease;
	uint64_t keepalive_ns, retry_ns;
	struct kvs want;          /* by key: what the files say */
	struct kvs published;     /* by key: put under the lease now */
	char *last_error;
};

static void kvs_free(struct kvs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static struct kv *kvs_find(const struct kvs *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	return NULL;
}

static int kvs_set(struct kvs *s, const char *key, const char *value)
{
	struct kv *e = kvs_find(s, key), *v;
	char *val = strdup(value);

	if (!val)
		return -ENOMEM;
	if (e) {
		free(e->value);
		e->value = val;
		return 0;
	}
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v || !(v[s->n].key = strdup(key))) {
		if (v)
			s->v = v;
		free(val);
		return -ENOMEM;
	}
	s->v = v;
	v[s->n++].value = val;
	return 0;
}

static void kvs_del(struct kvs *s, const char *key)
{
	struct kv *e = kvs_find(s, key);

	if (!e)
		return;
	free(e->key);
	free(e->value);
	*e = s->v[--s->n];
}

/* ---- the instances of the files as keys and values ---- */

static const char *const health_names[] = { "HEALTHY", "UNHEALTHY", "UNKNOWN" };

/* in as one of discover-instances' Instances (malloc'd JSON), or NULL. */
static char *instance_json(const struct sl_instance *in, const char *ns)
{
	char a4[SL_ADDR_STRLEN], a6[SL_ADDR_STRLEN], port[8], weight[8];
	json_t *attrs = json_object(), *o;
	char *s;

	if (in->has_v4)
		json_object_set_new(attrs, "AWS_INSTANCE_IPV4",
				    json_string(sl_addr_format(&in->addr4, a4, sizeof(a4))));
	if (in->has_v6)
		json_object_set_new(attrs, "AWS_INSTANCE_IPV6",
				    json_string(sl_addr_format(&in->addr6, a6, sizeof(a6))));
	if (in->port) {
		snprintf(port, sizeof(port), "%u", in->port);
		json_object_set_new(attrs, "AWS_INSTANCE_PORT", json_string(port));
	}
	snprintf(weight, sizeof(weight), "%u", in->weight);
	json_object_set_new(attrs, "weight", json_string(weight));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "InstanceId", in->id, "ServiceName",
		      in->service, "NamespaceName", ns, "HealthStatus",
		      health_names[in->health <= SL_HEALTH_UNKNOWN ? in->health : 2], "Attributes",
		      attrs);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return s;
}

/* want := the files' instances as keys. */
static void take_files(struct sl_registrar *r)
{
	const struct sl_instances *list = sl_registry_file_instances(r->files);
	struct kvs want = { 0 };
	char key[512], *value;
	size_t i;

	for (i = 0; i < list->n; i++) {
		const struct sl_instance *in = &list->v[i];
		const char *ns = in->namespace ? in->namespace : r->default_ns;

		snprintf(key, sizeof(key), "%s%s/%s/%s", r->etcd.prefix, ns, in->service, in->id);
		value = instance_json(in, ns);
		if (!value || kvs_set(&want, key, value)) {
			free(value);
			kvs_free(&want);
			pr_err("registration %s: out of memory; publishing what it had", r->path);
			return;
		}
		free(value);
	}
	kvs_free(&r->want);
	r->want = want;
}

static void refresh(struct sl_registrar *r)
{
	bool changed = false;

	sl_registry_file_drain(r->files);
	sl_registry_file_refresh(r->files, &changed); /* what fails is said there */
	take_files(r);
}

/* ---- requests ---- */

static void end_request(struct sl_registrar *r)
{
	free(r->op_key);
	free(r->op_value);
	r->op_key = r->op_value = NULL;
	r->op = OP_NONE;
}

static void failed(struct sl_registrar *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failed(struct sl_registrar *r, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	unsigned round;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	end_request(r);
	if (!r->last_error || strcmp(r->last_error, why))
		pr_warn("registration %s: %s; trying again", r->path, why);
	free(r->last_error);
	r->last_error = strdup(why);
	r->failures++;
	r->endpoint = (r->endpoint + 1) % r->etcd.nendpoints;
	round = r->failures / (unsigned)r->etcd.nendpoints;
	r->retry_ns = sl_now_ns() + (r->failures % r->etcd.nendpoints ? 0 :
				      (uint64_t)(round > 4 ? RETRY_MAX_MS :
						 RETRY_MIN_MS << (round ? round - 1 : 0)) * NS_PER_MS);
}

static void finished(void *arg, long status, const char *body, size_t len,
		     const char *error_type, const char *curl_error);

/* body (malloc'd, or NULL when out of memory) POSTed to path of the endpoint in turn. */
static int send_request(struct sl_registrar *r, enum op op, const char *path, char *body)
{
	char url[512], auth[1024];
	const char *headers[] = { "Content-Type: application/json", r->token ? auth : NULL, NULL };
	struct sl_http_req rq = {
		.method = "POST", .url = url, .headers = headers, .body = body, .no_proxy = true,
		.tls_ca = r->etcd.tls_ca, .tls_cert = r->etcd.tls_cert, .tls_key = r->etcd.tls_key,
		.timeout_ms = r->ttl_ms / 3 < TIMEOUT_MS ? r->ttl_ms / 3 : TIMEOUT_MS,
		.connect_timeout_ms = r->etcd.timeout_ms, .max_body = MAX_BODY,
		.done = finished, .arg = r,
	};
	int ret;

	if (!body)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", r->etcd.endpoints[r->endpoint], path);
	if (r->token)
		snprintf(auth, sizeof(auth), "Authorization: %s", r->token);
	ret = sl_http_start(r->http, &rq);
	free(body);
	if (!ret)
		r->op = op;
	return ret;
}

/* The next request, when none is under way and no pause is due: authenticate, a lease, its
 * keepalive when due, a key to put, a key to delete. */
static void step(struct sl_registrar *r)
{
	uint64_t now = sl_now_ns();
	size_t i;
	int ret = 0;

	if (r->op != OP_NONE || (r->retry_ns && now < r->retry_ns))
		return;
	r->retry_ns = 0;
	if (r->etcd.username && !r->token) {
		ret = send_request(r, OP_AUTH, "/v3/auth/authenticate",
				   sl_etcd_auth_request(r->etcd.username, r->etcd.password));
	} else if (!r->lease) {
		ret = send_request(r, OP_GRANT, "/v3/lease/grant",
				   sl_etcd_grant_request((r->ttl_ms + 999) / 1000));
	} else if (now >= r->keepalive_ns) {
		ret = send_request(r, OP_KEEPALIVE, "/v3/lease/keepalive",
				   sl_etcd_keepalive_request(r->lease));
	} else {
		for (i = 0; i < r->want.n; i++) {
			const struct kv *p = kvs_find(&r->published, r->want.v[i].key);

			if (p && !strcmp(p->value, r->want.v[i].value))
				continue;
			r->op_key = strdup(r->want.v[i].key);
			r->op_value = strdup(r->want.v[i].value);
			if (!r->op_key || !r->op_value)
				return failed(r, "out of memory");
			ret = send_request(r, OP_PUT, "/v3/kv/put",
					   sl_etcd_put_request(r->op_key, r->op_value, r->lease));
			goto sent;
		}
		for (i = 0; i < r->published.n; i++) {
			if (kvs_find(&r->want, r->published.v[i].key))
				continue;
			r->op_key = strdup(r->published.v[i].key);
			if (!r->op_key)
				return failed(r, "out of memory");
			ret = send_request(r, OP_DELETE, "/v3/kv/deleterange",
					   sl_etcd_delete_request(r->op_key));
			goto sent;
		}
	}
sent:
	if (ret)
		failed(r, "out of memory starting a request");
}

static void lease_lost(struct sl_registrar *r, const char *why)
{
	pr_warn("registration %s: lease %lld %s: granting another and putting every key again",
		r->path, (long long)r->lease, why);
	r->lease = 0;
	kvs_free(&r->published);
}

/* A request's answer (sl_http_done_fn): what the gateway says, in its JSON (its errors
 * too, whatever the HTTP status). */
static void finished(void *arg, long status, const char *body, size_t len,
		     const char *error_type, const char *curl_error)
{
	struct sl_registrar *r = arg;
	struct sl_err err = { { 0 } };
	const char *ep = r->etcd.endpoints[r->endpoint];
	int64_t id, ttl;
	char *token;
	int ret;

	(void)error_type;
	if (r->closing)
		return end_request(r);
	if (!status)
		return failed(r, "%s: %s", ep, curl_error);
	switch (r->op) {
	case OP_AUTH:
		ret = sl_etcd_auth_parse(body, len, &token, &err);
		if (ret)
			return failed(r, "%s: authenticate: %s", ep, err.msg);
		free(r->token);
		r->token = token;
		break;
	case OP_GRANT:
	case OP_KEEPALIVE:
		ret = sl_etcd_lease_parse(body, len, &id, &ttl, &err);
		if (ret == -EACCES) {
			free(r->token);
			r->token = NULL;
			break;
		}
		if (ret)
			return failed(r, "%s: lease: %s", ep, err.msg);
		if (r->op == OP_KEEPALIVE && ttl <= 0) {
			lease_lost(r, "expired or was revoked");
			break;
		}
		if (r->op == OP_GRANT) {
			pr_info("registration %s: lease %lld granted (TTL %lld s)", r->path,
				(long long)id, (long long)ttl);
			r->lease = id;
			kvs_free(&r->published);
		}
		r->keepalive_ns = sl_now_ns() + (uint64_t)r->ttl_ms / 3 * NS_PER_MS;
		break;
	case OP_PUT:
	case OP_DELETE:
		ret = sl_etcd_done_parse(body, len, &err);
		if (ret == -EACCES) {
			free(r->token);
			r->token = NULL;
			break;
		}
		if (ret && strstr(err.msg, "lease not found")) {
			lease_lost(r, "is gone");
			break;
		}
		if (ret)
			return failed(r, "%s: %s %s: %s", ep, r->op == OP_PUT ? "put" : "delete",
				      r->op_key, err.msg);
		if (r->op == OP_PUT && kvs_set(&r->published, r->op_key, r->op_value))
			return failed(r, "out of memory");
		if (r->op == OP_PUT)
			pr_info("registration %s: put %s", r->path, r->op_key);
		else
			pr_info("registration %s: deleted %s", r->path, r->op_key);
		if (r->op == OP_DELETE)
			kvs_del(&r->published, r->op_key);
		break;
	default:
		break;
	}
	if (r->failures)
		pr_info("registration %s: %s answers again", r->path, ep);
	r->failures = 0;
	free(r->last_error);
	r->last_error = NULL;
	end_request(r);
}

/* ---- the loop ---- */

/* sl_http's wake-up at the next pause's end or keepalive, none while a request is under
 * way (its answer wakes the loop). */
static void arm(struct sl_registrar *r)
{
	uint64_t due = r->retry_ns ? r->retry_ns : r->lease ? r->keepalive_ns : 0;

	sl_http_wake_at(r->http, r->op != OP_NONE ? 0 : due);
}

void sl_registrar_dispatch(struct sl_registrar *r)
{
	struct epoll_event evs[4];
	int n, i;

	n = epoll_wait(r->ep, evs, 4, 0);
	for (i = 0; i < n; i++)
		if (evs[i].data.u64 == TAG_FILES)
			refresh(r);
	sl_http_dispatch(r->http); /* answers, the wake-up: nothing when neither is due */
	step(r);
	arm(r);
}

int sl_registrar_fd(const struct sl_registrar *r)
{
	return r->ep;
}

bool sl_registrar_same(const struct sl_registrar *r, const struct sl_config *cfg)
{
	size_t i, k;

	if (!cfg->registration.enabled || strcmp(cfg->registration.path, r->path) ||
	    cfg->registration.ttl_ms != r->ttl_ms)
		return false;
	for (i = 0; i < cfg->nnamespaces; i++)
		for (k = 0; k < cfg->namespaces[i].nsources; k++)
			if (cfg->namespaces[i].sources[k].kind == SL_SOURCE_ETCD)
				return sl_source_cfg_eq(&cfg->namespaces[i].sources[k], &r->etcd);
	return false;
}

void sl_registrar_close(struct sl_registrar *r)
{
	if (!r)
		return;
	r->closing = true; /* the lease is left to expire: a restart puts the keys again */
	sl_http_free(r->http);
	end_request(r);
	if (r->files)
		sl_registry_file_close(r->files);
	if (r->ep >= 0)
		close(r->ep);
	kvs_free(&r->want);
	kvs_free(&r->published);
	sl_source_cfg_release(&r->etcd);
	free(r->path);
	free(r->default_ns);
	free(r->token);
	free(r->last_error);
	free(r);
}

static const struct sl_source_cfg *first_etcd(const struct sl_config *cfg)
{
	size_t i, k;

	for (i = 0; i < cfg->nnamespaces; i++)
		for (k = 0; k < cfg->namespaces[i].nsources; k++)
			if (cfg->namespaces[i].sources[k].kind == SL_SOURCE_ETCD)
				return &cfg->namespaces[i].sources[k];
	return NULL;
}

static int add(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct sl_registrar *sl_registrar_open(const struct sl_config *cfg, struct sl_err *err)
{
	const struct sl_source_cfg *etcd = first_etcd(cfg);
	struct sl_registrar *r;

	err->msg[0] = '\0';
	if (!cfg->registration.enabled)
		return NULL;
	if (!etcd) {
		sl_err_set(err, "registration %s: no registry.etcd source to publish to",
			   cfg->registration.path);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		sl_err_set(err, "registration: out of memory");
		return NULL;
	}
	r->ep = -1;
	r->ttl_ms = cfg->registration.ttl_ms;
	r->path = strdup(cfg->registration.path);
	r->default_ns = strdup(cfg->namespaces[0].namespace);
	if (!r->path || !r->default_ns || sl_source_cfg_copy(&r->etcd, etcd)) {
		sl_err_set(err, "registration: out of memory");
		goto fail;
	}
	r->files = sl_registry_file_open(r->path, err);
	if (!r->files)
		goto fail;
	sl_registry_file_set_limits(r->files, MAX_INSTANCES * 1024, MAX_INSTANCES);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	r->http = sl_http_new();
	if (r->ep < 0 || !r->http || add(r->ep, sl_http_fd(r->http), TAG_HTTP) ||
	    add(r->ep, sl_registry_file_fd(r->files), TAG_FILES)) {
		sl_err_set(err, "registration %s: event loop: %s", r->path, strerror(errno));
		goto fail;
	}
	refresh(r);
	pr_info("registration %s: %zu instances, published under a lease of %g s", r->path,
		r->want.n, r->ttl_ms / 1000.0);
	step(r);
	arm(r);
	return r;
fail:
	sl_registrar_close(r);
	return NULL;
}
