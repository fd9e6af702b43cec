// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* state_file.c: the state file {"version": 2, "namespaces": {NS: {"vip4": {name: addr},
 * "vip6": {...}}}} (version 1's top-level vip4 and vip6 read too), read with every field
 * checked, written to PATH.tmp and renamed over PATH. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/fsutil.h"
#include "lib/json.h"
#include "files/state_file.h"

#define STATE_VERSION 2     /* written */
#define STATE_VERSION_OLD 1 /* read: one namespace's tables at the top */

/* "version": 1 or 2. */
static int parse_version(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			 void *base)
{
	(void)row;
	(void)base;
	if (!json_is_integer(v) || (json_integer_value(v) != STATE_VERSION &&
				    json_integer_value(v) != STATE_VERSION_OLD))
		return sl_json_fail_got(j, v, "must be %d or %d, the versions known",
					STATE_VERSION_OLD, STATE_VERSION);
	return 0;
}

/* One alias name (on the path) and its VIP, of the table's family. */
static int parse_entry(struct sl_json *j, const char *name, const json_t *v, bool v4,
		       struct sl_vip_entry *e)
{
	const char *s;
	int ret;

	if (!*name)
		return sl_json_fail(j, "an alias name must not be empty");
	ret = sl_json_string(j, v, 0, 0, &s);
	if (ret)
		return ret;
	if (sl_addr_parse(s, &e->vip) || sl_addr_is_v4(&e->vip) != v4)
		return sl_json_fail_got(j, v, "must be an IPv%d address", v4 ? 4 : 6);
	return sl_json_set_str(j, &e->name, name);
}

/* A table {name: addr} into t. */
static int parse_table(struct sl_json *j, const json_t *v, bool v4, struct sl_vip_table *t)
{
	const char *name;
	size_t saved;
	json_t *val;
	int ret;

	if (!json_is_object(v))
		return sl_json_fail_got(j, v, "must be an object");
	if (!json_object_size(v))
		return 0;
	t->v = calloc(json_object_size(v), sizeof(*t->v));
	if (!t->v)
		return sl_json_oom(j);
	json_object_foreach((json_t *)v, name, val) {
		saved = sl_json_push_key(j, name);
		ret = parse_entry(j, name, val, v4, &t->v[t->n]);
		sl_json_pop(j, saved);
		if (ret)
			return ret;
		t->n++;
	}
	return 0;
}

static int parse_vip4(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	return parse_table(j, v, true, sl_json_field(base, row));
}

static int parse_vip6(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	return parse_table(j, v, false, sl_json_field(base, row));
}

static const struct sl_json_row ns_state_rows[] = {
	{ "vip4", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_state_ns, vip4), .parse = parse_vip4 },
	{ "vip6", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_state_ns, vip6), .parse = parse_vip6 },
	{ 0 },
};

static const struct sl_json_row ns_state_obj = {
	.type = SL_JSON_OBJECT, .rows = ns_state_rows, .open = true,
};

/* "namespaces": {NAME: {"vip4", "vip6"}}. */
static int parse_namespaces(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
			    void *base)
{
	struct sl_state *st = base;
	const char *name;
	size_t saved;
	json_t *val;
	int ret;

	(void)row;
	if (!json_is_object(v))
		return sl_json_fail_got(j, v, "must be an object");
	if (!json_object_size(v))
		return 0;
	st->ns = calloc(json_object_size(v), sizeof(*st->ns));
	if (!st->ns)
		return sl_json_oom(j);
	json_object_foreach((json_t *)v, name, val) {
		struct sl_state_ns *n = &st->ns[st->nns++];

		saved = sl_json_push_key(j, name);
		ret = !*name ? sl_json_fail(j, "a namespace name must not be empty") :
		      sl_json_set_str(j, &n->namespace, name) ?:
		      sl_json_object(j, &ns_state_obj, val, n);
		sl_json_pop(j, saved);
		if (ret)
			return ret;
	}
	return 0;
}

/* A table left out is empty; other keys pass. */
static const struct sl_json_row state_rows[] = {
	{ "version", SL_JSON_CUSTOM, .required = true, .parse = parse_version },
	{ "vip4", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_state, vip4), .parse = parse_vip4 },
	{ "vip6", SL_JSON_CUSTOM, SL_JSON_AT(struct sl_state, vip6), .parse = parse_vip6 },
	{ "namespaces", SL_JSON_CUSTOM, .parse = parse_namespaces },
	{ 0 },
};

void sl_state_views(const struct sl_state *st, const struct sl_config *cfg,
		    struct sl_vip_table *v4, struct sl_vip_table *v6)
{
	static const struct sl_vip_table none;

	for (size_t i = 0; i < cfg->nnamespaces; i++) {
		const struct sl_state_ns *n = sl_state_find(st, cfg->namespaces[i].namespace);
		bool old = !i && !st->nns; /* a version 1 file: the first namespace's */

		v4[i] = n ? n->vip4 : old ? st->vip4 : none;
		v6[i] = n ? n->vip6 : old ? st->vip6 : none;
	}
}

const struct sl_state_ns *sl_state_find(const struct sl_state *st, const char *name)
{
	for (size_t i = 0; i < st->nns; i++)
		if (!strcmp(st->ns[i].namespace, name))
			return &st->ns[i];
	return NULL;
}

static const struct sl_json_row state_doc = {
	.type = SL_JSON_OBJECT, .rows = state_rows, .open = true,
};

int sl_state_parse(const char *text, size_t len, const char *origin, struct sl_state *out,
		   struct sl_err *err)
{
	struct sl_json j = { .origin = origin, .err = err, .quiet = true };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_json_load(&j, text, len, &root);
	if (ret)
		return ret;
	ret = sl_json_object(&j, &state_doc, root, out);
	json_decref(root);
	if (ret)
		sl_state_free(out);
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
		sl_err_set(err, "%s: %s", path,
			   ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return ret;
	}
	ret = sl_state_parse(text, len, path, out, err);
	free(text);
	return ret;
}

/* What is wrong with entry e of a table of the family, on j's path: 0 when nothing. */
static int check_entry(struct sl_json *j, const struct sl_vip_entry *e, bool v4)
{
	if (!e->name || !*e->name)
		return sl_json_fail(j, "an alias name must not be empty");
	if (sl_addr_is_v4(&e->vip) != v4)
		return sl_json_fail(j, "must be an IPv%d address", v4 ? 4 : 6);
	return 0;
}

/* A table as a JSON object {name: addr}, each address of the table's family. */
static int table_json(struct sl_json *j, const char *key, bool v4, const struct sl_vip_table *t,
		      json_t **out)
{
	char a[SL_ADDR_STRLEN];
	size_t saved, at, i;
	json_t *obj;
	int ret = 0;

	*out = NULL;
	obj = json_object();
	if (!obj)
		return -ENOMEM;
	saved = sl_json_push_key(j, key);
	for (i = 0; i < t->n && !ret; i++) {
		const struct sl_vip_entry *e = &t->v[i];

		at = sl_json_push_key(j, e->name ? e->name : "");
		ret = check_entry(j, e, v4);
		if (!ret && json_object_set_new(obj, e->name,
						json_string(sl_addr_format(&e->vip, a, sizeof(a)))))
			ret = sl_json_fail(j, "an alias name must be valid UTF-8");
		sl_json_pop(j, at);
	}
	sl_json_pop(j, saved);
	if (ret)
		json_decref(obj);
	else
		*out = obj;
	return ret;
}

/* One namespace's tables as {"vip4": {...}, "vip6": {...}}. */
static int ns_json(struct sl_json *j, const struct sl_state_ns *n, json_t **out)
{
	json_t *v4 = NULL, *v6 = NULL;
	size_t saved = sl_json_push_key(j, "namespaces");
	int ret;

	sl_json_push_key(j, n->namespace);
	ret = table_json(j, "vip4", true, &n->vip4, &v4) ?:
	      table_json(j, "vip6", false, &n->vip6, &v6);
	sl_json_pop(j, saved);
	*out = NULL;
	if (!ret) {
		*out = json_pack("{s:o, s:o}", "vip4", v4, "vip6", v6);
		v4 = v6 = NULL;
		ret = *out ? 0 : -ENOMEM;
	}
	json_decref(v4);
	json_decref(v6);
	return ret;
}

/* The file's text, ending in a newline. 0, -EINVAL (err set) or -ENOMEM. */
static int state_text(const char *path, const struct sl_state *st, char **out,
		      struct sl_err *err)
{
	struct sl_json j = { .origin = path, .err = err };
	json_t *root = NULL, *nss = json_object(), *one;
	char *text = NULL;
	size_t i;
	int ret = nss ? 0 : -ENOMEM;

	*out = NULL;
	for (i = 0; !ret && i < st->nns; i++) {
		ret = ns_json(&j, &st->ns[i], &one);
		if (!ret && json_object_set_new(nss, st->ns[i].namespace, one))
			ret = sl_json_fail(&j, "namespaces: a namespace name must be valid UTF-8");
	}
	if (ret)
		goto out;
	ret = -ENOMEM;
	root = json_pack("{s:i, s:O}", "version", STATE_VERSION, "namespaces", nss);
	if (!root)
		goto out;
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text || asprintf(out, "%s\n", text) < 0) {
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	free(text);
	json_decref(nss);
	json_decref(root);
	return ret;
}

int sl_state_save(const char *path, const struct sl_state *st, struct sl_err *err)
{
	char *text = NULL;
	int ret;

	ret = state_text(path, st, &text, err);
	if (ret == -ENOMEM)
		sl_err_set(err, "%s: %s", path, strerror(ENOMEM));
	if (!ret)
		ret = sl_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return ret;
}

void sl_state_free(struct sl_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nns; i++) {
		free(st->ns[i].namespace);
		sl_vip_table_free(&st->ns[i].vip4);
		sl_vip_table_free(&st->ns[i].vip6);
	}
	free(st->ns);
	sl_vip_table_free(&st->vip4);
	sl_vip_table_free(&st->vip6);
	memset(st, 0, sizeof(*st));
}
