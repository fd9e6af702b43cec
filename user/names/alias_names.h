/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* alias_names.h: the names a task may ask sluiced's DNS answerer for, by its namespace: each
 * alias's dnsName and dnsName.<namespace>, to the alias's VIPs. Case-insensitive. Pure. */
#ifndef SL_ALIAS_NAMES_H
#define SL_ALIAS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "model/vip.h"

#define SL_ALIAS_NAME_LEN 256 /* a name without its final dot, NUL included */

struct sl_alias_name {
	uint32_t ns_id;
	char name[SL_ALIAS_NAME_LEN]; /* lower case, no final dot */
	bool has4, has6;
	struct sl_addr vip4, vip6;
};

/* Every namespace's names, sorted by (ns_id, name). */
struct sl_alias_names {
	struct sl_alias_name *v;
	size_t n;
};

/* One namespace's aliases as the answerer takes them. */
struct sl_alias_ns {
	uint32_t ns_id;          /* its id in the maps (what sock_vips names) */
	const char *namespace;   /* its name: the suffix of the long names */
	const struct sl_vip_table *vip4, *vip6;
};

/* The names of n namespaces into *out (empty on error). 0 or -ENOMEM. */
int sl_alias_names_build(const struct sl_alias_ns *ns, size_t n, struct sl_alias_names *out);
void sl_alias_names_free(struct sl_alias_names *t);
/* The entry for name (any case, a final dot or not) in namespace ns_id, or NULL. */
const struct sl_alias_name *sl_alias_names_find(const struct sl_alias_names *t, uint32_t ns_id,
						const char *name);

#endif
