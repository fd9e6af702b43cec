// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* names_sync.c: the namespaces that answer DNS, their ids and VIP tables, made into the
 * answerers' alias names after each reconcile (an alias added is answered at once). */
#include <stdlib.h>
#include "lib/log.h"
#include "sluiced/names_sync.h"

void sl_names_sync(struct sl_names *n, const struct sl_config *cfg, const struct sl_model *current,
		   const struct sl_state *st)
{
	struct sl_alias_ns *v;
	struct sl_alias_names names;
	size_t k = 0, i;

	if (!n)
		return;
	v = calloc(cfg->nnamespaces + 1, sizeof(*v));
	if (!v) {
		pr_warn("names: out of memory: the alias names stay as they were");
		return;
	}
	for (i = 0; i < cfg->nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &cfg->namespaces[i];
		const struct sl_namespace_model *m;
		const struct sl_state_ns *vips;

		if (!ns->enabled || !ns->names.dns)
			continue;
		m = sl_model_find_namespace_name(current, ns->namespace);
		if (!m)
			continue;
		vips = sl_state_find(st, ns->namespace);
		v[k++] = (struct sl_alias_ns){ .ns_id = m->id, .namespace = ns->namespace,
					       .vip4 = vips ? &vips->vip4 : NULL,
					       .vip6 = vips ? &vips->vip6 : NULL };
	}
	if (sl_alias_names_build(v, k, &names))
		pr_warn("names: out of memory: the alias names stay as they were");
	else
		sl_names_set(n, &names, k > 0);
	free(v);
}
