// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_registry_file.c: the file registry in a scratch directory: merging files in name
 * order, keeping a bad file's last good content, deletions, skipped names, inotify. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "inputs/registry_file.h"

#define INST(svc, id, ip, port)                                                          \
	"{\"InstanceId\":\"" id "\",\"ServiceName\":\"" svc "\",\"Attributes\":{"          \
	"\"AWS_INSTANCE_IPV4\":\"" ip "\",\"AWS_INSTANCE_PORT\":\"" port "\"}}"
#define DOC(...) "{\"Instances\":[" __VA_ARGS__ "]}"
/* An instance of svc at port 80 whose "InstanceId" key is written "\u0049nstanceId". */
#define ESCAPED(id, ip)                                                                   \
	"{\"\\u0049nstanceId\":\"" id "\",\"ServiceName\":\"svc\",\"Attributes\":{"          \
	"\"AWS_INSTANCE_IPV4\":\"" ip "\",\"AWS_INSTANCE_PORT\":\"80\"}}"

struct fixture {
	char dir[64];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/sluice-regsrc-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int ret = nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(fx);
	return ret;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* Write in place (truncating). */
static void write_file(const char *dir, const char *name, const char *content)
{
	char *p = path_in(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(close(fd), 0);
	free(p);
}

/* Write a dotfile next to it, then rename it over the name: a new inode. */
static void replace_file(const char *dir, const char *name, const char *content)
{
	char tmp[256], *from, *to;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	write_file(dir, tmp, content);
	from = path_in(dir, tmp);
	to = path_in(dir, name);
	assert_int_equal(rename(from, to), 0);
	free(from);
	free(to);
}

static void remove_file(const char *dir, const char *name)
{
	char *p = path_in(dir, name);

	assert_int_equal(unlink(p), 0);
	free(p);
}

static void set_mtime(const char *dir, const char *name, time_t sec)
{
	struct timespec ts[2] = { { .tv_sec = sec }, { .tv_sec = sec } };
	char *p = path_in(dir, name);

	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static struct sl_registry_file *open_ok(const char *path)
{
	struct sl_err err = { { 0 } };
	struct sl_registry_file *src = sl_registry_file_open(path, &err);

	if (!src)
		fail_msg("open %s: %s", path, err.msg);
	assert_true(sl_registry_file_fd(src) >= 0);
	return src;
}

static bool refresh_ok(struct sl_registry_file *src)
{
	bool changed = true;

	assert_int_equal(sl_registry_file_refresh(src, &changed), 0);
	return changed;
}

/* The merged list as "service/id:port,..." in order. */
static const char *listing(const struct sl_registry_file *src)
{
	static char buf[1024];
	const struct sl_instances *l = sl_registry_file_instances(src);
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s/%s:%u", i ? "," : "",
				l->v[i].service, l->v[i].id, l->v[i].port);
	return buf;
}

/* stderr, captured while a refresh runs. */
struct capture {
	int saved;
	FILE *f;
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->f), STDERR_FILENO) >= 0);
}

static char *capture_end(struct capture *c)
{
	char *buf;
	long len;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	len = ftell(c->f);
	assert_true(len >= 0);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	rewind(c->f);
	assert_int_equal(fread(buf, 1, len, c->f), (size_t)len);
	fclose(c->f);
	fputs(buf, stderr); /* still shown */
	return buf;
}

static char *refresh_captured(struct sl_registry_file *src, bool *changed)
{
	struct capture c;
	char *out;
	int ret;

	capture_start(&c);
	ret = sl_registry_file_refresh(src, changed);
	out = capture_end(&c);

	assert_int_equal(ret, 0);
	return out;
}

static void test_dir_merges_in_name_order(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;

	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.3", "83")));
	write_file(fx->dir, "a.json",
		   DOC(INST("svc", "a2", "10.0.0.2", "82") ","
		       INST("other", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "c.json", DOC());
	src = open_ok(fx->dir);
	assert_int_equal(sl_registry_file_instances(src)->n, 0); /* reads nothing yet */
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a2:82,other/a1:81,svc/b1:83");
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	sl_registry_file_close(src);
}

static void test_bad_file_keeps_last_good(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	bool changed;
	char *log;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "b.json",
		   DOC(INST("svc", "b1", "10.0.0.2", "82") ","
		       INST("svc", "b2", "10.0.0.3", "83")));
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:82,svc/b2:83");

	/* b.json breaks: reported with file, field and value; its content stays. */
	replace_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "0")));
	log = refresh_captured(src, &changed);
	assert_false(changed);
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:82,svc/b2:83");
	assert_non_null(strstr(log, "b.json: Instances[0].Attributes.AWS_INSTANCE_PORT: "
				    "must be 1-65535, got \"0\""));
	assert_non_null(strstr(log, "keeping its last good content"));
	free(log);

	/* The same failure again (a new inode, so it is re-read) is not reported again. */
	replace_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "0")));
	log = refresh_captured(src, &changed);
	assert_false(changed);
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	assert_null(strstr(log, "b.json"));
	free(log);

	/* A different failure is. */
	replace_file(fx->dir, "b.json", "{\"Instances\": [}");
	log = refresh_captured(src, &changed);
	assert_false(changed);
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	assert_non_null(strstr(log, "b.json:1:"));
	free(log);

	/* Fixed: the new content counts, and the file is no longer bad. */
	replace_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "8082")));
	assert_true(refresh_ok(src));
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:8082");

	/* A file that never parsed contributes nothing but counts as bad. */
	write_file(fx->dir, "c.json", "not json");
	assert_false(refresh_ok(src));
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:8082");

	/* A bad file that is deleted is no longer bad. */
	remove_file(fx->dir, "c.json");
	assert_false(refresh_ok(src));
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	sl_registry_file_close(src);
}

static void test_deleted_file_drops_instances(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "82")));
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_int_equal(sl_registry_file_instances(src)->n, 2);

	remove_file(fx->dir, "a.json");
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/b1:82");

	/* Even a bad file's kept content goes with it. */
	replace_file(fx->dir, "b.json", "{");
	assert_false(refresh_ok(src));
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	remove_file(fx->dir, "b.json");
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "");
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	sl_registry_file_close(src);
}

static void test_ignores_other_names(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	char *sub;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "x.txt", DOC(INST("svc", "txt", "10.0.0.2", "82")));
	write_file(fx->dir, ".hidden.json", DOC(INST("svc", "hidden", "10.0.0.3", "83")));
	write_file(fx->dir, "a.json~", DOC(INST("svc", "backup", "10.0.0.4", "84")));
	write_file(fx->dir, ".a.json.swp", "binary junk");
	write_file(fx->dir, "json", DOC(INST("svc", "bare", "10.0.0.5", "85")));
	sub = path_in(fx->dir, "sub");
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81");
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	sl_registry_file_close(src);
}

static int refresh_ret(struct sl_registry_file *src, bool *changed)
{
	*changed = true;
	return sl_registry_file_refresh(src, changed);
}

/* A single file: missing is a problem (said, nothing served yet), found when it appears; gone
 * again, its last good content stays; back, it is read. */
static void test_single_file_appears_later(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	char *path = path_in(fx->dir, "reg.json");
	bool changed;

	write_file(fx->dir, "other.json", DOC(INST("svc", "o1", "10.0.0.9", "89")));
	src = open_ok(path);
	assert_int_equal(refresh_ret(src, &changed), -ENOENT);
	assert_false(changed);
	assert_string_equal(sl_registry_file_problem(src), "does not exist");
	assert_int_equal(sl_registry_file_instances(src)->n, 0);
	assert_int_equal(sl_registry_file_bad_files(src), 0);
	assert_false(sl_registry_file_drain(src));

	/* Other files in the directory do not concern it. */
	replace_file(fx->dir, "more.json", DOC(INST("svc", "m1", "10.0.0.8", "88")));
	assert_false(sl_registry_file_drain(src));

	replace_file(fx->dir, "reg.json", DOC(INST("svc", "r1", "10.0.0.1", "81")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_null(sl_registry_file_problem(src));
	assert_string_equal(listing(src), "svc/r1:81");

	remove_file(fx->dir, "reg.json");
	assert_true(sl_registry_file_drain(src));
	assert_int_equal(refresh_ret(src, &changed), -ENOENT);
	assert_false(changed);
	assert_string_equal(listing(src), "svc/r1:81"); /* the last good content */

	replace_file(fx->dir, "reg.json", DOC(INST("svc", "r2", "10.0.0.2", "82")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/r2:82");
	sl_registry_file_close(src);
	free(path);
}

/* Its directory does not exist yet: opening works, the refresh says so, and once the
 * directory and the file are there a refresh reads them, and watches them from then on. */
static void test_parent_appears_later(void **state)
{
	struct fixture *fx = *state;
	char *dir = path_in(fx->dir, "nodir"), *path = path_in(fx->dir, "nodir/reg.json");
	struct sl_registry_file *src = open_ok(path);
	bool changed;

	assert_int_equal(refresh_ret(src, &changed), -ENOENT);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file(dir, "reg.json", DOC(INST("svc", "r1", "10.0.0.1", "81")));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/r1:81");
	replace_file(dir, "reg.json", DOC(INST("svc", "r2", "10.0.0.2", "82")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/r2:82");
	sl_registry_file_close(src);
	free(dir);
	free(path);
}

/* The path created as a directory where nothing was, then a file in its place: each read as
 * what it is, each change seen through the watch of its parent. */
static void test_path_changes_shape(void **state)
{
	struct fixture *fx = *state;
	char *reg = path_in(fx->dir, "registry");
	struct sl_registry_file *src = open_ok(reg);
	bool changed;

	assert_int_equal(refresh_ret(src, &changed), -ENOENT);
	assert_int_equal(mkdir(reg, 0755), 0);
	assert_true(sl_registry_file_drain(src));
	assert_false(refresh_ok(src)); /* an empty directory */
	write_file(reg, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81");
	remove_file(reg, "a.json");
	assert_int_equal(rmdir(reg), 0);
	write_file(fx->dir, "registry", DOC(INST("svc", "f1", "10.0.0.3", "83")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/f1:83");
	sl_registry_file_close(src);
	free(reg);
}

/* Never block on what is not a regular file, and keep the content of the file it replaced;
 * a directory named *.json that was no file here before fails as well: a sluiced restarted
 * while it replaces a file cannot tell (the file's content is only in the maps, and would be
 * dropped if it were passed over). */
static void test_fifo_and_dir_replacing_files(void **state)
{
	struct fixture *fx = *state;
	char *single = path_in(fx->dir, "one.json"), *a = path_in(fx->dir, "a.json");
	char *b = path_in(fx->dir, "b.json"), *c = path_in(fx->dir, "c.json");
	struct sl_registry_file *src;
	bool changed;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "82")));
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	remove_file(fx->dir, "a.json");
	assert_int_equal(mkfifo(a, 0644), 0);
	remove_file(fx->dir, "b.json");
	assert_int_equal(mkdir(b, 0755), 0);
	assert_int_equal(mkdir(c, 0755), 0);
	assert_false(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:82");
	assert_int_equal(sl_registry_file_bad_files(src), 3);
	sl_registry_file_close(src);
	/* opened anew (a restart) while they are there: each fails, none is passed over */
	src = open_ok(fx->dir);
	assert_false(refresh_ok(src));
	assert_int_equal(sl_registry_file_bad_files(src), 3);
	sl_registry_file_close(src);
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(rmdir(c), 0);
	assert_int_equal(unlink(a), 0);

	/* a single-file registry replaced by a FIFO */
	write_file(fx->dir, "one.json", DOC(INST("svc", "o1", "10.0.0.3", "83")));
	src = open_ok(single);
	assert_true(refresh_ok(src));
	remove_file(fx->dir, "one.json");
	assert_int_equal(mkfifo(single, 0644), 0);
	assert_int_equal(refresh_ret(src, &changed), 0);
	assert_false(changed);
	assert_string_equal(listing(src), "svc/o1:83");
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	sl_registry_file_close(src);
	free(single);
	free(a);
	free(b);
	free(c);
}

/* What the files may hold in all is bounded; a file past it fails before it is parsed (or once
 * parsed, when its InstanceId keys are spelt with escapes), and the first files, in name order,
 * keep their place. */
static void test_limits(void **state)
{
	static const char two[] = DOC(INST("svc", "a1", "10.0.0.1", "81") ","
				      INST("svc", "a2", "10.0.0.2", "82"));
	struct fixture *fx = *state;
	struct sl_registry_file *src;

	write_file(fx->dir, "a.json", two);
	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.3", "83") ","
					  INST("svc", "b2", "10.0.0.4", "84")));
	src = open_ok(fx->dir);
	sl_registry_file_set_limits(src, 1 << 20, 3);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/a2:82");
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	sl_registry_file_close(src);

	src = open_ok(fx->dir);
	sl_registry_file_set_limits(src, sizeof(two) + 8, 100);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/a2:82");
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	sl_registry_file_close(src);
	remove_file(fx->dir, "b.json");

	/* InstanceId keys spelt with escapes, which the count before parsing misses: counted
	 * once parsed, and refused all the same. */
	write_file(fx->dir, "a.json", DOC(ESCAPED("a1", "10.0.0.1") "," ESCAPED("a2", "10.0.0.2") ","
					  ESCAPED("a3", "10.0.0.3") "," ESCAPED("a4", "10.0.0.4")));
	src = open_ok(fx->dir);
	sl_registry_file_set_limits(src, 1 << 20, 3);
	assert_false(refresh_ok(src)); /* nothing before, nothing now */
	assert_string_equal(listing(src), "");
	assert_int_equal(sl_registry_file_bad_files(src), 1);
	sl_registry_file_close(src);

	/* Files kept unchanged past the limit (a file before them grew) leave no room for a new
	 * one: the limit does not wrap around. */
	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.3", "83") ","
					  INST("svc", "b2", "10.0.0.4", "84")));
	src = open_ok(fx->dir);
	sl_registry_file_set_limits(src, 1 << 20, 3);
	assert_true(refresh_ok(src));
	replace_file(fx->dir, "a.json", two);
	write_file(fx->dir, "c.json", DOC(INST("svc", "c1", "10.0.0.5", "85")));
	assert_true(refresh_ok(src));
	/* b.json is kept as it was (read again or not, as its mtime allows); c.json is refused */
	assert_string_equal(listing(src), "svc/a1:81,svc/a2:82,svc/b1:83,svc/b2:84");
	assert_true(sl_registry_file_bad_files(src) >= 1);
	sl_registry_file_close(src);
}

static void test_drain(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	struct pollfd pfd;

	src = open_ok(fx->dir);
	assert_false(sl_registry_file_drain(src));

	/* A dotfile alone concerns nobody. */
	write_file(fx->dir, ".scratch", "x");
	assert_false(sl_registry_file_drain(src));

	/* Written next to it, renamed into place. */
	replace_file(fx->dir, "c.json", DOC(INST("svc", "c1", "10.0.0.1", "81")));
	pfd.fd = sl_registry_file_fd(src);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_true(sl_registry_file_drain(src));
	assert_false(sl_registry_file_drain(src)); /* drained */
	assert_int_equal(poll(&pfd, 1, 0), 0);

	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/c1:81");
	sl_registry_file_close(src);
}

/* A Kubernetes ConfigMap volume: x.json -> ..data/x.json, ..data -> ..<timestamp>; an
 * update swaps ..data alone, so no *.json name shows in any event. */
static void test_configmap_swap(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	char path[256], target[256];

	snprintf(path, sizeof(path), "%s/..v1", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(path, "c.json", DOC(INST("svc", "c1", "10.0.0.1", "81")));
	snprintf(path, sizeof(path), "%s/..v2", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(path, "c.json", DOC(INST("svc", "c2", "10.0.0.2", "82")));
	snprintf(path, sizeof(path), "%s/..data", fx->dir);
	assert_int_equal(symlink("..v1", path), 0);
	snprintf(path, sizeof(path), "%s/c.json", fx->dir);
	assert_int_equal(symlink("..data/c.json", path), 0);

	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/c1:81");
	sl_registry_file_drain(src);

	snprintf(path, sizeof(path), "%s/..data_tmp", fx->dir);
	assert_int_equal(symlink("..v2", path), 0);
	snprintf(target, sizeof(target), "%s/..data", fx->dir);
	assert_int_equal(rename(path, target), 0);
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/c2:82");
	sl_registry_file_close(src);
}

static void test_unchanged_refresh(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	write_file(fx->dir, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "82")));
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_false(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:82");

	/* Same content, written differently (new inode): compared deeply, not changed. */
	replace_file(fx->dir, "a.json", "\n" DOC(INST("svc", "a1", "10.0.0.1", "81")) "\n");
	assert_false(refresh_ok(src));

	/* One field differs: changed. */
	replace_file(fx->dir, "a.json", DOC("{\"InstanceId\":\"a1\",\"ServiceName\":\"svc\","
					    "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\","
					    "\"AWS_INSTANCE_PORT\":\"81\",\"weight\":\"5\"}}"));
	assert_true(refresh_ok(src));
	assert_int_equal(sl_registry_file_instances(src)->v[0].weight, 5);
	assert_false(refresh_ok(src));
	sl_registry_file_close(src);
}

static void test_unchanged_stat_not_reread(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;

	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "8080")));
	set_mtime(fx->dir, "a.json", 1600000000);
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:8080");

	/* Rewritten in place with the same size and mtime: taken as unchanged, not read. */
	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "8081")));
	set_mtime(fx->dir, "a.json", 1600000000);
	assert_false(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:8080");

	/* A different mtime gets it read. */
	set_mtime(fx->dir, "a.json", 1600000001);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:8081");
	sl_registry_file_close(src);
}

static void test_recent_mtime_not_trusted(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	time_t now = time(NULL);

	/* Two writes within one timestamp tick look alike: a file modified that recently
	 * is read again even though its size and mtime stayed. */
	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "8080")));
	set_mtime(fx->dir, "a.json", now);
	src = open_ok(fx->dir);
	assert_true(refresh_ok(src));
	write_file(fx->dir, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "8081")));
	set_mtime(fx->dir, "a.json", now);
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:8081");
	sl_registry_file_close(src);
}

static void test_duplicate_across_files(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	bool changed;
	char *log;

	write_file(fx->dir, "b.json",
		   DOC(INST("svc", "x", "10.0.0.2", "82") ","
		       INST("svc", "y", "10.0.0.3", "83")));
	write_file(fx->dir, "a.json",
		   DOC(INST("svc", "x", "10.0.0.1", "81") ","
		       INST("other", "y", "10.0.0.4", "84")));
	src = open_ok(fx->dir);
	log = refresh_captured(src, &changed);
	assert_true(changed);
	assert_string_equal(listing(src), "svc/x:81,other/y:84,svc/y:83");
	assert_non_null(strstr(log, "b.json"));
	assert_non_null(strstr(log, "a.json"));
	assert_non_null(strstr(log, "\"x\""));
	free(log);

	/* Once a.json lets it go, b.json's copy is the one. */
	replace_file(fx->dir, "a.json", DOC(INST("other", "y", "10.0.0.4", "84")));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "other/y:84,svc/x:82,svc/y:83");
	sl_registry_file_close(src);
}

static void test_directory_vanishes(void **state)
{
	struct fixture *fx = *state;
	struct sl_registry_file *src;
	char *reg = path_in(fx->dir, "reg"), *gone = path_in(fx->dir, "gone");
	bool changed = true;

	assert_int_equal(mkdir(reg, 0755), 0);
	write_file(reg, "a.json", DOC(INST("svc", "a1", "10.0.0.1", "81")));
	src = open_ok(reg);
	assert_true(refresh_ok(src));

	assert_int_equal(rename(reg, gone), 0);
	assert_true(sl_registry_file_drain(src));
	assert_int_equal(sl_registry_file_refresh(src, &changed), -ENOENT);
	assert_false(changed);
	assert_string_equal(listing(src), "svc/a1:81"); /* kept */
	/* What happens to the directory where it went is none of its business. */
	replace_file(gone, "z.json", DOC(INST("svc", "z1", "10.0.0.9", "89")));
	assert_false(sl_registry_file_drain(src));
	remove_file(gone, "z.json");
	assert_false(sl_registry_file_drain(src));

	/* Back again: watched again, and its files are read. */
	assert_int_equal(rename(gone, reg), 0);
	assert_false(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81");
	replace_file(reg, "b.json", DOC(INST("svc", "b1", "10.0.0.2", "82")));
	assert_true(sl_registry_file_drain(src));
	assert_true(refresh_ok(src));
	assert_string_equal(listing(src), "svc/a1:81,svc/b1:82");
	sl_registry_file_close(src);
	free(reg);
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_merges_in_name_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_file_keeps_last_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_file_drops_instances, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignores_other_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_file_appears_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_appears_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_changes_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_and_dir_replacing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configmap_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_stat_not_reread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recent_mtime_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_across_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_vanishes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
