// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* load.c: closed-loop load generator (TCP connect/request/response/close, request/response,
 * bulk, UDP request/response) over per-thread epoll loops; one JSON line with the results. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ======================================================================================
 * Latency histogram: log-linear buckets in the manner of HdrHistogram. Values are ns; below
 * 2 * HIST_SUB every value has its own bucket, above it each power of two is cut into
 * HIST_SUB buckets (relative error < 1 / HIST_SUB, i.e. better than 2 significant digits).
 * Pure functions over a fixed array: no I/O, no allocation.
 * ====================================================================================== */

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_BITS 40	/* values up to 2^40 ns (~18 min); larger ones land in the top */
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB)
#define HIST_TOP ((1ull << HIST_MAX_BITS) - 1)

struct hist {
	uint64_t count;
	uint64_t sum;		/* ns; a closed loop's sum stays below conns x run time */
	uint64_t min, max;
	uint64_t b[HIST_BUCKETS];
};

static void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static unsigned int hist_index(uint64_t v)
{
	unsigned int shift;

	if (v > HIST_TOP)
		v = HIST_TOP;
	if (v < 2 * HIST_SUB)
		return (unsigned int)v;
	shift = (unsigned int)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
	return shift * HIST_SUB + (unsigned int)(v >> shift);
}

/* The lowest and highest value of bucket idx. */
static uint64_t hist_low(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = idx / HIST_SUB - 1;
	return (uint64_t)(idx - shift * HIST_SUB) << shift;
}

static uint64_t hist_high(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = idx / HIST_SUB - 1;
	return ((uint64_t)(idx - shift * HIST_SUB + 1) << shift) - 1;
}

static void hist_record(struct hist *h, uint64_t ns)
{
	h->b[hist_index(ns)]++;
	h->count++;
	h->sum += ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

static void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value (ns) at percentile q (0..100): the middle of the bucket holding that rank, kept
 * within the exact min and max. 0 for an empty histogram. */
static uint64_t hist_percentile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned int i;

	if (!h->count)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 100)
		q = 100;
	rank = (uint64_t)ceil(q / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank >= h->count)
		return h->max;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)
		return h->max;
	v = hist_low(i) + (hist_high(i) - hist_low(i)) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

static double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/* ======================================================================================
 * Configuration and targets
 * ====================================================================================== */

#define MAX_THREADS 1024
#define MAX_CONNS 1000000
#define MAX_SIZE (16 << 20)
#define MAX_UDP_SIZE 65507
#define BULK_CHUNK (64 * 1024)
#define MAX_EVENTS 256
#define ROUNDS 32		/* steps of one connection per wakeup before yielding */
#define BULK_WRITES 16		/* chunks per wakeup of a bulk connection */
#define UDP_READS 8		/* datagrams per wakeup of a UDP socket */
#define BACKOFF_NS 1000000ull	/* before retrying what failed at once (socket, connect) */
#define UDP_TIMEOUT_NS 1000000000ull
#define NSEC 1000000000ull
#define WAKE_NONE 0		/* conn.wake_at: nothing scheduled */
#define WAKE_NOW 1		/* conn.wake_at: at the next scan */

enum mode { M_CRR, M_RR, M_BULK, M_UDP };

/* crr -H: the request; the server answers and closes first (its TIME_WAIT, not ours). */
static const char http_req[] = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
#define HTTP_OK "HTTP/1.1 200"
static const char *const mode_names[] = { "crr", "rr", "bulk", "udp" };

/* Error kinds: an errno (1..255) or one of these. */
enum { K_SHORT_READ = 256, K_TIMEOUT, K_BAD_SOURCE, NKINDS };

struct target {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	socklen_t len;
};

struct cfg {
	enum mode mode;
	int threads, conns;
	uint32_t size;
	double seconds, warmup;
	bool random, strict;
	bool http;		/* crr -H: HTTP GET with "Connection: close", read until EOF */
	const char *label;
	struct target *targets;
	size_t ntargets, cap;
	uint64_t t_warm, t_end;	/* CLOCK_MONOTONIC ns: measuring from t_warm until t_end */
};

static struct cfg cfg = {
	.mode = M_CRR, .threads = 2, .conns = 16, .size = 64, .seconds = 5, .warmup = 1,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size, const char *what)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "load: out of memory (%s)\n", what);
		exit(1);
	}
	return p;
}

static int target_add(const char *addr, const char *port)
{
	struct target t = {};
	char *end, host[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(addr);
	unsigned long p;

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (!n || n >= sizeof(host))
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || end == port || *end || !p || p > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &t.a.in.sin_addr) == 1) {
		t.a.in.sin_family = AF_INET;
		t.a.in.sin_port = htons((uint16_t)p);
		t.len = sizeof(t.a.in);
	} else if (inet_pton(AF_INET6, host, &t.a.in6.sin6_addr) == 1) {
		t.a.in6.sin6_family = AF_INET6;
		t.a.in6.sin6_port = htons((uint16_t)p);
		t.len = sizeof(t.a.in6);
	} else {
		return -1;
	}
	if (cfg.ntargets == cfg.cap) {
		size_t cap = cfg.cap ? cfg.cap * 2 : 64;
		struct target *nt = realloc(cfg.targets, cap * sizeof(*nt));

		if (!nt) {
			fprintf(stderr, "load: out of memory (targets)\n");
			exit(1);
		}
		cfg.targets = nt;
		cfg.cap = cap;
	}
	cfg.targets[cfg.ntargets++] = t;
	return 0;
}

/* -T HOST:PORT[,HOST:PORT...]; an IPv6 HOST in brackets. */
static int targets_from_list(const char *list)
{
	char *dup = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!dup) {
		fprintf(stderr, "load: out of memory (targets)\n");
		exit(1);
	}
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');

		if (colon && colon != tok && (tok[0] != '[' || colon[-1] == ']')) {
			*colon = '\0';
			if (!target_add(tok, colon + 1))
				continue;
			*colon = ':';
		}
		fprintf(stderr, "load: bad target '%s' (want ADDR:PORT or [ADDR6]:PORT)\n", tok);
		ret = -1;
		break;
	}
	free(dup);
	return ret;
}

/* -F FILE: "ADDR PORT" a line; blank lines and '#' comments are skipped. */
static int targets_from_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *save, *addr, *port;
	size_t cap = 0, lineno = 0;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr || addr[0] == '#')
			continue;
		port = strtok_r(NULL, " \t", &save);
		if (port && !strtok_r(NULL, " \t", &save) && !target_add(addr, port))
			continue;
		fprintf(stderr, "load: %s:%zu: bad target (want \"ADDR PORT\")\n", path, lineno);
		ret = -1;
		break;
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "load: %s: read error\n", path);
		ret = -1;
	}
	free(line);
	fclose(f);
	return ret;
}

/* ======================================================================================
 * Workers: one epoll loop each over its share of the connections
 * ====================================================================================== */

enum cstate { CS_IDLE, CS_CONNECTING, CS_SENDING, CS_RECEIVING, CS_STREAMING };

struct conn {
	int fd;
	uint8_t state;
	sa_family_t family;	/* of fd (UDP keeps its socket while the family fits) */
	uint32_t off;		/* bytes sent or received in this step */
	uint32_t tgt;
	uint64_t t_op;		/* the op's start */
	uint64_t t_conn;	/* connect() called */
	uint64_t wake_at;	/* WAKE_NONE, or when scan_due() is to handle it */
	uint64_t seq;		/* UDP: the request being waited for */
};

struct worker {
	pthread_t th;
	int id, ep, nconns;
	struct conn *conns;
	char *sbuf, *rbuf;
	size_t rbuf_size;
	uint64_t rng, cursor;
	uint64_t next_scan;	/* no wake_at is earlier than this */
	uint64_t ops, bytes, warm_errors;
	uint64_t err[NKINDS];
	struct hist lat, conn_lat;
};

static void tcp_start(struct worker *w, struct conn *c);
static void udp_send(struct worker *w, struct conn *c, bool next_target);

static bool in_window(uint64_t t)
{
	return t >= cfg.t_warm && t < cfg.t_end;
}

static void count_error(struct worker *w, int kind, uint64_t now)
{
	if (kind <= 0 || kind >= NKINDS)
		kind = 0;	/* unknown */
	if (now < cfg.t_warm)
		w->warm_errors++;
	else if (now < cfg.t_end)
		w->err[kind]++;
}

/* xorshift64* */
static uint64_t rng_next(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t pick_target(struct worker *w)
{
	if (cfg.random)
		return (uint32_t)(((unsigned __int128)rng_next(w) * cfg.ntargets) >> 64);
	if (++w->cursor >= cfg.ntargets)
		w->cursor = 0;
	return (uint32_t)w->cursor;
}

static void wake_later(struct worker *w, struct conn *c, uint64_t at)
{
	c->wake_at = at;
	if (at < w->next_scan)
		w->next_scan = at;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->state = CS_IDLE;
}

/* A failed op. When it failed at once (no round trip), retry after a pause: never spin. */
static void conn_fail(struct worker *w, struct conn *c, int kind, bool at_once)
{
	uint64_t now = now_ns();

	count_error(w, kind, now);
	if (cfg.mode == M_UDP) {
		c->state = CS_IDLE;
		wake_later(w, c, now + BACKOFF_NS);
		return;
	}
	conn_close(c);
	if (at_once)
		wake_later(w, c, now + BACKOFF_NS);
	else
		tcp_start(w, c);
}

static void op_done(struct worker *w, struct conn *c, uint64_t now)
{
	if (!in_window(now))
		return;
	hist_record(&w->lat, now - c->t_op);
	w->ops++;
	w->bytes += cfg.size;
}

/* ---- TCP: crr, rr, bulk ---- */

static void bulk_pump(struct worker *w, struct conn *c)
{
	int i;

	for (i = 0; i < BULK_WRITES; i++) {
		ssize_t k = send(c->fd, w->sbuf + c->off, BULK_CHUNK - c->off, MSG_NOSIGNAL);
		uint64_t now;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_fail(w, c, errno, false);
			return;
		}
		now = now_ns();
		c->off += (uint32_t)k;
		if (in_window(now))
			w->bytes += (uint64_t)k;
		if (c->off == BULK_CHUNK) {
			c->off = 0;
			if (in_window(now))
				w->ops++;
		}
	}
	wake_later(w, c, WAKE_NOW);	/* still writable: back after the others' turn */
}

/* crr -H: read the answer until the server closes; a "200" answer completes the op. */
static void http_receive(struct worker *w, struct conn *c)
{
	int round;

	for (round = 0; round < ROUNDS; round++) {
		ssize_t k = recv(c->fd, w->rbuf + c->off, w->rbuf_size - c->off, 0);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_fail(w, c, errno, false);
			return;
		}
		if (k == 0) {
			if (c->off < sizeof(HTTP_OK) - 1 || memcmp(w->rbuf, HTTP_OK, sizeof(HTTP_OK) - 1)) {
				conn_fail(w, c, K_SHORT_READ, false);
				return;
			}
			op_done(w, c, now_ns());
			conn_close(c);
			tcp_start(w, c);
			return;
		}
		c->off += (uint32_t)k;
		if (c->off == w->rbuf_size)
			c->off = (uint32_t)(sizeof(HTTP_OK) - 1); /* keep the status, drop the rest */
	}
	wake_later(w, c, WAKE_NOW);
}

/* Send the request and read the reply, as far as the socket lets us. */
static void tcp_progress(struct worker *w, struct conn *c)
{
	int round;

	for (round = 0; round < ROUNDS; round++) {
		ssize_t k;

		if (c->state == CS_SENDING) {
			k = send(c->fd, w->sbuf + c->off, cfg.size - c->off, MSG_NOSIGNAL);
		} else if (c->state == CS_RECEIVING && cfg.http) {
			http_receive(w, c);
			return;
		} else if (c->state == CS_RECEIVING) {
			k = recv(c->fd, w->rbuf, cfg.size - c->off, 0);
			if (k == 0) {
				conn_fail(w, c, K_SHORT_READ, false);
				return;
			}
		} else if (c->state == CS_STREAMING) {
			bulk_pump(w, c);
			return;
		} else {
			return;
		}
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_fail(w, c, errno, false);
			return;
		}
		c->off += (uint32_t)k;
		if (c->off < cfg.size)
			continue;
		c->off = 0;
		if (c->state == CS_SENDING) {
			c->state = CS_RECEIVING;
			continue;
		}
		op_done(w, c, now_ns());
		if (cfg.mode == M_CRR) {
			conn_close(c);
			tcp_start(w, c);
			return;
		}
		c->t_op = now_ns();
		c->state = CS_SENDING;
	}
	wake_later(w, c, WAKE_NOW);
}

static void tcp_connected(struct worker *w, struct conn *c)
{
	uint64_t now = now_ns();

	c->off = 0;
	if (cfg.mode == M_BULK) {
		c->state = CS_STREAMING;
		bulk_pump(w, c);
		return;
	}
	if (cfg.mode == M_CRR) {
		if (in_window(now))
			hist_record(&w->conn_lat, now - c->t_conn);
	} else {
		c->t_op = now;
	}
	c->state = CS_SENDING;
	tcp_progress(w, c);
}

/* crr: a new op; rr, bulk: (re)connect. */
static void tcp_start(struct worker *w, struct conn *c)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.ptr = c,
	};
	const struct target *t;
	int one = 1, r;

	c->tgt = pick_target(w);
	t = &cfg.targets[c->tgt];
	c->t_op = now_ns();
	c->fd = socket(t->a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_fail(w, c, errno, true);
		return;
	}
	if ((cfg.mode == M_RR || (cfg.mode == M_CRR && cfg.size > 1024)) &&
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		conn_fail(w, c, errno, true);
		return;
	}
	c->t_conn = now_ns();
	r = connect(c->fd, &t->a.sa, t->len);
	if (r && errno != EINPROGRESS) {
		conn_fail(w, c, errno, true);
		return;
	}
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev)) {
		conn_fail(w, c, errno, true);
		return;
	}
	c->state = CS_CONNECTING;
	if (!r)
		tcp_connected(w, c);
}

static void tcp_event(struct worker *w, struct conn *c, uint32_t events)
{
	if (c->state == CS_CONNECTING) {
		if (events & (EPOLLERR | EPOLLHUP)) {
			socklen_t len = sizeof(int);
			int err = 0;

			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
				err = errno;
			conn_fail(w, c, err ? err : ECONNRESET, false);
			return;
		}
		if (events & EPOLLOUT)
			tcp_connected(w, c);
		return;
	}
	tcp_progress(w, c);
}

/* ---- UDP ---- */

static bool same_addr(const struct sockaddr_storage *ss, const struct target *t)
{
	if (ss->ss_family != t->a.sa.sa_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		return a->sin_port == t->a.in.sin_port &&
		       a->sin_addr.s_addr == t->a.in.sin_addr.s_addr;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		return a->sin6_port == t->a.in6.sin6_port &&
		       !memcmp(&a->sin6_addr, &t->a.in6.sin6_addr, sizeof(a->sin6_addr));
	}
	return false;
}

static size_t seq_len(void)
{
	return cfg.size < sizeof(uint64_t) ? cfg.size : sizeof(uint64_t);
}

/* Send a request (to the next target, or again to the same after a timeout). */
static void udp_send(struct worker *w, struct conn *c, bool next_target)
{
	const struct target *t;
	ssize_t k;

	if (next_target)
		c->tgt = pick_target(w);
	t = &cfg.targets[c->tgt];
	if (c->fd >= 0 && c->family != t->a.sa.sa_family)
		conn_close(c);
	if (c->fd < 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		c->fd = socket(t->a.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			conn_fail(w, c, errno, true);
			return;
		}
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev)) {
			int err = errno;

			conn_close(c);
			conn_fail(w, c, err, true);
			return;
		}
		c->family = t->a.sa.sa_family;
	}
	c->seq++;
	memcpy(w->sbuf, &c->seq, seq_len());
	c->t_op = now_ns();
	k = sendto(c->fd, w->sbuf, cfg.size, 0, &t->a.sa, t->len);
	if (k < 0) {
		conn_fail(w, c, errno, true);
		return;
	}
	c->state = CS_RECEIVING;
	wake_later(w, c, c->t_op + UDP_TIMEOUT_NS);
}

static void udp_event(struct worker *w, struct conn *c)
{
	int i;

	for (i = 0; i < UDP_READS; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t k = recvfrom(c->fd, w->rbuf, w->rbuf_size, MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		uint64_t now;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				count_error(w, errno, now_ns());
			return;
		}
		/* Only the reply to the request in flight counts; late ones are dropped. */
		if (c->state != CS_RECEIVING || (size_t)k < seq_len() ||
		    memcmp(w->rbuf, &c->seq, seq_len()))
			continue;
		now = now_ns();
		if (!same_addr(&from, &cfg.targets[c->tgt]))
			count_error(w, K_BAD_SOURCE, now);
		else if ((size_t)k != cfg.size)
			count_error(w, K_SHORT_READ, now);
		else
			op_done(w, c, now);
		c->wake_at = WAKE_NONE;
		udp_send(w, c, true);
	}
}

/* ---- the loop ---- */

/* What is due: retries after a pause, UDP timeouts, connections that yielded. */
static void scan_due(struct worker *w)
{
	uint64_t now = now_ns(), next = UINT64_MAX;
	int i;

	w->next_scan = UINT64_MAX;	/* wake_later() below may lower it again */
	for (i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		uint64_t at = c->wake_at;

		if (at == WAKE_NONE)
			continue;
		if (at > now) {
			if (at < next)
				next = at;
			continue;
		}
		c->wake_at = WAKE_NONE;
		if (cfg.mode == M_UDP) {
			if (c->state == CS_RECEIVING)
				count_error(w, K_TIMEOUT, now);
			udp_send(w, c, c->state != CS_RECEIVING);
		} else if (c->state == CS_IDLE) {
			tcp_start(w, c);
		} else {
			tcp_progress(w, c);
		}
	}
	if (next < w->next_scan)
		w->next_scan = next;
}

static int loop_timeout_ms(const struct worker *w, uint64_t now)
{
	uint64_t until = w->next_scan < cfg.t_end ? w->next_scan : cfg.t_end;

	if (until <= now)
		return 0;
	until -= now;
	if (until > NSEC)
		return 1000;
	return (int)((until + 999999) / 1000000);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t now;
	int i, n;

	for (i = 0; i < w->nconns; i++) {
		if (cfg.mode == M_UDP)
			udp_send(w, &w->conns[i], true);
		else
			tcp_start(w, &w->conns[i]);
	}
	while ((now = now_ns()) < cfg.t_end) {
		n = epoll_wait(w->ep, evs, MAX_EVENTS, loop_timeout_ms(w, now));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "load: epoll_wait: %s\n", strerror(errno));
			exit(1);
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (cfg.mode == M_UDP)
				udp_event(w, c);
			else
				tcp_event(w, c, evs[i].events);
		}
		if (now_ns() >= w->next_scan)
			scan_due(w);
	}
	for (i = 0; i < w->nconns; i++)
		conn_close(&w->conns[i]);
	close(w->ep);
	return NULL;
}

static void worker_init(struct worker *w, int id, int nconns)
{
	size_t sz = cfg.size > BULK_CHUNK ? cfg.size : BULK_CHUNK, i;

	w->id = id;
	w->nconns = nconns;
	w->conns = xcalloc((size_t)nconns, sizeof(*w->conns), "connections");
	for (i = 0; i < (size_t)nconns; i++)
		w->conns[i].fd = -1;
	w->sbuf = xcalloc(1, sz, "buffers");
	w->rbuf = xcalloc(1, sz, "buffers");
	w->rbuf_size = sz;
	for (i = 0; i < sz; i++)
		w->sbuf[i] = (char)('a' + i % 26);	/* never "GET ": the server echoes */
	if (cfg.http)
		memcpy(w->sbuf, http_req, sizeof(http_req) - 1);
	w->rng = (now_ns() ^ ((uint64_t)(id + 1) * 0x9e3779b97f4a7c15ull)) | 1;
	w->cursor = (uint64_t)id * cfg.ntargets / (uint64_t)cfg.threads;
	w->next_scan = UINT64_MAX;
	hist_init(&w->lat);
	hist_init(&w->conn_lat);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0) {
		fprintf(stderr, "load: epoll_create1: %s\n", strerror(errno));
		exit(1);
	}
}

/* ======================================================================================
 * Report
 * ====================================================================================== */

static const char *kind_name(int k, char *buf, size_t len)
{
	const char *s = NULL;

	switch (k) {
	case 0: return "unknown";
	case K_SHORT_READ: return "short_read";
	case K_TIMEOUT: return "timeout";
	case K_BAD_SOURCE: return "bad_source";
	}
	s = strerrorname_np(k);
	if (s)
		return s;
	snprintf(buf, len, "errno_%d", k);
	return buf;
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_hist(const char *key, const struct hist *h)
{
	printf(",\"%s\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f,"
	       "\"mean\":%.2f}", key,
	       hist_percentile(h, 50) / 1e3, hist_percentile(h, 90) / 1e3,
	       hist_percentile(h, 99) / 1e3, hist_percentile(h, 99.9) / 1e3,
	       (h->count ? h->max : 0) / 1e3, hist_mean(h) / 1e3);
}

/* Sums the workers into the first; returns the number of errors (warm-up's included). */
static uint64_t report(struct worker *ws)
{
	struct worker *all = &ws[0];
	uint64_t errors = 0, any;
	char name[32];
	bool first = true;
	int i, k;

	for (i = 1; i < cfg.threads; i++) {
		all->ops += ws[i].ops;
		all->bytes += ws[i].bytes;
		all->warm_errors += ws[i].warm_errors;
		for (k = 0; k < NKINDS; k++)
			all->err[k] += ws[i].err[k];
		hist_merge(&all->lat, &ws[i].lat);
		hist_merge(&all->conn_lat, &ws[i].conn_lat);
	}
	for (k = 0; k < NKINDS; k++)
		errors += all->err[k];

	printf("{\"label\":");
	print_json_string(cfg.label ? cfg.label : mode_names[cfg.mode]);
	printf(",\"mode\":\"%s\",\"threads\":%d,\"conns\":%d,\"seconds\":%.3f,\"ops\":%" PRIu64
	       ",\"rate\":%.1f,\"errors\":%" PRIu64 ",\"error_kinds\":{",
	       mode_names[cfg.mode], cfg.threads, cfg.conns, cfg.seconds, all->ops,
	       (double)all->ops / cfg.seconds, errors);
	for (k = 0; k < NKINDS; k++) {
		if (!all->err[k])
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",", kind_name(k, name, sizeof(name)),
		       all->err[k]);
		first = false;
	}
	printf("}");
	if (cfg.mode != M_BULK)
		print_hist("lat_us", &all->lat);
	if (cfg.mode == M_CRR)
		print_hist("connect_us", &all->conn_lat);
	printf(",\"bytes\":%" PRIu64 ",\"mbit_s\":%.2f,\"warmup_errors\":%" PRIu64
	       ",\"targets\":%zu}\n",
	       all->bytes, (double)all->bytes * 8 / cfg.seconds / 1e6, all->warm_errors,
	       cfg.ntargets);
	fflush(stdout);

	any = errors + all->warm_errors;
	if (any) {
		fprintf(stderr, "load: %" PRIu64 " errors (%" PRIu64 " in warm-up):", any,
			all->warm_errors);
		for (k = 0; k < NKINDS; k++)
			if (all->err[k])
				fprintf(stderr, " %s %" PRIu64, kind_name(k, name, sizeof(name)),
					all->err[k]);
		fputc('\n', stderr);
	}
	return any;
}

/* ======================================================================================
 * main
 * ====================================================================================== */

static void usage(void)
{
	fprintf(stderr,
		"usage: load -m MODE [-t THREADS] [-c CONNS] [-d SECONDS] [-w WARMUP_SECONDS] [-s SIZE]\n"
		"            (-T HOST:PORT[,HOST:PORT...] | -F FILE) [-r] [-x] [-H] [-l LABEL]\n"
		"  -m MODE   crr: connect, send SIZE, read SIZE, close, per op\n"
		"            crr -H: connect, HTTP GET with \"Connection: close\", read to EOF, close\n"
		"            rr: CONNS kept-alive connections, send SIZE, read SIZE, per op\n"
		"            bulk: CONNS connections write 64 KiB chunks (point it at a sink)\n"
		"            udp: CONNS unconnected sockets, sendto SIZE, recvfrom the reply\n"
		"  -t THREADS (2)  -c CONNS in all (16)  -d SECONDS measured (5)  -w WARMUP (1)\n"
		"  -s SIZE   request/reply payload bytes (64)\n"
		"  -T, -F    targets; FILE holds \"ADDR PORT\" lines ('#' comments)\n"
		"  -r        random target (default: round-robin)\n"
		"  -x        exit 1 if any error occurred\n"
		"  -l LABEL  the JSON's label (default: the mode)\n");
	exit(2);
}

static double parse_double(const char *s, double min, double max, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "load: bad %s '%s' (%g..%g)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static int parse_int(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "load: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return (int)v;
}

static int parse_mode(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i]))
			return (int)i;
	fprintf(stderr, "load: bad mode '%s' (crr, rr, bulk or udp)\n", s);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	bool have_mode = false;
	int opt;

	while ((opt = getopt(argc, argv, "m:t:c:d:w:s:T:F:rxHl:h")) != -1) {
		switch (opt) {
		case 'm':
			cfg.mode = (enum mode)parse_mode(optarg);
			have_mode = true;
			break;
		case 't':
			cfg.threads = parse_int(optarg, 1, MAX_THREADS, "thread count");
			break;
		case 'c':
			cfg.conns = parse_int(optarg, 1, MAX_CONNS, "connection count");
			break;
		case 'd':
			cfg.seconds = parse_double(optarg, 0.001, 1e6, "duration");
			break;
		case 'w':
			cfg.warmup = parse_double(optarg, 0, 1e6, "warm-up");
			break;
		case 's':
			cfg.size = (uint32_t)parse_int(optarg, 1, MAX_SIZE, "size");
			break;
		case 'T':
			if (targets_from_list(optarg))
				exit(2);
			break;
		case 'F':
			if (targets_from_file(optarg))
				exit(2);
			break;
		case 'r':
			cfg.random = true;
			break;
		case 'x':
			cfg.strict = true;
			break;
		case 'H':
			cfg.http = true;
			break;
		case 'l':
			cfg.label = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !have_mode) {
		if (!have_mode)
			fprintf(stderr, "load: -m MODE is required\n");
		usage();
	}
	if (!cfg.ntargets) {
		fprintf(stderr, "load: no targets (-T or -F)\n");
		usage();
	}
	if (cfg.mode == M_UDP && cfg.size > MAX_UDP_SIZE) {
		fprintf(stderr, "load: size %u too large for UDP (max %d)\n", cfg.size,
			MAX_UDP_SIZE);
		exit(2);
	}
	if (cfg.http && cfg.mode != M_CRR) {
		fprintf(stderr, "load: -H is for crr only\n");
		exit(2);
	}
	if (cfg.http)
		cfg.size = sizeof(http_req) - 1; /* what is sent per op */
	if (cfg.threads > cfg.conns)
		cfg.threads = cfg.conns;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct worker *ws;
	uint64_t t0, errors;
	int i, err;

	parse_args(argc, argv);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	ws = xcalloc((size_t)cfg.threads, sizeof(*ws), "threads");
	for (i = 0; i < cfg.threads; i++)
		worker_init(&ws[i], i, cfg.conns / cfg.threads + (i < cfg.conns % cfg.threads));

	t0 = now_ns();
	cfg.t_warm = t0 + (uint64_t)(cfg.warmup * 1e9);
	cfg.t_end = cfg.t_warm + (uint64_t)(cfg.seconds * 1e9);
	for (i = 0; i < cfg.threads; i++) {
		err = pthread_create(&ws[i].th, NULL, worker_run, &ws[i]);
		if (err) {
			fprintf(stderr, "load: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (i = 0; i < cfg.threads; i++)
		pthread_join(ws[i].th, NULL);

	errors = report(ws);
	for (i = 0; i < cfg.threads; i++) {
		free(ws[i].conns);
		free(ws[i].sbuf);
		free(ws[i].rbuf);
	}
	free(ws);
	free(cfg.targets);
	return cfg.strict && errors ? 1 : 0;
}
