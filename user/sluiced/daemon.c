// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* daemon.c: sluiced's steps: start and adopt, reconcile config + registry into the maps,
 * VIPs and hosts file, reload on SIGHUP, keep cgroup attachments in step with the config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "files/hosts_file.h"
#include "kernel/attach.h"
#include "kernel/cgroup.h"
#include "kernel/tasks.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/vec.h"
#include "model/desired.h"
#include "model/plan.h"
#include "model/unmatched.h"
#include "sluiced/metrics.h"
#include "sluiced/names_sync.h"
#include "model/vip.h"
#include "sluiced/daemon.h"
#include "sluiced/registrar.h"

/* Each namespace's instances, by namespace (the config's order). */
static const struct sl_instances *instances(struct sl_daemon *d)
{
	return sl_ns_sources_instances(&d->sources);
}

/* Destroy the sockets sluice routed to backends that were in old's tables and are in none of
 * now's (connected UDP; TCP too where the service says terminateTcp). */
static void terminate_departed(struct sl_daemon *d, const struct sl_model *old,
			       const struct sl_model *now)
{
	struct sl_departure *v;
	unsigned destroyed = 0;
	struct sl_err err;
	size_t n;

	if (sl_sockterm_method(d->sockterm) == SL_SOCKTERM_OFF)
		return;
	if (sl_model_departures(old, now, &v, &n)) {
		pr_warn("socket termination: out of memory");
		return;
	}
	if (n && sl_sockterm_run_attached(d->sockterm, v, n, d->dp.dir, d->dp.maps.attachments,
					  &destroyed, &err))
		pr_err("%s", err.msg);
	if (destroyed)
		pr_info("destroyed %u sockets left on %zu backends that stopped serving (%s)",
			destroyed, n, sl_sockterm_method_name(sl_sockterm_method(d->sockterm)));
	free(v);
}

/* Log each alias whose VIP of a family changed, appeared or went (tables are in request
 * order, not sorted: one lookup index each). */
static void log_vip_changes(const struct sl_vip_table *old, const struct sl_vip_table *now,
			    const char *family, const char *ns)
{
	const struct sl_vip_entry **io = NULL, **in = NULL;
	char a[SL_ADDR_STRLEN], b[SL_ADDR_STRLEN];
	size_t i;

	if (sl_vip_index(old, &io) || sl_vip_index(now, &in))
		goto out;
	for (i = 0; i < now->n; i++) {
		const struct sl_addr *was = sl_vip_find(io, old->n, now->v[i].name);

		if (!was)
			pr_info("alias %s (%s): %s %s", now->v[i].name, ns, family,
				sl_addr_format(&now->v[i].vip, a, sizeof(a)));
		else if (!sl_addr_eq(was, &now->v[i].vip))
			pr_info("alias %s (%s): %s %s (was %s)", now->v[i].name, ns, family,
				sl_addr_format(&now->v[i].vip, a, sizeof(a)),
				sl_addr_format(was, b, sizeof(b)));
	}
	for (i = 0; i < old->n; i++)
		if (!sl_vip_find(in, now->n, old->v[i].name))
			pr_info("alias %s (%s): %s %s released", old->v[i].name, ns, family,
				sl_addr_format(&old->v[i].vip, a, sizeof(a)));
out:
	free(io);
	free(in);
}

/* Each namespace's hosts file, from its VIPs in st. */
static int write_hosts(const struct sl_daemon *d, const struct sl_state *st)
{
	int ret = 0;

	for (size_t i = 0; i < d->cfg.nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &d->cfg.namespaces[i];
		const struct sl_state_ns *vips = sl_state_find(st, ns->namespace);
		static const struct sl_vip_table none;
		char *content = sl_hosts_render(ns->namespace, vips ? &vips->vip4 : &none,
						vips ? &vips->vip6 : &none);
		struct sl_err err;
		bool changed;

		if (!content)
			return -ENOMEM;
		if (sl_hosts_write(ns->hosts_file, content, &changed, &err)) {
			pr_err("hosts file: %s", err.msg);
			ret = -EIO;
		} else if (changed) {
			pr_info("hosts file %s updated", ns->hosts_file);
		}
		free(content);
	}
	return ret;
}

/* The state the desired VIPs make (want's tables moved into it), or -ENOMEM. */
static int next_state(const struct sl_daemon *d, struct sl_desired *want, struct sl_state *st)
{
	memset(st, 0, sizeof(*st));
	st->ns = calloc(d->cfg.nnamespaces + 1, sizeof(*st->ns));
	if (!st->ns)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg.nnamespaces; i++) {
		st->ns[i].namespace = strdup(d->cfg.namespaces[i].namespace);
		if (!st->ns[i].namespace) {
			sl_state_free(st);
			return -ENOMEM;
		}
		st->nns = i + 1;
		st->ns[i].vip4 = want->vip4[i];
		st->ns[i].vip6 = want->vip6[i];
		memset(&want->vip4[i], 0, sizeof(want->vip4[i]));
		memset(&want->vip6[i], 0, sizeof(want->vip6[i]));
	}
	return 0;
}

/* After a failed apply the maps hold part of the plan: read back what they hold. */
static void resync(struct sl_daemon *d)
{
	struct sl_model m;
	struct sl_err err;

	if (sl_maps_read_model(&d->dp.maps, &m, &err)) {
		pr_err("%s", err.msg);
		return;
	}
	sl_model_free(&d->current);
	d->current = m;
}

static void unmatched_free(struct sl_daemon *d)
{
	size_t i;

	for (i = 0; i < d->nunmatched; i++) {
		free((char *)d->unmatched[i].service);
		free((char *)d->unmatched[i].namespace);
	}
	free(d->unmatched);
	d->unmatched = NULL;
	d->nunmatched = 0;
}

static bool was_unmatched(const struct sl_daemon *d, const struct sl_unmatched *u)
{
	size_t i;

	for (i = 0; i < d->nunmatched; i++)
		if (!strcmp(d->unmatched[i].service, u->service) &&
		    !d->unmatched[i].namespace == !u->namespace &&
		    (!u->namespace || !strcmp(d->unmatched[i].namespace, u->namespace)))
			return true;
	return false;
}

/* Registry instances no service takes: each (service, namespace) said once when it shows up,
 * and kept (copied) for the status. */
static void note_unmatched(struct sl_daemon *d)
{
	const struct sl_instances *in = instances(d);
	struct sl_unmatched *v = NULL, *one;
	size_t n = 0, cap = 0, k, i, m;

	for (k = 0; k < d->cfg.nnamespaces; k++) {
		const struct sl_ns_cfg *ns = &d->cfg.namespaces[k];
		const struct sl_sources *ss = &d->sources.v[k];

		if (sl_unmatched_find(ns, &in[k], &one, &m))
			break;
		for (i = 0; i < m; i++) {
			if (!was_unmatched(d, &one[i]))
				pr_warn("registry %s: %zu instance%s of service \"%s\" (namespace %s) "
					"match no service of %s (namespace %s): not served",
					ss->n ? sl_source_label(ss->v[0]) : "", one[i].count,
					one[i].count == 1 ? "" : "s", one[i].service,
					one[i].namespace ? one[i].namespace : "none", d->cfg.origin,
					ns->namespace);
			if (!sl_vec_room(v, n, cap))
				v[n++] = one[i];
		}
		free(one);
	}
	unmatched_free(d);
	for (i = 0; i < n; i++) {
		v[i].service = strdup(v[i].service);
		v[i].namespace = v[i].namespace ? strdup(v[i].namespace) : NULL;
	}
	d->unmatched = v;
	d->nunmatched = n;
}

const double sl_reconcile_bounds[SL_RECONCILE_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
};

static void count_reconcile(struct sl_daemon_counters *c, int ret, uint64_t ns)
{
	double s = (double)ns / 1e9;
	size_t i;

	c->reconciles++;
	c->reconcile_failures += ret != 0;
	c->duration_sum += s;
	for (i = 0; i < SL_RECONCILE_BUCKETS; i++)
		c->duration_cumulative[i] += s <= sl_reconcile_bounds[i];
}

/* The registry cannot be read whole: its path, or files that have no good content. */
static bool registry_incomplete(const struct sl_daemon *d)
{
	return sl_ns_sources_incomplete(&d->sources);
}

int sl_daemon_reconcile(struct sl_daemon *d)
{
	struct sl_desired want = {};
	struct sl_plan plan = {};
	struct sl_err err = {};
	struct sl_desired_input in;
	struct sl_vip_table *prev4 = calloc(d->cfg.nnamespaces, sizeof(*prev4));
	struct sl_vip_table *prev6 = calloc(d->cfg.nnamespaces, sizeof(*prev6));
	bool vips_changed = !d->state.nns; /* a version 1 (or no) state: written anew */
	struct sl_state next = {};
	size_t nservers = 0, i;
	uint64_t t0 = sl_now_ns();
	int ret = -ENOMEM;

	if (!prev4 || !prev6)
		goto out;

	if (d->hold) {
		if (registry_incomplete(d)) {
			d->dirty = true; /* looked at again at every tick and registry change */
			free(prev4);
			free(prev6);
			return -EAGAIN;
		}
		pr_info("the registry reads whole again: reconciling");
		d->hold = false;
	}
	sl_state_views(&d->state, &d->cfg, prev4, prev6);
	in = (struct sl_desired_input){ .cfg = &d->cfg, .instances = instances(d),
					.prev_vip4 = prev4, .prev_vip6 = prev6,
					.current = &d->current,
					.verdicts = sl_monitor_verdicts(d->monitor),
					.held = sl_monitor_held(d->monitor) };
	ret = sl_desired_build(&in, &d->service_ids, &d->backend_ids, &want, &err);
	if (ret) {
		pr_err("%s; nothing changed, the last good state keeps serving", err.msg);
		goto out;
	}
	for (i = 0; i < d->cfg.nnamespaces; i++) {
		const char *ns = d->cfg.namespaces[i].namespace;

		if (sl_vip_table_eq(&want.vip4[i], &prev4[i]) &&
		    sl_vip_table_eq(&want.vip6[i], &prev6[i]) && sl_state_find(&d->state, ns))
			continue;
		log_vip_changes(&prev4[i], &want.vip4[i], "vip", ns);
		log_vip_changes(&prev6[i], &want.vip6[i], "vip6", ns);
		vips_changed = true;
	}
	vips_changed |= d->state.nns != d->cfg.nnamespaces; /* a namespace went */
	ret = next_state(d, &want, &next);
	if (ret)
		goto out;
	/* The VIPs are kept before the maps use them: a crash in between keeps them. */
	if (vips_changed && sl_state_save(d->cfg.state_file, &next, &err))
		pr_err("%s (VIPs may change at the next start)", err.msg);
	ret = sl_plan_make(&d->current, &want.model, &plan);
	if (ret)
		goto out;
	d->counters.map_writes += sl_plan_size(&plan);
	if (sl_plan_size(&plan)) {
		ret = sl_maps_apply(&d->dp.maps, &plan, &err);
		if (ret) {
			pr_err("applying changes: %s; will retry", err.msg);
			d->dirty = true;
			resync(d);
			goto out;
		}
		for (i = 0; i < want.model.nservices; i++)
			nservers += want.model.services[i].nbackends;
		pr_info("maps updated: %zu writes; %zu services, %zu backends, %zu frontends; "
			"reconciled in %.1f ms", sl_plan_size(&plan), want.model.nservices, nservers,
			want.model.nfrontends, (sl_now_ns() - t0) / 1e6);
	}
	terminate_departed(d, &d->current, &want.model);
	/* A verdict that changed on the way (a check that failed before a restart is no
	 * longer configured) is taken at the next tick. */
	d->dirty = sl_monitor_applied(d->monitor, &d->current, &want.model, &d->cfg);
	sl_model_free(&d->current);
	d->current = want.model;
	memset(&want.model, 0, sizeof(want.model));
	sl_state_free(&d->state);
	d->state = next;
	memset(&next, 0, sizeof(next));
	write_hosts(d, &d->state);
	sl_names_sync(d->names, &d->cfg, &d->current, &d->state);
	note_unmatched(d);
out:
	count_reconcile(&d->counters, ret, sl_now_ns() - t0);
	d->reconciled = !ret && !d->hold;
	sl_plan_free(&plan);
	sl_desired_free(&want);
	sl_state_free(&next);
	free(prev4);
	free(prev6);
	return ret;
}

static size_t cgroups_failing(const struct sl_daemon *d);

void sl_daemon_sync_metrics(struct sl_daemon *d)
{
	const char *want = d->cfg.metrics_listen;
	struct sl_err err;

	if (!d->metrics_failed && (want ? d->metrics_listen && !strcmp(want, d->metrics_listen) :
				   !d->metrics))
		return;
	sl_metrics_free(d->metrics);
	d->metrics = NULL;
	d->metrics_generation++;
	free(d->metrics_listen);
	d->metrics_listen = want ? strdup(want) : NULL;
	d->metrics_failed = false;
	if (!want)
		return;
	if (sl_metrics_open(&d->metrics, want, &err)) {
		pr_err("%s: %s; routing goes on without metrics", d->cfg.origin, err.msg);
		d->metrics_failed = true;
		return;
	}
	pr_info("metrics on http://%s/metrics", want);
}

bool sl_daemon_ready(const struct sl_daemon *d)
{
	return d->reconciled;
}

static size_t rules_failing(const struct sl_daemon *d)
{
	struct sl_rules_stats st;

	sl_rules_stats(d->rules, &st);
	return st.failing + d->rules_failed;
}

bool sl_daemon_degraded(const struct sl_daemon *d)
{
	return d->hold || sl_ns_sources_incomplete(&d->sources) ||
	       sl_ns_sources_pending(&d->sources) ||
	       cgroups_failing(d) || rules_failing(d) || d->metrics_failed || d->reload_error[0];
}

void sl_daemon_status_line(const struct sl_daemon *d, char *buf, size_t len)
{
	size_t nbackends = 0, i, off;

	for (i = 0; i < d->current.nservices; i++)
		nbackends += d->current.services[i].nbackends;
	off = (size_t)snprintf(buf, len, "%zu services, %zu backends, %zu frontends",
			       d->current.nservices, nbackends, d->current.nfrontends);
#define ADD(...)                                                                 \
	do {                                                                     \
		if (off < len)                                                   \
			off += (size_t)snprintf(buf + off, len - off, __VA_ARGS__); \
	} while (0)
	if (d->hold)
		ADD("; held: the registry cannot be read whole, the adopted maps serve");
	else if (!d->reconciled)
		ADD("; not in step with the config and registry (retrying)");
	if (sl_ns_sources_first_problem(&d->sources))
		ADD("; %s: %s", sl_ns_sources_first_problem(&d->sources)->name,
		    sl_ns_sources_first_problem(&d->sources)->ops->problem(
			    sl_ns_sources_first_problem(&d->sources)));
	if (sl_ns_sources_failing(&d->sources))
		ADD("; %u registry parts fail (files that do not parse, DNS names or Cloud Map "
		    "services that do not answer)", sl_ns_sources_failing(&d->sources));
	if (sl_ns_sources_pending(&d->sources))
		ADD("; a reload's registry is not read yet");
	if (cgroups_failing(d))
		ADD("; %zu configured cgroups not attached", cgroups_failing(d));
	if (d->nunmatched)
		ADD("; registry instances of %zu services match no configured service",
		    d->nunmatched);
	if (d->rules) {
		struct sl_rules_stats st;

		sl_rules_stats(d->rules, &st);
		ADD("; %zu tasks found", st.tasks);
	}
	if (rules_failing(d))
		ADD("; attach rules: %zu failing", rules_failing(d));
	if (d->names && sl_names_answering(d->names))
		ADD("; DNS answered in %zu network namespaces", sl_names_answering(d->names));
	if (d->metrics_failed)
		ADD("; metrics not served on %s", d->metrics_listen);
	if (d->reload_error[0])
		ADD("; the last reload failed, the config before it serves: %s", d->reload_error);
#undef ADD
}

/* The attachment of the cgroup at path (realpath'd as attach stores it), or NULL. */
static const struct sl_attachment_info *attached(const struct sl_attachment_info *v, size_t n,
						 const char *path)
{
	char real[4096];
	size_t i;

	if (!realpath(path, real))
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].path, real))
			return &v[i];
	return NULL;
}

static bool listed(const struct sl_config *cfg, const char *path)
{
	char real[4096];
	size_t i;

	for (i = 0; i < cfg->ncgroups; i++) {
		if (!strcmp(cfg->cgroups[i].path, path))
			return true;
		if (realpath(cfg->cgroups[i].path, real) && !strcmp(real, path))
			return true;
	}
	return false;
}

/* Remember why cgroups[i] is not attached (NULL: it is), saying it when that changes. */
static void set_cgroup_error(struct sl_daemon *d, size_t i, const char *msg)
{
	char **e = &d->cgroup_errors[i];

	if (!msg) {
		if (*e)
			pr_info("%s: cgroups[%zu]: %s attached now", d->cfg.origin, i,
				d->cfg.cgroups[i].path);
		free(*e);
		*e = NULL;
		return;
	}
	if (*e && !strcmp(*e, msg))
		return;
	pr_err("%s: cgroups[%zu]: %s; tried again every few seconds", d->cfg.origin, i, msg);
	free(*e);
	*e = strdup(msg);
}

/* Make an attached cgroups[i] a task of its namespace (not served: a namespace that is not
 * enabled, and nothing to resolve). NULL, or what failed. */
static const char *put_cgroup_task(struct sl_daemon *d, size_t i, struct sl_err *err)
{
	const struct sl_ns_cfg *nc = sl_config_namespace(&d->cfg, d->cfg.cgroups[i].namespace);
	uint32_t ns = nc ? sl_namespace_id(&d->dp.maps, nc->namespace) : 0;

	if (!ns)
		return NULL;
	if (sl_tasks_put_path(&d->dp.maps, d->cfg.cgroups[i].path, false, ns, SLUICE_TASK_ATTACHED,
			      err))
		return err->msg;
	return NULL;
}

/* Attach the config's cgroups and make them tasks of its namespace (a failure is
 * remembered, said once, and retried at each tick); detach those attached for an earlier
 * config only. */
static void sync_cgroups(struct sl_daemon *d)
{
	struct sl_attachment_info *v = NULL;
	size_t n = 0, i, dropped = 0;
	struct sl_err err;

	if (d->ncgroup_errors != d->cfg.ncgroups) {
		for (i = 0; i < d->ncgroup_errors; i++)
			free(d->cgroup_errors[i]);
		free(d->cgroup_errors);
		d->cgroup_errors = calloc(d->cfg.ncgroups + 1, sizeof(*d->cgroup_errors));
		d->ncgroup_errors = d->cgroup_errors ? d->cfg.ncgroups : 0;
	}
	if (sl_attachments_list(d->dp.dir, d->dp.maps.attachments, &v, &n, &err)) {
		pr_err("%s", err.msg);
		return;
	}
	for (i = 0; i < d->ncgroup_errors; i++) {
		const struct sl_attachment_info *a = attached(v, n, d->cfg.cgroups[i].path);

		if (a && a->alive && a->nlinks == sl_nprogs) {
			set_cgroup_error(d, i, put_cgroup_task(d, i, &err));
			continue;
		}
		if (sl_attach(d->dp.dir, d->dp.maps.attachments, d->cfg.cgroups[i].path,
			      SLUICE_ATTACH_FROM_CONFIG, false, &err)) {
			set_cgroup_error(d, i, err.msg);
			continue;
		}
		if (put_cgroup_task(d, i, &err)) {
			set_cgroup_error(d, i, err.msg);
			continue;
		}
		if (!d->cgroup_errors[i])
			pr_info("attached cgroup %s (%s: cgroups[%zu])", d->cfg.cgroups[i].path,
				d->cfg.origin, i);
		set_cgroup_error(d, i, NULL);
	}
	for (i = 0; i < n; i++) {
		if (!(v[i].flags & SLUICE_ATTACH_FROM_CONFIG) || listed(&d->cfg, v[i].path))
			continue;
		pr_info("cgroup %s is no longer in the config: detaching", v[i].path);
		sl_detach_id(d->dp.dir, d->dp.maps.attachments, v[i].cgroup_id, &err);
		dropped += sl_tasks_drop(&d->dp.maps, v[i].cgroup_id, SLUICE_TASK_ATTACHED) > 0;
	}
	free(v);
	if (dropped && sl_tasks_levels_sync(&d->dp.maps, &err))
		pr_err("%s", err.msg);
}

static size_t cgroups_failing(const struct sl_daemon *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->ncgroup_errors; i++)
		n += d->cgroup_errors[i] != NULL;
	return n;
}

/* Each health-check socket is marked so that sluice's own programs never rewrite it. */
static int mark_check_socket(void *ctx, int fd)
{
	struct sl_daemon *d = ctx;
	int ret = sl_maps_mark_exempt(&d->dp.maps, fd);

	if (ret)
		pr_warn("health: marking check socket: %s", strerror(-ret));
	return ret;
}

static int open_health(struct sl_daemon *d, struct sl_err *err)
{
	struct sl_monitor_opts o = {
		.health = &d->dp.maps.health, .health_events_fd = d->dp.maps.health_events,
		.nbackends = d->cfg.limits.backends, .adopted = &d->current,
		.on_socket = mark_check_socket, .socket_ctx = d,
	};
	int ret;

	ret = sl_monitor_open(&d->monitor, &o, err);
	if (!ret)
		ret = sl_sockterm_open(&d->sockterm, d->cfg.sockterm, d->dp.maps.sock_routes, err);
	return ret;
}

/* The names module; its answerers open at its first heartbeat after a reconcile wants them. */
static int open_names(struct sl_daemon *d, struct sl_err *err)
{
	struct sl_names_opts o = { .bpffs = d->dp.dir, .maps = &d->dp.maps };

	return sl_names_open(&d->names, &o, err);
}

/* What the config accepts but an operator should know: VIPs that an unrewritten connect takes
 * somewhere else than a dead end; a request timeout, which works at L7, not sluice's L4. */
static void warn_config(const struct sl_config *cfg)
{
	char r[SL_ADDR_STRLEN + 8];

	for (size_t i = 0; i < cfg->nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &cfg->namespaces[i];

		for (size_t k = 0; k < ns->nservices; k++)
			if (ns->services[k].has_per_request_timeout)
				pr_warn("%s: namespace %s: service %s: timeout.perRequestTimeoutSeconds "
					"is not applied: sluice routes connections (L4) and sees no "
					"requests; idleTimeoutSeconds and connectTimeoutMs are",
					cfg->origin, ns->namespace, ns->services[k].name);

		if (ns->has_vip_cidr6)
			pr_warn("%s: namespace %s: vipCidr6 %s: an IPv6 VIP that sluice does not "
				"rewrite is routed like any address (IPv6 has no loopback range to "
				"dead-end it): keep the range unrouted on this host", cfg->origin,
				ns->namespace, sl_cidr_format(&ns->vip_cidr6, r, sizeof(r)));
		if (ns->allow_routable_vips)
			pr_warn("%s: namespace %s: vipCidr %s with allowRoutableVips: a VIP that "
				"sluice does not rewrite goes to the network", cfg->origin,
				ns->namespace, sl_cidr_format(&ns->vip_cidr4, r, sizeof(r)));
	}
}

/* Task entries of attached cgroups whose attachment went (its cgroup is gone, or sluicectl
 * detached it): forgotten, and the classifier's levels with them. */
static void gc_attached_tasks(struct sl_daemon *d)
{
	struct sl_task_info *v;
	struct sluice_attachment att;
	struct sl_err err;
	size_t n, i, dropped = 0;

	if (sl_tasks_list(&d->dp.maps, &v, &n))
		return;
	for (i = 0; i < n; i++)
		if ((v[i].task.flags & SLUICE_TASK_ATTACHED) &&
		    bpf_map_lookup_elem(d->dp.maps.attachments, &v[i].cgroup_id, &att))
			dropped += sl_tasks_drop(&d->dp.maps, v[i].cgroup_id,
						 SLUICE_TASK_ATTACHED) > 0;
	free(v);
	if (dropped && sl_tasks_levels_sync(&d->dp.maps, &err))
		pr_err("%s", err.msg);
}

/* sluiced's own sockets (registry, DNS, health checks) are never a task's, whatever is
 * attached above its cgroup. */
static void exempt_self(struct sl_daemon *d)
{
	struct sl_err err;
	uint64_t self;

	if (sl_cgroup_self(&self, &err) || sl_tasks_set_self(&d->dp.maps, self, &err))
		pr_warn("%s: sluiced's own connects are exempt only by socket (health checks)",
			err.msg);
}

/* The config's attach rules to work, in place of the last ones: a scan puts every task, then
 * what no rule has now is swept. A failure (inotify, the cgroup2 mount) is said, degraded. */
static void start_rules(struct sl_daemon *d)
{
	struct sl_err err;

	sl_rules_close(d->rules);
	d->rules = NULL;
	d->rules_generation++;
	d->rules_failed = false;
	if (sl_rules_open(&d->rules, &d->cfg, &d->dp, &err)) {
		pr_err("%s: attach rules: %s", d->cfg.origin, err.msg);
		d->rules_failed = true;
		return; /* the tasks found before stay: no sweep */
	}
	sl_rules_start(d->rules, &d->dp);
}

/* The config's "registration" to work: the registrar kept when configured the same (its
 * lease with it), else a new one (the old lease left to expire). */
static void sync_registrar(struct sl_daemon *d)
{
	struct sl_err err;

	if (d->registrar && sl_registrar_same(d->registrar, &d->cfg))
		return;
	sl_registrar_close(d->registrar);
	d->registrar = sl_registrar_open(&d->cfg, &err);
	d->registrar_generation++;
	if (!d->registrar && err.msg[0])
		pr_err("%s: %s", d->cfg.origin, err.msg);
}

void sl_daemon_rules_ready(struct sl_daemon *d)
{
	sl_rules_dispatch(d->rules);
	sl_names_kick(d->names); /* a task's first queries: its answerer soon */
}

int sl_daemon_start(struct sl_daemon *d, const char *config_path, struct sl_err *err)
{
	struct sl_err serr;
	size_t i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->ready_due = true;
	d->started = time(NULL);
	d->config_path = strdup(config_path);
	if (!d->config_path)
		return -ENOMEM;
	ret = sl_config_load(config_path, &d->cfg, err);
	if (ret)
		return ret;
	warn_config(&d->cfg);
	if (sl_state_load(d->cfg.state_file, &d->state, &serr))
		pr_err("%s; starting with no VIP assignments", serr.msg);
	/* Before anything is loaded: a cgroup of the config routed by another data plane. */
	for (i = 0; i < d->cfg.ncgroups; i++) {
		ret = sl_attach_check(d->cfg.bpffs, d->cfg.cgroups[i].path, err);
		if (ret)
			return ret;
	}
	ret = sl_dataplane_open(&d->dp, d->cfg.bpffs, &d->cfg.limits, err);
	if (ret)
		return ret;
	ret = sl_maps_read_model(&d->dp.maps, &d->current, err);
	if (ret)
		return ret;
	exempt_self(d);
	gc_attached_tasks(d);
	if (d->dp.adopted)
		pr_info("adopted the data plane pinned under %s: %zu services, %zu frontends",
			d->cfg.bpffs, d->current.nservices, d->current.nfrontends);
	ret = open_health(d, err);
	if (ret)
		return ret;
	ret = open_names(d, err);
	if (ret)
		return ret;
	/* Bounded by what the maps can take, with room for instances of other services. */
	ret = sl_ns_sources_open(&d->sources, &d->cfg, 2 * (size_t)d->cfg.limits.backends, err);
	if (ret)
		return ret;
	if (d->dp.adopted && registry_incomplete(d)) {
		pr_warn("the registry cannot be read whole, and its last good content is only in "
			"the adopted maps: changing nothing until it can");
		d->hold = true;
	}
	ret = sl_daemon_reconcile(d);
	if (ret && ret != -EINVAL && ret != -ENOSPC && ret != -EAGAIN)
		pr_warn("first reconcile incomplete; retrying");
	sync_cgroups(d);
	start_rules(d);
	sync_registrar(d);
	sl_daemon_sync_metrics(d);
	if (sl_monitor_tick(d->monitor, &d->current)) /* ejections the adopted maps hold */
		sl_daemon_reconcile(d);
	return 0;
}

void sl_daemon_registry_ready(struct sl_daemon *d, int fd)
{
	/* Held, a file that goes or parses again lifts the hold without changing the list. */
	if (sl_ns_sources_dispatch(&d->sources, fd) || d->hold)
		sl_daemon_reconcile(d);
}


int sl_daemon_reload(struct sl_daemon *d)
{
	struct sl_config cfg;
	struct sl_err err;

	d->ready_due = true; /* systemd waits for READY=1 after RELOADING=1, failed or not */
	if (sl_config_load(d->config_path, &cfg, &err)) {
		pr_err("%s; keeping the last good config", err.msg);
		snprintf(d->reload_error, sizeof(d->reload_error), "%s", err.msg);
		return -EINVAL;
	}
	d->reload_error[0] = '\0';
	warn_config(&cfg);
	if (strcmp(cfg.bpffs, d->cfg.bpffs) ||
	    memcmp(&cfg.limits, &d->cfg.limits, sizeof(cfg.limits))) {
		pr_warn("%s: bpffs and limits take effect at the next start; keeping %s and the "
			"current limits", d->config_path, d->cfg.bpffs);
		free(cfg.bpffs);
		cfg.bpffs = strdup(d->cfg.bpffs);
		cfg.limits = d->cfg.limits;
		if (!cfg.bpffs) {
			sl_config_free(&cfg);
			return -ENOMEM;
		}
	}
	sl_config_free(&d->cfg);
	d->cfg = cfg;
	sl_ns_sources_reload(&d->sources, &d->cfg);
	pr_info("config %s reloaded", d->config_path);
	sl_daemon_reconcile(d);
	sync_cgroups(d);
	start_rules(d);
	sync_registrar(d);
	sl_daemon_sync_metrics(d);
	return 0;
}

bool sl_daemon_tick(struct sl_daemon *d)
{
	if (!sl_dataplane_intact(&d->dp)) {
		pr_err("the data plane pinned under %s is gone or was replaced (sluicectl "
		       "teardown?): exiting, so that the next start builds it again", d->dp.dir);
		return true;
	}
	if (cgroups_failing(d))
		sync_cgroups(d);
	unsigned int removed;

	sl_attach_gc(d->dp.dir, d->dp.maps.attachments, &removed);
	if (removed)
		gc_attached_tasks(d);
	sl_rules_tick(d->rules);
	/* A registry path that cannot be read may appear where nothing is watched yet. */
	if (sl_ns_sources_tick(&d->sources) || d->hold)
		d->dirty = true;
	if (sl_monitor_tick(d->monitor, &d->current))
		d->dirty = true;
	if (d->dirty)
		sl_daemon_reconcile(d);
	return false;
}

void sl_daemon_stop(struct sl_daemon *d)
{
	size_t i;

	sl_names_free(d->names); /* first: the tasks' DNS goes to their own servers */
	sl_rules_close(d->rules);
	sl_registrar_close(d->registrar);
	sl_monitor_free(d->monitor);
	sl_sockterm_free(d->sockterm);
	sl_ns_sources_close(&d->sources);
	for (i = 0; i < d->ncgroup_errors; i++)
		free(d->cgroup_errors[i]);
	free(d->cgroup_errors);
	unmatched_free(d);
	free(d->status_last);
	sl_metrics_free(d->metrics);
	free(d->metrics_listen);
	sl_dataplane_close(&d->dp);
	sl_model_free(&d->current);
	sl_state_free(&d->state);
	sl_config_free(&d->cfg);
	free(d->config_path);
	memset(d, 0, sizeof(*d));
}
