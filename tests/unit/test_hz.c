// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_hz.c: the kernel's HZ from Kconfig text and from a measured rate of jiffies; and on
 * this host, one of the values Kconfig offers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kernel/hz.h"

static void test_kconfig(void **state)
{
	(void)state;
	assert_int_equal(sl_hz_from_kconfig("CONFIG_HZ_250=y\nCONFIG_HZ=250\n"), 250);
	assert_int_equal(sl_hz_from_kconfig("# CONFIG_HZ_1000 is not set\nCONFIG_HZ=1000"), 1000);
	/* Not a line of its own, a prefix of another name, no number: none. */
	assert_int_equal(sl_hz_from_kconfig("XCONFIG_HZ=100\n"), 0);
	assert_int_equal(sl_hz_from_kconfig("CONFIG_HZ_PERIODIC=y\n"), 0);
	assert_int_equal(sl_hz_from_kconfig("CONFIG_HZ=\n"), 0);
	assert_int_equal(sl_hz_from_kconfig("CONFIG_HZ=250x\n"), 0);
	assert_int_equal(sl_hz_from_kconfig("CONFIG_HZ=0\n"), 0);
	assert_int_equal(sl_hz_from_kconfig(""), 0);
}

static void test_nearest(void **state)
{
	(void)state;
	assert_int_equal(sl_hz_nearest(249.1), 250);
	assert_int_equal(sl_hz_nearest(1003.0), 1000);
	assert_int_equal(sl_hz_nearest(99.0), 100);
	assert_int_equal(sl_hz_nearest(302.0), 300);
	assert_int_equal(sl_hz_nearest(175.0), 0);
	assert_int_equal(sl_hz_nearest(0.0), 0);
}

/* This host's HZ, wherever it comes from, is one Kconfig offers. */
static void test_this_kernel(void **state)
{
	const char *from = NULL;
	unsigned int hz = sl_kernel_hz(&from);

	(void)state;
	assert_non_null(from);
	assert_true(hz == 100 || hz == 250 || hz == 300 || hz == 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kconfig),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_this_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
