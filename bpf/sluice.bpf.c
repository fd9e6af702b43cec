// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sluice.bpf.c: connect-time service routing. Connects and datagrams to a client alias's
 * VIP:port go to a serving backend; the application keeps seeing the VIP:port. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "sluice_maps.h"

#define ECONNREFUSED 111
#define AF_INET 2
#define AF_INET6 10

enum route_kind { ROUTE_CONNECT, ROUTE_DATAGRAM };

static __always_inline void v4_mapped(__be32 addr[4], __be32 ip4)
{
	addr[0] = 0;
	addr[1] = 0;
	addr[2] = bpf_htonl(0xffff);
	addr[3] = ip4;
}

static __always_inline bool is_v4_mapped(const __be32 addr[4])
{
	return addr[0] == 0 && addr[1] == 0 && addr[2] == bpf_htonl(0xffff);
}

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

/* One slot of a service's table for a family, chosen uniformly (the weights are in the
 * table), copied out: the table may be swapped for a new one as soon as we return. */
static __always_inline bool pick_slot(__u32 service_id, __u32 fam, struct sluice_slot *out)
{
	__u32 idx = SLUICE_SET_INDEX(service_id, fam), zero = 0, k;
	const struct sluice_slot *slot;
	void *table;

	table = bpf_map_lookup_elem(&backend_sets, &idx);
	if (!table)
		return false;
	slot = bpf_map_lookup_elem(table, &zero);
	if (!slot || !slot->nslots)
		return false;
	k = ((__u64)bpf_get_prandom_u32() * slot->nslots) >> 32;
	if (k)
		slot = bpf_map_lookup_elem(table, &k);
	if (!slot)
		return false;
	*out = *slot;
	return true;
}

static __always_inline void count_refused(__u32 service_id)
{
	struct sluice_service_stats *st = bpf_map_lookup_elem(&service_stats, &service_id);

	if (st)
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

/* Rewrite a destination that is a frontend to one of its serving backends. */
static __always_inline int route(struct bpf_sock_addr *ctx, bool v6, enum route_kind kind)
{
	struct sluice_frontend_key fk = {};
	const struct sluice_frontend *fe;
	struct sluice_sock_key sk = {};
	struct sluice_sock_vip vip = {};
	struct sluice_slot slot;
	__u32 fam;

	ctx_addr(ctx, v6, fk.addr);
	fk.port = (__be16)ctx->user_port;
	fk.proto = ctx->protocol;
	fe = bpf_map_lookup_elem(&frontends, &fk);
	if (!fe)
		return 1;

	/* An IPv4 socket reaches IPv4 backends only; an IPv6 one prefers the VIP's family
	 * and falls back to the other (v4 backends as ::ffff:a.b.c.d on dual-stack sockets). */
	fam = (v6 && !is_v4_mapped(fk.addr)) ? SLUICE_FAM_V6 : SLUICE_FAM_V4;
	if (!pick_slot(fe->service_id, fam, &slot) &&
	    !(v6 && pick_slot(fe->service_id, fam ^ 1, &slot))) {
		count_refused(fe->service_id);
		bpf_set_retval(-ECONNREFUSED);
		return 0;
	}

	sk.cookie = bpf_get_socket_cookie(ctx);
	__builtin_memcpy(sk.addr, slot.addr, sizeof(sk.addr));
	sk.port = slot.port;
	sk.proto = fk.proto;
	__builtin_memcpy(vip.addr, fk.addr, sizeof(vip.addr));
	vip.port = fk.port;
	vip.service_id = fe->service_id;
	bpf_map_update_elem(&sock_vips, &sk, &vip, BPF_ANY);

	set_ctx_addr(ctx, v6, slot.addr, slot.port);
	count_routed(slot.backend_id, kind);
	return 1;
}

/* Show the VIP:port in place of the backend a socket was routed to. An entry whose
 * frontend is gone or now names another service is stale: drop it, show the truth. */
static __always_inline int reverse(struct bpf_sock_addr *ctx, bool v6)
{
	struct sluice_frontend_key fk = {};
	const struct sluice_frontend *fe;
	struct sluice_sock_vip *vip;
	struct sluice_sock_key sk = {};

	sk.cookie = bpf_get_socket_cookie(ctx);
	ctx_addr(ctx, v6, sk.addr);
	sk.port = (__be16)ctx->user_port;
	sk.proto = ctx->protocol;
	vip = bpf_map_lookup_elem(&sock_vips, &sk);
	if (!vip)
		return 1;

	__builtin_memcpy(fk.addr, vip->addr, sizeof(fk.addr));
	fk.port = vip->port;
	fk.proto = sk.proto;
	fe = bpf_map_lookup_elem(&frontends, &fk);
	if (!fe || fe->service_id != vip->service_id) {
		bpf_map_delete_elem(&sock_vips, &sk);
		return 1;
	}
	set_ctx_addr(ctx, v6, fk.addr, fk.port);
	return 1;
}

SEC("cgroup/connect4")
int sluice_connect4(struct bpf_sock_addr *ctx)
{
	return route(ctx, false, ROUTE_CONNECT);
}

SEC("cgroup/connect6")
int sluice_connect6(struct bpf_sock_addr *ctx)
{
	return route(ctx, true, ROUTE_CONNECT);
}

SEC("cgroup/sendmsg4")
int sluice_sendmsg4(struct bpf_sock_addr *ctx)
{
	return route(ctx, false, ROUTE_DATAGRAM);
}

SEC("cgroup/sendmsg6")
int sluice_sendmsg6(struct bpf_sock_addr *ctx)
{
	return route(ctx, true, ROUTE_DATAGRAM);
}

SEC("cgroup/recvmsg4")
int sluice_recvmsg4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, false);
}

SEC("cgroup/recvmsg6")
int sluice_recvmsg6(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, true);
}

SEC("cgroup/getpeername4")
int sluice_getpeername4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, false);
}

SEC("cgroup/getpeername6")
int sluice_getpeername6(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, true);
}

/* A connected socket closing takes its reverse entry with it. Unconnected UDP entries
 * (one per backend a socket sent to) are left to validation on use and LRU eviction. */
SEC("cgroup/sock_release")
int sluice_sock_release(struct bpf_sock *sk)
{
	struct sluice_sock_key key = {};

	if (sk->protocol != IPPROTO_TCP && sk->protocol != IPPROTO_UDP)
		return 1;
	if (!sk->dst_port)
		return 1;
	key.cookie = bpf_get_socket_cookie(sk);
	if (sk->family == AF_INET) {
		v4_mapped(key.addr, sk->dst_ip4);
	} else {
		key.addr[0] = sk->dst_ip6[0];
		key.addr[1] = sk->dst_ip6[1];
		key.addr[2] = sk->dst_ip6[2];
		key.addr[3] = sk->dst_ip6[3];
	}
	key.port = sk->dst_port;
	key.proto = sk->protocol;
	bpf_map_delete_elem(&sock_vips, &key);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
