/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_msg.h: DNS answers (RFC 1035 wire format, read with ldns) read into what the DNS registry
 * source needs: rcode, TC, the question, SRV/A/AAAA/CNAME records, the SOA's TTL. Pure. */
#ifndef SL_DNS_MSG_H
#define SL_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"

#define SL_DNS_NAME_LEN 256 /* a name in dotted form without the final dot, NUL included */

enum sl_dns_rr_type {
	SL_DNS_T_A = 1,
	SL_DNS_T_CNAME = 5,
	SL_DNS_T_SOA = 6,
	SL_DNS_T_AAAA = 28,
	SL_DNS_T_SRV = 33,
};

enum sl_dns_rcode {
	SL_DNS_NOERROR = 0,
	SL_DNS_FORMERR = 1,
	SL_DNS_SERVFAIL = 2,
	SL_DNS_NXDOMAIN = 3,
	SL_DNS_NOTIMP = 4,
	SL_DNS_REFUSED = 5,
};

enum sl_dns_section { SL_DNS_ANSWER, SL_DNS_ADDITIONAL };

/* A record of class IN of a type above (others are passed over). */
struct sl_dns_rr {
	enum sl_dns_section section;
	uint16_t type;
	uint32_t ttl;                  /* seconds; one with the top bit set counts as 0 */
	char name[SL_DNS_NAME_LEN];    /* its owner */
	uint16_t priority, weight, port; /* SRV */
	char target[SL_DNS_NAME_LEN];  /* SRV: the target; CNAME: the canonical name */
	struct sl_addr addr;           /* A (v4-mapped), AAAA */
};

struct sl_dns_msg {
	uint16_t id;
	uint8_t rcode;
	bool truncated;                /* TC: the answer did not fit (UDP) */
	char qname[SL_DNS_NAME_LEN];
	uint16_t qtype;
	struct sl_dns_rr *rr;          /* the answer section's records, then the additional's */
	size_t nrr, cap;
	uint32_t negative_ttl;         /* authority's SOA: min(its TTL, MINIMUM); UINT32_MAX: none */
};

/* A name ldns read (an rdf of type DNAME) into out, dotted, without the final dot ("" for the
 * root). 0, or -EBADMSG when it is no DNAME or a label holds a dot, a backslash or a byte
 * outside printable ASCII (no such name is sluice's). */
struct ldns_struct_rdf;
int sl_dns_name_of(const struct ldns_struct_rdf *rdf, char out[SL_DNS_NAME_LEN]);

/* Read len bytes of a DNS response. 0, or -EBADMSG (nothing to free) when it is not one
 * (short, a query, a question count other than 1, a name that loops or leaves the message, a
 * label holding a dot, a backslash or a byte outside printable ASCII, a record past the end,
 * rdata that a record taken does not fill exactly or that any record's fields run past). */
int sl_dns_msg_parse(const uint8_t *buf, size_t len, struct sl_dns_msg *out);
void sl_dns_msg_free(struct sl_dns_msg *m);

/* The name the question's records are at: qname, or where the answer's CNAMEs from it lead
 * (at most a few hops). */
const char *sl_dns_msg_canonical(const struct sl_dns_msg *m);
/* The next record of the answer section at or after *i of type at name (case-insensitive),
 * or NULL; *i is left past it. */
const struct sl_dns_rr *sl_dns_msg_next(const struct sl_dns_msg *m, size_t *i, uint16_t type,
					const char *name);

/* What an answer says of its question. */
enum sl_dns_verdict {
	SL_DNS_RECORDS,   /* NOERROR with records of the type asked: the new set */
	SL_DNS_NONE,      /* NXDOMAIN, or NOERROR without them (NODATA): no instances */
	SL_DNS_TRUNCATED, /* TC set: ask again over TCP */
	SL_DNS_FAILED,    /* SERVFAIL, REFUSED, or another rcode: the last good set stays */
};

/* The verdict on m; *why names it ("NXDOMAIN", "NODATA", "SERVFAIL", "rcode 9", ...). */
enum sl_dns_verdict sl_dns_msg_verdict(const struct sl_dns_msg *m, const char **why);
/* The least TTL of the records of the question's type at its canonical name (UINT32_MAX:
 * none). */
uint32_t sl_dns_msg_min_ttl(const struct sl_dns_msg *m);

#endif
