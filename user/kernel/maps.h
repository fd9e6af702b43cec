/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* maps.h: the pinned maps as file descriptors: opening them, reading the routing model back
 * out of them, applying a plan to them, and summing their per-CPU counters. */
#ifndef SL_MAPS_H
#define SL_MAPS_H

#include <stdint.h>
#include "inputs/config.h"
#include "kernel/health_map.h"
#include "lib/err.h"
#include "model/model.h"
#include "model/plan.h"
#include "sluice.h"

/* How a map is sized: by one of the config's limits, or as the BPF object says. */
enum sl_map_size {
	SL_SIZE_FIXED,        /* as declared in bpf/sluice_maps.h */
	SL_SIZE_SERVICES,     /* limits.services */
	SL_SIZE_SERVICE_SETS, /* 2 x limits.services: one per service and family */
	SL_SIZE_BACKENDS,     /* limits.backends */
	SL_SIZE_FRONTENDS,    /* limits.frontends */
	SL_SIZE_SOCKETS,      /* limits.sockets */
	SL_SIZE_AFFINITIES,   /* limits.affinities */
};

/* The one list of the maps sluiced and sluicectl use: pin name (under the bpffs dir, the
 * same name in bpf/sluice_maps.h) and sizing. sl_dataplane_open checks that the BPF object
 * pins exactly these. */
#define SL_MAP_LIST(X)                              \
	X(frontends, SL_SIZE_FRONTENDS)             \
	X(vip_ports, SL_SIZE_FRONTENDS)             \
	X(classifier, SL_SIZE_FIXED)                \
	X(tasks, SL_SIZE_FIXED)                     \
	X(namespaces, SL_SIZE_FIXED)                \
	X(backend_sets, SL_SIZE_SERVICE_SETS)       \
	X(services, SL_SIZE_SERVICES)               \
	X(backends, SL_SIZE_BACKENDS)               \
	X(backend_stats, SL_SIZE_BACKENDS)          \
	X(backend_traffic, SL_SIZE_BACKENDS)        \
	X(service_stats, SL_SIZE_SERVICES)          \
	X(sock_vips, SL_SIZE_SOCKETS)               \
	X(attachments, SL_SIZE_FIXED)               \
	X(meta, SL_SIZE_FIXED)                      \
	X(service_policies, SL_SIZE_SERVICES)       \
	X(backend_health, SL_SIZE_BACKENDS)         \
	X(rr_cursors, SL_SIZE_SERVICE_SETS)         \
	X(affinities, SL_SIZE_AFFINITIES)           \
	X(health_events, SL_SIZE_FIXED)             \
	X(client_health, SL_SIZE_FIXED)             \
	X(dns_answerers, SL_SIZE_FIXED)             \
	X(sock_routes, SL_SIZE_FIXED)

#define SL_MAP_FD_FIELD(name, size) int name;
#define SL_MAP_COUNT_ONE(name, size) +1
enum { SL_NMAPS = 0 SL_MAP_LIST(SL_MAP_COUNT_ONE) };

struct sl_map_spec {
	const char *name;
	enum sl_map_size size;
};

/* SL_MAP_LIST as data, in its order (the order of sl_maps.fds). */
extern const struct sl_map_spec sl_map_specs[SL_NMAPS];

struct sl_maps {
	union {
		struct {
			SL_MAP_LIST(SL_MAP_FD_FIELD)
		};
		int fds[SL_NMAPS]; /* by index in sl_map_specs */
	};
	struct sl_health_map health; /* backend_health, mmapped */
	int btf_fd;           /* BTF for new slot tables, -1 for none */
	uint32_t btf_key_id;  /* __u32 */
	uint32_t btf_slot_id; /* struct sluice_slot */
	int ncpus;
	bool owned;           /* fds opened here (sl_maps_open_pinned): close them */
};

/* max_entries for a map sized by the config's limits; 0 for SL_SIZE_FIXED. */
uint32_t sl_map_max_entries(enum sl_map_size size, const struct sl_limits *lim);

/* Open the maps pinned under dir (read and write). err names the first one missing. */
int sl_maps_open_pinned(const char *dir, struct sl_maps *m, struct sl_err *err);
void sl_maps_close(struct sl_maps *m);
/* Mark a socket of sluiced's own (a health check's) so the programs never rewrite it. */
int sl_maps_mark_exempt(const struct sl_maps *m, int fd);
/* Read services, backends, slot tables and frontends back into a sorted model. */
int sl_maps_read_model(const struct sl_maps *m, struct sl_model *out, struct sl_err *err);
/* Write the plan, in its order; stops at the first failing write (err names the map). */
int sl_maps_apply(const struct sl_maps *m, const struct sl_plan *plan, struct sl_err *err);
int sl_maps_backend_stats(const struct sl_maps *m, uint32_t id, struct sluice_backend_stats *sum);
int sl_maps_backend_traffic(const struct sl_maps *m, uint32_t id,
			    struct sluice_backend_traffic *sum);
int sl_maps_service_stats(const struct sl_maps *m, uint32_t id, struct sluice_service_stats *sum);
/* Number of keys in a hash map (walks it). */
long sl_maps_count(int fd, size_t key_size);

#endif
