// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_dns.c: libFuzzer target of sl_dns_msg_parse (DNS answers from the network) and what the
 * DNS source reads of them: names in bounds, the verdict, the TTL, members from the records. */
#include <errno.h>
#include <string.h>
#include "inputs/dns_msg.h"
#include "inputs/dns_set.h"
#include "inputs/registry.h"
#include "fuzz.h"

/* A name as read: shorter than its buffer, printable, no dot at either end or twice. */
static void check_name(const char *s)
{
	size_t len = strnlen(s, SL_DNS_NAME_LEN), i;

	FUZZ_CHECK(len < SL_DNS_NAME_LEN && (!len || (s[0] != '.' && s[len - 1] != '.')) &&
		   !strstr(s, ".."), "a name out of shape");
	for (i = 0; i < len; i++)
		FUZZ_CHECK(s[i] > ' ' && s[i] <= '~', "a name with byte %d", s[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_dns_member mb;
	struct sl_dns_msg m;
	const char *why;
	size_t i;

	if (sl_dns_msg_parse(data, size, &m)) {
		FUZZ_CHECK(!m.rr && !m.nrr, "a failed parse left records");
		return 0;
	}
	check_name(m.qname);
	check_name(sl_dns_msg_canonical(&m));
	sl_dns_msg_verdict(&m, &why);
	FUZZ_CHECK(why && *why, "a verdict without a why");
	FUZZ_CHECK(sl_dns_msg_min_ttl(&m) <= 0x7fffffff || sl_dns_msg_min_ttl(&m) == UINT32_MAX,
		   "a TTL with its top bit");
	for (i = 0; i < m.nrr; i++) {
		const struct sl_dns_rr *rr = &m.rr[i];

		check_name(rr->name);
		check_name(rr->target);
		if (rr->type == SL_DNS_T_SRV && !sl_dns_member_from_srv(&mb, rr->target, rr->port,
									rr->weight, SL_MAX_WEIGHT))
			FUZZ_CHECK(*mb.id && mb.port && mb.weight >= 1 && mb.weight <= SL_MAX_WEIGHT,
				   "an SRV member out of shape");
		if (rr->type == SL_DNS_T_A || rr->type == SL_DNS_T_AAAA)
			sl_dns_member_from_addr(&mb, &rr->addr);
		FUZZ_CHECK(rr->type != SL_DNS_T_A || sl_addr_is_v4(&rr->addr), "an A record not IPv4");
	}
	sl_dns_msg_free(&m);
	return 0;
}
