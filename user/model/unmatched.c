// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* unmatched.c: the instances the model build passes over, found the way it joins them (the
 * service's discoveryName, the config's namespace or none), grouped by name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vec.h"
#include "model/unmatched.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_inst(const void *a, const void *b)
{
	const struct sl_instance *x = *(const struct sl_instance *const *)a;
	const struct sl_instance *y = *(const struct sl_instance *const *)b;

	return strcmp(x->service, y->service) ?: cmp_nullable(x->namespace, y->namespace);
}

int sl_unmatched_find(const struct sl_ns_cfg *cfg, const struct sl_instances *in,
		      struct sl_unmatched **out, size_t *n)
{
	const struct sl_instance **miss = NULL;
	struct sl_unmatched *v = NULL;
	const char **names = NULL;
	size_t nmiss = 0, cap = 0, i;
	int ret = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (!cfg->enabled)
		return 0; /* serving nothing is what was asked */
	names = calloc(cfg->nservices + 1, sizeof(*names));
	miss = calloc(in->n + 1, sizeof(*miss));
	if (!names || !miss)
		goto out;
	for (i = 0; i < cfg->nservices; i++)
		names[i] = cfg->services[i].name;
	qsort(names, cfg->nservices, sizeof(*names), cmp_str);
	for (i = 0; i < in->n; i++) {
		const struct sl_instance *x = &in->v[i];
		bool joins = (!x->namespace || !strcmp(x->namespace, cfg->namespace)) &&
			     bsearch(&x->service, names, cfg->nservices, sizeof(*names), cmp_str);

		if (!joins)
			miss[nmiss++] = x;
	}
	qsort(miss, nmiss, sizeof(*miss), cmp_inst);
	for (i = 0; i < nmiss; i++) {
		if (*n && !cmp_inst(&miss[i], &miss[i - 1])) {
			v[*n - 1].count++;
			continue;
		}
		if (sl_vec_room(v, *n, cap))
			goto out;
		v[(*n)++] = (struct sl_unmatched){ miss[i]->service, miss[i]->namespace, 1 };
	}
	*out = v;
	v = NULL;
	ret = 0;
out:
	if (ret)
		*n = 0;
	free(v);
	free(names);
	free(miss);
	return ret;
}
