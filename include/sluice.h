/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sluice.h: every BPF map key and value, shared by the data plane (bpf/) and the
 * control plane (user/). One definition each, fixed-width fields, no padding holes. */
#ifndef SLUICE_H
#define SLUICE_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Bump when a map's key, value or type changes: pinned maps of another ABI are refused. */
#define SLUICE_ABI_VERSION 8

#define SLUICE_NAME_LEN 128        /* discoveryName, client alias dnsName (NUL included) */
#define SLUICE_INSTANCE_ID_LEN 64  /* Cloud Map InstanceId (NUL included) */
#define SLUICE_CGROUP_PATH_LEN 256 /* attached cgroup path (NUL included) */
#define SLUICE_MAX_SLOTS 4096      /* slots in one service's table, one family */

/* Default map sizes; "limits" in the config overrides them. */
#define SLUICE_DEFAULT_MAX_SERVICES 16384
#define SLUICE_DEFAULT_MAX_BACKENDS 65536
#define SLUICE_DEFAULT_MAX_FRONTENDS 65536
#define SLUICE_DEFAULT_MAX_SOCKETS 65536
#define SLUICE_DEFAULT_MAX_AFFINITIES 65536

/* Fixed map sizes, not in "limits". A pinned map keeps its size across builds (the ABI). */
#define SLUICE_MAX_ATTACHMENTS 65536            /* attachments: cgroups the programs are on */
#define SLUICE_HEALTH_EVENTS_BYTES (256 * 1024) /* health_events ring, a power-of-2 number of
						 * pages: 8192 events with their headers */
#define SLUICE_META_ENTRIES 1                   /* meta: one entry, key 0 */
#define SLUICE_CLASSIFIER_ENTRIES 1             /* classifier: one entry, key 0 */
#define SLUICE_MAX_NAMESPACES 4096              /* namespaces: ids 1 to 4095 */
#define SLUICE_SLOT_TABLE_TEMPLATE_ENTRIES 1    /* backend_sets' inner map template, not
						 * pinned: each table has its own size */
#define SLUICE_DOOMED_MAX 4096                  /* doomed_backends (sockterm, not pinned):
						 * sluiced fills it in chunks of this size */
#define SLUICE_MAX_TASKS 65536                  /* tasks: task cgroups and their namespaces */
#define SLUICE_MAX_TASK_LEVELS 8                /* classifier: cgroup levels tasks sit at */
#define SLUICE_CLIENT_HEALTH_ENTRIES 65536      /* client_health: client network namespaces
						 * x backends with failures or an ejection
						 * of their own (LRU) */
#define SLUICE_MAX_DNS_ANSWERERS 4096           /* dns_answerers: network namespaces sluiced
						 * answers DNS in */

/* The port DNS clients send to; what goes there from a task is its DNS traffic. */
#define SLUICE_DNS_PORT 53
/* sock_vips value's service_id for a DNS query sent to sluiced's answerer: the "VIP" is
 * the server the task asked (no service, no frontend). */
#define SLUICE_DNS_SERVICE 0xffffffffU

/* Index into backend_sets: one slot table per service and backend family. */
#define SLUICE_FAM_V4 0
#define SLUICE_FAM_V6 1
#define SLUICE_SET_INDEX(service_id, fam) ((service_id) * 2 + (fam))

/* sluice_backend.state */
enum sluice_backend_state {
	SLUICE_BACKEND_SERVING = 0,   /* in the slot tables */
	SLUICE_BACKEND_UNHEALTHY = 1, /* registry says UNHEALTHY */
	SLUICE_BACKEND_DRAINING = 2,  /* weight 0: kept, given no new traffic */
	SLUICE_BACKEND_CHECK_FAILED = 3, /* sluiced's active health check fails */
	SLUICE_BACKEND_EJECTED = 4,   /* passively ejected (consecutive connect failures) */
};

/* sluice_policy.lb_policy */
enum sluice_lb_policy {
	SLUICE_LB_RANDOM = 0,        /* weighted random: one uniform draw from the slot table */
	SLUICE_LB_ROUND_ROBIN = 1,   /* weighted round robin: a cursor walks the slot table */
	SLUICE_LB_LEAST_REQUEST = 2, /* two weighted draws, the one with fewer active connections */
};

/* sluice_policy.flags */
#define SLUICE_POLICY_PANIC (1U << 0) /* too few backends serve: the tables hold them all and
				       * passive ejection is ignored */

/* sluice_backend_health.flags (written by sluiced) */
#define SLUICE_HEALTH_SERVING (1U << 0)  /* in its service's serving set */
#define SLUICE_HEALTH_NO_EJECT (1U << 1) /* the service's ejection cap is reached */

/* sluice_sock_route.flags */
#define SLUICE_SOCK_EXEMPT (1U << 0)      /* sluiced's own socket (health checks): never routed */
#define SLUICE_SOCK_CONNECTED (1U << 1)   /* its connect() was routed (TCP or connected UDP) */
#define SLUICE_SOCK_ESTABLISHED (1U << 2) /* TCP: counted in backend_health.active */
#define SLUICE_SOCK_CLOSED (1U << 3)      /* TCP: its end was counted */
#define SLUICE_SOCK_FAILED (1U << 4)      /* TCP: counted as a failed connect (refused, ICMP
					   * error, SYN timed out) */
#define SLUICE_SOCK_PENDING (1U << 5)     /* TCP: counted in backend_health.connecting */
#define SLUICE_SOCK_USER_TIMEOUT (1U << 6) /* TCP: connectTimeoutMs set its TCP_USER_TIMEOUT
					    * for the connect (taken off once established) */

/* sluice_backend_health.run_netns: the failures in a row are not one client's (they came
 * from two network namespaces, or from sluiced's): reaching consecutiveFailures ejects the
 * backend for every client. Netns cookies count up from 1 and never reach it. */
#define SLUICE_RUN_SHARED (~0ULL)

/* sluice_health_event.kind */
#define SLUICE_EVENT_EJECTED 1 /* the data plane ejected a backend (consecutive failures) */

/* sluice_task.flags */
#define SLUICE_TASK_ATTACHED (1U << 0) /* a cgroup the programs are attached to ("cgroups",
					* sluicectl attach): its whole subtree is the task */
#define SLUICE_TASK_FOUND (1U << 1)    /* a task cgroup an "attach" rule found below its
					* watched directory */

/* sluice_attachment.flags */
#define SLUICE_ATTACH_FROM_CONFIG (1U << 0) /* listed in "cgroups"; detached when removed */
#define SLUICE_ATTACH_WATCHED (1U << 1)     /* an "attach" rule's watched directory: its tasks
					     * are below; detached when no rule watches it */

/* Addresses are IPv6 or IPv4-mapped IPv6 (::ffff:a.b.c.d), network byte order. */

/* vip_ports key: a VIP, port and protocol some namespace has a frontend at. Looked up
 * first, so that connects elsewhere cost one lookup and no classification. */
struct sluice_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* vip_ports value. */
struct sluice_vip_port {
	__u32 namespaces; /* how many namespaces have a frontend there */
};

/* frontends key: a client alias's namespace, VIP, port and protocol. */
struct sluice_frontend_key {
	__u32 ns_id;
	__be32 addr[4];
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* sluice_namespace.flags */
#define SLUICE_NS_DNS (1U << 0) /* "names": {"dns"}: its tasks' DNS goes to sluiced's answerer */

/* namespaces value, by namespace id (not 0): a namespace of the config (inspection, and
 * its flags for the data plane). */
struct sluice_namespace {
	char name[SLUICE_NAME_LEN];
	__u32 order; /* its place in the config, 0 first: the namespace of a cgroup named
		      * without one */
	__u32 flags; /* SLUICE_NS_* */
};

/* dns_answerers value, by network namespace cookie: where sluiced's DNS answerer listens
 * in that network namespace (loopback), and until when it is known to be alive. The data
 * plane sends a task's DNS traffic there only while bpf_ktime_get_ns() < alive_until_ns:
 * sluiced renews it every second from its event loop, so a sluiced that is killed or stuck
 * stops being sent queries within the lease, and they go to their own servers again. */
struct sluice_dns_answerer {
	__be32 addr4;    /* IPv4 loopback address (127.0.0.1) */
	__be16 udp4_port; /* 0: none */
	__be16 tcp4_port;
	__be32 addr6[4]; /* IPv6 loopback address (::1) */
	__be16 udp6_port; /* 0: none (IPv6 servers are left to themselves) */
	__be16 tcp6_port;
	__u32 pad;
	__u64 alive_until_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/* tasks value, by cgroup id: the namespace a task cgroup's sockets resolve VIPs in. */
struct sluice_task {
	__u32 ns_id;
	__u32 flags; /* SLUICE_TASK_* */
	__u32 level; /* its depth in the cgroup2 tree (the root is 0) */
	__u32 pad;
};

/* classifier value (one entry): how a socket's task is found. The levels of the cgroup
 * tree that hold tasks, deepest first: at each, the socket's ancestor cgroup is looked up
 * in tasks, and the first found is its task; none found leaves its connects untouched. */
struct sluice_classifier {
	__u64 self_cgroup; /* sluiced's own cgroup: never a task, whatever is attached */
	__u32 nlevels;
	__u32 levels[SLUICE_MAX_TASK_LEVELS];
	__u32 pad;
};

/* frontends value. */
struct sluice_frontend {
	__u32 service_id;
	__u32 flags;
	char alias[SLUICE_NAME_LEN]; /* dnsName, for inspection */
};

/* One entry of a service's slot table (an inner map of backend_sets). Weighted:
 * a backend holds as many slots as its share of the weights. Tables are built
 * whole, frozen, then swapped in, so a reader sees one complete table. */
struct sluice_slot {
	__be32 addr[4];
	__be16 port;
	__u16 pad;
	__u32 backend_id;
	__u32 nslots; /* size of the table, the same in every slot */
};

/* services value, by service id: what a service is, for inspection. */
struct sluice_service {
	char name[SLUICE_NAME_LEN]; /* discoveryName */
	__u32 nbackends;            /* registered backends, serving or not */
	__u32 nserving;             /* backends in the slot tables */
	__u32 ns_id;                /* its namespace */
	__u32 pad;
};

/* backends value, by backend id: every registered backend, serving or not. */
struct sluice_backend {
	__be32 addr[4];
	__be16 port;
	__u8 state; /* enum sluice_backend_state */
	__u8 pad;
	__u32 service_id;
	__u32 weight;
	char instance_id[SLUICE_INSTANCE_ID_LEN];
};

/* backend_stats value (per CPU), by backend id. */
struct sluice_backend_stats {
	__u64 connects;  /* TCP and connected-UDP connects routed here */
	__u64 datagrams; /* unconnected UDP datagrams routed here */
};

/* Connect time buckets of backend_traffic (microseconds): a connect that took t counts in the
 * first bucket whose bound is at least t, or the last (beyond the last bound). */
#define SLUICE_CONNECT_BUCKETS 15
#define SLUICE_CONNECT_BOUNDS_US                                                            \
	{ 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,     \
	  1000000, 2500000 }

/* backend_traffic value (per CPU), by backend id: what sockops sees of routed TCP connects. */
struct sluice_backend_traffic {
	__u64 refused;        /* failed connects: a RST answered the SYN */
	__u64 timed_out;      /* failed connects: the SYN's retransmission timeout */
	__u64 unreachable;    /* failed connects: another error (ICMP unreachable, ...) */
	__u64 bytes_sent;     /* acknowledged by the backend, counted when a connection closes */
	__u64 bytes_received; /* from the backend, counted when a connection closes */
	__u64 connect_us;     /* the sum of connect times (SYN to established) */
	__u64 connect_buckets[SLUICE_CONNECT_BUCKETS]; /* connects by time (not cumulative) */
};

/* service_stats value (per CPU), by service id. */
struct sluice_service_stats {
	__u64 refused;  /* connects and datagrams refused: no serving backend */
	__u64 overflow; /* TCP connects refused: every backend held maxConnectionsPerBackend */
};

/* sock_vips key: a socket and the backend it was sent to. */
struct sluice_sock_key {
	__u64 cookie;
	__be32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 pad[5];
};

/* sock_vips value: the VIP the application asked for (unconnected UDP: one per backend a
 * socket sent datagrams to; connected sockets keep theirs in sock_routes). */
struct sluice_sock_vip {
	__be32 addr[4];
	__be16 port;
	__u16 pad;
	__u32 service_id;
	__u32 ns_id;
};

/* attachments value, by cgroup id. */
struct sluice_attachment {
	char path[SLUICE_CGROUP_PATH_LEN];
	__u32 flags;
	__u32 pad;
};

/* service_policies value, by service id (array): how the data plane picks a backend. */
struct sluice_policy {
	__u8 lb_policy;                /* enum sluice_lb_policy */
	__u8 pad;
	__u16 consecutive_failures;    /* passive ejection threshold; 0: passive health off */
	__u32 flags;                   /* SLUICE_POLICY_* */
	__u64 affinity_timeout_ns;     /* session affinity idle timeout; 0: none */
	__u64 ejection_ns;             /* baseEjectionSeconds: how long a client's own ejection
					* (client_health) holds; the kernel lets it lapse */
	__u32 connect_timeout_ms;      /* connectTimeoutMs: a TCP connect not established by
					* then fails (ETIMEDOUT); 0: the kernel's own */
	__u32 idle_timeout_s;          /* timeout.idleTimeoutSeconds: keepalive probes on a
					* routed connection idle that long; 0: none */
	__u32 max_connections;         /* maxConnectionsPerBackend: a backend holding that many
					* (established and connecting) takes no more; 0: none */
	__u32 pad2;
};

/* backend_health value, by backend id (array, mmapable: sluiced reads and writes single
 * words with atomics while the data plane counts). failures and run_netns are the shared
 * run: clients in network namespaces of a user namespace of their own never enter it. */
struct sluice_backend_health {
	__u32 active;   /* TCP connections established and not yet closed (sockops) */
	__u32 failures; /* consecutive failed connects (sockops); an established one resets it */
	__u32 ejected;  /* non-zero: passively ejected; set by the data plane, cleared by sluiced */
	__u32 flags;    /* SLUICE_HEALTH_*, written by sluiced */
	__u64 run_netns; /* whose the failures in a row are: 0 none, the netns cookie of the one
			  * client they all came from, or SLUICE_RUN_SHARED */
	/* Hints that spare the client_health lookup (bpf_ktime_get_ns; 0: none ever made): */
	__u64 client_ejected_until_ns; /* an ejection of it for one client may hold until
					* then: connects look theirs up only before */
	__u64 client_entries_until_ns; /* an entry of it (failures or ejection) may hold until
					* then: established connects reset theirs only before */
	__u32 connecting; /* TCP connects under way (SYN sent, not yet established or closed)
			   * of a service with maxConnectionsPerBackend */
	__u32 pad;
};

/* sock_routes value (socket storage): where sluice routed a connected socket, and what
 * became of it. It also holds the socket's reverse mapping (what getpeername and recvmsg
 * show), so connects need no sock_vips entry: the storage goes with the socket. */
struct sluice_sock_route {
	__u32 backend_id;
	__u32 service_id;
	__u32 flags; /* SLUICE_SOCK_* */
	__u32 ns_id; /* the namespace of the frontend it connected to */
	__be32 vip[4];     /* the VIP connected to (IPv6 or v4-mapped) */
	__be32 backend[4]; /* the backend it went to instead (IPv6 or v4-mapped) */
	__be16 vip_port;
	__be16 backend_port;
	__u32 syn_rto_jiffies; /* TCP: its SYN's first retransmission timeout (connectTimeoutMs);
				* 0: the kernel's */
	__u64 syn_ns; /* TCP: when its SYN went (bpf_ktime_get_ns), for the connect time */
};

/* health_events record (ring buffer, data plane -> sluiced). */
struct sluice_health_event {
	__u32 kind; /* SLUICE_EVENT_* */
	__u32 backend_id;
	__u32 service_id;
	__u32 failures;
	__u64 time_ns; /* bpf_ktime_get_ns() */
};

/* affinities key: a client (its cgroup) and a service's table for one family. */
struct sluice_affinity_key {
	__u64 cgroup_id;
	__u32 set_index; /* SLUICE_SET_INDEX(service, family) */
	__u32 pad;
};

/* affinities value: the backend that client sticks to, and when it last connected. */
struct sluice_affinity {
	struct sluice_slot slot;
	__u64 last_ns; /* bpf_ktime_get_ns() */
};

/* doomed_backends key (socket termination): a backend's address, port and protocol. */
struct sluice_doomed_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 pad;
};

/* client_health key: a client (its network namespace) and a backend. */
struct sluice_client_key {
	__u64 netns_cookie; /* bpf_get_netns_cookie() of the client's socket */
	__u32 backend_id;
	__u32 pad;
};

/* client_health value: that client's own failures in a row with the backend, and its own
 * ejection of it. Both hold until until_ns (bpf_ktime_get_ns); after it, the entry is as
 * good as absent. */
struct sluice_client_health {
	__u32 failures; /* consecutive failed connects from this client, each within the
			 * service's ejection_ns of the one before */
	__u32 ejected;  /* non-zero: ejected for this client from until_ns - ejection_ns on */
	__u64 until_ns; /* ejected: when the ejection lapses; else: when the failures lapse */
};

/* meta value (one entry): what wrote these maps. */
struct sluice_meta {
	__u32 abi_version;
	__u32 pad;
};

#endif /* SLUICE_H */
