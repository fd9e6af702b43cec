// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* err.c: filling a struct sl_err. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "lib/err.h"

int sl_err_set(struct sl_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int sl_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
