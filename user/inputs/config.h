/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* config.h: sluiced's configuration (/etc/sluice/sluice.json): ECS serviceConnectConfiguration
 * extended with protocols, fixed VIPs, VIP ranges, registry, cgroups, paths and limits. Pure. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "lib/err.h"

#define SL_PROTO_TCP (1U << 0)
#define SL_PROTO_UDP (1U << 1)

#define SL_DEFAULT_CONFIG "/etc/sluice/sluice.json"
#define SL_DEFAULT_BPFFS "/sys/fs/bpf/sluice"
#define SL_DEFAULT_RUN_DIR "/run/sluice"
#define SL_DEFAULT_HOSTS_FILE SL_DEFAULT_RUN_DIR "/hosts"
#define SL_DEFAULT_STATE_FILE "/var/lib/sluice/state.json"
#define SL_DEFAULT_STATUS_FILE "/run/sluice/status.json"
#define SL_DEFAULT_METRICS_LISTEN "127.0.0.1:9810"
#define SL_DEFAULT_VIP_CIDR "127.255.0.0/16"

struct sl_alias_cfg {
	char *dns_name; /* "dnsName"; defaults to the service's name */
	uint16_t port;  /* "port" */
	bool has_vip4, has_vip6;
	struct sl_addr vip4, vip6; /* fixed "vip"/"vip6" of the alias, else of the service */
};

/* "healthCheck": an active check of every backend of a service, run by sluiced. */
enum sl_hc_proto { SL_HC_TCP, SL_HC_HTTP };

struct sl_status_range {
	uint16_t lo, hi; /* inclusive */
};

struct sl_health_check_cfg {
	bool enabled;                 /* "healthCheck" given */
	enum sl_hc_proto proto;       /* "protocol": "tcp" (default) or "http" */
	char *path;                   /* "path" (HTTP), default "/"; must start with '/' */
	uint16_t port;                /* "port"; 0: the instance's port */
	uint32_t interval_ms;         /* "intervalSeconds", default 5 (may be fractional) */
	uint32_t timeout_ms;          /* "timeoutSeconds", default 2; at most the interval */
	uint32_t unhealthy_threshold; /* "unhealthyThreshold", default 2 (1..1000) */
	uint32_t healthy_threshold;   /* "healthyThreshold", default 2 (1..1000) */
	struct sl_status_range *expect; /* "expectStatus"; default one range 200-399 */
	size_t nexpect;
};

/* "outlierDetection": passive health in the kernel (sockops), on unless false. */
struct sl_outlier_cfg {
	bool enabled;                  /* default true; "outlierDetection": false turns it off */
	uint32_t consecutive_failures; /* "consecutiveFailures", default 3 (1..65535) */
	uint32_t base_ejection_ms;     /* "baseEjectionSeconds", default 30 */
	uint32_t max_ejection_ms;      /* "maxEjectionSeconds", default 300; >= base */
	uint32_t max_ejection_percent; /* "maxEjectionPercent", default 50 (0..100) */
};

/* A service's records in DNS (a DNS source), "dns": {"name", "type", "port"}. */
enum sl_dns_type {
	SL_DNS_SRV = 33, /* "SRV" (default): 1 1 PORT INSTANCE.SERVICE.NAMESPACE */
	SL_DNS_A = 1,    /* "A": addresses on the service's name, the port from the config */
	SL_DNS_AAAA = 28, /* "AAAA" */
};

struct sl_service_dns_cfg {
	char *name;            /* "name", default "<discoveryName>.<namespace>" */
	enum sl_dns_type type; /* "type" */
	uint16_t port;         /* A and AAAA: "port", else the service's "port" (one is needed) */
};

struct sl_service_cfg {
	char *name;         /* "discoveryName", defaulting to "portName": joins ServiceName */
	char *port_name;    /* "portName", may be NULL */
	unsigned protocols; /* SL_PROTO_* bits from "protocol": "tcp" (default), "udp", "both" */
	bool has_vip4, has_vip6;
	struct sl_addr vip4, vip6; /* fixed "vip"/"vip6": its aliases' unless they fix their own */
	struct sl_alias_cfg *aliases;
	size_t naliases;
	uint8_t lb_policy;           /* "lbPolicy": enum sluice_lb_policy, default random */
	uint32_t affinity_timeout_s; /* "sessionAffinity": {"timeoutSeconds"}; 0: none */
	uint32_t panic_percent;      /* "panicThresholdPercent", default 50; 0: no panic mode */
	uint32_t connect_timeout_ms; /* "connectTimeoutMs": TCP connects fail by then; 0: the
				      * kernel's own (about 2 minutes of SYN retransmissions) */
	uint32_t max_connections;    /* "maxConnectionsPerBackend"; 0: no limit */
	uint32_t idle_timeout_s;     /* "timeout": {"idleTimeoutSeconds"}: keepalive on routed
				      * connections idle that long; 0: none */
	uint32_t per_request_timeout_s; /* "timeout": {"perRequestTimeoutSeconds"}: L7, not
					 * applied (said at start when given) */
	bool has_per_request_timeout;
	bool terminate_tcp;          /* "terminateTcp", default false */
	bool health_or_else_all;     /* "healthStatus": "HEALTHY" (default: the registry's
				      * UNHEALTHY never serve) or "HEALTHY_OR_ELSE_ALL" (when
				      * none is HEALTHY or UNKNOWN, the UNHEALTHY ones serve, as
				      * Cloud Map's DiscoverInstances answers) */
	uint16_t port;               /* "port": the backend port of instances that give none
				      * (AWS_INSTANCE_PORT absent); 0: such instances are left out */
	struct sl_health_check_cfg health;
	struct sl_outlier_cfg outlier;
	struct sl_service_dns_cfg dns; /* its records, for a DNS source */
};

/* A registry source: where instances come from. */
enum sl_source_kind {
	SL_SOURCE_FILE = 0, /* "file": a discover-instances document or a directory of them */
	SL_SOURCE_DNS,      /* "dns": the records Cloud Map publishes in Route 53 */
	SL_SOURCE_ETCD,     /* "etcd": instance keys in an etcd cluster, watched */
	SL_SOURCE_CLOUDMAP, /* "cloudMap": Cloud Map's DiscoverInstances API */
};

/* "registry"."cloudMap"."healthStatus": the HealthStatus filter DiscoverInstances is asked
 * with (the values are the API's). */
enum sl_cm_health {
	SL_CM_ALL = 0,             /* "ALL" (default): every instance, the model's rules decide */
	SL_CM_HEALTHY,             /* "HEALTHY" */
	SL_CM_HEALTHY_OR_ELSE_ALL, /* "HEALTHY_OR_ELSE_ALL" */
};

/* A DNS server of "registry"."dns"."servers". */
struct sl_dns_server {
	struct sl_addr addr;
	uint16_t port; /* default 53 */
};

struct sl_source_cfg {
	enum sl_source_kind kind;
	char *file; /* SL_SOURCE_FILE: the path (made absolute from the config's directory) */
	/* SL_SOURCE_DNS: */
	struct sl_dns_server *servers; /* "servers"; none: the host's /etc/resolv.conf's */
	size_t nservers;
	uint32_t refresh_ms;  /* "refreshSeconds", default 5 (1 to 3600) */
	uint32_t timeout_ms;  /* "timeoutSeconds", default 2; at most the refresh */
	bool respect_ttl;     /* "respectTtl": ask again no sooner than the answer's TTL */
	/* SL_SOURCE_ETCD (timeout_ms too: "timeoutSeconds", a connect's and a request's): */
	char **endpoints;     /* "endpoints": http:// or https:// URLs, tried in turn */
	size_t nendpoints;
	char *prefix;         /* "prefix", default "/sluice/": keys PREFIX<namespace>/... */
	char *tls_ca, *tls_cert, *tls_key; /* "tls": {"ca", "cert", "key"}: PEM files */
	char *username, *password; /* "username", "password": etcd's auth (both or neither) */
	uint32_t resync_ms;   /* "resyncSeconds", default 300: a full re-list this often */
	/* SL_SOURCE_CLOUDMAP (timeout_ms too: "timeoutSeconds", a request's, default 5): */
	char *region;         /* "region" (required): us-east-1 */
	char *cm_namespace;   /* "namespace": the Cloud Map namespace's name; NULL: the
			       * config's namespace's */
	enum sl_cm_health health; /* "healthStatus" */
	uint32_t poll_ms;     /* "pollSeconds", default 5 (1 to 3600) */
	uint32_t full_ms;     /* "fullSeconds", default 30: a DiscoverInstances at least this
			       * often (health does not move the revision); >= poll_ms */
	char *endpoint;       /* "endpoint": "https://HOST[:PORT]" (http:// to loopback only);
			       * NULL: https://data-servicediscovery.REGION.amazonaws.com */
};

/* The same source, configured the same way (a reload keeps it). */
bool sl_source_cfg_eq(const struct sl_source_cfg *a, const struct sl_source_cfg *b);
/* A deep copy of src into *dst: 0 or -ENOMEM (*dst then holds nothing). */
int sl_source_cfg_copy(struct sl_source_cfg *dst, const struct sl_source_cfg *src);
/* Free what c owns. */
void sl_source_cfg_release(struct sl_source_cfg *c);
/* "dns 10.0.0.2, [fd00::2]:53", "dns (resolv.conf)" or "cloudMap us-east-1 prod", for
 * messages. */
const char *sl_source_cfg_label(const struct sl_source_cfg *c, char *buf, size_t len);

/* "attach" rules: which cgroups are tasks, found by sluiced as they come and go. */
enum sl_preset {
	SL_PRESET_NONE = 0, /* "watch" and "match" written out */
	SL_PRESET_ECS,      /* "preset": "ecs" (cgroup_rules.c has the layouts) */
	SL_PRESET_DOCKER,   /* "docker" */
	SL_PRESET_KUBERNETES, /* "kubernetes" */
};

struct sl_attach_rule_cfg {
	enum sl_preset preset;
	char *watch;     /* "watch": a cgroup2 directory, absolute or relative to the cgroup2
			  * mount; NULL with a preset */
	char *match;     /* "match": a glob of one '*' per level below watch; NULL with a
			  * preset */
	char *namespace; /* "namespace": the namespace its tasks resolve VIPs in; NULL: the
			  * config's first */
};

/* "socketTermination": how sockets left on a backend that stopped serving are destroyed. */
enum sl_sockterm_mode {
	SL_SOCKTERM_AUTO = 0, /* "auto" (default): iterators if the kernel has them, else diag */
	SL_SOCKTERM_ITER,     /* "iterator": BPF socket iterators with bpf_sock_destroy */
	SL_SOCKTERM_DIAG,     /* "sock_diag": netlink SOCK_DESTROY */
	SL_SOCKTERM_OFF,      /* "off" */
};

struct sl_limits {
	uint32_t services;  /* "limits.services", default SLUICE_DEFAULT_MAX_SERVICES */
	uint32_t backends;  /* "limits.backends" */
	uint32_t frontends; /* "limits.frontends" */
	uint32_t sockets;   /* "limits.sockets": reverse (socket -> VIP) entries */
	uint32_t affinities; /* "limits.affinities": session affinity entries */
};

/* One namespace: a Cloud Map namespace's services, as this host serves them. A file without
 * "namespaces" is one (its top level); with it, each entry is one, in the same shape. */
/* "names" of a namespace (or the top level's defaults for "namespaces"). */
struct sl_names_cfg {
	bool dns;     /* "dns", default true: its tasks' DNS queries go to sluiced's answerer,
		       * which answers its alias names and forwards the rest */
	bool has_dns;
};

struct sl_ns_cfg {
	char *namespace; /* "namespace" (required) */
	bool enabled;    /* "enabled", default true; false serves none of its services */
	bool has_enabled;
	struct sl_cidr vip_cidr4;  /* "vipCidr", IPv4, default 127.255.0.0/16 */
	bool has_vip_cidr4;
	bool has_vip_cidr6;
	struct sl_cidr vip_cidr6;  /* "vipCidr6", IPv6; without it aliases get no IPv6 VIP
				    * unless a fixed "vip6" is given */
	bool allow_routable_vips;  /* "allowRoutableVips": a vipCidr outside 127.0.0.0/8 is
				    * accepted (an unrewritten VIP then reaches the network) */
	bool has_allow_routable_vips;
	struct sl_source_cfg *sources; /* "registry": its sources, in the order written */
	size_t nsources;
	struct sl_names_cfg names; /* "names": how its tasks find its aliases by name */
	char *hosts_file;          /* "hostsFile": its aliases' names and VIPs; default
				    * /run/sluice/hosts, or /run/sluice/NAMESPACE/hosts for an
				    * entry of "namespaces" */
	struct sl_service_cfg *services;
	size_t nservices;
};

/* "registration": this host's own instances, published in the registry's etcd cluster. */
struct sl_registration_cfg {
	bool enabled;    /* "registration" given */
	char *path;      /* "path": a file or a directory of *.json, in the registry file's shape
			  * (relative: to the config's directory) */
	uint32_t ttl_ms; /* "ttlSeconds", default 10: the lease's TTL, kept alive every third */
};

/* A cgroup of "cgroups": a path, or {"path", "namespace"}. */
struct sl_cgroup_cfg {
	char *path;
	char *namespace; /* NULL: the config's first */
};

struct sl_config {
	struct sl_ns_cfg top; /* first (the top level's rows read into it at offset 0): with
			       * "namespaces", the defaults of its entries (vipCidr, vipCidr6,
			       * allowRoutableVips, enabled, registry); without, empty once
			       * parsed (its one namespace moved to namespaces[0]) */
	struct sl_ns_cfg *namespaces; /* the namespaces, in order (one without "namespaces") */
	size_t nnamespaces;           /* at least 1 */
	char *origin;    /* file name the config came from, for messages */
	char *bpffs;               /* "bpffs", default /sys/fs/bpf/sluice */
	char *state_file;          /* "stateFile", default /var/lib/sluice/state.json */
	char *status_file;         /* "statusFile", default /run/sluice/status.json */
	struct sl_cgroup_cfg *cgroups; /* "cgroups": attached at start, each a task of its
					* namespace */
	size_t ncgroups;
	struct sl_attach_rule_cfg *attach; /* "attach": rules that find task cgroups */
	size_t nattach;
	struct sl_limits limits;
	enum sl_sockterm_mode sockterm; /* "socketTermination" */
	struct sl_registration_cfg registration;
	char *metrics_listen;      /* "metrics": {"listen": "ADDR:PORT"}, default
				    * 127.0.0.1:9810; NULL: "metrics": false */
};

/* The namespace named name, or the first (NULL name); NULL when there is none so named. */
const struct sl_ns_cfg *sl_config_namespace(const struct sl_config *cfg, const char *name);

/* Parse and check a whole config document. origin names it in messages. On error,
 * err says "origin: field.path: what is wrong" and *out is left zeroed. */
int sl_config_parse(const char *text, const char *origin, struct sl_config *out,
		    struct sl_err *err);
/* Read path and parse it; a missing or unreadable file is an error naming it. */
int sl_config_load(const char *path, struct sl_config *out, struct sl_err *err);
void sl_config_free(struct sl_config *cfg);

#endif
