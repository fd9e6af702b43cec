// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sockterm.bpf.c: socket termination. TCP and UDP socket iterators destroy the sockets sluice
 * routed (sock_routes) whose destination is a backend listed in doomed_backends. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sluice_helpers.h"
#include "sock_routes.h"

/* doomed_backends: the backends (address, port, protocol) whose sockets must go; filled
 * by sluiced before each run, emptied after. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SLUICE_DOOMED_MAX);
	__type(key, struct sluice_doomed_key);
	__type(value, __u8);
} doomed_backends SEC(".maps");

/* Counted since sluiced last zeroed them: sockets destroyed, and destroys that failed. */
__u64 destroyed = 0;
__u64 failed = 0;

extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

/* Destroy sk if sluice routed it (and it is not sluiced's own) to a doomed backend. skc is
 * the iterator's pointer to the same socket (what bpf_sock_destroy takes). */
static __always_inline void doom(struct sock *sk, struct sock_common *skc, __u8 proto)
{
	struct sluice_doomed_key key = {};
	struct sluice_sock_route *route;
	__u16 family;

	key.port = sk->__sk_common.skc_dport;
	if (!key.port)
		return; /* unconnected: never */
	route = bpf_sk_storage_get(&sock_routes, sk, 0, 0);
	if (!sock_routed(route))
		return;
	family = sk->__sk_common.skc_family;
	if (family == AF_INET) {
		v4_mapped(key.addr, sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		/* already v4-mapped for a dual-stack socket connected to IPv4 */
		key.addr[0] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[0];
		key.addr[1] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[1];
		key.addr[2] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[2];
		key.addr[3] = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32[3];
	} else {
		return;
	}
	key.proto = proto;
	if (!bpf_map_lookup_elem(&doomed_backends, &key))
		return;
	if (bpf_sock_destroy(skc))
		__sync_fetch_and_add(&failed, 1);
	else
		__sync_fetch_and_add(&destroyed, 1);
}

SEC("iter/tcp")
int sockterm_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;
	__u8 state;

	if (!skc)
		return SL_ITER_NEXT;
	tp = bpf_skc_to_tcp_sock(skc); /* NULL for request and timewait socks */
	if (!tp)
		return SL_ITER_NEXT;
	state = skc->skc_state;
	switch (state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_SENT:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		break;
	default: /* listening, closed; SYN_RECV: a server's fast open child */
		return SL_ITER_NEXT;
	}
	doom((struct sock *)tp, skc, IPPROTO_TCP);
	return SL_ITER_NEXT;
}

SEC("iter/udp")
int sockterm_udp(struct bpf_iter__udp *ctx)
{
	struct sock *sk = (struct sock *)ctx->udp_sk;

	if (!sk)
		return SL_ITER_NEXT;
	doom(sk, (struct sock_common *)sk, IPPROTO_UDP);
	return SL_ITER_NEXT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
