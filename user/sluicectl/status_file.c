// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status_file.c: sluiced's status file read by a table of rows (lib/json), unknown members
 * passing (a newer daemon may say more), and the degraded items it reports as lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/fsutil.h"
#include "lib/json.h"
#include "sluicectl/status_file.h"

#define TEXT_SHOW_LEN 256

/* A member that is text or null: NULL for null, a string as it is, anything else as JSON. */
static int parse_text(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		      void *base)
{
	char shown[TEXT_SHOW_LEN];

	if (json_is_null(v))
		return 0;
	return sl_json_set_str(j, sl_json_field(base, row), json_is_string(v) ?
			       json_string_value(v) : sl_json_show(v, shown, sizeof(shown)));
}

#define AT(T, f) SL_JSON_AT(T, f)
#define STR(key, T, f) { key, SL_JSON_STRING, AT(T, f) }
#define TEXT(key, T, f) { key, SL_JSON_CUSTOM, AT(T, f), .parse = parse_text }
#define COUNT(key, T, f) { key, SL_JSON_INT, AT(T, f), .max = UINT32_MAX }

static const struct sl_json_row unmatched_rows[] = {
	STR("service", struct ctl_unmatched, service),
	TEXT("namespace", struct ctl_unmatched, ns),
	COUNT("instances", struct ctl_unmatched, instances),
	{ 0 },
};

static const struct sl_json_row unmatched_elem = {
	.type = SL_JSON_OBJECT, .rows = unmatched_rows, .open = true,
};

static const struct sl_json_row registry_rows[] = {
	TEXT("path", struct ctl_registry_state, path),
	TEXT("problem", struct ctl_registry_state, problem),
	COUNT("badFiles", struct ctl_registry_state, failing_parts),
	COUNT("instances", struct ctl_registry_state, instances),
	TEXT("pending", struct ctl_registry_state, pending),
	{ "unmatched", SL_JSON_ARRAY,
	  SL_JSON_ARRAY_AT(struct ctl_registry_state, unmatched, nunmatched),
	  .elem = &unmatched_elem },
	{ 0 },
};

static const struct sl_json_row cgroup_rows[] = {
	{ "path", SL_JSON_STRING, AT(struct ctl_cgroup_state, path), .required = true },
	{ "attached", SL_JSON_BOOL, AT(struct ctl_cgroup_state, attached), .required = true },
	TEXT("error", struct ctl_cgroup_state, error),
	{ 0 },
};

static const struct sl_json_row cgroup_elem = {
	.type = SL_JSON_OBJECT, .rows = cgroup_rows, .open = true,
};

static const struct sl_json_row status_rows[] = {
	{ "pid", SL_JSON_INT, AT(struct ctl_status, pid), .min = 1, .max = INT32_MAX,
	  .required = true },
	STR("started", struct ctl_status, started),
	STR("version", struct ctl_status, version),
	STR("config", struct ctl_status, config),
	STR("bpffs", struct ctl_status, bpffs),
	{ "ready", SL_JSON_BOOL, AT(struct ctl_status, ready), .required = true },
	STR("status", struct ctl_status, status),
	STR("socketTermination", struct ctl_status, sockterm),
	{ "held", SL_JSON_BOOL, AT(struct ctl_status, held) },
	TEXT("reloadError", struct ctl_status, reload_error),
	{ "registry", SL_JSON_OBJECT, .off = offsetof(struct ctl_status, registry),
	  .has = SL_JSON_HAS(struct ctl_status, has_registry), .rows = registry_rows,
	  .open = true },
	{ "cgroups", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct ctl_status, cgroups, ncgroups),
	  .elem = &cgroup_elem },
	STR("updated", struct ctl_status, updated),
	{ 0 },
};

static const struct sl_json_row status_doc = {
	.type = SL_JSON_OBJECT, .rows = status_rows, .open = true,
};

int ctl_status_parse(const char *text, size_t len, const char *origin, struct ctl_status *out,
		     struct sl_err *err)
{
	/* quiet: a parse error quotes nothing of a file that may be anything a symlink led to */
	struct sl_json j = { .origin = origin, .err = err, .quiet = true };
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_json_load(&j, text, len, &root) ?: sl_json_object(&j, &status_doc, root, out);
	if (ret) {
		json_decref(root);
		ctl_status_free(out);
		return ret;
	}
	out->doc = root;
	return 0;
}

enum ctl_status_verdict ctl_status_read(const char *path, pid_t holder, struct ctl_status *out,
					struct sl_err *err)
{
	size_t len = 0;
	char *text;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = sl_read_file(path, CTL_STATUS_MAX, &text, &len);
	if (ret == -ENOENT)
		return sl_err_set(err, "no status file %s", path), CTL_STATUS_MISSING;
	if (ret)
		return sl_err_set(err, "%s: cannot read: %s", path, ret == -EINVAL ?
				  "not a regular file" : strerror(-ret)), CTL_STATUS_BAD;
	ret = ctl_status_parse(text, len, path, out, err);
	free(text);
	if (ret)
		return CTL_STATUS_BAD;
	if (holder > 0 && out->pid == (uint32_t)holder)
		return CTL_STATUS_CURRENT;
	if (holder > 0)
		sl_err_set(err, "%s is stale: written by pid %u, not by the daemon serving "
			   "(pid %d)", path, out->pid, (int)holder);
	else
		sl_err_set(err, "%s is stale: written by pid %u, and no daemon serves", path,
			   out->pid);
	ctl_status_free(out);
	return CTL_STATUS_STALE;
}

void ctl_status_free(struct ctl_status *st)
{
	struct ctl_registry_state *r = &st->registry;
	size_t i;

	free(st->started);
	free(st->version);
	free(st->config);
	free(st->bpffs);
	free(st->status);
	free(st->sockterm);
	free(st->reload_error);
	free(st->updated);
	free(r->path);
	free(r->problem);
	free(r->pending);
	for (i = 0; i < r->nunmatched; i++) {
		free(r->unmatched[i].service);
		free(r->unmatched[i].ns);
	}
	free(r->unmatched);
	for (i = 0; i < st->ncgroups; i++) {
		free(st->cgroups[i].path);
		free(st->cgroups[i].error);
	}
	free(st->cgroups);
	json_decref(st->doc);
	memset(st, 0, sizeof(*st));
}

struct lines {
	void (*fn)(void *ctx, const char *line);
	void *ctx;
	size_t n;
};

static void line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct lines *l, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	l->fn(l->ctx, buf);
	l->n++;
}

/* A cgroup's error without the "cgroup PATH: " it may start with (the line says that). */
static const char *cgroup_error(const struct ctl_cgroup_state *cg)
{
	size_t n = strlen(cg->path);
	const char *e = cg->error;

	if (strncmp(e, "cgroup ", 7) || strncmp(e + 7, cg->path, n) || strncmp(e + 7 + n, ": ", 2))
		return e;
	return e + 7 + n + 2;
}

size_t ctl_status_degraded(const struct ctl_status *st,
			   void (*fn)(void *ctx, const char *line), void *ctx)
{
	const struct ctl_registry_state *r = &st->registry;
	const char *rpath = r->path ? r->path : "(none)";
	struct lines l = { fn, ctx, 0 };
	size_t i;

	if (!st->ready)
		line(&l, "not ready%s%s", st->status ? ": " : "", st->status ? st->status : "");
	if (st->held)
		line(&l, "held: the registry cannot be read whole, the adopted maps serve");
	if (st->reload_error)
		line(&l, "reload: %s", st->reload_error);
	if (r->problem)
		line(&l, "registry %s: %s", rpath, r->problem);
	if (r->failing_parts)
		line(&l, "registry %s: %u failing part%s", rpath, r->failing_parts,
		     r->failing_parts == 1 ? "" : "s");
	if (r->pending)
		line(&l, "registry %s: a reload's, not read yet", r->pending);
	for (i = 0; i < st->ncgroups; i++)
		if (!st->cgroups[i].attached)
			line(&l, "cgroup %s: not attached%s%s", st->cgroups[i].path,
			     st->cgroups[i].error ? ": " : "",
			     st->cgroups[i].error ? cgroup_error(&st->cgroups[i]) : "");
	return l.n;
}
