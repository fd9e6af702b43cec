// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rules.c: attach rules between the watcher (inputs) and the tasks map (kernel): a watched
 * directory gets the programs once, a task found gets its namespace, a task gone loses it;
 * what failed is said once and retried at each tick. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "inputs/cgroup_rules.h"
#include "inputs/cgroup_watch.h"
#include "kernel/attach.h"
#include "kernel/cgroup.h"
#include "kernel/tasks.h"
#include "lib/log.h"
#include "lib/vec.h"
#include "sluiced/rules.h"

/* A task whose entry could not be written, tried again at each tick. */
struct pending {
	uint64_t id;
	uint32_t level, tag;
};

struct sl_rules {
	struct sl_dataplane *dp;
	struct sl_cgwatch *watch;
	char mount[PATH_MAX];
	const char *origin;
	char **ns_names;      /* by tag (config rule): its namespace; NULL-terminated */
	size_t nrules;        /* the watcher's rules (presets expanded) */
	bool *root_failed;    /* by rule: its attach failed (said once) */
	bool *root_present;   /* by rule */
	struct pending *pending;
	size_t npending, pending_cap;
	bool levels_dirty;    /* tasks went: the classifier may hold levels no task has */
};

/* ---- from the config ---- */

static const enum sl_preset preset_ids[] = { SL_PRESET_ECS, SL_PRESET_DOCKER,
					     SL_PRESET_KUBERNETES };

static const struct sl_layout *layouts_of(enum sl_preset p)
{
	for (size_t i = 0; i < sizeof(preset_ids) / sizeof(preset_ids[0]); i++)
		if (preset_ids[i] == p)
			return sl_preset_layouts(sl_preset_names[i]);
	return NULL;
}

/* watch made absolute: below the mount unless it is absolute already. */
static char *watch_path(const char *mount, const char *watch)
{
	char buf[PATH_MAX];

	if (watch[0] == '/')
		return strdup(watch);
	if (sl_pathf(buf, sizeof(buf), "%s%s%s", mount, *watch ? "/" : "", watch))
		return NULL;
	return strdup(buf);
}

static int add_rule(struct sl_watch_rule **v, size_t *n, size_t *cap, const char *mount,
		    const char *watch, const char *match, uint32_t tag)
{
	if (sl_vec_room(*v, *n, *cap))
		return -ENOMEM;
	(*v)[*n] = (struct sl_watch_rule){ watch_path(mount, watch), strdup(match), tag };
	if (!(*v)[*n].watch || !(*v)[*n].match) {
		free((*v)[*n].watch);
		free((*v)[*n].match);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

static void free_watch_rules(struct sl_watch_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].watch);
		free(v[i].match);
	}
	free(v);
}

/* Every config rule as watch rules (a preset's layouts each one), tagged by config rule. */
static int expand(const struct sl_config *cfg, const char *mount, struct sl_watch_rule **out,
		  size_t *n)
{
	struct sl_watch_rule *v = NULL;
	size_t cap = 0, i;
	int ret = 0;

	*n = 0;
	for (i = 0; !ret && i < cfg->nattach; i++) {
		const struct sl_attach_rule_cfg *a = &cfg->attach[i];
		const struct sl_layout *l = layouts_of(a->preset);

		if (!a->preset) {
			ret = add_rule(&v, n, &cap, mount, a->watch, a->match, (uint32_t)i);
			continue;
		}
		for (; !ret && l && l->watch; l++)
			ret = add_rule(&v, n, &cap, mount, l->watch, l->match, (uint32_t)i);
	}
	if (ret) {
		free_watch_rules(v, *n);
		return ret;
	}
	*out = v;
	return 0;
}

int sl_rules_open(struct sl_rules **out, const struct sl_config *cfg, struct sl_dataplane *dp,
		  struct sl_err *err)
{
	struct sl_watch_rule *wr = NULL;
	struct sl_rules *r;
	size_t nwr = 0, i;
	int ret;

	*out = NULL;
	if (!cfg->nattach)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dp = dp;
	r->origin = cfg->origin;
	ret = sl_cgroup_mount(r->mount, err);
	if (!ret)
		ret = expand(cfg, r->mount, &wr, &nwr);
	r->nrules = nwr;
	r->ns_names = calloc(cfg->nattach + 1, sizeof(*r->ns_names)); /* NULL-terminated */
	r->root_failed = calloc(nwr + 1, sizeof(bool));
	r->root_present = calloc(nwr + 1, sizeof(bool));
	if (!ret && (!r->ns_names || !r->root_failed || !r->root_present))
		ret = -ENOMEM;
	for (i = 0; !ret && i < cfg->nattach; i++) {
		const char *ns = cfg->attach[i].namespace ? cfg->attach[i].namespace :
				 cfg->namespaces[0].namespace;

		r->ns_names[i] = strdup(ns);
		if (!r->ns_names[i])
			ret = -ENOMEM;
	}
	if (ret == -ENOMEM)
		sl_err_set(err, "out of memory");
	if (!ret)
		ret = sl_cgwatch_open(&r->watch, r->mount, wr, nwr, err);
	free_watch_rules(wr, nwr);
	if (ret) {
		sl_rules_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

void sl_rules_close(struct sl_rules *r)
{
	size_t i;

	if (!r)
		return;
	sl_cgwatch_close(r->watch);
	for (i = 0; r->ns_names && r->ns_names[i]; i++)
		free(r->ns_names[i]);
	free(r->ns_names);
	free(r->root_failed);
	free(r->root_present);
	free(r->pending);
	free(r);
}

int sl_rules_fd(const struct sl_rules *r)
{
	return r && r->watch ? sl_cgwatch_fd(r->watch) : -1;
}

/* ---- the watcher's events ---- */

static int put_task(struct sl_rules *r, uint64_t id, uint32_t level, uint32_t tag,
		    struct sl_err *err)
{
	uint32_t ns = sl_namespace_id(&r->dp->maps, r->ns_names[tag]);

	if (!ns)
		return sl_err_set(err, "namespace %s is not served (yet)", r->ns_names[tag]),
		       -ENOENT;
	return sl_tasks_put(&r->dp->maps, id, level, ns, SLUICE_TASK_FOUND, err);
}

static void remember(struct sl_rules *r, uint64_t id, uint32_t level, uint32_t tag)
{
	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].id == id)
			return;
	if (!sl_vec_room(r->pending, r->npending, r->pending_cap))
		r->pending[r->npending++] = (struct pending){ id, level, tag };
}

static void forget(struct sl_rules *r, uint64_t id)
{
	for (size_t i = 0; i < r->npending; i++)
		if (r->pending[i].id == id) {
			r->pending[i] = r->pending[--r->npending];
			return;
		}
}

static void on_found(void *ctx, const struct sl_watch_task *t)
{
	struct sl_rules *r = ctx;
	struct sl_err err;

	if (!put_task(r, t->id, t->level, t->tag, &err)) {
		pr_debug("task %s (cgroup %llu) found: %s", t->path, (unsigned long long)t->id,
			 r->ns_names[t->tag]);
		return;
	}
	pr_err("%s: attach[%u]: task %s: %s; tried again every few seconds", r->origin, t->tag,
	       t->path, err.msg);
	remember(r, t->id, t->level, t->tag);
}

static void on_gone(void *ctx, const struct sl_watch_task *t)
{
	struct sl_rules *r = ctx;

	forget(r, t->id);
	if (sl_tasks_drop(&r->dp->maps, t->id, SLUICE_TASK_FOUND) > 0)
		r->levels_dirty = true;
	pr_debug("task %s (cgroup %llu) gone", t->path, (unsigned long long)t->id);
}

/* The programs at a watched directory, so a task's first connect is covered. */
static void attach_root(struct sl_rules *r, size_t rule, const char *watch)
{
	bool root = !strcmp(watch, r->mount);
	struct sl_err err;

	if (sl_attach(r->dp->dir, r->dp->maps.attachments, watch, SLUICE_ATTACH_WATCHED, root,
		      &err)) {
		if (!r->root_failed[rule])
			pr_err("%s: attach rule watching %s: %s; tried again every few seconds",
			       r->origin, watch, err.msg);
		r->root_failed[rule] = true;
		return;
	}
	if (r->root_failed[rule])
		pr_info("%s: attached at %s now", r->origin, watch);
	else
		pr_info("attached at %s: its tasks are found as they come", watch);
	r->root_failed[rule] = false;
}

static void on_root(void *ctx, size_t rule, const char *watch, bool present)
{
	struct sl_rules *r = ctx;

	r->root_present[rule] = present;
	if (present)
		attach_root(r, rule, watch);
	else
		r->root_failed[rule] = false; /* its links went with it */
}

static const struct sl_watch_ops watch_ops = { on_found, on_gone, on_root };

void sl_rules_dispatch(struct sl_rules *r)
{
	if (r)
		sl_cgwatch_dispatch(r->watch, &watch_ops, r);
}

/* ---- sweeping what no rule has ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void sweep_tasks(struct sl_rules *r, struct sl_dataplane *dp)
{
	const struct sl_watch_task *found = NULL;
	struct sl_task_info *v;
	uint64_t *ids = NULL;
	size_t n, nfound = 0, i, dropped = 0;
	struct sl_err err;

	if (r)
		found = sl_cgwatch_tasks(r->watch, &nfound);
	if (sl_tasks_list(&dp->maps, &v, &n))
		return;
	ids = calloc(nfound + 1, sizeof(*ids));
	for (i = 0; ids && i < nfound; i++)
		ids[i] = found[i].id;
	if (ids && nfound)
		qsort(ids, nfound, sizeof(*ids), cmp_u64);
	for (i = 0; ids && i < n; i++) {
		if (!(v[i].task.flags & SLUICE_TASK_FOUND) ||
		    (nfound && bsearch(&v[i].cgroup_id, ids, nfound, sizeof(*ids), cmp_u64)))
			continue;
		dropped += sl_tasks_drop(&dp->maps, v[i].cgroup_id, SLUICE_TASK_FOUND) > 0;
	}
	if (dropped) {
		pr_info("%zu tasks no attach rule finds now: forgotten", dropped);
		if (sl_tasks_levels_sync(&dp->maps, &err))
			pr_err("%s", err.msg);
	}
	free(ids);
	free(v);
}

/* Watched attachments of directories no rule watches now (a reload took the rule away). */
static void sweep_roots(struct sl_rules *r, struct sl_dataplane *dp)
{
	struct sl_attachment_info *v;
	struct sl_err err;
	size_t n, i;

	if (sl_attachments_list(dp->dir, dp->maps.attachments, &v, &n, &err))
		return;
	for (i = 0; i < n; i++) {
		bool kept = false;

		if (!(v[i].flags & SLUICE_ATTACH_WATCHED) || (v[i].flags & SLUICE_ATTACH_FROM_CONFIG))
			continue;
		for (size_t k = 0; r && k < r->nrules && !kept; k++)
			kept = r->root_present[k] && !strcmp(v[i].path, sl_cgwatch_rule_watch(r->watch, k));
		if (kept)
			continue;
		pr_info("%s is watched by no attach rule now: detaching", v[i].path);
		sl_detach_id(dp->dir, dp->maps.attachments, v[i].cgroup_id, &err);
	}
	free(v);
}

void sl_rules_start(struct sl_rules *r, struct sl_dataplane *dp)
{
	if (r)
		sl_cgwatch_scan(r->watch, &watch_ops, r);
	sweep_tasks(r, dp);
	sweep_roots(r, dp);
}

void sl_rules_tick(struct sl_rules *r)
{
	struct sl_err err;
	size_t i = 0;

	if (!r)
		return;
	for (size_t k = 0; k < r->nrules; k++)
		if (r->root_failed[k] && r->root_present[k])
			attach_root(r, k, sl_cgwatch_rule_watch(r->watch, k));
	while (i < r->npending) {
		struct pending p = r->pending[i];

		if (put_task(r, p.id, p.level, p.tag, &err)) {
			i++;
			continue;
		}
		pr_info("%s: attach[%u]: task cgroup %llu has its entry now", r->origin, p.tag,
			(unsigned long long)p.id);
		r->pending[i] = r->pending[--r->npending];
	}
	if (r->levels_dirty && !sl_tasks_levels_sync(&r->dp->maps, &err))
		r->levels_dirty = false;
}

void sl_rules_stats(const struct sl_rules *r, struct sl_rules_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!r)
		return;
	s->rules = r->nrules;
	for (size_t k = 0; k < r->nrules; k++) {
		s->present += r->root_present[k];
		s->failing += r->root_failed[k];
	}
	sl_cgwatch_tasks(r->watch, &s->tasks);
	s->failing += r->npending;
}
