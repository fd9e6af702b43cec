// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dns_msg.c: a reader of DNS responses from the network, bounded at every step: names with
 * compression pointers (hops counted), records checked against their own length and the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "inputs/dns_msg.h"
#include "lib/vec.h"

#define HEADER_LEN 12
#define RR_FIXED_LEN 10     /* type, class, TTL, rdlength */
#define CLASS_IN 1
#define MAX_POINTER_HOPS 64 /* more than a name of 127 labels can need */
#define MAX_CNAME_HOPS 8
#define NAME_MAX_CHARS 253  /* 255 bytes on the wire (RFC 1035 2.3.4) */
#define TTL_TOP_BIT 0x80000000U
#define SRV_FIXED_LEN 6     /* priority, weight, port */
#define SOA_TAIL_LEN 20     /* serial, refresh, retry, expire, minimum */

struct reader {
	const uint8_t *buf;
	size_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool label_byte_ok(uint8_t c)
{
	return c > ' ' && c <= '~' && c != '.' && c != '\\';
}

/* The name at *off into out (dotted, no final dot, "" for the root); *off is left past it
 * where it is written (not where pointers lead). 0 or -EBADMSG. */
static int read_name(const struct reader *r, size_t *off, char out[SL_DNS_NAME_LEN])
{
	size_t pos = *off, used = 0, end = 0;
	unsigned hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t n;

		if (pos >= r->len)
			return -EBADMSG;
		n = r->buf[pos];
		if ((n & 0xc0) == 0xc0) {
			if (pos + 1 >= r->len || ++hops > MAX_POINTER_HOPS)
				return -EBADMSG;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = (size_t)(get16(r->buf + pos) & 0x3fff);
			continue;
		}
		if (n & 0xc0) /* 0x40 and 0x80: extended label types, never in answers */
			return -EBADMSG;
		if (!n)
			break;
		if (pos + 1 + n > r->len || used + n + (used ? 1 : 0) > NAME_MAX_CHARS)
			return -EBADMSG;
		if (used)
			out[used++] = '.';
		for (size_t i = 0; i < n; i++) {
			if (!label_byte_ok(r->buf[pos + 1 + i]))
				return -EBADMSG;
			out[used++] = (char)r->buf[pos + 1 + i];
		}
		pos += 1 + (size_t)n;
	}
	out[used] = '\0';
	*off = jumped ? end : pos + 1;
	return 0;
}

static struct sl_dns_rr *new_rr(struct sl_dns_msg *m)
{
	if (sl_vec_room(m->rr, m->nrr, m->cap))
		return NULL;
	memset(&m->rr[m->nrr], 0, sizeof(m->rr[0]));
	return &m->rr[m->nrr];
}

/* The rdata of a record of type at [off, off + rdlen) into rr. 0 or -EBADMSG. */
static int read_rdata(const struct reader *r, size_t off, size_t rdlen, struct sl_dns_rr *rr)
{
	size_t end = off + rdlen, p = off;

	switch (rr->type) {
	case SL_DNS_T_A:
		if (rdlen != 4)
			return -EBADMSG;
		{
			__be32 ip4;

			memcpy(&ip4, r->buf + off, 4);
			sl_addr_from_v4(&rr->addr, ip4);
		}
		return 0;
	case SL_DNS_T_AAAA:
		if (rdlen != 16)
			return -EBADMSG;
		memcpy(rr->addr.a, r->buf + off, 16);
		return 0;
	case SL_DNS_T_SRV:
		if (rdlen < SRV_FIXED_LEN + 1)
			return -EBADMSG;
		rr->priority = get16(r->buf + off);
		rr->weight = get16(r->buf + off + 2);
		rr->port = get16(r->buf + off + 4);
		p = off + SRV_FIXED_LEN;
		if (read_name(r, &p, rr->target))
			return -EBADMSG;
		return p == end ? 0 : -EBADMSG;
	case SL_DNS_T_CNAME:
		if (read_name(r, &p, rr->target))
			return -EBADMSG;
		return p == end ? 0 : -EBADMSG;
	}
	return 0;
}

/* The SOA's rdata at off: min(ttl, MINIMUM), per RFC 2308. */
static int read_soa(const struct reader *r, size_t off, size_t rdlen, uint32_t ttl,
		    uint32_t *negative)
{
	char skip[SL_DNS_NAME_LEN];
	size_t p = off;
	uint32_t minimum;

	if (read_name(r, &p, skip) || read_name(r, &p, skip) || p + SOA_TAIL_LEN != off + rdlen)
		return -EBADMSG;
	minimum = get32(r->buf + p + 16);
	*negative = ttl < minimum ? ttl : minimum;
	return 0;
}

static bool kept_type(uint16_t type, enum sl_dns_section sec)
{
	if (type == SL_DNS_T_A || type == SL_DNS_T_AAAA)
		return true;
	return sec == SL_DNS_ANSWER && (type == SL_DNS_T_SRV || type == SL_DNS_T_CNAME);
}

/* count records from *off of a section (NULL: the authority, only its SOA read). */
static int read_section(const struct reader *r, size_t *off, unsigned count,
			const enum sl_dns_section *sec, struct sl_dns_msg *m)
{
	char name[SL_DNS_NAME_LEN];
	unsigned i;

	for (i = 0; i < count; i++) {
		uint16_t type, cls, rdlen;
		uint32_t ttl;
		struct sl_dns_rr *rr;

		if (read_name(r, off, name) || *off + RR_FIXED_LEN > r->len)
			return -EBADMSG;
		type = get16(r->buf + *off);
		cls = get16(r->buf + *off + 2);
		ttl = get32(r->buf + *off + 4);
		if (ttl & TTL_TOP_BIT)
			ttl = 0;
		rdlen = get16(r->buf + *off + 8);
		*off += RR_FIXED_LEN;
		if (*off + rdlen > r->len)
			return -EBADMSG;
		if (cls == CLASS_IN && !sec && type == SL_DNS_T_SOA) {
			if (read_soa(r, *off, rdlen, ttl, &m->negative_ttl))
				return -EBADMSG;
		} else if (cls == CLASS_IN && sec && kept_type(type, *sec)) {
			rr = new_rr(m);
			if (!rr)
				return -ENOMEM;
			rr->section = *sec;
			rr->type = type;
			rr->ttl = ttl;
			memcpy(rr->name, name, sizeof(name));
			if (read_rdata(r, *off, rdlen, rr))
				return -EBADMSG;
			m->nrr++;
		}
		*off += rdlen;
	}
	return 0;
}

int sl_dns_msg_parse(const uint8_t *buf, size_t len, struct sl_dns_msg *out)
{
	static const enum sl_dns_section answer = SL_DNS_ANSWER, additional = SL_DNS_ADDITIONAL;
	const struct reader r = { buf, len };
	size_t off = HEADER_LEN;
	uint16_t flags;
	int ret;

	memset(out, 0, sizeof(*out));
	out->negative_ttl = UINT32_MAX;
	if (len < HEADER_LEN || get16(buf + 4) != 1)
		return -EBADMSG;
	out->id = get16(buf);
	flags = get16(buf + 2);
	if (!(flags & 0x8000)) /* QR: a query, not a response */
		return -EBADMSG;
	out->truncated = flags & 0x0200;
	out->rcode = flags & 0x000f;
	if (read_name(&r, &off, out->qname) || off + 4 > len)
		return -EBADMSG;
	out->qtype = get16(buf + off);
	off += 4;
	ret = read_section(&r, &off, get16(buf + 6), &answer, out);
	if (!ret)
		ret = read_section(&r, &off, get16(buf + 8), NULL, out);
	if (!ret)
		ret = read_section(&r, &off, get16(buf + 10), &additional, out);
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
