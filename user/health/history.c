// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* history.c: departed backends' ejection records in a sorted array, found by binary search,
 * bounded in number, dropped when they no longer matter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "health/history.h"
#include "lib/vec.h"

uint64_t sl_history_expiry(const struct sl_outlier_state *s)
{
	if (!s->ejections)
		return 0;
	return (s->ejected ? s->until_ms : s->admitted_ms) + s->last_ms;
}

static int cmp_key(const char *service, const struct sl_addr *addr, uint16_t port,
		   const struct sl_history_entry *e)
{
	int c = strcmp(service, e->service);

	if (!c)
		c = sl_addr_cmp(addr, &e->addr);
	if (!c)
		c = (int)port - (int)e->port;
	return c;
}

/* The index of the key, or where it would go (*found false). */
static size_t locate(const struct sl_history *h, const char *service, const struct sl_addr *addr,
		     uint16_t port, bool *found)
{
	size_t lo = 0, hi = h->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(service, addr, port, &h->v[mid]);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void remove_at(struct sl_history *h, size_t i)
{
	memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
	h->n--;
}

/* Room for one more: the entry expiring first goes when the history is full. */
static void make_room(struct sl_history *h)
{
	size_t i, first = 0;

	if (!h->max || h->n < h->max)
		return;
	for (i = 1; i < h->n; i++)
		if (h->v[i].expires_ms < h->v[first].expires_ms)
			first = i;
	remove_at(h, first);
}

int sl_history_put(struct sl_history *h, const char *service, const struct sl_addr *addr,
		   uint16_t port, const struct sl_outlier_state *s, uint64_t now_ms)
{
	uint64_t expires = sl_history_expiry(s);
	struct sl_history_entry *e;
	bool found;
	size_t i;

	if (expires <= now_ms)
		return 0;
	i = locate(h, service, addr, port, &found);
	if (!found) {
		make_room(h);
		i = locate(h, service, addr, port, &found);
		if (sl_vec_room(h->v, h->n, h->cap))
			return -ENOMEM;
		memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof(*h->v));
		h->n++;
	}
	e = &h->v[i];
	memset(e, 0, sizeof(*e));
	snprintf(e->service, sizeof(e->service), "%s", service);
	e->addr = *addr;
	e->port = port;
	e->state = *s;
	e->expires_ms = expires;
	return 0;
}

const struct sl_history_entry *sl_history_find(const struct sl_history *h, const char *service,
					       const struct sl_addr *addr, uint16_t port,
					       uint64_t now_ms)
{
	bool found;
	size_t i = locate(h, service, addr, port, &found);

	return found && h->v[i].expires_ms > now_ms ? &h->v[i] : NULL;
}

bool sl_history_take(struct sl_history *h, const char *service, const struct sl_addr *addr,
		     uint16_t port, struct sl_outlier_state *out, uint64_t now_ms)
{
	bool found;
	size_t i = locate(h, service, addr, port, &found);
	bool live = found && h->v[i].expires_ms > now_ms;

	if (live)
		*out = h->v[i].state;
	if (found)
		remove_at(h, i);
	return live;
}

void sl_history_expire(struct sl_history *h, uint64_t now_ms)
{
	size_t i, k = 0;

	for (i = 0; i < h->n; i++)
		if (h->v[i].expires_ms > now_ms)
			h->v[k++] = h->v[i];
	h->n = k;
}

void sl_history_free(struct sl_history *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}
