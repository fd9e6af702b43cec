/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* outlier.h: the bookkeeping of passive ejections: how long an ejection lasts (doubling on each
 * repeat, capped), how many backends of a service may be out at once, when one comes back. Pure. */
#ifndef SL_OUTLIER_H
#define SL_OUTLIER_H

#include <stdbool.h>
#include <stdint.h>
#include "inputs/config.h"

struct sl_outlier_state {
	bool ejected;
	uint32_t ejections;    /* ejections in a row, for the doubling */
	uint64_t until_ms;     /* ejected: not re-admitted before this (monotonic ms) */
	uint64_t admitted_ms;  /* when it was last re-admitted */
	uint64_t last_ms;      /* the last ejection's length */
};

/* Length of the nth ejection in a row (n >= 1): base * 2^(n-1), at most max. */
uint64_t sl_outlier_duration_ms(const struct sl_outlier_cfg *c, uint32_t n);
/* Record an ejection at now and return its length. A backend that has served longer than its
 * last ejection lasted since it came back starts again from the base time. */
uint64_t sl_outlier_eject(struct sl_outlier_state *s, const struct sl_outlier_cfg *c,
			  uint64_t now_ms);
/* The most backends of a service of n that may be ejected at once: n * percent / 100, and at
 * least one unless percent is 0 (as Envoy's max_ejection_percent). */
uint32_t sl_outlier_cap(uint32_t n, uint32_t percent);
/* Ejected and its time is up. */
bool sl_outlier_due(const struct sl_outlier_state *s, uint64_t now_ms);
void sl_outlier_readmit(struct sl_outlier_state *s, uint64_t now_ms);

#endif
