// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* addr.c: IPv4/IPv6 addresses in the maps' form (IPv6 or v4-mapped) and CIDR ranges. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr.h"

bool sl_addr_is_v4(const struct sl_addr *a)
{
	return a->a[0] == 0 && a->a[1] == 0 && a->a[2] == htonl(0xffff);
}

void sl_addr_from_v4(struct sl_addr *out, __be32 ip4)
{
	out->a[0] = 0;
	out->a[1] = 0;
	out->a[2] = htonl(0xffff);
	out->a[3] = ip4;
}

int sl_addr_parse(const char *s, struct sl_addr *out)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &v4) == 1) {
		sl_addr_from_v4(out, v4.s_addr);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &v6) == 1) {
		memcpy(out->a, &v6, sizeof(out->a));
		return 0;
	}
	return -EINVAL;
}

const char *sl_addr_format(const struct sl_addr *a, char *buf, size_t len)
{
	if (sl_addr_is_v4(a))
		inet_ntop(AF_INET, &a->a[3], buf, len);
	else
		inet_ntop(AF_INET6, a->a, buf, len);
	return buf;
}

const char *sl_endpoint_format(const struct sl_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[SL_ADDR_STRLEN];

	sl_addr_format(a, s, sizeof(s));
	snprintf(buf, len, sl_addr_is_v4(a) ? "%s:%u" : "[%s]:%u", s, port);
	return buf;
}

int sl_addr_cmp(const struct sl_addr *x, const struct sl_addr *y)
{
	return memcmp(x->a, y->a, sizeof(x->a));
}

bool sl_addr_eq(const struct sl_addr *x, const struct sl_addr *y)
{
	return sl_addr_cmp(x, y) == 0;
}

/* Bit i (0 = most significant) of the 128-bit address. */
static void set_host_bits(struct sl_addr *a, unsigned int from_bit, bool one)
{
	unsigned int i;

	for (i = from_bit; i < 128; i++) {
		uint32_t w = ntohl(a->a[i / 32]);
		uint32_t bit = 1U << (31 - i % 32);

		w = one ? (w | bit) : (w & ~bit);
		a->a[i / 32] = htonl(w);
	}
}

int sl_cidr_parse(const char *s, struct sl_cidr *out)
{
	char buf[64], *slash, *end;
	struct sl_addr masked;
	unsigned long prefix;
	unsigned int max;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	*slash = '\0';
	if (sl_addr_parse(buf, &out->base))
		return -EINVAL;
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	out->v4 = sl_addr_is_v4(&out->base);
	max = out->v4 ? 32 : 128;
	if (errno || *end || !isdigit((unsigned char)slash[1]) || prefix > max)
		return -EINVAL;
	out->prefix = prefix;
	masked = out->base;
	set_host_bits(&masked, (out->v4 ? 96 : 0) + out->prefix, false);
	if (!sl_addr_eq(&masked, &out->base))
		return -EINVAL;
	return 0;
}

bool sl_cidr_contains(const struct sl_cidr *c, const struct sl_addr *a)
{
	struct sl_addr masked = *a;

	if (sl_addr_is_v4(a) != c->v4)
		return false;
	set_host_bits(&masked, (c->v4 ? 96 : 0) + c->prefix, false);
	return sl_addr_eq(&masked, &c->base);
}

static unsigned int host_bits(const struct sl_cidr *c)
{
	return (c->v4 ? 32 : 128) - c->prefix;
}

uint64_t sl_cidr_size(const struct sl_cidr *c)
{
	unsigned int bits = host_bits(c);

	return bits >= 32 ? (1ULL << 32) : (1ULL << bits);
}

void sl_cidr_nth(const struct sl_cidr *c, uint64_t n, struct sl_addr *out)
{
	uint64_t lo = ((uint64_t)ntohl(c->base.a[2]) << 32 | ntohl(c->base.a[3])) + n;

	*out = c->base;
	/* Ranges are at most 2^32 addresses, so only the low 64 bits change (no carry
	 * past them: the base is aligned to a prefix of at least 2^32 addresses). */
	out->a[2] = htonl(lo >> 32);
	out->a[3] = htonl((uint32_t)lo);
	if (c->v4)
		out->a[2] = htonl(0xffff);
}

uint64_t sl_cidr_offset(const struct sl_cidr *c, const struct sl_addr *a)
{
	uint64_t x = (uint64_t)ntohl(a->a[2]) << 32 | ntohl(a->a[3]);
	uint64_t b = (uint64_t)ntohl(c->base.a[2]) << 32 | ntohl(c->base.a[3]);

	if (c->v4)
		return ntohl(a->a[3]) - ntohl(c->base.a[3]);
	return (x - b) & (sl_cidr_size(c) - 1);
}

const char *sl_cidr_format(const struct sl_cidr *c, char *buf, size_t len)
{
	char a[SL_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", sl_addr_format(&c->base, a, sizeof(a)), c->prefix);
	return buf;
}

int sl_endpoint_parse(const char *s, struct sl_addr *a, uint16_t *port)
{
	char host[SL_ADDR_STRLEN], *end;
	const char *colon;
	unsigned long p;
	size_t len;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		len = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL; /* an IPv6 address needs its brackets */
		len = (size_t)(colon - s);
	}
	if (!len || len >= sizeof(host) || !colon[1] || colon[1] == '+' || colon[1] == '-')
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || !p || p > 65535 || sl_addr_parse(host, a))
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}
