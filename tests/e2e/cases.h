/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cases.h: a row of the case table (what a case needs set up before it runs), the table
 * itself (cases.c), the runner of one row (runner.c) and the case functions it lists. */
#ifndef E2E_CASES_H
#define E2E_CASES_H

#include "harness.h"

/* The daemon a case runs against. */
enum daemon_need {
	SHARED_DAEMON, /* the shared one, on the base config and registry (the default); it is
			* started for the first case that wants it and kept while the cases
			* after it want it too and pass */
	OWN_DAEMON,    /* one started for the case, on a fresh data plane, with the base config
			* and registry plus the row's; after the case it must exit 0 on SIGTERM
			* (if it still runs), and the data plane goes with it */
	KILLED_DAEMON, /* as OWN_DAEMON, but killed with SIGKILL before the case: the case
			* gets a data plane whose daemon is gone */
};

/* t_route's parameters: a request to alias and the backend that must answer it. */
struct route {
	enum op op;
	int family;
	const char *alias;
	bool v6vip, mapped;
	int port;
	const char *backend;
};

#define CASE_INSTANCES 4
#define CASE_POOL 6

/* One case. Config text and instances are written as harness.h says (inputs). A row that
 * adds config or registry content needs a daemon of its own (OWN_DAEMON or KILLED_DAEMON). */
struct e2e_case {
	const char *name;
	void (*fn)(void);
	enum daemon_need daemon;
	const char *services; /* config: services added to the base ones ("{...}, {...}") */
	const char *fields;   /* config: top-level members added or replaced ("{...}") */
	const char *instances[CASE_INSTANCES]; /* registry: instances added to the base ones */
	const char *pool[CASE_POOL]; /* pool servers listening during the case */
	struct route route;   /* t_route's */
	int (*before)(void);  /* run before the case's daemon starts (a server it asks): 0 or
			       * the setup fails */
	void (*after)(void);  /* run after the case, whatever became of it */
};

extern const struct e2e_case cases[];
extern const size_t ncases;
/* The case running now (its row: what inputs.c adds, what t_route reads). */
extern const struct e2e_case *current_case;

/* inputs.c: the "statusFile" the config names (<dir>/status.json). */
const char *status_file(void);

/* Set up what the row needs, run the case, restore the shared state. True when it passed
 * (prints "ok - NAME" or "not ok - NAME"). */
bool run_case(const struct e2e_case *c);

/* e2e_routing.c */
void t_hosts_file(void);
void t_route(void);
void t_weighted_split(void);
void t_outside_cgroup(void);
void t_no_backends(void);
void t_counters(void);
void t_reverse_entries_released(void);

/* e2e_names.c */
int names_before(void);
void names_after(void);
int names_netns_before(void);
void t_names_dns(void);
void t_names_netns(void);
void t_names_two_namespaces(void);

/* e2e_lifecycle.c */
extern const char extra_service[];
void t_registry_change(void);
void t_bad_registry(void);
void t_bad_config_reload(void);
void t_reload_adds_service(void);
void t_stale_reverse_entry(void);
void t_ctl_cgroups(void);
void t_sigkill_keeps_serving(void);
void t_restart_under_load(void);
void t_teardown(void);

/* e2e_ctl.c */
void t_ctl_usage(void);
void t_ctl_config(void);
void t_ctl_status_file(void);
void t_ctl_status_daemon(void);
void t_ctl_teardown_refused(void);

/* e2e_limits.c */
void t_connect_timeout(void);
void t_max_connections(void);
/* e2e_top.c */
void t_ctl_top(void);
/* e2e_namespaces.c */
void t_two_namespaces(void);
void t_two_namespaces_after(void);

/* e2e_tasks.c */
void t_attach_rule(void);
void t_attach_rule_after(void);

/* e2e_metrics.c */
void t_metrics_scraped(void);

/* e2e_rails.c */
void t_hold_lifts(void);
void t_registry_path_followed(void);
void t_second_daemon_refused(void);
void t_second_dataplane_refused(void);
void t_nobody_changes_nothing(void);
void t_planted_dirs_refused(void);
void t_check_touches_nothing(void);
void t_failed_attach_heals(void);
void t_hostile_bpffs_refused(void);
void t_planted_symlink_refused(void);
void t_torn_down_under_daemon(void);

/* e2e_health.c */
void t_passive(void);
void t_ejection_survives_readd(void);
void t_ejection_cap(void);
void t_active_tcp(void);
void t_check_state_survives_restart(void);
void t_active_http(void);
void t_panic(void);
void t_all_unhealthy(void);
void t_round_robin(void);
void t_least_request(void);
void t_affinity(void);
void t_terminate_udp(void);
void t_terminate_tcp(void);

/* e2e_dns.c: a Knot DNS server in the test's network namespace, changed as Route 53 is when
 * tasks start and stop (dynamic updates) */
int dns_server_start(void);
void dns_server_stop(void);
void t_dns_tasks(void);
void t_dns_server_down(void);
void t_dns_subsets(void);
void t_dns_reload(void);

/* e2e_etcd.c: a three-member etcd cluster in the test's network namespace, its keys put and
 * deleted with etcdctl */
int etcd_cluster_start(void);
void etcd_cluster_stop(void);
void t_etcd_watch(void);
void t_etcd_members(void);
void t_etcd_compaction(void);
int etcd_registration_start(void);
void t_etcd_registration(void);

/* e2e_tenant.c */
void t_tenant_attack(void);
void t_two_clients(void);

/* e2e_cloudmap.c: the Cloud Map API source against the suite's stand-in for AWS. */
int cloudmap_start_env(void);
int cloudmap_start_imds(void);
int cloudmap_start_ecs(void);
void cloudmap_stop(void);
void t_cm_instances(void);
void t_cm_failures(void);
void t_cm_imds(void);
void t_cm_ecs(void);
void t_cm_reload(void);

#endif
