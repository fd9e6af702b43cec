/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pending.h: the answerer's forwarded UDP queries awaiting their server's reply, found by the
 * upstream socket, server and query ID: a fixed-size table, each entry with a deadline. Pure. */
#ifndef SL_PENDING_H
#define SL_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "lib/addr.h"

/* What a reply is matched by. */
struct sl_pending_key {
	struct sl_addr server; /* IPv6 or v4-mapped */
	uint16_t port;         /* host order */
	uint16_t id;           /* the query's ID (host order) */
	uint32_t up;           /* which upstream socket it went out on */
};

/* Whom a reply goes back to. */
struct sl_pending {
	struct sl_pending_key key;
	struct sockaddr_in6 client; /* the task's socket (IPv4 ones as v4-mapped) */
	uint32_t via;               /* which answerer socket it came in on */
	uint64_t deadline_ns;
	bool used;
};

struct sl_pending_table {
	struct sl_pending *v; /* open addressing, linear probing */
	size_t cap;           /* a power of 2 */
	size_t n;
};

/* A table of cap entries (rounded up to a power of 2). 0 or -ENOMEM. */
int sl_pending_init(struct sl_pending_table *t, size_t cap);
void sl_pending_free(struct sl_pending_table *t);
/* Whether a query with key k is pending (a second one would get its reply). */
bool sl_pending_has(const struct sl_pending_table *t, const struct sl_pending_key *k);
/* Add p (its key unique). 0, -EEXIST (that key is pending), -ENOSPC (the table is 3/4 full). */
int sl_pending_add(struct sl_pending_table *t, const struct sl_pending *p);
/* Take the entry of key k out into *out. false: none. */
bool sl_pending_take(struct sl_pending_table *t, const struct sl_pending_key *k,
		     struct sl_pending *out);
/* Drop the entries whose deadline is at or before now; how many. */
size_t sl_pending_expire(struct sl_pending_table *t, uint64_t now_ns);

#endif
