// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_sockterm.c: unit tests of socket termination with loopback servers in network
 * namespaces of the test's own: what each method destroys and what it leaves alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "sluice.h"
#include "lib/log.h"
#include "kernel/sockterm.h"

#define WAIT_MS 3000     /* for a datagram, a byte or a reset to arrive */
#define PEER_WAIT_MS 20000 /* for the peer process to answer */

enum { ALIVE = 1, DEAD = 2, BROKEN = 3, SKIPPED = 4 };

struct fixture {
	int map_fd; /* our own sock_routes */
	struct sl_sockterm *t;
};

/* ---- helpers that do not assert (the peer process uses them too) ---- */

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* The loopback address of family (or ::ffff:127.0.0.1 for mapped) and port. */
static socklen_t lo_addr(int family, bool mapped, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (mapped)
			inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
		else
			sin6->sin6_addr = in6addr_loopback;
		return sizeof(*sin6);
	}
}

static uint16_t sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	return sa_port(&ss);
}

/* A UDP server or TCP listener on loopback port (0: any); its fd, the port in *out. */
static int server(int family, int type, uint16_t port, uint16_t *out)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(family, false, port, &ss);
	int fd, p;

	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) || (type == SOCK_STREAM && listen(fd, 16)) ||
	    (p = local_port(fd)) <= 0) {
		close(fd);
		return -1;
	}
	*out = (uint16_t)p;
	return fd;
}

/* A UDP socket of family connected (or, unconnected, having sent a datagram) to port. */
static int udp_client(int family, bool mapped, uint16_t port, bool connected)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(family, mapped, port, &ss);
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connected ? connect(fd, (struct sockaddr *)&ss, len)
		      : sendto(fd, "u", 1, 0, (struct sockaddr *)&ss, len) != 1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A TCP connection to the listener lfd on port: the client's fd, the accepted one in *peer. */
static int tcp_client(int family, uint16_t port, int lfd, int *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(family, false, port, &ss);
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) || poll(&pfd, 1, WAIT_MS) != 1 ||
	    (*peer = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int mark(int map_fd, int fd, uint32_t flags)
{
	struct sluice_sock_route r = { .backend_id = 7, .service_id = 1, .flags = flags };

	return bpf_map_update_elem(map_fd, &fd, &r, BPF_NOEXIST);
}

/* Did srv receive a datagram from local port from within WAIT_MS? */
static bool srv_got_from(int srv, int from)
{
	struct pollfd pfd = { .fd = srv, .events = POLLIN };
	int i;

	for (i = 0; i < 64 && poll(&pfd, 1, WAIT_MS) == 1; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char c;

		if (recvfrom(srv, &c, 1, MSG_DONTWAIT, (struct sockaddr *)&ss, &len) < 0)
			continue;
		if (sa_port(&ss) == from)
			return true;
	}
	return false;
}

/* A UDP client's state: DEAD (its next receive says ECONNABORTED), ALIVE (same local port,
 * no error, and a datagram it sends reaches srv), BROKEN otherwise. */
static int udp_state(int fd, int family, bool mapped, uint16_t srv_port, int srv, int lport,
		     bool connected)
{
	struct sockaddr_storage ss;
	socklen_t len = lo_addr(family, mapped, srv_port, &ss);
	char c;

	if (recv(fd, &c, 1, MSG_DONTWAIT) >= 0)
		return BROKEN;
	if (errno == ECONNABORTED)
		return DEAD;
	if (errno != EAGAIN || local_port(fd) != lport)
		return BROKEN;
	if ((connected ? send(fd, "a", 1, 0) : sendto(fd, "a", 1, 0, (struct sockaddr *)&ss, len))
	    != 1)
		return BROKEN;
	return srv_got_from(srv, lport) ? ALIVE : BROKEN;
}

/* A TCP connection's state: DEAD (the client sees ECONNABORTED or ECONNRESET, the peer a
 * reset or the end), ALIVE (a byte gets through), BROKEN otherwise. */
static int tcp_state(int fd, int peer)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	char c;
	ssize_t n;

	n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n < 0 && (errno == ECONNABORTED || errno == ECONNRESET)) {
		if (poll(&pfd, 1, WAIT_MS) != 1)
			return BROKEN;
		n = recv(peer, &c, 1, MSG_DONTWAIT);
		return n == 0 || (n < 0 && errno == ECONNRESET) ? DEAD : BROKEN;
	}
	if (n >= 0 || errno != EAGAIN)
		return BROKEN;
	if (send(fd, "t", 1, MSG_NOSIGNAL) != 1 || poll(&pfd, 1, WAIT_MS) != 1 ||
	    recv(peer, &c, 1, 0) != 1)
		return BROKEN;
	return ALIVE;
}

static struct sl_departure target(int family, uint16_t port, bool tcp)
{
	struct sl_departure tg = { .port = port, .terminate_tcp = tcp };

	sl_addr_parse(family == AF_INET ? "127.0.0.1" : "::1", &tg.addr);
	return tg;
}

static bool cgroup2_mount(char *buf, size_t len)
{
	char line[PATH_MAX], dev[256], mnt[PATH_MAX], type[64];
	bool found = false;
	FILE *fp;

	fp = fopen("/proc/mounts", "re");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%255s %4095s %63s", dev, mnt, type) == 3 &&
		    !strcmp(type, "cgroup2"))
			found = !sl_pathf(buf, len, "%s", mnt);
	fclose(fp);
	return found;
}

/* ---- fixture ---- */

/* A socket storage map like sluice's sock_routes (it needs BTF for its key and value). */
static int make_sock_routes(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct btf *btf;
	int int_id, u32_id, sid, fd = -1;

	btf = btf__new_empty();
	if (!btf)
		return -1;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	sid = btf__add_struct(btf, "sluice_sock_route", sizeof(struct sluice_sock_route));
	if (int_id < 0 || u32_id < 0 || sid < 0 ||
	    btf__add_field(btf, "backend_id", u32_id, 0, 0) ||
	    btf__add_field(btf, "service_id", u32_id, 32, 0) ||
	    btf__add_field(btf, "flags", u32_id, 64, 0) ||
	    btf__add_field(btf, "pad", u32_id, 96, 0) || btf__load_into_kernel(btf))
		goto cleanup;
	opts.btf_fd = btf__fd(btf);
	opts.btf_key_type_id = int_id;
	opts.btf_value_type_id = sid;
	fd = bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "sock_routes", sizeof(int),
			    sizeof(struct sluice_sock_route), 0, &opts);
cleanup:
	btf__free(btf);
	return fd;
}

/* Every test runs in a network namespace of its own, with lo up. */
static int setup(void **state)
{
	struct fixture *f;

	if (unshare(CLONE_NEWNET) || lo_up())
		return -1;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->map_fd = make_sock_routes();
	if (f->map_fd < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sl_sockterm_free(f->t);
	close(f->map_fd);
	free(f);
	return 0;
}

/* Whether the running kernel has bpf_sock_destroy (6.5+), which the iterators need: read from
 * its BTF, apart from the code under test, so that iterators failing where the kernel has it
 * fail the tests. */
static bool kernel_has_sock_destroy(void)
{
	static int has = -1;

	if (has < 0) {
		struct btf *btf = btf__load_vmlinux_btf();

		has = btf && btf__find_by_name_kind(btf, "bpf_sock_destroy", BTF_KIND_FUNC) > 0;
		btf__free(btf);
	}
	return has;
}

/* Open mode, which must give want; a test of the iterators is skipped on a kernel without
 * them (sock_diag's tests run there). */
static void open_method(struct fixture *f, enum sl_sockterm_mode mode,
			enum sl_sockterm_mode want)
{
	struct sl_err err = {};

	if (want == SL_SOCKTERM_ITER && !kernel_has_sock_destroy()) {
		print_message("skipped: the kernel has no bpf_sock_destroy (6.5+), no iterators\n");
		skip();
	}
	assert_int_equal(sl_sockterm_open(&f->t, mode, f->map_fd, &err), 0);
	assert_int_equal(sl_sockterm_method(f->t), want);
}

static void close_all(int *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] >= 0)
			close(v[i]);
}

/* ---- tests ---- */

static void test_method_names(void **state)
{
	(void)state;
	assert_string_equal(sl_sockterm_method_name(SL_SOCKTERM_OFF), "off");
	assert_string_equal(sl_sockterm_method_name(SL_SOCKTERM_ITER), "iterator");
	assert_string_equal(sl_sockterm_method_name(SL_SOCKTERM_DIAG), "sock_diag");
	assert_int_equal(sl_sockterm_method(NULL), SL_SOCKTERM_OFF);
}

/* Each mode gives its method; auto prefers the iterators and falls back to sock_diag (on a
 * kernel without bpf_sock_destroy, where the iterators are refused, saying why); an explicit
 * mode that cannot work is an error; off destroys nothing. */
static void test_open_modes(void **state)
{
	struct fixture *f = *state;
	struct sl_sockterm *t = NULL;
	struct sl_departure tg;
	struct sl_err err = {};
	unsigned destroyed = 99;
	uint16_t port;
	int srv, c;

	if (kernel_has_sock_destroy()) {
		open_method(f, SL_SOCKTERM_AUTO, SL_SOCKTERM_ITER);
		sl_sockterm_free(f->t);
		open_method(f, SL_SOCKTERM_ITER, SL_SOCKTERM_ITER);
	} else {
		open_method(f, SL_SOCKTERM_AUTO, SL_SOCKTERM_DIAG);
		sl_sockterm_free(f->t);
		f->t = NULL;
		assert_int_not_equal(sl_sockterm_open(&f->t, SL_SOCKTERM_ITER, f->map_fd, &err), 0);
		assert_null(f->t);
		assert_non_null(strstr(err.msg, "bpf_sock_destroy"));
	}
	sl_sockterm_free(f->t);
	open_method(f, SL_SOCKTERM_DIAG, SL_SOCKTERM_DIAG);
	sl_sockterm_free(f->t);
	f->t = NULL;

	/* no sock_routes: no iterators */
	assert_int_not_equal(sl_sockterm_open(&t, SL_SOCKTERM_ITER, -1, &err), 0);
	assert_null(t);
	assert_non_null(strstr(err.msg, "sock_routes"));
	assert_int_equal(sl_sockterm_open(&t, SL_SOCKTERM_AUTO, -1, &err), 0);
	assert_int_equal(sl_sockterm_method(t), SL_SOCKTERM_DIAG);
	sl_sockterm_free(t);

	/* off: a marked connected socket to the target stays */
	open_method(f, SL_SOCKTERM_OFF, SL_SOCKTERM_OFF);
	srv = server(AF_INET, SOCK_DGRAM, 0, &port);
	assert_true(srv >= 0);
	c = udp_client(AF_INET, false, port, true);
	assert_true(c >= 0);
	assert_int_equal(mark(f->map_fd, c, SLUICE_SOCK_CONNECTED), 0);
	tg = target(AF_INET, port, true);
	assert_int_equal(sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, 0);
	assert_int_equal(udp_state(c, AF_INET, false, port, srv, local_port(c), true), ALIVE);
	close(c);
	close(srv);
}

/* Iterators, UDP in sluiced's own namespace: only the marked connected socket to the doomed
 * backend goes (also through a dual-stack socket for IPv4); unmarked, not CONNECTED, exempt,
 * unconnected and other-backend sockets stay with their ports. */
static void udp_iter_case(struct fixture *f, int family)
{
	enum { MARKED, MAPPED, UNMARKED, UNROUTED, EXEMPT, UNCONN, OTHER, N };
	int s[N], lport[N], srv_a, srv_b, i;
	struct sl_departure tg;
	struct sl_err err = {};
	unsigned destroyed;
	uint16_t a, b;

	open_method(f, SL_SOCKTERM_ITER, SL_SOCKTERM_ITER);
	srv_a = server(family, SOCK_DGRAM, 0, &a);
	srv_b = server(family, SOCK_DGRAM, 0, &b);
	assert_true(srv_a >= 0 && srv_b >= 0);
	s[MARKED] = udp_client(family, false, a, true);
	s[MAPPED] = family == AF_INET ? udp_client(AF_INET6, true, a, true) : -1;
	s[UNMARKED] = udp_client(family, false, a, true);
	s[UNROUTED] = udp_client(family, false, a, true);
	s[EXEMPT] = udp_client(family, false, a, true);
	s[UNCONN] = udp_client(family, false, a, false);
	s[OTHER] = udp_client(family, false, b, true);
	for (i = 0; i < N; i++) {
		if (i == MAPPED && family != AF_INET)
			continue;
		assert_true(s[i] >= 0);
		lport[i] = local_port(s[i]);
		assert_true(lport[i] > 0);
	}
	assert_int_equal(mark(f->map_fd, s[MARKED], SLUICE_SOCK_CONNECTED), 0);
	if (family == AF_INET)
		assert_int_equal(mark(f->map_fd, s[MAPPED], SLUICE_SOCK_CONNECTED), 0);
	assert_int_equal(mark(f->map_fd, s[UNROUTED], 0), 0); /* an entry, not CONNECTED */
	assert_int_equal(mark(f->map_fd, s[EXEMPT], SLUICE_SOCK_CONNECTED | SLUICE_SOCK_EXEMPT),
			 0);
	/* marked as if routed: only its missing destination saves it */
	assert_int_equal(mark(f->map_fd, s[UNCONN], SLUICE_SOCK_CONNECTED), 0);
	assert_int_equal(mark(f->map_fd, s[OTHER], SLUICE_SOCK_CONNECTED), 0);

	tg = target(family, a, false);
	assert_int_equal(sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, family == AF_INET ? 2 : 1);
	assert_int_equal(udp_state(s[MARKED], family, false, a, srv_a, lport[MARKED], true), DEAD);
	if (family == AF_INET)
		assert_int_equal(udp_state(s[MAPPED], AF_INET6, true, a, srv_a, lport[MAPPED], true),
				 DEAD);
	assert_int_equal(udp_state(s[UNMARKED], family, false, a, srv_a, lport[UNMARKED], true),
			 ALIVE);
	assert_int_equal(udp_state(s[UNROUTED], family, false, a, srv_a, lport[UNROUTED], true),
			 ALIVE);
	assert_int_equal(udp_state(s[EXEMPT], family, false, a, srv_a, lport[EXEMPT], true),
			 ALIVE);
	assert_int_equal(udp_state(s[UNCONN], family, false, a, srv_a, lport[UNCONN], false),
			 ALIVE);
	assert_int_equal(udp_state(s[OTHER], family, false, b, srv_b, lport[OTHER], true), ALIVE);

	/* nothing left to destroy; the map of doomed backends was emptied */
	assert_int_equal(sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, 0);
	close_all(s, N);
	close(srv_a);
	close(srv_b);
}

static void test_iter_udp_v4(void **state)
{
	udp_iter_case(*state, AF_INET);
}

static void test_iter_udp_v6(void **state)
{
	udp_iter_case(*state, AF_INET6);
}

/* Iterators, TCP: a marked connection to the doomed backend stays while terminateTcp is
 * off (a marked connected UDP socket to the same port goes), and goes when it is on;
 * unmarked and other-backend connections stay. */
static void tcp_iter_case(struct fixture *f, int family)
{
	enum { MARKED, UNMARKED, OTHER, N };
	int c[N], p[N], la, lb, srv, udp, udp_port, i;
	struct sl_departure tg;
	struct sl_err err = {};
	unsigned destroyed;
	uint16_t a, b, ua;

	open_method(f, SL_SOCKTERM_ITER, SL_SOCKTERM_ITER);
	la = server(family, SOCK_STREAM, 0, &a);
	lb = server(family, SOCK_STREAM, 0, &b);
	assert_true(la >= 0 && lb >= 0);
	srv = server(family, SOCK_DGRAM, a, &ua); /* same port number, UDP */
	assert_true(srv >= 0);
	c[MARKED] = tcp_client(family, a, la, &p[MARKED]);
	c[UNMARKED] = tcp_client(family, a, la, &p[UNMARKED]);
	c[OTHER] = tcp_client(family, b, lb, &p[OTHER]);
	for (i = 0; i < N; i++)
		assert_true(c[i] >= 0);
	udp = udp_client(family, false, a, true);
	assert_true(udp >= 0);
	udp_port = local_port(udp);
	assert_int_equal(mark(f->map_fd, c[MARKED], SLUICE_SOCK_CONNECTED), 0);
	assert_int_equal(mark(f->map_fd, c[OTHER], SLUICE_SOCK_CONNECTED), 0);
	assert_int_equal(mark(f->map_fd, udp, SLUICE_SOCK_CONNECTED), 0);
	assert_int_equal(mark(f->map_fd, la, SLUICE_SOCK_CONNECTED), 0); /* a listener: never */

	tg = target(family, a, false);
	assert_int_equal(sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, 1);
	assert_int_equal(udp_state(udp, family, false, a, srv, udp_port, true), DEAD);
	for (i = 0; i < N; i++)
		assert_int_equal(tcp_state(c[i], p[i]), ALIVE);

	tg.terminate_tcp = true;
	assert_int_equal(sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, 1);
	assert_int_equal(tcp_state(c[MARKED], p[MARKED]), DEAD);
	assert_int_equal(tcp_state(c[UNMARKED], p[UNMARKED]), ALIVE);
	assert_int_equal(tcp_state(c[OTHER], p[OTHER]), ALIVE);
	{ /* the listener still accepts */
		int c2, p2;

		c2 = tcp_client(family, a, la, &p2);
		assert_true(c2 >= 0);
		assert_int_equal(tcp_state(c2, p2), ALIVE);
		close(c2);
		close(p2);
	}
	close_all(c, N);
	close_all(p, N);
	close(udp);
	close(srv);
	close(la);
	close(lb);
}

static void test_iter_tcp_v4(void **state)
{
	tcp_iter_case(*state, AF_INET);
}

static void test_iter_tcp_v6(void **state)
{
	tcp_iter_case(*state, AF_INET6);
}

/* More targets than doomed_backends holds at once: they are done in several passes. */
static void test_iter_many_targets(void **state)
{
	struct fixture *f = *state;
	const size_t n = 3000; /* two entries each: 6000 */
	struct sl_departure *v;
	struct sl_err err = {};
	unsigned destroyed;
	uint16_t a;
	int srv, c;
	size_t i;

	open_method(f, SL_SOCKTERM_ITER, SL_SOCKTERM_ITER);
	srv = server(AF_INET, SOCK_DGRAM, 0, &a);
	assert_true(srv >= 0);
	c = udp_client(AF_INET, false, a, true);
	assert_true(c >= 0);
	assert_int_equal(mark(f->map_fd, c, SLUICE_SOCK_CONNECTED), 0);
	v = calloc(n, sizeof(*v));
	assert_non_null(v);
	for (i = 0; i < n; i++) { /* 10.0.x.y: nobody's */
		v[i] = target(AF_INET, a, true);
		v[i].addr.a[3] = htonl(0x0a000000 + (uint32_t)i);
	}
	v[n - 1] = target(AF_INET, a, true);
	assert_int_equal(sl_sockterm_run(f->t, v, n, NULL, NULL, 0, &destroyed, &err), 0);
	assert_int_equal(destroyed, 1);
	assert_int_equal(udp_state(c, AF_INET, false, a, srv, local_port(c), true), DEAD);
	free(v);
	close(c);
	close(srv);
}

/* sock_diag never destroys sluiced's own sockets (what EXEMPT marks for the iterators),
 * even in an attached cgroup. */
static void test_diag_spares_own(void **state)
{
	struct fixture *f = *state;
	struct sl_departure tg[2];
	struct sl_err err = {};
	char line[PATH_MAX], mnt[PATH_MAX], path[PATH_MAX * 2];
	unsigned destroyed;
	uint64_t id = 0;
	struct stat st;
	uint16_t a4, a6;
	int srv4, srv6, c4, c6;
	FILE *fp;

	if (!cgroup2_mount(mnt, sizeof(mnt)))
		skip();
	fp = fopen("/proc/self/cgroup", "re");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "%s%s", mnt, line + 3);
			if (!stat(path, &st))
				id = st.st_ino;
		}
	fclose(fp);
	if (!id)
		skip();

	open_method(f, SL_SOCKTERM_DIAG, SL_SOCKTERM_DIAG);
	srv4 = server(AF_INET, SOCK_DGRAM, 0, &a4);
	srv6 = server(AF_INET6, SOCK_DGRAM, 0, &a6);
	assert_true(srv4 >= 0 && srv6 >= 0);
	c4 = udp_client(AF_INET, false, a4, true);
	c6 = udp_client(AF_INET6, false, a6, true);
	assert_true(c4 >= 0 && c6 >= 0);
	tg[0] = target(AF_INET, a4, true);
	tg[1] = target(AF_INET6, a6, true);
	assert_int_equal(sl_sockterm_run(f->t, tg, 2, NULL, &id, 1, &destroyed, &err), 0);
	assert_int_equal(destroyed, 0);
	assert_int_equal(udp_state(c4, AF_INET, false, a4, srv4, local_port(c4), true), ALIVE);
	assert_int_equal(udp_state(c6, AF_INET6, false, a6, srv6, local_port(c6), true), ALIVE);
	close(c4);
	close(c6);
	close(srv4);
	close(srv6);
}

/* ---- a peer process in a network namespace and a cgroup of its own ---- */

enum { P_OUTSIDER, P_MARKED, P_MAPPED, P_UNMARKED, P_EXEMPT, P_UNCONN, P_OTHER, P_TCP, P_N };

struct peer_ports {
	uint16_t a, b;
};

static bool wait_fd(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static bool read_full(int fd, void *buf, size_t len, int ms)
{
	char *p = buf;

	while (len) {
		ssize_t n;

		if (!wait_fd(fd, ms))
			return false;
		n = read(fd, p, len);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The peer: its own network namespace and servers; one socket made before it joins the
 * cgroup, the others after. Reports the ports, waits, reports each socket's state. */
static __attribute__((noreturn)) void peer_main(int family, int map_fd, const char *cgdir, int rfd, int wfd)
{
	int s[P_N], lport[P_N], peer_tcp = -1, srv_a, srv_b, lis, i, fd;
	struct peer_ports ports;
	char procs[PATH_MAX + 32], buf[32], go;
	unsigned char res[P_N];

	if (unshare(CLONE_NEWNET) || lo_up())
		_exit(2);
	lis = server(family, SOCK_STREAM, 0, &ports.a);
	srv_a = lis >= 0 ? server(family, SOCK_DGRAM, ports.a, &ports.a) : -1;
	srv_b = server(family, SOCK_DGRAM, 0, &ports.b);
	if (srv_a < 0 || srv_b < 0)
		_exit(3);
	s[P_OUTSIDER] = udp_client(family, false, ports.a, true);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgdir);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		_exit(4);
	close(fd);
	s[P_MARKED] = udp_client(family, false, ports.a, true);
	s[P_MAPPED] = family == AF_INET ? udp_client(AF_INET6, true, ports.a, true) : -1;
	s[P_UNMARKED] = udp_client(family, false, ports.a, true);
	s[P_EXEMPT] = udp_client(family, false, ports.a, true);
	s[P_UNCONN] = udp_client(family, false, ports.a, false);
	s[P_OTHER] = udp_client(family, false, ports.b, true);
	s[P_TCP] = tcp_client(family, ports.a, lis, &peer_tcp);
	for (i = 0; i < P_N; i++) {
		if (i == P_MAPPED && family != AF_INET)
			continue;
		if (s[i] < 0 || (lport[i] = local_port(s[i])) <= 0)
			_exit(5);
	}
	if (mark(map_fd, s[P_MARKED], SLUICE_SOCK_CONNECTED) ||
	    (family == AF_INET && mark(map_fd, s[P_MAPPED], SLUICE_SOCK_CONNECTED)) ||
	    mark(map_fd, s[P_EXEMPT], SLUICE_SOCK_CONNECTED | SLUICE_SOCK_EXEMPT) ||
	    mark(map_fd, s[P_UNCONN], SLUICE_SOCK_CONNECTED) ||
	    mark(map_fd, s[P_OTHER], SLUICE_SOCK_CONNECTED) ||
	    mark(map_fd, s[P_TCP], SLUICE_SOCK_CONNECTED))
		_exit(6);
	if (write(wfd, &ports, sizeof(ports)) != sizeof(ports) ||
	    !read_full(rfd, &go, 1, PEER_WAIT_MS))
		_exit(7);
	for (i = 0; i < P_N; i++) {
		bool b = i == P_OTHER;

		if (i == P_MAPPED && family != AF_INET)
			res[i] = SKIPPED;
		else if (i == P_TCP)
			res[i] = (unsigned char)tcp_state(s[i], peer_tcp);
		else
			res[i] = (unsigned char)udp_state(s[i], i == P_MAPPED ? AF_INET6 : family,
							  i == P_MAPPED, b ? ports.b : ports.a,
							  b ? srv_b : srv_a, lport[i], i != P_UNCONN);
	}
	_exit(write(wfd, res, sizeof(res)) == sizeof(res) ? 0 : 8);
}

static void rmdir_retry(const char *path)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		nanosleep(&ts, NULL);
}

/* The peer's sockets to backend a, seen from sluiced's namespace: found only through the
 * cgroup (given by its parent: the peer is in a child cgroup). The iterators go by the
 * marks; sock_diag by the cgroup. */
static void peer_case(struct fixture *f, enum sl_sockterm_mode mode, int family)
{
	static const unsigned char want_iter[P_N] = {
		[P_OUTSIDER] = ALIVE, [P_MARKED] = DEAD, [P_MAPPED] = DEAD,
		[P_UNMARKED] = ALIVE, [P_EXEMPT] = ALIVE, [P_UNCONN] = ALIVE,
		[P_OTHER] = ALIVE, [P_TCP] = DEAD,
	};
	static const unsigned char want_diag[P_N] = {
		[P_OUTSIDER] = ALIVE, [P_MARKED] = DEAD, [P_MAPPED] = DEAD,
		[P_UNMARKED] = DEAD, [P_EXEMPT] = DEAD, [P_UNCONN] = ALIVE,
		[P_OTHER] = ALIVE, [P_TCP] = DEAD,
	};
	bool diag = mode == SL_SOCKTERM_DIAG;
	char mnt[PATH_MAX], base[PATH_MAX], sub[PATH_MAX];
	int to_peer[2] = { -1, -1 }, from_peer[2] = { -1, -1 }, status = -1, i;
	unsigned char res[P_N];
	struct sl_departure tg;
	struct peer_ports ports;
	struct sl_err err = {};
	unsigned destroyed, want;
	char *paths[1];
	uint64_t id;
	struct stat st;
	bool ok;
	pid_t pid;

	if (!cgroup2_mount(mnt, sizeof(mnt)))
		skip();
	open_method(f, mode, diag ? SL_SOCKTERM_DIAG : SL_SOCKTERM_ITER);
	assert_int_equal(sl_pathf(base, sizeof(base), "%s/sluice-test-%d", mnt, (int)getpid()), 0);
	assert_int_equal(sl_pathf(sub, sizeof(sub), "%s/peer", base), 0);
	assert_int_equal(mkdir(base, 0755), 0);
	if (mkdir(sub, 0755) || stat(base, &st) || pipe2(to_peer, O_CLOEXEC) ||
	    pipe2(from_peer, O_CLOEXEC)) {
		rmdir(sub);
		rmdir(base);
		fail_msg("cgroup %s or pipes: %s", sub, strerror(errno));
	}
	id = st.st_ino;
	paths[0] = base;
	pid = fork();
	if (!pid) {
		close(to_peer[1]);
		close(from_peer[0]);
		peer_main(family, f->map_fd, sub, to_peer[0], from_peer[1]);
	}
	close(to_peer[0]);
	close(from_peer[1]);
	ok = pid > 0 && read_full(from_peer[0], &ports, sizeof(ports), PEER_WAIT_MS);
	if (ok) {
		/* not in sluiced's namespace: without the cgroup nothing is found */
		tg = target(family, ports.a, false);
		ok = !sl_sockterm_run(f->t, &tg, 1, NULL, NULL, 0, &destroyed, &err) &&
		     destroyed == 0;
	}
	if (ok) {
		/* UDP only */
		want = diag ? 3 : (family == AF_INET ? 2 : 1);
		if (diag && family == AF_INET)
			want++;
		ok = !sl_sockterm_run(f->t, &tg, 1, paths, &id, 1, &destroyed, &err) &&
		     destroyed == want;
		if (!ok)
			print_error("UDP run: destroyed %u, want %u: %s\n", destroyed, want, err.msg);
	}
	if (ok) {
		/* and TCP */
		tg.terminate_tcp = true;
		ok = !sl_sockterm_run(f->t, &tg, 1, paths, &id, 1, &destroyed, &err) &&
		     destroyed == 1;
		if (!ok)
			print_error("TCP run: destroyed %u: %s\n", destroyed, err.msg);
	}
	ok = ok && write(to_peer[1], "c", 1) == 1 &&
	     read_full(from_peer[0], res, sizeof(res), PEER_WAIT_MS);
	if (pid > 0) {
		if (!ok)
			kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(to_peer[1]);
	close(from_peer[0]);
	rmdir_retry(sub);
	rmdir_retry(base);
	assert_true(ok);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < P_N; i++) {
		unsigned char w = i == P_MAPPED && family != AF_INET ? SKIPPED
				  : diag ? want_diag[i] : want_iter[i];

		if (res[i] != w)
			fail_msg("peer socket %d: state %d, want %d", i, res[i], w);
	}
}

static void test_iter_peer_v4(void **state)
{
	peer_case(*state, SL_SOCKTERM_ITER, AF_INET);
}

static void test_iter_peer_v6(void **state)
{
	peer_case(*state, SL_SOCKTERM_ITER, AF_INET6);
}

static void test_diag_peer_v4(void **state)
{
	peer_case(*state, SL_SOCKTERM_DIAG, AF_INET);
}

static void test_diag_peer_v6(void **state)
{
	peer_case(*state, SL_SOCKTERM_DIAG, AF_INET6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_names),
		cmocka_unit_test_setup_teardown(test_open_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_udp_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_udp_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_tcp_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_tcp_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_many_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_spares_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_peer_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_peer_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_peer_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diag_peer_v6, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	sl_log_set_level(SL_LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
