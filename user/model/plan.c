// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* plan.c: diffing two routing models into the minimal ordered set of map writes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/plan.h"

/* Append val to arr[n]; capacity doubles whenever n reaches a power of two. 0 or -ENOMEM. */
#define PUSH(arr, n, val)                                                            \
	({                                                                           \
		int _ret = 0;                                                        \
		if (!((n) & ((n) - 1))) {                                            \
			size_t _cap = (n) < 4 ? 8 : 2 * (n);                         \
			typeof(arr) _nv = realloc((arr), _cap * sizeof(*(arr)));     \
			if (_nv)                                                     \
				(arr) = _nv;                                         \
			else                                                         \
				_ret = -ENOMEM;                                      \
		}                                                                    \
		if (!_ret)                                                           \
			(arr)[(n)++] = (val);                                        \
		_ret;                                                                \
	})

static bool backend_same(const struct sl_backend_model *a, const struct sl_backend_model *b)
{
	return a->id == b->id && a->state == b->state && a->weight == b->weight &&
	       !strcmp(a->instance_id, b->instance_id);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int diff_service(const struct sl_service_model *old, const struct sl_service_model *s,
			struct sl_plan *p)
{
	static const struct sl_table_model empty;
	size_t j;
	int fam;

	for (j = 0; j < s->nbackends; j++) {
		const struct sl_backend_model *b = &s->backends[j];
		const struct sl_backend_model *ob = sl_service_find_backend(old, &b->addr, b->port);
		struct sl_backend_op op = { b, s->id, !ob || ob->id != b->id };

		if ((!ob || !backend_same(ob, b)) &&
		    PUSH(p->backend_upserts, p->nbackend_upserts, op))
			return -ENOMEM;
	}
	if (!old || old->nbackends != s->nbackends ||
	    sl_service_nserving(old) != sl_service_nserving(s) || strcmp(old->name, s->name) ||
	    old->ns_id != s->ns_id ||
	    memcmp(&old->policy, &s->policy, sizeof(s->policy))) {
		struct sl_service_op op = { s, !old };

		if (PUSH(p->service_upserts, p->nservice_upserts, op))
			return -ENOMEM;
	}
	for (fam = 0; fam < 2; fam++) {
		const struct sl_table_model *ot = old ? &old->table[fam] : &empty;
		struct sl_table_op op = { s->id, fam, &s->table[fam] };

		if (!sl_table_eq(ot, &s->table[fam]) && PUSH(p->tables, p->ntables, op))
			return -ENOMEM;
	}
	return 0;
}

/* diff_NAME: walk cur->NAME and want->NAME (arrays of TYPE sorted by .key, memcmp order)
 * side by side: a key only in cur is a delete (into the plan's DELS), one only in want or
 * with another .value an upsert (UPS). */
#define DIFF_KEYED(name, type, ups, dels)                                                               \
	static int diff_##name(const struct sl_model *cur, const struct sl_model *want,      \
			       struct sl_plan *p)                                            \
	{                                                                                    \
		size_t i = 0, j = 0;                                                         \
                                                                                             \
		while (i < cur->n##name || j < want->n##name) {                              \
			const type *c = i < cur->n##name ? &cur->name[i] : NULL;             \
			const type *w = j < want->n##name ? &want->name[j] : NULL;           \
			int order = !c ? 1 : !w ? -1 : memcmp(&c->key, &w->key, sizeof(c->key)); \
                                                                                             \
			if (order < 0) {                                                     \
				if (PUSH(p->dels, p->n##dels, c))        \
					return -ENOMEM;                                      \
				i++;                                                         \
			} else if (order > 0) {                                              \
				if (PUSH(p->ups, p->n##ups, w))        \
					return -ENOMEM;                                      \
				j++;                                                         \
			} else {                                                             \
				if (memcmp(&c->value, &w->value, sizeof(c->value)) &&        \
				    PUSH(p->ups, p->n##ups, w))        \
					return -ENOMEM;                                      \
				i++;                                                         \
				j++;                                                         \
			}                                                                    \
		}                                                                            \
		return 0;                                                                    \
	}

DIFF_KEYED(frontends, struct sl_frontend_model, frontend_upserts, frontend_deletes)
DIFF_KEYED(vip_ports, struct sl_vip_port_model, vip_port_upserts, vip_port_deletes)

/* Namespaces are keyed by id: the same walk, on id. */
static int diff_namespaces(const struct sl_model *cur, const struct sl_model *want,
			   struct sl_plan *p)
{
	size_t i = 0, j = 0;

	while (i < cur->nnamespaces || j < want->nnamespaces) {
		const struct sl_namespace_model *c = i < cur->nnamespaces ? &cur->namespaces[i] : NULL;
		const struct sl_namespace_model *w =
			j < want->nnamespaces ? &want->namespaces[j] : NULL;
		int order = !c ? 1 : !w ? -1 : (c->id > w->id) - (c->id < w->id);

		if (order < 0) {
			if (PUSH(p->namespace_deletes, p->nnamespace_deletes, c->id))
				return -ENOMEM;
			i++;
		} else if (order > 0) {
			if (PUSH(p->namespace_upserts, p->nnamespace_upserts, w))
				return -ENOMEM;
			j++;
		} else {
			if (memcmp(&c->value, &w->value, sizeof(c->value)) &&
			    PUSH(p->namespace_upserts, p->nnamespace_upserts, w))
				return -ENOMEM;
			i++;
			j++;
		}
	}
	return 0;
}

static int diff_removed(const struct sl_model *cur, const struct sl_model *want,
			struct sl_plan *p)
{
	uint32_t *keep = NULL;
	size_t nkeep = 0, i, j;
	int ret = -ENOMEM;

	for (i = 0; i < want->nservices; i++)
		nkeep += want->services[i].nbackends;
	keep = malloc((nkeep + 1) * sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	nkeep = 0;
	for (i = 0; i < want->nservices; i++)
		for (j = 0; j < want->services[i].nbackends; j++)
			keep[nkeep++] = want->services[i].backends[j].id;
	if (nkeep)
		qsort(keep, nkeep, sizeof(*keep), cmp_u32);

	for (i = 0; i < cur->nservices; i++) {
		const struct sl_service_model *s = &cur->services[i];

		if (!sl_model_find_service(want, s->id) &&
		    PUSH(p->service_deletes, p->nservice_deletes, s->id))
			goto out;
		for (j = 0; j < s->nbackends; j++) {
			uint32_t id = s->backends[j].id;

			if ((!nkeep || !bsearch(&id, keep, nkeep, sizeof(*keep), cmp_u32)) &&
			    PUSH(p->backend_deletes, p->nbackend_deletes, id))
				goto out;
		}
	}
	ret = 0;
out:
	free(keep);
	return ret;
}

int sl_plan_make(const struct sl_model *cur, const struct sl_model *want, struct sl_plan *plan)
{
	size_t i;
	int ret;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < want->nservices; i++) {
		const struct sl_service_model *s = &want->services[i];

		ret = diff_service(sl_model_find_service(cur, s->id), s, plan);
		if (ret)
			goto fail;
	}
	ret = diff_namespaces(cur, want, plan);
	if (!ret)
		ret = diff_frontends(cur, want, plan);
	if (!ret)
		ret = diff_vip_ports(cur, want, plan);
	if (!ret)
		ret = diff_removed(cur, want, plan);
	if (!ret)
		return 0;
fail:
	sl_plan_free(plan);
	return ret;
}

size_t sl_plan_size(const struct sl_plan *p)
{
	return p->nnamespace_upserts + p->nbackend_upserts + p->nservice_upserts + p->ntables +
	       p->nfrontend_upserts + p->nvip_port_upserts + p->nvip_port_deletes +
	       p->nfrontend_deletes + p->nservice_deletes + p->nbackend_deletes +
	       p->nnamespace_deletes;
}

void sl_plan_free(struct sl_plan *p)
{
	free(p->backend_upserts);
	free(p->service_upserts);
	free(p->tables);
	free(p->namespace_upserts);
	free(p->frontend_upserts);
	free(p->frontend_deletes);
	free(p->vip_port_upserts);
	free(p->vip_port_deletes);
	free(p->namespace_deletes);
	free(p->service_deletes);
	free(p->backend_deletes);
	memset(p, 0, sizeof(*p));
}
