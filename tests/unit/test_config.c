// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_config.c: unit tests of config.c: the ECS sample (tests/data), defaults, every field, and
 * every error naming the file and the field's full path. Run from the repository root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "inputs/config.h"
#include "model/model.h"
#include "sluice.h"

#define ORIGIN "sluice.json"
#define SAMPLE "tests/data/service-connect.json"

/* JSON written with ' for " reads better inside C strings. */
#define TOP(...) "{'namespace':'ns','services':[]," __VA_ARGS__ "}"
#define SVCS(...) "{'namespace':'ns','services':[" __VA_ARGS__ "]}"
#define SVCS6(...) "{'namespace':'ns','vipCidr6':'fd00:5::/112','services':[" __VA_ARGS__ "]}"

/* A copy of text with every ' made a ". */
static char *dq(const char *text)
{
	char *s = strdup(text), *c;

	assert_non_null(s);
	for (c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

static int parse(const char *text, const char *origin, struct sl_config *cfg, struct sl_err *err)
{
	char *t = dq(text);
	int ret = sl_config_parse(t, origin, cfg, err);

	free(t);
	return ret;
}

static void parse_ok(const char *text, struct sl_config *cfg)
{
	struct sl_err err = { { 0 } };
	int ret = parse(text, ORIGIN, cfg, &err);

	if (ret)
		fail_msg("parse failed (%d): %s\n  text: %s", ret, err.msg, text);
}

static bool is_zeroed(const struct sl_config *cfg)
{
	static const struct sl_config zero;

	return !memcmp(cfg, &zero, sizeof(zero));
}

static void assert_addr(const struct sl_addr *a, const char *want)
{
	char buf[SL_ADDR_STRLEN];

	assert_string_equal(sl_addr_format(a, buf, sizeof(buf)), want);
}

/* The parse must fail with -EINVAL, leave cfg zeroed, and say each of want. */
static void expect_error(const char *what, const char *text, const char *origin,
			 const char *const *want, size_t nwant)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;
	size_t i;
	int ret;

	memset(&cfg, 0xa5, sizeof(cfg));
	ret = parse(text, origin, &cfg, &err);
	if (ret != -EINVAL)
		fail_msg("%s: got %d, want -EINVAL (message: %s)", what, ret, err.msg);
	if (!is_zeroed(&cfg))
		fail_msg("%s: *out not zeroed on error", what);
	if (strncmp(err.msg, origin, strlen(origin)) || err.msg[strlen(origin)] != ':')
		fail_msg("%s: message does not start with \"%s:\": %s", what, origin, err.msg);
	for (i = 0; i < nwant && want[i]; i++)
		if (!strstr(err.msg, want[i]))
			fail_msg("%s: message lacks \"%s\": %s", what, want[i], err.msg);
}

struct bad_case {
	const char *what;
	const char *json;
	const char *want[3]; /* substrings of the message */
};

static void run_bad_cases(const struct bad_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_error(c[i].what, c[i].json, ORIGIN, c[i].want, 3);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- documents that parse ---- */

static void test_sample(void **state)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;
	int ret;

	(void)state;
	ret = sl_config_load(SAMPLE, &cfg, &err);
	if (ret)
		fail_msg("%s: %d: %s", SAMPLE, ret, err.msg);
	assert_string_equal(cfg.origin, SAMPLE);
	assert_string_equal(cfg.namespaces[0].namespace, "prod.local");
	assert_true(cfg.namespaces[0].enabled);
	assert_int_equal(cfg.namespaces[0].nservices, 2);
	assert_string_equal(cfg.namespaces[0].services[0].name, "orders");
	assert_string_equal(cfg.namespaces[0].services[0].port_name, "http");
	assert_int_equal(cfg.namespaces[0].services[0].protocols, SL_PROTO_TCP);
	assert_int_equal(cfg.namespaces[0].services[0].naliases, 1);
	assert_string_equal(cfg.namespaces[0].services[0].aliases[0].dns_name, "orders");
	assert_int_equal(cfg.namespaces[0].services[0].aliases[0].port, 8080);
	assert_false(cfg.namespaces[0].services[0].aliases[0].has_vip4);
	assert_false(cfg.namespaces[0].services[0].aliases[0].has_vip6);
	assert_string_equal(cfg.namespaces[0].services[1].name, "inventory");
	assert_string_equal(cfg.namespaces[0].services[1].port_name, "grpc");
	assert_int_equal(cfg.namespaces[0].services[1].naliases, 1);
	assert_string_equal(cfg.namespaces[0].services[1].aliases[0].dns_name, "inventory");
	assert_int_equal(cfg.namespaces[0].services[1].aliases[0].port, 9090);
	sl_config_free(&cfg);
	assert_true(is_zeroed(&cfg));
}

static void test_defaults(void **state)
{
	struct sl_config cfg;
	char buf[64];

	(void)state;
	parse_ok("{'namespace':'ns','services':[]}", &cfg);
	assert_string_equal(cfg.origin, ORIGIN);
	assert_string_equal(cfg.namespaces[0].namespace, "ns");
	assert_true(cfg.namespaces[0].enabled);
	assert_string_equal(sl_cidr_format(&cfg.namespaces[0].vip_cidr4, buf, sizeof(buf)), SL_DEFAULT_VIP_CIDR);
	assert_true(cfg.namespaces[0].vip_cidr4.v4);
	assert_false(cfg.namespaces[0].has_vip_cidr6);
	assert_int_equal(cfg.namespaces[0].nsources, 0);
	assert_string_equal(cfg.bpffs, SL_DEFAULT_BPFFS);
	assert_string_equal(cfg.namespaces[0].hosts_file, SL_DEFAULT_HOSTS_FILE);
	assert_string_equal(cfg.state_file, SL_DEFAULT_STATE_FILE);
	assert_string_equal(cfg.status_file, SL_DEFAULT_STATUS_FILE);
	assert_null(cfg.cgroups);
	assert_int_equal(cfg.ncgroups, 0);
	assert_int_equal(cfg.limits.services, SLUICE_DEFAULT_MAX_SERVICES);
	assert_int_equal(cfg.limits.backends, SLUICE_DEFAULT_MAX_BACKENDS);
	assert_int_equal(cfg.limits.frontends, SLUICE_DEFAULT_MAX_FRONTENDS);
	assert_int_equal(cfg.limits.sockets, SLUICE_DEFAULT_MAX_SOCKETS);
	assert_int_equal(cfg.limits.affinities, SLUICE_DEFAULT_MAX_AFFINITIES);
	assert_int_equal(cfg.sockterm, SL_SOCKTERM_AUTO);
	assert_null(cfg.namespaces[0].services);
	assert_int_equal(cfg.namespaces[0].nservices, 0);
	sl_config_free(&cfg);
}

static void test_every_field(void **state)
{
	struct sl_config cfg;
	char buf[64];

	(void)state;
	parse_ok("{'namespace':'prod_1.local','enabled':false,'vipCidr':'10.200.0.0/24',"
		 "'allowRoutableVips':true,"
		 "'vipCidr6':'fd00:5::/112','registry':{'file':'/var/lib/sluice/instances.json'},"
		 "'cgroups':['/sys/fs/cgroup/a','/sys/fs/cgroup/b.slice'],'bpffs':'/sys/fs/bpf/x',"
		 "'hostsFile':'/run/x/hosts','stateFile':'/var/lib/x/state.json',"
		 "'statusFile':'/run/x/status.json',"
		 "'limits':{'services':1,'backends':4194304,'frontends':77,'sockets':16777216},"
		 "'logConfiguration':{'logDriver':'awslogs','options':{'a':'b'}},"
		 "'services':[{'portName':'http','discoveryName':'orders','protocol':'udp',"
		 "'ingressPortOverride':15000,'timeout':{'idleTimeoutSeconds':1},'tls':{},"
		 "'vip':'10.200.0.7','vip6':'fd00:5::7',"
		 "'clientAliases':[{'dnsName':'orders.prod_1.local','port':65535}]}]}",
		 &cfg);
	assert_string_equal(cfg.namespaces[0].namespace, "prod_1.local");
	assert_false(cfg.namespaces[0].enabled);
	assert_string_equal(sl_cidr_format(&cfg.namespaces[0].vip_cidr4, buf, sizeof(buf)), "10.200.0.0/24");
	assert_true(cfg.namespaces[0].allow_routable_vips);
	assert_true(cfg.namespaces[0].has_vip_cidr6);
	assert_false(cfg.namespaces[0].vip_cidr6.v4);
	assert_string_equal(sl_cidr_format(&cfg.namespaces[0].vip_cidr6, buf, sizeof(buf)), "fd00:5::/112");
	assert_int_equal(cfg.namespaces[0].nsources, 1);
	assert_int_equal(cfg.namespaces[0].sources[0].kind, SL_SOURCE_FILE);
	assert_string_equal(cfg.namespaces[0].sources[0].file, "/var/lib/sluice/instances.json");
	assert_int_equal(cfg.ncgroups, 2);
	assert_string_equal(cfg.cgroups[0].path, "/sys/fs/cgroup/a");
	assert_string_equal(cfg.cgroups[1].path, "/sys/fs/cgroup/b.slice");
	assert_string_equal(cfg.bpffs, "/sys/fs/bpf/x");
	assert_string_equal(cfg.namespaces[0].hosts_file, "/run/x/hosts");
	assert_string_equal(cfg.status_file, "/run/x/status.json");
	assert_string_equal(cfg.state_file, "/var/lib/x/state.json");
	assert_int_equal(cfg.limits.services, 1);
	assert_int_equal(cfg.limits.backends, 4194304);
	assert_int_equal(cfg.limits.frontends, 77);
	assert_int_equal(cfg.limits.sockets, 16777216);
	assert_int_equal(cfg.namespaces[0].nservices, 1);
	assert_string_equal(cfg.namespaces[0].services[0].name, "orders");
	assert_string_equal(cfg.namespaces[0].services[0].port_name, "http");
	assert_int_equal(cfg.namespaces[0].services[0].protocols, SL_PROTO_UDP);
	assert_int_equal(cfg.namespaces[0].services[0].naliases, 1);
	assert_string_equal(cfg.namespaces[0].services[0].aliases[0].dns_name, "orders.prod_1.local");
	assert_int_equal(cfg.namespaces[0].services[0].aliases[0].port, 65535);
	assert_true(cfg.namespaces[0].services[0].aliases[0].has_vip4);
	assert_addr(&cfg.namespaces[0].services[0].aliases[0].vip4, "10.200.0.7");
	assert_true(cfg.namespaces[0].services[0].aliases[0].has_vip6);
	assert_addr(&cfg.namespaces[0].services[0].aliases[0].vip6, "fd00:5::7");
	sl_config_free(&cfg);
}

/* A limit left out keeps its default while its neighbours are set. */
static void test_partial_limits(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(TOP("'limits':{'backends':5}"), &cfg);
	assert_int_equal(cfg.limits.services, SLUICE_DEFAULT_MAX_SERVICES);
	assert_int_equal(cfg.limits.backends, 5);
	assert_int_equal(cfg.limits.frontends, SLUICE_DEFAULT_MAX_FRONTENDS);
	assert_int_equal(cfg.limits.sockets, SLUICE_DEFAULT_MAX_SOCKETS);
	assert_int_equal(cfg.limits.affinities, SLUICE_DEFAULT_MAX_AFFINITIES);
	sl_config_free(&cfg);
}

static void test_names(void **state)
{
	struct sl_config cfg;

	(void)state;
	/* discoveryName alone; portName alone; both: the name and the alias default follow. */
	parse_ok(SVCS("{'discoveryName':'a','clientAliases':[{'port':1}]},"
		      "{'portName':'b_2','clientAliases':[{'port':2}]},"
		      "{'portName':'p','discoveryName':'c.d-e','clientAliases':[{'port':3}]},"
		      "{'portName':'noalias'}"),
		 &cfg);
	assert_int_equal(cfg.namespaces[0].nservices, 4);
	assert_string_equal(cfg.namespaces[0].services[0].name, "a");
	assert_null(cfg.namespaces[0].services[0].port_name);
	assert_string_equal(cfg.namespaces[0].services[0].aliases[0].dns_name, "a");
	assert_string_equal(cfg.namespaces[0].services[1].name, "b_2");
	assert_string_equal(cfg.namespaces[0].services[1].port_name, "b_2");
	assert_string_equal(cfg.namespaces[0].services[1].aliases[0].dns_name, "b_2");
	assert_string_equal(cfg.namespaces[0].services[2].name, "c.d-e");
	assert_string_equal(cfg.namespaces[0].services[2].port_name, "p");
	assert_string_equal(cfg.namespaces[0].services[2].aliases[0].dns_name, "c.d-e");
	assert_null(cfg.namespaces[0].services[3].aliases);
	assert_int_equal(cfg.namespaces[0].services[3].naliases, 0);
	sl_config_free(&cfg);
}

static void test_name_length(void **state)
{
	const char *want[] = { ORIGIN ": services[0].discoveryName: must be at most 127 characters" };
	char name[SLUICE_NAME_LEN + 1], text[512];
	struct sl_config cfg;

	(void)state;
	memset(name, 'x', SLUICE_NAME_LEN - 1);
	name[SLUICE_NAME_LEN - 1] = '\0';
	snprintf(text, sizeof(text), SVCS("{'discoveryName':'%s','clientAliases':[{'port':1}]}"),
		 name);
	parse_ok(text, &cfg);
	assert_int_equal(strlen(cfg.namespaces[0].services[0].name), SLUICE_NAME_LEN - 1);
	assert_string_equal(cfg.namespaces[0].services[0].aliases[0].dns_name, name);
	sl_config_free(&cfg);

	strcat(name, "y");
	snprintf(text, sizeof(text), SVCS("{'discoveryName':'%s'}"), name);
	expect_error("128 characters", text, ORIGIN, want, 1);
}

static void test_protocols(void **state)
{
	struct sl_config cfg;

	(void)state;
	/* One dnsName and port may serve tcp and udp from two services. */
	parse_ok(SVCS("{'discoveryName':'t','clientAliases':[{'dnsName':'x','port':53}]},"
		      "{'discoveryName':'u','protocol':'udp','clientAliases':[{'dnsName':'x','port':53}]},"
		      "{'discoveryName':'b','protocol':'both','clientAliases':[{'port':53}]},"
		      "{'discoveryName':'t2','protocol':'tcp'}"),
		 &cfg);
	assert_int_equal(cfg.namespaces[0].services[0].protocols, SL_PROTO_TCP);
	assert_int_equal(cfg.namespaces[0].services[1].protocols, SL_PROTO_UDP);
	assert_int_equal(cfg.namespaces[0].services[2].protocols, SL_PROTO_TCP | SL_PROTO_UDP);
	assert_int_equal(cfg.namespaces[0].services[3].protocols, SL_PROTO_TCP);
	sl_config_free(&cfg);
}

static void test_fixed_vips(void **state)
{
	const struct sl_alias_cfg *al;
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS6("{'discoveryName':'orders','vip':'127.255.0.10','vip6':'fd00:5::10',"
		       "'clientAliases':[{'port':80},{'port':81}]},"
		       "{'discoveryName':'stock','vip6':'fd00:5::20',"
		       "'clientAliases':[{'port':80,'vip':'127.255.0.20'},"
		       "{'dnsName':'stock-v6','port':80,'vip6':'fd00:5::21'}]},"
		       "{'discoveryName':'billing','vip':'127.255.0.30',"
		       "'clientAliases':[{'port':80,'vip':'127.255.0.31'}]},"
		       "{'discoveryName':'plain','clientAliases':[{'port':80}]},"
		       /* the same name may repeat its own fixed VIP elsewhere */
		       "{'discoveryName':'again','clientAliases':[{'dnsName':'orders','port':82,'vip':'127.255.0.10'}]}"),
		 &cfg);
	/* inherited from the service, both families, by both aliases */
	al = &cfg.namespaces[0].services[0].aliases[0];
	assert_true(al->has_vip4 && al->has_vip6);
	assert_addr(&al->vip4, "127.255.0.10");
	assert_addr(&al->vip6, "fd00:5::10");
	al = &cfg.namespaces[0].services[0].aliases[1];
	assert_true(al->has_vip4 && al->has_vip6);
	assert_addr(&al->vip4, "127.255.0.10");
	assert_addr(&al->vip6, "fd00:5::10");
	/* own vip, inherited vip6 */
	al = &cfg.namespaces[0].services[1].aliases[0];
	assert_true(al->has_vip4 && al->has_vip6);
	assert_addr(&al->vip4, "127.255.0.20");
	assert_addr(&al->vip6, "fd00:5::20");
	/* own vip6 overrides; no vip anywhere */
	al = &cfg.namespaces[0].services[1].aliases[1];
	assert_false(al->has_vip4);
	assert_true(al->has_vip6);
	assert_addr(&al->vip6, "fd00:5::21");
	/* own vip overrides the service's */
	al = &cfg.namespaces[0].services[2].aliases[0];
	assert_true(al->has_vip4);
	assert_false(al->has_vip6);
	assert_addr(&al->vip4, "127.255.0.31");
	al = &cfg.namespaces[0].services[3].aliases[0];
	assert_false(al->has_vip4 || al->has_vip6);
	al = &cfg.namespaces[0].services[4].aliases[0];
	assert_true(al->has_vip4);
	assert_addr(&al->vip4, "127.255.0.10");
	/* the service keeps its own */
	assert_true(cfg.namespaces[0].services[0].has_vip4 && cfg.namespaces[0].services[0].has_vip6);
	assert_addr(&cfg.namespaces[0].services[0].vip4, "127.255.0.10");
	assert_addr(&cfg.namespaces[0].services[0].vip6, "fd00:5::10");
	assert_false(cfg.namespaces[0].services[3].has_vip4 || cfg.namespaces[0].services[3].has_vip6);
	sl_config_free(&cfg);
}

/* The range's ends that are allowed: the second address and, for IPv6, the last. */
static void test_vip_range_edges(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok("{'namespace':'ns','vipCidr':'10.0.0.0/30','allowRoutableVips':true,"
		 "'vipCidr6':'fd00::/126',"
		 "'services':[{'discoveryName':'a','vip':'10.0.0.1','vip6':'fd00::3',"
		 "'clientAliases':[{'port':1}]},"
		 "{'discoveryName':'b','vip':'10.0.0.2','vip6':'fd00::1',"
		 "'clientAliases':[{'port':1}]}]}",
		 &cfg);
	assert_addr(&cfg.namespaces[0].services[0].aliases[0].vip4, "10.0.0.1");
	assert_addr(&cfg.namespaces[0].services[0].aliases[0].vip6, "fd00::3");
	assert_addr(&cfg.namespaces[0].services[1].aliases[0].vip4, "10.0.0.2");
	sl_config_free(&cfg);
}

/* Several sources, in the order written; one reload-identity rule. */
static void test_registry_sources(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(TOP("'registry':[{'file':'/a'},{'file':'/b'}]"), &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 2);
	assert_string_equal(cfg.namespaces[0].sources[0].file, "/a");
	assert_string_equal(cfg.namespaces[0].sources[1].file, "/b");
	assert_true(sl_source_cfg_eq(&cfg.namespaces[0].sources[0], &cfg.namespaces[0].sources[0]));
	assert_false(sl_source_cfg_eq(&cfg.namespaces[0].sources[0], &cfg.namespaces[0].sources[1]));
	sl_config_free(&cfg);
}

static void test_registry_paths(void **state)
{
	static const struct {
		const char *origin, *file, *want;
	} cases[] = {
		{ "/etc/sluice/sluice.json", "instances.json", "/etc/sluice/instances.json" },
		{ "/etc/sluice/sluice.json", "sub/i.json", "/etc/sluice/sub/i.json" },
		{ "conf/sluice.json", "instances.json", "conf/instances.json" },
		{ "/sluice.json", "instances.json", "/instances.json" },
		{ "sluice.json", "instances.json", "instances.json" },
		{ "sluice.json", "../x/i.json", "../x/i.json" },
		{ "/etc/sluice/sluice.json", "/srv/i.json", "/srv/i.json" },
		{ "a/b/", "i.json", "a/b/i.json" },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), TOP("'registry':{'file':'%s'}"), cases[i].file);
		if (parse(text, cases[i].origin, &cfg, &err))
			fail_msg("%s + %s: %s", cases[i].origin, cases[i].file, err.msg);
		assert_string_equal(cfg.namespaces[0].sources[0].file, cases[i].want);
		assert_string_equal(cfg.origin, cases[i].origin);
		sl_config_free(&cfg);
	}
}

/* ---- the DNS source and services' DNS names ---- */

#define DNS_SRC(...) TOP("'registry':{'dns':{" __VA_ARGS__ "}}")
#define DNS_SVC(...) SVCS("{'discoveryName':'a'," __VA_ARGS__ "}")

static void test_dns_source(void **state)
{
	const struct sl_source_cfg *d;
	struct sl_config cfg;
	char buf[128];

	(void)state;
	parse_ok(DNS_SRC(""), &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 1);
	d = &cfg.namespaces[0].sources[0];
	assert_int_equal(d->kind, SL_SOURCE_DNS);
	assert_int_equal(d->nservers, 0); /* resolv.conf's */
	assert_int_equal(d->refresh_ms, 5000);
	assert_int_equal(d->timeout_ms, 2000);
	assert_false(d->respect_ttl);
	assert_string_equal(sl_source_cfg_label(d, buf, sizeof(buf)), "dns (resolv.conf)");
	sl_config_free(&cfg);

	parse_ok(DNS_SRC("'servers':['10.0.0.2','[fd00::2]:53','10.0.0.3:5353','fd00::3',"
			 "'[fd00::4]'],'refreshSeconds':10,'timeoutSeconds':0.5,'respectTtl':true"),
		 &cfg);
	d = &cfg.namespaces[0].sources[0];
	assert_int_equal(d->nservers, 5);
	assert_addr(&d->servers[0].addr, "10.0.0.2");
	assert_int_equal(d->servers[0].port, 53);
	assert_addr(&d->servers[1].addr, "fd00::2");
	assert_int_equal(d->servers[1].port, 53);
	assert_addr(&d->servers[2].addr, "10.0.0.3");
	assert_int_equal(d->servers[2].port, 5353);
	assert_addr(&d->servers[3].addr, "fd00::3");
	assert_int_equal(d->servers[4].port, 53);
	assert_int_equal(d->refresh_ms, 10000);
	assert_int_equal(d->timeout_ms, 500);
	assert_true(d->respect_ttl);
	assert_string_equal(sl_source_cfg_label(d, buf, sizeof(buf)),
			    "dns 10.0.0.2, fd00::2, 10.0.0.3:5353, fd00::3, fd00::4");
	sl_config_free(&cfg);

	/* A default timeout yields to a shorter refresh. */
	parse_ok(DNS_SRC("'refreshSeconds':1"), &cfg);
	assert_int_equal(cfg.namespaces[0].sources[0].timeout_ms, 1000);
	sl_config_free(&cfg);
}

/* ---- the etcd source ---- */

#define ETCD_SRC(...) TOP("'registry':{'etcd':{" __VA_ARGS__ "}}")

static void test_etcd_source(void **state)
{
	const struct sl_source_cfg *d;
	struct sl_source_cfg copy;
	struct sl_config cfg;
	char buf[256];

	(void)state;
	parse_ok(ETCD_SRC("'endpoints':['http://10.0.0.5:2379/','http://etcd2:2379']"), &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 1);
	d = &cfg.namespaces[0].sources[0];
	assert_int_equal(d->kind, SL_SOURCE_ETCD);
	assert_int_equal(d->nendpoints, 2);
	assert_string_equal(d->endpoints[0], "http://10.0.0.5:2379"); /* the "/" dropped */
	assert_string_equal(d->prefix, "/sluice/");
	assert_int_equal(d->timeout_ms, 2000);
	assert_int_equal(d->resync_ms, 300000);
	assert_null(d->username);
	assert_null(d->tls_ca);
	assert_string_equal(sl_source_cfg_label(d, buf, sizeof(buf)),
			    "etcd /sluice/ http://10.0.0.5:2379, http://etcd2:2379");
	assert_int_equal(sl_source_cfg_copy(&copy, d), 0);
	assert_true(sl_source_cfg_eq(&copy, d));
	copy.resync_ms++;
	assert_false(sl_source_cfg_eq(&copy, d));
	sl_source_cfg_release(&copy);
	sl_config_free(&cfg);

	parse_ok(ETCD_SRC("'endpoints':['https://e1:2379'],'prefix':'/fleet/','tls':{'ca':'/c.pem',"
			  "'cert':'/k.crt','key':'/k.key'},'username':'u','password':'p',"
			  "'timeoutSeconds':1,'resyncSeconds':60"), &cfg);
	d = &cfg.namespaces[0].sources[0];
	assert_string_equal(d->prefix, "/fleet/");
	assert_string_equal(d->tls_ca, "/c.pem");
	assert_string_equal(d->tls_key, "/k.key");
	assert_string_equal(d->password, "p");
	assert_int_equal(d->resync_ms, 60000);
	assert_int_equal(sl_source_cfg_copy(&copy, d), 0);
	assert_true(sl_source_cfg_eq(&copy, d));
	assert_string_equal(copy.username, "u");
	sl_source_cfg_release(&copy);
	sl_config_free(&cfg);

	/* registration: a relative path from the config's directory, the TTL's default */
	parse_ok(TOP("'registration':{'path':'reg'}"), &cfg);
	assert_true(cfg.registration.enabled);
	assert_int_equal(cfg.registration.ttl_ms, 10000);
	assert_non_null(strstr(cfg.registration.path, "reg"));
	sl_config_free(&cfg);
	parse_ok(TOP("'registration':{'path':'/r','ttlSeconds':2.5}"), &cfg);
	assert_string_equal(cfg.registration.path, "/r");
	assert_int_equal(cfg.registration.ttl_ms, 2500);
	sl_config_free(&cfg);
	parse_ok(TOP("'metrics':false"), &cfg);
	assert_false(cfg.registration.enabled);
	sl_config_free(&cfg);
}

static void test_etcd_source_bad(void **state)
{
	static const struct bad_case c[] = {
		{ "no endpoints", ETCD_SRC("'prefix':'/x/'"),
		  { "registry.etcd", "endpoints", "required" } },
		{ "empty endpoints", ETCD_SRC("'endpoints':[]"),
		  { "registry.etcd.endpoints", "at least one member" } },
		{ "not a URL", ETCD_SRC("'endpoints':['10.0.0.5:2379']"),
		  { "registry.etcd.endpoints[0]", "http:// or https://", "10.0.0.5:2379" } },
		{ "a path", ETCD_SRC("'endpoints':['http://e/v3']"),
		  { "registry.etcd.endpoints[0]", "without a path" } },
		{ "prefix without /", ETCD_SRC("'endpoints':['http://e'],'prefix':'/sluice'"),
		  { "registry.etcd.prefix", "must end in \"/\"" } },
		{ "user alone", ETCD_SRC("'endpoints':['http://e'],'username':'u'"),
		  { "registry.etcd.password", "is needed with \"username\"" } },
		{ "tls over http", ETCD_SRC("'endpoints':['http://e'],'tls':{'ca':'/c'}"),
		  { "registry.etcd.endpoints", "\"http://e\" is http://", "every endpoint" } },
		{ "cert without key", ETCD_SRC("'endpoints':['https://e'],'tls':{'cert':'/c'}"),
		  { "registry.etcd.tls", "\"cert\" and \"key\" go together" } },
		{ "relative ca", ETCD_SRC("'endpoints':['https://e'],'tls':{'ca':'c.pem'}"),
		  { "registry.etcd.tls.ca" } },
		{ "unknown key", ETCD_SRC("'endpoints':['http://e'],'endpoint':'x'"),
		  { "registry.etcd", "endpoint" } },
		{ "short resync", ETCD_SRC("'endpoints':['http://e'],'resyncSeconds':5"),
		  { "registry.etcd.resyncSeconds", "at least 10" } },
		{ "registration without path", TOP("'registration':{'ttlSeconds':3}"),
		  { "registration", "path", "required" } },
		{ "registration TTL", TOP("'registration':{'path':'/r','ttlSeconds':1}"),
		  { "registration.ttlSeconds", "at least 2" } },
	};

	(void)state;
	run_bad_cases(c, sizeof(c) / sizeof(c[0]));
}

/* The array form, file and dns side by side, and one object naming both (file first). */
static void test_dns_beside_file(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(TOP("'registry':[{'file':'/a'},{'dns':{'servers':['10.0.0.2']}}]"), &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 2);
	assert_int_equal(cfg.namespaces[0].sources[0].kind, SL_SOURCE_FILE);
	assert_int_equal(cfg.namespaces[0].sources[1].kind, SL_SOURCE_DNS);
	sl_config_free(&cfg);
	parse_ok(TOP("'registry':{'dns':{},'file':'/a'}"), &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 2);
	assert_int_equal(cfg.namespaces[0].sources[0].kind, SL_SOURCE_FILE);
	assert_string_equal(cfg.namespaces[0].sources[0].file, "/a");
	assert_int_equal(cfg.namespaces[0].sources[1].kind, SL_SOURCE_DNS);
	sl_config_free(&cfg);
}

/* Each of n configs' first source equals its own copy and none of the others'. */
static void expect_distinct_sources(const char *const *variants, size_t n)
{
	struct sl_config a, b;
	struct sl_source_cfg copy;
	size_t i, k;

	for (i = 0; i < n; i++) {
		parse_ok(variants[i], &a);
		assert_int_equal(sl_source_cfg_copy(&copy, &a.namespaces[0].sources[0]), 0);
		assert_true(sl_source_cfg_eq(&copy, &a.namespaces[0].sources[0]));
		sl_source_cfg_release(&copy);
		for (k = 0; k < n; k++) {
			parse_ok(variants[k], &b);
			if (sl_source_cfg_eq(&a.namespaces[0].sources[0], &b.namespaces[0].sources[0]) != (i == k))
				fail_msg("%s vs %s", variants[i], variants[k]);
			sl_config_free(&b);
		}
		sl_config_free(&a);
	}
}

/* A DNS source is the same one when every option is. */
static void test_dns_source_eq(void **state)
{
	static const char *const variants[] = {
		DNS_SRC("'servers':['10.0.0.2']"),
		DNS_SRC("'servers':['10.0.0.2:54']"),
		DNS_SRC("'servers':['10.0.0.3']"),
		DNS_SRC("'servers':['10.0.0.2','10.0.0.3']"),
		DNS_SRC("'servers':['10.0.0.2'],'refreshSeconds':6"),
		DNS_SRC("'servers':['10.0.0.2'],'timeoutSeconds':1"),
		DNS_SRC("'servers':['10.0.0.2'],'respectTtl':true"),
		DNS_SRC(""),
		TOP("'registry':{'file':'/a'}"),
	};
	(void)state;
	expect_distinct_sources(variants, ARRAY_SIZE(variants));
}

/* ---- the Cloud Map source ---- */

#define CM_SRC(...) TOP("'registry':{'cloudMap':{'region':'us-east-1'" __VA_ARGS__ "}}")

static void test_cloudmap_source(void **state)
{
	const struct sl_source_cfg *c;
	struct sl_config cfg;
	char buf[160];

	(void)state;
	parse_ok(CM_SRC(""), &cfg);
	c = &cfg.namespaces[0].sources[0];
	assert_int_equal(c->kind, SL_SOURCE_CLOUDMAP);
	assert_string_equal(c->region, "us-east-1");
	assert_null(c->cm_namespace); /* the config's */
	assert_null(c->endpoint);
	assert_int_equal(c->health, SL_CM_ALL);
	assert_int_equal(c->poll_ms, 5000);
	assert_int_equal(c->full_ms, 30000);
	assert_int_equal(c->timeout_ms, 5000);
	assert_string_equal(sl_source_cfg_label(c, buf, sizeof(buf)), "cloudMap us-east-1");
	sl_config_free(&cfg);

	parse_ok(CM_SRC(",'namespace':'prod.local','healthStatus':'HEALTHY','pollSeconds':2,"
			"'fullSeconds':10,'timeoutSeconds':1,'endpoint':'http://127.0.0.9:8080/'"), &cfg);
	c = &cfg.namespaces[0].sources[0];
	assert_string_equal(c->cm_namespace, "prod.local");
	assert_int_equal(c->health, SL_CM_HEALTHY);
	assert_int_equal(c->poll_ms, 2000);
	assert_int_equal(c->full_ms, 10000);
	assert_int_equal(c->timeout_ms, 1000);
	assert_string_equal(sl_source_cfg_label(c, buf, sizeof(buf)),
			    "cloudMap us-east-1 prod.local at http://127.0.0.9:8080/");
	sl_config_free(&cfg);

	/* defaults yield to a shorter poll; https anywhere, http to [::1] */
	parse_ok(CM_SRC(",'pollSeconds':40,'endpoint':'https://vpce-1.example.com:443'"), &cfg);
	assert_int_equal(cfg.namespaces[0].sources[0].full_ms, 40000);
	sl_config_free(&cfg);
	parse_ok(CM_SRC(",'pollSeconds':1,'endpoint':'http://[::1]:80'"), &cfg);
	assert_int_equal(cfg.namespaces[0].sources[0].timeout_ms, 1000);
	sl_config_free(&cfg);
	/* beside the others */
	parse_ok(TOP("'registry':[{'file':'/a','cloudMap':{'region':'eu-west-3'}},{'dns':{}}]"),
		 &cfg);
	assert_int_equal(cfg.namespaces[0].nsources, 3);
	assert_int_equal(cfg.namespaces[0].sources[1].kind, SL_SOURCE_CLOUDMAP);
	assert_int_equal(cfg.namespaces[0].sources[2].kind, SL_SOURCE_DNS);
	sl_config_free(&cfg);
}

static void test_cloudmap_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "no region", TOP("'registry':{'cloudMap':{}}"),
		  { ORIGIN ": registry.cloudMap.region: required" } },
		{ "bad region", TOP("'registry':{'cloudMap':{'region':'US East'}}"),
		  { ORIGIN ": registry.cloudMap.region: must be an AWS region's name",
		    "got \"US East\"" } },
		{ "region one dash", TOP("'registry':{'cloudMap':{'region':'us-1'}}"),
		  { ORIGIN ": registry.cloudMap.region: must be an AWS region's name" } },
		{ "not object", TOP("'registry':{'cloudMap':'us-east-1'}"),
		  { ORIGIN ": registry.cloudMap: must be an object" } },
		{ "unknown", CM_SRC(",'poll':1"), { ORIGIN ": registry.cloudMap.poll: unknown field" } },
		{ "poll short", CM_SRC(",'pollSeconds':0.5"),
		  { ORIGIN ": registry.cloudMap.pollSeconds: must be at least 1" } },
		{ "full short", CM_SRC(",'pollSeconds':10,'fullSeconds':5"),
		  { ORIGIN ": registry.cloudMap.fullSeconds: must be at least pollSeconds (10)" } },
		{ "timeout long", CM_SRC(",'pollSeconds':2,'timeoutSeconds':3"),
		  { ORIGIN ": registry.cloudMap.timeoutSeconds: must be at most pollSeconds (2)" } },
		{ "health", CM_SRC(",'healthStatus':'UNHEALTHY'"),
		  { ORIGIN ": registry.cloudMap.healthStatus: must be" } },
		{ "endpoint scheme", CM_SRC(",'endpoint':'ftp://x'"),
		  { ORIGIN ": registry.cloudMap.endpoint: must be \"https://HOST[:PORT]\"" } },
		{ "endpoint path", CM_SRC(",'endpoint':'https://x/y'"),
		  { ORIGIN ": registry.cloudMap.endpoint: must be" } },
		{ "endpoint port", CM_SRC(",'endpoint':'https://x:0'"),
		  { ORIGIN ": registry.cloudMap.endpoint: must be" } },
		{ "endpoint no host", CM_SRC(",'endpoint':'https://'"),
		  { ORIGIN ": registry.cloudMap.endpoint: must be" } },
		{ "endpoint http", CM_SRC(",'endpoint':'http://10.0.0.2'"),
		  { ORIGIN ": registry.cloudMap.endpoint: http:// sends the session token in the "
		    "clear" } },
		{ "HEALTHY and a service's fallback",
		  "{'namespace':'ns','registry':{'cloudMap':{'region':'us-east-1','healthStatus':"
		  "'HEALTHY'}},'services':[{'discoveryName':'a','healthStatus':'HEALTHY_OR_ELSE_ALL',"
		  "'clientAliases':[{'port':80}]}]}",
		  { ORIGIN ": services[0].healthStatus: the registry's cloudMap source asks for "
		    "HEALTHY instances only" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* Entries of "namespaces" take the top level's Cloud Map source, each asking for its own
 * namespace; a top-level HEALTHY filter refuses an entry's service that falls back. */
static void test_cloudmap_namespaces(void **state)
{
	static const struct bad_case cases[] = {
		{ "inherited HEALTHY",
		  "{'registry':{'cloudMap':{'region':'us-east-1','healthStatus':'HEALTHY'}},"
		  "'namespaces':[{'namespace':'a','services':[{'discoveryName':'x',"
		  "'healthStatus':'HEALTHY_OR_ELSE_ALL','clientAliases':[{'port':80}]}]}]}",
		  { ORIGIN ": namespaces[0].services[0].healthStatus: the registry's cloudMap "
		    "source asks for HEALTHY instances only" } },
	};
	struct sl_config cfg;

	(void)state;
	parse_ok("{'registry':{'cloudMap':{'region':'eu-west-1'}},'namespaces':["
		 "{'namespace':'a','services':[]},{'namespace':'b','services':[],"
		 "'registry':{'cloudMap':{'region':'eu-west-1','namespace':'b.local'}}}]}", &cfg);
	assert_int_equal(cfg.nnamespaces, 2);
	assert_int_equal(cfg.namespaces[0].nsources, 1);
	assert_int_equal(cfg.namespaces[0].sources[0].kind, SL_SOURCE_CLOUDMAP);
	assert_null(cfg.namespaces[0].sources[0].cm_namespace); /* "a", when it opens */
	assert_string_equal(cfg.namespaces[1].sources[0].cm_namespace, "b.local");
	sl_config_free(&cfg);
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_cloudmap_source_eq(void **state)
{
	static const char *const variants[] = {
		CM_SRC(""),
		TOP("'registry':{'cloudMap':{'region':'us-east-2'}}"),
		CM_SRC(",'namespace':'x'"),
		CM_SRC(",'healthStatus':'HEALTHY'"),
		CM_SRC(",'pollSeconds':6"),
		CM_SRC(",'fullSeconds':60"),
		CM_SRC(",'timeoutSeconds':1"),
		CM_SRC(",'endpoint':'https://x'"),
		DNS_SRC(""),
	};
	(void)state;
	expect_distinct_sources(variants, ARRAY_SIZE(variants));
}

static void test_service_dns(void **state)
{
	const struct sl_service_cfg *svc;
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS("{'discoveryName':'orders'}"), &cfg);
	svc = &cfg.namespaces[0].services[0];
	assert_string_equal(svc->dns.name, "orders.ns");
	assert_int_equal(svc->dns.type, SL_DNS_SRV);
	assert_int_equal(svc->dns.port, 0);
	sl_config_free(&cfg);

	parse_ok(SVCS("{'portName':'p','dns':{'type':'SRV'}}"), &cfg);
	assert_string_equal(cfg.namespaces[0].services[0].dns.name, "p.ns");
	sl_config_free(&cfg);

	parse_ok(DNS_SVC("'dns':{'name':'Other.Example_1.com','type':'AAAA','port':8080}"), &cfg);
	svc = &cfg.namespaces[0].services[0];
	assert_string_equal(svc->dns.name, "Other.Example_1.com");
	assert_int_equal(svc->dns.type, SL_DNS_AAAA);
	assert_int_equal(svc->dns.port, 8080);
	sl_config_free(&cfg);

	/* A and AAAA take the service's port when the dns block has none. */
	parse_ok(DNS_SVC("'port':9000,'dns':{'type':'A'}"), &cfg);
	assert_int_equal(cfg.namespaces[0].services[0].dns.type, SL_DNS_A);
	assert_int_equal(cfg.namespaces[0].services[0].dns.port, 0);
	assert_int_equal(cfg.namespaces[0].services[0].port, 9000);
	sl_config_free(&cfg);
}

static void test_dns_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "dns not object", TOP("'registry':{'dns':true}"),
		  { ORIGIN ": registry.dns: must be an object ({\"servers\": [...], "
		    "\"refreshSeconds\": N, ...}), got true" } },
		{ "dns unknown", DNS_SRC("'server':['10.0.0.2']"),
		  { ORIGIN ": registry.dns.server: unknown field (known: servers, refreshSeconds, "
		    "timeoutSeconds, respectTtl)" } },
		{ "servers string", DNS_SRC("'servers':'10.0.0.2'"),
		  { ORIGIN ": registry.dns.servers: must be an array of addresses, got \"10.0.0.2\"" } },
		{ "server name", DNS_SRC("'servers':['10.0.0.2','ns1.example.com']"),
		  { ORIGIN ": registry.dns.servers[1]: must be an IP address, with a port or not "
		    "(10.0.0.2, 10.0.0.2:53, fd00::2, [fd00::2]:53), got \"ns1.example.com\"" } },
		{ "server number", DNS_SRC("'servers':[53]"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address", "got 53" } },
		{ "server port 0", DNS_SRC("'servers':['10.0.0.2:0']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address", "got \"10.0.0.2:0\"" } },
		{ "server port big", DNS_SRC("'servers':['10.0.0.2:65536']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address" } },
		{ "server port empty", DNS_SRC("'servers':['10.0.0.2:']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address" } },
		{ "server port sign", DNS_SRC("'servers':['10.0.0.2:+53']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address" } },
		{ "server v6 no bracket end", DNS_SRC("'servers':['[fd00::2:53']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address" } },
		{ "server v6 junk after", DNS_SRC("'servers':['[fd00::2]x']"),
		  { ORIGIN ": registry.dns.servers[0]: must be an IP address" } },
		{ "server v4 in brackets", DNS_SRC("'servers':['[10.0.0.2]:53']"),
		  { ORIGIN ": registry.dns.servers[0]: must write an IPv4 address without brackets, "
		    "got \"[10.0.0.2]:53\"" } },
		{ "refresh zero", DNS_SRC("'refreshSeconds':0"),
		  { ORIGIN ": registry.dns.refreshSeconds: must be a number of seconds > 0 and at "
		    "most 3600, got 0" } },
		{ "refresh short", DNS_SRC("'refreshSeconds':0.5"),
		  { ORIGIN ": registry.dns.refreshSeconds: must be at least 1, got 0.5" } },
		{ "refresh long", DNS_SRC("'refreshSeconds':3601"),
		  { ORIGIN ": registry.dns.refreshSeconds: must be a number of seconds > 0 and at "
		    "most 3600, got 3601" } },
		{ "timeout over refresh", DNS_SRC("'refreshSeconds':2,'timeoutSeconds':3"),
		  { ORIGIN ": registry.dns.timeoutSeconds: must be at most refreshSeconds (2), got 3" } },
		{ "timeout long", DNS_SRC("'timeoutSeconds':61"),
		  { ORIGIN ": registry.dns.timeoutSeconds: must be a number of seconds > 0 and at "
		    "most 60, got 61" } },
		{ "respectTtl string", DNS_SRC("'respectTtl':'yes'"),
		  { ORIGIN ": registry.dns.respectTtl: must be true or false, got \"yes\"" } },
		{ "array dns bad", TOP("'registry':[{'file':'/a'},{'dns':{'refreshSeconds':'5'}}]"),
		  { ORIGIN ": registry[1].dns.refreshSeconds: must be a number of seconds" } },
		{ "service dns not object", DNS_SVC("'dns':'a.ns'"),
		  { ORIGIN ": services[0].dns: must be an object {\"name\", \"type\", \"port\"}, "
		    "got \"a.ns\"" } },
		{ "service dns unknown", DNS_SVC("'dns':{'ttl':5}"),
		  { ORIGIN ": services[0].dns.ttl: unknown field (known: name, type, port)" } },
		{ "service dns type", DNS_SVC("'dns':{'type':'CNAME'}"),
		  { ORIGIN ": services[0].dns.type: must be \"SRV\", \"A\" or \"AAAA\", got "
		    "\"CNAME\"" } },
		{ "service dns type case", DNS_SVC("'dns':{'type':'srv'}"),
		  { ORIGIN ": services[0].dns.type: must be \"SRV\", \"A\" or \"AAAA\"" } },
		{ "service dns name chars", DNS_SVC("'dns':{'name':'a b.ns'}"),
		  { ORIGIN ": services[0].dns.name: may hold only letters, digits, '.', '_' and '-', "
		    "got \"a b.ns\"" } },
		{ "service dns name dots", DNS_SVC("'dns':{'name':'a..ns'}"),
		  { ORIGIN ": services[0].dns.name: must not contain \"..\"" } },
		{ "service dns name final dot", DNS_SVC("'dns':{'name':'a.ns.'}"),
		  { ORIGIN ": services[0].dns.name: must not start or end with '.' or '-'" } },
		{ "service dns label long",
		  DNS_SVC("'dns':{'name':'a234567890123456789012345678901234567890123456789012345678901234.ns'}"),
		  { ORIGIN ": services[0].dns.name: has a label longer than 63 characters" } },
		{ "service dns SRV port", DNS_SVC("'dns':{'port':80}"),
		  { ORIGIN ": services[0].dns.port: only for \"type\": \"A\" or \"AAAA\" (SRV "
		    "records carry their port), got 80" } },
		{ "service dns A no port", DNS_SVC("'dns':{'type':'A'}"),
		  { ORIGIN ": services[0].dns.type: A and AAAA records carry no port: give "
		    "\"port\" here or the service's \"port\", got \"A\"" } },
		{ "service dns port 0", DNS_SVC("'dns':{'type':'A','port':0}"),
		  { ORIGIN ": services[0].dns.port: must be an integer from 1 to 65535, got 0" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* The default DNS name, discoveryName.namespace, must be a DNS name too. */
static void test_dns_default_name(void **state)
{
	char text[1024], label[64], ns[128], msg[512];
	const char *want[] = { msg, NULL, NULL };
	struct sl_config cfg;

	(void)state;
	memset(label, 'n', 63);
	label[63] = '\0';
	snprintf(ns, sizeof(ns), "%s.%s", label, label); /* 127 characters */
	snprintf(text, sizeof(text), "{'namespace':'%s','registry':{'dns':{}},"
		 "'services':[{'discoveryName':'%s.%s'}]}", ns, label, label);
	snprintf(msg, sizeof(msg), ORIGIN ": services[0]: its DNS name %s.%s.%s "
		 "(discoveryName.namespace) is longer than 253 characters: give \"dns\": "
		 "{\"name\": ...}", label, label, ns);
	expect_error("default DNS name too long", text, ORIGIN, want, 3);
	snprintf(text, sizeof(text), "{'namespace':'ns','registry':[{'file':'/a'},{'dns':{}}],"
		 "'services':[{'discoveryName':'%sx'}]}", label);
	snprintf(msg, sizeof(msg), ORIGIN ": services[0]: its DNS name %sx.ns "
		 "(discoveryName.namespace) has a label longer than 63 characters", label);
	expect_error("default DNS name label too long", text, ORIGIN, want, 3);
	/* Without a DNS source to ask it, such a name is no error: it is not asked. */
	snprintf(text, sizeof(text), "{'namespace':'ns','registry':{'file':'/a'},"
		 "'services':[{'discoveryName':'%sx'}]}", label);
	parse_ok(text, &cfg);
	assert_null(cfg.namespaces[0].services[0].dns.name);
	sl_config_free(&cfg);
}

/* ---- routing, health and socket termination fields ---- */

/* What every service gets when it says nothing about them. */
static void assert_service_defaults(const struct sl_service_cfg *svc)
{
	assert_int_equal(svc->lb_policy, SLUICE_LB_RANDOM);
	assert_int_equal(svc->affinity_timeout_s, 0);
	assert_int_equal(svc->panic_percent, 50);
	assert_false(svc->terminate_tcp);
	assert_false(svc->health.enabled);
	assert_null(svc->health.path);
	assert_null(svc->health.expect);
	assert_int_equal(svc->health.nexpect, 0);
	assert_true(svc->outlier.enabled);
	assert_int_equal(svc->outlier.consecutive_failures, 3);
	assert_int_equal(svc->outlier.base_ejection_ms, 30000);
	assert_int_equal(svc->outlier.max_ejection_ms, 300000);
	assert_int_equal(svc->outlier.max_ejection_percent, 50);
}

static void test_service_defaults(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS("{'portName':'a'},{'portName':'b','protocol':'udp','clientAliases':[{'port':1}]}"),
		 &cfg);
	assert_service_defaults(&cfg.namespaces[0].services[0]);
	assert_service_defaults(&cfg.namespaces[0].services[1]);
	assert_int_equal(cfg.sockterm, SL_SOCKTERM_AUTO);
	sl_config_free(&cfg);
}

static void test_service_new_fields(void **state)
{
	const struct sl_service_cfg *svc;
	struct sl_config cfg;

	(void)state;
	parse_ok("{'namespace':'ns','socketTermination':'sock_diag','limits':{'affinities':1000},"
		 "'services':[{'portName':'a','lbPolicy':'least_request',"
		 "'sessionAffinity':{'timeoutSeconds':600},'panicThresholdPercent':0,"
		 "'terminateTcp':true,"
		 "'healthCheck':{'protocol':'http','path':'/healthz?full=1','port':9000,"
		 "'intervalSeconds':10,'timeoutSeconds':1.5,'unhealthyThreshold':1,"
		 "'healthyThreshold':1000,'expectStatus':[200,'300-302']},"
		 "'outlierDetection':{'enabled':true,'consecutiveFailures':65535,"
		 "'baseEjectionSeconds':0.25,'maxEjectionSeconds':86400,'maxEjectionPercent':100},"
		 "'clientAliases':[{'port':80}]}]}",
		 &cfg);
	assert_int_equal(cfg.sockterm, SL_SOCKTERM_DIAG);
	assert_int_equal(cfg.limits.affinities, 1000);
	svc = &cfg.namespaces[0].services[0];
	assert_int_equal(svc->lb_policy, SLUICE_LB_LEAST_REQUEST);
	assert_int_equal(svc->affinity_timeout_s, 600);
	assert_int_equal(svc->panic_percent, 0);
	assert_true(svc->terminate_tcp);
	assert_true(svc->health.enabled);
	assert_int_equal(svc->health.proto, SL_HC_HTTP);
	assert_string_equal(svc->health.path, "/healthz?full=1");
	assert_int_equal(svc->health.port, 9000);
	assert_int_equal(svc->health.interval_ms, 10000);
	assert_int_equal(svc->health.timeout_ms, 1500);
	assert_int_equal(svc->health.unhealthy_threshold, 1);
	assert_int_equal(svc->health.healthy_threshold, 1000);
	assert_int_equal(svc->health.nexpect, 2);
	assert_int_equal(svc->health.expect[0].lo, 200);
	assert_int_equal(svc->health.expect[0].hi, 200);
	assert_int_equal(svc->health.expect[1].lo, 300);
	assert_int_equal(svc->health.expect[1].hi, 302);
	assert_true(svc->outlier.enabled);
	assert_int_equal(svc->outlier.consecutive_failures, 65535);
	assert_int_equal(svc->outlier.base_ejection_ms, 250);
	assert_int_equal(svc->outlier.max_ejection_ms, 86400000);
	assert_int_equal(svc->outlier.max_ejection_percent, 100);
	sl_config_free(&cfg);
	assert_true(is_zeroed(&cfg));
}

static void test_lb_policy_and_affinity(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS("{'portName':'a','lbPolicy':'random','sessionAffinity':{}},"
		      "{'portName':'b','lbPolicy':'round_robin','sessionAffinity':{'timeoutSeconds':1}},"
		      "{'portName':'c','lbPolicy':'least_request','sessionAffinity':{'timeoutSeconds':86400}},"
		      "{'portName':'d','panicThresholdPercent':100,'terminateTcp':false}"),
		 &cfg);
	assert_int_equal(cfg.namespaces[0].services[0].lb_policy, SLUICE_LB_RANDOM);
	assert_int_equal(cfg.namespaces[0].services[0].affinity_timeout_s, 10800);
	assert_int_equal(cfg.namespaces[0].services[1].lb_policy, SLUICE_LB_ROUND_ROBIN);
	assert_int_equal(cfg.namespaces[0].services[1].affinity_timeout_s, 1);
	assert_int_equal(cfg.namespaces[0].services[2].lb_policy, SLUICE_LB_LEAST_REQUEST);
	assert_int_equal(cfg.namespaces[0].services[2].affinity_timeout_s, 86400);
	assert_int_equal(cfg.namespaces[0].services[3].lb_policy, SLUICE_LB_RANDOM);
	assert_int_equal(cfg.namespaces[0].services[3].affinity_timeout_s, 0);
	assert_int_equal(cfg.namespaces[0].services[3].panic_percent, 100);
	assert_false(cfg.namespaces[0].services[3].terminate_tcp);
	sl_config_free(&cfg);
}

/* Connection limits: connectTimeoutMs, maxConnectionsPerBackend, and ECS's "timeout" object
 * (idleTimeoutSeconds applied, perRequestTimeoutSeconds taken and marked, to be said). */
static void test_connection_limits(void **state)
{
	struct sl_config cfg;
	struct sluice_policy pol;
	const struct sl_service_cfg *sv;

	(void)state;
	parse_ok(SVCS("{'portName':'a','connectTimeoutMs':250,'maxConnectionsPerBackend':100,"
		      "'timeout':{'idleTimeoutSeconds':300,'perRequestTimeoutSeconds':15}},"
		      "{'portName':'b','timeout':{}},{'portName':'c'}"),
		 &cfg);
	sv = cfg.namespaces[0].services;
	assert_int_equal(sv[0].connect_timeout_ms, 250);
	assert_int_equal(sv[0].max_connections, 100);
	assert_int_equal(sv[0].idle_timeout_s, 300);
	assert_true(sv[0].has_per_request_timeout);
	sl_policy_from_config(&sv[0], &pol);
	assert_int_equal(pol.connect_timeout_ms, 250);
	assert_int_equal(pol.max_connections, 100);
	assert_int_equal(pol.idle_timeout_s, 300);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(sv[i].connect_timeout_ms, 0);
		assert_int_equal(sv[i].max_connections, 0);
		assert_int_equal(sv[i].idle_timeout_s, 0);
		assert_false(sv[i].has_per_request_timeout);
		sl_policy_from_config(&sv[i], &pol);
		assert_int_equal(pol.connect_timeout_ms + pol.max_connections + pol.idle_timeout_s,
				 0);
	}
	sl_config_free(&cfg);
}

static void test_health_defaults(void **state)
{
	const struct sl_health_check_cfg *hc;
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS("{'portName':'a','healthCheck':{}},"
		      "{'portName':'b','healthCheck':{'protocol':'http'}},"
		      "{'portName':'c','healthCheck':{'protocol':'tcp','port':1}}"),
		 &cfg);
	hc = &cfg.namespaces[0].services[0].health;
	assert_true(hc->enabled);
	assert_int_equal(hc->proto, SL_HC_TCP);
	assert_null(hc->path);
	assert_int_equal(hc->port, 0);
	assert_int_equal(hc->interval_ms, 5000);
	assert_int_equal(hc->timeout_ms, 2000);
	assert_int_equal(hc->unhealthy_threshold, 2);
	assert_int_equal(hc->healthy_threshold, 2);
	assert_null(hc->expect);
	assert_int_equal(hc->nexpect, 0);
	hc = &cfg.namespaces[0].services[1].health;
	assert_true(hc->enabled);
	assert_int_equal(hc->proto, SL_HC_HTTP);
	assert_string_equal(hc->path, "/");
	assert_int_equal(hc->interval_ms, 5000);
	assert_int_equal(hc->timeout_ms, 2000);
	assert_int_equal(hc->nexpect, 1);
	assert_int_equal(hc->expect[0].lo, 200);
	assert_int_equal(hc->expect[0].hi, 399);
	hc = &cfg.namespaces[0].services[2].health;
	assert_int_equal(hc->proto, SL_HC_TCP);
	assert_int_equal(hc->port, 1);
	/* health checks leave outlier detection on */
	assert_true(cfg.namespaces[0].services[0].outlier.enabled);
	sl_config_free(&cfg);
}

/* Fractional seconds become milliseconds; the default timeout shrinks to a short interval. */
static void test_health_seconds(void **state)
{
	static const struct {
		const char *hc;
		uint32_t interval_ms, timeout_ms;
	} cases[] = {
		{ "'intervalSeconds':0.2", 200, 200 },
		{ "'intervalSeconds':1", 1000, 1000 },
		{ "'intervalSeconds':3", 3000, 2000 },
		{ "'intervalSeconds':3600,'timeoutSeconds':3600", 3600000, 3600000 },
		{ "'intervalSeconds':0.2,'timeoutSeconds':0.05", 200, 50 },
		{ "'intervalSeconds':0.2004,'timeoutSeconds':0.2", 200, 200 },
		{ "'intervalSeconds':0.2006", 201, 201 },
		{ "'intervalSeconds':0.0001,'timeoutSeconds':1e-9", 1, 1 },
		{ "'timeoutSeconds':5", 5000, 5000 },
		{ "'timeoutSeconds':0.1", 5000, 100 },
	};
	struct sl_config cfg;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), SVCS("{'portName':'a','healthCheck':{%s}}"), cases[i].hc);
		parse_ok(text, &cfg);
		if (cfg.namespaces[0].services[0].health.interval_ms != cases[i].interval_ms ||
		    cfg.namespaces[0].services[0].health.timeout_ms != cases[i].timeout_ms)
			fail_msg("%s: got %u/%u ms, want %u/%u", cases[i].hc,
				 cfg.namespaces[0].services[0].health.interval_ms, cfg.namespaces[0].services[0].health.timeout_ms,
				 cases[i].interval_ms, cases[i].timeout_ms);
		sl_config_free(&cfg);
	}
}

static void test_expect_status(void **state)
{
	static const struct {
		const char *expect;
		size_t n;
		uint16_t r[3][2];
	} cases[] = {
		{ "204", 1, { { 204, 204 } } },
		{ "'200-299'", 1, { { 200, 299 } } },
		{ "'100-599'", 1, { { 100, 599 } } },
		{ "'404-404'", 1, { { 404, 404 } } },
		{ "[200]", 1, { { 200, 200 } } },
		{ "[200,'300-302',599]", 3, { { 200, 200 }, { 300, 302 }, { 599, 599 } } },
	};
	const struct sl_health_check_cfg *hc;
	struct sl_config cfg;
	char text[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text),
			 SVCS("{'portName':'a','healthCheck':{'protocol':'http','expectStatus':%s}}"),
			 cases[i].expect);
		parse_ok(text, &cfg);
		hc = &cfg.namespaces[0].services[0].health;
		if (hc->nexpect != cases[i].n)
			fail_msg("%s: %zu ranges, want %zu", cases[i].expect, hc->nexpect, cases[i].n);
		for (j = 0; j < cases[i].n; j++)
			if (hc->expect[j].lo != cases[i].r[j][0] || hc->expect[j].hi != cases[i].r[j][1])
				fail_msg("%s: range %zu is %u-%u, want %u-%u", cases[i].expect, j,
					 hc->expect[j].lo, hc->expect[j].hi, cases[i].r[j][0],
					 cases[i].r[j][1]);
		sl_config_free(&cfg);
	}
}

/* The longest path allowed, and one byte more. */
static void test_health_path_length(void **state)
{
	const char *want[] = { ORIGIN ": services[0].healthCheck.path: must be at most 1024 bytes" };
	char path[1026], text[1200];
	struct sl_config cfg;

	(void)state;
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[1024] = '\0';
	snprintf(text, sizeof(text), SVCS("{'portName':'a','healthCheck':{'protocol':'http','path':'%s'}}"),
		 path);
	parse_ok(text, &cfg);
	assert_int_equal(strlen(cfg.namespaces[0].services[0].health.path), 1024);
	sl_config_free(&cfg);
	path[1024] = 'p';
	path[1025] = '\0';
	snprintf(text, sizeof(text), SVCS("{'portName':'a','healthCheck':{'protocol':'http','path':'%s'}}"),
		 path);
	expect_error("1025-byte path", text, ORIGIN, want, 1);
}

static void test_outlier_forms(void **state)
{
	static const struct {
		const char *od;
		bool enabled;
		uint32_t failures, base_ms, max_ms, percent;
	} cases[] = {
		{ "false", false, 3, 30000, 300000, 50 },
		{ "true", true, 3, 30000, 300000, 50 },
		{ "{}", true, 3, 30000, 300000, 50 },
		{ "{'enabled':false}", false, 3, 30000, 300000, 50 },
		{ "{'enabled':true,'consecutiveFailures':1}", true, 1, 30000, 300000, 50 },
		{ "{'consecutiveFailures':5,'maxEjectionPercent':0}", true, 5, 30000, 300000, 0 },
		/* a given base above the default max carries the max up with it */
		{ "{'baseEjectionSeconds':600}", true, 3, 600000, 600000, 50 },
		/* a given max below the default base carries the base down with it */
		{ "{'maxEjectionSeconds':10}", true, 3, 10000, 10000, 50 },
		{ "{'baseEjectionSeconds':0.5,'maxEjectionSeconds':0.5}", true, 3, 500, 500, 50 },
		{ "{'baseEjectionSeconds':1.5,'maxEjectionSeconds':60}", true, 3, 1500, 60000, 50 },
	};
	const struct sl_outlier_cfg *od;
	struct sl_config cfg;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), SVCS("{'portName':'a','outlierDetection':%s}"),
			 cases[i].od);
		parse_ok(text, &cfg);
		od = &cfg.namespaces[0].services[0].outlier;
		if (od->enabled != cases[i].enabled || od->consecutive_failures != cases[i].failures ||
		    od->base_ejection_ms != cases[i].base_ms || od->max_ejection_ms != cases[i].max_ms ||
		    od->max_ejection_percent != cases[i].percent)
			fail_msg("%s: got %d %u %u %u %u", cases[i].od, od->enabled,
				 od->consecutive_failures, od->base_ejection_ms, od->max_ejection_ms,
				 od->max_ejection_percent);
		sl_config_free(&cfg);
	}
}

static void test_socket_termination(void **state)
{
	static const struct {
		const char *name;
		enum sl_sockterm_mode mode;
	} cases[] = {
		{ "auto", SL_SOCKTERM_AUTO },
		{ "iterator", SL_SOCKTERM_ITER },
		{ "sock_diag", SL_SOCKTERM_DIAG },
		{ "off", SL_SOCKTERM_OFF },
	};
	struct sl_config cfg;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), TOP("'socketTermination':'%s'"), cases[i].name);
		parse_ok(text, &cfg);
		assert_int_equal(cfg.sockterm, cases[i].mode);
		sl_config_free(&cfg);
	}
}

static void test_limits_affinities(void **state)
{
	struct sl_config cfg;

	(void)state;
	parse_ok(TOP("'limits':{'affinities':16777216}"), &cfg);
	assert_int_equal(cfg.limits.affinities, 1U << 24);
	assert_int_equal(cfg.limits.services, SLUICE_DEFAULT_MAX_SERVICES);
	assert_int_equal(cfg.limits.sockets, SLUICE_DEFAULT_MAX_SOCKETS);
	sl_config_free(&cfg);
	parse_ok(TOP("'limits':{'affinities':1,'sockets':2}"), &cfg);
	assert_int_equal(cfg.limits.affinities, 1);
	assert_int_equal(cfg.limits.sockets, 2);
	sl_config_free(&cfg);
}

/* The message in full, for one case. */
static void test_health_message(void **state)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	assert_int_equal(parse(SVCS("{'portName':'a'},{'portName':'b','healthCheck':{'intervalSeconds':'x'}}"),
			       ORIGIN, &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": services[1].healthCheck.intervalSeconds: must be a "
				     "number of seconds > 0 and at most 3600, got \"x\"");
	assert_true(is_zeroed(&cfg));
}

#define HC(...) SVCS("{'portName':'a','healthCheck':{" __VA_ARGS__ "}}")
#define HTTP(...) HC("'protocol':'http'," __VA_ARGS__)
#define OD(...) SVCS("{'portName':'a','outlierDetection':" __VA_ARGS__ "}")

static void test_routing_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "lbPolicy unknown", SVCS("{'portName':'a','lbPolicy':'roundrobin'}"),
		  { ORIGIN ": services[0].lbPolicy: must be \"random\", \"round_robin\" or \"least_request\", got \"roundrobin\"" } },
		{ "lbPolicy number", SVCS("{'portName':'a'},{'portName':'b','lbPolicy':1}"),
		  { ORIGIN ": services[1].lbPolicy: must be", "got 1" } },
		{ "sessionAffinity bool", SVCS("{'portName':'a','sessionAffinity':true}"),
		  { ORIGIN ": services[0].sessionAffinity: must be an object", "got true" } },
		{ "sessionAffinity unknown", SVCS("{'portName':'a','sessionAffinity':{'timeout':5}}"),
		  { ORIGIN ": services[0].sessionAffinity.timeout: unknown field (known: timeoutSeconds)" } },
		{ "affinity zero", SVCS("{'portName':'a','sessionAffinity':{'timeoutSeconds':0}}"),
		  { ORIGIN ": services[0].sessionAffinity.timeoutSeconds: must be an integer from 1 to 86400, got 0" } },
		{ "affinity too long", SVCS("{'portName':'a','sessionAffinity':{'timeoutSeconds':86401}}"),
		  { ORIGIN ": services[0].sessionAffinity.timeoutSeconds: must be an integer from 1 to 86400" } },
		{ "affinity real", SVCS("{'portName':'a','sessionAffinity':{'timeoutSeconds':1.5}}"),
		  { ORIGIN ": services[0].sessionAffinity.timeoutSeconds: must be an integer", "got 1.5" } },
		{ "panic negative", SVCS("{'portName':'a','panicThresholdPercent':-1}"),
		  { ORIGIN ": services[0].panicThresholdPercent: must be an integer from 0 to 100, got -1" } },
		{ "panic over", SVCS("{'portName':'a','panicThresholdPercent':101}"),
		  { ORIGIN ": services[0].panicThresholdPercent: must be an integer from 0 to 100" } },
		{ "panic string", SVCS("{'portName':'a','panicThresholdPercent':'50'}"),
		  { ORIGIN ": services[0].panicThresholdPercent: must be an integer", "got \"50\"" } },
		{ "terminateTcp string", SVCS("{'portName':'a','terminateTcp':'yes'}"),
		  { ORIGIN ": services[0].terminateTcp: must be true or false, got \"yes\"" } },
		{ "socketTermination unknown", TOP("'socketTermination':'diag'"),
		  { ORIGIN ": socketTermination: must be \"auto\", \"iterator\", \"sock_diag\" or \"off\", got \"diag\"" } },
		{ "socketTermination bool", TOP("'socketTermination':false"),
		  { ORIGIN ": socketTermination: must be", "got false" } },
		{ "limits affinities zero", TOP("'limits':{'affinities':0}"),
		  { ORIGIN ": limits.affinities: must be an integer from 1 to 16777216, got 0" } },
		{ "limits affinities max", TOP("'limits':{'affinities':16777217}"),
		  { ORIGIN ": limits.affinities: must be an integer from 1 to 16777216" } },
		{ "limits affinity typo", TOP("'limits':{'affinity':5}"),
		  { ORIGIN ": limits.affinity: unknown field" } },
		{ "connectTimeoutMs zero", SVCS("{'portName':'a','connectTimeoutMs':0}"),
		  { ORIGIN ": services[0].connectTimeoutMs: must be an integer from 10 to 600000, got 0" } },
		{ "connectTimeoutMs long", SVCS("{'portName':'a','connectTimeoutMs':600001}"),
		  { ORIGIN ": services[0].connectTimeoutMs: must be an integer from 10 to 600000" } },
		{ "connectTimeoutMs seconds", SVCS("{'portName':'a','connectTimeoutMs':'1s'}"),
		  { ORIGIN ": services[0].connectTimeoutMs: must be an integer", "got \"1s\"" } },
		{ "maxConnections zero", SVCS("{'portName':'a','maxConnectionsPerBackend':0}"),
		  { ORIGIN ": services[0].maxConnectionsPerBackend: must be an integer from 1 to 1000000, got 0" } },
		{ "maxConnections negative", SVCS("{'portName':'a','maxConnectionsPerBackend':-5}"),
		  { ORIGIN ": services[0].maxConnectionsPerBackend: must be an integer from 1", "got -5" } },
		{ "timeout number", SVCS("{'portName':'a','timeout':30}"),
		  { ORIGIN ": services[0].timeout: must be an object {\"idleTimeoutSeconds\": N}", "got 30" } },
		{ "idle too long", SVCS("{'portName':'a','timeout':{'idleTimeoutSeconds':32768}}"),
		  { ORIGIN ": services[0].timeout.idleTimeoutSeconds: must be an integer from 0 to 32767, got 32768" } },
		{ "timeout typo", SVCS("{'portName':'a','timeout':{'idleTimeout':30}}"),
		  { ORIGIN ": services[0].timeout.idleTimeout: unknown field (known: idleTimeoutSeconds, perRequestTimeoutSeconds)" } },
		{ "service field typo", SVCS("{'portName':'a','lbpolicy':'random'}"),
		  { ORIGIN ": services[0].lbpolicy: unknown field", "outlierDetection" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_health_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "not object", SVCS("{'portName':'a','healthCheck':true}"),
		  { ORIGIN ": services[0].healthCheck: must be an object, got true" } },
		{ "unknown field", HC("'interval':5"),
		  { ORIGIN ": services[0].healthCheck.interval: unknown field", "intervalSeconds" } },
		{ "protocol", HC("'protocol':'https'"),
		  { ORIGIN ": services[0].healthCheck.protocol: must be \"tcp\" or \"http\", got \"https\"" } },
		{ "tcp with path", HC("'protocol':'tcp','path':'/'"),
		  { ORIGIN ": services[0].healthCheck.path: only for \"protocol\": \"http\"" } },
		{ "default tcp with path", HC("'path':'/health'"),
		  { ORIGIN ": services[0].healthCheck.path: only for \"protocol\": \"http\"" } },
		{ "tcp with expectStatus", HC("'expectStatus':200"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: only for \"protocol\": \"http\"" } },
		{ "path relative", HTTP("'path':'health'"),
		  { ORIGIN ": services[0].healthCheck.path: must be a path starting with '/', got \"health\"" } },
		{ "path empty", HTTP("'path':''"),
		  { ORIGIN ": services[0].healthCheck.path: must be a path starting with '/'" } },
		{ "path number", HTTP("'path':5"),
		  { ORIGIN ": services[0].healthCheck.path: must be a path", "got 5" } },
		{ "path space", HTTP("'path':'/a b'"),
		  { ORIGIN ": services[0].healthCheck.path: may hold only printable ASCII", "got \"/a b\"" } },
		{ "path newline", HTTP("'path':'/a\\nb'"),
		  { ORIGIN ": services[0].healthCheck.path: may hold only printable ASCII" } },
		{ "path non-ascii", HTTP("'path':'/caf\\u00e9'"),
		  { ORIGIN ": services[0].healthCheck.path: may hold only printable ASCII" } },
		{ "port zero", HC("'port':0"),
		  { ORIGIN ": services[0].healthCheck.port: must be an integer from 1 to 65535, got 0" } },
		{ "interval zero", HC("'intervalSeconds':0"),
		  { ORIGIN ": services[0].healthCheck.intervalSeconds: must be a number of seconds > 0", "got 0" } },
		{ "interval negative", HC("'intervalSeconds':-0.5"),
		  { ORIGIN ": services[0].healthCheck.intervalSeconds: must be a number", "got -0.5" } },
		{ "interval too long", HC("'intervalSeconds':3600.5"),
		  { ORIGIN ": services[0].healthCheck.intervalSeconds: ", "at most 3600", "got 3600.5" } },
		{ "interval string", HC("'intervalSeconds':'5s'"),
		  { ORIGIN ": services[0].healthCheck.intervalSeconds: must be a number", "got \"5s\"" } },
		{ "timeout zero", HC("'timeoutSeconds':0.0"),
		  { ORIGIN ": services[0].healthCheck.timeoutSeconds: must be a number of seconds > 0" } },
		{ "timeout over interval", HC("'intervalSeconds':1,'timeoutSeconds':1.5"),
		  { ORIGIN ": services[0].healthCheck.timeoutSeconds: must be at most intervalSeconds (1), got 1.5" } },
		{ "timeout over fractional interval", HC("'intervalSeconds':0.25,'timeoutSeconds':0.3"),
		  { ORIGIN ": services[0].healthCheck.timeoutSeconds: must be at most intervalSeconds (0.25), got 0.3" } },
		{ "timeout over default interval", HC("'timeoutSeconds':6"),
		  { ORIGIN ": services[0].healthCheck.timeoutSeconds: must be at most intervalSeconds (5), got 6" } },
		{ "unhealthyThreshold zero", HC("'unhealthyThreshold':0"),
		  { ORIGIN ": services[0].healthCheck.unhealthyThreshold: must be an integer from 1 to 1000, got 0" } },
		{ "healthyThreshold over", HC("'healthyThreshold':1001"),
		  { ORIGIN ": services[0].healthCheck.healthyThreshold: must be an integer from 1 to 1000, got 1001" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_expect_status_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "below 100", HTTP("'expectStatus':99"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a status from 100 to 599, got 99" } },
		{ "above 599", HTTP("'expectStatus':600"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a status from 100 to 599, got 600" } },
		{ "real", HTTP("'expectStatus':200.0"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a status", "got 200.0" } },
		{ "bare string", HTTP("'expectStatus':'200'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a range \"lo-hi\"", "got \"200\"" } },
		{ "spaces", HTTP("'expectStatus':'200 - 299'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a range \"lo-hi\"" } },
		{ "wildcard", HTTP("'expectStatus':'2xx'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a range \"lo-hi\"" } },
		{ "trailing", HTTP("'expectStatus':'200-2990'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a range \"lo-hi\"" } },
		{ "reversed", HTTP("'expectStatus':'299-200'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must not end below its start", "got \"299-200\"" } },
		{ "range out", HTTP("'expectStatus':'200-600'"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a range of statuses from 100 to 599" } },
		{ "empty array", HTTP("'expectStatus':[]"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must not be empty" } },
		{ "bad element", HTTP("'expectStatus':[200,'300-399',700]"),
		  { ORIGIN ": services[0].healthCheck.expectStatus[2]: must be a status from 100 to 599, got 700" } },
		{ "nested array", HTTP("'expectStatus':[[200]]"),
		  { ORIGIN ": services[0].healthCheck.expectStatus[0]: must be a status", "got [200]" } },
		{ "bool", HTTP("'expectStatus':true"),
		  { ORIGIN ": services[0].healthCheck.expectStatus: must be a status", "got true" } },
		/* allocated path and ranges are freed when a later field fails */
		{ "fails after allocations", SVCS("{'portName':'a','healthCheck':{'protocol':'http','path':'/x',"
							"'expectStatus':[200,'201-202']},'outlierDetection':0}"),
		  { ORIGIN ": services[0].outlierDetection: must be true, false or an object, got 0" } },
		{ "timeout checked after allocations", HTTP("'path':'/x','expectStatus':'200-204','intervalSeconds':1,'timeoutSeconds':2"),
		  { ORIGIN ": services[0].healthCheck.timeoutSeconds: must be at most intervalSeconds (1), got 2" } },
		{ "fails inside expectStatus", HTTP("'path':'/x','expectStatus':[200,'201-202','x']"),
		  { ORIGIN ": services[0].healthCheck.expectStatus[2]: must be a range" } },
		{ "fails in a later service", SVCS("{'portName':'a','healthCheck':{'protocol':'http'}},{'portName':'b','terminateTcp':1}"),
		  { ORIGIN ": services[1].terminateTcp: must be true or false, got 1" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_outlier_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "null", OD("null"), { ORIGIN ": services[0].outlierDetection: must be true, false or an object, got null" } },
		{ "string", OD("'off'"), { ORIGIN ": services[0].outlierDetection: must be true, false or an object, got \"off\"" } },
		{ "unknown field", OD("{'consecutiveErrors':5}"),
		  { ORIGIN ": services[0].outlierDetection.consecutiveErrors: unknown field", "consecutiveFailures" } },
		{ "enabled string", OD("{'enabled':'no'}"),
		  { ORIGIN ": services[0].outlierDetection.enabled: must be true or false, got \"no\"" } },
		{ "failures zero", OD("{'consecutiveFailures':0}"),
		  { ORIGIN ": services[0].outlierDetection.consecutiveFailures: must be an integer from 1 to 65535, got 0" } },
		{ "failures over", OD("{'consecutiveFailures':65536}"),
		  { ORIGIN ": services[0].outlierDetection.consecutiveFailures: must be an integer from 1 to 65535" } },
		{ "base zero", OD("{'baseEjectionSeconds':0}"),
		  { ORIGIN ": services[0].outlierDetection.baseEjectionSeconds: must be a number of seconds > 0", "got 0" } },
		{ "base string", OD("{'baseEjectionSeconds':'30s'}"),
		  { ORIGIN ": services[0].outlierDetection.baseEjectionSeconds: must be a number", "got \"30s\"" } },
		{ "max over a day", OD("{'maxEjectionSeconds':86401}"),
		  { ORIGIN ": services[0].outlierDetection.maxEjectionSeconds: ", "at most 86400" } },
		{ "max below base", OD("{'baseEjectionSeconds':60,'maxEjectionSeconds':30}"),
		  { ORIGIN ": services[0].outlierDetection.maxEjectionSeconds: must be at least baseEjectionSeconds (60), got 30" } },
		{ "percent over", OD("{'maxEjectionPercent':101}"),
		  { ORIGIN ": services[0].outlierDetection.maxEjectionPercent: must be an integer from 0 to 100, got 101" } },
		{ "disabled still checked", OD("{'enabled':false,'maxEjectionPercent':-1}"),
		  { ORIGIN ": services[0].outlierDetection.maxEjectionPercent: must be an integer from 0 to 100" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* ---- documents that do not ---- */

static void test_syntax_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "truncated", "{'namespace':", { ORIGIN ":1:13: ", "end of file" } },
		{ "duplicate key", "{'namespace':'a','namespace':'b','services':[]}",
		  { ORIGIN ":1:", "duplicate object key" } },
		{ "duplicate nested key", SVCS("{'portName':'a','portName':'a'}"),
		  { ORIGIN ":1:", "duplicate object key" } },
		{ "trailing garbage", "{'namespace':'a','services':[]} x",
		  { ORIGIN ":1:", "end of file expected" } },
		{ "line and column", "{\n'namespace': 'a',\n'services': [,]\n}",
		  { ORIGIN ":3:14: ", "unexpected token" } },
		{ "empty", "", { ORIGIN ":1:0: " } },
		{ "integer too big", TOP("'limits':{'services':99999999999999999999}"),
		  { ORIGIN ":1:", "too big integer" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_top_level_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "array", "[]", { ORIGIN ": the document must be a JSON object, got []" } },
		{ "string", "'x'", { "must be a JSON object, got \"x\"" } },
		{ "no namespace", "{'services':[]}", { ORIGIN ": namespace: required" } },
		{ "no services", "{'namespace':'ns'}", { ORIGIN ": services: required" } },
		{ "services object", "{'namespace':'ns','services':{}}",
		  { ORIGIN ": services: must be an array, got {}" } },
		{ "services null", "{'namespace':'ns','services':null}",
		  { ORIGIN ": services: must be an array, got null" } },
		{ "namespace number", "{'namespace':5,'services':[]}",
		  { ORIGIN ": namespace: must be a string, got 5" } },
		{ "namespace empty", "{'namespace':'','services':[]}",
		  { ORIGIN ": namespace: must not be empty" } },
		{ "namespace space", "{'namespace':'a b','services':[]}",
		  { ORIGIN ": namespace: may hold only", "got \"a b\"" } },
		{ "namespace slash", "{'namespace':'a/b','services':[]}",
		  { ORIGIN ": namespace: may hold only" } },
		{ "namespace non-ascii", "{'namespace':'caf\\u00e9','services':[]}",
		  { ORIGIN ": namespace: may hold only" } },
		{ "namespace leading dot", "{'namespace':'.a','services':[]}",
		  { ORIGIN ": namespace: must not start or end", "got \".a\"" } },
		{ "namespace trailing dot", "{'namespace':'a.','services':[]}",
		  { ORIGIN ": namespace: must not start or end" } },
		{ "namespace leading dash", "{'namespace':'-a','services':[]}",
		  { ORIGIN ": namespace: must not start or end" } },
		{ "namespace trailing dash", "{'namespace':'a-','services':[]}",
		  { ORIGIN ": namespace: must not start or end" } },
		{ "namespace dot dot", "{'namespace':'a..b','services':[]}",
		  { ORIGIN ": namespace: must not contain \"..\"", "got \"a..b\"" } },
		{ "enabled string", TOP("'enabled':'yes'"),
		  { ORIGIN ": enabled: must be true or false, got \"yes\"" } },
		{ "enabled number", TOP("'enabled':1"), { ORIGIN ": enabled: must be true or false, got 1" } },
		{ "vipCidr host bits", TOP("'vipCidr':'10.0.0.1/8'"),
		  { ORIGIN ": vipCidr: must be an IPv4 range", "got \"10.0.0.1/8\"" } },
		{ "vipCidr no prefix", TOP("'vipCidr':'10.0.0.0'"), { ORIGIN ": vipCidr: must be an IPv4 range" } },
		{ "vipCidr IPv6", TOP("'vipCidr':'fd00::/64'"), { ORIGIN ": vipCidr: must be an IPv4 range" } },
		{ "vipCidr number", TOP("'vipCidr':16"), { ORIGIN ": vipCidr: must be an IPv4 range", "got 16" } },
		{ "vipCidr /31", TOP("'vipCidr':'10.0.0.0/31'"),
		  { ORIGIN ": vipCidr: must be at most a /30", "got \"10.0.0.0/31\"" } },
		{ "vipCidr /32", TOP("'vipCidr':'10.0.0.1/32'"), { ORIGIN ": vipCidr: must be at most a /30" } },
		{ "vipCidr6 /63", TOP("'vipCidr6':'fd00::/63'"),
		  { ORIGIN ": vipCidr6: must be a /64 to a /126", "got \"fd00::/63\"" } },
		{ "vipCidr6 /127", TOP("'vipCidr6':'fd00::/127'"), { ORIGIN ": vipCidr6: must be a /64 to a /126" } },
		{ "vipCidr6 IPv4", TOP("'vipCidr6':'10.0.0.0/8'"), { ORIGIN ": vipCidr6: must be an IPv6 range" } },
		{ "vipCidr6 mapped", TOP("'vipCidr6':'::ffff:10.0.0.0/8'"),
		  { ORIGIN ": vipCidr6: must be an IPv6 range" } },
		{ "vipCidr6 host bits", TOP("'vipCidr6':'fd00::1/64'"), { ORIGIN ": vipCidr6: must be an IPv6 range" } },
		{ "registry string", TOP("'registry':'/x.json'"),
		  { ORIGIN ": registry: must be an object naming its sources", "got \"/x.json\"" } },
		{ "registry empty", TOP("'registry':{}"),
		  { ORIGIN ": registry: names no source: give \"file\": PATH, \"dns\": {...}, "
		    "\"cloudMap\": {...} or \"etcd\": {...}" } },
		{ "registry empty array", TOP("'registry':[]"),
		  { ORIGIN ": registry: must be an object naming its sources ({\"file\": PATH}, "
		    "{\"dns\": {...}}, {\"cloudMap\": {...}}, {\"etcd\": {...}}) or a non-empty "
		    "array of them, got []" } },
		{ "registry array element", TOP("'registry':[{'file':'a'},{'file':2}]"),
		  { ORIGIN ": registry[1].file: must be a non-empty path, got 2" } },
		{ "registry array not object", TOP("'registry':[{'file':'a'},'b']"),
		  { ORIGIN ": registry[1]: must be an object naming its sources", "got \"b\"" } },
		{ "registry extra", TOP("'registry':{'file':'x','poll':1}"),
		  { ORIGIN ": registry.poll: unknown field" } },
		{ "registry file empty", TOP("'registry':{'file':''}"),
		  { ORIGIN ": registry.file: must be a non-empty path" } },
		{ "registry file number", TOP("'registry':{'file':3}"),
		  { ORIGIN ": registry.file: must be a non-empty path, got 3" } },
		{ "cgroups string", TOP("'cgroups':'/sys/fs/cgroup'"),
		  { ORIGIN ": cgroups: must be an array" } },
		{ "cgroups relative", TOP("'cgroups':['/ok','sys/fs/cgroup/x']"),
		  { ORIGIN ": cgroups[1]: must be an absolute path", "got \"sys/fs/cgroup/x\"" } },
		{ "cgroups empty path", TOP("'cgroups':['']"), { ORIGIN ": cgroups[0]: must be an absolute path" } },
		{ "cgroups number", TOP("'cgroups':['/a','/b',7]"),
		  { ORIGIN ": cgroups[2]: must be an absolute path or {\"path\": PATH, \"namespace\": NS}, got 7" } },
		{ "bpffs relative", TOP("'bpffs':'sys/fs/bpf'"),
		  { ORIGIN ": bpffs: must be an absolute path", "got \"sys/fs/bpf\"" } },
		{ "hostsFile relative", TOP("'hostsFile':'hosts'"), { ORIGIN ": hostsFile: must be an absolute path" } },
		{ "stateFile number", TOP("'stateFile':1"), { ORIGIN ": stateFile: must be an absolute path" } },
		{ "limits array", TOP("'limits':[]"), { ORIGIN ": limits: must be an object, got []" } },
		{ "limits zero", TOP("'limits':{'services':0}"),
		  { ORIGIN ": limits.services: must be an integer from 1 to 1048576, got 0" } },
		{ "limits services max", TOP("'limits':{'services':1048577}"),
		  { ORIGIN ": limits.services: must be an integer from 1 to 1048576, got 1048577" } },
		{ "limits backends max", TOP("'limits':{'backends':4194305}"),
		  { ORIGIN ": limits.backends: must be an integer from 1 to 4194304" } },
		{ "limits frontends string", TOP("'limits':{'frontends':'10'}"),
		  { ORIGIN ": limits.frontends: must be an integer from 1 to 4194304, got \"10\"" } },
		{ "limits sockets max", TOP("'limits':{'sockets':16777217}"),
		  { ORIGIN ": limits.sockets: must be an integer from 1 to 16777216" } },
		{ "limits sockets real", TOP("'limits':{'sockets':1.5}"),
		  { ORIGIN ": limits.sockets: must be an integer", "got 1.5" } },
		{ "limits negative", TOP("'limits':{'backends':-1}"),
		  { ORIGIN ": limits.backends: must be an integer", "got -1" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* "attach" rules: presets, or watch and match; a namespace of the config. */
static void test_attach_rules(void **state)
{
	static const struct bad_case cases[] = {
		{ "attach object", TOP("'attach':{'preset':'ecs'}"),
		  { ORIGIN ": attach: must be an array of attach rules" } },
		{ "attach string", TOP("'attach':['ecs']"),
		  { ORIGIN ": attach[0]: must be an object: {\"preset\": NAME}" } },
		{ "attach empty rule", TOP("'attach':[{}]"),
		  { ORIGIN ": attach[0]: needs \"preset\"" } },
		{ "attach preset unknown", TOP("'attach':[{'preset':'podman'}]"),
		  { ORIGIN ": attach[0].preset: must be \"ecs\", \"docker\" or \"kubernetes\"",
		    "got \"podman\"" } },
		{ "attach preset and watch", TOP("'attach':[{'preset':'ecs','watch':'/x','match':'*'}]"),
		  { ORIGIN ": attach[0]: gives \"preset\" and \"watch\"" } },
		{ "attach watch alone", TOP("'attach':[{'watch':'/x'}]"),
		  { ORIGIN ": attach[0]: needs \"preset\"", "or \"watch\" and \"match\"" } },
		{ "attach dotdot", TOP("'attach':[{'watch':'/sys/fs/cgroup/../etc','match':'*'}]"),
		  { ORIGIN ": attach[0].watch: may not hold a \".\" or \"..\" level",
		    "got \"/sys/fs/cgroup/../etc\"" } },
		{ "attach two stars", TOP("'attach':[{'watch':'x','match':'a*b*'}]"),
		  { ORIGIN ": attach[0].match: may hold one '*' per level", "got \"a*b*\"" } },
		{ "attach question mark", TOP("'attach':[{'watch':'x','match':'pod?'}]"),
		  { ORIGIN ": attach[0].match: may hold only '*' as a wildcard" } },
		{ "attach deep", TOP("'attach':[{'watch':'x','match':'a/b/c/d/e'}]"),
		  { ORIGIN ": attach[0].match: has more than 4 levels" } },
		{ "attach other namespace", TOP("'attach':[{'preset':'docker','namespace':'other'}]"),
		  { ORIGIN ": attach[0].namespace: is not a namespace of this config (it has ns)",
		    "got \"other\"" } },
		{ "attach unknown key", TOP("'attach':[{'preset':'docker','glob':'*'}]"),
		  { ORIGIN ": attach[0].glob: unknown field" } },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
	assert_int_equal(parse(TOP("'attach':[{'preset':'ecs'},{'watch':'sluice.slice','match':"
				   "'task-*/x-*','namespace':'ns'}]"), ORIGIN, &cfg, &err), 0);
	assert_int_equal(cfg.nattach, 2);
	assert_int_equal(cfg.attach[0].preset, SL_PRESET_ECS);
	assert_null(cfg.attach[0].watch);
	assert_null(cfg.attach[0].namespace);
	assert_int_equal(cfg.attach[1].preset, SL_PRESET_NONE);
	assert_string_equal(cfg.attach[1].watch, "sluice.slice");
	assert_string_equal(cfg.attach[1].match, "task-*/x-*");
	assert_string_equal(cfg.attach[1].namespace, "ns");
	sl_config_free(&cfg);
}

/* "names": {"dns"}: on by default; entries of "namespaces" take the top level's when they
 * give none; anything but an object of a boolean is refused. */
static void test_names_dns(void **state)
{
	static const struct bad_case cases[] = {
		{ "names not object", TOP("'names':true"),
		  { ORIGIN ": names: must be an object {\"dns\": true or false}" } },
		{ "names dns not bool", TOP("'names':{'dns':'no'}"),
		  { ORIGIN ": names.dns: must be true or false", "got \"no\"" } },
		{ "names unknown key", TOP("'names':{'hosts':true}"),
		  { ORIGIN ": names.hosts: unknown field" } },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
	parse_ok("{'namespace':'ns','services':[]}", &cfg);
	assert_true(cfg.namespaces[0].names.dns);
	sl_config_free(&cfg);
	parse_ok(TOP("'names':{'dns':false}"), &cfg);
	assert_false(cfg.namespaces[0].names.dns);
	sl_config_free(&cfg);
	assert_int_equal(parse("{'names':{'dns':false},'namespaces':[{'namespace':'a','services':[]},"
			       "{'namespace':'b','names':{'dns':true},'services':[]},"
			       "{'namespace':'c','names':{},'services':[]}]}", ORIGIN, &cfg, &err), 0);
	assert_false(cfg.namespaces[0].names.dns);
	assert_true(cfg.namespaces[1].names.dns);
	assert_false(cfg.namespaces[2].names.dns);
	sl_config_free(&cfg);
}

/* "namespaces": entries in the shape of the top level, taking its ranges and registry when
 * they give none; names and hosts files unique; no namespace of the top level's own beside. */
static void test_namespaces(void **state)
{
#define TWO(a, b) "{'vipCidr':'127.254.0.0/16','registry':{'file':'/r'},'namespaces':[" a "," b "]}"
#define NSX(name, ...) "{'namespace':'" name "','services':[{'discoveryName':'db'," \
		       "'clientAliases':[{'port':5432}]}]" __VA_ARGS__ "}"
	static const struct bad_case cases[] = {
		{ "namespaces not array", "{'namespaces':{}}",
		  { ORIGIN ": namespaces: must be a non-empty array of namespaces" } },
		{ "namespaces empty", "{'namespaces':[]}",
		  { ORIGIN ": namespaces: must be a non-empty array of namespaces" } },
		{ "entry without name", "{'namespaces':[{'services':[]}]}",
		  { ORIGIN ": namespaces[0].namespace: required" } },
		{ "entry without services", "{'namespaces':[{'namespace':'a'}]}",
		  { ORIGIN ": namespaces[0].services: required" } },
		{ "entry unknown key", "{'namespaces':[{'namespace':'a','services':[],'bpffs':'/x'}]}",
		  { ORIGIN ": namespaces[0].bpffs: unknown field" } },
		{ "same name twice", TWO(NSX("a"), NSX("a")),
		  { ORIGIN ": namespaces[1].namespace: a is already the name of namespaces[0]" } },
		{ "same hosts file", TWO(NSX("a", ",'hostsFile':'/h'"), NSX("b", ",'hostsFile':'/h'")),
		  { ORIGIN ": namespaces[1].hostsFile: /h is already the hosts file of namespaces[0]" } },
		{ "top namespace beside", "{'namespace':'x','namespaces':[" NSX("a") "]}",
		  { ORIGIN ": namespace: is one namespace's: with \"namespaces\", give it in each entry" } },
		{ "top services beside", "{'services':[],'namespaces':[" NSX("a") "]}",
		  { ORIGIN ": services: is one namespace's" } },
		{ "entry alias twice", "{'namespaces':[" NSX("a") ",{'namespace':'b','services':["
		  "{'discoveryName':'x','clientAliases':[{'dnsName':'d','port':1}]},"
		  "{'discoveryName':'y','clientAliases':[{'dnsName':'d','port':1}]}]}]}",
		  { ORIGIN ": namespaces[1].services[1].clientAliases[0]: dnsName \"d\" port 1",
		    "already an alias of namespaces[1].services[0].clientAliases[0]" } },
		{ "entry vip outside its range", "{'namespaces':[{'namespace':'a','vipCidr':"
		  "'127.1.0.0/24','services':[{'discoveryName':'x','vip':'127.255.0.5',"
		  "'clientAliases':[{'port':1}]}]}]}",
		  { ORIGIN ": namespaces[0].services[0].vip: 127.255.0.5 is outside vipCidr 127.1.0.0/24" } },
		{ "attach unknown namespace", "{'attach':[{'preset':'ecs','namespace':'c'}],"
		  "'namespaces':[" NSX("a") "," NSX("b") "]}",
		  { ORIGIN ": attach[0].namespace: is not a namespace of this config (it has a, b)",
		    "got \"c\"" } },
		{ "cgroup unknown namespace", "{'cgroups':['/x',{'path':'/y','namespace':'c'}],"
		  "'namespaces':[" NSX("a") "]}",
		  { ORIGIN ": cgroups[1].namespace: is not a namespace of this config (it has a)" } },
		{ "cgroup object without path", "{'cgroups':[{'namespace':'a'}],'namespaces':["
		  NSX("a") "]}", { ORIGIN ": cgroups[0].path: required" } },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
	assert_int_equal(parse(TWO(NSX("a"), NSX("b", ",'vipCidr':'127.253.0.0/16',"
				   "'registry':{'file':'/rb'},'hostsFile':'/hb','enabled':false")),
			       ORIGIN, &cfg, &err), 0);
	assert_int_equal(cfg.nnamespaces, 2);
	assert_string_equal(cfg.namespaces[0].namespace, "a");
	assert_true(cfg.namespaces[0].enabled);
	assert_string_equal(cfg.namespaces[0].hosts_file, "/run/sluice/a/hosts");
	assert_int_equal(cfg.namespaces[0].nsources, 1); /* the top level's */
	assert_string_equal(cfg.namespaces[0].sources[0].file, "/r");
	assert_int_equal(cfg.namespaces[0].vip_cidr4.prefix, 16);
	assert_int_equal(sl_cidr_contains(&cfg.namespaces[0].vip_cidr4,
					  &cfg.namespaces[0].vip_cidr4.base), true);
	assert_string_equal(cfg.namespaces[1].hosts_file, "/hb");
	assert_string_equal(cfg.namespaces[1].sources[0].file, "/rb");
	assert_false(cfg.namespaces[1].enabled);
	assert_ptr_equal(sl_config_namespace(&cfg, "b"), &cfg.namespaces[1]);
	assert_ptr_equal(sl_config_namespace(&cfg, NULL), &cfg.namespaces[0]);
	assert_null(sl_config_namespace(&cfg, "c"));
	{
		char a[SL_ADDR_STRLEN + 8], b[SL_ADDR_STRLEN + 8];

		assert_string_equal(sl_cidr_format(&cfg.namespaces[0].vip_cidr4, a, sizeof(a)),
				    "127.254.0.0/16");
		assert_string_equal(sl_cidr_format(&cfg.namespaces[1].vip_cidr4, b, sizeof(b)),
				    "127.253.0.0/16");
	}
	sl_config_free(&cfg);
	/* One namespace, written out: as a file of the top level's shape, with its hosts file. */
	assert_int_equal(parse("{'namespaces':[" NSX("only") "],'cgroups':[{'path':'/c',"
			       "'namespace':'only'},'/d']}", ORIGIN, &cfg, &err), 0);
	assert_int_equal(cfg.nnamespaces, 1);
	assert_string_equal(cfg.cgroups[0].namespace, "only");
	assert_null(cfg.cgroups[1].namespace);
	assert_string_equal(cfg.cgroups[1].path, "/d");
	sl_config_free(&cfg);
#undef TWO
#undef NSX
}

static void test_unknown_fields(void **state)
{
	static const struct bad_case cases[] = {
		{ "top typo", "{'namepsace':'ns','namespace':'ns','services':[]}",
		  { ORIGIN ": namepsace: unknown field" } },
		{ "top typo alone", "{'namepsace':'ns','services':[]}", { ORIGIN ": namepsace: unknown field" } },
		{ "top case", TOP("'VipCidr':'10.0.0.0/8'"), { ORIGIN ": VipCidr: unknown field" } },
		{ "odd key", TOP("'a b\\\"':1"), { ORIGIN ": [\"a b\\\"\"]: unknown field" } },
		{ "service", SVCS("{'portName':'a','protocols':'udp'}"),
		  { ORIGIN ": services[0].protocols: unknown field" } },
		{ "second service", SVCS("{'portName':'a'},{'portName':'b','clientAlias':[]}"),
		  { ORIGIN ": services[1].clientAlias: unknown field" } },
		{ "alias", SVCS("{'portName':'a','clientAliases':[{'port':1,'dnsname':'x'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].dnsname: unknown field" } },
		{ "alias ECS-only key", SVCS("{'portName':'a','clientAliases':[{'port':1,'timeout':{}}]}"),
		  { ORIGIN ": services[0].clientAliases[0].timeout: unknown field" } },
		{ "limits", TOP("'limits':{'service':5}"), { ORIGIN ": limits.service: unknown field" } },
		{ "registry", TOP("'registry':{'path':'x'}"), { ORIGIN ": registry.path: unknown field" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* The known fields are listed in full, in the order they are read. */
static void test_unknown_field_lists(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ TOP("'x':1"), ORIGIN ": x: unknown field (known: namespace, enabled, vipCidr, vipCidr6, "
		  "allowRoutableVips, names, registry, cgroups, attach, bpffs, hostsFile, stateFile, "
		  "statusFile, limits, socketTermination, metrics, services, namespaces, registration, "
		  "logConfiguration)" },
		{ SVCS("{'portName':'a','x':1}"), ORIGIN ": services[0].x: unknown field (known: portName, "
		  "discoveryName, protocol, vip, vip6, lbPolicy, sessionAffinity, panicThresholdPercent, "
		  "terminateTcp, connectTimeoutMs, maxConnectionsPerBackend, timeout, healthStatus, port, "
		  "healthCheck, outlierDetection, clientAliases, dns, ingressPortOverride, tls)" },
		{ SVCS("{'portName':'a','clientAliases':[{'port':1,'x':1}]}"),
		  ORIGIN ": services[0].clientAliases[0].x: unknown field (known: dnsName, port, vip, vip6)" },
		{ HC("'x':1"), ORIGIN ": services[0].healthCheck.x: unknown field (known: protocol, path, "
		  "port, intervalSeconds, timeoutSeconds, unhealthyThreshold, healthyThreshold, "
		  "expectStatus)" },
		{ OD("{'x':1}"), ORIGIN ": services[0].outlierDetection.x: unknown field (known: enabled, "
		  "consecutiveFailures, baseEjectionSeconds, maxEjectionSeconds, maxEjectionPercent)" },
		{ TOP("'limits':{'x':1}"), ORIGIN ": limits.x: unknown field (known: services, backends, "
		  "frontends, sockets, affinities)" },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(parse(cases[i].json, ORIGIN, &cfg, &err), -EINVAL);
		assert_string_equal(err.msg, cases[i].want);
	}
}

/* healthStatus (Cloud Map's fail-open, off by default) and a service's default port. */
/* An IPv4 VIP range outside loopback only when asked for; never one over the metadata and
 * credential endpoints, whatever is asked. */
static void test_vip_range_safety(void **state)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
		{ TOP("'vipCidr':'10.0.0.0/8'"), ORIGIN ": vipCidr: 10.0.0.0/8 is outside 127.0.0.0/8: "
		  "a VIP sluice does not rewrite would leave the host for the network instead of "
		  "meeting a dead end; use a loopback range, or set \"allowRoutableVips\": true to "
		  "accept that" },
		{ TOP("'vipCidr':'169.254.0.0/24','allowRoutableVips':true"), ORIGIN ": vipCidr: "
		  "169.254.0.0/24 overlaps 169.254.0.0/16, where the instance and task metadata and "
		  "credential endpoints live: choose another range" },
		{ TOP("'vipCidr':'160.0.0.0/4','allowRoutableVips':true"), ORIGIN ": vipCidr: "
		  "160.0.0.0/4 overlaps 169.254.0.0/16, where the instance and task metadata and "
		  "credential endpoints live: choose another range" },
		{ TOP("'vipCidr6':'fd00:ec2::/64'"), ORIGIN ": vipCidr6: fd00:ec2::/64 overlaps "
		  "fd00:ec2::254/128, where the instance and task metadata and credential endpoints "
		  "live: choose another range" },
		{ TOP("'vipCidr6':'fe80::/64'"), ORIGIN ": vipCidr6: fe80::/64 overlaps fe80::/10, "
		  "where the instance and task metadata and credential endpoints live: choose another "
		  "range" },
	};
	struct sl_err err = { { 0 } };
	struct sl_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(parse(bad[i].json, ORIGIN, &cfg, &err), -EINVAL);
		assert_string_equal(err.msg, bad[i].want);
	}
	parse_ok(TOP("'vipCidr':'127.100.0.0/16'"), &cfg);
	assert_false(cfg.namespaces[0].allow_routable_vips);
	sl_config_free(&cfg);
	parse_ok(TOP("'vipCidr':'10.9.0.0/16','allowRoutableVips':true"), &cfg);
	sl_config_free(&cfg);
}

/* "metrics": on by default at 127.0.0.1:9810; false turns it off; a listen address must be a
 * literal address and a port. */
static void test_metrics(void **state)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	parse_ok(TOP("'enabled':true"), &cfg);
	assert_string_equal(cfg.metrics_listen, "127.0.0.1:9810");
	sl_config_free(&cfg);
	parse_ok(TOP("'metrics':false"), &cfg);
	assert_null(cfg.metrics_listen);
	sl_config_free(&cfg);
	parse_ok(TOP("'metrics':{'listen':'[::1]:9999'}"), &cfg);
	assert_string_equal(cfg.metrics_listen, "[::1]:9999");
	sl_config_free(&cfg);
	parse_ok(TOP("'metrics':{}"), &cfg);
	assert_string_equal(cfg.metrics_listen, "127.0.0.1:9810");
	sl_config_free(&cfg);
	assert_int_equal(parse(TOP("'metrics':{'listen':'localhost:80'}"), ORIGIN, &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": metrics.listen: must be \"ADDRESS:PORT\" or "
			    "\"[IPV6]:PORT\" with a literal address and a port from 1 to 65535, got "
			    "\"localhost:80\"");
	assert_int_equal(parse(TOP("'metrics':true"), ORIGIN, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": metrics: must be false, \"ADDR:PORT\" or an object "
			    "{\"listen\": \"ADDR:PORT\"}, got true");
}

static void test_health_status_and_port(void **state)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	parse_ok(SVCS("{'portName':'a'}"), &cfg);
	assert_false(cfg.namespaces[0].services[0].health_or_else_all);
	assert_int_equal(cfg.namespaces[0].services[0].port, 0);
	sl_config_free(&cfg);
	parse_ok(SVCS("{'portName':'a','healthStatus':'HEALTHY_OR_ELSE_ALL','port':8080}"), &cfg);
	assert_true(cfg.namespaces[0].services[0].health_or_else_all);
	assert_int_equal(cfg.namespaces[0].services[0].port, 8080);
	sl_config_free(&cfg);
	parse_ok(SVCS("{'portName':'a','healthStatus':'HEALTHY'}"), &cfg);
	assert_false(cfg.namespaces[0].services[0].health_or_else_all);
	sl_config_free(&cfg);
	assert_int_equal(parse(SVCS("{'portName':'a','healthStatus':'ALL'}"), ORIGIN, &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": services[0].healthStatus: must be \"HEALTHY\" or "
			    "\"HEALTHY_OR_ELSE_ALL\", got \"ALL\"");
	assert_int_equal(parse(SVCS("{'portName':'a','port':0}"), ORIGIN, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": services[0].port: must be an integer from 1 to "
			    "65535, got 0");
}

static void test_service_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "not object", SVCS("{'portName':'a'},'b'"),
		  { ORIGIN ": services[1]: must be an object, got \"b\"" } },
		{ "no name", SVCS("{'clientAliases':[]}"),
		  { ORIGIN ": services[0]: needs a discoveryName or a portName" } },
		{ "portName bad", SVCS("{'portName':'a!'}"),
		  { ORIGIN ": services[0].portName: may hold only", "got \"a!\"" } },
		{ "portName number", SVCS("{'portName':80}"),
		  { ORIGIN ": services[0].portName: must be a string, got 80" } },
		{ "discoveryName dots", SVCS("{'portName':'a'},{'discoveryName':'a..b'}"),
		  { ORIGIN ": services[1].discoveryName: must not contain \"..\"" } },
		{ "discoveryName empty", SVCS("{'portName':'a','discoveryName':''}"),
		  { ORIGIN ": services[0].discoveryName: must not be empty" } },
		{ "protocol case", SVCS("{'portName':'a','protocol':'TCP'}"),
		  { ORIGIN ": services[0].protocol: must be \"tcp\", \"udp\" or \"both\", got \"TCP\"" } },
		{ "protocol number", SVCS("{'portName':'a','protocol':6}"),
		  { ORIGIN ": services[0].protocol: must be", "got 6" } },
		{ "clientAliases object", SVCS("{'portName':'a','clientAliases':{'port':1}}"),
		  { ORIGIN ": services[0].clientAliases: must be an array" } },
		{ "vip IPv6", SVCS("{'portName':'a','vip':'fd00::1'}"),
		  { ORIGIN ": services[0].vip: must be an IPv4 address, got \"fd00::1\"" } },
		{ "vip junk", SVCS("{'portName':'a','vip':'127.255.0.300'}"),
		  { ORIGIN ": services[0].vip: must be an IPv4 address" } },
		{ "vip number", SVCS("{'portName':'a','vip':5}"),
		  { ORIGIN ": services[0].vip: must be an IPv4 address, got 5" } },
		{ "vip outside", SVCS("{'portName':'a','vip':'10.0.0.1'}"),
		  { ORIGIN ": services[0].vip: 10.0.0.1 is outside vipCidr 127.255.0.0/16" } },
		{ "vip outside set range", "{'namespace':'ns','vipCidr':'10.1.0.0/24','allowRoutableVips':true,'services':[{'portName':'a','vip':'10.1.1.5'}]}",
		  { ORIGIN ": services[0].vip: 10.1.1.5 is outside vipCidr 10.1.0.0/24" } },
		{ "vip first", SVCS("{'portName':'a','vip':'127.255.0.0'}"),
		  { ORIGIN ": services[0].vip: 127.255.0.0 is the first address of vipCidr 127.255.0.0/16" } },
		{ "vip last", SVCS("{'portName':'a','vip':'127.255.255.255'}"),
		  { ORIGIN ": services[0].vip: 127.255.255.255 is the last address of vipCidr 127.255.0.0/16" } },
		{ "vip6 without vipCidr6", SVCS("{'portName':'a','vip6':'fd00::5'}"),
		  { ORIGIN ": services[0].vip6: ", "no vipCidr6" } },
		{ "vip6 IPv4", SVCS6("{'portName':'a','vip6':'127.255.0.5'}"),
		  { ORIGIN ": services[0].vip6: must be an IPv6 address, got \"127.255.0.5\"" } },
		{ "vip6 mapped", SVCS6("{'portName':'a','vip6':'::ffff:127.255.0.5'}"),
		  { ORIGIN ": services[0].vip6: must be an IPv6 address" } },
		{ "vip6 outside", SVCS6("{'portName':'a','vip6':'fd00:6::5'}"),
		  { ORIGIN ": services[0].vip6: fd00:6::5 is outside vipCidr6 fd00:5::/112" } },
		{ "vip6 first", SVCS6("{'portName':'a','vip6':'fd00:5::'}"),
		  { ORIGIN ": services[0].vip6: fd00:5:: is the first address of vipCidr6 fd00:5::/112" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

static void test_alias_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "not object", SVCS("{'portName':'a','clientAliases':[{'port':1},80]}"),
		  { ORIGIN ": services[0].clientAliases[1]: must be an object, got 80" } },
		{ "no port", SVCS("{'portName':'a','clientAliases':[{'dnsName':'x'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: required" } },
		{ "port zero", SVCS("{'portName':'a','clientAliases':[{'port':0}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: must be an integer from 1 to 65535, got 0" } },
		{ "port too big", SVCS("{'portName':'a','clientAliases':[{'port':65536}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: must be an integer from 1 to 65535, got 65536" } },
		{ "port real", SVCS("{'portName':'a','clientAliases':[{'port':80.0}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: must be an integer", "got 80.0" } },
		{ "port bool", SVCS("{'portName':'a','clientAliases':[{'port':true}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: must be an integer", "got true" } },
		{ "port numeric string", SVCS("{'portName':'a','clientAliases':[{'port':'80'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].port: must be an integer", "got \"80\"" } },
		{ "dnsName bad", SVCS("{'portName':'a','clientAliases':[{'dnsName':'x-','port':1}]}"),
		  { ORIGIN ": services[0].clientAliases[0].dnsName: must not start or end" } },
		{ "dnsName number", SVCS("{'portName':'a','clientAliases':[{'dnsName':5,'port':1}]}"),
		  { ORIGIN ": services[0].clientAliases[0].dnsName: must be a string, got 5" } },
		{ "vip outside", SVCS("{'portName':'a','clientAliases':[{'port':1,'vip':'127.254.0.1'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].vip: 127.254.0.1 is outside vipCidr 127.255.0.0/16" } },
		{ "vip IPv6", SVCS6("{'portName':'a','clientAliases':[{'port':1,'vip':'fd00:5::1'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].vip: must be an IPv4 address" } },
		{ "vip6 without vipCidr6", SVCS("{'portName':'a','clientAliases':[{'port':1,'vip6':'fd00::1'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].vip6: ", "no vipCidr6" } },
		{ "vip6 first", SVCS6("{'portName':'a','clientAliases':[{'port':1,'vip6':'fd00:5::0'}]}"),
		  { ORIGIN ": services[0].clientAliases[0].vip6: fd00:5:: is the first address" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* The brief's own example, word for word. */
static void test_port_message(void **state)
{
	struct sl_err err = { { 0 } };
	struct sl_config cfg;

	(void)state;
	assert_int_equal(parse(SVCS("{'portName':'a','clientAliases':[{'port':1}]},"
				    "{'portName':'b','clientAliases':[{'port':'http'}]}"),
			       ORIGIN, &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.msg, ORIGIN ": services[1].clientAliases[0].port: must be an "
				     "integer from 1 to 65535, got \"http\"");
	assert_true(is_zeroed(&cfg));
	/* another origin is named as given */
	assert_int_equal(parse("{'services':[]}", "/etc/sluice/other.json", &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, "/etc/sluice/other.json: namespace: required");
}

/* A long bad value is cut short, not spilled whole into the message. */
static void test_long_value(void **state)
{
	const char *want[] = { ORIGIN ": namespace: must be a string, got [", "...", NULL };
	char text[4096];
	size_t len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "{'services':[],'namespace':[");
	while (len < 3000)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "12345678,");
	snprintf(text + len, sizeof(text) - len, "1]}");
	expect_error("long value", text, ORIGIN, want, 2);
}

static void test_cross_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "same discoveryName", SVCS("{'discoveryName':'orders'},{'portName':'x'},{'discoveryName':'orders'}"),
		  { ORIGIN ": services[2].discoveryName: ", "\"orders\"", "services[0]" } },
		{ "same portName", SVCS("{'portName':'web'},{'portName':'web'}"),
		  { ORIGIN ": services[1].portName: ", "\"web\"", "services[0]" } },
		{ "name from portName and discoveryName", SVCS("{'portName':'web'},{'portName':'x','discoveryName':'web'}"),
		  { ORIGIN ": services[1].discoveryName: ", "services[0]" } },
		{ "earliest clash named",
		  SVCS("{'portName':'b'},{'portName':'a'},{'portName':'a'},{'portName':'b'}"),
		  { ORIGIN ": services[2].portName: ", "\"a\"", "services[1]" } },
		{ "alias twice in one service",
		  SVCS("{'discoveryName':'orders','clientAliases':[{'port':80},{'dnsName':'orders','port':80}]}"),
		  { ORIGIN ": services[0].clientAliases[1]: ", "\"orders\" port 80 (tcp)", "services[0].clientAliases[0]" } },
		{ "alias in two services",
		  SVCS("{'discoveryName':'a','clientAliases':[{'dnsName':'x','port':80}]},"
		       "{'discoveryName':'b','clientAliases':[{'port':81},{'dnsName':'x','port':80}]}"),
		  { ORIGIN ": services[1].clientAliases[1]: ", "\"x\" port 80", "services[0].clientAliases[0]" } },
		{ "alias by default name",
		  SVCS("{'discoveryName':'a','clientAliases':[{'port':80}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'a','port':80}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: ", "\"a\" port 80", "services[0].clientAliases[0]" } },
		{ "both overlaps udp",
		  SVCS("{'discoveryName':'a','protocol':'udp','clientAliases':[{'dnsName':'x','port':53}]},"
		       "{'discoveryName':'b','protocol':'both','clientAliases':[{'dnsName':'x','port':53}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: ", "(udp)", "services[0].clientAliases[0]" } },
		{ "both overlaps both",
		  SVCS("{'discoveryName':'a','protocol':'both','clientAliases':[{'dnsName':'x','port':53}]},"
		       "{'discoveryName':'b','protocol':'both','clientAliases':[{'dnsName':'x','port':53}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: ", "(tcp and udp)", "services[0].clientAliases[0]" } },
		{ "tcp after udp and tcp",
		  SVCS("{'discoveryName':'a','protocol':'udp','clientAliases':[{'dnsName':'x','port':53}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'x','port':53}]},"
		       "{'discoveryName':'c','clientAliases':[{'dnsName':'x','port':53}]}"),
		  { ORIGIN ": services[2].clientAliases[0]: ", "(tcp)", "services[1].clientAliases[0]" } },
		{ "alias clash past other names",
		  SVCS("{'discoveryName':'a','clientAliases':[{'dnsName':'x','port':80}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'y','port':80},{'dnsName':'w','port':80}]},"
		       "{'discoveryName':'c','clientAliases':[{'dnsName':'x','port':80}]}"),
		  { ORIGIN ": services[2].clientAliases[0]: ", "\"x\" port 80", "services[0].clientAliases[0]" } },
		{ "vip clash past other names",
		  SVCS("{'discoveryName':'a','clientAliases':[{'dnsName':'x','port':80,'vip':'127.255.0.10'}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'y','port':80,'vip':'127.255.0.11'}]},"
		       "{'discoveryName':'c','clientAliases':[{'dnsName':'x','port':81,'vip':'127.255.0.12'}]}"),
		  { ORIGIN ": services[2].clientAliases[0]: ", "127.255.0.12",
		    "services[0].clientAliases[0] fixes it to 127.255.0.10" } },
		{ "name clash past other vips",
		  SVCS("{'discoveryName':'a','clientAliases':[{'dnsName':'x','port':80,'vip':'127.255.0.10'}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'y','port':80,'vip':'127.255.0.9'}]},"
		       "{'discoveryName':'c','clientAliases':[{'dnsName':'z','port':80,'vip':'127.255.0.10'}]}"),
		  { ORIGIN ": services[2].clientAliases[0]: fixed vip 127.255.0.10", "\"z\"",
		    "\"x\" by services[0].clientAliases[0]" } },
		{ "name with two vips",
		  SVCS("{'discoveryName':'a','vip':'127.255.0.10','clientAliases':[{'dnsName':'x','port':80}]},"
		       "{'discoveryName':'b','clientAliases':[{'dnsName':'x','port':81,'vip':'127.255.0.11'}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: ", "127.255.0.11 (services[1].clientAliases[0].vip)",
		    "services[0].clientAliases[0] fixes it to 127.255.0.10 (services[0].vip)" } },
		{ "name with two vip6s",
		  SVCS6("{'discoveryName':'a','clientAliases':[{'port':80,'vip6':'fd00:5::1'},"
			"{'port':81,'vip6':'fd00:5::2'}]}"),
		  { ORIGIN ": services[0].clientAliases[1]: ", "vip6 fd00:5::2",
		    "services[0].clientAliases[0] fixes it to fd00:5::1 (services[0].clientAliases[0].vip6)" } },
		{ "vip for two names",
		  SVCS("{'discoveryName':'a','clientAliases':[{'port':80,'vip':'127.255.0.10'}]},"
		       "{'discoveryName':'b','clientAliases':[{'port':80,'vip':'127.255.0.10'}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: fixed vip 127.255.0.10 (services[1].clientAliases[0].vip)",
		    "\"b\"", "\"a\" by services[0].clientAliases[0] (services[0].clientAliases[0].vip)" } },
		{ "service vip inherited by two names",
		  SVCS("{'discoveryName':'a','vip':'127.255.0.10','clientAliases':[{'port':80},{'dnsName':'a2','port':80}]}"),
		  { ORIGIN ": services[0].clientAliases[1]: fixed vip 127.255.0.10 (services[0].vip)",
		    "\"a2\"", "\"a\" by services[0].clientAliases[0]" } },
		{ "vip6 for two names",
		  SVCS6("{'discoveryName':'a','vip6':'fd00:5::9','clientAliases':[{'port':80}]},"
			"{'discoveryName':'b','clientAliases':[{'port':80,'vip6':'fd00:5::9'}]}"),
		  { ORIGIN ": services[1].clientAliases[0]: fixed vip6 fd00:5::9", "\"b\"",
		    "\"a\" by services[0].clientAliases[0] (services[0].vip6)" } },
	};

	(void)state;
	run_bad_cases(cases, ARRAY_SIZE(cases));
}

/* ---- files and freeing ---- */

static char tmpdir[64];

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int setup_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	static const char *const names[] = { "sluice.json", "nul.json", "bad.json" };
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static void test_load(void **state)
{
	struct sl_err err = { { 0 } };
	char path[128], want[256], *text;
	struct sl_config cfg;

	(void)state;
	snprintf(path, sizeof(path), "%s/sluice.json", tmpdir);
	text = dq(TOP("'registry':{'file':'instances.json'}"));
	write_file(path, text, strlen(text));
	free(text);
	if (sl_config_load(path, &cfg, &err))
		fail_msg("%s: %s", path, err.msg);
	assert_string_equal(cfg.origin, path);
	snprintf(want, sizeof(want), "%s/instances.json", tmpdir);
	assert_string_equal(cfg.namespaces[0].sources[0].file, want);
	sl_config_free(&cfg);

	/* errors in the file name the file, with the line for a syntax error */
	snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
	write_file(path, "{\n\"namespace\": \"ns\",\n}\n", 23);
	assert_int_equal(sl_config_load(path, &cfg, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:3:", path);
	assert_non_null(strstr(err.msg, want));
	assert_true(is_zeroed(&cfg));
	write_file(path, "{\"namespace\": \"n s\", \"services\": []}", 36);
	assert_int_equal(sl_config_load(path, &cfg, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: namespace: may hold only", path);
	assert_non_null(strstr(err.msg, want));

	/* a NUL byte must not end the document early */
	snprintf(path, sizeof(path), "%s/nul.json", tmpdir);
	write_file(path, "{\"namespace\":\"ns\",\"services\":[]}\0junk", 38);
	assert_int_equal(sl_config_load(path, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_true(is_zeroed(&cfg));
}

static void test_load_unreadable(void **state)
{
	struct sl_err err = { { 0 } };
	char path[128], want[256];
	struct sl_config cfg;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(sl_config_load(path, &cfg, &err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot read: %s", path, strerror(ENOENT));
	assert_string_equal(err.msg, want);
	assert_true(is_zeroed(&cfg));

	assert_int_equal(sl_config_load(tmpdir, &cfg, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", tmpdir);
	assert_string_equal(err.msg, want);
	assert_true(is_zeroed(&cfg));

	/* A FIFO in its place is refused at once, never waited on. */
	snprintf(path, sizeof(path), "%s/fifo.json", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(sl_config_load(path, &cfg, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(unlink(path), 0);
}

static void test_config_free(void **state)
{
	struct sl_config cfg = { 0 };

	(void)state;
	sl_config_free(&cfg);
	sl_config_free(NULL);
	parse_ok(SVCS("{'portName':'a','clientAliases':[{'port':1}]}"), &cfg);
	sl_config_free(&cfg);
	assert_true(is_zeroed(&cfg));
	sl_config_free(&cfg);

	/* partly filled: arrays with empty slots */
	cfg.top.nservices = 2;
	cfg.top.services = calloc(2, sizeof(*cfg.top.services));
	assert_non_null(cfg.top.services);
	cfg.top.services[0].name = strdup("x");
	cfg.top.services[0].naliases = 3;
	cfg.top.services[0].aliases = calloc(3, sizeof(*cfg.top.services[0].aliases));
	assert_non_null(cfg.top.services[0].aliases);
	cfg.top.services[0].aliases[0].dns_name = strdup("y");
	cfg.ncgroups = 2;
	cfg.cgroups = calloc(2, sizeof(*cfg.cgroups));
	assert_non_null(cfg.cgroups);
	cfg.cgroups[0].path = strdup("/a");
	cfg.top.namespace = strdup("ns");
	cfg.top.services[1].health.path = strdup("/h");
	cfg.top.services[1].health.nexpect = 1;
	cfg.top.services[1].health.expect = calloc(1, sizeof(*cfg.top.services[1].health.expect));
	assert_non_null(cfg.top.services[1].health.expect);
	sl_config_free(&cfg);
	assert_true(is_zeroed(&cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_status_and_port),
		cmocka_unit_test(test_connection_limits),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_vip_range_safety),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_partial_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_fixed_vips),
		cmocka_unit_test(test_vip_range_edges),
		cmocka_unit_test(test_registry_paths),
		cmocka_unit_test(test_registry_sources),
		cmocka_unit_test(test_dns_source),
		cmocka_unit_test(test_etcd_source),
		cmocka_unit_test(test_etcd_source_bad),
		cmocka_unit_test(test_dns_beside_file),
		cmocka_unit_test(test_dns_source_eq),
		cmocka_unit_test(test_cloudmap_source),
		cmocka_unit_test(test_cloudmap_errors),
		cmocka_unit_test(test_cloudmap_source_eq),
		cmocka_unit_test(test_cloudmap_namespaces),
		cmocka_unit_test(test_service_dns),
		cmocka_unit_test(test_dns_errors),
		cmocka_unit_test(test_dns_default_name),
		cmocka_unit_test(test_service_defaults),
		cmocka_unit_test(test_service_new_fields),
		cmocka_unit_test(test_lb_policy_and_affinity),
		cmocka_unit_test(test_health_defaults),
		cmocka_unit_test(test_health_seconds),
		cmocka_unit_test(test_expect_status),
		cmocka_unit_test(test_health_path_length),
		cmocka_unit_test(test_outlier_forms),
		cmocka_unit_test(test_socket_termination),
		cmocka_unit_test(test_limits_affinities),
		cmocka_unit_test(test_health_message),
		cmocka_unit_test(test_routing_errors),
		cmocka_unit_test(test_health_errors),
		cmocka_unit_test(test_expect_status_errors),
		cmocka_unit_test(test_outlier_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_top_level_errors),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_unknown_field_lists),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_alias_errors),
		cmocka_unit_test(test_port_message),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_cross_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_unreadable),
		cmocka_unit_test(test_config_free),
		cmocka_unit_test(test_attach_rules),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_names_dns),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
