// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* registry_file.c: the file registry (one discover-instances file, or a directory of *.json)
 * watched with inotify; each file keeps its last good parse, merged in file-name order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/fsutil.h"
#include "lib/vec.h"
#include "inputs/registry_file.h"
#include "inputs/registry_merge.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | \
		    IN_DELETE_SELF | IN_MOVE_SELF)
#define DEFAULT_MAX_BYTES (64UL << 20)    /* all files together, unless set */
#define DEFAULT_MAX_INSTANCES (1UL << 22) /* all files together, unless set */
/* A file modified less than this long ago may be modified again within the same timestamp
 * tick, keeping its size: it is not trusted to be unchanged and is read again next time. */
#define RACY_NS 2000000000LL

/* What identifies a file's content without reading it. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* One registry file as of the last refresh. */
struct reg_file {
	char *name;               /* within the directory */
	bool have_id;             /* an unchanged id means unchanged content */
	struct file_id id;
	bool has_good;            /* it parsed at least once */
	struct sl_instances good; /* its last good content */
	char *bad_msg;            /* why it fails to parse now; NULL when it parses */
};

struct sl_registry_file {
	char *path;              /* as configured: a file or a directory, decided at each refresh */
	char *parent, *base;     /* path split: the parent is watched for the path itself */
	char *dir;               /* the directory read: path (a directory) or parent (a file);
				  * NULL before the path was first found */
	char *only;              /* a file: its name in dir; NULL: every *.json in dir */
	int fd;
	int wd_parent;           /* -1 while the parent directory does not exist */
	int wd_dir;              /* the path as a directory; -1 when it is not one or was lost */
	char *problem;           /* why the path itself cannot be read now; NULL when it can */
	size_t max_bytes, max_instances; /* all files together */
	size_t bytes, instances;         /* counted during a refresh */
	struct reg_file *files;  /* sorted by name */
	size_t nfiles;
	bool reshaped;           /* files were dropped: the next merge replaces the last */
	struct sl_instances merged;
	unsigned int bad;
};

/* A file as one refresh finds it, before the result is committed to the source. */
struct scan {
	char *name;
	struct reg_file *old;       /* the same name at the last refresh, or NULL */
	bool have_id;
	struct file_id id;
	bool reread;                /* its content was read (and parsed) again */
	bool ok;                    /* reread and parsed: parsed holds it */
	struct sl_instances parsed;
	char *msg;                  /* reread and failed: why */
};

static const struct sl_instances no_instances;

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* "x.json", not ".x.json" (dotfiles, editor temp files) nor "x.json~" or "x.json.swp". */
static bool is_registry_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json");
}

static bool file_id_eq(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void file_id_from_stat(struct file_id *id, const struct stat *st)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

static bool file_id_racy(const struct file_id *id)
{
	struct timespec now;
	long long age;

	if (clock_gettime(CLOCK_REALTIME, &now))
		return true;
	age = (long long)(now.tv_sec - id->mtime.tv_sec) * 1000000000LL +
	      (now.tv_nsec - id->mtime.tv_nsec);
	return age < RACY_NS;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The names of the files that make up the registry now, sorted. A missing or unreadable
 * directory is an error. */
static int list_names(const struct sl_registry_file *src, char ***out, size_t *nout)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (src->only) {
		names = calloc(1, sizeof(*names));
		if (!names || !(names[0] = strdup(src->only))) {
			free(names);
			return -ENOMEM;
		}
		*out = names;
		*nout = 1;
		return 0;
	}

	d = opendir(src->dir);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			ret = -errno;
			break;
		}
		if (!is_registry_name(de->d_name))
			continue;
		if (sl_vec_room(names, n, cap)) {
			ret = -ENOMEM;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (ret) {
		free_names(names, n);
		return ret;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*nout = n;
	return 0;
}

/* The whole of a regular file, NUL-terminated, and what identifies it (sl_read_regular: 0,
 * -EINVAL for what is not a regular file, -EFBIG past max, or -errno). */
static int read_file(const char *path, size_t max, char **text, size_t *len, struct file_id *id)
{
	struct stat st;
	int ret = sl_read_regular(path, max, text, len, &st);

	if (!ret)
		file_id_from_stat(id, &st);
	return ret;
}

/* Instances in a document, counted without parsing it (every "InstanceId" key as written:
 * one spelt with escapes is not counted, so the parsed count is checked too), so that an
 * oversized one is refused before it is parsed. */
static size_t count_instances(const char *text)
{
	const char *p = text;
	size_t n = 0;

	while ((p = strstr(p, "\"InstanceId\""))) {
		n++;
		p++;
	}
	return n;
}

/* The instances the files may still hold: none once those kept (unchanged, or failing at their
 * last good content) have passed the limit. */
static size_t instance_room(const struct sl_registry_file *src)
{
	return src->max_instances > src->instances ? src->max_instances - src->instances : 0;
}

/* Read and parse a file whose id changed into sc, within what the source may still take.
 * -ENOENT when it is gone after all, -ENOMEM; otherwise 0 with sc->ok or sc->msg set. */
static int scan_read(struct sl_registry_file *src, const char *path, struct scan *sc)
{
	size_t room = src->max_bytes > src->bytes ? src->max_bytes - src->bytes : 0, ninst;
	struct sl_err err = { { 0 } };
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = room ? read_file(path, room, &text, &len, &sc->id) : -EFBIG; /* 0: no limit there */
	if (ret == -ENOENT || ret == -ENOMEM)
		return ret;
	sc->reread = true;
	if (ret == -EFBIG) {
		snprintf(err.msg, sizeof(err.msg), "%s: cannot read: the registry's files may hold "
			 "%zu bytes in all, and this one would pass that", path, src->max_bytes);
	} else if (ret) {
		/* Not trusted (have_id false): it is tried again on every refresh. */
		snprintf(err.msg, sizeof(err.msg), "%s: cannot read: %s", path,
			 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	} else if ((ninst = count_instances(text)) > instance_room(src)) {
		sc->have_id = !file_id_racy(&sc->id);
		snprintf(err.msg, sizeof(err.msg), "%s: holds up to %zu instances, more than the "
			 "registry may hold in all (%zu, limits.backends); not parsed", path, ninst,
			 src->max_instances);
	} else if (strlen(text) != len) {
		sc->have_id = !file_id_racy(&sc->id);
		snprintf(err.msg, sizeof(err.msg), "%s: contains a NUL byte", path);
	} else {
		sc->have_id = !file_id_racy(&sc->id);
		ret = sl_registry_parse(text, path, &sc->parsed, &err);
		if (ret == -ENOMEM)
			goto out;
		sc->ok = !ret;
		if (sc->ok && sc->parsed.n > instance_room(src)) {
			snprintf(err.msg, sizeof(err.msg), "%s: holds %zu instances, more than the "
				 "registry may hold in all (%zu, limits.backends)", path,
				 sc->parsed.n, src->max_instances);
			sl_instances_free(&sc->parsed);
			sc->ok = false;
		}
		if (sc->ok) {
			src->bytes += len;
			src->instances += sc->parsed.n;
		}
		pr_debug("%s: read, %s", path, sc->ok ? "parses" : "fails to parse");
	}
	ret = 0;
	if (!sc->ok && sc->old && sc->old->has_good)
		src->instances += sc->old->good.n; /* kept */
	if (!sc->ok) {
		sc->msg = strdup(err.msg);
		if (!sc->msg)
			ret = -ENOMEM;
	}
out:
	free(text);
	return ret;
}

/* Look at one file: 1 when it is not (or no longer) there, 0 when sc describes it, -ENOMEM. */
static int scan_file(struct sl_registry_file *src, const char *name, struct reg_file *old,
		     struct scan *sc)
{
	struct file_id id;
	struct stat st;
	char *path;
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->old = old;
	if (asprintf(&path, "%s/%s", src->dir, name) < 0)
		return -ENOMEM;
	if (stat(path, &st)) {
		ret = scan_read(src, path, sc); /* gone (1) or unreadable (reported) */
		goto out;
	}
	/* A directory, FIFO or device named *.json fails as a file that cannot be read: the
	 * file it replaced keeps its last good content, and a sluiced started meanwhile, which
	 * cannot tell whether it replaced one (whose content is then only in the maps), holds
	 * rather than dropping that content. */
	file_id_from_stat(&id, &st);
	if (S_ISREG(st.st_mode) && old && old->have_id && file_id_eq(&old->id, &id)) {
		sc->have_id = true;
		sc->id = id;
		src->bytes += (size_t)st.st_size;
		src->instances += old->has_good ? old->good.n : 0;
		ret = 0;
		goto out;
	}
	ret = scan_read(src, path, sc);
out:
	free(path);
	return ret == -ENOENT ? 1 : ret;
}

static void scans_free(struct scan *scans, size_t n)
{
	size_t i;

	if (!scans)
		return;
	for (i = 0; i < n; i++) {
		free(scans[i].name);
		sl_instances_free(&scans[i].parsed);
		free(scans[i].msg);
	}
	free(scans);
}

static void reg_file_free(struct reg_file *f)
{
	free(f->name);
	sl_instances_free(&f->good);
	free(f->bad_msg);
	memset(f, 0, sizeof(*f));
}

static struct reg_file *find_file(const struct sl_registry_file *src, const char *name)
{
	size_t lo = 0, hi = src->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, src->files[mid].name);

		if (!c)
			return &src->files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* A file read again: take its new content, or report its failure once and keep the old. */
static void apply_reread(const char *dir, struct reg_file *f, struct scan *sc)
{
	if (sc->ok) {
		sl_instances_free(&f->good);
		f->good = sc->parsed;
		sc->parsed = no_instances;
		f->has_good = true;
		if (f->bad_msg)
			pr_info("%s/%s: parses again", dir, f->name);
		free(f->bad_msg);
		f->bad_msg = NULL;
		return;
	}
	if (!f->bad_msg || strcmp(f->bad_msg, sc->msg)) {
		pr_err("%s", sc->msg);
		if (f->has_good)
			pr_warn("%s/%s: keeping its last good content (%zu instance%s)", dir,
				f->name, f->good.n, plural(f->good.n));
		else
			pr_warn("%s/%s: has never parsed; it contributes no instances", dir,
				f->name);
	}
	free(f->bad_msg);
	f->bad_msg = sc->msg;
	sc->msg = NULL;
}

/* Make the scanned files the source's files (nf has room for n). Cannot fail. */
static void commit_files(struct sl_registry_file *src, struct scan *scans, size_t n,
			 struct reg_file *nf)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct scan *sc = &scans[i];
		struct reg_file *f = &nf[i];

		if (sc->old) {
			*f = *sc->old;
			free(sc->old->name);
			memset(sc->old, 0, sizeof(*sc->old)); /* moved */
		}
		f->name = sc->name;
		sc->name = NULL;
		f->have_id = sc->have_id;
		f->id = sc->id;
		if (sc->reread)
			apply_reread(src->dir, f, sc);
	}
	for (i = 0; i < src->nfiles; i++) {
		struct reg_file *gone = &src->files[i];

		if (!gone->name)
			continue;
		pr_info("%s/%s: gone; dropping its %zu instance%s", src->dir, gone->name,
			gone->good.n, plural(gone->good.n));
		reg_file_free(gone);
	}
	free(src->files);
	src->files = nf;
	src->nfiles = n;
	src->bad = 0;
	for (i = 0; i < n; i++)
		src->bad += !!nf[i].bad_msg;
}

/* What a scanned file contributes: its new content, else its last good one. */
static const struct sl_instances *scan_content(const struct scan *sc)
{
	if (sc->ok)
		return &sc->parsed;
	if (sc->old && sc->old->has_good)
		return &sc->old->good;
	return &no_instances;
}

static int merge_scans(const struct sl_registry_file *src, const struct scan *scans, size_t n,
		       struct sl_instances *out)
{
	struct sl_registry_part *parts;
	size_t i;
	int ret;

	parts = calloc(n ? n : 1, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		parts[i].name = scans[i].name;
		parts[i].list = scan_content(&scans[i]);
	}
	ret = sl_registry_merge(parts, n, src->dir, out);
	free(parts);
	return ret;
}

static void unwatch(struct sl_registry_file *src, int *wd)
{
	if (*wd >= 0)
		inotify_rm_watch(src->fd, *wd);
	*wd = -1;
}

/* Forget every file: the path changed shape (a file became a directory or back). */
static void drop_files(struct sl_registry_file *src)
{
	size_t i;

	for (i = 0; i < src->nfiles; i++)
		reg_file_free(&src->files[i]);
	free(src->files);
	src->files = NULL;
	src->nfiles = 0;
	src->bad = 0;
	src->reshaped = true;
}

static int set_dir(struct sl_registry_file *src, const char *dir, const char *only)
{
	char *d = strdup(dir), *o = only ? strdup(only) : NULL;

	if (!d || (only && !o)) {
		free(d);
		free(o);
		return -ENOMEM;
	}
	free(src->dir);
	free(src->only);
	src->dir = d;
	src->only = o;
	return 0;
}

/* What the path is now: a directory (its *.json are read, and it is watched) or anything
 * else (read as a file of the parent directory). The parent is watched in either case, so
 * that the path is followed when it appears, goes, or is replaced. 0 or -errno. */
static int take_shape(struct sl_registry_file *src)
{
	struct stat st;
	bool was_dir = src->dir && !src->only;
	int ret, watch_err = 0;

	if (src->wd_parent < 0) {
		src->wd_parent = inotify_add_watch(src->fd, src->parent, WATCH_MASK | IN_ONLYDIR);
		watch_err = src->wd_parent < 0 ? -errno : 0;
	}
	if (stat(src->path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if (!was_dir) {
			if (src->dir)
				pr_info("registry %s is a directory now: reading its *.json files",
					src->path);
			drop_files(src);
			ret = set_dir(src, src->path, NULL);
			if (ret)
				return ret;
		}
		if (src->wd_dir < 0)
			src->wd_dir = inotify_add_watch(src->fd, src->path, WATCH_MASK | IN_ONLYDIR);
		return src->wd_dir < 0 ? -errno : watch_err;
	}
	if (!src->dir || was_dir) {
		if (was_dir)
			pr_info("registry %s is no longer a directory: reading it as a file",
				src->path);
		unwatch(src, &src->wd_dir);
		drop_files(src);
		ret = set_dir(src, src->parent, src->base);
		if (ret)
			return ret;
	}
	return watch_err;
}

/* The path cannot be read (ret): said once per cause, the last good content kept. */
static void report_problem(struct sl_registry_file *src, int ret)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", ret == -ENOENT ? "does not exist" :
		 ret == -ENOTDIR ? "a directory on its path is not one" : strerror(-ret));
	if (src->problem && !strcmp(src->problem, msg))
		return;
	pr_err("registry %s: %s; keeping its last good content (%zu instance%s); it is read as "
	       "soon as it appears", src->path, msg, src->merged.n, plural(src->merged.n));
	free(src->problem);
	src->problem = strdup(msg);
}

int sl_registry_file_refresh(struct sl_registry_file *src, bool *changed)
{
	struct sl_instances merged = { 0 };
	struct reg_file *nf = NULL;
	struct scan *scans = NULL;
	size_t i, nnames = 0, n = 0;
	char **names = NULL;
	bool dirty;
	int ret;

	*changed = false;
	src->bytes = src->instances = 0;
	ret = take_shape(src);
	if (!ret)
		ret = list_names(src, &names, &nnames);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		report_problem(src, ret);
		return ret;
	}
	scans = calloc(nnames ? nnames : 1, sizeof(*scans));
	nf = calloc(nnames ? nnames : 1, sizeof(*nf));
	if (!scans || !nf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		ret = scan_file(src, names[i], find_file(src, names[i]), &scans[n]);
		if (ret < 0)
			goto out;
		if (ret == 1 && src->only) {
			/* the file went between the two looks: it is missing, not emptied */
			ret = -ENOENT;
			report_problem(src, ret);
			goto out;
		}
		if (ret == 1) {
			ret = 0;
			continue;
		}
		scans[n].name = names[i];
		names[i] = NULL;
		n++;
	}

	/* A new file is always read; with none read, n names are the old n: none is gone. */
	dirty = n != src->nfiles || src->reshaped;
	src->reshaped = false;
	for (i = 0; i < n; i++)
		dirty |= scans[i].reread;
	if (dirty) {
		ret = merge_scans(src, scans, n, &merged);
		if (ret)
			goto out;
	}

	commit_files(src, scans, n, nf);
	nf = NULL;
	if (dirty) {
		*changed = !sl_instances_eq(&src->merged, &merged);
		sl_instances_free(&src->merged);
		src->merged = merged;
		merged = no_instances;
	}
	if (src->problem) {
		pr_info("registry %s: readable again", src->path);
		free(src->problem);
		src->problem = NULL;
	}
out:
	sl_instances_free(&merged);
	free(nf);
	scans_free(scans, nnames); /* entries past n hold nothing */
	free_names(names, nnames);
	return ret;
}

/* Whether one inotify event may change the registry. */
/* Whether one inotify event may change the registry. */
static bool event_concerns(const struct sl_registry_file *src, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	if (ev->wd == src->wd_parent) /* the path itself: appeared, went, replaced, written */
		return ev->len && !strcmp(ev->name, src->base);
	if (ev->wd != src->wd_dir)
		return false;
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
		return true;
	/* Kubernetes ConfigMap volumes update by swapping their "..data" symlink. */
	return ev->len && (!strcmp(ev->name, "..data") || is_registry_name(ev->name));
}

/* A watch the kernel dropped, or one on a directory that moved away: the registry is the
 * path, so the next refresh watches whatever is there then. */
static void forget_lost(struct sl_registry_file *src, const struct inotify_event *ev)
{
	int *wd = ev->wd == src->wd_dir ? &src->wd_dir :
		  ev->wd == src->wd_parent ? &src->wd_parent : NULL;

	if (!wd || *wd < 0)
		return;
	if (ev->mask & IN_IGNORED)
		*wd = -1;
	else if (ev->mask & IN_MOVE_SELF)
		unwatch(src, wd);
}

bool sl_registry_file_drain(struct sl_registry_file *src)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	bool relevant = false;
	ssize_t len;
	char *p;

	for (;;) {
		len = read(src->fd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno != EAGAIN) {
			pr_err("registry %s: reading inotify events: %s", src->path, strerror(errno));
			return true;
		}
		if (len <= 0)
			break;
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			relevant |= event_concerns(src, ev);
			forget_lost(src, ev);
		}
	}
	return relevant;
}

/* "a/b/c.json" into "a/b" and "c.json"; "c.json" into "." and "c.json". */
static int split_path(const char *path, char **dir, char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		*dir = strdup(".");
	else if (slash == path)
		*dir = strdup("/");
	else
		*dir = strndup(path, slash - path);
	*name = strdup(slash ? slash + 1 : path);
	if (!*dir || !*name) {
		free(*dir);
		free(*name);
		return -ENOMEM;
	}
	return 0;
}

struct sl_registry_file *sl_registry_file_open(const char *path, struct sl_err *err)
{
	struct sl_registry_file *src;
	size_t len;

	src = calloc(1, sizeof(*src));
	if (!src || !path || !*path) {
		sl_err_set(err, "registry: %s", src ? "no path given" : "out of memory");
		goto fail;
	}
	src->fd = src->wd_parent = src->wd_dir = -1;
	src->max_bytes = DEFAULT_MAX_BYTES;
	src->max_instances = DEFAULT_MAX_INSTANCES;
	src->path = strdup(path);
	if (!src->path)
		goto fail_nomem;
	len = strlen(src->path);
	while (len > 1 && src->path[len - 1] == '/')
		src->path[--len] = '\0';
	if (split_path(src->path, &src->parent, &src->base))
		goto fail_nomem;
	if (!*src->base || !strcmp(src->base, ".") || !strcmp(src->base, "..")) {
		sl_err_set(err, "registry %s: name a file or a directory", path);
		goto fail;
	}
	src->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (src->fd < 0) {
		sl_err_set(err, "registry %s: inotify: %s", path, strerror(errno));
		goto fail;
	}
	if (take_shape(src) == -ENOMEM) /* watches; a missing path is the refresh's to say */
		goto fail_nomem;
	return src;

fail_nomem:
	sl_err_set(err, "registry %s: out of memory", path);
fail:
	sl_registry_file_close(src);
	return NULL;
}

void sl_registry_file_set_limits(struct sl_registry_file *src, size_t max_bytes,
				 size_t max_instances)
{
	src->max_bytes = max_bytes;
	src->max_instances = max_instances;
}

void sl_registry_file_close(struct sl_registry_file *src)
{
	if (!src)
		return;
	if (src->fd >= 0)
		close(src->fd);
	drop_files(src);
	sl_instances_free(&src->merged);
	free(src->path);
	free(src->parent);
	free(src->base);
	free(src->dir);
	free(src->only);
	free(src->problem);
	free(src);
}

const char *sl_registry_file_path(const struct sl_registry_file *src)
{
	return src->path;
}

int sl_registry_file_fd(const struct sl_registry_file *src)
{
	return src->fd;
}

const struct sl_instances *sl_registry_file_instances(const struct sl_registry_file *src)
{
	return &src->merged;
}

unsigned int sl_registry_file_bad_files(const struct sl_registry_file *src)
{
	return src->bad;
}

const char *sl_registry_file_problem(const struct sl_registry_file *src)
{
	return src->problem;
}
