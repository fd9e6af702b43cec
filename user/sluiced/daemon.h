/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* daemon.h: sluiced's state and its steps: start (load, adopt, first reconcile), reconcile
 * (registry, config or verdicts changed), reload (SIGHUP), housekeeping; the loop is main.c's. */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

#include <stdbool.h>
#include <time.h>
#include "files/state_file.h"
#include "health/monitor.h"
#include "inputs/config.h"
#include "inputs/ns_sources.h"
#include "kernel/dataplane.h"
#include "kernel/sockterm.h"
#include "model/model.h"
#include "model/unmatched.h"
#include "names/names.h"
#include "sluiced/rules.h"

/* Reconcile durations (seconds), the buckets of sluice_reconcile_duration_seconds. */
#define SL_RECONCILE_BUCKETS 10
extern const double sl_reconcile_bounds[SL_RECONCILE_BUCKETS];

/* What the daemon counts of its own work, for the metrics. */
struct sl_daemon_counters {
	uint64_t reconciles, reconcile_failures, map_writes;
	uint64_t duration_cumulative[SL_RECONCILE_BUCKETS]; /* reconciles at most that long */
	double duration_sum;
};

struct sl_daemon {
	char *config_path;
	struct sl_config cfg; /* the last good config */
	struct sl_ns_sources sources; /* each namespace's registry: its sources, merged */
	struct sl_dataplane dp;
	struct sl_model current; /* what the maps hold */
	struct sl_state state;   /* VIPs, as saved in the state file */
	struct sl_id_alloc service_ids, backend_ids;
	struct sl_monitor *monitor;   /* active checks and ejections: verdicts by backend id */
	struct sl_sockterm *sockterm; /* destroys sockets left on departed backends */
	struct sl_names *names;       /* DNS answerers in the tasks' network namespaces */
	bool dirty; /* the maps are not what they should be: reconcile at the next tick */
	bool reconciled; /* the maps hold what the config and the registry say */
	bool ready_due;  /* READY=1 is owed to systemd (at start, after a reload) */
	char reload_error[sizeof(((struct sl_err *)0)->msg)];
	struct sl_rules *rules;     /* the config's attach rules at work; NULL: none */
	bool rules_failed;          /* they could not be set to work (said) */
	unsigned rules_generation;  /* changes whenever rules does: the loop's fd follows */
	struct sl_registrar *registrar; /* "registration" at work; NULL: none */
	unsigned registrar_generation;  /* changes whenever registrar does */
	char **cgroup_errors;       /* by index in cfg.cgroups: why it is not attached, or NULL */
	size_t ncgroup_errors;
	struct sl_unmatched *unmatched; /* registry instances no service takes (names copied) */
	size_t nunmatched;
	time_t started;
	struct sl_daemon_counters counters;
	struct sl_metrics *metrics; /* the HTTP endpoint, NULL when "metrics": false */
	char *metrics_listen;       /* where it serves (what the config said when opened) */
	bool metrics_failed;        /* the config asks for it and it could not be opened */
	unsigned metrics_generation; /* changes whenever metrics does: the loop's fd follows */
	char *status_last;   /* the status file's content as last written, "updated" aside */
	bool status_failing; /* writing it failed (said once) */ /* why the last reload was refused; empty when it was not */
	bool hold;  /* adopted maps, registry files unreadable at start: change nothing
		     * until every file parses (their last good content is only in the maps) */
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
/* One of the registry sources' fds (sl_sources_fds) is readable: reconcile when the merged
 * instances changed (or while held). */
void sl_daemon_registry_ready(struct sl_daemon *d, int fd);
/* The attach rules' watcher fd is readable: tasks found and gone. */
void sl_daemon_rules_ready(struct sl_daemon *d);
/* Periodic: drop links of cgroups that are gone, retry a failed reconcile, follow a registry
 * path that cannot be read, the monitor's periodic work (and a reconcile when it changed a
 * verdict). True when the daemon must exit (its data plane is gone under it). */
bool sl_daemon_tick(struct sl_daemon *d);
/* Serve metrics where the config says (or stop): a failure is said and shown as degraded. */
void sl_daemon_sync_metrics(struct sl_daemon *d);
/* Ready: the maps hold what the config and the registry say (not held, nothing failed). */
bool sl_daemon_ready(const struct sl_daemon *d);
/* Something is not as configured: the registry cannot be read whole, a cgroup is not attached,
 * a reload was refused, metrics are not served (sluicectl status lists them). */
bool sl_daemon_degraded(const struct sl_daemon *d);
/* One line for systemd's STATUS= and the log: what is served, and what is degraded. */
void sl_daemon_status_line(const struct sl_daemon *d, char *buf, size_t len);
/* Close everything; pinned maps, programs and links stay and keep serving. */
void sl_daemon_stop(struct sl_daemon *d);

#endif
