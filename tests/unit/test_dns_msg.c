// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_dns_msg.c: unit tests of the DNS answer reader (dns_msg.c) on messages built here, byte by
 * byte and with ldns's writer: SRV with additional addresses, CNAMEs, NXDOMAIN/NODATA/SERVFAIL/TC,
 * records passed over, and malformed ones refused (the checks made on top of ldns among them). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>
#include "inputs/dns_msg.h"

/* A message under construction. */
struct wire {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct wire *w, uint8_t v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = v;
}

static void put16(struct wire *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void put32(struct wire *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

/* name in labels ("" the root); no compression. */
static void put_name(struct wire *w, const char *name)
{
	const char *p = name, *dot;

	while (*p) {
		dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		put8(w, (uint8_t)len);
		memcpy(w->b + w->n, p, len);
		w->n += len;
		p += len + (dot ? 1 : 0);
	}
	put8(w, 0);
}

static void put_ptr(struct wire *w, uint16_t off)
{
	put16(w, (uint16_t)(0xc000 | off));
}

/* Header: flags, counts; then the question. */
static void start(struct wire *w, uint16_t flags, uint16_t an, uint16_t ns, uint16_t ar,
		  const char *qname, uint16_t qtype)
{
	w->n = 0;
	put16(w, 0x1234);
	put16(w, flags);
	put16(w, 1);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
	put_name(w, qname);
	put16(w, qtype);
	put16(w, 1);
}

#define RESPONSE 0x8180 /* QR, RD, RA, NOERROR */

/* A record's fixed part after its owner name. */
static void rr_head(struct wire *w, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	put16(w, type);
	put16(w, 1);
	put32(w, ttl);
	put16(w, rdlen);
}

/* A response to web.ns, type qtype, whose one answer is a record at web.ns of type and rdlen,
 * its rdata still to put. */
static void one_rr(struct wire *w, uint16_t qtype, uint16_t type, uint16_t rdlen)
{
	start(w, RESPONSE, 1, 0, 0, "web.ns", qtype);
	put_name(w, "web.ns");
	rr_head(w, type, 1, rdlen);
}

static void rr_a(struct wire *w, const char *name, uint32_t ttl, const char *ip)
{
	struct in_addr a;

	put_name(w, name);
	rr_head(w, SL_DNS_T_A, ttl, 4);
	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	memcpy(w->b + w->n, &a, 4);
	w->n += 4;
}

static void rr_aaaa(struct wire *w, const char *name, uint32_t ttl, const char *ip)
{
	struct in6_addr a;

	put_name(w, name);
	rr_head(w, SL_DNS_T_AAAA, ttl, 16);
	assert_int_equal(inet_pton(AF_INET6, ip, &a), 1);
	memcpy(w->b + w->n, &a, 16);
	w->n += 16;
}

static size_t name_len(const char *name)
{
	return *name ? strlen(name) + 2 : 1;
}

static void rr_srv(struct wire *w, const char *name, uint32_t ttl, uint16_t prio,
		   uint16_t weight, uint16_t port, const char *target)
{
	put_name(w, name);
	rr_head(w, SL_DNS_T_SRV, ttl, (uint16_t)(6 + name_len(target)));
	put16(w, prio);
	put16(w, weight);
	put16(w, port);
	put_name(w, target);
}

static void rr_cname(struct wire *w, const char *name, uint32_t ttl, const char *target)
{
	put_name(w, name);
	rr_head(w, SL_DNS_T_CNAME, ttl, (uint16_t)name_len(target));
	put_name(w, target);
}

static void rr_soa(struct wire *w, const char *zone, uint32_t ttl, uint32_t minimum)
{
	put_name(w, zone);
	rr_head(w, SL_DNS_T_SOA, ttl, (uint16_t)(name_len("ns") + name_len("admin") + 20));
	put_name(w, "ns");
	put_name(w, "admin");
	put32(w, 1);
	put32(w, 60);
	put32(w, 60);
	put32(w, 600);
	put32(w, minimum);
}

static void addr_is(const struct sl_addr *a, const char *want)
{
	char buf[SL_ADDR_STRLEN];

	assert_string_equal(sl_addr_format(a, buf, sizeof(buf)), want);
}

static void test_srv_with_additional(void **state)
{
	const struct sl_dns_rr *rr;
	struct sl_dns_msg m;
	struct wire w;
	const char *why;
	size_t i = 0;

	(void)state;
	start(&w, RESPONSE | 0x0400, 2, 0, 3, "orders.prod.local", SL_DNS_T_SRV);
	rr_srv(&w, "orders.prod.local", 10, 1, 1, 8080, "t1.orders.prod.local");
	rr_srv(&w, "ORDERS.prod.local", 30, 1, 5, 8081, "t2.orders.prod.local");
	rr_a(&w, "t1.orders.prod.local", 10, "10.0.0.1");
	rr_aaaa(&w, "t2.orders.prod.local", 10, "fd00::2");
	put_name(&w, ""); /* an OPT record: passed over */
	rr_head(&w, 41, 0, 0);
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(m.id, 0x1234);
	assert_string_equal(m.qname, "orders.prod.local");
	assert_int_equal(m.qtype, SL_DNS_T_SRV);
	assert_false(m.truncated);
	assert_int_equal(m.nrr, 4);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_RECORDS);
	assert_string_equal(sl_dns_msg_canonical(&m), "orders.prod.local");
	rr = sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "orders.prod.local");
	assert_non_null(rr);
	assert_int_equal(rr->port, 8080);
	assert_string_equal(rr->target, "t1.orders.prod.local");
	rr = sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "orders.prod.local"); /* case-insensitive */
	assert_non_null(rr);
	assert_int_equal(rr->weight, 5);
	assert_null(sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "orders.prod.local"));
	assert_int_equal(sl_dns_msg_min_ttl(&m), 10);
	assert_int_equal(m.rr[2].section, SL_DNS_ADDITIONAL);
	addr_is(&m.rr[2].addr, "10.0.0.1");
	addr_is(&m.rr[3].addr, "fd00::2");
	i = 0; /* additional records are no answers */
	assert_null(sl_dns_msg_next(&m, &i, SL_DNS_T_A, "t1.orders.prod.local"));
	sl_dns_msg_free(&m);
}

/* Compressed names: a pointer to the question, and one into the middle of a name. */
static void test_compression(void **state)
{
	struct sl_dns_msg m;
	struct wire w;
	size_t i = 0, t1;

	(void)state;
	start(&w, RESPONSE, 1, 0, 1, "web.ns", SL_DNS_T_SRV);
	put_ptr(&w, 12); /* the question's name */
	rr_head(&w, SL_DNS_T_SRV, 5, 6 + 5);
	put16(&w, 1);
	put16(&w, 1);
	put16(&w, 80);
	t1 = w.n;
	put8(&w, 2);
	put8(&w, 't');
	put8(&w, '1');
	put_ptr(&w, 12); /* t1.web.ns */
	put_ptr(&w, (uint16_t)t1);
	rr_head(&w, SL_DNS_T_A, 5, 4);
	put32(&w, 0x0a000001);
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_non_null(sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "web.ns"));
	assert_string_equal(m.rr[0].target, "t1.web.ns");
	assert_string_equal(m.rr[1].name, "t1.web.ns");
	addr_is(&m.rr[1].addr, "10.0.0.1");
	sl_dns_msg_free(&m);
}

/* A CNAME chain leads to the records. */
static void test_cname(void **state)
{
	const char *why;
	struct sl_dns_msg m;
	struct wire w;

	(void)state;
	start(&w, RESPONSE, 3, 0, 0, "web.ns", SL_DNS_T_A);
	rr_cname(&w, "web.ns", 60, "a.ns");
	rr_cname(&w, "a.ns", 60, "b.ns");
	rr_a(&w, "b.ns", 7, "10.0.0.9");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_string_equal(sl_dns_msg_canonical(&m), "b.ns");
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_RECORDS);
	assert_int_equal(sl_dns_msg_min_ttl(&m), 7);
	sl_dns_msg_free(&m);
	/* A CNAME to a name without records: NODATA. */
	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	rr_cname(&w, "web.ns", 60, "a.ns");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_NONE);
	assert_string_equal(why, "NODATA");
	sl_dns_msg_free(&m);
	/* A CNAME loop ends. */
	start(&w, RESPONSE, 2, 0, 0, "web.ns", SL_DNS_T_A);
	rr_cname(&w, "web.ns", 60, "a.ns");
	rr_cname(&w, "a.ns", 60, "web.ns");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_NONE);
	sl_dns_msg_free(&m);
}

static void test_verdicts(void **state)
{
	static const struct {
		uint16_t rcode;
		enum sl_dns_verdict v;
		const char *why;
	} cases[] = {
		{ 3, SL_DNS_NONE, "NXDOMAIN" }, { 2, SL_DNS_FAILED, "SERVFAIL" },
		{ 5, SL_DNS_FAILED, "REFUSED" }, { 1, SL_DNS_FAILED, "FORMERR" },
		{ 4, SL_DNS_FAILED, "NOTIMP" }, { 9, SL_DNS_FAILED, "rcode 9" },
	};
	struct sl_dns_msg m;
	struct wire w;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(&w, (uint16_t)(0x8180 | cases[i].rcode), 0, 1, 0, "web.ns", SL_DNS_T_SRV);
		rr_soa(&w, "ns", 30, 5);
		assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
		assert_int_equal(sl_dns_msg_verdict(&m, &why), cases[i].v);
		assert_string_equal(why, cases[i].why);
		assert_int_equal(m.negative_ttl, 5); /* min(SOA TTL, MINIMUM) */
		sl_dns_msg_free(&m);
	}
	/* NODATA: NOERROR, no record of the type (one of another type). */
	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_SRV);
	rr_a(&w, "web.ns", 1, "10.0.0.1");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_NONE);
	assert_string_equal(why, "NODATA");
	assert_int_equal(m.negative_ttl, UINT32_MAX);
	sl_dns_msg_free(&m);
	/* TC: whatever it holds, ask again. */
	start(&w, RESPONSE | 0x0200, 1, 0, 0, "web.ns", SL_DNS_T_SRV);
	rr_srv(&w, "web.ns", 1, 1, 1, 80, "t1.web.ns");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_true(m.truncated);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_TRUNCATED);
	sl_dns_msg_free(&m);
}

/* A TTL with the top bit set counts as 0 (RFC 2181). */
static void test_ttl_top_bit(void **state)
{
	struct sl_dns_msg m;
	struct wire w;

	(void)state;
	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	rr_a(&w, "web.ns", 0x80000001U, "10.0.0.1");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(m.rr[0].ttl, 0);
	sl_dns_msg_free(&m);
}

static void refused(const struct wire *w, const char *what)
{
	struct sl_dns_msg m;

	if (sl_dns_msg_parse(w->b, w->n, &m) != -EBADMSG)
		fail_msg("%s: read as a message", what);
	assert_null(m.rr);
}

static void test_malformed(void **state)
{
	struct wire w, ok;
	size_t cut;

	(void)state;
	start(&ok, RESPONSE, 1, 0, 1, "web.ns", SL_DNS_T_SRV);
	rr_srv(&ok, "web.ns", 1, 1, 1, 80, "t1.web.ns");
	rr_a(&ok, "t1.web.ns", 1, "10.0.0.1");
	for (cut = 0; cut < ok.n; cut++) { /* every prefix of a good message */
		w = ok;
		w.n = cut;
		refused(&w, "a prefix");
	}
	w = ok;
	w.b[2] &= 0x7f;
	refused(&w, "a query (QR clear)");
	w = ok;
	w.b[5] = 0;
	refused(&w, "no question");
	w = ok;
	w.b[5] = 2;
	refused(&w, "two questions");

	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	put_ptr(&w, (uint16_t)w.n); /* a pointer to itself */
	rr_head(&w, SL_DNS_T_A, 1, 4);
	put32(&w, 1);
	refused(&w, "a pointer loop");

	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	put_ptr(&w, 4000); /* past the end */
	rr_head(&w, SL_DNS_T_A, 1, 4);
	put32(&w, 1);
	refused(&w, "a pointer past the end");

	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	put8(&w, 0x40); /* an extended label type */
	rr_head(&w, SL_DNS_T_A, 1, 4);
	put32(&w, 1);
	refused(&w, "an extended label");

	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	put8(&w, 3);
	put8(&w, 'a');
	put8(&w, '.');
	put8(&w, 'b');
	put8(&w, 0);
	rr_head(&w, SL_DNS_T_A, 1, 4);
	put32(&w, 1);
	refused(&w, "a dot inside a label");

	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
	put8(&w, 1);
	put8(&w, 0);
	put8(&w, 0);
	rr_head(&w, SL_DNS_T_A, 1, 4);
	put32(&w, 1);
	refused(&w, "a NUL inside a label");

	one_rr(&w, SL_DNS_T_A, SL_DNS_T_A, 3);
	put8(&w, 1);
	put8(&w, 2);
	put8(&w, 3);
	refused(&w, "an A record of 3 bytes");

	one_rr(&w, SL_DNS_T_AAAA, SL_DNS_T_AAAA, 4);
	put32(&w, 1);
	refused(&w, "an AAAA record of 4 bytes");

	one_rr(&w, SL_DNS_T_SRV, SL_DNS_T_SRV, 6 + 3); /* the target runs past its rdata */
	put16(&w, 1);
	put16(&w, 1);
	put16(&w, 80);
	put_name(&w, "t1.web.ns");
	refused(&w, "an SRV target past its rdata");

	one_rr(&w, SL_DNS_T_SRV, SL_DNS_T_SRV, 6 + 1 + 2); /* two bytes after the target */
	put16(&w, 1);
	put16(&w, 1);
	put16(&w, 80);
	put8(&w, 0);
	put16(&w, 0);
	refused(&w, "bytes after an SRV target");

	one_rr(&w, SL_DNS_T_A, SL_DNS_T_A, 200); /* rdata past the end */
	put32(&w, 1);
	refused(&w, "rdata past the end");

	start(&w, RESPONSE, 2, 0, 0, "web.ns", SL_DNS_T_A); /* says 2, holds 1 */
	rr_a(&w, "web.ns", 1, "10.0.0.1");
	refused(&w, "fewer records than counted");
}

/* A message ldns writes (its names compressed), from records in zone-file text: qr, the first
 * record the question, then one section after another, "--" between them (answer, authority,
 * additional). */
static void ldns_built(struct wire *w, uint8_t rcode, const char *const *lines)
{
	ldns_pkt_section sec = LDNS_SECTION_ANSWER;
	ldns_pkt *pkt = ldns_pkt_new();
	uint8_t *wire = NULL;
	ldns_rr *rr;
	size_t size;

	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, 0x4321);
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_rcode(pkt, rcode);
	assert_int_equal(ldns_rr_new_question_frm_str(&rr, *lines++, NULL, NULL), LDNS_STATUS_OK);
	assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr));
	for (; *lines; lines++) {
		if (!strcmp(*lines, "--")) {
			sec = sec == LDNS_SECTION_ANSWER ? LDNS_SECTION_AUTHORITY :
							  LDNS_SECTION_ADDITIONAL;
			continue;
		}
		assert_int_equal(ldns_rr_new_frm_str(&rr, *lines, 0, NULL, NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(pkt, sec, rr));
	}
	assert_int_equal(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
	assert_true(size <= sizeof(w->b));
	memcpy(w->b, wire, size);
	w->n = size;
	free(wire);
	ldns_pkt_free(pkt);
}

/* What ldns writes reads back: compressed names, every kept type, an SOA whose RNAME has a dot
 * in its first label (a mailbox's; no name of ours, so not refused), other types and classes
 * passed over. */
static void test_ldns_written(void **state)
{
	static const char *const srv[] = {
		"orders.prod.local. IN SRV",
		"orders.prod.local. 20 IN SRV 1 7 8080 t1.orders.prod.local.",
		"orders.prod.local. 15 IN SRV 2 3 8081 t2.orders.prod.local.",
		"orders.prod.local. 5 IN TXT \"passed over\"",
		"--",
		"--",
		"t1.orders.prod.local. 20 IN A 10.0.0.1",
		"t2.orders.prod.local. 20 IN AAAA fd00::2",
		"t2.orders.prod.local. 20 CH A 10.9.9.9",
		NULL,
	};
	static const char *const nx[] = {
		"gone.prod.local. IN SRV",
		"--",
		"prod.local. 300 IN SOA ns.prod.local. john\\.doe.prod.local. 1 60 60 600 45",
		NULL,
	};
	const struct sl_dns_rr *rr;
	struct sl_dns_msg m;
	const char *why;
	struct wire w;
	size_t i = 0;

	(void)state;
	ldns_built(&w, LDNS_RCODE_NOERROR, srv);
	assert_non_null(memchr(w.b + 12, 0xc0, w.n - 12)); /* compressed */
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(m.id, 0x4321);
	assert_string_equal(m.qname, "orders.prod.local");
	assert_int_equal(m.qtype, SL_DNS_T_SRV);
	assert_int_equal(m.nrr, 4);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_RECORDS);
	assert_int_equal(sl_dns_msg_min_ttl(&m), 15);
	rr = sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "orders.prod.local");
	assert_non_null(rr);
	assert_int_equal(rr->priority, 1);
	assert_int_equal(rr->weight, 7);
	assert_int_equal(rr->port, 8080);
	assert_string_equal(rr->target, "t1.orders.prod.local");
	rr = sl_dns_msg_next(&m, &i, SL_DNS_T_SRV, "orders.prod.local");
	assert_non_null(rr);
	assert_string_equal(rr->target, "t2.orders.prod.local");
	assert_string_equal(m.rr[2].name, "t1.orders.prod.local");
	addr_is(&m.rr[2].addr, "10.0.0.1");
	assert_int_equal(m.rr[3].section, SL_DNS_ADDITIONAL);
	addr_is(&m.rr[3].addr, "fd00::2");
	sl_dns_msg_free(&m);

	ldns_built(&w, LDNS_RCODE_NXDOMAIN, nx);
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_NONE);
	assert_string_equal(why, "NXDOMAIN");
	assert_int_equal(m.negative_ttl, 45);
	sl_dns_msg_free(&m);
}

/* A record of a type passed over is passed over whole, even with bytes ldns does not read (an
 * MX with two after its exchange): the next is read from where its RDLENGTH says. */
static void test_passed_over(void **state)
{
	struct sl_dns_msg m;
	struct wire w;
	const char *why;

	(void)state;
	start(&w, RESPONSE, 2, 0, 0, "web.ns", SL_DNS_T_A);
	put_name(&w, "web.ns");
	rr_head(&w, 15 /* MX */, 1, (uint16_t)(2 + name_len("mx.ns") + 2));
	put16(&w, 10);
	put_name(&w, "mx.ns");
	put16(&w, 0xc0ff); /* would be a pointer past the end, if read as the next record */
	rr_a(&w, "web.ns", 9, "10.0.0.7");
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(m.nrr, 1);
	assert_int_equal(sl_dns_msg_verdict(&m, &why), SL_DNS_RECORDS);
	addr_is(&m.rr[0].addr, "10.0.0.7");
	sl_dns_msg_free(&m);
}

/* The checks dns_msg.c makes on top of ldns: a record's fields must fill its RDLENGTH (ldns
 * reads a name past it, leaves bytes after it, and reads a record cut short as one with fewer
 * fields), and names hold printable ASCII without dots or backslashes in a label (ldns takes
 * any byte). */
static void test_beyond_ldns(void **state)
{
	static const uint8_t bad_bytes[] = { '\\', ' ', 0x7f, 0xc3 };
	struct wire w;
	size_t i;

	(void)state;
	one_rr(&w, SL_DNS_T_A, SL_DNS_T_A, 0);
	refused(&w, "an A record of 0 bytes");

	one_rr(&w, SL_DNS_T_SRV, SL_DNS_T_SRV, 6); /* no target */
	put16(&w, 1);
	put16(&w, 1);
	put16(&w, 80);
	refused(&w, "an SRV record without its target");

	one_rr(&w, SL_DNS_T_A, SL_DNS_T_CNAME, 0);
	refused(&w, "a CNAME without its name");

	start(&w, RESPONSE, 0, 1, 0, "web.ns", SL_DNS_T_A);
	put_name(&w, "ns");
	rr_head(&w, SL_DNS_T_SOA, 1, (uint16_t)(name_len("ns") + name_len("admin") + 8));
	put_name(&w, "ns");
	put_name(&w, "admin");
	put32(&w, 1);
	put32(&w, 60);
	refused(&w, "an SOA without its MINIMUM");

	start(&w, RESPONSE, 0, 1, 0, "web.ns", SL_DNS_T_A);
	rr_soa(&w, "ns", 30, 5);
	w.b[w.n - 21 - name_len("ns") - name_len("admin")]++; /* RDLENGTH's low byte */
	put8(&w, 0);
	refused(&w, "a byte after an SOA's MINIMUM");

	/* An MX whose exchange runs past its rdata into what reads, from its RDLENGTH's end, as
	 * an A record at the root: refused, not read as that. */
	start(&w, RESPONSE, 2, 0, 0, "", SL_DNS_T_A);
	put_name(&w, "");
	rr_head(&w, 15 /* MX */, 1, 2 + 1);
	put16(&w, 10);
	put8(&w, 1);           /* the exchange: a label of one byte, */
	put8(&w, 0);           /* that byte past the rdata (or there: the root owner), */
	rr_head(&w, SL_DNS_T_A, 9, 4); /* then the root label (or there: the A record's type) */
	put32(&w, 0x0a000007);
	refused(&w, "a passed-over record's name past its rdata");

	for (i = 0; i < sizeof(bad_bytes); i++) {
		char what[40];

		start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_A);
		put8(&w, 3);
		put8(&w, 'a');
		put8(&w, bad_bytes[i]);
		put8(&w, 'b');
		put8(&w, 0);
		rr_head(&w, SL_DNS_T_A, 1, 4);
		put32(&w, 1);
		snprintf(what, sizeof(what), "a byte 0x%02x inside a label", bad_bytes[i]);
		refused(&w, what);
	}
	start(&w, RESPONSE, 1, 0, 0, "we\\b.ns", SL_DNS_T_A);
	refused(&w, "a backslash in the question's name");
	start(&w, RESPONSE, 1, 0, 0, "web.ns", SL_DNS_T_SRV);
	rr_srv(&w, "web.ns", 1, 1, 1, 80, "t\x01.web.ns");
	refused(&w, "a control byte in an SRV target");
}

/* A name of more than 253 characters is refused; one of 253 is read. */
static void test_name_bounds(void **state)
{
	char name[300], label[64];
	struct sl_dns_msg m;
	struct wire w;

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label, label); /* 253 */
	start(&w, RESPONSE, 0, 0, 0, name, SL_DNS_T_A);
	assert_int_equal(sl_dns_msg_parse(w.b, w.n, &m), 0);
	assert_int_equal(strlen(m.qname), 253);
	sl_dns_msg_free(&m);
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label); /* 255 */
	start(&w, RESPONSE, 0, 0, 0, name, SL_DNS_T_A);
	refused(&w, "a name of 255 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_srv_with_additional),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_name_bounds),
		cmocka_unit_test(test_ldns_written),
		cmocka_unit_test(test_passed_over),
		cmocka_unit_test(test_beyond_ldns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
