// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_vip.c: unit tests of sl_vip_assign: hashing and probing, stability through prev,
 * fixed VIPs, full ranges, IPv6 ranges, errors and determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/vip.h"
#include "vip_find.h"

#define R16 "127.255.0.0/16"

/* The reference FNV-1a, 32 bits. */
static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static struct sl_cidr cidr(const char *s)
{
	struct sl_cidr c;

	assert_int_equal(sl_cidr_parse(s, &c), 0);
	return c;
}

static struct sl_addr addr(const char *s)
{
	struct sl_addr a;

	assert_int_equal(sl_addr_parse(s, &a), 0);
	return a;
}

/* The address at offset n of range s. */
static struct sl_addr nth(const char *s, uint64_t n)
{
	struct sl_cidr c = cidr(s);
	struct sl_addr a;

	sl_cidr_nth(&c, n, &a);
	return a;
}

static void assert_addr(const struct sl_addr *got, const struct sl_addr *want)
{
	char g[SL_ADDR_STRLEN], w[SL_ADDR_STRLEN];

	assert_non_null(got);
	if (!sl_addr_eq(got, want))
		fail_msg("got %s, want %s", sl_addr_format(got, g, sizeof(g)),
			 sl_addr_format(want, w, sizeof(w)));
}

/* Requests for names, none fixed. */
static void mk_req(struct sl_vip_request *req, const char *const *names, size_t n)
{
	size_t i;

	memset(req, 0, n * sizeof(*req));
	for (i = 0; i < n; i++)
		req[i].name = names[i];
}

static int assign(const char *range, const struct sl_vip_request *req, size_t n,
		  const struct sl_vip_table *prev, struct sl_vip_table *out, struct sl_err *err)
{
	struct sl_cidr c = cidr(range);

	return sl_vip_assign(&c, strchr(range, ':') ? "vipCidr6" : "vipCidr", req, n, prev,
			     out, err);
}

/* Assign names in range; must succeed. */
static void assign_ok(const char *range, const char *const *names, size_t n,
		      const struct sl_vip_table *prev, struct sl_vip_table *out)
{
	struct sl_vip_request req[16];
	struct sl_err err = { "" };
	int ret;

	assert_true(n <= 16);
	mk_req(req, names, n);
	ret = assign(range, req, n, prev, out, &err);
	if (ret)
		fail_msg("assign: %d: %s", ret, err.msg);
}

/* Every entry in the range, at neither reserved end, all distinct, in request order. */
static void check_table(const char *range, const struct sl_vip_table *t,
			const char *const *names, size_t n)
{
	struct sl_cidr c = cidr(range);
	struct sl_addr last;
	size_t i, j;

	sl_cidr_nth(&c, sl_cidr_size(&c) - 1, &last);
	assert_int_equal(t->n, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(t->v[i].name, names[i]);
		assert_true(sl_cidr_contains(&c, &t->v[i].vip));
		assert_false(sl_addr_eq(&t->v[i].vip, &c.base));
		if (c.v4)
			assert_false(sl_addr_eq(&t->v[i].vip, &last));
		for (j = 0; j < i; j++)
			assert_false(sl_addr_eq(&t->v[i].vip, &t->v[j].vip));
	}
}

/* A table holding the given name/address pairs, as state would load it. */
static void mk_table(struct sl_vip_table *t, const char *const *names, const char *const *addrs,
		     size_t n)
{
	size_t i;

	t->v = calloc(n, sizeof(*t->v));
	assert_non_null(t->v);
	for (i = 0; i < n; i++) {
		t->v[i].name = strdup(names[i]);
		assert_non_null(t->v[i].name);
		t->v[i].vip = addr(addrs[i]);
	}
	t->n = n;
}

/* A name "<prefix><k>" whose hash start in a range of size is want (k from *from on). */
static void name_at(char *buf, size_t len, const char *prefix, uint64_t size, uint64_t want,
		    unsigned int *from)
{
	unsigned int k;

	for (k = *from; k < *from + 1000000; k++) {
		snprintf(buf, len, "%s%u", prefix, k);
		if (fnv(buf) % size == want) {
			*from = k + 1;
			return;
		}
	}
	fail_msg("no name found for offset %llu", (unsigned long long)want);
}

static void test_fnv_reference(void **state)
{
	(void)state;
	/* Published FNV-1a 32-bit test vectors, so the tests below check the real thing. */
	assert_int_equal(fnv(""), 0x811c9dc5);
	assert_int_equal(fnv("a"), 0xe40c292c);
	assert_int_equal(fnv("foobar"), 0xbf9cf968);
}

static void test_empty(void **state)
{
	struct sl_vip_table out = { (void *)1, 3 };
	struct sl_cidr c = cidr(R16);

	(void)state;
	assert_int_equal(sl_vip_assign(&c, "vipCidr", NULL, 0, NULL, &out, NULL), 0);
	assert_null(out.v);
	assert_int_equal(out.n, 0);
	sl_vip_table_free(&out);
}

static void test_hash_start(void **state)
{
	const char *names[] = { "orders", "payments.prod", "api" };
	struct sl_vip_table out;
	size_t i;

	(void)state;
	assign_ok(R16, names, 3, NULL, &out);
	check_table(R16, &out, names, 3);
	for (i = 0; i < 3; i++) {
		uint64_t off = fnv(names[i]) % 65536;
		struct sl_addr want = nth(R16, off);

		/* These names start neither at a reserved address nor on each other. */
		assert_true(off != 0 && off != 65535);
		assert_addr(&out.v[i].vip, &want);
		assert_addr(vip_of(&out, names[i]), &want);
	}
	assert_null(vip_of(&out, "nope"));
	assert_null(vip_of(&out, "order"));
	sl_vip_table_free(&out);
	assert_null(out.v);
	assert_int_equal(out.n, 0);
}

static void test_deterministic(void **state)
{
	const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	struct sl_vip_table t1, t2;
	size_t i;

	(void)state;
	assign_ok("10.9.8.0/28", names, 8, NULL, &t1);
	assign_ok("10.9.8.0/28", names, 8, NULL, &t2);
	check_table("10.9.8.0/28", &t1, names, 8);
	for (i = 0; i < 8; i++)
		assert_addr(&t2.v[i].vip, &t1.v[i].vip);
	sl_vip_table_free(&t1);
	sl_vip_table_free(&t2);
}

static void test_adding_name_keeps_others(void **state)
{
	const char *two[] = { "orders", "users" };
	const char *three[] = { "zeta", "orders", "users" };
	struct sl_vip_table t1, t2, t3;
	char crowd[32];
	unsigned int from = 0;
	const char *with_crowd[2];

	(void)state;
	assign_ok(R16, two, 2, NULL, &t1);
	/* With the old table as prev, a new name first in order moves nobody... */
	assign_ok(R16, three, 3, &t1, &t2);
	check_table(R16, &t2, three, 3);
	assert_addr(&t2.v[1].vip, &t1.v[0].vip);
	assert_addr(&t2.v[2].vip, &t1.v[1].vip);
	sl_vip_table_free(&t2);

	/* ...even one hashing onto an existing VIP: it probes on instead. */
	name_at(crowd, sizeof(crowd), "crowd", 65536, fnv("orders") % 65536, &from);
	with_crowd[0] = crowd;
	with_crowd[1] = "orders";
	assign_ok(R16, with_crowd, 2, &t1, &t3);
	assert_addr(&t3.v[1].vip, &t1.v[0].vip);
	assert_false(sl_addr_eq(&t3.v[0].vip, &t1.v[0].vip));
	sl_vip_table_free(&t3);
	sl_vip_table_free(&t1);
}

static void test_prev_honoured(void **state)
{
	const char *names[] = { "orders", "users" };
	const char *pn[] = { "orders", "gone" };
	const char *pa[] = { "127.255.9.9", "127.255.1.1" };
	struct sl_vip_table prev, out;
	struct sl_addr want = addr("127.255.9.9"), users = nth(R16, fnv("users") % 65536);

	(void)state;
	assert_int_not_equal(fnv("orders") % 65536, 9 * 256 + 9);
	mk_table(&prev, pn, pa, 2);
	assign_ok(R16, names, 2, &prev, &out);
	check_table(R16, &out, names, 2);
	assert_addr(&out.v[0].vip, &want);
	assert_addr(&out.v[1].vip, &users);
	/* A name no longer requested is dropped. */
	assert_null(vip_of(&out, "gone"));
	sl_vip_table_free(&out);
	sl_vip_table_free(&prev);
}

static void test_prev_out_of_range_reallocated(void **state)
{
	const char *names[] = { "orders", "users", "web", "edge" };
	const char *pa[] = { "10.1.2.3", "fd00::7", "127.255.0.0", "127.255.255.255" };
	struct sl_vip_table prev, out;
	size_t i;

	(void)state;
	/* Outside the range, of the other family, and at each reserved end. */
	mk_table(&prev, names, pa, 4);
	assign_ok(R16, names, 4, &prev, &out);
	check_table(R16, &out, names, 4);
	for (i = 0; i < 4; i++) {
		struct sl_addr want = nth(R16, fnv(names[i]) % 65536);

		assert_addr(&out.v[i].vip, &want);
	}
	sl_vip_table_free(&out);
	sl_vip_table_free(&prev);
}

static void test_prev_duplicate_vip(void **state)
{
	const char *names[] = { "a", "b" };
	const char *pa[] = { "127.255.3.3", "127.255.3.3" };
	struct sl_vip_table prev, out;
	struct sl_addr x = addr("127.255.3.3");

	(void)state;
	mk_table(&prev, names, pa, 2);
	assign_ok(R16, names, 2, &prev, &out);
	check_table(R16, &out, names, 2);
	assert_addr(&out.v[0].vip, &x);
	sl_vip_table_free(&out);
	sl_vip_table_free(&prev);
}

static void test_fixed_wins_over_prev(void **state)
{
	const char *pn[] = { "orders", "users" };
	const char *pa[] = { "127.255.4.4", "127.255.5.5" };
	struct sl_vip_request req[2];
	struct sl_vip_table prev, out;
	struct sl_err err = { "" };
	struct sl_addr x = addr("127.255.4.4");

	(void)state;
	mk_table(&prev, pn, pa, 2);
	mk_req(req, pn, 2);
	req[1].fixed = true;
	req[1].vip = x;
	assert_int_equal(assign(R16, req, 2, &prev, &out, &err), 0);
	check_table(R16, &out, pn, 2);
	assert_addr(&out.v[1].vip, &x);
	/* orders lost its VIP to the fixed one and moved to its hash start. */
	x = nth(R16, fnv("orders") % 65536);
	assert_addr(&out.v[0].vip, &x);
	sl_vip_table_free(&out);
	sl_vip_table_free(&prev);
}

static void test_fixed_taken_before_probe(void **state)
{
	const char *names[] = { "orders", "pinned" };
	struct sl_vip_request req[2];
	struct sl_vip_table out;
	struct sl_err err = { "" };
	uint64_t start = fnv("orders") % 65536;
	struct sl_addr want;

	(void)state;
	assert_true(start > 0 && start + 1 < 65535);
	mk_req(req, names, 2);
	req[1].fixed = true;
	req[1].vip = nth(R16, start);
	assert_int_equal(assign(R16, req, 2, NULL, &out, &err), 0);
	want = nth(R16, start + 1);
	assert_addr(&out.v[0].vip, &want);
	assert_addr(&out.v[1].vip, &req[1].vip);
	sl_vip_table_free(&out);

	/* A fixed VIP is used as written, even at the range's first address. */
	req[1].vip = addr("127.255.0.0");
	assert_int_equal(assign(R16, req, 2, NULL, &out, &err), 0);
	assert_addr(&out.v[1].vip, &req[1].vip);
	sl_vip_table_free(&out);
}

static void test_fixed_outside_range(void **state)
{
	const char *names[] = { "users", "orders" };
	struct sl_vip_request req[2];
	struct sl_vip_table out = { (void *)1, 7 };
	struct sl_err err = { "" };

	(void)state;
	mk_req(req, names, 2);
	req[1].fixed = true;
	req[1].vip = addr("10.0.0.1");
	assert_int_equal(assign(R16, req, 2, NULL, &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "alias \"orders\": vip 10.0.0.1 is outside vipCidr 127.255.0.0/16");
	assert_null(out.v);
	assert_int_equal(out.n, 0);

	/* The other family is outside too. */
	req[1].vip = addr("fd00::1");
	assert_int_equal(assign(R16, req, 2, NULL, &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "alias \"orders\": vip fd00::1 is outside vipCidr 127.255.0.0/16");
	req[1].vip = addr("127.255.0.9");
	assert_int_equal(assign("fd00::/64", req, 2, NULL, &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "alias \"orders\": vip 127.255.0.9 is outside vipCidr6 fd00::/64");
	assert_null(out.v);
}

static void test_fixed_twice(void **state)
{
	const char *names[] = { "orders", "users", "web" };
	struct sl_vip_request req[3];
	struct sl_vip_table out = { (void *)1, 7 };
	struct sl_err err = { "" };

	(void)state;
	mk_req(req, names, 3);
	req[0].fixed = req[2].fixed = true;
	req[0].vip = req[2].vip = addr("127.255.0.10");
	assert_int_equal(assign(R16, req, 3, NULL, &out, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "alias \"web\": vip 127.255.0.10 is also fixed for alias \"orders\"");
	assert_null(out.v);
	assert_int_equal(out.n, 0);
}

static void test_collision_probes(void **state)
{
	const char *range = "10.1.1.0/24";
	char a[32], b[32], c[32], z[32], l[32];
	const char *names[5] = { a, b, c, z, l };
	struct sl_vip_table out;
	unsigned int from = 0;
	struct sl_addr want;

	(void)state;
	/* a, b and c all start at offset 100: they take 100, 101, 102 in order. */
	name_at(a, sizeof(a), "n", 256, 100, &from);
	name_at(b, sizeof(b), "n", 256, 100, &from);
	name_at(c, sizeof(c), "n", 256, 100, &from);
	/* z starts at the network address, l at the broadcast one: both move to .1, .2. */
	from = 0;
	name_at(z, sizeof(z), "z", 256, 0, &from);
	from = 0;
	name_at(l, sizeof(l), "l", 256, 255, &from);
	assign_ok(range, names, 5, NULL, &out);
	check_table(range, &out, names, 5);
	want = addr("10.1.1.100");
	assert_addr(&out.v[0].vip, &want);
	want = addr("10.1.1.101");
	assert_addr(&out.v[1].vip, &want);
	want = addr("10.1.1.102");
	assert_addr(&out.v[2].vip, &want);
	want = addr("10.1.1.1");
	assert_addr(&out.v[3].vip, &want);
	want = addr("10.1.1.2");
	assert_addr(&out.v[4].vip, &want);
	sl_vip_table_free(&out);
}

static void test_full_range(void **state)
{
	const char *names[] = { "a", "b", "c" };
	struct sl_vip_request req[3];
	struct sl_vip_table out = { 0 };
	struct sl_err err = { "" };
	struct sl_addr one = addr("127.255.0.1"), two = addr("127.255.0.2");

	(void)state;
	/* A /30 has two usable addresses. */
	assign_ok("127.255.0.0/30", names, 2, NULL, &out);
	check_table("127.255.0.0/30", &out, names, 2);
	assert_true((sl_addr_eq(&out.v[0].vip, &one) && sl_addr_eq(&out.v[1].vip, &two)) ||
		    (sl_addr_eq(&out.v[0].vip, &two) && sl_addr_eq(&out.v[1].vip, &one)));
	sl_vip_table_free(&out);

	mk_req(req, names, 3);
	out.v = (void *)1;
	out.n = 9;
	assert_int_equal(assign("127.255.0.0/30", req, 3, NULL, &out, &err), -ENOSPC);
	assert_string_equal(err.msg,
			    "alias \"c\": no free address left in vipCidr 127.255.0.0/30");
	assert_null(out.v);
	assert_int_equal(out.n, 0);

	/* Fixed VIPs count: with both usable addresses fixed, nothing is left. */
	req[0].fixed = req[1].fixed = true;
	req[0].vip = one;
	req[1].vip = two;
	assert_int_equal(assign("127.255.0.0/30", req, 3, NULL, &out, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "\"c\""));

	/* A /31 and a /32 have none. */
	assert_int_equal(assign("127.255.0.0/31", req + 2, 1, NULL, &out, &err), -ENOSPC);
	assert_int_equal(assign("127.255.0.4/32", req + 2, 1, NULL, &out, &err), -ENOSPC);
	assert_null(out.v);
}

static void test_ipv6_range(void **state)
{
	const char *range = "fd00:5::/120";
	const char *names[] = { "orders", "users", "web" };
	char last[32];
	const char *lastn[1] = { last };
	struct sl_vip_request req[2];
	struct sl_vip_table out;
	struct sl_err err = { "" };
	unsigned int from = 0;
	struct sl_addr want;
	size_t i;

	(void)state;
	assign_ok(range, names, 3, NULL, &out);
	check_table(range, &out, names, 3);
	for (i = 0; i < 3; i++) {
		want = nth(range, fnv(names[i]) % 256);
		assert_false(sl_addr_is_v4(&out.v[i].vip));
		assert_addr(&out.v[i].vip, &want);
	}
	sl_vip_table_free(&out);

	/* IPv6 keeps the range's last address usable. */
	name_at(last, sizeof(last), "v", 256, 255, &from);
	assign_ok(range, lastn, 1, NULL, &out);
	want = addr("fd00:5::ff");
	assert_addr(&out.v[0].vip, &want);
	sl_vip_table_free(&out);

	/* A /127 holds one: the second of its two addresses. */
	assign_ok("fd00:5::/127", names, 1, NULL, &out);
	want = addr("fd00:5::1");
	assert_addr(&out.v[0].vip, &want);
	sl_vip_table_free(&out);
	mk_req(req, names, 2);
	assert_int_equal(assign("fd00:5::/127", req, 2, NULL, &out, &err), -ENOSPC);
	assert_string_equal(err.msg,
			    "alias \"users\": no free address left in vipCidr6 fd00:5::/127");
}

static void test_ipv6_huge_range(void **state)
{
	const char *range = "fd00:77::/64";
	const char *names[] = { "orders", "users" };
	const char *pn[] = { "users" };
	const char *pa[] = { "fd00:77::abcd:1234:5678" };
	struct sl_vip_table prev, out;
	struct sl_addr want;

	(void)state;
	/* 2^64 addresses (2^32 as the range size): nothing sized by the range. */
	mk_table(&prev, pn, pa, 1);
	assign_ok(range, names, 2, &prev, &out);
	want = nth(range, fnv("orders"));
	assert_addr(&out.v[0].vip, &want);
	want = addr(pa[0]);
	assert_addr(&out.v[1].vip, &want);
	sl_vip_table_free(&out);
	sl_vip_table_free(&prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv_reference),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_hash_start),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_adding_name_keeps_others),
		cmocka_unit_test(test_prev_honoured),
		cmocka_unit_test(test_prev_out_of_range_reallocated),
		cmocka_unit_test(test_prev_duplicate_vip),
		cmocka_unit_test(test_fixed_wins_over_prev),
		cmocka_unit_test(test_fixed_taken_before_probe),
		cmocka_unit_test(test_fixed_outside_range),
		cmocka_unit_test(test_fixed_twice),
		cmocka_unit_test(test_collision_probes),
		cmocka_unit_test(test_full_range),
		cmocka_unit_test(test_ipv6_range),
		cmocka_unit_test(test_ipv6_huge_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
