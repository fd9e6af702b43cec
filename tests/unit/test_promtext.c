// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_promtext.c: the exposition format's lines: HELP and TYPE, label escaping, integer and
 * real values, histograms with cumulative buckets and +Inf, growth past the first buffer. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "lib/promtext.h"

static void test_lines(void **state)
{
	struct sl_prom p = {};
	const struct sl_prom_label l[] = { { "service", "a\"b\\c\nd" }, { "instance", "i-1" } };

	(void)state;
	sl_prom_family(&p, "sluice_x_total", "counter", "Things, done.");
	sl_prom_sample(&p, "sluice_x_total", l, 2, 42);
	sl_prom_sample(&p, "sluice_y", NULL, 0, 0.25);
	sl_prom_sample(&p, "sluice_z", NULL, 0, INFINITY);
	assert_string_equal(sl_prom_text(&p),
			    "# HELP sluice_x_total Things, done.\n"
			    "# TYPE sluice_x_total counter\n"
			    "sluice_x_total{service=\"a\\\"b\\\\c\\nd\",instance=\"i-1\"} 42\n"
			    "sluice_y 0.25\n"
			    "sluice_z +Inf\n");
	sl_prom_free(&p);
}

static void test_histogram(void **state)
{
	static const double bounds[] = { 0.001, 0.01 };
	static const uint64_t cum[] = { 3, 5 };
	struct sl_prom p = {};
	const struct sl_prom_label l[] = { { "service", "s" } };

	(void)state;
	sl_prom_histogram(&p, "sluice_t_seconds", l, 1, bounds, cum, 2, 0.042, 7);
	assert_string_equal(sl_prom_text(&p),
			    "sluice_t_seconds_bucket{service=\"s\",le=\"0.001\"} 3\n"
			    "sluice_t_seconds_bucket{service=\"s\",le=\"0.01\"} 5\n"
			    "sluice_t_seconds_bucket{service=\"s\",le=\"+Inf\"} 7\n"
			    "sluice_t_seconds_sum{service=\"s\"} 0.042\n"
			    "sluice_t_seconds_count{service=\"s\"} 7\n");
	sl_prom_free(&p);
}

static void test_grows(void **state)
{
	struct sl_prom p = {};
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		sl_prom_sample(&p, name, NULL, 0, i);
	}
	assert_non_null(sl_prom_text(&p));
	assert_non_null(strstr(sl_prom_text(&p), "\nm9999 9999\n"));
	assert_int_equal(strlen(sl_prom_text(&p)), p.len);
	sl_prom_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
