// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_addr.c: unit tests of addr.c: IPv4/IPv6/v4-mapped literals, formatting, ordering,
 * CIDR parsing, containment, size, and the nth address / offset pair. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "lib/addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct sl_addr addr(const char *s)
{
	struct sl_addr a;

	if (sl_addr_parse(s, &a))
		fail_msg("cannot parse %s", s);
	return a;
}

static struct sl_cidr cidr(const char *s)
{
	struct sl_cidr c;

	if (sl_cidr_parse(s, &c))
		fail_msg("cannot parse %s", s);
	return c;
}

static void assert_addr(const struct sl_addr *a, const char *want)
{
	char buf[SL_ADDR_STRLEN];

	assert_string_equal(sl_addr_format(a, buf, sizeof(buf)), want);
}

static void test_parse_v4(void **state)
{
	struct sl_addr a;

	(void)state;
	assert_int_equal(sl_addr_parse("10.1.2.3", &a), 0);
	assert_true(sl_addr_is_v4(&a));
	assert_int_equal(a.a[0], 0);
	assert_int_equal(a.a[1], 0);
	assert_int_equal(a.a[2], htonl(0xffff));
	assert_int_equal(a.a[3], htonl(0x0a010203));

	sl_addr_from_v4(&a, htonl(0xc0a80001));
	assert_true(sl_addr_is_v4(&a));
	assert_addr(&a, "192.168.0.1");
}

static void test_parse_v6(void **state)
{
	struct sl_addr a;

	(void)state;
	assert_int_equal(sl_addr_parse("fd00:1:2:3:4:5:6:7", &a), 0);
	assert_false(sl_addr_is_v4(&a));
	assert_int_equal(a.a[0], htonl(0xfd000001));
	assert_int_equal(a.a[1], htonl(0x00020003));
	assert_int_equal(a.a[2], htonl(0x00040005));
	assert_int_equal(a.a[3], htonl(0x00060007));

	/* 0:0:ffff:: is not v4-mapped: the mapping is the third word alone */
	assert_int_equal(sl_addr_parse("::ffff:0:0:1", &a), 0);
	assert_false(sl_addr_is_v4(&a));
	assert_int_equal(sl_addr_parse("::1", &a), 0);
	assert_false(sl_addr_is_v4(&a));
}

static void test_parse_mapped(void **state)
{
	struct sl_addr a, b;

	(void)state;
	assert_int_equal(sl_addr_parse("::ffff:10.1.2.3", &a), 0);
	assert_true(sl_addr_is_v4(&a));
	assert_int_equal(sl_addr_parse("10.1.2.3", &b), 0);
	assert_true(sl_addr_eq(&a, &b));
	assert_int_equal(sl_addr_parse("::FFFF:a01:203", &a), 0);
	assert_true(sl_addr_eq(&a, &b));
	assert_addr(&a, "10.1.2.3");
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "01.2.3.4", "1.2.3.4 ",
		" 1.2.3.4", "1.2.3.4/32", "0x7f.0.0.1", "fd00:::1", "fd00::1::2", "g::1",
		"1:2:3:4:5:6:7:8:9", "::ffff:1.2.3", "fd00::1%eth0", "[fd00::1]", "localhost",
	};
	struct sl_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (sl_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
	assert_int_equal(sl_addr_parse(NULL, &a), -EINVAL);
}

static void test_endpoint_format(void **state)
{
	char buf[SL_ENDPOINT_STRLEN];
	struct sl_addr a;

	(void)state;
	assert_int_equal(sl_addr_parse("10.1.2.3", &a), 0);
	assert_string_equal(sl_endpoint_format(&a, 8080, buf, sizeof(buf)), "10.1.2.3:8080");
	assert_int_equal(sl_addr_parse("fd00::1", &a), 0);
	assert_string_equal(sl_endpoint_format(&a, 53, buf, sizeof(buf)), "[fd00::1]:53");
	assert_int_equal(sl_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
	assert_string_equal(sl_endpoint_format(&a, 65535, buf, sizeof(buf)),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void test_format_round_trip(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "10.1.2.3", "10.1.2.3" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "255.255.255.255", "255.255.255.255" },
		{ "::ffff:127.255.0.1", "127.255.0.1" },
		{ "fd00::1", "fd00::1" },
		{ "FD00::A", "fd00::a" },
		{ "::1", "::1" },
		{ "::", "::" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "fd00:5::ffff:ffff", "fd00:5::ffff:ffff" },
	};
	char buf[SL_ADDR_STRLEN];
	struct sl_addr a, b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		a = addr(cases[i].in);
		assert_string_equal(sl_addr_format(&a, buf, sizeof(buf)), cases[i].out);
		b = addr(buf);
		assert_true(sl_addr_eq(&a, &b));
	}
}

static void test_cmp(void **state)
{
	struct sl_addr a = addr("10.0.0.1"), b = addr("10.0.0.2"), c = addr("10.0.1.0");
	struct sl_addr d = addr("fd00::1"), e = addr("fd00::1");

	(void)state;
	assert_true(sl_addr_cmp(&a, &b) < 0);
	assert_true(sl_addr_cmp(&b, &a) > 0);
	assert_true(sl_addr_cmp(&b, &c) < 0); /* network byte order compares numerically */
	assert_true(sl_addr_cmp(&a, &d) < 0); /* ::ffff:0:0/96 sorts before fd00::/8 */
	assert_int_equal(sl_addr_cmp(&d, &e), 0);
	assert_true(sl_addr_eq(&d, &e));
	assert_false(sl_addr_eq(&a, &b));
}

static void test_cidr_parse(void **state)
{
	static const struct {
		const char *in;
		bool v4;
		unsigned int prefix;
		const char *out;
	} good[] = {
		{ "10.0.0.0/8", true, 8, "10.0.0.0/8" },
		{ "127.255.0.0/16", true, 16, "127.255.0.0/16" },
		{ "0.0.0.0/0", true, 0, "0.0.0.0/0" },
		{ "10.1.2.3/32", true, 32, "10.1.2.3/32" },
		{ "10.1.2.4/30", true, 30, "10.1.2.4/30" },
		{ "::ffff:10.0.0.0/8", true, 8, "10.0.0.0/8" },
		{ "fd00::/64", false, 64, "fd00::/64" },
		{ "FD00:5::/112", false, 112, "fd00:5::/112" },
		{ "::/0", false, 0, "::/0" },
		{ "fd00::1/128", false, 128, "fd00::1/128" },
		{ "fd00::4/126", false, 126, "fd00::4/126" },
	};
	static const char *const bad[] = {
		"10.0.0.1/8",   /* host bits */
		"11.0.0.0/7",   /* host bits for this prefix */
		"fd00::1/64",   /* host bits */
		"fd00::4000/113", /* host bits */
		"10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
		"10.0.0.0/\t8", "10.0.0.0/8 ", "10.0.0.0/8x", "10.0.0.0/0x8", "10.0.0.0/8/8",
		"10.0.0.0/", "10.0.0.0", "/8", "x/8", "10.0.0/8", "",
		"::ffff:10.0.0.0/104", /* a mapped base counts as IPv4: /104 is past /32 */
		"fd00:0000:0000:0000:0000:0000:0000:0000:0000:0000/64", /* too long */
		"10.0.0.0/99999999999999999999999",
	};
	char buf[64];
	struct sl_cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (sl_cidr_parse(good[i].in, &c))
			fail_msg("\"%s\" did not parse", good[i].in);
		assert_int_equal(c.v4, good[i].v4);
		assert_int_equal(c.prefix, good[i].prefix);
		assert_int_equal(sl_addr_is_v4(&c.base), good[i].v4);
		assert_string_equal(sl_cidr_format(&c, buf, sizeof(buf)), good[i].out);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (sl_cidr_parse(bad[i], &c) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
	assert_int_equal(sl_cidr_parse(NULL, &c), -EINVAL);
}

static void test_cidr_contains(void **state)
{
	static const struct {
		const char *range, *a;
		bool in;
	} cases[] = {
		{ "10.0.0.0/8", "10.0.0.0", true },
		{ "10.0.0.0/8", "10.255.255.255", true },
		{ "10.0.0.0/8", "11.0.0.0", false },
		{ "10.0.0.0/8", "9.255.255.255", false },
		{ "10.0.0.0/8", "::ffff:10.1.1.1", true },
		{ "10.0.0.0/8", "::a01:101", false },
		{ "10.0.0.0/8", "fd00::1", false },
		{ "127.255.0.0/16", "127.255.200.1", true },
		{ "127.255.0.0/16", "127.254.0.1", false },
		{ "10.1.2.3/32", "10.1.2.3", true },
		{ "10.1.2.3/32", "10.1.2.2", false },
		{ "0.0.0.0/0", "255.255.255.255", true },
		{ "0.0.0.0/0", "fd00::1", false },
		{ "fd00::/64", "fd00::ffff:1", true },
		{ "fd00::/64", "fd00:0:0:1::", false },
		{ "fd00::/64", "fd01::", false },
		{ "fd00::/64", "10.0.0.1", false },
		{ "fd00:5::/112", "fd00:5::ffff", true },
		{ "fd00:5::/112", "fd00:5::1:0", false },
		{ "::/0", "2001:db8::1", true },
		{ "::/0", "10.0.0.1", false }, /* a v4 address is never in an IPv6 range */
		{ "fd00::1/128", "fd00::1", true },
		{ "fd00::1/128", "fd00::2", false },
	};
	struct sl_cidr c;
	struct sl_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = cidr(cases[i].range);
		a = addr(cases[i].a);
		if (sl_cidr_contains(&c, &a) != cases[i].in)
			fail_msg("%s in %s: want %d", cases[i].a, cases[i].range, cases[i].in);
	}
}

static void test_cidr_size(void **state)
{
	static const struct {
		const char *range;
		uint64_t size;
	} cases[] = {
		{ "10.1.2.3/32", 1 },
		{ "10.1.2.4/30", 4 },
		{ "10.1.2.0/24", 256 },
		{ "127.255.0.0/16", 65536 },
		{ "128.0.0.0/1", 1ULL << 31 },
		{ "0.0.0.0/0", 1ULL << 32 },
		{ "fd00::1/128", 1 },
		{ "fd00::4/126", 4 },
		{ "fd00:5::/112", 65536 },
		{ "fd00::/97", 1ULL << 31 },
		{ "fd00::/96", 1ULL << 32 },
		{ "fd00::/64", 1ULL << 32 }, /* saturated */
		{ "::/0", 1ULL << 32 },
	};
	struct sl_cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = cidr(cases[i].range);
		if (sl_cidr_size(&c) != cases[i].size)
			fail_msg("size of %s: got %llu, want %llu", cases[i].range,
				 (unsigned long long)sl_cidr_size(&c),
				 (unsigned long long)cases[i].size);
	}
}

static void test_cidr_nth_offset(void **state)
{
	static const struct {
		const char *range;
		uint64_t n;
		const char *a;
	} cases[] = {
		{ "127.255.0.0/16", 0, "127.255.0.0" },
		{ "127.255.0.0/16", 1, "127.255.0.1" },
		{ "127.255.0.0/16", 256, "127.255.1.0" },
		{ "127.255.0.0/16", 65535, "127.255.255.255" },
		{ "10.1.2.4/30", 3, "10.1.2.7" },
		{ "0.0.0.0/0", 0xffffffffULL, "255.255.255.255" },
		{ "128.0.0.0/1", 0x7fffffffULL, "255.255.255.255" },
		{ "fd00:5::/112", 0, "fd00:5::" },
		{ "fd00:5::/112", 0x1234, "fd00:5::1234" },
		{ "fd00:5::/112", 0xffff, "fd00:5::ffff" },
		{ "fd00::/96", 0xffffffffULL, "fd00::ffff:ffff" },
		{ "fd00::/64", 0x10000, "fd00::1:0" },
		{ "fd00::/64", 0xffffffffULL, "fd00::ffff:ffff" },
		{ "fd00:0:0:7::/64", 5, "fd00:0:0:7::5" },
	};
	struct sl_addr a, want;
	struct sl_cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = cidr(cases[i].range);
		want = addr(cases[i].a);
		sl_cidr_nth(&c, cases[i].n, &a);
		if (!sl_addr_eq(&a, &want)) {
			char buf[SL_ADDR_STRLEN];

			fail_msg("nth(%s, %llu) = %s, want %s", cases[i].range,
				 (unsigned long long)cases[i].n, sl_addr_format(&a, buf, sizeof(buf)),
				 cases[i].a);
		}
		assert_int_equal(sl_addr_is_v4(&a), c.v4);
		assert_true(sl_cidr_contains(&c, &a));
		assert_int_equal(sl_cidr_offset(&c, &want), cases[i].n);
	}
}

/* Every offset of a small range maps back to itself. */
static void test_cidr_nth_offset_all(void **state)
{
	static const char *const ranges[] = { "10.9.8.0/23", "fd00:1::ff00/120" };
	struct sl_cidr c;
	struct sl_addr a;
	size_t i;
	uint64_t n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		c = cidr(ranges[i]);
		for (n = 0; n < sl_cidr_size(&c); n++) {
			sl_cidr_nth(&c, n, &a);
			assert_true(sl_cidr_contains(&c, &a));
			assert_int_equal(sl_cidr_offset(&c, &a), n);
		}
	}
}

static void test_endpoint_parse(void **state)
{
	static const char *const bad[] = { "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
					   ":80", "::1:80", "[::1]80", "[::1]:", "host:80",
					   "1.2.3.4:+1", "1.2.3.4:8x", "[1.2.3]:80" };
	char buf[SL_ENDPOINT_STRLEN];
	struct sl_addr a;
	uint16_t port;
	size_t i;

	(void)state;
	assert_int_equal(sl_endpoint_parse("127.0.0.1:9810", &a, &port), 0);
	assert_int_equal(port, 9810);
	assert_string_equal(sl_endpoint_format(&a, port, buf, sizeof(buf)), "127.0.0.1:9810");
	assert_int_equal(sl_endpoint_parse("[fd00::1]:65535", &a, &port), 0);
	assert_string_equal(sl_endpoint_format(&a, port, buf, sizeof(buf)), "[fd00::1]:65535");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!sl_endpoint_parse(bad[i], &a, &port))
			fail_msg("\"%s\" parsed", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint_parse),
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_parse_mapped),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_endpoint_format),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_cidr_size),
		cmocka_unit_test(test_cidr_nth_offset),
		cmocka_unit_test(test_cidr_nth_offset_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
