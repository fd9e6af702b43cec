// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c: inspect and drive sluice through its pinned maps and links; works whether
 * or not sluiced is running. Subcommands: services, attach, detach, attached, teardown. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "kernel/attach.h"
#include "inputs/config.h"
#include "lib/log.h"
#include "kernel/maps.h"
#include "model/model.h"

struct ctl {
	const char *bpffs;
	bool json;
	bool force;
};

static const char *state_name(uint8_t s)
{
	switch (s) {
	case SLUICE_BACKEND_SERVING:
		return "serving";
	case SLUICE_BACKEND_UNHEALTHY:
		return "unhealthy";
	case SLUICE_BACKEND_DRAINING:
		return "draining";
	case SLUICE_BACKEND_CHECK_FAILED:
		return "check-failed";
	case SLUICE_BACKEND_EJECTED:
		return "ejected";
	}
	return "unknown";
}

static const char *policy_name(uint8_t p)
{
	switch (p) {
	case SLUICE_LB_ROUND_ROBIN:
		return "round_robin";
	case SLUICE_LB_LEAST_REQUEST:
		return "least_request";
	}
	return "random";
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

static int print_json(json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(root);
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static json_t *frontend_json(const struct sl_frontend_model *f)
{
	char vip[SL_ADDR_STRLEN];
	struct sl_addr a;

	memcpy(a.a, f->key.addr, sizeof(a.a));
	return json_pack("{s:s, s:s, s:i, s:s}", "alias", f->value.alias, "vip",
			 sl_addr_format(&a, vip, sizeof(vip)), "port", ntohs(f->key.port),
			 "protocol", proto_name(f->key.proto));
}

/* Clients (network namespaces) holding an ejection of backend id of their own. */
static uint32_t client_ejections_of(const uint32_t *by_id, const struct sl_maps *m, uint32_t id)
{
	return by_id && id < m->health.n ? by_id[id] : 0;
}

static json_t *backend_json(const struct sl_maps *m, const uint32_t *cej,
			    const struct sl_backend_model *b)
{
	struct sluice_backend_stats st = {};
	char addr[SL_ADDR_STRLEN];

	struct sluice_backend_health h = sl_health_map_read(&m->health, b->id);

	sl_maps_backend_stats(m, b->id, &st);
	return json_pack("{s:i, s:s, s:s, s:i, s:i, s:s, s:I, s:I, s:i, s:i, s:i}", "id", b->id,
			 "instance", b->instance_id, "address",
			 sl_addr_format(&b->addr, addr, sizeof(addr)), "port", b->port, "weight",
			 b->weight, "state", state_name(b->state), "connects",
			 (json_int_t)st.connects, "datagrams", (json_int_t)st.datagrams,
			 "active", (int)h.active, "failures", (int)h.failures, "clientEjections",
			 (int)client_ejections_of(cej, m, b->id));
}

static void print_service_text(const struct sl_maps *m, const uint32_t *cej,
			       const struct sl_model *model, const struct sl_service_model *s)
{
	struct sluice_service_stats ss = {};
	size_t i;

	sl_maps_service_stats(m, s->id, &ss);
	printf("%s (id %u): %zu backends, %u serving%s, %s, %llu refused\n", s->name, s->id,
	       s->nbackends, sl_service_nserving(s),
	       s->policy.flags & SLUICE_POLICY_PANIC ? " (panic: routing to all)" : "",
	       policy_name(s->policy.lb_policy), (unsigned long long)ss.refused);
	for (i = 0; i < model->nfrontends; i++) {
		const struct sl_frontend_model *f = &model->frontends[i];
		char vip[SL_ENDPOINT_STRLEN];
		struct sl_addr a;

		if (f->value.service_id != s->id)
			continue;
		memcpy(a.a, f->key.addr, sizeof(a.a));
		printf("  alias   %-24s %s/%s\n", f->value.alias,
		       sl_endpoint_format(&a, ntohs(f->key.port), vip, sizeof(vip)),
		       proto_name(f->key.proto));
	}
	for (i = 0; i < s->nbackends; i++) {
		const struct sl_backend_model *b = &s->backends[i];
		struct sluice_backend_stats st = {};
		struct sluice_backend_health h;
		char ap[SL_ENDPOINT_STRLEN];

		sl_maps_backend_stats(m, b->id, &st);
		sl_endpoint_format(&b->addr, b->port, ap, sizeof(ap));
		h = sl_health_map_read(&m->health, b->id);
		printf("  backend %-24s %-12s weight %-5u connects %-8llu datagrams %-8llu "
		       "active %-5u failures %-3u client-ejections %-3u %s\n", ap,
		       state_name(b->state), b->weight, (unsigned long long)st.connects,
		       (unsigned long long)st.datagrams, h.active, h.failures,
		       client_ejections_of(cej, m, b->id), b->instance_id);
	}
}

static int cmd_services(struct ctl *c, int argc, char **argv)
{
	struct sl_model model;
	uint32_t *cej; /* by backend id: clients holding an ejection of it of their own */
	struct sl_maps m;
	struct sl_err err;
	size_t i, j;
	json_t *arr;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "sluicectl services: takes no arguments\n");
		return 2;
	}
	if (sl_maps_open_pinned(c->bpffs, &m, &err)) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		return 1;
	}
	if (sl_maps_read_model(&m, &model, &err)) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		sl_maps_close(&m);
		return 1;
	}
	cej = calloc(m.health.n ? m.health.n : 1, sizeof(*cej));
	if (cej && sl_client_ejections(m.client_health, cej, m.health.n)) {
		free(cej);
		cej = NULL; /* shown as none */
	}
	if (!c->json) {
		if (!model.nservices)
			printf("no services\n");
		for (i = 0; i < model.nservices; i++)
			print_service_text(&m, cej, &model, &model.services[i]);
		goto out;
	}
	arr = json_array();
	for (i = 0; i < model.nservices; i++) {
		const struct sl_service_model *s = &model.services[i];
		struct sluice_service_stats ss = {};
		json_t *fes = json_array(), *bes = json_array();

		sl_maps_service_stats(&m, s->id, &ss);
		for (j = 0; j < model.nfrontends; j++)
			if (model.frontends[j].value.service_id == s->id)
				json_array_append_new(fes, frontend_json(&model.frontends[j]));
		for (j = 0; j < s->nbackends; j++)
			json_array_append_new(bes, backend_json(&m, cej, &s->backends[j]));
		json_array_append_new(arr, json_pack("{s:i, s:s, s:i, s:s, s:b, s:I, s:o, s:o}",
						     "id", s->id, "name", s->name, "serving",
						     sl_service_nserving(s), "lbPolicy",
						     policy_name(s->policy.lb_policy), "panic",
						     !!(s->policy.flags & SLUICE_POLICY_PANIC),
						     "refused", (json_int_t)ss.refused, "aliases",
						     fes, "backends", bes));
	}
	print_json(json_pack("{s:o}", "services", arr));
out:
	free(cej);
	sl_model_free(&model);
	sl_maps_close(&m);
	return 0;
}

static int with_attachments(struct ctl *c, struct sl_maps *m)
{
	struct sl_err err;

	if (sl_maps_open_pinned(c->bpffs, m, &err)) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_attach(struct ctl *c, int argc, char **argv)
{
	struct sl_maps m;
	struct sl_err err;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: sluicectl attach CGROUP [--force]\n");
		return 2;
	}
	if (with_attachments(c, &m))
		return 1;
	ret = sl_attach(c->bpffs, m.attachments, argv[1], 0, c->force, &err);
	sl_maps_close(&m);
	if (ret) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_detach(struct ctl *c, int argc, char **argv)
{
	struct sl_maps m;
	struct sl_err err;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: sluicectl detach CGROUP|CGROUP-ID\n");
		return 2;
	}
	if (with_attachments(c, &m))
		return 1;
	ret = sl_detach(c->bpffs, m.attachments, argv[1], &err);
	sl_maps_close(&m);
	if (ret) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_attached(struct ctl *c, int argc, char **argv)
{
	struct sl_attachment_info *v;
	struct sl_maps m;
	struct sl_err err;
	json_t *arr;
	size_t n, i;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "sluicectl attached: takes no arguments\n");
		return 2;
	}
	if (with_attachments(c, &m))
		return 1;
	if (sl_attachments_list(c->bpffs, m.attachments, &v, &n, &err)) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		sl_maps_close(&m);
		return 1;
	}
	sl_maps_close(&m);
	arr = c->json ? json_array() : NULL;
	for (i = 0; i < n; i++) {
		const char *status = !v[i].alive ? "gone" :
				     v[i].nlinks == sl_nprogs ? "attached" : "partial";

		if (arr)
			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:i, s:b}",
							     "cgroupId", (json_int_t)v[i].cgroup_id,
							     "path", v[i].path, "status", status,
							     "links", v[i].nlinks, "fromConfig",
							     !!(v[i].flags & SLUICE_ATTACH_FROM_CONFIG)));
		else
			printf("%-10llu %-9s %s%s\n", (unsigned long long)v[i].cgroup_id, status,
			       v[i].path[0] ? v[i].path : "?",
			       v[i].flags & SLUICE_ATTACH_FROM_CONFIG ? " (config)" : "");
	}
	free(v);
	if (arr)
		return print_json(json_pack("{s:o}", "attached", arr));
	if (!n)
		printf("nothing attached\n");
	return 0;
}

static int cmd_teardown(struct ctl *c, int argc, char **argv)
{
	struct sl_err err;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "sluicectl teardown: takes no arguments\n");
		return 2;
	}
	if (sl_teardown(c->bpffs, &err)) {
		fprintf(stderr, "sluicectl: %s\n", err.msg);
		return 1;
	}
	printf("removed %s: programs detached, maps unpinned\n", c->bpffs);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "services", cmd_services, "services, aliases, VIPs, backends, weights, state, counters" },
	{ "attach", cmd_attach, "CGROUP [--force]: route the connects of a cgroup's tasks" },
	{ "detach", cmd_detach, "CGROUP|ID: stop routing a cgroup" },
	{ "attached", cmd_attached, "the cgroups sluice is attached to" },
	{ "teardown", cmd_teardown, "detach everything and remove the pinned maps (stop sluiced first)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: sluicectl [--bpffs DIR] [--json] COMMAND [ARGS]\n"
		   "Inspect and drive sluice through its pinned maps (sluiced need not run).\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nOptions:\n"
		   "  -b, --bpffs DIR  the bpffs dir of the instance (default %s, or $SLUICE_BPFFS)\n"
		   "  -j, --json       machine-readable output\n"
		   "  -f, --force      attach: allow the cgroup2 root\n"
		   "  -h, --help       this text\n"
		   "Exit status: 0 done, 1 failed, 2 usage error.\n", SL_DEFAULT_BPFFS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bpffs", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ctl c = { .bpffs = getenv("SLUICE_BPFFS") };
	size_t i;
	int o;

	if (!c.bpffs || !*c.bpffs)
		c.bpffs = SL_DEFAULT_BPFFS;
	sl_log_set_prefix("sluicectl");
	sl_log_hook_libbpf(false);
	while ((o = getopt_long(argc, argv, "+b:jfh", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			c.bpffs = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'f':
			c.force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	/* options may also follow the command */
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			c.force = true;
		else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			c.json = true;
		else
			continue;
		memmove(&argv[i], &argv[i + 1], (argc - i - 1) * sizeof(*argv));
		argc--;
		i--;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(&c, argc, argv);
	fprintf(stderr, "sluicectl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return 2;
}
