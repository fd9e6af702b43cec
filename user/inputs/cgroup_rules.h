/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cgroup_rules.h: which cgroups are tasks: a directory of the cgroup2 tree to watch and a
 * glob for the task level below it, written out or taken from a preset of the container
 * runtimes' layouts (ECS, Docker, Kubernetes). Pure. */
#ifndef SL_CGROUP_RULES_H
#define SL_CGROUP_RULES_H

#include <stdbool.h>
#include <stddef.h>

#define SL_RULE_MAX_LEVELS 4 /* levels a match glob may have below its watched directory */

/* One layout: tasks are the directories below watch (relative to the cgroup2 mount, "" for
 * the mount itself) whose path relative to it matches match, one glob part per level. */
struct sl_layout {
	const char *watch;
	const char *match;
};

/* The layouts of a preset ("ecs", "docker", "kubernetes"), NULL-terminated; NULL for a name
 * that is none. */
const struct sl_layout *sl_preset_layouts(const char *preset);
/* The preset names, for messages ("ecs", "docker" or "kubernetes"). */
extern const char *const sl_preset_names[];

/* Split match into its levels ("a-*.slice/b-*" into two); each level a non-empty name with at
 * most one '*', no '/', '.', '..', '?' or '['. The number of levels (1 to SL_RULE_MAX_LEVELS),
 * or -EINVAL with *why saying what is wrong. */
int sl_match_levels(const char *match, char levels[SL_RULE_MAX_LEVELS][256], const char **why);
/* name matches one level's glob (one '*' standing for any run of characters, none too). */
bool sl_level_match(const char *glob, const char *name);
/* rel (a path below the watched directory) matches the whole glob. */
bool sl_match_path(const char *match, const char *rel);

/* The task a cgroup path (relative to the cgroup2 mount, no leading '/') belongs to under
 * layout: the length of path's prefix that is the task cgroup (the watched directory and the
 * levels of match; path may go deeper, into the task's containers), or 0 when it is no task of
 * this layout. */
size_t sl_layout_task(const struct sl_layout *layout, const char *path);

#endif
