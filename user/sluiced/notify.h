/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* notify.h: telling systemd (Type=notify) where sluiced stands: READY=1 once the maps hold
 * what the config and the registry say, STATUS= lines, RELOADING=1, STOPPING=1, and
 * WATCHDOG=1 when systemd asks for it (WatchdogSec=). */
#ifndef SL_NOTIFY_H
#define SL_NOTIFY_H

#include <stdint.h>
#include "sluiced/daemon.h"

/* Send one message ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET; nothing without one. */
void sl_notify(const char *msg);
/* Send READY=1 (and log "ready") when the daemon is ready and owes it (at start, and to end
 * a reload: RELOADING=1 then READY=1), and STATUS= whenever its status line changes. */
void sl_notify_state(struct sl_daemon *d);
/* The watchdog timeout systemd set for this process ($WATCHDOG_USEC, when $WATCHDOG_PID is
 * unset or this pid), in microseconds; 0: no watchdog. WATCHDOG=1 is due every half of it. */
uint64_t sl_notify_watchdog_usec(void);

#endif
