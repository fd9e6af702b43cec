/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* tasks.h: the task cgroups the data plane serves and each one's namespace (tasks map), the
 * levels of the cgroup tree they sit at and sluiced's own cgroup (classifier). One owner. */
#ifndef SL_TASKS_H
#define SL_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/maps.h"
#include "lib/err.h"
#include "sluice.h"

struct sl_task_info {
	uint64_t cgroup_id;
	struct sluice_task task;
};

/* Make cgroup id (at that level) a task of namespace ns_id, with flags (SLUICE_TASK_*) added
 * to any it has; its level joins the classifier's first. Writes nothing when all is so. */
int sl_tasks_put(const struct sl_maps *m, uint64_t id, uint32_t level, uint32_t ns_id,
		 uint32_t flags, struct sl_err *err);
/* The same for the cgroup at path (opened to find its id and level; the root needs
 * allow_root). */
int sl_tasks_put_path(const struct sl_maps *m, const char *path, bool allow_root,
		      uint32_t ns_id, uint32_t flags, struct sl_err *err);
/* Take flags off cgroup id's task entry, removing it when none is left. 1 when removed. */
int sl_tasks_drop(const struct sl_maps *m, uint64_t id, uint32_t flags);
/* Every task entry, into *out (malloc'd). */
int sl_tasks_list(const struct sl_maps *m, struct sl_task_info **out, size_t *n);
/* The classifier's levels made those of the task entries (after some went), keeping its
 * own cgroup. */
int sl_tasks_levels_sync(const struct sl_maps *m, struct sl_err *err);
/* Record sluiced's own cgroup in the classifier: its sockets are never a task's. */
int sl_tasks_set_self(const struct sl_maps *m, uint64_t cgroup_id, struct sl_err *err);
/* The namespace id of name in the namespaces map, or of the first one (order 0) when name is
 * NULL; 0 when there is none. */
uint32_t sl_namespace_id(const struct sl_maps *m, const char *name);

#endif
