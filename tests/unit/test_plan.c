// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_plan.c: unit tests of sl_plan_make: the map writes between two built models, only
 * what changed, and in an order that keeps every intermediate state of the maps routable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "model/plan.h"

#include "world.h"

/* ---- the maps, simulated ---- */

#define SIM_MAX 64

struct sim_table {
	uint32_t index; /* SLUICE_SET_INDEX(service_id, fam) */
	const struct sluice_slot *slots;
	uint32_t nslots;
};

/* What the maps hold: backends and services by id, non-empty slot tables by set index,
 * frontends by key. */
struct sim {
	uint32_t bid[SIM_MAX];
	struct sluice_backend b[SIM_MAX];
	size_t nb;
	uint32_t sid[SIM_MAX];
	struct sluice_service s[SIM_MAX];
	size_t ns;
	struct sim_table t[SIM_MAX];
	size_t nt;
	struct sl_frontend_model f[SIM_MAX];
	size_t nf;
	struct sl_namespace_model n[SIM_MAX];
	size_t nn;
	struct sl_vip_port_model v[SIM_MAX];
	size_t nv;
};

static struct sluice_backend backend_value(const struct sl_backend_model *b, uint32_t service_id)
{
	struct sluice_backend v;

	memset(&v, 0, sizeof(v));
	memcpy(v.addr, b->addr.a, sizeof(v.addr));
	v.port = htons(b->port);
	v.state = b->state;
	v.service_id = service_id;
	v.weight = b->weight;
	memcpy(v.instance_id, b->instance_id, sizeof(v.instance_id));
	return v;
}

static struct sluice_service service_value(const struct sl_service_model *s)
{
	struct sluice_service v;

	memset(&v, 0, sizeof(v));
	memcpy(v.name, s->name, sizeof(v.name));
	v.nbackends = s->nbackends;
	v.nserving = sl_service_nserving(s);
	v.ns_id = s->ns_id;
	return v;
}

static long sim_backend(const struct sim *m, uint32_t id)
{
	size_t i;

	for (i = 0; i < m->nb; i++)
		if (m->bid[i] == id)
			return i;
	return -1;
}

static long sim_service(const struct sim *m, uint32_t id)
{
	size_t i;

	for (i = 0; i < m->ns; i++)
		if (m->sid[i] == id)
			return i;
	return -1;
}

static long sim_tab(const struct sim *m, uint32_t index)
{
	size_t i;

	for (i = 0; i < m->nt; i++)
		if (m->t[i].index == index)
			return i;
	return -1;
}

static long sim_frontend(const struct sim *m, const struct sluice_frontend_key *k)
{
	size_t i;

	for (i = 0; i < m->nf; i++)
		if (!memcmp(&m->f[i].key, k, sizeof(*k)))
			return i;
	return -1;
}

static long sim_namespace(const struct sim *m, uint32_t id)
{
	for (size_t i = 0; i < m->nn; i++)
		if (m->n[i].id == id)
			return (long)i;
	return -1;
}

static long sim_vip_port(const struct sim *m, const struct sluice_vip_key *k)
{
	for (size_t i = 0; i < m->nv; i++)
		if (!memcmp(&m->v[i].key, k, sizeof(*k)))
			return (long)i;
	return -1;
}

static void sim_put_namespace(struct sim *m, const struct sl_namespace_model *n)
{
	long i = sim_namespace(m, n->id);

	if (i < 0) {
		assert_true(m->nn < SIM_MAX);
		i = (long)m->nn++;
	}
	m->n[i] = *n;
}

static void sim_put_vip_port(struct sim *m, const struct sl_vip_port_model *v)
{
	long i = sim_vip_port(m, &v->key);

	if (i < 0) {
		assert_true(m->nv < SIM_MAX);
		i = (long)m->nv++;
	}
	m->v[i] = *v;
}

static void sim_put_backend(struct sim *m, uint32_t id, struct sluice_backend v)
{
	long i = sim_backend(m, id);

	if (i < 0) {
		assert_true(m->nb < SIM_MAX);
		i = m->nb++;
	}
	m->bid[i] = id;
	m->b[i] = v;
}

static void sim_put_service(struct sim *m, uint32_t id, struct sluice_service v)
{
	long i = sim_service(m, id);

	if (i < 0) {
		assert_true(m->ns < SIM_MAX);
		i = m->ns++;
	}
	m->sid[i] = id;
	m->s[i] = v;
}

/* An empty table is no table. */
static void sim_put_table(struct sim *m, uint32_t service_id, int fam,
			  const struct sl_table_model *t)
{
	uint32_t index = SLUICE_SET_INDEX(service_id, fam);
	long i = sim_tab(m, index);

	if (!t->nslots) {
		if (i >= 0)
			m->t[i] = m->t[--m->nt];
		return;
	}
	if (i < 0) {
		assert_true(m->nt < SIM_MAX);
		i = m->nt++;
	}
	m->t[i] = (struct sim_table){ index, t->slots, t->nslots };
}

static void sim_put_frontend(struct sim *m, const struct sl_frontend_model *f)
{
	long i = sim_frontend(m, &f->key);

	if (i < 0) {
		assert_true(m->nf < SIM_MAX);
		i = m->nf++;
	}
	m->f[i] = *f;
}

static void sim_load(struct sim *m, const struct sl_model *model)
{
	size_t i, j;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < model->nservices; i++) {
		const struct sl_service_model *s = &model->services[i];

		sim_put_service(m, s->id, service_value(s));
		for (j = 0; j < s->nbackends; j++)
			sim_put_backend(m, s->backends[j].id, backend_value(&s->backends[j], s->id));
		sim_put_table(m, s->id, SLUICE_FAM_V4, &s->table[SLUICE_FAM_V4]);
		sim_put_table(m, s->id, SLUICE_FAM_V6, &s->table[SLUICE_FAM_V6]);
	}
	for (i = 0; i < model->nfrontends; i++)
		sim_put_frontend(m, &model->frontends[i]);
	for (i = 0; i < model->nnamespaces; i++)
		sim_put_namespace(m, &model->namespaces[i]);
	for (i = 0; i < model->nvip_ports; i++)
		sim_put_vip_port(m, &model->vip_ports[i]);
}

/* What the data plane relies on at every moment: a table's service and every backend
 * it names exist (at the slot's address, in that service), a frontend's service exists. */
static void sim_check(const struct sim *m, const char *step, size_t n)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < m->nt; i++) {
		uint32_t service_id = m->t[i].index / 2;

		if (sim_service(m, service_id) < 0)
			fail_msg("after %s[%zu]: table %u of a service %u not in the map", step, n,
				 m->t[i].index, service_id);
		for (k = 0; k < m->t[i].nslots; k++) {
			const struct sluice_slot *sl = &m->t[i].slots[k];
			long b = sim_backend(m, sl->backend_id);

			if (b < 0)
				fail_msg("after %s[%zu]: table %u names backend %u, not in the map",
					 step, n, m->t[i].index, sl->backend_id);
			assert_int_equal(m->b[b].service_id, service_id);
			assert_memory_equal(m->b[b].addr, sl->addr, sizeof(sl->addr));
			assert_int_equal(m->b[b].port, sl->port);
		}
	}
	for (i = 0; i < m->nf; i++) {
		if (sim_service(m, m->f[i].value.service_id) < 0)
			fail_msg("after %s[%zu]: frontend %s names service %u, not in the map", step,
				 n, m->f[i].value.alias, m->f[i].value.service_id);
		if (sim_namespace(m, m->f[i].key.ns_id) < 0)
			fail_msg("after %s[%zu]: frontend %s is in namespace %u, not in the map",
				 step, n, m->f[i].value.alias, m->f[i].key.ns_id);
	}
}

static bool in_array(const void *p, const void *base, size_t n, size_t size)
{
	const char *c = p, *b = base;

	return base && c >= b && c < b + n * size && (size_t)(c - b) % size == 0;
}

/* Apply the plan to the maps in the order struct sl_plan documents, checking each op
 * and the maps after it. */
static void sim_apply(struct sim *m, const struct sl_model *cur, const struct sl_model *want,
		      const struct sl_plan *p)
{
	size_t i;

	for (i = 0; i < p->nnamespace_upserts; i++) {
		assert_true(in_array(p->namespace_upserts[i], want->namespaces, want->nnamespaces,
				     sizeof(*want->namespaces)));
		sim_put_namespace(m, p->namespace_upserts[i]);
		sim_check(m, "namespace_upserts", i);
	}
	for (i = 0; i < p->nbackend_upserts; i++) {
		const struct sl_backend_op *op = &p->backend_upserts[i];
		const struct sl_service_model *s = sl_model_find_service(want, op->service_id);

		assert_non_null(s);
		assert_true(in_array(op->backend, s->backends, s->nbackends, sizeof(*s->backends)));
		if (op->fresh != (sim_backend(m, op->backend->id) < 0))
			fail_msg("backend %u: fresh %d, but it is%s in the map", op->backend->id,
				 op->fresh, op->fresh ? "" : " not");
		sim_put_backend(m, op->backend->id, backend_value(op->backend, op->service_id));
		sim_check(m, "backend_upserts", i);
	}
	for (i = 0; i < p->nservice_upserts; i++) {
		const struct sl_service_op *op = &p->service_upserts[i];

		assert_true(in_array(op->service, want->services, want->nservices,
				     sizeof(*want->services)));
		assert_int_equal(op->fresh, sim_service(m, op->service->id) < 0);
		sim_put_service(m, op->service->id, service_value(op->service));
		sim_check(m, "service_upserts", i);
	}
	for (i = 0; i < p->ntables; i++) {
		const struct sl_table_op *op = &p->tables[i];
		const struct sl_service_model *s = sl_model_find_service(want, op->service_id);

		assert_non_null(s);
		assert_true(op->fam == SLUICE_FAM_V4 || op->fam == SLUICE_FAM_V6);
		assert_ptr_equal(op->table, &s->table[op->fam]);
		sim_put_table(m, op->service_id, op->fam, op->table);
		sim_check(m, "tables", i);
	}
	for (i = 0; i < p->nfrontend_upserts; i++) {
		assert_true(in_array(p->frontend_upserts[i], want->frontends, want->nfrontends,
				     sizeof(*want->frontends)));
		sim_put_frontend(m, p->frontend_upserts[i]);
		sim_check(m, "frontend_upserts", i);
	}
	for (i = 0; i < p->nvip_port_upserts; i++) {
		assert_true(in_array(p->vip_port_upserts[i], want->vip_ports, want->nvip_ports,
				     sizeof(*want->vip_ports)));
		sim_put_vip_port(m, p->vip_port_upserts[i]);
		sim_check(m, "vip_port_upserts", i);
	}
	for (i = 0; i < p->nvip_port_deletes; i++) {
		long v = sim_vip_port(m, &p->vip_port_deletes[i]->key);

		assert_true(in_array(p->vip_port_deletes[i], cur->vip_ports, cur->nvip_ports,
				     sizeof(*cur->vip_ports)));
		assert_true(v >= 0);
		m->v[v] = m->v[--m->nv];
		sim_check(m, "vip_port_deletes", i);
	}
	for (i = 0; i < p->nfrontend_deletes; i++) {
		long f = sim_frontend(m, &p->frontend_deletes[i]->key);

		assert_true(in_array(p->frontend_deletes[i], cur->frontends, cur->nfrontends,
				     sizeof(*cur->frontends)));
		assert_true(f >= 0);
		m->f[f] = m->f[--m->nf];
		sim_check(m, "frontend_deletes", i);
	}
	for (i = 0; i < p->nservice_deletes; i++) {
		uint32_t id = p->service_deletes[i];
		long s = sim_service(m, id);
		int fam;

		assert_null(sl_model_find_service(want, id));
		assert_true(s >= 0);
		m->sid[s] = m->sid[--m->ns];
		m->s[s] = m->s[m->ns];
		for (fam = 0; fam < 2; fam++) {
			long t = sim_tab(m, SLUICE_SET_INDEX(id, fam));

			if (t >= 0)
				m->t[t] = m->t[--m->nt];
		}
		sim_check(m, "service_deletes", i);
	}
	for (i = 0; i < p->nbackend_deletes; i++) {
		long b = sim_backend(m, p->backend_deletes[i]);

		if (b < 0)
			fail_msg("backend_deletes[%zu]: %u not in the map", i, p->backend_deletes[i]);
		m->bid[b] = m->bid[--m->nb];
		m->b[b] = m->b[m->nb];
		sim_check(m, "backend_deletes", i);
	}
	for (i = 0; i < p->nnamespace_deletes; i++) {
		long n = sim_namespace(m, p->namespace_deletes[i]);

		assert_null(sl_model_find_namespace(want, p->namespace_deletes[i]));
		assert_true(n >= 0);
		m->n[n] = m->n[--m->nn];
		sim_check(m, "namespace_deletes", i);
	}
}

static void sim_assert_eq(const struct sim *x, const struct sim *y)
{
	size_t i;

	assert_int_equal(x->nb, y->nb);
	for (i = 0; i < x->nb; i++) {
		long j = sim_backend(y, x->bid[i]);

		if (j < 0)
			fail_msg("backend %u left over", x->bid[i]);
		assert_memory_equal(&x->b[i], &y->b[j], sizeof(x->b[i]));
	}
	assert_int_equal(x->ns, y->ns);
	for (i = 0; i < x->ns; i++) {
		long j = sim_service(y, x->sid[i]);

		if (j < 0)
			fail_msg("service %u left over", x->sid[i]);
		assert_memory_equal(&x->s[i], &y->s[j], sizeof(x->s[i]));
	}
	assert_int_equal(x->nt, y->nt);
	for (i = 0; i < x->nt; i++) {
		long j = sim_tab(y, x->t[i].index);

		if (j < 0)
			fail_msg("table %u left over", x->t[i].index);
		assert_int_equal(x->t[i].nslots, y->t[j].nslots);
		assert_memory_equal(x->t[i].slots, y->t[j].slots,
				    x->t[i].nslots * sizeof(*x->t[i].slots));
	}
	assert_int_equal(x->nf, y->nf);
	for (i = 0; i < x->nf; i++) {
		long j = sim_frontend(y, &x->f[i].key);

		if (j < 0)
			fail_msg("frontend %s left over", x->f[i].value.alias);
		assert_memory_equal(&x->f[i].value, &y->f[j].value, sizeof(x->f[i].value));
	}
	assert_int_equal(x->nn, y->nn);
	for (i = 0; i < x->nn; i++) {
		long j = sim_namespace(y, x->n[i].id);

		if (j < 0)
			fail_msg("namespace %u left over", x->n[i].id);
		assert_memory_equal(&x->n[i].value, &y->n[j].value, sizeof(x->n[i].value));
	}
	assert_int_equal(x->nv, y->nv);
	for (i = 0; i < x->nv; i++) {
		long j = sim_vip_port(y, &x->v[i].key);

		if (j < 0)
			fail_msg("VIP port %u left over", ntohs(x->v[i].key.port));
		assert_int_equal(x->v[i].value.namespaces, y->v[j].value.namespaces);
	}
}

/* The plan from cur to want; applied to maps holding cur, it must leave them holding
 * want, consistent after every op. */
static void plan(const struct sl_model *cur, const struct sl_model *want, struct sl_plan *p)
{
	struct sim *got = calloc(1, sizeof(*got)), *exp = calloc(1, sizeof(*exp));

	assert_non_null(got);
	assert_non_null(exp);
	memset(p, 0xa5, sizeof(*p));
	assert_int_equal(sl_plan_make(cur, want, p), 0);
	sim_load(got, cur);
	sim_check(got, "load", 0);
	sim_apply(got, cur, want, p);
	sim_load(exp, want);
	sim_assert_eq(got, exp);
	free(got);
	free(exp);
}

/* ---- counting ---- */

struct counts {
	size_t bu, bfresh, su, sfresh, t, fu, fd, sd, bd;
};

static struct counts counts_of(const struct sl_plan *p)
{
	struct counts c = {
		.bu = p->nbackend_upserts,
		.su = p->nservice_upserts,
		.t = p->ntables,
		.fu = p->nfrontend_upserts,
		.fd = p->nfrontend_deletes,
		.sd = p->nservice_deletes,
		.bd = p->nbackend_deletes,
	};
	size_t i;

	for (i = 0; i < p->nbackend_upserts; i++)
		c.bfresh += p->backend_upserts[i].fresh;
	for (i = 0; i < p->nservice_upserts; i++)
		c.sfresh += p->service_upserts[i].fresh;
	return c;
}

static void assert_counts(const struct sl_plan *p, struct counts w, const char *what)
{
	struct counts c = counts_of(p);

	if (memcmp(&c, &w, sizeof(c)))
		fail_msg("%s: plan {bu %zu (fresh %zu), su %zu (fresh %zu), t %zu, fu %zu, fd %zu, "
			 "sd %zu, bd %zu}, want {bu %zu (fresh %zu), su %zu (fresh %zu), t %zu, "
			 "fu %zu, fd %zu, sd %zu, bd %zu}",
			 what, c.bu, c.bfresh, c.su, c.sfresh, c.t, c.fu, c.fd, c.sd, c.bd, w.bu,
			 w.bfresh, w.su, w.sfresh, w.t, w.fu, w.fd, w.sd, w.bd);
	assert_int_equal(sl_plan_size(p), c.bu + c.su + c.t + c.fu + c.fd + c.sd + c.bd +
					  p->nnamespace_upserts + p->nnamespace_deletes +
					  p->nvip_port_upserts + p->nvip_port_deletes);
}

/* ---- the worlds ---- */

/* api: a (10.0.0.1 and fd00::1), b, c; one TCP alias with an IPv4 VIP.
 * web: x serving, y UNHEALTHY; TCP and UDP, IPv4 and IPv6 VIPs. */
static void base_world(struct world *w)
{
	world_init(w);
	add_service(w, "api", SL_PROTO_TCP);
	add_alias(w, "api", "api.local", 8080);
	add_vip(w, "api.local", "127.255.0.10");
	add_service(w, "web", SL_PROTO_TCP | SL_PROTO_UDP);
	add_alias(w, "web", "web.local", 80);
	add_vip(w, "web.local", "127.255.0.20");
	add_vip(w, "web.local", "fd00:ffff::20");
	add_inst(w, "a", "api", "10.0.0.1", "fd00::1", 80, SL_HEALTH_HEALTHY, 1);
	add_inst(w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(w, "x", "web", "10.0.1.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(w, "y", "web", "10.0.1.2", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
}

static bool has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* ---- tests ---- */

static void test_from_empty(void **state)
{
	static const struct sl_model empty;
	struct world w;
	struct sl_model m;
	struct sl_plan p;
	const struct sl_service_model *api, *web, *idle;
	size_t i, total = 0;
	bool tab[3] = { false };

	(void)state;
	base_world(&w);
	add_service(&w, "idle", SL_PROTO_TCP);
	add_inst(&w, "z", "idle", "10.0.2.1", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	build(&w, NULL, &m);
	api = svc_of(&m, "api");
	web = svc_of(&m, "web");
	idle = svc_of(&m, "idle");
	for (i = 0; i < m.nservices; i++)
		total += m.services[i].nbackends;
	assert_int_equal(total, 7);

	plan(&empty, &m, &p);
	/* Tables: api IPv4 and IPv6, web IPv4; idle serves nothing, web has no IPv6 backend. */
	assert_counts(&p, (struct counts){ .bu = 7, .bfresh = 7, .su = 3, .sfresh = 3, .t = 3,
					   .fu = 5 },
		      "from empty");
	for (i = 0; i < p.nbackend_upserts; i++)
		assert_true(p.backend_upserts[i].fresh);
	for (i = 0; i < p.ntables; i++) {
		const struct sl_table_op *op = &p.tables[i];

		assert_true(op->table->nslots > 0);
		assert_int_not_equal(op->service_id, idle->id);
		if (op->service_id == api->id)
			tab[op->fam] = true;
		else if (op->service_id == web->id && op->fam == SLUICE_FAM_V4)
			tab[2] = true;
		else
			fail_msg("table op for service %u family %d", op->service_id, op->fam);
	}
	assert_true(tab[0] && tab[1] && tab[2]);
	for (i = 0; i < p.nfrontend_upserts; i++)
		assert_ptr_equal(p.frontend_upserts[i], &m.frontends[i]);
	sl_plan_free(&p);
	assert_null(p.backend_upserts);
	assert_int_equal(sl_plan_size(&p), 0);

	/* And from the model to nothing: every entry goes, nothing is written. */
	plan(&m, &empty, &p);
	assert_counts(&p, (struct counts){ .fd = 5, .sd = 3, .bd = 7 }, "to empty");
	sl_plan_free(&p);
	sl_model_free(&m);
}

static void test_remove_service(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	const struct sl_service_model *web;
	size_t i;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	web = svc_of(&m1, "web");
	remove_service(&w, "web");
	build(&w, &m1, &m2);
	assert_null(sl_model_find_service_name(&m2, 0, "web"));

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .fd = 4, .sd = 1, .bd = 2 }, "remove web");
	assert_int_equal(p.service_deletes[0], web->id);
	for (i = 0; i < web->nbackends; i++)
		assert_true(has_u32(p.backend_deletes, p.nbackend_deletes, web->backends[i].id));
	for (i = 0; i < p.nfrontend_deletes; i++) {
		assert_int_equal(p.frontend_deletes[i]->value.service_id, web->id);
		assert_string_equal(p.frontend_deletes[i]->value.alias, "web.local");
	}
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

static void test_backend_unhealthy(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	const struct sl_service_model *api;
	const struct sl_backend_model *b;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	find_inst(&w, "b")->health = SL_HEALTH_UNHEALTHY;
	build(&w, &m1, &m2);
	api = svc_of(&m2, "api");
	b = must_backend(api, "b", SLUICE_FAM_V4);

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .bu = 1, .su = 1, .t = 1 }, "b unhealthy");
	assert_ptr_equal(p.backend_upserts[0].backend, b);
	assert_int_equal(p.backend_upserts[0].backend->state, SLUICE_BACKEND_UNHEALTHY);
	assert_int_equal(p.backend_upserts[0].service_id, api->id);
	assert_false(p.backend_upserts[0].fresh);
	assert_ptr_equal(p.service_upserts[0].service, api);
	assert_false(p.service_upserts[0].fresh);
	assert_int_equal(sl_service_nserving(api), sl_service_nserving(svc_of(&m1, "api")) - 1);
	assert_int_equal(p.tables[0].service_id, api->id);
	assert_int_equal(p.tables[0].fam, SLUICE_FAM_V4);
	assert_int_equal(p.tables[0].table->nslots, 2);
	assert_int_equal(slots_of(p.tables[0].table, b->id), 0);
	assert_int_equal(p.nfrontend_upserts + p.nfrontend_deletes, 0);
	sl_plan_free(&p);

	/* And back: the same backend, id and all. */
	find_inst(&w, "b")->health = SL_HEALTH_HEALTHY;
	sl_model_free(&m1);
	build(&w, &m2, &m1);
	plan(&m2, &m1, &p);
	assert_counts(&p, (struct counts){ .bu = 1, .su = 1, .t = 1 }, "b healthy again");
	assert_int_equal(p.backend_upserts[0].backend->id, b->id);
	assert_int_equal(slots_of(p.tables[0].table, b->id), 1);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

static void test_weight_change(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	const struct sl_service_model *api;
	const struct sl_backend_model *b;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	find_inst(&w, "b")->weight = 3;
	build(&w, &m1, &m2);
	api = svc_of(&m2, "api");
	b = must_backend(api, "b", SLUICE_FAM_V4);

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .bu = 1, .t = 1 }, "b weight 3");
	assert_ptr_equal(p.backend_upserts[0].backend, b);
	assert_int_equal(b->weight, 3);
	assert_false(p.backend_upserts[0].fresh);
	assert_int_equal(p.tables[0].service_id, api->id);
	assert_int_equal(p.tables[0].fam, SLUICE_FAM_V4);
	assert_int_equal(p.tables[0].table->nslots, 5);
	assert_int_equal(slots_of(p.tables[0].table, b->id), 3);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* Every backend of api stops serving: both of its tables are written empty. */
static void test_serving_lost(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	const struct sl_service_model *api;
	size_t i;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	find_inst(&w, "a")->health = SL_HEALTH_UNHEALTHY;
	find_inst(&w, "b")->weight = 0;
	find_inst(&w, "c")->health = SL_HEALTH_UNHEALTHY;
	build(&w, &m1, &m2);
	api = svc_of(&m2, "api");

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .bu = 4, .su = 1, .t = 2 }, "api serves nothing");
	for (i = 0; i < p.ntables; i++) {
		assert_int_equal(p.tables[i].service_id, api->id);
		assert_int_equal(p.tables[i].fam, (int)i);
		assert_int_equal(p.tables[i].table->nslots, 0);
		assert_null(p.tables[i].table->slots);
	}
	assert_int_equal(p.service_upserts[0].service->nbackends, 4);
	assert_int_equal(sl_service_nserving(p.service_upserts[0].service), 0);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

static void test_alias_port_change(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	find_service_cfg(&w, "api")->aliases[0].port = 9090;
	build(&w, &m1, &m2);

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .fu = 1, .fd = 1 }, "api.local port 9090");
	assert_int_equal(p.frontend_upserts[0]->key.port, htons(9090));
	assert_int_equal(p.frontend_upserts[0]->key.proto, IPPROTO_TCP);
	assert_string_equal(p.frontend_upserts[0]->value.alias, "api.local");
	assert_int_equal(p.frontend_upserts[0]->value.service_id, svc_of(&m2, "api")->id);
	assert_int_equal(p.frontend_deletes[0]->key.port, htons(8080));
	assert_string_equal(p.frontend_deletes[0]->value.alias, "api.local");
	assert_memory_equal(p.frontend_deletes[0]->key.addr, p.frontend_upserts[0]->key.addr,
			    sizeof(p.frontend_deletes[0]->key.addr));
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* ---- transitions, table-driven ---- */

static void ch_none(struct world *w)
{
	(void)w;
}

static void ch_add_backend(struct world *w)
{
	add_inst(w, "n", "api", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 1);
}

/* Backends that do not serve still count in the service's value. */
static void ch_add_unhealthy(struct world *w)
{
	add_inst(w, "u", "api", "10.0.0.5", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
}

static void ch_remove_unhealthy(struct world *w)
{
	remove_inst(w, "y");
}

static void ch_remove_backend(struct world *w)
{
	remove_inst(w, "c");
}

static void ch_unhealthy(struct world *w)
{
	find_inst(w, "b")->health = SL_HEALTH_UNHEALTHY;
}

static void ch_drain(struct world *w)
{
	find_inst(w, "b")->weight = 0;
}

static void ch_recover(struct world *w)
{
	find_inst(w, "y")->health = SL_HEALTH_HEALTHY;
}

static void ch_unknown(struct world *w)
{
	find_inst(w, "b")->health = SL_HEALTH_UNKNOWN;
}

static void ch_weight(struct world *w)
{
	find_inst(w, "b")->weight = 3;
}

/* Every weight doubled: the backends change, the tables (reduced by the gcd) do not. */
static void ch_weights_doubled(struct world *w)
{
	find_inst(w, "a")->weight = 2;
	find_inst(w, "b")->weight = 2;
	find_inst(w, "c")->weight = 2;
}

/* Re-registered under another InstanceId at the same address: same backend id. */
static void ch_instance_id(struct world *w)
{
	find_inst(w, "b")->id = "b2";
}

static void ch_move_instance(struct world *w)
{
	find_inst(w, "c")->service = "web";
}

static void ch_drop_v6(struct world *w)
{
	find_inst(w, "a")->has_v6 = false;
}

static void ch_add_service(struct world *w)
{
	add_service(w, "db", SL_PROTO_TCP);
	add_alias(w, "db", "db.local", 5432);
	add_vip(w, "db.local", "127.255.0.30");
	add_inst(w, "d", "db", "10.0.2.1", NULL, 5432, SL_HEALTH_HEALTHY, 1);
}

static void ch_remove_service(struct world *w)
{
	remove_service(w, "web");
}

/* A discoveryName change is another service: new ids; the frontends stay, pointed at it. */
static void ch_rename_service(struct world *w)
{
	find_service_cfg(w, "web")->name = "web2";
	find_inst(w, "x")->service = "web2";
	find_inst(w, "y")->service = "web2";
}

static void ch_alias_port(struct world *w)
{
	find_service_cfg(w, "api")->aliases[0].port = 9090;
}

static void ch_vip(struct world *w)
{
	w->vip4.v[0].vip = A("127.255.0.11");
}

static void ch_tcp_only(struct world *w)
{
	find_service_cfg(w, "web")->protocols = SL_PROTO_TCP;
}

static void ch_add_alias(struct world *w)
{
	add_alias(w, "api", "api2.local", 8080);
	add_vip(w, "api2.local", "127.255.0.12");
}

static void ch_no_vip6(struct world *w)
{
	w->vip6.n = 0;
}

static void ch_disable(struct world *w)
{
	w->ns.enabled = false;
}

static void ch_api_down(struct world *w)
{
	find_inst(w, "a")->health = SL_HEALTH_UNHEALTHY;
	find_inst(w, "b")->health = SL_HEALTH_UNHEALTHY;
	find_inst(w, "c")->weight = 0;
}

/* Many at once. */
static void ch_everything(struct world *w)
{
	ch_remove_service(w);
	ch_add_service(w);
	ch_remove_backend(w);
	ch_add_backend(w);
	ch_unhealthy(w);
	ch_alias_port(w);
	ch_drop_v6(w);
}

static void test_transitions(void **state)
{
	static const struct {
		const char *name;
		void (*change)(struct world *w);
		struct counts want;
	} cases[] = {
		{ "none", ch_none, { 0 } },
		{ "add backend", ch_add_backend, { .bu = 1, .bfresh = 1, .su = 1, .t = 1 } },
		{ "remove backend", ch_remove_backend, { .su = 1, .t = 1, .bd = 1 } },
		{ "add unhealthy", ch_add_unhealthy, { .bu = 1, .bfresh = 1, .su = 1 } },
		{ "remove unhealthy", ch_remove_unhealthy, { .su = 1, .bd = 1 } },
		{ "unhealthy", ch_unhealthy, { .bu = 1, .su = 1, .t = 1 } },
		{ "drain", ch_drain, { .bu = 1, .su = 1, .t = 1 } },
		{ "recover", ch_recover, { .bu = 1, .su = 1, .t = 1 } },
		{ "healthy to unknown", ch_unknown, { 0 } },
		{ "weight", ch_weight, { .bu = 1, .t = 1 } },
		{ "weights doubled", ch_weights_doubled, { .bu = 4 } },
		{ "instance id", ch_instance_id, { .bu = 1 } },
		{ "move instance", ch_move_instance,
		  { .bu = 1, .bfresh = 1, .su = 2, .t = 2, .bd = 1 } },
		{ "drop IPv6", ch_drop_v6, { .su = 1, .t = 1, .bd = 1 } },
		{ "add service", ch_add_service,
		  { .bu = 1, .bfresh = 1, .su = 1, .sfresh = 1, .t = 1, .fu = 1 } },
		{ "remove service", ch_remove_service, { .fd = 4, .sd = 1, .bd = 2 } },
		{ "rename service", ch_rename_service,
		  { .bu = 2, .bfresh = 2, .su = 1, .sfresh = 1, .t = 1, .fu = 4, .sd = 1, .bd = 2 } },
		{ "alias port", ch_alias_port, { .fu = 1, .fd = 1 } },
		{ "vip", ch_vip, { .fu = 1, .fd = 1 } },
		{ "tcp only", ch_tcp_only, { .fd = 2 } },
		{ "add alias", ch_add_alias, { .fu = 1 } },
		{ "no IPv6 VIP", ch_no_vip6, { .fd = 2 } },
		{ "disable", ch_disable, { .fd = 5, .sd = 2, .bd = 6 } },
		{ "api down", ch_api_down, { .bu = 4, .su = 1, .t = 2 } },
		{ "everything", ch_everything,
		  { .bu = 3, .bfresh = 2, .su = 2, .sfresh = 1, .t = 3, .fu = 2, .fd = 5, .sd = 1,
		    .bd = 4 } },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m1, m2, m3;
		struct sl_plan p;

		base_world(&w);
		build(&w, NULL, &m1);
		cases[c].change(&w);
		build(&w, &m1, &m2);
		plan(&m1, &m2, &p);
		assert_counts(&p, cases[c].want, cases[c].name);
		sl_plan_free(&p);
		/* Built again from where the plan left the maps: nothing more to do. */
		build(&w, &m2, &m3);
		plan(&m2, &m3, &p);
		assert_counts(&p, (struct counts){ 0 }, cases[c].name);
		sl_plan_free(&p);
		sl_model_free(&m1);
		sl_model_free(&m2);
		sl_model_free(&m3);
	}
}

/* Enough entries that every array of the plan grows past its first allocations. */
static void test_large(void **state)
{
	static const struct sl_model empty;
	static const char *const ids[] = { "i00", "i01", "i02", "i03", "i04", "i05", "i06",
					   "i07", "i08", "i09", "i10", "i11", "i12", "i13",
					   "i14", "i15", "i16", "i17", "i18", "i19" };
	static const char *const names[] = { "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7" };
	static const char *const dns[] = { "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7" };
	struct world w;
	struct sl_model m;
	struct sl_plan p;
	char v4[MAX_INST][16];
	size_t i;

	(void)state;
	world_init(&w);
	for (i = 0; i < 8; i++) {
		char vip[32];

		add_service(&w, names[i], SL_PROTO_TCP | SL_PROTO_UDP);
		add_alias(&w, names[i], dns[i], 80);
		add_alias(&w, names[i], dns[i], 81);
		snprintf(vip, sizeof(vip), "127.255.0.%zu", 10 + i);
		add_vip(&w, dns[i], vip);
		snprintf(vip, sizeof(vip), "fd00:ffff::%zu", 10 + i);
		add_vip(&w, dns[i], vip);
	}
	for (i = 0; i < 20; i++) {
		snprintf(v4[i], sizeof(v4[i]), "10.0.0.%zu", 1 + i);
		add_inst(&w, ids[i], names[i % 8], v4[i], NULL, 80, SL_HEALTH_HEALTHY, 1);
	}
	build(&w, NULL, &m);
	assert_int_equal(m.nfrontends, 64);
	plan(&empty, &m, &p);
	assert_counts(&p, (struct counts){ .bu = 20, .bfresh = 20, .su = 8, .sfresh = 8, .t = 8,
					   .fu = 64 },
		      "large, from empty");
	sl_plan_free(&p);
	plan(&m, &empty, &p);
	assert_counts(&p, (struct counts){ .fd = 64, .sd = 8, .bd = 20 }, "large, to empty");
	sl_plan_free(&p);
	sl_model_free(&m);
}

/* Models as read back from the maps need not come from one build: a service value that
 * differs only by name is written; a backend at the same address under another id is a
 * fresh one, and the old id goes. */
static void test_hand_edits(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	struct sl_service_model *api;
	struct sl_backend_model *b;
	uint32_t old, i;

	(void)state;
	base_world(&w);
	build(&w, NULL, &m1);
	build(&w, &m1, &m2);
	api = (struct sl_service_model *)svc_of(&m2, "api");
	memset(api->name, 0, sizeof(api->name));
	strcpy(api->name, "api-renamed");
	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .su = 1 }, "renamed");
	assert_ptr_equal(p.service_upserts[0].service, api);
	assert_false(p.service_upserts[0].fresh);
	sl_plan_free(&p);
	memset(api->name, 0, sizeof(api->name));
	strcpy(api->name, "api");

	b = (struct sl_backend_model *)must_backend(api, "b", SLUICE_FAM_V4);
	old = b->id;
	b->id = 60;
	for (i = 0; i < api->table[SLUICE_FAM_V4].nslots; i++)
		if (api->table[SLUICE_FAM_V4].slots[i].backend_id == old)
			api->table[SLUICE_FAM_V4].slots[i].backend_id = 60;
	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .bu = 1, .bfresh = 1, .t = 1, .bd = 1 }, "new id");
	assert_ptr_equal(p.backend_upserts[0].backend, b);
	assert_int_equal(p.backend_deletes[0], old);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* The documented order is the order of the fields: writes first, then deletes, each
 * naming only what already exists (checked op by op by plan()). */
static void test_order(void **state)
{
	static const size_t off[] = {
		offsetof(struct sl_plan, backend_upserts),
		offsetof(struct sl_plan, service_upserts),
		offsetof(struct sl_plan, tables),
		offsetof(struct sl_plan, frontend_upserts),
		offsetof(struct sl_plan, frontend_deletes),
		offsetof(struct sl_plan, service_deletes),
		offsetof(struct sl_plan, backend_deletes),
	};
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;
	const struct sl_service_model *web1, *db, *api2;
	size_t i;

	(void)state;
	for (i = 1; i < sizeof(off) / sizeof(off[0]); i++)
		assert_true(off[i - 1] < off[i]);

	/* web goes and db comes in one step, with db.local taking web.local's VIP and port:
	 * the frontend is overwritten to point at db before web is deleted. */
	base_world(&w);
	build(&w, NULL, &m1);
	web1 = svc_of(&m1, "web");
	ch_everything(&w);
	find_service_cfg(&w, "db")->aliases[0].port = 80;
	find_service_cfg(&w, "db")->protocols = SL_PROTO_TCP | SL_PROTO_UDP;
	w.vip4.v[w.vip4.n - 1].vip = A("127.255.0.20");
	build(&w, &m1, &m2);
	db = svc_of(&m2, "db");
	api2 = svc_of(&m2, "api");

	plan(&m1, &m2, &p);
	assert_counts(&p, (struct counts){ .bu = 3, .bfresh = 2, .su = 2, .sfresh = 1, .t = 3,
					   .fu = 3, .fd = 3, .sd = 1, .bd = 4 },
		      "web to db");
	assert_int_equal(p.service_deletes[0], web1->id);
	for (i = 0; i < p.nfrontend_upserts; i++) {
		const struct sl_frontend_model *f = p.frontend_upserts[i];

		assert_true(f->value.service_id == db->id || f->value.service_id == api2->id);
	}
	for (i = 0; i < p.nbackend_upserts; i++)
		if (p.backend_upserts[i].service_id == db->id)
			assert_true(p.backend_upserts[i].fresh);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_empty),
		cmocka_unit_test(test_remove_service),
		cmocka_unit_test(test_backend_unhealthy),
		cmocka_unit_test(test_weight_change),
		cmocka_unit_test(test_serving_lost),
		cmocka_unit_test(test_alias_port_change),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_hand_edits),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
