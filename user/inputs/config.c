// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* config.c: sluiced's JSON config parsed and checked whole; every error names the file,
 * the field's full path and, where it helps, the bad value. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inputs/config.h"
#include "lib/fsutil.h"
#include "sluice.h"

#define LIMIT_MAX_SERVICES (1U << 20)
#define LIMIT_MAX_BACKENDS (1U << 22)
#define LIMIT_MAX_FRONTENDS (1U << 22)
#define LIMIT_MAX_SOCKETS (1U << 24)
#define LIMIT_MAX_AFFINITIES (1U << 24)
#define VIP_CIDR4_MAX_PREFIX 30
#define VIP_CIDR6_MIN_PREFIX 64
#define VIP_CIDR6_MAX_PREFIX 126
#define SHOW_LEN 80 /* a bad value is quoted up to this many bytes */
#define LOC_LEN 96  /* "services[N].clientAliases[N].vip6" */

#define DEFAULT_AFFINITY_TIMEOUT_S 10800
#define MAX_AFFINITY_TIMEOUT_S 86400
#define DEFAULT_PANIC_PERCENT 50
#define HC_DEFAULT_INTERVAL_MS 5000
#define HC_DEFAULT_TIMEOUT_MS 2000
#define HC_DEFAULT_THRESHOLD 2
#define HC_MAX_THRESHOLD 1000
#define HC_MAX_SECONDS 3600.0
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
#define OD_MAX_SECONDS 86400.0

struct parser {
	const char *origin;
	struct sl_err *err;
	struct sl_config *cfg; /* being filled */
	char path[512];        /* of the value at hand: "services[1].clientAliases[0].port" */
	size_t plen;
};

/* The fixed VIPs written in one service or alias object. */
struct fixed_vips {
	bool has4, has6;
	struct sl_addr v4, v6;
};

/* Parses the value at p->path into out. */
typedef int (*field_fn)(struct parser *p, const json_t *v, void *out);

static const char *const top_fields[] = {
	"namespace", "enabled", "services", "vipCidr", "vipCidr6", "registry", "cgroups",
	"bpffs", "hostsFile", "stateFile", "limits", "socketTermination", "logConfiguration",
	NULL,
};
static const char *const service_fields[] = {
	"portName", "discoveryName", "clientAliases", "protocol", "vip", "vip6", "lbPolicy",
	"sessionAffinity", "panicThresholdPercent", "terminateTcp", "healthCheck",
	"outlierDetection", "ingressPortOverride", "timeout", "tls", NULL,
};
static const char *const alias_fields[] = { "dnsName", "port", "vip", "vip6", NULL };
static const char *const registry_fields[] = { "file", NULL };
static const char *const limit_fields[] = {
	"services", "backends", "frontends", "sockets", "affinities", NULL,
};
static const char *const affinity_fields[] = { "timeoutSeconds", NULL };
static const char *const health_fields[] = {
	"protocol", "path", "port", "intervalSeconds", "timeoutSeconds", "unhealthyThreshold",
	"healthyThreshold", "expectStatus", NULL,
};
static const char *const outlier_fields[] = {
	"enabled", "consecutiveFailures", "baseEjectionSeconds", "maxEjectionSeconds",
	"maxEjectionPercent", NULL,
};

static const struct {
	const char *key;
	size_t off;
	uint32_t max;
} limit_specs[] = {
	{ "services", offsetof(struct sl_limits, services), LIMIT_MAX_SERVICES },
	{ "backends", offsetof(struct sl_limits, backends), LIMIT_MAX_BACKENDS },
	{ "frontends", offsetof(struct sl_limits, frontends), LIMIT_MAX_FRONTENDS },
	{ "sockets", offsetof(struct sl_limits, sockets), LIMIT_MAX_SOCKETS },
	{ "affinities", offsetof(struct sl_limits, affinities), LIMIT_MAX_AFFINITIES },
};

/* A JSON string that must be one of a few names, each standing for a value. */
struct name_value {
	const char *name;
	int value;
};

static const struct name_value lb_policies[] = {
	{ "random", SLUICE_LB_RANDOM },
	{ "round_robin", SLUICE_LB_ROUND_ROBIN },
	{ "least_request", SLUICE_LB_LEAST_REQUEST },
	{ NULL, 0 },
};
static const struct name_value sockterm_modes[] = {
	{ "auto", SL_SOCKTERM_AUTO },
	{ "iterator", SL_SOCKTERM_ITER },
	{ "sock_diag", SL_SOCKTERM_DIAG },
	{ "off", SL_SOCKTERM_OFF },
	{ NULL, 0 },
};
static const struct name_value hc_protocols[] = {
	{ "tcp", SL_HC_TCP },
	{ "http", SL_HC_HTTP },
	{ NULL, 0 },
};

/* ---- the path of the value at hand ---- */

static void path_append(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_append(struct parser *p, const char *fmt, ...)
{
	size_t room = sizeof(p->path) - p->plen;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->path + p->plen, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		p->path[p->plen] = '\0';
	else
		p->plen += (size_t)n < room ? (size_t)n : room - 1;
}

static bool key_is_plain(const char *key)
{
	const char *c;

	for (c = key; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_')
			return false;
	return c != key;
}

/* Append ".key" (or ["k e y"], escaped, for a key that is not a plain word). */
static size_t path_push_key(struct parser *p, const char *key)
{
	size_t saved = p->plen;
	const unsigned char *c;

	if (key_is_plain(key)) {
		path_append(p, "%s%s", p->plen ? "." : "", key);
		return saved;
	}
	path_append(p, "[\"");
	for (c = (const unsigned char *)key; *c; c++) {
		if (*c == '"' || *c == '\\')
			path_append(p, "\\%c", *c);
		else if (*c < 0x20)
			path_append(p, "\\u%04x", *c);
		else
			path_append(p, "%c", *c);
	}
	path_append(p, "\"]");
	return saved;
}

static size_t path_push_index(struct parser *p, size_t i)
{
	size_t saved = p->plen;

	path_append(p, "[%zu]", i);
	return saved;
}

static void path_pop(struct parser *p, size_t saved)
{
	p->plen = saved;
	p->path[saved] = '\0';
}

/* ---- errors ---- */

/* v as compact JSON, cut short (at a character boundary) when long; reals to 15 digits, so
 * 0.3 shows as written, not as 0.29999999999999999. */
static const char *show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	size_t cut;

	if (!s) {
		snprintf(buf, len, "(a value)");
		return buf;
	}
	if (strlen(s) < len) {
		strcpy(buf, s);
	} else {
		cut = len - 4;
		while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(buf, s, cut);
		strcpy(buf + cut, "...");
	}
	free(s);
	return buf;
}

/* "origin: path: what[, got VALUE]"; -EINVAL. */
static int vfail(struct parser *p, const json_t *got, const char *fmt, va_list ap)
{
	char what[512], shown[SHOW_LEN + 1];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (got)
		return sl_err_set(p->err, "%s: %s: %s, got %s", p->origin, p->path, what,
				  show(got, shown, sizeof(shown)));
	return sl_err_set(p->err, "%s: %s: %s", p->origin, p->path, what);
}

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static int fail_got(struct parser *p, const json_t *got, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_got(struct parser *p, const json_t *got, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p, got, fmt, ap);
	va_end(ap);
	return ret;
}

static int fail_oom(struct parser *p)
{
	sl_err_set(p->err, "%s: out of memory", p->origin);
	return -ENOMEM;
}

/* ---- fields ---- */

/* Replace *out (maybe a default) with a copy of s. */
static int set_str(struct parser *p, char **out, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return fail_oom(p);
	free(*out);
	*out = copy;
	return 0;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

/* Every key of obj must be one of known: a typo must not pass silently. */
static int check_fields(struct parser *p, const json_t *obj, const char *const *known)
{
	const char *const *k;
	const char *key;
	size_t used = 0, saved;
	char list[256];
	json_t *v;
	int ret;

	json_object_foreach((json_t *)obj, key, v) {
		if (in_list(key, known))
			continue;
		list[0] = '\0';
		for (k = known; *k && used < sizeof(list); k++)
			used += snprintf(list + used, sizeof(list) - used, "%s%s",
					 k == known ? "" : ", ", *k);
		saved = path_push_key(p, key);
		ret = fail(p, "unknown field (known: %s)", list);
		path_pop(p, saved);
		return ret;
	}
	return 0;
}

/* Parse obj[key] with fn, the key pushed onto the path; absent is an error if required. */
static int with_field(struct parser *p, const json_t *obj, const char *key, bool required,
		      field_fn fn, void *out)
{
	const json_t *v = json_object_get(obj, key);
	size_t saved;
	int ret;

	saved = path_push_key(p, key);
	if (v)
		ret = fn(p, v, out);
	else
		ret = required ? fail(p, "required") : 0;
	path_pop(p, saved);
	return ret;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* A name (char **out): 1 to SLUICE_NAME_LEN - 1 of [A-Za-z0-9._-], no '.'/'-' at either
 * end, no "..". */
static int parse_name(struct parser *p, const json_t *v, void *out)
{
	const char *s;
	size_t len, i;

	if (!json_is_string(v))
		return fail_got(p, v, "must be a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (!len)
		return fail(p, "must not be empty");
	if (len > SLUICE_NAME_LEN - 1)
		return fail_got(p, v, "must be at most %d characters", SLUICE_NAME_LEN - 1);
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return fail_got(p, v, "may hold only letters, digits, '.', '_' and '-'");
	if (s[0] == '.' || s[0] == '-' || s[len - 1] == '.' || s[len - 1] == '-')
		return fail_got(p, v, "must not start or end with '.' or '-'");
	if (strstr(s, ".."))
		return fail_got(p, v, "must not contain \"..\"");
	return set_str(p, out, s);
}

static int parse_bool(struct parser *p, const json_t *v, void *out)
{
	if (!json_is_boolean(v))
		return fail_got(p, v, "must be true or false");
	*(bool *)out = json_is_true(v);
	return 0;
}

/* An integer from min to max into *out. */
static int parse_int(struct parser *p, const json_t *v, json_int_t min, json_int_t max,
		     json_int_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return fail_got(p, v, "must be an integer from %" JSON_INTEGER_FORMAT
				" to %" JSON_INTEGER_FORMAT, min, max);
	*out = json_integer_value(v);
	return 0;
}

static int parse_port(struct parser *p, const json_t *v, void *out)
{
	json_int_t n = 0;
	int ret;

	ret = parse_int(p, v, 1, 65535, &n);
	if (!ret)
		*(uint16_t *)out = (uint16_t)n;
	return ret;
}

/* A string among names (int *out: its value); the message lists them ("a", "b" or "c"). */
static int parse_choice(struct parser *p, const json_t *v, const struct name_value *names,
			int *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	char list[256];
	size_t used = 0, i;

	for (i = 0; s && names[i].name; i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; names[i].name && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
				 !i ? "" : names[i + 1].name ? ", " : " or ", names[i].name);
	return fail_got(p, v, "must be %s", list);
}

/* A number of seconds > 0 and at most max, possibly fractional, into *ms: rounded to the
 * nearest millisecond, at least 1. */
static int parse_seconds(struct parser *p, const json_t *v, double max, uint32_t *ms)
{
	double s = json_is_number(v) ? json_number_value(v) : 0;

	if (!json_is_number(v) || !(s > 0) || s > max)
		return fail_got(p, v, "must be a number of seconds > 0 and at most %g", max);
	*ms = (uint32_t)(s * 1000.0 + 0.5);
	if (!*ms)
		*ms = 1;
	return 0;
}

/* An absolute path (char **out). */
static int parse_abs_path(struct parser *p, const json_t *v, void *out)
{
	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return fail_got(p, v, "must be an absolute path");
	return set_str(p, out, json_string_value(v));
}

/* "tcp", "udp" or "both" (unsigned *out, SL_PROTO_* bits). */
static int parse_protocol(struct parser *p, const json_t *v, void *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	unsigned *protocols = out;

	if (!strcmp(s, "tcp"))
		*protocols = SL_PROTO_TCP;
	else if (!strcmp(s, "udp"))
		*protocols = SL_PROTO_UDP;
	else if (!strcmp(s, "both"))
		*protocols = SL_PROTO_TCP | SL_PROTO_UDP;
	else
		return fail_got(p, v, "must be \"tcp\", \"udp\" or \"both\"");
	return 0;
}

/* "vipCidr" (struct sl_cidr *out): IPv4, at most /VIP_CIDR4_MAX_PREFIX. */
static int parse_cidr4(struct parser *p, const json_t *v, void *out)
{
	struct sl_cidr c;

	if (!json_is_string(v) || sl_cidr_parse(json_string_value(v), &c) || !c.v4)
		return fail_got(p, v, "must be an IPv4 range a.b.c.d/n with no host bits set");
	if (c.prefix > VIP_CIDR4_MAX_PREFIX)
		return fail_got(p, v, "must be at most a /%d", VIP_CIDR4_MAX_PREFIX);
	*(struct sl_cidr *)out = c;
	return 0;
}

/* "vipCidr6" (struct sl_config *out): IPv6, /VIP_CIDR6_MIN_PREFIX to /VIP_CIDR6_MAX_PREFIX. */
static int parse_cidr6(struct parser *p, const json_t *v, void *out)
{
	struct sl_config *cfg = out;
	struct sl_cidr c;

	if (!json_is_string(v) || sl_cidr_parse(json_string_value(v), &c) || c.v4)
		return fail_got(p, v, "must be an IPv6 range x::/n with no host bits set");
	if (c.prefix < VIP_CIDR6_MIN_PREFIX || c.prefix > VIP_CIDR6_MAX_PREFIX)
		return fail_got(p, v, "must be a /%d to a /%d", VIP_CIDR6_MIN_PREFIX,
				VIP_CIDR6_MAX_PREFIX);
	cfg->vip_cidr6 = c;
	cfg->has_vip_cidr6 = true;
	return 0;
}

/* A fixed "vip" (struct fixed_vips *out): IPv4, inside vipCidr, neither end of it. */
static int parse_vip4(struct parser *p, const json_t *v, void *out)
{
	const struct sl_cidr *range = &p->cfg->vip_cidr4;
	char a[SL_ADDR_STRLEN], r[SL_ADDR_STRLEN + 8];
	struct fixed_vips *fv = out;
	struct sl_addr addr;

	if (!json_is_string(v) || sl_addr_parse(json_string_value(v), &addr) ||
	    !sl_addr_is_v4(&addr))
		return fail_got(p, v, "must be an IPv4 address");
	sl_addr_format(&addr, a, sizeof(a));
	sl_cidr_format(range, r, sizeof(r));
	if (!sl_cidr_contains(range, &addr))
		return fail(p, "%s is outside vipCidr %s", a, r);
	if (sl_addr_eq(&addr, &range->base))
		return fail(p, "%s is the first address of vipCidr %s, never a VIP", a, r);
	if (sl_cidr_offset(range, &addr) == sl_cidr_size(range) - 1)
		return fail(p, "%s is the last address of vipCidr %s, never a VIP", a, r);
	fv->has4 = true;
	fv->v4 = addr;
	return 0;
}

/* A fixed "vip6" (struct fixed_vips *out): IPv6, inside vipCidr6, not its first address. */
static int parse_vip6(struct parser *p, const json_t *v, void *out)
{
	const struct sl_cidr *range = &p->cfg->vip_cidr6;
	char a[SL_ADDR_STRLEN], r[SL_ADDR_STRLEN + 8];
	struct fixed_vips *fv = out;
	struct sl_addr addr;

	if (!json_is_string(v) || sl_addr_parse(json_string_value(v), &addr) ||
	    sl_addr_is_v4(&addr))
		return fail_got(p, v, "must be an IPv6 address");
	sl_addr_format(&addr, a, sizeof(a));
	if (!p->cfg->has_vip_cidr6)
		return fail(p, "%s is given, but there is no vipCidr6 for it to lie in", a);
	sl_cidr_format(range, r, sizeof(r));
	if (!sl_cidr_contains(range, &addr))
		return fail(p, "%s is outside vipCidr6 %s", a, r);
	if (sl_addr_eq(&addr, &range->base))
		return fail(p, "%s is the first address of vipCidr6 %s, never a VIP", a, r);
	fv->has6 = true;
	fv->v6 = addr;
	return 0;
}

/* "registry"."file" (char **out): a relative path is taken from the config's directory. */
static int parse_registry_file(struct parser *p, const json_t *v, void *out)
{
	const char *file, *slash = strrchr(p->origin, '/');
	char *joined;
	int ret;

	if (!json_is_string(v) || !json_string_length(v))
		return fail_got(p, v, "must be a non-empty path");
	file = json_string_value(v);
	if (file[0] == '/' || !slash)
		return set_str(p, out, file);
	if (asprintf(&joined, "%.*s%s", (int)(slash - p->origin + 1), p->origin, file) < 0)
		return fail_oom(p);
	ret = set_str(p, out, joined);
	free(joined);
	return ret;
}

/* "registry" (char **out): {"file": PATH}. */
static int parse_registry(struct parser *p, const json_t *v, void *out)
{
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object {\"file\": PATH}");
	ret = check_fields(p, v, registry_fields);
	if (ret)
		return ret;
	return with_field(p, v, "file", true, parse_registry_file, out);
}

/* Parses one element of an array into slot; ctx is the caller's. */
typedef int (*elem_parser)(struct parser *p, const json_t *elem, void *slot, void *ctx);

/* A JSON array into a new array of n entries of size bytes (*arr, *n), each parsed by fn
 * with its index on the field path. *n is set before parsing so a partial array frees. */
static int parse_array(struct parser *p, const json_t *v, const char *expect, size_t size,
		       void **arr, size_t *n, elem_parser fn, void *ctx)
{
	const json_t *elem;
	size_t i, saved;
	int ret;

	if (!json_is_array(v))
		return fail_got(p, v, expect);
	if (!json_array_size(v))
		return 0;
	*arr = calloc(json_array_size(v), size);
	if (!*arr)
		return fail_oom(p);
	*n = json_array_size(v);
	json_array_foreach(v, i, elem) {
		saved = path_push_index(p, i);
		ret = fn(p, elem, (char *)*arr + i * size, ctx);
		path_pop(p, saved);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_cgroup(struct parser *p, const json_t *elem, void *slot, void *ctx)
{
	(void)ctx;
	return parse_abs_path(p, elem, slot);
}

/* "cgroups" (struct sl_config *out): absolute paths. */
static int parse_cgroups(struct parser *p, const json_t *v, void *out)
{
	struct sl_config *cfg = out;

	return parse_array(p, v, "must be an array of absolute paths", sizeof(*cfg->cgroups),
			   (void **)&cfg->cgroups, &cfg->ncgroups, parse_cgroup, NULL);
}

/* "limits" (struct sl_limits *out): each a positive integer up to its own maximum. */
static int parse_limits(struct parser *p, const json_t *v, void *out)
{
	const json_t *lv;
	size_t i, saved;
	json_int_t n = 0;
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object");
	ret = check_fields(p, v, limit_fields);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(limit_specs) / sizeof(limit_specs[0]); i++) {
		lv = json_object_get(v, limit_specs[i].key);
		if (!lv)
			continue;
		saved = path_push_key(p, limit_specs[i].key);
		ret = parse_int(p, lv, 1, limit_specs[i].max, &n);
		path_pop(p, saved);
		if (ret)
			return ret;
		*(uint32_t *)((char *)out + limit_specs[i].off) = (uint32_t)n;
	}
	return 0;
}

/* "socketTermination" (enum sl_sockterm_mode *out). */
static int parse_sockterm(struct parser *p, const json_t *v, void *out)
{
	int mode = 0, ret;

	ret = parse_choice(p, v, sockterm_modes, &mode);
	if (!ret)
		*(enum sl_sockterm_mode *)out = (enum sl_sockterm_mode)mode;
	return ret;
}

/* One client alias; its fixed VIPs default to the service's (svc_vips). */
static int parse_alias(struct parser *p, const json_t *v, const struct sl_service_cfg *svc,
		       const struct fixed_vips *svc_vips, struct sl_alias_cfg *al)
{
	struct fixed_vips own = { 0 };
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object");
	ret = check_fields(p, v, alias_fields);
	if (ret)
		return ret;
	ret = with_field(p, v, "dnsName", false, parse_name, &al->dns_name);
	if (!ret && !al->dns_name)
		ret = set_str(p, &al->dns_name, svc->name);
	if (!ret)
		ret = with_field(p, v, "port", true, parse_port, &al->port);
	if (!ret)
		ret = with_field(p, v, "vip", false, parse_vip4, &own);
	if (!ret)
		ret = with_field(p, v, "vip6", false, parse_vip6, &own);
	if (ret)
		return ret;
	al->has_vip4 = own.has4 || svc_vips->has4;
	al->vip4 = own.has4 ? own.v4 : svc_vips->v4;
	al->has_vip6 = own.has6 || svc_vips->has6;
	al->vip6 = own.has6 ? own.v6 : svc_vips->v6;
	return 0;
}

struct alias_ctx {
	const struct sl_service_cfg *svc;
	const struct fixed_vips *svc_vips;
};

static int parse_alias_elem(struct parser *p, const json_t *elem, void *slot, void *ctx)
{
	const struct alias_ctx *a = ctx;

	return parse_alias(p, elem, a->svc, a->svc_vips, slot);
}

static int parse_aliases(struct parser *p, const json_t *v, struct sl_service_cfg *svc,
			 const struct fixed_vips *svc_vips)
{
	struct alias_ctx ctx = { svc, svc_vips };

	return parse_array(p, v, "must be an array", sizeof(*svc->aliases),
			   (void **)&svc->aliases, &svc->naliases, parse_alias_elem, &ctx);
}

/* "lbPolicy" (uint8_t *out): enum sluice_lb_policy. */
static int parse_lb_policy(struct parser *p, const json_t *v, void *out)
{
	int policy = 0, ret;

	ret = parse_choice(p, v, lb_policies, &policy);
	if (!ret)
		*(uint8_t *)out = (uint8_t)policy;
	return ret;
}

static int parse_affinity_timeout(struct parser *p, const json_t *v, void *out)
{
	json_int_t n = 0;
	int ret;

	ret = parse_int(p, v, 1, MAX_AFFINITY_TIMEOUT_S, &n);
	if (!ret)
		*(uint32_t *)out = (uint32_t)n;
	return ret;
}

/* "sessionAffinity" (uint32_t *out, the timeout): {"timeoutSeconds": N}, N defaulting. */
static int parse_affinity(struct parser *p, const json_t *v, void *out)
{
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object {\"timeoutSeconds\": N}");
	ret = check_fields(p, v, affinity_fields);
	if (ret)
		return ret;
	*(uint32_t *)out = DEFAULT_AFFINITY_TIMEOUT_S;
	return with_field(p, v, "timeoutSeconds", false, parse_affinity_timeout, out);
}

static int parse_percent(struct parser *p, const json_t *v, void *out)
{
	json_int_t n = 0;
	int ret;

	ret = parse_int(p, v, 0, 100, &n);
	if (!ret)
		*(uint32_t *)out = (uint32_t)n;
	return ret;
}

static int parse_hc_protocol(struct parser *p, const json_t *v, void *out)
{
	int proto = 0, ret;

	ret = parse_choice(p, v, hc_protocols, &proto);
	if (!ret)
		*(enum sl_hc_proto *)out = (enum sl_hc_proto)proto;
	return ret;
}

/* "healthCheck"."path" (char **out): '/' then printable ASCII without spaces. */
static int parse_hc_path(struct parser *p, const json_t *v, void *out)
{
	const char *s;
	size_t len, i;

	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return fail_got(p, v, "must be a path starting with '/'");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > HC_MAX_PATH)
		return fail_got(p, v, "must be at most %d bytes", HC_MAX_PATH);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return fail_got(p, v, "may hold only printable ASCII characters, no spaces");
	return set_str(p, out, s);
}

static int parse_interval(struct parser *p, const json_t *v, void *out)
{
	return parse_seconds(p, v, HC_MAX_SECONDS, out);
}

static int parse_threshold(struct parser *p, const json_t *v, void *out)
{
	json_int_t n = 0;
	int ret;

	ret = parse_int(p, v, 1, HC_MAX_THRESHOLD, &n);
	if (!ret)
		*(uint32_t *)out = (uint32_t)n;
	return ret;
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

/* One status or range of "expectStatus" (struct sl_status_range *slot). */
static int parse_status_elem(struct parser *p, const json_t *v, void *slot, void *ctx)
{
	struct sl_status_range *r = slot;
	unsigned lo, hi;
	const char *s;
	size_t n;

	(void)ctx;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < STATUS_MIN || json_integer_value(v) > STATUS_MAX)
			return fail_got(p, v, "must be a status from %d to %d", STATUS_MIN, STATUS_MAX);
		r->lo = r->hi = (uint16_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fail_got(p, v, STATUS_EXPECT);
	s = json_string_value(v);
	n = read_status(s, &lo);
	if (n != 3 || s[n] != '-' || read_status(s + n + 1, &hi) != 3 || s[n + 4] != '\0')
		return fail_got(p, v, "must be a range \"lo-hi\" of statuses such as \"200-299\"");
	if (lo < STATUS_MIN || hi > STATUS_MAX)
		return fail_got(p, v, "must be a range of statuses from %d to %d", STATUS_MIN,
				STATUS_MAX);
	if (lo > hi)
		return fail_got(p, v, "must not end below its start");
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
}

/* "expectStatus" (struct sl_health_check_cfg *out). */
static int parse_expect_status(struct parser *p, const json_t *v, void *out)
{
	struct sl_health_check_cfg *hc = out;

	if (json_is_array(v)) {
		if (!json_array_size(v))
			return fail(p, "must not be empty");
		return parse_array(p, v, STATUS_EXPECT, sizeof(*hc->expect), (void **)&hc->expect,
				   &hc->nexpect, parse_status_elem, NULL);
	}
	if (!json_is_integer(v) && !json_is_string(v))
		return fail_got(p, v, STATUS_EXPECT);
	hc->expect = calloc(1, sizeof(*hc->expect));
	if (!hc->expect)
		return fail_oom(p);
	hc->nexpect = 1;
	return parse_status_elem(p, v, hc->expect, NULL);
}

/* A field of an HTTP check given for a TCP one. */
static int http_only(struct parser *p, const json_t *obj, const char *key)
{
	size_t saved;
	int ret;

	if (!json_object_get(obj, key))
		return 0;
	saved = path_push_key(p, key);
	ret = fail(p, "only for \"protocol\": \"http\" (this check is tcp)");
	path_pop(p, saved);
	return ret;
}

/* Numbers every service has, "healthCheck" given or not. */
static void health_defaults(struct sl_health_check_cfg *hc)
{
	hc->proto = SL_HC_TCP;
	hc->interval_ms = HC_DEFAULT_INTERVAL_MS;
	hc->timeout_ms = HC_DEFAULT_TIMEOUT_MS;
	hc->unhealthy_threshold = HC_DEFAULT_THRESHOLD;
	hc->healthy_threshold = HC_DEFAULT_THRESHOLD;
}

/* "healthCheck" (struct sl_health_check_cfg *out, defaults set). */
static int parse_health(struct parser *p, const json_t *v, void *out)
{
	struct sl_health_check_cfg *hc = out;
	const json_t *timeout;
	size_t saved;
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object");
	ret = check_fields(p, v, health_fields);
	if (!ret)
		ret = with_field(p, v, "protocol", false, parse_hc_protocol, &hc->proto);
	if (!ret && hc->proto == SL_HC_TCP)
		ret = http_only(p, v, "path") ?: http_only(p, v, "expectStatus");
	if (!ret)
		ret = with_field(p, v, "path", false, parse_hc_path, &hc->path);
	if (!ret)
		ret = with_field(p, v, "port", false, parse_port, &hc->port);
	if (!ret)
		ret = with_field(p, v, "intervalSeconds", false, parse_interval, &hc->interval_ms);
	if (!ret)
		ret = with_field(p, v, "timeoutSeconds", false, parse_interval, &hc->timeout_ms);
	if (!ret)
		ret = with_field(p, v, "unhealthyThreshold", false, parse_threshold,
				 &hc->unhealthy_threshold);
	if (!ret)
		ret = with_field(p, v, "healthyThreshold", false, parse_threshold,
				 &hc->healthy_threshold);
	if (!ret)
		ret = with_field(p, v, "expectStatus", false, parse_expect_status, hc);
	if (ret)
		return ret;
	timeout = json_object_get(v, "timeoutSeconds");
	if (hc->timeout_ms > hc->interval_ms) {
		if (!timeout) {
			hc->timeout_ms = hc->interval_ms; /* the default yields to a short interval */
		} else {
			saved = path_push_key(p, "timeoutSeconds");
			ret = fail_got(p, timeout, "must be at most intervalSeconds (%g)",
				       hc->interval_ms / 1000.0);
			path_pop(p, saved);
			return ret;
		}
	}
	if (hc->proto == SL_HC_HTTP && !hc->path) {
		ret = set_str(p, &hc->path, HC_DEFAULT_PATH);
		if (ret)
			return ret;
	}
	if (hc->proto == SL_HC_HTTP && !hc->expect) {
		hc->expect = calloc(1, sizeof(*hc->expect));
		if (!hc->expect)
			return fail_oom(p);
		hc->nexpect = 1;
		hc->expect->lo = HC_DEFAULT_STATUS_LO;
		hc->expect->hi = HC_DEFAULT_STATUS_HI;
	}
	hc->enabled = true;
	return 0;
}

static int parse_failures(struct parser *p, const json_t *v, void *out)
{
	json_int_t n = 0;
	int ret;

	ret = parse_int(p, v, 1, OD_MAX_FAILURES, &n);
	if (!ret)
		*(uint32_t *)out = (uint32_t)n;
	return ret;
}

static int parse_ejection(struct parser *p, const json_t *v, void *out)
{
	return parse_seconds(p, v, OD_MAX_SECONDS, out);
}

static void outlier_defaults(struct sl_outlier_cfg *od)
{
	od->enabled = true;
	od->consecutive_failures = OD_DEFAULT_FAILURES;
	od->base_ejection_ms = OD_DEFAULT_BASE_MS;
	od->max_ejection_ms = OD_DEFAULT_MAX_MS;
	od->max_ejection_percent = OD_DEFAULT_PERCENT;
}

/* "outlierDetection" (struct sl_outlier_cfg *out, defaults set): true, false or an object. */
static int parse_outlier(struct parser *p, const json_t *v, void *out)
{
	const json_t *base, *max;
	struct sl_outlier_cfg *od = out;
	size_t saved;
	int ret;

	if (json_is_boolean(v)) {
		od->enabled = json_is_true(v);
		return 0;
	}
	if (!json_is_object(v))
		return fail_got(p, v, "must be true, false or an object");
	ret = check_fields(p, v, outlier_fields);
	if (!ret)
		ret = with_field(p, v, "enabled", false, parse_bool, &od->enabled);
	if (!ret)
		ret = with_field(p, v, "consecutiveFailures", false, parse_failures,
				 &od->consecutive_failures);
	if (!ret)
		ret = with_field(p, v, "baseEjectionSeconds", false, parse_ejection,
				 &od->base_ejection_ms);
	if (!ret)
		ret = with_field(p, v, "maxEjectionSeconds", false, parse_ejection,
				 &od->max_ejection_ms);
	if (!ret)
		ret = with_field(p, v, "maxEjectionPercent", false, parse_percent,
				 &od->max_ejection_percent);
	if (ret || od->max_ejection_ms >= od->base_ejection_ms)
		return ret;
	/* A default yields to the other bound when that one is given; two given must agree. */
	base = json_object_get(v, "baseEjectionSeconds");
	max = json_object_get(v, "maxEjectionSeconds");
	if (!max) {
		od->max_ejection_ms = od->base_ejection_ms;
		return 0;
	}
	if (!base) {
		od->base_ejection_ms = od->max_ejection_ms;
		return 0;
	}
	saved = path_push_key(p, "maxEjectionSeconds");
	ret = fail_got(p, max, "must be at least baseEjectionSeconds (%g)",
		       od->base_ejection_ms / 1000.0);
	path_pop(p, saved);
	return ret;
}

static int parse_service(struct parser *p, const json_t *v, struct sl_service_cfg *svc)
{
	struct fixed_vips vips = { 0 };
	const json_t *aliases;
	size_t saved;
	int ret;

	if (!json_is_object(v))
		return fail_got(p, v, "must be an object");
	ret = check_fields(p, v, service_fields);
	if (!ret)
		ret = with_field(p, v, "portName", false, parse_name, &svc->port_name);
	if (!ret)
		ret = with_field(p, v, "discoveryName", false, parse_name, &svc->name);
	if (ret)
		return ret;
	if (!svc->name && !svc->port_name)
		return fail(p, "needs a discoveryName or a portName");
	if (!svc->name) {
		ret = set_str(p, &svc->name, svc->port_name);
		if (ret)
			return ret;
	}
	svc->protocols = SL_PROTO_TCP;
	svc->lb_policy = SLUICE_LB_RANDOM;
	svc->panic_percent = DEFAULT_PANIC_PERCENT;
	health_defaults(&svc->health);
	outlier_defaults(&svc->outlier);
	ret = with_field(p, v, "protocol", false, parse_protocol, &svc->protocols);
	if (!ret)
		ret = with_field(p, v, "vip", false, parse_vip4, &vips);
	if (!ret)
		ret = with_field(p, v, "vip6", false, parse_vip6, &vips);
	if (!ret)
		ret = with_field(p, v, "lbPolicy", false, parse_lb_policy, &svc->lb_policy);
	if (!ret)
		ret = with_field(p, v, "sessionAffinity", false, parse_affinity,
				 &svc->affinity_timeout_s);
	if (!ret)
		ret = with_field(p, v, "panicThresholdPercent", false, parse_percent,
				 &svc->panic_percent);
	if (!ret)
		ret = with_field(p, v, "terminateTcp", false, parse_bool, &svc->terminate_tcp);
	if (!ret)
		ret = with_field(p, v, "healthCheck", false, parse_health, &svc->health);
	if (!ret)
		ret = with_field(p, v, "outlierDetection", false, parse_outlier, &svc->outlier);
	if (ret)
		return ret;
	aliases = json_object_get(v, "clientAliases");
	if (!aliases)
		return 0;
	saved = path_push_key(p, "clientAliases");
	ret = parse_aliases(p, aliases, svc, &vips);
	path_pop(p, saved);
	return ret;
}

static int parse_service_elem(struct parser *p, const json_t *elem, void *slot, void *ctx)
{
	(void)ctx;
	return parse_service(p, elem, slot);
}

/* "services" (struct sl_config *out). */
static int parse_services(struct parser *p, const json_t *v, void *out)
{
	struct sl_config *cfg = out;

	return parse_array(p, v, "must be an array", sizeof(*cfg->services),
			   (void **)&cfg->services, &cfg->nservices, parse_service_elem, NULL);
}

static int set_defaults(struct parser *p, const char *origin)
{
	struct sl_config *cfg = p->cfg;
	int ret;

	ret = set_str(p, &cfg->origin, origin);
	if (!ret)
		ret = set_str(p, &cfg->bpffs, SL_DEFAULT_BPFFS);
	if (!ret)
		ret = set_str(p, &cfg->hosts_file, SL_DEFAULT_HOSTS_FILE);
	if (!ret)
		ret = set_str(p, &cfg->state_file, SL_DEFAULT_STATE_FILE);
	if (ret)
		return ret;
	cfg->enabled = true;
	cfg->limits.services = SLUICE_DEFAULT_MAX_SERVICES;
	cfg->limits.backends = SLUICE_DEFAULT_MAX_BACKENDS;
	cfg->limits.frontends = SLUICE_DEFAULT_MAX_FRONTENDS;
	cfg->limits.sockets = SLUICE_DEFAULT_MAX_SOCKETS;
	cfg->limits.affinities = SLUICE_DEFAULT_MAX_AFFINITIES;
	cfg->sockterm = SL_SOCKTERM_AUTO;
	return sl_cidr_parse(SL_DEFAULT_VIP_CIDR, &cfg->vip_cidr4);
}

/* The document's fields, the VIP ranges before the services whose VIPs must lie in them. */
static int parse_top(struct parser *p, const json_t *root)
{
	struct sl_config *cfg = p->cfg;
	char shown[SHOW_LEN + 1];
	int ret;

	if (!json_is_object(root))
		return sl_err_set(p->err, "%s: the document must be a JSON object, got %s",
				  p->origin, show(root, shown, sizeof(shown)));
	ret = check_fields(p, root, top_fields);
	if (!ret)
		ret = with_field(p, root, "namespace", true, parse_name, &cfg->namespace);
	if (!ret)
		ret = with_field(p, root, "enabled", false, parse_bool, &cfg->enabled);
	if (!ret)
		ret = with_field(p, root, "vipCidr", false, parse_cidr4, &cfg->vip_cidr4);
	if (!ret)
		ret = with_field(p, root, "vipCidr6", false, parse_cidr6, cfg);
	if (!ret)
		ret = with_field(p, root, "registry", false, parse_registry, &cfg->registry_file);
	if (!ret)
		ret = with_field(p, root, "cgroups", false, parse_cgroups, cfg);
	if (!ret)
		ret = with_field(p, root, "bpffs", false, parse_abs_path, &cfg->bpffs);
	if (!ret)
		ret = with_field(p, root, "hostsFile", false, parse_abs_path, &cfg->hosts_file);
	if (!ret)
		ret = with_field(p, root, "stateFile", false, parse_abs_path, &cfg->state_file);
	if (!ret)
		ret = with_field(p, root, "limits", false, parse_limits, &cfg->limits);
	if (!ret)
		ret = with_field(p, root, "socketTermination", false, parse_sockterm,
				 &cfg->sockterm);
	if (!ret)
		ret = with_field(p, root, "services", true, parse_services, cfg);
	return ret;
}

/* ---- checks across the document ---- */

/* One service or alias, by its place in the document. */
struct ref {
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
	snprintf(buf, len, "services[%zu].clientAliases[%zu]", r->si, r->ai);
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
		snprintf(buf, len, "services[%zu].clientAliases[%zu].%s", r->si, r->ai, key);
	else
		snprintf(buf, len, "services[%zu].%s", r->si, key);
	return buf;
}

static const char *proto_name(unsigned protocols)
{
	if (protocols == (SL_PROTO_TCP | SL_PROTO_UDP))
		return "tcp and udp";
	return protocols == SL_PROTO_UDP ? "udp" : "tcp";
}

/* Two services of one name. */
static int check_service_names(struct parser *p, const json_t *services)
{
	const struct sl_config *cfg = p->cfg;
	struct clash c = { 0 };
	const char *field;
	struct ref *r;
	size_t i;

	if (cfg->nservices < 2)
		return 0;
	r = calloc(cfg->nservices, sizeof(*r));
	if (!r)
		return fail_oom(p);
	for (i = 0; i < cfg->nservices; i++) {
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
		sl_err_set(p->err, "%s: services[%zu].%s: service name \"%s\" is already the name of services[%zu]",
			   p->origin, c.later->si, field, c.later->svc->name, c.first->si);
	}
	free(r);
	return c.later ? -EINVAL : 0;
}

/* One dnsName and port served twice for a protocol. */
static int check_name_ports(struct parser *p, struct ref *r, size_t n)
{
	char a[LOC_LEN], b[LOC_LEN];
	const struct ref *tcp, *udp, *prev;
	struct clash c = { 0 };
	unsigned protos;
	size_t i, j;

	qsort(r, n, sizeof(*r), cmp_dns_name_port);
	for (i = 0; i < n; i = j) {
		tcp = udp = NULL;
		for (j = i; j < n && !strcmp(r[j].al->dns_name, r[i].al->dns_name) &&
			    r[j].al->port == r[i].al->port; j++) {
			protos = r[j].svc->protocols;
			prev = (protos & SL_PROTO_TCP) ? tcp : NULL;
			if (!prev && (protos & SL_PROTO_UDP))
				prev = udp;
			if (prev)
				clash_note(&c, prev, &r[j]);
			if ((protos & SL_PROTO_TCP) && !tcp)
				tcp = &r[j];
			if ((protos & SL_PROTO_UDP) && !udp)
				udp = &r[j];
		}
	}
	if (!c.later)
		return 0;
	return sl_err_set(p->err, "%s: %s: dnsName \"%s\" port %u (%s) is already an alias of %s (services[%zu], \"%s\")",
			  p->origin, alias_loc(c.later, a, sizeof(a)), c.later->al->dns_name,
			  c.later->al->port,
			  proto_name(c.later->svc->protocols & c.first->svc->protocols),
			  alias_loc(c.first, b, sizeof(b)), c.first->si, c.first->svc->name);
}

/* One dnsName given two different fixed VIPs of a family. */
static int check_name_vips(struct parser *p, const json_t *services, struct ref *r, size_t n,
			   bool v6)
{
	char a[LOC_LEN], b[LOC_LEN], va[LOC_LEN], vb[LOC_LEN];
	char sa[SL_ADDR_STRLEN], sb[SL_ADDR_STRLEN];
	const struct ref *fixed;
	struct clash c = { 0 };
	size_t i, j;

	qsort(r, n, sizeof(*r), cmp_dns_name);
	for (i = 0; i < n; i = j) {
		fixed = NULL;
		for (j = i; j < n && !strcmp(r[j].al->dns_name, r[i].al->dns_name); j++) {
			if (!ref_vip(&r[j], v6))
				continue;
			if (!fixed)
				fixed = &r[j];
			else if (!sl_addr_eq(ref_vip(fixed, v6), ref_vip(&r[j], v6)))
				clash_note(&c, fixed, &r[j]);
		}
	}
	if (!c.later)
		return 0;
	return sl_err_set(p->err, "%s: %s: dnsName \"%s\" has fixed %s %s (%s), but %s fixes it to %s (%s): one name has one %s",
			  p->origin, alias_loc(c.later, a, sizeof(a)), c.later->al->dns_name,
			  v6 ? "vip6" : "vip",
			  sl_addr_format(ref_vip(c.later, v6), sa, sizeof(sa)),
			  vip_loc(services, c.later, v6, va, sizeof(va)),
			  alias_loc(c.first, b, sizeof(b)),
			  sl_addr_format(ref_vip(c.first, v6), sb, sizeof(sb)),
			  vip_loc(services, c.first, v6, vb, sizeof(vb)), v6 ? "vip6" : "vip");
}

/* One fixed VIP given to two different dnsNames. */
static int check_vip_names(struct parser *p, const json_t *services, struct ref *r, size_t n,
			   bool v6)
{
	char a[LOC_LEN], b[LOC_LEN], va[LOC_LEN], vb[LOC_LEN], s[SL_ADDR_STRLEN];
	struct clash c = { 0 };
	size_t i, j;

	qsort(r, n, sizeof(*r), v6 ? cmp_vip6 : cmp_vip4);
	for (i = 0; i < n && ref_vip(&r[i], v6); i = j) {
		for (j = i; j < n && ref_vip(&r[j], v6) &&
			    sl_addr_eq(ref_vip(&r[j], v6), ref_vip(&r[i], v6)); j++)
			if (strcmp(r[j].al->dns_name, r[i].al->dns_name))
				clash_note(&c, &r[i], &r[j]);
	}
	if (!c.later)
		return 0;
	return sl_err_set(p->err, "%s: %s: fixed %s %s (%s) of dnsName \"%s\" is already fixed for dnsName \"%s\" by %s (%s)",
			  p->origin, alias_loc(c.later, a, sizeof(a)), v6 ? "vip6" : "vip",
			  sl_addr_format(ref_vip(c.later, v6), s, sizeof(s)),
			  vip_loc(services, c.later, v6, va, sizeof(va)), c.later->al->dns_name,
			  c.first->al->dns_name, alias_loc(c.first, b, sizeof(b)),
			  vip_loc(services, c.first, v6, vb, sizeof(vb)));
}

static int check_document(struct parser *p, const json_t *services)
{
	const struct sl_config *cfg = p->cfg;
	struct ref *r = NULL;
	size_t i, j, n = 0;
	int ret;

	ret = check_service_names(p, services);
	if (ret)
		return ret;
	for (i = 0; i < cfg->nservices; i++)
		n += cfg->services[i].naliases;
	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return fail_oom(p);
	n = 0;
	for (i = 0; i < cfg->nservices; i++) {
		for (j = 0; j < cfg->services[i].naliases; j++, n++) {
			r[n].svc = &cfg->services[i];
			r[n].al = &cfg->services[i].aliases[j];
			r[n].si = i;
			r[n].ai = j;
			r[n].seq = n;
		}
	}
	ret = check_name_ports(p, r, n);
	if (!ret)
		ret = check_name_vips(p, services, r, n, false);
	if (!ret)
		ret = check_name_vips(p, services, r, n, true);
	if (!ret)
		ret = check_vip_names(p, services, r, n, false);
	if (!ret)
		ret = check_vip_names(p, services, r, n, true);
	free(r);
	return ret;
}

/* ---- entry points ---- */

int sl_config_parse(const char *text, const char *origin, struct sl_config *out,
		    struct sl_err *err)
{
	struct sl_config cfg = { 0 };
	struct parser p = { .err = err, .cfg = &cfg };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	p.origin = origin ? origin : "(config)";
	if (!text)
		return sl_err_set(err, "%s: no text to parse", p.origin);
	root = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root)
		return sl_err_set(err, "%s:%d:%d: %s", p.origin, jerr.line, jerr.column, jerr.text);
	ret = set_defaults(&p, p.origin);
	if (ret)
		goto out;
	ret = parse_top(&p, root);
	if (ret)
		goto out;
	ret = check_document(&p, json_object_get(root, "services"));
	if (ret)
		goto out;
	*out = cfg;
	json_decref(root);
	return 0;
out:
	sl_config_free(&cfg);
	json_decref(root);
	return ret;
}

int sl_config_load(const char *path, struct sl_config *out, struct sl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_read_file(path, 0, &text, &len);
	if (ret) {
		sl_err_set(err, "%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	if (strlen(text) != len) {
		ret = sl_err_set(err, "%s: byte %zu: a NUL byte, not JSON text", path, strlen(text));
		goto out;
	}
	ret = sl_config_parse(text, path, out, err);
out:
	free(text);
	return ret;
}

void sl_config_free(struct sl_config *cfg)
{
	struct sl_service_cfg *svc;
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		for (j = 0; j < svc->naliases; j++)
			free(svc->aliases[j].dns_name);
		free(svc->aliases);
		free(svc->name);
		free(svc->port_name);
		free(svc->health.path);
		free(svc->health.expect);
	}
	free(cfg->services);
	for (i = 0; i < cfg->ncgroups; i++)
		free(cfg->cgroups[i]);
	free(cfg->cgroups);
	free(cfg->origin);
	free(cfg->namespace);
	free(cfg->registry_file);
	free(cfg->bpffs);
	free(cfg->hosts_file);
	free(cfg->state_file);
	memset(cfg, 0, sizeof(*cfg));
}
