/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* daemon.h: sluiced's state and its steps: start (load, adopt, first reconcile), reconcile
 * (registry or config changed), reload (SIGHUP), housekeeping; the event loop is in sluiced.c. */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

#include <stdbool.h>
#include "inputs/config.h"
#include "kernel/dataplane.h"
#include "health/checker.h"
#include "model/model.h"
#include "health/outlier.h"
#include "inputs/registry_file.h"
#include "kernel/sockterm.h"
#include "files/state_file.h"

struct ring_buffer;

struct sl_daemon {
	char *config_path;
	struct sl_config cfg; /* the last good config */
	struct sl_registry_file *registry;
	struct sl_dataplane dp;
	struct sl_model current; /* what the maps hold */
	struct sl_state state;   /* VIPs, as saved in the state file */
	struct sl_id_alloc service_ids, backend_ids;
	bool dirty; /* the last reconcile did not complete: retry */
	bool hold;  /* adopted maps, registry files unreadable at start: change nothing
		     * until every file parses (their last good content is only in the maps) */
	/* Health (daemon_health.c) */
	struct sl_checker *checker;       /* active health checks */
	struct ring_buffer *events;       /* health_events: ejections by the data plane */
	struct sl_sockterm *sockterm;     /* destroys sockets left on departed backends */
	int eject_timer;                  /* fires when the next ejection is up */
	struct sl_outlier_state *outliers; /* by backend id, limits.backends of them */
	uint32_t noutliers;
	bool health_changed;              /* a check changed its verdict: reconcile */
	uint8_t *start_state;             /* by backend id: state in the maps sluiced adopted */
};

/* Load the config, the state file and the data plane (adopting pinned maps and links),
 * read the registry, reconcile once, write the hosts file, attach the config's cgroups.
 * Errors here are fatal (the pinned data plane, if any, keeps serving). */
int sl_daemon_start(struct sl_daemon *d, const char *config_path, struct sl_err *err);
/* Bring the maps and the hosts file in line with the config and the registry. Bad input
 * is reported and changes nothing. 0, or negative when something could not be applied. */
int sl_daemon_reconcile(struct sl_daemon *d);
/* Re-read the config (SIGHUP); a bad one is reported and the last good one kept. */
int sl_daemon_reload(struct sl_daemon *d);
/* Re-read the registry when its watch fired (events drained by the caller). */
int sl_daemon_registry_changed(struct sl_daemon *d);
/* Periodic: drop links of cgroups that are gone, retry a failed reconcile. */
void sl_daemon_tick(struct sl_daemon *d);
/* Close everything; pinned maps, programs and links stay and keep serving. */
void sl_daemon_stop(struct sl_daemon *d);

/* Health (daemon_health.c). Set up checks, the event ring and socket termination. */
int sl_daemon_health_start(struct sl_daemon *d, struct sl_err *err);
void sl_daemon_health_stop(struct sl_daemon *d);
/* The fds the event loop watches for health (-1 for none): checker, events, timer. */
void sl_daemon_health_fds(const struct sl_daemon *d, int fds[3]);
/* One of those fds is readable. */
void sl_daemon_health_dispatch(struct sl_daemon *d, int fd);
/* sl_health_fn for the model build: what checks and ejections say of a backend id. */
uint8_t sl_daemon_backend_health(const void *d, uint32_t backend_id);
/* The maps now hold "now" in place of "old": update the backends' flags, destroy sockets
 * left on backends that stopped serving, give the checker its new targets. */
void sl_daemon_health_applied(struct sl_daemon *d, const struct sl_model *old,
			      const struct sl_model *now);
/* Periodic: ejections the ring did not report (full, or before this sluiced started). */
void sl_daemon_health_tick(struct sl_daemon *d);

#endif
