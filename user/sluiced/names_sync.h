/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* names_sync.h: the answerers' alias names from what sluiced serves now: each namespace with
 * "names": {"dns": true}, its id in the maps and its VIPs (the state). */
#ifndef SL_NAMES_SYNC_H
#define SL_NAMES_SYNC_H

#include "files/state_file.h"
#include "inputs/config.h"
#include "model/model.h"
#include "names/names.h"

/* Give n the names of cfg's namespaces that answer DNS (enabled, names.dns, in the maps:
 * current) with their VIPs in st; none such: n answers nowhere. */
void sl_names_sync(struct sl_names *n, const struct sl_config *cfg, const struct sl_model *current,
		   const struct sl_state *st);

#endif
