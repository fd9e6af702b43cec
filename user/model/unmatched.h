/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* unmatched.h: registry instances no configured service takes (another ServiceName, or another
 * NamespaceName), counted by name, so that a misspelt name is said rather than dropped. Pure. */
#ifndef SL_UNMATCHED_H
#define SL_UNMATCHED_H

#include <stddef.h>
#include "inputs/config.h"
#include "inputs/registry.h"

struct sl_unmatched {
	const char *service;   /* points into the instances */
	const char *namespace; /* NULL: the instance names none */
	size_t count;
};

/* The (ServiceName, NamespaceName) pairs of the instances of namespace cfg's registry that join
 * none of its services, sorted by service then namespace, into *out (malloc'd, NULL when none);
 * none when cfg is not enabled. 0 or -ENOMEM. */
int sl_unmatched_find(const struct sl_ns_cfg *cfg, const struct sl_instances *in,
		      struct sl_unmatched **out, size_t *n);

#endif
