/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* plan.h: the difference between the model in the maps and the desired one, as the map
 * writes that turn one into the other (only what changed). Pure. */
#ifndef SL_PLAN_H
#define SL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"

struct sl_backend_op {
	const struct sl_backend_model *backend; /* in the desired model */
	uint32_t service_id;
	bool fresh; /* a new id: its counters start from zero */
};

struct sl_service_op {
	const struct sl_service_model *service; /* in the desired model */
	bool fresh;
};

struct sl_table_op {
	uint32_t service_id;
	int fam;                            /* SLUICE_FAM_V4 or SLUICE_FAM_V6 */
	const struct sl_table_model *table; /* nslots 0: the service serves nothing there */
};

/* Applied in this order, so that every state in between routes consistently: namespaces,
 * backends and services exist before a table or frontend names them, and go after nothing
 * does; a VIP port is indexed once its frontends are there, and unindexed before they go. */
struct sl_plan {
	const struct sl_namespace_model **namespace_upserts; /* in the desired model */
	size_t nnamespace_upserts;
	struct sl_backend_op *backend_upserts;
	size_t nbackend_upserts;
	struct sl_service_op *service_upserts;
	size_t nservice_upserts;
	struct sl_table_op *tables;
	size_t ntables;
	const struct sl_frontend_model **frontend_upserts; /* in the desired model */
	size_t nfrontend_upserts;
	const struct sl_vip_port_model **vip_port_upserts; /* in the desired model */
	size_t nvip_port_upserts;
	const struct sl_vip_port_model **vip_port_deletes; /* in the current model */
	size_t nvip_port_deletes;
	const struct sl_frontend_model **frontend_deletes; /* in the current model */
	size_t nfrontend_deletes;
	uint32_t *service_deletes; /* their tables go with them */
	size_t nservice_deletes;
	uint32_t *backend_deletes;
	size_t nbackend_deletes;
	uint32_t *namespace_deletes;
	size_t nnamespace_deletes;
};

/* Compute the plan from cur to want (both sorted, as sl_model_build and sl_model_sort
 * leave them). The plan points into both models. 0 or -ENOMEM. */
int sl_plan_make(const struct sl_model *cur, const struct sl_model *want, struct sl_plan *plan);
size_t sl_plan_size(const struct sl_plan *plan);
void sl_plan_free(struct sl_plan *plan);

#endif
