// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* model.c: building the desired routing model from config, registry instances and VIPs,
 * keeping the ids of what already exists; helpers to compare and search models. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/vec.h"
#include "model/model.h"
#include "model/slots.h"

static int cmp_backend(const void *a, const void *b)
{
	const struct sl_backend_model *x = a, *y = b;
	int c = sl_addr_cmp(&x->addr, &y->addr);

	return c ? c : (int)x->port - (int)y->port;
}

static int cmp_service_id(const void *a, const void *b)
{
	const struct sl_service_model *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_frontend(const void *a, const void *b)
{
	const struct sl_frontend_model *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cmp_namespace_id(const void *a, const void *b)
{
	const struct sl_namespace_model *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_vip_port(const void *a, const void *b)
{
	const struct sl_vip_port_model *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void sl_model_sort(struct sl_model *m)
{
	size_t i;

	if (m->nnamespaces)
		qsort(m->namespaces, m->nnamespaces, sizeof(*m->namespaces), cmp_namespace_id);
	if (m->nservices)
		qsort(m->services, m->nservices, sizeof(*m->services), cmp_service_id);
	if (m->nfrontends)
		qsort(m->frontends, m->nfrontends, sizeof(*m->frontends), cmp_frontend);
	if (m->nvip_ports)
		qsort(m->vip_ports, m->nvip_ports, sizeof(*m->vip_ports), cmp_vip_port);
	for (i = 0; i < m->nservices; i++)
		if (m->services[i].nbackends)
			qsort(m->services[i].backends, m->services[i].nbackends,
			      sizeof(*m->services[i].backends), cmp_backend);
}

void sl_model_free(struct sl_model *m)
{
	size_t i;

	for (i = 0; i < m->nservices; i++) {
		free(m->services[i].backends);
		free(m->services[i].table[0].slots);
		free(m->services[i].table[1].slots);
	}
	free(m->services);
	free(m->frontends);
	free(m->namespaces);
	free(m->vip_ports);
	memset(m, 0, sizeof(*m));
}

const struct sl_namespace_model *sl_model_find_namespace_name(const struct sl_model *m,
							      const char *name)
{
	for (size_t i = 0; i < m->nnamespaces; i++)
		if (!strcmp(m->namespaces[i].value.name, name))
			return &m->namespaces[i];
	return NULL;
}

const struct sl_namespace_model *sl_model_find_namespace(const struct sl_model *m, uint32_t id)
{
	struct sl_namespace_model key = { .id = id };

	if (!m->nnamespaces)
		return NULL;
	return bsearch(&key, m->namespaces, m->nnamespaces, sizeof(key), cmp_namespace_id);
}

const char *sl_model_service_ns_name(const struct sl_model *m, const struct sl_service_model *s)
{
	const struct sl_namespace_model *ns = sl_model_find_namespace(m, s->ns_id);

	return ns ? ns->value.name : "?";
}

const struct sl_service_model *sl_model_find_service(const struct sl_model *m, uint32_t id)
{
	struct sl_service_model key = { .id = id };

	if (!m->nservices)
		return NULL;
	return bsearch(&key, m->services, m->nservices, sizeof(key), cmp_service_id);
}

const struct sl_service_model *sl_model_find_service_name(const struct sl_model *m,
							  uint32_t ns_id, const char *name)
{
	size_t i;

	for (i = 0; i < m->nservices; i++)
		if ((!ns_id || m->services[i].ns_id == ns_id) && !strcmp(m->services[i].name, name))
			return &m->services[i];
	return NULL;
}

bool sl_table_eq(const struct sl_table_model *a, const struct sl_table_model *b)
{
	if (a->nslots != b->nslots)
		return false;
	return !a->nslots || !memcmp(a->slots, b->slots, a->nslots * sizeof(*a->slots));
}

const struct sl_backend_model *sl_service_find_backend(const struct sl_service_model *s,
						       const struct sl_addr *addr, uint16_t port)
{
	size_t lo = 0, hi = s ? s->nbackends : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = sl_addr_cmp(&s->backends[mid].addr, addr);

		if (!c)
			c = (int)s->backends[mid].port - (int)port;
		if (!c)
			return &s->backends[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The registry serves it (HEALTHY or UNKNOWN, weight above 0): only sluice's own verdicts,
 * check-failed or ejected, may keep it out, and panic mode overrides those. */
static bool registry_serves(const struct sl_backend_model *b)
{
	return b->state != SLUICE_BACKEND_DRAINING && b->state != SLUICE_BACKEND_UNHEALTHY;
}

bool sl_backend_in_table(const struct sl_service_model *s, const struct sl_backend_model *b)
{
	if (s->policy.flags & SLUICE_POLICY_PANIC)
		return registry_serves(b);
	return b->state == SLUICE_BACKEND_SERVING;
}

const char *sl_backend_state_name(uint8_t state)
{
	static const char *const names[] = {
		[SLUICE_BACKEND_SERVING] = "serving", [SLUICE_BACKEND_UNHEALTHY] = "unhealthy",
		[SLUICE_BACKEND_DRAINING] = "draining", [SLUICE_BACKEND_CHECK_FAILED] = "check-failed",
		[SLUICE_BACKEND_EJECTED] = "ejected",
	};

	return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "unknown";
}

uint32_t sl_service_nserving(const struct sl_service_model *s)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < s->nbackends; i++)
		n += sl_backend_in_table(s, &s->backends[i]);
	return n;
}

void sl_policy_from_config(const struct sl_service_cfg *sc, struct sluice_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->lb_policy = sc->lb_policy;
	if (sc->outlier.enabled) {
		pol->consecutive_failures = sc->outlier.consecutive_failures;
		pol->ejection_ns = (uint64_t)sc->outlier.base_ejection_ms * 1000000ULL;
	}
	pol->affinity_timeout_ns = (uint64_t)sc->affinity_timeout_s * 1000000000ULL;
	pol->connect_timeout_ms = sc->connect_timeout_ms;
	pol->idle_timeout_s = sc->idle_timeout_s;
	pol->max_connections = sc->max_connections;
}

/* Panic mode (Envoy's healthy_panic_threshold): of the backends the registry serves, fewer
 * than panic_percent pass sluice's checks and ejections, so route across all of those rather
 * than overload the few. The registry's UNHEALTHY and draining backends never count, nor
 * serve: a service the registry serves nothing of refuses. */
static bool in_panic(const struct sl_service_model *svc, uint32_t panic_percent)
{
	uint64_t serving = 0, total = 0;
	size_t i;

	for (i = 0; i < svc->nbackends; i++) {
		total += registry_serves(&svc->backends[i]);
		serving += svc->backends[i].state == SLUICE_BACKEND_SERVING;
	}
	return panic_percent && total && serving * 100 < (uint64_t)panic_percent * total;
}

void sl_frontend_key_make(struct sluice_frontend_key *k, uint32_t ns_id,
			  const struct sl_addr *vip, uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	k->ns_id = ns_id;
	memcpy(k->addr, vip->a, sizeof(k->addr));
	k->port = htons(port);
	k->proto = proto;
}

static int cmp_request_name(const void *a, const void *b)
{
	const struct sl_vip_request *x = a, *y = b;

	return strcmp(x->name, y->name) ?: (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_request_seq(const void *a, const void *b)
{
	const struct sl_vip_request *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

int sl_vip_requests(const struct sl_ns_cfg *cfg, bool v6, struct sl_vip_request **req,
		    size_t *n)
{
	struct sl_vip_request *r = NULL;
	size_t cap = 0, cnt = 0, i, j, k;

	for (i = 0; i < cfg->nservices; i++)
		cap += cfg->services[i].naliases;
	if (cap) {
		r = calloc(cap, sizeof(*r));
		if (!r)
			return -ENOMEM;
	}
	/* Every alias in config order, then one request per name (sorting by name, not a
	 * scan per alias: configs hold 100,000 of them), kept in order of first use. */
	for (i = 0; i < cfg->nservices; i++) {
		const struct sl_service_cfg *s = &cfg->services[i];

		for (j = 0; j < s->naliases; j++) {
			const struct sl_alias_cfg *a = &s->aliases[j];
			bool fixed = v6 ? a->has_vip6 : a->has_vip4;

			if (v6 && !fixed && !cfg->has_vip_cidr6)
				continue;
			r[cnt].name = a->dns_name;
			r[cnt].fixed = fixed;
			if (fixed)
				r[cnt].vip = v6 ? a->vip6 : a->vip4;
			r[cnt].seq = cnt;
			cnt++;
		}
	}
	if (cnt)
		qsort(r, cnt, sizeof(*r), cmp_request_name);
	for (i = 0, k = 0; i < cnt; k++) {
		r[k] = r[i];
		/* A later alias of the name with a fixed VIP fixes it (the last one wins). */
		for (j = i + 1; j < cnt && !strcmp(r[j].name, r[i].name); j++) {
			if (r[j].fixed) {
				r[k].fixed = true;
				r[k].vip = r[j].vip;
			}
		}
		i = j;
	}
	cnt = k;
	if (cnt)
		qsort(r, cnt, sizeof(*r), cmp_request_seq);
	*req = r;
	*n = cnt;
	return 0;
}

/* ---- id allocation ---- */

struct id_set {
	uint8_t *bits;
	uint32_t limit;
};

static int id_set_init(struct id_set *s, uint32_t limit)
{
	s->limit = limit;
	s->bits = calloc(limit / 8 + 1, 1);
	return s->bits ? 0 : -ENOMEM;
}

static void id_set_add(struct id_set *s, uint32_t id)
{
	if (id < s->limit)
		s->bits[id / 8] |= 1U << (id % 8);
}

static bool id_set_has(const struct id_set *s, uint32_t id)
{
	return id < s->limit && (s->bits[id / 8] & (1U << (id % 8)));
}

/* The next free id after the allocator's cursor, wrapping; 0 when none is free. */
static uint32_t id_take(struct sl_id_alloc *a, struct id_set *used)
{
	uint32_t i, id;

	if (a->limit < 2)
		return 0;
	for (i = 0; i < a->limit - 1; i++) {
		id = 1 + (a->cursor + i) % (a->limit - 1);
		if (!id_set_has(used, id)) {
			id_set_add(used, id);
			a->cursor = id;
			return id;
		}
	}
	return 0;
}

/* ---- building ---- */

struct build {
	const struct sl_build_input *in;
	struct sl_id_alloc *service_ids, *backend_ids;
	struct id_set used_services, used_backends;
	const struct sl_ns_cfg *ns;          /* the namespace being built */
	const struct sl_instance **by_service; /* its instances sorted by ServiceName */
	const struct sl_service_model **cur_by_name; /* current services by namespace, name */
	const struct sl_vip_entry **vip4, **vip6;    /* in->vip4 and vip6 sorted by name */
	size_t ninst;
	uint32_t ns_id;                       /* the namespace being built */
	size_t ns_index;                      /* its place in cfg->namespaces */
	size_t ns_cap;                        /* room in the model's namespaces */
	struct sl_slot_backend *scratch;      /* SLUICE_MAX_SLOTS entries */
	struct sluice_slot *slots;            /* SLUICE_MAX_SLOTS entries */
	struct sl_err *err;
};

static int cmp_service_name(const void *a, const void *b)
{
	const struct sl_service_model *const *x = a, *const *y = b;

	if ((*x)->ns_id != (*y)->ns_id)
		return (*x)->ns_id < (*y)->ns_id ? -1 : 1;
	return strcmp((*x)->name, (*y)->name);
}

/* The current service of that name, by binary search (reconciles touch every service). */
static const struct sl_service_model *current_named(const struct build *b, const char *name)
{
	struct sl_service_model key;
	const struct sl_service_model *kp = &key, *const *hit;
	size_t n = b->in->current->nservices;

	if (!n)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	key.ns_id = b->ns_id;
	hit = bsearch(&kp, b->cur_by_name, n, sizeof(*b->cur_by_name), cmp_service_name);
	return hit ? *hit : NULL;
}

static int cmp_inst_service(const void *a, const void *b)
{
	const struct sl_instance *const *x = a, *const *y = b;

	return strcmp((*x)->service, (*y)->service);
}

static void instances_of(const struct build *b, const char *service, size_t *first,
			 size_t *count)
{
	size_t lo = 0, hi = b->ninst, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(b->by_service[mid]->service, service) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < b->ninst && !strcmp(b->by_service[end]->service, service); end++)
		;
	*first = lo;
	*count = end - lo;
}

static uint8_t backend_state(const struct sl_instance *inst)
{
	if (inst->health == SL_HEALTH_UNHEALTHY)
		return SLUICE_BACKEND_UNHEALTHY;
	if (!inst->weight)
		return SLUICE_BACKEND_DRAINING;
	return SLUICE_BACKEND_SERVING;
}

static void backend_from(struct sl_backend_model *bk, const struct sl_instance *inst,
			 const struct sl_addr *addr, uint16_t port)
{
	memset(bk, 0, sizeof(*bk));
	bk->addr = *addr;
	bk->port = port;
	bk->state = backend_state(inst);
	bk->weight = inst->weight;
	snprintf(bk->instance_id, sizeof(bk->instance_id), "%s", inst->id);
}

int sl_held_cmp(const struct sl_held_entry *a, const struct sl_held_entry *b)
{
	int c = strcmp(a->service, b->service);

	if (!c)
		c = sl_addr_cmp(&a->addr, &b->addr);
	return c ? c : (int)a->port - (int)b->port;
}

static int held_cmp(const void *a, const void *b)
{
	return sl_held_cmp(a, b);
}

static bool is_held(const struct build *b, const struct sl_service_model *svc,
		    const struct sl_backend_model *bk)
{
	struct sl_held_entry key = { svc->name, bk->addr, bk->port };
	const struct sl_held *h = &b->in->held;

	return h->n && bsearch(&key, h->v, h->n, sizeof(*h->v), held_cmp);
}

/* Cloud Map's HEALTHY_OR_ELSE_ALL: when the registry serves none of them, the UNHEALTHY ones
 * serve (a draining one still does not, UNHEALTHY or not: weight 0 holds no slot). */
static void health_or_else_all(struct sl_backend_model *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].state == SLUICE_BACKEND_SERVING)
			return;
	for (i = 0; i < n; i++)
		if (v[i].state == SLUICE_BACKEND_UNHEALTHY && v[i].weight)
			v[i].state = SLUICE_BACKEND_SERVING;
}

/* The backends of one service: one per instance and address family, sorted, a second
 * instance at the same address and port dropped; an instance with no port takes the
 * service's, and without one is left out (said). */
static int build_backends(struct build *b, struct sl_service_model *svc,
			  const struct sl_service_cfg *sc)
{
	const char *ns = b->ns->namespace;
	const struct sl_service_model *cur = current_named(b, svc->name);
	size_t first, count, i, n = 0;
	struct sl_backend_model *v;

	instances_of(b, svc->name, &first, &count);
	if (!count)
		return 0;
	v = calloc(count * 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = first; i < first + count; i++) {
		const struct sl_instance *inst = b->by_service[i];

		uint16_t port = inst->port ? inst->port : sc->port;

		if (inst->namespace && strcmp(inst->namespace, ns))
			continue;
		if (!port) {
			pr_warn("service %s: instance %s has no AWS_INSTANCE_PORT and the service gives "
				"no \"port\" in %s: left out", svc->name, inst->id, b->in->cfg->origin);
			continue;
		}
		if (inst->has_v4)
			backend_from(&v[n++], inst, &inst->addr4, port);
		if (inst->has_v6)
			backend_from(&v[n++], inst, &inst->addr6, port);
	}
	if (sc->health_or_else_all)
		health_or_else_all(v, n);
	if (n)
		qsort(v, n, sizeof(*v), cmp_backend);
	for (i = 1; i < n; i++) {
		if (cmp_backend(&v[i - 1], &v[i]))
			continue;
		pr_warn("service %s: instances %s and %s have the same address and port; using %s",
			svc->name, v[i - 1].instance_id, v[i].instance_id, v[i - 1].instance_id);
		memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
		n--;
		i--;
	}
	for (i = 0; i < n; i++) {
		const struct sl_backend_model *old = NULL;

		if (cur && cur->nbackends)
			old = bsearch(&v[i], cur->backends, cur->nbackends, sizeof(*v), cmp_backend);
		v[i].id = old ? old->id : id_take(b->backend_ids, &b->used_backends);
		if (!v[i].id) {
			free(v);
			sl_err_set(b->err, "limits.backends (%u): no backend id left for service %s",
				   b->backend_ids->limit, svc->name);
			return -ENOSPC;
		}
		/* The registry's UNHEALTHY and DRAINING win; of a backend it serves, ask sluiced's
		 * health checks and ejections (a new id has had none, unless it left ejected). */
		if (old && v[i].state == SLUICE_BACKEND_SERVING && v[i].id < b->in->verdicts.n &&
		    b->in->verdicts.v)
			v[i].state = b->in->verdicts.v[v[i].id];
		else if (!old && v[i].state == SLUICE_BACKEND_SERVING && is_held(b, svc, &v[i]))
			v[i].state = SLUICE_BACKEND_EJECTED;
	}
	svc->backends = v;
	svc->nbackends = n;
	return 0;
}

static int build_table(struct build *b, struct sl_service_model *svc, int fam)
{
	size_t i, n = 0;
	int nslots;

	for (i = 0; i < svc->nbackends; i++) {
		const struct sl_backend_model *bk = &svc->backends[i];

		if (!sl_backend_in_table(svc, bk) ||
		    sl_addr_is_v4(&bk->addr) != (fam == SLUICE_FAM_V4))
			continue;
		if (n == SLUICE_MAX_SLOTS) {
			sl_err_set(b->err, "service %s: more than %d serving IPv%d backends (one slot "
				   "table holds at most that many)", svc->name, SLUICE_MAX_SLOTS,
				   fam == SLUICE_FAM_V4 ? 4 : 6);
			return -ENOSPC;
		}
		b->scratch[n].backend_id = bk->id;
		b->scratch[n].weight = bk->weight;
		b->scratch[n].addr = bk->addr;
		b->scratch[n].port = bk->port;
		n++;
	}
	nslots = sl_slots_build(b->scratch, n, b->slots, SLUICE_MAX_SLOTS);
	if (nslots < 0) {
		sl_err_set(b->err, "service %s: cannot build its slot table", svc->name);
		return nslots;
	}
	if (!nslots)
		return 0;
	svc->table[fam].slots = malloc(nslots * sizeof(*b->slots));
	if (!svc->table[fam].slots)
		return -ENOMEM;
	memcpy(svc->table[fam].slots, b->slots, nslots * sizeof(*b->slots));
	svc->table[fam].nslots = nslots;
	return 0;
}

static int add_frontends(struct build *b, struct sl_model *m, const struct sl_service_cfg *sc,
			 uint32_t service_id, size_t *cap)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const unsigned proto_bits[] = { SL_PROTO_TCP, SL_PROTO_UDP };
	const struct sl_config *cfg = b->in->cfg;
	const struct sl_vip_table *vt4 = b->in->vip4 ? &b->in->vip4[b->ns_index] : NULL;
	const struct sl_vip_table *vt6 = b->in->vip6 ? &b->in->vip6[b->ns_index] : NULL;
	size_t i, p, f;

	for (i = 0; i < sc->naliases; i++) {
		const struct sl_alias_cfg *a = &sc->aliases[i];
		const struct sl_addr *vips[2] = {
			sl_vip_find(b->vip4, b->vip4 ? vt4->n : 0, a->dns_name),
			sl_vip_find(b->vip6, b->vip6 ? vt6->n : 0, a->dns_name),
		};

		for (f = 0; f < 2; f++) {
			for (p = 0; p < 2 && vips[f]; p++) {
				struct sl_frontend_model *fe;

				if (!(sc->protocols & proto_bits[p]))
					continue;
				if (m->nfrontends == cfg->limits.frontends) {
					sl_err_set(b->err, "limits.frontends (%u): more frontends "
						   "(aliases x families x protocols) than that",
						   cfg->limits.frontends);
					return -ENOSPC;
				}
				if (sl_vec_room(m->frontends, m->nfrontends, *cap))
					return -ENOMEM;
				fe = &m->frontends[m->nfrontends++];
				memset(fe, 0, sizeof(*fe));
				sl_frontend_key_make(&fe->key, b->ns_id, vips[f], a->port,
						     protos[p]);
				fe->value.service_id = service_id;
				snprintf(fe->value.alias, sizeof(fe->value.alias), "%s", a->dns_name);
			}
		}
	}
	return 0;
}

static int build_service(struct build *b, struct sl_model *m, const struct sl_service_cfg *sc,
			 size_t *fcap)
{
	const struct sl_service_model *cur = current_named(b, sc->name);
	struct sl_service_model *svc = &m->services[m->nservices];
	int err;

	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "%s", sc->name);
	svc->ns_id = b->ns_id;
	svc->id = cur ? cur->id : id_take(b->service_ids, &b->used_services);
	if (!svc->id) {
		sl_err_set(b->err, "limits.services (%u): no service id left for service %s",
			   b->service_ids->limit, sc->name);
		return -ENOSPC;
	}
	m->nservices++; /* owned by m from here: freed with it on error */
	sl_policy_from_config(sc, &svc->policy);
	svc->terminate_tcp = sc->terminate_tcp;
	svc->outlier = sc->outlier;
	err = build_backends(b, svc, sc);
	if (!err && in_panic(svc, sc->panic_percent))
		svc->policy.flags |= SLUICE_POLICY_PANIC;
	if (!err)
		err = build_table(b, svc, SLUICE_FAM_V4);
	if (!err)
		err = build_table(b, svc, SLUICE_FAM_V6);
	if (!err)
		err = add_frontends(b, m, sc, svc->id, fcap);
	return err;
}

/* A namespace keeps its id; a new one takes the id after the highest in use, so an id
 * that left (and tasks still naming it) is not handed to another at once. */
static uint32_t namespace_id(const struct build *b, const struct sl_model *m, const char *name)
{
	const struct sl_namespace_model *cur = sl_model_find_namespace_name(b->in->current, name);
	uint32_t id, top = 0;
	size_t i;

	if (cur)
		return cur->id;
	for (i = 0; i < b->in->current->nnamespaces; i++)
		top = b->in->current->namespaces[i].id > top ? b->in->current->namespaces[i].id : top;
	for (i = 0; i < m->nnamespaces; i++)
		top = m->namespaces[i].id > top ? m->namespaces[i].id : top;
	for (id = 1; id < SLUICE_MAX_NAMESPACES; id++) {
		uint32_t cand = 1 + (top + id - 1) % (SLUICE_MAX_NAMESPACES - 1);

		if (!sl_model_find_namespace(b->in->current, cand)) {
			for (i = 0; i < m->nnamespaces && m->namespaces[i].id != cand; i++)
				;
			if (i == m->nnamespaces)
				return cand;
		}
	}
	return 0;
}

static int build_namespace(struct build *b, struct sl_model *m, const char *name,
			   uint32_t order)
{
	struct sl_namespace_model *ns;

	if (sl_vec_room(m->namespaces, m->nnamespaces, b->ns_cap))
		return -ENOMEM;
	ns = &m->namespaces[m->nnamespaces];
	memset(ns, 0, sizeof(*ns));
	ns->id = namespace_id(b, m, name);
	if (!ns->id) {
		sl_err_set(b->err, "namespace %s: no namespace id left (at most %d namespaces)",
			   name, SLUICE_MAX_NAMESPACES - 1);
		return -ENOSPC;
	}
	snprintf(ns->value.name, sizeof(ns->value.name), "%s", name);
	ns->value.order = order;
	ns->value.flags = b->ns->names.dns ? SLUICE_NS_DNS : 0;
	m->nnamespaces++;
	b->ns_id = ns->id;
	return 0;
}

/* vip_ports from the frontends: one entry per VIP, port and protocol, counting the
 * namespaces that have a frontend there. */
static int build_vip_ports(struct sl_model *m)
{
	struct sl_vip_port_model *v;
	size_t i, n = 0, j;

	if (!m->nfrontends)
		return 0;
	v = calloc(m->nfrontends, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->nfrontends; i++) {
		const struct sluice_frontend_key *k = &m->frontends[i].key;

		memcpy(v[i].key.addr, k->addr, sizeof(v[i].key.addr));
		v[i].key.port = k->port;
		v[i].key.proto = k->proto;
		v[i].value.namespaces = 1;
	}
	/* One namespace has one frontend per VIP, port and protocol: equal keys are as many
	 * namespaces. */
	qsort(v, m->nfrontends, sizeof(*v), cmp_vip_port);
	for (i = 0; i < m->nfrontends; i = j) {
		v[n] = v[i];
		for (j = i + 1; j < m->nfrontends && !cmp_vip_port(&v[i], &v[j]); j++)
			v[n].value.namespaces++;
		n++;
	}
	m->vip_ports = v;
	m->nvip_ports = n;
	return 0;
}

static void mark_current_ids(struct build *b)
{
	const struct sl_model *cur = b->in->current;
	size_t i, j;

	for (i = 0; i < cur->nservices; i++) {
		id_set_add(&b->used_services, cur->services[i].id);
		for (j = 0; j < cur->services[i].nbackends; j++)
			id_set_add(&b->used_backends, cur->services[i].backends[j].id);
	}
}

/* Namespace k of the config: its id, then its services from its own instances and VIPs. */
static int build_ns(struct build *b, struct sl_model *m, size_t k, size_t *fcap)
{
	const struct sl_ns_cfg *ns = &b->in->cfg->namespaces[k];
	const struct sl_instances *insts = b->in->instances ? &b->in->instances[k] : NULL;
	size_t i;
	int ret;

	b->ns = ns;
	b->ns_index = k;
	b->ninst = insts ? insts->n : 0;
	b->by_service = calloc(b->ninst + 1, sizeof(*b->by_service));
	ret = !b->by_service ||
	      sl_vip_index(b->in->vip4 ? &b->in->vip4[k] : NULL, &b->vip4) ||
	      sl_vip_index(b->in->vip6 ? &b->in->vip6[k] : NULL, &b->vip6) ? -ENOMEM : 0;
	for (i = 0; !ret && i < b->ninst; i++)
		b->by_service[i] = &insts->v[i];
	if (!ret && b->ninst)
		qsort(b->by_service, b->ninst, sizeof(*b->by_service), cmp_inst_service);
	if (!ret)
		ret = build_namespace(b, m, ns->namespace, (uint32_t)k);
	for (i = 0; !ret && i < ns->nservices; i++)
		ret = build_service(b, m, &ns->services[i], fcap);
	free(b->by_service);
	free(b->vip4);
	free(b->vip6);
	b->by_service = NULL;
	b->vip4 = b->vip6 = NULL;
	return ret;
}

int sl_model_build(const struct sl_build_input *in, struct sl_id_alloc *service_ids,
		   struct sl_id_alloc *backend_ids, struct sl_model *out, struct sl_err *err)
{
	struct build b = { .in = in, .service_ids = service_ids, .backend_ids = backend_ids,
			   .err = err };
	const struct sl_config *cfg = in->cfg;
	struct sl_model m = {};
	size_t i, fcap = 0, nsvc = 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < cfg->nnamespaces; i++)
		nsvc += cfg->namespaces[i].enabled ? cfg->namespaces[i].nservices : 0;
	if (id_set_init(&b.used_services, service_ids->limit) ||
	    id_set_init(&b.used_backends, backend_ids->limit))
		goto out;
	mark_current_ids(&b);
	b.cur_by_name = calloc(in->current->nservices + 1, sizeof(*b.cur_by_name));
	b.scratch = calloc(SLUICE_MAX_SLOTS, sizeof(*b.scratch));
	b.slots = calloc(SLUICE_MAX_SLOTS, sizeof(*b.slots));
	m.services = nsvc ? calloc(nsvc, sizeof(*m.services)) : NULL;
	if (!b.cur_by_name || !b.scratch || !b.slots || (nsvc && !m.services))
		goto out;
	for (i = 0; i < in->current->nservices; i++)
		b.cur_by_name[i] = &in->current->services[i];
	if (in->current->nservices)
		qsort(b.cur_by_name, in->current->nservices, sizeof(*b.cur_by_name),
		      cmp_service_name);
	ret = 0;
	for (i = 0; !ret && i < cfg->nnamespaces; i++)
		if (cfg->namespaces[i].enabled)
			ret = build_ns(&b, &m, i, &fcap);
	if (!ret)
		ret = build_vip_ports(&m);
	if (ret)
		goto out;
	sl_model_sort(&m);
	*out = m;
	memset(&m, 0, sizeof(m));
	ret = 0;
out:
	if (ret == -ENOMEM)
		sl_err_set(err, "out of memory building the routing model");
	sl_model_free(&m);
	free(b.used_services.bits);
	free(b.used_backends.bits);
	free(b.cur_by_name);
	free(b.scratch);
	free(b.slots);
	return ret;
}

const struct sl_backend_model *sl_service_same_backend(const struct sl_service_model *s,
						       const struct sl_backend_model *b)
{
	const struct sl_backend_model *nb = sl_service_find_backend(s, &b->addr, b->port);

	return nb && nb->id == b->id ? nb : NULL;
}

int sl_model_departures(const struct sl_model *old, const struct sl_model *now,
			struct sl_departure **out, size_t *n)
{
	struct sl_departure *v = NULL;
	size_t i, j, cap = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < old->nservices; i++) {
		const struct sl_service_model *os = &old->services[i];
		const struct sl_service_model *ns = sl_model_find_service(now, os->id);

		for (j = 0; j < os->nbackends; j++) {
			const struct sl_backend_model *b = &os->backends[j];
			const struct sl_backend_model *nb = sl_service_same_backend(ns, b);

			if (!sl_backend_in_table(os, b) || (nb && sl_backend_in_table(ns, nb)))
				continue;
			if (sl_vec_room(v, *n, cap)) {
				free(v);
				*n = 0;
				return -ENOMEM;
			}
			v[(*n)++] = (struct sl_departure){
				.addr = b->addr, .port = b->port,
				.terminate_tcp = ns ? ns->terminate_tcp : os->terminate_tcp,
			};
		}
	}
	*out = v;
	return 0;
}
