// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup_watch.c: inotify watches on every directory level of each rule's tree (or, while its
 * watched directory is missing, on the nearest ancestor that exists) and a rescan of the rule
 * after each event, diffed against the tasks it had: found and gone, each said once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "inputs/cgroup_watch.h"
#include "lib/vec.h"

#define WATCH_MASK                                                                      \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR)
#define PENDING_DEPTH (-1)  /* a node on the nearest ancestor of a missing watched dir */
#define READS_PER_DISPATCH 64 /* bounded: what is left is read at the next wakeup */

struct rule_state {
	struct sl_watch_rule r;
	char levels[SL_RULE_MAX_LEVELS][256];
	int nlevels;
	uint32_t base_level; /* the watched directory's level */
	bool present;        /* the watched directory exists (root said) */
	bool dirty;
};

/* One watched directory of one rule (several rules may share a wd: inotify gives one per
 * inode). */
struct node {
	int wd;
	size_t rule;
	int depth; /* 0: the watched dir; k: a directory at match level k; PENDING_DEPTH */
	bool seen; /* still wanted by the scan in progress */
	char *path;
};

struct sl_cgwatch {
	int fd;
	char *mount;
	struct rule_state *rules;
	size_t nrules;
	struct node *nodes;
	size_t nnodes, nodes_cap;
	struct sl_watch_task *tasks; /* sorted by rule, then path */
	size_t ntasks, tasks_cap;
};

static void task_free(struct sl_watch_task *t)
{
	free(t->path);
	t->path = NULL;
}

static int cmp_task(const void *a, const void *b)
{
	const struct sl_watch_task *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The level of an absolute path below the mount: its components after it. */
static int level_below(const char *mount, const char *path, uint32_t *level)
{
	size_t n = strlen(mount);
	uint32_t l = 0;

	if (strncmp(path, mount, n) || (path[n] && path[n] != '/'))
		return -EINVAL;
	for (const char *p = path + n; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			l++;
	*level = l;
	return 0;
}

int sl_cgwatch_open(struct sl_cgwatch **out, const char *mount, const struct sl_watch_rule *rules,
		    size_t n, struct sl_err *err)
{
	struct sl_cgwatch *w = calloc(1, sizeof(*w));
	size_t i;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->mount = strdup(mount);
	w->rules = calloc(n + 1, sizeof(*w->rules));
	if (w->fd < 0 || !w->mount || !w->rules) {
		int ret = w->fd < 0 ? -errno : -ENOMEM;

		sl_err_set(err, "inotify: %s", strerror(-ret));
		sl_cgwatch_close(w);
		return ret;
	}
	for (i = 0; i < n; i++) {
		struct rule_state *rs = &w->rules[i];
		const char *why = NULL;

		rs->r.tag = rules[i].tag;
		rs->r.watch = strdup(rules[i].watch);
		rs->r.match = strdup(rules[i].match);
		w->nrules++;
		if (!rs->r.watch || !rs->r.match) {
			sl_cgwatch_close(w);
			return -ENOMEM;
		}
		rs->nlevels = sl_match_levels(rs->r.match, rs->levels, &why);
		if (rs->nlevels < 0) {
			sl_err_set(err, "rule %zu: match %s %s", i, rs->r.match, why);
			sl_cgwatch_close(w);
			return -EINVAL;
		}
		if (level_below(mount, rs->r.watch, &rs->base_level)) {
			sl_err_set(err, "rule %zu: %s is not below the cgroup2 mount %s", i,
				   rs->r.watch, mount);
			sl_cgwatch_close(w);
			return -EINVAL;
		}
		rs->dirty = true;
	}
	*out = w;
	return 0;
}

void sl_cgwatch_close(struct sl_cgwatch *w)
{
	size_t i;

	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->nrules; i++) {
		free(w->rules[i].r.watch);
		free(w->rules[i].r.match);
	}
	for (i = 0; i < w->nnodes; i++)
		free(w->nodes[i].path);
	for (i = 0; i < w->ntasks; i++)
		task_free(&w->tasks[i]);
	free(w->rules);
	free(w->nodes);
	free(w->tasks);
	free(w->mount);
	free(w);
}

int sl_cgwatch_fd(const struct sl_cgwatch *w)
{
	return w->fd;
}

const char *sl_cgwatch_rule_watch(const struct sl_cgwatch *w, size_t i)
{
	return i < w->nrules ? w->rules[i].r.watch : "";
}

const struct sl_watch_task *sl_cgwatch_tasks(const struct sl_cgwatch *w, size_t *n)
{
	*n = w->ntasks;
	return w->tasks;
}

/* ---- watches ---- */

/* Watch path for rule r at depth (kept if it is watched already). False when it cannot be
 * (gone meanwhile, or out of watches): the scan goes on without it. */
static bool watch_dir(struct sl_cgwatch *w, size_t r, int depth, const char *path)
{
	struct node *nd;
	size_t i;
	int wd;

	for (i = 0; i < w->nnodes; i++) {
		nd = &w->nodes[i];
		if (nd->rule == r && nd->depth == depth && !strcmp(nd->path, path)) {
			nd->seen = true;
			return true;
		}
	}
	wd = inotify_add_watch(w->fd, path, WATCH_MASK);
	if (wd < 0 || sl_vec_room(w->nodes, w->nnodes, w->nodes_cap))
		return false;
	nd = &w->nodes[w->nnodes];
	nd->path = strdup(path);
	if (!nd->path)
		return false;
	nd->wd = wd;
	nd->rule = r;
	nd->depth = depth;
	nd->seen = true;
	w->nnodes++;
	return true;
}

static bool wd_shared(const struct sl_cgwatch *w, size_t skip, int wd)
{
	for (size_t i = 0; i < w->nnodes; i++)
		if (i != skip && w->nodes[i].wd == wd)
			return true;
	return false;
}

/* Drop rule r's nodes the scan no longer wanted (their watch too, when no other uses it). */
static void drop_unseen(struct sl_cgwatch *w, size_t r)
{
	size_t i = 0;

	while (i < w->nnodes) {
		struct node *nd = &w->nodes[i];

		if (nd->rule != r || nd->seen) {
			i++;
			continue;
		}
		if (!wd_shared(w, i, nd->wd))
			inotify_rm_watch(w->fd, nd->wd);
		free(nd->path);
		*nd = w->nodes[--w->nnodes];
	}
}

/* ---- scanning ---- */

struct found {
	struct sl_watch_task *v;
	size_t n, cap;
};

/* Already a task of a rule before r (the first rule that finds a cgroup has it). */
static bool claimed_before(const struct sl_cgwatch *w, size_t r, const char *path)
{
	for (size_t i = 0; i < w->ntasks && w->tasks[i].rule < r; i++)
		if (!strcmp(w->tasks[i].path, path))
			return true;
	return false;
}

static void walk(struct sl_cgwatch *w, size_t r, const char *dir, int depth, struct found *f)
{
	const struct rule_state *rs = &w->rules[r];
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (depth >= rs->nlevels || !watch_dir(w, r, depth, dir))
		return;
	d = opendir(dir); /* after the watch: a directory made from here on is an event */
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    !sl_level_match(rs->levels[depth], de->d_name))
			continue;
		if (sl_pathf(path, sizeof(path), "%s/%s", dir, de->d_name))
			continue;
		if (depth + 1 < rs->nlevels) {
			walk(w, r, path, depth + 1, f);
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode) || claimed_before(w, r, path) ||
		    sl_vec_room(f->v, f->n, f->cap))
			continue;
		f->v[f->n] = (struct sl_watch_task){
			.path = strdup(path), .id = st.st_ino,
			.level = rs->base_level + (uint32_t)rs->nlevels, .rule = r,
			.tag = rs->r.tag,
		};
		if (f->v[f->n].path)
			f->n++;
	}
	closedir(d);
}

/* While the watched directory is missing: watch the nearest ancestor that exists (up to the
 * mount), so that its making is an event. */
static void watch_pending(struct sl_cgwatch *w, size_t r)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	if (sl_pathf(path, sizeof(path), "%s", w->rules[r].r.watch))
		return;
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
			watch_dir(w, r, PENDING_DEPTH, path);
			return;
		}
		if (strlen(path) <= strlen(w->mount))
			return;
	}
}

/* Replace rule r's tasks by f's (sorted), saying what was found and what went. */
static void merge(struct sl_cgwatch *w, size_t r, struct found *f, const struct sl_watch_ops *ops,
		  void *ctx)
{
	size_t lo = 0, hi, i = 0, j = 0, keep, k;
	struct sl_watch_task *nv;

	if (f->n)
		qsort(f->v, f->n, sizeof(*f->v), cmp_task);
	while (lo < w->ntasks && w->tasks[lo].rule < r)
		lo++;
	for (hi = lo; hi < w->ntasks && w->tasks[hi].rule == r; hi++)
		;
	/* Walk old [lo, hi) and new side by side; same path, other id: gone and found again
	 * (the cgroup was made again under that name). */
	while (lo + i < hi || j < f->n) {
		const struct sl_watch_task *o = lo + i < hi ? &w->tasks[lo + i] : NULL;
		const struct sl_watch_task *n = j < f->n ? &f->v[j] : NULL;
		int c = !o ? 1 : !n ? -1 : strcmp(o->path, n->path);

		if (!c && o->id != n->id) {
			ops->gone(ctx, o);
			ops->found(ctx, n);
		} else if (c < 0) {
			ops->gone(ctx, o);
		} else if (c > 0) {
			ops->found(ctx, n);
		}
		i += c <= 0;
		j += c >= 0;
	}
	keep = w->ntasks - (hi - lo);
	if (keep + f->n &&
	    sl_vec_reserve(&w->tasks, &w->tasks_cap, keep + f->n, sizeof(*w->tasks))) {
		for (k = 0; k < f->n; k++)
			task_free(&f->v[k]);
		return;
	}
	nv = w->tasks;
	for (k = lo; k < hi; k++)
		task_free(&nv[k]);
	if (w->ntasks > hi)
		memmove(&nv[lo + f->n], &nv[hi], (w->ntasks - hi) * sizeof(*nv));
	if (f->n)
		memcpy(&nv[lo], f->v, f->n * sizeof(*nv));
	w->ntasks = keep + f->n;
}

static void scan_rule(struct sl_cgwatch *w, size_t r, const struct sl_watch_ops *ops, void *ctx)
{
	struct rule_state *rs = &w->rules[r];
	struct found f = {};
	struct stat st;
	bool present;
	size_t i;

	for (i = 0; i < w->nnodes; i++)
		if (w->nodes[i].rule == r)
			w->nodes[i].seen = false;
	present = !stat(rs->r.watch, &st) && S_ISDIR(st.st_mode);
	if (present != rs->present) {
		rs->present = present;
		if (ops->root)
			ops->root(ctx, r, rs->r.watch, present);
	}
	if (present)
		walk(w, r, rs->r.watch, 0, &f);
	else
		watch_pending(w, r);
	drop_unseen(w, r);
	merge(w, r, &f, ops, ctx);
	free(f.v);
	rs->dirty = false;
}

void sl_cgwatch_scan(struct sl_cgwatch *w, const struct sl_watch_ops *ops, void *ctx)
{
	for (size_t r = 0; r < w->nrules; r++)
		scan_rule(w, r, ops, ctx);
}

static void mark_wd(struct sl_cgwatch *w, int wd, bool ignored)
{
	size_t i = 0;

	while (i < w->nnodes) {
		struct node *nd = &w->nodes[i];

		if (nd->wd != wd) {
			i++;
			continue;
		}
		w->rules[nd->rule].dirty = true;
		if (!ignored) {
			i++;
			continue;
		}
		free(nd->path); /* the kernel dropped the watch: its directory went */
		*nd = w->nodes[--w->nnodes];
	}
}

void sl_cgwatch_dispatch(struct sl_cgwatch *w, const struct sl_watch_ops *ops, void *ctx)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t r;
	int reads;

	for (reads = 0; reads < READS_PER_DISPATCH; reads++) {
		ssize_t len = read(w->fd, buf, sizeof(buf));
		const char *p;

		if (len <= 0)
			break;
		for (p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				for (r = 0; r < w->nrules; r++)
					w->rules[r].dirty = true;
			else
				mark_wd(w, ev->wd, ev->mask & IN_IGNORED);
			p += sizeof(*ev) + ev->len;
		}
	}
	for (r = 0; r < w->nrules; r++)
		if (w->rules[r].dirty)
			scan_rule(w, r, ops, ctx);
}
