// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ctl_top.c: unit tests of sluicectl top's pure part: two samples into rates (the same
 * backend, a new one, one whose id changed hands, counters reset), the order by connect rate,
 * the JSON and the text view (columns, cut to the terminal, rows that do not fit), rates as
 * text; and its options (--interval, --once). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sluicectl/cli.h"
#include "sluicectl/top.h"

static struct top_backend backend(uint32_t id, const char *service, const char *instance,
				  const char *endpoint, uint64_t connects)
{
	struct top_backend b = { .id = id, .state = SLUICE_BACKEND_SERVING };

	snprintf(b.ns, sizeof(b.ns), "prod.local");
	snprintf(b.service, sizeof(b.service), "%s", service);
	snprintf(b.instance, sizeof(b.instance), "%s", instance);
	snprintf(b.endpoint, sizeof(b.endpoint), "%s", endpoint);
	b.c[TOP_CONNECTS] = connects;
	return b;
}

static struct top_service service(uint32_t id, const char *name, uint64_t refused)
{
	struct top_service s = { .id = id, .serving = 1, .refused = refused };

	snprintf(s.ns, sizeof(s.ns), "prod.local");
	snprintf(s.name, sizeof(s.name), "%s", name);
	return s;
}

static const struct top_row *row_of(const struct top_view *v, const char *instance)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (!strcmp(v->rows[i].b->instance, instance))
			return &v->rows[i];
	return NULL;
}

/* Two seconds apart: web's o1 made 40 connects (20/s), o2 10, a3 is new with 6, id 4 changed
 * hands (counted from 0), id 5's counters went back (a reset: counted from 0). */
static void rates_between_two_reads(void **state)
{
	struct top_backend a_b[] = {
		backend(1, "web", "o1", "10.0.0.1:80", 100),
		backend(2, "web", "o2", "10.0.0.2:80", 50),
		backend(4, "db", "old", "10.0.0.4:5432", 500),
		backend(5, "db", "d5", "10.0.0.5:5432", 900),
		backend(9, "gone", "g9", "10.0.0.9:80", 1),
	};
	struct top_backend b_b[] = {
		backend(5, "db", "d5", "10.0.0.5:5432", 3),
		backend(4, "db", "new", "10.0.0.4:5432", 2),
		backend(3, "api", "a3", "10.0.0.3:80", 6),
		backend(2, "web", "o2", "10.0.0.2:80", 60),
		backend(1, "web", "o1", "10.0.0.1:80", 140),
	};
	struct top_service a_s[] = { service(1, "web", 7), service(2, "db", 0) };
	struct top_service b_s[] = { service(1, "web", 11), service(2, "db", 0),
				     service(3, "api", 2) };
	struct top_sample a = { .at_ns = 1000000000, .b = a_b, .nb = 5, .s = a_s, .ns = 2 };
	struct top_sample b = { .at_ns = 3000000000, .b = b_b, .nb = 5, .s = b_s, .ns = 3 };
	const struct top_row *r;
	struct top_view v;

	(void)state;
	a_b[0].c[TOP_RECEIVED] = 1000;
	b_b[4].c[TOP_RECEIVED] = 5096;
	b_b[4].c[TOP_REFUSED] = 4;
	b_b[4].active = 7;
	assert_int_equal(top_diff(&a, &b, &v), 0);
	assert_true(v.seconds == 2.0);
	assert_int_equal(v.nrows, 5);
	/* by connect rate: o1 20/s, o2 5/s, a3 3/s, d5 1.5/s, new 1/s */
	assert_string_equal(v.rows[0].b->instance, "o1");
	assert_string_equal(v.rows[1].b->instance, "o2");
	assert_string_equal(v.rows[2].b->instance, "a3");
	assert_string_equal(v.rows[3].b->instance, "d5");
	assert_string_equal(v.rows[4].b->instance, "new");
	r = row_of(&v, "o1");
	assert_int_equal(r->counted[TOP_CONNECTS], 40);
	assert_true(r->rate[TOP_CONNECTS] == 20.0);
	assert_int_equal(r->counted[TOP_RECEIVED], 4096);
	assert_true(r->rate[TOP_RECEIVED] == 2048.0);
	assert_int_equal(r->counted[TOP_REFUSED], 4);
	assert_false(r->fresh);
	r = row_of(&v, "a3");
	assert_true(r->fresh);
	assert_int_equal(r->counted[TOP_CONNECTS], 6);
	r = row_of(&v, "new");
	assert_true(r->fresh);
	assert_int_equal(r->counted[TOP_CONNECTS], 2);
	r = row_of(&v, "d5");
	assert_true(r->fresh);
	assert_int_equal(r->counted[TOP_CONNECTS], 3);
	assert_int_equal(v.nservices, 3);
	assert_int_equal(v.services[0].refused, 4);
	assert_true(v.services[0].rate == 2.0);
	assert_int_equal(v.services[1].refused, 0);
	assert_int_equal(v.services[2].refused, 2);
	top_view_free(&v);
}

/* Equal rates: by namespace, service, instance, address; no time between reads: no rate. */
static void ties_and_no_time(void **state)
{
	struct top_backend x[] = { backend(2, "b", "i2", "10.0.0.2:1", 5),
				   backend(1, "a", "i1", "10.0.0.1:1", 5) };
	struct top_sample a = { .at_ns = 5, .b = x, .nb = 2 };
	struct top_view v;

	(void)state;
	assert_int_equal(top_diff(&a, &a, &v), 0);
	assert_true(v.seconds == 0);
	assert_string_equal(v.rows[0].b->service, "a");
	assert_string_equal(v.rows[1].b->service, "b");
	assert_true(v.rows[0].rate[TOP_CONNECTS] == 0);
	top_view_free(&v);
}

static void json_view(void **state)
{
	struct top_backend a_b[] = { backend(1, "web", "o1", "10.0.0.1:80", 10) };
	struct top_backend b_b[] = { backend(1, "web", "o1", "10.0.0.1:80", 13) };
	struct top_service s[] = { service(1, "web", 0) };
	struct top_sample a = { .at_ns = 0, .b = a_b, .nb = 1, .s = s, .ns = 1 };
	struct top_sample b = { .at_ns = 1500000000, .b = b_b, .nb = 1, .s = s, .ns = 1 };
	json_t *j, *row;
	struct top_view v;

	(void)state;
	b_b[0].active = 2;
	b_b[0].c[TOP_TIMED_OUT] = 3;
	assert_int_equal(top_diff(&a, &b, &v), 0);
	j = top_view_json(&v);
	assert_non_null(j);
	assert_true(json_real_value(json_object_get(j, "intervalSeconds")) == 1.5);
	row = json_array_get(json_object_get(j, "backends"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "namespace")), "prod.local");
	assert_string_equal(json_string_value(json_object_get(row, "service")), "web");
	assert_string_equal(json_string_value(json_object_get(row, "instance")), "o1");
	assert_string_equal(json_string_value(json_object_get(row, "address")), "10.0.0.1:80");
	assert_string_equal(json_string_value(json_object_get(row, "state")), "serving");
	assert_int_equal(json_integer_value(json_object_get(row, "active")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(row, "counted"),
							      "connects")), 3);
	assert_true(json_real_value(json_object_get(json_object_get(row, "perSecond"),
						     "connects")) == 2.0);
	assert_true(json_real_value(json_object_get(json_object_get(row, "perSecond"),
						     "timedOut")) == 2.0);
	assert_int_equal(json_object_size(json_object_get(row, "perSecond")), TOP_NCOUNTERS);
	assert_int_equal(json_array_size(json_object_get(j, "services")), 1);
	json_decref(j);
	top_view_free(&v);
}

struct lines {
	char text[16][1024];
	int n;
};

static void collect(void *ctx, const char *line)
{
	struct lines *l = ctx;

	if (l->n < 16)
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	l->n++;
}

static void text_view(void **state)
{
	struct top_backend x[] = {
		backend(1, "web", "o1", "10.0.0.1:80", 0), backend(2, "web", "o2", "10.0.0.2:80", 0),
		backend(3, "web", "o3", "10.0.0.3:80", 0), backend(4, "web", "o4", "10.0.0.4:80", 0),
	};
	struct top_backend y[4];
	struct top_service s0[] = { service(1, "web", 0) }, s1[] = { service(1, "web", 3) };
	struct top_sample a = { .at_ns = 0, .b = x, .nb = 4, .s = s0, .ns = 1 };
	struct top_sample b = { .at_ns = 1000000000, .b = y, .nb = 4, .s = s1, .ns = 1 };
	struct lines l = {};
	struct top_view v;

	(void)state;
	memcpy(y, x, sizeof(x));
	y[2].c[TOP_CONNECTS] = 12;
	y[2].c[TOP_SENT] = 3 * 1024 * 1024;
	y[2].active = 4;
	assert_int_equal(top_diff(&a, &b, &v), 0);
	top_view_text(&v, 0, 0, collect, &l);
	assert_int_equal(l.n, 6); /* head, 4 rows, refusals */
	assert_non_null(strstr(l.text[0], "NAMESPACE"));
	assert_non_null(strstr(l.text[0], "CONN/s"));
	assert_non_null(strstr(l.text[0], "ACTIVE"));
	assert_non_null(strstr(l.text[1], "o3"));
	assert_non_null(strstr(l.text[1], " 12.0 "));
	assert_non_null(strstr(l.text[1], "3.0M"));
	assert_true(l.text[1][strlen(l.text[1]) - 1] == '4');
	assert_string_equal(l.text[5], "refused, no backend serving: prod.local/web 3.0/s");
	/* 40 columns and 5 lines: the head, two rows, "2 more", the refusals */
	memset(&l, 0, sizeof(l));
	top_view_text(&v, 40, 5, collect, &l);
	assert_int_equal(l.n, 5);
	assert_int_equal(strlen(l.text[0]), 40);
	assert_string_equal(l.text[3], "... 2 more backends");
	top_view_free(&v);
}

static void rates_as_text(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(top_format_rate(0, false, buf, sizeof(buf)), "0");
	assert_string_equal(top_format_rate(2.25, false, buf, sizeof(buf)), "2.2");
	assert_string_equal(top_format_rate(150.4, false, buf, sizeof(buf)), "150");
	assert_string_equal(top_format_rate(900, true, buf, sizeof(buf)), "900");
	assert_string_equal(top_format_rate(1536, true, buf, sizeof(buf)), "1.5K");
	assert_string_equal(top_format_rate(5.0 * 1024 * 1024 * 1024, true, buf, sizeof(buf)),
			    "5.0G");
}

#define ARGV(...) ((char *[]){ "sluicectl", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "sluicectl", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) ctl_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err)

static void options(void **state)
{
	struct ctl_opts o;
	struct sl_err err;

	(void)state;
	assert_int_equal(PARSE(&o, &err, "top"), 0);
	assert_true(o.interval == 0);
	assert_false(o.once);
	assert_int_equal(PARSE(&o, &err, "top", "--interval", "0.5", "--once"), 0);
	assert_true(o.interval == 0.5);
	assert_true(o.once);
	assert_int_equal(PARSE(&o, &err, "-i", "3600", "-o", "top"), 0);
	assert_true(o.interval == 3600);
	assert_int_equal(PARSE(&o, &err, "top", "--interval", "0.05"), -EINVAL);
	assert_string_equal(err.msg, "option '--interval' takes seconds, 0.1 to 3600, not '0.05'");
	assert_int_equal(PARSE(&o, &err, "top", "-i", "1s"), -EINVAL);
	assert_int_equal(PARSE(&o, &err, "top", "-i", "nan"), -EINVAL);
	assert_int_equal(PARSE(&o, &err, "top", "--interval"), -EINVAL);
	assert_string_equal(err.msg, "option '--interval' needs an argument");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_between_two_reads),
		cmocka_unit_test(ties_and_no_time),
		cmocka_unit_test(json_view),
		cmocka_unit_test(text_view),
		cmocka_unit_test(rates_as_text),
		cmocka_unit_test(options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
