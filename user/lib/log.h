/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h: leveled logging to stderr (pr_err, pr_warn, pr_info, pr_debug), with syslog priority
 * prefixes when stderr is the journal, and libbpf's own messages routed through it. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stdbool.h>

enum sl_log_level {
	SL_LOG_ERR = 0,   /* something failed or was refused: "error: " */
	SL_LOG_WARN = 1,  /* works, but not as configured or not fully: "warning: " */
	SL_LOG_INFO = 2,  /* what changed */
	SL_LOG_DEBUG = 3, /* what was looked at */
};

void sl_log_set_level(enum sl_log_level level);
enum sl_log_level sl_log_get_level(void);
/* "err", "warn", "info" or "debug": 0, or -EINVAL. */
int sl_log_parse_level(const char *name, enum sl_log_level *out);
/* Prefix every line with "name: " (the program's name). When stderr is the journal
 * (JOURNAL_STREAM names it), lines also start with their syslog priority ("<3>"), so that
 * journalctl -p err shows the errors. */
void sl_log_set_prefix(const char *name);
/* Start every line (after the priority) with CLOCK_MONOTONIC seconds, "[12.345678] ", as the
 * kernel's log does, to line it up with what other programs saw when. */
void sl_log_set_time(bool on);
void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send libbpf's messages through sl_log: warnings at debug level unless verbose. */
void sl_log_hook_libbpf(bool verbose);

#define pr_err(...) sl_log(SL_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define pr_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

#endif
