// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* log.c: leveled logging to stderr, one line per message, syslog priorities for the journal,
 * and the libbpf print hook. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

static enum sl_log_level log_level = SL_LOG_INFO;
static const char *log_prefix;
static bool to_journal;
static bool libbpf_verbose;
static bool log_time;

static const struct {
	const char *name;
	const char *tag;  /* after the program's name */
	int priority;     /* syslog's */
} levels[] = {
	[SL_LOG_ERR] = { "err", "error: ", 3 },
	[SL_LOG_WARN] = { "warn", "warning: ", 4 },
	[SL_LOG_INFO] = { "info", "", 6 },
	[SL_LOG_DEBUG] = { "debug", "", 7 },
};

void sl_log_set_level(enum sl_log_level level)
{
	log_level = level;
}

enum sl_log_level sl_log_get_level(void)
{
	return log_level;
}

int sl_log_parse_level(const char *name, enum sl_log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (!strcmp(name, levels[i].name)) {
			*out = (enum sl_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* systemd sets JOURNAL_STREAM to stderr's "device:inode" when it is connected to the journal. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st))
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void sl_log_set_time(bool on)
{
	log_time = on;
}

void sl_log_set_prefix(const char *name)
{
	log_prefix = name;
	to_journal = stderr_is_journal();
}

static void vlog(enum sl_log_level level, const char *fmt, va_list ap)
{
	char line[2048], prio[8] = "", stamp[32] = "";
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (to_journal)
		snprintf(prio, sizeof(prio), "<%d>", levels[level].priority);
	if (log_time) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(stamp, sizeof(stamp), "[%lld.%06ld] ", (long long)ts.tv_sec,
			 ts.tv_nsec / 1000);
	}
	if (log_prefix)
		fprintf(stderr, "%s%s%s: %s%s\n", prio, stamp, log_prefix, levels[level].tag, line);
	else
		fprintf(stderr, "%s%s%s%s\n", prio, stamp, levels[level].tag, line);
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
