/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* vip.h: assigning each client alias name a VIP from a range, stable across restarts and
 * config changes: an assignment, once made, is kept while the name exists. Pure. */
#ifndef SL_VIP_H
#define SL_VIP_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/addr.h"
#include "lib/err.h"

struct sl_vip_entry {
	char *name; /* alias dnsName */
	struct sl_addr vip;
};

struct sl_vip_table {
	struct sl_vip_entry *v;
	size_t n;
};

struct sl_vip_request {
	const char *name;
	bool fixed; /* a VIP written in the config */
	struct sl_addr vip;
	size_t seq; /* scratch for whoever builds requests */
};

/* Give each of the n requests (names unique) a VIP in range, returned in *out in request
 * order. A fixed VIP is used as written; it must lie in the range and not be fixed for
 * another name. Otherwise the name keeps its VIP from prev when that is still in the
 * range and not fixed for another name; otherwise it gets the first free address
 * probing linearly from FNV-1a(name) mod the range size, never the range's first
 * address nor, for IPv4, its last. family_label ("vipCidr"/"vipCidr6") names the range
 * in errors. -EINVAL with err set (naming the alias) when a fixed VIP is outside the
 * range or taken twice, -ENOSPC when the range is full. *out is left empty on error. */
int sl_vip_assign(const struct sl_cidr *range, const char *family_label,
		  const struct sl_vip_request *req, size_t n, const struct sl_vip_table *prev,
		  struct sl_vip_table *out, struct sl_err *err);
/* t's entries sorted by name in *out (to free), for sl_vip_find: lookups by name in
 * O(log n). *out is NULL when t is empty or NULL. 0 or -ENOMEM. */
int sl_vip_index(const struct sl_vip_table *t, const struct sl_vip_entry ***out);
/* The VIP for name in an index of n entries from sl_vip_index, or NULL. */
const struct sl_addr *sl_vip_find(const struct sl_vip_entry *const *idx, size_t n,
				  const char *name);
void sl_vip_table_free(struct sl_vip_table *t);
/* The same names with the same VIPs, in the same order. */
bool sl_vip_table_eq(const struct sl_vip_table *a, const struct sl_vip_table *b);

#endif
