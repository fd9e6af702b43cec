// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* commands.c: the commands that work on the pinned objects alone: services (from the maps),
 * attach, detach and attached (the links), and teardown (refused while sluiced serves). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "kernel/attach.h"
#include "kernel/tasks.h"
#include "kernel/maps.h"
#include "model/model.h"
#include "sluicectl/commands.h"
#include "sluicectl/daemon.h"

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

static json_t *frontend_json(const struct sl_frontend_model *f)
{
	char vip[SL_ADDR_STRLEN];
	struct sl_addr a;

	memcpy(a.a, f->key.addr, sizeof(a.a));
	return json_pack("{s:s, s:s, s:i, s:s}", "alias", f->value.alias, "vip",
			 sl_addr_format(&a, vip, sizeof(vip)), "port", ntohs(f->key.port),
			 "protocol", proto_name(f->key.proto));
}

/* The service's connection limits, as the config names them (0: none). */
static json_t *limits_json(const struct sluice_policy *pol)
{
	return json_pack("{s:i, s:i, s:i}", "connectTimeoutMs", (int)pol->connect_timeout_ms,
			 "idleTimeoutSeconds", (int)pol->idle_timeout_s, "maxConnectionsPerBackend",
			 (int)pol->max_connections);
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
			 b->weight, "state", sl_backend_state_name(b->state), "connects",
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
	printf("%s (id %u, namespace %s): %zu backends, %u serving%s, %s, %llu refused",
	       s->name, s->id, sl_model_service_ns_name(model, s), s->nbackends,
	       sl_service_nserving(s),
	       s->policy.flags & SLUICE_POLICY_PANIC ? " (panic: routing to all)" : "",
	       policy_name(s->policy.lb_policy), (unsigned long long)ss.refused);
	if (s->policy.max_connections)
		printf(", %llu over %u connections a backend",
		       (unsigned long long)ss.overflow, s->policy.max_connections);
	printf("\n");
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
		       sl_backend_state_name(b->state), b->weight, (unsigned long long)st.connects,
		       (unsigned long long)st.datagrams, h.active, h.failures,
		       client_ejections_of(cej, m, b->id), b->instance_id);
	}
}

static json_t *services_json(const struct sl_maps *m, const uint32_t *cej,
			     const struct sl_model *model, uint32_t only_ns)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = 0; i < model->nservices; i++) {
		const struct sl_service_model *s = &model->services[i];
		struct sluice_service_stats ss = {};
		json_t *fes, *bes;

		if (only_ns && s->ns_id != only_ns)
			continue;
		fes = json_array();
		bes = json_array();
		sl_maps_service_stats(m, s->id, &ss);
		for (j = 0; j < model->nfrontends; j++)
			if (model->frontends[j].value.service_id == s->id)
				json_array_append_new(fes, frontend_json(&model->frontends[j]));
		for (j = 0; j < s->nbackends; j++)
			json_array_append_new(bes, backend_json(m, cej, &s->backends[j]));
		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:i, s:s, s:b, s:I, s:I, s:o,"
						     " s:o, s:o}",
						     "id", s->id, "name", s->name, "namespace",
						     sl_model_service_ns_name(model, s), "serving",
						     sl_service_nserving(s), "lbPolicy",
						     policy_name(s->policy.lb_policy), "panic",
						     !!(s->policy.flags & SLUICE_POLICY_PANIC),
						     "refused", (json_int_t)ss.refused, "overflow",
						     (json_int_t)ss.overflow, "limits",
						     limits_json(&s->policy), "aliases", fes,
						     "backends", bes));
	}
	return json_pack("{s:o}", "services", arr);
}

int cmd_services(struct ctl *c)
{
	const struct sl_maps *m = &c->maps;
	struct sl_model model;
	struct sl_err err;
	uint32_t *cej; /* by backend id: clients holding an ejection of it of their own */
	uint32_t only = 0;
	size_t i, shown = 0;
	int ret = 0;

	if (sl_maps_read_model(m, &model, &err))
		return ctl_fail(c, "%s", err.msg);
	if (c->o.ns) {
		const struct sl_namespace_model *ns = sl_model_find_namespace_name(&model, c->o.ns);

		if (!ns) {
			sl_model_free(&model);
			return ctl_fail(c, "namespace %s: not in the data plane", c->o.ns);
		}
		only = ns->id;
	}
	cej = calloc(m->health.n ? m->health.n : 1, sizeof(*cej));
	if (cej && sl_client_ejections(m->client_health, cej, m->health.n)) {
		free(cej);
		cej = NULL; /* shown as none */
	}
	if (c->o.json) {
		ret = ctl_print_json(services_json(m, cej, &model, only));
	} else {
		for (i = 0; i < model.nservices; i++) {
			if (only && model.services[i].ns_id != only)
				continue;
			print_service_text(m, cej, &model, &model.services[i]);
			shown++;
		}
		if (!shown)
			printf("no services\n");
	}
	free(cej);
	sl_model_free(&model);
	return ret;
}

/* Attach the programs and make the cgroup a task of the namespace (--namespace, else the
 * config's first); the links go again if the task entry cannot be written. */
int cmd_attach(struct ctl *c)
{
	uint32_t ns = sl_namespace_id(&c->maps, c->o.ns);
	struct sl_err err;

	if (!ns && c->o.ns)
		return ctl_fail(c, "namespace %s: not in the data plane (sluiced serves it once its "
				"config has it)", c->o.ns);
	if (!ns)
		return ctl_fail(c, "no namespace in the data plane yet: sluiced has not served a "
				"config here");
	if (sl_attach(c->bpffs, c->maps.attachments, c->o.args[0], 0, c->o.force, &err))
		return ctl_fail(c, "%s", err.msg);
	if (sl_tasks_put_path(&c->maps, c->o.args[0], c->o.force, ns, SLUICE_TASK_ATTACHED,
			      &err)) {
		struct sl_err ignored;

		sl_detach(c->bpffs, c->maps.attachments, c->o.args[0], &ignored);
		return ctl_fail(c, "%s", err.msg);
	}
	return 0;
}

int cmd_detach(struct ctl *c)
{
	struct sl_err err;
	uint64_t id;

	if (sl_detach_get_id(c->o.args[0], &id, &err) ||
	    sl_detach(c->bpffs, c->maps.attachments, c->o.args[0], &err))
		return ctl_fail(c, "%s", err.msg);
	if (sl_tasks_drop(&c->maps, id, SLUICE_TASK_ATTACHED) > 0)
		sl_tasks_levels_sync(&c->maps, &err);
	return 0;
}

const char *ctl_attachment_state(const struct sl_attachment_info *a)
{
	return !a->alive ? "gone" : a->nlinks == sl_nprogs ? "attached" : "partial";
}

json_t *ctl_attachments_json(const struct sl_attachment_info *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:o, s:s, s:i, s:b, s:b}",
						     "cgroupId", (json_int_t)v[i].cgroup_id,
						     "path", ctl_json_string(v[i].path),
						     "status", ctl_attachment_state(&v[i]),
						     "links", v[i].nlinks, "fromConfig",
						     !!(v[i].flags & SLUICE_ATTACH_FROM_CONFIG),
						     "watched",
						     !!(v[i].flags & SLUICE_ATTACH_WATCHED)));
	return arr;
}

void ctl_attachments_print(const struct sl_attachment_info *v, size_t n, const char *indent)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s%-10llu %-9s %s%s%s\n", indent, (unsigned long long)v[i].cgroup_id,
		       ctl_attachment_state(&v[i]), v[i].path[0] ? v[i].path : "?",
		       v[i].flags & SLUICE_ATTACH_FROM_CONFIG ? " (config)" : "",
		       v[i].flags & SLUICE_ATTACH_WATCHED ? " (watched)" : "");
}

int cmd_attached(struct ctl *c)
{
	struct sl_attachment_info *v;
	struct sl_err err;
	size_t n;

	if (sl_attachments_list(c->bpffs, c->maps.attachments, &v, &n, &err))
		return ctl_fail(c, "%s", err.msg);
	if (c->o.json) {
		json_t *arr = ctl_attachments_json(v, n);

		free(v);
		return ctl_print_json(json_pack("{s:o}", "attached", arr));
	}
	ctl_attachments_print(v, n, "");
	if (!n)
		printf("nothing attached\n");
	free(v);
	return 0;
}

int cmd_teardown(struct ctl *c)
{
	struct ctl_daemon d;
	struct sl_err err;

	if (!c->o.force && !ctl_daemon_find(c->bpffs, &d) && d.pid)
		return ctl_fail(c, "sluiced (pid %d) serves this data plane: stop it first, or "
			        "--force", (int)d.pid);
	if (sl_teardown(c->bpffs, &err))
		return ctl_fail(c, "%s", err.msg);
	if (c->o.json)
		return ctl_print_json(json_pack("{s:o}", "removed", ctl_json_string(c->bpffs)));
	printf("removed %s: programs detached, maps unpinned\n", c->bpffs);
	return 0;
}
