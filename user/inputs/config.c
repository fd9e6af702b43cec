// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* config.c: sluiced's JSON config, read by tables of rows (lib/json.h) and checked whole; every
 * error names the file, the field's full path and, where it helps, the bad value. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "inputs/cgroup_rules.h"
#include "inputs/config.h"
#include "lib/fsutil.h"
#include "lib/json.h"
#include "sluice.h"

#define NAME_MAX_LEN (SLUICE_NAME_LEN - 1)
#define LIMIT_MAX_SERVICES (1U << 20)
#define LIMIT_MAX_BACKENDS (1U << 22)
#define LIMIT_MAX_FRONTENDS (1U << 22)
#define LIMIT_MAX_SOCKETS (1U << 24)
#define LIMIT_MAX_AFFINITIES (1U << 24)
#define VIP_CIDR4_MAX_PREFIX 30
#define VIP_CIDR6_MIN_PREFIX 64
#define VIP_CIDR6_MAX_PREFIX 126
#define LOC_LEN 96 /* "services[N].clientAliases[N].vip6" */

#define DEFAULT_AFFINITY_TIMEOUT_S 10800
#define MAX_AFFINITY_TIMEOUT_S 86400
#define MIN_CONNECT_TIMEOUT_MS 10       /* a few jiffies: the SYN's timer cannot go below */
#define MAX_CONNECT_TIMEOUT_MS 600000   /* ten minutes: beyond, the kernel's own is shorter */
#define MAX_IDLE_TIMEOUT_S 32767        /* TCP_KEEPIDLE's bound */
#define MAX_CONNECTIONS_PER_BACKEND 1000000
#define MAX_REQUEST_TIMEOUT_S 2147483647 /* ECS takes any 32-bit number */
#define DEFAULT_PANIC_PERCENT 50
#define HC_DEFAULT_INTERVAL_MS 5000
#define HC_DEFAULT_TIMEOUT_MS 2000
#define HC_DEFAULT_THRESHOLD 2
#define HC_MAX_THRESHOLD 1000
#define HC_MAX_SECONDS 3600
#define HC_MAX_PATH 1024
#define HC_DEFAULT_PATH "/"
#define HC_DEFAULT_STATUS_LO 200
#define HC_DEFAULT_STATUS_HI 399
#define STATUS_MIN 100
#define STATUS_MAX 599
#define OD_DEFAULT_FAILURES 3
#define OD_MAX_FAILURES 65535
#define OD_DEFAULT_BASE_MS 30000
#define OD_DEFAULT_MAX_MS 300000
#define OD_DEFAULT_PERCENT 50
#define OD_MAX_SECONDS 86400
#define DNS_DEFAULT_REFRESH_MS 5000
#define DNS_MIN_REFRESH_MS 1000
#define DNS_MAX_REFRESH_SECONDS 3600
#define DNS_DEFAULT_TIMEOUT_MS 2000
#define DNS_MAX_TIMEOUT_SECONDS 60
#define DNS_PORT 53
#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63
#define ETCD_DEFAULT_PREFIX "/sluice/"
#define ETCD_PREFIX_MAX 200
#define ETCD_URL_MAX 256
#define ETCD_MAX_ENDPOINTS 16
#define ETCD_DEFAULT_TIMEOUT_MS 2000
#define ETCD_MAX_TIMEOUT_SECONDS 60
#define ETCD_DEFAULT_RESYNC_MS 300000
#define ETCD_MIN_RESYNC_MS 10000
#define ETCD_MAX_RESYNC_SECONDS 86400
#define ETCD_CRED_MAX 128
#define CM_DEFAULT_POLL_MS 5000
#define CM_DEFAULT_FULL_MS 30000
#define CM_MAX_SECONDS 3600
#define CM_DEFAULT_TIMEOUT_MS 5000
#define CM_MAX_TIMEOUT_SECONDS 60
#define CM_MIN_POLL_MS 1000
#define CM_NAMESPACE_MAX 1024 /* Cloud Map's longest namespace name (an HTTP namespace's) */
#define CM_REGION_MAX 32
#define CM_ENDPOINT_MAX 512
#define STR_(x) #x
#define STR(x) STR_(x)

static const struct sl_json_enum protocols[] = {
	{ "tcp", SL_PROTO_TCP },
	{ "udp", SL_PROTO_UDP },
	{ "both", SL_PROTO_TCP | SL_PROTO_UDP },
	{ NULL, 0 },
};
static const struct sl_json_enum health_statuses[] = {
	{ "HEALTHY", false },
	{ "HEALTHY_OR_ELSE_ALL", true },
	{ NULL, 0 },
};
static const struct sl_json_enum cm_health[] = {
	{ "ALL", SL_CM_ALL },
	{ "HEALTHY", SL_CM_HEALTHY },
	{ "HEALTHY_OR_ELSE_ALL", SL_CM_HEALTHY_OR_ELSE_ALL },
	{ NULL, 0 },
};
static const struct sl_json_enum lb_policies[] = {
	{ "random", SLUICE_LB_RANDOM },
	{ "round_robin", SLUICE_LB_ROUND_ROBIN },
	{ "least_request", SLUICE_LB_LEAST_REQUEST },
	{ NULL, 0 },
};
static const struct sl_json_enum sockterm_modes[] = {
	{ "auto", SL_SOCKTERM_AUTO },
	{ "iterator", SL_SOCKTERM_ITER },
	{ "sock_diag", SL_SOCKTERM_DIAG },
	{ "off", SL_SOCKTERM_OFF },
	{ NULL, 0 },
};
static const struct sl_json_enum dns_types[] = {
	{ "SRV", SL_DNS_SRV },
	{ "A", SL_DNS_A },
	{ "AAAA", SL_DNS_AAAA },
	{ NULL, 0 },
};
static const struct sl_json_enum hc_protocols[] = {
	{ "tcp", SL_HC_TCP },
	{ "http", SL_HC_HTTP },
	{ NULL, 0 },
};

/* What the rows' functions read of the document beyond their own base (j->user). */
struct parse_ctx {
	struct sl_config *cfg;
	struct sl_ns_cfg *ns; /* the namespace being read: &cfg->top, or an entry */
	char prefix[48];      /* "" or "namespaces[N].", for the document checks' messages */
};

#define CTX(j) ((struct parse_ctx *)(j)->user)

/* ---- values of their own kind (sl_json_parse_fn: each fills its row's field of base) ---- */

/* "vipCidr" (struct sl_cidr): IPv4, at most /VIP_CIDR4_MAX_PREFIX. */
static int parse_cidr4(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	struct sl_cidr c;

	if (!json_is_string(v) || sl_cidr_parse(json_string_value(v), &c) || !c.v4)
		return sl_json_fail_got(j, v, "must be an IPv4 range a.b.c.d/n with no host bits set");
	if (c.prefix > VIP_CIDR4_MAX_PREFIX)
		return sl_json_fail_got(j, v, "must be at most a /%d", VIP_CIDR4_MAX_PREFIX);
	*(struct sl_cidr *)sl_json_field(base, row) = c;
	return 0;
}

/* "vipCidr6" (struct sl_cidr): IPv6, /VIP_CIDR6_MIN_PREFIX to /VIP_CIDR6_MAX_PREFIX. */
static int parse_cidr6(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	struct sl_cidr c;

	if (!json_is_string(v) || sl_cidr_parse(json_string_value(v), &c) || c.v4)
		return sl_json_fail_got(j, v, "must be an IPv6 range x::/n with no host bits set");
	if (c.prefix < VIP_CIDR6_MIN_PREFIX || c.prefix > VIP_CIDR6_MAX_PREFIX)
		return sl_json_fail_got(j, v, "must be a /%d to a /%d", VIP_CIDR6_MIN_PREFIX,
					VIP_CIDR6_MAX_PREFIX);
	*(struct sl_cidr *)sl_json_field(base, row) = c;
	return 0;
}

/* A fixed "vip" (struct sl_addr): IPv4, inside vipCidr, neither end of it. */
static int parse_vip4(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	const struct sl_cidr *range = &CTX(j)->ns->vip_cidr4;
	char a[SL_ADDR_STRLEN], r[SL_ADDR_STRLEN + 8];
	struct sl_addr addr;

	if (!json_is_string(v) || sl_addr_parse(json_string_value(v), &addr) ||
	    !sl_addr_is_v4(&addr))
		return sl_json_fail_got(j, v, "must be an IPv4 address");
	sl_addr_format(&addr, a, sizeof(a));
	sl_cidr_format(range, r, sizeof(r));
	if (!sl_cidr_contains(range, &addr))
		return sl_json_fail(j, "%s is outside vipCidr %s", a, r);
	if (sl_addr_eq(&addr, &range->base))
		return sl_json_fail(j, "%s is the first address of vipCidr %s, never a VIP", a, r);
	if (sl_cidr_offset(range, &addr) == sl_cidr_size(range) - 1)
		return sl_json_fail(j, "%s is the last address of vipCidr %s, never a VIP", a, r);
	*(struct sl_addr *)sl_json_field(base, row) = addr;
	return 0;
}

/* A fixed "vip6" (struct sl_addr): IPv6, inside vipCidr6, not its first address. */
static int parse_vip6(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	const struct sl_ns_cfg *cfg = CTX(j)->ns;
	const struct sl_cidr *range = &cfg->vip_cidr6;
	char a[SL_ADDR_STRLEN], r[SL_ADDR_STRLEN + 8];
	struct sl_addr addr;

	if (!json_is_string(v) || sl_addr_parse(json_string_value(v), &addr) ||
	    sl_addr_is_v4(&addr))
		return sl_json_fail_got(j, v, "must be an IPv6 address");
	sl_addr_format(&addr, a, sizeof(a));
	if (!cfg->has_vip_cidr6)
		return sl_json_fail(j, "%s is given, but there is no vipCidr6 for it to lie in", a);
	sl_cidr_format(range, r, sizeof(r));
	if (!sl_cidr_contains(range, &addr))
		return sl_json_fail(j, "%s is outside vipCidr6 %s", a, r);
	if (sl_addr_eq(&addr, &range->base))
		return sl_json_fail(j, "%s is the first address of vipCidr6 %s, never a VIP", a, r);
	*(struct sl_addr *)sl_json_field(base, row) = addr;
	return 0;
}

/* "registry"."file" (char *): a relative path is taken from the config's directory. */
static int parse_registry_file(struct sl_json *j, const struct sl_json_row *row,
			       const json_t *v, void *base)
{
	const char *file, *slash = strrchr(j->origin, '/');
	char **out = sl_json_field(base, row), *joined;
	int ret;

	if (!json_is_string(v) || !json_string_length(v))
		return sl_json_fail_got(j, v, "must be a non-empty path");
	file = json_string_value(v);
	if (file[0] == '/' || !slash)
		return sl_json_set_str(j, out, file);
	if (asprintf(&joined, "%.*s%s", (int)(slash - j->origin + 1), j->origin, file) < 0)
		return sl_json_oom(j);
	ret = sl_json_set_str(j, out, joined);
	free(joined);
	return ret;
}

#define ETCD_ENDPOINT_EXPECT "must be an http:// or https:// URL of an etcd member's client " \
			     "address (http://10.0.0.5:2379), without a path"

/* "registry"."etcd"."endpoints"[i] (char *): http[s]://host[:port], a "/" at most after. */
static int parse_etcd_endpoint(struct sl_json *j, const struct sl_json_row *row,
			       const json_t *v, void *base)
{
	const char *s, *host;
	size_t i, len;

	if (sl_json_string(j, v, 1, ETCD_URL_MAX, &s))
		return -EINVAL;
	host = !strncmp(s, "http://", 7) ? s + 7 : !strncmp(s, "https://", 8) ? s + 8 : NULL;
	if (!host || !*host || *host == '/' || *host == ':')
		return sl_json_fail_got(j, v, ETCD_ENDPOINT_EXPECT);
	len = strlen(host);
	if (host[len - 1] == '/')
		len--;
	for (i = 0; i < len; i++)
		if (host[i] <= ' ' || host[i] > '~' || strchr("/?#@\\", host[i]))
			return sl_json_fail_got(j, v, ETCD_ENDPOINT_EXPECT);
	if (asprintf((char **)sl_json_field(base, row), "%.*s", (int)(host - s + len), s) < 0)
		return sl_json_oom(j);
	return 0;
}

/* "registry"."etcd"."prefix" (char *): printable, ending in '/' (keys are
 * PREFIX<namespace>/<service>/<instance-id>). */
static int parse_etcd_prefix(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			     void *base)
{
	const char *s;
	size_t i, len;

	if (sl_json_string(j, v, 1, ETCD_PREFIX_MAX, &s))
		return -EINVAL;
	len = strlen(s);
	for (i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~')
			return sl_json_fail_got(j, v, "must be printable ASCII");
	if (s[len - 1] != '/')
		return sl_json_fail_got(j, v, "must end in \"/\" (keys are PREFIX<namespace>/"
					"<service>/<instance-id>)");
	return sl_json_set_str(j, sl_json_field(base, row), s);
}

#define DNS_SERVER_EXPECT "must be an IP address, with a port or not (10.0.0.2, 10.0.0.2:53, " \
			  "fd00::2, [fd00::2]:53)"

/* A port after an address: 1-65535, decimal digits only. */
static int parse_port_text(const char *s, uint16_t *port)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		n = n * 10 + (unsigned long)(s[i] - '0');
	if (!i || s[i] || n < 1 || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

/* "registry"."dns"."servers"[i] (struct sl_dns_server): "a.b.c.d[:port]", "x::y" or
 * "[x::y][:port]". */
static int parse_dns_server(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			    void *base)
{
	struct sl_dns_server *srv = sl_json_field(base, row);
	char host[SL_ADDR_STRLEN];
	const char *s, *end, *colon;
	size_t len;

	if (!json_is_string(v))
		return sl_json_fail_got(j, v, DNS_SERVER_EXPECT);
	s = json_string_value(v);
	srv->port = DNS_PORT;
	colon = strchr(s, ':');
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && (end[1] != ':' || parse_port_text(end + 2, &srv->port))))
			return sl_json_fail_got(j, v, DNS_SERVER_EXPECT);
		s++;
		len = (size_t)(end - s);
	} else if (colon && !strchr(colon + 1, ':')) { /* one colon: IPv4 and a port */
		if (parse_port_text(colon + 1, &srv->port))
			return sl_json_fail_got(j, v, DNS_SERVER_EXPECT);
		len = (size_t)(colon - s);
	} else {
		len = strlen(s);
	}
	if (len >= sizeof(host))
		return sl_json_fail_got(j, v, DNS_SERVER_EXPECT);
	memcpy(host, s, len);
	host[len] = '\0';
	if (sl_addr_parse(host, &srv->addr))
		return sl_json_fail_got(j, v, DNS_SERVER_EXPECT);
	if (json_string_value(v)[0] == '[' && sl_addr_is_v4(&srv->addr))
		return sl_json_fail_got(j, v, "must write an IPv4 address without brackets");
	return 0;
}

/* Why s (of sl_json_name's characters) is no DNS name: longer than DNS_NAME_MAX, or a label
 * longer than DNS_LABEL_MAX; NULL when it is one. */
static const char *dns_name_problem(const char *s)
{
	const char *label = s, *dot;

	if (strlen(s) > DNS_NAME_MAX)
		return "is longer than " STR(DNS_NAME_MAX) " characters";
	for (; label; label = dot ? dot + 1 : NULL) {
		dot = strchr(label, '.');
		if ((dot ? (size_t)(dot - label) : strlen(label)) > DNS_LABEL_MAX)
			return "has a label longer than " STR(DNS_LABEL_MAX) " characters";
	}
	return NULL;
}

static int check_dns_name(struct sl_json *j, const json_t *v, const char *s)
{
	const char *why = dns_name_problem(s);

	return why ? sl_json_fail_got(j, v, "%s", why) : 0;
}

/* "dns"."name" of a service (char *). */
static int parse_dns_name(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			  void *base)
{
	const char *s;

	return sl_json_name(j, v, DNS_NAME_MAX, &s) ?: check_dns_name(j, v, s) ?:
	       sl_json_set_str(j, sl_json_field(base, row), s);
}

/* "healthCheck"."path" (char *): '/' then printable ASCII without spaces. */
static int parse_hc_path(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			 void *base)
{
	const char *s;
	size_t len, i;

	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return sl_json_fail_got(j, v, "must be a path starting with '/'");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > HC_MAX_PATH)
		return sl_json_fail_got(j, v, "must be at most %d bytes", HC_MAX_PATH);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return sl_json_fail_got(j, v, "may hold only printable ASCII characters, no spaces");
	return sl_json_set_str(j, sl_json_field(base, row), s);
}

/* Up to 3 digits of s into *n; the characters read, 0 if none. */
static size_t read_status(const char *s, unsigned *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '9'; i++)
		*n = *n * 10 + (unsigned)(s[i] - '0');
	return i;
}

#define STATUS_EXPECT "must be a status from 100 to 599, a range \"lo-hi\" such as \"200-299\", " \
		      "or an array of those"

/* One status or range of "expectStatus" (struct sl_status_range). */
static int parse_status(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			void *base)
{
	struct sl_status_range *r = sl_json_field(base, row);
	unsigned lo, hi;
	const char *s;
	size_t n;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < STATUS_MIN || json_integer_value(v) > STATUS_MAX)
			return sl_json_fail_got(j, v, "must be a status from %d to %d", STATUS_MIN,
						STATUS_MAX);
		r->lo = r->hi = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return sl_json_fail_got(j, v, STATUS_EXPECT);
	s = json_string_value(v);
	n = read_status(s, &lo);
	if (n != 3 || s[n] != '-' || read_status(s + n + 1, &hi) != 3 || s[n + 4] != '\0')
		return sl_json_fail_got(j, v, "must be a range \"lo-hi\" of statuses such as \"200-299\"");
	if (lo < STATUS_MIN || hi > STATUS_MAX)
		return sl_json_fail_got(j, v, "must be a range of statuses from %d to %d", STATUS_MIN,
					STATUS_MAX);
	if (lo > hi)
		return sl_json_fail_got(j, v, "must not end below its start");
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

/* "expectStatus" (the ARRAY of its row): a non-empty array of statuses, or one alone. */
static int parse_expect_status(struct sl_json *j, const struct sl_json_row *row,
			       const json_t *v, void *base)
{
	struct sl_health_check_cfg *hc = base;

	if (json_is_array(v)) {
		if (!json_array_size(v))
			return sl_json_fail(j, "must not be empty");
		return sl_json_array(j, row, v, base);
	}
	if (!json_is_integer(v) && !json_is_string(v))
		return sl_json_fail_got(j, v, STATUS_EXPECT);
	hc->expect = calloc(1, sizeof(*hc->expect));
	if (!hc->expect)
		return sl_json_oom(j);
	hc->nexpect = 1;
	return sl_json_value(j, row->elem, v, hc->expect);
}

/* "outlierDetection" (the OBJECT of its row): true or false set "enabled" alone. */
static int parse_outlier(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			 void *base)
{
	struct sl_outlier_cfg *od = sl_json_field(base, row);

	if (!json_is_boolean(v))
		return sl_json_object(j, row, v, base);
	od->enabled = json_is_true(v);
	return 0;
}

/* ---- checks across fields (sl_json_check_fn) ---- */

/* A service is named by its discoveryName, else by its portName. */
/* Addresses a VIP range must never cover: the instance metadata, ECS credential and task
 * metadata endpoints (IPv4 link-local, where 169.254.169.254 and 169.254.170.2 are; IMDS's
 * IPv6 address) and IPv6 link-local. */
static const char *const reserved_ranges[] = {
	"169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", NULL,
};

static bool cidrs_overlap(const struct sl_cidr *a, const struct sl_cidr *b)
{
	const struct sl_cidr *wide = a->prefix <= b->prefix ? a : b;
	const struct sl_cidr *narrow = wide == a ? b : a;

	return a->v4 == b->v4 && sl_cidr_contains(wide, &narrow->base);
}

static int check_reserved(struct sl_json *j, const char *key, const struct sl_cidr *c)
{
	char shown[SL_ADDR_STRLEN + 8];
	struct sl_cidr r;
	size_t i;

	for (i = 0; reserved_ranges[i]; i++) {
		sl_cidr_parse(reserved_ranges[i], &r);
		if (cidrs_overlap(c, &r))
			return sl_json_fail_key(j, key, NULL, "%s overlaps %s, where the instance and "
						"task metadata and credential endpoints live: "
						"choose another range",
						sl_cidr_format(c, shown, sizeof(shown)),
						reserved_ranges[i]);
	}
	return 0;
}

/* An IPv4 VIP that sluice does not rewrite (a process outside the attached cgroups, a connect
 * before the first reconcile) goes to loopback and is refused: a dead end. A range outside
 * 127.0.0.0/8 would send it to the network instead: refused unless asked for. */
static int check_vip_ranges(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_ns_cfg *cfg = base;
	const struct sl_ns_cfg *top = &CTX(j)->cfg->top;
	char shown[SL_ADDR_STRLEN + 8];
	struct sl_cidr loopback;
	int ret;

	(void)obj;
	if (cfg != top) { /* an entry of "namespaces" takes what it does not give from the top */
		if (!cfg->has_vip_cidr4 && top->has_vip_cidr4)
			cfg->vip_cidr4 = top->vip_cidr4;
		if (!cfg->has_vip_cidr6 && top->has_vip_cidr6) {
			cfg->has_vip_cidr6 = true;
			cfg->vip_cidr6 = top->vip_cidr6;
		}
		if (!cfg->has_allow_routable_vips)
			cfg->allow_routable_vips = top->allow_routable_vips;
		if (!cfg->has_enabled)
			cfg->enabled = top->enabled;
		if (!cfg->names.has_dns)
			cfg->names.dns = top->names.dns;
	}
	sl_cidr_parse("127.0.0.0/8", &loopback);
	ret = check_reserved(j, "vipCidr", &cfg->vip_cidr4);
	if (!ret && cfg->has_vip_cidr6)
		ret = check_reserved(j, "vipCidr6", &cfg->vip_cidr6);
	if (ret)
		return ret;
	if (!cfg->allow_routable_vips && !sl_cidr_contains(&loopback, &cfg->vip_cidr4.base))
		return sl_json_fail_key(j, "vipCidr", NULL, "%s is outside 127.0.0.0/8: a VIP sluice "
					"does not rewrite would leave the host for the network "
					"instead of meeting a dead end; use a loopback range, or set "
					"\"allowRoutableVips\": true to accept that",
					sl_cidr_format(&cfg->vip_cidr4, shown, sizeof(shown)));
	return 0;
}

static int check_service_name(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_service_cfg *svc = base;

	(void)obj;
	if (svc->name)
		return 0;
	if (!svc->port_name)
		return sl_json_fail(j, "needs a discoveryName or a portName");
	return sl_json_set_str(j, &svc->name, svc->port_name);
}

/* An alias's dnsName defaults to its service's name, its fixed VIPs to the service's. */
static int complete_aliases(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_service_cfg *svc = base;
	struct sl_alias_cfg *al;
	size_t i;
	int ret;

	(void)obj;
	for (i = 0; i < svc->naliases; i++) {
		al = &svc->aliases[i];
		if (!al->dns_name) {
			ret = sl_json_set_str(j, &al->dns_name, svc->name);
			if (ret)
				return ret;
		}
		if (!al->has_vip4 && svc->has_vip4) {
			al->has_vip4 = true;
			al->vip4 = svc->vip4;
		}
		if (!al->has_vip6 && svc->has_vip6) {
			al->has_vip6 = true;
			al->vip6 = svc->vip6;
		}
	}
	return 0;
}

/* "path" and "expectStatus" belong to an HTTP check. */
static int check_http_only(struct sl_json *j, const json_t *obj, void *base)
{
	static const char *const keys[] = { "path", "expectStatus" };
	const struct sl_health_check_cfg *hc = base;
	size_t i;

	for (i = 0; hc->proto == SL_HC_TCP && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(obj, keys[i]))
			return sl_json_fail_key(j, keys[i], NULL,
						"only for \"protocol\": \"http\" (this check is tcp)");
	return 0;
}

/* The timeout is at most the interval (the default timeout yields to a short interval); an
 * HTTP check asks for "/" and takes 200-399 unless told otherwise. */
static int check_health(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_health_check_cfg *hc = base;
	const json_t *timeout = json_object_get(obj, "timeoutSeconds");
	int ret;

	if (hc->timeout_ms > hc->interval_ms && timeout)
		return sl_json_fail_key(j, "timeoutSeconds", timeout,
					"must be at most intervalSeconds (%g)", hc->interval_ms / 1000.0);
	if (hc->timeout_ms > hc->interval_ms)
		hc->timeout_ms = hc->interval_ms;
	if (hc->proto != SL_HC_HTTP)
		return 0;
	if (!hc->path) {
		ret = sl_json_set_str(j, &hc->path, HC_DEFAULT_PATH);
		if (ret)
			return ret;
	}
	if (hc->expect)
		return 0;
	hc->expect = calloc(1, sizeof(*hc->expect));
	if (!hc->expect)
		return sl_json_oom(j);
	hc->nexpect = 1;
	hc->expect->lo = HC_DEFAULT_STATUS_LO;
	hc->expect->hi = HC_DEFAULT_STATUS_HI;
	return 0;
}

/* maxEjectionSeconds >= baseEjectionSeconds: a default yields to the other bound when that one
 * is given; two given must agree. */
static int check_ejection(struct sl_json *j, const json_t *obj, void *base)
{
	const json_t *max = json_object_get(obj, "maxEjectionSeconds");
	struct sl_outlier_cfg *od = base;

	if (od->max_ejection_ms >= od->base_ejection_ms)
		return 0;
	if (!max)
		od->max_ejection_ms = od->base_ejection_ms;
	else if (!json_object_get(obj, "baseEjectionSeconds"))
		od->base_ejection_ms = od->max_ejection_ms;
	else
		return sl_json_fail_key(j, "maxEjectionSeconds", max,
					"must be at least baseEjectionSeconds (%g)",
					od->base_ejection_ms / 1000.0);
	return 0;
}

/* A DNS source: refreshes at least DNS_MIN_REFRESH_MS apart; a query's timeout within the
 * refresh (a default timeout yields to a shorter refresh, as a check's does). */
static int check_dns_source(struct sl_json *j, const json_t *obj, void *base)
{
	const json_t *timeout = json_object_get(obj, "timeoutSeconds");
	struct sl_source_cfg *c = base;

	if (c->refresh_ms < DNS_MIN_REFRESH_MS)
		return sl_json_fail_key(j, "refreshSeconds", json_object_get(obj, "refreshSeconds"),
					"must be at least %g", DNS_MIN_REFRESH_MS / 1000.0);
	if (c->timeout_ms > c->refresh_ms && timeout)
		return sl_json_fail_key(j, "timeoutSeconds", timeout,
					"must be at most refreshSeconds (%g)", c->refresh_ms / 1000.0);
	if (c->timeout_ms > c->refresh_ms)
		c->timeout_ms = c->refresh_ms;
	return 0;
}

/* "registry"."cloudMap"."region" (char *): an AWS region's name, us-east-1, cn-north-1. */
static int parse_cm_region(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			   void *base)
{
	const char *s, *p;
	int dashes = 0;

	if (sl_json_string(j, v, 1, CM_REGION_MAX, &s))
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p == '-' && p > s && p[1] && p[-1] != '-')
			dashes++;
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			break;
	}
	if (*p || dashes < 2 || p[-1] < '0' || p[-1] > '9')
		return sl_json_fail_got(j, v, "must be an AWS region's name (us-east-1, eu-west-3)");
	return sl_json_set_str(j, sl_json_field(base, row), s);
}

/* A loopback address literal (an http:// endpoint's host): 127.0.0.0/8, [::1]. */
static bool loopback_host(const char *host, size_t len)
{
	char buf[64];
	struct sl_addr a;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = 0;
	if (buf[0] == '[' && len > 2 && buf[len - 1] == ']') {
		buf[len - 1] = 0;
		return !sl_addr_parse(buf + 1, &a) && !sl_addr_is_v4(&a) &&
		       !memcmp(a.a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	}
	return !sl_addr_parse(buf, &a) && sl_addr_is_v4(&a) && ((const uint8_t *)a.a)[12] == 127;
}

#define CM_ENDPOINT_EXPECT "must be \"https://HOST[:PORT]\" (or \"http://\" to a loopback " \
			   "address, for tests), without a path"

/* "registry"."cloudMap"."endpoint" (char *): where DiscoverInstances is sent in place of
 * Cloud Map's regional endpoint (a VPC endpoint, a test's stand-in). http:// would carry the
 * session token in the clear: only to loopback. */
static int parse_cm_endpoint(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			     void *base)
{
	const char *s, *host, *end, *p;
	bool tls;

	if (sl_json_string(j, v, 1, CM_ENDPOINT_MAX, &s))
		return -EINVAL;
	tls = !strncmp(s, "https://", 8);
	if (!tls && strncmp(s, "http://", 7))
		return sl_json_fail_got(j, v, CM_ENDPOINT_EXPECT);
	host = s + (tls ? 8 : 7);
	end = host + strlen(host);
	if (end > host && end[-1] == '/')
		end--;
	for (p = host; p < end; p++)
		if (*p <= ' ' || *p > '~' || strchr("/?#@\\", *p))
			return sl_json_fail_got(j, v, CM_ENDPOINT_EXPECT);
	p = host < end && *host == '[' ? memchr(host, ']', (size_t)(end - host)) : host;
	if (!p)
		return sl_json_fail_got(j, v, CM_ENDPOINT_EXPECT);
	p = memchr(p, ':', (size_t)(end - p));
	if (p == host || end == host)
		return sl_json_fail_got(j, v, CM_ENDPOINT_EXPECT);
	if (p) {
		char *e;
		long port = strtol(p + 1, &e, 10);

		if (e != end || port < 1 || port > 65535)
			return sl_json_fail_got(j, v, CM_ENDPOINT_EXPECT);
	}
	if (!tls && !loopback_host(host, (size_t)((p ? p : end) - host)))
		return sl_json_fail_got(j, v, "http:// sends the session token in the clear: only "
					"to a loopback address (127.0.0.1, [::1]); use https://");
	return sl_json_set_str(j, sl_json_field(base, row), s);
}

/* A Cloud Map source: polls at least CM_MIN_POLL_MS apart, a full fetch no more often than a
 * poll; a request's timeout within the poll. */
static int check_cm_source(struct sl_json *j, const json_t *obj, void *base)
{
	const json_t *full = json_object_get(obj, "fullSeconds");
	const json_t *timeout = json_object_get(obj, "timeoutSeconds");
	struct sl_source_cfg *c = base;

	if (c->poll_ms < CM_MIN_POLL_MS)
		return sl_json_fail_key(j, "pollSeconds", json_object_get(obj, "pollSeconds"),
					"must be at least %g", CM_MIN_POLL_MS / 1000.0);
	if (c->full_ms < c->poll_ms && full)
		return sl_json_fail_key(j, "fullSeconds", full, "must be at least pollSeconds (%g)",
					c->poll_ms / 1000.0);
	if (c->full_ms < c->poll_ms)
		c->full_ms = c->poll_ms;
	if (c->timeout_ms > c->poll_ms && timeout)
		return sl_json_fail_key(j, "timeoutSeconds", timeout,
					"must be at most pollSeconds (%g)", c->poll_ms / 1000.0);
	if (c->timeout_ms > c->poll_ms)
		c->timeout_ms = c->poll_ms;
	return 0;
}

/* A service's "dns": SRV records carry their port; A and AAAA need one, the dns block's
 * (which wins) or the service's. */
static int check_service_dns(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_service_dns_cfg *d = base;
	const struct sl_service_cfg *svc =
		(const void *)((const char *)d - offsetof(struct sl_service_cfg, dns));

	if (d->type == SL_DNS_SRV && d->port)
		return sl_json_fail_key(j, "port", json_object_get(obj, "port"),
					"only for \"type\": \"A\" or \"AAAA\" (SRV records carry "
					"their port)");
	if (d->type != SL_DNS_SRV && !d->port && !svc->port)
		return sl_json_fail_key(j, "type", json_object_get(obj, "type"),
					"A and AAAA records carry no port: give \"port\" here or "
					"the service's \"port\"");
	return 0;
}

static bool has_dns_source(const struct sl_ns_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nsources; i++)
		if (cfg->sources[i].kind == SL_SOURCE_DNS)
			return true;
	return false;
}

/* A Cloud Map source of the namespace (or of the top level it takes its registry from) that
 * asks only for HEALTHY instances, or NULL. */
static const struct sl_source_cfg *healthy_only_source(const struct sl_ns_cfg *cfg,
						       const struct sl_ns_cfg *top)
{
	const struct sl_ns_cfg *from = cfg->nsources ? cfg : top;
	size_t i;

	for (i = 0; i < from->nsources; i++)
		if (from->sources[i].kind == SL_SOURCE_CLOUDMAP &&
		    from->sources[i].health == SL_CM_HEALTHY)
			return &from->sources[i];
	return NULL;
}

/* A service's "healthStatus": "HEALTHY_OR_ELSE_ALL" serves its UNHEALTHY instances when none
 * is healthy: a Cloud Map source that is asked for HEALTHY ones only never has any to serve. */
static int check_service_health(struct sl_json *j, const json_t *obj, void *base)
{
	const struct sl_service_cfg *svc = base;

	if (svc->health_or_else_all && healthy_only_source(CTX(j)->ns, &CTX(j)->cfg->top))
		return sl_json_fail_key(j, "healthStatus", json_object_get(obj, "healthStatus"),
					"the registry's cloudMap source asks for HEALTHY instances "
					"only (its \"healthStatus\"), so this service never sees an "
					"UNHEALTHY one to fall back to: give the source \"ALL\" "
					"(its default)");
	return 0;
}

/* A service's DNS name defaults to "<discoveryName>.<namespace>"; one that is no DNS name is
 * an error only when a DNS source is to ask it (else the name stays NULL). */
static int complete_service_dns(struct sl_json *j, const json_t *obj, void *base)
{
	const struct sl_ns_cfg *cfg = CTX(j)->ns, *top = &CTX(j)->cfg->top;
	struct sl_service_cfg *svc = base;
	bool asked = has_dns_source(cfg) || (!cfg->nsources && has_dns_source(top));
	const char *why;
	char *name;
	int ret = 0;

	(void)obj;
	if (svc->dns.name)
		return 0;
	if (asprintf(&name, "%s.%s", svc->name, cfg->namespace) < 0)
		return sl_json_oom(j);
	why = dns_name_problem(name);
	if (!why)
		ret = sl_json_set_str(j, &svc->dns.name, name);
	else if (asked)
		ret = sl_json_fail(j, "its DNS name %s (discoveryName.namespace) %s: give "
				   "\"dns\": {\"name\": ...}", name, why);
	free(name);
	return ret;
}

/* ---- the tables: a row a field, read in order ---- */

#define TOP(f) SL_JSON_AT(struct sl_config, f)
#define SVC(f) SL_JSON_AT(struct sl_service_cfg, f)
#define ALIAS(f) SL_JSON_AT(struct sl_alias_cfg, f)
#define HC(f) SL_JSON_AT(struct sl_health_check_cfg, f)
#define OD(f) SL_JSON_AT(struct sl_outlier_cfg, f)
#define LIMIT(f) SL_JSON_AT(struct sl_limits, f)

/* "vip" and "vip6" of a service or an alias (T). */
#define FIXED_VIPS(T)                                                                         \
	{ "vip", SL_JSON_CUSTOM, SL_JSON_AT(T, vip4), .has = SL_JSON_HAS(T, has_vip4),        \
	  .parse = parse_vip4 },                                                              \
	{ "vip6", SL_JSON_CUSTOM, SL_JSON_AT(T, vip6), .has = SL_JSON_HAS(T, has_vip6),       \
	  .parse = parse_vip6 }

static const struct sl_json_row alias_rows[] = {
	{ "dnsName", SL_JSON_NAME, ALIAS(dns_name), .max = NAME_MAX_LEN },
	{ "port", SL_JSON_PORT, ALIAS(port), .required = true },
	FIXED_VIPS(struct sl_alias_cfg),
	{ 0 },
};

static const struct sl_json_row affinity_rows[] = { /* fill the service */
	{ "timeoutSeconds", SL_JSON_INT, SVC(affinity_timeout_s), .min = 1,
	  .max = MAX_AFFINITY_TIMEOUT_S, .def = DEFAULT_AFFINITY_TIMEOUT_S },
	{ 0 },
};

/* "timeout", as ECS Service Connect's: fill the service. perRequestTimeoutSeconds is taken
 * (an ECS config carries it) but sluice works at L4: it is said at start, not applied. */
static const struct sl_json_row timeout_rows[] = {
	{ "idleTimeoutSeconds", SL_JSON_INT, SVC(idle_timeout_s), .max = MAX_IDLE_TIMEOUT_S },
	{ "perRequestTimeoutSeconds", SL_JSON_INT, SVC(per_request_timeout_s),
	  .max = MAX_REQUEST_TIMEOUT_S,
	  .has = SL_JSON_HAS(struct sl_service_cfg, has_per_request_timeout) },
	{ 0 },
};

static const struct sl_json_row status_row = { .type = SL_JSON_CUSTOM, .parse = parse_status };

static const struct sl_json_row health_rows[] = {
	{ "protocol", SL_JSON_CHOICE, HC(proto), .names = hc_protocols, .def = SL_HC_TCP },
	{ .type = SL_JSON_CHECK, .check = check_http_only },
	{ "path", SL_JSON_CUSTOM, HC(path), .parse = parse_hc_path },
	{ "port", SL_JSON_PORT, HC(port) },
	{ "intervalSeconds", SL_JSON_SECONDS, HC(interval_ms), .max = HC_MAX_SECONDS,
	  .def = HC_DEFAULT_INTERVAL_MS },
	{ "timeoutSeconds", SL_JSON_SECONDS, HC(timeout_ms), .max = HC_MAX_SECONDS,
	  .def = HC_DEFAULT_TIMEOUT_MS },
	{ "unhealthyThreshold", SL_JSON_INT, HC(unhealthy_threshold), .min = 1,
	  .max = HC_MAX_THRESHOLD, .def = HC_DEFAULT_THRESHOLD },
	{ "healthyThreshold", SL_JSON_INT, HC(healthy_threshold), .min = 1,
	  .max = HC_MAX_THRESHOLD, .def = HC_DEFAULT_THRESHOLD },
	{ "expectStatus", SL_JSON_ARRAY,
	  SL_JSON_ARRAY_AT(struct sl_health_check_cfg, expect, nexpect), .elem = &status_row,
	  .parse = parse_expect_status },
	{ .type = SL_JSON_CHECK, .check = check_health },
	{ 0 },
};

static const struct sl_json_row outlier_rows[] = {
	{ "enabled", SL_JSON_BOOL, OD(enabled), .def = true },
	{ "consecutiveFailures", SL_JSON_INT, OD(consecutive_failures), .min = 1,
	  .max = OD_MAX_FAILURES, .def = OD_DEFAULT_FAILURES },
	{ "baseEjectionSeconds", SL_JSON_SECONDS, OD(base_ejection_ms), .max = OD_MAX_SECONDS,
	  .def = OD_DEFAULT_BASE_MS },
	{ "maxEjectionSeconds", SL_JSON_SECONDS, OD(max_ejection_ms), .max = OD_MAX_SECONDS,
	  .def = OD_DEFAULT_MAX_MS },
	{ "maxEjectionPercent", SL_JSON_PERCENT, OD(max_ejection_percent),
	  .def = OD_DEFAULT_PERCENT },
	{ .type = SL_JSON_CHECK, .check = check_ejection },
	{ 0 },
};

static const struct sl_json_row service_dns_rows[] = {
	{ "name", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_service_dns_cfg, name),
	  .parse = parse_dns_name },
	{ "type", SL_JSON_CHOICE, SL_JSON_AT(struct sl_service_dns_cfg, type), .names = dns_types,
	  .def = SL_DNS_SRV },
	{ "port", SL_JSON_PORT, SL_JSON_AT(struct sl_service_dns_cfg, port) },
	{ .type = SL_JSON_CHECK, .check = check_service_dns },
	{ 0 },
};

static const struct sl_json_row alias_elem = { .type = SL_JSON_OBJECT, .rows = alias_rows };

static const struct sl_json_row service_rows[] = {
	{ "portName", SL_JSON_NAME, SVC(port_name), .max = NAME_MAX_LEN },
	{ "discoveryName", SL_JSON_NAME, SVC(name), .max = NAME_MAX_LEN },
	{ .type = SL_JSON_CHECK, .check = check_service_name },
	{ "protocol", SL_JSON_CHOICE, SVC(protocols), .names = protocols, .def = SL_PROTO_TCP },
	FIXED_VIPS(struct sl_service_cfg),
	{ "lbPolicy", SL_JSON_CHOICE, SVC(lb_policy), .names = lb_policies,
	  .def = SLUICE_LB_RANDOM },
	{ "sessionAffinity", SL_JSON_OBJECT, .rows = affinity_rows, .given_only = true,
	  .expect = "must be an object {\"timeoutSeconds\": N}" },
	{ "panicThresholdPercent", SL_JSON_PERCENT, SVC(panic_percent),
	  .def = DEFAULT_PANIC_PERCENT },
	{ "terminateTcp", SL_JSON_BOOL, SVC(terminate_tcp) },
	{ "connectTimeoutMs", SL_JSON_INT, SVC(connect_timeout_ms), .min = MIN_CONNECT_TIMEOUT_MS,
	  .max = MAX_CONNECT_TIMEOUT_MS },
	{ "maxConnectionsPerBackend", SL_JSON_INT, SVC(max_connections), .min = 1,
	  .max = MAX_CONNECTIONS_PER_BACKEND },
	{ "timeout", SL_JSON_OBJECT, .rows = timeout_rows,
	  .expect = "must be an object {\"idleTimeoutSeconds\": N}" },
	{ "healthStatus", SL_JSON_CHOICE, SVC(health_or_else_all), .names = health_statuses,
	  .def = false },
	{ .type = SL_JSON_CHECK, .check = check_service_health },
	{ "port", SL_JSON_PORT, SVC(port) },
	{ "healthCheck", SL_JSON_OBJECT, SVC(health), .rows = health_rows,
	  .has = SL_JSON_HAS(struct sl_service_cfg, health.enabled) },
	{ "outlierDetection", SL_JSON_OBJECT, SVC(outlier), .rows = outlier_rows,
	  .expect = "must be true, false or an object", .parse = parse_outlier },
	{ "clientAliases", SL_JSON_ARRAY,
	  SL_JSON_ARRAY_AT(struct sl_service_cfg, aliases, naliases), .elem = &alias_elem },
	{ .type = SL_JSON_CHECK, .check = complete_aliases },
	{ "dns", SL_JSON_OBJECT, SVC(dns), .rows = service_dns_rows,
	  .expect = "must be an object {\"name\", \"type\", \"port\"}" },
	{ .type = SL_JSON_CHECK, .check = complete_service_dns },
	{ .key = "ingressPortOverride", .type = SL_JSON_IGNORED }, /* ECS fields sluice has no use for */
	{ .key = "tls", .type = SL_JSON_IGNORED },
	{ 0 },
};

/* "ADDR:PORT" or "[ADDR6]:PORT" with a literal address (struct sl_endpoint's syntax). */
static int parse_listen(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			void *base)
{
	struct sl_addr a;
	uint16_t port;

	if (!json_is_string(v) || sl_endpoint_parse(json_string_value(v), &a, &port))
		return sl_json_fail_got(j, v, "must be \"ADDRESS:PORT\" or \"[IPV6]:PORT\" with a "
					"literal address and a port from 1 to 65535");
	return sl_json_set_str(j, sl_json_field(base, row), json_string_value(v));
}

static const struct sl_json_row metrics_rows[] = {
	{ "listen", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_config, metrics_listen),
	  .parse = parse_listen },
	{ 0 },
};

static const struct sl_json_row metrics_row = {
	.type = SL_JSON_OBJECT, .rows = metrics_rows,
	.expect = "must be false, \"ADDR:PORT\" or an object {\"listen\": \"ADDR:PORT\"}",
};

/* "metrics": false (no endpoint), {"listen": ...} (its default when absent), or the listen
 * address alone (the row's default is written so). */
static int parse_metrics(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			 void *base)
{
	char **out = sl_json_field(base, row);
	int ret;

	if (json_is_false(v)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (json_is_string(v))
		return parse_listen(j, row, v, base);
	free(*out);
	*out = NULL;
	ret = sl_json_object(j, &metrics_row, v, base);
	if (!ret && !*out)
		ret = sl_json_set_str(j, out, SL_DEFAULT_METRICS_LISTEN);
	return ret;
}

/* One registry object: each source kind it names is a source (in this order). */
struct registry_obj {
	char *file;
	bool has_dns;
	struct sl_source_cfg dns;
	bool has_etcd;
	struct sl_source_cfg etcd;
	bool has_cloudmap;
	struct sl_source_cfg cloudmap;
};

#define DNS(f) SL_JSON_AT(struct sl_source_cfg, f)

static const struct sl_json_row dns_server_elem = { .type = SL_JSON_CUSTOM,
						    .parse = parse_dns_server };

static const struct sl_json_row dns_source_rows[] = {
	{ "servers", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_source_cfg, servers, nservers),
	  .elem = &dns_server_elem, .expect = "must be an array of addresses" },
	{ "refreshSeconds", SL_JSON_SECONDS, DNS(refresh_ms), .max = DNS_MAX_REFRESH_SECONDS,
	  .def = DNS_DEFAULT_REFRESH_MS },
	{ "timeoutSeconds", SL_JSON_SECONDS, DNS(timeout_ms), .max = DNS_MAX_TIMEOUT_SECONDS,
	  .def = DNS_DEFAULT_TIMEOUT_MS },
	{ "respectTtl", SL_JSON_BOOL, DNS(respect_ttl) },
	{ .type = SL_JSON_CHECK, .check = check_dns_source },
	{ 0 },
};

/* An etcd source: endpoints and credentials that go together; TLS only over https. */
static int check_etcd_source(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_source_cfg *c = base;
	size_t i;

	if (!c->nendpoints)
		return sl_json_fail_key(j, "endpoints", json_object_get(obj, "endpoints"),
					"must name at least one member");
	if (c->nendpoints > ETCD_MAX_ENDPOINTS)
		return sl_json_fail_key(j, "endpoints", NULL, "at most %d members",
					ETCD_MAX_ENDPOINTS);
	if (!c->username != !c->password)
		return sl_json_fail_key(j, c->username ? "password" : "username", NULL,
					"is needed with \"%s\" (etcd's auth takes both)",
					c->username ? "username" : "password");
	if (!c->tls_cert != !c->tls_key)
		return sl_json_fail_key(j, "tls", json_object_get(obj, "tls"),
					"\"cert\" and \"key\" go together (a client certificate)");
	for (i = 0; (c->tls_ca || c->tls_cert) && i < c->nendpoints; i++)
		if (strncmp(c->endpoints[i], "https://", 8))
			return sl_json_fail_key(j, "endpoints", json_object_get(obj, "endpoints"),
						"\"%s\" is http:// but \"tls\" is given: every "
						"endpoint must be https://", c->endpoints[i]);
	if (c->timeout_ms > c->resync_ms)
		return sl_json_fail_key(j, "timeoutSeconds", json_object_get(obj, "timeoutSeconds"),
					"must be at most resyncSeconds (%g)", c->resync_ms / 1000.0);
	if (c->resync_ms < ETCD_MIN_RESYNC_MS)
		return sl_json_fail_key(j, "resyncSeconds", json_object_get(obj, "resyncSeconds"),
					"must be at least %g", ETCD_MIN_RESYNC_MS / 1000.0);
	return 0;
}

static const struct sl_json_row etcd_endpoint_elem = { .type = SL_JSON_CUSTOM,
						       .parse = parse_etcd_endpoint };

static const struct sl_json_row etcd_tls_rows[] = {
	{ "ca", SL_JSON_ABS_PATH, DNS(tls_ca) },
	{ "cert", SL_JSON_ABS_PATH, DNS(tls_cert) },
	{ "key", SL_JSON_ABS_PATH, DNS(tls_key) },
	{ 0 },
};

static const struct sl_json_row etcd_source_rows[] = {
	{ "endpoints", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_source_cfg, endpoints, nendpoints),
	  .elem = &etcd_endpoint_elem, .required = true,
	  .expect = "must be an array of URLs ([\"http://10.0.0.5:2379\", ...])" },
	{ "prefix", SL_JSON_CUSTOM, DNS(prefix), .def_str = ETCD_DEFAULT_PREFIX,
	  .parse = parse_etcd_prefix },
	{ "tls", SL_JSON_OBJECT, .rows = etcd_tls_rows,
	  .expect = "must be an object ({\"ca\": PATH, \"cert\": PATH, \"key\": PATH})" },
	{ "username", SL_JSON_STRING, DNS(username), .min = 1, .max = ETCD_CRED_MAX },
	{ "password", SL_JSON_STRING, DNS(password), .min = 1, .max = ETCD_CRED_MAX },
	{ "timeoutSeconds", SL_JSON_SECONDS, DNS(timeout_ms), .max = ETCD_MAX_TIMEOUT_SECONDS,
	  .def = ETCD_DEFAULT_TIMEOUT_MS },
	{ "resyncSeconds", SL_JSON_SECONDS, DNS(resync_ms), .max = ETCD_MAX_RESYNC_SECONDS,
	  .def = ETCD_DEFAULT_RESYNC_MS },
	{ .type = SL_JSON_CHECK, .check = check_etcd_source },
	{ 0 },
};

#define CM(f) SL_JSON_AT(struct sl_source_cfg, f)

static const struct sl_json_row cloudmap_source_rows[] = {
	{ "region", SL_JSON_CUSTOM, CM(region), .required = true, .parse = parse_cm_region },
	{ "namespace", SL_JSON_STRING, CM(cm_namespace), .min = 1, .max = CM_NAMESPACE_MAX },
	{ "healthStatus", SL_JSON_CHOICE, CM(health), .names = cm_health, .def = SL_CM_ALL },
	{ "pollSeconds", SL_JSON_SECONDS, CM(poll_ms), .max = CM_MAX_SECONDS,
	  .def = CM_DEFAULT_POLL_MS },
	{ "fullSeconds", SL_JSON_SECONDS, CM(full_ms), .max = CM_MAX_SECONDS,
	  .def = CM_DEFAULT_FULL_MS },
	{ "timeoutSeconds", SL_JSON_SECONDS, CM(timeout_ms), .max = CM_MAX_TIMEOUT_SECONDS,
	  .def = CM_DEFAULT_TIMEOUT_MS },
	{ "endpoint", SL_JSON_CUSTOM, CM(endpoint), .parse = parse_cm_endpoint },
	{ .type = SL_JSON_CHECK, .check = check_cm_source },
	{ 0 },
};

#define REGISTRY_EXPECT "must be an object naming its sources ({\"file\": PATH}, {\"dns\": {...}}, " \
			"{\"cloudMap\": {...}}, {\"etcd\": {...}})"

static const struct sl_json_row registry_obj_rows[] = {
	{ "file", SL_JSON_CUSTOM, SL_JSON_AT(struct registry_obj, file),
	  .parse = parse_registry_file },
	{ "dns", SL_JSON_OBJECT, SL_JSON_AT(struct registry_obj, dns), .rows = dns_source_rows,
	  .has = SL_JSON_HAS(struct registry_obj, has_dns), .given_only = true,
	  .expect = "must be an object ({\"servers\": [...], \"refreshSeconds\": N, ...})" },
	{ "etcd", SL_JSON_OBJECT, SL_JSON_AT(struct registry_obj, etcd), .rows = etcd_source_rows,
	  .has = SL_JSON_HAS(struct registry_obj, has_etcd), .given_only = true,
	  .expect = "must be an object ({\"endpoints\": [URL, ...], \"prefix\": ...})" },
	{ "cloudMap", SL_JSON_OBJECT, SL_JSON_AT(struct registry_obj, cloudmap),
	  .rows = cloudmap_source_rows, .has = SL_JSON_HAS(struct registry_obj, has_cloudmap),
	  .given_only = true,
	  .expect = "must be an object ({\"region\": \"us-east-1\", \"pollSeconds\": N, ...})" },
	{ 0 },
};

static const struct sl_json_row registry_obj_row = {
	.type = SL_JSON_OBJECT, .rows = registry_obj_rows, .expect = REGISTRY_EXPECT,
};

static int append_source(struct sl_json *j, struct sl_ns_cfg *cfg, struct sl_source_cfg *src)
{
	struct sl_source_cfg *v = realloc(cfg->sources, (cfg->nsources + 1) * sizeof(*v));

	if (!v)
		return sl_json_oom(j);
	cfg->sources = v;
	v[cfg->nsources++] = *src;
	memset(src, 0, sizeof(*src));
	return 0;
}

/* Append the sources obj names to cfg (taken from obj); an object that names none is an
 * error. */
static int add_sources(struct sl_json *j, struct sl_ns_cfg *cfg, struct registry_obj *obj)
{
	struct sl_source_cfg file = { .kind = SL_SOURCE_FILE, .file = obj->file };
	int ret = 0;

	if (!obj->file && !obj->has_dns && !obj->has_cloudmap && !obj->has_etcd)
		return sl_json_fail(j, "names no source: give \"file\": PATH, \"dns\": {...}, "
				    "\"cloudMap\": {...} or \"etcd\": {...}");
	if (obj->file) {
		obj->file = NULL;
		ret = append_source(j, cfg, &file);
		sl_source_cfg_release(&file);
	}
	if (!ret && obj->has_dns) {
		obj->dns.kind = SL_SOURCE_DNS;
		ret = append_source(j, cfg, &obj->dns);
	}
	if (!ret && obj->has_etcd) {
		obj->etcd.kind = SL_SOURCE_ETCD;
		ret = append_source(j, cfg, &obj->etcd);
	}
	if (!ret && obj->has_cloudmap) {
		obj->cloudmap.kind = SL_SOURCE_CLOUDMAP;
		ret = append_source(j, cfg, &obj->cloudmap);
	}
	return ret;
}

static int read_registry_obj(struct sl_json *j, struct sl_ns_cfg *cfg, const json_t *v)
{
	struct registry_obj obj = { 0 };
	int ret = sl_json_object(j, &registry_obj_row, v, &obj);

	if (!ret)
		ret = add_sources(j, cfg, &obj);
	free(obj.file);
	sl_source_cfg_release(&obj.dns);
	sl_source_cfg_release(&obj.etcd);
	sl_source_cfg_release(&obj.cloudmap);
	return ret;
}

/* "registry": an object naming its sources, or an array of such objects (sources merged in
 * the order written: the first to list an instance wins). */
static int parse_registry(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			  void *base)
{
	struct sl_ns_cfg *cfg = base;
	const json_t *elem;
	size_t i, saved;
	int ret;

	(void)row;
	if (json_is_object(v))
		return read_registry_obj(j, cfg, v);
	if (!json_is_array(v) || !json_array_size(v))
		return sl_json_fail_got(j, v, REGISTRY_EXPECT " or a non-empty array of them");
	json_array_foreach(v, i, elem) {
		saved = sl_json_push_index(j, i);
		ret = read_registry_obj(j, cfg, elem);
		sl_json_pop(j, saved);
		if (ret)
			return ret;
	}
	return 0;
}

static bool servers_eq(const struct sl_source_cfg *a, const struct sl_source_cfg *b)
{
	size_t i;

	if (a->nservers != b->nservers)
		return false;
	for (i = 0; i < a->nservers; i++)
		if (!sl_addr_eq(&a->servers[i].addr, &b->servers[i].addr) ||
		    a->servers[i].port != b->servers[i].port)
			return false;
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool etcd_eq(const struct sl_source_cfg *a, const struct sl_source_cfg *b)
{
	size_t i;

	if (a->nendpoints != b->nendpoints)
		return false;
	for (i = 0; i < a->nendpoints; i++)
		if (strcmp(a->endpoints[i], b->endpoints[i]))
			return false;
	return str_eq(a->prefix, b->prefix) && str_eq(a->tls_ca, b->tls_ca) &&
	       str_eq(a->tls_cert, b->tls_cert) && str_eq(a->tls_key, b->tls_key) &&
	       str_eq(a->username, b->username) && str_eq(a->password, b->password) &&
	       a->timeout_ms == b->timeout_ms && a->resync_ms == b->resync_ms;
}

/* The etcd fields of src duplicated into dst: 0 or -ENOMEM (then what was not duplicated is
 * NULL, and dst releases as a whole). */
static int etcd_copy(struct sl_source_cfg *dst, const struct sl_source_cfg *src)
{
	char **to[] = { &dst->prefix, &dst->tls_ca, &dst->tls_cert, &dst->tls_key, &dst->username,
			&dst->password };
	char *const from[] = { src->prefix, src->tls_ca, src->tls_cert, src->tls_key,
			       src->username, src->password };
	int ret = 0;
	size_t i;

	for (i = 0; i < sizeof(to) / sizeof(to[0]); i++)
		if (from[i] && !(*to[i] = strdup(from[i])))
			ret = -ENOMEM;
	if (!src->nendpoints)
		return ret;
	dst->endpoints = calloc(src->nendpoints, sizeof(char *));
	if (!dst->endpoints)
		return -ENOMEM;
	dst->nendpoints = src->nendpoints;
	for (i = 0; i < src->nendpoints; i++)
		if (!(dst->endpoints[i] = strdup(src->endpoints[i])))
			ret = -ENOMEM;
	return ret;
}

static void etcd_release(struct sl_source_cfg *c)
{
	size_t i;

	for (i = 0; i < c->nendpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->prefix);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->username);
	free(c->password);
	c->endpoints = NULL;
	c->nendpoints = 0;
	c->prefix = c->tls_ca = c->tls_cert = c->tls_key = c->username = c->password = NULL;
}

/* *s (may be NULL) duplicated in place: false when out of memory. */
static bool dup_in_place(char **s)
{
	return !*s || (*s = strdup(*s));
}

bool sl_source_cfg_eq(const struct sl_source_cfg *a, const struct sl_source_cfg *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SL_SOURCE_FILE)
		return !strcmp(a->file, b->file);
	if (a->kind == SL_SOURCE_ETCD)
		return etcd_eq(a, b);
	if (a->kind == SL_SOURCE_CLOUDMAP)
		return str_eq(a->region, b->region) && str_eq(a->cm_namespace, b->cm_namespace) &&
		       str_eq(a->endpoint, b->endpoint) && a->health == b->health &&
		       a->poll_ms == b->poll_ms && a->full_ms == b->full_ms &&
		       a->timeout_ms == b->timeout_ms;
	return servers_eq(a, b) && a->refresh_ms == b->refresh_ms &&
	       a->timeout_ms == b->timeout_ms && a->respect_ttl == b->respect_ttl;
}

int sl_source_cfg_copy(struct sl_source_cfg *dst, const struct sl_source_cfg *src)
{
	bool copied;

	*dst = *src;
	dst->endpoints = NULL; /* the etcd fields, duplicated below */
	dst->nendpoints = 0;
	dst->prefix = dst->tls_ca = dst->tls_cert = dst->tls_key = NULL;
	dst->username = dst->password = NULL;
	dst->file = src->file ? strdup(src->file) : NULL;
	dst->servers = src->nservers ? calloc(src->nservers, sizeof(*dst->servers)) : NULL;
	copied = dup_in_place(&dst->region); /* each tried: release frees what was made */
	copied &= dup_in_place(&dst->cm_namespace);
	copied &= dup_in_place(&dst->endpoint);
	if (!copied || (src->file && !dst->file) || (src->nservers && !dst->servers)) {
		sl_source_cfg_release(dst);
		return -ENOMEM;
	}
	if (src->nservers)
		memcpy(dst->servers, src->servers, src->nservers * sizeof(*dst->servers));
	if (etcd_copy(dst, src)) {
		sl_source_cfg_release(dst);
		return -ENOMEM;
	}
	return 0;
}

void sl_source_cfg_release(struct sl_source_cfg *c)
{
	free(c->file);
	free(c->servers);
	free(c->region);
	free(c->cm_namespace);
	free(c->endpoint);
	c->file = NULL;
	c->servers = NULL;
	c->region = c->cm_namespace = c->endpoint = NULL;
	c->nservers = 0;
	etcd_release(c);
}

const char *sl_source_cfg_label(const struct sl_source_cfg *c, char *buf, size_t len)
{
	char ep[SL_ENDPOINT_STRLEN], a[SL_ADDR_STRLEN];
	size_t off, i;

	if (c->kind == SL_SOURCE_FILE) {
		snprintf(buf, len, "%s", c->file);
		return buf;
	}
	if (c->kind == SL_SOURCE_ETCD) {
		off = (size_t)snprintf(buf, len, "etcd %s", c->prefix);
		for (i = 0; i < c->nendpoints && off < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : " ",
						c->endpoints[i]);
		return buf;
	}
	if (c->kind == SL_SOURCE_CLOUDMAP) {
		snprintf(buf, len, "cloudMap %s%s%s%s", c->region, c->cm_namespace ? " " : "",
			 c->cm_namespace ? c->cm_namespace : "", c->endpoint ? " at " : "");
		if (c->endpoint && strlen(buf) < len)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s", c->endpoint);
		return buf;
	}
	off = (size_t)snprintf(buf, len, "dns%s", c->nservers ? "" : " (resolv.conf)");
	for (i = 0; i < c->nservers && off < len; i++) {
		const struct sl_dns_server *s = &c->servers[i];

		if (s->port == DNS_PORT)
			snprintf(ep, sizeof(ep), "%s", sl_addr_format(&s->addr, a, sizeof(a)));
		else
			sl_endpoint_format(&s->addr, s->port, ep, sizeof(ep));
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : " ", ep);
	}
	return buf;
}

static const struct sl_json_row limit_rows[] = {
	{ "services", SL_JSON_INT, LIMIT(services), .min = 1, .max = LIMIT_MAX_SERVICES,
	  .def = SLUICE_DEFAULT_MAX_SERVICES },
	{ "backends", SL_JSON_INT, LIMIT(backends), .min = 1, .max = LIMIT_MAX_BACKENDS,
	  .def = SLUICE_DEFAULT_MAX_BACKENDS },
	{ "frontends", SL_JSON_INT, LIMIT(frontends), .min = 1, .max = LIMIT_MAX_FRONTENDS,
	  .def = SLUICE_DEFAULT_MAX_FRONTENDS },
	{ "sockets", SL_JSON_INT, LIMIT(sockets), .min = 1, .max = LIMIT_MAX_SOCKETS,
	  .def = SLUICE_DEFAULT_MAX_SOCKETS },
	{ "affinities", SL_JSON_INT, LIMIT(affinities), .min = 1, .max = LIMIT_MAX_AFFINITIES,
	  .def = SLUICE_DEFAULT_MAX_AFFINITIES },
	{ 0 },
};

static const struct sl_json_enum presets[] = {
	{ "ecs", SL_PRESET_ECS },
	{ "docker", SL_PRESET_DOCKER },
	{ "kubernetes", SL_PRESET_KUBERNETES },
	{ NULL, 0 },
};

#define RULE(f) SL_JSON_AT(struct sl_attach_rule_cfg, f)

/* A watched directory: no "." or ".." level (the rule would watch elsewhere than it says). */
static int parse_watch(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	char **out = sl_json_field(base, row);
	const char *s, *p;
	int ret = sl_json_string(j, v, 1, PATH_MAX - 1, &s);

	if (ret)
		return ret;
	for (p = s; *p;) {
		size_t len = strcspn(p, "/");

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return sl_json_fail_got(j, v, "may not hold a \".\" or \"..\" level");
		p += len;
		p += *p == '/';
	}
	return sl_json_set_str(j, out, s);
}

static int parse_match(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	char levels[SL_RULE_MAX_LEVELS][256];
	char **out = sl_json_field(base, row);
	const char *s, *why = NULL;
	int ret = sl_json_string(j, v, 1, 1023, &s);

	if (ret)
		return ret;
	if (sl_match_levels(s, levels, &why) < 0)
		return sl_json_fail_got(j, v, "%s (a glob per level, as "
					"\"ecstasks-*.slice\" or \"kubepods-*.slice/pod*\")", why);
	return sl_json_set_str(j, out, s);
}

/* A preset, or watch and match; a namespace the config has. */
static int check_attach_rule(struct sl_json *j, const json_t *obj, void *base)
{
	struct sl_attach_rule_cfg *r = base;

	if (r->preset && (r->watch || r->match))
		return sl_json_fail(j, "gives \"preset\" and \"%s\": a preset stands for "
				    "\"watch\" and \"match\"", r->watch ? "watch" : "match");
	if (!r->preset && (!r->watch || !r->match))
		return sl_json_fail(j, "needs \"preset\" (\"ecs\", \"docker\" or "
				    "\"kubernetes\"), or \"watch\" and \"match\"");
	(void)obj;
	return 0; /* its namespace is checked with the whole document (check_namespace_refs) */
}

static const struct sl_json_row attach_rows[] = {
	{ "preset", SL_JSON_CHOICE, RULE(preset), .names = presets, .def = SL_PRESET_NONE },
	{ "watch", SL_JSON_CUSTOM, RULE(watch), .parse = parse_watch },
	{ "match", SL_JSON_CUSTOM, RULE(match), .parse = parse_match },
	{ "namespace", SL_JSON_NAME, RULE(namespace), .max = NAME_MAX_LEN },
	{ .type = SL_JSON_CHECK, .check = check_attach_rule },
	{ 0 },
};

static const struct sl_json_row attach_elem = { .type = SL_JSON_OBJECT, .rows = attach_rows,
	.expect = "must be an object: {\"preset\": NAME} or {\"watch\": DIR, \"match\": "
		  "GLOB}, with \"namespace\" if wanted" };

/* A "cgroups" element: an absolute path, or {"path": PATH, "namespace": NS}. */
static const struct sl_json_row cgroup_rows[] = {
	{ "path", SL_JSON_ABS_PATH, SL_JSON_AT(struct sl_cgroup_cfg, path), .required = true },
	{ "namespace", SL_JSON_NAME, SL_JSON_AT(struct sl_cgroup_cfg, namespace),
	  .max = NAME_MAX_LEN },
	{ 0 },
};

static const struct sl_json_row cgroup_obj = { .type = SL_JSON_OBJECT, .rows = cgroup_rows };

static int parse_cgroup(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			void *base)
{
	struct sl_cgroup_cfg *cg = base;
	const char *path;

	(void)row;
	if (json_is_object(v))
		return sl_json_object(j, &cgroup_obj, v, cg);
	if (!json_is_string(v))
		return sl_json_fail_got(j, v, "must be an absolute path or {\"path\": PATH, "
					"\"namespace\": NS}");
	return sl_json_abs_path(j, v, &path) ?: sl_json_set_str(j, &cg->path, path);
}

static const struct sl_json_row cgroup_elem = { .type = SL_JSON_CUSTOM, .parse = parse_cgroup };
static const struct sl_json_row service_elem = { .type = SL_JSON_OBJECT, .rows = service_rows };

#define NS(f) SL_JSON_AT(struct sl_ns_cfg, f)

/* A namespace's own fields, in a top level (struct sl_config, whose first member is its
 * struct sl_ns_cfg) and in an entry of "namespaces" alike. The VIP ranges come before the
 * services whose VIPs must lie in them; the registry before the services' DNS names. */
static const struct sl_json_row names_rows[] = {
	{ "dns", SL_JSON_BOOL, SL_JSON_AT(struct sl_names_cfg, dns), .def = true,
	  .has = SL_JSON_HAS(struct sl_names_cfg, has_dns) },
	{ 0 },
};

#define NS_RANGE_ROWS(T) /* T: unused; the rows are struct sl_ns_cfg's */                   \
	{ "enabled", SL_JSON_BOOL, NS(enabled), .def = true,                               \
	  .has = SL_JSON_HAS(struct sl_ns_cfg, has_enabled) },                             \
	{ "vipCidr", SL_JSON_CUSTOM, NS(vip_cidr4), .def_str = SL_DEFAULT_VIP_CIDR,        \
	  .has = SL_JSON_HAS(struct sl_ns_cfg, has_vip_cidr4), .parse = parse_cidr4 },     \
	{ "vipCidr6", SL_JSON_CUSTOM, NS(vip_cidr6),                                        \
	  .has = SL_JSON_HAS(struct sl_ns_cfg, has_vip_cidr6), .parse = parse_cidr6 },     \
	{ "allowRoutableVips", SL_JSON_BOOL, NS(allow_routable_vips),                      \
	  .has = SL_JSON_HAS(struct sl_ns_cfg, has_allow_routable_vips) },                 \
	{ "names", SL_JSON_OBJECT, NS(names), .rows = names_rows,                           \
	  .expect = "must be an object {\"dns\": true or false}" },                          \
	{ .type = SL_JSON_CHECK, .check = check_vip_ranges },                              \
	{ "registry", SL_JSON_CUSTOM, .parse = parse_registry }

static const struct sl_json_row ns_rows[] = {
	{ "namespace", SL_JSON_NAME, NS(namespace), .max = NAME_MAX_LEN, .required = true },
	NS_RANGE_ROWS(struct sl_ns_cfg),
	{ "hostsFile", SL_JSON_ABS_PATH, NS(hosts_file) },
	{ "services", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_ns_cfg, services, nservices),
	  .elem = &service_elem, .required = true },
	{ 0 },
};

static const struct sl_json_row ns_obj = { .type = SL_JSON_OBJECT, .rows = ns_rows,
	.expect = "must be an object in the shape of a config's top level: namespace, services, "
		  "vipCidr, registry, ..." };

/* "namespaces": each entry read as a namespace of its own (what it does not give of the
 * ranges, enabled and registry comes from the top level). */
static int parse_namespaces(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			    void *base)
{
	struct parse_ctx *ctx = CTX(j);
	struct sl_config *cfg = base;
	const json_t *elem;
	size_t i, saved;
	int ret = 0;

	(void)row;
	if (!json_is_array(v) || !json_array_size(v))
		return sl_json_fail_got(j, v, "must be a non-empty array of namespaces");
	cfg->namespaces = calloc(json_array_size(v), sizeof(*cfg->namespaces));
	if (!cfg->namespaces)
		return sl_json_oom(j);
	json_array_foreach(v, i, elem) {
		saved = sl_json_push_index(j, i);
		cfg->nnamespaces = i + 1; /* freed as a whole if it fails half read */
		ctx->ns = &cfg->namespaces[i];
		ret = sl_json_object(j, &ns_obj, elem, ctx->ns);
		ctx->ns = &cfg->top;
		sl_json_pop(j, saved);
		if (ret)
			return ret;
	}
	return 0;
}

/* The top level: a namespace's fields (its one namespace, or the defaults of "namespaces"),
 * then the host's. */
#define REGISTRATION_DEFAULT_TTL_MS 10000
#define REGISTRATION_MIN_TTL_MS 2000
#define REGISTRATION_MAX_TTL_SECONDS 3600

static int check_registration(struct sl_json *j, const json_t *obj, void *base)
{
	const struct sl_registration_cfg *r = base;

	if (r->ttl_ms < REGISTRATION_MIN_TTL_MS)
		return sl_json_fail_key(j, "ttlSeconds", json_object_get(obj, "ttlSeconds"),
					"must be at least %g", REGISTRATION_MIN_TTL_MS / 1000.0);
	return 0;
}

static const struct sl_json_row registration_rows[] = {
	{ "path", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_registration_cfg, path), .required = true,
	  .parse = parse_registry_file },
	{ "ttlSeconds", SL_JSON_SECONDS, SL_JSON_AT(struct sl_registration_cfg, ttl_ms),
	  .max = REGISTRATION_MAX_TTL_SECONDS, .def = REGISTRATION_DEFAULT_TTL_MS },
	{ .type = SL_JSON_CHECK, .check = check_registration },
	{ 0 },
};

static const struct sl_json_row top_rows[] = {
	{ "namespace", SL_JSON_NAME, NS(namespace), .max = NAME_MAX_LEN },
	NS_RANGE_ROWS(struct sl_ns_cfg),
	{ "cgroups", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_config, cgroups, ncgroups),
	  .elem = &cgroup_elem, .expect = "must be an array of absolute paths" },
	{ "attach", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_config, attach, nattach),
	  .elem = &attach_elem, .expect = "must be an array of attach rules" },
	{ "bpffs", SL_JSON_ABS_PATH, TOP(bpffs), .def_str = SL_DEFAULT_BPFFS },
	{ "hostsFile", SL_JSON_ABS_PATH, NS(hosts_file) },
	{ "stateFile", SL_JSON_ABS_PATH, TOP(state_file), .def_str = SL_DEFAULT_STATE_FILE },
	{ "statusFile", SL_JSON_ABS_PATH, TOP(status_file), .def_str = SL_DEFAULT_STATUS_FILE },
	{ "limits", SL_JSON_OBJECT, TOP(limits), .rows = limit_rows },
	{ "socketTermination", SL_JSON_CHOICE, TOP(sockterm), .names = sockterm_modes,
	  .def = SL_SOCKTERM_AUTO },
	{ "metrics", SL_JSON_CUSTOM, TOP(metrics_listen), .def_str = SL_DEFAULT_METRICS_LISTEN,
	  .parse = parse_metrics },
	{ "services", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct sl_ns_cfg, services, nservices),
	  .elem = &service_elem },
	{ "namespaces", SL_JSON_CUSTOM, .parse = parse_namespaces },
	{ "registration", SL_JSON_OBJECT, TOP(registration), .rows = registration_rows,
	  .has = SL_JSON_HAS(struct sl_config, registration.enabled), .given_only = true,
	  .expect = "must be an object ({\"path\": PATH, \"ttlSeconds\": N})" },
	{ .key = "logConfiguration", .type = SL_JSON_IGNORED },
	{ 0 },
};

static const struct sl_json_row config_doc = { .type = SL_JSON_OBJECT, .rows = top_rows };

_Static_assert(offsetof(struct sl_config, top) == 0,
	       "the top level's namespace rows read into struct sl_config at offset 0");

/* ---- checks across the document ---- */

/* One service or alias, by its place in the document. */
struct ref {
	const char *pre; /* "" or "namespaces[N]." */
	const struct sl_service_cfg *svc;
	const struct sl_alias_cfg *al; /* NULL for a service */
	size_t si, ai, seq;
};

/* The earliest (by the later one's seq) of the pairs that clash. */
struct clash {
	const struct ref *first, *later;
};

static void clash_note(struct clash *c, const struct ref *first, const struct ref *later)
{
	if (!c->later || later->seq < c->later->seq) {
		c->first = first;
		c->later = later;
	}
}

static int cmp_size(size_t x, size_t y)
{
	return (x > y) - (x < y);
}

static int cmp_service_name(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;

	return strcmp(a->svc->name, b->svc->name) ?: cmp_size(a->seq, b->seq);
}

static int cmp_dns_name(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;

	return strcmp(a->al->dns_name, b->al->dns_name) ?: cmp_size(a->seq, b->seq);
}

static int cmp_dns_name_port(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;

	return strcmp(a->al->dns_name, b->al->dns_name) ?:
	       cmp_size(a->al->port, b->al->port) ?: cmp_size(a->seq, b->seq);
}

static const struct sl_addr *ref_vip(const struct ref *r, bool v6)
{
	if (v6)
		return r->al->has_vip6 ? &r->al->vip6 : NULL;
	return r->al->has_vip4 ? &r->al->vip4 : NULL;
}

/* Aliases with a fixed VIP of the family first, by VIP, then the others. */
static int cmp_vip(const struct ref *a, const struct ref *b, bool v6)
{
	const struct sl_addr *va = ref_vip(a, v6), *vb = ref_vip(b, v6);

	if (!va || !vb)
		return cmp_size(!va, !vb) ?: cmp_size(a->seq, b->seq);
	return sl_addr_cmp(va, vb) ?: cmp_size(a->seq, b->seq);
}

static int cmp_vip4(const void *x, const void *y)
{
	return cmp_vip(x, y, false);
}

static int cmp_vip6(const void *x, const void *y)
{
	return cmp_vip(x, y, true);
}

static const char *alias_loc(const struct ref *r, char *buf, size_t len)
{
	snprintf(buf, len, "%sservices[%zu].clientAliases[%zu]", r->pre, r->si, r->ai);
	return buf;
}

/* Where an alias's fixed VIP is written: in the alias, or inherited from its service. */
static const char *vip_loc(const json_t *services, const struct ref *r, bool v6, char *buf,
			   size_t len)
{
	const char *key = v6 ? "vip6" : "vip";
	const json_t *svc = json_array_get(services, r->si);
	const json_t *al = json_array_get(json_object_get(svc, "clientAliases"), r->ai);

	if (json_object_get(al, key))
		snprintf(buf, len, "%sservices[%zu].clientAliases[%zu].%s", r->pre, r->si, r->ai,
			 key);
	else
		snprintf(buf, len, "%sservices[%zu].%s", r->pre, r->si, key);
	return buf;
}

static const char *proto_name(unsigned protocols)
{
	if (protocols == (SL_PROTO_TCP | SL_PROTO_UDP))
		return "tcp and udp";
	return protocols == SL_PROTO_UDP ? "udp" : "tcp";
}

/* Two services of one name. */
static int check_service_names(struct sl_json *j, const json_t *services)
{
	const struct sl_ns_cfg *cfg = CTX(j)->ns;
	struct clash c = { 0 };
	const char *field;
	struct ref *r;
	size_t i;

	if (cfg->nservices < 2)
		return 0;
	r = calloc(cfg->nservices, sizeof(*r));
	if (!r)
		return sl_json_oom(j);
	for (i = 0; i < cfg->nservices; i++) {
		r[i].pre = CTX(j)->prefix;
		r[i].svc = &cfg->services[i];
		r[i].si = r[i].seq = i;
	}
	qsort(r, cfg->nservices, sizeof(*r), cmp_service_name);
	for (i = 1; i < cfg->nservices; i++)
		if (!strcmp(r[i].svc->name, r[i - 1].svc->name) &&
		    (i == 1 || strcmp(r[i - 1].svc->name, r[i - 2].svc->name)))
			clash_note(&c, &r[i - 1], &r[i]);
	if (c.later) {
		field = json_object_get(json_array_get(services, c.later->si), "discoveryName") ?
				"discoveryName" : "portName";
		sl_err_set(j->err, "%s: %sservices[%zu].%s: service name \"%s\" is already the name "
			   "of %sservices[%zu]", j->origin, CTX(j)->prefix, c.later->si, field,
			   c.later->svc->name, CTX(j)->prefix, c.first->si);
	}
	free(r);
	return c.later ? -EINVAL : 0;
}

/* One dnsName and port served twice for a protocol. */
static int check_name_ports(struct sl_json *j, struct ref *r, size_t n)
{
	char a[LOC_LEN], b[LOC_LEN];
	const struct ref *tcp, *udp, *prev;
	struct clash c = { 0 };
	unsigned protos;
	size_t i, k;

	qsort(r, n, sizeof(*r), cmp_dns_name_port);
	for (i = 0; i < n; i = k) {
		tcp = udp = NULL;
		for (k = i; k < n && !strcmp(r[k].al->dns_name, r[i].al->dns_name) &&
			    r[k].al->port == r[i].al->port; k++) {
			protos = r[k].svc->protocols;
			prev = (protos & SL_PROTO_TCP) ? tcp : NULL;
			if (!prev && (protos & SL_PROTO_UDP))
				prev = udp;
			if (prev)
				clash_note(&c, prev, &r[k]);
			if ((protos & SL_PROTO_TCP) && !tcp)
				tcp = &r[k];
			if ((protos & SL_PROTO_UDP) && !udp)
				udp = &r[k];
		}
	}
	if (!c.later)
		return 0;
	return sl_err_set(j->err, "%s: %s: dnsName \"%s\" port %u (%s) is already an alias of %s (%sservices[%zu], \"%s\")",
			  j->origin, alias_loc(c.later, a, sizeof(a)), c.later->al->dns_name,
			  c.later->al->port,
			  proto_name(c.later->svc->protocols & c.first->svc->protocols),
			  alias_loc(c.first, b, sizeof(b)), c.first->pre, c.first->si,
			  c.first->svc->name);
}

/* One dnsName given two different fixed VIPs of a family. */
static int check_name_vips(struct sl_json *j, const json_t *services, struct ref *r, size_t n,
			   bool v6)
{
	char a[LOC_LEN], b[LOC_LEN], va[LOC_LEN], vb[LOC_LEN];
	char sa[SL_ADDR_STRLEN], sb[SL_ADDR_STRLEN];
	const struct ref *fixed;
	struct clash c = { 0 };
	size_t i, k;

	qsort(r, n, sizeof(*r), cmp_dns_name);
	for (i = 0; i < n; i = k) {
		fixed = NULL;
		for (k = i; k < n && !strcmp(r[k].al->dns_name, r[i].al->dns_name); k++) {
			if (!ref_vip(&r[k], v6))
				continue;
			if (!fixed)
				fixed = &r[k];
			else if (!sl_addr_eq(ref_vip(fixed, v6), ref_vip(&r[k], v6)))
				clash_note(&c, fixed, &r[k]);
		}
	}
	if (!c.later)
		return 0;
	return sl_err_set(j->err, "%s: %s: dnsName \"%s\" has fixed %s %s (%s), but %s fixes it to %s (%s): one name has one %s",
			  j->origin, alias_loc(c.later, a, sizeof(a)), c.later->al->dns_name,
			  v6 ? "vip6" : "vip",
			  sl_addr_format(ref_vip(c.later, v6), sa, sizeof(sa)),
			  vip_loc(services, c.later, v6, va, sizeof(va)),
			  alias_loc(c.first, b, sizeof(b)),
			  sl_addr_format(ref_vip(c.first, v6), sb, sizeof(sb)),
			  vip_loc(services, c.first, v6, vb, sizeof(vb)), v6 ? "vip6" : "vip");
}

/* One fixed VIP given to two different dnsNames. */
static int check_vip_names(struct sl_json *j, const json_t *services, struct ref *r, size_t n,
			   bool v6)
{
	char a[LOC_LEN], b[LOC_LEN], va[LOC_LEN], vb[LOC_LEN], s[SL_ADDR_STRLEN];
	struct clash c = { 0 };
	size_t i, k;

	qsort(r, n, sizeof(*r), v6 ? cmp_vip6 : cmp_vip4);
	for (i = 0; i < n && ref_vip(&r[i], v6); i = k) {
		for (k = i; k < n && ref_vip(&r[k], v6) &&
			    sl_addr_eq(ref_vip(&r[k], v6), ref_vip(&r[i], v6)); k++)
			if (strcmp(r[k].al->dns_name, r[i].al->dns_name))
				clash_note(&c, &r[i], &r[k]);
	}
	if (!c.later)
		return 0;
	return sl_err_set(j->err, "%s: %s: fixed %s %s (%s) of dnsName \"%s\" is already fixed for dnsName \"%s\" by %s (%s)",
			  j->origin, alias_loc(c.later, a, sizeof(a)), v6 ? "vip6" : "vip",
			  sl_addr_format(ref_vip(c.later, v6), s, sizeof(s)),
			  vip_loc(services, c.later, v6, va, sizeof(va)), c.later->al->dns_name,
			  c.first->al->dns_name, alias_loc(c.first, b, sizeof(b)),
			  vip_loc(services, c.first, v6, vb, sizeof(vb)));
}

/* One namespace's services and aliases against each other. */
static int check_services(struct sl_json *j, const json_t *services)
{
	const struct sl_ns_cfg *cfg = CTX(j)->ns;
	struct ref *r = NULL;
	size_t i, k, n = 0;
	int ret;

	ret = check_service_names(j, services);
	if (ret)
		return ret;
	for (i = 0; i < cfg->nservices; i++)
		n += cfg->services[i].naliases;
	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return sl_json_oom(j);
	n = 0;
	for (i = 0; i < cfg->nservices; i++) {
		for (k = 0; k < cfg->services[i].naliases; k++, n++) {
			r[n].pre = CTX(j)->prefix;
			r[n].svc = &cfg->services[i];
			r[n].al = &cfg->services[i].aliases[k];
			r[n].si = i;
			r[n].ai = k;
			r[n].seq = n;
		}
	}
	ret = check_name_ports(j, r, n);
	if (!ret)
		ret = check_name_vips(j, services, r, n, false);
	if (!ret)
		ret = check_name_vips(j, services, r, n, true);
	if (!ret)
		ret = check_vip_names(j, services, r, n, false);
	if (!ret)
		ret = check_vip_names(j, services, r, n, true);
	free(r);
	return ret;
}

/* ---- the document as a whole ---- */

/* The names of the namespaces, "a, b, c", for messages. */
static const char *ns_names(const struct sl_config *cfg, char *buf, size_t len)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < cfg->nnamespaces && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					cfg->namespaces[i].namespace);
	return buf;
}

/* A namespace the rule or cgroup names must be one of the config's. */
static int check_ns_ref(struct sl_json *j, const char *list, size_t i, const char *ns,
			const json_t *arr)
{
	const struct sl_config *cfg = CTX(j)->cfg;
	char names[512];
	size_t saved;
	int ret;

	if (!ns || sl_config_namespace(cfg, ns))
		return 0;
	saved = sl_json_push_key(j, list);
	sl_json_push_index(j, i);
	ret = sl_json_fail_key(j, "namespace", json_object_get(json_array_get(arr, i), "namespace"),
			       "is not a namespace of this config (it has %s)",
			       ns_names(cfg, names, sizeof(names)));
	sl_json_pop(j, saved);
	return ret;
}

static int check_ns_refs(struct sl_json *j, const json_t *root)
{
	const struct sl_config *cfg = CTX(j)->cfg;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < cfg->nattach; i++)
		ret = check_ns_ref(j, "attach", i, cfg->attach[i].namespace,
				   json_object_get(root, "attach"));
	for (i = 0; !ret && i < cfg->ncgroups; i++)
		ret = check_ns_ref(j, "cgroups", i, cfg->cgroups[i].namespace,
				   json_object_get(root, "cgroups"));
	return ret;
}

/* An entry of "namespaces" completed from the top level: its registry when it gives none,
 * its hosts file (/run/sluice/NAMESPACE/hosts). */
static int complete_entry(struct sl_json *j, struct sl_ns_cfg *e)
{
	const struct sl_ns_cfg *top = &CTX(j)->cfg->top;
	char path[PATH_MAX];
	size_t i;

	if (!e->nsources && top->nsources) {
		e->sources = calloc(top->nsources, sizeof(*e->sources));
		if (!e->sources)
			return sl_json_oom(j);
		for (i = 0; i < top->nsources; i++) {
			if (sl_source_cfg_copy(&e->sources[i], &top->sources[i]))
				return sl_json_oom(j);
			e->nsources = i + 1;
		}
	}
	if (e->hosts_file)
		return 0;
	snprintf(path, sizeof(path), SL_DEFAULT_RUN_DIR "/%s/hosts", e->namespace);
	return sl_json_set_str(j, &e->hosts_file, path);
}

/* One namespace (the top level), or "namespaces" and no namespace of the top level's own;
 * each namespace's services checked against each other; names and hosts files unique. */
static int check_document(struct sl_json *j, const json_t *root)
{
	static const char *const one_only[] = { "namespace", "services", "hostsFile" };
	struct parse_ctx *ctx = CTX(j);
	struct sl_config *cfg = ctx->cfg;
	const json_t *entries = json_object_get(root, "namespaces");
	size_t i, k;
	int ret = 0;

	if (!cfg->namespaces) {
		if (!cfg->top.namespace)
			return sl_json_fail_key(j, "namespace", NULL, "required");
		if (!json_object_get(root, "services"))
			return sl_json_fail_key(j, "services", NULL, "required");
		if (!cfg->top.hosts_file &&
		    sl_json_set_str(j, &cfg->top.hosts_file, SL_DEFAULT_HOSTS_FILE))
			return -ENOMEM;
		/* The one namespace moves out of the top level (which holds no pointer to it:
		 * a config is copied as a struct). */
		cfg->namespaces = calloc(1, sizeof(*cfg->namespaces));
		if (!cfg->namespaces)
			return sl_json_oom(j);
		cfg->namespaces[0] = cfg->top;
		memset(&cfg->top, 0, sizeof(cfg->top));
		cfg->nnamespaces = 1;
		ctx->ns = &cfg->namespaces[0];
		ret = check_services(j, json_object_get(root, "services")) ?: check_ns_refs(j, root);
		ctx->ns = &cfg->top;
		return ret;
	}
	for (i = 0; i < sizeof(one_only) / sizeof(one_only[0]); i++)
		if (json_object_get(root, one_only[i]))
			return sl_json_fail_key(j, one_only[i], json_object_get(root, one_only[i]),
						"is one namespace's: with \"namespaces\", give it in "
						"each entry");
	for (i = 0; !ret && i < cfg->nnamespaces; i++) {
		struct sl_ns_cfg *e = &cfg->namespaces[i];
		size_t saved = sl_json_push_key(j, "namespaces");

		sl_json_push_index(j, i);
		for (k = 0; k < i; k++)
			if (!strcmp(cfg->namespaces[k].namespace, e->namespace))
				ret = sl_json_fail_key(j, "namespace", NULL, "%s is already the "
						       "name of namespaces[%zu]", e->namespace, k);
		ret = ret ?: complete_entry(j, e);
		for (k = 0; !ret && k < i; k++)
			if (!strcmp(cfg->namespaces[k].hosts_file, e->hosts_file))
				ret = sl_json_fail_key(j, "hostsFile", NULL, "%s is already the "
						       "hosts file of namespaces[%zu]", e->hosts_file,
						       k);
		snprintf(ctx->prefix, sizeof(ctx->prefix), "namespaces[%zu].", i);
		ctx->ns = e;
		sl_json_pop(j, saved);
		ret = ret ?: check_services(j, json_object_get(json_array_get(entries, i),
							      "services"));
		ctx->ns = &cfg->top;
		ctx->prefix[0] = '\0';
	}
	return ret ?: check_ns_refs(j, root);
}

const struct sl_ns_cfg *sl_config_namespace(const struct sl_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nnamespaces; i++)
		if (!name || !strcmp(cfg->namespaces[i].namespace, name))
			return &cfg->namespaces[i];
	return NULL;
}

/* ---- entry points ---- */

/* len bytes of text as a whole config, as sl_config_parse. */
static int parse_text(const char *text, size_t len, const char *origin, struct sl_config *out,
		      struct sl_err *err)
{
	struct sl_config cfg = { 0 };
	struct parse_ctx ctx = { .cfg = &cfg, .ns = &cfg.top };
	struct sl_json j = { .origin = origin ? origin : "(config)", .err = err, .user = &ctx };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_json_load(&j, text, len, &root);
	if (ret)
		return ret;
	ret = sl_json_set_str(&j, &cfg.origin, j.origin) ?:
	      sl_json_object(&j, &config_doc, root, &cfg) ?:
	      check_document(&j, root);
	json_decref(root);
	if (ret)
		sl_config_free(&cfg);
	else
		*out = cfg;
	return ret;
}

int sl_config_parse(const char *text, const char *origin, struct sl_config *out,
		    struct sl_err *err)
{
	return parse_text(text, text ? strlen(text) : 0, origin, out, err);
}

int sl_config_load(const char *path, struct sl_config *out, struct sl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_read_file(path, 0, &text, &len);
	if (ret) {
		sl_err_set(err, "%s: cannot read: %s", path,
			   ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return ret;
	}
	ret = parse_text(text, len, path, out, err);
	free(text);
	return ret;
}

static void ns_free(struct sl_ns_cfg *ns)
{
	struct sl_service_cfg *svc;
	size_t i, j;

	for (i = 0; i < ns->nservices; i++) {
		svc = &ns->services[i];
		for (j = 0; j < svc->naliases; j++)
			free(svc->aliases[j].dns_name);
		free(svc->aliases);
		free(svc->name);
		free(svc->port_name);
		free(svc->health.path);
		free(svc->health.expect);
		free(svc->dns.name);
	}
	free(ns->services);
	free(ns->namespace);
	for (i = 0; i < ns->nsources; i++)
		sl_source_cfg_release(&ns->sources[i]);
	free(ns->sources);
	free(ns->hosts_file);
}

void sl_config_free(struct sl_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nnamespaces; i++)
		ns_free(&cfg->namespaces[i]);
	free(cfg->namespaces);
	ns_free(&cfg->top);
	for (i = 0; i < cfg->ncgroups; i++) {
		free(cfg->cgroups[i].path);
		free(cfg->cgroups[i].namespace);
	}
	free(cfg->cgroups);
	for (i = 0; i < cfg->nattach; i++) {
		free(cfg->attach[i].watch);
		free(cfg->attach[i].match);
		free(cfg->attach[i].namespace);
	}
	free(cfg->attach);
	free(cfg->origin);
	free(cfg->bpffs);
	free(cfg->state_file);
	free(cfg->status_file);
	free(cfg->metrics_listen);
	free(cfg->registration.path);
	memset(cfg, 0, sizeof(*cfg));
}
