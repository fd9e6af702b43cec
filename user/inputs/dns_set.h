/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_set.h: one DNS name's instances across its answers: a complete answer replaces them, a
 * possibly partial one (Route 53's 8-record multivalue cap) joins a union that expires. Pure. */
#ifndef SL_DNS_SET_H
#define SL_DNS_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"

/* Route 53 answers a multivalue name with at most this many records, a random subset of
 * the healthy ones when there are more: an answer of exactly this many may be partial. */
#define SL_DNS_ANSWER_CAP 8
/* A record missing from partial answers is kept until a live one would have been missing
 * that often with a probability of at most 1 / SL_DNS_FALSE_DROP_ODDS. */
#define SL_DNS_FALSE_DROP_ODDS 1000000.0
#define SL_DNS_ID_LEN 64 /* an InstanceId, NUL included */

/* One instance as DNS gives it: an SRV target's first label, or the address. */
struct sl_dns_member {
	char id[SL_DNS_ID_LEN];
	bool has_v4, has_v6;
	struct sl_addr addr4, addr6;
	uint16_t port;   /* the SRV port; 0 for A and AAAA (the config's serves) */
	uint32_t weight; /* 1..SL_MAX_WEIGHT */
	uint32_t misses; /* partial answers in a row it was missing from (kept: union) */
};

struct sl_dns_set {
	struct sl_dns_member *v; /* by id */
	size_t n, cap;
	bool answered;           /* a last answer was taken: last_sig and last_ttl hold */
	uint64_t last_sig;       /* of the last answer's ids */
	uint32_t last_ttl;
};

/* The partial answers in a row a member of a set of members may be missing from before it
 * is dropped: the least N with (1 - CAP/members)^N <= 1/SL_DNS_FALSE_DROP_ODDS (1 when
 * members <= CAP). */
uint32_t sl_dns_hold_answers(size_t members);

/* An answer (NOERROR with records) of nrecords records, as members of unique ids (n, fewer
 * when records could not be made members), with the least TTL ttl:
 * - nrecords other than SL_DNS_ANSWER_CAP: the answer is the whole set and replaces it;
 * - exactly SL_DNS_ANSWER_CAP: the set becomes the union of the answer and what it held.
 *   When the answer is a new sample (its ids differ from the last answer's, or its TTL is
 *   not below the last answer's: a resolver's cached copy counts its TTL down, a fresh one
 *   starts again at the full TTL), each member missing from it counts a miss, and one at
 *   sl_dns_hold_answers(members) misses is dropped. A member in the answer has its misses
 *   cleared and its fields taken from it.
 * True when the set's ids or their fields changed. -ENOMEM leaves it as it was: false. */
bool sl_dns_set_take(struct sl_dns_set *s, const struct sl_dns_member *answer, size_t n,
		     size_t nrecords, uint32_t ttl);
/* NXDOMAIN or NODATA: no instances. True when it held some. */
bool sl_dns_set_clear(struct sl_dns_set *s);
void sl_dns_set_free(struct sl_dns_set *s);

/* A member for an A or AAAA record: its id is the address as text. */
void sl_dns_member_from_addr(struct sl_dns_member *m, const struct sl_addr *a);
/* A member for an SRV record (weight 0, "no preference" in RFC 2782, counts as 1; above
 * max_weight, max_weight), its address yet unset; -EINVAL when the target has no first label
 * usable as an InstanceId. */
int sl_dns_member_from_srv(struct sl_dns_member *m, const char *target, uint16_t port,
			   uint16_t weight, uint32_t max_weight);

#endif
