/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics_render.h: the text of /metrics (Prometheus exposition format 0.0.4) from the
 * daemon's state and the data plane's counters, read when a scrape asks. */
#ifndef SL_METRICS_RENDER_H
#define SL_METRICS_RENDER_H

#include "sluiced/daemon.h"

/* The whole text (malloc'd), or NULL when out of memory. */
char *sl_metrics_render(const struct sl_daemon *d);

#endif
