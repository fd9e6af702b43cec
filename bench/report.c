// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* report.c: the performance section of BENCHMARKS.md from the bench scripts' results: Markdown
 * on stdout; gnuplot data (NAME.dat) and scripts (NAME.gp, drawing NAME.png) in PLOTDIR.
 *
 * Usage: report RESULTS.jsonl PLOTDIR TEMPLATE. The prose is the template's (bench/report.md.in);
 * this program computes the figures, builds the tables and fills them in, by name:
 *   {{name}}               name's value ("–" for a figure not measured)
 *   {{name|text}}          name's value, or text when the value is empty
 *   {{#name}}...{{/name}}  what is between, when name's value is not empty
 *   {{^name}}...{{/name}}  what is between, when name's value is empty
 * Blocks nest. Flags (results, quick, paths, ...) are "yes" or empty. Names are of a-z, 0-9
 * and _; "{{" always opens a tag (no escape), and a text holds no "}}". A line holding nothing
 * but one {{#..}}, {{^..}} or {{/..}} tag (and blanks) goes whole, its line end too. The HTML
 * comments at the template's top are its own: not copied. A name this program does not set is
 * an error naming it and the template's line, even in a block not shown; the fill_* functions
 * set the names, every one whatever the results hold. Tables (headers, cells, and the targets'
 * wording, which states the limits judged here) are built here; the marker lines around the
 * section (perf:begin and perf:end, which bench/run.sh splices by) are this program's too. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#define NA "–"			/* a cell without a figure */
#define SERVICES_GOAL 100000	/* the scale the cost and load targets are stated for */

enum { NS_PLAIN, NS_NF, NNS };
enum { P_DIRECT, P_SLUICE, P_REF, P_DNAT, P_SIDECAR, NPATHS };
enum { S_CRR, S_RR, S_BULK, S_UDP, NSHAPES };
/* A load run's figures: rate (ops/s; Mbit/s for bulk), errors, latency, connect latency. */
enum { V_RATE, V_ERRORS, V_P50, V_P99, V_P999, V_C50, V_C99, NVALS };

static const char *const ns_names[NNS] = { "plain", "nf" };
static const char *const path_names[NPATHS] = { "direct", "sluice", "ref", "dnat", "sidecar" };
static const char *const path_titles[NPATHS] = {
	"direct", "sluice", "reference connect4 (one lookup)", "iptables DNAT (-m statistic)",
	"sidecar proxy (HAProxy via REDIRECT)",
};
static const char *const path_short[NPATHS] = {
	"direct", "sluice", "reference", "DNAT", "sidecar",
};
static const char *const shape_names[NSHAPES] = { "crr", "rr", "bulk", "udp" };
static const char *const change_names[2] = { "remove", "add" };
enum { PH_QUIET, PH_CHURN, NPHASES };
static const char *const phase_names[NPHASES] = { "quiet", "churn" };

/* ---- the results, as read ---- */

struct dvec { double *v; size_t n, cap; };
struct lvec { long *v; size_t n, cap; };

struct run {			/* one load run: a paths line, or a scale line (ns -1) */
	int ns, path, shape;
	long services, rep;	/* services 0 for paths */
	double v[NVALS];	/* NAN: not reported */
	double threads, conns, seconds;
	size_t line;
};
struct runs { struct run *v; size_t n, cap; };

/* A program's counters before or after a run: a cost or paths_cost line. */
struct probe {
	bool in_paths;		/* paths_cost (the paths runs), else cost (the scale runs) */
	int path;
	long services, rep;
	bool after;
	double cnt, time_ns;
	size_t line;
};
struct probes { struct probe *v; size_t n, cap; };

/* scale_setup: sluiced's or ref-loader's start-up, or the DNAT rules' load. */
struct setup {
	int path;
	long services;
	double seconds, rules;	/* NAN: none (seconds null: did not finish) */
	char *note;
	size_t line;
};
struct setups { struct setup *v; size_t n, cap; };

struct change { int kind; long rep; double ms; size_t line; };	/* kind: remove 0, add 1 */
struct changes { struct change *v; size_t n, cap; };

struct tool_run { int tool; int path; long rep; double rate, p50, p99; size_t line; };
struct tool_runs { struct tool_run *v; size_t n, cap; };
enum { T_LOAD, T_WRK, NTOOLS };
static const char *const tool_names[NTOOLS] = { "load", "wrk" };

struct map_mem { char *name; double bytes, max_entries, value_size; };

/* One task classified (tasks.sh): ms from its mkdir; NAN where it never came. */
struct task_fig {
	int phase;
	long task;
	double entry, routed, first, deadends, errors, poll_gap, gone;
	size_t line;
};
struct task_figs { struct task_fig *v; size_t n, cap; };
struct task_setup { size_t line; double tasks, connect_gap_us, poll_us, churn_rate, loadavg; };
struct churn_fig { size_t line; double made, removed, seconds, lifetime_ms; };

/* The meta line's strings, named as in results.jsonl. */
enum { M_COMMIT, M_KERNEL, M_CPU, M_DATE, M_IPTABLES, M_HAPROXY, NMETA };
static const char *const meta_keys[NMETA] = { "commit", "kernel", "cpu", "date", "iptables",
					       "haproxy" };

struct meta {
	size_t line;		/* 0: no meta line */
	char *text[NMETA];	/* NULL: not reported */
	double ncpu, seconds;
	bool quick;
};
struct load_fig { size_t line; double services, backends, file_bytes, ms, reconcile_ms; };
struct memory_fig {
	size_t line;
	double services, backends, rss_idle_kb, rss_kb, hwm_kb, tables, tables_bytes, total_bytes;
	struct map_mem *maps;
	size_t nmaps;
};

struct results {
	const char *file;
	struct meta meta;
	struct runs paths, scale;
	struct probes probes;
	struct setups setups;
	struct changes changes;
	struct dvec reconciles;
	struct tool_runs tools;
	struct load_fig load;
	struct memory_fig mem;
	struct task_figs tasks;
	struct task_setup task_setup;
	struct churn_fig churn;
};

/* ---- memory ---- */

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 16;
	p = realloc(p, *cap * size);
	if (!p) {
		fprintf(stderr, "report: out of memory\n");
		exit(1);
	}
	return p;
}

/* A new element at the end of VEC (any struct { T *v; size_t n, cap; }). */
#define PUSH(vec) ((vec).v = grow((vec).v, &(vec).cap, (vec).n, sizeof(*(vec).v)), \
		   &(vec).v[(vec).n++])

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d) {
		fprintf(stderr, "report: out of memory\n");
		exit(1);
	}
	return d;
}

static void results_free(struct results *r)
{
	size_t i;

	for (i = 0; i < NMETA; i++)
		free(r->meta.text[i]);
	free(r->paths.v);
	free(r->scale.v);
	free(r->probes.v);
	for (i = 0; i < r->setups.n; i++)
		free(r->setups.v[i].note);
	free(r->setups.v);
	free(r->changes.v);
	free(r->reconciles.v);
	free(r->tools.v);
	free(r->tasks.v);
	for (i = 0; i < r->mem.nmaps; i++)
		free(r->mem.maps[i].name);
	free(r->mem.maps);
}

/* ---- reading: fields of one line, with errors naming FILE:LINE ---- */

/* Where an error is: a line of results.jsonl (and its section), or of the template. */
struct ctx { const char *file; size_t line; const char *section; };

static int bad(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "report: %s:%zu: ", c->file, c->line);
	if (c->section && *c->section)
		fprintf(stderr, "%s: ", c->section);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* The value at PATH in OBJ, dots going into nested objects ("load.lat_us.p50"): *OUT, NULL
 * when it or an object on the way is absent or null; an error when one on the way is not an
 * object. */
static int member(const struct ctx *c, json_t *obj, const char *path, json_t **out)
{
	char buf[64], *key, *dot;

	*out = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	for (key = buf; (dot = strchr(key, '.')); key = dot + 1) {
		*dot = '\0';
		obj = json_object_get(obj, key);
		if (obj && !json_is_object(obj) && !json_is_null(obj))
			return bad(c, "\"%s\" is not an object", buf);
		*dot = '.';
	}
	*out = json_object_get(obj, key);
	return 0;
}

/* A number at PATH; absent or null gives NAN, and an error when REQUIRED. */
static int get_num(const struct ctx *c, json_t *o, const char *path, bool required, double *out)
{
	json_t *v;

	*out = NAN;
	if (member(c, o, path, &v))
		return -1;
	if (!v || json_is_null(v))
		return required ? bad(c, "\"%s\" missing", path) : 0;
	if (!json_is_number(v))
		return bad(c, "\"%s\" is not a number", path);
	*out = json_number_value(v);
	return 0;
}

/* A whole number, 0 or more, at PATH (required). */
static int get_count(const struct ctx *c, json_t *o, const char *path, long *out)
{
	double d;

	if (get_num(c, o, path, true, &d))
		return -1;
	if (d < 0 || d > 1e15 || d != floor(d))
		return bad(c, "\"%s\" is not a whole number of 0 or more: %g", path, d);
	*out = (long)d;
	return 0;
}

/* A string at PATH; absent or null gives NULL, and an error when REQUIRED. */
static int get_str(const struct ctx *c, json_t *o, const char *path, bool required,
		   const char **out)
{
	json_t *v;

	*out = NULL;
	if (member(c, o, path, &v))
		return -1;
	if (!v || json_is_null(v))
		return required ? bad(c, "\"%s\" missing", path) : 0;
	if (!json_is_string(v))
		return bad(c, "\"%s\" is not a string", path);
	*out = json_string_value(v);
	return 0;
}

/* One of NAMES at PATH (required): its index. */
static int get_enum(const struct ctx *c, json_t *o, const char *path, const char *const *names,
		    int n, int *out)
{
	char want[160] = "";
	const char *s;
	int i;

	if (get_str(c, o, path, true, &s))
		return -1;
	for (i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			 i ? (i == n - 1 ? " or " : ", ") : "", names[i]);
	}
	return bad(c, "\"%s\" is \"%s\", not %s", path, s, want);
}

/* A flag at PATH: true, false, a number (not 0: true), or absent or null (false). */
static int get_flag(const struct ctx *c, json_t *o, const char *path, bool *out)
{
	json_t *v;

	*out = false;
	if (member(c, o, path, &v))
		return -1;
	*out = json_is_true(v) || (json_is_number(v) && json_number_value(v) != 0);
	if (v && !json_is_boolean(v) && !json_is_number(v) && !json_is_null(v))
		return bad(c, "\"%s\" is not true, false or a number", path);
	return 0;
}

/* ---- reading: one parser per section ---- */

static const struct run *find_run(const struct runs *rv, int ns, int path, int shape,
				  long services, long rep)
{
	size_t i;

	for (i = 0; i < rv->n; i++) {
		const struct run *x = &rv->v[i];

		if (x->ns == ns && x->path == path && x->shape == shape &&
		    x->services == services && x->rep == rep)
			return x;
	}
	return NULL;
}

static const struct probe *find_probe(const struct probes *pv, bool in_paths, int path,
				      long services, long rep, bool after)
{
	size_t i;

	for (i = 0; i < pv->n; i++) {
		const struct probe *x = &pv->v[i];

		if (x->in_paths == in_paths && x->path == path && x->services == services &&
		    x->rep == rep && x->after == after)
			return x;
	}
	return NULL;
}

static const struct setup *find_setup(const struct setups *sv, int path, long services)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (sv->v[i].path == path && sv->v[i].services == services)
			return &sv->v[i];
	return NULL;
}

static int parse_meta(struct results *r, const struct ctx *c, json_t *o)
{
	struct meta *m = &r->meta;
	const char *s;
	int i;

	if (m->line)
		return bad(c, "a second meta line (the first is line %zu)", m->line);
	for (i = 0; i < NMETA; i++) {
		if (get_str(c, o, meta_keys[i], false, &s))
			return -1;
		m->text[i] = xstrdup(s);
	}
	if (get_num(c, o, "ncpu", false, &m->ncpu) ||
	    get_num(c, o, "seconds", false, &m->seconds) || get_flag(c, o, "quick", &m->quick))
		return -1;
	m->line = c->line;
	return 0;
}

/* The load generator's output, "load": its figures into X (shape already set). */
static int parse_load(const struct ctx *c, json_t *o, struct run *x)
{
	static const char *const keys[NVALS] = {
		[V_ERRORS] = "load.errors", [V_P50] = "load.lat_us.p50",
		[V_P99] = "load.lat_us.p99", [V_P999] = "load.lat_us.p999",
		[V_C50] = "load.connect_us.p50", [V_C99] = "load.connect_us.p99",
	};
	int i;

	if (!json_is_object(json_object_get(o, "load")))
		return bad(c, "no \"load\" object (the load generator's output)");
	if (get_num(c, o, x->shape == S_BULK ? "load.mbit_s" : "load.rate", true, &x->v[V_RATE]))
		return -1;
	for (i = V_ERRORS; i < NVALS; i++)
		if (get_num(c, o, keys[i], false, &x->v[i]))
			return -1;
	if (get_num(c, o, "load.threads", false, &x->threads) ||
	    get_num(c, o, "load.conns", false, &x->conns) ||
	    get_num(c, o, "load.seconds", false, &x->seconds))
		return -1;
	return 0;
}

static int parse_paths(struct results *r, const struct ctx *c, json_t *o)
{
	struct run x = { .line = c->line };
	const struct run *d;

	if (get_enum(c, o, "ns", ns_names, NNS, &x.ns) ||
	    get_enum(c, o, "path", path_names, NPATHS, &x.path) ||
	    get_enum(c, o, "shape", shape_names, NSHAPES, &x.shape) ||
	    get_count(c, o, "rep", &x.rep) || parse_load(c, o, &x))
		return -1;
	d = find_run(&r->paths, x.ns, x.path, x.shape, 0, x.rep);
	if (d)
		return bad(c, "%s %s %s rep %ld again (first at line %zu)", ns_names[x.ns],
			   path_names[x.path], shape_names[x.shape], x.rep, d->line);
	*PUSH(r->paths) = x;
	return 0;
}

static int parse_scale(struct results *r, const struct ctx *c, json_t *o)
{
	struct run x = { .ns = -1, .shape = S_CRR, .line = c->line };
	const struct run *d;

	if (get_enum(c, o, "path", path_names, NPATHS, &x.path) ||
	    get_count(c, o, "services", &x.services) || get_count(c, o, "rep", &x.rep) ||
	    parse_load(c, o, &x))
		return -1;
	d = find_run(&r->scale, -1, x.path, S_CRR, x.services, x.rep);
	if (d)
		return bad(c, "%s %ld services rep %ld again (first at line %zu)",
			   path_names[x.path], x.services, x.rep, d->line);
	*PUSH(r->scale) = x;
	return 0;
}

/* cost and paths_cost: one progstat reading. */
static int parse_probe(struct results *r, const struct ctx *c, json_t *o)
{
	static const char *const whens[] = { "before", "after" };
	struct probe x = { .in_paths = !strcmp(c->section, "paths_cost"), .line = c->line };
	const struct probe *d;
	int when;

	if (get_enum(c, o, "path", path_names, NPATHS, &x.path) ||
	    get_count(c, o, "services", &x.services) || get_count(c, o, "rep", &x.rep) ||
	    get_enum(c, o, "when", whens, 2, &when) ||
	    get_num(c, o, "prog.run_cnt", true, &x.cnt) ||
	    get_num(c, o, "prog.run_time_ns", true, &x.time_ns))
		return -1;
	x.after = when == 1;
	d = find_probe(&r->probes, x.in_paths, x.path, x.services, x.rep, x.after);
	if (d)
		return bad(c, "%s %ld services rep %ld %s again (first at line %zu)",
			   path_names[x.path], x.services, x.rep, whens[when], d->line);
	*PUSH(r->probes) = x;
	return 0;
}

static int parse_setup(struct results *r, const struct ctx *c, json_t *o)
{
	struct setup x = { .line = c->line };
	const struct setup *d;
	const char *note;

	if (get_enum(c, o, "path", path_names, NPATHS, &x.path) ||
	    get_count(c, o, "services", &x.services) ||
	    get_num(c, o, "seconds", false, &x.seconds) ||
	    get_num(c, o, "rules", false, &x.rules) || get_str(c, o, "note", false, &note))
		return -1;
	d = find_setup(&r->setups, x.path, x.services);
	if (d)
		return bad(c, "%s %ld services again (first at line %zu)", path_names[x.path],
			   x.services, d->line);
	x.note = xstrdup(note);
	*PUSH(r->setups) = x;
	return 0;
}

static int parse_cp_load(struct results *r, const struct ctx *c, json_t *o)
{
	struct load_fig *l = &r->load;

	if (l->line)
		return bad(c, "a second load figure (the first is line %zu)", l->line);
	if (get_num(c, o, "services", true, &l->services) ||
	    get_num(c, o, "backends", true, &l->backends) ||
	    get_num(c, o, "file_bytes", false, &l->file_bytes) ||
	    get_num(c, o, "ms", true, &l->ms) ||
	    get_num(c, o, "reconcile_ms", false, &l->reconcile_ms))
		return -1;
	l->line = c->line;
	return 0;
}

static int map_num(const struct ctx *c, const char *name, json_t *v, const char *key,
		   double *out)
{
	json_t *n = json_object_get(v, key);

	if (!json_is_number(n))
		return bad(c, "\"maps.maps.%s.%s\" missing or not a number", name, key);
	*out = json_number_value(n);
	return 0;
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct map_mem *x = a, *y = b;

	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/* The memory figure's "maps": cplane mapmem's output. */
static int parse_maps(const struct ctx *c, json_t *o, struct memory_fig *m)
{
	json_t *maps, *v;
	struct map_mem *mm;
	const char *name;

	if (member(c, o, "maps.maps", &maps))
		return -1;
	if (!json_is_object(maps))
		return bad(c, "no \"maps.maps\" object (cplane mapmem's output)");
	m->maps = calloc(json_object_size(maps) + 1, sizeof(*m->maps));
	if (!m->maps) {
		fprintf(stderr, "report: out of memory\n");
		exit(1);
	}
	json_object_foreach(maps, name, v) {
		mm = &m->maps[m->nmaps];
		if (map_num(c, name, v, "bytes", &mm->bytes) ||
		    map_num(c, name, v, "max_entries", &mm->max_entries) ||
		    map_num(c, name, v, "value_size", &mm->value_size))
			return -1;
		mm->name = xstrdup(name);
		m->nmaps++;
	}
	qsort(m->maps, m->nmaps, sizeof(*m->maps), by_bytes_desc);
	return 0;
}

static int parse_cp_memory(struct results *r, const struct ctx *c, json_t *o)
{
	struct memory_fig *m = &r->mem;

	if (m->line)
		return bad(c, "a second memory figure (the first is line %zu)", m->line);
	if (get_num(c, o, "services", true, &m->services) ||
	    get_num(c, o, "backends", true, &m->backends) ||
	    get_num(c, o, "rss_idle_kb", true, &m->rss_idle_kb) ||
	    get_num(c, o, "rss_kb", true, &m->rss_kb) ||
	    get_num(c, o, "hwm_kb", true, &m->hwm_kb) ||
	    get_num(c, o, "maps.tables", true, &m->tables) ||
	    get_num(c, o, "maps.tables_bytes", true, &m->tables_bytes) ||
	    get_num(c, o, "maps.total_bytes", true, &m->total_bytes) || parse_maps(c, o, m))
		return -1;
	m->line = c->line;
	return 0;
}

static int parse_cp_change(struct results *r, const struct ctx *c, json_t *o)
{
	struct change x = { .line = c->line };
	size_t i;

	if (get_enum(c, o, "change", change_names, 2, &x.kind) ||
	    get_count(c, o, "rep", &x.rep) || get_num(c, o, "ms", true, &x.ms))
		return -1;
	for (i = 0; i < r->changes.n; i++)
		if (r->changes.v[i].kind == x.kind && r->changes.v[i].rep == x.rep)
			return bad(c, "change %s rep %ld again (first at line %zu)",
				   change_names[x.kind], x.rep, r->changes.v[i].line);
	*PUSH(r->changes) = x;
	return 0;
}

static int parse_control(struct results *r, const struct ctx *c, json_t *o)
{
	const char *what;
	double ms;

	if (get_str(c, o, "what", true, &what))
		return -1;
	if (!strcmp(what, "load"))
		return parse_cp_load(r, c, o);
	if (!strcmp(what, "memory"))
		return parse_cp_memory(r, c, o);
	if (!strcmp(what, "change"))
		return parse_cp_change(r, c, o);
	if (!strcmp(what, "reconcile")) {
		if (get_num(c, o, "ms", true, &ms))
			return -1;
		*PUSH(r->reconciles) = ms;
	}
	return 0;	/* another figure: not reported */
}

static int parse_wrk(struct results *r, const struct ctx *c, json_t *o)
{
	struct tool_run x = { .line = c->line };
	size_t i;

	if (get_enum(c, o, "tool", tool_names, NTOOLS, &x.tool) ||
	    get_enum(c, o, "path", path_names, NPATHS, &x.path) ||
	    get_count(c, o, "rep", &x.rep) || get_num(c, o, "rate", true, &x.rate) ||
	    get_num(c, o, "p50_us", false, &x.p50) || get_num(c, o, "p99_us", false, &x.p99))
		return -1;
	for (i = 0; i < r->tools.n; i++) {
		const struct tool_run *d = &r->tools.v[i];

		if (d->tool == x.tool && d->path == x.path && d->rep == x.rep)
			return bad(c, "%s %s rep %ld again (first at line %zu)",
				   tool_names[x.tool], path_names[x.path], x.rep, d->line);
	}
	*PUSH(r->tools) = x;
	return 0;
}

static int parse_task(struct results *r, const struct ctx *c, json_t *o)
{
	struct task_fig x = { .line = c->line };
	size_t i;

	if (get_enum(c, o, "phase", phase_names, NPHASES, &x.phase) ||
	    get_count(c, o, "task", &x.task) || get_num(c, o, "entry_ms", false, &x.entry) ||
	    get_num(c, o, "routed_ms", false, &x.routed) ||
	    get_num(c, o, "first_ms", false, &x.first) ||
	    get_num(c, o, "deadends", true, &x.deadends) ||
	    get_num(c, o, "errors", true, &x.errors) ||
	    get_num(c, o, "poll_gap_ms", false, &x.poll_gap) ||
	    get_num(c, o, "gone_ms", false, &x.gone))
		return -1;
	for (i = 0; i < r->tasks.n; i++)
		if (r->tasks.v[i].phase == x.phase && r->tasks.v[i].task == x.task)
			return bad(c, "%s task %ld again (first at line %zu)", phase_names[x.phase],
				   x.task, r->tasks.v[i].line);
	*PUSH(r->tasks) = x;
	return 0;
}

static int parse_tasks(struct results *r, const struct ctx *c, json_t *o)
{
	struct task_setup *s = &r->task_setup;
	struct churn_fig *ch = &r->churn;
	const char *what;

	if (get_str(c, o, "what", true, &what))
		return -1;
	if (!strcmp(what, "task"))
		return parse_task(r, c, o);
	if (!strcmp(what, "setup")) {
		if (s->line)
			return bad(c, "a second setup line (the first is line %zu)", s->line);
		if (get_num(c, o, "tasks", true, &s->tasks) ||
		    get_num(c, o, "connect_gap_us", true, &s->connect_gap_us) ||
		    get_num(c, o, "poll_us", true, &s->poll_us) ||
		    get_num(c, o, "churn_rate", true, &s->churn_rate) ||
		    get_num(c, o, "loadavg", false, &s->loadavg))
			return -1;
		s->line = c->line;
	} else if (!strcmp(what, "churn")) {
		if (ch->line)
			return bad(c, "a second churn line (the first is line %zu)", ch->line);
		if (get_num(c, o, "made", true, &ch->made) ||
		    get_num(c, o, "removed", true, &ch->removed) ||
		    get_num(c, o, "seconds", true, &ch->seconds) ||
		    get_num(c, o, "lifetime_ms", false, &ch->lifetime_ms))
			return -1;
		ch->line = c->line;
	}
	return 0;	/* another figure: not reported */
}

static const struct {
	const char *name;
	int (*parse)(struct results *r, const struct ctx *c, json_t *o);
} parsers[] = {
	{ "meta", parse_meta },
	{ "paths", parse_paths },
	{ "paths_cost", parse_probe },
	{ "cost", parse_probe },
	{ "scale", parse_scale },
	{ "scale_setup", parse_setup },
	{ "control", parse_control },
	{ "wrk", parse_wrk },
	{ "tasks", parse_tasks },
};

static int parse_line(struct results *r, struct ctx *c, const char *text, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	json_t *sec;
	size_t i;
	int err = 0;

	c->section = NULL;
	if (!o)
		return bad(c, "not JSON: %s (column %d)", je.text, je.column);
	sec = json_object_get(o, "section");
	if (!json_is_object(o))
		err = bad(c, "not a JSON object");
	else if (!json_is_string(sec))
		err = bad(c, "no \"section\" string");
	else
		c->section = json_string_value(sec);
	for (i = 0; !err && i < sizeof(parsers) / sizeof(parsers[0]); i++)
		if (!strcmp(c->section, parsers[i].name))
			err = parsers[i].parse(r, c, o);
	c->section = NULL;	/* it was o's */
	json_decref(o);
	return err;
}

static bool blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return !*s;
}

static int read_results(struct results *r)
{
	struct ctx c = { .file = r->file };
	FILE *f = fopen(r->file, "r");
	size_t cap = 0;
	char *buf = NULL;
	ssize_t len;
	int err = 0;

	if (!f) {
		fprintf(stderr, "report: %s: %s\n", r->file, strerror(errno));
		return -1;
	}
	while (!err && (len = getline(&buf, &cap, f)) >= 0) {
		c.line++;
		if (!blank(buf))
			err = parse_line(r, &c, buf, (size_t)len);
	}
	if (!err && ferror(f)) {
		fprintf(stderr, "report: %s: %s\n", r->file, strerror(errno));
		err = -1;
	}
	free(buf);
	fclose(f);
	return err;
}

/* ---- computing: medians, ratios, grouping ---- */

struct summary { size_t n; double med, min, max; };	/* n 0: nothing measured */

static void dpush(struct dvec *v, double x)
{
	if (isfinite(x))
		*PUSH(*v) = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A distribution of V's values: min, median, p90, p99 (nearest rank) and max; V is emptied. */
struct dist { size_t n; double min, p50, p90, p99, max; };

static double rank(const struct dvec *v, double q)
{
	size_t k = (size_t)ceil(q * (double)v->n);

	return v->v[k ? k - 1 : 0];
}

static struct dist dist_of(struct dvec *v)
{
	struct dist d = { .n = v->n, .min = NAN, .p50 = NAN, .p90 = NAN, .p99 = NAN, .max = NAN };

	if (v->n) {
		qsort(v->v, v->n, sizeof(*v->v), cmp_double);
		d.min = v->v[0];
		d.p50 = v->n % 2 ? v->v[v->n / 2] : (v->v[v->n / 2 - 1] + v->v[v->n / 2]) / 2;
		d.p90 = rank(v, 0.90);
		d.p99 = rank(v, 0.99);
		d.max = v->v[v->n - 1];
	}
	free(v->v);
	*v = (struct dvec){ 0 };
	return d;
}

/* Median, min and max of V's values; V is emptied. */
static struct summary summary_of(struct dvec *v)
{
	struct dist d = dist_of(v);

	return (struct summary){ .n = d.n, .med = d.p50, .min = d.min, .max = d.max };
}

static double div_or_nan(double a, double b)
{
	return b != 0 && isfinite(a) && isfinite(b) ? a / b : NAN;
}

static bool run_is(const struct run *x, int ns, int path, int shape, long services)
{
	return x->ns == ns && x->path == path && x->shape == shape && x->services == services;
}

static bool has_run(const struct runs *rv, int ns, int path, int shape, long services)
{
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (run_is(&rv->v[i], ns, path, shape, services))
			return true;
	return false;
}

/* Figure VAL of one path's runs, over repetitions. */
static struct summary run_summary(const struct runs *rv, int ns, int path, int shape,
				  long services, int val)
{
	struct dvec v = { 0 };
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (run_is(&rv->v[i], ns, path, shape, services))
			dpush(&v, rv->v[i].v[val]);
	return summary_of(&v);
}

static double run_sum(const struct runs *rv, int ns, int path, int shape, long services, int val)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (run_is(&rv->v[i], ns, path, shape, services) && isfinite(rv->v[i].v[val]))
			sum += rv->v[i].v[val];
	return sum;
}

/* PATH's rate over direct's, in namespace NS and repetition REP (NAN: not both there). */
static double vs_direct_in(const struct runs *rv, int ns, int path, int shape, long rep)
{
	const struct run *p = find_run(rv, ns, path, shape, 0, rep);
	const struct run *d = find_run(rv, ns, P_DIRECT, shape, 0, rep);

	return p && d ? div_or_nan(p->v[V_RATE], d->v[V_RATE]) : NAN;
}

/* PATH's rate over direct's of the same namespace and repetition, over repetitions. */
static struct summary vs_direct(const struct runs *rv, int ns, int path, int shape)
{
	struct dvec v = { 0 };
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (run_is(&rv->v[i], ns, path, shape, 0))
			dpush(&v, vs_direct_in(rv, ns, path, shape, rv->v[i].rep));
	return summary_of(&v);
}

/* (sluice ÷ direct, plain) ÷ (OTHER ÷ direct, nf) for churn, per repetition index. */
static struct summary vs_nf_path(const struct runs *rv, int other)
{
	struct dvec v = { 0 };
	size_t i;
	long rep;

	for (i = 0; i < rv->n; i++) {
		rep = rv->v[i].rep;
		if (run_is(&rv->v[i], NS_PLAIN, P_SLUICE, S_CRR, 0))
			dpush(&v, div_or_nan(vs_direct_in(rv, NS_PLAIN, P_SLUICE, S_CRR, rep),
					     vs_direct_in(rv, NS_NF, other, S_CRR, rep)));
	}
	return summary_of(&v);
}

/* connect4's ns per call over one run: counters after less before (NAN: no calls). */
static double call_cost(const struct probes *pv, bool in_paths, int path, long services,
			long rep)
{
	const struct probe *b = find_probe(pv, in_paths, path, services, rep, false);
	const struct probe *a = find_probe(pv, in_paths, path, services, rep, true);

	if (!a || !b || a->cnt - b->cnt <= 0)
		return NAN;
	return (a->time_ns - b->time_ns) / (a->cnt - b->cnt);
}

static struct summary cost_summary(const struct probes *pv, bool in_paths, int path,
				   long services)
{
	struct dvec v = { 0 };
	size_t i;

	for (i = 0; i < pv->n; i++) {
		const struct probe *p = &pv->v[i];

		if (p->in_paths == in_paths && p->path == path && p->services == services &&
		    !p->after)
			dpush(&v, call_cost(pv, in_paths, path, services, p->rep));
	}
	return summary_of(&v);
}

/* One table row per (namespace, path) of SHAPE, direct first in each namespace. */
struct path_row {
	int ns, path;
	struct summary ratio, val[NVALS];
	double errors;
};

static size_t path_rows(const struct runs *rv, int shape, struct path_row *rows)
{
	size_t n = 0;
	int ns, path, val;

	for (ns = 0; ns < NNS; ns++)
		for (path = 0; path < NPATHS; path++) {
			if (!has_run(rv, ns, path, shape, 0))
				continue;
			rows[n] = (struct path_row){
				.ns = ns, .path = path,
				.ratio = vs_direct(rv, ns, path, shape),
				.errors = run_sum(rv, ns, path, shape, 0, V_ERRORS),
			};
			for (val = 0; val < NVALS; val++)
				rows[n].val[val] = run_summary(rv, ns, path, shape, 0, val);
			n++;
		}
	return n;
}

/* The load generator's settings, from the first paths run of SHAPE. */
static const struct run *first_run(const struct runs *rv, int shape)
{
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (rv->v[i].shape == shape)
			return &rv->v[i];
	return NULL;
}

/* One row per service count of the scale runs. */
struct scale_row {
	long services;
	struct summary cost[NPATHS];		/* connect4 ns per call: sluice, ref */
	struct summary c50[NPATHS], c99[NPATHS];	/* clients' connect latency, µs */
	const struct setup *setup[NPATHS];
};

static void add_count(struct lvec *l, long n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == n)
			return;
	*PUSH(*l) = n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Every service count of the scale figures (cost, scale, scale_setup), ascending. */
static struct lvec scale_counts(const struct results *r)
{
	struct lvec l = { 0 };
	size_t i;

	for (i = 0; i < r->probes.n; i++)
		if (!r->probes.v[i].in_paths)
			add_count(&l, r->probes.v[i].services);
	for (i = 0; i < r->scale.n; i++)
		add_count(&l, r->scale.v[i].services);
	for (i = 0; i < r->setups.n; i++)
		add_count(&l, r->setups.v[i].services);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_long);
	return l;
}

/* The rows (caller frees *rows), one per service count. */
static size_t scale_rows(const struct results *r, struct scale_row **rows)
{
	struct lvec counts = scale_counts(r);
	struct scale_row *s;
	size_t i;
	int p;

	*rows = calloc(counts.n + 1, sizeof(**rows));
	if (!*rows) {
		fprintf(stderr, "report: out of memory\n");
		exit(1);
	}
	for (i = 0; i < counts.n; i++) {
		s = &(*rows)[i];
		s->services = counts.v[i];
		for (p = 0; p < NPATHS; p++) {
			s->cost[p] = cost_summary(&r->probes, false, p, s->services);
			s->c50[p] = run_summary(&r->scale, -1, p, S_CRR, s->services, V_C50);
			s->c99[p] = run_summary(&r->scale, -1, p, S_CRR, s->services, V_C99);
			s->setup[p] = find_setup(&r->setups, p, s->services);
		}
	}
	free(counts.v);
	return i;
}

struct change_figs { struct summary kind[2], all, reconcile; };

static struct change_figs change_figs(const struct results *r)
{
	struct dvec kind[2] = { { 0 } }, all = { 0 }, rec = { 0 };
	struct change_figs f;
	size_t i;

	for (i = 0; i < r->changes.n; i++) {
		dpush(&kind[r->changes.v[i].kind], r->changes.v[i].ms);
		dpush(&all, r->changes.v[i].ms);
	}
	for (i = 0; i < r->reconciles.n; i++)
		dpush(&rec, r->reconciles.v[i]);
	f.kind[0] = summary_of(&kind[0]);
	f.kind[1] = summary_of(&kind[1]);
	f.all = summary_of(&all);
	f.reconcile = summary_of(&rec);
	return f;
}

/* The cross-check: per tool, direct and sluice, and sluice ÷ direct per repetition. */
struct tool_figs { struct summary rate[NPATHS], p50[NPATHS], p99[NPATHS], ratio; };

static const struct tool_run *find_tool_run(const struct tool_runs *tv, int tool, int path,
					    long rep)
{
	size_t i;

	for (i = 0; i < tv->n; i++)
		if (tv->v[i].tool == tool && tv->v[i].path == path && tv->v[i].rep == rep)
			return &tv->v[i];
	return NULL;
}

static struct tool_figs tool_figs(const struct tool_runs *tv, int tool)
{
	struct dvec rate[NPATHS] = { { 0 } }, p50[NPATHS] = { { 0 } }, p99[NPATHS] = { { 0 } };
	struct dvec ratio = { 0 };
	const struct tool_run *x, *d;
	struct tool_figs f;
	size_t i;
	int p;

	for (i = 0; i < tv->n; i++) {
		x = &tv->v[i];
		if (x->tool != tool)
			continue;
		dpush(&rate[x->path], x->rate);
		dpush(&p50[x->path], x->p50);
		dpush(&p99[x->path], x->p99);
		d = find_tool_run(tv, tool, P_DIRECT, x->rep);
		if (x->path == P_SLUICE && d)
			dpush(&ratio, div_or_nan(x->rate, d->rate));
	}
	for (p = 0; p < NPATHS; p++) {
		f.rate[p] = summary_of(&rate[p]);
		f.p50[p] = summary_of(&p50[p]);
		f.p99[p] = summary_of(&p99[p]);
	}
	f.ratio = summary_of(&ratio);
	return f;
}

/* The targets' figures. */
struct targets {
	struct summary churn, vs_sidecar, vs_dnat;	/* connection churn, per repetition */
	struct summary cost[NPATHS];			/* ns per call at 1 service */
	bool cost_in_paths;				/* from the paths runs (no scale data) */
	double flat;			/* sluice's median cost: max ÷ min over the counts */
	size_t flat_counts;		/* how many counts that spans */
	long flat_top;			/* the largest */
};

static struct targets targets(const struct results *r, const struct scale_row *rows, size_t n)
{
	struct targets t = {
		.churn = vs_direct(&r->paths, NS_PLAIN, P_SLUICE, S_CRR),
		.vs_sidecar = vs_nf_path(&r->paths, P_SIDECAR),
		.vs_dnat = vs_nf_path(&r->paths, P_DNAT),
		.flat = NAN,
	};
	double lo = INFINITY, hi = -INFINITY;
	size_t i;

	t.cost[P_SLUICE] = cost_summary(&r->probes, false, P_SLUICE, 1);
	t.cost[P_REF] = cost_summary(&r->probes, false, P_REF, 1);
	if (!t.cost[P_SLUICE].n || !t.cost[P_REF].n) {
		t.cost_in_paths = true;
		t.cost[P_SLUICE] = cost_summary(&r->probes, true, P_SLUICE, 1);
		t.cost[P_REF] = cost_summary(&r->probes, true, P_REF, 1);
	}
	for (i = 0; i < n; i++) {
		if (!rows[i].cost[P_SLUICE].n)
			continue;
		lo = fmin(lo, rows[i].cost[P_SLUICE].med);
		hi = fmax(hi, rows[i].cost[P_SLUICE].med);
		t.flat_counts++;
		t.flat_top = rows[i].services;
	}
	if (t.flat_counts >= 2)
		t.flat = div_or_nan(hi, lo);
	return t;
}

static bool has_data(const struct results *r)
{
	return r->paths.n || r->scale.n || r->probes.n || r->setups.n || r->changes.n ||
	       r->reconciles.n || r->tools.n || r->load.line || r->mem.line || r->tasks.n;
}

/* ---- formatting: figures into strings ---- */

/* A string of a ring of buffers: enough for the cells of one printf. */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
	static char bufs[48][192];
	static unsigned next;
	char *b = bufs[next++ % (sizeof(bufs) / sizeof(bufs[0]))];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

/* V with DEC decimals and UNIT right after it ("0.98×", "12.1 ms"); NA when not finite. */
static const char *num(double v, int dec, const char *unit)
{
	return isfinite(v) ? fmt("%.*f%s", dec, v, unit) : NA;
}

/* "median [min–max]", each with its unit; just the figure for one run; NA for none. */
static const char *span(struct summary s, int dec, const char *unit)
{
	if (!s.n)
		return NA;
	if (s.n == 1 || s.min == s.max)
		return num(s.med, dec, unit);
	return fmt("%s [%s–%s]", num(s.med, dec, unit), num(s.min, dec, unit),
		   num(s.max, dec, unit));
}

/* "p50 / p99" medians, µs with one decimal. */
static const char *pair(struct summary a, struct summary b)
{
	if (!a.n && !b.n)
		return NA;
	return fmt("%s / %s", num(a.med, 1, ""), num(b.med, 1, ""));
}

static const char *mb(double bytes)
{
	return num(bytes / 1e6, 1, " MB");
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* A list of service counts: "1, 1000 and 100000". */
static const char *count_list(const struct scale_row *rows, size_t n)
{
	const char *list = "";
	size_t i, k = 0, last = 0;

	for (i = 0; i < n; i++)
		if (rows[i].cost[P_SLUICE].n)
			last = i;
	for (i = 0; i < n; i++) {
		if (!rows[i].cost[P_SLUICE].n)
			continue;
		list = fmt("%s%s%ld", list, !k ? "" : i == last ? " and " : ", ", rows[i].services);
		k++;
	}
	return list;
}

/* ---- plots: gnuplot data and scripts ---- */

struct plots {
	char *dir;		/* PLOTDIR, absolute: what the scripts name */
	bool paths, cost, connect;	/* which were written */
};

/* A gnuplot single-quoted string of DIR/NAME (' doubled). */
static void gp_path(FILE *f, const char *dir, const char *name)
{
	const char *s;

	fputc('\'', f);
	for (s = dir; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fprintf(f, "/%s'", name);
}

static FILE *plot_open(const struct plots *p, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "report: %s: %s\n", path, strerror(errno));
	return f;
}

static int plot_close(const struct plots *p, const char *name, FILE *f)
{
	int err = ferror(f);

	if (fclose(f) || err) {
		fprintf(stderr, "report: %s/%s: write error\n", p->dir, name);
		return -1;
	}
	return 0;
}

/* A script's start: the terminal (pngcairo when this gnuplot has it, else png), its output
 * NAME.png, the data file DAT as the variable dat, the title. */
static void gp_begin(FILE *f, const struct plots *p, const char *name, const char *dat,
		     const char *title)
{
	fprintf(f, "# %s.gp: written by bench/report; gnuplot %s.gp draws %s.png\n", name, name,
		name);
	fputs("if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
	      "\tset terminal pngcairo size 800,480 noenhanced\n"
	      "} else {\n"
	      "\tset terminal png size 800,480 noenhanced\n"
	      "}\n", f);
	fputs("set output ", f);
	gp_path(f, p->dir, fmt("%s.png", name));
	fputs("\ndat = ", f);
	gp_path(f, p->dir, dat);
	fprintf(f, "\nset title \"%s\"\nset datafile missing \"?\"\nset grid ytics\n", title);
}

static void dat_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fputs(" ?", f);
}

static const char *row_label(const struct path_row *row)
{
	if (row->path == P_DIRECT)
		return fmt("direct (%s)", ns_names[row->ns]);
	return path_short[row->path];
}

/* paths-crr.dat; paths-crr.gp (rate ÷ direct) and paths-latency.gp (p50, p99). */
static int plot_paths(struct plots *p, const struct path_row *rows, size_t n)
{
	FILE *f;
	size_t i;

	if (!n)
		return 0;
	if (!(f = plot_open(p, "paths-crr.dat")))
		return -1;
	fputs("# connection churn per path: label, rate / direct (median min max), "
	      "latency us (p50 p99)\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "\"%s\"", row_label(&rows[i]));
		dat_num(f, rows[i].ratio.med);
		dat_num(f, rows[i].ratio.min);
		dat_num(f, rows[i].ratio.max);
		dat_num(f, rows[i].val[V_P50].med);
		dat_num(f, rows[i].val[V_P99].med);
		fputc('\n', f);
	}
	if (plot_close(p, "paths-crr.dat", f) || !(f = plot_open(p, "paths-crr.gp")))
		return -1;
	gp_begin(f, p, "paths-crr", "paths-crr.dat",
		 "Connection churn: rate relative to direct in the same namespace");
	fprintf(f, "set style fill solid 0.6 border -1\nset boxwidth 0.6\n"
		"set xrange [-0.6:%zu.6]\nset yrange [0:*]\nset key top right\n"
		"set ylabel \"connections/s / direct's (median, min-max)\"\n"
		"set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 "
		"lc rgb \"gray40\"\n"
		"plot dat using 0:2:xtic(1) with boxes lc rgb \"#5b8fd1\" title \"median\", \\\n"
		"     '' using 0:2:3:4 with yerrorbars lc rgb \"black\" pt 7 ps 0.4 "
		"title \"min-max\"\n",
		n - 1);
	if (plot_close(p, "paths-crr.gp", f) || !(f = plot_open(p, "paths-latency.gp")))
		return -1;
	gp_begin(f, p, "paths-latency", "paths-crr.dat",
		 "Connection churn: latency per request (connect to reply)");
	fputs("set style data histograms\nset style histogram clustered gap 1\n"
	      "set style fill solid 0.7 border -1\nset yrange [0:*]\nset key top left\n"
	      "set ylabel \"microseconds (median over repetitions)\"\n"
	      "plot dat using 5:xtic(1) lc rgb \"#5b8fd1\" title \"p50\", \\\n"
	      "     '' using 6 lc rgb \"#d1745b\" title \"p99\"\n", f);
	p->paths = true;
	return plot_close(p, "paths-latency.gp", f);
}

static const char *const path_color[NPATHS] = { "#555555", "#2a6fc9", "#3aa655", "#d1493b",
						  "#999999" };

static void gp_services_axis(FILE *f)
{
	fputs("set logscale x\nset xrange [0.5:200000]\n"
	      "set xtics (\"1\" 1, \"10\" 10, \"100\" 100, \"1k\" 1000, \"10k\" 10000, "
	      "\"100k\" 100000)\n"
	      "set xlabel \"services (8 backends each)\"\nset key top left\n", f);
}

/* scale-cost.dat and .gp: connect4 ns per call against services. */
static int plot_cost(struct plots *p, const struct scale_row *rows, size_t n)
{
	static const int paths[] = { P_SLUICE, P_REF };
	bool any[2] = { false, false };
	const char *sep = "plot ";
	FILE *f;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++)
			any[k] = any[k] || rows[i].cost[paths[k]].n;
	if (!any[0] && !any[1])
		return 0;
	if (!(f = plot_open(p, "scale-cost.dat")))
		return -1;
	fputs("# services, sluice connect4 ns/call (median min max), reference (median min max)\n",
	      f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%ld", rows[i].services);
		for (k = 0; k < 2; k++) {
			dat_num(f, rows[i].cost[paths[k]].med);
			dat_num(f, rows[i].cost[paths[k]].min);
			dat_num(f, rows[i].cost[paths[k]].max);
		}
		fputc('\n', f);
	}
	if (plot_close(p, "scale-cost.dat", f) || !(f = plot_open(p, "scale-cost.gp")))
		return -1;
	gp_begin(f, p, "scale-cost", "scale-cost.dat", "connect4 run time per call");
	gp_services_axis(f);
	fputs("set yrange [0:*]\nset ylabel \"ns per call (median, min-max)\"\n", f);
	for (k = 0; k < 2; k++) {
		if (!any[k])
			continue;
		fprintf(f, "%sdat using 1:%zu:%zu:%zu with yerrorlines lw 2 pt %d lc rgb \"%s\" "
			"title \"%s\"", sep, 2 + 3 * k, 3 + 3 * k, 4 + 3 * k, k ? 5 : 7,
			path_color[paths[k]], k ? "reference (one lookup)" : "sluice");
		sep = ", \\\n     ";
	}
	fputc('\n', f);
	p->cost = true;
	return plot_close(p, "scale-cost.gp", f);
}

/* scale-connect's series: column, path, p99 or p50. */
static const struct { int path; bool p99; } connect_series[] = {
	{ P_SLUICE, false }, { P_REF, false }, { P_DNAT, false }, { P_DIRECT, false },
	{ P_SLUICE, true }, { P_DNAT, true },
};
#define NSERIES (sizeof(connect_series) / sizeof(connect_series[0]))

static struct summary series_at(const struct scale_row *row, size_t k)
{
	return connect_series[k].p99 ? row->c99[connect_series[k].path] :
				       row->c50[connect_series[k].path];
}

/* Whether the connect latencies span more than 20×: a log y axis then. */
static bool connect_log_y(const struct scale_row *rows, size_t n)
{
	double lo = INFINITY, hi = 0;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < NSERIES; k++)
			if (series_at(&rows[i], k).n && series_at(&rows[i], k).med > 0) {
				lo = fmin(lo, series_at(&rows[i], k).med);
				hi = fmax(hi, series_at(&rows[i], k).med);
			}
	return hi > 20 * lo;
}

static void gp_connect_plot(FILE *f, const bool *any)
{
	const char *sep = "plot ";
	size_t k;

	for (k = 0; k < NSERIES; k++) {
		if (!any[k])
			continue;
		/* p99 dashed, and with open points for terminals without dashes (png) */
		fprintf(f, "%sdat using 1:%zu with linespoints lw 2 pt %d dashtype %d "
			"lc rgb \"%s\" title \"%s %s\"", sep, k + 2, connect_series[k].p99 ? 6 : 7,
			connect_series[k].p99 ? 2 : 1,
			path_color[connect_series[k].path], path_short[connect_series[k].path],
			connect_series[k].p99 ? "p99" : "p50");
		sep = ", \\\n     ";
	}
	fputc('\n', f);
}

/* scale-connect.dat and .gp: the clients' connect latency against services. */
static int plot_connect(struct plots *p, const struct scale_row *rows, size_t n)
{
	bool any[NSERIES] = { false }, some = false;
	FILE *f;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < NSERIES; k++) {
			any[k] = any[k] || series_at(&rows[i], k).n;
			some = some || any[k];
		}
	if (!some)
		return 0;
	if (!(f = plot_open(p, "scale-connect.dat")))
		return -1;
	fputs("# services, connect() p50 us: sluice reference DNAT direct; p99: sluice DNAT\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%ld", rows[i].services);
		for (k = 0; k < NSERIES; k++)
			dat_num(f, series_at(&rows[i], k).med);
		fputc('\n', f);
	}
	if (plot_close(p, "scale-connect.dat", f) || !(f = plot_open(p, "scale-connect.gp")))
		return -1;
	gp_begin(f, p, "scale-connect", "scale-connect.dat",
		 "Connect latency with many services (median over repetitions)");
	gp_services_axis(f);
	fputs(connect_log_y(rows, n) ? "set logscale y\n" : "set yrange [0:*]\n", f);
	fputs("set ylabel \"connect() latency, microseconds\"\n", f);
	gp_connect_plot(f, any);
	p->connect = true;
	return plot_close(p, "scale-connect.gp", f);
}

/* ---- text built in memory: strings and Markdown tables ---- */

struct buf { char *v; size_t n, cap; };	/* v NUL-terminated once anything is put */

static void put(struct buf *b, const char *s, size_t len)
{
	while (b->cap < b->n + len + 1)
		b->v = grow(b->v, &b->cap, b->cap, 1);
	memcpy(b->v + b->n, s, len);
	b->n += len;
	b->v[b->n] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* | a | b | */
static void table_row(struct buf *b, const char *const *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		put_str(b, i ? " | " : "| ");
		put_str(b, cells[i]);
	}
	put_str(b, " |\n");
}

/* | a | b |, then |---|---| */
static void table_head(struct buf *b, const char *const *cols, size_t n)
{
	size_t i;

	table_row(b, cols, n);
	put_str(b, "|");
	for (i = 0; i < n; i++)
		put_str(b, "---|");
	put_str(b, "\n");
}

/* ---- the template's values: a name and its text ---- */

struct var { char *name, *text; };
struct vars { struct var *v; size_t n, cap; };

static void set(struct vars *vs, const char *name, const char *text)
{
	struct var *v = PUSH(*vs);

	v->name = xstrdup(name);
	v->text = xstrdup(text);
}

/* A flag: "yes" or empty, for {{#NAME}} and {{^NAME}}. */
static void set_flag(struct vars *vs, const char *name, bool on)
{
	set(vs, name, on ? "yes" : "");
}

/* B's text (a table) as NAME, without its last line end; B is emptied. */
static void set_table(struct vars *vs, const char *name, struct buf *b)
{
	put(b, "", 0);
	if (b->n && b->v[b->n - 1] == '\n')
		b->v[--b->n] = '\0';
	set(vs, name, b->v);
	free(b->v);
	*b = (struct buf){ 0 };
}

static const struct var *find_var(const struct vars *vs, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strncmp(vs->v[i].name, name, len) && !vs->v[i].name[len])
			return &vs->v[i];
	return NULL;
}

static void vars_free(struct vars *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].text);
	}
	free(vs->v);
}

/* ---- the template: reading it, filling it in (the syntax: the header comment) ---- */

struct tmpl {
	const char *file;
	struct buf text;
	const char *body;	/* past the comments at the top */
	size_t body_line;
};

static size_t count_lines(const char *s, const char *end)
{
	size_t n = 0;

	for (; s < end; s++)
		n += *s == '\n';
	return n;
}

/* Past the template's own comments: the HTML comments at its top, each with its line end. */
static int skip_comments(struct tmpl *t)
{
	const char *p = t->text.v, *end;
	struct ctx c = { .file = t->file };

	t->body_line = 1;
	while (!strncmp(p, "<!--", 4)) {
		end = strstr(p, "-->");
		c.line = t->body_line;
		if (!end)
			return bad(&c, "a comment without -->");
		end += 3 + (end[3] == '\n');
		t->body_line += count_lines(p, end);
		p = end;
	}
	t->body = p;
	return 0;
}

static int tmpl_read(struct tmpl *t, const char *file)
{
	FILE *f = fopen(file, "r");
	char chunk[4096];
	size_t n;
	int err;

	*t = (struct tmpl){ .file = file };
	if (!f) {
		fprintf(stderr, "report: %s: %s\n", file, strerror(errno));
		return -1;
	}
	put(&t->text, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		put(&t->text, chunk, n);
	err = ferror(f);
	fclose(f);
	if (err || strlen(t->text.v) != t->text.n) {
		fprintf(stderr, "report: %s: %s\n", file, err ? "read error" : "holds a NUL byte");
		return -1;
	}
	return skip_comments(t);
}

/* A tag as read: {{name}}, {{name|fallback}}, {{#name}}, {{^name}} or {{/name}}. */
struct tag {
	char kind;			/* '#', '^', '/', or 0: a placeholder */
	const char *name, *fallback;	/* fallback NULL: none */
	int name_len, fallback_len;
	const char *raw;		/* the tag as written, for errors */
	int raw_len;
	const char *start, *end;	/* what it stands for: itself, or its whole line */
	size_t line;
};

struct render {
	const struct tmpl *t;
	const struct vars *vars;
	const char *p;		/* what comes next */
	size_t line;		/* p's line */
	struct buf *out;
	bool unknown;		/* an unknown name was met (and reported) */
};

static struct ctx where(const struct render *st, size_t line)
{
	return (struct ctx){ .file = st->t->file, .line = line };
}

/* Moves on to TO; what is passed over goes to the output when SHOW. */
static void advance(struct render *st, const char *to, bool show)
{
	if (show)
		put(st->out, st->p, (size_t)(to - st->p));
	st->line += count_lines(st->p, to);
	st->p = to;
}

/* A section tag alone on its line (blanks aside) stands for the whole line, line end included. */
static void standalone(const struct render *st, struct tag *t)
{
	const char *b = t->start, *e = t->end + strspn(t->end, " \t");

	while (b > st->p && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	if ((b == st->t->body || b[-1] == '\n') && (*e == '\n' || !*e)) {
		t->start = b;
		t->end = *e ? e + 1 : e;
	}
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The next tag into *T: 1; 0: none left; -1: a malformed one (reported). */
static int next_tag(struct render *st, struct tag *t)
{
	const char *open = strstr(st->p, "{{"), *close, *s;
	struct ctx c;

	if (!open)
		return 0;
	close = strstr(open + 2, "}}");
	*t = (struct tag){ .raw = open, .start = open };
	t->line = st->line + count_lines(st->p, open);
	t->raw_len = close ? (int)(close + 2 - open) : (int)strcspn(open, "\n");
	s = open + 2;
	if (*s == '#' || *s == '^' || *s == '/')
		t->kind = *s++;
	for (t->name = s; name_char(*s); s++)
		;
	t->name_len = (int)(s - t->name);
	if (!t->kind && *s == '|' && close) {
		t->fallback = s + 1;
		t->fallback_len = (int)(close - t->fallback);
		s = close;
	}
	if (!close || s != close || !t->name_len) {
		c = where(st, t->line);
		return bad(&c, "not a tag ({{name}}, {{name|text}}, {{#name}}, {{^name}}, "
			   "{{/name}}; names of a-z, 0-9 and _): %.*s",
			   t->raw_len > 60 ? 60 : t->raw_len, open);
	}
	t->end = close + 2;
	if (t->kind)
		standalone(st, t);
	return 1;
}

/* The value a tag names; NULL (reported) when the report sets no such name. */
static const struct var *known(struct render *st, const struct tag *t)
{
	const struct var *v = find_var(st->vars, t->name, (size_t)t->name_len);
	struct ctx c = where(st, t->line);

	if (!v) {
		bad(&c, "unknown placeholder %.*s", t->raw_len, t->raw);
		st->unknown = true;
	}
	return v;
}

/* {{name}}: its value, or the tag's fallback when that is empty. */
static void put_value(struct render *st, const struct var *v, const struct tag *t)
{
	if (*v->text)
		put_str(st->out, v->text);
	else if (t->fallback)
		put(st->out, t->fallback, (size_t)t->fallback_len);
}

/* {{/name}}: whether it closes OPEN. */
static int close_tag(const struct render *st, const struct tag *t, const struct tag *open)
{
	struct ctx c = where(st, t->line);

	if (!open)
		return bad(&c, "%.*s closes nothing", t->raw_len, t->raw);
	if (t->name_len != open->name_len || strncmp(t->name, open->name, (size_t)t->name_len))
		return bad(&c, "%.*s where %.*s of line %zu is open", t->raw_len, t->raw,
			   open->raw_len, open->raw, open->line);
	return 0;
}

/* From where ST is to the end, or to the {{/name}} closing OPEN; into the output when SHOW.
 * Blocks not shown are read all the same: every tag is checked. */
static int render_block(struct render *st, bool show, const struct tag *open)
{
	const struct var *v;
	struct ctx c;
	struct tag t;
	int found;

	while ((found = next_tag(st, &t)) > 0) {
		advance(st, t.start, show);
		advance(st, t.end, false);
		if (t.kind == '/')
			return close_tag(st, &t, open);
		v = known(st, &t);
		if (t.kind && render_block(st, show && v && (*v->text != '\0') == (t.kind == '#'),
					   &t))
			return -1;
		if (!t.kind && show && v)
			put_value(st, v, &t);
	}
	if (found < 0)
		return -1;
	advance(st, st->p + strlen(st->p), show);
	if (!open)
		return 0;
	c = where(st, open->line);
	return bad(&c, "%.*s is not closed", open->raw_len, open->raw);
}

/* T filled in with VS, into OUT. */
static int render(const struct tmpl *t, const struct vars *vs, struct buf *out)
{
	struct render st = { .t = t, .vars = vs, .p = t->body, .line = t->body_line, .out = out };

	put(out, "", 0);
	if (render_block(&st, true, NULL))
		return -1;
	return st.unknown ? -1 : 0;
}

/* ---- the report's values: what the template's names stand for ---- */

static void fill_meta(struct vars *vs, const struct meta *m)
{
	int i;

	set_flag(vs, "meta", m->line);
	for (i = 0; i < NMETA; i++)
		set(vs, meta_keys[i], str_or(m->text[i], ""));
	set(vs, "ncpu", num(m->ncpu, 0, ""));
	set_flag(vs, "took", m->line && isfinite(m->seconds));
	set(vs, "seconds", num(m->seconds, 0, ""));
	set_flag(vs, "quick", m->quick);
}

enum verdict { NOT_MEASURED, MET, NOT_MET };
enum bound { AT_LEAST, AT_MOST, BELOW };

static enum verdict judge(double v, enum bound b, double limit)
{
	if (!isfinite(v))
		return NOT_MEASURED;
	switch (b) {
	case AT_LEAST:
		return v >= limit ? MET : NOT_MET;
	case AT_MOST:
		return v <= limit ? MET : NOT_MET;
	default:
		return v < limit ? MET : NOT_MET;
	}
}

/* One target row; SCOPE qualifies a "yes" measured on less than the target's scale. The
 * targets' wording stays beside the limits it states. */
static void target_row(struct buf *b, const char *what, const char *measured, enum verdict v,
		       const char *scope)
{
	static const char *const words[] = { "not measured", "yes", "**no**" };
	const char *cells[] = { what, v == NOT_MEASURED ? NA : measured,
				fmt("%s%s", words[v], v == MET && scope ? scope : "") };

	table_row(b, cells, 3);
}

static void target_cost(struct buf *b, const struct targets *t)
{
	double ratio = div_or_nan(t->cost[P_SLUICE].med, t->cost[P_REF].med);

	target_row(b, "connect4 ≤ 3× the one-lookup reference, per call",
		   fmt("%s (sluice %s, reference %s per call, 1 service%s)", num(ratio, 2, "×"),
		       num(t->cost[P_SLUICE].med, 1, " ns"), num(t->cost[P_REF].med, 1, " ns"),
		       t->cost_in_paths ? ", during the paths runs" : ""),
		   judge(ratio, AT_MOST, 3), NULL);
}

static void target_flat(struct buf *b, const struct targets *t, const struct scale_row *rows,
			size_t n)
{
	target_row(b, "connect4 flat within 20% from 1 to 100,000 services",
		   fmt("%s (max ÷ min of sluice's median ns/call at %s services)",
		       num(t->flat, 2, "×"), count_list(rows, n)),
		   judge(t->flat, AT_MOST, 1.2),
		   t->flat_top < SERVICES_GOAL ? fmt(" (only up to %ld services)", t->flat_top) :
						 NULL);
}

static void target_load(struct buf *b, const struct load_fig *l)
{
	double ms = l->line ? l->ms : NAN;

	target_row(b, "100,000 backends loaded in < 2 s",
		   fmt("%s (%.0f services × %.0f backends)", num(ms, 1, " ms"), l->services,
		       l->backends),
		   judge(ms, BELOW, 2000),
		   l->backends < SERVICES_GOAL ? fmt(" (only %.0f backends)", l->backends) : NULL);
}

static void target_change(struct buf *b, const struct change_figs *c)
{
	target_row(b, "registry change visible to the next connect < 100 ms",
		   fmt("max %s, median %s (remove %s, add %s; %zu changes)",
		       num(c->all.max, 1, " ms"), num(c->all.med, 1, " ms"),
		       num(c->kind[0].med, 1, " ms"), num(c->kind[1].med, 1, " ms"), c->all.n),
		   judge(c->all.max, BELOW, 100), NULL);
}

/* {{targets_table}} */
static void fill_targets(struct vars *vs, const struct results *r, const struct targets *t,
			 const struct scale_row *rows, size_t n, const struct change_figs *c)
{
	static const char *const cols[] = { "target", "measured", "met?" };
	struct buf b = { 0 };

	table_head(&b, cols, 3);
	target_row(&b, "sluice ≥ 0.97× direct, connection churn", span(t->churn, 2, "×"),
		   judge(t->churn.med, AT_LEAST, 0.97), NULL);
	target_row(&b, "sluice ≥ 3× sidecar, connection churn¹", span(t->vs_sidecar, 2, "×"),
		   judge(t->vs_sidecar.med, AT_LEAST, 3), NULL);
	target_row(&b, "sluice ≥ 1.1× iptables DNAT, connection churn¹",
		   span(t->vs_dnat, 2, "×"), judge(t->vs_dnat.med, AT_LEAST, 1.1), NULL);
	target_cost(&b, t);
	target_flat(&b, t, rows, n);
	target_load(&b, &r->load);
	target_change(&b, c);
	set_table(vs, "targets_table", &b);
}

/* The load generator's settings in run X: PREFIX_threads, PREFIX_conns, PREFIX_seconds. */
static void set_load(struct vars *vs, const char *prefix, const struct run *x)
{
	set(vs, fmt("%s_threads", prefix), x ? num(x->threads, 0, "") : NA);
	set(vs, fmt("%s_conns", prefix), x ? num(x->conns, 0, "") : NA);
	set(vs, fmt("%s_seconds", prefix), x ? num(x->seconds, 1, "") : NA);
}

static void path_row(struct buf *b, int shape, const struct path_row *row)
{
	const char *cells[7];
	size_t k = 0;

	cells[k++] = path_titles[row->path];
	cells[k++] = ns_names[row->ns];
	cells[k++] = row->path == P_DIRECT ? "baseline" : span(row->ratio, 2, "×");
	cells[k++] = span(row->val[V_RATE], 0, "");
	if (shape != S_BULK)
		cells[k++] = fmt("%s / %s / %s", num(row->val[V_P50].med, 1, ""),
				 num(row->val[V_P99].med, 1, ""), num(row->val[V_P999].med, 1, ""));
	if (shape == S_CRR)
		cells[k++] = pair(row->val[V_C50], row->val[V_C99]);
	cells[k++] = fmt("%.0f", row->errors);
	table_row(b, cells, k);
}

static void shape_table(struct buf *b, int shape, const struct path_row *rows, size_t n)
{
	const char *cols[7];
	size_t i, k = 0;

	cols[k++] = "path";
	cols[k++] = "namespace";
	cols[k++] = "vs direct (same namespace): median [min–max]";
	cols[k++] = shape == S_BULK ? "rate: median [min–max] (Mbit/s)" :
				      "rate: median [min–max] (ops/s)";
	if (shape != S_BULK)
		cols[k++] = "p50 / p99 / p99.9 latency µs";
	if (shape == S_CRR)
		cols[k++] = "connect() p50 / p99 µs";
	cols[k++] = "errors (sum)";
	table_head(b, cols, k);
	for (i = 0; i < n; i++)
		path_row(b, shape, &rows[i]);
}

/* SHAPE's block, e.g. for crr: {{#crr}}, {{crr_reps}}, {{crr_threads}}, {{crr_conns}},
 * {{crr_seconds}}, {{crr_table}}. */
static void fill_shape(struct vars *vs, const struct runs *rv, int shape,
		       const struct path_row *rows, size_t n)
{
	const char *s = shape_names[shape];
	struct buf b = { 0 };
	size_t i, reps = 0;

	for (i = 0; i < n; i++)
		reps = rows[i].val[V_RATE].n > reps ? rows[i].val[V_RATE].n : reps;
	set_flag(vs, s, n);
	set(vs, fmt("%s_reps", s), fmt("%zu", reps));
	set_load(vs, s, first_run(rv, shape));
	shape_table(&b, shape, rows, n);
	set_table(vs, fmt("%s_table", s), &b);
}

static void fill_paths(struct vars *vs, const struct results *r, const struct plots *p,
		       struct path_row rows[NSHAPES][NNS * NPATHS], const size_t *nrows)
{
	struct summary s = cost_summary(&r->probes, true, P_SLUICE, 1);
	struct summary ref = cost_summary(&r->probes, true, P_REF, 1);
	int shape;

	set_flag(vs, "paths", r->paths.n);
	for (shape = 0; shape < NSHAPES; shape++)
		fill_shape(vs, &r->paths, shape, rows[shape], nrows[shape]);
	set_flag(vs, "paths_plot", p->paths);
	set_flag(vs, "paths_cost", s.n || ref.n);
	set(vs, "paths_cost_sluice", span(s, 1, ""));
	set(vs, "paths_cost_ref", span(ref, 1, ""));
}

/* A scale_setup cell: load or start-up time, DNAT's with its rule count, or why there is none. */
static const char *setup_cell(const struct setup *s)
{
	if (!s)
		return NA;
	if (!isfinite(s->seconds))
		return str_or(s->note, s->path == P_DNAT ? "did not finish" : NA);
	if (s->path == P_DNAT && isfinite(s->rules))
		return fmt("%.2f (%.0f rules)", s->seconds, s->rules);
	return num(s->seconds, 2, "");
}

static void scale_row(struct buf *b, const struct scale_row *s)
{
	const char *cells[] = {
		fmt("%ld", s->services), span(s->cost[P_SLUICE], 1, ""),
		span(s->cost[P_REF], 1, ""),
		num(div_or_nan(s->cost[P_SLUICE].med, s->cost[P_REF].med), 2, "×"),
		pair(s->c50[P_SLUICE], s->c99[P_SLUICE]), pair(s->c50[P_REF], s->c99[P_REF]),
		pair(s->c50[P_DNAT], s->c99[P_DNAT]), pair(s->c50[P_DIRECT], s->c99[P_DIRECT]),
		setup_cell(s->setup[P_DNAT]), setup_cell(s->setup[P_SLUICE]),
	};

	table_row(b, cells, sizeof(cells) / sizeof(cells[0]));
}

/* {{#scale}}, {{scale_threads}}, {{scale_conns}}, {{scale_seconds}}, {{scale_table}}. */
static void fill_scale(struct vars *vs, const struct results *r, const struct plots *p,
		       const struct scale_row *rows, size_t n)
{
	static const char *const cols[] = {
		"services", "sluice connect4 ns/call: median [min–max]", "reference ns/call",
		"sluice ÷ reference", "sluice connect p50 / p99 µs",
		"reference connect p50 / p99 µs", "DNAT connect p50 / p99 µs",
		"direct connect p50 / p99 µs", "DNAT rules load time (s)",
		"sluice start-up to ready (s)",
	};
	struct buf b = { 0 };
	size_t i;

	set_flag(vs, "scale", n);
	set_load(vs, "scale", first_run(&r->scale, S_CRR));
	table_head(&b, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++)
		scale_row(&b, &rows[i]);
	set_table(vs, "scale_table", &b);
	set_flag(vs, "scale_cost_plot", p->cost);
	set_flag(vs, "scale_connect_plot", p->connect);
}

static void fill_cp_load(struct vars *vs, const struct load_fig *l)
{
	set_flag(vs, "load", l->line);
	set(vs, "load_services", fmt("%.0f", l->services));
	set(vs, "load_backends", fmt("%.0f", l->backends));
	set(vs, "load_file", mb(l->file_bytes));
	set(vs, "load_ms", num(l->ms, 1, " ms"));
	set(vs, "load_reconcile", num(l->reconcile_ms, 1, " ms"));
}

static void fill_cp_changes(struct vars *vs, const struct change_figs *c)
{
	set_flag(vs, "changes", c->all.n || c->reconcile.n);
	set(vs, "change_remove", span(c->kind[0], 1, " ms"));
	set(vs, "change_add", span(c->kind[1], 1, " ms"));
	set(vs, "change_removes", fmt("%zu", c->kind[0].n));
	set(vs, "change_adds", fmt("%zu", c->kind[1].n));
	set(vs, "change_reconcile", span(c->reconcile, 1, " ms"));
}

/* {{maps_table}}: one row per map, largest first. */
static void fill_map_table(struct vars *vs, const struct memory_fig *m)
{
	static const char *const cols[] = { "map", "max_entries", "value size (B)", "bytes",
					    "bytes per entry" };
	struct buf b = { 0 };
	size_t i;

	table_head(&b, cols, 5);
	for (i = 0; i < m->nmaps; i++) {
		const struct map_mem *x = &m->maps[i];
		const char *cells[] = { x->name, fmt("%.0f", x->max_entries),
					fmt("%.0f", x->value_size), fmt("%.0f", x->bytes),
					num(div_or_nan(x->bytes, x->max_entries), 1, "") };

		table_row(&b, cells, 5);
	}
	set_table(vs, "maps_table", &b);
}

static const struct map_mem *find_map(const struct memory_fig *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nmaps; i++)
		if (!strcmp(m->maps[i].name, name))
			return &m->maps[i];
	return NULL;
}

/* Figures derived from the memory figure's. */
static void fill_derived(struct vars *vs, const struct memory_fig *m)
{
	const struct map_mem *b = find_map(m, "backends");

	set(vs, "rss_per_backend",
	    num(div_or_nan((m->rss_kb - m->rss_idle_kb) * 1024, m->backends), 0, ""));
	set(vs, "tables_per_service", num(div_or_nan(m->tables_bytes, m->services), 0, ""));
	set(vs, "maps_per_backend", num(div_or_nan(m->total_bytes, m->backends), 0, ""));
	set_flag(vs, "backends_map", b);
	set(vs, "backend_slot_bytes", b ? num(div_or_nan(b->bytes, b->max_entries), 1, "") : NA);
}

static void fill_cp_memory(struct vars *vs, const struct memory_fig *m)
{
	set_flag(vs, "memory", m->line);
	set(vs, "mem_services", fmt("%.0f", m->services));
	set(vs, "mem_backends", fmt("%.0f", m->backends));
	set(vs, "rss_idle", mb(m->rss_idle_kb * 1024));
	set(vs, "rss_loaded", mb(m->rss_kb * 1024));
	set(vs, "rss_peak", mb(m->hwm_kb * 1024));
	set(vs, "maps_bytes", mb(m->total_bytes));
	set(vs, "tables", fmt("%.0f", m->tables));
	set(vs, "tables_bytes", fmt("%.0f", m->tables_bytes));
	fill_map_table(vs, m);
	fill_derived(vs, m);
}

static void fill_control(struct vars *vs, const struct results *r, const struct change_figs *c)
{
	set_flag(vs, "control", r->load.line || r->mem.line || c->all.n || c->reconcile.n);
	fill_cp_load(vs, &r->load);
	fill_cp_changes(vs, c);
	fill_cp_memory(vs, &r->mem);
}

static void tool_row(struct buf *b, int tool, const struct tool_figs *f)
{
	const char *cells[] = {
		tool == T_WRK ? "wrk" : "load (bench/load.c)", span(f->rate[P_DIRECT], 0, ""),
		span(f->rate[P_SLUICE], 0, ""), span(f->ratio, 2, "×"),
		pair(f->p50[P_DIRECT], f->p99[P_DIRECT]), pair(f->p50[P_SLUICE], f->p99[P_SLUICE]),
	};

	table_row(b, cells, sizeof(cells) / sizeof(cells[0]));
}

/* The cross-check: {{#wrk}}, {{wrk_table}}; sluice ÷ direct by wrk ({{wrk_ratio}}) and by the
 * load generator ({{gen_ratio}}) when both are there ({{#wrk_compare}}). */
static void fill_wrk(struct vars *vs, const struct tool_runs *tv)
{
	static const char *const cols[] = { "tool", "direct rate (req/s)", "sluice rate (req/s)",
					    "sluice ÷ direct", "direct p50 / p99 µs",
					    "sluice p50 / p99 µs" };
	struct tool_figs f[NTOOLS];
	struct buf b = { 0 };
	double a, g;
	int t;

	for (t = 0; t < NTOOLS; t++)
		f[t] = tool_figs(tv, t);
	table_head(&b, cols, sizeof(cols) / sizeof(cols[0]));
	tool_row(&b, T_WRK, &f[T_WRK]);
	tool_row(&b, T_LOAD, &f[T_LOAD]);
	a = f[T_WRK].ratio.med;
	g = f[T_LOAD].ratio.med;
	set_flag(vs, "wrk", tv->n);
	set_table(vs, "wrk_table", &b);
	set_flag(vs, "wrk_compare", isfinite(a) && isfinite(g));
	set(vs, "wrk_ratio", num(a, 2, "×"));
	set(vs, "gen_ratio", num(g, 2, "×"));
	set(vs, "wrk_diff",
	    isfinite(a) && isfinite(g) ? fmt("%.1f", fabs(a / g - 1) * 100) : NA);
	set_flag(vs, "wrk_lower", a < g);
}

/* Task classification, per phase: the distributions and the counts of tasks missing one. */
struct phase_figs {
	struct dist entry, routed, first, deadends, poll_gap, gone;
	size_t n, no_entry, not_routed, errors;
};

static struct phase_figs phase_figs(const struct task_figs *tv, int phase)
{
	struct dvec entry = { 0 }, routed = { 0 }, first = { 0 }, dead = { 0 }, gap = { 0 },
		    gone = { 0 };
	struct phase_figs f = { .n = 0 };
	size_t i;

	for (i = 0; i < tv->n; i++) {
		const struct task_fig *x = &tv->v[i];

		if (x->phase != phase)
			continue;
		f.n++;
		f.no_entry += !isfinite(x->entry);
		f.not_routed += !isfinite(x->routed);
		f.errors += x->errors > 0;
		dpush(&entry, x->entry);
		dpush(&routed, x->routed);
		dpush(&first, x->first);
		dpush(&dead, x->deadends);
		dpush(&gap, x->poll_gap);
		dpush(&gone, x->gone);
	}
	f.entry = dist_of(&entry);
	f.routed = dist_of(&routed);
	f.first = dist_of(&first);
	f.deadends = dist_of(&dead);
	f.poll_gap = dist_of(&gap);
	f.gone = dist_of(&gone);
	return f;
}

/* "median / p90 / p99 / max UNIT"; NA for none. */
static const char *dist4(struct dist d, int dec, const char *unit)
{
	if (!d.n)
		return NA;
	return fmt("%s / %s / %s / %s", num(d.p50, dec, ""), num(d.p90, dec, ""),
		   num(d.p99, dec, ""), num(d.max, dec, unit));
}

/* "median / max UNIT"; NA for none. */
static const char *dist2(struct dist d, int dec, const char *unit)
{
	if (!d.n)
		return NA;
	return fmt("%s / %s", num(d.p50, dec, ""), num(d.max, dec, unit));
}

static const char *task_counts(const struct phase_figs *f)
{
	return f->n ? fmt("%zu (%zu; %zu; %zu)", f->n, f->no_entry, f->not_routed, f->errors) : NA;
}

static void task_row(struct buf *b, const char *what, const char *quiet, const char *churn)
{
	const char *cells[] = { what, quiet, churn };

	table_row(b, cells, 3);
}

/* {{#tasks}}, {{tasks_table}} (quiet and churn side by side) and the settings measured with. */
static void fill_tasks(struct vars *vs, const struct results *r)
{
	static const char *const cols[] = { "figure", "quiet", "under churn" };
	const struct churn_fig *ch = &r->churn;
	const struct task_setup *s = &r->task_setup;
	struct phase_figs f[NPHASES];
	struct buf b = { 0 };
	int p;

	for (p = 0; p < NPHASES; p++)
		f[p] = phase_figs(&r->tasks, p);
	table_head(&b, cols, 3);
	task_row(&b, "mkdir → its entry in the tasks map (median / p90 / p99 / max)",
		 dist4(f[PH_QUIET].entry, 2, " ms"), dist4(f[PH_CHURN].entry, 2, " ms"));
	task_row(&b, "mkdir → its first routed connect (median / p90 / p99 / max)",
		 dist4(f[PH_QUIET].routed, 2, " ms"), dist4(f[PH_CHURN].routed, 2, " ms"));
	task_row(&b, "mkdir → its process's first connect attempt (median / p90 / p99 / max)",
		 dist4(f[PH_QUIET].first, 2, " ms"), dist4(f[PH_CHURN].first, 2, " ms"));
	task_row(&b, "connects dead-ended before the routed one, per task (median / max)",
		 dist2(f[PH_QUIET].deadends, 0, ""), dist2(f[PH_CHURN].deadends, 0, ""));
	task_row(&b, "tasks measured (with no entry within 3 s; not routed within 2 s; with "
		     "other connect errors)",
		 task_counts(&f[PH_QUIET]), task_counts(&f[PH_CHURN]));
	task_row(&b, "rmdir → its entry gone (median / max)",
		 dist2(f[PH_QUIET].gone, 2, " ms"), dist2(f[PH_CHURN].gone, 2, " ms"));
	task_row(&b, "the longest pause between two lookups of the map, per task (median / max)",
		 dist2(f[PH_QUIET].poll_gap, 2, " ms"), dist2(f[PH_CHURN].poll_gap, 2, " ms"));
	set_flag(vs, "tasks", r->tasks.n);
	set_table(vs, "tasks_table", &b);
	set(vs, "tasks_gap_us", num(s->line ? s->connect_gap_us : NAN, 0, " µs"));
	set(vs, "tasks_poll_us", num(s->line ? s->poll_us : NAN, 0, " µs"));
	set(vs, "tasks_churn_rate", num(s->line ? s->churn_rate : NAN, 0, ""));
	set(vs, "tasks_loadavg", num(s->line ? s->loadavg : NAN, 2, ""));
	set(vs, "tasks_churn_made", num(ch->line ? div_or_nan(ch->made, ch->seconds) : NAN, 0, ""));
	set(vs, "tasks_churn_removed",
	    num(ch->line ? div_or_nan(ch->removed, ch->seconds) : NAN, 0, ""));
	set(vs, "tasks_churn_life", num(ch->line ? ch->lifetime_ms : NAN, 0, " ms"));
}

/* ---- the report ---- */

static int write_plots(struct plots *p, struct path_row *crr, size_t ncrr,
		       const struct scale_row *rows, size_t n)
{
	return plot_paths(p, crr, ncrr) || plot_cost(p, rows, n) || plot_connect(p, rows, n) ?
		       -1 : 0;
}

/* Every name the template may use, whether or not its part has figures. */
static void fill(struct vars *vs, const struct results *r, const struct plots *p,
		 struct path_row rows[NSHAPES][NNS * NPATHS], const size_t *nrows,
		 const struct scale_row *srows, size_t nscale)
{
	struct change_figs c = change_figs(r);
	struct targets t = targets(r, srows, nscale);

	fill_meta(vs, &r->meta);
	set_flag(vs, "results", has_data(r));
	fill_targets(vs, r, &t, srows, nscale, &c);
	fill_paths(vs, r, p, rows, nrows);
	fill_scale(vs, r, p, srows, nscale);
	fill_control(vs, r, &c);
	fill_tasks(vs, r);
	fill_wrk(vs, &r->tools);
}

/* The section: between the markers bench/run.sh splices by, the template filled in. */
static int print_report(const struct buf *md)
{
	printf("<!-- perf:begin -->\n%s<!-- perf:end -->\n", md->v);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "report: writing the report: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int report(const struct results *r, struct plots *p, const struct tmpl *t)
{
	static struct path_row rows[NSHAPES][NNS * NPATHS];
	size_t nrows[NSHAPES], nscale;
	struct scale_row *srows;
	struct vars vs = { 0 };
	struct buf md = { 0 };
	int shape, err;

	for (shape = 0; shape < NSHAPES; shape++)
		nrows[shape] = path_rows(&r->paths, shape, rows[shape]);
	nscale = scale_rows(r, &srows);
	err = write_plots(p, rows[S_CRR], nrows[S_CRR], srows, nscale);
	if (!err) {
		fill(&vs, r, p, rows, nrows, srows, nscale);
		err = render(t, &vs, &md) || print_report(&md);
	}
	free(srows);
	vars_free(&vs);
	free(md.v);
	return err;
}

static int plots_init(struct plots *p, const char *dir)
{
	*p = (struct plots){ 0 };
	p->dir = realpath(dir, NULL);
	if (!p->dir) {
		fprintf(stderr, "report: plot directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct results r = { 0 };
	struct tmpl t;
	struct plots p;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: report RESULTS.jsonl PLOTDIR TEMPLATE\n"
				"  Markdown on stdout (TEMPLATE, bench/report.md.in, filled in); "
				"gnuplot data and scripts\n"
				"  (NAME.gp draws PLOTDIR/NAME.png) in PLOTDIR\n");
		return 2;
	}
	r.file = argv[1];
	err = tmpl_read(&t, argv[3]) || plots_init(&p, argv[2]);
	if (!err) {
		err = read_results(&r) || report(&r, &p, &t);
		free(p.dir);
	}
	results_free(&r);
	free(t.text.v);
	return err ? 1 : 0;
}
