// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* promtext.c: the exposition format's lines, appended with printf-style formatting into a
 * doubling buffer; label values escaped, numbers as Go's strconv prints them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/promtext.h"

static void add(struct sl_prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sl_prom *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	for (;;) {
		size_t room = p->cap - p->len;

		va_start(ap, fmt);
		n = vsnprintf(p->buf ? p->buf + p->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			p->failed = true;
			return;
		}
		if ((size_t)n < room) {
			p->len += (size_t)n;
			return;
		}
		{
			size_t ncap = p->cap ? p->cap * 2 : 4096;
			char *nb;

			while (ncap - p->len <= (size_t)n)
				ncap *= 2;
			nb = realloc(p->buf, ncap);
			if (!nb) {
				p->failed = true;
				return;
			}
			p->buf = nb;
			p->cap = ncap;
		}
	}
}

static void add_escaped(struct sl_prom *p, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			add(p, "\\%c", *s);
		else if (*s == '\n')
			add(p, "\\n");
		else
			add(p, "%c", *s);
	}
}

static void add_labels(struct sl_prom *p, const struct sl_prom_label *l, size_t n,
		       const char *extra_name, const char *extra_value)
{
	size_t i;

	if (!n && !extra_name)
		return;
	add(p, "{");
	for (i = 0; i < n; i++) {
		add(p, "%s%s=\"", i ? "," : "", l[i].name);
		add_escaped(p, l[i].value ? l[i].value : "");
		add(p, "\"");
	}
	if (extra_name)
		add(p, "%s%s=\"%s\"", n ? "," : "", extra_name, extra_value);
	add(p, "}");
}

/* The shortest of %.15g to %.17g that reads back as v (as Go's strconv writes floats). */
static const char *shortest(double v, char *buf, size_t len)
{
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return buf;
	}
	snprintf(buf, len, "%.17g", v);
	return buf;
}

static void add_value(struct sl_prom *p, double v)
{
	char buf[32];

	if (isinf(v))
		add(p, " %s\n", v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		add(p, " NaN\n");
	else if (v == (double)(int64_t)v && fabs(v) < 1e15)
		add(p, " %lld\n", (long long)v);
	else
		add(p, " %s\n", shortest(v, buf, sizeof(buf)));
}

void sl_prom_family(struct sl_prom *p, const char *name, const char *type, const char *help)
{
	add(p, "# HELP %s ", name);
	add_escaped(p, help); /* the format wants \\ and \n escaped in HELP too */
	add(p, "\n# TYPE %s %s\n", name, type);
}

void sl_prom_sample(struct sl_prom *p, const char *name, const struct sl_prom_label *l, size_t n,
		    double value)
{
	add(p, "%s", name);
	add_labels(p, l, n, NULL, NULL);
	add_value(p, value);
}

void sl_prom_histogram(struct sl_prom *p, const char *name, const struct sl_prom_label *l,
		       size_t nl, const double *bounds, const uint64_t *cumulative, size_t n,
		       double sum, uint64_t count)
{
	char le[32];
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i < n)
			shortest(bounds[i], le, sizeof(le));
		add(p, "%s_bucket", name);
		add_labels(p, l, nl, "le", i < n ? le : "+Inf");
		add_value(p, (double)(i < n ? cumulative[i] : count));
	}
	add(p, "%s_sum", name);
	add_labels(p, l, nl, NULL, NULL);
	add_value(p, sum);
	add(p, "%s_count", name);
	add_labels(p, l, nl, NULL, NULL);
	add_value(p, (double)count);
}

const char *sl_prom_text(const struct sl_prom *p)
{
	return p->failed ? NULL : p->buf ? p->buf : "";
}

void sl_prom_free(struct sl_prom *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}
