// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* daemon_health.c: sluiced's side of health: active checks, ejections the data plane reports
 * (ejection time, cap, re-admission), backend flags for the kernel, socket termination. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/clock.h"
#include "kernel/attach.h"
#include "sluiced/daemon.h"
#include "lib/log.h"
#include "lib/vec.h"

static struct sl_outlier_state *outlier_of(const struct sl_daemon *d, uint32_t id)
{
	return id < d->noutliers ? &d->outliers[id] : NULL;
}

static struct sluice_backend_health *kernel_health(const struct sl_daemon *d, uint32_t id)
{
	const struct sl_maps *m = &d->dp.maps;

	return m->health && id < m->nhealth ? &m->health[id] : NULL;
}

uint8_t sl_daemon_backend_health(const void *ctx, uint32_t id)
{
	const struct sl_daemon *d = ctx;
	const struct sl_outlier_state *o = outlier_of(d, id);

	if (o && o->ejected)
		return SLUICE_BACKEND_EJECTED;
	switch (d->checker ? sl_checker_status(d->checker, id) : -ENOENT) {
	case 0:
		return SLUICE_BACKEND_CHECK_FAILED;
	case -ENOENT: /* not checked yet: what the adopted maps said */
		if (d->start_state && id < d->noutliers &&
		    d->start_state[id] == SLUICE_BACKEND_CHECK_FAILED)
			return SLUICE_BACKEND_CHECK_FAILED;
		break;
	}
	return SLUICE_BACKEND_SERVING;
}

/* The backend with this id and its service, in the current model. */
static const struct sl_backend_model *find_backend(const struct sl_daemon *d, uint32_t sid,
						   uint32_t id, const struct sl_service_model **svc)
{
	const struct sl_service_model *s = sl_model_find_service(&d->current, sid);
	size_t i;

	*svc = s;
	for (i = 0; s && i < s->nbackends; i++)
		if (s->backends[i].id == id)
			return &s->backends[i];
	return NULL;
}

/* The backend of s at b's address and port, if it has b's id. */
static const struct sl_backend_model *same_backend(const struct sl_service_model *s,
						   const struct sl_backend_model *b)
{
	const struct sl_backend_model *nb = sl_service_find_backend(s, &b->addr, b->port);

	return nb && nb->id == b->id ? nb : NULL;
}

/* Non-draining backends of s, and how many of them sluiced holds ejected. */
static void count_ejected(const struct sl_daemon *d, const struct sl_service_model *s,
			  uint32_t *n, uint32_t *nejected)
{
	size_t i;

	*n = *nejected = 0;
	for (i = 0; i < s->nbackends; i++) {
		const struct sl_outlier_state *o = outlier_of(d, s->backends[i].id);

		if (s->backends[i].state == SLUICE_BACKEND_DRAINING)
			continue;
		(*n)++;
		*nejected += o && o->ejected;
	}
}

/* Tell the kernel which backends serve (session affinity checks it) and, for services at
 * their ejection cap, which it may not eject. */
static void sync_flags(const struct sl_daemon *d, const struct sl_model *m)
{
	size_t i, j;

	for (i = 0; i < m->nservices; i++) {
		const struct sl_service_model *s = &m->services[i];
		uint32_t n, nej;
		bool capped;

		count_ejected(d, s, &n, &nej);
		capped = nej >= sl_outlier_cap(n, s->outlier.max_ejection_percent);
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];
			struct sluice_backend_health *h = kernel_health(d, b->id);
			const struct sl_outlier_state *o = outlier_of(d, b->id);
			uint32_t flags = 0;

			if (!h)
				continue;
			if (sl_backend_in_table(s, b))
				flags |= SLUICE_HEALTH_SERVING;
			if (capped && !(o && o->ejected))
				flags |= SLUICE_HEALTH_NO_EJECT;
			if (__atomic_load_n(&h->flags, __ATOMIC_RELAXED) != flags)
				__atomic_store_n(&h->flags, flags, __ATOMIC_RELEASE);
		}
	}
}

/* Let the data plane pick a backend again: clear its ejection and failure count. */
static void kernel_readmit(const struct sl_daemon *d, uint32_t id)
{
	struct sluice_backend_health *h = kernel_health(d, id);

	if (!h)
		return;
	__atomic_store_n(&h->failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->ejected, 0, __ATOMIC_RELEASE);
}

static void arm_eject_timer(struct sl_daemon *d)
{
	struct itimerspec its = {};
	uint64_t next = UINT64_MAX, now = sl_now_ms();
	uint32_t i;

	if (d->eject_timer < 0)
		return;
	for (i = 0; i < d->noutliers; i++)
		if (d->outliers[i].ejected && d->outliers[i].until_ms < next)
			next = d->outliers[i].until_ms;
	if (next != UINT64_MAX) {
		uint64_t in = next > now ? next - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000 + 1;
	}
	timerfd_settime(d->eject_timer, 0, &its, NULL);
}

/* The data plane ejected a backend: hold it out for its ejection time, unless that would
 * take more of its service out than maxEjectionPercent allows. 1 if the maps must change. */
static int on_ejected(struct sl_daemon *d, uint32_t sid, uint32_t id, uint32_t failures)
{
	const struct sl_service_model *s;
	const struct sl_backend_model *b = find_backend(d, sid, id, &s);
	struct sl_outlier_state *o = outlier_of(d, id);
	char name[SL_ENDPOINT_STRLEN];
	uint32_t n, nej;
	uint64_t ms;

	if (!b || !o) {
		kernel_readmit(d, id); /* a backend sluiced no longer has */
		return 0;
	}
	if (o->ejected)
		return 0;
	sl_endpoint_format(&b->addr, b->port, name, sizeof(name));
	count_ejected(d, s, &n, &nej);
	if (nej >= sl_outlier_cap(n, s->outlier.max_ejection_percent)) {
		pr_info("service %s: backend %s failed %u connects in a row, but %u of %u are "
			"already ejected (maxEjectionPercent %u): keeping it", s->name, name,
			failures, nej, n, s->outlier.max_ejection_percent);
		kernel_readmit(d, id);
		sync_flags(d, &d->current);
		return 0;
	}
	ms = sl_outlier_eject(o, &s->outlier, sl_now_ms());
	pr_info("service %s: backend %s ejected after %u failed connects in a row, for %llu.%03llu s",
		s->name, name, failures, (unsigned long long)ms / 1000,
		(unsigned long long)ms % 1000);
	arm_eject_timer(d);
	return 1;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct sl_daemon *d = ctx;
	const struct sluice_health_event *ev = data;

	if (len < sizeof(*ev) || ev->kind != SLUICE_EVENT_EJECTED)
		return 0;
	if (on_ejected(d, ev->service_id, ev->backend_id, ev->failures))
		d->health_changed = true;
	return 0;
}

/* Re-admit the backends whose ejection time is up and whose check (if any) passes. */
static void readmit_due(struct sl_daemon *d)
{
	uint64_t now = sl_now_ms();
	size_t i, j;

	for (i = 0; i < d->current.nservices; i++) {
		const struct sl_service_model *s = &d->current.services[i];

		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];
			struct sl_outlier_state *o = outlier_of(d, b->id);
			char name[SL_ENDPOINT_STRLEN];

			if (!o || !sl_outlier_due(o, now))
				continue;
			if (d->checker && sl_checker_status(d->checker, b->id) == 0)
				continue; /* re-admitted when its check passes again */
			sl_outlier_readmit(o, now);
			kernel_readmit(d, b->id);
			sl_endpoint_format(&b->addr, b->port, name, sizeof(name));
			pr_info("service %s: backend %s re-admitted after its ejection", s->name, name);
			d->health_changed = true;
		}
	}
	arm_eject_timer(d);
}

static void on_check(void *ctx, uint32_t id, bool healthy)
{
	struct sl_daemon *d = ctx;

	(void)id;
	(void)healthy;
	d->health_changed = true; /* the checker logs the change */
}

/* Each check socket is marked so that sluice's own programs never rewrite it. */
static int on_check_socket(void *ctx, int fd)
{
	struct sl_daemon *d = ctx;
	struct sluice_sock_route r = { .flags = SLUICE_SOCK_EXEMPT };

	if (bpf_map_update_elem(d->dp.maps.sock_routes, &fd, &r, BPF_ANY)) {
		pr_warn("health: marking check socket: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void health_settled(struct sl_daemon *d)
{
	if (!d->health_changed)
		return;
	d->health_changed = false;
	sl_daemon_reconcile(d);
}

void sl_daemon_health_dispatch(struct sl_daemon *d, int fd)
{
	uint64_t ticks;

	if (d->checker && fd == sl_checker_fd(d->checker))
		sl_checker_dispatch(d->checker);
	else if (d->events && fd == ring_buffer__epoll_fd(d->events))
		ring_buffer__consume(d->events);
	else if (fd == d->eject_timer && read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		readmit_due(d);
	health_settled(d);
}

void sl_daemon_health_fds(const struct sl_daemon *d, int fds[3])
{
	fds[0] = d->checker ? sl_checker_fd(d->checker) : -1;
	fds[1] = d->events ? ring_buffer__epoll_fd(d->events) : -1;
	fds[2] = d->eject_timer;
}

/* Ejections the ring did not carry: the ring was full, or they happened before this sluiced
 * started (adopted maps). */
static void scan_ejections(struct sl_daemon *d)
{
	size_t i, j;

	for (i = 0; i < d->current.nservices; i++) {
		const struct sl_service_model *s = &d->current.services[i];

		for (j = 0; j < s->nbackends; j++) {
			const struct sluice_backend_health *h = kernel_health(d, s->backends[j].id);
			const struct sl_outlier_state *o = outlier_of(d, s->backends[j].id);

			if (h && o && !o->ejected && __atomic_load_n(&h->ejected, __ATOMIC_ACQUIRE) &&
			    on_ejected(d, s->id, s->backends[j].id, h->failures))
				d->health_changed = true;
		}
	}
}

void sl_daemon_health_tick(struct sl_daemon *d)
{
	if (d->events)
		ring_buffer__consume(d->events);
	scan_ejections(d);
	readmit_due(d);
	health_settled(d);
}

/* Backends that were in a slot table in old and are in none in now. */
static int departed(const struct sl_model *old, const struct sl_model *now,
		    struct sl_sockterm_target **out, size_t *n)
{
	struct sl_sockterm_target *v = NULL;
	size_t i, j, cap = 0;

	*n = 0;
	for (i = 0; i < old->nservices; i++) {
		const struct sl_service_model *os = &old->services[i];
		const struct sl_service_model *ns = sl_model_find_service(now, os->id);

		for (j = 0; j < os->nbackends; j++) {
			const struct sl_backend_model *b = &os->backends[j];
			const struct sl_backend_model *nb = same_backend(ns, b);

			if (!sl_backend_in_table(os, b) || (nb && sl_backend_in_table(ns, nb)))
				continue;
			if (sl_vec_room(v, *n, cap)) {
				free(v);
				return -ENOMEM;
			}
			v[*n].addr = b->addr;
			v[*n].port = b->port;
			v[*n].tcp = ns ? ns->terminate_tcp : os->terminate_tcp;
			(*n)++;
		}
	}
	*out = v;
	return 0;
}

static void terminate_sockets(struct sl_daemon *d, const struct sl_model *old,
			      const struct sl_model *now)
{
	struct sl_attachment_info *att = NULL;
	struct sl_sockterm_target *t = NULL;
	char **paths = NULL;
	uint64_t *ids = NULL;
	size_t nt = 0, na = 0, i, k = 0;
	unsigned destroyed = 0;
	struct sl_err err;

	if (!d->sockterm || sl_sockterm_method(d->sockterm) == SL_SOCKTERM_METHOD_NONE)
		return;
	if (departed(old, now, &t, &nt) || !nt)
		goto out;
	if (sl_attachments_list(d->dp.dir, d->dp.maps.attachments, &att, &na, &err)) {
		pr_warn("socket termination: %s", err.msg);
		goto out;
	}
	paths = calloc(na + 1, sizeof(*paths));
	ids = calloc(na + 1, sizeof(*ids));
	if (!paths || !ids)
		goto out;
	for (i = 0; i < na; i++) {
		if (!att[i].alive)
			continue;
		paths[k] = att[i].path;
		ids[k++] = att[i].cgroup_id;
	}
	if (sl_sockterm_run(d->sockterm, t, nt, paths, ids, k, &destroyed, &err))
		pr_warn("socket termination: %s", err.msg);
	if (destroyed)
		pr_info("destroyed %u sockets left on %zu backends that stopped serving (%s)",
			destroyed, nt, sl_sockterm_method_name(sl_sockterm_method(d->sockterm)));
out:
	free(t);
	free(att);
	free(paths);
	free(ids);
}

static int cmp_cfg_name(const void *a, const void *b)
{
	const struct sl_service_cfg *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The config of the service named name, among by_name (sorted by name). */
static const struct sl_service_cfg *service_cfg(const struct sl_service_cfg **by_name, size_t n,
						const char *name)
{
	struct sl_service_cfg key = { .name = (char *)name };
	const struct sl_service_cfg *kp = &key, **hit;

	hit = n ? bsearch(&kp, by_name, n, sizeof(*by_name), cmp_cfg_name) : NULL;
	return hit ? *hit : NULL;
}

/* Every backend of a service with a healthCheck, draining ones excepted. */
static void set_check_targets(struct sl_daemon *d, const struct sl_model *now)
{
	const struct sl_service_cfg **by_name;
	struct sl_check_target *t = NULL;
	size_t n = 0, cap = 0, i, j;

	if (!d->checker)
		return;
	by_name = calloc(d->cfg.nservices + 1, sizeof(*by_name));
	if (!by_name) {
		pr_warn("health: out of memory; keeping the previous targets");
		return;
	}
	for (i = 0; i < d->cfg.nservices; i++)
		by_name[i] = &d->cfg.services[i];
	qsort(by_name, d->cfg.nservices, sizeof(*by_name), cmp_cfg_name);
	for (i = 0; i < now->nservices; i++) {
		const struct sl_service_model *s = &now->services[i];
		const struct sl_service_cfg *sc = service_cfg(by_name, d->cfg.nservices, s->name);

		if (!sc || !sc->health.enabled)
			continue;
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];

			if (b->state == SLUICE_BACKEND_DRAINING)
				continue;
			if (sl_vec_room(t, n, cap)) {
				pr_warn("health: out of memory; keeping the previous targets");
				free(t);
				free(by_name);
				return;
			}
			t[n++] = (struct sl_check_target){
				.backend_id = b->id, .addr = b->addr,
				.port = sc->health.port ? sc->health.port : b->port,
				.cfg = &sc->health, .service = s->name,
				.start_unhealthy = b->state == SLUICE_BACKEND_CHECK_FAILED,
			};
		}
	}
	if (sl_checker_set(d->checker, t, n))
		pr_warn("health: out of memory; keeping the previous targets");
	free(t);
	free(by_name);
}

void sl_daemon_health_applied(struct sl_daemon *d, const struct sl_model *old,
			      const struct sl_model *now)
{
	size_t i, j;

	/* Ids that left the model forget their ejections and stop serving. */
	for (i = 0; i < old->nservices; i++) {
		const struct sl_service_model *os = &old->services[i];
		const struct sl_service_model *ns = sl_model_find_service(now, os->id);

		for (j = 0; j < os->nbackends; j++) {
			struct sl_outlier_state *o = outlier_of(d, os->backends[j].id);
			struct sluice_backend_health *h = kernel_health(d, os->backends[j].id);

			if (same_backend(ns, &os->backends[j]))
				continue;
			if (o)
				memset(o, 0, sizeof(*o));
			if (h) /* no longer serving: affinity moves off it */
				__atomic_store_n(&h->flags, 0, __ATOMIC_RELEASE);
		}
	}
	terminate_sockets(d, old, now);
	set_check_targets(d, now);
	sync_flags(d, now);
	if (d->start_state) {
		/* The checker knows every checked backend now; one that was failing a check
		 * that is no longer configured serves again at the next reconcile. */
		free(d->start_state);
		d->start_state = NULL;
		for (i = 0; i < now->nservices; i++)
			for (j = 0; j < now->services[i].nbackends; j++)
				if (now->services[i].backends[j].state ==
					    SLUICE_BACKEND_CHECK_FAILED &&
				    sl_checker_status(d->checker, now->services[i].backends[j].id) ==
					    -ENOENT)
					d->health_changed = true;
	}
}

int sl_daemon_health_start(struct sl_daemon *d, struct sl_err *err)
{
	size_t i, j;
	int ret;

	d->eject_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->eject_timer < 0)
		return sl_err_set(err, "timerfd: %s", strerror(errno));
	d->noutliers = d->cfg.limits.backends;
	d->outliers = calloc(d->noutliers, sizeof(*d->outliers));
	if (!d->outliers)
		return sl_err_set(err, "out of memory");
	/* Checks failing before a restart are still failing after it, until checked again. */
	d->start_state = calloc(d->noutliers, 1);
	if (!d->start_state)
		return sl_err_set(err, "out of memory");
	for (i = 0; i < d->current.nservices; i++)
		for (j = 0; j < d->current.services[i].nbackends; j++)
			if (d->current.services[i].backends[j].id < d->noutliers)
				d->start_state[d->current.services[i].backends[j].id] =
					d->current.services[i].backends[j].state;
	d->events = ring_buffer__new(d->dp.maps.health_events, on_event, d, NULL);
	if (!d->events)
		return sl_err_set(err, "ring buffer health_events: %s", strerror(errno));
	d->checker = sl_checker_new(on_check, on_check_socket, d, err);
	if (!d->checker)
		return -EINVAL;
	ret = sl_sockterm_open(&d->sockterm, d->cfg.sockterm, d->dp.maps.sock_routes, err);
	if (ret)
		return ret;
	return 0;
}

void sl_daemon_health_stop(struct sl_daemon *d)
{
	sl_checker_free(d->checker);
	d->checker = NULL;
	ring_buffer__free(d->events);
	d->events = NULL;
	sl_sockterm_free(d->sockterm);
	d->sockterm = NULL;
	if (d->eject_timer > 0)
		close(d->eject_timer);
	d->eject_timer = -1;
	free(d->outliers);
	d->outliers = NULL;
	free(d->start_state);
	d->start_state = NULL;
	d->noutliers = 0;
}
