/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* model.h: the routing state as sluice holds it in memory: services with their backends and
 * slot tables, and frontends. Built from config + registry + VIPs (desired), or read back
 * from the maps (current). Pure. */
#ifndef SL_MODEL_H
#define SL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "inputs/config.h"
#include "lib/err.h"
#include "inputs/registry.h"
#include "sluice.h"
#include "model/vip.h"

struct sl_backend_model {
	uint32_t id;
	struct sl_addr addr;
	uint16_t port; /* host byte order */
	uint8_t state; /* enum sluice_backend_state */
	uint32_t weight;
	char instance_id[SLUICE_INSTANCE_ID_LEN];
};

struct sl_table_model {
	struct sluice_slot *slots; /* NULL when empty */
	uint32_t nslots;
};

struct sl_service_model {
	uint32_t id;
	uint32_t ns_id; /* its namespace's id (names are unique within one) */
	char name[SLUICE_NAME_LEN];
	struct sl_backend_model *backends; /* sorted by (addr, port) */
	size_t nbackends;
	struct sl_table_model table[2]; /* SLUICE_FAM_V4, SLUICE_FAM_V6 */
	struct sluice_policy policy;    /* service_policies entry (PANIC: the tables hold every
					 * backend that is not draining) */
	/* From the config, not kept in the maps (zero in a model read back from them): */
	bool terminate_tcp;
	struct sl_outlier_cfg outlier;
};

struct sl_frontend_model {
	struct sluice_frontend_key key;
	struct sluice_frontend value;
};

/* A namespace of the config: its id is what tasks and frontends name it by. */
struct sl_namespace_model {
	uint32_t id;
	struct sluice_namespace value;
};

/* A VIP, port and protocol that some namespace has a frontend at (derived from frontends). */
struct sl_vip_port_model {
	struct sluice_vip_key key;
	struct sluice_vip_port value;
};

struct sl_model {
	struct sl_namespace_model *namespaces; /* sorted by id */
	size_t nnamespaces;
	struct sl_service_model *services; /* sorted by id */
	size_t nservices;
	struct sl_frontend_model *frontends; /* sorted by key (memcmp) */
	size_t nfrontends;
	struct sl_vip_port_model *vip_ports; /* sorted by key (memcmp) */
	size_t nvip_ports;
};

/* Ids in [1, limit) not held in the current model: services and backends keep theirs
 * across rebuilds; new ones are taken after the last one handed out, wrapping, so a
 * freed id is not reused at once. */
struct sl_id_alloc {
	uint32_t limit;
	uint32_t cursor;
};

/* What sluiced's health checks and passive ejections say of the backend ids of the current
 * model: v[id] is SLUICE_BACKEND_SERVING, _CHECK_FAILED or _EJECTED; ids at or above n (and
 * every id when v is NULL) serve. */
struct sl_verdicts {
	const uint8_t *v;
	uint32_t n;
};

/* Backends that left while ejected and may come back under a new id before their ejection
 * ends: they start ejected. Sorted by (service, address, port). */
struct sl_held_entry {
	const char *service;
	struct sl_addr addr;
	uint16_t port;
};

struct sl_held {
	const struct sl_held_entry *v;
	size_t n;
};

/* The order of sl_held: service name, then address, then port. */
int sl_held_cmp(const struct sl_held_entry *a, const struct sl_held_entry *b);

/* instances, vip4 and vip6 are arrays of cfg->nnamespaces, by namespace (each may be NULL:
 * none for any namespace). */
struct sl_build_input {
	const struct sl_config *cfg;
	const struct sl_instances *instances; /* of each namespace's registry */
	const struct sl_vip_table *vip4; /* each namespace's, by alias dnsName */
	const struct sl_vip_table *vip6;
	const struct sl_model *current;  /* ids to keep; may be empty */
	struct sl_verdicts verdicts;     /* of the ids kept from current */
	struct sl_held held;             /* of new ids */
};

/* Build the desired model. Fails (-EINVAL/-ENOSPC, err naming the service) when a limit
 * would be exceeded: ids, frontends, or more serving backends than SLUICE_MAX_SLOTS. */
int sl_model_build(const struct sl_build_input *in, struct sl_id_alloc *service_ids,
		   struct sl_id_alloc *backend_ids, struct sl_model *out, struct sl_err *err);
void sl_model_free(struct sl_model *m);
/* Sort namespaces and services by id, frontends and VIP ports by key, and each service's
 * backends; used after reading a model back from the maps. */
void sl_model_sort(struct sl_model *m);
/* The namespace of that name, or NULL. */
const struct sl_namespace_model *sl_model_find_namespace_name(const struct sl_model *m,
							      const char *name);
/* The namespace of that id, or NULL. */
const struct sl_namespace_model *sl_model_find_namespace(const struct sl_model *m, uint32_t id);
/* The name of s's namespace, "?" when m does not hold it. */
const char *sl_model_service_ns_name(const struct sl_model *m, const struct sl_service_model *s);
const struct sl_service_model *sl_model_find_service(const struct sl_model *m, uint32_t id);
/* The service of that name in namespace ns_id (0: in any, the first found), or NULL. */
const struct sl_service_model *sl_model_find_service_name(const struct sl_model *m,
							  uint32_t ns_id, const char *name);
bool sl_table_eq(const struct sl_table_model *a, const struct sl_table_model *b);
/* The backend of s at that address and port (backends are sorted), or NULL; s may be NULL. */
const struct sl_backend_model *sl_service_find_backend(const struct sl_service_model *s,
						       const struct sl_addr *addr, uint16_t port);
/* A backend state's name: "serving", "unhealthy" (the registry's), "draining",
 * "check-failed", "ejected"; "unknown" for any other value. */
const char *sl_backend_state_name(uint8_t state);
/* Number of backends in the slot tables. */
uint32_t sl_service_nserving(const struct sl_service_model *s);
/* Whether a backend of s is in its slot tables (serving, or any but draining in panic). */
bool sl_backend_in_table(const struct sl_service_model *s, const struct sl_backend_model *b);
/* The service_policies entry a service's config asks for (PANIC not set). */
void sl_policy_from_config(const struct sl_service_cfg *sc, struct sluice_policy *pol);
/* The frontend key for a namespace id, VIP, port (host order) and IPPROTO_*. */
void sl_frontend_key_make(struct sluice_frontend_key *k, uint32_t ns_id,
			  const struct sl_addr *vip, uint16_t port, uint8_t proto);
/* A backend whose sockets must go: it was in a slot table of old and is in none of now. */
struct sl_departure {
	struct sl_addr addr;
	uint16_t port;      /* host order */
	bool terminate_tcp; /* its service's "terminateTcp": established TCP connections too */
};

/* Every backend that was in a slot table of old and is in none of now (gone, or there under
 * another id, or no longer serving), into *out (malloc'd, NULL when none). 0 or -ENOMEM. */
int sl_model_departures(const struct sl_model *old, const struct sl_model *now,
			struct sl_departure **out, size_t *n);
/* The backend of s at b's address and port, if it has b's id (s may be NULL). */
const struct sl_backend_model *sl_service_same_backend(const struct sl_service_model *s,
						       const struct sl_backend_model *b);
/* The VIP requests of a namespace, one per dnsName, for sl_vip_assign (v6: false for IPv4).
 * Names point into cfg. Caller frees *req. -ENOMEM or 0. */
int sl_vip_requests(const struct sl_ns_cfg *cfg, bool v6, struct sl_vip_request **req,
		    size_t *n);

#endif
