// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bench-server.c: the load tests' backend: per thread one epoll loop over its own SO_REUSEPORT
 * sockets on 0.0.0.0: TCP PORT echo (or HTTP "ok" for GET), TCP PORT+1 sink, UDP PORT echo. */
#include <arpa/inet.h>
#include <errno.h>
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
#include <unistd.h>

#define MAX_THREADS 1024
#define BUF_SIZE (64 * 1024)	/* one read */
#define LISTEN_BACKLOG 4096
#define MAX_EVENTS 256
#define ACCEPT_BATCH 1024	/* accepts per readiness event, at most */
#define SINK_READS 8		/* reads per readiness event on a sink connection */
#define UDP_BATCH 32		/* datagrams per recvmmsg */
#define UDP_ROUNDS 8		/* recvmmsg calls per readiness event */
#define UDP_SOCK_BUF (4 << 20)	/* SO_RCVBUF, SO_SNDBUF of the UDP sockets */

static const char http_resp[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
#define HTTP_RESP_LEN (sizeof(http_resp) - 1)
/* The answer to a request with "Connection: close"; the server then closes first, so the
 * TIME_WAIT is the server's (as with HTTP servers), not the client's. */
static const char http_resp_close[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n"
	"Connection: close\r\n\r\nok";
#define HTTP_REPEAT (BUF_SIZE / HTTP_RESP_LEN)

enum obj_kind { OBJ_LISTEN_ECHO, OBJ_LISTEN_SINK, OBJ_UDP, OBJ_CONN };
enum conn_mode { MODE_UNKNOWN, MODE_ECHO, MODE_HTTP, MODE_SINK };

/* What an epoll event's data.ptr points at: a listener, the UDP socket or a connection. */
struct obj {
	int kind;
	int fd;
};

struct conn {
	struct obj o;
	uint8_t mode;
	uint8_t npre;		/* bytes of "GET " seen while the mode is unknown */
	uint8_t http_st;	/* bytes of "\r\n\r\n" matched so far */
	bool closing;		/* answered "Connection: close": close once written */
	char pre[4];
	char *out;		/* backlog: what could not be written yet */
	size_t out_off, out_len, out_cap;
};

struct udp_batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_in peer[UDP_BATCH];
	char ctl[UDP_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct mmsghdr out[UDP_BATCH];
	char out_ctl[UDP_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	char *data;		/* UDP_BATCH * BUF_SIZE */
};

struct worker {
	pthread_t th;
	int ep;
	struct obj echo, sink, udp;
	char *buf;
	struct udp_batch *ub;
	bool accept_warned;
};

static char http_burst[HTTP_REPEAT * HTTP_RESP_LEN];

/* ---- sockets ---- */

static int set_int(int fd, int level, int opt, int val, const char *what, uint16_t port)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val))) {
		fprintf(stderr, "bench-server: setsockopt %s (port %u): %s\n", what, port,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_any(int fd, uint16_t port, const char *proto)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "bench-server: bind %s0.0.0.0:%u: %s\n", proto, port,
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * SO_REUSEPORT would let us share the port with another bench-server of the same user without
 * a word: bind once without it first, so a port already taken is reported as such.
 */
static int probe_port(int type, uint16_t port)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0) {
		fprintf(stderr, "bench-server: socket: %s\n", strerror(errno));
		return -1;
	}
	if (type == SOCK_STREAM && set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", port))
		goto out;
	if (bind_any(fd, port, type == SOCK_STREAM ? "" : "udp "))
		goto out;
	if (type == SOCK_STREAM && listen(fd, 1)) {
		fprintf(stderr, "bench-server: listen 0.0.0.0:%u: %s\n", port, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* Room for bursts of large datagrams from many clients; past rmem_max/wmem_max if allowed. */
static int grow_udp_buffers(int fd, uint16_t port)
{
	int size = UDP_SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    set_int(fd, SOL_SOCKET, SO_RCVBUF, size, "SO_RCVBUF", port))
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) &&
	    set_int(fd, SOL_SOCKET, SO_SNDBUF, size, "SO_SNDBUF", port))
		return -1;
	return 0;
}

static int open_socket(int type, uint16_t port)
{
	const char *proto = type == SOCK_STREAM ? "" : "udp ";
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "bench-server: socket: %s\n", strerror(errno));
		return -1;
	}
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", port) ||
	    set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT", port) ||
	    (type == SOCK_STREAM &&	/* accepted sockets inherit it */
	     set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY", port)) ||
	    (type == SOCK_DGRAM && set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO", port)) ||
	    (type == SOCK_DGRAM && grow_udp_buffers(fd, port)) ||
	    bind_any(fd, port, proto))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG)) {
		fprintf(stderr, "bench-server: listen 0.0.0.0:%u: %s\n", port, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int watch(struct worker *w, struct obj *o, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = o };

	return epoll_ctl(w->ep, op, o->fd, &ev);
}

/* ---- TCP connections ---- */

static void conn_close(struct conn *c)
{
	close(c->o.fd);		/* also leaves the epoll set */
	free(c->out);
	free(c);
}

static int backlog_add(struct conn *c, const char *p, size_t n)
{
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len);
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : BUF_SIZE;
		char *nb;

		while (cap < c->out_len + n)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (!nb)
			return -1;
		c->out = nb;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* Write what can be written now; keep the rest (and everything, once a backlog exists). */
static int conn_out(struct conn *c, const char *p, size_t n)
{
	while (n && !c->out_len) {
		ssize_t k = send(c->o.fd, p, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return n ? backlog_add(c, p, n) : 0;
}

/* Returns 1 when the backlog is empty, 0 when some is left, -1 on error. */
static int conn_flush(struct conn *c)
{
	while (c->out_len) {
		ssize_t k = send(c->o.fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->out_off += (size_t)k;
		c->out_len -= (size_t)k;
	}
	c->out_off = 0;
	return 1;
}

/* Count the requests completed in p (each ends with "\r\n\r\n") and answer them. A read
 * holding "Connection: close" (as one read of a small request does) gets the closing
 * answer to its first request, and nothing more is read. */
static int http_feed(struct conn *c, const char *p, size_t n)
{
	size_t i, nreq = 0;
	uint8_t st = c->http_st;

	if (memmem(p, n, "Connection: close", 17) && memmem(p, n, "\r\n\r\n", 4)) {
		c->closing = true;
		return conn_out(c, http_resp_close, sizeof(http_resp_close) - 1);
	}
	for (i = 0; i < n; i++) {
		char b = p[i];

		if (b == '\r')
			st = st == 2 ? 3 : 1;
		else if (b == '\n' && (st == 1 || st == 3))
			st++;
		else
			st = 0;
		if (st == 4) {
			nreq++;
			st = 0;
		}
	}
	c->http_st = st;
	while (nreq) {
		size_t k = nreq < HTTP_REPEAT ? nreq : HTTP_REPEAT;

		if (conn_out(c, http_burst, k * HTTP_RESP_LEN))
			return -1;
		nreq -= k;
	}
	return 0;
}

/* The first bytes decide: "GET " is HTTP, anything else is echoed. */
static int conn_detect(struct conn *c, const char *p, size_t n)
{
	static const char get[] = "GET ";
	size_t i = 0;

	while (c->npre < 4 && i < n) {
		if (p[i] != get[c->npre]) {
			c->mode = MODE_ECHO;
			if (conn_out(c, c->pre, c->npre))
				return -1;
			return conn_out(c, p + i, n - i);
		}
		c->pre[c->npre++] = p[i++];
	}
	if (c->npre < 4)
		return 0;
	c->mode = MODE_HTTP;
	return http_feed(c, p + i, n - i);
}

static int conn_input(struct conn *c, const char *p, size_t n)
{
	switch (c->mode) {
	case MODE_ECHO:
		return conn_out(c, p, n);
	case MODE_HTTP:
		return http_feed(c, p, n);
	default:
		return conn_detect(c, p, n);
	}
}

static void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	ssize_t n;
	int i, r;

	if (c->out_len) {
		r = conn_flush(c);
		if (r < 0)
			goto drop;
		if (r == 0)
			goto check;
		if (c->closing)
			goto drop;
		if (watch(w, &c->o, EPOLLIN, EPOLL_CTL_MOD))
			goto drop;
		/* drained: the data that waited may be read now */
	}
	for (i = 0; i < (c->mode == MODE_SINK ? SINK_READS : 1); i++) {
		n = recv(c->o.fd, w->buf, BUF_SIZE, 0);
		if (n == 0)
			goto drop;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			goto drop;
		}
		if (c->mode != MODE_SINK && conn_input(c, w->buf, (size_t)n))
			goto drop;
		if (c->closing && !c->out_len)
			goto drop;
	}
	if (c->out_len && watch(w, &c->o, EPOLLOUT, EPOLL_CTL_MOD))
		goto drop;
	return;
check:
	if (!(events & (EPOLLERR | EPOLLHUP)))
		return;
drop:
	conn_close(c);
}

static void do_accept(struct worker *w, struct obj *l)
{
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && !w->accept_warned) {
				fprintf(stderr, "bench-server: accept: %s\n", strerror(errno));
				w->accept_warned = true;	/* once: it may persist (EMFILE) */
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			fprintf(stderr, "bench-server: out of memory\n");
			close(fd);
			return;
		}
		c->o.kind = OBJ_CONN;
		c->o.fd = fd;
		c->mode = l->kind == OBJ_LISTEN_SINK ? MODE_SINK : MODE_UNKNOWN;
		if (watch(w, &c->o, EPOLLIN, EPOLL_CTL_ADD)) {
			fprintf(stderr, "bench-server: epoll_ctl: %s\n", strerror(errno));
			conn_close(c);
		}
	}
}

/* ---- UDP ---- */

static struct udp_batch *udp_batch_new(void)
{
	struct udp_batch *ub = calloc(1, sizeof(*ub));

	if (!ub)
		return NULL;
	ub->data = malloc((size_t)UDP_BATCH * BUF_SIZE);
	if (!ub->data) {
		free(ub);
		return NULL;
	}
	return ub;
}

static void udp_prepare_recv(struct udp_batch *ub)
{
	int i;

	for (i = 0; i < UDP_BATCH; i++) {
		struct msghdr *m = &ub->msgs[i].msg_hdr;

		ub->iov[i].iov_base = ub->data + (size_t)i * BUF_SIZE;
		ub->iov[i].iov_len = BUF_SIZE;
		*m = (struct msghdr){
			.msg_name = &ub->peer[i],
			.msg_namelen = sizeof(ub->peer[i]),
			.msg_iov = &ub->iov[i],
			.msg_iovlen = 1,
			.msg_control = ub->ctl[i],
			.msg_controllen = sizeof(ub->ctl[i]),
		};
	}
}

/* The address the datagram was sent to: the reply goes out from it. */
static bool pktinfo_dst(struct msghdr *m, struct in_addr *dst)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*dst = pi.ipi_addr;
			return true;
		}
	}
	return false;
}

static unsigned int udp_prepare_send(struct udp_batch *ub, int n)
{
	unsigned int k = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct msghdr *in = &ub->msgs[i].msg_hdr, *m = &ub->out[k].msg_hdr;
		struct in_pktinfo pi = {};
		struct cmsghdr *cm;

		if (in->msg_flags & MSG_TRUNC)
			continue;	/* cannot echo what was cut */
		ub->iov[i].iov_len = ub->msgs[i].msg_len;
		*m = (struct msghdr){
			.msg_name = &ub->peer[i],
			.msg_namelen = sizeof(ub->peer[i]),
			.msg_iov = &ub->iov[i],
			.msg_iovlen = 1,
		};
		if (pktinfo_dst(in, &pi.ipi_spec_dst)) {
			memset(ub->out_ctl[k], 0, sizeof(ub->out_ctl[k]));
			m->msg_control = ub->out_ctl[k];
			m->msg_controllen = sizeof(ub->out_ctl[k]);
			cm = CMSG_FIRSTHDR(m);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
		k++;
	}
	return k;
}

static void udp_event(struct worker *w)
{
	struct udp_batch *ub = w->ub;
	int round;

	for (round = 0; round < UDP_ROUNDS; round++) {
		unsigned int k, sent = 0;
		int n, tries;

		udp_prepare_recv(ub);
		n = recvmmsg(w->udp.fd, ub->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;	/* EAGAIN; errors of one datagram are not ours to keep */
		k = udp_prepare_send(ub, n);
		for (tries = 0; sent < k && tries < UDP_BATCH; tries++) {
			int s = sendmmsg(w->udp.fd, ub->out + sent, k - sent, MSG_DONTWAIT);

			if (s < 0) {
				if (errno == EINTR)
					continue;
				break;	/* a lost reply is the client's timeout */
			}
			sent += (unsigned int)s;
		}
		if (n < UDP_BATCH)
			return;
	}
}

/* ---- threads ---- */

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];

	for (;;) {
		int i, n = epoll_wait(w->ep, evs, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bench-server: epoll_wait: %s\n", strerror(errno));
			exit(1);
		}
		for (i = 0; i < n; i++) {
			struct obj *o = evs[i].data.ptr;

			switch (o->kind) {
			case OBJ_LISTEN_ECHO:
			case OBJ_LISTEN_SINK:
				do_accept(w, o);
				break;
			case OBJ_UDP:
				udp_event(w);
				break;
			default:
				conn_event(w, (struct conn *)o, evs[i].events);
				break;
			}
		}
	}
	return NULL;
}

static int worker_init(struct worker *w, uint16_t port)
{
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0) {
		fprintf(stderr, "bench-server: epoll_create1: %s\n", strerror(errno));
		return -1;
	}
	w->buf = malloc(BUF_SIZE);
	w->ub = udp_batch_new();
	if (!w->buf || !w->ub) {
		fprintf(stderr, "bench-server: out of memory\n");
		return -1;
	}
	w->echo = (struct obj){ OBJ_LISTEN_ECHO, open_socket(SOCK_STREAM, port) };
	if (w->echo.fd < 0)
		return -1;
	w->sink = (struct obj){ OBJ_LISTEN_SINK, open_socket(SOCK_STREAM, (uint16_t)(port + 1)) };
	if (w->sink.fd < 0)
		return -1;
	w->udp = (struct obj){ OBJ_UDP, open_socket(SOCK_DGRAM, port) };
	if (w->udp.fd < 0)
		return -1;
	if (watch(w, &w->echo, EPOLLIN, EPOLL_CTL_ADD) ||
	    watch(w, &w->sink, EPOLLIN, EPOLL_CTL_ADD) ||
	    watch(w, &w->udp, EPOLLIN, EPOLL_CTL_ADD)) {
		fprintf(stderr, "bench-server: epoll_ctl: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-server [-t THREADS] [-p PORT] [-q]\n"
		"  -t THREADS  epoll threads (default: online CPUs)\n"
		"  -p PORT     TCP PORT echo (HTTP 200 \"ok\" if a connection starts with \"GET \"),\n"
		"              TCP PORT+1 sink, UDP PORT echo; all on 0.0.0.0 (default 9000)\n"
		"  -q          do not print \"ready PORT\" once listening\n");
	exit(2);
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "bench-server: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int opt, nthreads = ncpu > 0 ? (int)(ncpu < MAX_THREADS ? ncpu : MAX_THREADS) : 1, i, sig;
	uint16_t port = 9000;
	bool quiet = false;
	struct worker *ws;
	sigset_t set;

	while ((opt = getopt(argc, argv, "t:p:qh")) != -1) {
		switch (opt) {
		case 't':
			nthreads = (int)parse_num(optarg, 1, MAX_THREADS, "thread count");
			break;
		case 'p':
			port = (uint16_t)parse_num(optarg, 1, 65534, "port");
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	for (i = 0; i < (int)HTTP_REPEAT; i++)
		memcpy(http_burst + (size_t)i * HTTP_RESP_LEN, http_resp, HTTP_RESP_LEN);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by the workers; main waits */

	if (probe_port(SOCK_STREAM, port) || probe_port(SOCK_STREAM, (uint16_t)(port + 1)) ||
	    probe_port(SOCK_DGRAM, port))
		return 1;
	ws = calloc((size_t)nthreads, sizeof(*ws));
	if (!ws) {
		fprintf(stderr, "bench-server: out of memory\n");
		return 1;
	}
	for (i = 0; i < nthreads; i++)
		if (worker_init(&ws[i], port))
			return 1;
	for (i = 0; i < nthreads; i++) {
		int err = pthread_create(&ws[i].th, NULL, worker_run, &ws[i]);

		if (err) {
			fprintf(stderr, "bench-server: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	if (!quiet) {
		printf("ready %u\n", port);
		fflush(stdout);
	}
	do {
		if (sigwait(&set, &sig))
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);
	return 0;	/* exit() ends the workers with the process */
}
