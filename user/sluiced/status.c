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

#define MAX_PARTS_SHOWN 64 /* failing names listed per source (all are counted) */

static json_t *iso_or_null(time_t t)
{
	char buf[32];

	return t ? json_string(iso_time(t, buf, sizeof(buf))) : json_null();
}

/* A DNS source's servers, as configured ("[]": resolv.conf's). */
static json_t *servers_json(const struct sl_source_cfg *c)
{
	char ep[SL_ENDPOINT_STRLEN];
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < c->nservers; i++)
		json_array_append_new(a, json_string(sl_endpoint_format(&c->servers[i].addr,
									c->servers[i].port, ep,
									sizeof(ep))));
	return a;
}

static json_t *endpoints_json(const struct sl_source_cfg *c)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < c->nendpoints; i++)
		json_array_append_new(a, json_string(c->endpoints[i]));
	return a;
}

/* The parts that fail now: when each last answered, and why it fails. */
static json_t *failing_json(const struct sl_source *src)
{
	struct sl_source_part parts[MAX_PARTS_SHOWN];
	json_t *a = json_array();
	size_t n = src->ops->failing_parts ? src->ops->failing_parts(src, parts, MAX_PARTS_SHOWN) : 0;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:I, s:o, s:s}", "name", parts[i].name,
						   "instances", (json_int_t)parts[i].instances,
						   "lastSuccess", iso_or_null(parts[i].last_ok),
						   "error", parts[i].failure));
	return a;
}

static json_t *source_json(const struct sl_source *src, const char *ns)
{
	const char *problem = src->ops->problem(src);
	json_int_t n = (json_int_t)src->ops->instances(src)->n;
	unsigned failing = src->ops->failing(src);

	if (src->cfg.kind == SL_SOURCE_ETCD)
		return json_pack("{s:s, s:o, s:s, s:o, s:i, s:I, s:o}", "kind", "etcd", "endpoints",
				 endpoints_json(&src->cfg), "prefix", src->cfg.prefix, "problem",
				 str_or_null(problem), "failingKeys", (int)failing, "instances", n,
				 "failing", failing_json(src));
	if (src->cfg.kind == SL_SOURCE_DNS)
		return json_pack("{s:s, s:o, s:o, s:i, s:I, s:o}", "kind", "dns", "servers",
				 servers_json(&src->cfg), "problem", str_or_null(problem),
				 "failingNames", (int)failing, "instances", n, "failing",
				 failing_json(src));
	if (src->cfg.kind == SL_SOURCE_CLOUDMAP)
		return json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:I, s:o}", "kind", "cloudMap",
				 "region", src->cfg.region, "namespace",
				 str_or_null(src->cfg.cm_namespace ? src->cfg.cm_namespace : ns),
				 "endpoint",
				 str_or_null(src->cfg.endpoint), "problem", str_or_null(problem),
				 "failingServices", (int)failing, "instances", n, "failing",
				 failing_json(src));
	return json_pack("{s:s, s:s, s:o, s:i, s:I}", "kind", "file", "path", src->cfg.file,
			 "problem", str_or_null(problem), "badFiles", (int)failing, "instances", n);
}

/* Every namespace's sources, each with its namespace. */
static json_t *sources_json(const struct sl_ns_sources *nss)
{
	json_t *a = json_array();
	size_t i, k;

	for (k = 0; k < nss->n; k++)
		for (i = 0; i < nss->v[k].n; i++) {
			json_t *o = source_json(nss->v[k].v[i], nss->names[k]);

			json_object_set_new(o, "namespace", json_string(nss->names[k]));
			json_array_append_new(a, o);
		}
	return a;
}

/* The registry: its sources, and a summary in the terms of a registry of one file (path:
 * the source with a problem, else the first; problem; badFiles: failing parts of any kind). */
static json_t *registry_json(const struct sl_daemon *d)
{
	const struct sl_ns_sources *ss = &d->sources;
	const struct sl_source *bad = sl_ns_sources_first_problem(ss);
	json_t *un = json_array();
	size_t i;

	for (i = 0; i < d->nunmatched; i++)
		json_array_append_new(un, json_pack("{s:s, s:o, s:I}", "service",
						    d->unmatched[i].service, "namespace",
						    str_or_null(d->unmatched[i].namespace),
						    "instances",
						    (json_int_t)d->unmatched[i].count));
	const struct sl_source *shown = bad;

	for (i = 0; !shown && i < ss->n; i++)
		shown = ss->v[i].n ? ss->v[i].v[0] : NULL;

	return json_pack("{s:o, s:o, s:i, s:I, s:o, s:o, s:o}", "path",
			 str_or_null(shown ? sl_source_label(shown) : NULL), "problem",
			 str_or_null(bad ? bad->ops->problem(bad) : NULL), "badFiles",
			 (int)sl_ns_sources_failing(ss), "instances",
			 (json_int_t)sl_ns_sources_count(ss), "pending",
			 str_or_null(sl_ns_sources_pending(ss) ? "a reload's sources, not read yet" :
								 NULL),
			 "sources", sources_json(ss), "unmatched", un);
}

static json_t *cgroups_json(const struct sl_daemon *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < d->ncgroup_errors; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:o}", "path", d->cfg.cgroups[i].path,
						   "attached", !d->cgroup_errors[i], "error",
						   str_or_null(d->cgroup_errors[i])));
	return a;
}

/* The config's namespaces: name, id in the maps (null: not served), hosts file, services;
 * and the attach rules at work. */
static json_t *namespaces_json(const struct sl_daemon *d)
{
	json_t *a = json_array();

	for (size_t i = 0; i < d->cfg.nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &d->cfg.namespaces[i];
		const struct sl_namespace_model *m =
			sl_model_find_namespace_name(&d->current, ns->namespace);

		json_array_append_new(a, json_pack("{s:s, s:o, s:b, s:s, s:I}", "name",
						   ns->namespace, "id",
						   m ? json_integer(m->id) : json_null(), "enabled",
						   ns->enabled, "hostsFile", ns->hosts_file,
						   "services", (json_int_t)ns->nservices));
	}
	return a;
}

static json_t *rules_json(const struct sl_daemon *d)
{
	struct sl_rules_stats st;

	sl_rules_stats(d->rules, &st);
	return json_pack("{s:I, s:I, s:I, s:I, s:b}", "watched", (json_int_t)st.rules,
			 "present", (json_int_t)st.present, "tasks", (json_int_t)st.tasks,
			 "failing", (json_int_t)st.failing, "failed", d->rules_failed);
}

static json_t *status_json(const struct sl_daemon *d)
{
	char line[1024], started[32];

	sl_daemon_status_line(d, line, sizeof(line));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}",
			 "pid", (int)getpid(), "started", iso_time(d->started, started,
								  sizeof(started)),
			 "version", sl_version(), "config", d->config_path, "bpffs", d->cfg.bpffs,
			 "ready", sl_daemon_ready(d), "status", line, "socketTermination",
			 sl_sockterm_method_name(sl_sockterm_method(d->sockterm)), "held", d->hold,
			 "reloadError", str_or_null(d->reload_error), "registry", registry_json(d),
			 "cgroups", cgroups_json(d), "namespaces", namespaces_json(d), "attach",
			 rules_json(d));
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
