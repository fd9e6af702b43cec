/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* maps.h: the pinned maps as file descriptors: opening them, reading the routing model back
 * out of them, applying a plan to them, and summing their per-CPU counters. */
#ifndef SL_MAPS_H
#define SL_MAPS_H

#include <stdint.h>
#include "lib/err.h"
#include "model/model.h"
#include "model/plan.h"
#include "sluice.h"

struct sl_maps {
	int frontends;
	int backend_sets;
	int services;
	int backends;
	int backend_stats;
	int service_stats;
	int sock_vips;
	int attachments;
	int meta;
	int service_policies;
	int backend_health;
	int rr_cursors;
	int affinities;
	int health_events;
	int sock_routes;
	struct sluice_backend_health *health; /* backend_health, mmapped (shared with the kernel) */
	uint32_t nhealth;                     /* its entries */
	int btf_fd;           /* BTF for new slot tables, -1 for none */
	uint32_t btf_key_id;  /* __u32 */
	uint32_t btf_slot_id; /* struct sluice_slot */
	int ncpus;
	bool owned;           /* fds opened here (sl_maps_open_pinned): close them */
};

/* Names of the maps, as pinned under the bpffs dir. */
extern const char *const sl_map_names[];

/* Open the maps pinned under dir (read and write). err names the first one missing. */
int sl_maps_open_pinned(const char *dir, struct sl_maps *m, struct sl_err *err);
void sl_maps_close(struct sl_maps *m);
/* mmap backend_health (m->health, m->nhealth); sl_maps_close unmaps it. */
int sl_maps_map_health(struct sl_maps *m, struct sl_err *err);
/* Read services, backends, slot tables and frontends back into a sorted model. */
int sl_maps_read_model(const struct sl_maps *m, struct sl_model *out, struct sl_err *err);
/* Write the plan, in its order; stops at the first failing write (err names the map). */
int sl_maps_apply(const struct sl_maps *m, const struct sl_plan *plan, struct sl_err *err);
int sl_maps_backend_stats(const struct sl_maps *m, uint32_t id, struct sluice_backend_stats *sum);
int sl_maps_service_stats(const struct sl_maps *m, uint32_t id, struct sluice_service_stats *sum);
/* Number of keys in a hash map (walks it). */
long sl_maps_count(int fd, size_t key_size);

#endif
