// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sockterm.c: socket termination's walk: the network namespaces of sluiced and of the attached
 * cgroups' processes, each entered by a short-lived thread where a method (iterators or
 * sock_diag: sockterm_methods.h) destroys the sockets left on departed backends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kernel/attach.h"
#include "kernel/cgroup_scan.h"
#include "kernel/sockterm.h"
#include "kernel/sockterm_methods.h"
#include "lib/log.h"
#include "lib/vec.h"

#define MAX_OWN_FDS 65536     /* sluiced's own descriptors looked at (sock_diag) */
#define RUN_TIMEOUT_S 60      /* no new network namespace is entered after this */

struct sl_sockterm {
	enum sl_sockterm_mode method; /* SL_SOCKTERM_ITER, _DIAG or _OFF */
	struct sockterm_iter *iter;
};

/* What one run looks at: network namespaces, and for sock_diag the cgroup ids accepted and
 * sluiced's own socket inodes (never destroyed, like SLUICE_SOCK_EXEMPT). */
struct scope {
	struct sl_cgroup_scan w; /* network namespaces and cgroup ids */
	uint64_t *own;
	size_t nown, owncap;
};

/* The work done in one network namespace, by a thread that entered it. */
struct ns_job {
	struct sl_sockterm *t;
	int nsfd;
	const struct sockterm_pass *pass;
	unsigned destroyed; /* sock_diag; the iterators count in their bss */
	int ret;
	char msg[512];
};

const char *sl_sockterm_method_name(enum sl_sockterm_mode m)
{
	switch (m) {
	case SL_SOCKTERM_OFF:
		return "off";
	case SL_SOCKTERM_ITER:
		return "iterator";
	case SL_SOCKTERM_DIAG:
		return "sock_diag";
	case SL_SOCKTERM_AUTO:
		return "auto";
	}
	return "unknown";
}

enum sl_sockterm_mode sl_sockterm_method(const struct sl_sockterm *t)
{
	return t ? t->method : SL_SOCKTERM_OFF;
}

static int u64_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (sl_vec_room(*v, *n, *cap))
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

static void scope_free(struct scope *s)
{
	sl_cgroup_scan_free(&s->w);
	free(s->own);
	memset(s, 0, sizeof(*s));
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
		qsort(s->own, s->nown, sizeof(*s->own), sockterm_cmp_u64);
	return ret;
}

static int scope_build(struct sl_sockterm *t, char *const *cgroup_paths,
		       const uint64_t *cgroup_ids, size_t ncgroups, struct scope *s,
		       struct sl_err *err)
{
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = sl_cgroup_scan_add_netns(&s->w, "/proc/thread-self/ns/net");
	if (ret) {
		sl_err_set(err, "socket termination: /proc/thread-self/ns/net: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < ncgroups; i++) {
		if (cgroup_ids) {
			ret = sl_cgroup_scan_add_id(&s->w, cgroup_ids[i]);
			if (ret)
				goto fail;
		}
		if (cgroup_paths && cgroup_paths[i]) {
			ret = sl_cgroup_scan_walk(&s->w, cgroup_paths[i]);
			if (ret)
				goto fail;
		}
	}
	if (s->w.ncg)
		qsort(s->w.cg, s->w.ncg, sizeof(*s->w.cg), sockterm_cmp_u64);
	if (t->method == SL_SOCKTERM_DIAG) {
		ret = scope_own_sockets(s);
		if (ret)
			goto fail;
	}
	if (s->w.truncated)
		pr_warn("socket termination: more cgroups, processes or network namespaces than "
			"it looks at (%d, %d, %d): some sockets may stay", SL_SCAN_MAX_CGROUP_DIRS,
			SL_SCAN_MAX_PIDS, SL_SCAN_MAX_NETNS);
	return 0;
fail:
	sl_err_set(err, "socket termination: listing the cgroups' network namespaces: %s",
		   strerror(-ret));
	scope_free(s);
	return ret;
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
	if (job->t->method == SL_SOCKTERM_ITER)
		job->ret = sockterm_iter_netns(job->t->iter, job->pass, job->msg, sizeof(job->msg));
	else
		job->ret = sockterm_diag_netns(job->pass, &job->destroyed, job->msg,
					       sizeof(job->msg));
	return NULL;
}

/* Do the pass in every network namespace of the scope. The first error is kept (with err
 * set); the other namespaces are still visited. */
static int visit_all(struct sl_sockterm *t, const struct sockterm_pass *p, const struct scope *s,
		     unsigned *destroyed, struct sl_err *err)
{
	struct timespec start, now;
	size_t i;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < s->w.nns; i++) {
		struct ns_job job = { .t = t, .nsfd = s->w.ns[i].fd, .pass = p };
		pthread_t th;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > RUN_TIMEOUT_S) {
			if (!ret) {
				sl_err_set(err, "socket termination: out of time after %zu of %zu "
					   "network namespaces", i, s->w.nns);
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

static struct sockterm_pass make_pass(const struct sl_departure *v, size_t n, const struct scope *s)
{
	struct sockterm_pass p = { .v = v, .n = n, .cg = s->w.cg, .ncg = s->w.ncg, .own = s->own,
				   .nown = s->nown };
	size_t i;

	for (i = 0; i < n; i++)
		p.tcp |= v[i].terminate_tcp;
	return p;
}

/* The iterators take the targets in batches (as many as their map holds), each with a pass
 * over every network namespace. */
static int iter_targets(struct sl_sockterm *t, const struct sl_departure *v, size_t n,
			const struct scope *s, unsigned *destroyed, struct sl_err *err)
{
	unsigned ignored = 0;
	size_t i = 0;
	int ret = 0;

	while (i < n && !ret) {
		struct sockterm_pass p;
		int k = sockterm_iter_load(t->iter, v + i, n - i, err);

		if (k <= 0) {
			ret = k ? k : sl_err_set(err, "socket termination: map doomed_backends "
						 "holds no target");
			break;
		}
		p = make_pass(v + i, (size_t)k, s);
		ret = visit_all(t, &p, s, &ignored, err);
		sockterm_iter_unload(t->iter, destroyed);
		i += (size_t)k;
	}
	return ret;
}

int sl_sockterm_run(struct sl_sockterm *t, const struct sl_departure *v, size_t n,
		    char *const *cgroup_paths, const uint64_t *cgroup_ids, size_t ncgroups,
		    unsigned *destroyed, struct sl_err *err)
{
	struct sockterm_pass p;
	struct scope s;
	int ret;

	*destroyed = 0;
	if (!t || t->method == SL_SOCKTERM_OFF || !n)
		return 0;
	ret = scope_build(t, cgroup_paths, cgroup_ids, ncgroups, &s, err);
	if (ret)
		return ret;
	pr_debug("socket termination: %zu backends, %zu network namespaces, %zu cgroups",
		 n, s.w.nns, s.w.ncg);
	if (t->method == SL_SOCKTERM_ITER) {
		ret = iter_targets(t, v, n, &s, destroyed, err);
	} else {
		p = make_pass(v, n, &s);
		ret = visit_all(t, &p, &s, destroyed, err);
	}
	scope_free(&s);
	return ret;
}

int sl_sockterm_run_attached(struct sl_sockterm *t, const struct sl_departure *v, size_t n,
			     const char *bpffs, int attachments_fd, unsigned *destroyed,
			     struct sl_err *err)
{
	struct sl_attachment_info *att = NULL;
	char **paths = NULL;
	uint64_t *ids = NULL;
	size_t na = 0, i, k = 0;
	int ret;

	*destroyed = 0;
	if (!t || t->method == SL_SOCKTERM_OFF || !n)
		return 0;
	ret = sl_attachments_list(bpffs, attachments_fd, &att, &na, err);
	if (ret)
		return ret;
	paths = calloc(na + 1, sizeof(*paths));
	ids = calloc(na + 1, sizeof(*ids));
	if (!paths || !ids) {
		ret = sl_err_set(err, "socket termination: out of memory");
		goto out;
	}
	for (i = 0; i < na; i++) {
		if (!att[i].alive)
			continue;
		paths[k] = att[i].path;
		ids[k++] = att[i].cgroup_id;
	}
	ret = sl_sockterm_run(t, v, n, paths, ids, k, destroyed, err);
out:
	free(att);
	free(paths);
	free(ids);
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
		t->method = SL_SOCKTERM_OFF;
		pr_info("socket termination: off");
		break;
	case SL_SOCKTERM_AUTO:
	case SL_SOCKTERM_ITER:
		ret = sockterm_iter_open(&t->iter, sock_routes_fd,
					 mode == SL_SOCKTERM_ITER ? err : &ierr);
		if (!ret) {
			t->method = SL_SOCKTERM_ITER;
			pr_info("socket termination: BPF socket iterators (bpf_sock_destroy)");
			break;
		}
		if (mode == SL_SOCKTERM_ITER)
			goto fail;
		pr_info("socket termination: no BPF socket iterators (%s): trying sock_diag",
			ierr.msg);
		ret = sockterm_diag_probe(&ierr);
		if (ret) {
			pr_warn("socket termination: unavailable, sockets to backends that stop "
				"serving stay open: %s", ierr.msg);
			t->method = SL_SOCKTERM_OFF;
			ret = 0;
			break;
		}
		t->method = SL_SOCKTERM_DIAG;
		pr_info("socket termination: netlink sock_diag SOCK_DESTROY");
		break;
	case SL_SOCKTERM_DIAG:
		ret = sockterm_diag_probe(err);
		if (ret)
			goto fail;
		t->method = SL_SOCKTERM_DIAG;
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
	sockterm_iter_free(t->iter);
	free(t);
}
