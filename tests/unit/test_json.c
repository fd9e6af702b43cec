// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_json.c: unit tests of lib/json: the path and its escaping, values cut at a UTF-8
 * boundary, loading, every value reader's errors, and tables of rows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A walk through "t.json" with its error. */
struct walk {
	struct sl_err err;
	struct sl_json j;
};

static void walk_init(struct walk *w)
{
	memset(w, 0, sizeof(*w));
	w->j.origin = "t.json";
	w->j.err = &w->err;
}

/* JSON text, an error if it does not parse; the caller json_decref()s it. */
static json_t *js(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

	if (!v)
		fail_msg("bad test JSON: %s", text);
	return v;
}

/* ---- the path ---- */

static void test_path_keys_and_indexes(void **state)
{
	struct walk w;
	size_t a, b;

	(void)state;
	walk_init(&w);
	a = sl_json_push_key(&w.j, "services");
	sl_json_push_index(&w.j, 12);
	b = sl_json_push_key(&w.j, "client_Aliases0");
	assert_string_equal(w.j.path, "services[12].client_Aliases0");
	sl_json_pop(&w.j, b);
	assert_string_equal(w.j.path, "services[12]");
	sl_json_pop(&w.j, a);
	assert_string_equal(w.j.path, "");
	assert_int_equal(w.j.plen, 0);
	sl_json_push_index(&w.j, 0);
	assert_string_equal(w.j.path, "[0]");
}

static void test_path_escaping(void **state)
{
	static const struct {
		const char *key, *want;
	} cases[] = {
		{ "a b", "x[\"a b\"]" },
		{ "say \"hi\"", "x[\"say \\\"hi\\\"\"]" },
		{ "back\\slash", "x[\"back\\\\slash\"]" },
		{ "tab\there\n", "x[\"tab\\u0009here\\u000a\"]" },
		{ "", "x[\"\"]" },
		{ "caf\xc3\xa9", "x[\"caf\xc3\xa9\"]" },
		{ "a.b", "x[\"a.b\"]" },
		{ "a-b", "x[\"a-b\"]" },
	};
	struct walk w;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		walk_init(&w);
		sl_json_push_key(&w.j, "x");
		sl_json_push_key(&w.j, cases[i].key);
		assert_string_equal(w.j.path, cases[i].want);
	}
	/* an odd key first has no leading dot either */
	walk_init(&w);
	sl_json_push_key(&w.j, "a b");
	assert_string_equal(w.j.path, "[\"a b\"]");
}

/* A path longer than its buffer is cut, still terminated, and pops back. */
static void test_path_overflow(void **state)
{
	char key[200];
	struct walk w;
	size_t saved, i;

	(void)state;
	walk_init(&w);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	sl_json_push_key(&w.j, "top");
	saved = w.j.plen;
	for (i = 0; i < 5; i++)
		sl_json_push_key(&w.j, key);
	sl_json_push_index(&w.j, 7);
	assert_int_equal(w.j.plen, sizeof(w.j.path) - 1);
	assert_int_equal(strlen(w.j.path), sizeof(w.j.path) - 1);
	sl_json_pop(&w.j, saved);
	assert_string_equal(w.j.path, "top");
}

/* ---- errors ---- */

static void test_show(void **state)
{
	char buf[SL_JSON_SHOW_LEN + 1], text[400];
	json_t *v;

	(void)state;
	v = js("{\"a\": [1, 0.3, \"x\"]}");
	assert_string_equal(sl_json_show(v, buf, sizeof(buf)), "{\"a\":[1,0.3,\"x\"]}");
	json_decref(v);
	/* 80 bytes (quotes included) show whole; 81 are cut to 77 and "..." */
	memset(text, 'a', 78);
	text[78] = '\0';
	v = json_string(text);
	assert_non_null(v);
	sl_json_show(v, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 80);
	assert_int_equal(buf[79], '"');
	strcat(text, "a");
	json_string_set(v, text);
	sl_json_show(v, buf, sizeof(buf));
	assert_int_equal(strlen(buf), SL_JSON_SHOW_LEN);
	assert_int_equal(strncmp(buf, "\"aaa", 4), 0);
	assert_string_equal(buf + SL_JSON_SHOW_LEN - 4, "a...");
	json_decref(v);
}

/* A long value of two-byte characters is never cut inside one. */
static void test_show_utf8_boundary(void **state)
{
	char buf[SL_JSON_SHOW_LEN + 1], text[400];
	size_t i, lead, cut;
	json_t *v;

	(void)state;
	for (lead = 0; lead < 2; lead++) {
		memset(text, 0, sizeof(text));
		memset(text, 'x', lead);
		for (i = lead; i + 2 < 300; i += 2)
			memcpy(text + i, "\xc3\xa9", 2);
		v = json_string(text);
		assert_non_null(v);
		sl_json_show(v, buf, sizeof(buf));
		cut = strlen(buf) - 3;
		assert_string_equal(buf + cut, "...");
		assert_true(cut <= SL_JSON_SHOW_LEN - 3);
		/* what is kept is '"', the x's, then whole "é"s */
		assert_int_equal((cut - 1 - lead) % 2, 0);
		assert_int_equal((unsigned char)buf[cut - 2], 0xc3);
		assert_int_equal((unsigned char)buf[cut - 1], 0xa9);
		json_decref(v);
	}
}

static void test_fail_messages(void **state)
{
	struct walk w;
	json_t *v = js("[1]");

	(void)state;
	walk_init(&w);
	assert_int_equal(sl_json_fail(&w.j, "at the %s", "top"), -EINVAL);
	assert_string_equal(w.err.msg, "t.json: at the top");
	sl_json_fail_got(&w.j, v, "no");
	assert_string_equal(w.err.msg, "t.json: no, got [1]");
	sl_json_push_key(&w.j, "a");
	sl_json_fail_got(&w.j, v, "must be %d", 5);
	assert_string_equal(w.err.msg, "t.json: a: must be 5, got [1]");
	assert_int_equal(sl_json_fail_key(&w.j, "b c", NULL, "required"), -EINVAL);
	assert_string_equal(w.err.msg, "t.json: a[\"b c\"]: required");
	assert_string_equal(w.j.path, "a");
	sl_json_fail_key(&w.j, "d", v, "bad");
	assert_string_equal(w.err.msg, "t.json: a.d: bad, got [1]");
	assert_int_equal(sl_json_oom(&w.j), -ENOMEM);
	assert_string_equal(w.err.msg, "t.json: out of memory");
	json_decref(v);
}

static void test_load(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} bad[] = {
		{ NULL, 0, "t.json: no text to parse" },
		{ "{}\0{}", 5, "t.json: byte 2: a NUL byte, not JSON text" },
		{ "{\n\"a\": ,}", 9, "t.json:2:6: unexpected token near ','" },
		{ "{\"a\":1,\"a\":2}", 13, "t.json:1:" },
		{ "", 0, "t.json:1:0: " },
		{ "[1,2]", 5, "t.json: the document must be a JSON object, got [1,2]" },
		{ "\"x\"", 3, "t.json: the document must be a JSON object, got \"x\"" },
	};
	json_t *root = (json_t *)&root;
	struct walk w;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		walk_init(&w);
		assert_int_equal(sl_json_load(&w.j, bad[i].text, bad[i].len, &root), -EINVAL);
		assert_null(root);
		if (strncmp(w.err.msg, bad[i].want, strlen(bad[i].want)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, w.err.msg, bad[i].want);
	}
	walk_init(&w);
	assert_int_equal(sl_json_load(&w.j, "{\"a\":1} ", 8, &root), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "a")), 1);
	json_decref(root);
}

/* ---- values ---- */

/* read(w, v) on each JSON text must fail with the message at path "v": want. */
struct bad_value {
	const char *json, *want;
};

typedef int (*reader)(struct sl_json *j, const json_t *v);

static void expect_bad(reader read, const struct bad_value *c, size_t n)
{
	struct walk w;
	json_t *v;
	size_t i;

	for (i = 0; i < n; i++) {
		walk_init(&w);
		sl_json_push_key(&w.j, "v");
		v = js(c[i].json);
		if (read(&w.j, v) != -EINVAL || strcmp(w.err.msg, c[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", c[i].json, w.err.msg, c[i].want);
		json_decref(v);
	}
}

static int read_bool(struct sl_json *j, const json_t *v)
{
	bool b;

	return sl_json_bool(j, v, &b);
}

static int read_int(struct sl_json *j, const json_t *v)
{
	json_int_t n;

	return sl_json_int(j, v, -2, 70000, &n);
}

static int read_int_text(struct sl_json *j, const json_t *v)
{
	json_int_t n;

	return sl_json_int_text(j, v, 1, 65535, &n);
}

static int read_string(struct sl_json *j, const json_t *v)
{
	const char *s;

	return sl_json_string(j, v, 1, 4, &s);
}

static int read_name(struct sl_json *j, const json_t *v)
{
	const char *s;

	return sl_json_name(j, v, 6, &s);
}

static int read_abs_path(struct sl_json *j, const json_t *v)
{
	const char *s;

	return sl_json_abs_path(j, v, &s);
}

static const struct sl_json_enum three[] = { { "a", 1 }, { "b", 2 }, { "c", 3 }, { NULL, 0 } };
static const struct sl_json_enum two[] = { { "on", 1 }, { "off", 0 }, { NULL, 0 } };
static const struct sl_json_enum one[] = { { "only", 7 }, { NULL, 0 } };

static int read_choice3(struct sl_json *j, const json_t *v)
{
	int n;

	return sl_json_choice(j, v, three, &n);
}

static int read_choice2(struct sl_json *j, const json_t *v)
{
	int n;

	return sl_json_choice(j, v, two, &n);
}

static int read_choice1(struct sl_json *j, const json_t *v)
{
	int n;

	return sl_json_choice(j, v, one, &n);
}

static int read_seconds(struct sl_json *j, const json_t *v)
{
	uint32_t ms;

	return sl_json_seconds(j, v, 60, &ms);
}

static void test_bool_and_ints(void **state)
{
	static const struct bad_value bools[] = {
		{ "1", "t.json: v: must be true or false, got 1" },
		{ "\"true\"", "t.json: v: must be true or false, got \"true\"" },
		{ "null", "t.json: v: must be true or false, got null" },
	};
	static const struct bad_value ints[] = {
		{ "-3", "t.json: v: must be an integer from -2 to 70000, got -3" },
		{ "70001", "t.json: v: must be an integer from -2 to 70000, got 70001" },
		{ "1.0", "t.json: v: must be an integer from -2 to 70000, got 1.0" },
		{ "\"5\"", "t.json: v: must be an integer from -2 to 70000, got \"5\"" },
	};
	static const struct bad_value texts[] = {
		{ "0", "t.json: v: must be 1-65535, got 0" },
		{ "\"0\"", "t.json: v: must be 1-65535, got \"0\"" },
		{ "65536", "t.json: v: must be 1-65535, got 65536" },
		{ "\"65536\"", "t.json: v: must be 1-65535, got \"65536\"" },
		{ "\"99999999999999999999999\"", "t.json: v: must be 1-65535, got \"99999999999999999999999\"" },
		{ "\"+80\"", "t.json: v: must be 1-65535, got \"+80\"" },
		{ "\" 80\"", "t.json: v: must be 1-65535, got \" 80\"" },
		{ "\"80a\"", "t.json: v: must be 1-65535, got \"80a\"" },
		{ "\"\"", "t.json: v: must be 1-65535, got \"\"" },
		{ "80.0", "t.json: v: must be 1-65535, got 80.0" },
		{ "true", "t.json: v: must be 1-65535, got true" },
	};
	struct walk w;
	json_int_t n = 0;
	json_t *v;
	bool b = false;

	(void)state;
	expect_bad(read_bool, bools, ARRAY_SIZE(bools));
	expect_bad(read_int, ints, ARRAY_SIZE(ints));
	expect_bad(read_int_text, texts, ARRAY_SIZE(texts));
	walk_init(&w);
	assert_int_equal(sl_json_bool(&w.j, json_true(), &b), 0);
	assert_true(b);
	v = js("-2");
	assert_int_equal(sl_json_int(&w.j, v, -2, 2, &n), 0);
	assert_int_equal(n, -2);
	json_decref(v);
	v = js("\"08080\"");
	assert_int_equal(sl_json_int_text(&w.j, v, 1, 65535, &n), 0);
	assert_int_equal(n, 8080);
	json_decref(v);
	v = js("65535");
	assert_int_equal(sl_json_int_text(&w.j, v, 1, 65535, &n), 0);
	assert_int_equal(n, 65535);
	json_decref(v);
}

static void test_strings(void **state)
{
	static const struct bad_value strings[] = {
		{ "5", "t.json: v: must be a string, got 5" },
		{ "\"\"", "t.json: v: must not be empty" },
		{ "\"abcde\"", "t.json: v: must be at most 4 characters, got \"abcde\"" },
	};
	static const struct bad_value names[] = {
		{ "[]", "t.json: v: must be a string, got []" },
		{ "\"\"", "t.json: v: must not be empty" },
		{ "\"abcdefg\"", "t.json: v: must be at most 6 characters, got \"abcdefg\"" },
		{ "\"a b\"", "t.json: v: may hold only letters, digits, '.', '_' and '-', got \"a b\"" },
		{ "\"caf\\u00e9\"",
		  "t.json: v: may hold only letters, digits, '.', '_' and '-', got \"caf\xc3\xa9\"" },
		{ "\".a\"", "t.json: v: must not start or end with '.' or '-', got \".a\"" },
		{ "\"a-\"", "t.json: v: must not start or end with '.' or '-', got \"a-\"" },
		{ "\"a..b\"", "t.json: v: must not contain \"..\", got \"a..b\"" },
	};
	static const struct bad_value paths[] = {
		{ "\"rel\"", "t.json: v: must be an absolute path, got \"rel\"" },
		{ "\"\"", "t.json: v: must be an absolute path, got \"\"" },
		{ "7", "t.json: v: must be an absolute path, got 7" },
	};
	struct walk w;
	const char *s;
	json_t *v;

	(void)state;
	expect_bad(read_string, strings, ARRAY_SIZE(strings));
	expect_bad(read_name, names, ARRAY_SIZE(names));
	expect_bad(read_abs_path, paths, ARRAY_SIZE(paths));
	walk_init(&w);
	v = js("\"\"");
	assert_int_equal(sl_json_string(&w.j, v, 0, 0, &s), 0);
	assert_string_equal(s, "");
	json_decref(v);
	v = js("\"a_1.b-c\"");
	assert_int_equal(sl_json_name(&w.j, v, 7, &s), 0);
	assert_string_equal(s, "a_1.b-c");
	json_decref(v);
}

static void test_set_str(void **state)
{
	struct walk w;
	char *s = NULL;

	(void)state;
	walk_init(&w);
	assert_int_equal(sl_json_set_str(&w.j, &s, "one"), 0);
	assert_int_equal(sl_json_set_str(&w.j, &s, "two"), 0);
	assert_string_equal(s, "two");
	free(s);
}

static void test_choice(void **state)
{
	static const struct bad_value c3[] = {
		{ "\"d\"", "t.json: v: must be \"a\", \"b\" or \"c\", got \"d\"" },
		{ "1", "t.json: v: must be \"a\", \"b\" or \"c\", got 1" },
	};
	static const struct bad_value c2[] = {
		{ "\"ON\"", "t.json: v: must be \"on\" or \"off\", got \"ON\"" },
	};
	static const struct bad_value c1[] = {
		{ "null", "t.json: v: must be \"only\", got null" },
	};
	struct walk w;
	json_t *v;
	int n = 0;

	(void)state;
	expect_bad(read_choice3, c3, ARRAY_SIZE(c3));
	expect_bad(read_choice2, c2, ARRAY_SIZE(c2));
	expect_bad(read_choice1, c1, ARRAY_SIZE(c1));
	walk_init(&w);
	v = js("\"off\"");
	n = 5;
	assert_int_equal(sl_json_choice(&w.j, v, two, &n), 0);
	assert_int_equal(n, 0);
	json_decref(v);
}

static void test_seconds(void **state)
{
	static const struct bad_value bad[] = {
		{ "0", "t.json: v: must be a number of seconds > 0 and at most 60, got 0" },
		{ "-0.5", "t.json: v: must be a number of seconds > 0 and at most 60, got -0.5" },
		{ "60.5", "t.json: v: must be a number of seconds > 0 and at most 60, got 60.5" },
		{ "\"5s\"", "t.json: v: must be a number of seconds > 0 and at most 60, got \"5s\"" },
	};
	static const struct {
		const char *json;
		uint32_t ms;
	} good[] = {
		{ "60", 60000 }, { "0.2004", 200 }, { "0.2006", 201 }, { "1e-9", 1 }, { "1.5", 1500 },
	};
	struct walk w;
	uint32_t ms;
	json_t *v;
	size_t i;

	(void)state;
	expect_bad(read_seconds, bad, ARRAY_SIZE(bad));
	walk_init(&w);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		v = js(good[i].json);
		assert_int_equal(sl_json_seconds(&w.j, v, 60, &ms), 0);
		assert_int_equal(ms, good[i].ms);
		json_decref(v);
	}
}

/* ---- tables ---- */

struct inner {
	uint32_t n;
	bool flag;
};

struct item {
	char *name;
	uint16_t port;
};

struct doc {
	char *s, *name, *path, *custom;
	bool b, has_in, checked_after_u8;
	uint8_t u8;
	uint16_t port;
	uint32_t pct, ms;
	uint64_t big;
	int choice;
	struct inner in;
	uint32_t lazy_n;
	struct item *items;
	size_t nitems;
};

/* CUSTOM: a string, upper-cased. */
static int parse_upper(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	char **out = sl_json_field(base, row);
	const char *s;
	char *c;
	int ret;

	ret = sl_json_string(j, v, 1, 0, &s);
	if (!ret)
		ret = sl_json_set_str(j, out, s);
	for (c = ret ? NULL : *out; c && *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return ret;
}

/* A check row: sees the rows before it, not those after. */
static int check_u8(struct sl_json *j, const json_t *obj, void *base)
{
	struct doc *d = base;

	(void)obj;
	if (d->u8 == 13)
		return sl_json_fail_key(j, "u8", json_object_get(obj, "u8"), "unlucky");
	d->checked_after_u8 = d->port == 0;
	return 0;
}

/* An inner object may also be given as a bare number. */
static int parse_inner(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *base)
{
	struct inner *in = sl_json_field(base, row);

	if (!json_is_integer(v))
		return sl_json_object(j, row, v, base);
	in->n = (uint32_t)json_integer_value(v);
	return 0;
}

static const struct sl_json_row inner_rows[] = {
	{ "n", SL_JSON_INT, SL_JSON_AT(struct inner, n), .min = 1, .max = 9, .def = 4 },
	{ "flag", SL_JSON_BOOL, SL_JSON_AT(struct inner, flag), .def = true },
	{ 0 },
};

static const struct sl_json_row lazy_rows[] = { /* fill the doc */
	{ "n", SL_JSON_INT, SL_JSON_AT(struct doc, lazy_n), .max = 100, .def = 50 },
	{ 0 },
};

static const struct sl_json_row item_rows[] = {
	{ "name", SL_JSON_NAME, SL_JSON_AT(struct item, name), .max = 10, .required = true },
	{ "port", SL_JSON_PORT, SL_JSON_AT(struct item, port), .def = 80 },
	{ 0 },
};

static const struct sl_json_row item = { .type = SL_JSON_OBJECT, .rows = item_rows };

static const struct sl_json_row doc_rows[] = {
	{ "s", SL_JSON_STRING, SL_JSON_AT(struct doc, s), .def_str = "dflt" },
	{ "name", SL_JSON_NAME, SL_JSON_AT(struct doc, name), .max = 8, .required = true },
	{ "path", SL_JSON_ABS_PATH, SL_JSON_AT(struct doc, path) },
	{ "b", SL_JSON_BOOL, SL_JSON_AT(struct doc, b), .def = true },
	{ "u8", SL_JSON_INT, SL_JSON_AT(struct doc, u8), .max = 255, .def = 7 },
	{ .type = SL_JSON_CHECK, .check = check_u8 },
	{ "port", SL_JSON_PORT, SL_JSON_AT(struct doc, port) },
	{ "pct", SL_JSON_PERCENT, SL_JSON_AT(struct doc, pct), .def = 50 },
	{ "big", SL_JSON_INT_TEXT, SL_JSON_AT(struct doc, big), .max = 5000000000LL, .def = 1 },
	{ "choice", SL_JSON_CHOICE, SL_JSON_AT(struct doc, choice), .names = three, .def = 2 },
	{ "ms", SL_JSON_SECONDS, SL_JSON_AT(struct doc, ms), .max = 10, .def = 2500 },
	{ "in", SL_JSON_OBJECT, SL_JSON_AT(struct doc, in), .rows = inner_rows,
	  .has = SL_JSON_HAS(struct doc, has_in), .parse = parse_inner },
	{ "lazy", SL_JSON_OBJECT, .rows = lazy_rows, .given_only = true,
	  .expect = "must be an object {\"n\": N}" },
	{ "items", SL_JSON_ARRAY, SL_JSON_ARRAY_AT(struct doc, items, nitems), .elem = &item,
	  .expect = "must be an array of items" },
	{ "custom", SL_JSON_CUSTOM, SL_JSON_AT(struct doc, custom), .def_str = "abc",
	  .parse = parse_upper },
	{ .key = "aws", .type = SL_JSON_IGNORED },
	{ 0 },
};

static const struct sl_json_row doc_row = { .type = SL_JSON_OBJECT, .rows = doc_rows };
static const struct sl_json_row open_row = {
	.type = SL_JSON_OBJECT, .rows = doc_rows, .open = true,
};

static void doc_free(struct doc *d)
{
	size_t i;

	free(d->s);
	free(d->name);
	free(d->path);
	free(d->custom);
	for (i = 0; i < d->nitems; i++)
		free(d->items[i].name);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* Read text (' for ") by row into *d; the message, if any, in msg. */
static int read_doc(const struct sl_json_row *row, const char *text, struct doc *d,
		    char *msg, size_t len)
{
	char *t = strdup(text), *c;
	struct walk w;
	json_t *root;
	int ret;

	assert_non_null(t);
	for (c = t; *c; c++)
		if (*c == '\'')
			*c = '"';
	memset(d, 0, sizeof(*d));
	walk_init(&w);
	ret = sl_json_load(&w.j, t, strlen(t), &root);
	if (!ret) {
		ret = sl_json_object(&w.j, row, root, d);
		json_decref(root);
	}
	snprintf(msg, len, "%s", ret ? w.err.msg : "");
	free(t);
	return ret;
}

static void test_table_defaults(void **state)
{
	struct doc d;
	char msg[1024];

	(void)state;
	if (read_doc(&doc_row, "{'name':'x'}", &d, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_string_equal(d.s, "dflt");
	assert_string_equal(d.name, "x");
	assert_null(d.path);
	assert_true(d.b);
	assert_int_equal(d.u8, 7);
	assert_int_equal(d.port, 0);
	assert_int_equal(d.pct, 50);
	assert_int_equal(d.big, 1);
	assert_int_equal(d.choice, 2);
	assert_int_equal(d.ms, 2500);
	assert_false(d.has_in);
	assert_int_equal(d.in.n, 4); /* an object left out still has its defaults */
	assert_true(d.in.flag);
	assert_int_equal(d.lazy_n, 0); /* but not a given_only one */
	assert_null(d.items);
	assert_int_equal(d.nitems, 0);
	assert_string_equal(d.custom, "ABC"); /* a CUSTOM default is read by its parse */
	assert_true(d.checked_after_u8);
	doc_free(&d);
}

static void test_table_values(void **state)
{
	struct doc d;
	char msg[1024];

	(void)state;
	if (read_doc(&doc_row,
		     "{'s':'','name':'n.1','path':'/p','b':false,'u8':255,'port':65535,'pct':0,"
		     "'big':'5000000000','choice':'c','ms':0.25,'in':{'n':9,'flag':false},"
		     "'lazy':{},'items':[{'name':'a'},{'name':'b','port':1}],'custom':'xy',"
		     "'aws':{'anything':[]}}",
		     &d, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_string_equal(d.s, "");
	assert_string_equal(d.name, "n.1");
	assert_string_equal(d.path, "/p");
	assert_false(d.b);
	assert_int_equal(d.u8, 255);
	assert_int_equal(d.port, 65535);
	assert_int_equal(d.pct, 0);
	assert_int_equal(d.big, 5000000000ULL);
	assert_int_equal(d.choice, 3);
	assert_int_equal(d.ms, 250);
	assert_true(d.has_in);
	assert_int_equal(d.in.n, 9);
	assert_false(d.in.flag);
	assert_int_equal(d.lazy_n, 50);
	assert_int_equal(d.nitems, 2);
	assert_string_equal(d.items[0].name, "a");
	assert_int_equal(d.items[0].port, 80);
	assert_string_equal(d.items[1].name, "b");
	assert_int_equal(d.items[1].port, 1);
	assert_string_equal(d.custom, "XY");
	assert_true(d.checked_after_u8); /* port, after the check, was not read yet */
	doc_free(&d);

	/* a parse in place of the OBJECT reader; the rows' defaults are set all the same */
	if (read_doc(&doc_row, "{'name':'x','in':3,'items':[]}", &d, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_true(d.has_in);
	assert_int_equal(d.in.n, 3);
	assert_true(d.in.flag);
	assert_null(d.items);
	doc_free(&d);
}

static void test_table_errors(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{}", "t.json: name: required" },
		{ "{'name':'x','bogus':1}",
		  "t.json: bogus: unknown field (known: s, name, path, b, u8, port, pct, big, choice, "
		  "ms, in, lazy, items, custom, aws)" },
		{ "{'name':'x','in':{'m':1}}", "t.json: in.m: unknown field (known: n, flag)" },
		{ "{'name':'x','in':{'n':0}}", "t.json: in.n: must be an integer from 1 to 9, got 0" },
		{ "{'name':'x','in':[]}", "t.json: in: must be an object, got []" },
		{ "{'name':'x','lazy':1}", "t.json: lazy: must be an object {\"n\": N}, got 1" },
		{ "{'name':'x','s':1}", "t.json: s: must be a string, got 1" },
		{ "{'name':'a b'}",
		  "t.json: name: may hold only letters, digits, '.', '_' and '-', got \"a b\"" },
		{ "{'name':'x','path':'p'}", "t.json: path: must be an absolute path, got \"p\"" },
		{ "{'name':'x','b':0}", "t.json: b: must be true or false, got 0" },
		{ "{'name':'x','u8':256}", "t.json: u8: must be an integer from 0 to 255, got 256" },
		{ "{'name':'x','u8':13,'port':0}", "t.json: u8: unlucky, got 13" },
		{ "{'name':'x','port':0}", "t.json: port: must be an integer from 1 to 65535, got 0" },
		{ "{'name':'x','pct':101}", "t.json: pct: must be an integer from 0 to 100, got 101" },
		{ "{'name':'x','big':'5000000001'}", "t.json: big: must be 0-5000000000, got \"5000000001\"" },
		{ "{'name':'x','choice':'z'}", "t.json: choice: must be \"a\", \"b\" or \"c\", got \"z\"" },
		{ "{'name':'x','ms':11}", "t.json: ms: must be a number of seconds > 0 and at most 10, got 11" },
		{ "{'name':'x','items':{}}", "t.json: items: must be an array of items, got {}" },
		{ "{'name':'x','items':[{'name':'a'},5]}", "t.json: items[1]: must be an object, got 5" },
		{ "{'name':'x','items':[{'name':'a'},{'port':2}]}", "t.json: items[1].name: required" },
		{ "{'name':'x','items':[{'name':'a','x y':2}]}",
		  "t.json: items[0][\"x y\"]: unknown field (known: name, port)" },
		{ "{'name':'x','custom':''}", "t.json: custom: must not be empty" },
	};
	struct doc d;
	char msg[1024];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (read_doc(&doc_row, cases[i].json, &d, msg, sizeof(msg)) != -EINVAL ||
		    strcmp(msg, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, msg, cases[i].want);
		doc_free(&d); /* a partly read doc frees whole */
	}
}

static void test_table_open(void **state)
{
	struct doc d;
	char msg[1024];

	(void)state;
	if (read_doc(&open_row, "{'name':'x','bogus':1,'odd key':[]}", &d, msg, sizeof(msg)))
		fail_msg("%s", msg);
	assert_string_equal(d.name, "x");
	doc_free(&d);
	/* open is of one object: the items inside are not */
	assert_int_equal(read_doc(&open_row, "{'name':'x','items':[{'name':'a','z':1}]}", &d, msg,
				  sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "t.json: items[0].z: unknown field (known: name, port)");
	doc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_keys_and_indexes),
		cmocka_unit_test(test_path_escaping),
		cmocka_unit_test(test_path_overflow),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_show_utf8_boundary),
		cmocka_unit_test(test_fail_messages),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_bool_and_ints),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_set_str),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_table_values),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_table_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
