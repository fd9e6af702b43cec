// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* registry_merge.c: the instances of several registry parts as one list: in part order, each
 * (ServiceName, InstanceId) taken from the first part that has it. Pure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/registry_merge.h"
#include "lib/log.h"

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool instance_eq(const struct sl_instance *x, const struct sl_instance *y)
{
	return str_eq(x->id, y->id) && str_eq(x->service, y->service) &&
	       str_eq(x->namespace, y->namespace) && x->health == y->health &&
	       x->has_v4 == y->has_v4 && x->has_v6 == y->has_v6 &&
	       (!x->has_v4 || sl_addr_eq(&x->addr4, &y->addr4)) &&
	       (!x->has_v6 || sl_addr_eq(&x->addr6, &y->addr6)) &&
	       x->port == y->port && x->weight == y->weight;
}

bool sl_instances_eq(const struct sl_instances *a, const struct sl_instances *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!instance_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}

/* One instance in the merge, in file order. */
struct mref {
	const struct sl_instance *in;
	size_t part;
	bool drop;
};

static int mref_cmp(const void *a, const void *b)
{
	const struct mref *x = *(const struct mref *const *)a, *y = *(const struct mref *const *)b;
	int c = strcmp(x->in->service, y->in->service);

	if (!c)
		c = strcmp(x->in->id, y->in->id);
	if (!c)
		c = (x > y) - (x < y); /* refs are in file order: the earliest file first */
	return c;
}

/* Mark every instance whose (ServiceName, InstanceId) an earlier part already has. */
static int mark_duplicates(struct mref *refs, size_t n, const struct sl_registry_part *parts,
			   const char *dir)
{
	struct mref **sorted;
	size_t i, first = 0;

	if (n < 2)
		return 0;
	sorted = calloc(n, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &refs[i];
	qsort(sorted, n, sizeof(*sorted), mref_cmp);
	for (i = 1; i < n; i++) {
		const struct mref *keep = sorted[first];

		if (strcmp(sorted[i]->in->service, keep->in->service) ||
		    strcmp(sorted[i]->in->id, keep->in->id)) {
			first = i;
			continue;
		}
		sorted[i]->drop = true;
		pr_warn("%s/%s: instance \"%s\" of service \"%s\" is already in %s/%s; dropped",
			dir, parts[sorted[i]->part].name, keep->in->id, keep->in->service, dir,
			parts[keep->part].name);
	}
	free(sorted);
	return 0;
}

int sl_registry_merge(const struct sl_registry_part *parts, size_t nparts, const char *dir,
		       struct sl_instances *out)
{
	struct mref *refs = NULL;
	size_t i, j, k, total = 0;
	int ret;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < nparts; i++)
		total += parts[i].list->n;
	if (!total)
		return 0;
	refs = calloc(total, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0, k = 0; i < nparts; i++) {
		for (j = 0; j < parts[i].list->n; j++, k++) {
			refs[k].in = &parts[i].list->v[j];
			refs[k].part = i;
		}
	}
	ret = mark_duplicates(refs, total, parts, dir);
	if (ret)
		goto out;
	/* Append each run of kept instances of a part at once. */
	for (i = 0, k = 0; i < nparts; k += parts[i].list->n, i++) {
		const struct sl_instances *l = parts[i].list;
		size_t start = 0;

		for (j = 0; j <= l->n; j++) {
			struct sl_instances run;

			if (j < l->n && !refs[k + j].drop)
				continue;
			run.v = l->v + start;
			run.n = j - start;
			ret = sl_instances_append(out, &run);
			if (ret)
				goto out;
			start = j + 1;
		}
	}
out:
	free(refs);
	if (ret)
		sl_instances_free(out);
	return ret;
}

