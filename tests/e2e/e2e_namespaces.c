// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_namespaces.c: two namespaces on one host, each with an alias web:80 at the same VIP and
 * backends of its own: each task reaches its own namespace's only; a task moved from one to
 * the other by a reload; a hosts file each. */
#include <errno.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cases.h"

#define OTHER_NS "other.local"

static char other_cg[320], other_hosts[320], other_reg[320];
static struct agent other_agent;

/* The other namespace's registry: web at B2 (the base one's web is at B1). */
static int write_other_registry(void)
{
	const struct backend *b = backend_named("B2");
	char path[400], text[512];

	snprintf(path, sizeof(path), "%s/web.json", other_reg);
	snprintf(text, sizeof(text),
		 "{\"Instances\": [{\"InstanceId\": \"o1\", \"NamespaceName\": \"" OTHER_NS "\", "
		 "\"ServiceName\": \"web\", \"HealthStatus\": \"HEALTHY\", \"Attributes\": "
		 "{\"AWS_INSTANCE_IPV4\": \"%s\", \"AWS_INSTANCE_PORT\": \"%d\"}}]}",
		 b->addr, b->port);
	return write_file(path, text);
}

/* The daemon's config made two namespaces: the base one (its services, registry, hosts file)
 * and OTHER_NS; the base cgroup in the first, other_cg in ns_of_other. */
static json_t *two_namespaces(const char *ns_of_other)
{
	json_t *cfg = json_load_file(B.config, 0, NULL), *first, *second, *cgroups;

	if (!cfg)
		return NULL;
	first = json_pack("{s:O, s:O, s:O, s:O}", "namespace", json_object_get(cfg, "namespace"),
			  "services", json_object_get(cfg, "services"), "registry",
			  json_object_get(cfg, "registry"), "hostsFile",
			  json_object_get(cfg, "hostsFile"));
	second = json_pack("{s:s, s:{s:s}, s:s, s:[{s:s, s:[{s:s, s:i}]}]}", "namespace",
			   OTHER_NS, "registry", "file", other_reg, "hostsFile", other_hosts,
			   "services", "discoveryName", "web", "clientAliases", "dnsName", "web",
			   "port", 80);
	cgroups = json_pack("[s, {s:s, s:s}]", B.cgroup, "path", other_cg, "namespace",
			    ns_of_other);
	json_object_del(cfg, "namespace");
	json_object_del(cfg, "services");
	json_object_del(cfg, "registry");
	json_object_del(cfg, "hostsFile");
	json_object_set_new(cfg, "cgroups", cgroups);
	json_object_set_new(cfg, "namespaces", json_pack("[o, o]", first, second));
	return cfg;
}

static bool reload_config(json_t *cfg)
{
	char *text = cfg ? json_dumps(cfg, JSON_INDENT(2)) : NULL;
	int reloads = log_count("reloaded"), ready = log_count("ready: ");
	bool ok = text && !replace_file(B.config, text);

	free(text);
	json_decref(cfg);
	if (!ok || daemon_signal(SIGHUP))
		return false;
	/* "ready" again once the reload's reconcile, hosts files and cgroups are done */
	wait_log("ready: ", ready + 1, 5000);
	return log_count("reloaded") == reloads + 1 && log_count("ready: ") == ready + 1;
}

/* count connects from a to web:80 (the VIP the hosts file gives), by backend. */
static void web_hits(struct agent *a, int count, struct result *res)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, count);

	agent_run(a, &rq, res);
}

/* The VIP of web in a hosts file ("" if none). */
static void vip_in(const char *hosts, char *vip, size_t len)
{
	char *text = read_file(hosts), *line, *save = NULL;

	vip[0] = '\0';
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char addr[64], name[128];

		if (sscanf(line, "%63s %127s", addr, name) == 2 && !strcmp(name, "web") &&
		    !strchr(addr, ':')) {
			snprintf(vip, len, "%s", addr);
			break;
		}
	}
	free(text);
}

void t_two_namespaces(void)
{
	char vip1[64], vip2[64], *out = NULL;
	struct result res;

	snprintf(other_cg, sizeof(other_cg), "%s-o", B.cgroup);
	snprintf(other_hosts, sizeof(other_hosts), "%s/hosts.other", B.dir);
	snprintf(other_reg, sizeof(other_reg), "%s/registry-other", B.dir);
	expect(!mkdir(other_cg, 0755) || errno == EEXIST, "mkdir %s", other_cg);
	expect(!mkdir(other_reg, 0700) || errno == EEXIST, "mkdir %s", other_reg);
	expect(!write_other_registry(), "the other namespace's registry");
	expect(reload_config(two_namespaces(OTHER_NS)), "reload with two namespaces");

	/* One alias, one VIP, two namespaces. */
	vip_in(B.hosts, vip1, sizeof(vip1));
	vip_in(other_hosts, vip2, sizeof(vip2));
	expect(vip1[0] && !strcmp(vip1, vip2), "web's VIP: %s in the first, %s in the other",
	       vip1, vip2);
	expect(!agent_start(&other_agent, other_cg), "agent in the other namespace's cgroup");
	web_hits(&agent, 20, &res);
	expect(count_of(&res, "B1") == 20, "the first namespace's task: %d of 20 to B1 (B2: %d)",
	       count_of(&res, "B1"), count_of(&res, "B2"));
	web_hits(&other_agent, 20, &res);
	expect(count_of(&res, "B2") == 20, "the other namespace's task: %d of 20 to B2 (B1: %d, "
	       "errno %d)", count_of(&res, "B2"), count_of(&res, "B1"), res.last_errno);
	expect(ctl(&out, "tasks", NULL) == 0 && out && strstr(out, OTHER_NS) &&
	       strstr(out, "e2e.local"), "sluicectl tasks lacks a namespace: %s", out);
	free(out);

	expect(ctl(&out, "services", "--namespace", OTHER_NS, NULL) == 0 && out &&
	       strstr(out, "web (id") && strstr(out, "namespace " OTHER_NS) &&
	       !strstr(out, "split") && !strstr(out, "e2e.local"),
	       "sluicectl services --namespace " OTHER_NS ": %s", out);
	free(out);
	expect(ctl(&out, "services", "--namespace", "nowhere", NULL) == 1 && out &&
	       strstr(out, "namespace nowhere"), "an unknown namespace was taken: %s", out);
	free(out);
	/* The other task moved to the first namespace by a reload. */
	expect(reload_config(two_namespaces("e2e.local")), "reload moving the task");
	web_hits(&other_agent, 20, &res);
	expect(count_of(&res, "B1") == 20, "the moved task: %d of 20 to B1 (B2: %d)",
	       count_of(&res, "B1"), count_of(&res, "B2"));
	web_hits(&agent, 20, &res);
	expect(count_of(&res, "B1") == 20, "after the move, the first task: %d of 20 to B1",
	       count_of(&res, "B1"));
	agent_stop(&other_agent);
}

void t_two_namespaces_after(void)
{
	char path[400];

	agent_stop(&other_agent);
	rmdir(other_cg);
	snprintf(path, sizeof(path), "%s/web.json", other_reg);
	unlink(path);
	rmdir(other_reg);
}
