/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cgroup.h: cgroup v2 directories as the data plane sees them: their id (the inode number),
 * their level in the tree (the root is 0), the cgroup2 mount, and sluiced's own cgroup. */
#ifndef SL_CGROUP_H
#define SL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/err.h"

#define SL_CGROUP_MAX_DEPTH 64 /* deeper trees are refused (systemd nests a handful) */

/* Open the cgroup v2 directory at path (O_DIRECTORY): its id, level and real path (PATH_MAX
 * bytes). The root is refused unless allow_root. The fd, or -errno with err naming path. */
int sl_cgroup_open(const char *path, bool allow_root, uint64_t *id, uint32_t *level,
		   char *real, struct sl_err *err);
/* The level of the cgroup directory open at fd: how many steps below the cgroup2 root. A
 * tree whose top is not the root (a cgroup namespace's view) is refused: the data plane
 * counts levels from the real root. */
int sl_cgroup_level(int fd, uint32_t *level, struct sl_err *err);
/* Where cgroup2 is mounted (/proc/self/mounts; the first one), into mnt (PATH_MAX bytes). */
int sl_cgroup_mount(char *mnt, struct sl_err *err);
/* The id of the calling process's own cgroup v2 (/proc/self/cgroup's "0::" line). */
int sl_cgroup_self(uint64_t *id, struct sl_err *err);

/* The path of the cgroup whose id is id (open_by_handle_at on the cgroup2 mount, needs
 * CAP_DAC_READ_SEARCH), into path (PATH_MAX bytes). -ESTALE when it is gone. */
int sl_cgroup_path_of(uint64_t id, char *path, struct sl_err *err);

#endif
