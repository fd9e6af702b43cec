/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* check.h: `sluiced --check`: the config and the registry it names validated, and what they
 * would serve printed, as nginx -t does; no map, file or cgroup is touched. */
#ifndef SL_CHECK_H
#define SL_CHECK_H

#include <stdio.h>

/* 0 when the config and every registry file are good (what would be served is printed to
 * out), 1 otherwise (each problem said on stderr). */
int sl_check(const char *config_path, FILE *out);

#endif
