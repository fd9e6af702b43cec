// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_etcd_msg.c: unit tests of the etcd gateway's messages (etcd_msg.c) on what etcd 3.4.23
 * answers (range, watch created, PUT without "type", DELETE, compaction, errors plain and in a
 * stream), base64, keys, request bodies, and of the store of instance keys (etcd_store.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "inputs/etcd_msg.h"
#include "inputs/etcd_store.h"

#define HDR "\"header\":{\"cluster_id\":\"12265064574247527413\",\"member_id\":" \
	    "\"10512925008147066152\",\"revision\":\"%s\",\"raft_term\":\"2\"}"

/* base64 of s, for the messages built here (static: one at a time, freed by the next). */
static const char *b64(const char *s)
{
	static char *last;

	free(last);
	last = sl_base64_encode(s, strlen(s));
	return last;
}

static void test_base64(void **state __attribute__((unused)))
{
	const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	size_t i, len;
	char *s;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		s = sl_base64_encode(plain[i], strlen(plain[i]));
		assert_string_equal(s, coded[i]);
		free(s);
		s = sl_base64_decode(coded[i], &len);
		assert_non_null(s);
		assert_int_equal(len, strlen(plain[i]));
		assert_string_equal(s, plain[i]);
		free(s);
	}
	assert_null(sl_base64_decode("Zg=", &len));
	assert_null(sl_base64_decode("Z!==", &len));
	assert_null(sl_base64_decode("Zg==Zg==", &len)); /* padding only at the end */
}

/* What etcd 3.4.23 answered to a range of /sluice/ holding one key. */
static const char range_one[] =
	"{\"header\":{\"cluster_id\":\"12265064574247527413\",\"member_id\":\"10512925008147066152\","
	"\"revision\":\"2\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":"
	"\"L3NsdWljZS9wcm9kLmxvY2FsL29yZGVycy9vMQ==\",\"create_revision\":\"2\",\"mod_revision\":"
	"\"2\",\"version\":\"1\",\"value\":\"eyJBdHRyaWJ1dGVzIjogeyJBV1NfSU5TVEFOQ0VfSVBWNCI6ICIxMC4"
	"wLjAuMSIsICJBV1NfSU5TVEFOQ0VfUE9SVCI6ICI4MDgwIn19\"}],\"count\":\"1\"}";

static void test_range(void **state __attribute__((unused)))
{
	struct sl_err err = { "" };
	struct sl_etcd_range r;
	char text[512];

	assert_int_equal(sl_etcd_range_parse(range_one, strlen(range_one), &r, &err), 0);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.count, 1);
	assert_false(r.more);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.kvs[0].key, "/sluice/prod.local/orders/o1");
	assert_string_equal(r.kvs[0].value,
			    "{\"Attributes\": {\"AWS_INSTANCE_IPV4\": \"10.0.0.1\", "
			    "\"AWS_INSTANCE_PORT\": \"8080\"}}");
	assert_int_equal(r.kvs[0].mod_revision, 2);
	sl_etcd_range_free(&r);

	/* an empty range: no kvs, no count (zero values are left out) */
	snprintf(text, sizeof(text), "{" HDR "}", "7");
	assert_int_equal(sl_etcd_range_parse(text, strlen(text), &r, &err), 0);
	assert_int_equal(r.revision, 7);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.count, 0);
	sl_etcd_range_free(&r);

	/* more: limited */
	snprintf(text, sizeof(text), "{" HDR ",\"more\":true,\"count\":\"5000\"}", "9");
	assert_int_equal(sl_etcd_range_parse(text, strlen(text), &r, &err), 0);
	assert_true(r.more);
	assert_int_equal(r.count, 5000);
	sl_etcd_range_free(&r);
}

static void refused_range(const char *text, int want, const char *msg)
{
	struct sl_err err = { "" };
	struct sl_etcd_range r;

	assert_int_equal(sl_etcd_range_parse(text, strlen(text), &r, &err), want);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, msg);
	assert_null(r.kvs);
	assert_int_equal(r.n, 0);
}

static void test_range_refused(void **state __attribute__((unused)))
{
	refused_range("{", -EINVAL, "not JSON");
	refused_range("[]", -EINVAL, "not a JSON object");
	refused_range("{\"kvs\":[]}", -EINVAL, "no header");
	refused_range("{\"header\":{\"revision\":\"x2\"}}", -EINVAL,
		      "range response.header.revision: must be an int64");
	refused_range("{\"header\":{\"revision\":2.5}}", -EINVAL, "must be an int64");
	refused_range("{\"header\":{\"revision\":\"-1\"}}", -EINVAL, "negative");
	refused_range("{\"header\":{},\"kvs\":{}}", -EINVAL, "range response.kvs: must be an array");
	refused_range("{\"header\":{},\"kvs\":[{\"key\":\"@@@@\"}]}", -EINVAL,
		      "range response.kvs[0].key: not base64");
	refused_range("{\"header\":{},\"kvs\":[{\"value\":\"eA==\"}]}", -EINVAL,
		      "range response.kvs[0].key: empty");
	refused_range("{\"header\":{},\"kvs\":[{\"key\":\"YQBi\"}]}", -EINVAL, "a NUL byte");
	/* what etcd 3.4.23 answers to a bad token and to a key that is not base64 */
	refused_range("{\"error\":\"etcdserver: invalid auth token\",\"message\":\"etcdserver: "
		      "invalid auth token\",\"code\":16}", -EACCES, "invalid auth token (code 16)");
	refused_range("{\"error\":\"illegal base64 data at input byte 0\",\"message\":\"illegal "
		      "base64 data at input byte 0\",\"code\":3}", -EPROTO, "illegal base64");
}

static void test_watch(void **state __attribute__((unused)))
{
	struct sl_err err = { "" };
	struct sl_etcd_watch w;
	char text[1024];

	/* created */
	snprintf(text, sizeof(text), "{\"result\":{" HDR ",\"created\":true}}", "4");
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_true(w.created);
	assert_false(w.canceled);
	assert_int_equal(w.revision, 4);
	assert_int_equal(w.n, 0);
	sl_etcd_watch_free(&w);

	/* a PUT: no "type" */
	snprintf(text, sizeof(text), "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"%s\","
		 "\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":"
		 "\"eA==\"}}]}}", "3", b64("/sluice/prod.local/orders/o2"));
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.events[0].type, SL_ETCD_PUT);
	assert_string_equal(w.events[0].kv.key, "/sluice/prod.local/orders/o2");
	assert_string_equal(w.events[0].kv.value, "x");
	assert_int_equal(w.events[0].kv.mod_revision, 3);
	sl_etcd_watch_free(&w);

	/* a DELETE: no value; and a PUT in the same message (a transaction) */
	snprintf(text, sizeof(text), "{\"result\":{" HDR ",\"events\":[{\"type\":\"DELETE\","
		 "\"kv\":{\"key\":\"L3Nz\",\"mod_revision\":\"4\"}},{\"type\":\"PUT\",\"kv\":"
		 "{\"key\":\"L3Nz\",\"mod_revision\":\"4\",\"value\":\"eQ==\"}}]}}", "4");
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.events[0].type, SL_ETCD_DELETE);
	assert_string_equal(w.events[0].kv.value, "");
	assert_int_equal(w.events[1].type, SL_ETCD_PUT);
	sl_etcd_watch_free(&w);

	/* compaction: what 3.4.23 sends for a start_revision compacted (no header revision) */
	snprintf(text, sizeof(text), "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"member_id\":"
		 "\"2\",\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":\"3\"}}");
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_true(w.canceled);
	assert_int_equal(w.compact_revision, 3);
	assert_null(w.cancel_reason);
	sl_etcd_watch_free(&w);

	/* canceled for another reason */
	snprintf(text, sizeof(text), "{\"result\":{" HDR ",\"canceled\":true,\"cancel_reason\":"
		 "\"etcdserver: mvcc: required revision is a future revision\"}}", "4");
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_true(w.canceled);
	assert_string_equal(w.cancel_reason,
			    "etcdserver: mvcc: required revision is a future revision");
	sl_etcd_watch_free(&w);

	/* a progress notification: a header alone */
	snprintf(text, sizeof(text), "{\"result\":{" HDR "}}", "40");
	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), 0);
	assert_int_equal(w.revision, 40);
	assert_false(w.created || w.canceled || w.n);
	sl_etcd_watch_free(&w);
}

static void refused_watch(const char *text, int want, const char *msg)
{
	struct sl_err err = { "" };
	struct sl_etcd_watch w;

	assert_int_equal(sl_etcd_watch_parse(text, strlen(text), &w, &err), want);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, msg);
	assert_null(w.events);
	assert_int_equal(w.n, 0);
	assert_null(w.cancel_reason);
}

static void test_watch_refused(void **state __attribute__((unused)))
{
	refused_watch("{\"result\":{\"header\":{},\"events\":[{\"type\":\"MOVE\",\"kv\":{\"key\":"
		      "\"L3Nz\",\"mod_revision\":\"4\"}}]}}", -EINVAL,
		      "watch response.events[0].type: must be \"PUT\"");
	refused_watch("{\"result\":{\"header\":{},\"events\":[{\"kv\":{\"key\":\"L3Nz\"}}]}}",
		      -EINVAL, "watch response.events[0].kv.mod_revision: must be positive");
	refused_watch("{\"result\":{\"header\":{},\"events\":[{\"kv\":{\"key\":\"L3Nz\","
		      "\"mod_revision\":\"4\"}},{\"kv\":7}]}}", -EINVAL,
		      "watch response.events[1].kv: must be an object");
	refused_watch("{\"result\":7}", -EINVAL, "watch response.result: must be an object");
	/* a stream's error */
	refused_watch("{\"error\":{\"grpc_code\":16,\"http_code\":401,\"message\":\"etcdserver: "
		      "invalid auth token\",\"http_status\":\"Unauthorized\"}}", -EACCES,
		      "invalid auth token (code 16)");
	refused_watch("{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: "
		      "no leader\"}}", -EPROTO, "no leader (code 14)");
}

static void test_auth(void **state __attribute__((unused)))
{
	struct sl_err err = { "" };
	const char ok[] = "{\"header\":{\"revision\":\"5\"},\"token\":\"abc.17\"}";
	const char bad[] = "{\"error\":\"etcdserver: authentication failed, invalid user ID or "
			   "password\",\"code\":3}";
	char *token;

	assert_int_equal(sl_etcd_auth_parse(ok, strlen(ok), &token, &err), 0);
	assert_string_equal(token, "abc.17");
	free(token);
	assert_int_equal(sl_etcd_auth_parse(bad, strlen(bad), &token, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "invalid user ID or password"));
	assert_null(token);
	assert_int_equal(sl_etcd_auth_parse("{\"header\":{}}", 13, &token, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no token"));
}

static void test_requests(void **state __attribute__((unused)))
{
	json_t *o, *c;
	char *s;

	s = sl_etcd_range_request("/sluice/prod.local/", 1001);
	o = json_loads(s, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "key")),
			    b64("/sluice/prod.local/"));
	assert_string_equal(json_string_value(json_object_get(o, "range_end")),
			    b64("/sluice/prod.local0"));
	assert_string_equal(json_string_value(json_object_get(o, "limit")), "1001");
	json_decref(o);
	free(s);

	s = sl_etcd_watch_request("/sluice/a/", 42);
	o = json_loads(s, 0, NULL);
	c = json_object_get(o, "create_request");
	assert_string_equal(json_string_value(json_object_get(c, "range_end")), b64("/sluice/a0"));
	assert_string_equal(json_string_value(json_object_get(c, "start_revision")), "42");
	assert_true(json_is_true(json_object_get(c, "progress_notify")));
	json_decref(o);
	free(s);

	s = sl_etcd_auth_request("sluice", "p\"w");
	assert_string_equal(s, "{\"name\":\"sluice\",\"password\":\"p\\\"w\"}");
	free(s);
}

static void bad_key(const char *key, const char *msg)
{
	struct sl_err err = { "" };
	char *svc, *id;

	assert_int_equal(sl_etcd_key_split(key, "/sluice/prod/", &svc, &id, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, msg);
	assert_null(svc);
	assert_null(id);
}

static void test_keys(void **state __attribute__((unused)))
{
	struct sl_err err = { "" };
	char *svc, *id;

	assert_int_equal(sl_etcd_key_split("/sluice/prod/orders/o-1", "/sluice/prod/", &svc, &id,
					   &err), 0);
	assert_string_equal(svc, "orders");
	assert_string_equal(id, "o-1");
	free(svc);
	free(id);
	bad_key("/sluice/prod/orders", "not /sluice/prod/<service>/<instance-id>");
	bad_key("/sluice/prod//o1", "its service is empty");
	bad_key("/sluice/prod/orders/", "its instance id is empty");
	bad_key("/sluice/prod/orders/a/b", "its instance id holds a '/'");
	bad_key("/sluice/prod/or ders/a", "its service holds a space");
	bad_key("/sluice/prod/orders/"
		"0123456789012345678901234567890123456789012345678901234567890123",
		"at most 63 characters");
	bad_key("/other/orders/a", "not below /sluice/prod/");
}

/* ---- the store ---- */

static struct sl_etcd_kv kv(const char *key, const char *value, int64_t rev)
{
	return (struct sl_etcd_kv){ .key = (char *)key, .value = (char *)value,
				    .value_len = strlen(value), .mod_revision = rev };
}

#define GOOD(ip) "{\"Attributes\": {\"AWS_INSTANCE_IPV4\": \"" ip "\", \"AWS_INSTANCE_PORT\": 80}}"

static void test_store(void **state __attribute__((unused)))
{
	struct sl_etcd_store st;
	struct sl_instances list;
	struct sl_etcd_kv a = kv("/s/ns/orders/a", GOOD("10.0.0.1"), 2);
	struct sl_etcd_kv b = kv("/s/ns/orders/b", GOOD("10.0.0.2"), 3);

	assert_int_equal(sl_etcd_store_init(&st, "/s/", "ns", 2), 0);
	assert_int_equal(sl_etcd_store_put(&st, &b, 100), 1);
	assert_int_equal(sl_etcd_store_put(&st, &a, 100), 1);
	assert_int_equal(sl_etcd_store_instances(&st, &list), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.v[0].id, "a"); /* in key order */
	assert_string_equal(list.v[0].service, "orders");
	assert_string_equal(list.v[0].namespace, "ns");
	assert_int_equal(list.v[0].port, 80);
	assert_string_equal(list.v[1].id, "b");
	sl_instances_free(&list);

	/* a bad value: refused, the key keeps its last good instance, a failing part */
	b = kv("/s/ns/orders/b", "{\"Attributes\": {\"AWS_INSTANCE_IPV4\": \"10.0.0.9\", "
				"\"AWS_INSTANCE_PORT\": \"0\"}}", 4);
	assert_int_equal(sl_etcd_store_put(&st, &b, 101), 0);
	assert_int_equal(st.nbad, 1);
	assert_non_null(strstr(st.v[1].bad, "/s/ns/orders/b: Attributes.AWS_INSTANCE_PORT"));
	assert_int_equal(sl_etcd_store_instances(&st, &list), 0);
	assert_int_equal(list.n, 2);
	assert_int_equal(ntohl(list.v[1].addr4.a[3]), 0x0a000002); /* still 10.0.0.2 */
	sl_instances_free(&list);
	/* a key's id contradicting the value's */
	b = kv("/s/ns/orders/b", "{\"InstanceId\": \"c\", \"Attributes\": {\"AWS_INSTANCE_IPV4\": "
				"\"10.0.0.3\"}}", 5);
	assert_int_equal(sl_etcd_store_put(&st, &b, 101), 0);
	assert_non_null(strstr(st.v[1].bad, "InstanceId: must be \"b\" (the key's)"));
	assert_int_equal(st.nbad, 1);
	/* good again */
	b = kv("/s/ns/orders/b", GOOD("10.0.0.4"), 6);
	assert_int_equal(sl_etcd_store_put(&st, &b, 102), 1);
	assert_int_equal(st.nbad, 0);
	assert_null(st.v[1].bad);

	/* past the limit: a new key is refused, naming it */
	b = kv("/s/ns/orders/c", GOOD("10.0.0.5"), 7);
	assert_int_equal(sl_etcd_store_put(&st, &b, 102), 0);
	assert_int_equal(st.ngood, 2);
	assert_non_null(strstr(st.v[2].bad, "/s/ns/orders/c: refused: the registry holds 2"));
	/* a key of the wrong shape */
	b = kv("/s/ns/orders", GOOD("10.0.0.5"), 8);
	assert_int_equal(sl_etcd_store_put(&st, &b, 102), 0);
	assert_int_equal(st.nbad, 2);

	/* deletes: the bad key goes as a whole, a good one takes its instance */
	assert_int_equal(sl_etcd_store_delete(&st, "/s/ns/orders/c"), 0);
	assert_int_equal(sl_etcd_store_delete(&st, "/s/ns/orders"), 0);
	assert_int_equal(st.nbad, 0);
	assert_int_equal(sl_etcd_store_delete(&st, "/s/ns/orders/a"), 1);
	assert_int_equal(sl_etcd_store_delete(&st, "/s/ns/orders/a"), 0);
	assert_int_equal(st.ngood, 1);
	sl_etcd_store_free(&st);
}

static void test_store_replace(void **state __attribute__((unused)))
{
	struct sl_etcd_store st;
	struct sl_instances list;
	struct sl_etcd_kv first[] = { kv("/s/ns/x/2", GOOD("10.0.0.2"), 3),
				      kv("/s/ns/x/1", GOOD("10.0.0.1"), 2) };
	struct sl_etcd_kv second[] = { kv("/s/ns/x/3", GOOD("10.0.0.3"), 9),
				       kv("/s/ns/x/2", "not json", 8) };

	assert_int_equal(sl_etcd_store_init(&st, "/s/", "ns", 10), 0);
	assert_int_equal(sl_etcd_store_replace(&st, first, 2, 1), 1);
	assert_int_equal(st.ngood, 2);
	assert_string_equal(st.v[0].key, "/s/ns/x/1");
	/* a re-list: 1 gone, 3 new, 2 refused keeps its last good instance */
	assert_int_equal(sl_etcd_store_replace(&st, second, 2, 2), 1);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.ngood, 2);
	assert_int_equal(st.nbad, 1);
	assert_int_equal(sl_etcd_store_instances(&st, &list), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.v[0].id, "2");
	assert_int_equal(ntohl(list.v[0].addr4.a[3]), 0x0a000002);
	assert_string_equal(list.v[1].id, "3");
	sl_instances_free(&list);
	/* an empty re-list takes everything */
	assert_int_equal(sl_etcd_store_replace(&st, NULL, 0, 3), 1);
	assert_int_equal(st.n + st.ngood + st.nbad, 0);
	assert_int_equal(sl_etcd_store_replace(&st, NULL, 0, 3), 0);
	sl_etcd_store_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_range_refused),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_refused),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_store_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
