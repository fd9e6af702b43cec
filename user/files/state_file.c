// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* state_file.c: the state file {"version": 1, "vip4": {name: addr}, "vip6": {name: addr}},
 * read with every field checked, written to PATH.tmp and renamed over PATH. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/fsutil.h"
#include "files/state_file.h"

#define STATE_VERSION 1

/* One table ("vip4" or "vip6") of the document; absent is empty. */
static int parse_table(const char *path, json_t *root, const char *key, bool v4,
		       struct sl_vip_table *t, struct sl_err *err)
{
	json_t *obj = json_object_get(root, key), *val;
	const char *name, *s;
	size_t n;

	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return sl_err_set(err, "%s: %s: not an object", path, key);
	n = json_object_size(obj);
	if (!n)
		return 0;
	t->v = calloc(n, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	json_object_foreach(obj, name, val) {
		struct sl_vip_entry *e = &t->v[t->n];

		if (!*name)
			return sl_err_set(err, "%s: %s: empty alias name", path, key);
		s = json_string_value(val);
		if (!s)
			return sl_err_set(err, "%s: %s.%s: not a string", path, key, name);
		if (sl_addr_parse(s, &e->vip) || sl_addr_is_v4(&e->vip) != v4)
			return sl_err_set(err, "%s: %s.%s: not an IPv%d address", path, key, name,
					  v4 ? 4 : 6);
		e->name = strdup(name);
		if (!e->name)
			return -ENOMEM;
		t->n++;
	}
	return 0;
}

static int parse_state(const char *path, const char *text, size_t len, struct sl_state *out,
		       struct sl_err *err)
{
	json_error_t jerr;
	json_t *root, *ver;
	int ret;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sl_err_set(err, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
				  jerr.text);
	if (!json_is_object(root)) {
		ret = sl_err_set(err, "%s: not a JSON object", path);
		goto out;
	}
	ver = json_object_get(root, "version");
	if (!ver) {
		ret = sl_err_set(err, "%s: version: missing", path);
		goto out;
	}
	if (!json_is_integer(ver) || json_integer_value(ver) != STATE_VERSION) {
		ret = sl_err_set(err, "%s: version: not %d, the only version known", path,
				 STATE_VERSION);
		goto out;
	}
	ret = parse_table(path, root, "vip4", true, &out->vip4, err);
	if (ret)
		goto out;
	ret = parse_table(path, root, "vip6", false, &out->vip6, err);
out:
	json_decref(root);
	return ret;
}

int sl_state_load(const char *path, struct sl_state *out, struct sl_err *err)
{
	size_t len = 0;
	char *text;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_read_file(path, 0, &text, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		sl_err_set(err, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = parse_state(path, text, len, out, err);
	if (ret == -ENOMEM)
		sl_err_set(err, "%s: %s", path, strerror(ENOMEM));
	if (ret)
		sl_state_free(out);
	free(text);
	return ret;
}

/* A table as a JSON object {name: addr}, each address of the table's family. */
static int table_json(const char *path, const char *key, bool v4, const struct sl_vip_table *t,
		      json_t **out, struct sl_err *err)
{
	char a[SL_ADDR_STRLEN];
	json_t *obj;
	size_t i;
	int ret;

	*out = NULL;
	obj = json_object();
	if (!obj)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct sl_vip_entry *e = &t->v[i];

		if (!e->name || !*e->name) {
			ret = sl_err_set(err, "%s: %s: empty alias name", path, key);
			goto fail;
		}
		if (sl_addr_is_v4(&e->vip) != v4) {
			ret = sl_err_set(err, "%s: %s.%s: not an IPv%d address", path, key,
					 e->name, v4 ? 4 : 6);
			goto fail;
		}
		sl_addr_format(&e->vip, a, sizeof(a));
		if (json_object_set_new(obj, e->name, json_string(a))) {
			ret = sl_err_set(err, "%s: %s.%s: not valid UTF-8", path, key, e->name);
			goto fail;
		}
	}
	*out = obj;
	return 0;
fail:
	json_decref(obj);
	return ret;
}

/* The file's text, ending in a newline. 0, -EINVAL (err set) or -ENOMEM. */
static int state_text(const char *path, const struct sl_state *st, char **out,
		      struct sl_err *err)
{
	json_t *root = NULL, *v4 = NULL, *v6 = NULL;
	char *text = NULL;
	int ret;

	*out = NULL;
	ret = table_json(path, "vip4", true, &st->vip4, &v4, err);
	if (ret)
		goto out;
	ret = table_json(path, "vip6", false, &st->vip6, &v6, err);
	if (ret)
		goto out;
	ret = -ENOMEM;
	root = json_object();
	if (!root || json_object_set_new(root, "version", json_integer(STATE_VERSION)) ||
	    json_object_set(root, "vip4", v4) || json_object_set(root, "vip6", v6))
		goto out;
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text || asprintf(out, "%s\n", text) < 0) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	free(text);
	json_decref(v4);
	json_decref(v6);
	json_decref(root);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= w;
	}
	return 0;
}

/* Make a rename in path's directory durable. */
static int fsync_parent(const char *path, struct sl_err *err)
{
	char *dir, *slash;
	int fd, ret = 0;

	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		ret = -errno;
		sl_err_set(err, "%s: fsync: %s", dir, strerror(-ret));
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

/* Write text to tmp and make it durable. */
static int write_tmp(const char *tmp, const char *text, struct sl_err *err)
{
	int fd, ret;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		sl_err_set(err, "%s: %s", tmp, strerror(-ret));
		return ret;
	}
	ret = write_all(fd, text, strlen(text));
	if (ret) {
		sl_err_set(err, "%s: write: %s", tmp, strerror(-ret));
		goto out;
	}
	if (fsync(fd)) {
		ret = -errno;
		sl_err_set(err, "%s: fsync: %s", tmp, strerror(-ret));
	}
out:
	if (close(fd) && !ret) {
		ret = -errno;
		sl_err_set(err, "%s: close: %s", tmp, strerror(-ret));
	}
	return ret;
}

int sl_state_save(const char *path, const struct sl_state *st, struct sl_err *err)
{
	char *text = NULL, *tmp = NULL;
	int ret;

	ret = state_text(path, st, &text, err);
	if (!ret && asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		ret = -ENOMEM;
	}
	if (ret == -ENOMEM)
		sl_err_set(err, "%s: %s", path, strerror(ENOMEM));
	if (ret)
		goto out;
	ret = sl_mkdir_parents(path, 0755);
	if (ret) {
		sl_err_set(err, "%s: cannot create its directory: %s", path, strerror(-ret));
		goto out;
	}
	ret = write_tmp(tmp, text, err);
	if (ret)
		goto out_unlink;
	if (rename(tmp, path)) {
		ret = -errno;
		sl_err_set(err, "%s: rename from %s: %s", path, tmp, strerror(-ret));
		goto out_unlink;
	}
	ret = fsync_parent(path, err);
	goto out;
out_unlink:
	unlink(tmp);
out:
	free(tmp);
	free(text);
	return ret;
}

void sl_state_free(struct sl_state *st)
{
	if (!st)
		return;
	sl_vip_table_free(&st->vip4);
	sl_vip_table_free(&st->vip6);
}
