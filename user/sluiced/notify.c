// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* notify.c: sd_notify's protocol by hand (one datagram to $NOTIFY_SOCKET; libsystemd is not
 * needed for it), sent only when what it says changes; the watchdog period systemd asks for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/log.h"
#include "sluiced/notify.h"

void sl_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	       offsetof(struct sockaddr_un, sun_path) + strlen(path));
	close(fd);
}

void sl_notify_state(struct sl_daemon *d)
{
	static char last[512];
	char status[512], msg[600];
	bool ready = d->ready_due && sl_daemon_ready(d);

	sl_daemon_status_line(d, status, sizeof(status));
	if (!ready && !strcmp(status, last))
		return;
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", ready ? "READY=1\n" : "", status);
	sl_notify(msg);
	snprintf(last, sizeof(last), "%s", status);
	if (ready) {
		d->ready_due = false;
		pr_info("ready: %s", status);
	}
}

uint64_t sl_notify_watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid) { /* meant for another process (one that exec'd us, say) */
		errno = 0;
		v = strtoull(pid, &end, 10);
		if (errno || *end || v != (unsigned long long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || usec[0] == '-')
		return 0;
	return v;
}
