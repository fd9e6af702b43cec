// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* inputs.c: the daemon's inputs: the base config and registry the shared daemon serves, and
 * the current case's services, fields and instances added to them. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cases.h"

/* What the cases on the shared daemon use: the routing cases' services and backends. */
static const char base_services[] =
	"{'discoveryName': 'web', 'clientAliases': [{'dnsName': 'web', 'port': 80}]},"
	"{'discoveryName': 'web6', 'protocol': 'both', 'clientAliases': [{'port': 80}]},"
	"{'discoveryName': 'dns', 'protocol': 'udp', 'clientAliases': [{'port': 53}]},"
	"{'discoveryName': 'split', 'clientAliases': [{'port': 80}]}";

static const char *const base_instances[] = {
	"w1 web B1", "w6 web6 B6", "d1 dns B2 UNKNOWN", "s1 split B3 weight=1",
	"s2 split B4 weight=3", NULL,
};

/* text: JSON with ' for "; wrap: "[]" or "{}" around it, or NULL. */
static json_t *parse(const char *text, const char *wrap)
{
	size_t n = strlen(text), i;
	char *s = malloc(n + 3);
	json_error_t err;
	json_t *j;

	if (!s)
		return NULL;
	snprintf(s, n + 3, "%c%s%c", wrap ? wrap[0] : ' ', text, wrap ? wrap[1] : ' ');
	for (i = 0; s[i]; i++)
		if (s[i] == '\'')
			s[i] = '"';
	j = json_loads(s, 0, &err);
	if (!j)
		fprintf(stderr, "e2e: config text %s: %s\n", text, err.text);
	free(s);
	return j;
}

/* obj's member key, a number of seconds, slow_factor() times as long. */
static void scale_seconds(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		json_object_set_new(obj, key, json_integer(json_integer_value(v) * slow_factor()));
	else if (json_is_real(v))
		json_object_set_new(obj, key, json_real(json_real_value(v) * slow_factor()));
}

/* On a machine E2E_SLOW times slower, a service's time constants are that many times as long
 * (ejection times, check intervals and timeouts), and so are the bounds the cases derive from
 * them (slow_ms): connect loops take that much longer, and a 100 ms check timeout is not one
 * on an emulated CPU. The claims stay the same (e.g. out within interval x threshold). */
static void scale_times(json_t *svc)
{
	json_t *od = json_object_get(svc, "outlierDetection");
	json_t *hc = json_object_get(svc, "healthCheck");

	if (slow_factor() == 1)
		return;
	if (json_is_object(od)) {
		scale_seconds(od, "baseEjectionSeconds");
		scale_seconds(od, "maxEjectionSeconds");
	}
	if (json_is_object(hc)) {
		scale_seconds(hc, "intervalSeconds");
		scale_seconds(hc, "timeoutSeconds");
	}
}

/* Append the services in text to list, except the one named drop. */
static int add_services(json_t *list, const char *text, const char *drop)
{
	json_t *more, *s;
	size_t i;

	if (!text)
		return 0;
	more = parse(text, "[]");
	if (!more)
		return -1;
	json_array_foreach(more, i, s) {
		const char *name = json_string_value(json_object_get(s, "discoveryName"));

		if (drop && name && !strcmp(name, drop))
			continue;
		scale_times(s);
		json_array_append(list, s);
	}
	json_decref(more);
	return 0;
}

static int dump_to(const char *path, json_t *j, bool atomic)
{
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	int ret = -1;

	if (text)
		ret = atomic ? replace_file(path, text) : write_file(path, text);
	free(text);
	json_decref(j);
	return ret;
}

const char *status_file(void)
{
	static char path[400];

	snprintf(path, sizeof(path), "%s/status.json", B.dir);
	return path;
}

int write_config(const char *drop, const char *add)
{
	const struct e2e_case *c = current_case;
	char state_file[400];
	json_t *cfg, *services = json_array(), *fields = NULL;

	snprintf(state_file, sizeof(state_file), "%s/state.json", B.state);
	if (add_services(services, base_services, drop) ||
	    add_services(services, c ? c->services : NULL, drop) ||
	    add_services(services, add, drop) ||
	    (c && c->fields && !(fields = parse(c->fields, NULL)))) {
		json_decref(services);
		return -1;
	}
	cfg = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:s, s:s, s:[s], s:o}",
			"namespace", "e2e.local", "vipCidr", "127.255.0.0/16",
			"vipCidr6", "fd00:5c1c::/64", "registry", "file", B.registry,
			"bpffs", B.bpffs, "hostsFile", B.hosts, "stateFile", state_file,
			"statusFile", status_file(), "cgroups", B.cgroup, "services", services);
	if (cfg && fields)
		json_object_update(cfg, fields);
	json_decref(fields);
	return dump_to(B.config, cfg, false);
}

/* spec: "ID SERVICE BACKEND [HEALTH] [weight=W]"; its InstanceId in id. */
static json_t *instance_json(const char *spec, char id[64])
{
	char service[64], backend[16], opt[2][64] = { "", "" }, port[16];
	const char *health = "HEALTHY", *weight = NULL, *addr;
	const struct backend *b;
	json_t *attrs;
	int n, i;

	n = sscanf(spec, "%63s %63s %15s %63s %63s", id, service, backend, opt[0], opt[1]);
	for (i = 0; i < n - 3; i++) {
		if (!strncmp(opt[i], "weight=", 7))
			weight = opt[i] + 7;
		else
			health = opt[i];
	}
	b = backend_named(backend);
	addr = b ? b->addr : pool_addr(backend);
	if (n < 3 || !addr) {
		fprintf(stderr, "e2e: instance \"%s\": not ID SERVICE BACKEND [HEALTH] "
			"[weight=W] with a known backend\n", spec);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", b ? b->port : POOL_PORT);
	attrs = json_pack("{s:s, s:s}", strchr(addr, ':') ? "AWS_INSTANCE_IPV6" :
			  "AWS_INSTANCE_IPV4", addr, "AWS_INSTANCE_PORT", port);
	if (attrs && weight)
		json_object_set_new(attrs, "weight", json_string(weight));
	return json_pack("{s:s, s:s, s:s, s:s, s:o}", "InstanceId", id, "NamespaceName",
			 "e2e.local", "ServiceName", service, "HealthStatus", health,
			 "Attributes", attrs);
}

/* Append the instances of specs (up to n, or to the first NULL) but the one with id drop. */
static int add_instances(json_t *out, const char *const *specs, size_t n, const char *drop)
{
	char id[64];
	size_t i;

	for (i = 0; specs && i < n && specs[i]; i++) {
		json_t *in = instance_json(specs[i], id);

		if (!in)
			return -1;
		if (drop && !strcmp(id, drop))
			json_decref(in);
		else if (json_array_append_new(out, in))
			return -1;
	}
	return 0;
}

int write_registry(const char *drop, const char *add)
{
	const struct e2e_case *c = current_case;
	json_t *list = json_array();
	char path[400];

	snprintf(path, sizeof(path), "%s/main.json", B.registry);
	if (add_instances(list, base_instances, SIZE_MAX, drop) ||
	    add_instances(list, c ? c->instances : NULL, CASE_INSTANCES, drop) ||
	    add_instances(list, &add, 1, NULL)) {
		json_decref(list);
		return -1;
	}
	return dump_to(path, json_pack("{s:o, s:i}", "Instances", list, "InstancesRevision", 1),
		       true);
}
