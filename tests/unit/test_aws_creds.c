// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_aws_creds.c: the credential chain's order from the environment, the ECS and IMDS
 * credential documents, and when credentials are fetched again (refresh, expiry, retries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "inputs/aws_creds.h"

/* An environment: NAME=VALUE strings, NULL-ended. */
static const char *get(const char *name, void *arg)
{
	const char *const *env = arg;
	size_t n = strlen(name);

	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static void chain(struct sl_aws_chain *c, const char *const *env)
{
	assert_int_equal(sl_aws_chain_from_env(c, get, (void *)env), 0);
}

#define KEYS "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=SECRET"
#define ECS_REL "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/abc"

static void test_order(void **state)
{
	struct sl_aws_chain c;

	(void)state;
	/* the environment's keys win over everything */
	chain(&c, (const char *[]){ KEYS, "AWS_SESSION_TOKEN=TOK", ECS_REL, NULL });
	assert_int_equal(c.kind, SL_AWS_ENV);
	assert_string_equal(c.env.key_id, "AKID");
	assert_string_equal(c.env.secret, "SECRET");
	assert_string_equal(c.env.token, "TOK");
	assert_int_equal(c.env.expires, 0);
	sl_aws_chain_free(&c);
	chain(&c, (const char *[]){ KEYS, NULL });
	assert_null(c.env.token);
	sl_aws_chain_free(&c);
	/* then ECS: a relative URI against 169.254.170.2, before a full one */
	chain(&c, (const char *[]){ ECS_REL, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/x",
				    NULL });
	assert_int_equal(c.kind, SL_AWS_ECS);
	assert_string_equal(c.url, "http://169.254.170.2/v2/credentials/abc");
	assert_null(c.auth_token);
	sl_aws_chain_free(&c);
	chain(&c, (const char *[]){ "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:51679/creds",
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN=Basic abc", NULL });
	assert_int_equal(c.kind, SL_AWS_ECS);
	assert_string_equal(c.url, "http://127.0.0.1:51679/creds");
	assert_string_equal(c.auth_token, "Basic abc");
	sl_aws_chain_free(&c);
	chain(&c, (const char *[]){ "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1",
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/tok", NULL });
	assert_int_equal(c.kind, SL_AWS_ECS);
	assert_string_equal(c.auth_token_file, "/var/run/tok");
	sl_aws_chain_free(&c);
	/* then IMDS, at its address, or the override, or IPv6 */
	chain(&c, (const char *[]){ NULL });
	assert_int_equal(c.kind, SL_AWS_IMDS);
	assert_string_equal(c.url, "http://169.254.169.254");
	sl_aws_chain_free(&c);
	chain(&c, (const char *[]){ "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.5:8080/", NULL });
	assert_string_equal(c.url, "http://127.0.0.5:8080");
	sl_aws_chain_free(&c);
	chain(&c, (const char *[]){ "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6", NULL });
	assert_string_equal(c.url, "http://[fd00:ec2::254]");
	sl_aws_chain_free(&c);
	/* empty variables are unset */
	chain(&c, (const char *[]){ "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", NULL });
	assert_int_equal(c.kind, SL_AWS_IMDS);
	sl_aws_chain_free(&c);
}

/* A variable that is wrong is said, and no later provider is used behind its back. */
static void test_wrong(void **state)
{
	static const struct {
		const char *env[3];
		const char *want;
	} cases[] = {
		{ { "AWS_ACCESS_KEY_ID=AKID", NULL }, "AWS_SECRET_ACCESS_KEY is not" },
		{ { "AWS_SECRET_ACCESS_KEY=S", NULL }, "AWS_ACCESS_KEY_ID is not" },
		{ { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=v2/x", NULL }, "does not start with '/'" },
		{ { "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.0.0.9/creds", NULL },
		  "http:// only to loopback or the ECS or EKS agent" },
		{ { "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1.evil.com/", NULL },
		  "http:// only to loopback" },
		{ { "AWS_CONTAINER_CREDENTIALS_FULL_URI=ftp://x", NULL }, "is not http:// or https://" },
		{ { "AWS_EC2_METADATA_DISABLED=true", NULL }, "AWS_EC2_METADATA_DISABLED is true" },
		{ { "AWS_EC2_METADATA_SERVICE_ENDPOINT=169.254.169.254", NULL }, "is not http://" },
		{ { "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv5", NULL }, "neither IPv4 nor IPv6" },
	};
	struct sl_aws_chain c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chain(&c, cases[i].env);
		if (c.kind != SL_AWS_NONE || !strstr(c.problem, cases[i].want))
			fail_msg("case %zu: kind %d, problem \"%s\"", i, c.kind, c.problem);
		sl_aws_chain_free(&c);
	}
	/* https anywhere */
	chain(&c, (const char *[]){ "AWS_CONTAINER_CREDENTIALS_FULL_URI=https://creds.example/x", NULL });
	assert_int_equal(c.kind, SL_AWS_ECS);
	sl_aws_chain_free(&c);
}

static void test_documents(void **state)
{
	const char *ecs = "{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"AccessKeyId\":\"ASIA1\","
			  "\"SecretAccessKey\":\"s\",\"Token\":\"t\","
			  "\"Expiration\":\"2026-12-02T07:00:00Z\"}";
	const char *imds = "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA2\","
			   "\"SecretAccessKey\":\"s\",\"Token\":\"t\","
			   "\"Expiration\":\"2026-12-02T07:00:00.123+00:00\"}";
	const char *failed = "{\"Code\":\"Failure\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\","
			     "\"Token\":\"t\",\"Expiration\":\"2026-12-02T07:00:00Z\"}";
	const char *bad_time = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
			       "\"Expiration\":\"tomorrow\"}";
	const char *crlf = "{\"AccessKeyId\":\"A\\r\\nX: y\",\"SecretAccessKey\":\"s\",\"Token\":"
			   "\"t\",\"Expiration\":\"2026-12-02T07:00:00Z\"}";
	struct sl_aws_creds c;
	struct sl_err err = { { 0 } };

	(void)state;
	assert_int_equal(sl_aws_creds_parse(ecs, strlen(ecs), false, &c, &err), 0);
	assert_string_equal(c.key_id, "ASIA1");
	assert_int_equal(c.expires, 1796194800);
	sl_aws_creds_free(&c);
	assert_int_equal(sl_aws_creds_parse(imds, strlen(imds), true, &c, &err), 0);
	assert_int_equal(c.expires, 1796194800);
	sl_aws_creds_free(&c);
	assert_int_not_equal(sl_aws_creds_parse(failed, strlen(failed), true, &c, &err), 0);
	assert_non_null(strstr(err.msg, "IMDS credentials: Code: is not \"Success\""));
	assert_null(c.key_id);
	assert_int_not_equal(sl_aws_creds_parse("{\"AccessKeyId\":\"A\"}", 19, false, &c, &err), 0);
	assert_non_null(strstr(err.msg, "SecretAccessKey: is required"));
	assert_int_not_equal(sl_aws_creds_parse(bad_time, strlen(bad_time), false, &c, &err), 0);
	assert_non_null(strstr(err.msg, "Expiration: must be an ISO 8601 time"));
	/* nothing that could break a header */
	assert_int_not_equal(sl_aws_creds_parse(crlf, strlen(crlf), false, &c, &err), 0);
	assert_non_null(strstr(err.msg, "AccessKeyId: holds a character no header may carry"));
	assert_int_equal(sl_aws_parse_time("2026-12-02T07:00:00"), -1); /* no zone */
	assert_int_equal(sl_aws_parse_time("2026-12-02T07:00:00+02:00"), -1);
}

static void test_refresh(void **state)
{
	const struct sl_aws_creds never = { .key_id = "A" }, until = { .key_id = "A", .expires = 1000 };

	(void)state;
	/* an hour's credentials: refreshed 5 minutes before they expire */
	assert_int_equal(sl_aws_refresh_at(0, 3600), 3600 - SL_AWS_REFRESH_BEFORE_S);
	/* shorter ones: halfway through */
	assert_int_equal(sl_aws_refresh_at(100, 120), 110);
	assert_int_equal(sl_aws_refresh_at(100, 100), 100);
	assert_int_equal(sl_aws_refresh_at(100, 0), 0); /* never expire: never */
	assert_true(sl_aws_creds_valid(&never, 1 << 30));
	assert_true(sl_aws_creds_valid(&until, 999));
	assert_false(sl_aws_creds_valid(&until, 1000));
	/* retries double up to a minute, never past half the time left */
	assert_int_equal(sl_aws_retry_ms(0, 0, 0), 1000);
	assert_int_equal(sl_aws_retry_ms(3, 0, 0), 8000);
	assert_int_equal(sl_aws_retry_ms(10, 0, 0), SL_AWS_RETRY_MAX_MS);
	assert_int_equal(sl_aws_retry_ms(10, 100, 110), 5000);
	assert_int_equal(sl_aws_retry_ms(10, 200, 110), SL_AWS_RETRY_MAX_MS); /* expired */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),     cmocka_unit_test(test_wrong),
		cmocka_unit_test(test_documents), cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
