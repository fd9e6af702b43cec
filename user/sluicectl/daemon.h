/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* daemon.h: the sluiced that serves a data plane, as sluicectl sees it: the holder of the
 * bpffs dir's lock, with its command name and start time from /proc. */
#ifndef CTL_DAEMON_H
#define CTL_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#define CTL_TIME_STRLEN sizeof("2026-12-02T03:00:00Z")

struct ctl_daemon {
	pid_t pid;      /* 0: no daemon holds the lock */
	char comm[32];  /* its /proc/PID/comm, "" if unknown */
	time_t started; /* 0 if unknown */
};

/* Who serves bpffs into *d. 0 (d->pid 0 when nobody does), or -errno (-ENOENT: no such dir). */
int ctl_daemon_find(const char *bpffs, struct ctl_daemon *d);
/* When process pid started (/proc/PID/stat's start time after /proc/stat's btime). 0 or -errno. */
int ctl_proc_started(pid_t pid, time_t *out);
/* t as "2026-12-02T03:00:00Z" (UTC) in buf; returns buf. */
const char *ctl_format_time(time_t t, char buf[CTL_TIME_STRLEN]);

#endif
