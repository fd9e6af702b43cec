/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* json.h: reading jansson documents into structs through tables of rows (a row a field: key,
 * type, offset, range, required, default), every error "origin: a.b[3].c: what, got VALUE". */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

#define SL_JSON_SHOW_LEN 80 /* a bad value is quoted up to this many bytes */

/* One walk through one document. Zero-initialise it, then set origin and err. */
struct sl_json {
	const char *origin; /* the document's name, first in every message */
	struct sl_err *err;
	void *user;         /* the caller's, for its parse and check functions */
	bool quiet;         /* sl_json_load quotes nothing of the text: the document may be
			     * any file a symlink led to, readable by root alone */
	char path[512];     /* of the value at hand: "services[1].clientAliases[0].port" */
	size_t plen;
};

/* ---- the path of the value at hand ---- */

/* Append ".key" (["k e y"], escaped, for a key not of [A-Za-z0-9_]); the old length, for pop. */
size_t sl_json_push_key(struct sl_json *j, const char *key);
/* Append "[i]"; the old length. */
size_t sl_json_push_index(struct sl_json *j, size_t i);
void sl_json_pop(struct sl_json *j, size_t saved);

/* ---- errors: all set j->err and return -EINVAL (sl_json_oom: -ENOMEM) ---- */

/* v as compact JSON in buf, cut at a UTF-8 boundary and ended "..." past len - 1 bytes;
 * reals to 15 digits (0.3, not 0.29999999999999999). Returns buf. */
const char *sl_json_show(const json_t *v, char *buf, size_t len);
/* "origin: path: what" ("origin: what" at the document itself). */
int sl_json_fail(struct sl_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, then ", got VALUE" (sl_json_show). */
int sl_json_fail_got(struct sl_json *j, const json_t *got, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* sl_json_fail_got (got may be NULL: sl_json_fail) at path.key. */
int sl_json_fail_key(struct sl_json *j, const char *key, const json_t *got, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sl_json_oom(struct sl_json *j);

/* Parse len bytes of text (NULs refused, duplicate keys too) into *root, a JSON object; the
 * caller json_decref()s it. Errors: "origin:line:column: what" for the syntax, else as above. */
int sl_json_load(struct sl_json *j, const char *text, size_t len, json_t **root);

/* ---- values: each checks v (at j's path) and on success fills *out ---- */

/* A JSON string that is one of names (ended by a NULL name) stands for its value. */
struct sl_json_enum {
	const char *name;
	int value;
};

/* Replace *out (NULL or allocated) with a copy of s. */
int sl_json_set_str(struct sl_json *j, char **out, const char *s);
int sl_json_bool(struct sl_json *j, const json_t *v, bool *out);
/* An integer from min to max. */
int sl_json_int(struct sl_json *j, const json_t *v, json_int_t min, json_int_t max,
		json_int_t *out);
/* The same, also written as a string of decimal digits (0 <= min). */
int sl_json_int_text(struct sl_json *j, const json_t *v, json_int_t min, json_int_t max,
		     json_int_t *out);
/* A string; not empty if min > 0; at most max bytes unless max is 0. *out points into v. */
int sl_json_string(struct sl_json *j, const json_t *v, size_t min, size_t max, const char **out);
/* A name: 1 to max of [A-Za-z0-9._-], no '.' or '-' at either end, no "..". */
int sl_json_name(struct sl_json *j, const json_t *v, size_t max, const char **out);
/* A string starting with '/'. */
int sl_json_abs_path(struct sl_json *j, const json_t *v, const char **out);
/* One of names; the message lists them: must be "a", "b" or "c". */
int sl_json_choice(struct sl_json *j, const json_t *v, const struct sl_json_enum *names,
		   int *out);
/* A number of seconds > 0 and at most max, possibly fractional, as milliseconds: rounded to
 * the nearest, at least 1. */
int sl_json_seconds(struct sl_json *j, const json_t *v, double max, uint32_t *ms);

/* ---- tables ---- */

struct sl_json_row;

/* Reads v into base (the struct the row's table fills), in place of the type's reader. */
typedef int (*sl_json_parse_fn)(struct sl_json *j, const struct sl_json_row *row,
				const json_t *v, void *base);
/* Checks (or completes) base after the rows before it; obj is the JSON object read. */
typedef int (*sl_json_check_fn)(struct sl_json *j, const json_t *obj, void *base);

enum sl_json_type {
	SL_JSON_END = 0,  /* ends a table */
	SL_JSON_STRING,   /* char *: sl_json_string(min, max) */
	SL_JSON_NAME,     /* char *: sl_json_name(max) */
	SL_JSON_ABS_PATH, /* char *: sl_json_abs_path */
	SL_JSON_BOOL,     /* bool */
	SL_JSON_INT,      /* an unsigned integer of size bytes: min to max */
	SL_JSON_INT_TEXT, /* the same, also as a string of digits (sl_json_int_text) */
	SL_JSON_PORT,     /* an integer of size bytes: 1 to 65535 */
	SL_JSON_PERCENT,  /* an integer of size bytes: 0 to 100 */
	SL_JSON_CHOICE,   /* an integer of size bytes: the value of one of names */
	SL_JSON_SECONDS,  /* uint32_t milliseconds: sl_json_seconds(max) */
	SL_JSON_OBJECT,   /* the struct at off, filled by rows; unknown keys refused unless open */
	SL_JSON_ARRAY,    /* a pointer at off to a new array, its size_t length at count, each
			   * element (size bytes) read by elem at its offset 0 */
	SL_JSON_CUSTOM,   /* parse reads it */
	SL_JSON_IGNORED,  /* a known key, not read */
	SL_JSON_CHECK,    /* no key: check runs here, after the rows before it */
};

/* A field. Offsets are into the struct the table fills (the "base"). Rows are read in order;
 * before that, every row's default is set (recursing into objects that are not given_only). */
struct sl_json_row {
	const char *key;
	enum sl_json_type type;
	size_t off;
	size_t size;            /* of an integer field; of an ARRAY's element */
	size_t count;           /* ARRAY: offset of its length */
	size_t has;             /* 0, or SL_JSON_HAS: a bool set true when the key is given */
	bool required;
	bool open;              /* OBJECT: keys without a row pass */
	bool given_only;        /* OBJECT: its defaults are set only when it is given */
	json_int_t min, max;    /* INT, INT_TEXT: range; STRING, NAME: lengths; SECONDS: max */
	json_int_t def;         /* default of BOOL, integers, CHOICE, SECONDS (milliseconds) */
	const char *def_str;    /* default of strings; CUSTOM: a JSON string its parse reads */
	const struct sl_json_enum *names; /* CHOICE */
	const struct sl_json_row *rows;   /* OBJECT: its table */
	const struct sl_json_row *elem;   /* ARRAY: its elements */
	const char *expect;     /* OBJECT, ARRAY: the message for another type */
	sl_json_parse_fn parse; /* CUSTOM; any other type: read in place of the type's reader */
	sl_json_check_fn check; /* CHECK */
};

/* The offset and size of a field of T; of a bool of T for has. */
#define SL_JSON_AT(T, f) .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define SL_JSON_HAS(T, f) (offsetof(T, f) + 1)
/* An ARRAY's pointer and length fields. */
#define SL_JSON_ARRAY_AT(T, f, n) \
	.off = offsetof(T, f), .size = sizeof(*((T *)0)->f), .count = offsetof(T, n)

/* The field row describes in base. */
static inline void *sl_json_field(void *base, const struct sl_json_row *row)
{
	return (char *)base + row->off;
}

/* Read v per row (its key already on the path) into base. */
int sl_json_value(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base);
/* The OBJECT reader: v must be an object (else row->expect); defaults, then row->rows. */
int sl_json_object(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base);
/* The ARRAY reader: v must be an array (else row->expect); empty leaves the pointer NULL. The
 * length is set before the elements are read, so a partly read array frees as a whole. */
int sl_json_array(struct sl_json *j, const struct sl_json_row *row, const json_t *v, void *base);

#endif
