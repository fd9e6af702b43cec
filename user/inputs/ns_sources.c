// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ns_sources.c: a source set per namespace, opened, reloaded by namespace name, dispatched
 * and summed over. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/ns_sources.h"
#include "lib/log.h"

static unsigned generations(const struct sl_ns_sources *nss)
{
	unsigned g = nss->generation;

	for (size_t i = 0; i < nss->n; i++)
		g += nss->v[i].generation;
	return g;
}

int sl_ns_sources_open(struct sl_ns_sources *nss, const struct sl_config *cfg,
		       size_t max_instances, struct sl_err *err)
{
	size_t i;
	int ret;

	memset(nss, 0, sizeof(*nss));
	nss->v = calloc(cfg->nnamespaces, sizeof(*nss->v));
	nss->names = calloc(cfg->nnamespaces, sizeof(*nss->names));
	nss->instances = calloc(cfg->nnamespaces, sizeof(*nss->instances));
	if (!nss->v || !nss->names || !nss->instances) {
		sl_ns_sources_close(nss);
		return sl_err_set(err, "registry: out of memory"), -ENOMEM;
	}
	for (i = 0; i < cfg->nnamespaces; i++) {
		nss->names[i] = strdup(cfg->namespaces[i].namespace);
		ret = nss->names[i] ? sl_sources_open(&nss->v[i], &cfg->namespaces[i],
						      max_instances, err)
				    : (sl_err_set(err, "registry: out of memory"), -ENOMEM);
		if (ret) {
			free(nss->names[i]);
			nss->n = i;
			sl_ns_sources_close(nss);
			return ret;
		}
		nss->v[i].max_instances = max_instances;
		nss->n = i + 1;
	}
	return 0;
}

void sl_ns_sources_close(struct sl_ns_sources *nss)
{
	for (size_t i = 0; i < nss->n; i++) {
		sl_sources_close(&nss->v[i]);
		free(nss->names[i]);
	}
	free(nss->v);
	free(nss->names);
	free(nss->instances);
	memset(nss, 0, sizeof(*nss));
}

bool sl_ns_sources_reload(struct sl_ns_sources *nss, const struct sl_config *cfg)
{
	struct sl_sources *v = calloc(cfg->nnamespaces, sizeof(*v));
	char **names = calloc(cfg->nnamespaces, sizeof(*names));
	struct sl_instances *inst = calloc(cfg->nnamespaces, sizeof(*inst));
	bool *kept = calloc(nss->n + 1, sizeof(*kept)), changed = false;
	size_t max = nss->n ? nss->v[0].max_instances : 0, i, k;
	struct sl_err err;

	if (!v || !names || !inst || !kept) {
		pr_err("registry: out of memory reloading; the sources in use keep serving");
		free(v);
		free(names);
		free(inst);
		free(kept);
		return false;
	}
	for (i = 0; i < cfg->nnamespaces; i++) {
		const struct sl_ns_cfg *ns = &cfg->namespaces[i];

		for (k = 0; k < nss->n && (kept[k] || strcmp(nss->names[k], ns->namespace)); k++)
			;
		if (k < nss->n) { /* the same namespace: its set follows its config */
			kept[k] = true;
			v[i] = nss->v[k];
			names[i] = nss->names[k];
			changed |= sl_sources_reload(&v[i], ns);
			continue;
		}
		names[i] = strdup(ns->namespace);
		changed = true;
		if (!names[i] || sl_sources_open(&v[i], ns, max, &err))
			pr_err("namespace %s: %s; it serves no instances until a reload",
			       ns->namespace, names[i] ? err.msg : "out of memory");
		v[i].max_instances = max;
	}
	for (k = 0; k < nss->n; k++) {
		if (kept[k])
			continue;
		sl_sources_close(&nss->v[k]);
		free(nss->names[k]);
		changed = true;
	}
	free(nss->v);
	free(nss->names);
	free(nss->instances);
	free(kept);
	nss->v = v;
	nss->names = names;
	nss->instances = inst;
	nss->n = cfg->nnamespaces;
	nss->generation += changed;
	return changed;
}

bool sl_ns_sources_dispatch(struct sl_ns_sources *nss, int fd)
{
	bool changed = false;

	for (size_t i = 0; i < nss->n; i++)
		changed |= sl_sources_dispatch(&nss->v[i], fd);
	return changed;
}

bool sl_ns_sources_tick(struct sl_ns_sources *nss)
{
	bool changed = false;

	for (size_t i = 0; i < nss->n; i++)
		changed |= sl_sources_tick(&nss->v[i]);
	return changed;
}

size_t sl_ns_sources_fds(const struct sl_ns_sources *nss, int *fds, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < nss->n && k < max; i++)
		k += sl_sources_fds(&nss->v[i], fds + k, max - k);
	return k;
}

const struct sl_instances *sl_ns_sources_instances(struct sl_ns_sources *nss)
{
	for (size_t i = 0; i < nss->n; i++)
		nss->instances[i] = *sl_sources_instances(&nss->v[i]);
	return nss->instances;
}

bool sl_ns_sources_incomplete(const struct sl_ns_sources *nss)
{
	for (size_t i = 0; i < nss->n; i++)
		if (sl_sources_incomplete(&nss->v[i]))
			return true;
	return false;
}

const struct sl_source *sl_ns_sources_first_problem(const struct sl_ns_sources *nss)
{
	for (size_t i = 0; i < nss->n; i++)
		if (sl_sources_first_problem(&nss->v[i]))
			return sl_sources_first_problem(&nss->v[i]);
	return NULL;
}

unsigned sl_ns_sources_failing(const struct sl_ns_sources *nss)
{
	unsigned n = 0;

	for (size_t i = 0; i < nss->n; i++)
		n += sl_sources_failing(&nss->v[i]);
	return n;
}

size_t sl_ns_sources_pending(const struct sl_ns_sources *nss)
{
	size_t n = 0;

	for (size_t i = 0; i < nss->n; i++)
		n += nss->v[i].nwant;
	return n;
}

size_t sl_ns_sources_count(const struct sl_ns_sources *nss)
{
	size_t n = 0;

	for (size_t i = 0; i < nss->n; i++)
		n += sl_sources_instances(&nss->v[i])->n;
	return n;
}

unsigned sl_ns_sources_generation(const struct sl_ns_sources *nss)
{
	return generations(nss);
}
