// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status.c: sluicectl status: the daemon serving the data plane (lock holder, since when),
 * what it reports in its status file, what is attached; degraded items first. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/maps.h"
#include "sluicectl/commands.h"
#include "sluicectl/daemon.h"
#include "sluicectl/status_file.h"

/* Everything status looks at. */
struct view {
	bool plane;                 /* the bpffs dir exists */
	struct ctl_daemon d;        /* d.pid 0: no daemon */
	enum ctl_status_verdict verdict;
	struct ctl_status st;       /* verdict CURRENT */
	struct sl_err why;          /* any other verdict */
	struct sl_attachment_info *att;
	size_t natt;
	bool have_att;
	json_t *degraded;           /* the lines, as an array of strings */
};

static void add_line(void *ctx, const char *line)
{
	json_array_append_new(ctx, ctl_json_string(line));
}

static void add_linef(struct view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_linef(struct view *v, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add_line(v->degraded, buf);
}

/* The attachments, from the links and the attachments map (needs root); a map that does not
 * open is degraded. */
static void read_attachments(struct ctl *c, struct view *v)
{
	struct sl_maps m;
	struct sl_err err;
	size_t i;

	if (sl_maps_open_pinned(c->bpffs, &m, &err)) {
		add_linef(v, "data plane: %s", err.msg);
		return;
	}
	if (sl_attachments_list(c->bpffs, m.attachments, &v->att, &v->natt, &err))
		add_linef(v, "data plane: %s", err.msg);
	else
		v->have_att = true;
	sl_maps_close(&m);
	for (i = 0; i < v->natt; i++)
		if (v->att[i].alive && v->att[i].nlinks != sl_nprogs)
			add_linef(v, "cgroup %s: attached partly (%u of %zu programs)",
				  v->att[i].path[0] ? v->att[i].path : "?", v->att[i].nlinks,
				  sl_nprogs);
}

static bool healthy(const struct view *v)
{
	return v->d.pid && v->verdict == CTL_STATUS_CURRENT && v->st.ready &&
	       !json_array_size(v->degraded);
}

static json_t *daemon_json(const struct view *v)
{
	char since[CTL_TIME_STRLEN];
	json_t *d;

	if (!v->d.pid)
		return json_null();
	d = json_pack("{s:i, s:o}", "pid", (int)v->d.pid, "command", ctl_json_string(v->d.comm));
	if (d && v->d.started)
		json_object_set_new(d, "since", json_string(ctl_format_time(v->d.started, since)));
	if (d && v->verdict == CTL_STATUS_CURRENT && v->st.version)
		json_object_set_new(d, "version", json_string(v->st.version));
	return d;
}

static int print_json(const struct ctl *c, struct view *v)
{
	bool current = v->verdict == CTL_STATUS_CURRENT;

	return ctl_print_json(json_pack(
		"{s:o, s:b, s:o, s:o, s:O, s:o, s:o, s:O, s:b}",
		"bpffs", ctl_json_string(c->bpffs), "dataPlane", v->plane,
		"daemon", daemon_json(v), "statusFile", ctl_json_string(c->status_file),
		"status", current ? v->st.doc : json_null(),
		"statusProblem", current ? json_null() : ctl_json_string(v->why.msg),
		"attached", v->have_att ? ctl_attachments_json(v->att, v->natt) : json_null(),
		"degraded", v->degraded, "ok", healthy(v)));
}

static void print_registry(const struct ctl_status *st)
{
	const struct ctl_registry_state *r = &st->registry;
	size_t i;

	if (!st->has_registry)
		return;
	if (!r->path)
		printf("  registry: none\n");
	else
		printf("  registry %s: %u instances, %u failing part%s\n", r->path, r->instances,
		       r->failing_parts, r->failing_parts == 1 ? "" : "s");
	for (i = 0; i < r->nunmatched; i++)
		printf("  not in the config: service %s, namespace %s: %u instances\n",
		       r->unmatched[i].service ? r->unmatched[i].service : "?",
		       r->unmatched[i].ns ? r->unmatched[i].ns : "?", r->unmatched[i].instances);
}

static void print_daemon(const struct ctl *c, const struct view *v)
{
	const struct ctl_status *st = &v->st;
	char since[CTL_TIME_STRLEN];

	if (!v->d.pid) {
		printf("no sluiced serves %s%s\n", c->bpffs, !v->plane ? ": no data plane there" :
		       "; the data plane serves its last state");
		return;
	}
	printf("sluiced (pid %d) serves %s", (int)v->d.pid, c->bpffs);
	if (v->d.started)
		printf(" since %s", ctl_format_time(v->d.started, since));
	if (v->verdict != CTL_STATUS_CURRENT) {
		printf("\n  sluiced gives no status: %s\n", v->why.msg);
		return;
	}
	printf(": %s\n", st->ready ? "ready" : "not ready");
	if (st->status)
		printf("  status: %s\n", st->status);
	printf("  version %s, config %s, socket termination %s\n", st->version ? st->version : "?",
	       st->config ? st->config : "?", st->sockterm ? st->sockterm : "?");
	print_registry(st);
	printf("  status file %s, updated %s\n", c->status_file, st->updated ? st->updated : "?");
}

static void print_text(const struct ctl *c, const struct view *v)
{
	size_t i;

	for (i = 0; i < json_array_size(v->degraded); i++)
		printf("degraded: %s\n", json_string_value(json_array_get(v->degraded, i)));
	print_daemon(c, v);
	if (!v->d.pid && v->verdict != CTL_STATUS_MISSING)
		printf("  status file: %s\n", v->why.msg);
	if (!v->have_att)
		return;
	printf(v->natt ? "attached:\n" : "nothing attached\n");
	ctl_attachments_print(v->att, v->natt, "  ");
}

int cmd_status(struct ctl *c)
{
	struct view v = { .degraded = json_array() };
	int ret;

	if (!v.degraded)
		return ctl_fail(c, "out of memory");
	ret = ctl_daemon_find(c->bpffs, &v.d);
	if (ret && ret != -ENOENT) {
		json_decref(v.degraded);
		return ctl_fail(c, "bpffs %s: %s%s", c->bpffs, strerror(-ret),
				ret == -EACCES ? " (sluicectl status needs root)" : "");
	}
	v.plane = !ret;
	v.verdict = ctl_status_read(c->status_file, v.d.pid, &v.st, &v.why);
	if (v.verdict == CTL_STATUS_CURRENT)
		ctl_status_degraded(&v.st, add_line, v.degraded);
	if (v.plane)
		read_attachments(c, &v);
	if (c->o.json)
		print_json(c, &v);
	else
		print_text(c, &v);
	ret = healthy(&v) ? 0 : 1;
	json_decref(v.degraded);
	ctl_status_free(&v.st);
	free(v.att);
	return ret;
}
