// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* metrics_render.c: what /metrics says, read when a scrape asks: the data plane's counters per
 * backend and service (summed over CPUs), the daemon's own work, the registry, the maps' fill. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/health_map.h"
#include "lib/promtext.h"
#include "lib/version.h"
#include "sluiced/metrics_render.h"

/* A backend's labels (namespace, service, instance, address) in the caller's buffers. */
struct backend_labels {
	struct sl_prom_label l[5];
	char addr[SL_ENDPOINT_STRLEN];
};

/* The name of service s's namespace. */
static const char *ns_of(const struct sl_daemon *d, const struct sl_service_model *s)
{
	const struct sl_namespace_model *ns = sl_model_find_namespace(&d->current, s->ns_id);

	return ns ? ns->value.name : "";
}

static void label_backend(struct backend_labels *bl, const struct sl_daemon *d,
			  const struct sl_service_model *s, const struct sl_backend_model *b)
{
	sl_endpoint_format(&b->addr, b->port, bl->addr, sizeof(bl->addr));
	bl->l[0] = (struct sl_prom_label){ "namespace", ns_of(d, s) };
	bl->l[1] = (struct sl_prom_label){ "service", s->name };
	bl->l[2] = (struct sl_prom_label){ "instance_id", b->instance_id };
	bl->l[3] = (struct sl_prom_label){ "address", bl->addr };
}

/* What is read of one backend, once per scrape. */
struct backend_row {
	const struct sl_service_model *s;
	const struct sl_backend_model *b;
	struct sluice_backend_stats st;  /* summed over CPUs */
	struct sluice_backend_traffic tr; /* summed over CPUs */
	struct sluice_backend_health h;
	uint32_t client_ejections;
};

static const struct {
	const char *name, *type, *help;
	size_t off; /* of the value in struct backend_row, a __u64 (st) or __u32 (h, b) */
	bool u64;
} backend_families[] = {
	{ "sluice_backend_connects_total", "counter",
	  "TCP and connected-UDP connects routed to the backend (Envoy: upstream_cx_total).",
	  offsetof(struct backend_row, st.connects), true },
	{ "sluice_backend_datagrams_total", "counter",
	  "Unconnected UDP datagrams routed to the backend.",
	  offsetof(struct backend_row, st.datagrams), true },
	{ "sluice_backend_active_connections", "gauge",
	  "TCP connections routed to the backend, established and not closed (Envoy: "
	  "upstream_cx_active).", offsetof(struct backend_row, h.active), false },
	{ "sluice_backend_consecutive_failures", "gauge",
	  "Failed connects to the backend in a row, as passive health counts them.",
	  offsetof(struct backend_row, h.failures), false },
	{ "sluice_backend_client_ejections", "gauge",
	  "Clients (network namespaces) holding an ejection of the backend of their own.",
	  offsetof(struct backend_row, client_ejections), false },
	{ "sluice_backend_sent_bytes_total", "counter",
	  "Bytes the backend acknowledged on routed TCP connections, counted when they close "
	  "(Envoy: upstream_cx_tx_bytes_total).", offsetof(struct backend_row, tr.bytes_sent),
	  true },
	{ "sluice_backend_received_bytes_total", "counter",
	  "Bytes received from the backend on routed TCP connections, counted when they close "
	  "(Envoy: upstream_cx_rx_bytes_total).",
	  offsetof(struct backend_row, tr.bytes_received), true },
};

/* Failed connects by reason: the samples of sluice_backend_connect_failures_total. */
static const struct {
	const char *reason;
	size_t off;
} failure_reasons[] = {
	{ "refused", offsetof(struct sluice_backend_traffic, refused) },
	{ "timeout", offsetof(struct sluice_backend_traffic, timed_out) },
	{ "unreachable", offsetof(struct sluice_backend_traffic, unreachable) },
};

/* The kernel's connect time bounds (one list: include/sluice.h), in seconds. */
static const uint32_t connect_bounds_us[SLUICE_CONNECT_BUCKETS - 1] = SLUICE_CONNECT_BOUNDS_US;

static double row_value(const struct backend_row *r, size_t f)
{
	const char *p = (const char *)r + backend_families[f].off;
	uint64_t u64;
	uint32_t u32;

	if (backend_families[f].u64) {
		memcpy(&u64, p, sizeof(u64));
		return (double)u64;
	}
	memcpy(&u32, p, sizeof(u32));
	return u32;
}

/* Every backend of the model, read once. */
static struct backend_row *read_backends(const struct sl_daemon *d, const uint32_t *cej,
					 size_t *n)
{
	const struct sl_model *m = &d->current;
	struct backend_row *v;
	size_t i, j, k = 0;

	*n = 0;
	for (i = 0; i < m->nservices; i++)
		*n += m->services[i].nbackends;
	v = calloc(*n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < m->nservices; i++) {
		for (j = 0; j < m->services[i].nbackends; j++, k++) {
			const struct sl_backend_model *b = &m->services[i].backends[j];

			v[k].s = &m->services[i];
			v[k].b = b;
			sl_maps_backend_stats(&d->dp.maps, b->id, &v[k].st);
			sl_maps_backend_traffic(&d->dp.maps, b->id, &v[k].tr);
			v[k].h = sl_health_map_read(&d->dp.maps.health, b->id);
			v[k].client_ejections = cej && b->id < d->dp.maps.health.n ? cej[b->id] : 0;
		}
	}
	return v;
}

static void backend_metrics(struct sl_prom *p, const struct sl_daemon *d, const uint32_t *cej)
{
	double bounds_s[SLUICE_CONNECT_BUCKETS - 1];
	struct backend_labels bl;
	struct backend_row *v;
	size_t n, f, i;

	v = read_backends(d, cej, &n);
	if (!v) {
		p->failed = true;
		return;
	}
	for (f = 0; f < sizeof(backend_families) / sizeof(backend_families[0]); f++) {
		sl_prom_family(p, backend_families[f].name, backend_families[f].type,
			       backend_families[f].help);
		for (i = 0; i < n; i++) {
			label_backend(&bl, d, v[i].s, v[i].b);
			sl_prom_sample(p, backend_families[f].name, bl.l, 4, row_value(&v[i], f));
		}
	}
	sl_prom_family(p, "sluice_backend_connect_failures_total", "counter",
		       "Routed TCP connects that failed, by reason: refused (a RST), timeout (the "
		       "SYN's), unreachable (Envoy: upstream_cx_connect_fail).");
	for (i = 0; i < n; i++) {
		for (f = 0; f < sizeof(failure_reasons) / sizeof(failure_reasons[0]); f++) {
			uint64_t c;

			memcpy(&c, (const char *)&v[i].tr + failure_reasons[f].off, sizeof(c));
			label_backend(&bl, d, v[i].s, v[i].b);
			bl.l[4] = (struct sl_prom_label){ "reason", failure_reasons[f].reason };
			sl_prom_sample(p, "sluice_backend_connect_failures_total", bl.l, 5, (double)c);
		}
	}
	sl_prom_family(p, "sluice_backend_connect_duration_seconds", "histogram",
		       "Routed TCP connects by the time from the SYN to established (Envoy: "
		       "upstream_cx_connect_ms).");
	for (i = 0; i < SLUICE_CONNECT_BUCKETS - 1; i++)
		bounds_s[i] = connect_bounds_us[i] / 1e6;
	for (i = 0; i < n; i++) {
		uint64_t cum[SLUICE_CONNECT_BUCKETS - 1], total = 0;
		size_t k;

		for (k = 0; k < SLUICE_CONNECT_BUCKETS; k++) {
			total += v[i].tr.connect_buckets[k];
			if (k < SLUICE_CONNECT_BUCKETS - 1)
				cum[k] = total;
		}
		label_backend(&bl, d, v[i].s, v[i].b);
		sl_prom_histogram(p, "sluice_backend_connect_duration_seconds", bl.l, 4,
				  bounds_s, cum, SLUICE_CONNECT_BUCKETS - 1,
				  (double)v[i].tr.connect_us / 1e6, total);
	}
	sl_prom_family(p, "sluice_backend_weight", "gauge",
		       "The backend's weight in its service's table.");
	for (i = 0; i < n; i++) {
		label_backend(&bl, d, v[i].s, v[i].b);
		sl_prom_sample(p, "sluice_backend_weight", bl.l, 4, v[i].b->weight);
	}
	sl_prom_family(p, "sluice_backend_state", "gauge",
		       "1 for the backend's state: serving, unhealthy (the registry's), draining, "
		       "check-failed or ejected.");
	for (i = 0; i < n; i++) {
		label_backend(&bl, d, v[i].s, v[i].b);
		bl.l[4] = (struct sl_prom_label){ "state", sl_backend_state_name(v[i].b->state) };
		sl_prom_sample(p, "sluice_backend_state", bl.l, 5, 1);
	}
	free(v);
}

static void service_metrics(struct sl_prom *p, const struct sl_daemon *d)
{
	const struct sl_model *m = &d->current;
	struct sl_prom_label l[2] = { { "namespace", NULL }, { "service", NULL } };
	size_t i;

	sl_prom_family(p, "sluice_service_refused_total", "counter",
		       "Connects and datagrams refused: no backend served (Envoy: "
		       "upstream_cx_none_healthy).");
	for (i = 0; i < m->nservices; i++) {
		struct sluice_service_stats ss = {};

		sl_maps_service_stats(&d->dp.maps, m->services[i].id, &ss);
		l[0].value = ns_of(d, &m->services[i]);
		l[1].value = m->services[i].name;
		sl_prom_sample(p, "sluice_service_refused_total", l, 2, (double)ss.refused);
	}
	sl_prom_family(p, "sluice_service_overflow_total", "counter",
		       "TCP connects refused: every backend held maxConnectionsPerBackend (Envoy: "
		       "upstream_cx_overflow).");
	for (i = 0; i < m->nservices; i++) {
		struct sluice_service_stats ss = {};

		sl_maps_service_stats(&d->dp.maps, m->services[i].id, &ss);
		l[0].value = ns_of(d, &m->services[i]);
		l[1].value = m->services[i].name;
		sl_prom_sample(p, "sluice_service_overflow_total", l, 2, (double)ss.overflow);
	}
	sl_prom_family(p, "sluice_service_panic", "gauge",
		       "1 while too few of the service's backends pass sluice's checks: all serve.");
	for (i = 0; i < m->nservices; i++) {
		l[0].value = ns_of(d, &m->services[i]);
		l[1].value = m->services[i].name;
		sl_prom_sample(p, "sluice_service_panic", l, 2,
			       !!(m->services[i].policy.flags & SLUICE_POLICY_PANIC));
	}
	sl_prom_family(p, "sluice_service_serving_backends", "gauge",
		       "Backends in the service's slot tables.");
	for (i = 0; i < m->nservices; i++) {
		l[0].value = ns_of(d, &m->services[i]);
		l[1].value = m->services[i].name;
		sl_prom_sample(p, "sluice_service_serving_backends", l, 2,
			       sl_service_nserving(&m->services[i]));
	}
}

static void one(struct sl_prom *p, const char *name, const char *type, const char *help,
		double v)
{
	sl_prom_family(p, name, type, help);
	sl_prom_sample(p, name, NULL, 0, v);
}

/* Names without mounts: what the answerers did with the tasks' queries. */
static void names_metrics(struct sl_prom *p, const struct sl_daemon *d)
{
	static const struct sl_answerer_stats none;
	const struct sl_answerer_stats *st = d->names ? sl_names_stats(d->names) : &none;
	struct sl_prom_label l = { "result", NULL };
	const struct {
		const char *result;
		uint64_t n;
	} rows[] = {
		{ "answered", st->answered },             /* an alias name */
		{ "forwarded", st->forwarded },           /* to the server the task asked */
		{ "unknown_client", st->unknown_client }, /* no server known for its socket */
		{ "dropped", st->dropped },               /* no room, or a send failed */
	};
	size_t i;

	sl_prom_family(p, "sluice_names_queries_total", "counter",
		       "DNS queries the answerers got from tasks, by what became of them.");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		l.value = rows[i].result;
		sl_prom_sample(p, "sluice_names_queries_total", &l, 1, (double)rows[i].n);
	}
	one(p, "sluice_names_unanswered_total", "counter",
	    "Forwarded UDP queries whose server sent no reply within 5 seconds.",
	    (double)st->timeouts);
	one(p, "sluice_names_network_namespaces", "gauge",
	    "Network namespaces an answerer answers DNS in.",
	    d->names ? (double)sl_names_answering(d->names) : 0);
}

static void daemon_metrics(struct sl_prom *p, const struct sl_daemon *d)
{
	const struct sl_daemon_counters *c = &d->counters;
	const struct sl_prom_label version = { "version", sl_version() };
	struct sl_prom_label result = { "result", "pass" };
	uint64_t passes, failures, ejections;

	sl_prom_family(p, "sluice_build_info", "gauge", "1, labelled with the build's version.");
	sl_prom_sample(p, "sluice_build_info", &version, 1, 1);
	one(p, "sluice_ready", "gauge",
	    "1 when the maps hold what the config and the registry say.", sl_daemon_ready(d));
	one(p, "sluice_degraded", "gauge",
	    "1 while something is not as configured (sluicectl status says what).",
	    sl_daemon_degraded(d));
	one(p, "sluice_held", "gauge",
	    "1 while a restart holds the adopted maps: the registry cannot be read whole.",
	    d->hold);
	one(p, "sluice_reconciles_total", "counter", "Reconciles run.", (double)c->reconciles);
	one(p, "sluice_reconcile_failures_total", "counter",
	    "Reconciles that failed: bad input refused, or map writes that failed.",
	    (double)c->reconcile_failures);
	one(p, "sluice_map_writes_total", "counter", "Map writes the reconciles planned.",
	    (double)c->map_writes);
	sl_prom_family(p, "sluice_reconcile_duration_seconds", "histogram",
		       "How long reconciles took.");
	sl_prom_histogram(p, "sluice_reconcile_duration_seconds", NULL, 0, sl_reconcile_bounds,
			  c->duration_cumulative, SL_RECONCILE_BUCKETS, c->duration_sum,
			  c->reconciles);
	sl_monitor_totals(d->monitor, &passes, &failures, &ejections);
	sl_prom_family(p, "sluice_health_checks_total", "counter", "Active health checks by result.");
	sl_prom_sample(p, "sluice_health_checks_total", &result, 1, (double)passes);
	result.value = "fail";
	sl_prom_sample(p, "sluice_health_checks_total", &result, 1, (double)failures);
	one(p, "sluice_ejections_total", "counter",
	    "Backends ejected for every client by passive health.", (double)ejections);
}

static void registry_metrics(struct sl_prom *p, const struct sl_daemon *d)
{
	const struct sl_ns_sources *nss = &d->sources;
	struct sl_prom_label l[3] = { { "namespace", NULL }, { "source", NULL },
				      { "result", NULL } };
	size_t i, k, unmatched = 0;

	one(p, "sluice_registry_instances", "gauge", "Instances the registry's sources give.",
	    (double)sl_ns_sources_count(nss));
	sl_prom_family(p, "sluice_registry_source_up", "gauge",
		       "1 when the source can be read, 0 while its last good content serves.");
	for (k = 0; k < nss->n; k++) {
		const struct sl_sources *ss = &nss->v[k];

		l[0].value = nss->names[k];
		for (i = 0; i < ss->n; i++) {
			l[1].value = ss->v[i]->name;
			sl_prom_sample(p, "sluice_registry_source_up", l, 2,
				       !ss->v[i]->ops->problem(ss->v[i]));
		}
	}
	sl_prom_family(p, "sluice_registry_failing_parts", "gauge",
		       "Parts of the source (files) that fail now, their last good content kept.");
	for (k = 0; k < nss->n; k++) {
		const struct sl_sources *ss = &nss->v[k];

		l[0].value = nss->names[k];
		for (i = 0; i < ss->n; i++) {
			l[1].value = ss->v[i]->name;
			sl_prom_sample(p, "sluice_registry_failing_parts", l, 2,
				       ss->v[i]->ops->failing(ss->v[i]));
		}
	}
	sl_prom_family(p, "sluice_registry_reads_total", "counter",
		       "Reads of the source (a file source's refreshes, DNS and Cloud Map answers "
		       "per service) by result: ok, or failed (its last good content kept).");
	for (k = 0; k < nss->n; k++) {
		const struct sl_sources *ss = &nss->v[k];

		l[0].value = nss->names[k];
		for (i = 0; i < ss->n; i++) {
			l[1].value = ss->v[i]->name;
			l[2].value = "ok";
			sl_prom_sample(p, "sluice_registry_reads_total", l, 3,
				       (double)ss->v[i]->reads.ok);
			l[2].value = "failed";
			sl_prom_sample(p, "sluice_registry_reads_total", l, 3,
				       (double)ss->v[i]->reads.failed);
		}
	}
	sl_prom_family(p, "sluice_registry_last_success_timestamp_seconds", "gauge",
		       "When the source last read well (Unix time; 0: not yet): the age of its "
		       "last good answer is time() minus this.");
	for (k = 0; k < nss->n; k++) {
		const struct sl_sources *ss = &nss->v[k];

		l[0].value = nss->names[k];
		for (i = 0; i < ss->n; i++) {
			l[1].value = ss->v[i]->name;
			sl_prom_sample(p, "sluice_registry_last_success_timestamp_seconds", l, 2,
				       (double)ss->v[i]->reads.last_ok);
		}
	}
	for (i = 0; i < d->nunmatched; i++)
		unmatched += d->unmatched[i].count;
	one(p, "sluice_registry_unmatched_instances", "gauge",
	    "Registry instances no configured service takes.", (double)unmatched);
}

/* Map pressure (as Cilium's): what the model puts in the maps sized by limits. */
static void map_metrics(struct sl_prom *p, const struct sl_daemon *d)
{
	const struct sl_limits *lim = &d->cfg.limits;
	struct sl_prom_label l = { "map", NULL };
	size_t i, nbackends = 0;
	const struct {
		const char *map;
		double entries, capacity;
	} rows[] = {
		{ "services", (double)d->current.nservices, lim->services },
		{ "backends", 0, lim->backends },
		{ "frontends", (double)d->current.nfrontends, lim->frontends },
	};

	for (i = 0; i < d->current.nservices; i++)
		nbackends += d->current.services[i].nbackends;
	sl_prom_family(p, "sluice_map_entries", "gauge", "Entries in the map.");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		l.value = rows[i].map;
		sl_prom_sample(p, "sluice_map_entries", &l, 1,
			       i == 1 ? (double)nbackends : rows[i].entries);
	}
	sl_prom_family(p, "sluice_map_capacity", "gauge", "The map's size (limits).");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		l.value = rows[i].map;
		sl_prom_sample(p, "sluice_map_capacity", &l, 1, rows[i].capacity);
	}
}

char *sl_metrics_render(const struct sl_daemon *d)
{
	const struct sl_maps *maps = &d->dp.maps;
	struct sl_prom p = {};
	uint32_t *cej;
	char *text;

	cej = calloc(maps->health.n ? maps->health.n : 1, sizeof(*cej));
	if (cej && sl_client_ejections(maps->client_health, cej, maps->health.n)) {
		free(cej);
		cej = NULL;
	}
	daemon_metrics(&p, d);
	names_metrics(&p, d);
	registry_metrics(&p, d);
	map_metrics(&p, d);
	service_metrics(&p, d);
	backend_metrics(&p, d, cej);
	free(cej);
	text = sl_prom_text(&p) ? strdup(sl_prom_text(&p)) : NULL;
	sl_prom_free(&p);
	return text;
}
