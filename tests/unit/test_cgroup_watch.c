// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_cgroup_watch.c: the watcher on a directory tree of the test's (inotify behaves the same
 * on cgroupfs): a watched directory made late, tasks at the glob's last level found as their
 * parents appear, gone with them, made again under a name, and a cgroup two rules match. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "inputs/cgroup_watch.h"

#define MAX_SEEN 16

struct seen {
	char found[MAX_SEEN][PATH_MAX], gone[MAX_SEEN][PATH_MAX];
	uint32_t found_level[MAX_SEEN], found_tag[MAX_SEEN];
	int nfound, ngone, roots_up, roots_down;
};

static void on_found(void *ctx, const struct sl_watch_task *t)
{
	struct seen *s = ctx;
	struct stat st;

	assert_true(s->nfound < MAX_SEEN);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_ino, t->id);
	snprintf(s->found[s->nfound], PATH_MAX, "%s", t->path);
	s->found_level[s->nfound] = t->level;
	s->found_tag[s->nfound++] = t->tag;
}

static void on_gone(void *ctx, const struct sl_watch_task *t)
{
	struct seen *s = ctx;

	assert_true(s->ngone < MAX_SEEN);
	snprintf(s->gone[s->ngone++], PATH_MAX, "%s", t->path);
}

static void on_root(void *ctx, size_t rule, const char *watch, bool present)
{
	struct seen *s = ctx;

	(void)rule;
	(void)watch;
	if (present)
		s->roots_up++;
	else
		s->roots_down++;
}

static const struct sl_watch_ops ops = { on_found, on_gone, on_root };

static char top[256];

static const char *at(const char *rel)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", top, rel);
	return buf[k];
}

/* Wait (bounded) for the watcher's fd, then let it read and scan. */
static void settle(struct sl_cgwatch *w, struct seen *s)
{
	struct pollfd p = { .fd = sl_cgwatch_fd(w), .events = POLLIN };

	memset(s, 0, sizeof(*s));
	if (poll(&p, 1, 1000) > 0)
		sl_cgwatch_dispatch(w, &ops, s);
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/sluice-cgwatch-XXXXXX");
	return mkdtemp(top) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) ? -1 : 0;
}

static void test_tree_followed(void **state)
{
	char *watch = strdup(at("kubepods.slice"));
	const struct sl_watch_rule rule = {
		.watch = watch,
		.match = "kubepods-burstable.slice/kubepods-burstable-pod*.slice", .tag = 7,
	};
	struct sl_cgwatch *w;
	struct sl_err err;
	struct seen s = {};

	(void)state;
	assert_int_equal(sl_cgwatch_open(&w, top, &rule, 1, &err), 0);
	sl_cgwatch_scan(w, &ops, &s);
	assert_int_equal(s.roots_up + s.nfound, 0); /* nothing there yet */

	assert_int_equal(mkdir(at("kubepods.slice"), 0755), 0);
	settle(w, &s);
	assert_int_equal(s.roots_up, 1);
	assert_int_equal(s.nfound, 0);

	/* Both levels made before the watcher looks: the new watch's scan finds the pod. */
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice"), 0755), 0);
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podab12.slice"), 0755), 0);
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice/other"), 0755), 0);
	settle(w, &s);
	assert_int_equal(s.nfound, 1);
	assert_string_equal(s.found[0], at("kubepods.slice/kubepods-burstable.slice/"
					   "kubepods-burstable-podab12.slice"));
	assert_int_equal(s.found_tag[0], 7);
	assert_int_equal(s.found_level[0], 3);

	/* A container below the pod is the pod's, no task of its own. */
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podab12.slice/cri-containerd-1.scope"), 0755), 0);
	settle(w, &s);
	assert_int_equal(s.nfound + s.ngone, 0);

	/* Gone, and made again under the name: another cgroup, found again. */
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podab12.slice/cri-containerd-1.scope")), 0);
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podab12.slice")), 0);
	settle(w, &s);
	assert_int_equal(s.ngone, 1);
	assert_int_equal(s.nfound, 0);
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podcd34.slice"), 0755), 0);
	settle(w, &s);
	assert_int_equal(s.nfound, 1);
	size_t n;
	assert_non_null(sl_cgwatch_tasks(w, &n));
	assert_int_equal(n, 1);

	/* The whole tree goes: the task with it, and the root. */
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podcd34.slice")), 0);
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice/other")), 0);
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice")), 0);
	assert_int_equal(rmdir(at("kubepods.slice")), 0);
	settle(w, &s);
	assert_int_equal(s.ngone, 1);
	assert_int_equal(s.roots_down, 1);
	sl_cgwatch_tasks(w, &n);
	assert_int_equal(n, 0);

	/* And comes back, tasks and all, found from the pending watch on its parent. */
	assert_int_equal(mkdir(at("kubepods.slice"), 0755), 0);
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice"), 0755), 0);
	assert_int_equal(mkdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podef56.slice"), 0755), 0);
	settle(w, &s);
	assert_int_equal(s.roots_up, 1);
	assert_int_equal(s.nfound, 1);
	sl_cgwatch_close(w);
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice/"
				  "kubepods-burstable-podef56.slice")), 0);
	assert_int_equal(rmdir(at("kubepods.slice/kubepods-burstable.slice")), 0);
	assert_int_equal(rmdir(at("kubepods.slice")), 0);
	free(watch);
}

/* Two rules that match one directory: the first one has it. A scan at start finds what is
 * there already. */
static void test_first_rule_wins(void **state)
{
	char *watch = strdup(at("system.slice"));
	struct sl_watch_rule rules[2] = {
		{ .watch = watch, .match = "docker-*.scope", .tag = 1 },
		{ .watch = watch, .match = "*", .tag = 2 },
	};
	struct sl_cgwatch *w;
	struct sl_err err;
	struct seen s = {};
	int i, by1 = 0, by2 = 0;

	(void)state;
	assert_int_equal(mkdir(at("system.slice"), 0755), 0);
	assert_int_equal(mkdir(at("system.slice/docker-aa.scope"), 0755), 0);
	assert_int_equal(mkdir(at("system.slice/sshd.service"), 0755), 0);
	assert_int_equal(sl_cgwatch_open(&w, top, rules, 2, &err), 0);
	sl_cgwatch_scan(w, &ops, &s);
	assert_int_equal(s.roots_up, 2);
	assert_int_equal(s.nfound, 2);
	for (i = 0; i < s.nfound; i++) {
		by1 += s.found_tag[i] == 1 && strstr(s.found[i], "docker-aa.scope");
		by2 += s.found_tag[i] == 2 && strstr(s.found[i], "sshd.service");
	}
	assert_int_equal(by1, 1);
	assert_int_equal(by2, 1);
	sl_cgwatch_close(w);
	assert_int_equal(rmdir(at("system.slice/docker-aa.scope")), 0);
	assert_int_equal(rmdir(at("system.slice/sshd.service")), 0);
	assert_int_equal(rmdir(at("system.slice")), 0);
	free(watch);
}

static void test_bad_rules(void **state)
{
	struct sl_watch_rule outside = { .watch = "/elsewhere", .match = "*" };
	struct sl_watch_rule glob = { .watch = (char *)at("x"), .match = "a/**" };
	struct sl_cgwatch *w;
	struct sl_err err;

	(void)state;
	assert_int_equal(sl_cgwatch_open(&w, top, &outside, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not below the cgroup2 mount"));
	assert_int_equal(sl_cgwatch_open(&w, top, &glob, 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "one '*' per level"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_followed),
		cmocka_unit_test(test_first_rule_wins),
		cmocka_unit_test(test_bad_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
