/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cgroup_watch.h: the task cgroups that attach rules find below their watched directories,
 * followed with inotify: one watch per directory level (inotify is not recursive), the rule's
 * tree scanned again after every event and every new watch (a mkdir can race a watch). */
#ifndef SL_CGROUP_WATCH_H
#define SL_CGROUP_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "inputs/cgroup_rules.h"
#include "lib/err.h"

/* One rule: tasks are the directories at match's levels below watch. */
struct sl_watch_rule {
	char *watch;     /* absolute path of the watched directory (may not exist yet) */
	char *match;     /* the glob, one level per '/' (sl_match_levels) */
	uint32_t tag;    /* the caller's (the namespace's index), handed back with each task */
};

/* A task a rule found. */
struct sl_watch_task {
	char *path;     /* absolute */
	uint64_t id;    /* its cgroup id (the directory's inode number) */
	uint32_t level; /* its level in the cgroup2 tree */
	size_t rule;    /* index of the rule that found it */
	uint32_t tag;
};

/* What a dispatch saw, for the caller to act on (each called once per change). */
struct sl_watch_ops {
	void (*found)(void *ctx, const struct sl_watch_task *t);
	void (*gone)(void *ctx, const struct sl_watch_task *t);
	/* A rule's watched directory now exists (present) or went: the programs are attached
	 * there, once, so that a task's very first connect is covered. */
	void (*root)(void *ctx, size_t rule, const char *watch, bool present);
};

struct sl_cgwatch;

/* Watch rules (copied) below the cgroup2 mount (absolute; rules must lie below it). The
 * first scan happens at the first sl_cgwatch_scan. -errno with err saying what. */
int sl_cgwatch_open(struct sl_cgwatch **out, const char *mount, const struct sl_watch_rule *rules,
		    size_t n, struct sl_err *err);
void sl_cgwatch_close(struct sl_cgwatch *w);
/* The inotify fd (non-blocking), for the caller's epoll. */
int sl_cgwatch_fd(const struct sl_cgwatch *w);
/* Scan every rule's tree, calling ops for what changed since the last scan. */
void sl_cgwatch_scan(struct sl_cgwatch *w, const struct sl_watch_ops *ops, void *ctx);
/* Read the inotify events and scan the rules they concern (all of them after an overflow). */
void sl_cgwatch_dispatch(struct sl_cgwatch *w, const struct sl_watch_ops *ops, void *ctx);
/* Rule i's watched directory (absolute). */
const char *sl_cgwatch_rule_watch(const struct sl_cgwatch *w, size_t i);
/* The tasks found now, sorted by rule, then path. */
const struct sl_watch_task *sl_cgwatch_tasks(const struct sl_cgwatch *w, size_t *n);

#endif
