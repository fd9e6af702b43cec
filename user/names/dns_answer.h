/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_answer.h: what the answerer does with a task's DNS query: answer it (an alias name of the
 * task's namespace: A, AAAA, NODATA for other types) or forward it unchanged. ldns reads and
 * writes the messages. Pure. */
#ifndef SL_DNS_ANSWER_H
#define SL_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>
#include "names/alias_names.h"

#define SL_ANSWER_TTL 5       /* seconds: short, so a changed alias is seen at once */
#define SL_ANSWER_EDNS_UDP_SIZE 1232 /* what the answer's OPT offers (the DNS flag day's size) */
#define SL_ANSWER_HEADER_LEN 12

enum sl_answer_verdict {
	SL_ANSWER_FORWARD = 0, /* not an alias name (or not a query sluice answers): to the server */
	SL_ANSWER_ANSWERED = 1, /* *out holds the answer */
};

/* The verdict on the len bytes of query q from a task of namespace ns_id; for an answer, the
 * message (malloc'd) in *out and *outlen: the query's ID, question (its case kept), RD and CD,
 * AA and RA set, an OPT record when the query had one (its DO bit kept). Anything that is
 * not a well-formed standard query of one question, class IN, for an alias name is
 * forwarded. Negative errno (-ENOMEM) when the answer cannot be built. */
int sl_dns_answer(const uint8_t *q, size_t len, const struct sl_alias_names *names,
		  uint32_t ns_id, uint8_t **out, size_t *outlen);

#endif
