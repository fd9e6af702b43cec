// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* source_dns.c: the DNS registry source: each service's name asked on a jittered schedule with
 * c-ares (its sockets and a timerfd on one private epoll fd), bounded in flight, never blocking. */
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "inputs/dns_msg.h"
#include "inputs/dns_set.h"
#include "inputs/source.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/vec.h"

#define MAX_IN_FLIGHT 64      /* queries under way at once (a burst a socket buffer takes) */
#define EDNS_PAYLOAD 1232     /* the UDP answer size asked for (DNS flag day 2020) */
#define MAX_MEMBERS 1024      /* a name's instances at most (a union of answers) */
#define LOG_BURST 10          /* changes of cause said one by one per dispatch, then summed */
#define JITTER 0.1            /* refreshes fall within +-10% of refreshSeconds */
#define SETTLE_MARGIN_MS 1000 /* opening waits this much past the queries' own timeouts */
#define NS_PER_MS 1000000ULL
#define TAG_TIMER UINT32_MAX  /* the epoll tag of the timerfd; a channel's index otherwise */

enum { CH_UDP, CH_TCP, NCHANNELS };

struct dns_source;

/* One configured service: its name, its set, its schedule and the refresh under way. */
struct dns_service {
	struct dns_source *src;
	char *qname, *service, *label; /* the name asked; discoveryName; "NAME TYPE" */
	uint16_t qtype;
	uint16_t port;            /* A and AAAA: the port its instances serve on */
	struct sl_dns_set set;    /* its last good instances */
	uint64_t due_ns;          /* next refresh (in the heap while not busy) */
	size_t heap_i;
	bool in_heap, busy, gone; /* gone: left the config, freed with its last query */
	unsigned refs;            /* queries under way that point at it */
	/* the refresh under way */
	struct sl_dns_member *members; /* of an SRV answer, while targets are asked */
	size_t nmembers, nrecords;
	uint32_t ttl;
	char *fail;                    /* why it failed, once one of its queries did */
	const char *cause_none;        /* "NXDOMAIN" or "NODATA" when it answered so */
	/* how it stands */
	bool outcome;    /* it had one: answered or failed */
	char *cause;     /* NULL: records; "NXDOMAIN", "NODATA": none; else why it fails */
	bool failing;
	time_t last_ok;
};

/* A query under way: for a service's name, or for an SRV target's addresses. */
struct query {
	struct dns_service *svc;
	size_t member; /* the target's member index; SIZE_MAX: the service's own name */
	uint16_t type;
	bool tcp;
	char name[SL_DNS_NAME_LEN];
};

struct dns_source {
	struct sl_source base;
	ares_channel ch[NCHANNELS];
	uint32_t tags[NCHANNELS];
	int ep, timer;
	size_t max_instances;
	char *namespace;
	struct dns_service **svc; /* in the config's order */
	size_t nsvc;
	struct dns_service **heap; /* by due_ns */
	size_t nheap, heap_cap;
	unsigned in_flight;
	size_t waiting, nfailing; /* services without an outcome yet; failing now */
	uint64_t settle_until_ns;
	uint64_t rng;
	struct sl_instances all;
	bool dirty;          /* a set changed: all is rebuilt at the end of the dispatch */
	bool over_limit;     /* said once */
	unsigned logged, unlogged; /* changes of cause said, and left unsaid, this dispatch */
};

static struct dns_source *of(const struct sl_source *s)
{
	return (struct dns_source *)s;
}

/* ---- the schedule: a binary heap of services by due time ---- */

static bool earlier(const struct dns_source *d, size_t a, size_t b)
{
	return d->heap[a]->due_ns < d->heap[b]->due_ns;
}

static void heap_swap(struct dns_source *d, size_t a, size_t b)
{
	struct dns_service *t = d->heap[a];

	d->heap[a] = d->heap[b];
	d->heap[b] = t;
	d->heap[a]->heap_i = a;
	d->heap[b]->heap_i = b;
}

static void heap_fix(struct dns_source *d, size_t i)
{
	size_t c;

	while (i && earlier(d, i, (i - 1) / 2)) {
		heap_swap(d, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= d->nheap)
			break;
		if (c + 1 < d->nheap && earlier(d, c + 1, c))
			c++;
		if (!earlier(d, c, i))
			break;
		heap_swap(d, i, c);
		i = c;
	}
}

static int heap_push(struct dns_source *d, struct dns_service *s)
{
	if (sl_vec_room(d->heap, d->nheap, d->heap_cap))
		return -ENOMEM;
	d->heap[d->nheap] = s;
	s->heap_i = d->nheap++;
	s->in_heap = true;
	heap_fix(d, s->heap_i);
	return 0;
}

static void heap_remove(struct dns_source *d, struct dns_service *s)
{
	size_t i = s->heap_i;

	if (!s->in_heap)
		return;
	s->in_heap = false;
	if (i != --d->nheap) {
		heap_swap(d, i, d->nheap);
		heap_fix(d, i);
	}
}

/* A uniform draw in [0, 1). */
static double draw(struct dns_source *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (double)(d->rng >> 11) / 9007199254740992.0;
}

/* Due again after interval_ms: jittered, or spread over the whole interval after a
 * service's first outcome (so that a start's burst of queries does not come back as one). */
static void schedule(struct dns_service *s, uint64_t interval_ms, bool spread)
{
	struct dns_source *d = s->src;
	double f = spread ? draw(d) : 1.0 - JITTER + 2 * JITTER * draw(d);

	s->due_ns = sl_now_ns() + (uint64_t)((double)interval_ms * f * NS_PER_MS);
	if (heap_push(d, s))
		pr_err("%s: out of memory scheduling %s", d->base.name, s->label);
}

/* ---- services ---- */

static void service_free(struct dns_service *s)
{
	sl_dns_set_free(&s->set);
	free(s->members);
	free(s->fail);
	free(s->cause);
	free(s->qname);
	free(s->service);
	free(s->label);
	free(s);
}

static const char *type_name(uint16_t type)
{
	return type == SL_DNS_T_A ? "A" : type == SL_DNS_T_AAAA ? "AAAA" : "SRV";
}

static struct dns_service *service_new(struct dns_source *d, const struct sl_service_cfg *c)
{
	struct dns_service *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->src = d;
	s->qtype = (uint16_t)c->dns.type;
	s->port = c->dns.port ? c->dns.port : c->port;
	s->qname = strdup(c->dns.name ? c->dns.name : c->name); /* NULL only without DNS */
	s->service = strdup(c->name);
	if (!s->qname || !s->service ||
	    asprintf(&s->label, "%s %s", c->dns.name, type_name(s->qtype)) < 0) {
		s->label = NULL;
		service_free(s);
		return NULL;
	}
	return s;
}

/* A query of s's is over: s is freed when it left the config and this was its last. */
static void service_unref(struct dns_service *s)
{
	if (!--s->refs && s->gone)
		service_free(s);
}

/* Say a change of s's cause (NULL: records), once per change. */
static void set_cause(struct dns_service *s, const char *cause, bool failing)
{
	struct dns_source *d = s->src;
	bool same = (!cause && !s->cause) || (cause && s->cause && !strcmp(cause, s->cause));

	d->nfailing += (size_t)failing - (size_t)s->failing;
	s->failing = failing;
	if (same)
		return;
	if (d->logged >= LOG_BURST)
		d->unlogged++;
	else if (failing)
		pr_warn("%s: %s: %s; keeping its last good set (%zu instances)", d->base.name,
			s->label, cause, s->set.n), d->logged++;
	else if (cause)
		pr_info("%s: %s: %s: no instances", d->base.name, s->label, cause), d->logged++;
	else if (s->cause)
		pr_info("%s: %s: answers again (%zu instances)", d->base.name, s->label, s->set.n),
			d->logged++;
	free(s->cause);
	s->cause = cause ? strdup(cause) : NULL;
}

/* ---- queries ---- */

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

static void send_query(struct dns_service *s, size_t member, const char *name, uint16_t type,
		       bool tcp)
{
	struct dns_source *d = s->src;
	struct query *q = calloc(1, sizeof(*q));

	if (!q) {
		if (!s->fail)
			s->fail = strdup("out of memory");
		return;
	}
	q->svc = s;
	q->member = member;
	q->type = type;
	q->tcp = tcp;
	snprintf(q->name, sizeof(q->name), "%s", name);
	s->refs++;
	d->in_flight++;
	ares_query(d->ch[tcp ? CH_TCP : CH_UDP], name, 1 /* IN */, type, on_answer, q);
}

static void fail(struct dns_service *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct dns_service *s, const char *fmt, ...)
{
	va_list ap;

	if (s->fail)
		return; /* the first cause is the one said */
	va_start(ap, fmt);
	if (vasprintf(&s->fail, fmt, ap) < 0)
		s->fail = NULL;
	va_end(ap);
	if (!s->fail)
		s->fail = strdup("failed");
}

/* The refresh of s is over (every query answered or failed): its outcome. */
static void finish(struct dns_service *s)
{
	struct dns_source *d = s->src;
	uint64_t interval = d->base.cfg.refresh_ms;
	bool first = !s->outcome;
	size_t i, k = 0;

	s->busy = false;
	d->waiting -= first;
	s->outcome = true;
	sl_source_count(&d->base, !s->fail);
	if (s->fail) {
		set_cause(s, s->fail, true);
	} else {
		for (i = 0; i < s->nmembers; i++) /* a target without an address cannot serve */
			if (s->members[i].has_v4 || s->members[i].has_v6)
				s->members[k++] = s->members[i];
		if (sl_dns_set_take(&s->set, s->members, k, s->nrecords, s->ttl))
			d->dirty = true;
		s->last_ok = time(NULL);
		set_cause(s, NULL, false);
		if (d->base.cfg.respect_ttl && s->ttl != UINT32_MAX && s->ttl * 1000ULL > interval)
			interval = s->ttl * 1000ULL;
	}
	free(s->fail);
	free(s->members);
	s->fail = NULL;
	s->members = NULL;
	s->nmembers = 0;
	if (!s->gone)
		schedule(s, interval, first);
}

/* An answer without records: none (NXDOMAIN, NODATA). */
static void finish_none(struct dns_service *s, const char *why, uint32_t negative_ttl)
{
	struct dns_source *d = s->src;
	bool first = !s->outcome;
	uint64_t interval = d->base.cfg.refresh_ms;

	s->busy = false;
	d->waiting -= first;
	s->outcome = true;
	sl_source_count(&d->base, true);
	if (sl_dns_set_clear(&s->set))
		d->dirty = true;
	s->last_ok = time(NULL);
	set_cause(s, why, false);
	if (d->base.cfg.respect_ttl && negative_ttl != UINT32_MAX &&
	    negative_ttl * 1000ULL > interval)
		interval = negative_ttl * 1000ULL;
	if (!s->gone)
		schedule(s, interval, first);
}

/* The addresses of targets that the message carries (additional section, or answer) into
 * the members still without one. */
static void addresses_from(const struct sl_dns_msg *m, struct dns_service *s,
			   const char *const *targets)
{
	size_t i, k;

	for (i = 0; i < m->nrr; i++) {
		const struct sl_dns_rr *rr = &m->rr[i];

		if (rr->type != SL_DNS_T_A && rr->type != SL_DNS_T_AAAA)
			continue;
		for (k = 0; k < s->nmembers; k++) {
			struct sl_dns_member *mb = &s->members[k];

			if (strcasecmp(rr->name, targets[k]))
				continue;
			if (rr->type == SL_DNS_T_A && !mb->has_v4) {
				mb->has_v4 = true;
				mb->addr4 = rr->addr;
			} else if (rr->type == SL_DNS_T_AAAA && !mb->has_v6) {
				mb->has_v6 = true;
				mb->addr6 = rr->addr;
			}
		}
	}
}

/* An SRV answer: its records as members; targets whose addresses it does not carry are
 * asked (A and AAAA). */
static void take_srv(struct dns_service *s, const struct sl_dns_msg *m)
{
	const char *canon = sl_dns_msg_canonical(m);
	const struct sl_dns_rr *rr;
	const char **targets;
	size_t i = 0, n = 0;

	for (i = 0; sl_dns_msg_next(m, &i, SL_DNS_T_SRV, canon);)
		n++;
	s->nrecords = n;
	s->ttl = sl_dns_msg_min_ttl(m);
	if (n > MAX_MEMBERS)
		n = MAX_MEMBERS;
	s->members = calloc(n + 1, sizeof(*s->members));
	targets = calloc(n + 1, sizeof(*targets));
	if (!s->members || !targets) {
		free(targets);
		return fail(s, "out of memory");
	}
	for (i = 0; s->nmembers < n && (rr = sl_dns_msg_next(m, &i, SL_DNS_T_SRV, canon));) {
		if (sl_dns_member_from_srv(&s->members[s->nmembers], rr->target, rr->port,
					   rr->weight, SL_MAX_WEIGHT))
			continue; /* a target "." (no service) or a port 0 */
		targets[s->nmembers++] = rr->target;
	}
	addresses_from(m, s, targets);
	for (i = 0; i < s->nmembers; i++) {
		if (s->members[i].has_v4 || s->members[i].has_v6)
			continue;
		send_query(s, i, targets[i], SL_DNS_T_A, false);
		send_query(s, i, targets[i], SL_DNS_T_AAAA, false);
	}
	free(targets);
}

/* An A or AAAA answer for the service's own name: each address a member. */
static void take_addrs(struct dns_service *s, const struct sl_dns_msg *m)
{
	const char *canon = sl_dns_msg_canonical(m);
	const struct sl_dns_rr *rr;
	size_t i = 0, n = 0;

	while (sl_dns_msg_next(m, &i, m->qtype, canon))
		n++;
	s->nrecords = n;
	s->ttl = sl_dns_msg_min_ttl(m);
	if (n > MAX_MEMBERS)
		n = MAX_MEMBERS;
	s->members = calloc(n + 1, sizeof(*s->members));
	if (!s->members)
		return fail(s, "out of memory");
	for (i = 0; s->nmembers < n && (rr = sl_dns_msg_next(m, &i, m->qtype, canon));)
		sl_dns_member_from_addr(&s->members[s->nmembers++], &rr->addr);
}

/* A target's A or AAAA answer: its first address. */
static void take_target(struct dns_service *s, const struct query *q, const struct sl_dns_msg *m)
{
	struct sl_dns_member *mb = &s->members[q->member];
	const struct sl_dns_rr *rr;
	size_t i = 0;

	rr = sl_dns_msg_next(m, &i, q->type, sl_dns_msg_canonical(m));
	if (!rr)
		return;
	if (q->type == SL_DNS_T_A) {
		mb->has_v4 = true;
		mb->addr4 = rr->addr;
	} else {
		mb->has_v6 = true;
		mb->addr6 = rr->addr;
	}
}

static const char *status_text(int status)
{
	switch (status) {
	case ARES_ETIMEOUT:
		return "timeout";
	case ARES_ECONNREFUSED:
		return "connection refused";
	default:
		return ares_strerror(status);
	}
}

/* One answer of q's (or its failure): taken into its service's refresh. */
static void answered(struct query *q, int status, const unsigned char *abuf, int alen)
{
	struct dns_service *s = q->svc;
	bool target = q->member != SIZE_MAX;
	enum sl_dns_verdict v;
	struct sl_dns_msg m;
	const char *why;

	if (!abuf || alen <= 0) {
		if (q->tcp)
			return fail(s, "%s%s: truncated over UDP, and over TCP: %s",
				    target ? "target " : "", q->name, status_text(status));
		return target ? fail(s, "target %s: %s", q->name, status_text(status)) :
				fail(s, "%s", status_text(status));
	}
	if (sl_dns_msg_parse(abuf, (size_t)alen, &m))
		return target ? fail(s, "target %s: a malformed answer", q->name) :
				fail(s, "a malformed answer");
	v = sl_dns_msg_verdict(&m, &why);
	if (v == SL_DNS_TRUNCATED && !q->tcp) {
		send_query(s, q->member, q->name, q->type, true);
	} else if (v == SL_DNS_TRUNCATED || v == SL_DNS_FAILED) {
		target ? fail(s, "target %s: %s", q->name, why) : fail(s, "%s", why);
	} else if (target) {
		if (v == SL_DNS_RECORDS)
			take_target(s, q, &m);
	} else if (v == SL_DNS_NONE) {
		s->nrecords = 0;
		s->ttl = m.negative_ttl;
		s->cause_none = why;
	} else if (s->qtype == SL_DNS_T_SRV) {
		take_srv(s, &m);
	} else {
		take_addrs(s, &m);
	}
	sl_dns_msg_free(&m);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct dns_service *s = q->svc;

	(void)timeouts;
	s->src->in_flight--;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED || s->gone) {
		free(q);
		return service_unref(s);
	}
	answered(q, status, abuf, alen);
	free(q);
	if (s->refs == 1) { /* this was the refresh's last query */
		if (s->cause_none && !s->fail)
			finish_none(s, s->cause_none, s->ttl);
		else
			finish(s);
		s->cause_none = NULL;
	}
	service_unref(s);
}

/* ---- the event loop: c-ares sockets and the timerfd on the private epoll fd ---- */

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	uint32_t *tag = data;
	struct dns_source *d = (struct dns_source *)((char *)(tag - *tag) -
						     offsetof(struct dns_source, tags));
	struct epoll_event ev = {
		.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0),
		.data.u64 = (uint64_t)*tag << 32 | (uint32_t)fd,
	};

	if (!readable && !writable)
		epoll_ctl(d->ep, EPOLL_CTL_DEL, fd, NULL);
	else if (epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ev) && errno == ENOENT)
		epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Start the refreshes that are due, while queries in flight leave room. */
static void start_due(struct dns_source *d)
{
	uint64_t now = sl_now_ns();

	while (d->nheap && d->in_flight < MAX_IN_FLIGHT && d->heap[0]->due_ns <= now) {
		struct dns_service *s = d->heap[0];

		heap_remove(d, s);
		s->busy = true;
		send_query(s, SIZE_MAX, s->qname, s->qtype, false);
	}
}

/* The timerfd at the next due refresh or c-ares timeout, whichever comes first. */
static void arm(struct dns_source *d)
{
	struct itimerspec its = { 0 };
	uint64_t wait = UINT64_MAX, now = sl_now_ns();
	struct timeval tv;
	int c;

	if (d->nheap && d->in_flight < MAX_IN_FLIGHT)
		wait = d->heap[0]->due_ns > now ? d->heap[0]->due_ns - now : 1;
	for (c = 0; c < NCHANNELS; c++)
		if (ares_timeout(d->ch[c], NULL, &tv)) {
			uint64_t t = (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000;

			if (t < wait)
				wait = t ? t : 1;
		}
	if (wait != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(wait / 1000000000ULL);
		its.it_value.tv_nsec = (long)(wait % 1000000000ULL);
	}
	timerfd_settime(d->timer, 0, &its, NULL);
}

static void instance_from(struct sl_instance *in, const struct dns_service *s,
			  const struct sl_dns_member *m, const char *ns)
{
	memset(in, 0, sizeof(*in));
	in->id = strdup(m->id);
	in->service = strdup(s->service);
	in->namespace = strdup(ns);
	in->health = SL_HEALTH_HEALTHY;
	in->has_v4 = m->has_v4;
	in->has_v6 = m->has_v6;
	in->addr4 = m->addr4;
	in->addr6 = m->addr6;
	in->port = m->port ? m->port : s->port;
	in->weight = m->weight;
}

/* Every service's set as instances, in the config's order, at most max_instances. */
static void rebuild(struct dns_source *d)
{
	struct sl_instances all = { 0 };
	size_t i, k, total = 0, cap = 0;

	for (i = 0; i < d->nsvc; i++)
		total += d->svc[i]->set.n;
	if (total > d->max_instances) {
		if (!d->over_limit)
			pr_warn("%s: %zu instances, more than the %zu the registry may hold: the "
				"first %zu serve", d->base.name, total, d->max_instances,
				d->max_instances);
		d->over_limit = true;
		total = d->max_instances;
	} else {
		d->over_limit = false;
	}
	if (sl_vec_reserve(&all.v, &cap, total + 1, sizeof(*all.v))) {
		pr_warn("%s: out of memory; keeping its last instances", d->base.name);
		return;
	}
	for (i = 0; i < d->nsvc && all.n < total; i++)
		for (k = 0; k < d->svc[i]->set.n && all.n < total; k++) {
			struct sl_instance *in = &all.v[all.n++];

			instance_from(in, d->svc[i], &d->svc[i]->set.v[k], d->namespace);
			if (!in->id || !in->service || !in->namespace) {
				sl_instances_free(&all);
				pr_warn("%s: out of memory; keeping its last instances", d->base.name);
				return;
			}
		}
	sl_instances_free(&d->all);
	d->all = all;
}

static bool dispatch(struct sl_source *src, bool tick)
{
	struct dns_source *d = of(src);
	struct epoll_event evs[64];
	uint64_t ticks;
	int n, i, c;

	(void)tick; /* a pending source is driven by ticks alone: the same work */
	d->logged = d->unlogged = 0;
	do {
		n = epoll_wait(d->ep, evs, 64, 0);
		for (i = 0; i < n; i++) {
			uint32_t tag = (uint32_t)(evs[i].data.u64 >> 32);
			int fd = (int)(uint32_t)evs[i].data.u64;
			bool r = evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP);

			if (tag == TAG_TIMER) {
				if (read(d->timer, &ticks, sizeof(ticks)) < 0)
					continue;
			} else if (tag < NCHANNELS) {
				ares_process_fd(d->ch[tag], r ? fd : ARES_SOCKET_BAD,
						evs[i].events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
			}
		}
		for (c = 0; c < NCHANNELS; c++) /* timeouts */
			ares_process_fd(d->ch[c], ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		start_due(d);
	} while (n == 64);
	arm(d);
	if (d->unlogged)
		pr_warn("%s: %u more names changed how they answer (sluicectl status lists those "
			"that fail)", d->base.name, d->unlogged);
	if (!d->dirty)
		return false;
	d->dirty = false;
	rebuild(d);
	return true;
}

/* ---- the source's interface ---- */

static int fd_of(const struct sl_source *s)
{
	return of(s)->ep;
}

static const struct sl_instances *instances(const struct sl_source *s)
{
	return &of(s)->all;
}

static const char *problem(const struct sl_source *s)
{
	static char buf[512];
	const struct dns_source *d = of(s);
	size_t i;

	if (d->waiting) {
		snprintf(buf, sizeof(buf), "%zu of %zu names not answered yet", d->waiting, d->nsvc);
		return buf;
	}
	if (!d->nsvc || d->nfailing < d->nsvc)
		return NULL;
	for (i = 0; !d->svc[i]->failing; i++) /* every one fails: the first says why */
		;
	snprintf(buf, sizeof(buf), "no name answers (%s: %s)", d->svc[i]->label, d->svc[i]->cause);
	return buf;
}

static unsigned failing(const struct sl_source *s)
{
	return (unsigned)of(s)->nfailing;
}

static size_t failing_parts(const struct sl_source *s, struct sl_source_part *out, size_t max)
{
	const struct dns_source *d = of(s);
	size_t i, k = 0;

	for (i = 0; d->nfailing && i < d->nsvc && k < max; i++) {
		const struct dns_service *v = d->svc[i];

		if (v->failing)
			out[k++] = (struct sl_source_part){ .name = v->label, .instances = v->set.n,
							    .last_ok = v->last_ok,
							    .failure = v->cause };
	}
	return k;
}

static bool settling(const struct sl_source *s)
{
	const struct dns_source *d = of(s);

	return d->waiting && sl_now_ns() < d->settle_until_ns;
}

/* A service is the same one when it asks the same name and type for the same
 * discoveryName: it keeps its set and schedule. */
static int cmp_key(const struct dns_service *a, const struct dns_service *b)
{
	return strcasecmp(a->qname, b->qname) ?: (a->qtype > b->qtype) - (a->qtype < b->qtype) ?:
	       strcmp(a->service, b->service);
}

static int cmp_svc(const void *x, const void *y)
{
	return cmp_key(*(struct dns_service *const *)x, *(struct dns_service *const *)y);
}

/* Drop s from the source: freed now, or with its last query. */
static void retire(struct dns_source *d, struct dns_service *s)
{
	heap_remove(d, s);
	d->waiting -= !s->outcome;
	d->nfailing -= s->failing;
	s->gone = true;
	if (!s->refs)
		service_free(s);
}

/* The services of config, each new (no state), in *out: 0 or -ENOMEM (none made). */
static int make_services(struct dns_source *d, const struct sl_ns_cfg *config,
			 struct dns_service ***out)
{
	struct dns_service **v = calloc(config->nservices + 1, sizeof(*v));
	size_t i;

	for (i = 0; v && i < config->nservices; i++) {
		v[i] = service_new(d, &config->services[i]);
		if (!v[i]) {
			while (i--)
				service_free(v[i]);
			free(v);
			v = NULL;
		}
	}
	*out = v;
	return v ? 0 : -ENOMEM;
}

/* The services of config: those asked as before keep their state (and learn their port);
 * new ones are due now; those gone take their instances with them (*changed). */
static int set_services(struct dns_source *d, const struct sl_ns_cfg *config, bool *changed)
{
	struct dns_service **old = d->svc, **next, **found;
	size_t nold = d->nsvc, i;
	char *ns = strdup(config->namespace);
	bool *taken = calloc(nold + 1, sizeof(*taken));

	if (!ns || !taken || make_services(d, config, &next)) {
		free(ns);
		free(taken);
		return -ENOMEM;
	}
	*changed = d->namespace && strcmp(d->namespace, ns);
	if (nold)
		qsort(old, nold, sizeof(*old), cmp_svc);
	for (i = 0; i < config->nservices; i++) {
		found = nold ? bsearch(&next[i], old, nold, sizeof(*old), cmp_svc) : NULL;
		if (found && !taken[found - old]) { /* kept (a duplicate key's second is new) */
			taken[found - old] = true;
			*changed |= (*found)->port != next[i]->port && (*found)->set.n;
			(*found)->port = next[i]->port;
			service_free(next[i]);
			next[i] = *found;
		} else {
			next[i]->due_ns = sl_now_ns();
			d->waiting++;
			if (heap_push(d, next[i]))
				pr_err("%s: out of memory scheduling %s", d->base.name,
				       next[i]->label);
		}
	}
	for (i = 0; i < nold; i++)
		if (!taken[i]) {
			*changed |= old[i]->set.n > 0;
			retire(d, old[i]);
		}
	free(taken);
	free(old);
	d->svc = next;
	d->nsvc = config->nservices;
	free(d->namespace);
	d->namespace = ns;
	return 0;
}

static bool reconfigure(struct sl_source *src, const struct sl_ns_cfg *config)
{
	struct dns_source *d = of(src);
	bool changed = false;

	if (set_services(d, config, &changed)) {
		pr_err("%s: out of memory learning the new services; asking the old ones", src->name);
		return false;
	}
	start_due(d);
	arm(d);
	if (changed)
		rebuild(d);
	return changed;
}

static void free_dns(struct sl_source *src)
{
	struct dns_source *d = of(src);
	size_t i;
	int c;

	d->nheap = 0;
	for (i = 0; i < d->nsvc; i++) {
		d->svc[i]->in_heap = false;
		retire(d, d->svc[i]);
	}
	for (c = 0; c < NCHANNELS; c++) /* calls back every query left: their services go */
		if (d->ch[c])
			ares_destroy(d->ch[c]);
	ares_library_cleanup();
	if (d->ep >= 0)
		close(d->ep);
	if (d->timer >= 0)
		close(d->timer);
	sl_instances_free(&d->all);
	free(d->svc);
	free(d->heap);
	free(d->namespace);
	sl_source_cfg_release(&src->cfg);
	free(src->name);
	free(d);
}

static const struct sl_source_ops dns_ops = {
	.fd = fd_of, .dispatch = dispatch, .instances = instances, .problem = problem,
	.failing = failing, .free = free_dns, .reconfigure = reconfigure, .settling = settling,
	.failing_parts = failing_parts,
};

/* The configured servers (none: resolv.conf's, which c-ares read) on channel ch. */
static int set_servers(ares_channel ch, const struct sl_source_cfg *cfg)
{
	struct ares_addr_port_node *v;
	size_t i;
	int ret;

	if (!cfg->nservers)
		return ARES_SUCCESS;
	v = calloc(cfg->nservers, sizeof(*v));
	if (!v)
		return ARES_ENOMEM;
	for (i = 0; i < cfg->nservers; i++) {
		const struct sl_dns_server *s = &cfg->servers[i];

		v[i].next = i + 1 < cfg->nservers ? &v[i + 1] : NULL;
		if (sl_addr_is_v4(&s->addr)) {
			v[i].family = AF_INET;
			memcpy(&v[i].addr.addr4, &s->addr.a[3], 4);
		} else {
			v[i].family = AF_INET6;
			memcpy(&v[i].addr.addr6, s->addr.a, 16);
		}
		v[i].udp_port = v[i].tcp_port = s->port;
	}
	ret = ares_set_servers_ports(ch, v);
	free(v);
	return ret;
}

/* Channel c: UDP (truncated answers handed to us, to ask again over TCP) or TCP; each
 * answer handed over whatever its rcode (SERVFAIL and REFUSED are answers, not a reason to
 * ask the next server; a server that does not answer is passed over). */
static int open_channel(struct dns_source *d, int c)
{
	struct ares_options o = {
		.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
			 (c == CH_TCP ? ARES_FLAG_USEVC : ARES_FLAG_IGNTC | ARES_FLAG_EDNS),
		.timeout = (int)d->base.cfg.timeout_ms, .tries = 1,
		.ednspsz = EDNS_PAYLOAD, .sock_state_cb = sock_state,
		.sock_state_cb_data = &d->tags[c],
	};
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
		   ARES_OPT_NOROTATE | (c == CH_UDP ? ARES_OPT_EDNSPSZ : 0);
	int ret;

	d->tags[c] = (uint32_t)c;
	ret = ares_init_options(&d->ch[c], &o, mask);
	if (ret == ARES_SUCCESS)
		ret = set_servers(d->ch[c], &d->base.cfg);
	return ret;
}

struct sl_source *sl_source_dns_open(const struct sl_source_cfg *cfg,
				     const struct sl_ns_cfg *config, size_t max_instances,
				     struct sl_err *err)
{
	struct dns_source *d = calloc(1, sizeof(*d));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)TAG_TIMER << 32 };
	char label[512];
	bool changed;
	int c, ret;

	sl_source_cfg_label(cfg, label, sizeof(label));
	if (!d || ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		free(d);
		sl_err_set(err, "registry %s: out of memory", label);
		return NULL;
	}
	d->base.ops = &dns_ops;
	d->ep = d->timer = -1;
	d->max_instances = max_instances;
	d->rng = sl_now_ns() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)d;
	if (!d->rng)
		d->rng = 1;
	if (sl_source_cfg_copy(&d->base.cfg, cfg) ||
	    asprintf(&d->base.name, "registry %s", label) < 0) {
		d->base.name = NULL;
		sl_err_set(err, "registry %s: out of memory", label);
		goto fail;
	}
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.data.u64 |= (uint32_t)d->timer;
	if (d->ep < 0 || d->timer < 0 || epoll_ctl(d->ep, EPOLL_CTL_ADD, d->timer, &ev)) {
		sl_err_set(err, "registry %s: event loop: %s", label, strerror(errno));
		goto fail;
	}
	for (c = 0; c < NCHANNELS; c++) {
		ret = open_channel(d, c);
		if (ret != ARES_SUCCESS) {
			sl_err_set(err, "registry %s: resolver: %s", label, ares_strerror(ret));
			goto fail;
		}
	}
	if (set_services(d, config, &changed)) {
		sl_err_set(err, "registry %s: out of memory", label);
		goto fail;
	}
	d->settle_until_ns = sl_now_ns() + (2 * (uint64_t)cfg->timeout_ms *
					    (cfg->nservers ? cfg->nservers : 1) +
					    SETTLE_MARGIN_MS) * NS_PER_MS;
	start_due(d);
	arm(d);
	return &d->base;
fail:
	free_dns(&d->base);
	return NULL;
}
