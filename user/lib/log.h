/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h: leveled logging to stderr (pr_warn/pr_info/pr_debug), and libbpf's own
 * messages routed through it, silenced unless verbose. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stdbool.h>

enum sl_log_level {
	SL_LOG_WARN = 0,
	SL_LOG_INFO = 1,
	SL_LOG_DEBUG = 2,
};

void sl_log_set_level(enum sl_log_level level);
enum sl_log_level sl_log_get_level(void);
/* Prefix every line with "name: " (the program's name). */
void sl_log_set_prefix(const char *name);
void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send libbpf's messages through sl_log: warnings at debug level unless verbose. */
void sl_log_hook_libbpf(bool verbose);

#define pr_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define pr_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

#endif
