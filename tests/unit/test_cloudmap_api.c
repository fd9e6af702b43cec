// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_cloudmap_api.c: Cloud Map's request bodies, DiscoverInstances and
 * DiscoverInstancesRevision answers checked (bad ones refused whole), errors sorted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "inputs/cloudmap_api.h"

static const struct sl_cm_query Q = { "prod.local", "orders", "prod", SL_CM_ALL };

#define INST(id, svc, ns, extra)                                                          \
	"{\"InstanceId\":\"" id "\",\"ServiceName\":\"" svc "\",\"NamespaceName\":\"" ns \
	"\",\"HealthStatus\":\"HEALTHY\",\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\"," \
	"\"AWS_INSTANCE_PORT\":\"80\"" extra "}}"

static int parse(const char *body, struct sl_instances *out, int64_t *rev, struct sl_err *err)
{
	return sl_cm_parse_instances(body, strlen(body), &Q, out, rev, err);
}

static void test_bodies(void **state)
{
	struct sl_cm_query q = Q;
	char *b;

	(void)state;
	b = sl_cm_instances_body(&q);
	assert_string_equal(b, "{\"NamespaceName\":\"prod.local\",\"ServiceName\":\"orders\","
			       "\"MaxResults\":1000,\"HealthStatus\":\"ALL\"}");
	free(b);
	q.health = SL_CM_HEALTHY_OR_ELSE_ALL;
	q.service = "a\"b"; /* escaped, never pasted */
	b = sl_cm_instances_body(&q);
	assert_non_null(strstr(b, "\"ServiceName\":\"a\\\"b\""));
	assert_non_null(strstr(b, "\"HealthStatus\":\"HEALTHY_OR_ELSE_ALL\""));
	free(b);
	b = sl_cm_revision_body(&q);
	assert_string_equal(b, "{\"NamespaceName\":\"prod.local\",\"ServiceName\":\"a\\\"b\"}");
	free(b);
}

static void test_instances(void **state)
{
	struct sl_instances out;
	struct sl_err err = { { 0 } };
	int64_t rev;

	(void)state;
	assert_int_equal(parse("{\"Instances\":[" INST("t1", "Orders", "PROD.local", "") ","
			       INST("t2", "orders", "prod.local", ",\"weight\":\"3\"")
			       "],\"InstancesRevision\":42}", &out, &rev, &err), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(rev, 42);
	assert_string_equal(out.v[0].service, "orders"); /* as the config names it */
	assert_string_equal(out.v[0].namespace, "prod");
	assert_int_equal(out.v[0].port, 80);
	assert_int_equal(out.v[1].weight, 3);
	sl_instances_free(&out);
	/* none, and no revision */
	assert_int_equal(parse("{\"Instances\":[]}", &out, &rev, &err), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(rev, -1);
}

struct bad {
	const char *what, *body, *want;
};

static void test_bad_answers(void **state)
{
	static const struct bad cases[] = {
		{ "not JSON", "{\"Instances\":[", "DiscoverInstances orders:" },
		{ "not an object", "[]", "DiscoverInstances orders" },
		{ "no Instances", "{\"InstancesRevision\":1}", "Instances: required" },
		{ "Instances a string", "{\"Instances\":\"x\"}", "Instances: must be an array" },
		{ "revision a string", "{\"Instances\":[],\"InstancesRevision\":\"1\"}",
		  "InstancesRevision: must be an integer" },
		{ "revision negative", "{\"Instances\":[],\"InstancesRevision\":-1}",
		  "InstancesRevision" },
		{ "another service", "{\"Instances\":[" INST("t1", "payments", "prod.local", "") "]}",
		  "Instances[0].ServiceName: \"payments\", but ServiceName \"orders\" was asked" },
		{ "another namespace", "{\"Instances\":[" INST("t1", "orders", "dev.local", "") "]}",
		  "Instances[0].NamespaceName: \"dev.local\"" },
		{ "bad address", "{\"Instances\":[{\"InstanceId\":\"t1\",\"ServiceName\":\"orders\","
				 "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.300\"}}]}",
		  "Instances[0].Attributes.AWS_INSTANCE_IPV4: must be an IPv4 address" },
		{ "bad port", "{\"Instances\":[{\"InstanceId\":\"t1\",\"ServiceName\":\"orders\","
			      "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\","
			      "\"AWS_INSTANCE_PORT\":\"0\"}}]}",
		  "Instances[0].Attributes.AWS_INSTANCE_PORT: must be 1-65535" },
		{ "duplicate", "{\"Instances\":[" INST("t1", "orders", "prod.local", "") ","
			       INST("t1", "orders", "prod.local", "") "]}", "duplicate \"t1\"" },
		{ "bad health", "{\"Instances\":[{\"InstanceId\":\"t1\",\"ServiceName\":\"orders\","
				"\"HealthStatus\":\"SICK\",\"Attributes\":{\"AWS_INSTANCE_IPV4\":"
				"\"10.0.0.1\"}}]}", "HealthStatus" },
	};
	struct sl_instances out;
	struct sl_err err;
	int64_t rev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (parse(cases[i].body, &out, &rev, &err) == 0)
			fail_msg("%s: accepted", cases[i].what);
		if (out.n || out.v || rev != -1)
			fail_msg("%s: something was taken", cases[i].what);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("%s: message lacks \"%s\": %s", cases[i].what, cases[i].want, err.msg);
	}
	/* a NUL inside */
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(sl_cm_parse_instances("{\"Instances\":[]}\0x", 18, &Q, &out, &rev,
						   &err), 0);
	assert_non_null(strstr(err.msg, "NUL"));
}

/* More than MaxResults: refused (Cloud Map never answers so; a stand-in or proxy might). */
static void test_too_many(void **state)
{
	size_t cap = 64 + (SL_CM_MAX_RESULTS + 1) * 160, off = 0, i;
	char *body = malloc(cap);
	struct sl_instances out;
	struct sl_err err = { { 0 } };
	int64_t rev;

	(void)state;
	off += (size_t)snprintf(body + off, cap - off, "{\"Instances\":[");
	for (i = 0; i <= SL_CM_MAX_RESULTS; i++)
		off += (size_t)snprintf(body + off, cap - off, "%s{\"InstanceId\":\"t%zu\","
					"\"ServiceName\":\"orders\",\"Attributes\":"
					"{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\"}}", i ? "," : "", i);
	snprintf(body + off, cap - off, "]}");
	assert_int_not_equal(parse(body, &out, &rev, &err), 0);
	assert_non_null(strstr(err.msg, "Instances: 1001, more than the MaxResults 1000"));
	assert_int_equal(out.n, 0);
	free(body);
}

static void test_revision(void **state)
{
	struct sl_err err = { { 0 } };
	int64_t rev;

	(void)state;
	assert_int_equal(sl_cm_parse_revision("{\"InstancesRevision\":7}", 23, &rev, &err), 0);
	assert_int_equal(rev, 7);
	assert_int_not_equal(sl_cm_parse_revision("{}", 2, &rev, &err), 0);
	assert_non_null(strstr(err.msg, "InstancesRevision: is required"));
	assert_int_equal(rev, -1);
	assert_int_not_equal(sl_cm_parse_revision("{\"InstancesRevision\":true}", 26, &rev, &err), 0);
	assert_int_not_equal(sl_cm_parse_revision("nope", 4, &rev, &err), 0);
}

static void test_errors(void **state)
{
	char why[200];
	const char *b;

	(void)state;
	b = "{\"__type\":\"com.amazonaws.servicediscovery#ThrottlingException\",\"message\":\"Rate exceeded\"}";
	assert_int_equal(sl_cm_parse_error(400, b, strlen(b), NULL, why, sizeof(why)),
			 SL_CM_FAIL_THROTTLED);
	assert_string_equal(why, "HTTP 400 ThrottlingException: Rate exceeded");
	b = "{\"__type\":\"RequestLimitExceeded\",\"Message\":\"slow down\"}";
	assert_int_equal(sl_cm_parse_error(400, b, strlen(b), NULL, why, sizeof(why)),
			 SL_CM_FAIL_THROTTLED);
	assert_int_equal(sl_cm_parse_error(429, "", 0, NULL, why, sizeof(why)), SL_CM_FAIL_THROTTLED);
	assert_int_equal(sl_cm_parse_error(503, "<html>", 6, NULL, why, sizeof(why)),
			 SL_CM_FAIL_SERVER);
	assert_string_equal(why, "HTTP 503");
	/* the code from the header when the body has none */
	assert_int_equal(sl_cm_parse_error(400, "", 0, "ExpiredTokenException:http://x/", why,
					   sizeof(why)), SL_CM_FAIL_AUTH);
	assert_string_equal(why, "HTTP 400 ExpiredTokenException");
	b = "{\"__type\":\"InvalidSignatureException\",\"message\":\"no match\"}";
	assert_int_equal(sl_cm_parse_error(403, b, strlen(b), NULL, why, sizeof(why)),
			 SL_CM_FAIL_AUTH);
	b = "{\"__type\":\"ServiceNotFound\",\"message\":\"Service not found.\"}";
	assert_int_equal(sl_cm_parse_error(400, b, strlen(b), NULL, why, sizeof(why)),
			 SL_CM_FAIL_REQUEST);
	assert_string_equal(why, "HTTP 400 ServiceNotFound: Service not found.");
	/* nothing unprintable is quoted */
	b = "{\"__type\":\"X\\u001b[31m\",\"message\":\"a\\nb\"}";
	sl_cm_parse_error(400, b, strlen(b), NULL, why, sizeof(why));
	assert_string_equal(why, "HTTP 400");
}

/* Throttled rounds: the poll doubling to a minute (or a longer poll), from its upper half. */
static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(sl_cm_backoff_ms(1000, 0, 0.0), 500);
	assert_int_equal(sl_cm_backoff_ms(1000, 0, 0.999999), 999);
	assert_int_equal(sl_cm_backoff_ms(1000, 1, 0.0), 1000);
	assert_int_equal(sl_cm_backoff_ms(1000, 3, 0.5), 6000);
	assert_int_equal(sl_cm_backoff_ms(5000, 20, 0.0), 30000); /* capped at 60 s */
	assert_int_equal(sl_cm_backoff_ms(5000, 100, 0.999999), 59999);
	assert_int_equal(sl_cm_backoff_ms(120000, 5, 0.0), 60000); /* a longer poll caps it */
	assert_int_equal(sl_cm_backoff_ms(1001, 0, 0.0), 501);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies),       cmocka_unit_test(test_instances),
		cmocka_unit_test(test_bad_answers),  cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_revision),     cmocka_unit_test(test_errors),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
