/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sluice_helpers.h: what both BPF objects share besides the maps: program verdicts, the
 * uapi constants vmlinux.h lacks, and IPv6 / v4-mapped address helpers. */
#ifndef SLUICE_HELPERS_H
#define SLUICE_HELPERS_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>

/* sock_addr programs (cgroup/connect*, sendmsg*, recvmsg*, getpeername*). */
#define SL_VERDICT_REJECT 0  /* the call fails: with bpf_set_retval's errno, else EPERM */
#define SL_VERDICT_PROCEED 1 /* the call goes on, with the address in ctx (recvmsg and
			      * getpeername may return nothing else) */

/* sockops: 0 would fail the cgroup run (EPERM) and the kernel would take -1 for the op's
 * reply, where it reads one. */
#define SL_SOCKOPS_OK 1

/* Iterators: on to the next socket (1 stops read() with EAGAIN to retry this one). */
#define SL_ITER_NEXT 0

/* bpf_loop callbacks. */
#define SL_LOOP_CONTINUE 0
#define SL_LOOP_BREAK 1

/* uapi values vmlinux.h does not carry (macros, not types). */
#define AF_INET 2
#define AF_INET6 10
#define ECONNREFUSED 111
#define SOL_SOCKET 1
#define SO_KEEPALIVE 9
#define SOL_TCP 6
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_USER_TIMEOUT 18

/* Addresses are IPv6 or v4-mapped (::ffff:a.b.c.d), __be32[4] in network byte order. */

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

static __always_inline bool addr_eq(const __be32 a[4], const __be32 b[4])
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

#endif /* SLUICE_HELPERS_H */
