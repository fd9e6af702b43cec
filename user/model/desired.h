/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* desired.h: what the maps should hold, from the config, the registry and the VIPs handed out
 * before: VIP assignments, then the routing model. Pure; sluiced and `sluiced --check` use it. */
#ifndef SL_DESIRED_H
#define SL_DESIRED_H

#include "inputs/config.h"
#include "inputs/registry.h"
#include "lib/err.h"
#include "model/model.h"
#include "model/vip.h"

/* instances, prev_vip4 and prev_vip6 are arrays of cfg->nnamespaces, by namespace (NULL:
 * none for any). */
struct sl_desired_input {
	const struct sl_config *cfg;
	const struct sl_instances *instances;
	const struct sl_vip_table *prev_vip4; /* VIPs kept from before (the state file) */
	const struct sl_vip_table *prev_vip6;
	const struct sl_model *current;       /* ids to keep; may be empty */
	struct sl_verdicts verdicts;          /* health verdicts of current's backend ids */
	struct sl_held held;                  /* backends that left ejected, if they return */
};

struct sl_desired {
	struct sl_vip_table *vip4, *vip6; /* cfg->nnamespaces each, by namespace: by alias name */
	size_t nns;
	struct sl_model model;
};

/* Assign the VIPs and build the model. Ids are taken from the allocators (their limits set
 * from cfg's). Fails with -EINVAL or -ENOSPC and err naming the config file and the field
 * ("/etc/sluice/sluice.json: limits.backends (65536): no backend id left for service
 * orders"); *out is empty then. */
int sl_desired_build(const struct sl_desired_input *in, struct sl_id_alloc *service_ids,
		     struct sl_id_alloc *backend_ids, struct sl_desired *out, struct sl_err *err);
void sl_desired_free(struct sl_desired *d);

#endif
