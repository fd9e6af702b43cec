// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_outlier.c: ejection lengths (doubling, cap, reset after serving), the per-service
 * ejection cap, re-admission times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "health/outlier.h"

static const struct sl_outlier_cfg cfg = {
	.enabled = true, .consecutive_failures = 3, .base_ejection_ms = 30000,
	.max_ejection_ms = 300000, .max_ejection_percent = 50,
};

static void test_duration_doubles_up_to_max(void **state)
{
	(void)state;
	assert_int_equal(sl_outlier_duration_ms(&cfg, 1), 30000);
	assert_int_equal(sl_outlier_duration_ms(&cfg, 2), 60000);
	assert_int_equal(sl_outlier_duration_ms(&cfg, 3), 120000);
	assert_int_equal(sl_outlier_duration_ms(&cfg, 4), 240000);
	assert_int_equal(sl_outlier_duration_ms(&cfg, 5), 300000);
	assert_int_equal(sl_outlier_duration_ms(&cfg, 4000000000U), 300000);
}

static void test_eject_and_readmit(void **state)
{
	struct sl_outlier_state s = {};

	(void)state;
	assert_int_equal(sl_outlier_eject(&s, &cfg, 1000), 30000);
	assert_true(s.ejected);
	assert_false(sl_outlier_due(&s, 30999));
	assert_true(sl_outlier_due(&s, 31000));
	sl_outlier_readmit(&s, 31000);
	assert_false(s.ejected);
	assert_false(sl_outlier_due(&s, 99999999));
	/* Ejected again soon after coming back: twice as long. */
	assert_int_equal(sl_outlier_eject(&s, &cfg, 32000), 60000);
	assert_int_equal(s.until_ms, 92000);
}

static void test_repeat_count_resets_after_serving(void **state)
{
	struct sl_outlier_state s = {};

	(void)state;
	sl_outlier_eject(&s, &cfg, 0);
	sl_outlier_readmit(&s, 30000);
	sl_outlier_eject(&s, &cfg, 31000); /* 60 s */
	sl_outlier_readmit(&s, 91000);
	/* Served 61 s > the last ejection's 60 s: back to the base time. */
	assert_int_equal(sl_outlier_eject(&s, &cfg, 152001), 30000);
	assert_int_equal(s.ejections, 1);
}

static void test_cap(void **state)
{
	(void)state;
	assert_int_equal(sl_outlier_cap(10, 50), 5);
	assert_int_equal(sl_outlier_cap(3, 50), 1);
	assert_int_equal(sl_outlier_cap(1, 50), 1);
	assert_int_equal(sl_outlier_cap(1, 10), 1);
	assert_int_equal(sl_outlier_cap(4, 100), 4);
	assert_int_equal(sl_outlier_cap(4, 0), 0);
	assert_int_equal(sl_outlier_cap(0, 50), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_doubles_up_to_max),
		cmocka_unit_test(test_eject_and_readmit),
		cmocka_unit_test(test_repeat_count_resets_after_serving),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
