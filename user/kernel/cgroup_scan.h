/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cgroup_scan.h: the network namespaces of the processes in cgroup subtrees (and the cgroups'
 * ids), walked with bounds: what socket termination visits and where names answer. */
#ifndef SL_CGROUP_SCAN_H
#define SL_CGROUP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SL_SCAN_MAX_NETNS 1024       /* network namespaces held in one scan */
#define SL_SCAN_MAX_CGROUP_DIRS 4096 /* cgroup directories walked, descendants included */
#define SL_SCAN_MAX_PIDS 65536       /* pids read from cgroup.procs files in one scan */

/* A network namespace found, held open (its /proc/PID/ns/net). */
struct sl_netns_ref {
	int fd;
	dev_t dev;
	ino_t ino;
};

struct sl_cgroup_scan {
	struct sl_netns_ref *ns; /* distinct, in the order found */
	size_t nns, nscap;
	uint64_t *cg; /* the ids of the cgroups walked (their inodes) */
	size_t ncg, cgcap;
	size_t npids;
	bool truncated; /* a bound was reached: some were left out */
};

/* Add the network namespace of path (a /proc/.../ns/net file) unless already there.
 * 0, or negative errno (-ENOENT: the process is gone; -E2BIG: full, truncated set). */
int sl_cgroup_scan_add_netns(struct sl_cgroup_scan *s, const char *path);
/* Add a cgroup id. 0 or -ENOMEM. */
int sl_cgroup_scan_add_id(struct sl_cgroup_scan *s, uint64_t id);
/* Walk the cgroup directory root and its descendants (breadth first, bounded): their ids,
 * and the network namespaces of their processes. 0 or negative errno (out of memory). */
int sl_cgroup_scan_walk(struct sl_cgroup_scan *s, const char *root);
/* Close the namespaces held and free the lists (s is empty after). */
void sl_cgroup_scan_free(struct sl_cgroup_scan *s);

#endif
