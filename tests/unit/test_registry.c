// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_registry.c: the discover-instances parser: the sample (tests/data), every error class with
 * its origin, field path and value, and deep copies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "inputs/registry.h"

#define SAMPLE "tests/data/discover-instances.json"

/* One instance with the given members, wrapped in a document. */
#define DOC1(members) "{\"Instances\":[{" members "}]}"
#define BASE "\"InstanceId\":\"i-1\",\"ServiceName\":\"svc\","
/* A valid instance with these attributes added to an IPv4 address. */
#define ATTRS(extra) DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\"" extra "}")
#define PORT_ATTRS(port) ATTRS(",\"AWS_INSTANCE_PORT\":" port)
#define GOOD_ATTRS \
	"\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\",\"AWS_INSTANCE_PORT\":\"80\"}"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = malloc(len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void assert_addr(const struct sl_addr *a, const char *literal)
{
	struct sl_addr want;

	assert_int_equal(sl_addr_parse(literal, &want), 0);
	assert_true(sl_addr_eq(a, &want));
}

static void parse_ok(const char *doc, struct sl_instances *out)
{
	struct sl_err err = { { 0 } };
	int ret = sl_registry_parse(doc, "t.json", out, &err);

	if (ret)
		fail_msg("unexpected error %d: %s", ret, err.msg);
}

/* The document fails with -EINVAL, leaves the list empty, and the message holds every
 * one of the NULL-terminated substrings. */
static void expect_err_at(const char *file, int line, const char *doc, const char *const *want)
{
	struct sl_instances out = { .v = (void *)&out, .n = 42 };
	struct sl_err err = { { 0 } };
	int ret = sl_registry_parse(doc, "t.json", &out, &err);

	if (ret != -EINVAL)
		fail_msg("%s:%d: got %d, not -EINVAL, for %s", file, line, ret, doc);
	if (out.v || out.n)
		fail_msg("%s:%d: the list is not left empty", file, line);
	for (; *want; want++)
		if (!strstr(err.msg, *want))
			fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line, err.msg, *want);
}

#define expect_err(doc, ...) \
	expect_err_at(__FILE__, __LINE__, doc, (const char *const[]){ __VA_ARGS__, NULL })

static void test_sample(void **state)
{
	struct sl_instances out = { 0 };
	const struct sl_instance *in;
	char *text = slurp(SAMPLE);

	(void)state;
	parse_ok(text, &out);
	assert_int_equal(out.n, 3);

	in = &out.v[0];
	assert_string_equal(in->id, "3f6b0c1e9a2d4c55b8f0e1a2b3c4d5e6");
	assert_string_equal(in->service, "orders");
	assert_string_equal(in->namespace, "prod.local");
	assert_int_equal(in->health, SL_HEALTH_HEALTHY);
	assert_true(in->has_v4);
	assert_false(in->has_v6);
	assert_addr(&in->addr4, "10.0.1.45");
	assert_addr(&in->addr4, "::ffff:10.0.1.45"); /* stored v4-mapped */
	assert_int_equal(in->port, 8080);
	assert_int_equal(in->weight, 1);

	in = &out.v[1];
	assert_string_equal(in->id, "9a8b7c6d5e4f40318293a4b5c6d7e8f9");
	assert_int_equal(in->health, SL_HEALTH_UNHEALTHY);
	assert_addr(&in->addr4, "10.0.2.12");
	assert_int_equal(in->port, 8080);
	assert_int_equal(in->weight, 1);

	in = &out.v[2];
	assert_string_equal(in->id, "inventory-1");
	assert_string_equal(in->service, "inventory");
	assert_int_equal(in->health, SL_HEALTH_UNKNOWN);
	assert_false(in->has_v4);
	assert_true(in->has_v6);
	assert_addr(&in->addr6, "fd00:10::3:78");
	assert_int_equal(in->port, 9090);
	assert_int_equal(in->weight, 3);

	sl_instances_free(&out);
	assert_null(out.v);
	assert_int_equal(out.n, 0);
	free(text);
}

static void test_defaults_and_ignored_keys(void **state)
{
	struct sl_instances out = { 0 };

	(void)state;
	parse_ok("{\"Instances\":[{\"InstanceId\":\"a\",\"ServiceName\":\"s\","
		 "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"192.0.2.1\","
		 "\"AWS_INSTANCE_IPV6\":\"2001:db8::1\","
		 "\"AWS_INSTANCE_PORT\":\"443\",\"AVAILABILITY_ZONE\":\"x\",\"ECS_CLUSTER_NAME\":7,"
		 "\"custom\":{\"nested\":[]}},\"Extra\":true}],"
		 "\"InstancesRevision\":42,\"NextToken\":\"abc\"}",
		 &out);
	assert_int_equal(out.n, 1);
	assert_null(out.v[0].namespace);
	assert_int_equal(out.v[0].health, SL_HEALTH_UNKNOWN);
	assert_int_equal(out.v[0].weight, 1);
	assert_true(out.v[0].has_v4);
	assert_true(out.v[0].has_v6);
	assert_addr(&out.v[0].addr4, "192.0.2.1");
	assert_addr(&out.v[0].addr6, "2001:db8::1");
	assert_int_equal(out.v[0].port, 443);
	sl_instances_free(&out);

	parse_ok("{\"Instances\":[]}", &out);
	assert_int_equal(out.n, 0);
	assert_null(out.v);
}

static void test_port_string_or_integer(void **state)
{
	struct sl_instances s = { 0 }, i = { 0 };

	(void)state;
	parse_ok(PORT_ATTRS("\"8080\""), &s);
	parse_ok(PORT_ATTRS("8080"), &i);
	assert_int_equal(s.n, 1);
	assert_int_equal(i.n, 1);
	assert_int_equal(s.v[0].port, 8080);
	assert_int_equal(i.v[0].port, 8080);
	sl_instances_free(&s);
	sl_instances_free(&i);

	parse_ok(PORT_ATTRS("\"1\""), &s);
	assert_int_equal(s.v[0].port, 1);
	sl_instances_free(&s);
	parse_ok(PORT_ATTRS("65535"), &s);
	assert_int_equal(s.v[0].port, 65535);
	sl_instances_free(&s);
}

static void test_port_errors(void **state)
{
	const char *path = "t.json: Instances[0].Attributes.AWS_INSTANCE_PORT: ";

	(void)state;
	expect_err(PORT_ATTRS("\"0\""),
		   "t.json: Instances[0].Attributes.AWS_INSTANCE_PORT: must be 1-65535, got \"0\"");
	expect_err(PORT_ATTRS("0"), path, "got 0");
	expect_err(PORT_ATTRS("\"65536\""), path, "got \"65536\"");
	expect_err(PORT_ATTRS("65536"), path, "got 65536");
	expect_err(PORT_ATTRS("-1"), path, "got -1");
	expect_err(PORT_ATTRS("\"-1\""), path, "got \"-1\"");
	expect_err(PORT_ATTRS("\"+80\""), path, "got \"+80\"");
	expect_err(PORT_ATTRS("\" 80\""), path, "got \" 80\"");
	expect_err(PORT_ATTRS("\"80a\""), path, "got \"80a\"");
	expect_err(PORT_ATTRS("\"\""), path, "got \"\"");
	expect_err(PORT_ATTRS("\"99999999999999999999999\""), path);
	expect_err(PORT_ATTRS("80.0"), path, "got 80.0");
	expect_err(PORT_ATTRS("true"), path, "got true");
	expect_err(PORT_ATTRS("null"), path, "got null");
}

/* An A-record-only registration gives no port: it parses, with port 0 (the service's "port"
 * serves it, or it is left out with a word: the model's rule). */
static void test_port_absent(void **state)
{
	struct sl_instances out;
	struct sl_err err = { { 0 } };

	(void)state;
	assert_int_equal(sl_registry_parse(ATTRS(""), "t.json", &out, &err), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].port, 0);
	sl_instances_free(&out);
}

static void test_weight(void **state)
{
	const char *path = "t.json: Instances[0].Attributes.weight: must be 0-10000";
	struct sl_instances out = { 0 };

	(void)state;
	parse_ok(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":\"0\""), &out);
	assert_int_equal(out.v[0].weight, 0);
	sl_instances_free(&out);
	parse_ok(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":10000"), &out);
	assert_int_equal(out.v[0].weight, SL_MAX_WEIGHT);
	sl_instances_free(&out);

	expect_err(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":\"10001\""), path,
		   "got \"10001\"");
	expect_err(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":-3"), path, "got -3");
	expect_err(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":\"heavy\""), path,
		   "got \"heavy\"");
	expect_err(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":\"\""), path, "got \"\"");
	expect_err(ATTRS(",\"AWS_INSTANCE_PORT\":\"80\",\"weight\":1.5"), path, "got 1.5");
}

static void test_address_errors(void **state)
{
	(void)state;
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"2001:db8::1\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "t.json: Instances[0].Attributes.AWS_INSTANCE_IPV4: must be an IPv4 address",
		   "got \"2001:db8::1\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"::ffff:10.0.0.1\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV4: ", "got \"::ffff:10.0.0.1\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.256\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV4: ", "got \"10.0.0.256\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":167772161,"
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV4: must be a string, got 167772161");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV6\":\"10.0.0.1\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "t.json: Instances[0].Attributes.AWS_INSTANCE_IPV6: must be an IPv6 address",
		   "got \"10.0.0.1\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV6\":\"::ffff:10.0.0.1\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV6: ", "v4-mapped",
		   "got \"::ffff:10.0.0.1\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV6\":\"fd00::g\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV6: ", "got \"fd00::g\"");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "t.json: Instances[0].Attributes: needs AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"\","
			     "\"AWS_INSTANCE_PORT\":\"80\"}"),
		   "Instances[0].Attributes.AWS_INSTANCE_IPV4: ", "got \"\"");
}

static void test_instance_field_errors(void **state)
{
	char doc[512], id[80];
	struct sl_instances out = { 0 };

	(void)state;
	expect_err(DOC1("\"ServiceName\":\"svc\"," GOOD_ATTRS),
		   "t.json: Instances[0].InstanceId: required");
	expect_err(DOC1("\"InstanceId\":\"\",\"ServiceName\":\"svc\"," GOOD_ATTRS),
		   "t.json: Instances[0].InstanceId: must not be empty");
	expect_err(DOC1("\"InstanceId\":12,\"ServiceName\":\"svc\"," GOOD_ATTRS),
		   "t.json: Instances[0].InstanceId: must be a string, got 12");
	expect_err(DOC1("\"InstanceId\":\"a\"," GOOD_ATTRS),
		   "t.json: Instances[0].ServiceName: required");
	expect_err(DOC1("\"InstanceId\":\"a\",\"ServiceName\":\"\"," GOOD_ATTRS),
		   "t.json: Instances[0].ServiceName: must not be empty");
	expect_err(DOC1("\"InstanceId\":\"a\",\"ServiceName\":[\"svc\"]," GOOD_ATTRS),
		   "t.json: Instances[0].ServiceName: must be a string, got [\"svc\"]");
	expect_err(DOC1(BASE "\"NamespaceName\":5," GOOD_ATTRS),
		   "t.json: Instances[0].NamespaceName: must be a string, got 5");
	expect_err(DOC1(BASE "\"HealthStatus\":\"healthy\"," GOOD_ATTRS),
		   "t.json: Instances[0].HealthStatus: must be", "got \"healthy\"");
	expect_err(DOC1(BASE "\"HealthStatus\":\"\"," GOOD_ATTRS),
		   "Instances[0].HealthStatus: ", "got \"\"");
	expect_err(DOC1(BASE "\"HealthStatus\":1," GOOD_ATTRS),
		   "Instances[0].HealthStatus: must be \"HEALTHY\", \"UNHEALTHY\" or \"UNKNOWN\", got 1");
	expect_err(DOC1(BASE "\"NamespaceName\":\"ns\""),
		   "t.json: Instances[0].Attributes: required");
	expect_err(DOC1(BASE "\"Attributes\":[]"),
		   "t.json: Instances[0].Attributes: must be an object, got []");

	/* 63 characters is the most an InstanceId may have. */
	memset(id, 'x', 63);
	id[63] = '\0';
	snprintf(doc, sizeof(doc),
		 DOC1("\"InstanceId\":\"%s\",\"ServiceName\":\"svc\"," GOOD_ATTRS), id);
	parse_ok(doc, &out);
	assert_int_equal(strlen(out.v[0].id), 63);
	sl_instances_free(&out);
	id[63] = 'x';
	id[64] = '\0';
	snprintf(doc, sizeof(doc),
		 DOC1("\"InstanceId\":\"%s\",\"ServiceName\":\"svc\"," GOOD_ATTRS), id);
	expect_err(doc, "t.json: Instances[0].InstanceId: must be at most 63 characters", "got \"xxxx");
}

static void test_error_path_index(void **state)
{
	(void)state;
	/* The failing instance is named by its own index, and nothing is left behind. */
	expect_err("{\"Instances\":[{\"InstanceId\":\"a\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "{\"InstanceId\":\"b\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "{\"InstanceId\":\"c\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "{\"InstanceId\":\"d\",\"ServiceName\":\"s\",\"Attributes\":"
		   "{\"AWS_INSTANCE_IPV4\":\"10.0.0.4\",\"AWS_INSTANCE_PORT\":\"0\"}}]}",
		   "t.json: Instances[3].Attributes.AWS_INSTANCE_PORT: must be 1-65535, got \"0\"");
	expect_err("{\"Instances\":[{\"InstanceId\":\"a\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "\"b\"]}",
		   "t.json: Instances[1]: must be an object, got \"b\"");
}

/* The parse fails and its message holds nothing of word. */
static void expect_no_quote(const char *text, const char *word)
{
	struct sl_instances out = { 0 };
	struct sl_err err = { { 0 } };

	assert_int_equal(sl_registry_parse(text, "t.json", &out, &err), -EINVAL);
	if (strstr(err.msg, word))
		fail_msg("the error quotes the file's content: %s", err.msg);
}

static void test_document_errors(void **state)
{
	(void)state;
	expect_err("[]", "t.json: the document must be a JSON object, got an array");
	expect_err("\"root:x:0:0\"", "t.json: the document must be a JSON object, got a string");
	expect_err("{\"InstancesRevision\":1}", "t.json: Instances: required");
	expect_err("{\"Instances\":{}}", "t.json: Instances: must be an array, got {}");
	expect_err("{\"Instances\":null}", "t.json: Instances: must be an array, got null");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_err("{\n  \"Instances\": [,]\n}", "t.json:2:");
	expect_err("", "t.json:");
	expect_err("{\"Instances\":[]", "t.json:1:");
	/* Whatever a symlink led to, none of its text is quoted. */
	expect_no_quote("root:x:0:0:root:/root:/bin/bash\n", "root");
	expect_no_quote("secret_token=abc123", "secret");
	expect_no_quote("[\"hunter2\"]", "hunter2");
	/* Duplicate keys are rejected, at any depth. */
	expect_err("{\"Instances\":[],\n\"Instances\":[]}", "t.json:2:", "duplicate");
	expect_err(DOC1(BASE "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\","
			     "\"AWS_INSTANCE_PORT\":\"80\",\"AWS_INSTANCE_PORT\":\"81\"}"),
		   "t.json:1:", "duplicate");
}

static void test_duplicate_instance_id(void **state)
{
	struct sl_instances out = { 0 };

	(void)state;
	expect_err("{\"Instances\":[{\"InstanceId\":\"a\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "{\"InstanceId\":\"b\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		   "{\"InstanceId\":\"a\",\"ServiceName\":\"s\"," GOOD_ATTRS "}]}",
		   "t.json: Instances[2].InstanceId: duplicate \"a\"", "\"s\"", "Instances[0]");
	/* The same InstanceId in two services is fine. */
	parse_ok("{\"Instances\":[{\"InstanceId\":\"a\",\"ServiceName\":\"s\"," GOOD_ATTRS "},"
		 "{\"InstanceId\":\"a\",\"ServiceName\":\"t\"," GOOD_ATTRS "}]}",
		 &out);
	assert_int_equal(out.n, 2);
	sl_instances_free(&out);
}

static void test_append_deep_copies(void **state)
{
	struct sl_instances a = { 0 }, b = { 0 }, dst = { 0 };
	char *text = slurp(SAMPLE);

	(void)state;
	parse_ok(text, &a);
	parse_ok(DOC1(BASE "\"NamespaceName\":\"ns\"," GOOD_ATTRS), &b);
	assert_int_equal(sl_instances_append(&dst, &a), 0);
	assert_int_equal(sl_instances_append(&dst, &b), 0);
	assert_int_equal(sl_instances_append(&dst, &(struct sl_instances){ 0 }), 0);
	assert_int_equal(dst.n, 4);
	assert_ptr_not_equal(dst.v[0].id, a.v[0].id);
	assert_ptr_not_equal(dst.v[3].namespace, b.v[0].namespace);
	sl_instances_free(&a);
	sl_instances_free(&b);
	/* Still readable after the sources are gone (ASan checks this). */
	assert_string_equal(dst.v[0].id, "3f6b0c1e9a2d4c55b8f0e1a2b3c4d5e6");
	assert_string_equal(dst.v[2].service, "inventory");
	assert_addr(&dst.v[2].addr6, "fd00:10::3:78");
	assert_int_equal(dst.v[2].weight, 3);
	assert_string_equal(dst.v[3].id, "i-1");
	assert_string_equal(dst.v[3].namespace, "ns");
	assert_string_equal(dst.v[1].namespace, "prod.local");
	sl_instances_free(&dst);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_defaults_and_ignored_keys),
		cmocka_unit_test(test_port_string_or_integer),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_port_absent),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_instance_field_errors),
		cmocka_unit_test(test_error_path_index),
		cmocka_unit_test(test_document_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_duplicate_instance_id),
		cmocka_unit_test(test_append_deep_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
