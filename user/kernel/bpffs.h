/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bpffs.h: the directory a data plane is pinned under: on a BPF filesystem, owned by root and
 * writable by nobody else (a tenant must not pre-create or hollow it), locked by the one
 * sluiced that serves it. */
#ifndef SL_BPFFS_H
#define SL_BPFFS_H

#include <sys/types.h>
#include "lib/err.h"

/* Make dir ready: mount a BPF filesystem on /sys/fs/bpf (mode 0700) when dir lies below it
 * and none is mounted there, create dir and its missing parents (mode 0700), then check it as
 * sl_bpffs_check does. 0 or -errno with err saying what and what to do. */
int sl_bpffs_prepare(const char *dir, struct sl_err *err);
/* dir is a directory on a BPF filesystem, no symlink, owned by root and writable by no group
 * or other; so is each parent on that filesystem, unless it is a root-owned sticky directory
 * (a bpffs mount's root is 1777 by default). -ENOENT when dir does not exist. */
int sl_bpffs_check(const char *dir, struct sl_err *err);
/* Take dir's lock (flock, held as long as *fd is open): one sluiced per data plane. -EAGAIN
 * with err naming the pid that holds it. */
int sl_bpffs_lock(const char *dir, int *fd, struct sl_err *err);
/* The pid holding dir's lock into *pid (0: nobody). 0 or -errno. */
int sl_bpffs_lock_holder(const char *dir, pid_t *pid);

#endif
