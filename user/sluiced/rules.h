/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* rules.h: the config's attach rules at work: the programs attached once at each watched
 * directory, the tasks the watcher finds put in the tasks map with their namespace, those
 * that go forgotten, and what an earlier sluiced or config left adopted or swept. */
#ifndef SL_RULES_H
#define SL_RULES_H

#include <stddef.h>
#include "inputs/config.h"
#include "kernel/dataplane.h"
#include "lib/err.h"

struct sl_rules;

/* The rules of cfg (presets expanded below the cgroup2 mount) on dp's maps; NULL in *out when
 * cfg has none. Nothing is scanned or written yet. */
int sl_rules_open(struct sl_rules **out, const struct sl_config *cfg, struct sl_dataplane *dp,
		  struct sl_err *err);
void sl_rules_close(struct sl_rules *r);
/* The watcher's fd (-1 for NULL), for the loop. */
int sl_rules_fd(const struct sl_rules *r);
/* Scan, put every task found, then sweep: found tasks and watched attachments of the maps
 * that no rule of r has (r may be NULL: every one) go. At start and after a reload. */
void sl_rules_start(struct sl_rules *r, struct sl_dataplane *dp);
/* The watcher's fd is readable. */
void sl_rules_dispatch(struct sl_rules *r);
/* Periodic: retry what failed (an attach, a task entry), sync the classifier's levels. */
void sl_rules_tick(struct sl_rules *r);

/* For status and metrics. */
struct sl_rules_stats {
	size_t rules;    /* watched directories, presets expanded */
	size_t present;  /* of them, those that exist */
	size_t tasks;    /* tasks found */
	size_t failing;  /* tasks or directories whose entry or attach failed */
};
void sl_rules_stats(const struct sl_rules *r, struct sl_rules_stats *s);

#endif
