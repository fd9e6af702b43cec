// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_unmatched.c: instances no service takes, found as the model joins them (service name,
 * namespace or none) and counted by (service, namespace). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/model.h"
#include "model/unmatched.h"
#include "world.h"

static void test_unmatched(void **state)
{
	struct sl_unmatched *v;
	struct world w;
	size_t n;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = NULL;
	add_inst(&w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = "other";
	add_inst(&w, "d", "apii", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "e", "apii", "10.0.0.5", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "f", "zz", "10.0.0.6", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = NULL;
	assert_int_equal(sl_unmatched_find(&w.ns, &w.insts, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].service, "api");
	assert_string_equal(v[0].namespace, "other");
	assert_int_equal(v[0].count, 1);
	assert_string_equal(v[1].service, "apii");
	assert_string_equal(v[1].namespace, "ns");
	assert_int_equal(v[1].count, 2);
	assert_string_equal(v[2].service, "zz");
	assert_null(v[2].namespace);
	free(v);

	w.cfg.namespaces[0].enabled = false;
	assert_int_equal(sl_unmatched_find(&w.ns, &w.insts, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unmatched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
