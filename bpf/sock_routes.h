/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sock_routes.h: the socket storage map shared by the routing programs and the socket
 * termination iterators (a separate object, loaded only where the kernel has them). */
#ifndef SLUICE_SOCK_ROUTES_H
#define SLUICE_SOCK_ROUTES_H

#include "sluice.h"

/* sock_routes: socket -> the backend sluice routed it to and its TCP state (or: exempt) */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sluice_sock_route);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sock_routes SEC(".maps");

/* A socket whose connect sluice routed to a backend, and not one of sluiced's own. */
static __always_inline bool sock_routed(const struct sluice_sock_route *rt)
{
	return rt && (rt->flags & SLUICE_SOCK_CONNECTED) && !(rt->flags & SLUICE_SOCK_EXEMPT);
}

#endif /* SLUICE_SOCK_ROUTES_H */
