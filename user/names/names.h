/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* names.h: names without mounts: an answerer in each network namespace the attached cgroups'
 * processes use, kept in step every second, each leased to the data plane (dns_answerers)
 * by a heartbeat from the event loop. One epoll fd for sluiced's loop. */
#ifndef SL_NAMES_H
#define SL_NAMES_H

#include <stdbool.h>
#include "names/alias_names.h"
#include "names/answerer.h"
#include "lib/err.h"

#define SL_NAMES_BEAT_MS 1000 /* heartbeat: leases renewed, namespaces looked for */
#define SL_NAMES_KICK_MS 100  /* after a task appears, namespaces looked for this often... */
#define SL_NAMES_KICKS 30     /* ...this many times (its first process may come late) */
#define SL_NAMES_LEASE_NS (3ULL * 1000000000) /* a lease not renewed ends this long after */

struct sl_names_opts {
	const char *bpffs;    /* where the attachments' links are pinned */
	const struct sl_maps *maps; /* attachments (whose processes' netns it answers in),
				     * sock_vips, dns_answerers, sock_routes (its sockets exempt) */
};

struct sl_names;

/* The module, answering nowhere until sl_names_set wants it; stale entries of an earlier
 * sluiced's in dns_answerers are removed. */
int sl_names_open(struct sl_names **out, const struct sl_names_opts *o, struct sl_err *err);
/* Its answerers' entries leave dns_answerers first: the tasks' DNS goes to their own
 * servers from that moment. */
void sl_names_free(struct sl_names *n);
/* The fd sluiced's loop watches (EPOLLIN: call sl_names_dispatch). */
int sl_names_fd(const struct sl_names *n);
/* Handle what is ready. True when the heartbeat ran (answerers may have opened or closed:
 * what sluiced shows of them may change); queries alone change nothing else of sluiced's. */
bool sl_names_dispatch(struct sl_names *n);
/* A task appeared (an attach rule found it): look for new network namespaces every
 * SL_NAMES_KICK_MS for a while, so that its first queries find their answerer. */
void sl_names_kick(struct sl_names *n);
/* The alias names now (moved in: *names is left empty), and whether any namespace wants
 * DNS answered (false: every answerer closes). */
void sl_names_set(struct sl_names *n, struct sl_alias_names *names, bool wanted);
/* How many network namespaces it answers in, and its counters. */
size_t sl_names_answering(const struct sl_names *n);
const struct sl_answerer_stats *sl_names_stats(const struct sl_names *n);

#endif
