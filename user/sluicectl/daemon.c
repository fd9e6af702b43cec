// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* daemon.c: the daemon serving a data plane: the lock holder (kernel/bpffs), and what /proc
 * says of it (its name, when it started). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/bpffs.h"
#include "lib/fsutil.h"
#include "sluicectl/daemon.h"

#define PROC_MAX (64 * 1024)

/* /proc/PID/NAME (pid 0: /proc/NAME), NUL-terminated, into *text (malloc'd). */
static int read_proc(pid_t pid, const char *name, char **text)
{
	char path[64];
	size_t len;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/%s", name);
	return sl_read_file(path, PROC_MAX, text, &len);
}

static int boot_time(time_t *out)
{
	char *text, *p;
	long long btime;
	int ret = read_proc(0, "stat", &text);

	if (ret)
		return ret;
	p = strstr(text, "\nbtime ");
	ret = p && sscanf(p, "\nbtime %lld", &btime) == 1 ? 0 : -EINVAL;
	if (!ret)
		*out = (time_t)btime;
	free(text);
	return ret;
}

int ctl_proc_started(pid_t pid, time_t *out)
{
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	char *text, *p;
	time_t boot;
	int ret, i;

	ret = boot_time(&boot) ?: read_proc(pid, "stat", &text);
	if (ret)
		return ret;
	/* "PID (COMM) STATE PPID ...": COMM may hold anything, the fields follow its last ')';
	 * starttime is field 22, the 20th after COMM */
	p = strrchr(text, ')');
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	ret = p && hz > 0 && sscanf(p, " %llu", &ticks) == 1 ? 0 : -EINVAL;
	if (!ret)
		*out = boot + (time_t)(ticks / (unsigned long long)hz);
	free(text);
	return ret;
}

int ctl_daemon_find(const char *bpffs, struct ctl_daemon *d)
{
	char *comm;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = sl_bpffs_lock_holder(bpffs, &d->pid);
	if (ret || !d->pid)
		return ret;
	if (!read_proc(d->pid, "comm", &comm)) {
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(d->comm, sizeof(d->comm), "%s", comm);
		free(comm);
	}
	if (ctl_proc_started(d->pid, &d->started))
		d->started = 0;
	return 0;
}

const char *ctl_format_time(time_t t, char buf[CTL_TIME_STRLEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, CTL_TIME_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, CTL_TIME_STRLEN, "?");
	return buf;
}
