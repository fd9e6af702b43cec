// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* monitor.c: active checks and the data plane's ejections (ejection time, cap, re-admission)
 * turned into verdicts by backend id, and the flags the kernel gets back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include "health/history.h"
#include "health/monitor.h"
#include "health/outlier.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/vec.h"

struct sl_monitor {
	const struct sl_health_map *health;
	struct sl_checker *checker;
	struct sl_health_events *events;
	int eject_timer;                    /* fires when the next ejection is up */
	uint32_t n;                         /* ids below this */
	struct sl_outlier_state *outliers;  /* by backend id */
	uint8_t *verdict;                   /* by backend id: what sl_monitor_verdicts gives */
	uint8_t *start_state;               /* by backend id: the adopted maps' states, until
					     * the first apply; NULL after */
	const struct sl_model *current;     /* while dispatching: what the maps hold */
	bool changed;                       /* a verdict changed while dispatching */
	struct sl_history history;          /* backends that left with an ejection record */
	uint64_t ejections;                 /* ejections applied, since the start */
	struct sl_held_entry *held;         /* those of them ejected now (sl_monitor_held) */
	size_t nheld, capheld;
};

static struct sl_outlier_state *outlier_of(const struct sl_monitor *m, uint32_t id)
{
	return id < m->n ? &m->outliers[id] : NULL;
}

static uint8_t verdict_of(const struct sl_monitor *m, uint32_t id)
{
	if (m->outliers[id].ejected)
		return SLUICE_BACKEND_EJECTED;
	switch (sl_checker_status(m->checker, id)) {
	case 0:
		return SLUICE_BACKEND_CHECK_FAILED;
	case -ENOENT: /* not checked yet: what the adopted maps said */
		if (m->start_state && m->start_state[id] == SLUICE_BACKEND_CHECK_FAILED)
			return SLUICE_BACKEND_CHECK_FAILED;
		break;
	}
	return SLUICE_BACKEND_SERVING;
}

/* Bring the verdicts of cur's backends up to date; true when one changed. */
static bool refresh(struct sl_monitor *m, const struct sl_model *cur)
{
	bool changed = false;
	size_t i, j;

	for (i = 0; i < cur->nservices; i++) {
		for (j = 0; j < cur->services[i].nbackends; j++) {
			uint32_t id = cur->services[i].backends[j].id;
			uint8_t v;

			if (id >= m->n)
				continue;
			v = verdict_of(m, id);
			changed |= v != m->verdict[id];
			m->verdict[id] = v;
		}
	}
	return changed;
}

struct sl_verdicts sl_monitor_verdicts(const struct sl_monitor *m)
{
	return (struct sl_verdicts){ .v = m->verdict, .n = m->n };
}

/* The backend with this id and its service, in cur. */
static const struct sl_backend_model *find_backend(const struct sl_model *cur, uint32_t sid,
						   uint32_t id, const struct sl_service_model **svc)
{
	const struct sl_service_model *s = sl_model_find_service(cur, sid);
	size_t i;

	*svc = s;
	for (i = 0; s && i < s->nbackends; i++)
		if (s->backends[i].id == id)
			return &s->backends[i];
	return NULL;
}

/* Non-draining backends of s, and how many of them are held ejected. */
static void count_ejected(const struct sl_monitor *m, const struct sl_service_model *s,
			  uint32_t *n, uint32_t *nejected)
{
	size_t i;

	*n = *nejected = 0;
	for (i = 0; i < s->nbackends; i++) {
		const struct sl_outlier_state *o = outlier_of(m, s->backends[i].id);

		if (s->backends[i].state == SLUICE_BACKEND_DRAINING)
			continue;
		(*n)++;
		*nejected += o && o->ejected;
	}
}

/* Tell the kernel which backends serve (session affinity checks it) and, for services at
 * their ejection cap, which it may not eject. */
static void sync_flags(const struct sl_monitor *m, const struct sl_model *cur)
{
	size_t i, j;

	for (i = 0; i < cur->nservices; i++) {
		const struct sl_service_model *s = &cur->services[i];
		uint32_t n, nej;
		bool capped;

		count_ejected(m, s, &n, &nej);
		capped = nej >= sl_outlier_cap(n, s->outlier.max_ejection_percent);
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];
			const struct sl_outlier_state *o = outlier_of(m, b->id);
			uint32_t flags = 0;

			if (sl_backend_in_table(s, b))
				flags |= SLUICE_HEALTH_SERVING;
			if (capped && !(o && o->ejected))
				flags |= SLUICE_HEALTH_NO_EJECT;
			sl_health_map_set_flags(m->health, b->id, flags);
		}
	}
}

static void arm_eject_timer(struct sl_monitor *m)
{
	struct itimerspec its = {};
	uint64_t next = UINT64_MAX, now = sl_now_ms();
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (m->outliers[i].ejected && m->outliers[i].until_ms < next)
			next = m->outliers[i].until_ms;
	if (next != UINT64_MAX) {
		uint64_t in = next > now ? next - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000 + 1;
	}
	timerfd_settime(m->eject_timer, 0, &its, NULL);
}

/* The data plane ejected a backend: hold it out for its ejection time, unless that would
 * take more of its service out than maxEjectionPercent allows. */
static void on_ejected(struct sl_monitor *m, uint32_t sid, uint32_t id, uint32_t failures)
{
	const struct sl_service_model *s;
	const struct sl_backend_model *b = find_backend(m->current, sid, id, &s);
	struct sl_outlier_state *o = outlier_of(m, id);
	char name[SL_ENDPOINT_STRLEN];
	uint32_t n, nej;
	uint64_t ms;

	if (!b || !o) {
		sl_health_map_readmit(m->health, id); /* a backend sluiced no longer has */
		return;
	}
	if (o->ejected)
		return;
	sl_endpoint_format(&b->addr, b->port, name, sizeof(name));
	count_ejected(m, s, &n, &nej);
	if (nej >= sl_outlier_cap(n, s->outlier.max_ejection_percent)) {
		pr_info("service %s: backend %s failed %u connects in a row, but %u of %u are "
			"already ejected (maxEjectionPercent %u): keeping it", s->name, name,
			failures, nej, n, s->outlier.max_ejection_percent);
		sl_health_map_readmit(m->health, id);
		sync_flags(m, m->current);
		return;
	}
	ms = sl_outlier_eject(o, &s->outlier, sl_now_ms());
	m->ejections++;
	pr_info("service %s: backend %s ejected after %u failed connects in a row, for %llu.%03llu s",
		s->name, name, failures, (unsigned long long)ms / 1000,
		(unsigned long long)ms % 1000);
	arm_eject_timer(m);
	m->changed = true;
}

static void on_event(void *ctx, const struct sluice_health_event *ev)
{
	struct sl_monitor *m = ctx;

	if (ev->kind == SLUICE_EVENT_EJECTED)
		on_ejected(m, ev->service_id, ev->backend_id, ev->failures);
}

/* Re-admit the backends whose ejection time is up and whose check (if any) passes. */
static void readmit_due(struct sl_monitor *m)
{
	const struct sl_model *cur = m->current;
	uint64_t now = sl_now_ms();
	size_t i, j;

	for (i = 0; i < cur->nservices; i++) {
		const struct sl_service_model *s = &cur->services[i];

		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];
			struct sl_outlier_state *o = outlier_of(m, b->id);
			char name[SL_ENDPOINT_STRLEN];

			if (!o || !sl_outlier_due(o, now))
				continue;
			if (sl_checker_status(m->checker, b->id) == 0)
				continue; /* re-admitted when its check passes again */
			sl_outlier_readmit(o, now);
			sl_health_map_readmit(m->health, b->id);
			sl_endpoint_format(&b->addr, b->port, name, sizeof(name));
			pr_info("service %s: backend %s re-admitted after its ejection", s->name, name);
			m->changed = true;
		}
	}
	arm_eject_timer(m);
}

/* Ejections the ring did not carry: the ring was full, or they happened before this sluiced
 * started (adopted maps). */
static void scan_ejections(struct sl_monitor *m)
{
	const struct sl_model *cur = m->current;
	size_t i, j;

	for (i = 0; i < cur->nservices; i++) {
		const struct sl_service_model *s = &cur->services[i];

		for (j = 0; j < s->nbackends; j++) {
			uint32_t id = s->backends[j].id;
			const struct sl_outlier_state *o = outlier_of(m, id);

			if (o && !o->ejected && sl_health_map_ejected(m->health, id))
				on_ejected(m, s->id, id, sl_health_map_read(m->health, id).failures);
		}
	}
}

/* End of a dispatch: whether a verdict changed, by the sources' say or by a recount. */
static bool settle(struct sl_monitor *m, bool checks_changed)
{
	bool changed = m->changed;

	if (changed || checks_changed)
		changed |= refresh(m, m->current);
	m->changed = false;
	m->current = NULL;
	return changed;
}

bool sl_monitor_dispatch(struct sl_monitor *m, int fd, const struct sl_model *current)
{
	bool checks_changed = false;
	uint64_t ticks;

	m->current = current;
	if (fd == sl_checker_fd(m->checker))
		checks_changed = sl_checker_dispatch(m->checker) > 0;
	else if (fd == sl_health_events_fd(m->events))
		sl_health_events_consume(m->events);
	else if (fd == m->eject_timer && read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		readmit_due(m);
	return settle(m, checks_changed);
}

bool sl_monitor_tick(struct sl_monitor *m, const struct sl_model *current)
{
	m->current = current;
	sl_health_events_consume(m->events);
	scan_ejections(m);
	readmit_due(m);
	return settle(m, false);
}

void sl_monitor_fds(const struct sl_monitor *m, int fds[SL_MONITOR_NFDS])
{
	fds[0] = sl_checker_fd(m->checker);
	fds[1] = sl_health_events_fd(m->events);
	fds[2] = m->eject_timer;
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

/* The config of model service s: in the config's namespace of its namespace's name, the
 * service of its name (each namespace's services sorted by name in by_name[k]). */
static const struct sl_service_cfg *config_of(const struct sl_config *cfg, const struct sl_model *now,
					      const struct sl_service_cfg ***by_name,
					      const struct sl_service_model *s)
{
	const struct sl_namespace_model *nm = sl_model_find_namespace(now, s->ns_id);
	const struct sl_ns_cfg *ns = nm ? sl_config_namespace(cfg, nm->value.name) : NULL;

	if (!ns)
		return NULL;
	return service_cfg(by_name[ns - cfg->namespaces], ns->nservices, s->name);
}

/* Every backend of a service with a healthCheck, draining ones excepted. */
static int set_check_targets(struct sl_monitor *m, const struct sl_model *now,
			     const struct sl_config *cfg)
{
	const struct sl_service_cfg ***by_name;
	struct sl_check_target *t = NULL;
	size_t n = 0, cap = 0, i, j, k;
	int ret = -ENOMEM;

	by_name = calloc(cfg->nnamespaces, sizeof(*by_name));
	if (!by_name)
		return -ENOMEM;
	for (k = 0; k < cfg->nnamespaces; k++) {
		const struct sl_ns_cfg *ns = &cfg->namespaces[k];

		by_name[k] = calloc(ns->nservices + 1, sizeof(**by_name));
		if (!by_name[k])
			goto out;
		for (i = 0; i < ns->nservices; i++)
			by_name[k][i] = &ns->services[i];
		if (ns->nservices)
			qsort(by_name[k], ns->nservices, sizeof(**by_name), cmp_cfg_name);
	}
	for (i = 0; i < now->nservices; i++) {
		const struct sl_service_model *s = &now->services[i];
		const struct sl_service_cfg *sc = config_of(cfg, now, by_name, s);

		if (!sc || !sc->health.enabled)
			continue;
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];

			if (b->state == SLUICE_BACKEND_DRAINING)
				continue;
			if (sl_vec_room(t, n, cap))
				goto out;
			t[n++] = (struct sl_check_target){
				.backend_id = b->id, .addr = b->addr,
				.port = sc->health.port ? sc->health.port : b->port,
				.cfg = &sc->health, .service = s->name,
				.start_unhealthy = b->state == SLUICE_BACKEND_CHECK_FAILED,
			};
		}
	}
	ret = sl_checker_set(m->checker, t, n);
out:
	free(t);
	for (k = 0; k < cfg->nnamespaces; k++)
		free(by_name[k]);
	free(by_name);
	return ret;
}

/* The held list from the history: what is ejected now, in the history's order. */
static void rebuild_held(struct sl_monitor *m, uint64_t now)
{
	size_t i;

	m->nheld = 0;
	for (i = 0; i < m->history.n; i++) {
		const struct sl_history_entry *e = &m->history.v[i];

		if (!e->state.ejected || e->state.until_ms <= now)
			continue;
		if (sl_vec_room(m->held, m->nheld, m->capheld))
			return; /* a shorter list: those re-added start anew */
		m->held[m->nheld++] = (struct sl_held_entry){ e->service, e->addr, e->port };
	}
}

void sl_monitor_totals(const struct sl_monitor *m, uint64_t *check_passes,
		       uint64_t *check_failures, uint64_t *ejections)
{
	sl_checker_totals(m->checker, check_passes, check_failures);
	*ejections = m->ejections;
}

struct sl_held sl_monitor_held(struct sl_monitor *m)
{
	rebuild_held(m, sl_now_ms());
	return (struct sl_held){ .v = m->held, .n = m->nheld };
}

/* Ids that left the model: their ejection record goes to the history (by service, address
 * and port), the id forgets it and stops serving. */
static void note_departures(struct sl_monitor *m, const struct sl_model *old,
			    const struct sl_model *now, uint64_t t)
{
	size_t i, j;

	for (i = 0; i < old->nservices; i++) {
		const struct sl_service_model *os = &old->services[i];
		const struct sl_service_model *ns = sl_model_find_service(now, os->id);

		for (j = 0; j < os->nbackends; j++) {
			const struct sl_backend_model *b = &os->backends[j];
			struct sl_outlier_state *o = outlier_of(m, b->id);

			if (sl_service_same_backend(ns, b))
				continue;
			if (o) {
				if (sl_history_put(&m->history, os->name, &b->addr, b->port, o, t))
					pr_warn("health: out of memory: the ejection record of a "
						"departed backend is lost");
				memset(o, 0, sizeof(*o));
				m->verdict[b->id] = SLUICE_BACKEND_SERVING;
			}
			/* no longer serving: affinity moves off it */
			sl_health_map_set_flags(m->health, b->id, 0);
		}
	}
}

/* Ids new in the model: a backend that left with an ejection record takes it back (still
 * ejected until its time, and a later ejection doubles as if it had never left). */
static void note_arrivals(struct sl_monitor *m, const struct sl_model *old,
			  const struct sl_model *now, uint64_t t)
{
	size_t i, j;

	if (!m->history.n)
		return;
	for (i = 0; i < now->nservices; i++) {
		const struct sl_service_model *ns = &now->services[i];
		const struct sl_service_model *os = sl_model_find_service(old, ns->id);

		for (j = 0; j < ns->nbackends; j++) {
			const struct sl_backend_model *b = &ns->backends[j];
			struct sl_outlier_state *o = outlier_of(m, b->id);
			char name[SL_ENDPOINT_STRLEN];

			if (!o || sl_service_same_backend(os, b) ||
			    !sl_history_take(&m->history, ns->name, &b->addr, b->port, o, t))
				continue;
			sl_endpoint_format(&b->addr, b->port, name, sizeof(name));
			if (o->ejected)
				pr_info("service %s: backend %s is back, still ejected for %llu ms",
					ns->name, name, (unsigned long long)(o->until_ms - t));
		}
	}
	arm_eject_timer(m);
}

bool sl_monitor_applied(struct sl_monitor *m, const struct sl_model *old, const struct sl_model *now,
			const struct sl_config *cfg)
{
	uint64_t t = sl_now_ms();

	note_departures(m, old, now, t);
	note_arrivals(m, old, now, t);
	sl_history_expire(&m->history, t);
	if (set_check_targets(m, now, cfg))
		pr_warn("health: out of memory; keeping the previous targets");
	sync_flags(m, now);
	/* The checker knows every checked backend now; one that was failing a check that is no
	 * longer configured serves again at the next reconcile. */
	free(m->start_state);
	m->start_state = NULL;
	return refresh(m, now);
}

int sl_monitor_open(struct sl_monitor **out, const struct sl_monitor_opts *o, struct sl_err *err)
{
	struct sl_monitor *m = calloc(1, sizeof(*m));
	size_t i, j;

	*out = NULL;
	if (!m)
		return sl_err_set(err, "health: out of memory"), -ENOMEM;
	m->health = o->health;
	m->n = o->nbackends;
	m->history.max = o->nbackends;
	m->eject_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->eject_timer < 0) {
		sl_err_set(err, "timerfd: %s", strerror(errno));
		goto fail;
	}
	m->outliers = calloc(m->n ? m->n : 1, sizeof(*m->outliers));
	m->verdict = calloc(m->n ? m->n : 1, 1);
	m->start_state = calloc(m->n ? m->n : 1, 1);
	if (!m->outliers || !m->verdict || !m->start_state) {
		sl_err_set(err, "health: out of memory");
		goto fail;
	}
	/* Checks failing before a restart are still failing after it, until checked again. */
	for (i = 0; o->adopted && i < o->adopted->nservices; i++) {
		const struct sl_service_model *s = &o->adopted->services[i];

		for (j = 0; j < s->nbackends; j++)
			if (s->backends[j].id < m->n)
				m->start_state[s->backends[j].id] = s->backends[j].state;
	}
	m->events = sl_health_events_open(o->health_events_fd, on_event, m, err);
	if (!m->events)
		goto fail;
	m->checker = sl_checker_new(o->on_socket, o->socket_ctx, err);
	if (!m->checker)
		goto fail;
	if (o->adopted)
		refresh(m, o->adopted);
	*out = m;
	return 0;
fail:
	sl_monitor_free(m);
	return -EINVAL;
}

void sl_monitor_free(struct sl_monitor *m)
{
	if (!m)
		return;
	sl_checker_free(m->checker);
	sl_health_events_free(m->events);
	sl_history_free(&m->history);
	free(m->held);
	if (m->eject_timer >= 0)
		close(m->eject_timer);
	free(m->outliers);
	free(m->verdict);
	free(m->start_state);
	free(m);
}
