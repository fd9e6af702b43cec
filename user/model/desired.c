// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* desired.c: VIP assignment for both families, then the model build, with every error naming
 * the config file it came from. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/desired.h"

/* Assign VIPs for one family; an empty table when the config asks for none. */
static int assign_vips(const struct sl_ns_cfg *cfg, bool v6, const struct sl_vip_table *prev,
		       struct sl_vip_table *out, struct sl_err *err)
{
	struct sl_vip_request *req;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cfg->enabled)
		return 0;
	ret = sl_vip_requests(cfg, v6, &req, &n);
	if (ret)
		return sl_err_set(err, "out of memory assigning VIPs"), ret;
	if (n)
		ret = sl_vip_assign(v6 ? &cfg->vip_cidr6 : &cfg->vip_cidr4,
				    v6 ? "vipCidr6" : "vipCidr", req, n, prev, out, err);
	free(req);
	return ret;
}

int sl_desired_build(const struct sl_desired_input *in, struct sl_id_alloc *service_ids,
		     struct sl_id_alloc *backend_ids, struct sl_desired *out, struct sl_err *err)
{
	static const struct sl_vip_table none;
	const struct sl_config *cfg = in->cfg;
	struct sl_build_input b;
	struct sl_err e = {};
	size_t i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->vip4 = calloc(cfg->nnamespaces, sizeof(*out->vip4));
	out->vip6 = calloc(cfg->nnamespaces, sizeof(*out->vip6));
	out->nns = cfg->nnamespaces;
	if (!out->vip4 || !out->vip6) {
		sl_err_set(&e, "out of memory assigning VIPs");
		ret = -ENOMEM;
	}
	for (i = 0; !ret && i < cfg->nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &cfg->namespaces[i];

		ret = assign_vips(ns, false, in->prev_vip4 ? &in->prev_vip4[i] : &none,
				  &out->vip4[i], &e);
		if (!ret)
			ret = assign_vips(ns, true, in->prev_vip6 ? &in->prev_vip6[i] : &none,
					  &out->vip6[i], &e);
		if (ret && cfg->nnamespaces > 1) { /* say which namespace */
			struct sl_err one = e;

			sl_err_set(&e, "namespaces[%zu] (%s): %s", i, ns->namespace, one.msg);
		}
	}
	if (!ret) {
		b = (struct sl_build_input){ .cfg = cfg, .instances = in->instances,
					     .vip4 = out->vip4, .vip6 = out->vip6,
					     .current = in->current, .verdicts = in->verdicts,
					     .held = in->held };
		service_ids->limit = cfg->limits.services;
		backend_ids->limit = cfg->limits.backends;
		ret = sl_model_build(&b, service_ids, backend_ids, &out->model, &e);
	}
	if (ret) {
		sl_err_set(err, "%s: %s", cfg->origin, e.msg);
		sl_desired_free(out);
	}
	return ret;
}

void sl_desired_free(struct sl_desired *d)
{
	for (size_t i = 0; i < d->nns; i++) {
		if (d->vip4)
			sl_vip_table_free(&d->vip4[i]);
		if (d->vip6)
			sl_vip_table_free(&d->vip6[i]);
	}
	free(d->vip4);
	free(d->vip6);
	sl_model_free(&d->model);
	memset(d, 0, sizeof(*d));
}
