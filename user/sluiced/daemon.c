// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* daemon.c: sluiced's steps: start and adopt, reconcile config + registry into the maps,
 * VIPs and hosts file, reload on SIGHUP, keep cgroup attachments in step with the config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "files/hosts_file.h"
#include "kernel/attach.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "model/plan.h"
#include "model/vip.h"
#include "sluiced/daemon.h"

static const struct sl_instances no_instances;

static const struct sl_instances *instances(const struct sl_daemon *d)
{
	return d->registry ? sl_registry_file_instances(d->registry) : &no_instances;
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
		pr_warn("%s", err.msg);
	if (destroyed)
		pr_info("destroyed %u sockets left on %zu backends that stopped serving (%s)",
			destroyed, n, sl_sockterm_method_name(sl_sockterm_method(d->sockterm)));
	free(v);
}

static bool vip_tables_eq(const struct sl_vip_table *a, const struct sl_vip_table *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || !sl_addr_eq(&a->v[i].vip, &b->v[i].vip))
			return false;
	return true;
}

/* Assign VIPs for one family; an empty table when the config asks for none. */
static int assign_vips(const struct sl_config *cfg, bool v6, const struct sl_vip_table *prev,
		       struct sl_vip_table *out, struct sl_err *err)
{
	struct sl_vip_request *req;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cfg->enabled)
		return 0;
	ret = sl_vip_requests(cfg, v6, &req, &n);
	if (ret)
		return ret;
	if (n)
		ret = sl_vip_assign(v6 ? &cfg->vip_cidr6 : &cfg->vip_cidr4,
				    v6 ? "vipCidr6" : "vipCidr", req, n, prev, out, err);
	free(req);
	return ret;
}

static int write_hosts(const struct sl_daemon *d, const struct sl_state *st)
{
	char *content = sl_hosts_render(d->cfg.namespace, &st->vip4, &st->vip6);
	bool changed;
	int ret;

	if (!content)
		return -ENOMEM;
	ret = sl_hosts_write(d->cfg.hosts_file, content, &changed);
	free(content);
	if (ret)
		pr_warn("hosts file %s: %s", d->cfg.hosts_file, strerror(-ret));
	else if (changed)
		pr_info("hosts file %s updated", d->cfg.hosts_file);
	return ret;
}

/* After a failed apply the maps hold part of the plan: read back what they hold. */
static void resync(struct sl_daemon *d)
{
	struct sl_model m;
	struct sl_err err;

	if (sl_maps_read_model(&d->dp.maps, &m, &err)) {
		pr_warn("%s", err.msg);
		return;
	}
	sl_model_free(&d->current);
	d->current = m;
}

int sl_daemon_reconcile(struct sl_daemon *d)
{
	struct sl_state next = {};
	struct sl_model want = {};
	struct sl_plan plan = {};
	struct sl_err err = {};
	struct sl_build_input in;
	size_t nservers = 0, i;
	uint64_t t0 = sl_now_ns();
	int ret;

	if (d->hold) {
		if (d->registry && sl_registry_file_bad_files(d->registry))
			return -EAGAIN;
		pr_info("registry parses again: reconciling");
		d->hold = false;
	}
	ret = assign_vips(&d->cfg, false, &d->state.vip4, &next.vip4, &err);
	if (!ret)
		ret = assign_vips(&d->cfg, true, &d->state.vip6, &next.vip6, &err);
	if (ret)
		goto bad_input;
	in = (struct sl_build_input){ .cfg = &d->cfg, .instances = instances(d),
				      .vip4 = &next.vip4, .vip6 = &next.vip6,
				      .current = &d->current,
				      .verdicts = sl_monitor_verdicts(d->monitor) };
	d->service_ids.limit = d->cfg.limits.services;
	d->backend_ids.limit = d->cfg.limits.backends;
	ret = sl_model_build(&in, &d->service_ids, &d->backend_ids, &want, &err);
	if (ret)
		goto bad_input;
	if (!vip_tables_eq(&next.vip4, &d->state.vip4) ||
	    !vip_tables_eq(&next.vip6, &d->state.vip6)) {
		ret = sl_state_save(d->cfg.state_file, &next, &err);
		if (ret)
			pr_warn("%s (VIPs may change at the next start)", err.msg);
	}
	ret = sl_plan_make(&d->current, &want, &plan);
	if (ret)
		goto out;
	if (sl_plan_size(&plan)) {
		ret = sl_maps_apply(&d->dp.maps, &plan, &err);
		if (ret) {
			pr_warn("applying changes: %s; will retry", err.msg);
			d->dirty = true;
			resync(d);
			goto out;
		}
		for (i = 0; i < want.nservices; i++)
			nservers += want.services[i].nbackends;
		pr_info("maps updated: %zu writes; %zu services, %zu backends, %zu frontends; "
			"reconciled in %.1f ms", sl_plan_size(&plan), want.nservices, nservers,
			want.nfrontends, (sl_now_ns() - t0) / 1e6);
	}
	terminate_departed(d, &d->current, &want);
	/* A verdict that changed on the way (a check that failed before a restart is no
	 * longer configured) is taken at the next tick. */
	d->dirty = sl_monitor_applied(d->monitor, &d->current, &want, &d->cfg);
	sl_model_free(&d->current);
	d->current = want;
	memset(&want, 0, sizeof(want));
	sl_state_free(&d->state);
	d->state = next;
	memset(&next, 0, sizeof(next));
	write_hosts(d, &d->state);
	goto out;
bad_input:
	pr_warn("%s; nothing changed, the last good state keeps serving", err.msg);
out:
	sl_plan_free(&plan);
	sl_model_free(&want);
	sl_state_free(&next);
	return ret;
}

static bool listed(const struct sl_config *cfg, const char *path)
{
	char real[4096];
	size_t i;

	for (i = 0; i < cfg->ncgroups; i++) {
		if (!strcmp(cfg->cgroups[i], path))
			return true;
		if (realpath(cfg->cgroups[i], real) && !strcmp(real, path))
			return true;
	}
	return false;
}

/* Attach the config's cgroups; detach those attached for an earlier config only. */
static void sync_cgroups(struct sl_daemon *d)
{
	struct sl_attachment_info *v;
	struct sl_err err;
	size_t n, i;

	for (i = 0; i < d->cfg.ncgroups; i++)
		if (sl_attach(d->dp.dir, d->dp.maps.attachments, d->cfg.cgroups[i],
			      SLUICE_ATTACH_FROM_CONFIG, false, &err))
			pr_warn("cgroups[%zu]: %s", i, err.msg);
	if (sl_attachments_list(d->dp.dir, d->dp.maps.attachments, &v, &n, &err))
		return;
	for (i = 0; i < n; i++) {
		if (!(v[i].flags & SLUICE_ATTACH_FROM_CONFIG) || listed(&d->cfg, v[i].path))
			continue;
		pr_info("cgroup %s is no longer in the config: detaching", v[i].path);
		sl_detach_id(d->dp.dir, d->dp.maps.attachments, v[i].cgroup_id, &err);
	}
	free(v);
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

static int open_registry(struct sl_daemon *d, struct sl_err *err)
{
	bool changed;
	int ret;

	if (!d->cfg.registry_file)
		return 0;
	d->registry = sl_registry_file_open(d->cfg.registry_file, err);
	if (!d->registry)
		return -EINVAL;
	ret = sl_registry_file_refresh(d->registry, &changed);
	if (ret)
		pr_warn("registry %s: %s; serving without it until it can be read",
			d->cfg.registry_file, strerror(-ret));
	return 0;
}

int sl_daemon_start(struct sl_daemon *d, const char *config_path, struct sl_err *err)
{
	struct sl_err serr;
	int ret;

	memset(d, 0, sizeof(*d));
	d->config_path = strdup(config_path);
	if (!d->config_path)
		return -ENOMEM;
	ret = sl_config_load(config_path, &d->cfg, err);
	if (ret)
		return ret;
	if (sl_state_load(d->cfg.state_file, &d->state, &serr))
		pr_warn("%s; starting with no VIP assignments", serr.msg);
	ret = sl_dataplane_open(&d->dp, d->cfg.bpffs, &d->cfg.limits, err);
	if (ret)
		return ret;
	ret = sl_maps_read_model(&d->dp.maps, &d->current, err);
	if (ret)
		return ret;
	if (d->dp.adopted)
		pr_info("adopted the data plane pinned under %s: %zu services, %zu frontends",
			d->cfg.bpffs, d->current.nservices, d->current.nfrontends);
	ret = open_health(d, err);
	if (ret)
		return ret;
	ret = open_registry(d, err);
	if (ret)
		return ret;
	if (d->dp.adopted && d->registry && sl_registry_file_bad_files(d->registry)) {
		pr_warn("registry %s has files that do not parse, and their last good content is "
			"only in the adopted maps: changing nothing until they parse",
			d->cfg.registry_file);
		d->hold = true;
	}
	ret = sl_daemon_reconcile(d);
	if (ret && ret != -EINVAL && ret != -ENOSPC)
		pr_warn("first reconcile incomplete; retrying");
	sync_cgroups(d);
	if (sl_monitor_tick(d->monitor, &d->current)) /* ejections the adopted maps hold */
		sl_daemon_reconcile(d);
	return 0;
}

int sl_daemon_registry_changed(struct sl_daemon *d)
{
	bool changed = false;
	int ret;

	if (!d->registry)
		return 0;
	ret = sl_registry_file_refresh(d->registry, &changed);
	if (ret)
		pr_warn("registry %s: %s; keeping its last good content", d->cfg.registry_file,
			strerror(-ret));
	if (!changed)
		return 0;
	return sl_daemon_reconcile(d);
}

int sl_daemon_reload(struct sl_daemon *d)
{
	struct sl_config cfg;
	struct sl_err err;
	bool reopen;

	if (sl_config_load(d->config_path, &cfg, &err)) {
		pr_warn("%s; keeping the last good config", err.msg);
		return -EINVAL;
	}
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
	reopen = !d->cfg.registry_file != !cfg.registry_file ||
		 (cfg.registry_file && strcmp(cfg.registry_file, d->cfg.registry_file));
	sl_config_free(&d->cfg);
	d->cfg = cfg;
	if (reopen) {
		sl_registry_file_close(d->registry);
		d->registry = NULL;
		if (open_registry(d, &err))
			pr_warn("%s; serving without a registry", err.msg);
	}
	pr_info("config %s reloaded", d->config_path);
	sl_daemon_reconcile(d);
	sync_cgroups(d);
	return 0;
}

void sl_daemon_tick(struct sl_daemon *d)
{
	unsigned int removed;

	sl_attach_gc(d->dp.dir, d->dp.maps.attachments, &removed);
	if (sl_monitor_tick(d->monitor, &d->current))
		d->dirty = true;
	if (d->dirty)
		sl_daemon_reconcile(d);
}

void sl_daemon_stop(struct sl_daemon *d)
{
	sl_monitor_free(d->monitor);
	sl_sockterm_free(d->sockterm);
	sl_registry_file_close(d->registry);
	sl_dataplane_close(&d->dp);
	sl_model_free(&d->current);
	sl_state_free(&d->state);
	sl_config_free(&d->cfg);
	free(d->config_path);
	memset(d, 0, sizeof(*d));
}
