// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ref.bpf.c: the one-lookup reference connect4 sluice's own is measured against: one hash
 * lookup of the destination, a rewrite when found, nothing else. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ref.h"

/* ref_frontends: VIP:port -> backend:port; max_entries is set by ref-loader before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct ref_key);
	__type(value, struct ref_value);
} ref_frontends SEC(".maps");

SEC("cgroup/connect4")
int ref_connect4(struct bpf_sock_addr *ctx)
{
	struct ref_key key = {};
	const struct ref_value *v;

	key.addr = ctx->user_ip4;
	key.port = (__be16)ctx->user_port;
	v = bpf_map_lookup_elem(&ref_frontends, &key);
	if (!v)
		return 1;
	ctx->user_ip4 = v->addr;
	ctx->user_port = v->port;
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
