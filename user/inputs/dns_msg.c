// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_msg.c: DNS responses from the network read with ldns (names and their compression, the
 * records, each type's rdata fields), with the checks ldns leaves out made on top. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ldns/ldns.h>
#include "inputs/dns_msg.h"
#include "lib/vec.h"

#define RR_FIXED_LEN 10     /* type, class, TTL, rdlength: after the owner name */
#define RDLENGTH_OFF 8      /* rdlength within them */
#define MAX_CNAME_HOPS 8
#define TTL_TOP_BIT 0x80000000U
#define SOA_MINIMUM 6       /* its field: after mname, rname, serial, refresh, retry, expire */

static bool label_byte_ok(uint8_t c)
{
	return c > ' ' && c <= '~' && c != '.' && c != '\\';
}

/* A name ldns read (its labels uncompressed, each at most 63 bytes, 255 in all), into out:
 * dotted, no final dot, "" for the root. ldns takes any byte in a label; a name with a dot, a
 * backslash or a byte outside printable ASCII in one is refused here. (ldns_rdf2str would
 * escape them, a printf per byte: fifty times the cost of reading the whole message.) 0 or
 * -EBADMSG. */
int sl_dns_name_of(const struct ldns_struct_rdf *rdf, char out[SL_DNS_NAME_LEN])
{
	const uint8_t *d;
	size_t size, pos = 0, used = 0;

	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -EBADMSG;
	d = ldns_rdf_data(rdf);
	size = ldns_rdf_size(rdf);
	while (pos < size && d[pos]) {
		size_t n = d[pos++];

		if (pos + n > size || used + n + 1 >= SL_DNS_NAME_LEN)
			return -EBADMSG;
		if (used)
			out[used++] = '.';
		for (; n; n--) {
			if (!label_byte_ok(d[pos]))
				return -EBADMSG;
			out[used++] = (char)d[pos++];
		}
	}
	out[used] = '\0';
	return 0;
}

/* rr's field i if it is there, of type t and size bytes, else NULL (ldns reads a record cut
 * short within its rdata as one with fewer fields). */
static const ldns_rdf *field(const ldns_rr *rr, size_t i, ldns_rdf_type t, size_t size)
{
	const ldns_rdf *f = ldns_rr_rdf(rr, i);

	return f && ldns_rdf_get_type(f) == t && ldns_rdf_size(f) == size ? f : NULL;
}

/* The rdata of a kept record into out (its type set). 0 or -EBADMSG. */
static int take_rdata(const ldns_rr *rr, struct sl_dns_rr *out)
{
	const ldns_rdf *f[3];
	size_t i;

	switch (out->type) {
	case SL_DNS_T_A:
		if (!(f[0] = field(rr, 0, LDNS_RDF_TYPE_A, 4)))
			return -EBADMSG;
		{
			__be32 ip4;

			memcpy(&ip4, ldns_rdf_data(f[0]), 4);
			sl_addr_from_v4(&out->addr, ip4);
		}
		return 0;
	case SL_DNS_T_AAAA:
		if (!(f[0] = field(rr, 0, LDNS_RDF_TYPE_AAAA, 16)))
			return -EBADMSG;
		memcpy(out->addr.a, ldns_rdf_data(f[0]), 16);
		return 0;
	case SL_DNS_T_SRV: /* priority, weight, port, target */
		for (i = 0; i < 3; i++)
			if (!(f[i] = field(rr, i, LDNS_RDF_TYPE_INT16, 2)))
				return -EBADMSG;
		out->priority = ldns_rdf2native_int16(f[0]);
		out->weight = ldns_rdf2native_int16(f[1]);
		out->port = ldns_rdf2native_int16(f[2]);
		return sl_dns_name_of(ldns_rr_rdf(rr, 3), out->target);
	case SL_DNS_T_CNAME:
		return sl_dns_name_of(ldns_rr_rdf(rr, 0), out->target);
	}
	return -EBADMSG;
}

/* The authority's SOA: min(its TTL, MINIMUM), per RFC 2308, into *negative. Its two names
 * are not used and are left as ldns checks them (an RNAME's first label holds a dot where the
 * mailbox does). 0 or -EBADMSG. */
static int take_soa(const ldns_rr *rr, uint32_t ttl, uint32_t *negative)
{
	const ldns_rdf *minimum = field(rr, SOA_MINIMUM, LDNS_RDF_TYPE_PERIOD, 4);
	uint32_t v;

	if (!minimum)
		return -EBADMSG;
	v = ldns_rdf2native_int32(minimum);
	*negative = ttl < v ? ttl : v;
	return 0;
}

static bool kept_type(uint16_t type, enum sl_dns_section sec)
{
	if (type == SL_DNS_T_A || type == SL_DNS_T_AAAA)
		return true;
	return sec == SL_DNS_ANSWER && (type == SL_DNS_T_SRV || type == SL_DNS_T_CNAME);
}

/* The record at *pos, read by ldns into *rr, *pos left past it. ldns does not hold a record's
 * fields to its RDLENGTH: a name in the rdata may run past it, and bytes after the last field
 * are left, the next record then read from inside this one. So the end RDLENGTH gives is found
 * first (after the owner name, which ldns reads again): a record ldns read past it is refused,
 * and *exact says whether ldns read it all; *pos is left at that end. 0 or -EBADMSG. */
static int read_rr(const uint8_t *buf, size_t len, size_t *pos, ldns_pkt_section sec,
		   ldns_rr **rr, bool *exact)
{
	ldns_rdf *owner = NULL;
	size_t p = *pos, end;

	if (ldns_wire2dname(&owner, buf, len, &p) != LDNS_STATUS_OK)
		return -EBADMSG;
	ldns_rdf_deep_free(owner);
	if (p + RR_FIXED_LEN > len)
		return -EBADMSG;
	end = p + RR_FIXED_LEN + ldns_read_uint16(buf + p + RDLENGTH_OFF);
	if (ldns_wire2rr(rr, buf, len, pos, sec) != LDNS_STATUS_OK)
		return -EBADMSG;
	if (*pos > end) {
		ldns_rr_free(*rr);
		return -EBADMSG;
	}
	*exact = *pos == end;
	*pos = end;
	return 0;
}

static struct sl_dns_rr *new_rr(struct sl_dns_msg *m)
{
	if (sl_vec_room(m->rr, m->nrr, m->cap))
		return NULL;
	memset(&m->rr[m->nrr], 0, sizeof(m->rr[0]));
	return &m->rr[m->nrr];
}

/* A record of a section (NULL: the authority, of which only the SOA is read) into m; exact:
 * ldns read all its rdata, which a record taken must have. Records of other classes and types
 * are passed over. */
static int take_rr(const ldns_rr *rr, bool exact, const enum sl_dns_section *sec,
		   struct sl_dns_msg *m)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	uint32_t ttl = ldns_rr_ttl(rr);
	struct sl_dns_rr *out;

	if (ttl & TTL_TOP_BIT)
		ttl = 0;
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return 0;
	if (!sec) {
		if (type != SL_DNS_T_SOA)
			return 0;
		return exact ? take_soa(rr, ttl, &m->negative_ttl) : -EBADMSG;
	}
	if (!kept_type(type, *sec))
		return 0;
	if (!exact)
		return -EBADMSG;
	out = new_rr(m);
	if (!out)
		return -ENOMEM;
	out->section = *sec;
	out->type = type;
	out->ttl = ttl;
	if (sl_dns_name_of(ldns_rr_owner(rr), out->name) || take_rdata(rr, out))
		return -EBADMSG;
	m->nrr++;
	return 0;
}

/* count records from *pos of a section (NULL: the authority). */
static int read_section(const uint8_t *buf, size_t len, size_t *pos, unsigned count,
			const enum sl_dns_section *sec, struct sl_dns_msg *m)
{
	ldns_pkt_section lsec = !sec ? LDNS_SECTION_AUTHORITY :
				*sec == SL_DNS_ANSWER ? LDNS_SECTION_ANSWER :
				LDNS_SECTION_ADDITIONAL;
	unsigned i;

	for (i = 0; i < count; i++) {
		ldns_rr *rr;
		bool exact;
		int ret;

		if (read_rr(buf, len, pos, lsec, &rr, &exact))
			return -EBADMSG;
		ret = take_rr(rr, exact, sec, m);
		ldns_rr_free(rr);
		if (ret)
			return ret;
	}
	return 0;
}

/* The question at *pos into out->qname and qtype; *pos left past it. 0 or -EBADMSG. */
static int read_question(const uint8_t *buf, size_t len, size_t *pos, struct sl_dns_msg *out)
{
	ldns_rr *q;
	int ret;

	if (ldns_wire2rr(&q, buf, len, pos, LDNS_SECTION_QUESTION) != LDNS_STATUS_OK)
		return -EBADMSG;
	ret = sl_dns_name_of(ldns_rr_owner(q), out->qname);
	out->qtype = (uint16_t)ldns_rr_get_type(q);
	ldns_rr_free(q);
	return ret;
}

int sl_dns_msg_parse(const uint8_t *buf, size_t len, struct sl_dns_msg *out)
{
	static const enum sl_dns_section answer = SL_DNS_ANSWER, additional = SL_DNS_ADDITIONAL;
	size_t pos = LDNS_HEADER_SIZE;
	int ret;

	memset(out, 0, sizeof(*out));
	out->negative_ttl = UINT32_MAX;
	/* A response (QR) with one question. */
	if (len < LDNS_HEADER_SIZE || LDNS_QDCOUNT(buf) != 1 || !LDNS_QR_WIRE(buf))
		return -EBADMSG;
	out->id = LDNS_ID_WIRE(buf);
	out->truncated = LDNS_TC_WIRE(buf);
	out->rcode = LDNS_RCODE_WIRE(buf);
	ret = read_question(buf, len, &pos, out);
	if (!ret)
		ret = read_section(buf, len, &pos, LDNS_ANCOUNT(buf), &answer, out);
	if (!ret)
		ret = read_section(buf, len, &pos, LDNS_NSCOUNT(buf), NULL, out);
	if (!ret)
		ret = read_section(buf, len, &pos, LDNS_ARCOUNT(buf), &additional, out);
	if (ret) {
		sl_dns_msg_free(out);
		return -EBADMSG;
	}
	return 0;
}

void sl_dns_msg_free(struct sl_dns_msg *m)
{
	free(m->rr);
	m->rr = NULL;
	m->nrr = m->cap = 0;
}

const struct sl_dns_rr *sl_dns_msg_next(const struct sl_dns_msg *m, size_t *i, uint16_t type,
					const char *name)
{
	for (; *i < m->nrr; (*i)++) {
		const struct sl_dns_rr *rr = &m->rr[*i];

		if (rr->section == SL_DNS_ANSWER && rr->type == type && !strcasecmp(rr->name, name)) {
			(*i)++;
			return rr;
		}
	}
	return NULL;
}

const char *sl_dns_msg_canonical(const struct sl_dns_msg *m)
{
	const char *name = m->qname;
	const struct sl_dns_rr *cn;
	unsigned hops;
	size_t i;

	for (hops = 0; hops < MAX_CNAME_HOPS; hops++) {
		i = 0;
		cn = sl_dns_msg_next(m, &i, SL_DNS_T_CNAME, name);
		if (!cn)
			break;
		name = cn->target;
	}
	return name;
}

uint32_t sl_dns_msg_min_ttl(const struct sl_dns_msg *m)
{
	const char *name = sl_dns_msg_canonical(m);
	const struct sl_dns_rr *rr;
	uint32_t ttl = UINT32_MAX;
	size_t i = 0;

	while ((rr = sl_dns_msg_next(m, &i, m->qtype, name)))
		if (rr->ttl < ttl)
			ttl = rr->ttl;
	return ttl;
}

enum sl_dns_verdict sl_dns_msg_verdict(const struct sl_dns_msg *m, const char **why)
{
	static const char *const names[] = {
		[SL_DNS_FORMERR] = "FORMERR", [SL_DNS_SERVFAIL] = "SERVFAIL",
		[SL_DNS_NXDOMAIN] = "NXDOMAIN", [SL_DNS_NOTIMP] = "NOTIMP",
		[SL_DNS_REFUSED] = "REFUSED",
	};
	static char other[16][12];
	size_t i = 0;

	if (m->truncated) {
		*why = "truncated";
		return SL_DNS_TRUNCATED;
	}
	if (m->rcode == SL_DNS_NOERROR) {
		if (sl_dns_msg_next(m, &i, m->qtype, sl_dns_msg_canonical(m))) {
			*why = "NOERROR";
			return SL_DNS_RECORDS;
		}
		*why = "NODATA";
		return SL_DNS_NONE;
	}
	if (m->rcode < sizeof(names) / sizeof(names[0]) && names[m->rcode])
		*why = names[m->rcode];
	else {
		snprintf(other[m->rcode], sizeof(other[0]), "rcode %u", m->rcode);
		*why = other[m->rcode];
	}
	return m->rcode == SL_DNS_NXDOMAIN ? SL_DNS_NONE : SL_DNS_FAILED;
}
