// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_dns_query.c: libFuzzer target of sl_dns_answer (the DNS queries the answerer reads from
 * tasks): an answer is a well-formed response to the query (its ID, one question, QR, at most
 * the two VIPs), anything else is forwarded with nothing built. */
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>
#include "names/alias_names.h"
#include "names/dns_answer.h"
#include "fuzz.h"

/* Namespace 1 (prod.local): orders with both VIPs, pay.prod.local with IPv4's. */
static const struct sl_alias_names *names(void)
{
	static struct sl_vip_entry v4[] = { { "orders", {} }, { "pay.prod.local", {} } };
	static struct sl_vip_entry v6[] = { { "orders", {} } };
	static struct sl_alias_names t;
	static bool built;

	if (!built) {
		struct sl_vip_table t4 = { v4, 2 }, t6 = { v6, 1 };
		struct sl_alias_ns ns = { .ns_id = 1, .namespace = "prod.local", .vip4 = &t4,
					  .vip6 = &t6 };

		sl_addr_parse("127.255.0.10", &v4[0].vip);
		sl_addr_parse("127.255.0.11", &v4[1].vip);
		sl_addr_parse("fd00::10", &v6[0].vip);
		FUZZ_CHECK(!sl_alias_names_build(&ns, 1, &t), "building the names");
		built = true;
	}
	return &t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ldns_pkt *a = NULL;
	uint8_t *out;
	size_t outlen;
	int v = sl_dns_answer(data, size, names(), 1, &out, &outlen);

	if (v != SL_ANSWER_ANSWERED) {
		FUZZ_CHECK(v == SL_ANSWER_FORWARD && !out && !outlen, "a forward with an answer");
		return 0;
	}
	FUZZ_CHECK(out && outlen >= SL_ANSWER_HEADER_LEN && size >= SL_ANSWER_HEADER_LEN,
		   "an answer of %zu bytes", outlen);
	FUZZ_CHECK(!memcmp(out, data, 2), "an answer with another ID");
	FUZZ_CHECK(ldns_wire2pkt(&a, out, outlen) == LDNS_STATUS_OK, "an answer ldns cannot read");
	FUZZ_CHECK(ldns_pkt_qr(a) && ldns_pkt_qdcount(a) == 1 && ldns_pkt_ancount(a) <= 2 &&
		   ldns_pkt_get_rcode(a) == LDNS_RCODE_NOERROR && !ldns_pkt_tc(a),
		   "an answer out of shape");
	ldns_pkt_free(a);
	free(out);
	return 0;
}
