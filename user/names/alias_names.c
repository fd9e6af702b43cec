// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* alias_names.c: the alias names of each namespace, short and long, merged across the IPv4
 * and IPv6 VIP tables into one sorted array looked up by binary search. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "names/alias_names.h"
#include "lib/vec.h"

/* name in lower case without a final dot into out; false when it does not fit (or is empty). */
static bool normalize(const char *name, char out[SL_ALIAS_NAME_LEN])
{
	size_t n = strlen(name), i;

	if (n && name[n - 1] == '.')
		n--;
	if (!n || n >= SL_ALIAS_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	out[n] = '\0';
	return true;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct sl_alias_name *a = x, *b = y;

	if (a->ns_id != b->ns_id)
		return a->ns_id < b->ns_id ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* One name of one family before the merge. */
struct raw {
	struct sl_alias_name e; /* one family set */
	bool derived;           /* dnsName.<namespace>: an alias's own dnsName wins over it */
};

static int cmp_raw(const void *x, const void *y)
{
	const struct raw *a = x, *b = y;
	int c = cmp_entry(&a->e, &b->e);

	return c ? c : (int)a->derived - (int)b->derived;
}

struct builder {
	struct raw *v;
	size_t n, cap;
};

static int add(struct builder *b, uint32_t ns_id, const char *name, const struct sl_addr *vip,
	       bool derived)
{
	struct raw r = { .e.ns_id = ns_id, .derived = derived };

	if (!normalize(name, r.e.name))
		return 0; /* not a DNS name: the answerer is never asked it */
	if (sl_addr_is_v4(vip)) {
		r.e.has4 = true;
		r.e.vip4 = *vip;
	} else {
		r.e.has6 = true;
		r.e.vip6 = *vip;
	}
	if (sl_vec_room(b->v, b->n, b->cap))
		return -ENOMEM;
	b->v[b->n++] = r;
	return 0;
}

/* Whether name already ends in ".suffix" (the hosts file's rule, case aside). */
static bool ends_in(const char *name, const char *suffix)
{
	size_t nl = strlen(name), sl = strlen(suffix);

	return nl > sl && name[nl - sl - 1] == '.' && !strcasecmp(name + nl - sl, suffix);
}

static int add_table(struct builder *b, const struct sl_alias_ns *ns, const struct sl_vip_table *t)
{
	char longer[2 * SL_ALIAS_NAME_LEN];
	size_t i;
	int ret;

	for (i = 0; t && i < t->n; i++) {
		ret = add(b, ns->ns_id, t->v[i].name, &t->v[i].vip, false);
		if (ret)
			return ret;
		if (ends_in(t->v[i].name, ns->namespace))
			continue;
		snprintf(longer, sizeof(longer), "%s.%s", t->v[i].name, ns->namespace);
		ret = add(b, ns->ns_id, longer, &t->v[i].vip, true);
		if (ret)
			return ret;
	}
	return 0;
}

/* The sorted raw names merged in place into out: one entry per (namespace, name), each
 * family's VIP from its first (own before derived) raw entry. */
static int merge(struct builder *b, struct sl_alias_names *out)
{
	struct sl_alias_name *v = calloc(b->n + 1, sizeof(*v));
	size_t i, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		const struct sl_alias_name *e = &b->v[i].e;
		struct sl_alias_name *last = n ? &v[n - 1] : NULL;

		if (!last || cmp_entry(last, e)) {
			v[n++] = *e;
			continue;
		}
		if (e->has4 && !last->has4) {
			last->has4 = true;
			last->vip4 = e->vip4;
		}
		if (e->has6 && !last->has6) {
			last->has6 = true;
			last->vip6 = e->vip6;
		}
	}
	out->v = v;
	out->n = n;
	return 0;
}

int sl_alias_names_build(const struct sl_alias_ns *ns, size_t n, struct sl_alias_names *out)
{
	struct builder b = {};
	size_t k;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (k = 0; !ret && k < n; k++)
		ret = add_table(&b, &ns[k], ns[k].vip4) ?: add_table(&b, &ns[k], ns[k].vip6);
	if (!ret && b.n)
		qsort(b.v, b.n, sizeof(*b.v), cmp_raw);
	if (!ret)
		ret = merge(&b, out);
	free(b.v);
	return ret;
}

void sl_alias_names_free(struct sl_alias_names *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

const struct sl_alias_name *sl_alias_names_find(const struct sl_alias_names *t, uint32_t ns_id,
						const char *name)
{
	struct sl_alias_name key = { .ns_id = ns_id };

	if (!t->n || !normalize(name, key.name))
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_entry);
}
