// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* peers.c: the backends (TCP and UDP servers that answer with their name) and the clients
 * (requests run here or by an agent process inside a cgroup), with real sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define PENDING_MAX 256   /* OP_TCP_PENDING: connects at once */
#define NOBODY 65534      /* uid and gid of an unprivileged agent (Debian's nobody, nogroup) */
#define VIEW_BACKLOG 1024 /* ANSWER_OPEN: room for every connect a case makes */

const struct backend backends[] = {
	{ "B1", "127.0.0.11", 9001, true },
	{ "B2", "127.0.0.12", 9002, true },
	{ "B3", "127.0.0.13", 9003, true },
	{ "B4", "127.0.0.14", 9004, true },
	{ "B5", "127.0.0.15", 9005, true },
	{ "B6", "::1", 9006, true },
};
const size_t nbackends = sizeof(backends) / sizeof(backends[0]);

static unsigned long hits[16];
static int socks[32]; /* 2 per backend: TCP listener, UDP socket */

static int make_addr(int family, const char *addr, int port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in6 *sin6 = (void *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	return inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1 ? 0 : -1;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
}

static void *serve(void *arg)
{
	struct epoll_event evs[16];
	int ep = (int)(long)arg;

	for (;;) {
		int n = epoll_wait(ep, evs, 16, -1), i;

		for (i = 0; i < n; i++) {
			int idx = evs[i].data.u32, fd = socks[idx];
			const char *name = backends[idx / 2].name;

			if (idx % 2 == 0) {
				int c = accept(fd, NULL, NULL);

				if (c < 0)
					continue;
				__atomic_fetch_add(&hits[idx / 2], 1, __ATOMIC_RELAXED);
				if (write(c, name, strlen(name)) < 0)
					perror("backend write");
				close(c);
			} else {
				struct sockaddr_storage from;
				socklen_t flen = sizeof(from);
				char buf[64];

				if (recvfrom(fd, buf, sizeof(buf), 0, (void *)&from, &flen) < 0)
					continue;
				__atomic_fetch_add(&hits[idx / 2], 1, __ATOMIC_RELAXED);
				sendto(fd, name, strlen(name), 0, (void *)&from, flen);
			}
		}
	}
	return NULL;
}

int backends_start(void)
{
	int ep = epoll_create1(0), one = 1;
	pthread_t th;
	size_t i;

	for (i = 0; i < nbackends; i++) {
		int fam = strchr(backends[i].addr, ':') ? AF_INET6 : AF_INET, t;

		for (t = 0; t < 2; t++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i * 2 + t };
			struct sockaddr_storage ss;
			socklen_t len;
			int fd = socket(fam, t ? SOCK_DGRAM : SOCK_STREAM, 0);

			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (make_addr(fam, backends[i].addr, backends[i].port, &ss, &len) ||
			    bind(fd, (void *)&ss, len) || (!t && listen(fd, 1024))) {
				fprintf(stderr, "e2e: backend %s: %s\n", backends[i].name,
					strerror(errno));
				return -1;
			}
			socks[i * 2 + t] = fd;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
	}
	return pthread_create(&th, NULL, serve, (void *)(long)ep);
}

const struct backend *backend_named(const char *name)
{
	size_t i;

	for (i = 0; i < nbackends; i++)
		if (!strcmp(backends[i].name, name))
			return &backends[i];
	return NULL;
}

unsigned long backend_hits(const char *name)
{
	const struct backend *b = backend_named(name);

	return b ? __atomic_load_n(&hits[b - backends], __ATOMIC_RELAXED) : 0;
}

static void record(struct result *res, const char *name)
{
	int i;

	for (i = 0; i < res->n; i++) {
		if (!strcmp(res->names[i], name)) {
			res->counts[i]++;
			return;
		}
	}
	if (res->n < MAX_NAMES) {
		snprintf(res->names[res->n], sizeof(res->names[0]), "%s", name);
		res->counts[res->n++] = 1;
	}
}

int count_of(const struct result *res, const char *name)
{
	int i;

	for (i = 0; i < res->n; i++)
		if (!strcmp(res->names[i], name))
			return res->counts[i];
	return 0;
}

static void failed(struct result *res, int fd)
{
	res->failed++;
	res->last_errno = errno;
	res->last_fail_at = now_ms();
	if (!res->first_fail_at)
		res->first_fail_at = res->last_fail_at;
	if (fd >= 0)
		close(fd);
}

/* One exchange; true when it got an answer. */
static bool exchange(const struct request *rq, const struct sockaddr_storage *dst,
		     socklen_t dlen, struct result *res)
{
	struct timeval tv = { .tv_sec = 2 };
	struct sockaddr_storage peer, src;
	socklen_t plen = sizeof(peer), slen = sizeof(src);
	bool stream = rq->op == OP_TCP || rq->op == OP_TCP_LOOP || rq->op == OP_TCP_HOLD ||
		      rq->op == OP_TCP_KEEP;
	char buf[32] = {};
	ssize_t n;
	int fd;

	fd = socket(rq->family, stream ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return failed(res, -1), false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rq->op != OP_UDPU && connect(fd, (const void *)dst, dlen))
		return failed(res, fd), false;
	if (rq->op != OP_UDPU) {
		if (getpeername(fd, (void *)&peer, &plen) || !same_addr(&peer, dst))
			res->peer_mismatch++;
	}
	if (stream) {
		n = read(fd, buf, sizeof(buf) - 1);
	} else {
		if ((rq->op == OP_UDPU ? sendto(fd, "?", 1, 0, (const void *)dst, dlen) :
					 send(fd, "?", 1, 0)) < 0)
			return failed(res, fd), false;
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (void *)&src, &slen);
		if (n > 0 && !same_addr(&src, dst))
			res->src_mismatch++;
	}
	if (n <= 0)
		return failed(res, fd), false;
	buf[n] = '\0';
	if (rq->op == OP_TCP_HOLD) {
		usleep(rq->duration_ms * 1000);
		plen = sizeof(peer);
		if (getpeername(fd, (void *)&peer, &plen) || !same_addr(&peer, dst))
			res->late_mismatch++;
	}
	if (rq->op == OP_TCP_KEEP) {
		char more[8];

		usleep(rq->duration_ms * 1000);
		errno = 0;
		if (read(fd, more, sizeof(more)) < 0)
			res->late_errno = errno;
	}
	record(res, buf);
	res->ok++;
	close(fd);
	return true;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (void *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* OP_TCP_OPEN: count connections held open together for duration_ms. */
static void open_many(const struct request *rq, const struct sockaddr_storage *dst,
		      socklen_t dlen, struct result *res)
{
	int fds[256], n = 0, i;
	struct timeval tv = { .tv_sec = 2 };

	for (i = 0; i < rq->count && i < 256; i++) {
		char buf[32] = {};
		int fd = socket(rq->family, SOCK_STREAM, 0);
		ssize_t r;

		if (fd < 0 || connect(fd, (const void *)dst, dlen)) {
			failed(res, fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		r = read(fd, buf, sizeof(buf) - 1);
		if (r > 0)
			record(res, buf), res->ok++;
		fds[n++] = fd;
	}
	usleep(rq->duration_ms * 1000);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* An int option of fd (-1 when getsockopt fails). */
static int sockopt_of(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v;

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

/* OP_TCP_OPTS: one connect, then its options (the backend's name is not read: a listener of
 * an agent's own namespace writes none). */
static void tcp_opts(const struct request *rq, const struct sockaddr_storage *dst,
		     socklen_t dlen, struct result *res)
{
	int fd = socket(rq->family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const void *)dst, dlen)) {
		failed(res, fd);
		return;
	}
	res->ok++;
	res->opts = (struct sockopts){
		.keepalive = sockopt_of(fd, SOL_SOCKET, SO_KEEPALIVE),
		.keepidle = sockopt_of(fd, IPPROTO_TCP, TCP_KEEPIDLE),
		.keepintvl = sockopt_of(fd, IPPROTO_TCP, TCP_KEEPINTVL),
		.keepcnt = sockopt_of(fd, IPPROTO_TCP, TCP_KEEPCNT),
		.user_timeout = sockopt_of(fd, IPPROTO_TCP, TCP_USER_TIMEOUT),
	};
	close(fd);
}

/* OP_TCP_PENDING */
static void pending(const struct request *rq, const struct sockaddr_storage *dst,
		    socklen_t dlen, struct result *res)
{
	unsigned long long end = now_ms() + rq->duration_ms;
	struct pollfd p[PENDING_MAX];
	int n = 0, open = 0, i;

	for (i = 0; i < rq->count && i < PENDING_MAX; i++) {
		int fd = socket(rq->family, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0 || (connect(fd, (const void *)dst, dlen) && errno != EINPROGRESS)) {
			failed(res, fd);
			continue;
		}
		p[n++] = (struct pollfd){ .fd = fd, .events = POLLOUT };
		open++;
	}
	while (open && rq->duration_ms && now_ms() < end &&
	       poll(p, n, (int)(end - now_ms())) > 0) {
		for (i = 0; i < n; i++) {
			socklen_t len = sizeof(int);
			int err = 0;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				errno = err;
				failed(res, p[i].fd);
			} else {
				res->ok++;
				close(p[i].fd);
			}
			p[i].fd = -1; /* poll passes over it */
			open--;
		}
	}
	for (i = 0; i < n; i++) {
		if (p[i].fd >= 0) {
			res->abandoned++;
			close(p[i].fd);
		}
	}
}

/* OP_UDP_KEEP */
static void udp_keep(const struct request *rq, const struct sockaddr_storage *dst,
		     socklen_t dlen, struct result *res)
{
	struct timeval tv = { .tv_sec = 2 };
	int c = socket(rq->family, SOCK_DGRAM, 0), u = socket(rq->family, SOCK_DGRAM, 0);
	char buf[32];
	ssize_t n;
	int port;

	if (c < 0 || u < 0 || connect(c, (const void *)dst, dlen)) {
		failed(res, -1);
		goto out;
	}
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(c, "?", 1, 0) < 0 || (n = recv(c, buf, sizeof(buf) - 1, 0)) <= 0 ||
	    sendto(u, "?", 1, 0, (const void *)dst, dlen) < 0 ||
	    recv(u, buf, sizeof(buf) - 1, 0) <= 0) {
		failed(res, -1);
		goto out;
	}
	buf[n] = '\0';
	record(res, buf);
	res->ok++;
	port = local_port(u);
	usleep(rq->duration_ms * 1000);
	/* A destroyed socket reports its error on the next call. */
	errno = 0;
	if (recv(c, buf, sizeof(buf) - 1, MSG_DONTWAIT) < 0 && errno != EAGAIN)
		res->late_errno = errno;
	else if (send(c, "?", 1, 0) < 0 || recv(c, buf, sizeof(buf) - 1, 0) < 0)
		res->late_errno = errno;
	if (sendto(u, "?", 1, 0, (const void *)dst, dlen) < 0 ||
	    (n = recv(u, buf, sizeof(buf) - 1, 0)) <= 0) {
		failed(res, -1);
		goto out;
	}
	buf[n] = '\0';
	snprintf(res->late_name, sizeof(res->late_name), "%.15s", buf);
	res->port_changed = local_port(u) != port;
out:
	if (c >= 0)
		close(c);
	if (u >= 0)
		close(u);
}

void run_request(const struct request *rq, struct result *res)
{
	struct sockaddr_storage dst;
	unsigned long long end;
	socklen_t dlen;
	int i;

	memset(res, 0, sizeof(*res));
	if (make_addr(rq->family, rq->addr, rq->port, &dst, &dlen)) {
		res->failed = 1;
		res->last_errno = EINVAL;
		return;
	}
	if (rq->op == OP_TCP_OPEN)
		return open_many(rq, &dst, dlen, res);
	if (rq->op == OP_UDP_KEEP)
		return udp_keep(rq, &dst, dlen, res);
	if (rq->op == OP_TCP_PENDING)
		return pending(rq, &dst, dlen, res);
	if (rq->op == OP_TCP_OPTS)
		return tcp_opts(rq, &dst, dlen, res);
	if (rq->op != OP_TCP_LOOP) {
		for (i = 0; i < rq->count; i++)
			exchange(rq, &dst, dlen, res);
		return;
	}
	end = now_ms() + rq->duration_ms;
	while (now_ms() < end) {
		exchange(rq, &dst, dlen, res);
		usleep(1000);
	}
}

/* A listener at server's address that drops SYNs: backlog 0, its queue taken by one
 * connection that is never accepted (its fd stays open with the agent). */
static int listen_dropping(const char *server)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(POOL_PORT) };
	int fd = pool_listen_at(server, 0), filler = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || filler < 0 || inet_pton(AF_INET, pool_addr(server), &sin.sin_addr) != 1 ||
	    connect(filler, (void *)&sin, sizeof(sin)))
		return -1;
	return fd;
}

/* The agent into its network namespace (and a user namespace, unprivileged), loopback up and
 * listeners as view says; they live as long as the agent. */
static int enter_view(const struct netns_view *view)
{
	int i, fd;

	if (view->unprivileged &&
	    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))) {
		perror("e2e agent: dropping to nobody");
		return -1;
	}
	if (unshare(CLONE_NEWNET | (view->unprivileged ? CLONE_NEWUSER : 0)) || lo_up()) {
		perror("e2e agent: a network namespace of its own");
		return -1;
	}
	for (i = 0; i < VIEW_SERVERS && view->at[i].server; i++) {
		const char *server = view->at[i].server;

		if (view->at[i].answer == ANSWER_OPEN)
			fd = pool_listen_at(server, VIEW_BACKLOG);
		else if (view->at[i].answer == ANSWER_DROPPED)
			fd = listen_dropping(server);
		else
			continue;
		if (fd < 0) {
			fprintf(stderr, "e2e agent: a listener at %s: %s\n", server,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

int agent_start(struct agent *a, const char *cgroup)
{
	return agent_start_in(a, cgroup, NULL);
}

int agent_start_in(struct agent *a, const char *cgroup, const struct netns_view *view)
{
	int to[2], from[2];

	if (pipe(to) || pipe(from))
		return -1;
	a->pid = fork();
	if (a->pid < 0)
		return -1;
	if (!a->pid) {
		struct request rq;
		struct result res;
		char path[512];
		FILE *f;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Only the pipes: a copy of a backend's listener here would keep it alive. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != to[0] && fd != from[1])
				close(fd);
		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
			_exit(1);
		if (view && enter_view(view))
			_exit(1);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a change of uid cleared it */
		if (getppid() == 1)
			_exit(1);
		while (read(to[0], &rq, sizeof(rq)) == sizeof(rq)) {
			run_request(&rq, &res);
			if (write(from[1], &res, sizeof(res)) != sizeof(res))
				_exit(1);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	a->to = to[1];
	a->from = from[0];
	return 0;
}

int agent_send(struct agent *a, const struct request *rq)
{
	return write(a->to, rq, sizeof(*rq)) == sizeof(*rq) ? 0 : -1;
}

int agent_wait(struct agent *a, struct result *res, int timeout_ms)
{
	struct pollfd p = { .fd = a->from, .events = POLLIN };

	memset(res, 0, sizeof(*res));
	if (poll(&p, 1, slow_ms(timeout_ms)) != 1)
		return -1;
	return read(a->from, res, sizeof(*res)) == sizeof(*res) ? 0 : -1;
}

int agent_run(struct agent *a, const struct request *rq, struct result *res)
{
	if (agent_send(a, rq))
		return -1;
	return agent_wait(a, res, 60000);
}

void agent_stop(struct agent *a)
{
	if (a->pid <= 0)
		return;
	close(a->to);
	close(a->from);
	kill(a->pid, SIGKILL);
	waitpid(a->pid, NULL, 0);
	a->pid = 0;
}
