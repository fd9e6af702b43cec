// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sources.c: the registry's sources opened from the config, dispatched by fd, merged with
 * registry_merge, and swapped on a reload only once the new ones read. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/registry_merge.h"
#include "inputs/sources.h"
#include "lib/log.h"

#define SETTLE_POLL_MS 100 /* how often a settling source is looked at without events */

static void free_set(struct sl_source **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sl_source_free(v[i]);
	free(v);
}

/* Merge v's instances into ss->merged: true when they differ from before. */
static bool remerge(struct sl_sources *ss)
{
	struct sl_registry_part *parts = calloc(ss->n + 1, sizeof(*parts));
	struct sl_instances merged = { 0 };
	bool changed;
	size_t i;

	if (!parts)
		return false;
	for (i = 0; i < ss->n; i++) {
		parts[i].name = ss->v[i]->name;
		parts[i].list = ss->v[i]->ops->instances(ss->v[i]);
	}
	if (sl_registry_merge(parts, ss->n, "registry", &merged)) {
		pr_warn("registry: out of memory merging its sources; keeping the last merge");
		free(parts);
		return false;
	}
	free(parts);
	changed = !sl_instances_eq(&merged, &ss->merged);
	sl_instances_free(&ss->merged);
	ss->merged = merged;
	return changed;
}

/* The source configured as c in v (taken out of it), or NULL. */
static struct sl_source *take_same(struct sl_source **v, size_t n, const struct sl_source_cfg *c)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct sl_source *s = v[i];

		if (s && sl_source_cfg_eq(&s->cfg, c)) {
			v[i] = NULL;
			return s;
		}
	}
	return NULL;
}

static bool has(struct sl_source *const *v, size_t n, const struct sl_source_cfg *c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] && sl_source_cfg_eq(&v[i]->cfg, c))
			return true;
	return false;
}

static void forget_want(struct sl_sources *ss)
{
	size_t i;

	for (i = 0; i < ss->nwant; i++)
		sl_source_cfg_release(&ss->want[i]);
	free(ss->want);
	ss->want = NULL;
	ss->nwant = 0;
	free_set(ss->pending, ss->npending);
	ss->pending = NULL;
	ss->npending = 0;
}

/* want as the set in use: each source taken from the one in use when configured the same,
 * else from pending. */
static int promote(struct sl_sources *ss)
{
	struct sl_source **v = calloc(ss->nwant + 1, sizeof(*v));
	size_t i;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < ss->nwant; i++) {
		v[i] = take_same(ss->v, ss->n, &ss->want[i]);
		if (!v[i])
			v[i] = take_same(ss->pending, ss->npending, &ss->want[i]);
	}
	free_set(ss->v, ss->n);
	ss->v = v;
	ss->n = ss->nwant;
	forget_want(ss);
	ss->generation++;
	remerge(ss);
	return 0;
}

/* Every pending source reads: the new set may serve. */
static bool pending_reads(const struct sl_sources *ss)
{
	size_t i;

	for (i = 0; i < ss->npending; i++)
		if (ss->pending[i]->ops->problem(ss->pending[i]))
			return false;
	return true;
}

/* want := cfg's sources; the ones not in use opened into pending. 0 or -errno (err). */
static int stage(struct sl_sources *ss, const struct sl_ns_cfg *cfg, struct sl_err *err)
{
	size_t i;

	forget_want(ss);
	ss->want = calloc(cfg->nsources + 1, sizeof(*ss->want));
	ss->pending = calloc(cfg->nsources + 1, sizeof(*ss->pending));
	if (!ss->want || !ss->pending)
		return sl_err_set(err, "registry: out of memory"), -ENOMEM;
	for (i = 0; i < cfg->nsources; i++) {
		if (sl_source_cfg_copy(&ss->want[i], &cfg->sources[i]))
			return sl_err_set(err, "registry: out of memory"), -ENOMEM;
		ss->nwant = i + 1;
		if (has(ss->v, ss->n, &ss->want[i]))
			continue;
		ss->pending[ss->npending] = sl_source_open(&ss->want[i], cfg, ss->max_instances,
							   err);
		if (!ss->pending[ss->npending])
			return -EINVAL;
		ss->npending++;
	}
	return 0;
}

static bool settling(const struct sl_source *s)
{
	return s->ops->settling && s->ops->settling(s);
}

/* Wait for the sources that are still reading for the first time (each within its own
 * bound), dispatching their fds. */
static void settle(struct sl_sources *ss)
{
	struct pollfd *p = calloc(ss->n + 1, sizeof(*p));
	size_t i, k;

	while (p) {
		for (i = k = 0; i < ss->n; i++)
			if (settling(ss->v[i]))
				p[k++] = (struct pollfd){ .fd = ss->v[i]->ops->fd(ss->v[i]),
							  .events = POLLIN };
		if (!k || poll(p, k, SETTLE_POLL_MS) < 0)
			break;
		for (i = 0; i < ss->n; i++)
			if (settling(ss->v[i]))
				ss->v[i]->ops->dispatch(ss->v[i], false);
	}
	free(p);
	remerge(ss);
}

int sl_sources_open(struct sl_sources *ss, const struct sl_ns_cfg *cfg, size_t max_instances,
		    struct sl_err *err)
{
	int ret;

	memset(ss, 0, sizeof(*ss));
	ss->max_instances = max_instances;
	ret = stage(ss, cfg, err);
	if (!ret)
		ret = promote(ss);
	if (ret)
		sl_sources_close(ss);
	else
		settle(ss);
	return ret;
}

void sl_sources_close(struct sl_sources *ss)
{
	forget_want(ss);
	free_set(ss->v, ss->n);
	sl_instances_free(&ss->merged);
	memset(ss, 0, sizeof(*ss));
}

static bool same_as_in_use(const struct sl_sources *ss, const struct sl_ns_cfg *cfg)
{
	size_t i;

	if (cfg->nsources != ss->n)
		return false;
	for (i = 0; i < ss->n; i++)
		if (!sl_source_cfg_eq(&ss->v[i]->cfg, &cfg->sources[i]))
			return false;
	return true;
}

/* The sources in use learn cfg's services (those a reload keeps: every one, or those
 * configured as before). True when the merged instances changed. */
static bool reconfigure(struct sl_sources *ss, const struct sl_ns_cfg *cfg)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (ss->v[i]->ops->reconfigure)
			changed |= ss->v[i]->ops->reconfigure(ss->v[i], cfg);
	return changed && remerge(ss);
}

bool sl_sources_reload(struct sl_sources *ss, const struct sl_ns_cfg *cfg)
{
	struct sl_err err;
	size_t i;

	reconfigure(ss, cfg);
	if (same_as_in_use(ss, cfg)) {
		forget_want(ss); /* an earlier reload's pending set is given up */
		return false;
	}
	if (stage(ss, cfg, &err)) {
		pr_err("%s; the registry in use keeps serving", err.msg);
		forget_want(ss);
		return false;
	}
	if (ss->n && !pending_reads(ss)) {
		for (i = 0; i < ss->npending; i++)
			if (ss->pending[i]->ops->problem(ss->pending[i]))
				pr_warn("%s is not read yet: the registry in use serves until it is",
					ss->pending[i]->name);
		return false;
	}
	if (promote(ss))
		return false;
	pr_info("registry: %zu source%s now", ss->n, ss->n == 1 ? "" : "s");
	return true;
}

bool sl_sources_dispatch(struct sl_sources *ss, int fd)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (ss->v[i]->ops->fd(ss->v[i]) == fd)
			changed |= ss->v[i]->ops->dispatch(ss->v[i], false);
	return changed && remerge(ss);
}

bool sl_sources_tick(struct sl_sources *ss)
{
	bool changed = false;
	size_t i;

	for (i = 0; i < ss->npending; i++)
		ss->pending[i]->ops->dispatch(ss->pending[i], true);
	if (ss->nwant && pending_reads(ss) && !promote(ss)) {
		pr_info("registry: every new source reads: %zu source%s now", ss->n,
			ss->n == 1 ? "" : "s");
		return true;
	}
	for (i = 0; i < ss->n; i++)
		changed |= ss->v[i]->ops->dispatch(ss->v[i], true);
	return changed && remerge(ss);
}

size_t sl_sources_fds(const struct sl_sources *ss, int *fds, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < ss->n && k < max; i++) {
		int fd = ss->v[i]->ops->fd(ss->v[i]);

		if (fd >= 0)
			fds[k++] = fd;
	}
	return k;
}

const struct sl_instances *sl_sources_instances(const struct sl_sources *ss)
{
	return &ss->merged;
}

const struct sl_source *sl_sources_first_problem(const struct sl_sources *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (ss->v[i]->ops->problem(ss->v[i]))
			return ss->v[i];
	return NULL;
}

unsigned sl_sources_failing(const struct sl_sources *ss)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < ss->n; i++)
		n += ss->v[i]->ops->failing(ss->v[i]);
	return n;
}

bool sl_sources_incomplete(const struct sl_sources *ss)
{
	return sl_sources_first_problem(ss) || sl_sources_failing(ss);
}
