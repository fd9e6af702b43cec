// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_set.c: unit tests of the DNS answer-merging rule (dns_set.c): complete answers
 * replace, capped ones join a union without flapping, misses expire, cached copies count once. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "inputs/dns_set.h"

#define POOL 64

/* Member i: id "t<i>", 10.0.0.<i>, port 8000 + i. */
static struct sl_dns_member mk(int i)
{
	struct sl_dns_member m;
	char target[64];
	struct sl_addr a;

	snprintf(target, sizeof(target), "t%d.svc.ns", i);
	assert_int_equal(sl_dns_member_from_srv(&m, target, (uint16_t)(8000 + i), 1, 10000), 0);
	sl_addr_from_v4(&a, htonl(0x0a000000U | (uint32_t)i));
	m.has_v4 = true;
	m.addr4 = a;
	return m;
}

/* Take the answer of members idx[0..n) with TTL ttl. */
static bool take(struct sl_dns_set *s, const int *idx, size_t n, uint32_t ttl)
{
	struct sl_dns_member v[POOL];
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = mk(idx[i]);
	return sl_dns_set_take(s, v, n, n, ttl);
}

static bool holds(const struct sl_dns_set *s, int i)
{
	char id[16];
	size_t k;

	snprintf(id, sizeof(id), "t%d", i);
	for (k = 0; k < s->n; k++)
		if (!strcmp(s->v[k].id, id))
			return true;
	return false;
}

/* n of the members in live[0..nlive), a random draw without repeats. */
static void subset(const int *live, size_t nlive, size_t n, int *out, unsigned *seed)
{
	int pool[POOL];
	size_t i;

	memcpy(pool, live, nlive * sizeof(*pool));
	for (i = 0; i < n; i++) {
		size_t k = i + (size_t)rand_r(seed) % (nlive - i);
		int t = pool[i];

		pool[i] = pool[k];
		pool[k] = t;
		out[i] = pool[i];
	}
}

static void test_hold_answers(void **state)
{
	(void)state;
	assert_int_equal(sl_dns_hold_answers(0), 1);
	assert_int_equal(sl_dns_hold_answers(8), 1);
	assert_int_equal(sl_dns_hold_answers(9), 7);   /* (1/9)^7 < 1e-6 */
	assert_int_equal(sl_dns_hold_answers(20), 28); /* 0.6^28 < 1e-6 < 0.6^27 */
	assert_int_equal(sl_dns_hold_answers(100), 166);
}

/* An answer of fewer records than the cap is the whole set: departures go at once. */
static void test_short_answer_replaces(void **state)
{
	struct sl_dns_set s = { 0 };
	const int a[] = { 1, 2, 3 }, b[] = { 2, 3 }, c[] = { 2, 3, 4, 5 };

	(void)state;
	assert_true(take(&s, a, 3, 60));
	assert_int_equal(s.n, 3);
	assert_false(take(&s, a, 3, 60)); /* the same again: no change */
	assert_true(take(&s, b, 2, 60));
	assert_int_equal(s.n, 2);
	assert_false(holds(&s, 1));
	assert_true(take(&s, c, 4, 60));
	assert_int_equal(s.n, 4);
	sl_dns_set_free(&s);
}

/* More records than the cap: not a Route 53 subset, the whole set too. */
static void test_long_answer_replaces(void **state)
{
	struct sl_dns_set s = { 0 };
	int all[20], i;

	(void)state;
	for (i = 0; i < 20; i++)
		all[i] = i;
	assert_true(take(&s, all, 20, 60));
	assert_int_equal(s.n, 20);
	assert_true(take(&s, all + 1, 19, 60));
	assert_int_equal(s.n, 19);
	assert_false(holds(&s, 0));
	sl_dns_set_free(&s);
}

/* A service of 20 answered by random subsets of 8: once every member was seen, thousands of
 * answers change nothing. */
static void test_subsets_do_not_flap(void **state)
{
	struct sl_dns_set s = { 0 };
	int live[20], pick[8], i, changes = 0, round;
	unsigned seed = 42;

	(void)state;
	for (i = 0; i < 20; i++)
		live[i] = i;
	for (round = 0; round < 5000; round++) {
		size_t before = s.n;

		subset(live, 20, 8, pick, &seed);
		if (take(&s, pick, 8, 5) && before == 20)
			changes++;
		if (round > 200)
			assert_int_equal(s.n, 20);
	}
	assert_int_equal(changes, 0);
	sl_dns_set_free(&s);
}

/* A member of a union of 20 that stops is dropped after sl_dns_hold_answers(20) answers
 * without it, not one before; the others stay. */
static void test_departure_expires(void **state)
{
	struct sl_dns_set s = { 0 };
	int live[20], pick[8], i, round;
	uint32_t hold = sl_dns_hold_answers(20);
	unsigned seed = 7;

	(void)state;
	for (i = 0; i < 20; i++)
		live[i] = i;
	for (round = 0; s.n < 20 && round < 1000; round++) {
		subset(live, 20, 8, pick, &seed);
		take(&s, pick, 8, 5);
	}
	assert_int_equal(s.n, 20);
	/* t19 stops: answers are drawn from the other 19. */
	for (round = 1; round < (int)hold; round++) {
		subset(live, 19, 8, pick, &seed);
		take(&s, pick, 8, 5);
		assert_true(holds(&s, 19));
	}
	subset(live, 19, 8, pick, &seed);
	assert_true(take(&s, pick, 8, 5));
	assert_false(holds(&s, 19));
	assert_int_equal(s.n, 19);
	sl_dns_set_free(&s);
}

/* A resolver's cached copy (same records, TTL counting down) is no new sample: only the one
 * after the cache expired (TTL back up) counts a miss. */
static void test_cached_copies_count_once(void **state)
{
	struct sl_dns_set s = { 0 };
	const int first[] = { 0, 1, 2, 3, 4, 5, 6, 7 }, next[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t ttl, k;

	(void)state;
	take(&s, first, 8, 60);
	take(&s, next, 8, 60); /* t0 missed once (9 members: 7 to drop) */
	assert_int_equal(s.n, 9);
	for (ttl = 55; ttl > 0; ttl -= 5) /* the cache counts down: never dropped */
		take(&s, next, 8, ttl);
	assert_true(holds(&s, 0));
	assert_int_equal(s.v[0].misses, 1);
	/* The cache refreshed (TTL 60 again) and still without t0: each such answer counts. */
	for (k = 2; k < sl_dns_hold_answers(9); k++) {
		take(&s, next, 8, 60);
		assert_true(holds(&s, 0));
	}
	take(&s, next, 8, 60);
	assert_false(holds(&s, 0));
	assert_int_equal(s.n, 8);
	sl_dns_set_free(&s);
}

/* 9 members, one stops: every answer is then the same 8 (an authoritative server, constant
 * TTL): each is a sample, so the stopped one goes after sl_dns_hold_answers(9) of them. */
static void test_nine_to_eight(void **state)
{
	struct sl_dns_set s = { 0 };
	const int a[] = { 0, 1, 2, 3, 4, 5, 6, 7 }, b[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint32_t k;

	(void)state;
	take(&s, a, 8, 1);
	take(&s, b, 8, 1); /* t0's first miss */
	assert_int_equal(s.n, 9);
	for (k = 2; k < sl_dns_hold_answers(9); k++)
		take(&s, b, 8, 1);
	assert_true(holds(&s, 0));
	assert_true(take(&s, b, 8, 1));
	assert_false(holds(&s, 0));
	sl_dns_set_free(&s);
}

/* A member seen again has its misses cleared and its fields taken from the answer. */
static void test_seen_again(void **state)
{
	struct sl_dns_set s = { 0 };
	const int a[] = { 0, 1, 2, 3, 4, 5, 6, 7 }, b[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sl_dns_member v[8];
	size_t i;

	(void)state;
	take(&s, a, 8, 1);
	take(&s, b, 8, 1);
	take(&s, b, 8, 1);
	assert_int_equal(s.v[0].misses, 2);
	assert_false(take(&s, a, 8, 1)); /* t0 again: same ids in the union, no change */
	assert_int_equal(s.v[0].misses, 0);
	for (i = 0; i < 8; i++)
		v[i] = mk(a[i]);
	v[0].port = 9999; /* t0 moved to another port */
	assert_true(sl_dns_set_take(&s, v, 8, 8, 1));
	assert_int_equal(s.v[0].port, 9999);
	sl_dns_set_free(&s);
}

/* NXDOMAIN or NODATA: nothing left. */
static void test_clear(void **state)
{
	struct sl_dns_set s = { 0 };
	const int a[] = { 1, 2 };

	(void)state;
	assert_false(sl_dns_set_clear(&s));
	take(&s, a, 2, 1);
	assert_true(sl_dns_set_clear(&s));
	assert_int_equal(s.n, 0);
	assert_false(sl_dns_set_clear(&s));
}

/* Duplicate ids in one answer (two records naming one target): the first is kept. */
static void test_duplicates(void **state)
{
	struct sl_dns_set s = { 0 };
	struct sl_dns_member v[3] = { mk(1), mk(1), mk(2) };

	(void)state;
	v[1].port = 1;
	assert_true(sl_dns_set_take(&s, v, 3, 3, 1));
	assert_int_equal(s.n, 2);
	sl_dns_set_free(&s);
}

static void test_members(void **state)
{
	struct sl_dns_member m;
	struct sl_addr a;

	(void)state;
	assert_int_equal(sl_dns_member_from_srv(&m, "1a2b.orders.prod.local", 80, 1, 10000), 0);
	assert_string_equal(m.id, "1a2b");
	assert_int_equal(m.port, 80);
	assert_int_equal(m.weight, 1);
	assert_int_equal(sl_dns_member_from_srv(&m, "x", 80, 0, 10000), 0);
	assert_int_equal(m.weight, 1); /* RFC 2782's 0: no preference, not drained */
	assert_int_equal(sl_dns_member_from_srv(&m, "x.y", 80, 65535, 10000), 0);
	assert_int_equal(m.weight, 10000);
	assert_int_equal(sl_dns_member_from_srv(&m, "x.y", 80, 300, 10000), 0);
	assert_int_equal(m.weight, 300);
	assert_int_equal(sl_dns_member_from_srv(&m, "", 80, 1, 10000), -EINVAL); /* "." */
	assert_int_equal(sl_dns_member_from_srv(&m, "x.y", 0, 1, 10000), -EINVAL);
	assert_int_equal(sl_dns_member_from_srv(&m, "a234567890123456789012345678901234567890123"
						   "4567890123456789012345.y", 80, 1, 10000),
			 -EINVAL); /* 64 characters: no InstanceId */
	assert_int_equal(sl_addr_parse("fd00::2", &a), 0);
	sl_dns_member_from_addr(&m, &a);
	assert_string_equal(m.id, "fd00::2");
	assert_true(m.has_v6);
	assert_false(m.has_v4);
	assert_int_equal(m.port, 0);
	assert_int_equal(sl_addr_parse("10.1.2.3", &a), 0);
	sl_dns_member_from_addr(&m, &a);
	assert_string_equal(m.id, "10.1.2.3");
	assert_true(m.has_v4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_answers),
		cmocka_unit_test(test_short_answer_replaces),
		cmocka_unit_test(test_long_answer_replaces),
		cmocka_unit_test(test_subsets_do_not_flap),
		cmocka_unit_test(test_departure_expires),
		cmocka_unit_test(test_cached_copies_count_once),
		cmocka_unit_test(test_nine_to_eight),
		cmocka_unit_test(test_seen_again),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
