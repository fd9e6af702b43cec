// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_names.c: unit tests of the answerer's pure parts: the alias names of each namespace
 * (short and long, any case, own names before derived ones), the answers built with ldns
 * (A, AAAA, ANY, NODATA, EDNS, ID, flags and the question's case kept; what is forwarded),
 * and the pending query table (clashes, full, take, expiry, deletion keeping probes). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>
#include "names/alias_names.h"
#include "names/dns_answer.h"
#include "names/pending.h"

/* Two namespaces: prod.local (orders, pay.prod.local with v4 and v6) and dev (orders). */
static struct sl_vip_entry prod4[] = { { "orders", {} }, { "pay.prod.local", {} } };
static struct sl_vip_entry prod6[] = { { "orders", {} } };
static struct sl_vip_entry dev4[] = { { "orders", {} } };

static void names_of(struct sl_alias_names *out)
{
	struct sl_vip_table p4 = { prod4, 2 }, p6 = { prod6, 1 }, d4 = { dev4, 1 };
	struct sl_alias_ns ns[] = {
		{ .ns_id = 7, .namespace = "prod.local", .vip4 = &p4, .vip6 = &p6 },
		{ .ns_id = 9, .namespace = "dev", .vip4 = &d4 },
	};

	assert_int_equal(sl_addr_parse("127.255.0.10", &prod4[0].vip), 0);
	assert_int_equal(sl_addr_parse("127.255.0.11", &prod4[1].vip), 0);
	assert_int_equal(sl_addr_parse("fd00::10", &prod6[0].vip), 0);
	assert_int_equal(sl_addr_parse("127.255.9.10", &dev4[0].vip), 0);
	assert_int_equal(sl_alias_names_build(ns, 2, out), 0);
}

static void test_alias_names(void **state)
{
	struct sl_alias_names t;
	const struct sl_alias_name *e;
	struct sl_addr want;

	(void)state;
	names_of(&t);
	/* orders, orders.prod.local, pay.prod.local (not pay.prod.local.prod.local); dev's two */
	assert_int_equal(t.n, 5);
	e = sl_alias_names_find(&t, 7, "Orders.Prod.Local.");
	assert_non_null(e);
	assert_true(e->has4 && e->has6);
	sl_addr_parse("fd00::10", &want);
	assert_true(sl_addr_eq(&e->vip6, &want));
	assert_non_null(sl_alias_names_find(&t, 7, "orders"));
	assert_non_null(sl_alias_names_find(&t, 7, "pay.prod.local"));
	assert_null(sl_alias_names_find(&t, 7, "pay.prod.local.prod.local"));
	assert_null(sl_alias_names_find(&t, 7, "pay"));
	/* each namespace its own */
	e = sl_alias_names_find(&t, 9, "orders");
	assert_non_null(e);
	assert_true(e->has4 && !e->has6);
	sl_addr_parse("127.255.9.10", &want);
	assert_true(sl_addr_eq(&e->vip4, &want));
	assert_null(sl_alias_names_find(&t, 9, "orders.prod.local"));
	assert_null(sl_alias_names_find(&t, 3, "orders"));
	assert_null(sl_alias_names_find(&t, 7, ""));
	assert_null(sl_alias_names_find(&t, 7, "."));
	sl_alias_names_free(&t);
}

/* An alias whose own name is another's derived long name keeps its own VIP. */
static void test_alias_names_own_wins(void **state)
{
	struct sl_vip_entry v[] = { { "a", {} }, { "a.ns", {} } };
	struct sl_vip_table t4 = { v, 2 };
	struct sl_alias_ns ns = { .ns_id = 1, .namespace = "ns", .vip4 = &t4 };
	struct sl_alias_names t;
	const struct sl_alias_name *e;

	(void)state;
	sl_addr_parse("127.0.0.1", &v[0].vip);
	sl_addr_parse("127.0.0.2", &v[1].vip);
	assert_int_equal(sl_alias_names_build(&ns, 1, &t), 0);
	assert_int_equal(t.n, 2);
	e = sl_alias_names_find(&t, 1, "a.ns");
	assert_non_null(e);
	assert_true(sl_addr_eq(&e->vip4, &v[1].vip));
	sl_alias_names_free(&t);
}

/* A query for name and type, ID 0x1234, RD; with EDNS (DO set) when edns. */
static uint8_t *query(const char *name, ldns_rr_type type, bool edns, size_t *len)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;

	assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 0x1234);
	if (edns) {
		ldns_pkt_set_edns_udp_size(q, 4096);
		ldns_pkt_set_edns_do(q, true);
	}
	assert_int_equal(ldns_pkt2wire(&wire, q, len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return wire;
}

/* Answer a query; the answer read back (NULL: forwarded). */
static ldns_pkt *answer(const struct sl_alias_names *t, uint32_t ns, const char *name,
			ldns_rr_type type, bool edns)
{
	size_t len, outlen;
	uint8_t *q = query(name, type, edns, &len), *out;
	ldns_pkt *a = NULL;
	int v = sl_dns_answer(q, len, t, ns, &out, &outlen);

	free(q);
	if (v == SL_ANSWER_FORWARD) {
		assert_null(out);
		return NULL;
	}
	assert_int_equal(v, SL_ANSWER_ANSWERED);
	assert_int_equal(ldns_wire2pkt(&a, out, outlen), LDNS_STATUS_OK);
	free(out);
	return a;
}

static void test_answer_a_aaaa(void **state)
{
	struct sl_alias_names t;
	ldns_pkt *a;
	ldns_rr *rr;
	char *s;

	(void)state;
	names_of(&t);
	a = answer(&t, 7, "OrDeRs", LDNS_RR_TYPE_A, false);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_id(a), 0x1234);
	assert_true(ldns_pkt_qr(a) && ldns_pkt_aa(a) && ldns_pkt_rd(a) && ldns_pkt_ra(a));
	assert_false(ldns_pkt_tc(a));
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_qdcount(a), 1);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	assert_false(ldns_pkt_edns(a)); /* none asked, none given */
	rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_ttl(rr), SL_ANSWER_TTL);
	s = ldns_rdf2str(ldns_rr_owner(rr));
	assert_string_equal(s, "OrDeRs."); /* the question's case: 0x20 clients check it */
	free(s);
	s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	assert_string_equal(s, "127.255.0.10");
	free(s);
	ldns_pkt_free(a);

	a = answer(&t, 7, "orders.prod.local.", LDNS_RR_TYPE_AAAA, true);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 0));
	assert_string_equal(s, "fd00::10");
	free(s);
	assert_true(ldns_pkt_edns(a));
	assert_int_equal(ldns_pkt_edns_udp_size(a), SL_ANSWER_EDNS_UDP_SIZE);
	assert_true(ldns_pkt_edns_do(a));
	ldns_pkt_free(a);

	a = answer(&t, 7, "orders", LDNS_RR_TYPE_ANY, false);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_ancount(a), 2);
	ldns_pkt_free(a);
	sl_alias_names_free(&t);
}

/* Other types, and a family the alias has no VIP of: NODATA (NOERROR, nothing). */
static void test_answer_nodata(void **state)
{
	struct sl_alias_names t;
	ldns_pkt *a;

	(void)state;
	names_of(&t);
	a = answer(&t, 7, "orders", LDNS_RR_TYPE_MX, false);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	a = answer(&t, 9, "orders", LDNS_RR_TYPE_AAAA, false);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	sl_alias_names_free(&t);
}

/* What is not an alias of the asker's namespace, or not a plain query, is forwarded. */
static void test_answer_forwards(void **state)
{
	struct sl_alias_names t, none = {};
	uint8_t junk[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0 };
	size_t len, outlen;
	uint8_t *q, *out;

	(void)state;
	names_of(&t);
	assert_null(answer(&t, 7, "example.com", LDNS_RR_TYPE_A, false));
	assert_null(answer(&t, 9, "pay.prod.local", LDNS_RR_TYPE_A, false));
	assert_null(answer(&t, 7, "x.orders", LDNS_RR_TYPE_A, false));
	assert_null(answer(&none, 7, "orders", LDNS_RR_TYPE_A, false));
	/* a response (QR set), another opcode, another class, junk, a short message */
	q = query("orders", LDNS_RR_TYPE_A, false, &len);
	q[2] |= 0x80;
	assert_int_equal(sl_dns_answer(q, len, &t, 7, &out, &outlen), SL_ANSWER_FORWARD);
	q[2] &= 0x7f;
	q[2] |= 0x02 << 3; /* STATUS */
	assert_int_equal(sl_dns_answer(q, len, &t, 7, &out, &outlen), SL_ANSWER_FORWARD);
	q[2] &= ~(0x0f << 3);
	q[len - 1] = 3; /* class CH */
	assert_int_equal(sl_dns_answer(q, len, &t, 7, &out, &outlen), SL_ANSWER_FORWARD);
	assert_int_equal(sl_dns_answer(q, 11, &t, 7, &out, &outlen), SL_ANSWER_FORWARD);
	free(q);
	assert_int_equal(sl_dns_answer(junk, sizeof(junk), &t, 7, &out, &outlen), SL_ANSWER_FORWARD);
	assert_null(out);
	sl_alias_names_free(&t);
}

static struct sl_pending entry(uint16_t id, uint32_t up, const char *server, uint64_t deadline)
{
	struct sl_pending p = { .key = { .port = 53, .id = id, .up = up }, .via = 1,
				.deadline_ns = deadline };

	assert_int_equal(sl_addr_parse(server, &p.key.server), 0);
	return p;
}

static void test_pending(void **state)
{
	struct sl_pending_table t;
	struct sl_pending p = entry(1, 0, "10.0.0.2", 100), got;
	size_t i, n = 0;

	(void)state;
	assert_int_equal(sl_pending_init(&t, 16), 0);
	assert_int_equal(t.cap, 16);
	assert_int_equal(sl_pending_add(&t, &p), 0);
	assert_true(sl_pending_has(&t, &p.key));
	assert_int_equal(sl_pending_add(&t, &p), -EEXIST); /* same server, ID and socket */
	p.key.up = 1;
	assert_false(sl_pending_has(&t, &p.key));
	assert_int_equal(sl_pending_add(&t, &p), 0); /* the next socket takes it */
	p = entry(1, 0, "10.0.0.3", 100);
	assert_int_equal(sl_pending_add(&t, &p), 0); /* another server */
	for (i = 2; sl_pending_add(&t, &(struct sl_pending){ .key = { .id = (uint16_t)i },
							    .deadline_ns = 50 + i }) == 0;
	     i++)
		n++;
	assert_int_equal(t.n, 12); /* 3/4 of 16 */
	p = entry(1, 0, "10.0.0.2", 0);
	assert_true(sl_pending_take(&t, &p.key, &got));
	assert_int_equal(got.via, 1);
	assert_false(sl_pending_take(&t, &p.key, &got));
	/* every entry left is still found after the deletions (probe chains intact) */
	for (i = 2; i < 2 + n; i++)
		assert_true(sl_pending_has(&t, &(struct sl_pending_key){ .id = (uint16_t)i }));
	assert_int_equal(sl_pending_expire(&t, 55), 4); /* ids 2-5: deadlines 52-55 */
	for (i = 6; i < 2 + n; i++)
		assert_true(sl_pending_has(&t, &(struct sl_pending_key){ .id = (uint16_t)i }));
	n = t.n;
	assert_int_equal(sl_pending_expire(&t, 1000), n);
	assert_int_equal(t.n, 0);
	sl_pending_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_names),
		cmocka_unit_test(test_alias_names_own_wins),
		cmocka_unit_test(test_answer_a_aaaa),
		cmocka_unit_test(test_answer_nodata),
		cmocka_unit_test(test_answer_forwards),
		cmocka_unit_test(test_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
