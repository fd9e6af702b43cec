// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* json.c: the path of the value at hand, messages that quote it, one reader per kind of value,
 * and the walk of a table of rows over a JSON object. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json.h"

#define LIST_LEN 640 /* the names a message lists (within an error message's 1024) */

/* ---- the path ---- */

static void path_add(struct sl_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_add(struct sl_json *j, const char *fmt, ...)
{
	size_t room = sizeof(j->path) - j->plen;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->path + j->plen, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		j->path[j->plen] = '\0';
	else
		j->plen += (size_t)n < room ? (size_t)n : room - 1;
}

static bool key_is_plain(const char *key)
{
	const char *c;

	for (c = key; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_')
			return false;
	return c != key;
}

size_t sl_json_push_key(struct sl_json *j, const char *key)
{
	size_t saved = j->plen;
	const unsigned char *c;

	if (key_is_plain(key)) {
		path_add(j, "%s%s", j->plen ? "." : "", key);
		return saved;
	}
	path_add(j, "[\"");
	for (c = (const unsigned char *)key; *c; c++) {
		if (*c == '"' || *c == '\\')
			path_add(j, "\\%c", *c);
		else if (*c < 0x20)
			path_add(j, "\\u%04x", *c);
		else
			path_add(j, "%c", *c);
	}
	path_add(j, "\"]");
	return saved;
}

size_t sl_json_push_index(struct sl_json *j, size_t i)
{
	size_t saved = j->plen;

	path_add(j, "[%zu]", i);
	return saved;
}

void sl_json_pop(struct sl_json *j, size_t saved)
{
	j->plen = saved;
	j->path[saved] = '\0';
}

/* ---- errors ---- */

const char *sl_json_show(const json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	size_t cut;

	if (!s) {
		snprintf(buf, len, "(a value)");
		return buf;
	}
	if (strlen(s) < len) {
		strcpy(buf, s);
	} else {
		cut = len - 4;
		while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(buf, s, cut);
		strcpy(buf + cut, "...");
	}
	free(s);
	return buf;
}

static int vfail(struct sl_json *j, const json_t *got, const char *fmt, va_list ap)
{
	char what[512], shown[SL_JSON_SHOW_LEN + 1];
	const char *sep = j->plen ? ": " : "";

	vsnprintf(what, sizeof(what), fmt, ap);
	if (got)
		return sl_err_set(j->err, "%s: %s%s%s, got %s", j->origin, j->path, sep, what,
				  sl_json_show(got, shown, sizeof(shown)));
	return sl_err_set(j->err, "%s: %s%s%s", j->origin, j->path, sep, what);
}

int sl_json_fail(struct sl_json *j, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(j, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

int sl_json_fail_got(struct sl_json *j, const json_t *got, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(j, got, fmt, ap);
	va_end(ap);
	return ret;
}

int sl_json_fail_key(struct sl_json *j, const char *key, const json_t *got, const char *fmt, ...)
{
	size_t saved = sl_json_push_key(j, key);
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(j, got, fmt, ap);
	va_end(ap);
	sl_json_pop(j, saved);
	return ret;
}

int sl_json_oom(struct sl_json *j)
{
	sl_err_set(j->err, "%s: out of memory", j->origin);
	return -ENOMEM;
}

/* ---- the document ---- */

static const char *kind_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	default:
		return "an object";
	}
}

int sl_json_load(struct sl_json *j, const char *text, size_t len, json_t **root)
{
	char shown[SL_JSON_SHOW_LEN + 1];
	json_error_t jerr;
	int ret;

	*root = NULL;
	if (!text)
		return sl_err_set(j->err, "%s: no text to parse", j->origin);
	if (strnlen(text, len) != len)
		return sl_err_set(j->err, "%s: byte %zu: a NUL byte, not JSON text", j->origin,
				  strnlen(text, len));
	*root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!*root && j->quiet) { /* jansson's message without the text it quotes */
		char *near = strstr(jerr.text, " near ");

		if (near)
			*near = '\0';
	}
	if (!*root)
		return sl_err_set(j->err, "%s:%d:%d: %s", j->origin, jerr.line, jerr.column,
				  jerr.text);
	if (json_is_object(*root))
		return 0;
	if (j->quiet)
		ret = sl_err_set(j->err, "%s: the document must be a JSON object, got %s",
				 j->origin, kind_of(*root));
	else
		ret = sl_err_set(j->err, "%s: the document must be a JSON object, got %s",
				 j->origin, sl_json_show(*root, shown, sizeof(shown)));
	json_decref(*root);
	*root = NULL;
	return ret;
}

/* ---- values ---- */

int sl_json_set_str(struct sl_json *j, char **out, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return sl_json_oom(j);
	free(*out);
	*out = copy;
	return 0;
}

int sl_json_bool(struct sl_json *j, const json_t *v, bool *out)
{
	if (!json_is_boolean(v))
		return sl_json_fail_got(j, v, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

int sl_json_int(struct sl_json *j, const json_t *v, json_int_t min, json_int_t max,
		json_int_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return sl_json_fail_got(j, v, "must be an integer from %" JSON_INTEGER_FORMAT
					" to %" JSON_INTEGER_FORMAT, min, max);
	*out = json_integer_value(v);
	return 0;
}

/* s as decimal digits into *n, stopping above max: false if not all digits or above max. */
static bool digits_value(const char *s, json_int_t max, json_int_t *n)
{
	*n = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		*n = *n * 10 + (*s - '0');
		if (*n > max)
			return false;
	}
	return true;
}

int sl_json_int_text(struct sl_json *j, const json_t *v, json_int_t min, json_int_t max,
		     json_int_t *out)
{
	json_int_t n = 0;
	bool ok;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		ok = true;
	} else {
		ok = json_is_string(v) && digits_value(json_string_value(v), max, &n);
	}
	if (!ok || n < min || n > max)
		return sl_json_fail_got(j, v, "must be %" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT,
					min, max);
	*out = n;
	return 0;
}

int sl_json_string(struct sl_json *j, const json_t *v, size_t min, size_t max, const char **out)
{
	size_t len;

	if (!json_is_string(v))
		return sl_json_fail_got(j, v, "must be a string");
	len = json_string_length(v);
	if (len < min)
		return sl_json_fail(j, "must not be empty");
	if (max && len > max)
		return sl_json_fail_got(j, v, "must be at most %zu characters", max);
	*out = json_string_value(v);
	return 0;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int sl_json_name(struct sl_json *j, const json_t *v, size_t max, const char **out)
{
	const char *s;
	size_t len, i;
	int ret;

	ret = sl_json_string(j, v, 1, max, &s);
	if (ret)
		return ret;
	len = strlen(s);
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return sl_json_fail_got(j, v, "may hold only letters, digits, '.', '_' and '-'");
	if (s[0] == '.' || s[0] == '-' || s[len - 1] == '.' || s[len - 1] == '-')
		return sl_json_fail_got(j, v, "must not start or end with '.' or '-'");
	if (strstr(s, ".."))
		return sl_json_fail_got(j, v, "must not contain \"..\"");
	*out = s;
	return 0;
}

int sl_json_abs_path(struct sl_json *j, const json_t *v, const char **out)
{
	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return sl_json_fail_got(j, v, "must be an absolute path");
	*out = json_string_value(v);
	return 0;
}

/* Append to the list in buf (used bytes so far); past its end, nothing. */
static void list_add(char *buf, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void list_add(char *buf, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= LIST_LEN - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, LIST_LEN - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

int sl_json_choice(struct sl_json *j, const json_t *v, const struct sl_json_enum *names,
		   int *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	char list[LIST_LEN] = "";
	size_t used = 0, i;

	for (i = 0; s && names[i].name; i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	}
	for (i = 0; names[i].name; i++)
		list_add(list, &used, "%s\"%s\"", !i ? "" : names[i + 1].name ? ", " : " or ",
			 names[i].name);
	return sl_json_fail_got(j, v, "must be %s", list);
}

int sl_json_seconds(struct sl_json *j, const json_t *v, double max, uint32_t *ms)
{
	double s = json_is_number(v) ? json_number_value(v) : 0;

	if (!json_is_number(v) || !(s > 0) || s > max)
		return sl_json_fail_got(j, v, "must be a number of seconds > 0 and at most %g", max);
	*ms = (uint32_t)(s * 1000.0 + 0.5);
	if (!*ms)
		*ms = 1;
	return 0;
}

/* ---- tables ---- */

/* n into the unsigned integer field of size (1, 2, 4 or 8) bytes at f. */
static void store_int(void *f, size_t size, json_int_t n)
{
	uint8_t u8 = (uint8_t)n;
	uint16_t u16 = (uint16_t)n;
	uint32_t u32 = (uint32_t)n;
	uint64_t u64 = (uint64_t)n;

	if (size == 1)
		memcpy(f, &u8, size);
	else if (size == 2)
		memcpy(f, &u16, size);
	else if (size == 4)
		memcpy(f, &u32, size);
	else if (size == 8)
		memcpy(f, &u64, size);
}

/* The range of an integer row. */
static void int_range(const struct sl_json_row *row, json_int_t *min, json_int_t *max)
{
	*min = row->type == SL_JSON_PORT ? 1 : row->type == SL_JSON_PERCENT ? 0 : row->min;
	*max = row->type == SL_JSON_PORT ? 65535 : row->type == SL_JSON_PERCENT ? 100 : row->max;
}

static bool is_int_type(enum sl_json_type t)
{
	return t == SL_JSON_INT || t == SL_JSON_INT_TEXT || t == SL_JSON_PORT ||
	       t == SL_JSON_PERCENT || t == SL_JSON_CHOICE;
}

static int read_int(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *f)
{
	json_int_t min, max, n = 0;
	int choice = 0, ret;

	int_range(row, &min, &max);
	if (row->type == SL_JSON_CHOICE)
		ret = sl_json_choice(j, v, row->names, &choice);
	else if (row->type == SL_JSON_INT_TEXT)
		ret = sl_json_int_text(j, v, min, max, &n);
	else
		ret = sl_json_int(j, v, min, max, &n);
	if (!ret)
		store_int(f, row->size, row->type == SL_JSON_CHOICE ? choice : n);
	return ret;
}

static int read_string(struct sl_json *j, const struct sl_json_row *row, const json_t *v,
		       void *f)
{
	const char *s = NULL;
	int ret;

	if (row->type == SL_JSON_NAME)
		ret = sl_json_name(j, v, (size_t)row->max, &s);
	else if (row->type == SL_JSON_ABS_PATH)
		ret = sl_json_abs_path(j, v, &s);
	else
		ret = sl_json_string(j, v, (size_t)row->min, (size_t)row->max, &s);
	return ret ?: sl_json_set_str(j, f, s);
}

/* A CUSTOM row's default: the JSON string def_str, read by its parse. */
static int custom_default(struct sl_json *j, const struct sl_json_row *row, void *base)
{
	json_t *v = json_string(row->def_str);
	int ret;

	if (!v)
		return sl_json_oom(j);
	ret = row->parse(j, row, v, base);
	json_decref(v);
	return ret;
}

/* Every row's default into base. */
static int set_defaults(struct sl_json *j, const struct sl_json_row *rows, void *base)
{
	const struct sl_json_row *row;
	void *f;
	int ret = 0;

	for (row = rows; row->type != SL_JSON_END && !ret; row++) {
		f = sl_json_field(base, row);
		if (is_int_type(row->type))
			store_int(f, row->size, row->def);
		else if (row->type == SL_JSON_BOOL)
			*(bool *)f = row->def;
		else if (row->type == SL_JSON_SECONDS)
			*(uint32_t *)f = (uint32_t)row->def;
		else if (row->type == SL_JSON_OBJECT && !row->given_only)
			ret = set_defaults(j, row->rows, f);
		else if (row->type == SL_JSON_CUSTOM && row->def_str)
			ret = custom_default(j, row, base);
		else if (row->def_str)
			ret = sl_json_set_str(j, f, row->def_str);
	}
	return ret;
}

static const struct sl_json_row *find_row(const struct sl_json_row *rows, const char *key)
{
	for (; rows->type != SL_JSON_END; rows++)
		if (rows->key && !strcmp(rows->key, key))
			return rows;
	return NULL;
}

/* Every key of obj must have a row: a typo must not pass silently. */
static int check_keys(struct sl_json *j, const json_t *obj, const struct sl_json_row *rows)
{
	const struct sl_json_row *row;
	char list[LIST_LEN] = "";
	size_t used = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (find_row(rows, key))
			continue;
		for (row = rows; row->type != SL_JSON_END; row++)
			if (row->key)
				list_add(list, &used, "%s%s", used ? ", " : "", row->key);
		return sl_json_fail_key(j, key, NULL, "unknown field (known: %s)", list);
	}
	return 0;
}

/* One row of a table, its key looked up in obj. */
static int read_row(struct sl_json *j, const struct sl_json_row *row, const json_t *obj,
		    void *base)
{
	const json_t *v;
	size_t saved;
	int ret;

	if (row->type == SL_JSON_CHECK)
		return row->check(j, obj, base);
	if (row->type == SL_JSON_IGNORED)
		return 0;
	v = json_object_get(obj, row->key);
	if (!v)
		return row->required ? sl_json_fail_key(j, row->key, NULL, "required") : 0;
	if (row->has)
		*(bool *)((char *)base + row->has - 1) = true;
	saved = sl_json_push_key(j, row->key);
	ret = sl_json_value(j, row, v, base);
	sl_json_pop(j, saved);
	return ret;
}

int sl_json_value(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base)
{
	void *f = sl_json_field(base, row);

	if (row->parse)
		return row->parse(j, row, v, base);
	switch (row->type) {
	case SL_JSON_STRING:
	case SL_JSON_NAME:
	case SL_JSON_ABS_PATH:
		return read_string(j, row, v, f);
	case SL_JSON_BOOL:
		return sl_json_bool(j, v, f);
	case SL_JSON_SECONDS:
		return sl_json_seconds(j, v, (double)row->max, f);
	case SL_JSON_OBJECT:
		return sl_json_object(j, row, v, base);
	case SL_JSON_ARRAY:
		return sl_json_array(j, row, v, base);
	default:
		return is_int_type(row->type) ? read_int(j, row, v, f) : 0;
	}
}

int sl_json_object(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base)
{
	const struct sl_json_row *r;
	void *obj = sl_json_field(base, row);
	int ret;

	if (!json_is_object(v))
		return sl_json_fail_got(j, v, "%s", row->expect ? row->expect : "must be an object");
	ret = set_defaults(j, row->rows, obj);
	if (!ret && !row->open)
		ret = check_keys(j, v, row->rows);
	for (r = row->rows; r->type != SL_JSON_END && !ret; r++)
		ret = read_row(j, r, v, obj);
	return ret;
}

int sl_json_array(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base)
{
	size_t n = json_array_size(v), i, saved;
	char *arr;
	int ret;

	if (!json_is_array(v))
		return sl_json_fail_got(j, v, "%s", row->expect ? row->expect : "must be an array");
	if (!n)
		return 0;
	arr = calloc(n, row->size);
	if (!arr)
		return sl_json_oom(j);
	memcpy(sl_json_field(base, row), &arr, sizeof(arr));
	memcpy((char *)base + row->count, &n, sizeof(n));
	for (i = 0, ret = 0; i < n && !ret; i++) {
		saved = sl_json_push_index(j, i);
		ret = sl_json_value(j, row->elem, json_array_get(v, i), arr + i * row->size);
		sl_json_pop(j, saved);
	}
	return ret;
}
