/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* health_map.h: the one owner of the data plane's health state as sluiced sees it:
 * backend_health (mmapped, single words with atomics), client_health and health_events. */
#ifndef SL_HEALTH_MAP_H
#define SL_HEALTH_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/err.h"
#include "sluice.h"

/* backend_health mapped into memory: v[id] for ids below n. Ids outside it (no map, or a
 * backend id beyond limits.backends) read as zero and ignore writes. */
struct sl_health_map {
	struct sluice_backend_health *v;
	uint32_t n;
};

/* mmap the backend_health map behind fd (read and write). */
int sl_health_map_open(struct sl_health_map *hm, int fd, struct sl_err *err);
void sl_health_map_close(struct sl_health_map *hm);

/* One entry as the data plane counts it now (each word loaded on its own). */
struct sluice_backend_health sl_health_map_read(const struct sl_health_map *hm, uint32_t id);
/* The data plane has ejected it (consecutive failures) and sluiced has not re-admitted it. */
bool sl_health_map_ejected(const struct sl_health_map *hm, uint32_t id);
/* Let the data plane pick it again: no ejection, no failures in a row (shared run). Ejections
 * for one client (client_health) lapse by themselves. */
void sl_health_map_readmit(const struct sl_health_map *hm, uint32_t id);
/* sluiced's SLUICE_HEALTH_* flags of a backend; written only when they differ. */
void sl_health_map_set_flags(const struct sl_health_map *hm, uint32_t id, uint32_t flags);
/* A new holder of the id: no failures, no ejection (for every client or for one), no flags.
 * Active connections of sockets routed to an earlier holder still end on it, so that count is
 * left alone. */
void sl_health_map_reset(const struct sl_health_map *hm, uint32_t id);

/* client_health behind fd: counts[id] (ids below n, zeroed first) is how many clients
 * (network namespaces) hold an ejection of backend id of their own now. One walk of the map. */
int sl_client_ejections(int fd, uint32_t *counts, uint32_t n);

/* health_events: the ejections the data plane reports, read from a ring buffer. */
struct sl_health_events;
typedef void (*sl_health_event_fn)(void *ctx, const struct sluice_health_event *ev);

struct sl_health_events *sl_health_events_open(int ring_fd, sl_health_event_fn fn, void *ctx,
					       struct sl_err *err);
void sl_health_events_free(struct sl_health_events *e);
/* Readable when reports wait: then sl_health_events_consume, which calls fn for each. */
int sl_health_events_fd(const struct sl_health_events *e);
void sl_health_events_consume(struct sl_health_events *e);

#endif
