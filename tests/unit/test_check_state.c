// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_check_state.c: unit tests of the health check logic: thresholds, status matching,
 * config equality, jittered delays with an injected random source, the heap of due times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "health/check_state.h"

static struct sl_status_range default_range[] = { { 200, 399 } };

static struct sl_health_check_cfg mk_cfg(uint32_t unhealthy, uint32_t healthy)
{
	struct sl_health_check_cfg c = {
		.enabled = true, .proto = SL_HC_HTTP, .path = "/", .interval_ms = 5000,
		.timeout_ms = 2000, .unhealthy_threshold = unhealthy,
		.healthy_threshold = healthy, .expect = default_range, .nexpect = 1,
	};

	return c;
}

/* Record results given as a string of 'p' (pass) and 'f' (fail); the changes as a string of
 * the same length: '.' no change, 'U' turned unhealthy, 'H' turned healthy. */
static void run_results(struct sl_hc_state *s, const struct sl_health_check_cfg *c,
			const char *results, const char *want)
{
	size_t i, n = strlen(results);
	char got[64];

	assert_true(n < sizeof(got));
	for (i = 0; i < n; i++) {
		bool changed = sl_hc_state_record(s, c, results[i] == 'p');

		got[i] = !changed ? '.' : s->healthy ? 'H' : 'U';
	}
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void test_state_starts_healthy(void **state)
{
	struct sl_hc_state s;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	sl_hc_state_init(&s);
	assert_true(s.healthy);
	assert_int_equal(s.passes, 0);
	assert_int_equal(s.failures, 0);
}

static void test_unhealthy_after_threshold_failures(void **state)
{
	struct sl_health_check_cfg c = mk_cfg(3, 2);
	struct sl_hc_state s;

	(void)state;
	sl_hc_state_init(&s);
	/* Not before the third failure in a row, once only. */
	run_results(&s, &c, "fffff", "..U..");
	assert_false(s.healthy);
	assert_int_equal(s.failures, 5);
	assert_int_equal(s.passes, 0);
}

static void test_pass_breaks_failure_run(void **state)
{
	struct sl_health_check_cfg c = mk_cfg(3, 2);
	struct sl_hc_state s;

	(void)state;
	sl_hc_state_init(&s);
	run_results(&s, &c, "ffpffpfff", "........U");
}

static void test_recovery_needs_healthy_threshold(void **state)
{
	struct sl_health_check_cfg c = mk_cfg(2, 3);
	struct sl_hc_state s;

	(void)state;
	sl_hc_state_init(&s);
	run_results(&s, &c, "ff", ".U");
	/* A failure between passes starts the count again. */
	run_results(&s, &c, "ppfpppp", ".....H.");
	assert_true(s.healthy);
	assert_int_equal(s.passes, 4);
	run_results(&s, &c, "ff", ".U");
}

static void test_threshold_one_and_zero(void **state)
{
	struct sl_health_check_cfg one = mk_cfg(1, 1), zero = mk_cfg(0, 0);
	struct sl_hc_state s;

	(void)state;
	sl_hc_state_init(&s);
	run_results(&s, &one, "fpfpp", "UHUH.");
	sl_hc_state_init(&s);
	run_results(&s, &zero, "ffpp", "U.H.");
}

static void test_counts_saturate(void **state)
{
	struct sl_health_check_cfg c = mk_cfg(2, 2);
	struct sl_hc_state s = { .healthy = false, .failures = UINT32_MAX };

	(void)state;
	assert_false(sl_hc_state_record(&s, &c, false));
	assert_int_equal(s.failures, UINT32_MAX);
	s = (struct sl_hc_state){ .healthy = true, .passes = UINT32_MAX };
	assert_false(sl_hc_state_record(&s, &c, true));
	assert_int_equal(s.passes, UINT32_MAX);
}

static void test_status_default_range(void **state)
{
	struct sl_health_check_cfg c = mk_cfg(2, 2);

	(void)state;
	c.expect = NULL;
	c.nexpect = 0;
	assert_false(sl_hc_status_ok(&c, 0));
	assert_false(sl_hc_status_ok(&c, 199));
	assert_true(sl_hc_status_ok(&c, 200));
	assert_true(sl_hc_status_ok(&c, 301));
	assert_true(sl_hc_status_ok(&c, 399));
	assert_false(sl_hc_status_ok(&c, 400));
	assert_false(sl_hc_status_ok(&c, 500));
	/* The config's own default is the same range. */
	c = mk_cfg(2, 2);
	assert_true(sl_hc_status_ok(&c, 301));
	assert_false(sl_hc_status_ok(&c, 404));
}

static void test_status_ranges(void **state)
{
	struct sl_status_range r[] = { { 200, 200 }, { 404, 404 }, { 500, 503 } };
	struct sl_health_check_cfg c = mk_cfg(2, 2);

	(void)state;
	c.expect = r;
	c.nexpect = 3;
	assert_true(sl_hc_status_ok(&c, 200));
	assert_false(sl_hc_status_ok(&c, 201));
	assert_false(sl_hc_status_ok(&c, 301));
	assert_true(sl_hc_status_ok(&c, 404));
	assert_false(sl_hc_status_ok(&c, 499));
	assert_true(sl_hc_status_ok(&c, 500));
	assert_true(sl_hc_status_ok(&c, 503));
	assert_false(sl_hc_status_ok(&c, 504));
	assert_false(sl_hc_status_ok(&c, -1));
	assert_false(sl_hc_status_ok(&c, 0x10000 + 200));
}

static void test_cfg_eq(void **state)
{
	struct sl_status_range r1[] = { { 200, 299 } }, r2[] = { { 200, 299 } };
	struct sl_status_range r3[] = { { 200, 300 } };
	struct sl_health_check_cfg a = mk_cfg(2, 3), b;
	char path[] = "/health";

	(void)state;
	a.path = "/health";
	a.expect = r1;
	b = a;
	b.path = path;
	b.expect = r2;
	assert_true(sl_hc_cfg_eq(&a, &b)); /* contents, not pointers */
	b.expect = r3;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.nexpect = 0;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.path = "/other";
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.proto = SL_HC_TCP;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.port = 9;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.interval_ms++;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.timeout_ms++;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.unhealthy_threshold++;
	assert_false(sl_hc_cfg_eq(&a, &b));
	b = a;
	b.healthy_threshold++;
	assert_false(sl_hc_cfg_eq(&a, &b));
	/* No path is the default "/". */
	a.path = NULL;
	b = a;
	b.path = "/";
	assert_true(sl_hc_cfg_eq(&a, &b));
	b.path = "/x";
	assert_false(sl_hc_cfg_eq(&a, &b));
}

/* A random source that returns a fixed value. */
static uint32_t fixed_next(void *ctx)
{
	return *(uint32_t *)ctx;
}

/* A deterministic pseudo-random source (xorshift32). */
static uint32_t xs_next(void *ctx)
{
	uint32_t *x = ctx;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_rand_below_bounds(void **state)
{
	uint32_t v = 0;
	struct sl_hc_rand r = { fixed_next, &v };

	(void)state;
	assert_int_equal(sl_hc_rand_below(&r, 10), 0);
	v = UINT32_MAX;
	assert_int_equal(sl_hc_rand_below(&r, 10), 9);
	assert_int_equal(sl_hc_rand_below(&r, 1), 0);
	assert_int_equal(sl_hc_rand_below(&r, 0), 0);
	assert_int_equal(sl_hc_rand_below(&r, UINT32_MAX), UINT32_MAX - 1);
	v = 1U << 31;
	assert_int_equal(sl_hc_rand_below(&r, 1000), 500);
}

static void test_first_delay(void **state)
{
	uint32_t v = UINT32_MAX;
	struct sl_hc_rand r = { fixed_next, &v };

	(void)state;
	/* At most 1 s, and within the interval when that is shorter. */
	assert_int_equal(sl_hc_first_delay_ms(5000, &r), 999);
	assert_int_equal(sl_hc_first_delay_ms(1000, &r), 999);
	assert_int_equal(sl_hc_first_delay_ms(300, &r), 299);
	assert_int_equal(sl_hc_first_delay_ms(1, &r), 0);
	assert_int_equal(sl_hc_first_delay_ms(0, &r), 0);
	v = 0;
	assert_int_equal(sl_hc_first_delay_ms(5000, &r), 0);
	assert_int_equal(sl_hc_first_delay_ms(300, &r), 0);
}

static void test_next_delay_extremes(void **state)
{
	uint32_t v = 0;
	struct sl_hc_rand r = { fixed_next, &v };

	(void)state;
	assert_int_equal(sl_hc_next_delay_ms(5000, &r), 4500);
	assert_int_equal(sl_hc_next_delay_ms(1000, &r), 900);
	v = UINT32_MAX;
	assert_int_equal(sl_hc_next_delay_ms(5000, &r), 5500);
	assert_int_equal(sl_hc_next_delay_ms(1000, &r), 1100);
	/* Too short to jitter; never 0. */
	assert_int_equal(sl_hc_next_delay_ms(9, &r), 9);
	assert_int_equal(sl_hc_next_delay_ms(0, &r), 1);
	v = 0;
	assert_int_equal(sl_hc_next_delay_ms(0, &r), 1);
	/* No overflow at the top of the range. */
	v = UINT32_MAX;
	assert_true(sl_hc_next_delay_ms(UINT32_MAX, &r) > UINT32_MAX);
}

static void test_delays_spread(void **state)
{
	uint32_t x = 12345, seen_lo = UINT32_MAX, seen_hi = 0;
	struct sl_hc_rand r = { xs_next, &x };
	uint64_t sum = 0, d;
	unsigned int buckets[10] = {}, i;
	const unsigned int n = 20000;

	(void)state;
	for (i = 0; i < n; i++) {
		d = sl_hc_next_delay_ms(1000, &r);
		assert_in_range(d, 900, 1100);
		sum += d;
		seen_lo = d < seen_lo ? d : seen_lo;
		seen_hi = d > seen_hi ? d : seen_hi;
	}
	assert_in_range(sum / n, 990, 1010);
	assert_true(seen_lo <= 902 && seen_hi >= 1098);
	for (i = 0; i < n; i++) {
		d = sl_hc_first_delay_ms(5000, &r);
		assert_true(d < 1000);
		buckets[d / 100]++;
	}
	/* Roughly even over the first second. */
	for (i = 0; i < 10; i++)
		assert_in_range(buckets[i], n / 10 - n / 50, n / 10 + n / 50);
}

/* The heap property and every entry's recorded position. */
static void check_heap(const struct sl_hc_heap *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i]->pos, i);
		if (i)
			assert_true(h->v[(i - 1) / 2]->due_ms <= h->v[i]->due_ms);
	}
}

/* Take every entry out in order; return how many, asserting non-decreasing due times. */
static size_t drain_sorted(struct sl_hc_heap *h, uint64_t *out)
{
	struct sl_hc_sched *s;
	size_t n = 0;
	uint64_t last = 0;

	while ((s = sl_hc_heap_peek(h))) {
		assert_true(s->due_ms >= last);
		last = s->due_ms;
		if (out)
			out[n] = s->due_ms;
		n++;
		sl_hc_heap_remove(h, s);
		assert_int_equal(s->pos, SL_HC_NOT_QUEUED);
		if (n % 997 == 0 || h->n < 64)
			check_heap(h);
	}
	return n;
}

static void test_heap_basic(void **state)
{
	struct sl_hc_heap h = {};
	struct sl_hc_sched e[5];
	const uint64_t due[5] = { 50, 10, 40, 10, 30 };
	uint64_t got[5];
	size_t i;

	(void)state;
	assert_null(sl_hc_heap_peek(&h));
	assert_int_equal(sl_hc_heap_reserve(&h, 5), 0);
	assert_int_equal(sl_hc_heap_reserve(&h, 2), 0); /* never shrinks */
	assert_int_equal(h.cap, 5);
	for (i = 0; i < 5; i++) {
		e[i].pos = SL_HC_NOT_QUEUED;
		sl_hc_heap_push(&h, &e[i], due[i]);
		check_heap(&h);
	}
	assert_int_equal(sl_hc_heap_peek(&h)->due_ms, 10);
	/* Later, earlier, out of the middle. */
	sl_hc_heap_update(&h, &e[1], 45);
	check_heap(&h);
	sl_hc_heap_update(&h, &e[0], 5);
	check_heap(&h);
	assert_ptr_equal(sl_hc_heap_peek(&h), &e[0]);
	sl_hc_heap_remove(&h, &e[2]);
	check_heap(&h);
	sl_hc_heap_remove(&h, &e[2]); /* not queued: nothing */
	assert_int_equal(h.n, 4);
	assert_int_equal(drain_sorted(&h, got), 4);
	assert_int_equal(got[0], 5);
	assert_int_equal(got[1], 10);
	assert_int_equal(got[2], 30);
	assert_int_equal(got[3], 45);
	sl_hc_heap_free(&h);
	assert_null(h.v);
}

/* Many random pushes, updates and removals, as 10,000 backends would do. */
static void test_heap_random(void **state)
{
	const size_t n = 10000;
	struct sl_hc_sched *e = calloc(n, sizeof(*e));
	struct sl_hc_heap h = {};
	uint32_t x = 777;
	size_t i, queued = n;

	(void)state;
	assert_non_null(e);
	assert_int_equal(sl_hc_heap_reserve(&h, n), 0);
	for (i = 0; i < n; i++) {
		e[i].pos = SL_HC_NOT_QUEUED;
		sl_hc_heap_push(&h, &e[i], xs_next(&x) % 100000);
	}
	check_heap(&h);
	for (i = 0; i < 3 * n; i++) {
		struct sl_hc_sched *s = &e[xs_next(&x) % n];

		if (s->pos == SL_HC_NOT_QUEUED) {
			sl_hc_heap_push(&h, s, xs_next(&x) % 100000);
			queued++;
		} else if (xs_next(&x) % 4 == 0) {
			sl_hc_heap_remove(&h, s);
			queued--;
		} else {
			sl_hc_heap_update(&h, s, xs_next(&x) % 100000);
		}
		/* Like the engine: the first one is always checked and moved on. */
		s = sl_hc_heap_peek(&h);
		if (s)
			sl_hc_heap_update(&h, s, s->due_ms + 1 + xs_next(&x) % 5000);
	}
	check_heap(&h);
	assert_int_equal(h.n, queued);
	assert_int_equal(drain_sorted(&h, NULL), queued);
	sl_hc_heap_free(&h);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_starts_healthy),
		cmocka_unit_test(test_unhealthy_after_threshold_failures),
		cmocka_unit_test(test_pass_breaks_failure_run),
		cmocka_unit_test(test_recovery_needs_healthy_threshold),
		cmocka_unit_test(test_threshold_one_and_zero),
		cmocka_unit_test(test_counts_saturate),
		cmocka_unit_test(test_status_default_range),
		cmocka_unit_test(test_status_ranges),
		cmocka_unit_test(test_cfg_eq),
		cmocka_unit_test(test_rand_below_bounds),
		cmocka_unit_test(test_first_delay),
		cmocka_unit_test(test_next_delay_extremes),
		cmocka_unit_test(test_delays_spread),
		cmocka_unit_test(test_heap_basic),
		cmocka_unit_test(test_heap_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
