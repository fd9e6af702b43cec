// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* tasks.c: task entries and the classifier: a task's entry is written before its level is
 * classified, so a connect never finds a level whose task is not there yet. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/cgroup.h"
#include "kernel/tasks.h"
#include "lib/vec.h"

static int read_classifier(const struct sl_maps *m, struct sluice_classifier *c)
{
	uint32_t zero = 0;

	memset(c, 0, sizeof(*c));
	return bpf_map_lookup_elem(m->classifier, &zero, c) ? -errno : 0;
}

static int write_classifier(const struct sl_maps *m, const struct sluice_classifier *c,
			    struct sl_err *err)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(m->classifier, &zero, c, BPF_ANY)) {
		int ret = -errno;

		sl_err_set(err, "map classifier: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* Insert level into c's levels, kept deepest first. -ENOSPC when they are full. */
static int add_level(struct sluice_classifier *c, uint32_t level, bool *changed)
{
	uint32_t i, j;

	*changed = false;
	for (i = 0; i < c->nlevels && i < SLUICE_MAX_TASK_LEVELS; i++)
		if (c->levels[i] == level)
			return 0;
	if (c->nlevels >= SLUICE_MAX_TASK_LEVELS)
		return -ENOSPC;
	for (i = 0; i < c->nlevels && c->levels[i] > level; i++)
		;
	for (j = c->nlevels; j > i; j--)
		c->levels[j] = c->levels[j - 1];
	c->levels[i] = level;
	c->nlevels++;
	*changed = true;
	return 0;
}

int sl_tasks_put(const struct sl_maps *m, uint64_t id, uint32_t level, uint32_t ns_id,
		 uint32_t flags, struct sl_err *err)
{
	struct sluice_task t = { .ns_id = ns_id, .flags = flags, .level = level }, old;
	struct sluice_classifier c;
	bool changed;
	int ret;

	if (!bpf_map_lookup_elem(m->tasks, &id, &old))
		t.flags |= old.flags;
	else
		memset(&old, 0, sizeof(old));
	if (memcmp(&old, &t, sizeof(t)) && bpf_map_update_elem(m->tasks, &id, &t, BPF_ANY)) {
		ret = -errno;
		return sl_err_set(err, "map tasks: cgroup %llu: %s", (unsigned long long)id,
				  strerror(-ret)), ret;
	}
	ret = read_classifier(m, &c);
	if (ret)
		return sl_err_set(err, "map classifier: %s", strerror(-ret)), ret;
	ret = add_level(&c, level, &changed);
	if (ret) {
		sl_err_set(err, "cgroup %llu: tasks sit at more than %d levels of the cgroup tree",
			   (unsigned long long)id, SLUICE_MAX_TASK_LEVELS);
		if (!old.flags)
			bpf_map_delete_elem(m->tasks, &id);
		return ret;
	}
	return changed ? write_classifier(m, &c, err) : 0;
}

int sl_tasks_put_path(const struct sl_maps *m, const char *path, bool allow_root,
		      uint32_t ns_id, uint32_t flags, struct sl_err *err)
{
	char real[PATH_MAX];
	uint32_t level;
	uint64_t id;
	int fd, ret;

	fd = sl_cgroup_open(path, allow_root, &id, &level, real, err);
	if (fd < 0)
		return fd;
	ret = sl_tasks_put(m, id, level, ns_id, flags, err);
	close(fd);
	return ret;
}

int sl_tasks_drop(const struct sl_maps *m, uint64_t id, uint32_t flags)
{
	struct sluice_task t;

	if (bpf_map_lookup_elem(m->tasks, &id, &t))
		return 0;
	t.flags &= ~flags;
	if (t.flags)
		return bpf_map_update_elem(m->tasks, &id, &t, BPF_EXIST) ? -errno : 0;
	return bpf_map_delete_elem(m->tasks, &id) && errno != ENOENT ? -errno : 1;
}

int sl_tasks_list(const struct sl_maps *m, struct sl_task_info **out, size_t *n)
{
	struct sl_task_info *v = NULL;
	uint64_t key, *prev = NULL;
	size_t cnt = 0, cap = 0;

	while (!bpf_map_get_next_key(m->tasks, prev, &key)) {
		prev = &key;
		if (sl_vec_room(v, cnt, cap)) {
			free(v);
			return -ENOMEM;
		}
		v[cnt].cgroup_id = key;
		if (!bpf_map_lookup_elem(m->tasks, &key, &v[cnt].task))
			cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int sl_tasks_levels_sync(const struct sl_maps *m, struct sl_err *err)
{
	struct sluice_classifier c, want = {};
	struct sl_task_info *v;
	size_t n, i;
	bool changed;
	int ret;

	ret = read_classifier(m, &c);
	if (!ret)
		ret = sl_tasks_list(m, &v, &n);
	if (ret)
		return sl_err_set(err, "tasks: %s", strerror(-ret)), ret;
	want.self_cgroup = c.self_cgroup;
	for (i = 0; i < n; i++)
		add_level(&want, v[i].task.level, &changed); /* a ninth level: put refused it */
	free(v);
	return memcmp(&c, &want, sizeof(c)) ? write_classifier(m, &want, err) : 0;
}

int sl_tasks_set_self(const struct sl_maps *m, uint64_t cgroup_id, struct sl_err *err)
{
	struct sluice_classifier c;
	int ret = read_classifier(m, &c);

	if (ret)
		return sl_err_set(err, "map classifier: %s", strerror(-ret)), ret;
	if (c.self_cgroup == cgroup_id)
		return 0;
	c.self_cgroup = cgroup_id;
	return write_classifier(m, &c, err);
}

uint32_t sl_namespace_id(const struct sl_maps *m, const char *name)
{
	uint32_t key, *prev = NULL;
	struct sluice_namespace ns;

	while (!bpf_map_get_next_key(m->namespaces, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(m->namespaces, &key, &ns))
			continue;
		ns.name[sizeof(ns.name) - 1] = '\0';
		if (name ? !strcmp(ns.name, name) : ns.order == 0)
			return key;
	}
	return 0;
}
