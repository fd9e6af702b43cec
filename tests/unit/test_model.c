// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_model.c: unit tests of sl_model_build: backends, states, weights, families, joins,
 * frontends, ids kept across rebuilds and never reused at once, and the limits. */
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
#include "vip_find.h"

/* Reverse the order of the config's services and of the instances. */
static void reverse_inputs(struct world *w)
{
	size_t i, n = w->ns.nservices;

	for (i = 0; i < n / 2; i++) {
		struct sl_service_cfg s = w->svc[i];
		struct sl_alias_cfg a[MAX_ALIAS];

		w->svc[i] = w->svc[n - 1 - i];
		w->svc[n - 1 - i] = s;
		memcpy(a, w->alias[i], sizeof(a));
		memcpy(w->alias[i], w->alias[n - 1 - i], sizeof(a));
		memcpy(w->alias[n - 1 - i], a, sizeof(a));
	}
	for (i = 0; i < n; i++)
		w->svc[i].aliases = w->alias[i];
	for (i = 0; i < w->insts.n / 2; i++) {
		struct sl_instance t = w->inst[i];

		w->inst[i] = w->inst[w->insts.n - 1 - i];
		w->inst[w->insts.n - 1 - i] = t;
	}
}

/* Every slot consistent: nslots the table size, each naming a serving backend of the
 * service in the table's family, with its address and port (network order). */
static void check_table(const struct sl_service_model *s, int fam)
{
	const struct sl_table_model *t = &s->table[fam];
	uint32_t i;
	size_t j;

	if (!t->nslots) {
		assert_null(t->slots);
		return;
	}
	assert_non_null(t->slots);
	for (i = 0; i < t->nslots; i++) {
		const struct sluice_slot *sl = &t->slots[i];
		const struct sl_backend_model *b = NULL;

		assert_int_equal(sl->nslots, t->nslots);
		for (j = 0; j < s->nbackends; j++)
			if (s->backends[j].id == sl->backend_id)
				b = &s->backends[j];
		if (!b)
			fail_msg("service %s: slot %u names backend %u, not its own", s->name, i,
				 sl->backend_id);
		assert_int_equal(b->state, SLUICE_BACKEND_SERVING);
		assert_int_equal(sl_addr_is_v4(&b->addr), fam == SLUICE_FAM_V4);
		assert_memory_equal(sl->addr, b->addr.a, sizeof(sl->addr));
		assert_int_equal(sl->port, htons(b->port));
	}
}

/* Sorted and well formed: services by id, backends by (addr, port) with distinct ids >= 1,
 * tables consistent, frontends strictly by key. */
static void check_model(const struct sl_model *m)
{
	size_t i, j, k, l;

	for (i = 0; i < m->nservices; i++) {
		const struct sl_service_model *s = &m->services[i];

		assert_true(s->id >= 1);
		if (i)
			assert_true(m->services[i - 1].id < s->id);
		for (j = 0; j < s->nbackends; j++) {
			const struct sl_backend_model *b = &s->backends[j];

			assert_true(b->id >= 1);
			if (j) {
				const struct sl_backend_model *p = &s->backends[j - 1];
				int c = sl_addr_cmp(&p->addr, &b->addr);

				assert_true(c < 0 || (c == 0 && p->port < b->port));
			}
			for (k = 0; k <= i; k++)
				for (l = 0; l < m->services[k].nbackends; l++)
					if (&m->services[k].backends[l] != b)
						assert_int_not_equal(m->services[k].backends[l].id,
								     b->id);
		}
		check_table(s, SLUICE_FAM_V4);
		check_table(s, SLUICE_FAM_V6);
	}
	for (i = 1; i < m->nfrontends; i++)
		assert_true(memcmp(&m->frontends[i - 1].key, &m->frontends[i].key,
				   sizeof(m->frontends[i].key)) < 0);
}

static void assert_model_eq(const struct sl_model *a, const struct sl_model *b)
{
	size_t i, j;

	assert_int_equal(a->nservices, b->nservices);
	for (i = 0; i < a->nservices; i++) {
		const struct sl_service_model *x = &a->services[i], *y = &b->services[i];

		assert_int_equal(x->id, y->id);
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->nbackends, y->nbackends);
		for (j = 0; j < x->nbackends; j++) {
			const struct sl_backend_model *p = &x->backends[j], *q = &y->backends[j];

			assert_int_equal(p->id, q->id);
			assert_true(sl_addr_eq(&p->addr, &q->addr));
			assert_int_equal(p->port, q->port);
			assert_int_equal(p->state, q->state);
			assert_int_equal(p->weight, q->weight);
			assert_string_equal(p->instance_id, q->instance_id);
		}
		assert_true(sl_table_eq(&x->table[0], &y->table[0]));
		assert_true(sl_table_eq(&x->table[1], &y->table[1]));
	}
	assert_int_equal(a->nfrontends, b->nfrontends);
	if (a->nfrontends)
		assert_memory_equal(a->frontends, b->frontends,
				    a->nfrontends * sizeof(*a->frontends));
}

static bool model_has_backend_id(const struct sl_model *m, uint32_t id)
{
	size_t i, j;

	for (i = 0; i < m->nservices; i++)
		for (j = 0; j < m->services[i].nbackends; j++)
			if (m->services[i].backends[j].id == id)
				return true;
	return false;
}

/* ---- backends, tables, frontends ---- */

static void test_two_healthy(void **state)
{
	struct world w;
	struct sl_model m;
	const struct sl_service_model *s;
	const struct sl_backend_model *b1, *b2;
	struct sl_addr vip = A("127.255.0.10"), a1 = A("10.0.0.1");
	bool seen_tcp = false, seen_udp = false;
	size_t i;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP | SL_PROTO_UDP);
	add_alias(&w, "api", "api.local", 8080);
	add_vip(&w, "api.local", "127.255.0.10");
	add_inst(&w, "i-2", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "i-1", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, NULL, &m);
	check_model(&m);

	assert_int_equal(m.nservices, 1);
	s = svc_of(&m, "api");
	assert_true(s->id >= 1);
	assert_int_equal(s->nbackends, 2);
	b1 = must_backend(s, "i-1", SLUICE_FAM_V4);
	b2 = must_backend(s, "i-2", SLUICE_FAM_V4);
	assert_ptr_equal(b1, &s->backends[0]); /* sorted by address */
	assert_true(b1->id >= 1 && b2->id >= 1);
	assert_int_not_equal(b1->id, b2->id);
	assert_true(sl_addr_eq(&b1->addr, &a1));
	assert_int_equal(b1->port, 80);
	assert_int_equal(b1->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(b1->weight, 1);
	assert_int_equal(sl_service_nserving(s), 2);

	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 2);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b1->id), 1);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b2->id), 1);
	assert_int_equal(s->table[SLUICE_FAM_V6].nslots, 0);
	assert_null(s->table[SLUICE_FAM_V6].slots);
	assert_int_equal(s->table[SLUICE_FAM_V4].slots[0].port, htons(80));

	assert_int_equal(m.nfrontends, 2);
	for (i = 0; i < m.nfrontends; i++) {
		const struct sl_frontend_model *f = &m.frontends[i];

		assert_memory_equal(f->key.addr, vip.a, sizeof(f->key.addr));
		assert_int_equal(f->key.port, htons(8080));
		assert_int_equal(f->key.pad, 0);
		assert_int_equal(f->value.service_id, s->id);
		assert_int_equal(f->value.flags, 0);
		assert_string_equal(f->value.alias, "api.local");
		if (f->key.proto == IPPROTO_TCP)
			seen_tcp = true;
		else if (f->key.proto == IPPROTO_UDP)
			seen_udp = true;
		else
			fail_msg("frontend proto %u", f->key.proto);
	}
	assert_true(seen_tcp && seen_udp);
	sl_model_free(&m);
	assert_null(m.services);
	assert_int_equal(m.nservices, 0);
}

/* One frontend per alias, protocol and VIP family that has a VIP. */
/* One request per alias name, in order of first use, whatever the number of aliases; a
 * later alias of the name with a fixed VIP fixes it; IPv6 only where there is a range or a
 * fixed vip6. */
static void test_vip_requests(void **state)
{
	struct sl_addr fixed = A("127.255.0.9");
	struct sl_vip_request *req;
	struct sl_alias_cfg *a;
	struct world w;
	size_t n;

	(void)state;
	world_init(&w);
	add_service(&w, "web", SL_PROTO_TCP);
	add_service(&w, "api", SL_PROTO_TCP);
	add_alias(&w, "web", "zeta", 80);
	add_alias(&w, "web", "alpha", 81);
	add_alias(&w, "api", "zeta", 82);
	a = add_alias(&w, "api", "mid", 83);
	a->has_vip6 = true;
	a->vip6 = A("fd00::5");
	a = add_alias(&w, "api", "alpha", 84);
	a->has_vip4 = true;
	a->vip4 = fixed;

	assert_int_equal(sl_vip_requests(&w.ns, false, &req, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(req[0].name, "zeta");
	assert_false(req[0].fixed);
	assert_string_equal(req[1].name, "alpha");
	assert_true(req[1].fixed);
	assert_true(sl_addr_eq(&req[1].vip, &fixed));
	assert_string_equal(req[2].name, "mid");
	assert_false(req[2].fixed);
	free(req);

	assert_int_equal(sl_vip_requests(&w.ns, true, &req, &n), 0);
	assert_int_equal(n, 1); /* no vipCidr6: only the fixed vip6 */
	assert_string_equal(req[0].name, "mid");
	assert_true(req[0].fixed);
	free(req);
}

static void test_frontend_count(void **state)
{
	static const struct {
		unsigned protocols;
		size_t naliases;
		bool vip6; /* the first alias also has an IPv6 VIP */
		size_t want;
	} cases[] = {
		{ SL_PROTO_TCP, 1, false, 1 },
		{ SL_PROTO_UDP, 1, false, 1 },
		{ SL_PROTO_TCP | SL_PROTO_UDP, 1, false, 2 },
		{ SL_PROTO_TCP, 3, false, 3 },
		{ SL_PROTO_TCP | SL_PROTO_UDP, 3, false, 6 },
		{ SL_PROTO_TCP, 2, true, 3 },
		{ SL_PROTO_TCP | SL_PROTO_UDP, 2, true, 6 },
	};
	static const char *const names[] = { "a.local", "b.local", "c.local" };
	static const char *const vips[] = { "127.255.0.1", "127.255.0.2", "127.255.0.3" };
	size_t c, i, nudp, nproto;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		const struct sl_service_model *s;

		world_init(&w);
		add_service(&w, "api", cases[c].protocols);
		for (i = 0; i < cases[c].naliases; i++) {
			add_alias(&w, "api", names[i], (uint16_t)(1000 + i));
			add_vip(&w, names[i], vips[i]);
		}
		if (cases[c].vip6)
			add_vip(&w, names[0], "fd00::10");
		/* An alias with no VIP in either table gets no frontend. */
		add_alias(&w, "api", "novip.local", 9);
		add_inst(&w, "i-1", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
		build(&w, NULL, &m);
		check_model(&m);
		s = svc_of(&m, "api");
		if (m.nfrontends != cases[c].want)
			fail_msg("case %zu: %zu frontends, want %zu", c, m.nfrontends,
				 cases[c].want);
		nudp = 0;
		for (i = 0; i < m.nfrontends; i++) {
			const struct sl_frontend_model *f = &m.frontends[i];
			struct sl_addr k;
			const struct sl_addr *want;
			unsigned port = ntohs(f->key.port);

			memcpy(k.a, f->key.addr, sizeof(k.a));
			assert_true(port >= 1000 && port < 1000 + cases[c].naliases);
			assert_string_equal(f->value.alias, names[port - 1000]);
			want = vip_of(sl_addr_is_v4(&k) ? &w.vip4 : &w.vip6, names[port - 1000]);
			assert_non_null(want);
			assert_true(sl_addr_eq(&k, want));
			assert_int_equal(f->value.service_id, s->id);
			assert_true(f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP);
			assert_true(cases[c].protocols &
				    (f->key.proto == IPPROTO_TCP ? SL_PROTO_TCP : SL_PROTO_UDP));
			nudp += f->key.proto == IPPROTO_UDP;
		}
		nproto = !!(cases[c].protocols & SL_PROTO_TCP) + !!(cases[c].protocols & SL_PROTO_UDP);
		assert_int_equal(nudp, cases[c].protocols & SL_PROTO_UDP ? cases[c].want / nproto : 0);
		sl_model_free(&m);
	}
}

/* Health and weight give the state; only SERVING backends are in the table. A HEALTHY
 * reference backend keeps the table non-empty. */
static void test_states(void **state)
{
	static const struct {
		enum sl_health health;
		uint32_t weight;
		uint8_t want;
	} cases[] = {
		{ SL_HEALTH_HEALTHY, 1, SLUICE_BACKEND_SERVING },
		{ SL_HEALTH_UNKNOWN, 1, SLUICE_BACKEND_SERVING },
		{ SL_HEALTH_UNKNOWN, 5, SLUICE_BACKEND_SERVING },
		{ SL_HEALTH_UNHEALTHY, 1, SLUICE_BACKEND_UNHEALTHY },
		{ SL_HEALTH_UNHEALTHY, 0, SLUICE_BACKEND_UNHEALTHY },
		{ SL_HEALTH_HEALTHY, 0, SLUICE_BACKEND_DRAINING },
		{ SL_HEALTH_UNKNOWN, 0, SLUICE_BACKEND_DRAINING },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		const struct sl_service_model *s;
		const struct sl_backend_model *ref, *b;
		bool serving = cases[c].want == SLUICE_BACKEND_SERVING;

		world_init(&w);
		add_service(&w, "api", SL_PROTO_TCP);
		add_inst(&w, "ref", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "x", "api", "10.0.0.2", NULL, 80, cases[c].health, cases[c].weight);
		build(&w, NULL, &m);
		check_model(&m);
		s = svc_of(&m, "api");
		assert_int_equal(s->nbackends, 2);
		ref = must_backend(s, "ref", SLUICE_FAM_V4);
		b = must_backend(s, "x", SLUICE_FAM_V4);
		if (b->state != cases[c].want)
			fail_msg("case %zu: state %u, want %u", c, b->state, cases[c].want);
		assert_int_equal(b->weight, cases[c].weight);
		assert_true(b->id >= 1);
		assert_int_equal(sl_service_nserving(s), 1 + serving);
		assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], ref->id), 1);
		assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b->id),
				 serving ? cases[c].weight : 0);
		assert_int_equal(s->table[SLUICE_FAM_V4].nslots,
				 1 + (serving ? cases[c].weight : 0));
		sl_model_free(&m);
	}
}

/* No serving backend: the backends are kept, the table is empty. */
static void test_none_serving(void **state)
{
	struct world w;
	struct sl_model m;
	const struct sl_service_model *s;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP);
	add_alias(&w, "api", "api.local", 80);
	add_vip(&w, "api.local", "127.255.0.10");
	add_inst(&w, "a", "api", "10.0.0.1", "fd00::1", 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 0);
	build(&w, NULL, &m);
	check_model(&m);
	s = svc_of(&m, "api");
	assert_int_equal(s->nbackends, 3);
	assert_int_equal(sl_service_nserving(s), 0);
	assert_int_equal(s->table[0].nslots, 0);
	assert_int_equal(s->table[1].nslots, 0);
	assert_int_equal(m.nfrontends, 1); /* the frontend stays: connects are refused */
	sl_model_free(&m);
}

static void test_weights(void **state)
{
	static const struct {
		uint32_t w[3];
		size_t n;
		uint32_t nslots;
		uint32_t share[3];
	} cases[] = {
		{ { 1, 3 }, 2, 4, { 1, 3 } },
		{ { 3, 1 }, 2, 4, { 3, 1 } },
		{ { 1, 1 }, 2, 2, { 1, 1 } },
		{ { 2, 6 }, 2, 4, { 1, 3 } },
		{ { 2, 3, 5 }, 3, 10, { 2, 3, 5 } },
		{ { 7 }, 1, 1, { 1 } },
	};
	static const char *const ids[] = { "i-0", "i-1", "i-2" };
	static const char *const addrs[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		const struct sl_service_model *s;

		world_init(&w);
		add_service(&w, "api", SL_PROTO_TCP);
		for (i = 0; i < cases[c].n; i++)
			add_inst(&w, ids[i], "api", addrs[i], NULL, 80, SL_HEALTH_HEALTHY,
				 cases[c].w[i]);
		build(&w, NULL, &m);
		check_model(&m);
		s = svc_of(&m, "api");
		if (s->table[SLUICE_FAM_V4].nslots != cases[c].nslots)
			fail_msg("case %zu: %u slots, want %u", c, s->table[SLUICE_FAM_V4].nslots,
				 cases[c].nslots);
		for (i = 0; i < cases[c].n; i++) {
			const struct sl_backend_model *b = must_backend(s, ids[i], SLUICE_FAM_V4);

			assert_int_equal(b->weight, cases[c].w[i]);
			assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b->id),
					 cases[c].share[i]);
		}
		sl_model_free(&m);
	}
}

/* An instance with both addresses is a backend in each family's table. */
static void test_dual_stack(void **state)
{
	struct world w;
	struct sl_model m;
	const struct sl_service_model *s;
	const struct sl_backend_model *b4, *b6, *o6;
	struct sl_addr v4 = A("10.0.0.1"), v6 = A("fd00::1");

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP);
	add_inst(&w, "both", "api", "10.0.0.1", "fd00::1", 80, SL_HEALTH_HEALTHY, 2);
	add_inst(&w, "only6", "api", NULL, "fd00::2", 81, SL_HEALTH_HEALTHY, 2);
	build(&w, NULL, &m);
	check_model(&m);
	s = svc_of(&m, "api");
	assert_int_equal(s->nbackends, 3);
	b4 = must_backend(s, "both", SLUICE_FAM_V4);
	b6 = must_backend(s, "both", SLUICE_FAM_V6);
	o6 = must_backend(s, "only6", SLUICE_FAM_V6);
	assert_null(backend_of(s, "only6", SLUICE_FAM_V4));
	assert_true(sl_addr_eq(&b4->addr, &v4));
	assert_true(sl_addr_eq(&b6->addr, &v6));
	assert_int_not_equal(b4->id, b6->id);
	assert_int_equal(b4->port, 80);
	assert_int_equal(b6->port, 80);
	assert_int_equal(b6->weight, 2);

	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 1);
	assert_int_equal(s->table[SLUICE_FAM_V4].slots[0].backend_id, b4->id);
	assert_int_equal(s->table[SLUICE_FAM_V6].nslots, 2);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V6], b6->id), 1);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V6], o6->id), 1);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V6], b4->id), 0);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b6->id), 0);
	sl_model_free(&m);
}

/* Instances join a service by exact ServiceName and by NamespaceName (absent joins). */
static void test_join(void **state)
{
	struct world w;
	struct sl_model m;
	const struct sl_service_model *api, *web;

	(void)state;
	world_init(&w);
	add_service(&w, "web", SL_PROTO_TCP);
	add_service(&w, "api", SL_PROTO_TCP);
	add_inst(&w, "w-1", "web", "10.0.1.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "ns", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "zz", "zz", "10.0.9.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "nons", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = NULL;
	add_inst(&w, "other", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace =
		"other";
	add_inst(&w, "prefix", "ap", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "longer", "apix", "10.0.0.5", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "nsx", "api", "10.0.0.6", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = "nsx";
	add_inst(&w, "w-2", "web", "10.0.1.2", NULL, 80, SL_HEALTH_HEALTHY, 1)->namespace = "";
	build(&w, NULL, &m);
	check_model(&m);
	assert_int_equal(m.nservices, 2);
	api = svc_of(&m, "api");
	web = svc_of(&m, "web");
	assert_int_equal(api->nbackends, 2);
	must_backend(api, "ns", SLUICE_FAM_V4);
	must_backend(api, "nons", SLUICE_FAM_V4);
	assert_int_equal(api->table[SLUICE_FAM_V4].nslots, 2);
	assert_int_equal(web->nbackends, 1);
	must_backend(web, "w-1", SLUICE_FAM_V4);
	assert_int_equal(web->table[SLUICE_FAM_V4].nslots, 1);
	sl_model_free(&m);
}

/* Instance a is at 10.0.0.1 and fd00::1, port 80; a second instance at one of its
 * addresses and the same port adds no backend there, at another address or port it does. */
static void test_same_address(void **state)
{
	static const struct {
		const char *a4, *a6;
		uint16_t port;
		size_t want4, want6;
	} cases[] = {
		{ "10.0.0.1", NULL, 80, 1, 1 },
		{ "10.0.0.1", NULL, 81, 2, 1 },
		{ "10.0.0.2", NULL, 80, 2, 1 },
		{ "10.0.0.1", "fd00::1", 80, 1, 1 },
		{ NULL, "fd00::1", 80, 1, 1 },
		{ NULL, "fd00::2", 80, 1, 2 },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		const struct sl_service_model *s;

		world_init(&w);
		add_service(&w, "api", SL_PROTO_TCP);
		add_inst(&w, "a", "api", "10.0.0.1", "fd00::1", 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "b", "api", cases[c].a4, cases[c].a6, cases[c].port,
			 SL_HEALTH_HEALTHY, 1);
		build(&w, NULL, &m);
		check_model(&m);
		s = svc_of(&m, "api");
		if (s->nbackends != cases[c].want4 + cases[c].want6)
			fail_msg("case %zu: %zu backends, want %zu", c, s->nbackends,
				 cases[c].want4 + cases[c].want6);
		assert_int_equal(s->table[SLUICE_FAM_V4].nslots, cases[c].want4);
		assert_int_equal(s->table[SLUICE_FAM_V6].nslots, cases[c].want6);
		sl_model_free(&m);
	}
}

/* ---- ids ---- */

static void fill_two_services(struct world *w)
{
	add_service(w, "api", SL_PROTO_TCP | SL_PROTO_UDP);
	add_alias(w, "api", "api.local", 8080);
	add_vip(w, "api.local", "127.255.0.10");
	add_vip(w, "api.local", "fd00:ffff::10");
	add_service(w, "web", SL_PROTO_TCP);
	add_alias(w, "web", "web.local", 80);
	add_alias(w, "web", "www.local", 80);
	add_vip(w, "web.local", "127.255.0.20");
	add_vip(w, "www.local", "127.255.0.21");
	add_inst(w, "a", "api", "10.0.0.1", "fd00::1", 80, SL_HEALTH_HEALTHY, 1);
	add_inst(w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_UNKNOWN, 3);
	add_inst(w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(w, "w", "web", "10.0.1.1", NULL, 80, SL_HEALTH_HEALTHY, 0);
	add_inst(w, "x", "web", "10.0.1.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
}

/* Rebuilding with the first result as current changes nothing, with the same allocators
 * or fresh ones, and whatever the config's service order. */
static void test_ids_kept(void **state)
{
	static const bool reset[] = { false, true };
	size_t r;

	(void)state;
	for (r = 0; r < 2; r++) {
		struct world w;
		struct sl_model m1, m2, m3;
		struct sl_plan p;

		world_init(&w);
		fill_two_services(&w);
		build(&w, NULL, &m1);
		check_model(&m1);
		if (reset[r]) {
			w.sids.cursor = 0;
			w.bids.cursor = 0;
		}
		build(&w, &m1, &m2);
		check_model(&m2);
		assert_model_eq(&m1, &m2);
		assert_int_equal(sl_plan_make(&m1, &m2, &p), 0);
		assert_int_equal(sl_plan_size(&p), 0);
		sl_plan_free(&p);

		/* Services in another order and instances listed backwards: same model. */
		reverse_inputs(&w);
		assert_string_equal(w.svc[0].name, "web");
		build(&w, &m2, &m3);
		check_model(&m3);
		assert_model_eq(&m1, &m3);
		assert_int_equal(sl_plan_make(&m2, &m3, &p), 0);
		assert_int_equal(sl_plan_size(&p), 0);
		sl_plan_free(&p);
		sl_model_free(&m1);
		sl_model_free(&m2);
		sl_model_free(&m3);
	}
}

/* A new backend or service never gets an id the current model holds, even one that goes
 * in this very build; kept ones keep theirs. */
static void test_fresh_ids(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	const struct sl_service_model *api1, *api2, *db;
	const struct sl_backend_model *n1, *n2, *d;
	size_t i, j;

	(void)state;
	world_init(&w);
	fill_two_services(&w);
	build(&w, NULL, &m1);
	api1 = svc_of(&m1, "api");

	/* From id 1 again, as after a restart: every current id must be skipped. */
	w.sids.cursor = 0;
	w.bids.cursor = 0;
	remove_inst(&w, "a");
	remove_service(&w, "web");
	add_inst(&w, "n", "api", "10.0.0.9", "fd00::9", 80, SL_HEALTH_HEALTHY, 1);
	add_service(&w, "db", SL_PROTO_TCP);
	add_inst(&w, "d", "db", "10.0.2.1", NULL, 5432, SL_HEALTH_HEALTHY, 1);
	build(&w, &m1, &m2);
	check_model(&m2);

	api2 = svc_of(&m2, "api");
	db = svc_of(&m2, "db");
	assert_int_equal(api2->id, api1->id);
	assert_null(sl_model_find_service(&m1, db->id));
	assert_int_equal(must_backend(api2, "b", SLUICE_FAM_V4)->id,
			 must_backend(api1, "b", SLUICE_FAM_V4)->id);
	assert_int_equal(must_backend(api2, "c", SLUICE_FAM_V4)->id,
			 must_backend(api1, "c", SLUICE_FAM_V4)->id);
	n1 = must_backend(api2, "n", SLUICE_FAM_V4);
	n2 = must_backend(api2, "n", SLUICE_FAM_V6);
	d = must_backend(db, "d", SLUICE_FAM_V4);
	assert_false(model_has_backend_id(&m1, n1->id));
	assert_false(model_has_backend_id(&m1, n2->id));
	assert_false(model_has_backend_id(&m1, d->id));
	for (i = 0; i < m2.nservices; i++)
		for (j = 0; j < m2.services[i].nbackends; j++)
			assert_true(m2.services[i].backends[j].id < w.bids.limit);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* With ids 1..2 only, both held by the current model, a new backend finds none even
 * though one of the holders is removed in this build. */
static void test_removed_id_not_reused(void **state)
{
	struct world w;
	struct sl_model m1, m2, m3;
	struct sl_err err = { "" };

	(void)state;
	world_init(&w);
	w.bids.limit = 3;
	add_service(&w, "api", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, NULL, &m1);
	remove_inst(&w, "a");
	add_inst(&w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	w.bids.cursor = 0;
	assert_int_equal(try_build(&w, &m1, &m2, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "api"));
	assert_int_equal(m2.nservices, 0);
	assert_null(m2.services);
	assert_null(m2.frontends);

	/* Once a's removal is in the current model, its id is free again. */
	remove_inst(&w, "c");
	build(&w, &m1, &m2);
	assert_int_equal(svc_of(&m2, "api")->nbackends, 1);
	add_inst(&w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, &m2, &m3);
	check_model(&m3);
	assert_int_equal(must_backend(svc_of(&m3, "api"), "c", SLUICE_FAM_V4)->id,
			 must_backend(svc_of(&m1, "api"), "a", SLUICE_FAM_V4)->id);
	sl_model_free(&m1);
	sl_model_free(&m2);
	sl_model_free(&m3);
}

/* Ids are taken after the last one handed out: one freed by the previous build is not
 * reused by the next while others are free, and taking wraps to the low ids. */
static void test_freed_id_not_reused_at_once(void **state)
{
	struct world w;
	struct sl_model m1, m2, m3, m4;
	uint32_t a, s1;

	(void)state;
	world_init(&w);
	w.sids.limit = 4;
	w.bids.limit = 4;
	add_service(&w, "s1", SL_PROTO_TCP);
	add_service(&w, "s2", SL_PROTO_TCP);
	add_inst(&w, "a", "s1", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "s1", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, NULL, &m1);
	a = must_backend(svc_of(&m1, "s1"), "a", SLUICE_FAM_V4)->id;
	s1 = svc_of(&m1, "s1")->id;
	assert_int_equal(a, 1);
	assert_int_equal(s1, 1);

	/* a and s1 go: ids 1 are free again. */
	remove_inst(&w, "a");
	remove_service(&w, "s1");
	add_inst(&w, "b2", "s2", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, &m1, &m2);
	assert_int_equal(svc_of(&m2, "s2")->id, 2);
	assert_int_equal(must_backend(svc_of(&m2, "s2"), "b2", SLUICE_FAM_V4)->id, 3);

	/* New ones now get the next free after the last handed out: not 1 at once... */
	add_service(&w, "s3", SL_PROTO_TCP);
	add_inst(&w, "c", "s3", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, &m2, &m3);
	assert_int_equal(svc_of(&m3, "s3")->id, 3);
	/* ...for backends, after 3 comes 1 (wrapping, limit 4), the only one free. */
	assert_int_equal(must_backend(svc_of(&m3, "s3"), "c", SLUICE_FAM_V4)->id, 1);

	/* And services wrap too. */
	add_service(&w, "s4", SL_PROTO_TCP);
	build(&w, &m3, &m4);
	assert_int_equal(svc_of(&m4, "s4")->id, 1);
	sl_model_free(&m1);
	sl_model_free(&m2);
	sl_model_free(&m3);
	sl_model_free(&m4);
}

static void test_disabled(void **state)
{
	struct world w;
	struct sl_model m1, m2;
	struct sl_plan p;

	(void)state;
	world_init(&w);
	fill_two_services(&w);
	build(&w, NULL, &m1);
	assert_int_equal(m1.nservices, 2);
	w.ns.enabled = false;
	build(&w, &m1, &m2);
	assert_int_equal(m2.nservices, 0);
	assert_int_equal(m2.nfrontends, 0);
	assert_null(m2.services);
	assert_null(m2.frontends);
	/* Going disabled removes everything there was. */
	assert_int_equal(sl_plan_make(&m1, &m2, &p), 0);
	assert_int_equal(p.nservice_deletes, 2);
	assert_int_equal(p.nfrontend_deletes, m1.nfrontends);
	assert_int_equal(p.nbackend_deletes,
			 m1.services[0].nbackends + m1.services[1].nbackends);
	assert_int_equal(p.nvip_port_deletes, m1.nvip_ports);
	assert_int_equal(p.nnamespace_deletes, 1);
	assert_int_equal(sl_plan_size(&p), 2 + m1.nfrontends + p.nbackend_deletes +
					   m1.nvip_ports + 1);
	sl_plan_free(&p);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* The namespace gets an id that it keeps across rebuilds; frontends are keyed by it; a
 * renamed namespace is another one, under an id that was not the old one's; vip_ports holds
 * one entry per VIP, port and protocol. */
static void test_namespace_ids(void **state)
{
	struct world w;
	struct sl_model m1, m2, m3;
	size_t i;

	(void)state;
	world_init(&w);
	fill_two_services(&w);
	build(&w, NULL, &m1);
	assert_int_equal(m1.nnamespaces, 1);
	assert_string_equal(m1.namespaces[0].value.name, "ns");
	assert_int_equal(m1.namespaces[0].value.order, 0);
	assert_true(m1.namespaces[0].id > 0);
	assert_ptr_equal(sl_model_find_namespace_name(&m1, "ns"), &m1.namespaces[0]);
	assert_ptr_equal(sl_model_find_namespace(&m1, m1.namespaces[0].id), &m1.namespaces[0]);
	assert_null(sl_model_find_namespace_name(&m1, "other"));
	for (i = 0; i < m1.nfrontends; i++)
		assert_int_equal(m1.frontends[i].key.ns_id, m1.namespaces[0].id);
	/* api: TCP+UDP on a v4 and a v6 VIP; web: TCP on two v4 VIPs */
	assert_int_equal(m1.nfrontends, 6);
	assert_int_equal(m1.nvip_ports, 6);
	for (i = 0; i < m1.nvip_ports; i++) {
		assert_int_equal(m1.vip_ports[i].value.namespaces, 1);
		if (i)
			assert_true(memcmp(&m1.vip_ports[i - 1].key, &m1.vip_ports[i].key,
					   sizeof(m1.vip_ports[i].key)) < 0);
	}

	build(&w, &m1, &m2);
	assert_int_equal(m2.namespaces[0].id, m1.namespaces[0].id);
	w.ns.namespace = "renamed";
	build(&w, &m2, &m3);
	assert_int_equal(m3.nnamespaces, 1);
	assert_string_equal(m3.namespaces[0].value.name, "renamed");
	assert_int_not_equal(m3.namespaces[0].id, m2.namespaces[0].id);
	for (i = 0; i < m3.nfrontends; i++)
		assert_int_equal(m3.frontends[i].key.ns_id, m3.namespaces[0].id);
	sl_model_free(&m1);
	sl_model_free(&m2);
	sl_model_free(&m3);
}

/* Two namespaces, each with a service db whose alias db:5432 has the same VIP: two
 * frontends that differ by namespace, one VIP port counting both, each leading to its own
 * service's backends; ids kept across a rebuild; a namespace that goes takes its own. */
static void test_two_namespaces(void **state)
{
	struct world wa, wb;
	struct sl_ns_cfg nss[2];
	struct sl_config cfg;
	struct sl_instances insts[2];
	struct sl_vip_table v4[2], v6[2];
	struct sl_model empty = {}, m1, m2, m3;
	struct sl_build_input in;
	struct sl_err err = { "" };
	const struct sl_service_model *da, *db;
	size_t i;

	(void)state;
	world_init(&wa);
	world_init(&wb);
	wa.ns.namespace = "a";
	wb.ns.namespace = "b";
	add_service(&wa, "db", SL_PROTO_TCP);
	add_alias(&wa, "db", "db", 5432);
	add_vip(&wa, "db", "127.255.0.5");
	add_inst(&wa, "ia", "db", "10.0.0.1", NULL, 5432, SL_HEALTH_HEALTHY, 1)->namespace = NULL;
	add_service(&wb, "db", SL_PROTO_TCP);
	add_alias(&wb, "db", "db", 5432);
	add_vip(&wb, "db", "127.255.0.5");
	add_inst(&wb, "ib", "db", "10.0.9.9", NULL, 5432, SL_HEALTH_HEALTHY, 1)->namespace = "b";
	add_inst(&wb, "ix", "db", "10.0.9.8", NULL, 5432, SL_HEALTH_HEALTHY, 1)->namespace = "a";
	nss[0] = wa.ns;
	nss[1] = wb.ns;
	cfg = wa.cfg;
	cfg.namespaces = nss;
	cfg.nnamespaces = 2;
	insts[0] = wa.insts;
	insts[1] = wb.insts;
	v4[0] = wa.vip4;
	v4[1] = wb.vip4;
	v6[0] = wa.vip6;
	v6[1] = wb.vip6;
	in = (struct sl_build_input){ .cfg = &cfg, .instances = insts, .vip4 = v4, .vip6 = v6,
				      .current = &empty };
	assert_int_equal(sl_model_build(&in, &wa.sids, &wa.bids, &m1, &err), 0);
	assert_int_equal(m1.nnamespaces, 2);
	assert_int_equal(m1.nservices, 2);
	assert_int_equal(m1.nfrontends, 2);
	assert_int_equal(m1.nvip_ports, 1);
	assert_int_equal(m1.vip_ports[0].value.namespaces, 2);
	da = sl_model_find_service_name(&m1, sl_model_find_namespace_name(&m1, "a")->id, "db");
	db = sl_model_find_service_name(&m1, sl_model_find_namespace_name(&m1, "b")->id, "db");
	assert_non_null(da);
	assert_non_null(db);
	assert_int_not_equal(da->id, db->id);
	assert_int_equal(da->nbackends, 1);
	assert_true(sl_addr_eq(&da->backends[0].addr, &wa.inst[0].addr4));
	/* b's registry's instance of namespace a is not b's */
	assert_int_equal(db->nbackends, 1);
	assert_true(sl_addr_eq(&db->backends[0].addr, &wb.inst[0].addr4));
	for (i = 0; i < m1.nfrontends; i++) {
		const struct sl_service_model *s =
			sl_model_find_service(&m1, m1.frontends[i].value.service_id);

		assert_int_equal(s->ns_id, m1.frontends[i].key.ns_id);
	}
	assert_int_not_equal(m1.frontends[0].key.ns_id, m1.frontends[1].key.ns_id);
	assert_memory_equal(m1.frontends[0].key.addr, m1.frontends[1].key.addr,
			    sizeof(m1.frontends[0].key.addr));

	/* Rebuilt: every id kept. */
	in.current = &m1;
	assert_int_equal(sl_model_build(&in, &wa.sids, &wa.bids, &m2, &err), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(m2.namespaces[i].id, m1.namespaces[i].id);
		assert_int_equal(m2.services[i].id, m1.services[i].id);
		assert_int_equal(m2.services[i].ns_id, m1.services[i].ns_id);
	}
	/* Namespace a goes: b keeps its ids, the VIP port counts one. */
	cfg.namespaces = &nss[1];
	cfg.nnamespaces = 1;
	in.instances = &insts[1];
	in.vip4 = &v4[1];
	in.vip6 = &v6[1];
	in.current = &m2;
	assert_int_equal(sl_model_build(&in, &wa.sids, &wa.bids, &m3, &err), 0);
	assert_int_equal(m3.nnamespaces, 1);
	assert_string_equal(m3.namespaces[0].value.name, "b");
	assert_int_equal(m3.namespaces[0].id, sl_model_find_namespace_name(&m2, "b")->id);
	assert_int_equal(m3.nservices, 1);
	assert_int_equal(m3.services[0].id,
			 sl_model_find_service_name(&m2, m3.namespaces[0].id, "db")->id);
	assert_int_equal(m3.nvip_ports, 1);
	assert_int_equal(m3.vip_ports[0].value.namespaces, 1);
	sl_model_free(&m1);
	sl_model_free(&m2);
	sl_model_free(&m3);
}

/* ---- limits ---- */

/* Two services and one usable id (limit 2): the second service fails, named. */
static void test_id_exhaustion(void **state)
{
	static const struct {
		uint32_t service_limit, backend_limit;
		const char *what;
	} cases[] = {
		{ 2, 64, "service id" },
		{ 64, 2, "backend id" },
		{ 1, 64, "service id" },
		{ 64, 0, "backend id" },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		struct sl_err err = { "" };
		int ret;

		world_init(&w);
		w.sids.limit = cases[c].service_limit;
		w.bids.limit = cases[c].backend_limit;
		add_service(&w, "alpha", SL_PROTO_TCP);
		add_alias(&w, "alpha", "alpha.local", 80);
		add_vip(&w, "alpha.local", "127.255.0.1");
		add_service(&w, "beta", SL_PROTO_TCP);
		add_inst(&w, "a", "alpha", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "b", "beta", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
		memset(&m, 0xa5, sizeof(m));
		ret = try_build(&w, NULL, &m, &err);
		if (ret != -ENOSPC)
			fail_msg("case %zu: %d, want -ENOSPC", c, ret);
		/* With limit < 2 not even the first service gets one. */
		if (!strstr(err.msg, cases[c].service_limit < 2 || cases[c].backend_limit < 2 ?
					     "alpha" : "beta") ||
		    !strstr(err.msg, cases[c].what))
			fail_msg("case %zu: message \"%s\"", c, err.msg);
		assert_int_equal(m.nservices, 0);
		assert_int_equal(m.nfrontends, 0);
		assert_null(m.services);
		assert_null(m.frontends);
	}
}

static void test_frontend_limit(void **state)
{
	static const struct {
		uint32_t limit;
		unsigned protocols;
		size_t naliases;
		int want;
	} cases[] = {
		{ 1, SL_PROTO_TCP | SL_PROTO_UDP, 1, -ENOSPC },
		{ 2, SL_PROTO_TCP | SL_PROTO_UDP, 1, 0 },
		{ 3, SL_PROTO_TCP, 4, -ENOSPC },
		{ 4, SL_PROTO_TCP, 4, 0 },
		{ 7, SL_PROTO_TCP | SL_PROTO_UDP, 4, -ENOSPC },
	};
	static const char *const names[] = { "a.local", "b.local", "c.local", "d.local" };
	static const char *const vips[] = { "127.255.0.1", "127.255.0.2", "127.255.0.3",
					    "127.255.0.4" };
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct world w;
		struct sl_model m;
		struct sl_err err = { "" };
		int ret;

		world_init(&w);
		w.cfg.limits.frontends = cases[c].limit;
		add_service(&w, "first", SL_PROTO_TCP);
		add_service(&w, "api", cases[c].protocols);
		for (i = 0; i < cases[c].naliases; i++) {
			add_alias(&w, "api", names[i], 80);
			add_vip(&w, names[i], vips[i]);
		}
		add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
		ret = try_build(&w, NULL, &m, &err);
		if (ret != cases[c].want)
			fail_msg("case %zu: %d, want %d (%s)", c, ret, cases[c].want, err.msg);
		if (ret) {
			assert_non_null(strstr(err.msg, "limits.frontends"));
			assert_int_equal(m.nservices, 0);
			assert_int_equal(m.nfrontends, 0);
		} else {
			assert_int_equal(m.nfrontends, cases[c].limit);
		}
		sl_model_free(&m);
	}
}

/* At most SLUICE_MAX_SLOTS serving backends per family; the others do not count. */
static void test_too_many_serving(void **state)
{
	static const struct {
		size_t serving, unhealthy;
		bool v6;
		int want;
	} cases[] = {
		{ SLUICE_MAX_SLOTS, 0, false, 0 },
		{ SLUICE_MAX_SLOTS, 5, false, 0 },
		{ SLUICE_MAX_SLOTS + 1, 0, false, -ENOSPC },
		{ SLUICE_MAX_SLOTS + 1, 0, true, -ENOSPC },
	};
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].serving + cases[c].unhealthy;
		struct sl_instance *v = calloc(n, sizeof(*v));
		struct world w;
		struct sl_model m;
		struct sl_err err = { "" };
		int ret;

		assert_non_null(v);
		world_init(&w);
		w.bids.limit = 2 * SLUICE_MAX_SLOTS;
		add_service(&w, "big", SL_PROTO_TCP);
		for (i = 0; i < n; i++) {
			v[i].id = "i";
			v[i].service = "big";
			v[i].health = i < cases[c].serving ? SL_HEALTH_HEALTHY : SL_HEALTH_UNHEALTHY;
			v[i].weight = 1;
			v[i].port = (uint16_t)(1 + i);
			if (cases[c].v6) {
				v[i].has_v6 = true;
				v[i].addr6 = A("fd00::1");
			} else {
				v[i].has_v4 = true;
				v[i].addr4 = A("10.0.0.1");
			}
		}
		w.insts.v = v;
		w.insts.n = n;
		ret = try_build(&w, NULL, &m, &err);
		if (ret != cases[c].want)
			fail_msg("case %zu: %d, want %d (%s)", c, ret, cases[c].want, err.msg);
		if (ret) {
			assert_non_null(strstr(err.msg, "big"));
			assert_non_null(strstr(err.msg, cases[c].v6 ? "IPv6" : "IPv4"));
			assert_int_equal(m.nservices, 0);
		} else {
			assert_int_equal(m.services[0].nbackends, n);
			assert_int_equal(m.services[0].table[SLUICE_FAM_V4].nslots, SLUICE_MAX_SLOTS);
		}
		sl_model_free(&m);
		free(v);
	}
}

/* Panic mode: fewer than panic_percent of the non-draining backends serve, so the tables
 * hold them all (draining ones excepted) and the policy says PANIC. */
/* Panic mode overrides sluice's own verdicts (check-failed, ejected) only: the registry's
 * UNHEALTHY and draining backends never serve, nor count towards the threshold. */
static void test_panic(void **state)
{
	static const struct {
		uint32_t percent;
		bool panic;
	} cases[] = { { 50, true }, { 34, true }, { 33, false }, { 0, false } };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct sl_service_model *s;
		struct sl_build_input in;
		struct sl_err err = { "" };
		struct sl_service_cfg *sc;
		uint8_t verdict[64] = { 0 };
		struct sl_model m1, m2;
		struct world w;

		world_init(&w);
		sc = add_service(&w, "api", SL_PROTO_TCP);
		sc->panic_percent = cases[c].percent;
		add_inst(&w, "ok", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "bad1", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "bad2", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
		add_inst(&w, "unh", "api", "10.0.0.5", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
		add_inst(&w, "drain", "api", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 0);
		build(&w, NULL, &m1);
		s = svc_of(&m1, "api");
		verdict[must_backend(s, "bad1", SLUICE_FAM_V4)->id] = SLUICE_BACKEND_CHECK_FAILED;
		verdict[must_backend(s, "bad2", SLUICE_FAM_V4)->id] = SLUICE_BACKEND_EJECTED;
		in = (struct sl_build_input){ .cfg = &w.cfg, .instances = &w.insts, .vip4 = &w.vip4,
					      .vip6 = &w.vip6, .current = &m1,
					      .verdicts = { .v = verdict, .n = sizeof(verdict) } };
		assert_int_equal(sl_model_build(&in, &w.sids, &w.bids, &m2, &err), 0);
		s = svc_of(&m2, "api");
		if (!!(s->policy.flags & SLUICE_POLICY_PANIC) != cases[c].panic)
			fail_msg("panic_percent %u: panic %d", cases[c].percent, !cases[c].panic);
		assert_int_equal(s->table[SLUICE_FAM_V4].nslots, cases[c].panic ? 3 : 1);
		assert_int_equal(sl_service_nserving(s), cases[c].panic ? 3 : 1);
		assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4],
					  must_backend(s, "drain", SLUICE_FAM_V4)->id), 0);
		assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4],
					  must_backend(s, "unh", SLUICE_FAM_V4)->id), 0);
		sl_model_free(&m1);
		sl_model_free(&m2);
	}
}

/* Every instance UNHEALTHY in the registry: no panic, no table, connects refused. */
static void test_panic_never_unhealthy(void **state)
{
	const struct sl_service_model *s;
	struct sl_model m;
	struct world w;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP)->panic_percent = 50;
	add_inst(&w, "u1", "api", "10.0.0.1", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "u2", "api", "10.0.0.2", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "d", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 0);
	build(&w, NULL, &m);
	s = svc_of(&m, "api");
	assert_false(s->policy.flags & SLUICE_POLICY_PANIC);
	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 0);
	assert_int_equal(sl_service_nserving(s), 0);
	sl_model_free(&m);
}

/* Checks and ejections take a backend the registry serves out of the tables; the registry's
 * UNHEALTHY and DRAINING win; a new backend is not asked about (it has had no check). The
 * verdicts say EJECTED of every id not named, so any id wrongly consulted shows. */
static void test_health_overlay(void **state)
{
	static const struct sl_model empty;
	const struct sl_service_model *s;
	struct sl_build_input in;
	struct sl_model m1, m2;
	struct sl_err err = { "" };
	uint8_t verdict[64];
	uint32_t a, b, c;
	struct world w;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "u", "api", "10.0.0.4", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	memset(verdict, SLUICE_BACKEND_EJECTED, sizeof(verdict));
	in = (struct sl_build_input){ .cfg = &w.cfg, .instances = &w.insts, .vip4 = &w.vip4,
				      .vip6 = &w.vip6, .current = &empty,
				      .verdicts = { .v = verdict, .n = sizeof(verdict) } };
	assert_int_equal(sl_model_build(&in, &w.sids, &w.bids, &m1, &err), 0);
	s = svc_of(&m1, "api");
	a = must_backend(s, "a", SLUICE_FAM_V4)->id;
	b = must_backend(s, "b", SLUICE_FAM_V4)->id;
	c = must_backend(s, "c", SLUICE_FAM_V4)->id;
	assert_true(a < sizeof(verdict) && b < sizeof(verdict) && c < sizeof(verdict));
	/* All new: none asked. */
	assert_int_equal(must_backend(s, "a", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 3);
	verdict[a] = SLUICE_BACKEND_SERVING;
	verdict[b] = SLUICE_BACKEND_CHECK_FAILED;
	verdict[c] = SLUICE_BACKEND_EJECTED;
	add_inst(&w, "d", "api", "10.0.0.5", NULL, 80, SL_HEALTH_HEALTHY, 1);
	in.current = &m1;
	assert_int_equal(sl_model_build(&in, &w.sids, &w.bids, &m2, &err), 0);
	s = svc_of(&m2, "api");
	assert_int_equal(must_backend(s, "a", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(must_backend(s, "b", SLUICE_FAM_V4)->state, SLUICE_BACKEND_CHECK_FAILED);
	assert_int_equal(must_backend(s, "c", SLUICE_FAM_V4)->state, SLUICE_BACKEND_EJECTED);
	assert_int_equal(must_backend(s, "u", SLUICE_FAM_V4)->state, SLUICE_BACKEND_UNHEALTHY);
	assert_int_equal(must_backend(s, "d", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 2);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], b), 0);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4], c), 0);
	/* An id beyond the verdicts serves. */
	in.verdicts.n = a;
	verdict[b] = verdict[c] = SLUICE_BACKEND_SERVING;
	sl_model_free(&m1);
	in.current = &m2;
	assert_int_equal(sl_model_build(&in, &w.sids, &w.bids, &m1, &err), 0);
	s = svc_of(&m1, "api");
	assert_int_equal(must_backend(s, "a", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

/* An instance without AWS_INSTANCE_PORT takes the service's "port"; without one it is left
 * out, and only it. */
static void test_port_default(void **state)
{
	const struct sl_service_model *s;
	struct sl_model m;
	struct world w;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP)->port = 8080;
	add_service(&w, "db", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 0, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 81, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "c", "db", "10.0.1.1", NULL, 0, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "d", "db", "10.0.1.2", NULL, 5432, SL_HEALTH_HEALTHY, 1);
	build(&w, NULL, &m);
	s = svc_of(&m, "api");
	assert_int_equal(s->nbackends, 2);
	assert_int_equal(must_backend(s, "a", SLUICE_FAM_V4)->port, 8080);
	assert_int_equal(must_backend(s, "b", SLUICE_FAM_V4)->port, 81);
	s = svc_of(&m, "db");
	assert_int_equal(s->nbackends, 1);
	assert_null(backend_of(s, "c", SLUICE_FAM_V4));
	assert_int_equal(must_backend(s, "d", SLUICE_FAM_V4)->port, 5432);
	sl_model_free(&m);
}

/* healthStatus HEALTHY_OR_ELSE_ALL: the UNHEALTHY ones serve only when none is HEALTHY or
 * UNKNOWN, as Cloud Map answers; a draining one never. */
static void test_health_or_else_all(void **state)
{
	const struct sl_service_model *s;
	struct sl_model m1, m2;
	struct world w;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP)->health_or_else_all = true;
	add_inst(&w, "u1", "api", "10.0.0.1", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "u2", "api", "10.0.0.2", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "d", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 0);
	build(&w, NULL, &m1);
	s = svc_of(&m1, "api");
	assert_int_equal(sl_service_nserving(s), 2);
	assert_int_equal(slots_of(&s->table[SLUICE_FAM_V4],
				  must_backend(s, "d", SLUICE_FAM_V4)->id), 0);
	add_inst(&w, "h", "api", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, &m1, &m2);
	s = svc_of(&m2, "api");
	assert_int_equal(sl_service_nserving(s), 1);
	assert_int_equal(must_backend(s, "u1", SLUICE_FAM_V4)->state, SLUICE_BACKEND_UNHEALTHY);
	sl_model_free(&m1);
	sl_model_free(&m2);

	/* An UNHEALTHY one of weight 0 stays out (it had made the whole build fail: a slot
	 * table takes no weight 0; tests/fuzz/regressions/registry/unhealthy-weight-0.json). */
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP)->health_or_else_all = true;
	add_inst(&w, "u1", "api", "10.0.0.1", NULL, 80, SL_HEALTH_UNHEALTHY, 0);
	add_inst(&w, "u2", "api", "10.0.0.2", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	build(&w, NULL, &m1);
	s = svc_of(&m1, "api");
	assert_int_equal(sl_service_nserving(s), 1);
	assert_int_equal(must_backend(s, "u1", SLUICE_FAM_V4)->state, SLUICE_BACKEND_UNHEALTHY);
	assert_int_equal(must_backend(s, "u2", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	sl_model_free(&m1);
}

/* A backend that left while ejected and comes back under a new id starts ejected; others
 * (another port, another service, still there) are not touched. */
static void test_held_backends(void **state)
{
	static const struct sl_model empty;
	struct sl_held_entry held[] = {
		{ "api", { { 0 } }, 80 }, { "api", { { 0 } }, 81 },
	};
	const struct sl_service_model *s;
	struct sl_build_input in;
	struct sl_err err = { "" };
	struct sl_model m;
	struct world w;

	(void)state;
	held[0].addr = A("10.0.0.1");
	held[1].addr = A("10.0.0.1");
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP);
	add_service(&w, "db", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "c", "api", "10.0.0.1", NULL, 82, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "d", "db", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "u", "api", "10.0.0.1", NULL, 81, SL_HEALTH_UNHEALTHY, 1);
	in = (struct sl_build_input){ .cfg = &w.cfg, .instances = &w.insts, .vip4 = &w.vip4,
				      .vip6 = &w.vip6, .current = &empty,
				      .held = { held, 2 } };
	assert_int_equal(sl_model_build(&in, &w.sids, &w.bids, &m, &err), 0);
	s = svc_of(&m, "api");
	assert_int_equal(must_backend(s, "a", SLUICE_FAM_V4)->state, SLUICE_BACKEND_EJECTED);
	assert_int_equal(must_backend(s, "b", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(must_backend(s, "c", SLUICE_FAM_V4)->state, SLUICE_BACKEND_SERVING);
	assert_int_equal(must_backend(s, "u", SLUICE_FAM_V4)->state, SLUICE_BACKEND_UNHEALTHY);
	assert_int_equal(must_backend(svc_of(&m, "db"), "d", SLUICE_FAM_V4)->state,
			 SLUICE_BACKEND_SERVING);
	assert_int_equal(s->table[SLUICE_FAM_V4].nslots, 2);
	sl_model_free(&m);
}

static bool departed(const struct sl_departure *v, size_t n, const char *addr, bool tcp)
{
	struct sl_addr x = A(addr);
	size_t i;

	for (i = 0; i < n; i++)
		if (sl_addr_eq(&v[i].addr, &x) && v[i].port == 80 && v[i].terminate_tcp == tcp)
			return true;
	return false;
}

/* Departures: backends in a table before and in none after, whatever the reason (gone,
 * UNHEALTHY, draining, their service gone); never one that was not in a table, nor one that
 * stays. terminate_tcp is the service's. */
static void test_departures(void **state)
{
	struct sl_model m1, m2;
	struct sl_departure *v;
	struct world w;
	size_t n;

	(void)state;
	world_init(&w);
	add_service(&w, "api", SL_PROTO_TCP)->terminate_tcp = true;
	add_service(&w, "db", SL_PROTO_TCP);
	add_inst(&w, "a", "api", "10.0.0.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "b", "api", "10.0.0.2", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "c", "api", "10.0.0.3", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "d", "api", "10.0.0.4", NULL, 80, SL_HEALTH_HEALTHY, 1);
	add_inst(&w, "u", "api", "10.0.0.5", NULL, 80, SL_HEALTH_UNHEALTHY, 1);
	add_inst(&w, "x", "db", "10.0.1.1", NULL, 80, SL_HEALTH_HEALTHY, 1);
	build(&w, NULL, &m1);
	assert_int_equal(sl_model_departures(&m1, &m1, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	remove_inst(&w, "a");                            /* gone */
	find_inst(&w, "b")->health = SL_HEALTH_UNHEALTHY; /* out of the table */
	find_inst(&w, "c")->weight = 0;                  /* draining */
	find_inst(&w, "u")->health = SL_HEALTH_HEALTHY;  /* joins: no departure */
	remove_service(&w, "db");                        /* its backend goes with it */
	build(&w, &m1, &m2);
	assert_int_equal(sl_model_departures(&m1, &m2, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_true(departed(v, n, "10.0.0.1", true));
	assert_true(departed(v, n, "10.0.0.2", true));
	assert_true(departed(v, n, "10.0.0.3", true));
	assert_true(departed(v, n, "10.0.1.1", false));
	free(v);
	sl_model_free(&m1);
	sl_model_free(&m2);
}

static void test_policy_from_config(void **state)
{
	struct sl_service_cfg sc = {};
	struct sluice_policy p;

	(void)state;
	sc.lb_policy = SLUICE_LB_LEAST_REQUEST;
	sc.outlier.enabled = true;
	sc.outlier.consecutive_failures = 5;
	sc.outlier.base_ejection_ms = 1500;
	sc.affinity_timeout_s = 30;
	sl_policy_from_config(&sc, &p);
	assert_int_equal(p.lb_policy, SLUICE_LB_LEAST_REQUEST);
	assert_int_equal(p.consecutive_failures, 5);
	assert_true(p.affinity_timeout_ns == 30000000000ULL);
	assert_true(p.ejection_ns == 1500000000ULL); /* a client's own ejection: the base time */
	assert_int_equal(p.flags, 0);
	sc.outlier.enabled = false;
	sc.affinity_timeout_s = 0;
	sl_policy_from_config(&sc, &p);
	assert_int_equal(p.consecutive_failures, 0);
	assert_true(p.affinity_timeout_ns == 0);
	assert_true(p.ejection_ns == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_healthy),
		cmocka_unit_test(test_vip_requests),
		cmocka_unit_test(test_frontend_count),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_none_serving),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_same_address),
		cmocka_unit_test(test_ids_kept),
		cmocka_unit_test(test_fresh_ids),
		cmocka_unit_test(test_removed_id_not_reused),
		cmocka_unit_test(test_freed_id_not_reused_at_once),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_namespace_ids),
		cmocka_unit_test(test_two_namespaces),
		cmocka_unit_test(test_id_exhaustion),
		cmocka_unit_test(test_frontend_limit),
		cmocka_unit_test(test_too_many_serving),
		cmocka_unit_test(test_panic),
		cmocka_unit_test(test_panic_never_unhealthy),
		cmocka_unit_test(test_health_overlay),
		cmocka_unit_test(test_departures),
		cmocka_unit_test(test_held_backends),
		cmocka_unit_test(test_port_default),
		cmocka_unit_test(test_health_or_else_all),
		cmocka_unit_test(test_policy_from_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
