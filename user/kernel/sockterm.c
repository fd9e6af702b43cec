// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sockterm.c: destroying the sockets routed to backends that stopped serving, in sluiced's
 * network namespace and those of the attached cgroups' processes: BPF iterators or sock_diag. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include "lib/log.h"
#include "sluice.h"
#include "kernel/sockterm.h"
#include "lib/vec.h"
#include "sockterm.skel.h"

#define MAX_NETNS 1024        /* network namespaces visited in one run */
#define MAX_CGROUP_DIRS 4096  /* cgroup directories walked, descendants included */
#define MAX_PIDS 65536        /* pids read from cgroup.procs files in one run */
#define MAX_OWN_FDS 65536     /* sluiced's own descriptors looked at (sock_diag) */
#define MAX_ITER_READS 65536  /* reads of one iterator before giving up */
#define MAX_DIAG_RECVS 65536  /* netlink reads of one dump before giving up */
#define MAX_DIAG_SOCKS 65536  /* matching sockets taken from one network namespace */
#define NL_TIMEOUT_S 5        /* a netlink read that waits longer fails */
#define RUN_TIMEOUT_S 60      /* no new network namespace is entered after this */
#define DIAG_BUF_SIZE 32768   /* dump messages are at most this long (as ss reads them) */

/* TCP states worth a destroy: connected or closing, not listening, timewait or closed. */
#define TCP_DOOM_STATES                                                                     \
	((1U << 1) /* ESTABLISHED */ | (1U << 2) /* SYN_SENT */ | (1U << 4) /* FIN_WAIT1 */ | \
	 (1U << 5) /* FIN_WAIT2 */ | (1U << 8) /* CLOSE_WAIT */ | (1U << 9) /* LAST_ACK */ |  \
	 (1U << 11) /* CLOSING */)
#define UDP_CONNECTED_STATE (1U << 1) /* a connected UDP socket reports TCP_ESTABLISHED */

struct sl_sockterm {
	enum sl_sockterm_method method;
	struct sockterm *skel; /* iterators */
};

/* A network namespace to visit, held open. */
struct netns {
	int fd;
	dev_t dev;
	ino_t ino;
};

/* What one run looks at: network namespaces, and for sock_diag the cgroup ids accepted and
 * sluiced's own socket inodes (never destroyed, like SLUICE_SOCK_EXEMPT). */
struct scope {
	struct netns *ns;
	size_t nns;
	uint64_t *cg;
	size_t ncg, cgcap;
	uint64_t *own;
	size_t nown, owncap;
	size_t npids;
	bool truncated;
};

/* One socket sock_diag found to destroy. */
struct diag_sock {
	uint8_t family;
	uint8_t proto;
	struct inet_diag_sockid id;
};

/* The work done in one network namespace, by a thread that entered it. */
struct ns_job {
	struct sl_sockterm *t;
	int nsfd;
	const struct sl_sockterm_target *v; /* sock_diag */
	size_t n;
	const struct scope *scope;
	unsigned destroyed; /* sock_diag; the iterators count in their bss */
	int ret;
	char msg[512];
};

/* A dump's matching sockets. */
struct diag_dump {
	const struct ns_job *job;
	uint8_t proto;
	struct diag_sock *v;
	size_t n, cap;
	unsigned no_cgroup; /* sockets the kernel gave no cgroup id for */
	unsigned dropped;   /* over MAX_DIAG_SOCKS */
	int ret;
};

const char *sl_sockterm_method_name(enum sl_sockterm_method m)
{
	switch (m) {
	case SL_SOCKTERM_METHOD_NONE:
		return "off";
	case SL_SOCKTERM_METHOD_ITER:
		return "iterator";
	case SL_SOCKTERM_METHOD_DIAG:
		return "sock_diag";
	}
	return "unknown";
}

enum sl_sockterm_method sl_sockterm_method(const struct sl_sockterm *t)
{
	return t ? t->method : SL_SOCKTERM_METHOD_NONE;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int u64_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (sl_vec_room(*v, *n, *cap))
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

static bool u64_has(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_u64);
}

static void scope_free(struct scope *s)
{
	size_t i;

	for (i = 0; i < s->nns; i++)
		close(s->ns[i].fd);
	free(s->ns);
	free(s->cg);
	free(s->own);
	memset(s, 0, sizeof(*s));
}

/* Add the network namespace of path (a /proc/.../ns/net file) unless already there.
 * 0, or negative errno (-ENOENT: the process is gone). */
static int scope_add_netns(struct scope *s, const char *path)
{
	struct netns *nv;
	struct stat st;
	size_t i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	for (i = 0; i < s->nns; i++)
		if (s->ns[i].dev == st.st_dev && s->ns[i].ino == st.st_ino) {
			close(fd);
			return 0;
		}
	if (s->nns >= MAX_NETNS) {
		close(fd);
		s->truncated = true;
		return -E2BIG;
	}
	nv = realloc(s->ns, (s->nns + 1) * sizeof(*nv));
	if (!nv) {
		close(fd);
		return -ENOMEM;
	}
	s->ns = nv;
	s->ns[s->nns].fd = fd;
	s->ns[s->nns].dev = st.st_dev;
	s->ns[s->nns].ino = st.st_ino;
	s->nns++;
	return 0;
}

/* The network namespaces of the processes listed in dir/cgroup.procs. */
static int scope_add_procs(struct scope *s, const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int pid, ret = 0;

	if (sl_pathf(path, sizeof(path), "%s/cgroup.procs", dir))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0; /* removed meanwhile, or not a cgroup: nothing to visit */
	while (fscanf(f, "%d", &pid) == 1) {
		if (s->npids >= MAX_PIDS) {
			s->truncated = true;
			break;
		}
		s->npids++;
		sl_pathf(path, sizeof(path), "/proc/%d/ns/net", pid);
		ret = scope_add_netns(s, path);
		if (ret == -ENOENT || ret == -ESRCH || ret == -E2BIG)
			ret = 0; /* gone meanwhile; or full (truncated says so) */
		if (ret)
			break;
	}
	fclose(f);
	return ret;
}

/* Walk a cgroup directory and its descendants (breadth first, bounded): their ids, and the
 * network namespaces of their processes. */
static int scope_walk(struct scope *s, const char *root)
{
	char **dirs = NULL;
	size_t n = 0, i;
	int ret = 0;

	dirs = calloc(MAX_CGROUP_DIRS, sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	dirs[n] = strdup(root);
	if (!dirs[n]) {
		ret = -ENOMEM;
		goto cleanup;
	}
	n++;
	for (i = 0; i < n && !ret; i++) {
		struct dirent *de;
		struct stat st;
		DIR *d;

		if (stat(dirs[i], &st)) {
			pr_debug("socket termination: cgroup %s: %s", dirs[i], strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		ret = u64_push(&s->cg, &s->ncg, &s->cgcap, st.st_ino); /* inode == cgroup id */
		if (!ret)
			ret = scope_add_procs(s, dirs[i]);
		if (ret)
			break;
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char sub[PATH_MAX];

			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (n >= MAX_CGROUP_DIRS) {
				s->truncated = true;
				break;
			}
			if (sl_pathf(sub, sizeof(sub), "%s/%s", dirs[i], de->d_name))
				continue;
			dirs[n] = strdup(sub);
			if (!dirs[n]) {
				ret = -ENOMEM;
				break;
			}
			n++;
		}
		closedir(d);
	}
cleanup:
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return ret;
}

/* The inodes of sluiced's own sockets. */
static int scope_own_sockets(struct scope *s)
{
	struct dirent *de;
	size_t seen = 0;
	int ret = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && seen++ < MAX_OWN_FDS) {
		unsigned long long ino;
		char link[64];
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) != 1)
			continue;
		ret = u64_push(&s->own, &s->nown, &s->owncap, ino);
		if (ret)
			break;
	}
	closedir(d);
	if (s->nown)
		qsort(s->own, s->nown, sizeof(*s->own), cmp_u64);
	return ret;
}

static int scope_build(struct sl_sockterm *t, char *const *cgroup_paths,
		       const uint64_t *cgroup_ids, size_t ncgroups, struct scope *s,
		       struct sl_err *err)
{
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = scope_add_netns(s, "/proc/thread-self/ns/net");
	if (ret) {
		sl_err_set(err, "socket termination: /proc/thread-self/ns/net: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < ncgroups; i++) {
		if (cgroup_ids) {
			ret = u64_push(&s->cg, &s->ncg, &s->cgcap, cgroup_ids[i]);
			if (ret)
				goto fail;
		}
		if (cgroup_paths && cgroup_paths[i]) {
			ret = scope_walk(s, cgroup_paths[i]);
			if (ret)
				goto fail;
		}
	}
	if (s->ncg)
		qsort(s->cg, s->ncg, sizeof(*s->cg), cmp_u64);
	if (t->method == SL_SOCKTERM_METHOD_DIAG) {
		ret = scope_own_sockets(s);
		if (ret)
			goto fail;
	}
	if (s->truncated)
		pr_warn("socket termination: more cgroups, processes or network namespaces than "
			"it looks at (%d, %d, %d): some sockets may stay", MAX_CGROUP_DIRS,
			MAX_PIDS, MAX_NETNS);
	return 0;
fail:
	sl_err_set(err, "socket termination: listing the cgroups' network namespaces: %s",
		   strerror(-ret));
	scope_free(s);
	return ret;
}

/* ---- BPF iterators ---- */

/* Run one iterator to its end in the calling thread's network namespace. */
static int iter_run(struct bpf_link *link, const char *what, char *msg, size_t len)
{
	char buf[256];
	int fd, i, ret = -ETIMEDOUT;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		snprintf(msg, len, "creating the %s iterator: %s", what, strerror(errno));
		return ret;
	}
	for (i = 0; i < MAX_ITER_READS; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (!n) {
			ret = 0;
			break;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		ret = -errno;
		break;
	}
	if (ret)
		snprintf(msg, len, "reading the %s iterator: %s", what, strerror(-ret));
	close(fd);
	return ret;
}

static int iter_netns(struct ns_job *job)
{
	bool tcp = false;
	size_t i;
	int ret = 0;

	for (i = 0; i < job->n; i++)
		tcp |= job->v[i].tcp;
	if (tcp)
		ret = iter_run(job->t->skel->links.sockterm_tcp, "TCP", job->msg,
			       sizeof(job->msg));
	if (!ret)
		ret = iter_run(job->t->skel->links.sockterm_udp, "UDP", job->msg,
			       sizeof(job->msg));
	return ret;
}

static void doomed_clear(int fd, uint32_t max)
{
	struct sluice_doomed_key key;
	uint32_t i;

	for (i = 0; i <= max; i++) {
		if (bpf_map_get_next_key(fd, NULL, &key))
			break;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
}

static int doomed_put(int fd, const struct sl_sockterm_target *tg, uint8_t proto)
{
	struct sluice_doomed_key key = {};
	uint8_t one = 1;

	memcpy(key.addr, tg->addr.a, sizeof(key.addr));
	key.port = htons(tg->port);
	key.proto = proto;
	return bpf_map_update_elem(fd, &key, &one, BPF_ANY) ? -errno : 0;
}

static int iter_open(struct sl_sockterm *t, int sock_routes_fd, struct sl_err *err)
{
	struct sockterm *skel;
	int ret;

	if (sock_routes_fd < 0)
		return sl_err_set(err, "BPF socket iterators: no sock_routes map");
	skel = sockterm__open();
	if (!skel) {
		ret = -errno;
		sl_err_set(err, "BPF socket iterators: opening the object: %s", strerror(errno));
		return ret ? ret : -EINVAL;
	}
	/* sluiced's sock_routes, not one pinned (or to pin) under the default bpffs root */
	ret = bpf_map__set_pin_path(skel->maps.sock_routes, NULL);
	if (!ret)
		ret = bpf_map__reuse_fd(skel->maps.sock_routes, sock_routes_fd);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: map sock_routes: %s", strerror(-ret));
		goto fail;
	}
	ret = sockterm__load(skel);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: loading: %s (kernel 6.5+ with "
			   "bpf_sock_destroy needed; run with -v for the verifier's log)",
			   strerror(-ret));
		goto fail;
	}
	ret = sockterm__attach(skel);
	if (ret) {
		sl_err_set(err, "BPF socket iterators: attaching: %s", strerror(-ret));
		goto fail;
	}
	t->skel = skel;
	return 0;
fail:
	sockterm__destroy(skel);
	return ret < 0 ? ret : -EINVAL;
}

/* ---- sock_diag ---- */

static int diag_open(struct mnl_socket **out, char *msg, size_t len)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	struct mnl_socket *nl;
	int ret;

	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		ret = -errno;
		snprintf(msg, len, "netlink sock_diag socket: %s", strerror(errno));
		return ret;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		ret = -errno;
		snprintf(msg, len, "netlink sock_diag socket: %s", strerror(errno));
		mnl_socket_close(nl);
		return ret;
	}
	*out = nl;
	return 0;
}

/* SOCK_DESTROY one socket: 0, or negative errno (-ENOENT: it is gone). */
static int diag_destroy(struct mnl_socket *nl, uint8_t family, uint8_t proto,
			const struct inet_diag_sockid *id, uint32_t seq, char *buf)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int i, n, ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DESTROY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->id = *id;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (i = 0; i < 16; i++) {
		n = mnl_socket_recvfrom(nl, buf, DIAG_BUF_SIZE);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), NULL, NULL);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
	return -EPROTO;
}

static int diag_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) > 0 &&
	    mnl_attr_get_type(attr) == INET_DIAG_CGROUP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
		tb[INET_DIAG_CGROUP_ID] = attr;
	return MNL_CB_OK;
}

static bool diag_is_target(const struct ns_job *job, uint8_t proto, const struct sl_addr *a,
			   uint16_t port)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		if (job->v[i].port == port && (proto == IPPROTO_UDP || job->v[i].tcp) &&
		    sl_addr_eq(&job->v[i].addr, a))
			return true;
	return false;
}

static int diag_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[INET_DIAG_MAX + 1] = {};
	struct diag_dump *dd = data;
	const struct inet_diag_msg *m;
	struct sl_addr a;
	uint16_t port;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	port = ntohs(m->id.idiag_dport);
	if (!port)
		return MNL_CB_OK; /* unconnected: never */
	if (m->idiag_family == AF_INET)
		sl_addr_from_v4(&a, m->id.idiag_dst[0]);
	else if (m->idiag_family == AF_INET6)
		memcpy(a.a, m->id.idiag_dst, sizeof(a.a));
	else
		return MNL_CB_OK;
	if (!diag_is_target(dd->job, dd->proto, &a, port))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb);
	if (!tb[INET_DIAG_CGROUP_ID]) {
		dd->no_cgroup++;
		return MNL_CB_OK;
	}
	if (!u64_has(dd->job->scope->cg, dd->job->scope->ncg,
		     mnl_attr_get_u64(tb[INET_DIAG_CGROUP_ID])))
		return MNL_CB_OK; /* not in an attached cgroup: sluice did not route it */
	if (u64_has(dd->job->scope->own, dd->job->scope->nown, m->idiag_inode))
		return MNL_CB_OK; /* sluiced's own */
	if (dd->n >= MAX_DIAG_SOCKS) {
		dd->dropped++;
		return MNL_CB_OK;
	}
	if (sl_vec_room(dd->v, dd->n, dd->cap)) {
		dd->ret = -ENOMEM;
		return MNL_CB_ERROR;
	}
	dd->v[dd->n].family = m->idiag_family;
	dd->v[dd->n].proto = dd->proto;
	dd->v[dd->n].id = m->id;
	dd->n++;
	return MNL_CB_OK;
}

/* Dump the family's proto sockets in the states that matter, keeping the ones to destroy.
 * (The kernel sends every socket's INET_DIAG_CGROUP_ID unasked, since 5.7.) */
static int diag_dump(struct mnl_socket *nl, uint8_t family, uint8_t proto, uint32_t seq,
		     char *buf, struct diag_dump *dd)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int i, n, ret;

	dd->proto = proto;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->idiag_states = proto == IPPROTO_TCP ? TCP_DOOM_STATES : UDP_CONNECTED_STATE;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (i = 0; i < MAX_DIAG_RECVS; i++) {
		n = mnl_socket_recvfrom(nl, buf, DIAG_BUF_SIZE);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), diag_dump_cb, dd);
		if (ret < 0)
			return dd->ret ? dd->ret : -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
	return -ETIMEDOUT;
}

static int diag_netns(struct ns_job *job)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct diag_dump dd = { .job = job };
	struct mnl_socket *nl = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	bool tcp = false;
	char *buf;
	size_t i, f, p;
	int ret;

	for (i = 0; i < job->n; i++)
		tcp |= job->v[i].tcp;
	buf = malloc(DIAG_BUF_SIZE);
	if (!buf) {
		snprintf(job->msg, sizeof(job->msg), "sock_diag: out of memory");
		return -ENOMEM;
	}
	ret = diag_open(&nl, job->msg, sizeof(job->msg));
	if (ret)
		goto cleanup;
	for (f = 0; f < 2; f++)
		for (p = 0; p < 2; p++) {
			if (protos[p] == IPPROTO_TCP && !tcp)
				continue;
			ret = diag_dump(nl, families[f], protos[p], ++seq, buf, &dd);
			if (ret) {
				snprintf(job->msg, sizeof(job->msg), "sock_diag: dumping %s %s "
					 "sockets: %s", families[f] == AF_INET ? "IPv4" : "IPv6",
					 protos[p] == IPPROTO_TCP ? "TCP" : "UDP", strerror(-ret));
				goto cleanup;
			}
		}
	if (dd.dropped)
		pr_warn("socket termination: %u more sockets to destroy than it takes at once (%d): "
			"they stay", dd.dropped, MAX_DIAG_SOCKS);
	if (dd.no_cgroup)
		pr_debug("socket termination: %u sockets to a backend left alone: the kernel "
			 "gives no cgroup id (needs 5.7+)", dd.no_cgroup);
	for (i = 0; i < dd.n; i++) {
		const struct diag_sock *s = &dd.v[i];
		char abuf[SL_ADDR_STRLEN];
		struct sl_addr a;
		int r;

		r = diag_destroy(nl, s->family, s->proto, &s->id, ++seq, buf);
		if (s->family == AF_INET)
			sl_addr_from_v4(&a, s->id.idiag_dst[0]);
		else
			memcpy(a.a, s->id.idiag_dst, sizeof(a.a));
		sl_addr_format(&a, abuf, sizeof(abuf));
		if (!r) {
			job->destroyed++;
			pr_debug("socket termination: destroyed a %s socket to %s port %u",
				 s->proto == IPPROTO_TCP ? "TCP" : "UDP", abuf,
				 ntohs(s->id.idiag_dport));
		} else if (r != -ENOENT && !ret) { /* ENOENT: closed meanwhile */
			ret = r;
			snprintf(job->msg, sizeof(job->msg), "sock_diag: SOCK_DESTROY of a %s "
				 "socket to %s port %u: %s", s->proto == IPPROTO_TCP ? "TCP" : "UDP",
				 abuf, ntohs(s->id.idiag_dport), strerror(-r));
		}
	}
cleanup:
	if (nl)
		mnl_socket_close(nl);
	free(dd.v);
	free(buf);
	return ret;
}

/* Is SOCK_DESTROY there? Destroying a socket that does not exist says ENOENT if it is,
 * EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY. */
static int diag_probe(struct sl_err *err)
{
	struct inet_diag_sockid id = {};
	struct mnl_socket *nl;
	char msg[256];
	char *buf;
	int ret;

	ret = diag_open(&nl, msg, sizeof(msg));
	if (ret)
		return sl_err_set(err, "%s", msg), ret;
	buf = malloc(DIAG_BUF_SIZE);
	if (!buf) {
		mnl_socket_close(nl);
		return -ENOMEM;
	}
	id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	ret = diag_destroy(nl, AF_INET, IPPROTO_TCP, &id, (uint32_t)time(NULL), buf);
	free(buf);
	mnl_socket_close(nl);
	if (ret == -ENOENT || !ret)
		return 0;
	return sl_err_set(err, "netlink sock_diag SOCK_DESTROY: %s%s", strerror(-ret),
			  ret == -EOPNOTSUPP ? " (kernel without CONFIG_INET_DIAG_DESTROY)" : ""),
	       ret;
}

/* ---- runs ---- */

static void *ns_thread(void *arg)
{
	struct ns_job *job = arg;

	/* setns changes only this thread's network namespace */
	if (setns(job->nsfd, CLONE_NEWNET)) {
		job->ret = -errno;
		snprintf(job->msg, sizeof(job->msg), "entering a network namespace: %s",
			 strerror(errno));
		return NULL;
	}
	if (job->t->method == SL_SOCKTERM_METHOD_ITER)
		job->ret = iter_netns(job);
	else
		job->ret = diag_netns(job);
	return NULL;
}

/* Do the work in every network namespace of the scope. The first error is kept (with
 * err set); the other namespaces are still visited. */
static int visit_all(struct sl_sockterm *t, const struct sl_sockterm_target *v, size_t n,
		     const struct scope *s, unsigned *destroyed, struct sl_err *err)
{
	struct timespec start, now;
	size_t i;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < s->nns; i++) {
		struct ns_job job = { .t = t, .nsfd = s->ns[i].fd, .v = v, .n = n, .scope = s };
		pthread_t th;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > RUN_TIMEOUT_S) {
			if (!ret) {
				sl_err_set(err, "socket termination: out of time after %zu of %zu "
					   "network namespaces", i, s->nns);
				ret = -ETIMEDOUT;
			}
			break;
		}
		r = pthread_create(&th, NULL, ns_thread, &job);
		if (r) {
			if (!ret) {
				sl_err_set(err, "socket termination: thread: %s", strerror(r));
				ret = -r;
			}
			break;
		}
		pthread_join(th, NULL);
		*destroyed += job.destroyed;
		if (job.ret && !ret) {
			ret = job.ret;
			sl_err_set(err, "socket termination: %s", job.msg);
		}
	}
	return ret;
}

static int iter_targets(struct sl_sockterm *t, const struct sl_sockterm_target *v, size_t n,
			const struct scope *s, unsigned *destroyed, struct sl_err *err)
{
	int fd = bpf_map__fd(t->skel->maps.doomed_backends);
	uint32_t max = bpf_map__max_entries(t->skel->maps.doomed_backends);
	unsigned ignored = 0;
	uint64_t failed;
	size_t i = 0;
	int ret = 0;

	__atomic_store_n(&t->skel->bss->destroyed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->skel->bss->failed, 0, __ATOMIC_RELAXED);
	doomed_clear(fd, max);
	while (i < n && !ret) {
		size_t first = i;
		uint32_t used = 0;

		/* as many targets as doomed_backends holds, then a pass over every netns */
		while (i < n && used + 2 <= max) {
			ret = doomed_put(fd, &v[i], IPPROTO_UDP);
			if (!ret && v[i].tcp)
				ret = doomed_put(fd, &v[i], IPPROTO_TCP);
			if (ret) {
				sl_err_set(err, "socket termination: map doomed_backends: %s",
					   strerror(-ret));
				break;
			}
			used += v[i].tcp ? 2 : 1;
			i++;
		}
		if (!ret)
			ret = visit_all(t, v + first, i - first, s, &ignored, err);
		doomed_clear(fd, max);
	}
	*destroyed += (unsigned)__atomic_load_n(&t->skel->bss->destroyed, __ATOMIC_RELAXED);
	failed = __atomic_load_n(&t->skel->bss->failed, __ATOMIC_RELAXED);
	if (failed)
		pr_warn("socket termination: bpf_sock_destroy failed on %llu sockets",
			(unsigned long long)failed);
	return ret;
}

int sl_sockterm_run(struct sl_sockterm *t, const struct sl_sockterm_target *v, size_t n,
		    char *const *cgroup_paths, const uint64_t *cgroup_ids, size_t ncgroups,
		    unsigned *destroyed, struct sl_err *err)
{
	struct scope s;
	int ret;

	*destroyed = 0;
	if (!t || t->method == SL_SOCKTERM_METHOD_NONE || !n)
		return 0;
	ret = scope_build(t, cgroup_paths, cgroup_ids, ncgroups, &s, err);
	if (ret)
		return ret;
	pr_debug("socket termination: %zu backends, %zu network namespaces, %zu cgroups",
		 n, s.nns, s.ncg);
	if (t->method == SL_SOCKTERM_METHOD_ITER)
		ret = iter_targets(t, v, n, &s, destroyed, err);
	else
		ret = visit_all(t, v, n, &s, destroyed, err);
	scope_free(&s);
	return ret;
}

int sl_sockterm_open(struct sl_sockterm **out, enum sl_sockterm_mode mode, int sock_routes_fd,
		     struct sl_err *err)
{
	struct sl_sockterm *t;
	struct sl_err ierr = {};
	int ret = 0;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	switch (mode) {
	case SL_SOCKTERM_OFF:
		t->method = SL_SOCKTERM_METHOD_NONE;
		pr_info("socket termination: off");
		break;
	case SL_SOCKTERM_AUTO:
	case SL_SOCKTERM_ITER:
		ret = iter_open(t, sock_routes_fd, mode == SL_SOCKTERM_ITER ? err : &ierr);
		if (!ret) {
			t->method = SL_SOCKTERM_METHOD_ITER;
			pr_info("socket termination: BPF socket iterators (bpf_sock_destroy)");
			break;
		}
		if (mode == SL_SOCKTERM_ITER)
			goto fail;
		pr_info("socket termination: no BPF socket iterators (%s): trying sock_diag",
			ierr.msg);
		ret = diag_probe(&ierr);
		if (ret) {
			pr_warn("socket termination: unavailable, sockets to backends that stop "
				"serving stay open: %s", ierr.msg);
			t->method = SL_SOCKTERM_METHOD_NONE;
			ret = 0;
			break;
		}
		t->method = SL_SOCKTERM_METHOD_DIAG;
		pr_info("socket termination: netlink sock_diag SOCK_DESTROY");
		break;
	case SL_SOCKTERM_DIAG:
		ret = diag_probe(err);
		if (ret)
			goto fail;
		t->method = SL_SOCKTERM_METHOD_DIAG;
		pr_info("socket termination: netlink sock_diag SOCK_DESTROY");
		break;
	default:
		ret = sl_err_set(err, "socket termination: unknown mode %d", (int)mode);
		goto fail;
	}
	*out = t;
	return 0;
fail:
	free(t);
	return ret < 0 ? ret : -EINVAL;
}

void sl_sockterm_free(struct sl_sockterm *t)
{
	if (!t)
		return;
	if (t->skel)
		sockterm__destroy(t->skel);
	free(t);
}
