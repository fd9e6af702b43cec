// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_set.c: the answer-merging rule of the DNS source (dns_set.h): complete answers replace,
 * partial ones (exactly the 8-record cap) join a union whose members expire after enough misses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/dns_set.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

uint32_t sl_dns_hold_answers(size_t members)
{
	double keep, p = 1.0;
	uint32_t n = 0;

	if (members <= SL_DNS_ANSWER_CAP)
		return 1;
	keep = 1.0 - (double)SL_DNS_ANSWER_CAP / (double)members;
	while (p * SL_DNS_FALSE_DROP_ODDS > 1.0) {
		p *= keep;
		n++;
	}
	return n;
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp(((const struct sl_dns_member *)x)->id, ((const struct sl_dns_member *)y)->id);
}

static bool same_fields(const struct sl_dns_member *a, const struct sl_dns_member *b)
{
	return a->has_v4 == b->has_v4 && a->has_v6 == b->has_v6 &&
	       (!a->has_v4 || sl_addr_eq(&a->addr4, &b->addr4)) &&
	       (!a->has_v6 || sl_addr_eq(&a->addr6, &b->addr6)) && a->port == b->port &&
	       a->weight == b->weight;
}

/* answer's members sorted by id, duplicates dropped (the first kept), into a new array. */
static struct sl_dns_member *sorted_copy(const struct sl_dns_member *answer, size_t n,
					 size_t *out_n)
{
	struct sl_dns_member *v = calloc(n + 1, sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	if (n)
		memcpy(v, answer, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_member); /* not stable: equal ids are alike enough */
	for (i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1].id, v[i].id))
			continue;
		v[k] = v[i];
		v[k++].misses = 0;
	}
	*out_n = k;
	return v;
}

static uint64_t ids_sig(const struct sl_dns_member *v, size_t n)
{
	uint64_t h = FNV_OFFSET;
	size_t i;
	const char *c;

	for (i = 0; i < n; i++) {
		for (c = v[i].id; *c; c++)
			h = (h ^ (uint8_t)*c) * FNV_PRIME;
		h = (h ^ 0xff) * FNV_PRIME; /* between ids: no byte of an id */
	}
	return h;
}

static bool sets_differ(const struct sl_dns_member *a, size_t na, const struct sl_dns_member *b,
			size_t nb)
{
	size_t i;

	if (na != nb)
		return true;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].id, b[i].id) || !same_fields(&a[i], &b[i]))
			return true;
	return false;
}

/* The union of s's members and the sorted answer a, into out (room for s->n + na); misses
 * counted when sample. How many. */
static size_t merge(const struct sl_dns_set *s, const struct sl_dns_member *a, size_t na,
		    bool sample, struct sl_dns_member *out)
{
	size_t i = 0, k = 0, n = 0, total = 0;
	uint32_t hold;

	while (i < s->n || k < na) {
		int c = i == s->n ? 1 : k == na ? -1 : strcmp(s->v[i].id, a[k].id);

		total++;
		if (c == 0)
			i++;
		if (c >= 0)
			k++;
		else
			i++;
	}
	hold = sl_dns_hold_answers(total);
	i = k = 0;
	while (i < s->n || k < na) {
		int c = i == s->n ? 1 : k == na ? -1 : strcmp(s->v[i].id, a[k].id);

		if (c >= 0) { /* in the answer: as it says */
			out[n++] = a[k++];
			i += c == 0;
			continue;
		}
		out[n] = s->v[i++];
		if (sample)
			out[n].misses++;
		if (out[n].misses < hold)
			n++;
	}
	return n;
}

bool sl_dns_set_take(struct sl_dns_set *s, const struct sl_dns_member *answer, size_t n,
		     size_t nrecords, uint32_t ttl)
{
	struct sl_dns_member *a, *next;
	size_t na, nn;
	uint64_t sig;
	bool sample, changed;

	a = sorted_copy(answer, n, &na);
	if (!a)
		return false;
	sig = ids_sig(a, na);
	if (nrecords != SL_DNS_ANSWER_CAP) {
		next = a;
		nn = na;
	} else {
		sample = !s->answered || sig != s->last_sig || ttl >= s->last_ttl;
		next = calloc(s->n + na + 1, sizeof(*next));
		if (!next) {
			free(a);
			return false;
		}
		nn = merge(s, a, na, sample, next);
		free(a);
	}
	changed = sets_differ(s->v, s->n, next, nn);
	free(s->v);
	s->v = next;
	s->n = s->cap = nn;
	s->answered = true;
	s->last_sig = sig;
	s->last_ttl = ttl;
	return changed;
}

bool sl_dns_set_clear(struct sl_dns_set *s)
{
	bool had = s->n > 0;

	free(s->v);
	memset(s, 0, sizeof(*s));
	return had;
}

void sl_dns_set_free(struct sl_dns_set *s)
{
	sl_dns_set_clear(s);
}

void sl_dns_member_from_addr(struct sl_dns_member *m, const struct sl_addr *a)
{
	memset(m, 0, sizeof(*m));
	sl_addr_format(a, m->id, sizeof(m->id));
	if (sl_addr_is_v4(a)) {
		m->has_v4 = true;
		m->addr4 = *a;
	} else {
		m->has_v6 = true;
		m->addr6 = *a;
	}
	m->weight = 1;
}

int sl_dns_member_from_srv(struct sl_dns_member *m, const char *target, uint16_t port,
			   uint16_t weight, uint32_t max_weight)
{
	const char *dot = strchr(target, '.');
	size_t len = dot ? (size_t)(dot - target) : strlen(target);

	memset(m, 0, sizeof(*m));
	if (!len || len >= sizeof(m->id) || !port)
		return -EINVAL;
	memcpy(m->id, target, len);
	m->port = port;
	m->weight = !weight ? 1 : weight > max_weight ? max_weight : weight;
	return 0;
}
