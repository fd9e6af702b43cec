/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* err.h: an error message that names what was wrong and where ("file: field: what"),
 * filled by parsers and checkers, printed by whoever called them. */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stddef.h>

struct sl_err {
	char msg[1024];
};

/* Set the message (printf-style). Always returns -EINVAL so callers can `return sl_err_set(...)`. */
int sl_err_set(struct sl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* snprintf for paths: 0, or -ENAMETOOLONG when the result did not fit (buf is then
 * truncated but terminated). */
int sl_pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
