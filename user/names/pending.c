// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pending.c: the pending query table: FNV-1a of the key, linear probing, deletion by
 * backward shift (no tombstones), filled to 3/4 at most. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "names/pending.h"

static bool key_eq(const struct sl_pending_key *a, const struct sl_pending_key *b)
{
	return a->id == b->id && a->port == b->port && a->up == b->up &&
	       sl_addr_eq(&a->server, &b->server);
}

static size_t hash(const struct sl_pending_key *k)
{
	const uint8_t *p = (const uint8_t *)&k->server;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sizeof(k->server); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	h = (h ^ k->port) * 1099511628211ULL;
	h = (h ^ k->id) * 1099511628211ULL;
	h = (h ^ k->up) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

int sl_pending_init(struct sl_pending_table *t, size_t cap)
{
	size_t c = 8;

	while (c < cap)
		c *= 2;
	memset(t, 0, sizeof(*t));
	t->v = calloc(c, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->cap = c;
	return 0;
}

void sl_pending_free(struct sl_pending_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The slot of key k, or of the first free slot on its probe path. */
static size_t find(const struct sl_pending_table *t, const struct sl_pending_key *k)
{
	size_t i = hash(k) & (t->cap - 1);

	while (t->v[i].used && !key_eq(&t->v[i].key, k))
		i = (i + 1) & (t->cap - 1);
	return i;
}

bool sl_pending_has(const struct sl_pending_table *t, const struct sl_pending_key *k)
{
	return t->cap && t->v[find(t, k)].used;
}

int sl_pending_add(struct sl_pending_table *t, const struct sl_pending *p)
{
	size_t i;

	if (!t->cap || (t->n + 1) * 4 > t->cap * 3)
		return -ENOSPC;
	i = find(t, &p->key);
	if (t->v[i].used)
		return -EEXIST;
	t->v[i] = *p;
	t->v[i].used = true;
	t->n++;
	return 0;
}

/* Empty slot i, moving up the entries after it that probed past it. */
static void remove_at(struct sl_pending_table *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;

	t->v[i].used = false;
	t->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->v[j].used)
			return;
		home = hash(&t->v[j].key) & mask;
		/* j's entry may move to i when i lies on its path from home to j */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->v[i] = t->v[j];
			t->v[j].used = false;
			i = j;
		}
	}
}

bool sl_pending_take(struct sl_pending_table *t, const struct sl_pending_key *k,
		     struct sl_pending *out)
{
	size_t i;

	if (!t->cap)
		return false;
	i = find(t, k);
	if (!t->v[i].used)
		return false;
	*out = t->v[i];
	remove_at(t, i);
	return true;
}

size_t sl_pending_expire(struct sl_pending_table *t, uint64_t now_ns)
{
	size_t i = 0, dropped = 0;

	while (i < t->cap) {
		if (t->v[i].used && t->v[i].deadline_ns <= now_ns) {
			remove_at(t, i); /* may move a later entry into i: look at i again */
			dropped++;
			continue;
		}
		i++;
	}
	return dropped;
}
