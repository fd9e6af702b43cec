// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_slots.c: unit tests of sl_slots_build: shares, gcd reduction, scaling to the
 * capacity, smooth interleaving, slot fields, limits and determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/slots.h"

#define MAXB 128

/* Backends with ids 100, 101, ... of the given weights, at 10.0.0.(i+1):(8000+i). */
static size_t mk_backends(struct sl_slot_backend *b, const uint32_t *w, size_t n)
{
	size_t i;

	memset(b, 0, n * sizeof(*b));
	for (i = 0; i < n; i++) {
		b[i].backend_id = 100 + i;
		b[i].weight = w[i];
		sl_addr_from_v4(&b[i].addr, htonl(0x0a000001 + i));
		b[i].port = 8000 + i;
	}
	return n;
}

/* Index of the backend a slot belongs to. */
static size_t slot_owner(const struct sluice_slot *s)
{
	assert_true(s->backend_id >= 100 && s->backend_id < 100 + MAXB);
	return s->backend_id - 100;
}

/* Slots per backend in a table of size total. */
static void count_slots(const struct sluice_slot *t, int total, size_t n, uint32_t *count)
{
	int k;

	memset(count, 0, n * sizeof(*count));
	for (k = 0; k < total; k++) {
		size_t o = slot_owner(&t[k]);

		assert_true(o < n);
		count[o]++;
	}
}

/* Build for weights w with capacity cap; check the size and return per-backend counts. */
static int build_counts(const uint32_t *w, size_t n, size_t cap, uint32_t *count)
{
	struct sl_slot_backend b[MAXB];
	struct sluice_slot *t;
	int total;

	assert_true(n <= MAXB);
	mk_backends(b, w, n);
	t = calloc(cap ? cap : 1, sizeof(*t));
	assert_non_null(t);
	total = sl_slots_build(b, n, t, cap);
	if (total > 0)
		count_slots(t, total, n, count);
	free(t);
	return total;
}

static void test_zero_backends(void **state)
{
	struct sluice_slot t[4];

	(void)state;
	memset(t, 0xab, sizeof(t));
	assert_int_equal(sl_slots_build(NULL, 0, t, 4), 0);
	assert_int_equal(sl_slots_build(NULL, 0, NULL, 0), 0);
	assert_int_equal(t[0].nslots, 0xabababab);
}

static void test_equal_weights_one_slot_each(void **state)
{
	const uint32_t w[] = { 5, 5, 5, 5 };
	uint32_t count[4];
	size_t i;

	(void)state;
	assert_int_equal(build_counts(w, 4, SLUICE_MAX_SLOTS, count), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(count[i], 1);
}

static void test_one_to_three(void **state)
{
	const uint32_t w[] = { 1, 3 };
	uint32_t count[2];

	(void)state;
	assert_int_equal(build_counts(w, 2, SLUICE_MAX_SLOTS, count), 4);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 3);
}

static void test_gcd_reduction(void **state)
{
	const uint32_t w[] = { 2, 4, 6 };
	const uint32_t big[] = { 1000, 3000 };
	uint32_t count[3];

	(void)state;
	assert_int_equal(build_counts(w, 3, SLUICE_MAX_SLOTS, count), 6);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 2);
	assert_int_equal(count[2], 3);
	/* Even when the unreduced sum would not fit. */
	assert_int_equal(build_counts(big, 2, 8, count), 4);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 3);
}

/* Every backend has a slot, the table is full, and each share is within one slot of
 * the exact proportional share of cap. */
static void check_scaled(const uint32_t *w, size_t n, size_t cap)
{
	uint32_t count[MAXB];
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += w[i];
	assert_int_equal(build_counts(w, n, cap, count), cap);
	for (i = 0; i < n; i++) {
		double exact = w[i] * (double)cap / sum;
		double off = count[i] - exact;

		assert_true(count[i] >= 1);
		if (off >= 1.0 || off <= -1.0)
			fail_msg("backend %zu: %u slots, exact share %.3f", i, count[i], exact);
	}
}

static void test_scale_over_cap(void **state)
{
	const uint32_t w1[] = { 1000, 3000, 1, 5999 };
	const uint32_t w2[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const uint32_t w3[] = { 10000, 9999, 1, 7, 4242 };
	const uint32_t huge[] = { UINT32_MAX, UINT32_MAX - 1, 1, 1U << 31 };
	uint32_t w4[100];
	uint32_t count[4];
	size_t i;

	(void)state;
	check_scaled(w1, 4, 100);
	check_scaled(w2, 10, 20);
	check_scaled(w3, 5, SLUICE_MAX_SLOTS);
	check_scaled(huge, 4, SLUICE_MAX_SLOTS);
	for (i = 0; i < 100; i++)
		w4[i] = i + 1;
	check_scaled(w4, 100, SLUICE_MAX_SLOTS);

	/* Exact values: quotas 10, 30, 0.01, 59.99 -> the third is pinned at 1 and the
	 * other 99 seats go 9.9, 29.7, 59.4 -> by largest remainder 10, 30, 59. */
	assert_int_equal(build_counts(w1, 4, 100, count), 100);
	assert_int_equal(count[0], 10);
	assert_int_equal(count[1], 30);
	assert_int_equal(count[2], 1);
	assert_int_equal(count[3], 59);
}

static void test_scale_keeps_minimum(void **state)
{
	const uint32_t w1[] = { 7, 2, 1 };
	const uint32_t w2[] = { 6, 3, 1 };
	const uint32_t w3[] = { 1, 1, 1, 1000000 };
	const uint32_t w4[] = { 14, 15, 6, 53, 23 };
	const uint32_t w5[] = { 18, 17, 18, 5, 47, 3 };
	uint32_t count[6];
	size_t i;

	(void)state;
	/* Quotas 2.8, 0.8, 0.4: both small ones pinned, the first gets the other 2. */
	assert_int_equal(build_counts(w1, 3, 4, count), 4);
	assert_int_equal(count[0], 2);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	/* Quotas 3, 1.5, 0.5: the last pinned; 4 seats over 6:3 -> 2.67, 1.33 -> 3, 1. */
	assert_int_equal(build_counts(w2, 3, 5, count), 5);
	assert_int_equal(count[0], 3);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	/* n == cap: one slot each whatever the weights. */
	assert_int_equal(build_counts(w3, 4, 4, count), 4);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[3], 1);
	assert_int_equal(build_counts(w3, 4, 10, count), 10);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	assert_int_equal(count[3], 7);
	/* Pinning cascades: quotas 1.01, 1.08, 0.43, 3.82, 1.66 pin the third; then 7 seats
	 * over the rest give the first 0.93, pinned too; then 6 seats give the second 0.99,
	 * pinned too; the last two share 5 seats 3.49 : 1.51 -> 3, 2. */
	assert_int_equal(build_counts(w4, 5, 8, count), 8);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	assert_int_equal(count[3], 3);
	assert_int_equal(count[4], 2);
	assert_int_equal(build_counts(w5, 6, 6, count), 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(count[i], 1);
}

static void test_scale_remainder_ties(void **state)
{
	const uint32_t w1[] = { 3, 5, 2 };
	const uint32_t w2[] = { 3, 3, 2 };
	uint32_t count[3];

	(void)state;
	/* Quotas 1.5, 2.5, 1: the one seat left goes to the larger weight of the tie. */
	assert_int_equal(build_counts(w1, 3, 5, count), 5);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 3);
	assert_int_equal(count[2], 1);
	/* Quotas 1.5, 1.5, 1: equal weights, the first one wins. */
	assert_int_equal(build_counts(w2, 3, 4, count), 4);
	assert_int_equal(count[0], 2);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
}

static void test_too_many_backends(void **state)
{
	const uint32_t w[] = { 1, 1, 1 };
	struct sl_slot_backend b[3];
	struct sluice_slot t[3];

	(void)state;
	mk_backends(b, w, 3);
	assert_int_equal(sl_slots_build(b, 3, t, 2), -E2BIG);
	assert_int_equal(sl_slots_build(b, 1, t, 0), -E2BIG);
	assert_int_equal(sl_slots_build(b, 3, t, 3), 3);
}

static void test_max_slots(void **state)
{
	static struct sl_slot_backend b[SLUICE_MAX_SLOTS + 1];
	static struct sluice_slot t[SLUICE_MAX_SLOTS];
	size_t i;

	(void)state;
	for (i = 0; i <= SLUICE_MAX_SLOTS; i++) {
		b[i].backend_id = i;
		b[i].weight = 1 + i % 3;
	}
	assert_int_equal(sl_slots_build(b, SLUICE_MAX_SLOTS, t, SLUICE_MAX_SLOTS),
			 SLUICE_MAX_SLOTS);
	for (i = 0; i < SLUICE_MAX_SLOTS; i++)
		assert_int_equal(t[i].nslots, SLUICE_MAX_SLOTS);
	assert_int_equal(sl_slots_build(b, SLUICE_MAX_SLOTS + 1, t, SLUICE_MAX_SLOTS), -E2BIG);
}

static void test_zero_weight_refused(void **state)
{
	const uint32_t w[] = { 1, 0 };
	struct sl_slot_backend b[2];
	struct sluice_slot t[4];

	(void)state;
	mk_backends(b, w, 2);
	assert_int_equal(sl_slots_build(b, 2, t, 4), -EINVAL);
}

/* The owners of the slots of a table, as a string "ABA...". */
static void owners(const uint32_t *w, size_t n, char *s, size_t cap)
{
	struct sl_slot_backend b[MAXB];
	struct sluice_slot t[64];
	int total, k;

	assert_true(cap <= 64);
	mk_backends(b, w, n);
	total = sl_slots_build(b, n, t, cap);
	assert_true(total > 0);
	for (k = 0; k < total; k++)
		s[k] = 'A' + slot_owner(&t[k]);
	s[total] = '\0';
}

static void test_interleaving(void **state)
{
	const uint32_t w111[] = { 1, 1, 1 };
	const uint32_t w21[] = { 2, 1 };
	const uint32_t w511[] = { 5, 1, 1 };
	const uint32_t w33[] = { 3, 3, 2 };
	char s[65];
	size_t k, len;

	(void)state;
	owners(w111, 3, s, 64);
	assert_string_equal(s, "ABC");
	owners(w21, 2, s, 64);
	assert_string_equal(s, "ABA");
	/* nginx's documented sequence for weights 5, 1, 1. */
	owners(w511, 3, s, 64);
	assert_string_equal(s, "AABACAA");
	/* Never grouped: no backend twice in a row when none holds more than half. */
	owners(w33, 3, s, 64);
	len = strlen(s);
	assert_int_equal(len, 8);
	for (k = 0; k + 1 < len; k++)
		if (s[k] == s[k + 1])
			fail_msg("neighbours %zu and %zu both %c in %s", k, k + 1, s[k], s);
}

static void test_slot_fields(void **state)
{
	struct sl_slot_backend b[2];
	struct sluice_slot t[8];
	const uint32_t w[] = { 1, 2 };
	struct sl_addr six;
	int k, total;

	(void)state;
	mk_backends(b, w, 2);
	assert_int_equal(sl_addr_parse("2001:db8::7", &six), 0);
	b[1].addr = six;
	b[1].port = 0x1234;
	memset(t, 0xff, sizeof(t));
	total = sl_slots_build(b, 2, t, 8);
	assert_int_equal(total, 3);
	for (k = 0; k < total; k++) {
		const struct sl_slot_backend *o = &b[slot_owner(&t[k])];

		assert_memory_equal(t[k].addr, o->addr.a, sizeof(t[k].addr));
		assert_int_equal(t[k].port, htons(o->port));
		assert_int_equal(t[k].pad, 0);
		assert_int_equal(t[k].nslots, 3);
	}
	/* Port in network byte order, bytes as on the wire. */
	assert_int_equal(((uint8_t *)&t[0].port)[0], 0x12);
	assert_int_equal(((uint8_t *)&t[0].port)[1], 0x34);
	assert_int_equal(t[0].backend_id, 101);
	assert_memory_equal(t[0].addr, six.a, sizeof(six.a));
	/* Nothing written past the table. */
	for (k = total; k < 8; k++)
		assert_int_equal(t[k].nslots, 0xffffffff);
}

static void test_deterministic(void **state)
{
	const uint32_t w[] = { 17, 5, 300, 42, 1, 99 };
	struct sl_slot_backend b[6];
	struct sluice_slot t1[128], t2[128];
	int n1, n2;

	(void)state;
	mk_backends(b, w, 6);
	memset(t1, 0, sizeof(t1));
	memset(t2, 0x5a, sizeof(t2));
	n1 = sl_slots_build(b, 6, t1, 128);
	n2 = sl_slots_build(b, 6, t2, 128);
	assert_int_equal(n1, 128);
	assert_int_equal(n2, n1);
	assert_memory_equal(t1, t2, n1 * sizeof(t1[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_backends),
		cmocka_unit_test(test_equal_weights_one_slot_each),
		cmocka_unit_test(test_one_to_three),
		cmocka_unit_test(test_gcd_reduction),
		cmocka_unit_test(test_scale_over_cap),
		cmocka_unit_test(test_scale_keeps_minimum),
		cmocka_unit_test(test_scale_remainder_ties),
		cmocka_unit_test(test_too_many_backends),
		cmocka_unit_test(test_max_slots),
		cmocka_unit_test(test_zero_weight_refused),
		cmocka_unit_test(test_interleaving),
		cmocka_unit_test(test_slot_fields),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
