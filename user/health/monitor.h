/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* monitor.h: what sluiced learns of its backends beyond the registry, active checks and the
 * data plane's ejections, kept as one verdict per backend id that the model build reads. */
#ifndef SL_MONITOR_H
#define SL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "health/checker.h"
#include "inputs/config.h"
#include "kernel/health_map.h"
#include "lib/err.h"
#include "model/model.h"

#define SL_MONITOR_NFDS 3 /* the checker, the health_events ring, the ejection timer */

struct sl_monitor;

struct sl_monitor_opts {
	const struct sl_health_map *health; /* backend_health: ejections in, flags out */
	int health_events_fd;               /* the ring the data plane reports ejections on */
	uint32_t nbackends;                 /* ids below limits.backends */
	const struct sl_model *adopted;     /* the maps' model at start: a check that failed
					     * before the restart still fails, until checked */
	sl_check_socket_fn on_socket;       /* each check socket before it connects */
	void *socket_ctx;
};

int sl_monitor_open(struct sl_monitor **out, const struct sl_monitor_opts *o, struct sl_err *err);
void sl_monitor_free(struct sl_monitor *m);

/* The fds the event loop watches (-1 for none); when one is readable, sl_monitor_dispatch. */
void sl_monitor_fds(const struct sl_monitor *m, int fds[SL_MONITOR_NFDS]);
/* Handle what is ready on fd; current is what the maps hold. True when a verdict changed:
 * the caller reconciles. */
bool sl_monitor_dispatch(struct sl_monitor *m, int fd, const struct sl_model *current);
/* Periodic: ejections the ring did not carry (it was full, or they came before this sluiced
 * started), re-admissions that are due. True when a verdict changed. */
bool sl_monitor_tick(struct sl_monitor *m, const struct sl_model *current);
/* The verdicts by backend id (SLUICE_BACKEND_SERVING, _CHECK_FAILED or _EJECTED), for
 * sl_build_input; valid until the next call into the monitor. */
struct sl_verdicts sl_monitor_verdicts(const struct sl_monitor *m);
/* Backends that left while ejected, should they come back under a new id before their
 * ejection ends (sl_build_input.held); valid until the next call into the monitor. */
struct sl_held sl_monitor_held(struct sl_monitor *m);
/* Active checks that passed and failed, and ejections the data plane reported. */
void sl_monitor_totals(const struct sl_monitor *m, uint64_t *check_passes,
		       uint64_t *check_failures, uint64_t *ejections);
/* The maps now hold now instead of old: ids that left forget their ejections, the kernel gets
 * each backend's flags, the checker its targets (cfg's healthCheck of each service). True when
 * a verdict changed on the way (a check that failed before a restart and is no longer
 * configured): the caller reconciles again. */
bool sl_monitor_applied(struct sl_monitor *m, const struct sl_model *old, const struct sl_model *now,
			const struct sl_config *cfg);

#endif
