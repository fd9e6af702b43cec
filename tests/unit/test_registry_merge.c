// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_registry_merge.c: merging registry parts: part order kept, the first part's instance
 * wins a (ServiceName, InstanceId) clash, deep copies, and list equality field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "inputs/registry_merge.h"

static struct sl_instance inst(const char *id, const char *svc, const char *ip, uint16_t port)
{
	struct sl_instance in = { .id = (char *)id, .service = (char *)svc, .port = port,
				  .weight = 1, .has_v4 = true };

	assert_int_equal(sl_addr_parse(ip, &in.addr4), 0);
	return in;
}

static void test_order_and_first_wins(void **state)
{
	struct sl_instance a[] = { inst("i1", "api", "10.0.0.1", 80), inst("i2", "api", "10.0.0.2", 80) };
	struct sl_instance b[] = { inst("i2", "api", "10.9.9.9", 81), inst("i1", "db", "10.0.1.1", 5432),
				   inst("i3", "api", "10.0.0.3", 80) };
	struct sl_instances la = { a, 2 }, lb = { b, 3 }, out;
	struct sl_registry_part parts[] = { { "a.json", &la }, { "b.json", &lb } };

	(void)state;
	assert_int_equal(sl_registry_merge(parts, 2, "reg", &out), 0);
	assert_int_equal(out.n, 4);
	assert_string_equal(out.v[0].id, "i1");
	assert_string_equal(out.v[1].id, "i2");
	assert_int_equal(out.v[1].port, 80); /* a.json's, not b.json's */
	assert_string_equal(out.v[2].service, "db"); /* same id, other service: kept */
	assert_string_equal(out.v[3].id, "i3");
	/* deep copies: the parts may go */
	assert_ptr_not_equal(out.v[0].id, a[0].id);
	sl_instances_free(&out);
}

static void test_empty_parts(void **state)
{
	struct sl_instances none = { NULL, 0 }, out = { NULL, 7 };
	struct sl_registry_part parts[] = { { "a.json", &none }, { "b.json", &none } };

	(void)state;
	assert_int_equal(sl_registry_merge(parts, 2, "reg", &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(sl_registry_merge(NULL, 0, "reg", &out), 0);
	assert_int_equal(out.n, 0);
}

static void test_eq(void **state)
{
	struct sl_instance a[] = { inst("i1", "api", "10.0.0.1", 80) };
	struct sl_instance b[] = { inst("i1", "api", "10.0.0.1", 80) };
	struct sl_instances la = { a, 1 }, lb = { b, 1 }, none = { NULL, 0 };

	(void)state;
	assert_true(sl_instances_eq(&la, &lb));
	assert_false(sl_instances_eq(&la, &none));
	b[0].weight = 2;
	assert_false(sl_instances_eq(&la, &lb));
	b[0].weight = 1;
	b[0].health = SL_HEALTH_UNHEALTHY;
	assert_false(sl_instances_eq(&la, &lb));
	b[0].health = a[0].health;
	assert_int_equal(sl_addr_parse("10.0.0.2", &b[0].addr4), 0);
	assert_false(sl_instances_eq(&la, &lb));
	b[0].addr4 = a[0].addr4;
	b[0].namespace = "ns";
	assert_false(sl_instances_eq(&la, &lb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_first_wins),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_eq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
