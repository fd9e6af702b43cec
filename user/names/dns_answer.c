// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_answer.c: reading a task's query with ldns, looking its name up among its namespace's
 * aliases, and building the answer with ldns: A and AAAA records of the VIPs, or NODATA. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>
#include "inputs/dns_msg.h"
#include "names/dns_answer.h"

/* A record of type t at the question's name (its case kept), rdata the VIP. */
static int push_vip(ldns_pkt *r, const ldns_rr *qrr, ldns_rr_type t, const struct sl_addr *vip)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner, *data;

	if (!rr)
		return -ENOMEM;
	owner = ldns_rdf_clone(ldns_rr_owner(qrr));
	data = t == LDNS_RR_TYPE_A ?
		ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &vip->a[3]) :
		ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, vip->a);
	if (!owner || !data) {
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(data);
		ldns_rr_free(rr);
		return -ENOMEM;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, t);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, SL_ANSWER_TTL);
	if (!ldns_rr_push_rdf(rr, data) || !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		return -ENOMEM;
	}
	return 0;
}

/* The answer to query q (question qrr) for alias e, in wire form. */
static int build(const ldns_pkt *q, const ldns_rr *qrr, const struct sl_alias_name *e,
		 uint8_t **out, size_t *outlen)
{
	ldns_rr_type t = ldns_rr_get_type(qrr);
	ldns_rr *question = ldns_rr_clone(qrr);
	ldns_pkt *r = ldns_pkt_new();
	int ret = -ENOMEM;

	if (!r || !question || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, question)) {
		ldns_rr_free(question);
		goto out;
	}
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_QUERY);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, LDNS_RCODE_NOERROR);
	if ((t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_ANY) && e->has4 &&
	    push_vip(r, qrr, LDNS_RR_TYPE_A, &e->vip4))
		goto out;
	if ((t == LDNS_RR_TYPE_AAAA || t == LDNS_RR_TYPE_ANY) && e->has6 &&
	    push_vip(r, qrr, LDNS_RR_TYPE_AAAA, &e->vip6))
		goto out;
	/* any other type: NODATA (NOERROR, no answer): the name exists */
	if (ldns_pkt_edns(q)) {
		ldns_pkt_set_edns_udp_size(r, SL_ANSWER_EDNS_UDP_SIZE);
		ldns_pkt_set_edns_version(r, 0);
		ldns_pkt_set_edns_do(r, ldns_pkt_edns_do(q));
	}
	if (ldns_pkt2wire(out, r, outlen) != LDNS_STATUS_OK)
		goto out;
	ret = SL_ANSWER_ANSWERED;
out:
	ldns_pkt_free(r);
	return ret;
}

int sl_dns_answer(const uint8_t *q, size_t len, const struct sl_alias_names *names,
		  uint32_t ns_id, uint8_t **out, size_t *outlen)
{
	const struct sl_alias_name *e;
	ldns_pkt *pkt = NULL;
	char name[SL_DNS_NAME_LEN];
	const ldns_rr *qrr;
	int ret = SL_ANSWER_FORWARD;

	*out = NULL;
	*outlen = 0;
	if (len < SL_ANSWER_HEADER_LEN || !names->n || ldns_wire2pkt(&pkt, q, len) != LDNS_STATUS_OK)
		return SL_ANSWER_FORWARD;
	if (ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(pkt) != 1 || ldns_pkt_ancount(pkt) || ldns_pkt_nscount(pkt) ||
	    ldns_pkt_edns_version(pkt))
		goto out; /* not a plain query; an EDNS version it may not know: the server's */
	qrr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (!qrr || ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN)
		goto out;
	if (sl_dns_name_of(ldns_rr_owner(qrr), name))
		goto out; /* a label with a dot or an odd byte: no alias's */
	e = sl_alias_names_find(names, ns_id, name);
	if (e)
		ret = build(pkt, qrr, e, out, outlen);
out:
	ldns_pkt_free(pkt);
	return ret;
}
