// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* tasks.c: sluicectl tasks: the task cgroups of the data plane, each with its namespace, its
 * level, how it became one (attached, found by a rule) and its path (from its id). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/cgroup.h"
#include "kernel/tasks.h"
#include "sluicectl/commands.h"

/* The namespace's name, or "?" for an id the namespaces map lacks (sluiced dropped it). */
static void ns_name(const struct ctl *c, uint32_t id, char *buf, size_t len)
{
	struct sluice_namespace ns;

	if (bpf_map_lookup_elem(c->maps.namespaces, &id, &ns)) {
		snprintf(buf, len, "?");
		return;
	}
	ns.name[sizeof(ns.name) - 1] = '\0';
	snprintf(buf, len, "%s", ns.name);
}

static const char *how(uint32_t flags)
{
	if ((flags & SLUICE_TASK_ATTACHED) && (flags & SLUICE_TASK_FOUND))
		return "attached,found";
	return flags & SLUICE_TASK_ATTACHED ? "attached" : "found";
}

static int cmp_task(const void *a, const void *b)
{
	const struct sl_task_info *x = a, *y = b;

	return (x->cgroup_id > y->cgroup_id) - (x->cgroup_id < y->cgroup_id);
}

int cmd_tasks(struct ctl *c)
{
	struct sl_task_info *v;
	json_t *arr = NULL;
	size_t n, i;

	if (sl_tasks_list(&c->maps, &v, &n))
		return ctl_fail(c, "map tasks: cannot be read");
	if (n)
		qsort(v, n, sizeof(*v), cmp_task);
	if (c->o.json)
		arr = json_array();
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], name[SLUICE_NAME_LEN];
		struct sl_err err;
		bool known = !sl_cgroup_path_of(v[i].cgroup_id, path, &err);

		ns_name(c, v[i].task.ns_id, name, sizeof(name));
		if (arr) {
			json_array_append_new(arr, json_pack(
				"{s:I, s:o, s:i, s:i, s:b, s:b, s:o}", "cgroupId",
				(json_int_t)v[i].cgroup_id, "namespace", ctl_json_string(name),
				"namespaceId", (int)v[i].task.ns_id, "level", (int)v[i].task.level,
				"attached", !!(v[i].task.flags & SLUICE_TASK_ATTACHED), "found",
				!!(v[i].task.flags & SLUICE_TASK_FOUND),
				"path", known ? ctl_json_string(path) : json_null()));
			continue;
		}
		printf("%-10llu %-20s level %-2u %-14s %s\n", (unsigned long long)v[i].cgroup_id,
		       name, v[i].task.level, how(v[i].task.flags), known ? path : "(gone)");
	}
	free(v);
	if (arr)
		return ctl_print_json(json_pack("{s:o}", "tasks", arr));
	if (!n)
		printf("no tasks\n");
	return 0;
}
