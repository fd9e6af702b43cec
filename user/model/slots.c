// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* slots.c: a service's weighted slot table: weights reduced by their gcd, scaled to the
 * table's capacity by largest remainder, laid out in smooth weighted round-robin order. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "model/slots.h"

/* A backend still to be given a share of the seats by largest remainder. */
struct seat_rem {
	uint64_t rem; /* numerator of the fractional part of its quota */
	uint64_t weight;
	size_t idx;
};

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Largest remainder first; on equal remainders the larger weight (the smaller relative
 * error), then backend order, so the result is stable. */
static int seat_rem_cmp(const void *x, const void *y)
{
	const struct seat_rem *a = x, *b = y;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/*
 * Share cap seats among the n backends of weights w (sum > cap >= n), each getting at
 * least one. A backend whose quota is under one seat is pinned at one and leaves the
 * rest to the others; pinning only lowers the others' quotas, so repeat until none is
 * pinned anew. The remaining seats go by largest remainder over the unpinned backends.
 * cap <= INT_MAX and each weight < 2^32, so every product fits 64 bits.
 */
static int scale_counts(const uint64_t *w, size_t n, uint64_t cap, uint32_t *count)
{
	struct seat_rem *rems = NULL;
	bool *pinned = NULL;
	uint64_t seats, wsum, given;
	size_t i, nrem = 0;
	bool again;
	int ret = -ENOMEM;

	pinned = calloc(n, sizeof(*pinned));
	rems = calloc(n, sizeof(*rems));
	if (!pinned || !rems)
		goto out;

	seats = cap;
	do {
		again = false;
		wsum = 0;
		for (i = 0; i < n; i++)
			if (!pinned[i])
				wsum += w[i];
		for (i = 0; i < n; i++) {
			if (pinned[i] || w[i] * seats >= wsum)
				continue;
			pinned[i] = true;
			again = true;
		}
		if (again) {
			seats = cap;
			for (i = 0; i < n; i++)
				seats -= pinned[i];
		}
	} while (again);

	given = 0;
	for (i = 0; i < n; i++) {
		if (pinned[i]) {
			count[i] = 1;
			continue;
		}
		count[i] = w[i] * seats / wsum;
		given += count[i];
		rems[nrem].rem = w[i] * seats % wsum;
		rems[nrem].weight = w[i];
		rems[nrem].idx = i;
		nrem++;
	}
	/* Fewer seats left over than unpinned backends: one each to the largest remainders. */
	if (given < seats) {
		qsort(rems, nrem, sizeof(*rems), seat_rem_cmp);
		for (i = 0; given < seats && i < nrem; i++, given++)
			count[rems[i].idx]++;
	}
	ret = 0;
out:
	free(pinned);
	free(rems);
	return ret;
}

/* Per-backend slot counts, reduced and scaled; returns the table size or -errno. */
static int slot_counts(const struct sl_slot_backend *b, size_t n, size_t cap, uint32_t *count)
{
	uint64_t *w, g = 0, sum = 0;
	size_t i;
	int ret;

	w = calloc(n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		g = gcd64(g, b[i].weight);
	for (i = 0; i < n; i++) {
		w[i] = b[i].weight / g;
		sum += w[i];
	}
	if (sum <= cap) {
		for (i = 0; i < n; i++)
			count[i] = w[i];
		ret = sum;
	} else {
		ret = scale_counts(w, n, cap, count);
		if (!ret)
			ret = cap;
	}
	free(w);
	return ret;
}

static void fill_slot(struct sluice_slot *s, const struct sl_slot_backend *b, uint32_t nslots)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, b->addr.a, sizeof(s->addr));
	s->port = htons(b->port);
	s->backend_id = b->backend_id;
	s->nslots = nslots;
}

/*
 * Smooth weighted round-robin (nginx): each step every backend's current weight grows
 * by its count, the largest (first on ties) is picked and loses the total. Over total
 * steps each backend is picked exactly count times, spread as evenly as possible.
 */
static int lay_out(const struct sl_slot_backend *b, size_t n, const uint32_t *count,
		   uint32_t total, struct sluice_slot *out)
{
	int64_t *cur;
	uint32_t k;
	size_t i, best;

	cur = calloc(n, sizeof(*cur));
	if (!cur)
		return -ENOMEM;
	for (k = 0; k < total; k++) {
		best = 0;
		for (i = 0; i < n; i++) {
			cur[i] += count[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		fill_slot(&out[k], &b[best], total);
	}
	free(cur);
	return 0;
}

int sl_slots_build(const struct sl_slot_backend *b, size_t n, struct sluice_slot *out,
		   size_t cap)
{
	uint32_t *count;
	size_t i;
	int ret, total;

	if (!n)
		return 0;
	/* The size is returned as an int, so no table is larger than INT_MAX. */
	if (cap > INT_MAX)
		cap = INT_MAX;
	if (n > cap)
		return -E2BIG;
	if (!b || !out)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!b[i].weight)
			return -EINVAL;

	count = calloc(n, sizeof(*count));
	if (!count)
		return -ENOMEM;
	total = slot_counts(b, n, cap, count);
	if (total < 0) {
		ret = total;
		goto out;
	}
	ret = lay_out(b, n, count, total, out);
	if (!ret)
		ret = total;
out:
	free(count);
	return ret;
}
