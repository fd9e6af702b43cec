/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* world.h: a hand-filled set of build inputs (config, instances, VIPs, id allocators) and
 * helpers to change it, build models from it and look into them; shared by the model and plan tests. */
#ifndef TEST_WORLD_H
#define TEST_WORLD_H

#define MAX_SVC 8
#define MAX_ALIAS 4
#define MAX_INST 32
#define MAX_VIP 16

/* The inputs of one build, filled by hand. Models copy what they keep, so a world can
 * be changed between two builds. */
struct world {
	struct sl_config cfg;
	struct sl_ns_cfg ns; /* cfg's one namespace */
	struct sl_service_cfg svc[MAX_SVC];
	struct sl_alias_cfg alias[MAX_SVC][MAX_ALIAS];
	struct sl_instance inst[MAX_INST];
	struct sl_instances insts;
	struct sl_vip_entry v4[MAX_VIP], v6[MAX_VIP];
	struct sl_vip_table vip4, vip6;
	struct sl_id_alloc sids, bids;
};

static __attribute__((unused)) struct sl_addr A(const char *s)
{
	struct sl_addr a;

	assert_int_equal(sl_addr_parse(s, &a), 0);
	return a;
}

static __attribute__((unused)) void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->cfg.origin = "test.json";
	w->cfg.namespaces = &w->ns;
	w->cfg.nnamespaces = 1;
	w->ns.namespace = "ns";
	w->ns.enabled = true;
	w->cfg.limits.services = 64;
	w->cfg.limits.backends = 64;
	w->cfg.limits.frontends = 64;
	w->cfg.limits.sockets = 64;
	w->ns.services = w->svc;
	w->insts.v = w->inst;
	w->vip4.v = w->v4;
	w->vip6.v = w->v6;
	w->sids.limit = 64;
	w->bids.limit = 64;
}

static __attribute__((unused)) struct sl_service_cfg *add_service(struct world *w, const char *name, unsigned protocols)
{
	struct sl_service_cfg *s;

	assert_true(w->ns.nservices < MAX_SVC);
	s = &w->svc[w->ns.nservices];
	memset(s, 0, sizeof(*s));
	s->name = (char *)name;
	s->protocols = protocols;
	s->aliases = w->alias[w->ns.nservices];
	w->ns.nservices++;
	return s;
}

static __attribute__((unused)) struct sl_service_cfg *find_service_cfg(struct world *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->ns.nservices; i++)
		if (!strcmp(w->svc[i].name, name))
			return &w->svc[i];
	fail_msg("no service %s in the config", name);
	return NULL;
}

static __attribute__((unused)) void remove_service(struct world *w, const char *name)
{
	size_t i = find_service_cfg(w, name) - w->svc, k;

	memmove(&w->svc[i], &w->svc[i + 1], (w->ns.nservices - i - 1) * sizeof(w->svc[0]));
	memmove(&w->alias[i], &w->alias[i + 1], (w->ns.nservices - i - 1) * sizeof(w->alias[0]));
	w->ns.nservices--;
	for (k = 0; k < w->ns.nservices; k++)
		w->svc[k].aliases = w->alias[k];
}

static __attribute__((unused)) struct sl_alias_cfg *add_alias(struct world *w, const char *service, const char *dns,
				      uint16_t port)
{
	struct sl_service_cfg *s = find_service_cfg(w, service);
	struct sl_alias_cfg *a;

	assert_true(s->naliases < MAX_ALIAS);
	a = &s->aliases[s->naliases++];
	memset(a, 0, sizeof(*a));
	a->dns_name = (char *)dns;
	a->port = port;
	return a;
}

/* A VIP for an alias name, in the v4 or v6 table by the address's family. */
static __attribute__((unused)) void add_vip(struct world *w, const char *dns, const char *vip)
{
	struct sl_addr a = A(vip);
	struct sl_vip_table *t = sl_addr_is_v4(&a) ? &w->vip4 : &w->vip6;

	assert_true(t->n < MAX_VIP);
	t->v[t->n].name = (char *)dns;
	t->v[t->n].vip = a;
	t->n++;
}

/* An instance; v4 and v6 may be NULL, namespace is "ns". */
static __attribute__((unused)) struct sl_instance *add_inst(struct world *w, const char *id, const char *service,
				    const char *v4, const char *v6, uint16_t port,
				    enum sl_health health, uint32_t weight)
{
	struct sl_instance *in;

	assert_true(w->insts.n < MAX_INST);
	in = &w->inst[w->insts.n++];
	memset(in, 0, sizeof(*in));
	in->id = (char *)id;
	in->service = (char *)service;
	in->namespace = "ns";
	in->health = health;
	in->port = port;
	in->weight = weight;
	if (v4) {
		in->has_v4 = true;
		in->addr4 = A(v4);
	}
	if (v6) {
		in->has_v6 = true;
		in->addr6 = A(v6);
	}
	return in;
}

static __attribute__((unused)) struct sl_instance *find_inst(struct world *w, const char *id)
{
	size_t i;

	for (i = 0; i < w->insts.n; i++)
		if (!strcmp(w->inst[i].id, id))
			return &w->inst[i];
	fail_msg("no instance %s", id);
	return NULL;
}

static __attribute__((unused)) void remove_inst(struct world *w, const char *id)
{
	size_t i = find_inst(w, id) - w->inst;

	memmove(&w->inst[i], &w->inst[i + 1], (w->insts.n - i - 1) * sizeof(w->inst[0]));
	w->insts.n--;
}

static __attribute__((unused)) int try_build(struct world *w, const struct sl_model *cur, struct sl_model *out,
		     struct sl_err *err)
{
	static const struct sl_model empty;
	struct sl_build_input in = {
		.cfg = &w->cfg,
		.instances = &w->insts,
		.vip4 = &w->vip4,
		.vip6 = &w->vip6,
		.current = cur ? cur : &empty,
	};

	return sl_model_build(&in, &w->sids, &w->bids, out, err);
}

static __attribute__((unused)) void build(struct world *w, const struct sl_model *cur, struct sl_model *out)
{
	struct sl_err err = { "" };
	int ret = try_build(w, cur, out, &err);

	if (ret)
		fail_msg("sl_model_build: %d: %s", ret, err.msg);
}

static __attribute__((unused)) const struct sl_service_model *svc_of(const struct sl_model *m, const char *name)
{
	const struct sl_service_model *s = sl_model_find_service_name(m, 0, name);

	if (!s)
		fail_msg("no service %s in the model", name);
	return s;
}

/* The backend of instance id in family fam, or NULL. */
static __attribute__((unused)) const struct sl_backend_model *backend_of(const struct sl_service_model *s,
						 const char *id, int fam)
{
	size_t i;

	for (i = 0; i < s->nbackends; i++)
		if (!strcmp(s->backends[i].instance_id, id) &&
		    sl_addr_is_v4(&s->backends[i].addr) == (fam == SLUICE_FAM_V4))
			return &s->backends[i];
	return NULL;
}

static __attribute__((unused)) const struct sl_backend_model *must_backend(const struct sl_service_model *s,
						   const char *id, int fam)
{
	const struct sl_backend_model *b = backend_of(s, id, fam);

	if (!b)
		fail_msg("service %s: no IPv%d backend for %s", s->name,
			 fam == SLUICE_FAM_V4 ? 4 : 6, id);
	return b;
}

/* Slots of a table held by backend id. */
static __attribute__((unused)) uint32_t slots_of(const struct sl_table_model *t, uint32_t id)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->nslots; i++)
		n += t->slots[i].backend_id == id;
	return n;
}

#endif
