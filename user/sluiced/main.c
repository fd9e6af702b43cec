// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c: the sluice daemon: loads the data plane, keeps the maps in step with the
 * config and the registry; one epoll loop over signals, the registry watch and timers. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>
#include "sluiced/daemon.h"
#include "lib/log.h"

#define DEBOUNCE_NS (20 * 1000 * 1000) /* registry writes settle this long before a read */
#define TICK_SEC 2                      /* housekeeping period */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [--config FILE] [--verbose]\n"
		"Routes connects to service aliases' VIPs to healthy backends, in the kernel.\n"
		"\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -v, --verbose      debug logging, libbpf's messages included\n"
		"  -h, --help         this text\n"
		"\n"
		"Signals: SIGHUP reloads the config; SIGTERM and SIGINT exit and leave the data\n"
		"plane serving its last state (sluicectl teardown removes it).\n",
		SL_DEFAULT_CONFIG);
}

/* Tell systemd (Type=notify) that the first reconcile is done. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa,
	       offsetof(struct sockaddr_un, sun_path) + strlen(path));
	close(fd);
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void arm(int tfd, time_t sec, long nsec, bool periodic)
{
	struct itimerspec its = { .it_value = { sec, nsec } };

	if (periodic)
		its.it_interval = its.it_value;
	timerfd_settime(tfd, 0, &its, NULL);
}

static int registry_fd(const struct sl_daemon *d)
{
	return d->registry ? sl_registry_file_fd(d->registry) : -1;
}

static int run(struct sl_daemon *d, int sfd)
{
	int ep, debounce, tick, watched = registry_fd(d), hfds[SL_MONITOR_NFDS], k;
	struct epoll_event evs[8];

	ep = epoll_create1(EPOLL_CLOEXEC);
	debounce = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || debounce < 0 || tick < 0 || add_fd(ep, sfd) || add_fd(ep, debounce) ||
	    add_fd(ep, tick) || (watched >= 0 && add_fd(ep, watched))) {
		pr_warn("event loop: %s", strerror(errno));
		return 1;
	}
	sl_monitor_fds(d->monitor, hfds);
	for (k = 0; k < SL_MONITOR_NFDS; k++) {
		if (hfds[k] >= 0 && add_fd(ep, hfds[k])) {
			pr_warn("event loop: %s", strerror(errno));
			return 1;
		}
	}
	arm(tick, TICK_SEC, 0, true);
	for (;;) {
		int n = epoll_wait(ep, evs, 8, -1), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_warn("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t ticks;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo != SIGHUP) {
					pr_info("signal %d: exiting; the data plane stays in place",
						si.ssi_signo);
					return 0;
				}
				sl_daemon_reload(d);
				if (registry_fd(d) != watched) {
					if (watched >= 0)
						epoll_ctl(ep, EPOLL_CTL_DEL, watched, NULL);
					watched = registry_fd(d);
					if (watched >= 0)
						add_fd(ep, watched);
				}
			} else if (fd == watched) {
				if (sl_registry_file_drain(d->registry))
					arm(debounce, 0, DEBOUNCE_NS, false);
			} else if (fd == debounce) {
				if (read(debounce, &ticks, sizeof(ticks)) == sizeof(ticks))
					sl_daemon_registry_changed(d);
			} else if (fd == tick) {
				if (read(tick, &ticks, sizeof(ticks)) == sizeof(ticks))
					sl_daemon_tick(d);
			} else if (sl_monitor_dispatch(d->monitor, fd, &d->current)) {
				sl_daemon_reconcile(d);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *config = SL_DEFAULT_CONFIG;
	struct sl_daemon d;
	struct sl_err err = {};
	bool verbose = false;
	sigset_t mask;
	int c, sfd, ret;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	sl_log_set_prefix("sluiced");
	sl_log_set_level(verbose ? SL_LOG_DEBUG : SL_LOG_INFO);
	sl_log_hook_libbpf(verbose);

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		pr_warn("signalfd: %s", strerror(errno));
		return 1;
	}

	if (sl_daemon_start(&d, config, &err)) {
		pr_warn("%s", err.msg);
		sl_daemon_stop(&d);
		return 1;
	}
	pr_info("ready: %zu services, %zu frontends, bpffs %s", d.current.nservices,
		d.current.nfrontends, d.cfg.bpffs);
	notify_ready();
	ret = run(&d, sfd);
	sl_daemon_stop(&d);
	close(sfd);
	return ret;
}
