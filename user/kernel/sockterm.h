/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sockterm.h: destroying the sockets sluice routed to a backend that stopped serving: connected
 * UDP always, TCP when asked, unconnected UDP never. BPF socket iterators with bpf_sock_destroy
 * (kernel 6.5+) where the kernel has them, netlink sock_diag SOCK_DESTROY otherwise. */
#ifndef SL_SOCKTERM_H
#define SL_SOCKTERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "inputs/config.h"
#include "lib/err.h"
#include "model/model.h"

struct sl_sockterm;

/* Pick the method for mode (auto: iterators if they load, else sock_diag). sock_routes_fd is
 * the pinned socket storage map: the iterators destroy only sockets sluice routed (an entry
 * with SLUICE_SOCK_CONNECTED and without SLUICE_SOCK_EXEMPT). An explicit mode that the kernel
 * cannot do is an error. */
int sl_sockterm_open(struct sl_sockterm **out, enum sl_sockterm_mode mode, int sock_routes_fd,
		     struct sl_err *err);
void sl_sockterm_free(struct sl_sockterm *t);
/* The method in use: SL_SOCKTERM_ITER, SL_SOCKTERM_DIAG or SL_SOCKTERM_OFF (also for NULL). */
enum sl_sockterm_mode sl_sockterm_method(const struct sl_sockterm *t);
const char *sl_sockterm_method_name(enum sl_sockterm_mode m); /* "iterator", "sock_diag", "off" */

/* Destroy the connected sockets to the targets in sluiced's network namespace and in that of
 * every process in the cgroups given (paths of attached cgroup v2 directories, descendants
 * included; ids for sock_diag's cgroup filter). *destroyed counts them. 0 or negative errno
 * (err says what failed; sockets destroyed before the failure stay destroyed). */
int sl_sockterm_run(struct sl_sockterm *t, const struct sl_departure *v, size_t n,
		    char *const *cgroup_paths, const uint64_t *cgroup_ids, size_t ncgroups,
		    unsigned *destroyed, struct sl_err *err);
/* sl_sockterm_run over the live cgroups attached under the bpffs dir (attachments map). */
int sl_sockterm_run_attached(struct sl_sockterm *t, const struct sl_departure *v, size_t n,
			     const char *bpffs, int attachments_fd, unsigned *destroyed,
			     struct sl_err *err);

#endif
