/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* status.h: the daemon's status file (statusFile, JSON): who serves this data plane, since
 * when, ready or not, and what is degraded; read by `sluicectl status`. */
#ifndef SL_STATUS_H
#define SL_STATUS_H

#include "sluiced/daemon.h"

/* Write the status file when what it says changed (an "updated" time is added each time);
 * a failure to write is said once. */
void sl_status_publish(struct sl_daemon *d);

#endif
