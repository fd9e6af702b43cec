// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status.c: the status file's JSON (the schema sluicectl status reads), rebuilt from the
 * daemon's state and written atomically only when it differs from the last one written. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/version.h"
#include "sluiced/status.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static const char *iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static json_t *sources_json(const struct sl_sources *ss)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ss->n; i++) {
		const struct sl_source *src = ss->v[i];

		json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:i, s:I}", "kind", "file",
						   "path", src->cfg.file, "problem",
						   str_or_null(src->ops->problem(src)), "badFiles",
						   (int)src->ops->failing(src), "instances",
						   (json_int_t)src->ops->instances(src)->n));
	}
	return a;
}

/* The registry: its sources, and a summary in the first source's terms (the keys of a
 * registry of one file: path, problem, badFiles). */
static json_t *registry_json(const struct sl_daemon *d)
{
	const struct sl_sources *ss = &d->sources;
	const struct sl_source *bad = sl_sources_first_problem(ss);
	json_t *un = json_array();
	size_t i;

	for (i = 0; i < d->nunmatched; i++)
		json_array_append_new(un, json_pack("{s:s, s:o, s:I}", "service",
						    d->unmatched[i].service, "namespace",
						    str_or_null(d->unmatched[i].namespace),
						    "instances",
						    (json_int_t)d->unmatched[i].count));
	return json_pack("{s:o, s:o, s:i, s:I, s:o, s:o, s:o}", "path",
			 str_or_null(ss->n ? ss->v[0]->cfg.file : NULL), "problem",
			 str_or_null(bad ? bad->ops->problem(bad) : NULL), "badFiles",
			 (int)sl_sources_failing(ss), "instances",
			 (json_int_t)sl_sources_instances(ss)->n, "pending",
			 str_or_null(ss->nwant ? "a reload's sources, not read yet" : NULL),
			 "sources", sources_json(ss), "unmatched", un);
}

static json_t *cgroups_json(const struct sl_daemon *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->ncgroup_errors; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:o}", "path", d->cfg.cgroups[i],
						   "attached", !d->cgroup_errors[i], "error",
						   str_or_null(d->cgroup_errors[i])));
	return a;
}

static json_t *status_json(const struct sl_daemon *d)
{
	char line[1024], started[32];

	sl_daemon_status_line(d, line, sizeof(line));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:o, s:o, s:o}",
			 "pid", (int)getpid(), "started", iso_time(d->started, started,
								  sizeof(started)),
			 "version", sl_version(), "config", d->config_path, "bpffs", d->cfg.bpffs,
			 "ready", sl_daemon_ready(d), "status", line, "socketTermination",
			 sl_sockterm_method_name(sl_sockterm_method(d->sockterm)), "held", d->hold,
			 "reloadError", str_or_null(d->reload_error), "registry", registry_json(d),
			 "cgroups", cgroups_json(d));
}

void sl_status_publish(struct sl_daemon *d)
{
	json_t *o = status_json(d);
	char *same = NULL, *text = NULL, when[32];
	struct sl_err err;

	if (!o)
		return;
	same = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	if (!same || (d->status_last && !strcmp(same, d->status_last)))
		goto out;
	json_object_set_new(o, "updated", json_string(iso_time(time(NULL), when, sizeof(when))));
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		goto out;
	if (sl_write_atomic(d->cfg.status_file, text, strlen(text), 0644, &err)) {
		if (!d->status_failing)
			pr_err("status file: %s", err.msg);
		d->status_failing = true;
		goto out;
	}
	d->status_failing = false;
	free(d->status_last);
	d->status_last = same;
	same = NULL;
out:
	free(same);
	free(text);
	json_decref(o);
}
