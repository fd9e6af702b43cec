// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* answerer.c: one network namespace's answerer: its sockets (made by a thread that enters the
 * namespace), the UDP path (query, cookie, server, answer or forward, reply relayed) and the
 * TCP path (a connection per client, messages in their 2-byte length framing). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "names/answerer.h"
#include "names/dns_answer.h"
#include "names/pending.h"
#include "names/sock_lookup.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define NUPSTREAM 4          /* UDP sockets queries go out on: one more per ID clash */
#define MSG_MAX SL_ANSWERER_MSG_MAX /* a DNS message over UDP or TCP */
#define FRAME_MAX (2 + MSG_MAX)
#define BIND_TRIES 16        /* ports tried for a UDP and TCP pair on one number */
#define LISTEN_BACKLOG 64

enum io_kind { IO_UDP, IO_TCP_LISTEN, IO_UPSTREAM, IO_CLIENT, IO_CLIENT_UP };
enum { L4, L6, NLISTEN };

/* A UDP and a TCP socket on one loopback address and port. */
struct listener {
	int udp, tcp;
	int family;
	struct sockaddr_in6 addr; /* v4-mapped for AF_INET; the port set */
	struct sl_answerer_io uio, tio;
};

enum conn_state {
	C_READ,     /* reading a query from the client */
	C_UPSTREAM, /* sending it to the server, then reading the reply */
	C_WRITE,    /* writing an answer or the reply to the client */
};

/* A TCP client, and its connection to the server its socket asked for. */
struct conn {
	struct sl_answerer *a;
	int cfd, ufd;
	bool connecting;
	enum conn_state state;
	struct sluice_sock_vip origin;
	uint8_t in[FRAME_MAX];  /* from the client */
	size_t inlen;
	uint8_t rep[FRAME_MAX]; /* from the server */
	size_t replen;
	uint8_t *out;           /* what is being written (to the server: in; to the client: rep or ans) */
	size_t outlen, outoff;
	uint8_t *ans;           /* an answer of ours, framed */
	uint64_t since_ns;      /* the last progress */
	struct sl_answerer_io cio, uio;
	bool dead;              /* closed: freed by sl_answerer_reap, after the events at hand */
	struct conn *next_dead;
};

struct sl_answerer {
	const struct sl_answerer_env *env;
	int nsfd;
	dev_t dev;
	ino_t ino;
	uint64_t cookie;
	struct listener l[NLISTEN];
	int up[NUPSTREAM];
	int up_family; /* AF_INET6 (dual-stack) or AF_INET */
	struct sl_answerer_io upio[NUPSTREAM];
	struct sl_sock_lookup *lookup;
	struct sl_pending_table pending;
	struct conn *conns[SL_ANSWERER_TCP_CONNS];
	struct conn *dead; /* closed connections events may still name */
};

/* ---- in the namespace ---- */

struct netns_job {
	int nsfd;
	int (*fn)(void *);
	void *arg;
	int ret;
};

static void *netns_thread(void *p)
{
	struct netns_job *job = p;

	/* setns changes this thread's network namespace only; the thread ends after */
	if (setns(job->nsfd, CLONE_NEWNET)) {
		job->ret = -errno;
		return NULL;
	}
	job->ret = job->fn(job->arg);
	return NULL;
}

/* fn(arg) on a thread in the network namespace of nsfd. */
static int in_netns(int nsfd, int (*fn)(void *), void *arg)
{
	struct netns_job job = { .nsfd = nsfd, .fn = fn, .arg = arg };
	pthread_t th;
	int r = pthread_create(&th, NULL, netns_thread, &job);

	if (r)
		return -r;
	pthread_join(th, NULL);
	return job.ret;
}

static void loopback(int family, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	if (family == AF_INET) {
		out->sin6_addr.s6_addr[10] = 0xff;
		out->sin6_addr.s6_addr[11] = 0xff;
		out->sin6_addr.s6_addr[12] = 127;
		out->sin6_addr.s6_addr[15] = 1;
	} else {
		out->sin6_addr = in6addr_loopback;
	}
}

/* sin6 (v4-mapped for family AF_INET) as the sockaddr of that family. */
static socklen_t to_sockaddr(int family, const struct sockaddr_in6 *sin6,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = sin6->sin6_port;
		memcpy(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
		return sizeof(*sin);
	}
	memcpy(ss, sin6, sizeof(*sin6));
	return sizeof(*sin6);
}

/* A sockaddr of either family as sockaddr_in6 (IPv4 as v4-mapped). */
static void from_sockaddr(const struct sockaddr_storage *ss, struct sockaddr_in6 *out)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		loopback(AF_INET, out);
		memcpy(&out->sin6_addr.s6_addr[12], &sin->sin_addr, 4);
		out->sin6_port = sin->sin_port;
		return;
	}
	memcpy(out, ss, sizeof(*out));
}

static int new_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd >= 0 && family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A UDP and a TCP socket on the family's loopback address, one port number. */
static int bind_listener(struct listener *l, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i, one = 1, err = 0;

	l->family = family;
	for (i = 0; i < BIND_TRIES; i++) {
		loopback(family, &l->addr);
		len = to_sockaddr(family, &l->addr, &ss);
		l->udp = new_socket(family, SOCK_DGRAM);
		if (l->udp < 0 || bind(l->udp, (struct sockaddr *)&ss, len) ||
		    getsockname(l->udp, (struct sockaddr *)&ss, &len))
			goto fail;
		from_sockaddr(&ss, &l->addr);
		l->tcp = new_socket(family, SOCK_STREAM);
		if (l->tcp < 0 ||
		    setsockopt(l->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
			goto fail;
		len = to_sockaddr(family, &l->addr, &ss);
		if (!bind(l->tcp, (struct sockaddr *)&ss, len) && !listen(l->tcp, LISTEN_BACKLOG))
			return 0;
		if (errno != EADDRINUSE)
			goto fail;
		close(l->udp);
		close(l->tcp);
		l->udp = l->tcp = -1;
	}
	errno = EADDRINUSE;
fail:
	err = -errno;
	if (l->udp >= 0)
		close(l->udp);
	if (l->tcp >= 0)
		close(l->tcp);
	l->udp = l->tcp = -1;
	return err;
}

/* Every socket of the answerer, in its namespace. IPv4 is required; IPv6 is there when the
 * namespace has ::1. */
static int open_sockets(void *arg)
{
	struct sl_answerer *a = arg;
	socklen_t len = sizeof(a->cookie);
	int i, ret, zero = 0;

	ret = bind_listener(&a->l[L4], AF_INET);
	if (ret)
		return ret;
	if (bind_listener(&a->l[L6], AF_INET6))
		a->l[L6].family = 0;
	a->up_family = AF_INET6;
	for (i = 0; i < NUPSTREAM; i++) {
		a->up[i] = socket(a->up_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (a->up[i] >= 0 && a->up_family == AF_INET6 &&
		    setsockopt(a->up[i], IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero))) {
			close(a->up[i]);
			a->up[i] = -1;
		}
		if (a->up[i] < 0 && i == 0 && a->up_family == AF_INET6) {
			a->up_family = AF_INET; /* IPv6 is off in the kernel: IPv4 servers only */
			i--;
			continue;
		}
		if (a->up[i] < 0)
			return -errno;
	}
	ret = sl_sock_lookup_open(&a->lookup);
	if (ret)
		return ret;
	if (getsockopt(a->l[L4].udp, SOL_SOCKET, SO_NETNS_COOKIE, &a->cookie, &len))
		return -errno;
	return 0;
}

struct tcp_up_job {
	int family;
	int fd;
};

static int open_tcp_up(void *arg)
{
	struct tcp_up_job *j = arg;

	j->fd = socket(j->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return j->fd < 0 ? -errno : 0;
}

/* ---- epoll ---- */

static int watch(struct sl_answerer *a, int op, int fd, uint32_t events,
		 struct sl_answerer_io *io)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(a->env->ep, op, fd, &ev);
}

/* ---- where a query was for ---- */

/* The server the task's socket at peer sent its query to (over proto, to listener l), and
 * its namespace, as the data plane wrote them. */
static int origin_of(struct sl_answerer *a, const struct listener *l, uint8_t proto,
		     const struct sockaddr_in6 *peer, struct sluice_sock_vip *vip)
{
	struct sluice_sock_key k = { .proto = proto };
	uint64_t cookie;
	int ret;

	ret = sl_sock_lookup_cookie(a->lookup, l->family, proto, peer, &l->addr, &cookie);
	if (ret)
		return ret;
	k.cookie = cookie;
	memcpy(k.addr, &l->addr.sin6_addr, sizeof(k.addr));
	k.port = l->addr.sin6_port;
	if (bpf_map_lookup_elem(a->env->sock_vips_fd, &k, vip))
		return -errno;
	return vip->service_id == SLUICE_DNS_SERVICE ? 0 : -ENOENT;
}

static void server_addr(const struct sluice_sock_vip *vip, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	memcpy(&out->sin6_addr, vip->addr, sizeof(vip->addr));
	out->sin6_port = vip->port;
}

static bool is_mapped(const struct sockaddr_in6 *s)
{
	return IN6_IS_ADDR_V4MAPPED(&s->sin6_addr);
}

/* ---- UDP ---- */

static void reply_udp(struct sl_answerer *a, int li, const struct sockaddr_in6 *to,
		      const uint8_t *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(a->l[li].family, to, &ss);

	if (sendto(a->l[li].udp, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0)
		a->env->stats->dropped++;
}

static void forward_udp(struct sl_answerer *a, int li, const struct sockaddr_in6 *from,
			const struct sluice_sock_vip *vip, const uint8_t *q, size_t len)
{
	struct sl_pending p = { .client = *from, .via = (uint32_t)li };
	struct sockaddr_in6 server;
	struct sockaddr_storage ss;
	socklen_t sl;
	int u;

	server_addr(vip, &server);
	if (a->up_family == AF_INET && !is_mapped(&server)) {
		a->env->stats->dropped++; /* no IPv6 in this namespace's kernel */
		return;
	}
	memcpy(&p.key.server, vip->addr, sizeof(p.key.server));
	p.key.port = ntohs(vip->port);
	p.key.id = (uint16_t)(q[0] << 8 | q[1]);
	for (u = 0; u < NUPSTREAM; u++) {
		p.key.up = (uint32_t)u;
		if (!sl_pending_has(&a->pending, &p.key))
			break;
	}
	p.deadline_ns = sl_now_ns() + SL_ANSWERER_QUERY_NS;
	if (u == NUPSTREAM || sl_pending_add(&a->pending, &p)) {
		a->env->stats->dropped++; /* the client asks again */
		return;
	}
	sl = a->up_family == AF_INET ? to_sockaddr(AF_INET, &server, &ss) :
				       to_sockaddr(AF_INET6, &server, &ss);
	if (sendto(a->up[u], q, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0) {
		struct sl_pending gone;

		sl_pending_take(&a->pending, &p.key, &gone);
		a->env->stats->dropped++;
		return;
	}
	a->env->stats->forwarded++;
}

static void on_query_udp(struct sl_answerer *a, int li, const struct sockaddr_in6 *from,
			 const uint8_t *q, size_t len)
{
	struct sluice_sock_vip vip;
	uint8_t *ans;
	size_t anslen;
	int v;

	if (len < SL_ANSWER_HEADER_LEN)
		return; /* no DNS message: nothing to answer, nothing a server would */
	if (origin_of(a, &a->l[li], IPPROTO_UDP, from, &vip)) {
		a->env->stats->unknown_client++;
		return;
	}
	v = sl_dns_answer(q, len, a->env->names, vip.ns_id, &ans, &anslen);
	if (v == SL_ANSWER_ANSWERED) {
		reply_udp(a, li, from, ans, anslen);
		free(ans);
		a->env->stats->answered++;
		return;
	}
	forward_udp(a, li, from, &vip, q, len);
}

/* What fd has queued, up to a batch, in one call (level-triggered epoll wakes again for
 * more): how many, each in b->buf[i], b->msg[i].msg_len bytes from b->from[i]. */
static int read_batch(int fd, struct sl_answerer_batch *b)
{
	int i;

	for (i = 0; i < SL_ANSWERER_BATCH; i++) {
		b->iov[i] = (struct iovec){ .iov_base = b->buf[i], .iov_len = MSG_MAX };
		b->msg[i].msg_hdr = (struct msghdr){ .msg_name = &b->from[i],
						     .msg_namelen = sizeof(b->from[i]),
						     .msg_iov = &b->iov[i], .msg_iovlen = 1 };
	}
	return recvmmsg(fd, b->msg, SL_ANSWERER_BATCH, MSG_DONTWAIT, NULL);
}

static void on_udp(struct sl_answerer *a, int li)
{
	struct sl_answerer_batch *b = a->env->batch;
	int n = read_batch(a->l[li].udp, b), k;

	for (k = 0; k < n; k++) {
		struct sockaddr_in6 from;

		from_sockaddr(&b->from[k], &from);
		on_query_udp(a, li, &from, b->buf[k], b->msg[k].msg_len);
	}
}

static void on_upstream(struct sl_answerer *a, int u)
{
	struct sl_answerer_batch *b = a->env->batch;
	int n = read_batch(a->up[u], b), k;

	for (k = 0; k < n; k++) {
		struct sl_pending_key key = { .up = (uint32_t)u };
		struct sockaddr_in6 from;
		const uint8_t *r = b->buf[k];
		struct sl_pending p;

		if (b->msg[k].msg_len < 2)
			continue;
		from_sockaddr(&b->from[k], &from);
		memcpy(&key.server, &from.sin6_addr, sizeof(key.server));
		key.port = ntohs(from.sin6_port);
		key.id = (uint16_t)(r[0] << 8 | r[1]);
		/* only the server asked, with the ID asked, is relayed */
		if (!sl_pending_take(&a->pending, &key, &p))
			continue;
		reply_udp(a, (int)p.via, &p.client, r, b->msg[k].msg_len);
		a->env->stats->replies++;
	}
}

/* ---- TCP ---- */

static void conn_close(struct conn *c)
{
	struct sl_answerer *a = c->a;
	size_t i;

	for (i = 0; i < SL_ANSWERER_TCP_CONNS; i++)
		if (a->conns[i] == c)
			a->conns[i] = NULL;
	close(c->cfd); /* leaves the epoll set with it */
	if (c->ufd >= 0)
		close(c->ufd);
	c->dead = true;
	c->next_dead = a->dead;
	a->dead = c;
}

void sl_answerer_reap(struct sl_answerer *a)
{
	while (a->dead) {
		struct conn *c = a->dead;

		a->dead = c->next_dead;
		free(c->ans);
		free(c);
	}
}

/* The epoll interest each socket has in the connection's state. */
static int conn_interest(struct conn *c)
{
	uint32_t cev = c->state == C_READ ? EPOLLIN : c->state == C_WRITE ? EPOLLOUT : 0;
	struct sl_answerer *a = c->a;

	/* no EPOLLRDHUP: a client that shuts its side after its query waits for the reply
	 * (level-triggered, it would wake the loop until then); its EOF is read in C_READ */
	if (watch(a, EPOLL_CTL_MOD, c->cfd, cev, &c->cio))
		return -errno;
	if (c->ufd >= 0) {
		uint32_t uev = 0;

		if (c->state == C_UPSTREAM)
			uev = c->connecting || c->outoff < c->outlen ? EPOLLOUT : EPOLLIN;
		if (watch(a, EPOLL_CTL_MOD, c->ufd, uev, &c->uio))
			return -errno;
	}
	return 0;
}

/* Write what is left of out to fd; true when all is written. -1: failed. */
static int flush(int fd, struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->outoff += (size_t)n;
	}
	return 1;
}

/* The frame length of buf (len bytes read), or 0 while incomplete. */
static size_t frame_len(const uint8_t *buf, size_t len)
{
	size_t want;

	if (len < 2)
		return 0;
	want = 2 + ((size_t)buf[0] << 8 | buf[1]);
	return len >= want ? want : 0;
}

static int conn_upstream(struct conn *c)
{
	struct tcp_up_job j = { .family = AF_INET6, .fd = -1 };
	struct sl_answerer *a = c->a;
	struct sockaddr_in6 server;
	struct sockaddr_storage ss;
	socklen_t sl;
	int ret;

	server_addr(&c->origin, &server);
	if (is_mapped(&server))
		j.family = AF_INET;
	ret = in_netns(a->nsfd, open_tcp_up, &j);
	if (ret)
		return ret;
	c->ufd = j.fd;
	if (sl_maps_mark_exempt(a->env->maps, c->ufd))
		return -errno;
	sl = to_sockaddr(j.family, &server, &ss);
	if (connect(c->ufd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
		return -errno;
	c->connecting = true;
	return watch(a, EPOLL_CTL_ADD, c->ufd, EPOLLOUT, &c->uio) ? -errno : 0;
}

/* A whole query is in c->in: answer it, or send it on to the server. */
static int conn_query(struct conn *c, size_t flen)
{
	struct sl_answerer *a = c->a;
	uint8_t *ans;
	size_t anslen;

	if (sl_dns_answer(c->in + 2, flen - 2, a->env->names, c->origin.ns_id, &ans,
			  &anslen) == SL_ANSWER_ANSWERED) {
		free(c->ans);
		c->ans = malloc(anslen + 2);
		if (!c->ans) {
			free(ans);
			return -ENOMEM;
		}
		c->ans[0] = (uint8_t)(anslen >> 8);
		c->ans[1] = (uint8_t)anslen;
		memcpy(c->ans + 2, ans, anslen);
		free(ans);
		c->out = c->ans;
		c->outlen = anslen + 2;
		c->outoff = 0;
		c->state = C_WRITE;
		a->env->stats->answered++;
		return 0;
	}
	if (c->ufd < 0) {
		int ret = conn_upstream(c);

		if (ret)
			return ret;
	}
	c->out = c->in;
	c->outlen = flen;
	c->outoff = 0;
	c->replen = 0;
	c->state = C_UPSTREAM;
	a->env->stats->forwarded++;
	return 0;
}

/* The query just handled leaves c->in; a next one already read is handled at once. */
static int conn_next(struct conn *c)
{
	size_t flen = frame_len(c->in, c->inlen);

	memmove(c->in, c->in + flen, c->inlen - flen);
	c->inlen -= flen;
	c->state = C_READ;
	flen = frame_len(c->in, c->inlen);
	return flen ? conn_query(c, flen) : 0;
}

static int on_client(struct conn *c, uint32_t ev)
{
	size_t flen;
	ssize_t n;
	int r;

	if (c->state == C_WRITE) {
		r = flush(c->cfd, c);
		if (r < 0)
			return -EPIPE;
		if (r > 0) {
			c->a->env->stats->replies += c->out == c->rep;
			return conn_next(c);
		}
		return 0;
	}
	if (c->state != C_READ)
		return (ev & (EPOLLHUP | EPOLLERR)) ? -EPIPE : 0;
	n = recv(c->cfd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	c->inlen += (size_t)n;
	flen = frame_len(c->in, c->inlen);
	return flen ? conn_query(c, flen) : 0;
}

static int on_client_up(struct conn *c, uint32_t ev)
{
	size_t flen;
	ssize_t n;
	int r;

	if (c->state != C_UPSTREAM) { /* the server closed between queries: a new one next */
		close(c->ufd);
		c->ufd = -1;
		return 0;
	}
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
			return -ECONNREFUSED;
		c->connecting = false;
	}
	if (c->outoff < c->outlen) {
		r = flush(c->ufd, c);
		return r < 0 ? -EPIPE : 0;
	}
	(void)ev;
	n = recv(c->ufd, c->rep + c->replen, sizeof(c->rep) - c->replen, MSG_DONTWAIT);
	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	c->replen += (size_t)n;
	flen = frame_len(c->rep, c->replen);
	if (!flen)
		return 0;
	c->out = c->rep;
	c->outlen = flen;
	c->outoff = 0;
	c->state = C_WRITE;
	return 0;
}

static void on_accept(struct sl_answerer *a, int li)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 peer;
	socklen_t sl = sizeof(ss);
	struct conn *c;
	size_t i;
	int fd = accept4(a->l[li].tcp, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < SL_ANSWERER_TCP_CONNS && a->conns[i]; i++)
		;
	c = i < SL_ANSWERER_TCP_CONNS ? calloc(1, sizeof(*c)) : NULL;
	from_sockaddr(&ss, &peer);
	if (!c || origin_of(a, &a->l[li], IPPROTO_TCP, &peer, &c->origin)) {
		a->env->stats->dropped += !c;
		a->env->stats->unknown_client += !!c;
		free(c);
		close(fd);
		return;
	}
	c->a = a;
	c->cfd = fd;
	c->ufd = -1;
	c->state = C_READ;
	c->since_ns = sl_now_ns();
	c->cio = (struct sl_answerer_io){ .a = a, .conn = c, .kind = IO_CLIENT };
	c->uio = (struct sl_answerer_io){ .a = a, .conn = c, .kind = IO_CLIENT_UP };
	if (watch(a, EPOLL_CTL_ADD, fd, EPOLLIN, &c->cio)) {
		free(c);
		close(fd);
		return;
	}
	a->conns[i] = c;
	a->env->stats->tcp_conns++;
}

/* ---- the answerer ---- */

void sl_answerer_io(struct sl_answerer_io *io, uint32_t ev)
{
	struct sl_answerer *a = io->a;
	struct conn *c = io->conn;
	int ret;

	if (c && c->dead)
		return;
	switch (io->kind) {
	case IO_UDP:
		on_udp(a, io->idx);
		return;
	case IO_TCP_LISTEN:
		on_accept(a, io->idx);
		return;
	case IO_UPSTREAM:
		on_upstream(a, io->idx);
		return;
	case IO_CLIENT:
		ret = on_client(c, ev);
		break;
	default:
		ret = on_client_up(c, ev);
		break;
	}
	if (!ret) {
		c->since_ns = sl_now_ns();
		ret = conn_interest(c);
	}
	if (ret)
		conn_close(c);
}

void sl_answerer_tick(struct sl_answerer *a, uint64_t now_ns)
{
	size_t i;

	a->env->stats->timeouts += sl_pending_expire(&a->pending, now_ns);
	for (i = 0; i < SL_ANSWERER_TCP_CONNS; i++) {
		struct conn *c = a->conns[i];

		if (c && now_ns - c->since_ns > (c->state == C_READ ? SL_ANSWERER_TCP_IDLE_NS :
								      SL_ANSWERER_QUERY_NS))
			conn_close(c);
	}
}

static int watch_all(struct sl_answerer *a)
{
	int i;

	for (i = 0; i < NLISTEN; i++) {
		struct listener *l = &a->l[i];

		if (!l->family)
			continue;
		l->uio = (struct sl_answerer_io){ .a = a, .kind = IO_UDP, .idx = (uint8_t)i };
		l->tio = (struct sl_answerer_io){ .a = a, .kind = IO_TCP_LISTEN, .idx = (uint8_t)i };
		if (watch(a, EPOLL_CTL_ADD, l->udp, EPOLLIN, &l->uio) ||
		    watch(a, EPOLL_CTL_ADD, l->tcp, EPOLLIN, &l->tio))
			return -errno;
	}
	for (i = 0; i < NUPSTREAM; i++) {
		/* never redirected, whatever cgroup sluiced runs in (its own is no task) */
		if (sl_maps_mark_exempt(a->env->maps, a->up[i]))
			return -errno;
		a->upio[i] = (struct sl_answerer_io){ .a = a, .kind = IO_UPSTREAM, .idx = (uint8_t)i };
		if (watch(a, EPOLL_CTL_ADD, a->up[i], EPOLLIN, &a->upio[i]))
			return -errno;
	}
	return 0;
}

int sl_answerer_open(struct sl_answerer **out, int nsfd, dev_t dev, ino_t ino,
		     const struct sl_answerer_env *env, struct sl_err *err)
{
	struct sl_answerer *a = calloc(1, sizeof(*a));
	int i, ret;

	*out = NULL;
	if (!a) {
		close(nsfd);
		return sl_err_set(err, "out of memory");
	}
	a->env = env;
	a->nsfd = nsfd;
	a->dev = dev;
	a->ino = ino;
	for (i = 0; i < NLISTEN; i++)
		a->l[i].udp = a->l[i].tcp = -1;
	for (i = 0; i < NUPSTREAM; i++)
		a->up[i] = -1;
	ret = sl_pending_init(&a->pending, SL_ANSWERER_PENDING * 4 / 3 + 1);
	if (ret) {
		sl_err_set(err, "out of memory");
		goto fail;
	}
	ret = in_netns(nsfd, open_sockets, a);
	if (ret) {
		sl_err_set(err, "sockets in the network namespace: %s%s", strerror(-ret),
			   ret == -EADDRNOTAVAIL ? " (is its loopback up?)" : "");
		goto fail;
	}
	ret = watch_all(a);
	if (ret) {
		sl_err_set(err, "event loop: %s", strerror(-ret));
		goto fail;
	}
	*out = a;
	return 0;
fail:
	sl_answerer_free(a);
	return ret;
}

void sl_answerer_free(struct sl_answerer *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < SL_ANSWERER_TCP_CONNS; i++)
		if (a->conns[i])
			conn_close(a->conns[i]);
	for (i = 0; i < NLISTEN; i++) {
		if (a->l[i].udp >= 0)
			close(a->l[i].udp);
		if (a->l[i].tcp >= 0)
			close(a->l[i].tcp);
	}
	for (i = 0; i < NUPSTREAM; i++)
		if (a->up[i] >= 0)
			close(a->up[i]);
	sl_answerer_reap(a);
	sl_sock_lookup_close(a->lookup);
	sl_pending_free(&a->pending);
	close(a->nsfd);
	free(a);
}

bool sl_answerer_is(const struct sl_answerer *a, dev_t dev, ino_t ino)
{
	return a->dev == dev && a->ino == ino;
}

unsigned long sl_answerer_ino(const struct sl_answerer *a)
{
	return (unsigned long)a->ino;
}

uint64_t sl_answerer_cookie(const struct sl_answerer *a)
{
	return a->cookie;
}

void sl_answerer_entry(const struct sl_answerer *a, uint64_t until_ns,
		       struct sluice_dns_answerer *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(&out->addr4, &a->l[L4].addr.sin6_addr.s6_addr[12], 4);
	out->udp4_port = a->l[L4].addr.sin6_port;
	out->tcp4_port = a->l[L4].addr.sin6_port;
	if (a->l[L6].family) {
		memcpy(out->addr6, &a->l[L6].addr.sin6_addr, sizeof(out->addr6));
		out->udp6_port = a->l[L6].addr.sin6_port;
		out->tcp6_port = a->l[L6].addr.sin6_port;
	}
	out->alive_until_ns = until_ns;
}
