// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* names.c: the answerers' lifecycle: each heartbeat finds the attached cgroups' network
 * namespaces (cgroup_scan), opens an answerer in each new one, closes those no task uses any
 * more, and renews every lease in dns_answerers; answerers' sockets wake it through its epoll. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include "kernel/attach.h"
#include "kernel/cgroup_scan.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/vec.h"
#include "names/names.h"

#define EVENTS_BATCH 64
#define MAX_ANSWERERS SLUICE_MAX_DNS_ANSWERERS
#define FAILED_KEPT 64 /* namespaces whose answerer failed, said once each */

struct failed {
	dev_t dev;
	ino_t ino;
};

struct sl_names {
	struct sl_names_opts o;
	int ep, timer, kick;
	struct sl_answerer_io timer_io; /* .a NULL: the heartbeat */
	struct sl_answerer_io kick_io;  /* the quick looks after a task appeared */
	unsigned kicks_left;
	struct sl_answerer_env env;
	struct sl_answerer_stats stats;
	struct sl_answerer_batch *batch;
	struct sl_alias_names names;
	bool wanted;
	struct sl_answerer **v;
	size_t n, cap;
	struct failed failed[FAILED_KEPT];
	size_t nfailed;
};

static void drop_entry(struct sl_names *n, struct sl_answerer *a)
{
	uint64_t cookie = sl_answerer_cookie(a);

	bpf_map_delete_elem(n->o.maps->dns_answerers, &cookie);
}

/* Remove every entry of dns_answerers (an earlier sluiced's, whose sockets are gone). */
static void clear_map(int fd)
{
	uint64_t key, next;
	unsigned bound = 2 * SLUICE_MAX_DNS_ANSWERERS;

	while (bound-- && !bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
}

int sl_names_open(struct sl_names **out, const struct sl_names_opts *o, struct sl_err *err)
{
	struct itimerspec its = { .it_interval = { 0, SL_NAMES_BEAT_MS * 1000000L },
				  .it_value = { 0, SL_NAMES_BEAT_MS * 1000000L } };
	struct epoll_event ev = { .events = EPOLLIN }, kev = { .events = EPOLLIN };
	struct sl_names *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n)
		return sl_err_set(err, "names: out of memory");
	n->timer = n->kick = n->ep = -1;
	if (SL_NAMES_BEAT_MS >= 1000) {
		its.it_interval.tv_sec = its.it_value.tv_sec = SL_NAMES_BEAT_MS / 1000;
		its.it_interval.tv_nsec = its.it_value.tv_nsec = (SL_NAMES_BEAT_MS % 1000) * 1000000L;
	}
	n->o = *o;
	n->ep = epoll_create1(EPOLL_CLOEXEC);
	n->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	n->kick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ev.data.ptr = &n->timer_io;
	kev.data.ptr = &n->kick_io;
	if (n->ep < 0 || n->timer < 0 || n->kick < 0 ||
	    epoll_ctl(n->ep, EPOLL_CTL_ADD, n->timer, &ev) ||
	    epoll_ctl(n->ep, EPOLL_CTL_ADD, n->kick, &kev) ||
	    timerfd_settime(n->timer, 0, &its, NULL)) {
		int ret = sl_err_set(err, "names: event loop: %s", strerror(errno));

		sl_names_free(n);
		return ret;
	}
	n->batch = malloc(sizeof(*n->batch));
	if (!n->batch) {
		sl_names_free(n);
		return sl_err_set(err, "names: out of memory");
	}
	n->env = (struct sl_answerer_env){ .batch = n->batch, .ep = n->ep,
					   .sock_vips_fd = o->maps->sock_vips,
					   .maps = o->maps, .names = &n->names, .stats = &n->stats };
	clear_map(o->maps->dns_answerers);
	*out = n;
	return 0;
}

static void close_all(struct sl_names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		drop_entry(n, n->v[i]);
		sl_answerer_free(n->v[i]);
	}
	if (n->n)
		pr_info("names: DNS answered in no network namespace now");
	n->n = 0;
}

void sl_names_free(struct sl_names *n)
{
	if (!n)
		return;
	close_all(n);
	free(n->v);
	free(n->batch);
	sl_alias_names_free(&n->names);
	if (n->timer >= 0)
		close(n->timer);
	if (n->kick >= 0)
		close(n->kick);
	if (n->ep >= 0)
		close(n->ep);
	free(n);
}

int sl_names_fd(const struct sl_names *n)
{
	return n->ep;
}

void sl_names_set(struct sl_names *n, struct sl_alias_names *names, bool wanted)
{
	sl_alias_names_free(&n->names);
	n->names = *names;
	memset(names, 0, sizeof(*names));
	n->wanted = wanted;
	if (!wanted)
		close_all(n);
}

size_t sl_names_answering(const struct sl_names *n)
{
	return n->n;
}

const struct sl_answerer_stats *sl_names_stats(const struct sl_names *n)
{
	return &n->stats;
}

/* The namespace failed before (said then), or is now noted as failed. */
static bool failed_before(struct sl_names *n, const struct sl_netns_ref *r)
{
	size_t i;

	for (i = 0; i < n->nfailed; i++)
		if (n->failed[i].dev == r->dev && n->failed[i].ino == r->ino)
			return true;
	if (n->nfailed == FAILED_KEPT)
		memmove(n->failed, n->failed + 1, sizeof(n->failed) - sizeof(n->failed[0])),
			n->nfailed--;
	n->failed[n->nfailed++] = (struct failed){ r->dev, r->ino };
	return false;
}

/* The network namespaces of the processes of every live attached cgroup (their subtrees:
 * the attach rules' tasks are below their watched directories). */
static int scan(struct sl_names *n, struct sl_cgroup_scan *s)
{
	struct sl_attachment_info *att = NULL;
	size_t na = 0, i;
	struct sl_err err;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = sl_attachments_list(n->o.bpffs, n->o.maps->attachments, &att, &na, &err);
	if (ret) {
		pr_warn("names: %s", err.msg);
		return ret;
	}
	for (i = 0; !ret && i < na; i++)
		if (att[i].alive)
			ret = sl_cgroup_scan_walk(s, att[i].path);
	free(att);
	return ret;
}

static struct sl_answerer *find(struct sl_names *n, const struct sl_netns_ref *r)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (sl_answerer_is(n->v[i], r->dev, r->ino))
			return n->v[i];
	return NULL;
}

static void open_one(struct sl_names *n, const struct sl_netns_ref *r)
{
	struct sl_answerer *a;
	struct sl_err err;
	int fd;

	if (n->n >= MAX_ANSWERERS || sl_vec_room(n->v, n->n, n->cap))
		return;
	fd = dup(r->fd);
	if (fd < 0)
		return;
	if (sl_answerer_open(&a, fd, r->dev, r->ino, &n->env, &err)) {
		if (!failed_before(n, r))
			pr_warn("names: network namespace %lu: %s; its tasks' DNS goes to their "
				"own servers (tried again every second)", (unsigned long)r->ino,
				err.msg);
		return;
	}
	n->v[n->n++] = a;
	pr_info("names: answering DNS in network namespace %lu", sl_answerer_ino(a));
}

/* Answerers in step with the namespaces in use: new ones opened, unused ones closed. */
static void sync_answerers(struct sl_names *n)
{
	struct sl_cgroup_scan s;
	bool *seen;
	size_t i, k;

	if (scan(n, &s)) {
		sl_cgroup_scan_free(&s);
		return; /* keep what answers: the scan failed, not the tasks */
	}
	seen = calloc(n->n + s.nns + 1, sizeof(*seen));
	if (!seen) {
		sl_cgroup_scan_free(&s);
		return;
	}
	for (i = 0; i < s.nns; i++) {
		struct sl_answerer *a = find(n, &s.ns[i]);

		if (!a) {
			open_one(n, &s.ns[i]);
			a = find(n, &s.ns[i]);
		}
		for (k = 0; a && k < n->n; k++)
			if (n->v[k] == a)
				seen[k] = true;
	}
	for (i = k = 0; i < n->n; i++) {
		if (seen[i] || s.truncated) {
			n->v[k++] = n->v[i];
			continue;
		}
		pr_info("names: no task uses network namespace %lu any more",
			sl_answerer_ino(n->v[i]));
		drop_entry(n, n->v[i]);
		sl_answerer_free(n->v[i]);
	}
	n->n = k;
	free(seen);
	sl_cgroup_scan_free(&s);
}

/* Every answerer's lease renewed (its entry written whole). */
static void renew(struct sl_names *n)
{
	uint64_t until = sl_now_ns() + SL_NAMES_LEASE_NS;
	size_t i;

	for (i = 0; i < n->n; i++) {
		struct sluice_dns_answerer e;
		uint64_t cookie = sl_answerer_cookie(n->v[i]);

		sl_answerer_entry(n->v[i], until, &e);
		if (bpf_map_update_elem(n->o.maps->dns_answerers, &cookie, &e, BPF_ANY))
			pr_warn("names: dns_answerers: %s", strerror(errno));
		sl_answerer_tick(n->v[i], sl_now_ns());
	}
}

static void beat(struct sl_names *n, int fd)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	if (fd == n->kick && n->kicks_left && !--n->kicks_left) {
		struct itimerspec off = {};

		timerfd_settime(n->kick, 0, &off, NULL);
	}
	if (!n->wanted)
		return;
	sync_answerers(n);
	renew(n);
}

void sl_names_kick(struct sl_names *n)
{
	struct itimerspec its = { .it_interval = { 0, SL_NAMES_KICK_MS * 1000000L },
				  .it_value = { 0, 1 } };

	if (!n || !n->wanted)
		return;
	n->kicks_left = SL_NAMES_KICKS;
	timerfd_settime(n->kick, 0, &its, NULL);
}

bool sl_names_dispatch(struct sl_names *n)
{
	struct epoll_event evs[EVENTS_BATCH];
	int k, i;

	bool beats = false, kicked = false;
	size_t a;

	k = epoll_wait(n->ep, evs, EVENTS_BATCH, 0);
	for (i = 0; i < k; i++) {
		struct sl_answerer_io *io = evs[i].data.ptr;

		if (io == &n->timer_io)
			beats = true;
		else if (io == &n->kick_io)
			kicked = true;
		else
			sl_answerer_io(io, evs[i].events);
	}
	for (a = 0; a < n->n; a++)
		sl_answerer_reap(n->v[a]);
	/* last: they may close answerers the events above named */
	if (beats)
		beat(n, n->timer);
	if (kicked)
		beat(n, n->kick);
	return beats || kicked;
}
