// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_checker.c: the health checker against real TCP and HTTP servers on loopback, in a
 * network namespace of its own: thresholds, statuses, timeouts, on_socket, set(), IPv6, fds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "health/checker.h"
#include "lib/log.h"

/* ---- servers on loopback, served by one thread ---- */

#define MAX_SRV 16

enum srv_kind {
	SRV_TCP,    /* accepts and closes */
	SRV_HTTP,   /* answers one request with its status */
	SRV_SILENT, /* never accepts: the kernel completes handshakes, nobody answers */
};

struct server {
	int fd;
	enum srv_kind kind;
	int status;
	char location[64]; /* the Location of a redirect */
	size_t body;       /* bytes of body; 0: "ok" */
	size_t most_sent;  /* the most body bytes one connection took */
	uint16_t port;
	unsigned int accepted;
	char last_req[1024];
};

static pthread_mutex_t srv_mu = PTHREAD_MUTEX_INITIALIZER;
static struct server srv[MAX_SRV];
static size_t nsrv;
static int active_conns;
static int stop_pipe[2] = { -1, -1 };
static pthread_t srv_thread;
static bool srv_running;

/* The servers every test uses (indices into srv). */
static int s_tcp, s_200, s_500, s_301, s_trap, s_silent, s_200_v6, s_big;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static socklen_t mk_sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return sizeof(*in4);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof(*in6);
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A listener on ip:port (0: any free port); its index in srv. */
static int listen_on(const char *ip, uint16_t port, enum srv_kind kind, int status)
{
	struct sockaddr_storage ss;
	socklen_t len = mk_sockaddr(ip, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, i;

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (ss.ss_family == AF_INET6)
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(fd, 128), 0);
	pthread_mutex_lock(&srv_mu);
	assert_true(nsrv < MAX_SRV);
	i = (int)nsrv++;
	srv[i] = (struct server){ .fd = fd, .kind = kind, .status = status,
				  .port = bound_port(fd) };
	pthread_mutex_unlock(&srv_mu);
	return i;
}

/* A port nothing listens on (nor will, unless a test listens on it). */
static uint16_t closed_port(const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = mk_sockaddr(ip, 0, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint16_t port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	port = bound_port(fd);
	close(fd);
	return port;
}

static uint16_t srv_port(int i)
{
	return srv[i].port; /* set once, before the thread sees it */
}

static unsigned int srv_accepted(int i)
{
	unsigned int n;

	pthread_mutex_lock(&srv_mu);
	n = srv[i].accepted;
	pthread_mutex_unlock(&srv_mu);
	return n;
}

static void srv_last_req(int i, char *buf, size_t len)
{
	pthread_mutex_lock(&srv_mu);
	snprintf(buf, len, "%s", srv[i].last_req);
	pthread_mutex_unlock(&srv_mu);
}

static const char *status_text(int status)
{
	return status == 200 ? "OK" : status == 301 ? "Moved Permanently" :
	       status == 500 ? "Internal Server Error" : "Other";
}

/* Read one request head (bounded in size and time), then answer it. */
static void serve_http(int i, int fd)
{
	char req[1024], resp[512], chunk[4096];
	size_t n = 0, body;
	ssize_t r;

	while (n < sizeof(req) - 1 && !memmem(req, n, "\r\n\r\n", 4)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 1000) <= 0)
			return;
		r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			return;
		n += (size_t)r;
	}
	req[n] = '\0';
	pthread_mutex_lock(&srv_mu);
	snprintf(srv[i].last_req, sizeof(srv[i].last_req), "%s", req);
	body = srv[i].body ? srv[i].body : 2;
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 %d %s\r\n%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 srv[i].status, status_text(srv[i].status), srv[i].location[0] ? "Location: " : "",
		 srv[i].location, srv[i].location[0] ? "\r\n" : "", body,
		 srv[i].body ? "" : "ok");
	pthread_mutex_unlock(&srv_mu);
	if (send(fd, resp, strlen(resp), MSG_NOSIGNAL) < 0 || !srv[i].body)
		return;
	/* A long body, until the client has had enough and closes. */
	memset(chunk, 'x', sizeof(chunk));
	for (n = 0; n < body; n += (size_t)r) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (poll(&p, 1, 1000) <= 0)
			return;
		r = send(fd, chunk, body - n < sizeof(chunk) ? body - n : sizeof(chunk),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r <= 0 && errno != EAGAIN)
			return;
		if (r < 0)
			r = 0;
		pthread_mutex_lock(&srv_mu);
		if (n + (size_t)r > srv[i].most_sent)
			srv[i].most_sent = n + (size_t)r;
		pthread_mutex_unlock(&srv_mu);
	}
}

static void serve_conn(int i, int fd)
{
	if (srv[i].kind == SRV_HTTP)
		serve_http(i, fd);
	close(fd);
}

static size_t poll_set(struct pollfd *p, int *idx)
{
	size_t i, n = 0;

	pthread_mutex_lock(&srv_mu);
	for (i = 0; i < nsrv; i++) {
		if (srv[i].kind == SRV_SILENT)
			continue;
		p[n] = (struct pollfd){ .fd = srv[i].fd, .events = POLLIN };
		idx[n++] = (int)i;
	}
	pthread_mutex_unlock(&srv_mu);
	return n;
}

static void *serve(void *arg)
{
	struct pollfd p[MAX_SRV + 1];
	int idx[MAX_SRV];
	size_t n, i;

	(void)arg;
	for (;;) {
		n = poll_set(p, idx);
		p[n] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
		if (poll(p, n + 1, 10) < 0 || p[n].revents)
			return NULL;
		for (i = 0; i < n; i++) {
			int fd;

			if (!(p[i].revents & POLLIN))
				continue;
			fd = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			pthread_mutex_lock(&srv_mu);
			srv[idx[i]].accepted++;
			active_conns++;
			pthread_mutex_unlock(&srv_mu);
			serve_conn(idx[i], fd);
			pthread_mutex_lock(&srv_mu);
			active_conns--;
			pthread_mutex_unlock(&srv_mu);
		}
	}
}

/* No connection being served and none waiting to be accepted. */
static bool servers_idle(void)
{
	struct pollfd p[MAX_SRV];
	int idx[MAX_SRV], busy;
	size_t n = poll_set(p, idx);

	pthread_mutex_lock(&srv_mu);
	busy = active_conns;
	pthread_mutex_unlock(&srv_mu);
	return !busy && poll(p, n, 0) == 0;
}

static int open_fds(void)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Open fds, once the servers are idle (their connections come and go). */
static int count_fds(void)
{
	int tries;

	for (tries = 0; tries < 1000 && !servers_idle(); tries++)
		usleep(1000);
	return open_fds();
}

/* ---- the namespace ---- */

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret;
}

/* Wait for ::1 (IPv6 brings it up with lo, maybe not at once). */
static int wait_v6_loopback(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int tries, ret = -1;

	for (tries = 0; tries < 200 && ret; tries++) {
		int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

		ret = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		if (fd >= 0)
			close(fd);
		if (ret)
			usleep(10000);
	}
	return ret;
}

/* Every connection of this test stays in a network namespace of its own. */
static int group_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
		return -1;
	}
	if (lo_up() || wait_v6_loopback()) {
		fprintf(stderr, "cannot bring up loopback: %s\n", strerror(errno));
		return -1;
	}
	sl_log_set_level(SL_LOG_INFO);
	s_tcp = listen_on("127.0.0.1", 0, SRV_TCP, 0);
	s_200 = listen_on("127.0.0.1", 0, SRV_HTTP, 200);
	s_500 = listen_on("127.0.0.1", 0, SRV_HTTP, 500);
	s_trap = listen_on("127.0.0.1", 0, SRV_HTTP, 500);
	s_301 = listen_on("127.0.0.1", 0, SRV_HTTP, 301);
	snprintf(srv[s_301].location, sizeof(srv[s_301].location), "http://127.0.0.1:%u/",
		 srv_port(s_trap));
	s_silent = listen_on("127.0.0.1", 0, SRV_SILENT, 0);
	s_200_v6 = listen_on("::1", 0, SRV_HTTP, 200);
	s_big = listen_on("127.0.0.1", 0, SRV_HTTP, 200);
	srv[s_big].body = 64 << 20;
	if (pipe2(stop_pipe, O_CLOEXEC) || pthread_create(&srv_thread, NULL, serve, NULL))
		return -1;
	srv_running = true;
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	if (srv_running) {
		if (write(stop_pipe[1], "x", 1) != 1)
			return -1;
		pthread_join(srv_thread, NULL);
	}
	for (i = 0; i < nsrv; i++)
		close(srv[i].fd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	return 0;
}

/* ---- a checker driven by a bounded loop ---- */

#define MAX_EV 64
#define MAX_IDS 256 /* backend ids the tests use are below this */

struct event {
	uint32_t id;
	bool healthy;
	uint64_t at_ms;
	int sockets; /* check sockets opened by then */
};

struct fixture {
	struct sl_checker *c;
	int ep;
	int fds_before;
	size_t nsrv_before; /* listeners a test adds stay until the end */
	unsigned int dispatches;
	/* verdict changes, seen by comparing statuses around each dispatch */
	struct event ev[MAX_EV];
	size_t nev;
	bool clear_on_change; /* the loop calls sl_checker_set with no target after a change */
	/* on_socket */
	int sockets;
	int refuse;            /* on_socket's return */
	int bad_sockets;       /* not a fresh, unconnected, close-on-exec TCP socket */
	uint64_t first_socket_ms;
	int watch_port;        /* count sockets still connected here when another opens */
	int prev_fd;
	int overlaps;
	int fds_base;          /* >= 0: track the most fds open at an on_socket call */
	int fds_peak;
	bool restore_nofile;
	struct rlimit nofile;
};

/* One dispatch, as sluiced runs it: the changes it reports are exactly the targets whose
 * status differs from before it, each recorded as an event. */
static void dispatch(struct fixture *f)
{
	int before[MAX_IDS];
	unsigned int changed, seen = 0;
	uint32_t id;

	for (id = 0; id < MAX_IDS; id++)
		before[id] = sl_checker_status(f->c, id);
	changed = sl_checker_dispatch(f->c);
	for (id = 0; id < MAX_IDS; id++) {
		int now = sl_checker_status(f->c, id);

		if (now < 0 || now == before[id])
			continue;
		assert_true(before[id] >= 0); /* only targets change, none appears */
		seen++;
		if (f->nev < MAX_EV)
			f->ev[f->nev++] = (struct event){ id, now, now_ms(), f->sockets };
	}
	assert_int_equal(changed, seen);
	if (changed && f->clear_on_change)
		assert_int_equal(sl_checker_set(f->c, NULL, 0), 0);
}

static int peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int on_socket(void *ctx, int fd)
{
	struct fixture *f = ctx;
	int type = 0;
	socklen_t len = sizeof(type);

	if (!f->sockets++)
		f->first_socket_ms = now_ms();
	/* A TCP socket, not connected yet, not inherited by children. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM ||
	    peer_port(fd) != -1 || errno != ENOTCONN || !(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		f->bad_sockets++;
	/* The last check's socket is closed (or is this very fd again). */
	if (f->watch_port && f->prev_fd >= 0 && f->prev_fd != fd &&
	    fcntl(f->prev_fd, F_GETFD) >= 0 && peer_port(f->prev_fd) == f->watch_port)
		f->overlaps++;
	f->prev_fd = fd;
	if (f->fds_base >= 0) {
		int n = open_fds() - f->fds_base;

		f->fds_peak = n > f->fds_peak ? n : f->fds_peak;
	}
	return f->refuse;
}

static int fx_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct epoll_event ev = { .events = EPOLLIN };
	struct sl_err err;

	assert_non_null(f);
	f->prev_fd = -1;
	f->fds_base = -1;
	f->fds_before = count_fds();
	f->nsrv_before = nsrv;
	f->c = sl_checker_new(on_socket, f, &err);
	assert_non_null(f->c);
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(f->ep >= 0);
	assert_int_equal(epoll_ctl(f->ep, EPOLL_CTL_ADD, sl_checker_fd(f->c), &ev), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fixture *f = *state;
	int before = f->fds_before + (int)(nsrv - f->nsrv_before);

	sl_checker_free(f->c);
	close(f->ep);
	if (f->restore_nofile)
		setrlimit(RLIMIT_NOFILE, &f->nofile);
	free(f);
	/* Every socket, timer and epoll fd of the checker is gone. */
	assert_int_equal(count_fds(), before);
	return 0;
}

/* Run the loop as sluiced does until done(f) or max_ms pass; whether done(f) came true. */
static bool run_until(struct fixture *f, bool (*done)(const struct fixture *), int max_ms)
{
	uint64_t end = now_ms() + (uint64_t)max_ms;
	unsigned int iters;

	for (iters = 0; iters < 100000; iters++) {
		struct epoll_event ev;
		uint64_t now = now_ms();
		int left;

		if (done && done(f))
			return true;
		if (now >= end)
			return false;
		left = (int)(end - now);
		if (epoll_wait(f->ep, &ev, 1, left < 20 ? left : 20) > 0) {
			dispatch(f);
			f->dispatches++;
		}
	}
	fail_msg("the loop did not settle");
	return false;
}

static void run_for(struct fixture *f, int ms)
{
	run_until(f, NULL, ms);
}

static bool one_event(const struct fixture *f)
{
	return f->nev >= 1;
}

static bool two_events(const struct fixture *f)
{
	return f->nev >= 2;
}

static bool one_socket(const struct fixture *f)
{
	return f->sockets >= 1;
}

static struct sl_health_check_cfg mk_cfg(enum sl_hc_proto proto, uint32_t interval_ms,
					 uint32_t timeout_ms, uint32_t unhealthy, uint32_t healthy)
{
	return (struct sl_health_check_cfg){
		.enabled = true, .proto = proto, .path = "/health", .interval_ms = interval_ms,
		.timeout_ms = timeout_ms, .unhealthy_threshold = unhealthy,
		.healthy_threshold = healthy,
	};
}

static struct sl_check_target mk_target(uint32_t id, const char *ip, uint16_t port,
					const struct sl_health_check_cfg *cfg)
{
	struct sl_check_target t = { .backend_id = id, .port = port, .cfg = cfg,
				     .service = "svc" };

	assert_int_equal(sl_addr_parse(ip, &t.addr), 0);
	return t;
}

static void set_one(struct fixture *f, uint32_t id, const char *ip, uint16_t port,
		    const struct sl_health_check_cfg *cfg)
{
	struct sl_check_target t = mk_target(id, ip, port, cfg);

	assert_int_equal(sl_checker_set(f->c, &t, 1), 0);
}

/* Whether an event for id with healthy was recorded. */
static bool has_event(const struct fixture *f, uint32_t id, bool healthy)
{
	size_t i;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].id == id && f->ev[i].healthy == healthy)
			return true;
	return false;
}

/* ---- stderr capture, for the log lines ---- */

struct capture {
	int saved, mem;
};

static void capture_start(struct capture *cap)
{
	fflush(stderr);
	cap->saved = dup(STDERR_FILENO);
	cap->mem = memfd_create("log", MFD_CLOEXEC);
	assert_true(cap->saved >= 0 && cap->mem >= 0);
	assert_true(dup2(cap->mem, STDERR_FILENO) >= 0);
}

/* Restore stderr; the captured text in buf, also shown on the real stderr. */
static void capture_end(struct capture *cap, char *buf, size_t len)
{
	ssize_t n;

	fflush(stderr);
	dup2(cap->saved, STDERR_FILENO);
	close(cap->saved);
	n = pread(cap->mem, buf, len - 1, 0);
	close(cap->mem);
	buf[n > 0 ? n : 0] = '\0';
	fputs(buf, stderr);
}

/* ---- the tests ---- */

static void test_tcp_pass_stays_healthy(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_TCP, 50, 500, 2, 2);
	unsigned int acc0 = srv_accepted(s_tcp);

	set_one(f, 1, "127.0.0.1", srv_port(s_tcp), &cfg);
	assert_int_equal(sl_checker_count(f->c), 1);
	assert_int_equal(sl_checker_status(f->c, 1), 1); /* new targets start healthy */
	assert_int_equal(sl_checker_status(f->c, 2), -ENOENT);
	run_for(f, 600);
	assert_int_equal(f->nev, 0);
	assert_int_equal(sl_checker_status(f->c, 1), 1);
	assert_in_range(f->sockets, 8, 14); /* ~ every 50 ms, first within 50 ms */
	assert_int_equal(f->bad_sockets, 0);
	run_for(f, 30);
	/* on_socket saw every connection the server got. */
	assert_in_range(srv_accepted(s_tcp) - acc0, (unsigned int)f->sockets - 1,
			(unsigned int)f->sockets);
	/* Timers, not a busy loop: a handful of wakeups per check. */
	assert_true(f->dispatches < 20 * (unsigned int)f->sockets);
}

static void test_tcp_down_after_threshold_then_up(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_TCP, 50, 500, 3, 3);
	uint16_t port = closed_port("127.0.0.1");
	struct capture cap;
	char log[8192], want[256];
	int s0, srv_i;
	bool ok;

	set_one(f, 7, "127.0.0.1", port, &cfg);
	capture_start(&cap);
	ok = run_until(f, one_event, 2000);
	capture_end(&cap, log, sizeof(log));
	assert_true(ok);
	/* Exactly on the third failure in a row, not before. */
	assert_int_equal(f->ev[0].id, 7);
	assert_false(f->ev[0].healthy);
	assert_int_equal(f->ev[0].sockets, 3);
	assert_int_equal(sl_checker_status(f->c, 7), 0);
	snprintf(want, sizeof(want),
		 "health: service svc backend 127.0.0.1:%u is now unhealthy "
		 "(3 checks failed: connection refused)", port);
	assert_non_null(strstr(log, want));
	/* Told once: more failures change nothing. */
	run_for(f, 200);
	assert_int_equal(f->nev, 1);

	/* The backend comes back: healthy after exactly healthy_threshold passes. */
	srv_i = listen_on("127.0.0.1", port, SRV_TCP, 0);
	assert_int_equal(srv_port(srv_i), port);
	s0 = f->sockets;
	capture_start(&cap);
	ok = run_until(f, two_events, 2000);
	capture_end(&cap, log, sizeof(log));
	assert_true(ok);
	assert_int_equal(f->ev[1].id, 7);
	assert_true(f->ev[1].healthy);
	assert_int_equal(f->ev[1].sockets - s0, 3);
	assert_int_equal(sl_checker_status(f->c, 7), 1);
	snprintf(want, sizeof(want),
		 "health: service svc backend 127.0.0.1:%u is now healthy (3 checks passed)", port);
	assert_non_null(strstr(log, want));
}

static void test_http_statuses(void **state)
{
	struct fixture *f = *state;
	struct sl_status_range only200[] = { { 200, 200 } };
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 50, 500, 2, 2), strict = cfg;
	struct sl_check_target t[4];
	char req[1024], host[64];

	strict.expect = only200;
	strict.nexpect = 1;
	t[0] = mk_target(1, "127.0.0.1", srv_port(s_200), &cfg);
	t[1] = mk_target(2, "127.0.0.1", srv_port(s_500), &cfg);
	t[2] = mk_target(3, "127.0.0.1", srv_port(s_301), &cfg);    /* 200-399 by default */
	t[3] = mk_target(4, "127.0.0.1", srv_port(s_301), &strict); /* 200 only */
	assert_int_equal(sl_checker_set(f->c, t, 4), 0);
	assert_true(run_until(f, two_events, 3000));
	run_for(f, 300);
	assert_int_equal(f->nev, 2);
	assert_true(has_event(f, 2, false));
	assert_true(has_event(f, 4, false));
	assert_int_equal(sl_checker_status(f->c, 1), 1);
	assert_int_equal(sl_checker_status(f->c, 2), 0);
	assert_int_equal(sl_checker_status(f->c, 3), 1);
	assert_int_equal(sl_checker_status(f->c, 4), 0);
	/* Redirects are not followed. */
	assert_int_equal(srv_accepted(s_trap), 0);
	/* The request: GET of the path, Host addr:port, our User-Agent. */
	srv_last_req(s_200, req, sizeof(req));
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%u\r\n", srv_port(s_200));
	assert_true(!strncmp(req, "GET /health HTTP/1.1\r\n", 22));
	assert_non_null(strstr(req, host));
	assert_non_null(strstr(req, "\r\nUser-Agent: sluice-health\r\n"));
}

static void test_http_timeout(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 400, 200, 1, 1);
	uint64_t took;

	set_one(f, 5, "127.0.0.1", srv_port(s_silent), &cfg);
	assert_true(run_until(f, one_event, 2500));
	assert_false(f->ev[0].healthy);
	assert_int_equal(f->ev[0].sockets, 1);
	took = f->ev[0].at_ms - f->first_socket_ms;
	assert_in_range(took, 180, 400);
}

static void test_on_socket_refusal_fails_check(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 50, 500, 2, 2);
	unsigned int acc0 = srv_accepted(s_200);

	f->refuse = -1;
	set_one(f, 9, "127.0.0.1", srv_port(s_200), &cfg);
	assert_true(run_until(f, one_event, 2000));
	assert_false(f->ev[0].healthy);
	assert_int_equal(f->ev[0].sockets, 2);
	/* No refused socket ever connected. */
	assert_int_equal(srv_accepted(s_200), acc0);
	/* Allowed again: back after two passes. */
	f->refuse = 0;
	assert_true(run_until(f, two_events, 2000));
	assert_true(f->ev[1].healthy);
	assert_int_equal(f->ev[1].sockets - f->ev[0].sockets, 2);
	assert_int_equal(f->bad_sockets, 0);
}

static void test_set_keeps_unchanged_state(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg down = mk_cfg(SL_HC_TCP, 50, 500, 1, 5);
	struct sl_health_check_cfg up = mk_cfg(SL_HC_TCP, 50, 500, 1, 1);
	struct sl_health_check_cfg same = down, changed = down;
	uint16_t port = closed_port("127.0.0.1");
	char path[] = "/health";
	struct sl_check_target t[3];

	t[0] = mk_target(10, "127.0.0.1", port, &down);
	t[1] = mk_target(20, "127.0.0.1", srv_port(s_tcp), &up);
	assert_int_equal(sl_checker_set(f->c, t, 2), 0);
	assert_true(run_until(f, one_event, 2000));
	assert_int_equal(f->ev[0].id, 10);
	assert_int_equal(sl_checker_status(f->c, 10), 0);

	/* 10 again with a config equal in content (other pointers), 20 gone, 30 new. */
	same.path = path;
	t[0] = mk_target(10, "127.0.0.1", port, &same);
	t[0].service = "renamed";
	t[1] = mk_target(30, "127.0.0.1", srv_port(s_tcp), &up);
	t[2] = mk_target(30, "127.0.0.1", port, &down); /* a duplicate id: the first counts */
	assert_int_equal(sl_checker_set(f->c, t, 3), 0);
	assert_int_equal(sl_checker_count(f->c), 2);
	assert_int_equal(sl_checker_status(f->c, 10), 0);
	assert_int_equal(sl_checker_status(f->c, 20), -ENOENT);
	assert_int_equal(sl_checker_status(f->c, 30), 1);
	run_for(f, 300);
	assert_int_equal(f->nev, 1); /* 10 stays down without a new event, 30 stays up */
	assert_int_equal(sl_checker_status(f->c, 30), 1);

	/* A changed check, or address, starts over healthy. */
	changed.timeout_ms = 400;
	t[0] = mk_target(10, "127.0.0.1", port, &changed);
	assert_int_equal(sl_checker_set(f->c, t, 2), 0);
	assert_int_equal(sl_checker_status(f->c, 10), 1);
	assert_true(run_until(f, two_events, 2000));
	assert_int_equal(f->ev[1].id, 10);
	assert_false(f->ev[1].healthy);
	t[0] = mk_target(10, "127.0.0.2", port, &changed);
	assert_int_equal(sl_checker_set(f->c, t, 2), 0);
	assert_int_equal(sl_checker_status(f->c, 10), 1);

	/* Nothing left. */
	assert_int_equal(sl_checker_set(f->c, NULL, 0), 0);
	assert_int_equal(sl_checker_count(f->c), 0);
	assert_int_equal(sl_checker_status(f->c, 10), -ENOENT);
}

static void test_set_aborts_running_check(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 3000, 2000, 1, 1);
	int fds;

	fds = count_fds();
	set_one(f, 3, "127.0.0.1", srv_port(s_silent), &cfg);
	assert_true(run_until(f, one_socket, 1500));
	run_for(f, 50); /* connected, waiting for an answer */
	assert_int_equal(count_fds(), fds + 1);
	assert_int_equal(sl_checker_set(f->c, NULL, 0), 0);
	assert_int_equal(count_fds(), fds); /* its socket closed at once */
	run_for(f, 100);
	assert_int_equal(f->nev, 0);
	/* Once more, and this time sl_checker_free ends it (the teardown counts fds). */
	set_one(f, 3, "127.0.0.1", srv_port(s_silent), &cfg);
	assert_true(run_until(f, one_socket, 1500));
}

static void test_running_check_not_started_twice(void **state)
{
	struct fixture *f = *state;
	/* The timeout equals the interval: with jitter, the next check is often due first. */
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 100, 100, 1000, 1);

	f->watch_port = srv_port(s_silent);
	set_one(f, 4, "127.0.0.1", srv_port(s_silent), &cfg);
	run_for(f, 1200);
	assert_in_range(f->sockets, 4, 12);
	assert_int_equal(f->overlaps, 0);
	assert_int_equal(f->nev, 0);
}

static void test_ipv6(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg http = mk_cfg(SL_HC_HTTP, 50, 500, 1, 1);
	struct sl_health_check_cfg tcp = mk_cfg(SL_HC_TCP, 50, 500, 1, 1);
	unsigned int acc0 = srv_accepted(s_200_v6);
	struct sl_check_target t[2];
	char req[1024], host[64];

	t[0] = mk_target(1, "::1", srv_port(s_200_v6), &http);
	t[1] = mk_target(2, "::1", closed_port("::1"), &tcp);
	assert_int_equal(sl_checker_set(f->c, t, 2), 0);
	assert_true(run_until(f, one_event, 2000));
	run_for(f, 200);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].id, 2);
	assert_int_equal(sl_checker_status(f->c, 1), 1);
	assert_true(srv_accepted(s_200_v6) - acc0 >= 3);
	srv_last_req(s_200_v6, req, sizeof(req));
	snprintf(host, sizeof(host), "\r\nHost: [::1]:%u\r\n", srv_port(s_200_v6));
	assert_non_null(strstr(req, host));
	assert_int_equal(f->bad_sockets, 0);
}

static void test_set_after_change(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_TCP, 50, 500, 1, 1);
	struct sl_check_target t[2];

	f->clear_on_change = true;
	t[0] = mk_target(1, "127.0.0.1", closed_port("127.0.0.1"), &cfg);
	t[1] = mk_target(2, "127.0.0.1", srv_port(s_silent), &cfg);
	assert_int_equal(sl_checker_set(f->c, t, 2), 0);
	assert_true(run_until(f, one_event, 2000));
	assert_int_equal(sl_checker_count(f->c), 0);
	run_for(f, 200);
	assert_int_equal(f->nev, 1);
}

static void test_long_body_cut(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 100, 1000, 1, 1);
	unsigned int acc0 = srv_accepted(s_big);
	size_t sent;

	set_one(f, 6, "127.0.0.1", srv_port(s_big), &cfg);
	run_for(f, 700);
	/* Judged by its status after a bounded read; a 64 MiB body would take longer. */
	assert_int_equal(f->nev, 0);
	assert_int_equal(sl_checker_status(f->c, 6), 1);
	assert_true(srv_accepted(s_big) - acc0 >= 4);
	/* The client stopped early: what it took is socket buffers, not the 64 MiB. */
	pthread_mutex_lock(&srv_mu);
	sent = srv[s_big].most_sent;
	pthread_mutex_unlock(&srv_mu);
	fprintf(stderr, "most body bytes sent on one connection: %zu\n", sent);
	assert_true(sent > 0 && sent < (16U << 20));
}

static bool thirty_sockets(const struct fixture *f)
{
	return f->sockets >= 30;
}

/* With few fds allowed, checks wait for a free place rather than fail. */
static void test_inflight_bounded(void **state)
{
	struct fixture *f = *state;
	struct sl_health_check_cfg cfg = mk_cfg(SL_HC_HTTP, 1000, 600, 5, 1);
	struct epoll_event ev = { .events = EPOLLIN };
	struct sl_check_target t[30];
	struct rlimit rl;
	struct sl_err err;
	uint32_t i;

	/* A checker made under a limit of 40 fds: at most 20 checks at once. */
	sl_checker_free(f->c);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &f->nofile), 0);
	f->restore_nofile = true;
	rl = f->nofile;
	rl.rlim_cur = 40;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	f->c = sl_checker_new(on_socket, f, &err);
	assert_non_null(f->c);
	assert_int_equal(epoll_ctl(f->ep, EPOLL_CTL_ADD, sl_checker_fd(f->c), &ev), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &f->nofile), 0);
	f->restore_nofile = false;

	for (i = 0; i < 30; i++)
		t[i] = mk_target(100 + i, "127.0.0.1", srv_port(s_silent), &cfg);
	f->fds_base = open_fds();
	assert_int_equal(sl_checker_set(f->c, t, 30), 0);
	/* All 30 due within 1 s, each taking 600 ms: the last 10 start as others end. */
	assert_true(run_until(f, thirty_sockets, 2500));
	assert_in_range(f->fds_peak, 15, 20);
	assert_int_equal(f->nev, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_pass_stays_healthy),
		T(test_tcp_down_after_threshold_then_up),
		T(test_http_statuses),
		T(test_http_timeout),
		T(test_on_socket_refusal_fails_check),
		T(test_set_keeps_unchanged_state),
		T(test_set_aborts_running_check),
		T(test_running_check_not_started_twice),
		T(test_ipv6),
		T(test_set_after_change),
		T(test_long_body_cut),
		T(test_inflight_bounded),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
