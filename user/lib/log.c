// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* log.c: leveled logging to stderr, one line per message, and the libbpf print hook. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

static enum sl_log_level log_level = SL_LOG_INFO;
static const char *log_prefix;
static bool libbpf_verbose;

void sl_log_set_level(enum sl_log_level level)
{
	log_level = level;
}

enum sl_log_level sl_log_get_level(void)
{
	return log_level;
}

void sl_log_set_prefix(const char *name)
{
	log_prefix = name;
}

static void vlog(enum sl_log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (log_prefix)
		fprintf(stderr, "%s: %s%s\n", log_prefix, level == SL_LOG_WARN ? "error: " : "",
			line);
	else
		fprintf(stderr, "%s\n", line);
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!libbpf_verbose && level != LIBBPF_WARN)
		return 0;
	vlog(libbpf_verbose ? SL_LOG_INFO : SL_LOG_DEBUG, fmt, ap);
	return 0;
}

void sl_log_hook_libbpf(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}
