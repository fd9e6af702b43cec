// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* top.c: sluicectl top: two reads of the per-CPU counters (backend_stats, backend_traffic) and
 * of backend_health, --interval apart, compared into per-backend rates: a live view redrawn in
 * place on a terminal (plain ANSI), one sample as text when stdout is none or with --once, one
 * as JSON with --json. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "lib/clock.h"
#include "sluicectl/commands.h"
#include "sluicectl/top.h"

const struct top_counter_spec top_counters[TOP_NCOUNTERS] = {
	[TOP_CONNECTS] = { "connects", "CONN/s", false },
	[TOP_DATAGRAMS] = { "datagrams", "DGRAM/s", false },
	[TOP_REFUSED] = { "refused", "REFUSED/s", false },
	[TOP_TIMED_OUT] = { "timedOut", "TIMEOUT/s", false },
	[TOP_UNREACHABLE] = { "unreachable", "UNREACH/s", false },
	[TOP_SENT] = { "sentBytes", "SENT/s", true },
	[TOP_RECEIVED] = { "receivedBytes", "RECV/s", true },
};

static void read_backend(const struct sl_maps *m, const struct sl_backend_model *bm,
			 struct top_backend *b)
{
	struct sluice_backend_stats st = {};
	struct sluice_backend_traffic tr = {};

	b->id = bm->id;
	snprintf(b->instance, sizeof(b->instance), "%s", bm->instance_id);
	sl_endpoint_format(&bm->addr, bm->port, b->endpoint, sizeof(b->endpoint));
	b->state = bm->state;
	sl_maps_backend_stats(m, bm->id, &st);
	sl_maps_backend_traffic(m, bm->id, &tr);
	b->c[TOP_CONNECTS] = st.connects;
	b->c[TOP_DATAGRAMS] = st.datagrams;
	b->c[TOP_REFUSED] = tr.refused;
	b->c[TOP_TIMED_OUT] = tr.timed_out;
	b->c[TOP_UNREACHABLE] = tr.unreachable;
	b->c[TOP_SENT] = tr.bytes_sent;
	b->c[TOP_RECEIVED] = tr.bytes_received;
	b->active = sl_health_map_read(&m->health, bm->id).active;
}

int top_read(const struct sl_maps *m, struct top_sample *out, struct sl_err *err)
{
	struct sl_model model;
	size_t i, j, k = 0;

	memset(out, 0, sizeof(*out));
	if (sl_maps_read_model(m, &model, err))
		return -EIO;
	for (i = 0; i < model.nservices; i++)
		out->nb += model.services[i].nbackends;
	out->ns = model.nservices;
	out->b = calloc(out->nb + 1, sizeof(*out->b));
	out->s = calloc(out->ns + 1, sizeof(*out->s));
	if (!out->b || !out->s) {
		sl_model_free(&model);
		top_sample_free(out);
		return sl_err_set(err, "out of memory"), -ENOMEM;
	}
	out->at_ns = sl_now_ns();
	for (i = 0; i < model.nservices; i++) {
		const struct sl_service_model *sm = &model.services[i];
		struct sluice_service_stats ss = {};
		struct top_service *s = &out->s[i];

		s->id = sm->id;
		snprintf(s->ns, sizeof(s->ns), "%s", sl_model_service_ns_name(&model, sm));
		snprintf(s->name, sizeof(s->name), "%s", sm->name);
		s->serving = sl_service_nserving(sm);
		sl_maps_service_stats(m, sm->id, &ss);
		s->refused = ss.refused;
		for (j = 0; j < sm->nbackends; j++, k++) {
			read_backend(m, &sm->backends[j], &out->b[k]);
			memcpy(out->b[k].ns, s->ns, sizeof(s->ns));
			memcpy(out->b[k].service, s->name, sizeof(s->name));
		}
	}
	sl_model_free(&model);
	return 0;
}

void top_sample_free(struct top_sample *s)
{
	free(s->b);
	free(s->s);
	memset(s, 0, sizeof(*s));
}

static int cmp_backend_ptr_id(const void *x, const void *y)
{
	const struct top_backend *a = *(const struct top_backend *const *)x;
	const struct top_backend *b = *(const struct top_backend *const *)y;

	return (a->id > b->id) - (a->id < b->id);
}

/* The earlier read's backend of b's id, if it is the same backend with counters not reset. */
static const struct top_backend *earlier(const struct top_backend **by_id, size_t n,
					 const struct top_backend *b)
{
	const struct top_backend *key = b, **hit, *e;
	size_t i;

	hit = n ? bsearch(&key, by_id, n, sizeof(*by_id), cmp_backend_ptr_id) : NULL;
	if (!hit)
		return NULL;
	e = *hit;
	if (strcmp(e->service, b->service) || strcmp(e->instance, b->instance) ||
	    strcmp(e->endpoint, b->endpoint))
		return NULL;
	for (i = 0; i < TOP_NCOUNTERS; i++)
		if (b->c[i] < e->c[i])
			return NULL;
	return e;
}

static int cmp_row(const void *x, const void *y)
{
	const struct top_row *a = x, *b = y;
	int d;

	if (a->rate[TOP_CONNECTS] != b->rate[TOP_CONNECTS])
		return a->rate[TOP_CONNECTS] < b->rate[TOP_CONNECTS] ? 1 : -1;
	if (a->rate[TOP_DATAGRAMS] != b->rate[TOP_DATAGRAMS])
		return a->rate[TOP_DATAGRAMS] < b->rate[TOP_DATAGRAMS] ? 1 : -1;
	if ((d = strcmp(a->b->ns, b->b->ns)) || (d = strcmp(a->b->service, b->b->service)) ||
	    (d = strcmp(a->b->instance, b->b->instance)))
		return d;
	return strcmp(a->b->endpoint, b->b->endpoint);
}

static double per_second(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0;
}

int top_diff(const struct top_sample *a, const struct top_sample *b, struct top_view *v)
{
	const struct top_backend **by_id;
	size_t i, j;

	memset(v, 0, sizeof(*v));
	v->seconds = b->at_ns > a->at_ns ? (double)(b->at_ns - a->at_ns) / 1e9 : 0;
	by_id = calloc(a->nb + 1, sizeof(*by_id));
	v->rows = calloc(b->nb + 1, sizeof(*v->rows));
	v->services = calloc(b->ns + 1, sizeof(*v->services));
	if (!by_id || !v->rows || !v->services) {
		free(by_id);
		top_view_free(v);
		return -ENOMEM;
	}
	for (i = 0; i < a->nb; i++)
		by_id[i] = &a->b[i];
	qsort(by_id, a->nb, sizeof(*by_id), cmp_backend_ptr_id);
	for (i = 0; i < b->nb; i++) {
		const struct top_backend *e = earlier(by_id, a->nb, &b->b[i]);
		struct top_row *r = &v->rows[i];

		r->b = &b->b[i];
		r->fresh = !e;
		for (j = 0; j < TOP_NCOUNTERS; j++) {
			r->counted[j] = r->b->c[j] - (e ? e->c[j] : 0);
			r->rate[j] = per_second(r->counted[j], v->seconds);
		}
	}
	v->nrows = b->nb;
	qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_row);
	free(by_id);
	for (i = 0; i < b->ns; i++) {
		const struct top_service *s = &b->s[i], *e = NULL;

		for (j = 0; j < a->ns && !e; j++)
			if (a->s[j].id == s->id && !strcmp(a->s[j].name, s->name) &&
			    a->s[j].refused <= s->refused)
				e = &a->s[j];
		v->services[i].s = s;
		v->services[i].refused = s->refused - (e ? e->refused : 0);
		v->services[i].rate = per_second(v->services[i].refused, v->seconds);
	}
	v->nservices = b->ns;
	return 0;
}

void top_view_free(struct top_view *v)
{
	free(v->rows);
	free(v->services);
	memset(v, 0, sizeof(*v));
}

/* x rounded to 1/scale, for JSON: rates to the thousandth, the interval to the microsecond. */
static json_t *rounded(double x, double scale)
{
	return json_real((double)(long long)(x * scale + (x < 0 ? -0.5 : 0.5)) / scale);
}

static json_t *real3(double x)
{
	return rounded(x, 1e3);
}

static json_t *row_json(const struct top_row *r)
{
	json_t *counted = json_object(), *rates = json_object();
	size_t i;

	for (i = 0; i < TOP_NCOUNTERS; i++) {
		json_object_set_new(counted, top_counters[i].key, json_integer(r->counted[i]));
		json_object_set_new(rates, top_counters[i].key, real3(r->rate[i]));
	}
	return json_pack("{s:o, s:o, s:o, s:s, s:s, s:i, s:b, s:o, s:o}", "namespace",
			 ctl_json_string(r->b->ns), "service", ctl_json_string(r->b->service),
			 "instance", ctl_json_string(r->b->instance), "address", r->b->endpoint,
			 "state", sl_backend_state_name(r->b->state), "active", (int)r->b->active,
			 "fresh", r->fresh, "counted", counted, "perSecond", rates);
}

json_t *top_view_json(const struct top_view *v)
{
	json_t *rows = json_array(), *services = json_array();
	size_t i;

	for (i = 0; i < v->nrows; i++)
		json_array_append_new(rows, row_json(&v->rows[i]));
	for (i = 0; i < v->nservices; i++) {
		const struct top_service_row *s = &v->services[i];

		json_array_append_new(services, json_pack(
			"{s:o, s:o, s:i, s:{s:I}, s:{s:o}}", "namespace",
			ctl_json_string(s->s->ns), "service", ctl_json_string(s->s->name),
			"serving", (int)s->s->serving, "counted", "refused", (json_int_t)s->refused,
			"perSecond", "refused", real3(s->rate)));
	}
	return json_pack("{s:o, s:o, s:o}", "intervalSeconds", rounded(v->seconds, 1e6), "backends",
			 rows, "services", services);
}

const char *top_format_rate(double rate, bool bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	size_t u = 0;

	if (rate <= 0) {
		snprintf(buf, len, "0");
	} else if (bytes && rate >= 1024) {
		rate /= 1024;
		while (rate >= 1024 && u + 1 < sizeof(units) - 1) {
			rate /= 1024;
			u++;
		}
		snprintf(buf, len, "%.1f%c", rate, units[u]);
	} else {
		snprintf(buf, len, rate < 100 && !bytes ? "%.1f" : "%.0f", rate);
	}
	return buf;
}

/* The text view's columns: the identity's, then a counter's each, then active. */
enum { COL_NS, COL_SERVICE, COL_INSTANCE, COL_ADDRESS, COL_STATE, COL_FIRST_COUNTER,
       COL_ACTIVE = COL_FIRST_COUNTER + TOP_NCOUNTERS, NCOLS };

static const char *const fixed_heads[] = { "NAMESPACE", "SERVICE", "INSTANCE", "ADDRESS",
					   "STATE" };

/* Column c of row r, in buf. */
static const char *cell(const struct top_row *r, int c, char *buf, size_t len)
{
	switch (c) {
	case COL_NS:
		return r->b->ns;
	case COL_SERVICE:
		return r->b->service;
	case COL_INSTANCE:
		return r->b->instance;
	case COL_ADDRESS:
		return r->b->endpoint;
	case COL_STATE:
		return sl_backend_state_name(r->b->state);
	case COL_ACTIVE:
		snprintf(buf, len, "%u", r->b->active);
		return buf;
	}
	return top_format_rate(r->rate[c - COL_FIRST_COUNTER],
			       top_counters[c - COL_FIRST_COUNTER].bytes, buf, len);
}

static const char *head(int c)
{
	if (c < COL_FIRST_COUNTER)
		return fixed_heads[c];
	return c == COL_ACTIVE ? "ACTIVE" : top_counters[c - COL_FIRST_COUNTER].head;
}

/* One line: left-aligned identity columns, right-aligned numbers, cut at width. */
static void emit_row(const int *w, const char *const *cells, unsigned width,
		     void (*fn)(void *, const char *), void *ctx)
{
	char line[1024];
	size_t len = 0;
	int c;

	for (c = 0; c < NCOLS && len < sizeof(line); c++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, c < COL_FIRST_COUNTER ?
					"%s%-*s" : "%s%*s", c ? "  " : "", w[c], cells[c]);
	if (width && width < sizeof(line))
		line[width] = '\0';
	fn(ctx, line);
}

void top_view_text(const struct top_view *v, unsigned width, unsigned height,
		   void (*fn)(void *ctx, const char *line), void *ctx)
{
	char bufs[NCOLS][32], line[1024];
	const char *cells[NCOLS];
	size_t i, shown, refusing = 0, len;
	int w[NCOLS], c;

	for (c = 0; c < NCOLS; c++)
		w[c] = (int)strlen(head(c));
	for (i = 0; i < v->nrows; i++)
		for (c = 0; c < NCOLS; c++) {
			int l = (int)strlen(cell(&v->rows[i], c, bufs[c], sizeof(bufs[c])));

			w[c] = l > w[c] ? l : w[c];
		}
	for (i = 0; i < v->nservices; i++)
		refusing += v->services[i].refused > 0;
	/* The head, the rows that fit, a line for those that do not, the refusals' line. */
	shown = v->nrows;
	if (height) {
		size_t room = height > 1 + !!refusing ? height - 1 - !!refusing : 0;

		if (shown > room)
			shown = room ? room - 1 : 0;
	}
	for (c = 0; c < NCOLS; c++)
		cells[c] = head(c);
	emit_row(w, cells, width, fn, ctx);
	for (i = 0; i < shown; i++) {
		for (c = 0; c < NCOLS; c++)
			cells[c] = cell(&v->rows[i], c, bufs[c], sizeof(bufs[c]));
		emit_row(w, cells, width, fn, ctx);
	}
	if (shown < v->nrows) {
		snprintf(line, sizeof(line), "... %zu more backends", v->nrows - shown);
		fn(ctx, line);
	}
	if (!v->nrows) {
		fn(ctx, "no backends");
	}
	if (!refusing)
		return;
	len = (size_t)snprintf(line, sizeof(line), "refused, no backend serving:");
	for (i = 0; i < v->nservices && len < sizeof(line); i++) {
		const struct top_service_row *s = &v->services[i];

		if (s->refused)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s/%s %s/s",
						s->s->ns, s->s->name,
						top_format_rate(s->rate, false, bufs[0],
								sizeof(bufs[0])));
	}
	if (width && width < sizeof(line))
		line[width] = '\0';
	fn(ctx, line);
}

/* ---- the command ---- */

static volatile sig_atomic_t stop, resized;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

/* Wait until the monotonic time at_ns; early (false) when told to stop, or (with redraw)
 * when the terminal was resized. */
static bool wait_until(uint64_t at_ns, bool redraw)
{
	struct timespec ts = { .tv_sec = (time_t)(at_ns / 1000000000),
			       .tv_nsec = (long)(at_ns % 1000000000) };

	while (!stop && !(redraw && resized)) {
		int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (!r)
			return true;
		if (r != EINTR)
			return false;
	}
	return false;
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

/* A frame for the terminal: each line cleared to its end, the rest of the screen after. */
static void frame_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\033[K\n", line);
}

static void title(FILE *f, const struct top_view *v, const char *bpffs, bool live,
		  unsigned width)
{
	char line[512], when[16];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&now, &tm));
	snprintf(line, sizeof(line), "sluice top %s  %s  %zu backends, %zu services  rates per "
		 "second over %.2f s%s", bpffs, when, v->nrows, v->nservices, v->seconds,
		 live ? "  (Ctrl-C quits)" : "");
	if (width && width < sizeof(line))
		line[width] = '\0';
	fprintf(f, "%s%s\n", line, live ? "\033[K" : "");
}

/* One frame of the live view, written at once (no flicker), fitted to the terminal. */
static void draw(const struct top_view *v, const char *bpffs)
{
	struct winsize ws = {};
	unsigned width = 0, height = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		width = ws.ws_col;
		height = ws.ws_row > 3 ? ws.ws_row - 2u : 1; /* the title; no scroll at the end */
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	fputs("\033[H", f);
	title(f, v, bpffs, true, width);
	fputs("\033[K\n", f);
	top_view_text(v, width, height > 1 ? height - 1 : 1, frame_line, f);
	fputs("\033[J", f);
	fclose(f);
	if (buf)
		fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
}

static int sample_failed(struct ctl *c, const struct sl_err *err)
{
	return ctl_fail(c, "%s", err->msg);
}

/* --once, --json, or stdout no terminal: one sample after one interval. */
static int top_once(struct ctl *c, uint64_t interval_ns)
{
	struct top_sample a, b;
	struct top_view v;
	struct sl_err err;
	int ret = 0;

	if (top_read(&c->maps, &a, &err))
		return sample_failed(c, &err);
	if (!wait_until(a.at_ns + interval_ns, false)) {
		top_sample_free(&a);
		return 1;
	}
	if (top_read(&c->maps, &b, &err)) {
		top_sample_free(&a);
		return sample_failed(c, &err);
	}
	if (top_diff(&a, &b, &v)) {
		ret = ctl_fail(c, "out of memory");
	} else if (c->o.json) {
		ret = ctl_print_json(top_view_json(&v));
	} else {
		title(stdout, &v, c->bpffs, false, 0);
		top_view_text(&v, 0, 0, print_line, NULL);
	}
	top_view_free(&v);
	top_sample_free(&a);
	top_sample_free(&b);
	return ret;
}

/* The live view: redrawn each interval (and when the terminal is resized) until a signal. */
static int top_live(struct ctl *c, uint64_t interval_ns)
{
	struct sigaction sa = { .sa_handler = on_stop }, wa = { .sa_handler = on_winch };
	struct top_sample a, b = {};
	struct top_view v = {};
	struct sl_err err;
	uint64_t next;
	int ret = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &wa, NULL);
	if (top_read(&c->maps, &a, &err))
		return sample_failed(c, &err);
	printf("\033[?25l\033[H\033[2Jsluice top %s: reading every %.2f s (Ctrl-C quits)\n",
	       c->bpffs, (double)interval_ns / 1e9);
	fflush(stdout);
	next = a.at_ns + interval_ns;
	while (!stop) {
		if (!wait_until(next, v.rows != NULL)) {
			if (resized && !stop) {
				resized = 0;
				draw(&v, c->bpffs);
			}
			continue;
		}
		if (top_read(&c->maps, &b, &err)) {
			ret = sample_failed(c, &err);
			break;
		}
		top_view_free(&v);
		if (top_diff(&a, &b, &v)) {
			ret = ctl_fail(c, "out of memory");
			break;
		}
		draw(&v, c->bpffs);
		/* v points into b: b becomes the earlier read, a's memory the next one */
		top_sample_free(&a);
		a = b;
		memset(&b, 0, sizeof(b));
		next += interval_ns;
		if (next < sl_now_ns()) /* a read slower than the interval: no catching up */
			next = sl_now_ns() + interval_ns;
	}
	top_view_free(&v);
	top_sample_free(&a);
	top_sample_free(&b);
	printf("\033[?25h");
	fflush(stdout);
	return ret;
}

int cmd_top(struct ctl *c)
{
	double interval = c->o.interval > 0 ? c->o.interval : 1;
	uint64_t ns = (uint64_t)(interval * 1e9);

	if (c->o.once || c->o.json || !isatty(STDOUT_FILENO))
		return top_once(c, ns);
	return top_live(c, ns);
}
