// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cases.c: the end-to-end cases, one row each, in the order a full run takes: what each
 * needs (daemon, services, instances, pool servers) on top of the base inputs (inputs.c). */
#include "cases.h"

/* Services and instances two cases share. */
#define PAS_SERVICE                                                                      \
	"{'discoveryName': 'pas', 'panicThresholdPercent': 0, 'clientAliases': [{'port': 80}]," \
	" 'outlierDetection': {'consecutiveFailures': 3, 'baseEjectionSeconds': 1,"            \
	"                      'maxEjectionSeconds': 2}}"
#define PAS_INSTANCES "p1 pas H1", "p2 pas H2"
#define ACT_SERVICE                                                                      \
	"{'discoveryName': 'act', 'panicThresholdPercent': 0, 'clientAliases': [{'port': 80}]," \
	" 'outlierDetection': false,"                                                           \
	" 'healthCheck': {'protocol': 'tcp', 'intervalSeconds': 0.2, 'timeoutSeconds': 0.1,"   \
	"                 'unhealthyThreshold': 2, 'healthyThreshold': 2}}"
#define ACT_INSTANCES "a1 act H3", "a2 act H4"
#define MOVING_SERVICE "{'discoveryName': 'moving', 'clientAliases': [{'port': 80}]}"
#define TEN_SERVICE                                                                      \
	"{'discoveryName': 'ten', 'panicThresholdPercent': 0, 'clientAliases': [{'port': 80}]," \
	" 'outlierDetection': {'consecutiveFailures': 3, 'baseEjectionSeconds': 30}}"
#define TEN_INSTANCES "q1 ten H1", "q2 ten H2"
/* The DNS source: Knot on 127.0.0.53 in the test's namespace (e2e_dns.c), asked every second. */
#define DNS_REGISTRY                                                                     \
	"{'registry': {'dns': {'servers': ['127.0.0.53'], 'refreshSeconds': 1,"           \
	"                      'timeoutSeconds': 0.5}}}"
/* The Cloud Map API source: the stand-in on 127.0.0.60:8780 (e2e_cloudmap.c), polled every
 * second, a full fetch every 3. */
#define CM_REGISTRY                                                                      \
	"{'registry': {'cloudMap': {'region': 'us-east-1', 'namespace': 'e2e',"             \
	"  'endpoint': 'http://127.0.0.60:8780', 'pollSeconds': 1, 'fullSeconds': 3,"       \
	"  'timeoutSeconds': 1}}}"
#define DNS_ORDERS "{'discoveryName': 'orders', 'clientAliases': [{'port': 80}]}"
/* The etcd source: three members on 127.0.0.41-43 (e2e_etcd.c); ETCD_ONE: the first alone. */
#define ETCD_REGISTRY                                                                    \
	"{'registry': {'etcd': {'endpoints': ['http://127.0.0.41:2379', 'http://127.0.0.42:2379'," \
	"                                     'http://127.0.0.43:2379'], 'timeoutSeconds': 0.5}}}"
#define ETCD_ONE                                                                         \
	"{'registry': {'etcd': {'endpoints': ['http://127.0.0.41:2379'], 'timeoutSeconds': 0.5}}}"

const struct e2e_case cases[] = {
	{ .name = "hosts file maps every alias to its VIP", .fn = t_hosts_file },
	{ .name = "tcp4 connect to VIP", .fn = t_route,
	  .route = { OP_TCP, AF_INET, "web", false, false, 80, "B1" } },
	{ .name = "tcp6 connect to IPv6 VIP, IPv6 backend", .fn = t_route,
	  .route = { OP_TCP, AF_INET6, "web6", true, false, 80, "B6" } },
	{ .name = "tcp6 connect to IPv6 VIP, IPv4 backend as v4-mapped", .fn = t_route,
	  .route = { OP_TCP, AF_INET6, "web", true, false, 80, "B1" } },
	{ .name = "tcp6 connect to v4-mapped VIP (dual-stack)", .fn = t_route,
	  .route = { OP_TCP, AF_INET6, "web", false, true, 80, "B1" } },
	{ .name = "udp4 connected", .fn = t_route,
	  .route = { OP_UDPC, AF_INET, "dns", false, false, 53, "B2" } },
	{ .name = "udp4 unconnected", .fn = t_route,
	  .route = { OP_UDPU, AF_INET, "dns", false, false, 53, "B2" } },
	{ .name = "udp6 connected", .fn = t_route,
	  .route = { OP_UDPC, AF_INET6, "web6", true, false, 80, "B6" } },
	{ .name = "udp6 unconnected to IPv6 VIP", .fn = t_route,
	  .route = { OP_UDPU, AF_INET6, "web6", true, false, 80, "B6" } },
	{ .name = "udp6 unconnected to v4-mapped VIP", .fn = t_route,
	  .route = { OP_UDPU, AF_INET6, "dns", false, true, 53, "B2" } },
	{ .name = "weighted split: connects 1:3", .fn = t_weighted_split },
	{ .name = "a process outside the cgroup is untouched", .fn = t_outside_cgroup },
	{
		/* a data plane of its own: the refusal counter starts at 0 */
		.name = "no serving backend: ECONNREFUSED, counted",
		.fn = t_no_backends,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'dead', 'protocol': 'both', "
			    "'panicThresholdPercent': 0, 'clientAliases': [{'port': 80}]}",
		.instances = { "x1 dead B5 UNHEALTHY" },
	},
	{
		.name = "metrics: promtool passes /metrics; a real Prometheus scrapes the connects",
		.fn = t_metrics_scraped,
		.daemon = OWN_DAEMON,
		/* H11 does not listen: its connects are refused */
		.services = "{'discoveryName': 'mdead', 'panicThresholdPercent': 0,"
			    " 'outlierDetection': false, 'clientAliases': [{'port': 80}]}",
		.instances = { "x1 mdead H11" },
	},
	{ .name = "per-backend connect counters", .fn = t_counters },
	{ .name = "TCP reverse entries leave with their sockets", .fn = t_reverse_entries_released },
	{
		.name = "a registry change reaches the maps, incrementally",
		.fn = t_registry_change,
		.daemon = OWN_DAEMON,
		.services = MOVING_SERVICE,
		.instances = { "m1 moving B5" },
	},
	{
		.name = "bad registry content keeps the last good state",
		.fn = t_bad_registry,
		.daemon = OWN_DAEMON,
		.services = MOVING_SERVICE,
		.instances = { "m1 moving B3" },
	},
	{
		.name = "a bad config on SIGHUP keeps the last good one",
		.fn = t_bad_config_reload,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "SIGHUP adds a service; hosts file rewritten in place",
		.fn = t_reload_adds_service,
		.daemon = OWN_DAEMON,
		.instances = { "e1 extra B2" }, /* for when the case adds extra */
	},
	{
		.name = "a reverse entry of a removed service is dropped",
		.fn = t_stale_reverse_entry,
		.daemon = OWN_DAEMON,
		.services = extra_service,
		.instances = { "e1 extra B2" },
	},
	{
		.name = "sluicectl attach/attached/detach, task entries and --namespace; root refused; an attached cgroup that is no task untouched",
		.fn = t_ctl_cgroups,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "names: a task's DNS (glibc, musl, kdig, python; UDP and TCP; A, AAAA, NODATA) "
			"answers its aliases, its own server answers the rest (a 1,250-byte "
			"answer, truncation and the retry over TCP)",
		.fn = t_names_dns,
		.daemon = OWN_DAEMON,
		.services = DNS_ORDERS,
		.before = names_before,
		.after = names_after,
	},
	{
		.name = "names: a task in a network namespace of its own; an alias added while it "
			"runs answers at once; SIGKILL of sluiced: its DNS goes to its own server "
			"again",
		.fn = t_names_netns,
		.daemon = OWN_DAEMON,
		.services = DNS_ORDERS,
		.before = names_netns_before,
		.after = names_after,
	},
	{
		.name = "names: two namespaces' tasks each get their own namespace's aliases; "
			"names.dns off for one leaves its DNS alone",
		.fn = t_names_two_namespaces,
		.daemon = OWN_DAEMON,
		.services = DNS_ORDERS,
		.before = names_before,
		.after = names_after,
	},
	{
		.name = "two namespaces, one alias and VIP: each task reaches its own namespace's "
			"backends only; a task moved by a reload; a hosts file each",
		.fn = t_two_namespaces,
		.daemon = OWN_DAEMON,
		.after = t_two_namespaces_after,
	},
	{
		.name = "attach rule: a directory made after it, tasks found (their containers too) "
			"and forgotten, a client from its task's first moment, a restart with tasks, "
			"the rule taken away",
		.fn = t_attach_rule,
		.daemon = OWN_DAEMON,
		.after = t_attach_rule_after,
	},
	{
		.name = "sluicectl top: the rates of connects made while it samples (completed, "
			"refused, held open), as JSON; text to a pipe; the live view on a terminal",
		.fn = t_ctl_top,
		.daemon = OWN_DAEMON,
		/* H10 does not listen: its connects are refused */
		.services = "{'discoveryName': 'topweb', 'clientAliases': [{'port': 80}]},"
			    "{'discoveryName': 'topdead', 'panicThresholdPercent': 0,"
			    " 'outlierDetection': false, 'clientAliases': [{'port': 80}]}",
		.instances = { "t1 topweb H9", "x1 topdead H10" },
		.pool = { "H9" },
	},
	{ .name = "sluicectl usage errors: one line, exit 2; --json errors as JSON",
	  .fn = t_ctl_usage },
	{ .name = "sluicectl takes the bpffs from --config", .fn = t_ctl_config },
	{ .name = "sluicectl status reads a status file: ready, degraded first, --json, stale, "
		  "none",
	  .fn = t_ctl_status_file },
	{
		.name = "sluicectl status: sluiced's pid and ready; after SIGTERM, no sluiced",
		.fn = t_ctl_status_daemon,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "sluicectl teardown: refused while sluiced serves, done with --force",
		.fn = t_ctl_teardown_refused,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "held at a restart with a file that never parsed; the hold lifts when it goes",
		.fn = t_hold_lifts,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'hold', 'clientAliases': [{'port': 80}]}",
		.instances = { "h1 hold B3", "h2 hold B5" },
	},
	{
		.name = "a registry path missing, deleted, a FIFO, a directory, moved and made again",
		.fn = t_registry_path_followed,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'follow', 'clientAliases': [{'port': 80}]}",
		.instances = { "f1 follow B1" },
	},
	{ .name = "a second sluiced on the same bpffs is refused", .fn = t_second_daemon_refused },
	{ .name = "a second sluiced with a bpffs of its own on the same cgroup is refused",
	  .fn = t_second_dataplane_refused },
	{
		.name = "nobody, in the attached cgroup or not, in a user namespace or not: every "
			"try at the pins, maps, sluiced, its files and the cgroup is refused, and "
			"a connect flood changes nothing for other tasks",
		.fn = t_nobody_changes_nothing,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "directories nobody made or may write, where sluiced would write its "
			"files or make their directories, are refused, not followed",
		.fn = t_planted_dirs_refused,
		.daemon = OWN_DAEMON,
	},
	{ .name = "sluiced --check validates and touches nothing", .fn = t_check_touches_nothing },
	{
		.name = "a configured cgroup that is missing is said and attached when it appears",
		.fn = t_failed_attach_heals,
		.daemon = OWN_DAEMON,
	},
	{ .name = "a bpffs dir someone else owns, or anyone may write, is refused",
	  .fn = t_hostile_bpffs_refused },
	{
		.name = "a symlink planted at the hosts file is not written through",
		.fn = t_planted_symlink_refused,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "a data plane torn down under sluiced: it says so and exits",
		.fn = t_torn_down_under_daemon,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "dns: SRV tasks started and stopped are served and gone within a refresh; "
			"targets asked; an A-record service; NXDOMAIN refuses",
		.fn = t_dns_tasks,
		.daemon = OWN_DAEMON,
		.fields = DNS_REGISTRY,
		.services = DNS_ORDERS ", {'discoveryName': 'st', 'port': 9100, 'dns': {'type': 'A'},"
			    " 'clientAliases': [{'port': 80}]},"
			    " {'discoveryName': 'ext', 'clientAliases': [{'port': 80}]}",
		.pool = { "H1", "H2", "H3", "H4", "H5", "H6" },
		.before = dns_server_start,
		.after = dns_server_stop,
	},
	{
		.name = "dns: a server that times out, then dies: the last good set serves, the "
			"status says since when and why, each cause said once",
		.fn = t_dns_server_down,
		.daemon = OWN_DAEMON,
		.fields = DNS_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2" },
		.before = dns_server_start,
		.after = dns_server_stop,
	},
	{
		.name = "dns: a 20-record service answered 8 records at a time stays whole",
		.fn = t_dns_subsets,
		.daemon = OWN_DAEMON,
		.fields = DNS_REGISTRY,
		.services = "{'discoveryName': 'many', 'clientAliases': [{'port': 80}]}",
		.before = dns_server_start,
		.after = dns_server_stop,
	},
	{
		.name = "dns: a reload that adds a service keeps the source and asks its name; one "
			"removed is forgotten",
		.fn = t_dns_reload,
		.daemon = OWN_DAEMON,
		.fields = DNS_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H5" },
		.before = dns_server_start,
		.after = dns_server_stop,
	},
	{
		.name = "etcd: instances put and deleted are served and gone within milliseconds; a "
			"bad value or key is refused naming the key and changes nothing",
		.fn = t_etcd_watch,
		.daemon = OWN_DAEMON,
		.fields = ETCD_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3", "H4", "H5" },
		.before = etcd_cluster_start,
		.after = etcd_cluster_stop,
	},
	{
		.name = "etcd: a member killed changes nothing; every member down, the last state "
			"serves and the status says since when; back, changes arrive",
		.fn = t_etcd_members,
		.daemon = OWN_DAEMON,
		.fields = ETCD_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3" },
		.before = etcd_cluster_start,
		.after = etcd_cluster_stop,
	},
	{
		.name = "etcd: this host's instances published under a lease, changed and removed "
			"with the file, put again under a new lease when it is revoked, gone "
			"within the TTL of a killed sluiced",
		.fn = t_etcd_registration,
		.daemon = OWN_DAEMON,
		.fields = "{'registry': {'etcd': {'endpoints': ['http://127.0.0.41:2379', "
			  "'http://127.0.0.42:2379', 'http://127.0.0.43:2379'], "
			  "'timeoutSeconds': 0.5}}, 'registration': {'path': 'registration', "
			  "'ttlSeconds': 2}}",
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3", "H4" },
		.before = etcd_registration_start,
		.after = etcd_cluster_stop,
	},
	{
		.name = "etcd: a compacted revision re-lists; sluiced restarts with no failed connect",
		.fn = t_etcd_compaction,
		.daemon = OWN_DAEMON,
		.fields = ETCD_ONE,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3", "H4" },
		.before = etcd_cluster_start,
		.after = etcd_cluster_stop,
	},
	{
		.name = "cloudMap: instances appear, change and go; a health change without a new "
			"revision is seen by the full fetch",
		.fn = t_cm_instances,
		.daemon = OWN_DAEMON,
		.fields = CM_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3" },
		.before = cloudmap_start_env,
		.after = cloudmap_stop,
	},
	{
		.name = "cloudMap: throttling backs off and keeps serving; a malformed answer, a bad "
			"address and a refused signature change nothing and the status says why",
		.fn = t_cm_failures,
		.daemon = OWN_DAEMON,
		.fields = CM_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H3" },
		.before = cloudmap_start_env,
		.after = cloudmap_stop,
	},
	{
		.name = "cloudMap: IMDSv2 credentials refreshed before they expire; expired ones keep "
			"the last good set and the status says why",
		.fn = t_cm_imds,
		.daemon = OWN_DAEMON,
		.fields = CM_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2" },
		.before = cloudmap_start_imds,
		.after = cloudmap_stop,
	},
	{
		.name = "cloudMap: ECS container credentials from 169.254.170.2",
		.fn = t_cm_ecs,
		.daemon = OWN_DAEMON,
		.fields = CM_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1" },
		.before = cloudmap_start_ecs,
		.after = cloudmap_stop,
	},
	{
		.name = "cloudMap: a reload that adds a service keeps the source and asks it; one "
			"removed is forgotten",
		.fn = t_cm_reload,
		.daemon = OWN_DAEMON,
		.fields = CM_REGISTRY,
		.services = DNS_ORDERS,
		.pool = { "H1", "H2", "H5" },
		.before = cloudmap_start_env,
		.after = cloudmap_stop,
	},
	{
		.name = "passive: a dead backend gets consecutiveFailures connects, then none; back "
			"after its ejection",
		.fn = t_passive,
		.daemon = OWN_DAEMON,
		.services = PAS_SERVICE,
		.instances = { PAS_INSTANCES },
		.pool = { "H1", "H2" },
	},
	{
		.name = "an ejected backend re-added keeps its ejection, and its next one doubles",
		.fn = t_ejection_survives_readd,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'churn', 'panicThresholdPercent': 0,"
			    " 'clientAliases': [{'port': 80}],"
			    " 'outlierDetection': {'consecutiveFailures': 3, 'baseEjectionSeconds': 2,"
			    "                      'maxEjectionSeconds': 8}}",
		.instances = { "c1 churn H1", "c2 churn H2" },
		.pool = { "H1", "H2" },
	},
	{
		.name = "connectTimeoutMs: connects to a backend that drops SYNs fail in time; "
			"idleTimeoutSeconds: keepalive on routed connections",
		.fn = t_connect_timeout,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'slow', 'connectTimeoutMs': 300,"
			    " 'timeout': {'idleTimeoutSeconds': 30}, 'clientAliases': [{'port': 80}]}",
		.instances = { "s1 slow H1" },
	},
	{
		.name = "maxConnectionsPerBackend: a full backend is passed over, all full refuse "
			"(overflow)",
		.fn = t_max_connections,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'capped', 'maxConnectionsPerBackend': 2,"
			    " 'clientAliases': [{'port': 80}]}",
		.instances = { "c1 capped H2", "c2 capped H3" },
		.pool = { "H2", "H3" },
	},
	{
		.name = "maxEjectionPercent: of two dead backends, only one is ejected",
		.fn = t_ejection_cap,
		.daemon = OWN_DAEMON,
		.services = PAS_SERVICE,
		.instances = { PAS_INSTANCES },
		.pool = { "H1", "H2" },
	},
	{
		.name = "a tenant (nobody, in a user and network namespace of its own) whose "
			"connects to a backend are refused, dropped or aborted takes it from no "
			"one else",
		.fn = t_tenant_attack,
		.daemon = OWN_DAEMON,
		.services = TEN_SERVICE,
		.instances = { TEN_INSTANCES },
		.pool = { "H1", "H2" },
	},
	{
		.name = "a dead backend: out for the one client netns that sees it fail, for "
			"every client when two do",
		.fn = t_two_clients,
		.daemon = OWN_DAEMON,
		.services = TEN_SERVICE,
		.instances = { TEN_INSTANCES },
		.pool = { "H1", "H2" },
	},
	{
		.name = "active TCP check: out within interval x threshold, back after restart",
		.fn = t_active_tcp,
		.daemon = OWN_DAEMON,
		.services = ACT_SERVICE,
		.instances = { ACT_INSTANCES },
		.pool = { "H3", "H4" },
	},
	{
		.name = "a failing check still holds its backend out after sluiced restarts",
		.fn = t_check_state_survives_restart,
		.daemon = OWN_DAEMON,
		.services = ACT_SERVICE,
		.instances = { ACT_INSTANCES },
		.pool = { "H3", "H4" },
	},
	{
		.name = "active HTTP check: 503 takes a backend out, 301 brings it back",
		.fn = t_active_http,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'http', 'panicThresholdPercent': 0, "
			    "'clientAliases': [{'port': 80}], 'outlierDetection': false,"
			    " 'healthCheck': {'protocol': 'http', 'port': 9180, 'path': '/healthz',"
			    "                 'intervalSeconds': 0.2, 'timeoutSeconds': 0.1,"
			    "                 'unhealthyThreshold': 2, 'healthyThreshold': 2}}",
		.instances = { "h1 http H9", "h2 http H10" },
		.pool = { "H9", "H10" },
	},
	{
		.name = "panic mode: too few pass their checks, all get traffic; never UNHEALTHY",
		.fn = t_panic,
		.daemon = OWN_DAEMON,
		/* port 9 answers on none of them: every check fails */
		.services = "{'discoveryName': 'pan', 'clientAliases': [{'port': 80}],"
			    " 'outlierDetection': false,"
			    " 'healthCheck': {'protocol': 'tcp', 'port': 9, 'intervalSeconds': 0.2,"
			    "                 'timeoutSeconds': 0.1, 'unhealthyThreshold': 1}}",
		.instances = { "n1 pan B1", "n2 pan B2", "n3 pan B3", "n4 pan B4 UNHEALTHY" },
	},
	{
		.name = "every instance UNHEALTHY: ECONNREFUSED, panic or not",
		.fn = t_all_unhealthy,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'unh', 'clientAliases': [{'port': 80}]}",
		.instances = { "u1 unh B1 UNHEALTHY", "u2 unh B2 UNHEALTHY" },
	},
	{
		.name = "round robin alternates",
		.fn = t_round_robin,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'rr', 'lbPolicy': 'round_robin', "
			    "'clientAliases': [{'port': 80}]}",
		.instances = { "r1 rr B3", "r2 rr B4" },
	},
	{
		.name = "least request avoids a backend holding long-lived connections",
		.fn = t_least_request,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'lr', 'lbPolicy': 'least_request', "
			    "'clientAliases': [{'port': 80}]}",
		.instances = { "l1 lr H5" }, /* the case adds l2 on H6 */
		.pool = { "H5", "H6" },
	},
	{
		.name = "session affinity sticks, and moves when the backend goes",
		.fn = t_affinity,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'aff', 'sessionAffinity': {'timeoutSeconds': 60},"
			    " 'clientAliases': [{'port': 80}]}",
		.instances = { "f1 aff H7", "f2 aff H8" },
		.pool = { "H7", "H8" },
	},
	{
		.name = "a connected UDP socket to a removed backend gets ECONNABORTED; an "
			"unconnected one keeps its port",
		.fn = t_terminate_udp,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'tu', 'protocol': 'udp', "
			    "'clientAliases': [{'port': 53}]}",
		.instances = { "u1 tu B4" }, /* the case moves it to B5 */
	},
	{
		.name = "terminateTcp: an established connection to a removed backend is destroyed",
		.fn = t_terminate_tcp,
		.daemon = OWN_DAEMON,
		.services = "{'discoveryName': 'tt', 'terminateTcp': true, "
			    "'clientAliases': [{'port': 80}]}",
		.instances = { "t1 tt H11" }, /* the case moves it to H12 */
		.pool = { "H11", "H12" },
	},
	{
		.name = "SIGKILL of sluiced: connects still served",
		.fn = t_sigkill_keeps_serving,
		.daemon = OWN_DAEMON,
	},
	{
		.name = "restarts during a connect loop: zero failures",
		.fn = t_restart_under_load,
		.daemon = KILLED_DAEMON,
	},
	{
		.name = "SIGTERM keeps serving; teardown removes everything",
		.fn = t_teardown,
		.daemon = OWN_DAEMON,
	},
};

const size_t ncases = sizeof(cases) / sizeof(cases[0]);
