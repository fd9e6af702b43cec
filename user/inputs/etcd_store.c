// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* etcd_store.c: an etcd source's keys sorted by name, each value parsed by the registry's own
 * instance parser; a refused value is said once and keeps the key's last good instance. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/etcd_store.h"
#include "lib/log.h"
#include "lib/vec.h"

int sl_etcd_store_init(struct sl_etcd_store *st, const char *prefix, const char *ns, size_t max)
{
	memset(st, 0, sizeof(*st));
	st->max = max;
	st->ns = strdup(ns);
	if (!st->ns || asprintf(&st->ns_prefix, "%s%s/", prefix, ns) < 0) {
		free(st->ns);
		memset(st, 0, sizeof(*st));
		return -ENOMEM;
	}
	return 0;
}

static void entry_free(struct sl_etcd_entry *e)
{
	free(e->key);
	sl_instance_free(&e->good);
	free(e->bad);
	memset(e, 0, sizeof(*e));
}

static void entries_free(struct sl_etcd_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		entry_free(&v[i]);
	free(v);
}

void sl_etcd_store_free(struct sl_etcd_store *st)
{
	entries_free(st->v, st->n);
	free(st->ns_prefix);
	free(st->ns);
	memset(st, 0, sizeof(*st));
}

/* The index of key, or where it would go (*found false). */
static size_t find(const struct sl_etcd_store *st, const char *key, bool *found)
{
	size_t lo = 0, hi = st->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, st->v[mid].key);

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

/* kv's value as an instance into *in, or why not into msg. 0, -EINVAL, -ENOMEM. */
static int parse_value(const struct sl_etcd_store *st, const struct sl_etcd_kv *kv,
		       struct sl_instance *in, struct sl_err *err)
{
	char *service, *id;
	int ret;

	ret = sl_etcd_key_split(kv->key, st->ns_prefix, &service, &id, err);
	if (ret)
		return ret;
	ret = sl_registry_instance_parse(kv->value, kv->value_len, kv->key, id, service, st->ns,
					 in, err);
	free(service);
	free(id);
	return ret;
}

/* e's value refused for msg: said when the reason changed. */
static int refuse(struct sl_etcd_store *st, struct sl_etcd_entry *e, const char *msg)
{
	if (e->bad && !strcmp(e->bad, msg))
		return 0;
	pr_err("registry etcd: %s", msg);
	if (e->has_good)
		pr_warn("registry etcd: %s: keeping its last good value (instance %s)", e->key,
			e->good.id);
	else
		pr_warn("registry etcd: %s: no instance until its value is good", e->key);
	st->nbad += !e->bad;
	free(e->bad);
	e->bad = strdup(msg);
	if (!e->bad) {
		st->nbad--;
		return -ENOMEM;
	}
	return 0;
}

/* A new entry for key at index i: 0 or -ENOMEM. */
static int insert(struct sl_etcd_store *st, size_t i, const char *key)
{
	char *k = strdup(key);

	if (!k || sl_vec_room(st->v, st->n, st->cap)) {
		free(k);
		return -ENOMEM;
	}
	memmove(&st->v[i + 1], &st->v[i], (st->n - i) * sizeof(*st->v));
	memset(&st->v[i], 0, sizeof(st->v[i]));
	st->v[i].key = k;
	st->n++;
	return 0;
}

int sl_etcd_store_put(struct sl_etcd_store *st, const struct sl_etcd_kv *kv, time_t now)
{
	struct sl_err err = { { 0 } };
	struct sl_instance in;
	struct sl_etcd_entry *e;
	bool found;
	size_t i = find(st, kv->key, &found);
	int ret;

	if (!found) {
		ret = insert(st, i, kv->key);
		if (ret)
			return ret;
	}
	e = &st->v[i];
	ret = parse_value(st, kv, &in, &err);
	if (ret == -ENOMEM)
		return ret;
	if (!ret && !e->has_good && st->ngood >= st->max) {
		sl_instance_free(&in);
		snprintf(err.msg, sizeof(err.msg), "%s: refused: the registry holds %zu instances "
			 "already, as many as it may (limits.backends)", kv->key, st->ngood);
		ret = -ENOSPC;
	}
	if (ret)
		return refuse(st, e, err.msg) ?: 0;
	if (e->bad)
		pr_info("registry etcd: %s: its value is good again", e->key);
	st->nbad -= !!e->bad;
	free(e->bad);
	e->bad = NULL;
	st->ngood += !e->has_good;
	sl_instance_free(&e->good);
	e->good = in;
	e->has_good = true;
	e->good_at = now;
	return 1;
}

int sl_etcd_store_delete(struct sl_etcd_store *st, const char *key)
{
	bool found;
	size_t i = find(st, key, &found);
	bool had = found && st->v[i].has_good;

	if (!found)
		return 0;
	st->ngood -= had;
	st->nbad -= !!st->v[i].bad;
	entry_free(&st->v[i]);
	memmove(&st->v[i], &st->v[i + 1], (st->n - i - 1) * sizeof(*st->v));
	st->n--;
	return had;
}

/* Move old's entry for key (if any) into the new store's entry e: its last good value. */
static void inherit(struct sl_etcd_store *old, struct sl_etcd_entry *e, size_t *ngood)
{
	bool found;
	size_t i = find(old, e->key, &found);

	if (!found || !old->v[i].has_good)
		return;
	e->good = old->v[i].good;
	e->good_at = old->v[i].good_at;
	e->has_good = true;
	e->bad = old->v[i].bad; /* said already if the same */
	memset(&old->v[i].good, 0, sizeof(old->v[i].good));
	old->v[i].has_good = false;
	old->v[i].bad = NULL;
	(*ngood)++;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct sl_etcd_kv *const *)a)->key,
		      (*(const struct sl_etcd_kv *const *)b)->key);
}

int sl_etcd_store_replace(struct sl_etcd_store *st, const struct sl_etcd_kv *kvs, size_t n,
			  time_t now)
{
	struct sl_etcd_store next = *st;
	const struct sl_etcd_kv **sorted = calloc(n + 1, sizeof(*sorted));
	size_t i, ngood_before = st->ngood;
	int ret = 0;

	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &kvs[i];
	qsort(sorted, n, sizeof(*sorted), kv_cmp);
	next.v = NULL;
	next.n = next.cap = next.ngood = next.nbad = 0;
	for (i = 0; i < n && !ret; i++) {
		if (i && !strcmp(sorted[i]->key, sorted[i - 1]->key))
			continue; /* a range lists a key once; a fuzzed one may not */
		ret = insert(&next, next.n, sorted[i]->key);
		if (ret)
			break;
		inherit(st, &next.v[next.n - 1], &next.ngood);
		next.nbad += !!next.v[next.n - 1].bad;
		ret = sl_etcd_store_put(&next, sorted[i], now);
		ret = ret < 0 ? ret : 0;
	}
	free(sorted);
	if (ret) { /* what was moved into next stays there: the store keeps less, said */
		pr_err("registry etcd: out of memory taking a re-list");
		entries_free(next.v, next.n);
		return ret;
	}
	for (i = 0; i < st->n; i++)
		if (st->v[i].has_good)
			pr_info("registry etcd: %s: gone from the re-list", st->v[i].key);
	entries_free(st->v, st->n);
	st->v = next.v;
	st->n = next.n;
	st->cap = next.cap;
	st->ngood = next.ngood;
	st->nbad = next.nbad;
	return n || ngood_before ? 1 : 0;
}

int sl_etcd_store_instances(const struct sl_etcd_store *st, struct sl_instances *out)
{
	struct sl_instances good = { .v = calloc(st->ngood + 1, sizeof(*good.v)) };
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!good.v)
		return -ENOMEM;
	for (i = 0; i < st->n; i++) /* shallow: the copies are sl_instances_append's */
		if (st->v[i].has_good)
			good.v[good.n++] = st->v[i].good;
	ret = sl_instances_append(out, &good);
	free(good.v);
	if (ret)
		sl_instances_free(out);
	return ret;
}
