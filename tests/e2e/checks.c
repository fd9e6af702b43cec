// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* checks.c: what the cases look at sluice with: requests to an alias's VIP, waiting for a
 * route or a log line, sluicectl's view of the services, a config member reloaded, and the
 * status file's failing parts of registry sources. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

struct request req(enum op op, int family, const char *alias, bool v6vip, bool mapped,
		   int port, int count)
{
	struct request rq = { .op = op, .family = family, .port = port, .count = count };
	char vip[64] = "";

	if (vip_of(alias, v6vip, vip, sizeof(vip)))
		fprintf(stderr, "    no VIP for %s in %s\n", alias, B.hosts);
	snprintf(rq.addr, sizeof(rq.addr), "%s%s", mapped ? "::ffff:" : "", vip);
	return rq;
}

struct result connects(const char *alias, int count)
{
	struct request rq = req(OP_TCP, AF_INET, alias, false, false, 80, count);
	struct result res;

	if (agent_run(&agent, &rq, &res))
		memset(&res, 0, sizeof(res));
	return res;
}

bool routes_to(const char *alias, const char *name, int timeout_ms)
{
	unsigned long long end = now_ms() + timeout_ms;
	struct request rq = req(OP_TCP, AF_INET, alias, false, false, 80, 1);
	struct result res;

	do {
		if (!agent_run(&agent, &rq, &res) && count_of(&res, name) == 1)
			return true;
		usleep(5000);
	} while (now_ms() < end);
	return false;
}

void wait_log(const char *needle, int n, int timeout_ms)
{
	unsigned long long end = now_ms() + slow_ms(timeout_ms);

	while (log_count(needle) < n && now_ms() < end)
		usleep(5000);
}

json_t *services_json(void)
{
	char *out = NULL;
	json_t *j = NULL;

	if (!ctl(&out, "--json", "services", NULL))
		j = json_loads(out, 0, NULL);
	free(out);
	return j;
}

json_t *element_with(json_t *array, const char *key, const char *value)
{
	json_t *e;
	size_t i;

	json_array_foreach(array, i, e)
		if (!strcmp(json_string_value(json_object_get(e, key)) ?: "", value))
			return e;
	return NULL;
}

json_t *service_named(json_t *root, const char *name)
{
	return element_with(json_object_get(root, "services"), "name", name);
}

bool reload_with(const char *key, json_t *value)
{
	json_t *cfg = json_load_file(B.config, 0, NULL);
	int reloads = log_count("reloaded");
	char *text;
	bool ok;

	if (!cfg) {
		json_decref(value);
		return false;
	}
	json_object_set_new(cfg, key, value);
	text = json_dumps(cfg, JSON_INDENT(2));
	json_decref(cfg);
	ok = text && !replace_file(B.config, text);
	free(text);
	if (!ok)
		return false;
	if (daemon_signal(SIGHUP))
		return false;
	wait_log("reloaded", reloads + 1, 3000);
	return log_count("reloaded") == reloads + 1;
}

int alias_hits(const char *alias, const char *backend, int count)
{
	struct request rq = req(OP_TCP, AF_INET, alias, false, false, 80, count);
	struct result res;

	if (agent_run(&agent, &rq, &res))
		return -1;
	return count_of(&res, backend);
}

int either(const char *alias, const char *a, const char *b)
{
	struct result res = connects(alias, 20);

	return count_of(&res, a) + count_of(&res, b);
}

long reached_after(const char *alias, const char *backend, int timeout_ms)
{
	unsigned long long t0 = now_ms();

	return routes_to(alias, backend, timeout_ms) ? (long)(now_ms() - t0) : -1;
}

long gone_after(const char *alias, const char *backend, int timeout_ms)
{
	unsigned long long t0 = now_ms(), end = t0 + timeout_ms;

	do {
		if (alias_hits(alias, backend, 20) == 0)
			return (long)(now_ms() - t0);
		usleep(5000);
	} while (now_ms() < end);
	return -1;
}

json_t *failing_entry(json_t *root, const char *name)
{
	json_t *src, *e;
	size_t i, k;

	json_array_foreach(json_object_get(json_object_get(root, "registry"), "sources"), i, src)
		json_array_foreach(json_object_get(src, "failing"), k, e)
			if (!strcmp(json_string_value(json_object_get(e, "name")) ?: "", name))
				return e;
	return NULL;
}
