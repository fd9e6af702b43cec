/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sock_lookup.h: the cookie of a task's socket that a query came from, by its address and
 * port and the answerer's (netlink sock_diag, one exact lookup in the answerer's netns). */
#ifndef SL_SOCK_LOOKUP_H
#define SL_SOCK_LOOKUP_H

#include <stdint.h>
#include <netinet/in.h>

struct sl_sock_lookup;

/* A sock_diag socket of the calling thread's network namespace. 0 or negative errno. */
int sl_sock_lookup_open(struct sl_sock_lookup **out);
void sl_sock_lookup_close(struct sl_sock_lookup *l);
/* The cookie of the proto (IPPROTO_UDP or _TCP) socket whose local end is peer (the task's
 * side, as the answerer saw it) and whose traffic went to local (the answerer's address and
 * port), family AF_INET or AF_INET6. Never waits. 0 or negative errno (-ENOENT: none). */
int sl_sock_lookup_cookie(struct sl_sock_lookup *l, int family, uint8_t proto,
			  const struct sockaddr_in6 *peer, const struct sockaddr_in6 *local,
			  uint64_t *cookie);

#endif
