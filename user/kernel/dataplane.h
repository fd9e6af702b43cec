/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dataplane.h: loading the BPF programs from the embedded skeleton, reusing (adopting) or
 * creating the maps pinned under the bpffs dir, pinning the programs, and moving links
 * that outlived the last sluiced onto the new programs. */
#ifndef SL_DATAPLANE_H
#define SL_DATAPLANE_H

#include "inputs/config.h"
#include "lib/err.h"
#include "kernel/maps.h"

struct sluice;

struct sl_dataplane {
	struct sluice *skel;
	struct sl_maps maps; /* borrowed from skel */
	char *dir;
	int lock_fd;  /* dir's lock: one sluiced per data plane */
	bool adopted; /* maps were already pinned: a previous sluiced's state */
};

/* Make dir ready and check it (sl_bpffs_prepare), take its lock (a second sluiced is
 * refused, naming the first), then load. A pinned map that does not match (other limits,
 * other version) is an error saying what differs and what to do. */
int sl_dataplane_open(struct sl_dataplane *dp, const char *dir, const struct sl_limits *lim,
		      struct sl_err *err);
/* Close the fds and give up the lock; pinned maps, programs and links stay and serve. */
void sl_dataplane_close(struct sl_dataplane *dp);
/* The maps pinned under dir are still the ones this data plane loaded (not torn down or
 * replaced under it). */
bool sl_dataplane_intact(const struct sl_dataplane *dp);

#endif
