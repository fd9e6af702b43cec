// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sluice.bpf.c: connect-time service routing. Connects and datagrams to a client alias's
 * VIP:port go to a serving backend; the application keeps seeing the VIP:port. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sluice_helpers.h"
#include "sluice_maps.h"

enum route_kind { ROUTE_CONNECT, ROUTE_DATAGRAM };

/* What a service's table gave: a backend, none (no table, or an empty one), or only backends
 * at maxConnectionsPerBackend. */
enum pick_result { PICK_OK, PICK_NONE, PICK_FULL };

/* Keepalive probes a routed connection idle for idleTimeoutSeconds gets before the kernel
 * resets it (each idleTimeoutSeconds / 3 apart, at least 1 s). */
#define IDLE_PROBES 3

/* Set by sluiced before it loads the programs: the cookie of its own network namespace
 * (0: unknown, then none is sluiced's). */
const volatile __u64 sluiced_netns_cookie = 0;
/* The kernel's HZ (jiffies per second), set by sluiced; 0: unknown, then connectTimeoutMs
 * leaves the SYN's first retransmission timeout at the kernel's (1 s). */
const volatile __u32 kernel_hz = 0;

/* The address in a sock_addr context, as IPv6 or v4-mapped. */
static __always_inline void ctx_addr(const struct bpf_sock_addr *ctx, bool v6, __be32 addr[4])
{
	if (v6) {
		addr[0] = ctx->user_ip6[0];
		addr[1] = ctx->user_ip6[1];
		addr[2] = ctx->user_ip6[2];
		addr[3] = ctx->user_ip6[3];
	} else {
		v4_mapped(addr, ctx->user_ip4);
	}
}

/* Point ctx at addr:port (for an IPv4 context, the IPv4 part of a v4-mapped addr). */
static __always_inline void set_ctx_addr(struct bpf_sock_addr *ctx, bool v6, const __be32 addr[4],
					 __be16 port)
{
	if (v6) {
		ctx->user_ip6[0] = addr[0];
		ctx->user_ip6[1] = addr[1];
		ctx->user_ip6[2] = addr[2];
		ctx->user_ip6[3] = addr[3];
	} else {
		ctx->user_ip4 = addr[3];
	}
	ctx->user_port = port;
}

/* A backend's health entry; NULL only for an id past the array's end. */
static __always_inline const struct sluice_backend_health *health_of(__u32 backend_id)
{
	return bpf_map_lookup_elem(&backend_health, &backend_id);
}

/* A backend the data plane may pick: not passively ejected, unless the service is in panic. */
static __always_inline bool usable(const struct sluice_backend_health *h, bool panic)
{
	return panic || !h || !h->ejected;
}

/* Its established connections (none known without an entry). */
static __always_inline __u32 active_of(const struct sluice_backend_health *h)
{
	return h ? h->active : 0;
}

/* It may take one more connection: below max (maxConnectionsPerBackend; 0: no limit), its
 * established and connecting ones counted. */
static __always_inline bool has_room(const struct sluice_backend_health *h, __u32 max)
{
	return !max || !h || h->active + h->connecting < max;
}

/* The client a connect or datagram comes from, as far as ejections for one client need it:
 * its network namespace and the time, each fetched once, and only when a backend it
 * considers may be ejected for some client. */
struct client {
	struct bpf_sock_addr *ctx;
	__u64 netns; /* bpf_get_netns_cookie(ctx); 0 until needed */
	__u64 now;   /* bpf_ktime_get_ns(); 0 until needed */
};

static __always_inline void client_fill(struct client *cl)
{
	if (!cl->now)
		cl->now = bpf_ktime_get_ns();
	if (!cl->netns)
		cl->netns = bpf_get_netns_cookie(cl->ctx);
}

/* Some client may hold an ejection of the backend for itself at now (h's hint). */
static __always_inline bool ejected_for_some(const struct sluice_backend_health *h, __u64 now)
{
	return h && now < h->client_ejected_until_ns;
}

/* The client of network namespace netns ejected the backend for itself, and at now that
 * still holds. */
static __always_inline bool client_ejected(__u64 netns, __u32 backend_id, __u64 now)
{
	struct sluice_client_key k = { .netns_cookie = netns, .backend_id = backend_id };
	const struct sluice_client_health *c = bpf_map_lookup_elem(&client_health, &k);

	return c && c->ejected && now < c->until_ns;
}

/* The backend is ejected for this client alone (never in panic, as usable()). One lookup,
 * made only while h's hint says some client may hold an ejection of it; none at all (not
 * even the time) for a backend no client ever ejected. */
static __always_inline bool ejected_for(struct client *cl, __u32 backend_id,
					const struct sluice_backend_health *h, bool panic)
{
	if (panic || !h || !h->client_ejected_until_ns)
		return false;
	if (!cl->now)
		cl->now = bpf_ktime_get_ns();
	if (!ejected_for_some(h, cl->now))
		return false;
	client_fill(cl);
	return client_ejected(cl->netns, backend_id, cl->now);
}

/* A uniform draw from [0, n). */
static __always_inline __u32 draw(__u32 n)
{
	return ((__u64)bpf_get_prandom_u32() * n) >> 32;
}

/* A service's slot table for one family, as the pick functions see it. */
struct slots {
	void *table;
	const struct sluice_slot *first; /* slot 0: where the table's size is read */
	__u32 n;                         /* its slots, 1 to SLUICE_MAX_SLOTS */
};

/* A policy's pick: slot k of the table, and its backend's health (NULL: none, usable). */
struct pick {
	const struct sluice_slot *slot;
	const struct sluice_backend_health *h;
	__u32 k;
};

/* The table at SLUICE_SET_INDEX idx of backend_sets; false: none, or an empty one. */
static __always_inline bool open_slots(__u32 idx, struct slots *t)
{
	__u32 zero = 0;

	t->table = bpf_map_lookup_elem(&backend_sets, &idx);
	if (!t->table)
		return false;
	t->first = bpf_map_lookup_elem(t->table, &zero);
	if (!t->first || !t->first->nslots)
		return false;
	t->n = t->first->nslots;
	if (t->n > SLUICE_MAX_SLOTS)
		t->n = SLUICE_MAX_SLOTS;
	return true;
}

/* Slot k (< t->n) as a pick, with its backend's health; slot 0 is at hand already. */
static __always_inline bool pick_at(const struct slots *t, __u32 k, struct pick *p)
{
	p->k = k;
	p->slot = k ? bpf_map_lookup_elem(t->table, &k) : t->first;
	if (!p->slot)
		return false;
	p->h = health_of(p->slot->backend_id);
	return true;
}

/* Weighted random: one uniform draw from the table (a backend has slots by weight). */
static __always_inline __u32 pick_random(const struct slots *t)
{
	return draw(t->n);
}

/* Weighted round robin: the table's cursor, moved on atomically; false: it has none. */
static __always_inline bool pick_round_robin(const struct slots *t, __u32 idx, __u32 *k)
{
	__u32 *cursor = bpf_map_lookup_elem(&rr_cursors, &idx);

	if (!cursor)
		return false;
	*k = __sync_fetch_and_add(cursor, 1) % t->n;
	return true;
}

/* Least request, power of two choices: of two draws, the one with fewer active connections,
 * a usable one with room over one that is not; the first on a tie. */
static __always_inline bool pick_least_request(const struct slots *t, bool panic, __u32 max,
					       struct pick *p)
{
	const struct sluice_backend_health *h, *h2;
	const struct sluice_slot *slot, *slot2;
	__u32 k = draw(t->n), k2 = draw(t->n);

	slot = bpf_map_lookup_elem(t->table, &k);
	slot2 = bpf_map_lookup_elem(t->table, &k2);
	if (!slot || !slot2)
		return false;
	h = health_of(slot->backend_id);
	h2 = health_of(slot2->backend_id);
	if (usable(h2, panic) && has_room(h2, max) &&
	    (!usable(h, panic) || !has_room(h, max) || active_of(h2) < active_of(h))) {
		slot = slot2;
		h = h2;
		k = k2;
	}
	*p = (struct pick){ .slot = slot, .h = h, .k = k };
	return true;
}

/* scan_step's state: the table, the pick's index, its size, the client (netns, now), the
 * service's panic and maxConnectionsPerBackend; a usable slot with room goes to out (found),
 * the first with room, usable or not, to room. */
struct scan_ctx {
	void *table;
	__u32 start, n, max;
	bool panic, found, has_room_slot;
	__u64 netns, now;
	struct sluice_slot *out;
	struct sluice_slot room;
};

/* bpf_loop step: slot start+1+i of the table, taken if its backend has room and is ejected
 * neither for every client nor for this one. */
static long scan_step(__u32 i, void *data)
{
	const struct sluice_backend_health *h;
	struct scan_ctx *c = data;
	const struct sluice_slot *slot;
	__u32 k = c->start + 1 + i;

	if (k >= c->n)
		k -= c->n;
	slot = bpf_map_lookup_elem(c->table, &k);
	if (!slot)
		return SL_LOOP_CONTINUE;
	h = health_of(slot->backend_id);
	if (!has_room(h, c->max))
		return SL_LOOP_CONTINUE;
	if (!c->has_room_slot) {
		c->room = *slot;
		c->has_room_slot = true;
	}
	if (!usable(h, c->panic) ||
	    (!c->panic && ejected_for_some(h, c->now) &&
	     client_ejected(c->netns, slot->backend_id, c->now)))
		return SL_LOOP_CONTINUE;
	*c->out = *slot;
	c->found = true;
	return SL_LOOP_BREAK;
}

/* The pick, copied out (the table may be swapped for a new one as soon as we return). A
 * backend ejected since sluiced built the table, by the data plane for every client or for
 * this client alone, or at maxConnectionsPerBackend, is passed over for the next one that is
 * none of these; when every one is ejected, the pick stands (or, when it is full, the first
 * with room). False (PICK_FULL) when every backend is full. */
static __always_inline bool take(const struct slots *t, const struct pick *p, bool panic,
				 __u32 max, struct client *cl, struct sluice_slot *out)
{
	bool room = has_room(p->h, max);
	struct scan_ctx sc;

	*out = *p->slot;
	if (room && usable(p->h, panic) && !ejected_for(cl, out->backend_id, p->h, panic))
		return true;
	if (t->n == 1)
		return room;
	client_fill(cl);
	sc = (struct scan_ctx){ .table = t->table, .start = p->k, .n = t->n, .max = max,
				.panic = panic, .netns = cl->netns, .now = cl->now, .out = out };
	bpf_loop(t->n - 1, scan_step, &sc, 0);
	if (sc.found || room)
		return true;
	if (!sc.has_room_slot)
		return false;
	*out = sc.room;
	return true;
}

/* The service's maxConnectionsPerBackend for a connect (datagrams have no connections). */
static __always_inline __u32 max_of(const struct sluice_policy *pol, enum route_kind kind)
{
	return pol && kind == ROUTE_CONNECT ? pol->max_connections : 0;
}

/* A backend from the service's table for family fam, by its policy (random without one):
 * open the table, the policy picks, take() copies out. */
static __always_inline enum pick_result pick_slot(__u32 service_id, __u32 fam,
						  const struct sluice_policy *pol, __u32 max,
						  struct client *cl, struct sluice_slot *out)
{
	__u32 idx = SLUICE_SET_INDEX(service_id, fam);
	bool panic = pol && (pol->flags & SLUICE_POLICY_PANIC);
	struct slots t;
	struct pick p;
	__u32 k;
	__u8 lb;

	if (!open_slots(idx, &t))
		return PICK_NONE;
	lb = pol ? pol->lb_policy : SLUICE_LB_RANDOM;
	if (lb == SLUICE_LB_LEAST_REQUEST) {
		if (!pick_least_request(&t, panic, max, &p))
			return PICK_NONE;
	} else {
		if (lb != SLUICE_LB_ROUND_ROBIN || !pick_round_robin(&t, idx, &k))
			k = pick_random(&t);
		if (!pick_at(&t, k, &p))
			return PICK_NONE;
	}
	return take(&t, &p, panic, max, cl, out) ? PICK_OK : PICK_FULL;
}

/* A backend sluiced still counts as serving, with room, and the data plane has not ejected,
 * for every client or for this one. */
static __always_inline bool still_serving(__u32 backend_id, bool panic, __u32 max,
					  struct client *cl)
{
	const struct sluice_backend_health *h = health_of(backend_id);

	return h && (h->flags & SLUICE_HEALTH_SERVING) && usable(h, panic) && has_room(h, max) &&
	       !ejected_for(cl, backend_id, h, panic);
}

/* pick_slot, with session affinity: a client (its cgroup) keeps the backend it had while
 * that one serves and the client came back within the timeout. */
static __always_inline enum pick_result choose(__u32 service_id, __u32 fam,
					       const struct sluice_policy *pol, __u32 max,
					       struct client *cl, struct sluice_slot *out)
{
	struct sluice_affinity_key ak = {};
	struct sluice_affinity *a, na = {};
	enum pick_result r;
	__u64 now;

	if (!pol || !pol->affinity_timeout_ns)
		return pick_slot(service_id, fam, pol, max, cl, out);
	ak.cgroup_id = bpf_get_current_cgroup_id();
	ak.set_index = SLUICE_SET_INDEX(service_id, fam);
	now = bpf_ktime_get_ns();
	cl->now = now;
	a = bpf_map_lookup_elem(&affinities, &ak);
	if (a && now - a->last_ns < pol->affinity_timeout_ns &&
	    still_serving(a->slot.backend_id, pol->flags & SLUICE_POLICY_PANIC, max, cl)) {
		*out = a->slot;
		a->last_ns = now;
		return PICK_OK;
	}
	r = pick_slot(service_id, fam, pol, max, cl, out);
	if (r != PICK_OK)
		return r;
	na.slot = *out;
	na.last_ns = now;
	bpf_map_update_elem(&affinities, &ak, &na, BPF_ANY);
	return PICK_OK;
}

/* A connect or datagram refused: no backend serves (r PICK_NONE), or every one is at
 * maxConnectionsPerBackend (PICK_FULL, Envoy's upstream_cx_overflow). */
static __always_inline void count_refused(__u32 service_id, enum pick_result r)
{
	struct sluice_service_stats *st = bpf_map_lookup_elem(&service_stats, &service_id);

	if (!st)
		return;
	if (r == PICK_FULL)
		st->overflow++;
	else
		st->refused++;
}

static __always_inline void count_routed(__u32 backend_id, enum route_kind kind)
{
	struct sluice_backend_stats *st = bpf_map_lookup_elem(&backend_stats, &backend_id);

	if (!st)
		return;
	if (kind == ROUTE_CONNECT)
		st->connects++;
	else
		st->datagrams++;
}

/* A connected socket keeps its route in its storage: for sockops (passive health, active
 * connections), for destroying it when its backend stops serving, and for getpeername and
 * recvmsg to show the VIP. It goes with the socket. */
static __always_inline void keep_route(struct sluice_sock_route *rt, __u32 service_id,
				       const struct sluice_frontend_key *fk,
				       const struct sluice_slot *slot)
{
	rt->backend_id = slot->backend_id;
	rt->service_id = service_id;
	rt->flags = SLUICE_SOCK_CONNECTED;
	rt->ns_id = fk->ns_id;
	__builtin_memcpy(rt->vip, fk->addr, sizeof(rt->vip));
	__builtin_memcpy(rt->backend, slot->addr, sizeof(rt->backend));
	rt->vip_port = fk->port;
	rt->backend_port = slot->port;
}

/* A datagram (or a connect whose storage could not be had): a reverse entry per socket and
 * backend in sock_vips, written only when it is new or changed. */
static __always_inline void keep_sock_vip(struct bpf_sock_addr *ctx, __u32 service_id,
					  const struct sluice_frontend_key *fk,
					  const struct sluice_slot *slot)
{
	struct sluice_sock_key sk = {};
	struct sluice_sock_vip vip = {};
	const struct sluice_sock_vip *old;

	sk.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(sk.addr, slot->addr, sizeof(sk.addr));
	sk.port = slot->port;
	sk.proto = fk->proto;
	old = bpf_map_lookup_elem(&sock_vips, &sk);
	if (old && old->service_id == service_id && old->port == fk->port &&
	    old->ns_id == fk->ns_id &&
	    addr_eq(old->addr, fk->addr))
		return;
	__builtin_memcpy(vip.addr, fk->addr, sizeof(vip.addr));
	vip.port = fk->port;
	vip.service_id = service_id;
	vip.ns_id = fk->ns_id;
	bpf_map_update_elem(&sock_vips, &sk, &vip, BPF_ANY);
}

/* The namespace the calling task resolves VIPs in: its ancestor cgroup at each level tasks
 * sit at, deepest first, looked up in tasks. 0 (none) for sluiced's own cgroup and for a
 * task not classified (yet): its connects are left as they are. */
static __always_inline __u32 task_namespace(void)
{
	const struct sluice_classifier *c;
	__u32 zero = 0, i;

	c = bpf_map_lookup_elem(&classifier, &zero);
	if (!c || (c->self_cgroup && bpf_get_current_cgroup_id() == c->self_cgroup))
		return 0;
	for (i = 0; i < SLUICE_MAX_TASK_LEVELS; i++) {
		const struct sluice_task *t;
		__u64 id;

		if (i >= c->nlevels)
			break;
		id = bpf_get_current_ancestor_cgroup_id(c->levels[i]);
		t = id ? bpf_map_lookup_elem(&tasks, &id) : NULL;
		if (t)
			return t->ns_id;
	}
	return 0;
}

/* The frontend a destination is in the caller's namespace, or NULL. Two steps: a
 * destination no namespace has a frontend at costs one lookup, and no classification. */
static __always_inline const struct sluice_frontend *
frontend_of(struct bpf_sock_addr *ctx, bool v6, struct sluice_frontend_key *fk)
{
	struct sluice_vip_key vk = {};

	ctx_addr(ctx, v6, vk.addr);
	vk.port = (__be16)ctx->user_port;
	vk.proto = ctx->protocol;
	if (!bpf_map_lookup_elem(&vip_ports, &vk))
		return NULL;
	fk->ns_id = task_namespace();
	if (!fk->ns_id)
		return NULL;
	__builtin_memcpy(fk->addr, vk.addr, sizeof(fk->addr));
	fk->port = vk.port;
	fk->proto = vk.proto;
	return bpf_map_lookup_elem(&frontends, fk);
}

/* ---- names: a task's DNS traffic to sluiced's answerer in its network namespace ---- */

/* The answerer of the caller's network namespace, while its lease holds; else NULL (none
 * there, or sluiced stopped renewing it: queries go to their own servers). */
static __always_inline const struct sluice_dns_answerer *live_answerer(struct bpf_sock_addr *ctx)
{
	__u64 netns = bpf_get_netns_cookie(ctx);
	const struct sluice_dns_answerer *a = bpf_map_lookup_elem(&dns_answerers, &netns);

	if (!a || bpf_ktime_get_ns() >= a->alive_until_ns)
		return NULL;
	return a;
}

/* The namespace of a task whose namespace has names on ("names": {"dns"}), or 0. */
static __always_inline __u32 dns_namespace(void)
{
	const struct sluice_namespace *ns;
	__u32 ns_id = task_namespace();

	if (!ns_id)
		return 0;
	ns = bpf_map_lookup_elem(&namespaces, &ns_id);
	return ns && (ns->flags & SLUICE_NS_DNS) ? ns_id : 0;
}

/* Where the answerer takes a query to server (IPv6 or v4-mapped) over proto: its IPv4
 * address for an IPv4 server (on an IPv6 socket, v4-mapped), its IPv6 one for an IPv6
 * server. false: it has none of that family and protocol. */
static __always_inline bool answerer_addr(const struct sluice_dns_answerer *a,
					  const __be32 server[4], __u8 proto, __be32 to[4],
					  __be16 *port)
{
	if (is_v4_mapped(server)) {
		v4_mapped(to, a->addr4);
		*port = proto == IPPROTO_TCP ? a->tcp4_port : a->udp4_port;
	} else {
		__builtin_memcpy(to, a->addr6, sizeof(a->addr6));
		*port = proto == IPPROTO_TCP ? a->tcp6_port : a->udp6_port;
	}
	return *port != 0;
}

/* A task's DNS query (UDP or TCP to port 53, whatever the server) goes to sluiced's
 * answerer in the task's network namespace, which answers the task's namespace's alias
 * names and forwards the rest to the server asked. The socket's reverse entry in sock_vips
 * (keyed by its cookie and the answerer's address) names that server: recvmsg and
 * getpeername show it, and the answerer reads it to know where to forward. Left alone:
 * sluiced's own sockets (not a task's, or marked exempt), tasks of a namespace with names
 * off, a network namespace with no live answerer. */
static __always_inline void to_answerer(struct bpf_sock_addr *ctx, bool v6)
{
	const struct sluice_dns_answerer *a;
	struct sluice_sock_key sk = {};
	struct sluice_sock_vip vip = {};
	const struct sluice_sock_vip *old;
	struct sluice_sock_route *rt;
	__be32 server[4];
	__u32 ns_id;
	__u8 proto;

	if (ctx->user_port != bpf_htons(SLUICE_DNS_PORT))
		return;
	proto = ctx->protocol;
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return;
	a = live_answerer(ctx);
	if (!a)
		return;
	ns_id = dns_namespace();
	if (!ns_id)
		return;
	rt = bpf_sk_storage_get(&sock_routes, ctx->sk, 0, 0);
	if (rt && (rt->flags & SLUICE_SOCK_EXEMPT))
		return;
	ctx_addr(ctx, v6, server);
	if (!answerer_addr(a, server, proto, sk.addr, &sk.port))
		return;
	sk.cookie = bpf_get_socket_cookie(ctx);
	sk.proto = proto;
	old = bpf_map_lookup_elem(&sock_vips, &sk);
	if (!old || old->service_id != SLUICE_DNS_SERVICE || old->ns_id != ns_id ||
	    old->port != bpf_htons(SLUICE_DNS_PORT) || !addr_eq(old->addr, server)) {
		__builtin_memcpy(vip.addr, server, sizeof(vip.addr));
		vip.port = bpf_htons(SLUICE_DNS_PORT);
		vip.service_id = SLUICE_DNS_SERVICE;
		vip.ns_id = ns_id;
		if (bpf_map_update_elem(&sock_vips, &sk, &vip, BPF_ANY))
			return; /* the answerer could not tell where to forward it */
	}
	set_ctx_addr(ctx, v6, sk.addr, sk.port);
}

/* Rewrite a destination that is a frontend to one of its serving backends. 0: routed, or
 * not sluice's to route; -ECONNREFUSED: the service has no backend to take it. */
static __always_inline int route(struct bpf_sock_addr *ctx, bool v6, enum route_kind kind)
{
	struct sluice_frontend_key fk = {};
	struct client cl = { .ctx = ctx };
	const struct sluice_frontend *fe;
	const struct sluice_policy *pol;
	struct sluice_sock_route *rt;
	struct sluice_slot slot;
	enum pick_result r;
	__u32 fam, max;

	fe = frontend_of(ctx, v6, &fk);
	if (!fe) {
		to_answerer(ctx, v6);
		return 0;
	}
	/* sluiced's own sockets (health checks: TCP connects) go where they were sent. A
	 * datagram needs no storage: nothing follows it, and sluiced marks no UDP socket. */
	rt = NULL;
	if (kind == ROUTE_CONNECT) {
		rt = bpf_sk_storage_get(&sock_routes, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (rt && (rt->flags & SLUICE_SOCK_EXEMPT))
			return 0;
	}
	pol = bpf_map_lookup_elem(&service_policies, &fe->service_id);

	/* An IPv4 socket reaches IPv4 backends only; an IPv6 one prefers the VIP's family
	 * and falls back to the other (v4 backends as ::ffff:a.b.c.d on dual-stack sockets). */
	fam = (v6 && !is_v4_mapped(fk.addr)) ? SLUICE_FAM_V6 : SLUICE_FAM_V4;
	max = max_of(pol, kind);
	r = choose(fe->service_id, fam, pol, max, &cl, &slot);
	if (r == PICK_NONE && v6)
		r = choose(fe->service_id, fam ^ 1, pol, max, &cl, &slot);
	if (r != PICK_OK) {
		count_refused(fe->service_id, r);
		return -ECONNREFUSED;
	}
	if (rt)
		keep_route(rt, fe->service_id, &fk, &slot);
	else
		keep_sock_vip(ctx, fe->service_id, &fk, &slot);
	set_ctx_addr(ctx, v6, slot.addr, slot.port);
	count_routed(slot.backend_id, kind);
	return 0;
}

/* route()'s verdict: an error fails the connect or sendmsg with it; else it goes on. */
static __always_inline int route_verdict(int err)
{
	if (!err)
		return SL_VERDICT_PROCEED;
	bpf_set_retval(err);
	return SL_VERDICT_REJECT;
}

/* The VIP:port a frontend key stands for, shown in place of the backend (the address in
 * ctx), while that frontend still names the service: a stale mapping shows the truth. */
static __always_inline bool show_vip(struct bpf_sock_addr *ctx, bool v6,
				     struct sluice_frontend_key *fk, __u32 service_id)
{
	const struct sluice_frontend *fe = bpf_map_lookup_elem(&frontends, fk);

	if (!fe || fe->service_id != service_id)
		return false;
	set_ctx_addr(ctx, v6, fk->addr, fk->port);
	return true;
}

/* Show the VIP:port in place of the backend a socket was routed to: from the socket's own
 * storage when it is connected to that backend, else from its sock_vips entry (an entry
 * that is stale is dropped). */
static __always_inline void reverse(struct bpf_sock_addr *ctx, bool v6)
{
	struct sluice_frontend_key fk = {};
	struct sluice_sock_route *rt;
	struct sluice_sock_vip *vip;
	struct sluice_sock_key sk = {};

	ctx_addr(ctx, v6, sk.addr);
	sk.port = (__be16)ctx->user_port;
	sk.proto = ctx->protocol;
	fk.proto = sk.proto;
	rt = bpf_sk_storage_get(&sock_routes, ctx->sk, 0, 0);
	if (rt && (rt->flags & SLUICE_SOCK_CONNECTED) && rt->backend_port == sk.port &&
	    addr_eq(rt->backend, sk.addr)) {
		__builtin_memcpy(fk.addr, rt->vip, sizeof(fk.addr));
		fk.port = rt->vip_port;
		fk.ns_id = rt->ns_id;
		show_vip(ctx, v6, &fk, rt->service_id);
		return;
	}
	sk.cookie = bpf_get_socket_cookie(ctx);
	vip = bpf_map_lookup_elem(&sock_vips, &sk);
	if (!vip)
		return;
	__builtin_memcpy(fk.addr, vip->addr, sizeof(fk.addr));
	if (vip->service_id == SLUICE_DNS_SERVICE) {
		/* a reply of sluiced's answerer: from the server the query was for */
		set_ctx_addr(ctx, v6, vip->addr, vip->port);
		return;
	}
	fk.port = vip->port;
	fk.ns_id = vip->ns_id;
	if (!show_vip(ctx, v6, &fk, vip->service_id))
		bpf_map_delete_elem(&sock_vips, &sk);
}

SEC("cgroup/connect4")
int sluice_connect4(struct bpf_sock_addr *ctx)
{
	return route_verdict(route(ctx, false, ROUTE_CONNECT));
}

SEC("cgroup/connect6")
int sluice_connect6(struct bpf_sock_addr *ctx)
{
	return route_verdict(route(ctx, true, ROUTE_CONNECT));
}

SEC("cgroup/sendmsg4")
int sluice_sendmsg4(struct bpf_sock_addr *ctx)
{
	return route_verdict(route(ctx, false, ROUTE_DATAGRAM));
}

SEC("cgroup/sendmsg6")
int sluice_sendmsg6(struct bpf_sock_addr *ctx)
{
	return route_verdict(route(ctx, true, ROUTE_DATAGRAM));
}

SEC("cgroup/recvmsg4")
int sluice_recvmsg4(struct bpf_sock_addr *ctx)
{
	reverse(ctx, false);
	return SL_VERDICT_PROCEED;
}

SEC("cgroup/recvmsg6")
int sluice_recvmsg6(struct bpf_sock_addr *ctx)
{
	reverse(ctx, true);
	return SL_VERDICT_PROCEED;
}

SEC("cgroup/getpeername4")
int sluice_getpeername4(struct bpf_sock_addr *ctx)
{
	reverse(ctx, false);
	return SL_VERDICT_PROCEED;
}

SEC("cgroup/getpeername6")
int sluice_getpeername6(struct bpf_sock_addr *ctx)
{
	reverse(ctx, true);
	return SL_VERDICT_PROCEED;
}

/* ---- passive health (sockops). A client is a network namespace; the rule (README "Health
 * and failover"): each client counts its own failures in a row with a backend
 * (client_health) and at consecutiveFailures ejects it for its own sockets, for the
 * service's ejection time, which the kernel lets lapse. The shared run (backend_health's
 * failures and run_netns) takes the failures of every client but REACH_OWN ones and
 * restarts on their established connects; at consecutiveFailures it ejects the backend for
 * every client and tells sluiced, if it is not one client's: it holds failures from two
 * network namespaces, or one from sluiced's. ---- */

/* How far a client's evidence reaches. */
enum reach {
	REACH_OWN,    /* a netns owned by a user namespace other than the initial one: anyone
		       * can make one, with a loopback and routes of its own, so it weighs for
		       * itself only: neither its failures nor its successes enter the shared run */
	REACH_ONE,    /* a netns made by root (owned by the initial user namespace): one client
		       * of the shared run; a second one in the same run makes it shared */
	REACH_SHARED, /* sluiced's own netns (the host's, where its checks run): a failure seen
		       * from it makes the shared run shared at once */
};

/* The reach of the client whose socket is tp, in network namespace netns. */
static __always_inline enum reach reach_of(const struct tcp_sock *tp, __u64 netns)
{
	if (netns == sluiced_netns_cookie)
		return REACH_SHARED;
	if (!tp || tp->inet_conn.icsk_inet.sk.__sk_common.skc_net.net->user_ns->level)
		return REACH_OWN;
	return REACH_ONE;
}

/* The error the kernel gave the socket: ECONNREFUSED for a RST to its SYN, an ICMP error's
 * errno, ETIMEDOUT; 0 when the application closed it while it connected (abandoned). */
static __always_inline int sock_error(const struct tcp_sock *tp)
{
	return tp ? tp->inet_conn.icsk_inet.sk.sk_err : 0;
}

/* One more failure of the backend for the client of network namespace netns: at
 * consecutiveFailures in a row, each within the service's ejection time of the one before,
 * it is ejected for that client for the ejection time. h's hints cover the entry. */
static __always_inline void count_for_client(__u64 netns, __u32 backend_id,
					     const struct sluice_policy *pol,
					     struct sluice_backend_health *h)
{
	struct sluice_client_key k = { .netns_cookie = netns, .backend_id = backend_id };
	__u64 now = bpf_ktime_get_ns(), until = now + pol->ejection_ns;
	struct sluice_client_health *c = bpf_map_lookup_elem(&client_health, &k);
	struct sluice_client_health first = { .failures = 1, .until_ns = until };

	if (c && now < c->until_ns) {
		if (c->ejected)
			return; /* connects already under way: the ejection keeps its end */
		c->until_ns = until;
		if (__sync_fetch_and_add(&c->failures, 1) + 1 >= pol->consecutive_failures)
			c->ejected = 1;
	} else {
		first.ejected = pol->consecutive_failures <= 1;
		if (bpf_map_update_elem(&client_health, &k, &first, BPF_ANY))
			return;
		c = &first;
	}
	if (h->client_entries_until_ns < until)
		h->client_entries_until_ns = until;
	if (c->ejected && h->client_ejected_until_ns < until)
		h->client_ejected_until_ns = until;
}

/* A failure joins the shared run: the run stays one client's while all its failures come
 * from one network namespace; one from another, or from sluiced's, makes it shared. */
static __always_inline void join_run(struct sluice_backend_health *h, __u64 netns,
				     enum reach reach)
{
	__u64 was;

	if (reach == REACH_SHARED) {
		h->run_netns = SLUICE_RUN_SHARED;
		return;
	}
	was = __sync_val_compare_and_swap(&h->run_netns, 0, netns);
	if (was && was != netns)
		h->run_netns = SLUICE_RUN_SHARED;
}

/* A routed connect failed by the backend's or its network's doing: the client's own count,
 * then the shared run unless the client weighs for itself only. */
static __always_inline void count_failure(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					  struct sluice_sock_route *rt)
{
	struct sluice_health_event *ev;
	const struct sluice_policy *pol;
	struct sluice_backend_health *h;
	enum reach reach;
	__u32 failures;
	__u64 netns;

	h = bpf_map_lookup_elem(&backend_health, &rt->backend_id);
	if (!h)
		return;
	netns = bpf_get_netns_cookie(skops);
	reach = reach_of(bpf_skc_to_tcp_sock(sk), netns);
	pol = bpf_map_lookup_elem(&service_policies, &rt->service_id);
	if (pol && pol->consecutive_failures)
		count_for_client(netns, rt->backend_id, pol, h);
	if (reach == REACH_OWN)
		return;
	failures = __sync_fetch_and_add(&h->failures, 1) + 1;
	join_run(h, netns, reach);
	if (!pol || !pol->consecutive_failures || failures < pol->consecutive_failures ||
	    h->run_netns != SLUICE_RUN_SHARED || (pol->flags & SLUICE_POLICY_PANIC) ||
	    (h->flags & SLUICE_HEALTH_NO_EJECT))
		return;
	/* The first to cross the threshold ejects it, from the very next connect on, and
	 * tells sluiced, which applies the ejection time and the cap. */
	if (__sync_val_compare_and_swap(&h->ejected, 0, 1))
		return;
	ev = bpf_ringbuf_reserve(&health_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->kind = SLUICE_EVENT_EJECTED;
	ev->backend_id = rt->backend_id;
	ev->service_id = rt->service_id;
	ev->failures = failures;
	ev->time_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(ev, 0);
}

/* A routed connect got established: the backend works for this client (its own entry
 * goes) and, unless it weighs for itself only, for every client (the shared run restarts).
 * Called only when there is something to reset. */
static __always_inline void count_success(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					  __u32 backend_id, struct sluice_backend_health *h)
{
	struct sluice_client_key k = { .backend_id = backend_id };

	k.netns_cookie = bpf_get_netns_cookie(skops);
	if (bpf_ktime_get_ns() < h->client_entries_until_ns)
		bpf_map_delete_elem(&client_health, &k);
	if ((h->failures || h->run_netns) &&
	    reach_of(bpf_skc_to_tcp_sock(sk), k.netns_cookie) != REACH_OWN) {
		h->failures = 0;
		h->run_netns = 0;
	}
}

/* The calls passive health counts. The others (a connection makes about nine, four of
 * them state changes of which only the one to CLOSE counts) leave before the storage lookup. */
static __always_inline bool counted_op(const struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
	case BPF_SOCK_OPS_TIMEOUT_INIT:
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		return true;
	case BPF_SOCK_OPS_RTO_CB:
		return skops->state == BPF_TCP_SYN_SENT;
	case BPF_SOCK_OPS_STATE_CB:
		return skops->args[1] == BPF_TCP_CLOSE;
	default:
		return false;
	}
}

/* The backend's traffic counters on this CPU (for metrics), or NULL. */
static __always_inline struct sluice_backend_traffic *traffic_of(__u32 backend_id)
{
	return bpf_map_lookup_elem(&backend_traffic, &backend_id);
}

/* The connect time bucket of t microseconds (SLUICE_CONNECT_BOUNDS_US). */
static __always_inline __u32 connect_bucket(__u64 us)
{
	static const __u32 bounds[SLUICE_CONNECT_BUCKETS - 1] = SLUICE_CONNECT_BOUNDS_US;
	__u32 i;

	for (i = 0; i < SLUICE_CONNECT_BUCKETS - 1; i++)
		if (us <= bounds[i])
			return i;
	return SLUICE_CONNECT_BUCKETS - 1;
}

/* connectTimeoutMs for a connect about to send its SYN: the connect fails ETIMEDOUT once it
 * has not been established for that long (TCP_USER_TIMEOUT, unless the application set its
 * own, taken off once established), and its SYN is first sent again after a third of it
 * (the first retransmission timeout, BPF_SOCK_OPS_TIMEOUT_INIT: one retransmission within
 * the timeout, and passive health sees the drop then), when the kernel's HZ is known. */
static __always_inline void set_connect_timeout(struct bpf_sock_ops *skops,
						struct bpf_sock *sk,
						struct sluice_sock_route *rt, __u32 ms)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
	int val = (int)ms;

	if (tp && !tp->inet_conn.icsk_user_timeout &&
	    !bpf_setsockopt(skops, SOL_TCP, TCP_USER_TIMEOUT, &val, sizeof(val)))
		rt->flags |= SLUICE_SOCK_USER_TIMEOUT;
	if (kernel_hz) {
		__u64 j = (__u64)ms * kernel_hz / 3000;

		rt->syn_rto_jiffies = j ? (__u32)j : 1;
	}
}

/* A routed connect sends its SYN: from now on, its state changes and retransmission
 * timeouts; its connect time runs; the service's connect timeout applies, and it counts as
 * connecting where backends take a bounded number of connections. */
static __always_inline void on_connect(struct bpf_sock_ops *skops, struct bpf_sock *sk,
				       struct sluice_sock_route *rt)
{
	const struct sluice_policy *pol = bpf_map_lookup_elem(&service_policies, &rt->service_id);
	struct sluice_backend_health *h;

	rt->syn_ns = bpf_ktime_get_ns();
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
				  BPF_SOCK_OPS_STATE_CB_FLAG | BPF_SOCK_OPS_RTO_CB_FLAG);
	if (!pol)
		return;
	if (pol->connect_timeout_ms)
		set_connect_timeout(skops, sk, rt, pol->connect_timeout_ms);
	if (pol->max_connections && !(rt->flags & SLUICE_SOCK_PENDING)) {
		h = bpf_map_lookup_elem(&backend_health, &rt->backend_id);
		if (h) {
			__sync_fetch_and_add(&h->connecting, 1);
			rt->flags |= SLUICE_SOCK_PENDING;
		}
	}
}

/* No longer connecting (established, or closed before): out of the backend's count. */
static __always_inline void end_pending(struct sluice_sock_route *rt)
{
	struct sluice_backend_health *h;

	if (!(rt->flags & SLUICE_SOCK_PENDING))
		return;
	rt->flags &= ~SLUICE_SOCK_PENDING;
	h = bpf_map_lookup_elem(&backend_health, &rt->backend_id);
	if (h)
		__sync_fetch_and_sub(&h->connecting, 1);
}

/* Established: the connect timeout is over; idleTimeoutSeconds turns keepalive on (unless
 * the application did itself): a peer that answers none of IDLE_PROBES probes after that
 * much idle time has its connection reset. */
static __always_inline void after_connect(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					  struct sluice_sock_route *rt)
{
	const struct sluice_policy *pol = bpf_map_lookup_elem(&service_policies, &rt->service_id);
	struct tcp_sock *tp;
	int zero = 0, one = 1, idle, intvl, probes = IDLE_PROBES;
	__u32 secs;

	if (rt->flags & SLUICE_SOCK_USER_TIMEOUT) {
		rt->flags &= ~SLUICE_SOCK_USER_TIMEOUT;
		bpf_setsockopt(skops, SOL_TCP, TCP_USER_TIMEOUT, &zero, sizeof(zero));
	}
	if (!pol || !pol->idle_timeout_s)
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp || (tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags & (1UL << SOCK_KEEPOPEN)))
		return;
	secs = pol->idle_timeout_s;
	idle = (int)secs;
	intvl = secs / IDLE_PROBES ? (int)(secs / IDLE_PROBES) : 1;
	if (!bpf_setsockopt(skops, SOL_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) &&
	    !bpf_setsockopt(skops, SOL_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) &&
	    !bpf_setsockopt(skops, SOL_TCP, TCP_KEEPCNT, &probes, sizeof(probes)))
		bpf_setsockopt(skops, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/* Its SYN's first retransmission timeout: a failure (true), once, unless it got established. */
static __always_inline bool on_syn_timeout(struct sluice_sock_route *rt)
{
	return !(rt->flags & (SLUICE_SOCK_FAILED | SLUICE_SOCK_ESTABLISHED));
}

/* Established: one more active connection; failures in a row reset (count_success). */
static __always_inline void on_established(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					   struct sluice_sock_route *rt)
{
	struct sluice_backend_traffic *t;
	struct sluice_backend_health *h;

	if (rt->flags & (SLUICE_SOCK_ESTABLISHED | SLUICE_SOCK_CLOSED))
		return;
	rt->flags |= SLUICE_SOCK_ESTABLISHED;
	end_pending(rt);
	after_connect(skops, sk, rt);
	/* Retransmissions of an established connection say nothing of the backend. */
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags & ~BPF_SOCK_OPS_RTO_CB_FLAG);
	t = traffic_of(rt->backend_id);
	if (t && rt->syn_ns) {
		__u64 us = (bpf_ktime_get_ns() - rt->syn_ns) / 1000;

		t->connect_us += us;
		t->connect_buckets[connect_bucket(us)]++;
	}
	h = bpf_map_lookup_elem(&backend_health, &rt->backend_id);
	if (!h)
		return;
	__sync_fetch_and_add(&h->active, 1);
	if (h->failures || h->run_netns || h->client_entries_until_ns)
		count_success(skops, sk, rt->backend_id, h);
}

/* Closed, once: after established, one active connection fewer; from SYN_SENT with an
 * error on the socket (refused, ICMP error, timed out), a failure (true) unless its SYN
 * timeout counted already. One the application closed while it connected is its own doing. */
static __always_inline bool on_close(struct bpf_sock_ops *skops, struct bpf_sock *sk,
				     struct sluice_sock_route *rt)
{
	struct sluice_backend_health *h;

	if (rt->flags & SLUICE_SOCK_CLOSED)
		return false;
	rt->flags |= SLUICE_SOCK_CLOSED;
	end_pending(rt);
	if (rt->flags & SLUICE_SOCK_ESTABLISHED) {
		struct sluice_backend_traffic *t = traffic_of(rt->backend_id);

		if (t) {
			t->bytes_sent += skops->bytes_acked;
			t->bytes_received += skops->bytes_received;
		}
		h = bpf_map_lookup_elem(&backend_health, &rt->backend_id);
		if (h)
			__sync_fetch_and_sub(&h->active, 1);
		return false;
	}
	return skops->args[0] == BPF_TCP_SYN_SENT && !(rt->flags & SLUICE_SOCK_FAILED) &&
	       sock_error(bpf_skc_to_tcp_sock(sk));
}

/* A failed connect by its kind, for metrics: its SYN timed out, a RST refused it, or another
 * error (an ICMP unreachable) ended it. */
static __always_inline void count_failure_kind(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					       __u32 backend_id)
{
	struct sluice_backend_traffic *t = traffic_of(backend_id);

	if (!t)
		return;
	if (skops->op == BPF_SOCK_OPS_RTO_CB)
		t->timed_out++;
	else if (sock_error(bpf_skc_to_tcp_sock(sk)) == ECONNREFUSED)
		t->refused++;
	else
		t->unreachable++;
}

/* Passive health: the fate of every TCP connect sluice routed. A backend that drops SYNs
 * is found at the first SYN retransmission timeout (~1 s), whatever the client's own. */
SEC("sockops")
int sluice_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct sluice_sock_route *rt;
	bool failed = false;

	if (!sk || !counted_op(skops))
		return SL_SOCKOPS_OK;
	rt = bpf_sk_storage_get(&sock_routes, sk, 0, 0);
	if (!sock_routed(rt))
		return SL_SOCKOPS_OK;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops, sk, rt);
		break;
	case BPF_SOCK_OPS_TIMEOUT_INIT:
		if (rt->syn_rto_jiffies)
			skops->reply = rt->syn_rto_jiffies;
		break;
	case BPF_SOCK_OPS_RTO_CB:
		failed = on_syn_timeout(rt);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_established(skops, sk, rt);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		failed = on_close(skops, sk, rt);
		break;
	}
	if (failed) {
		rt->flags |= SLUICE_SOCK_FAILED;
		count_failure_kind(skops, sk, rt->backend_id);
		count_failure(skops, sk, rt);
	}
	return SL_SOCKOPS_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
