// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* check.c: a trial run of the input stages (config, registry, the VIPs of the state file, the
 * model) without the kernel or file stages: nothing written, no map opened. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "files/state_file.h"
#include "inputs/ns_sources.h"
#include "lib/log.h"
#include "model/desired.h"
#include "sluiced/check.h"

static void print_model(FILE *out, const struct sl_config *cfg, const struct sl_model *m)
{
	char a[SL_ENDPOINT_STRLEN];
	size_t i, j;

	for (size_t k = 0; k < m->nnamespaces; k++) {
		const struct sl_namespace_model *ns = &m->namespaces[k];
		size_t nsvc = 0, nfe = 0;

		for (i = 0; i < m->nservices; i++)
			nsvc += m->services[i].ns_id == ns->id;
		for (j = 0; j < m->nfrontends; j++)
			nfe += m->frontends[j].key.ns_id == ns->id;
		fprintf(out, "namespace %s: %zu services, %zu frontends\n", ns->value.name, nsvc, nfe);
	}
	(void)cfg;
	for (i = 0; i < m->nservices; i++) {
		const struct sl_service_model *s = &m->services[i];
		const struct sl_namespace_model *ns = sl_model_find_namespace(m, s->ns_id);

		fprintf(out, "service %s%s%s: %zu backends, %u serving%s\n", s->name,
			m->nnamespaces > 1 ? " in " : "", m->nnamespaces > 1 && ns ? ns->value.name : "",
			s->nbackends, sl_service_nserving(s),
			s->policy.flags & SLUICE_POLICY_PANIC ? " (panic: routing to all)" : "");
		for (j = 0; j < m->nfrontends; j++) {
			const struct sl_frontend_model *f = &m->frontends[j];
			struct sl_addr vip;

			if (f->value.service_id != s->id)
				continue;
			memcpy(vip.a, f->key.addr, sizeof(vip.a));
			fprintf(out, "  alias %s: %s %s\n", f->value.alias,
				sl_endpoint_format(&vip, ntohs(f->key.port), a, sizeof(a)),
				f->key.proto == IPPROTO_UDP ? "udp" : "tcp");
		}
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];

			fprintf(out, "  backend %s %s weight %u %s\n",
				sl_endpoint_format(&b->addr, b->port, a, sizeof(a)), b->instance_id,
				b->weight, sl_backend_state_name(b->state));
		}
	}
}

/* The registry's sources into *ss: 0 when every one reads and every file parses (problems
 * are said by the sources). */
static int check_registry(const struct sl_config *cfg, struct sl_ns_sources *ss)
{
	struct sl_err err;

	if (sl_ns_sources_open(ss, cfg, 2 * (size_t)cfg->limits.backends, &err)) {
		pr_err("%s", err.msg);
		return -1;
	}
	return sl_ns_sources_incomplete(ss) ? -1 : 0;
}

int sl_check(const char *config_path, FILE *out)
{
	static const struct sl_model empty;
	struct sl_ns_sources reg = {};
	struct sl_vip_table *prev4 = NULL, *prev6 = NULL;
	size_t nsrc = 0, k;
	struct sl_desired want = {};
	struct sl_id_alloc sids = {}, bids = {};
	struct sl_desired_input in;
	struct sl_state st = {};
	struct sl_config cfg;
	struct sl_err err;
	int ret = 1;

	if (sl_config_load(config_path, &cfg, &err)) {
		pr_err("%s", err.msg);
		return 1;
	}
	fprintf(out, "config %s: valid\n", config_path);
	if (sl_state_load(cfg.state_file, &st, &err))
		pr_warn("%s; VIPs would be assigned anew", err.msg);
	if (check_registry(&cfg, &reg))
		goto out;
	for (k = 0; k < reg.n; k++)
		nsrc += reg.v[k].n;
	if (nsrc)
		fprintf(out, "registry: %zu source%s, %zu instances\n", nsrc, nsrc == 1 ? "" : "s",
			sl_ns_sources_count(&reg));
	prev4 = calloc(cfg.nnamespaces, sizeof(*prev4));
	prev6 = calloc(cfg.nnamespaces, sizeof(*prev6));
	if (!prev4 || !prev6)
		goto out;
	sl_state_views(&st, &cfg, prev4, prev6);
	in = (struct sl_desired_input){ .cfg = &cfg,
					.instances = sl_ns_sources_instances(&reg),
					.prev_vip4 = prev4, .prev_vip6 = prev6,
					.current = &empty };
	if (sl_desired_build(&in, &sids, &bids, &want, &err)) {
		pr_err("%s", err.msg);
		goto out;
	}
	print_model(out, &cfg, &want.model);
	ret = 0;
out:
	sl_desired_free(&want);
	free(prev4);
	free(prev6);
	sl_ns_sources_close(&reg);
	sl_state_free(&st);
	sl_config_free(&cfg);
	if (ret)
		fprintf(stderr, "sluiced: %s: check failed\n", config_path);
	return ret;
}
