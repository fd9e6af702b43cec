/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* metrics.h: sluiced's HTTP endpoint (libmicrohttpd, a thread of its own): /metrics in
 * Prometheus' text format, rendered by the event loop when asked; /healthz and /readyz. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stdbool.h>
#include "lib/err.h"

struct sl_metrics;

/* Serve on listen ("ADDR:PORT", "[IPV6]:PORT"). */
int sl_metrics_open(struct sl_metrics **out, const char *listen, struct sl_err *err);
void sl_metrics_free(struct sl_metrics *m);
/* Readable when a scrape waits for a fresh text: the loop renders it and calls
 * sl_metrics_answer. */
int sl_metrics_fd(const struct sl_metrics *m);
/* Take the request (drain the fd); true when a render is wanted. */
bool sl_metrics_wanted(struct sl_metrics *m);
/* The text for the scrapes waiting (taken; NULL: out of memory, they get 503). */
void sl_metrics_answer(struct sl_metrics *m, char *text);
/* From the loop, every turn: it lives (/healthz) and whether it is ready with nothing
 * degraded (/readyz). */
void sl_metrics_beat(struct sl_metrics *m, bool ready);

#endif
