// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_vec.c: growable arrays: doubling from the minimum, contents kept, room already there
 * costs nothing, overflow refused with the array untouched. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/vec.h"

static void test_push_keeps_contents(void **state)
{
	uint32_t *v = NULL;
	size_t n = 0, cap = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(sl_vec_room(v, n, cap), 0);
		assert_true(cap > n);
		v[n++] = (uint32_t)i * 7;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], i * 7);
	assert_int_equal(cap, 1024); /* 16 doubled six times */
	free(v);
}

static void test_room_already_there(void **state)
{
	char *v = NULL, *before;
	size_t cap = 0;

	(void)state;
	assert_int_equal(sl_vec_reserve(&v, &cap, 1, 1), 0);
	assert_int_equal(cap, SL_VEC_MIN);
	before = v;
	assert_int_equal(sl_vec_reserve(&v, &cap, SL_VEC_MIN, 1), 0);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, SL_VEC_MIN);
	assert_int_equal(sl_vec_reserve(&v, &cap, 100, 1), 0);
	assert_int_equal(cap, 128);
	free(v);
}

static void test_overflow_refused(void **state)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(sl_vec_room(v, 3, cap), 0);
	v[3] = 42;
	assert_int_equal(sl_vec_reserve(&v, &cap, SIZE_MAX / 4, sizeof(*v)), -ENOMEM);
	assert_int_equal(sl_vec_reserve(&v, &cap, SIZE_MAX, sizeof(*v)), -ENOMEM);
	assert_int_equal(cap, SL_VEC_MIN);
	assert_int_equal(v[3], 42);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_keeps_contents),
		cmocka_unit_test(test_room_already_there),
		cmocka_unit_test(test_overflow_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
