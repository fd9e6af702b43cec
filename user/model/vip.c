// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* vip.c: giving client alias names VIPs from a range: fixed ones first, then the ones
 * kept from before, then the rest by hashing the name and probing for a free address. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "model/vip.h"

/* An address in use, and the request holding it; used false for an empty bucket. */
struct taken {
	struct sl_addr addr;
	size_t req;
	bool used;
};

/* The addresses in use: an open-addressing hash set (ranges may hold 2^32 addresses, so
 * no bitmap), at most half full. */
struct taken_set {
	struct taken *v;
	size_t mask; /* buckets - 1, a power of two less one */
};

static uint32_t fnv1a32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static int taken_init(struct taken_set *ts, size_t n)
{
	size_t buckets = 16;

	while (buckets < 2 * n)
		buckets *= 2;
	ts->v = calloc(buckets, sizeof(*ts->v));
	ts->mask = buckets - 1;
	return ts->v ? 0 : -ENOMEM;
}

/* The bucket holding addr, or the empty one where it would go. */
static struct taken *taken_slot(const struct taken_set *ts, const struct sl_addr *addr)
{
	uint32_t h = 2166136261u;
	const unsigned char *p = (const unsigned char *)addr->a;
	size_t i;

	for (i = 0; i < sizeof(addr->a); i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	for (i = h & ts->mask; ts->v[i].used; i = (i + 1) & ts->mask)
		if (sl_addr_eq(&ts->v[i].addr, addr))
			break;
	return &ts->v[i];
}

/* The request holding addr, or -1. */
static long taken_by(const struct taken_set *ts, const struct sl_addr *addr)
{
	const struct taken *t = taken_slot(ts, addr);

	return t->used ? (long)t->req : -1;
}

/* Mark addr taken by request req; the set has room for every request. */
static void taken_add(struct taken_set *ts, const struct sl_addr *addr, size_t req)
{
	struct taken *t = taken_slot(ts, addr);

	if (t->used)
		return;
	t->addr = *addr;
	t->req = req;
	t->used = true;
}

/* Whether the offset may be handed out by probing: not the range's first address,
 * nor an IPv4 range's last (network and broadcast). */
static bool offset_usable(const struct sl_cidr *range, uint64_t off)
{
	if (off == 0)
		return false;
	if (range->v4 && off == sl_cidr_size(range) - 1)
		return false;
	return true;
}

/* The same for an address: in the range and at neither reserved end. */
static bool addr_usable(const struct sl_cidr *range, const struct sl_addr *a)
{
	struct sl_addr last;

	if (!sl_cidr_contains(range, a) || sl_addr_eq(a, &range->base))
		return false;
	if (range->v4) {
		sl_cidr_nth(range, sl_cidr_size(range) - 1, &last);
		if (sl_addr_eq(a, &last))
			return false;
	}
	return true;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct sl_vip_entry *const *a = x, *const *b = y;

	return strcmp((*a)->name, (*b)->name);
}

int sl_vip_index(const struct sl_vip_table *prev, const struct sl_vip_entry ***out)
{
	const struct sl_vip_entry **idx;
	size_t i;

	*out = NULL;
	if (!prev || !prev->n)
		return 0;
	idx = calloc(prev->n, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < prev->n; i++)
		idx[i] = &prev->v[i];
	qsort(idx, prev->n, sizeof(*idx), entry_cmp);
	*out = idx;
	return 0;
}

const struct sl_addr *sl_vip_find(const struct sl_vip_entry *const *idx, size_t n,
				  const char *name)
{
	struct sl_vip_entry key = { .name = (char *)name };
	const struct sl_vip_entry *kp = &key, *const *hit;

	if (!idx)
		return NULL;
	hit = bsearch(&kp, idx, n, sizeof(*idx), entry_cmp);
	return hit ? &(*hit)->vip : NULL;
}

/* Fixed VIPs: in the range, each for one name only. */
static int assign_fixed(const struct sl_cidr *range, const char *label,
			const struct sl_vip_request *req, size_t n, struct taken_set *ts,
			struct sl_addr *res, bool *done, struct sl_err *err)
{
	char a[SL_ADDR_STRLEN], c[SL_ADDR_STRLEN + 8];
	size_t i;
	long other;

	for (i = 0; i < n; i++) {
		if (!req[i].fixed)
			continue;
		sl_addr_format(&req[i].vip, a, sizeof(a));
		if (!sl_cidr_contains(range, &req[i].vip))
			return sl_err_set(err, "alias \"%s\": vip %s is outside %s %s", req[i].name,
					  a, label, sl_cidr_format(range, c, sizeof(c)));
		other = taken_by(ts, &req[i].vip);
		if (other >= 0)
			return sl_err_set(err,
					  "alias \"%s\": vip %s is also fixed for alias \"%s\"",
					  req[i].name, a, req[other].name);
		taken_add(ts, &req[i].vip, i);
		res[i] = req[i].vip;
		done[i] = true;
	}
	return 0;
}

/* VIPs from before, while still usable in the range and free; first come, first kept. */
static int assign_prev(const struct sl_cidr *range, const struct sl_vip_request *req, size_t n,
		       const struct sl_vip_table *prev, struct taken_set *ts, struct sl_addr *res,
		       bool *done)
{
	const struct sl_vip_entry **idx;
	const struct sl_addr *old;
	size_t i;
	int ret;

	ret = sl_vip_index(prev, &idx);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		old = sl_vip_find(idx, idx ? prev->n : 0, req[i].name);
		if (!old || !addr_usable(range, old) || taken_by(ts, old) >= 0)
			continue;
		taken_add(ts, old, i);
		res[i] = *old;
		done[i] = true;
	}
	free(idx);
	return 0;
}

/* The first free usable address probing up from FNV-1a(name) mod the range size. At
 * most n addresses are taken, so a free one is found within n + 3 steps if any. */
static int assign_probe(const struct sl_cidr *range, const char *label,
			const struct sl_vip_request *req, size_t n, struct taken_set *ts,
			struct sl_addr *res, bool *done, struct sl_err *err)
{
	char c[SL_ADDR_STRLEN + 8];
	uint64_t size = sl_cidr_size(range), start, k, off;
	struct sl_addr a;
	size_t i;

	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		start = fnv1a32(req[i].name) % size;
		for (k = 0; k < size; k++) {
			off = (start + k) % size;
			if (!offset_usable(range, off))
				continue;
			sl_cidr_nth(range, off, &a);
			if (taken_by(ts, &a) < 0)
				break;
		}
		if (k == size) {
			sl_err_set(err, "alias \"%s\": no free address left in %s %s", req[i].name,
				   label, sl_cidr_format(range, c, sizeof(c)));
			return -ENOSPC;
		}
		taken_add(ts, &a, i);
		res[i] = a;
		done[i] = true;
	}
	return 0;
}

static int fill_table(const struct sl_vip_request *req, size_t n, const struct sl_addr *res,
		      struct sl_vip_table *t)
{
	size_t i;

	t->v = calloc(n, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		t->v[i].name = strdup(req[i].name);
		if (!t->v[i].name)
			return -ENOMEM;
		t->v[i].vip = res[i];
		t->n = i + 1;
	}
	return 0;
}

int sl_vip_assign(const struct sl_cidr *range, const char *family_label,
		  const struct sl_vip_request *req, size_t n, const struct sl_vip_table *prev,
		  struct sl_vip_table *out, struct sl_err *err)
{
	struct sl_vip_table t = { 0 };
	struct taken_set ts = { 0 };
	struct sl_addr *res = NULL;
	bool *done = NULL;
	size_t i;
	int ret = 0;

	if (!n)
		goto out;
	ret = -EINVAL;
	if (!range || !req)
		goto out;
	if (!family_label)
		family_label = "range";
	for (i = 0; i < n; i++) {
		if (!req[i].name) {
			ret = sl_err_set(err, "alias %zu: no name", i);
			goto out;
		}
	}

	ret = -ENOMEM;
	res = calloc(n, sizeof(*res));
	done = calloc(n, sizeof(*done));
	if (taken_init(&ts, n) || !res || !done)
		goto out;

	ret = assign_fixed(range, family_label, req, n, &ts, res, done, err);
	if (ret)
		goto out;
	ret = assign_prev(range, req, n, prev, &ts, res, done);
	if (ret)
		goto out;
	ret = assign_probe(range, family_label, req, n, &ts, res, done, err);
	if (ret)
		goto out;
	ret = fill_table(req, n, res, &t);
	if (ret)
		sl_vip_table_free(&t);
out:
	free(ts.v);
	free(res);
	free(done);
	*out = t;
	return ret;
}

void sl_vip_table_free(struct sl_vip_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

bool sl_vip_table_eq(const struct sl_vip_table *a, const struct sl_vip_table *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || !sl_addr_eq(&a->v[i].vip, &b->v[i].vip))
			return false;
	return true;
}
