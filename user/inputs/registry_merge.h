/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* registry_merge.h: several registry parts (the files of a registry directory, the sources of
 * a registry) merged into one instance list, and comparing lists. Pure. */
#ifndef SL_REGISTRY_MERGE_H
#define SL_REGISTRY_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include "inputs/registry.h"

/* One part: its name (for messages) and its instances. */
struct sl_registry_part {
	const char *name;
	const struct sl_instances *list;
};

/* Every part's instances in part order into *out (deep copies), each (ServiceName, InstanceId)
 * from the first part that has it; a later one is dropped with a warning naming both parts
 * ("where/name"). 0 or -ENOMEM (*out empty). */
int sl_registry_merge(const struct sl_registry_part *parts, size_t nparts, const char *where,
		      struct sl_instances *out);
/* The same instances, field by field, in the same order. */
bool sl_instances_eq(const struct sl_instances *a, const struct sl_instances *b);

#endif
