// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c: the sluice daemon: options, then one epoll loop over signals, the registry watch,
 * the health monitor and timers (systemd's watchdog among them); --check validates a config
 * without touching anything. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/version.h"
#include "sluiced/check.h"
#include "sluiced/daemon.h"
#include "sluiced/metrics.h"
#include "sluiced/metrics_render.h"
#include "sluiced/notify.h"
#include "sluiced/registrar.h"
#include "sluiced/status.h"

#define TICK_SEC 2                      /* housekeeping period */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [--config FILE] [--log-level LEVEL] [--log-time] [--verbose] [--check]\n"
		"Routes connects to service aliases' VIPs to healthy backends, in the kernel.\n"
		"\n"
		"  -c, --config FILE      configuration (default %s)\n"
		"  -l, --log-level LEVEL  err, warn, info (default) or debug\n"
		"  -T, --log-time         start each line with the CLOCK_MONOTONIC time\n"
		"  -v, --verbose          debug logging, libbpf's messages included\n"
		"  -t, --check            validate the config and the registry it names, print what\n"
		"                         would be served; touches no map, file or cgroup\n"
		"  -V, --version          the version\n"
		"  -h, --help             this text\n"
		"\n"
		"Signals: SIGHUP reloads the config; SIGTERM and SIGINT exit and leave the data\n"
		"plane serving its last state (sluicectl teardown removes it).\n",
		SL_DEFAULT_CONFIG);
}

static int usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "sluiced: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "; see sluiced --help\n");
	return 2;
}

static const char *signal_name(int sig)
{
	static char buf[32];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
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

#define MAX_SOURCE_FDS 64 /* registry sources watched at once */

/* The registry sources' fds the loop watches, following reloads that change the sources. */
struct watched {
	int fds[MAX_SOURCE_FDS];
	size_t n;
	unsigned generation;
	bool set;
};

/* The sources in use changed: their fds in place of the old ones'. The old ones are closed
 * (so out of the epoll set) and a number may be reused: remove every old number first, then
 * add the new ones. */
static void follow_sources(struct sl_daemon *d, int ep, struct watched *w)
{
	size_t i;

	unsigned gen = sl_ns_sources_generation(&d->sources);

	if (w->set && w->generation == gen)
		return;
	for (i = 0; i < w->n; i++)
		epoll_ctl(ep, EPOLL_CTL_DEL, w->fds[i], NULL);
	w->n = sl_ns_sources_fds(&d->sources, w->fds, MAX_SOURCE_FDS);
	w->generation = gen;
	w->set = true;
	for (i = 0; i < w->n; i++)
		if (add_fd(ep, w->fds[i]))
			pr_err("event loop: watching the registry: %s", strerror(errno));
}

static bool watched_fd(const struct watched *w, int fd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->fds[i] == fd)
			return true;
	return false;
}

/* The metrics endpoint's fd in the loop, following its reopening on a reload (the old fd is
 * closed, so out of the epoll set, and its number may be the new one's). */
static void follow_metrics(const struct sl_daemon *d, int ep, unsigned *gen, int *fd)
{
	if (*fd >= 0 && d->metrics_generation == *gen)
		return;
	if (*fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
	*gen = d->metrics_generation;
	*fd = d->metrics ? sl_metrics_fd(d->metrics) : -1;
	if (*fd >= 0 && add_fd(ep, *fd) && errno != EEXIST)
		pr_err("event loop: watching the metrics endpoint: %s", strerror(errno));
}

/* The attach rules' watcher fd in the loop, following their rebuilding on a reload. */
static void follow_rules(const struct sl_daemon *d, int ep, unsigned *gen, int *fd)
{
	if (d->rules_generation == *gen)
		return;
	if (*fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
	*gen = d->rules_generation;
	*fd = sl_rules_fd(d->rules);
	if (*fd >= 0 && add_fd(ep, *fd) && errno != EEXIST)
		pr_err("event loop: watching the attach rules' cgroups: %s", strerror(errno));
}

/* The registrar's fd in the loop, following its reopening on a reload. */
static void follow_registrar(const struct sl_daemon *d, int ep, unsigned *gen, int *fd)
{
	if (d->registrar_generation == *gen)
		return;
	if (*fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, *fd, NULL);
	*gen = d->registrar_generation;
	*fd = d->registrar ? sl_registrar_fd(d->registrar) : -1;
	if (*fd >= 0 && add_fd(ep, *fd) && errno != EEXIST)
		pr_err("event loop: watching the registration: %s", strerror(errno));
}

/* With WatchdogSec=, WATCHDOG=1 every half of the timeout, from the loop itself: a loop
 * stuck anywhere stops the pings, and systemd restarts sluiced. */
static int open_watchdog(int ep, int *wd)
{
	uint64_t half = sl_notify_watchdog_usec() / 2;

	if (!half)
		return 0;
	*wd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*wd < 0 || add_fd(ep, *wd))
		return -errno;
	arm(*wd, (time_t)(half / 1000000), (long)(half % 1000000) * 1000, true);
	pr_info("watchdog: WATCHDOG=1 to systemd every %.3g s", half / 1e6);
	return 0;
}

static int open_loop(struct sl_daemon *d, int sfd, int *ep, int *tick, int *wd)
{
	int hfds[SL_MONITOR_NFDS], k;

	*ep = epoll_create1(EPOLL_CLOEXEC);
	*tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*ep < 0 || *tick < 0 || add_fd(*ep, sfd) || add_fd(*ep, *tick))
		return -errno;
	sl_monitor_fds(d->monitor, hfds);
	for (k = 0; k < SL_MONITOR_NFDS; k++)
		if (hfds[k] >= 0 && add_fd(*ep, hfds[k]))
			return -errno;
	if (d->names && add_fd(*ep, sl_names_fd(d->names)))
		return -errno;
	arm(*tick, TICK_SEC, 0, true);
	return open_watchdog(*ep, wd);
}

static int run(struct sl_daemon *d, int sfd)
{
	struct watched watched = { .set = false };
	unsigned metrics_gen = 0, rules_gen = 0, registrar_gen = 0;
	int metrics_fd = -1, rules_fd = -1, registrar_fd = -1;
	int ep = -1, tick = -1, wd = -1, ret;
	struct epoll_event evs[8];

	ret = open_loop(d, sfd, &ep, &tick, &wd);
	if (ret) {
		pr_err("event loop: %s", strerror(-ret));
		goto out;
	}
	for (bool settled = false;; ) {
		int n, i;

		/* after a wakeup that was DNS queries alone, nothing of this can have changed:
		 * the answerers' hot path skips it */
		if (!settled) {
			follow_sources(d, ep, &watched);
			follow_metrics(d, ep, &metrics_gen, &metrics_fd);
			follow_rules(d, ep, &rules_gen, &rules_fd);
			follow_registrar(d, ep, &registrar_gen, &registrar_fd);
			if (d->metrics) /* before the "ready" line: whoever reads it finds /readyz ready */
				sl_metrics_beat(d->metrics, sl_daemon_ready(d) && !sl_daemon_degraded(d));
			/* The status file first: whoever reads the "ready" line (or gets READY=1,
			 * and runs sluicectl status) finds it there. */
			sl_status_publish(d);
			sl_notify_state(d);
		}
		settled = true;
		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_err("epoll_wait: %s", strerror(errno));
			ret = 1;
			goto out;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint64_t ticks;

			if (d->names && fd == sl_names_fd(d->names)) {
				if (sl_names_dispatch(d->names))
					settled = false;
				continue;
			}
			settled = false;
			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo != SIGHUP) {
					pr_info("%s: exiting; the data plane stays in place",
						signal_name((int)si.ssi_signo));
					sl_notify("STOPPING=1");
					ret = 0;
					goto out;
				}
				pr_info("SIGHUP: reloading %s", d->config_path);
				sl_notify("RELOADING=1");
				sl_daemon_reload(d);
			} else if (fd == metrics_fd) {
				if (d->metrics && sl_metrics_wanted(d->metrics))
					sl_metrics_answer(d->metrics, sl_metrics_render(d));
			} else if (fd == rules_fd) {
				sl_daemon_rules_ready(d);
			} else if (fd == registrar_fd && d->registrar) {
				sl_registrar_dispatch(d->registrar);
			} else if (watched_fd(&watched, fd)) {
				sl_daemon_registry_ready(d, fd);
			} else if (fd == tick) {
				if (read(tick, &ticks, sizeof(ticks)) == sizeof(ticks) &&
				    sl_daemon_tick(d))
					goto gone;
			} else if (fd == wd) {
				if (read(wd, &ticks, sizeof(ticks)) == sizeof(ticks))
					sl_notify("WATCHDOG=1");
			} else if (sl_monitor_dispatch(d->monitor, fd, &d->current)) {
				sl_daemon_reconcile(d);
			}
		}
	}
gone:
	ret = 1;
out:
	if (ep >= 0)
		close(ep);
	if (tick >= 0)
		close(tick);
	if (wd >= 0)
		close(wd);
	return ret;
}

struct options {
	const char *config;
	enum sl_log_level level;
	bool verbose, check, log_time;
};

/* 0 to run, 1 when done (help, version), 2 on a usage error (said). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "log-time", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	*o = (struct options){ .config = SL_DEFAULT_CONFIG, .level = SL_LOG_INFO };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:l:TvtVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			if (sl_log_parse_level(optarg, &o->level))
				return usage_error("--log-level must be err, warn, info or debug, "
						   "not '%s'", optarg);
			break;
		case 'T':
			o->log_time = true;
			break;
		case 'v':
			o->verbose = true;
			o->level = SL_LOG_DEBUG;
			break;
		case 't':
			o->check = true;
			break;
		case 'V':
			printf("sluiced %s\n", sl_version());
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct sl_daemon d;
	struct sl_err err = {};
	sigset_t mask;
	int sfd, ret;

	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	sl_log_set_prefix("sluiced");
	sl_log_set_level(o.level);
	sl_log_set_time(o.log_time);
	sl_log_hook_libbpf(o.verbose);
	if (o.check)
		return sl_check(o.config, stdout);

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return 1;
	}
	pr_info("sluiced %s starting, config %s", sl_version(), o.config);
	if (sl_daemon_start(&d, o.config, &err)) {
		pr_err("%s", err.msg);
		sl_daemon_stop(&d);
		close(sfd);
		return 1;
	}
	ret = run(&d, sfd);
	sl_daemon_stop(&d);
	close(sfd);
	return ret;
}
