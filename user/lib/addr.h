/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* addr.h: IP addresses as the maps hold them (IPv6, or IPv4-mapped ::ffff:a.b.c.d, network
 * byte order) and CIDR ranges: parsing, formatting, comparing. Pure. */
#ifndef SL_ADDR_H
#define SL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

struct sl_addr {
	__be32 a[4];
};

struct sl_cidr {
	struct sl_addr base; /* masked to the prefix */
	unsigned int prefix; /* in the family's own bits: 0-32 for IPv4, 0-128 for IPv6 */
	bool v4;
};

#define SL_ADDR_STRLEN 46     /* INET6_ADDRSTRLEN */
#define SL_ENDPOINT_STRLEN 54 /* "[" address "]:" port */

bool sl_addr_is_v4(const struct sl_addr *a);
void sl_addr_from_v4(struct sl_addr *out, __be32 ip4);
/* Parse an IPv4 or IPv6 literal; 0 or -EINVAL. An IPv6 literal ::ffff:a.b.c.d counts as IPv4. */
int sl_addr_parse(const char *s, struct sl_addr *out);
/* IPv4 in dotted quad, anything else in RFC 5952 form. */
const char *sl_addr_format(const struct sl_addr *a, char *buf, size_t len);
/* "a.b.c.d:port" or "[x::y]:port". */
const char *sl_endpoint_format(const struct sl_addr *a, uint16_t port, char *buf, size_t len);
/* The other way: "a.b.c.d:port" or "[x::y]:port", port 1-65535 (host order). 0 or -EINVAL. */
int sl_endpoint_parse(const char *s, struct sl_addr *a, uint16_t *port);
int sl_addr_cmp(const struct sl_addr *x, const struct sl_addr *y);
bool sl_addr_eq(const struct sl_addr *x, const struct sl_addr *y);

/* "a.b.c.d/n" or "x::/n"; the base must have no host bits set. 0 or -EINVAL. */
int sl_cidr_parse(const char *s, struct sl_cidr *out);
bool sl_cidr_contains(const struct sl_cidr *c, const struct sl_addr *a);
/* Number of addresses in the range, saturated at 2^32. */
uint64_t sl_cidr_size(const struct sl_cidr *c);
/* The address at offset n from the base (n < sl_cidr_size). */
void sl_cidr_nth(const struct sl_cidr *c, uint64_t n, struct sl_addr *out);
/* The offset of a (which the range contains) from the base. */
uint64_t sl_cidr_offset(const struct sl_cidr *c, const struct sl_addr *a);
const char *sl_cidr_format(const struct sl_cidr *c, char *buf, size_t len);

#endif
