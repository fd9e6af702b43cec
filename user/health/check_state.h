/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* check_state.h: the logic of active health checks without I/O: the per-backend threshold
 * state machine, HTTP status matching, jittered schedules and the min-heap of due times. Pure. */
#ifndef SL_CHECK_STATE_H
#define SL_CHECK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "inputs/config.h"

/* One backend's standing: healthy, and the current run of passes or failures. */
struct sl_hc_state {
	bool healthy;
	uint32_t passes;   /* consecutive passes (0 after a failure) */
	uint32_t failures; /* consecutive failures (0 after a pass) */
};

/* A new backend: healthy, no run yet. */
void sl_hc_state_init(struct sl_hc_state *s);
/* Count one check's result. An unhealthy backend turns healthy after healthy_threshold passes
 * in a row, a healthy one unhealthy after unhealthy_threshold failures in a row (a threshold
 * of 0 counts as 1). True when this result changed the healthy flag. */
bool sl_hc_state_record(struct sl_hc_state *s, const struct sl_health_check_cfg *cfg, bool pass);

/* The response status is in one of cfg's expect ranges (200-399 when it has none). */
bool sl_hc_status_ok(const struct sl_health_check_cfg *cfg, long status);
/* Same protocol, path, port, timings, thresholds and expect ranges. */
bool sl_hc_cfg_eq(const struct sl_health_check_cfg *a, const struct sl_health_check_cfg *b);

/* A source of uniformly random 32-bit numbers. */
struct sl_hc_rand {
	uint32_t (*next)(void *ctx);
	void *ctx;
};

/* Uniform in [0, n); 0 when n is 0. */
uint32_t sl_hc_rand_below(const struct sl_hc_rand *r, uint32_t n);
/* The delay before a new backend's first check: uniform in [0, min(interval, 1 s)) ms, so that
 * backends added together spread over the first second rather than all checking at once. */
uint64_t sl_hc_first_delay_ms(uint32_t interval_ms, const struct sl_hc_rand *r);
/* The delay from one check to the next: the interval +-10% (uniform), at least 1 ms. */
uint64_t sl_hc_next_delay_ms(uint32_t interval_ms, const struct sl_hc_rand *r);

/* An entry of the schedule, embedded in what it schedules. */
struct sl_hc_sched {
	uint64_t due_ms; /* monotonic */
	size_t pos;      /* index in the heap; SL_HC_NOT_QUEUED when not in it */
};

#define SL_HC_NOT_QUEUED SIZE_MAX

/* A binary min-heap of entries by due time: O(log n) to add, re-time or remove one. */
struct sl_hc_heap {
	struct sl_hc_sched **v;
	size_t n, cap;
};

/* Room for cap entries in all: 0 or -ENOMEM (the heap unchanged). */
int sl_hc_heap_reserve(struct sl_hc_heap *h, size_t cap);
/* Add s (not queued) due at due_ms; the room must have been reserved. */
void sl_hc_heap_push(struct sl_hc_heap *h, struct sl_hc_sched *s, uint64_t due_ms);
/* The entry due first, or NULL when empty. */
struct sl_hc_sched *sl_hc_heap_peek(const struct sl_hc_heap *h);
/* Move the queued s to due_ms. */
void sl_hc_heap_update(struct sl_hc_heap *h, struct sl_hc_sched *s, uint64_t due_ms);
/* Take s out (a no-op when it is not queued). */
void sl_hc_heap_remove(struct sl_hc_heap *h, struct sl_hc_sched *s);
void sl_hc_heap_free(struct sl_hc_heap *h);

#endif
