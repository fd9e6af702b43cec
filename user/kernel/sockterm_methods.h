/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sockterm_methods.h: the two ways socket termination destroys sockets, as sockterm.c's walk
 * of network namespaces drives them (internal to kernel/: sockterm_iter.c, sockterm_diag.c). */
#ifndef SL_SOCKTERM_METHODS_H
#define SL_SOCKTERM_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "lib/err.h"
#include "model/model.h"

/* What one pass over the network namespaces destroys, and for sock_diag what it may touch:
 * sockets of these cgroup ids (sorted), never sluiced's own socket inodes (sorted). */
struct sockterm_pass {
	const struct sl_departure *v;
	size_t n;
	bool tcp; /* some target has terminate_tcp */
	const uint64_t *cg;
	size_t ncg;
	const uint64_t *own;
	size_t nown;
};

static inline int sockterm_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* x is in the sorted v of n. */
static inline bool sockterm_u64_has(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), sockterm_cmp_u64);
}

/* ---- BPF socket iterators with bpf_sock_destroy (sockterm_iter.c) ---- */
struct sockterm_iter;

/* Load and attach the iterators, sharing sluiced's sock_routes (they destroy only sockets
 * it holds as routed by sluice, never exempt ones). Fails on kernels before 6.5. */
int sockterm_iter_open(struct sockterm_iter **out, int sock_routes_fd, struct sl_err *err);
void sockterm_iter_free(struct sockterm_iter *it);
/* Put the first of the n targets in the iterators' map, as many as it holds: how many it
 * took (at least one), or -errno with err set. */
int sockterm_iter_load(struct sockterm_iter *it, const struct sl_departure *v, size_t n,
		       struct sl_err *err);
/* In the calling thread's network namespace: run the iterators over the loaded targets. */
int sockterm_iter_netns(struct sockterm_iter *it, const struct sockterm_pass *p, char *msg,
			size_t len);
/* Empty the map; add what the iterators destroyed since the last load to *destroyed. */
void sockterm_iter_unload(struct sockterm_iter *it, unsigned *destroyed);

/* ---- netlink sock_diag SOCK_DESTROY (sockterm_diag.c) ---- */

/* Whether the kernel can SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY); 0 or -errno, err set. */
int sockterm_diag_probe(struct sl_err *err);
/* In the calling thread's network namespace: dump and destroy the pass's sockets. */
int sockterm_diag_netns(const struct sockterm_pass *p, unsigned *destroyed, char *msg,
			size_t len);

#endif
