// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* outlier.c: passive ejection bookkeeping: ejection lengths with doubling, the per-service
 * cap, re-admission times. */
#include "health/outlier.h"

uint64_t sl_outlier_duration_ms(const struct sl_outlier_cfg *c, uint32_t n)
{
	uint64_t d = c->base_ejection_ms;

	while (n-- > 1 && d < c->max_ejection_ms)
		d *= 2;
	return d < c->max_ejection_ms ? d : c->max_ejection_ms;
}

uint64_t sl_outlier_eject(struct sl_outlier_state *s, const struct sl_outlier_cfg *c,
			  uint64_t now_ms)
{
	if (s->ejections && now_ms - s->admitted_ms > s->last_ms)
		s->ejections = 0;
	if (s->ejections < UINT32_MAX)
		s->ejections++;
	s->last_ms = sl_outlier_duration_ms(c, s->ejections);
	s->ejected = true;
	s->until_ms = now_ms + s->last_ms;
	return s->last_ms;
}

uint32_t sl_outlier_cap(uint32_t n, uint32_t percent)
{
	uint32_t cap = (uint32_t)((uint64_t)n * percent / 100);

	return percent && !cap && n ? 1 : cap;
}

bool sl_outlier_due(const struct sl_outlier_state *s, uint64_t now_ms)
{
	return s->ejected && now_ms >= s->until_ms;
}

void sl_outlier_readmit(struct sl_outlier_state *s, uint64_t now_ms)
{
	s->ejected = false;
	s->until_ms = 0;
	s->admitted_ms = now_ms;
}
