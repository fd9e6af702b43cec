// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_history.c: departed backends' ejection records: kept while they matter, found by
 * service, address and port, taken once, bounded, expired. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "health/history.h"

static const struct sl_outlier_cfg cfg = {
	.enabled = true, .consecutive_failures = 3, .base_ejection_ms = 30000,
	.max_ejection_ms = 300000, .max_ejection_percent = 50,
};

static struct sl_addr A(const char *s)
{
	struct sl_addr a;

	assert_int_equal(sl_addr_parse(s, &a), 0);
	return a;
}

/* Ejected at 1000 (30 s), it leaves and comes back at 5000 under a new id: still ejected until
 * 31000; re-admitted and ejected again soon, its time doubles. */
static void test_ejection_survives_a_readd(void **state)
{
	struct sl_history h = { .max = 16 };
	struct sl_outlier_state s = {}, back = {};
	struct sl_addr a = A("10.0.0.1");

	(void)state;
	sl_outlier_eject(&s, &cfg, 1000);
	assert_int_equal(sl_history_expiry(&s), 31000 + 30000);
	assert_int_equal(sl_history_put(&h, "api", &a, 80, &s, 2000), 0);
	assert_non_null(sl_history_find(&h, "api", &a, 80, 5000));
	assert_null(sl_history_find(&h, "api", &a, 81, 5000));
	assert_null(sl_history_find(&h, "db", &a, 80, 5000));
	assert_true(sl_history_take(&h, "api", &a, 80, &back, 5000));
	assert_false(sl_history_take(&h, "api", &a, 80, &back, 5000)); /* taken once */
	assert_true(back.ejected);
	assert_int_equal(back.until_ms, 31000);
	sl_outlier_readmit(&back, 31000);
	assert_int_equal(sl_outlier_eject(&back, &cfg, 32000), 60000);
	sl_history_free(&h);
}

/* A record that no longer matters is not kept, nor found, and expire drops it. */
static void test_expiry(void **state)
{
	struct sl_history h = { .max = 16 };
	struct sl_outlier_state none = {}, s = {}, back;
	struct sl_addr a = A("10.0.0.1"), b = A("10.0.0.2");

	(void)state;
	assert_int_equal(sl_history_put(&h, "api", &a, 80, &none, 0), 0);
	assert_int_equal(h.n, 0);
	sl_outlier_eject(&s, &cfg, 0);
	sl_outlier_readmit(&s, 30000);
	assert_int_equal(sl_history_expiry(&s), 60000);
	assert_int_equal(sl_history_put(&h, "api", &a, 80, &s, 70000), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(sl_history_put(&h, "api", &a, 80, &s, 40000), 0);
	assert_int_equal(sl_history_put(&h, "api", &b, 80, &s, 40000), 0);
	assert_int_equal(h.n, 2);
	assert_false(sl_history_take(&h, "api", &a, 80, &back, 60000));
	assert_int_equal(h.n, 1);
	sl_history_expire(&h, 60000);
	assert_int_equal(h.n, 0);
	sl_history_free(&h);
}

/* Bounded: the record expiring first makes room; keys stay sorted. */
static void test_bounded(void **state)
{
	struct sl_history h = { .max = 3 };
	struct sl_outlier_state s = {};
	struct sl_addr a;
	char ip[32];
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		s.ejections = 1;
		s.ejected = true;
		s.last_ms = 1000;
		s.until_ms = 10000 + (uint64_t)i * 1000;
		snprintf(ip, sizeof(ip), "10.0.0.%d", 9 - i);
		a = A(ip);
		assert_int_equal(sl_history_put(&h, "api", &a, 80, &s, 0), 0);
	}
	assert_int_equal(h.n, 3);
	for (i = 1; i < 3; i++)
		assert_true(sl_addr_cmp(&h.v[i - 1].addr, &h.v[i].addr) < 0);
	assert_int_equal(h.v[0].state.until_ms, 14000); /* 10.0.0.5, put last */
	assert_int_equal(h.v[2].state.until_ms, 12000); /* 10.0.0.7 */
	sl_history_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ejection_survives_a_readd),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
