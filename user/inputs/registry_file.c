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
#define MAX_FILE_SIZE (64L << 20)
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
	char *dir;               /* the directory watched */
	char *only;              /* a single file's name in dir; NULL: every *.json in dir */
	int fd;
	int wd;                  /* -1: the watch was lost; the next refresh adds it again */
	struct reg_file *files;  /* sorted by name */
	size_t nfiles;
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
	struct stat st;
	DIR *d;
	int ret = 0;

	if (src->only) {
		if (stat(src->dir, &st))
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
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

/* The whole of a regular file, NUL-terminated, and what identifies it. 0 or -errno. */
static int read_file(const char *path, char **text, size_t *len, struct file_id *id)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else
		ret = sl_read_fd(fd, MAX_FILE_SIZE, text, len);
	if (!ret)
		file_id_from_stat(id, &st);
	close(fd);
	return ret;
}

/* Read and parse a file whose id changed into sc. -ENOENT when it is gone after all,
 * -ENOMEM; otherwise 0 with sc->ok or sc->msg set. */
static int scan_read(const char *path, struct scan *sc)
{
	struct sl_err err = { { 0 } };
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(path, &text, &len, &sc->id);
	if (ret == -ENOENT || ret == -ENOMEM)
		return ret;
	sc->reread = true;
	if (ret) {
		/* Not trusted (have_id false): it is tried again on every refresh. */
		snprintf(err.msg, sizeof(err.msg), "%s: cannot read: %s", path,
			 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	} else if (strlen(text) != len) {
		sc->have_id = !file_id_racy(&sc->id);
		snprintf(err.msg, sizeof(err.msg), "%s: contains a NUL byte", path);
	} else {
		sc->have_id = !file_id_racy(&sc->id);
		ret = sl_registry_parse(text, path, &sc->parsed, &err);
		if (ret == -ENOMEM)
			goto out;
		sc->ok = !ret;
		pr_debug("%s: read, %s", path, sc->ok ? "parses" : "fails to parse");
	}
	ret = 0;
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
static int scan_file(const struct sl_registry_file *src, const char *name,
		     struct reg_file *old, struct scan *sc)
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
		ret = scan_read(path, sc); /* gone (1) or unreadable (reported) */
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !src->only) {
		ret = 1; /* a directory or a device named *.json is no registry file */
		goto out;
	}
	file_id_from_stat(&id, &st);
	if (old && old->have_id && file_id_eq(&old->id, &id)) {
		sc->have_id = true;
		sc->id = id;
		ret = 0;
		goto out;
	}
	ret = scan_read(path, sc);
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
		pr_warn("%s", sc->msg);
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

/* Watch the directory again if the watch was lost (it was deleted or moved away). */
static int ensure_watch(struct sl_registry_file *src)
{
	if (src->wd >= 0)
		return 0;
	src->wd = inotify_add_watch(src->fd, src->dir, WATCH_MASK | IN_ONLYDIR);
	if (src->wd < 0)
		return -errno;
	return 0;
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
	ret = ensure_watch(src);
	if (ret)
		return ret;
	ret = list_names(src, &names, &nnames);
	if (ret)
		return ret;
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
		if (ret == 1) {
			ret = 0;
			continue;
		}
		scans[n].name = names[i];
		names[i] = NULL;
		n++;
	}

	/* A new file is always read; with none read, n names are the old n: none is gone. */
	dirty = n != src->nfiles;
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
out:
	sl_instances_free(&merged);
	free(nf);
	scans_free(scans, nnames); /* entries past n hold nothing */
	free_names(names, nnames);
	return ret;
}

/* Whether one inotify event may change the registry. */
static bool event_concerns(const char *only, const struct inotify_event *ev)
{
	if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
		return true;
	if (!ev->len)
		return false;
	/* Kubernetes ConfigMap volumes update by swapping their "..data" symlink. */
	if (!strcmp(ev->name, "..data"))
		return true;
	return only ? !strcmp(ev->name, only) : is_registry_name(ev->name);
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
			pr_warn("%s: reading inotify events: %s", src->dir, strerror(errno));
			return true;
		}
		if (len <= 0)
			break;
		for (p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			relevant |= event_concerns(src->only, ev);
			if (ev->wd != src->wd || src->wd < 0)
				continue;
			if (ev->mask & IN_IGNORED) {
				src->wd = -1;
			} else if (ev->mask & IN_MOVE_SELF) {
				/* The watch follows the directory; the registry is the path. */
				inotify_rm_watch(src->fd, src->wd);
				src->wd = -1;
			}
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
	struct stat st;
	char *p = NULL;
	size_t len = 0;
	int ret;

	src = calloc(1, sizeof(*src));
	if (!src || !path || !*path) {
		sl_err_set(err, "registry: %s", src ? "no path given" : "out of memory");
		goto fail;
	}
	src->fd = -1;
	src->wd = -1;
	p = strdup(path);
	if (!p)
		goto fail_nomem;
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';

	ret = stat(p, &st) ? -errno : 0;
	if (!ret && S_ISDIR(st.st_mode)) {
		src->dir = p;
		p = NULL;
	} else if (ret && ret != -ENOENT) {
		sl_err_set(err, "%s: %s", path, strerror(-ret));
		goto fail;
	} else if (split_path(p, &src->dir, &src->only)) {
		goto fail_nomem;
	}
	if (src->only && !*src->only) {
		sl_err_set(err, "%s: not a file name", path);
		goto fail;
	}

	src->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (src->fd < 0) {
		sl_err_set(err, "%s: inotify: %s", path, strerror(errno));
		goto fail;
	}
	ret = ensure_watch(src);
	if (ret) {
		sl_err_set(err, "%s: cannot watch %s: %s", path, src->dir, strerror(-ret));
		goto fail;
	}
	free(p);
	return src;

fail_nomem:
	sl_err_set(err, "%s: out of memory", path);
fail:
	free(p);
	sl_registry_file_close(src);
	return NULL;
}

void sl_registry_file_close(struct sl_registry_file *src)
{
	size_t i;

	if (!src)
		return;
	if (src->fd >= 0)
		close(src->fd);
	for (i = 0; i < src->nfiles; i++)
		reg_file_free(&src->files[i]);
	free(src->files);
	sl_instances_free(&src->merged);
	free(src->dir);
	free(src->only);
	free(src);
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
