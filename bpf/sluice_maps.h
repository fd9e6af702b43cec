/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sluice_maps.h: the data plane's maps, pinned by name under the bpffs dir. Keys, values
 * and sizes come from include/sluice.h; sluiced resizes the SLUICE_DEFAULT_MAX_* ones (limits). */
#ifndef SLUICE_MAPS_H
#define SLUICE_MAPS_H

#include "sluice.h"
#include "sock_routes.h"

/* The map ABI: a new build adopts the maps an older one pinned only if each keeps its name,
 * type, key and value, max_entries and flags; changing one bumps SLUICE_ABI_VERSION. */

/* ---- maps the programs use (and sock_routes, in sock_routes.h) ---- */

/* vip_ports: VIP, port and protocol of any namespace's frontend -> how many have one */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_DEFAULT_MAX_FRONTENDS);
	__type(key, struct sluice_vip_key);
	__type(value, struct sluice_vip_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vip_ports SEC(".maps");

/* classifier: the cgroup levels tasks sit at, and sluiced's own cgroup (one entry) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLUICE_CLASSIFIER_ENTRIES);
	__type(key, __u32);
	__type(value, struct sluice_classifier);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} classifier SEC(".maps");

/* tasks: task cgroup id -> its namespace (a hash, not cgroup storage: that needs 6.2) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_MAX_TASKS);
	__type(key, __u64);
	__type(value, struct sluice_task);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tasks SEC(".maps");

/* frontends: namespace, VIP, port and protocol of every client alias -> service */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_DEFAULT_MAX_FRONTENDS);
	__type(key, struct sluice_frontend_key);
	__type(value, struct sluice_frontend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} frontends SEC(".maps");

/* service_policies: service id -> load-balancing policy, passive health, panic, affinity */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLUICE_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sluice_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} service_policies SEC(".maps");

/* One service's slot table; created by sluiced per change, frozen, swapped in whole.
 * slot_table_template is never used: declaring it puts struct sluice_slot in the BTF
 * (clang emits only a forward declaration for a type reached through two pointers). */
struct slot_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, SLUICE_SLOT_TABLE_TEMPLATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct sluice_slot);
} slot_table_template SEC(".maps");

/* backend_sets: SLUICE_SET_INDEX(service, family) -> that service's serving slot table */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2 * SLUICE_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct slot_table);
} backend_sets SEC(".maps");

/* rr_cursors: SLUICE_SET_INDEX(service, family) -> round-robin position in its table */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * SLUICE_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rr_cursors SEC(".maps");

/* backend_health: backend id -> active connections, consecutive failures, ejection */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SLUICE_DEFAULT_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sluice_backend_health);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_health SEC(".maps");

/* client_health: client netns and backend -> that client's own failures in a row and ejection */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_CLIENT_HEALTH_ENTRIES);
	__type(key, struct sluice_client_key);
	__type(value, struct sluice_client_health);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} client_health SEC(".maps");

/* affinities: client cgroup and service table -> the backend it sticks to (session affinity) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_DEFAULT_MAX_AFFINITIES);
	__type(key, struct sluice_affinity_key);
	__type(value, struct sluice_affinity);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} affinities SEC(".maps");

/* sock_vips: socket cookie and backend -> the VIP it stands for (reverse mapping) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_DEFAULT_MAX_SOCKETS);
	__type(key, struct sluice_sock_key);
	__type(value, struct sluice_sock_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sock_vips SEC(".maps");

/* backend_traffic: backend id -> per-CPU connect failures by kind, bytes, connect times */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DEFAULT_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sluice_backend_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_traffic SEC(".maps");

/* backend_stats: backend id -> per-CPU connect and datagram counters */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DEFAULT_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sluice_backend_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backend_stats SEC(".maps");

/* service_stats: service id -> per-CPU refusal counters */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sluice_service_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} service_stats SEC(".maps");

/* dns_answerers: network namespace cookie -> sluiced's DNS answerer there and its lease */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_MAX_DNS_ANSWERERS);
	__type(key, __u64);
	__type(value, struct sluice_dns_answerer);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dns_answerers SEC(".maps");

/* health_events: ejections decided by the data plane, for sluiced (ring buffer) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SLUICE_HEALTH_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} health_events SEC(".maps");

/* ---- maps for sluiced and sluicectl only: pinned here so one object defines every map ---- */

/* services: service id -> name and backend counts (inspection) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sluice_service);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} services SEC(".maps");

/* backends: backend id -> every registered backend, serving or not (inspection) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_DEFAULT_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sluice_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} backends SEC(".maps");

/* namespaces: namespace id -> its name and place in the config (inspection), its flags
 * (the data plane reads them for DNS) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_MAX_NAMESPACES);
	__type(key, __u32);
	__type(value, struct sluice_namespace);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} namespaces SEC(".maps");

/* attachments: cgroup id -> path of a cgroup the programs are attached to */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SLUICE_MAX_ATTACHMENTS);
	__type(key, __u64);
	__type(value, struct sluice_attachment);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} attachments SEC(".maps");

/* meta: the ABI version of the maps in this bpffs dir (SLUICE_ABI_VERSION) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLUICE_META_ENTRIES);
	__type(key, __u32);
	__type(value, struct sluice_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} meta SEC(".maps");

#endif /* SLUICE_MAPS_H */
