// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* check_state.c: health check thresholds, status matching, jittered delays and the heap of
 * due times; no I/O, so the engine's decisions can be tested alone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "health/check_state.h"

#define DEFAULT_EXPECT_LO 200
#define DEFAULT_EXPECT_HI 399
#define FIRST_DELAY_MAX_MS 1000
#define JITTER_PERCENT 10

void sl_hc_state_init(struct sl_hc_state *s)
{
	s->healthy = true;
	s->passes = 0;
	s->failures = 0;
}

static uint32_t threshold(uint32_t t)
{
	return t ? t : 1;
}

bool sl_hc_state_record(struct sl_hc_state *s, const struct sl_health_check_cfg *cfg, bool pass)
{
	if (pass) {
		s->failures = 0;
		if (s->passes < UINT32_MAX)
			s->passes++;
		if (s->healthy || s->passes < threshold(cfg->healthy_threshold))
			return false;
		s->healthy = true;
		return true;
	}
	s->passes = 0;
	if (s->failures < UINT32_MAX)
		s->failures++;
	if (!s->healthy || s->failures < threshold(cfg->unhealthy_threshold))
		return false;
	s->healthy = false;
	return true;
}

bool sl_hc_status_ok(const struct sl_health_check_cfg *cfg, long status)
{
	size_t i;

	if (!cfg->nexpect)
		return status >= DEFAULT_EXPECT_LO && status <= DEFAULT_EXPECT_HI;
	for (i = 0; i < cfg->nexpect; i++)
		if (status >= cfg->expect[i].lo && status <= cfg->expect[i].hi)
			return true;
	return false;
}

static bool path_eq(const char *a, const char *b)
{
	return a == b || !strcmp(a ? a : "/", b ? b : "/");
}

static bool expect_eq(const struct sl_health_check_cfg *a, const struct sl_health_check_cfg *b)
{
	size_t i;

	if (a->nexpect != b->nexpect)
		return false;
	for (i = 0; i < a->nexpect; i++)
		if (a->expect[i].lo != b->expect[i].lo || a->expect[i].hi != b->expect[i].hi)
			return false;
	return true;
}

bool sl_hc_cfg_eq(const struct sl_health_check_cfg *a, const struct sl_health_check_cfg *b)
{
	return a->enabled == b->enabled && a->proto == b->proto && path_eq(a->path, b->path) &&
	       a->port == b->port && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms &&
	       a->unhealthy_threshold == b->unhealthy_threshold &&
	       a->healthy_threshold == b->healthy_threshold && expect_eq(a, b);
}

uint32_t sl_hc_rand_below(const struct sl_hc_rand *r, uint32_t n)
{
	/* Multiply-shift: uniform enough for spreading timers, and no division. */
	return (uint32_t)(((uint64_t)r->next(r->ctx) * n) >> 32);
}

uint64_t sl_hc_first_delay_ms(uint32_t interval_ms, const struct sl_hc_rand *r)
{
	uint32_t span = interval_ms < FIRST_DELAY_MAX_MS ? interval_ms : FIRST_DELAY_MAX_MS;

	return sl_hc_rand_below(r, span);
}

uint64_t sl_hc_next_delay_ms(uint32_t interval_ms, const struct sl_hc_rand *r)
{
	uint32_t jitter = (uint32_t)((uint64_t)interval_ms * JITTER_PERCENT / 100);
	uint64_t d = (uint64_t)interval_ms - jitter + sl_hc_rand_below(r, 2 * jitter + 1);

	return d ? d : 1;
}

int sl_hc_heap_reserve(struct sl_hc_heap *h, size_t cap)
{
	struct sl_hc_sched **v;

	if (cap <= h->cap)
		return 0;
	v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

static void heap_set(struct sl_hc_heap *h, size_t i, struct sl_hc_sched *s)
{
	h->v[i] = s;
	s->pos = i;
}

static void sift_up(struct sl_hc_heap *h, size_t i)
{
	struct sl_hc_sched *s = h->v[i];

	while (i) {
		size_t parent = (i - 1) / 2;

		if (h->v[parent]->due_ms <= s->due_ms)
			break;
		heap_set(h, i, h->v[parent]);
		i = parent;
	}
	heap_set(h, i, s);
}

static void sift_down(struct sl_hc_heap *h, size_t i)
{
	struct sl_hc_sched *s = h->v[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->n)
			break;
		if (child + 1 < h->n && h->v[child + 1]->due_ms < h->v[child]->due_ms)
			child++;
		if (s->due_ms <= h->v[child]->due_ms)
			break;
		heap_set(h, i, h->v[child]);
		i = child;
	}
	heap_set(h, i, s);
}

void sl_hc_heap_push(struct sl_hc_heap *h, struct sl_hc_sched *s, uint64_t due_ms)
{
	s->due_ms = due_ms;
	heap_set(h, h->n++, s);
	sift_up(h, s->pos);
}

struct sl_hc_sched *sl_hc_heap_peek(const struct sl_hc_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

void sl_hc_heap_update(struct sl_hc_heap *h, struct sl_hc_sched *s, uint64_t due_ms)
{
	bool earlier = due_ms < s->due_ms;

	s->due_ms = due_ms;
	if (earlier)
		sift_up(h, s->pos);
	else
		sift_down(h, s->pos);
}

void sl_hc_heap_remove(struct sl_hc_heap *h, struct sl_hc_sched *s)
{
	size_t i = s->pos;
	struct sl_hc_sched *last;

	if (i == SL_HC_NOT_QUEUED)
		return;
	s->pos = SL_HC_NOT_QUEUED;
	last = h->v[--h->n];
	if (last == s)
		return;
	heap_set(h, i, last);
	/* The moved entry may belong above or below its new place. */
	sift_up(h, i);
	sift_down(h, last->pos);
}

void sl_hc_heap_free(struct sl_hc_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}
