// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* desired.c: VIP assignment for both families, then the model build, with every error naming
 * the config file it came from. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/desired.h"

/* Assign VIPs for one family; an empty table when the config asks for none. */
static int assign_vips(const struct sl_config *cfg, bool v6, const struct sl_vip_table *prev,
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
	struct sl_build_input b;
	struct sl_err e = {};
	int ret;

	memset(out, 0, sizeof(*out));
	ret = assign_vips(in->cfg, false, in->prev_vip4 ? in->prev_vip4 : &none, &out->vip4, &e);
	if (!ret)
		ret = assign_vips(in->cfg, true, in->prev_vip6 ? in->prev_vip6 : &none, &out->vip6,
				  &e);
	if (!ret) {
		b = (struct sl_build_input){ .cfg = in->cfg, .instances = in->instances,
					     .vip4 = &out->vip4, .vip6 = &out->vip6,
					     .current = in->current, .verdicts = in->verdicts,
					     .held = in->held };
		service_ids->limit = in->cfg->limits.services;
		backend_ids->limit = in->cfg->limits.backends;
		ret = sl_model_build(&b, service_ids, backend_ids, &out->model, &e);
	}
	if (ret) {
		sl_err_set(err, "%s: %s", in->cfg->origin, e.msg);
		sl_desired_free(out);
	}
	return ret;
}

void sl_desired_free(struct sl_desired *d)
{
	sl_vip_table_free(&d->vip4);
	sl_vip_table_free(&d->vip6);
	sl_model_free(&d->model);
}
