// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* taskclass.c: how soon sluiced classifies a task cgroup an attach rule finds: from its mkdir
 * to its entry in the pinned tasks map and to the first routed connect of a process in it
 * that connects in a loop from its first moment; and cgroup churn beside it (bench/tasks.sh). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include "sluice.h"

#define CONNECT_GAP_NS 50000LL	/* the child's connect attempts: one every 50 µs */
#define POLL_GAP_NS 20000LL	/* the tasks map looked up every 20 µs: the entry's precision */
#define LOOP_NS 2000000000LL	/* the child gives up 2 s after its mkdir */
#define WAIT_NS 3000000000LL	/* an entry awaited (or its removal) at most 3 s */
#define RMDIR_TRIES 200		/* a cgroup whose last process just exited: EBUSY briefly */
#define MAX_TASKS 100000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long t)
{
	struct timespec ts = { t / 1000000000LL, t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static double ms_since(long long t0, long long t)
{
	return (double)(t - t0) / 1e6;
}

/* What the child saw, written to its pipe once. Times are CLOCK_MONOTONIC ns (system-wide). */
struct child_report {
	long long first;	/* its first attempt began */
	long long routed;	/* its first connect that got through returned; 0: none did */
	long deadends;		/* attempts refused before it (the VIP not rewritten: loopback) */
	long errors;		/* attempts failing otherwise */
	int last_errno;
};

/* The child: connects to sin every CONNECT_GAP_NS (on a fixed schedule; late attempts go at
 * once) until one gets through or until end; reports on fd and exits. No stdio: it is a raw
 * clone3 child. */
static void child_loop(int fd, const struct sockaddr_in *sin, long long end)
{
	struct child_report r = { .first = now_ns() };
	long long next = r.first, t;
	int s, err;

	for (t = r.first; t < end; t = now_ns()) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		err = s < 0 ? errno : 0;
		if (s >= 0 && connect(s, (const struct sockaddr *)sin, sizeof(*sin)))
			err = errno;
		if (s >= 0)
			close(s);
		if (!err) {
			r.routed = now_ns();
			break;
		}
		if (err == ECONNREFUSED) {
			r.deadends++;
		} else {
			r.errors++;
			r.last_errno = err;
		}
		next += CONNECT_GAP_NS;
		if (next > now_ns())
			sleep_until(next);
	}
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/* A process that starts inside the cgroup cgfd (CLONE_INTO_CGROUP: no moment outside it, as
 * a container's first process); 0 in the child, its pid in the parent, -1 on failure. */
static pid_t clone_into(int cgfd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgfd,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Looks tasks up for id every POLL_GAP_NS until its entry is there (want) or gone (!want),
 * at most until end: the time it was seen, 0 if it never was. *gap: the longest time between
 * since and the first lookup or between two lookups: the figure's precision (POLL_GAP_NS,
 * unless this process waited for a CPU). */
static long long wait_entry(int map, uint64_t id, bool want, long long since, long long end,
			    long long *gap)
{
	long long now, last = since;
	struct sluice_task t;

	*gap = 0;
	for (now = now_ns(); now < end; now = now_ns()) {
		bool has = !bpf_map_lookup_elem(map, &id, &t);

		if (now - last > *gap)
			*gap = now - last;
		last = now;
		if (has == want)
			return now;
		sleep_until(now + POLL_GAP_NS);
	}
	return 0;
}

/* The process that watches for a task's entry: a process of its own, since a thread would
 * stall while clone3 copies the address space it shares (the fork write-protects its pages).
 * It waits for a request on one pipe and answers on the other. */
struct poll_req {
	uint64_t id;		/* the cgroup's */
	long long since, end;	/* when it was sent; when to give up */
};
struct poll_resp { long long seen, gap; };	/* wait_entry's */

struct poller { pid_t pid; int req, resp; };

static void poller_main(int map, int req, int resp)
{
	struct poll_resp a;
	struct poll_req q;

	while (read(req, &q, sizeof(q)) == sizeof(q)) {
		a.seen = wait_entry(map, q.id, true, q.since, q.end, &a.gap);
		if (write(resp, &a, sizeof(a)) != sizeof(a))
			_exit(1);
	}
	_exit(0);
}

static int poller_start(struct poller *p, int map)
{
	int req[2], resp[2];

	if (pipe2(req, O_CLOEXEC))
		return -1;
	if (pipe2(resp, O_CLOEXEC)) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	fflush(stdout);
	p->pid = fork();
	if (p->pid == 0) {
		close(req[1]);
		close(resp[0]);
		poller_main(map, req[0], resp[1]);
	}
	close(req[0]);
	close(resp[1]);
	p->req = req[1];
	p->resp = resp[0];
	if (p->pid < 0) {
		close(p->req);
		close(p->resp);
		return -1;
	}
	return 0;
}

static void poller_stop(struct poller *p)
{
	close(p->req); /* its read sees the end */
	close(p->resp);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* 0: removed; 1: it was not there; -1: it could not be (said). */
static int rmdir_retry(const char *path)
{
	int i;

	for (i = 0; i < RMDIR_TRIES; i++) {
		if (!rmdir(path))
			return 0;
		if (errno == ENOENT)
			return 1;
		if (errno != EBUSY)
			break;
		usleep(1000);
	}
	fprintf(stderr, "taskclass: rmdir %s: %s\n", path, strerror(errno));
	return -1;
}

/* The child's report, waiting at most until end; the child reaped. */
static int child_result(pid_t pid, int fd, long long end, struct child_report *r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left = end - now_ns();
	ssize_t n = -1;
	int status;

	if (left > 0 && poll(&pfd, 1, (int)(left / 1000000) + 1) == 1)
		n = read(fd, r, sizeof(*r));
	if (n != sizeof(*r))
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return n == sizeof(*r) ? 0 : -1;
}

/* One task: mkdir, the poller asked, the child started in it, then the child's report and
 * the poller's finding, the rmdir and the entry's removal. One JSON line on stdout. */
static int measure_one(const char *dir, long k, int map, const struct poller *pl,
		       const struct sockaddr_in *sin)
{
	long long t0, t_mkdir, t_rm, t_gone, gone_gap;
	struct poll_resp a = { 0, 0 };
	struct child_report r = { 0 };
	int cgfd = -1, p[2], err = 0;
	bool asked = false;
	struct poll_req q;
	struct stat st;
	pid_t pid;

	fflush(stdout); /* nothing buffered for the child to inherit */
	if (pipe2(p, O_CLOEXEC)) {
		perror("taskclass: pipe");
		return -1;
	}
	t0 = now_ns();
	if (mkdir(dir, 0755)) {
		fprintf(stderr, "taskclass: mkdir %s: %s\n", dir, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	t_mkdir = now_ns();
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0 || fstat(cgfd, &st)) {
		fprintf(stderr, "taskclass: %s: %s\n", dir, strerror(errno));
		err = -1;
		goto out;
	}
	/* st_ino of a cgroup2 directory is its cgroup id (kernfs), the tasks map's key. */
	q = (struct poll_req){ .id = st.st_ino, .since = now_ns(), .end = t0 + WAIT_NS };
	if (write(pl->req, &q, sizeof(q)) != sizeof(q)) {
		perror("taskclass: to the poller");
		err = -1;
		goto out;
	}
	asked = true;
	pid = clone_into(cgfd);
	if (pid < 0) {
		fprintf(stderr, "taskclass: clone3 into %s: %s\n", dir, strerror(errno));
		err = -1;
		goto out;
	}
	if (pid == 0) { /* only this thread goes on in the child: syscalls alone, no locks */
		close(p[0]);
		child_loop(p[1], sin, t0 + LOOP_NS);
	}
	close(p[1]);
	p[1] = -1;
	if (child_result(pid, p[0], t0 + WAIT_NS, &r)) {
		fprintf(stderr, "taskclass: %s: no report from its process\n", dir);
		err = -1;
	}
	asked = false;
	if (read(pl->resp, &a, sizeof(a)) != sizeof(a)) {
		perror("taskclass: from the poller");
		err = -1;
		goto out;
	}
	t_rm = now_ns();
	if (rmdir_retry(dir) < 0) {
		err = -1;
		goto out;
	}
	t_gone = wait_entry(map, st.st_ino, false, t_rm, t_rm + WAIT_NS, &gone_gap);
	printf("{\"task\":%ld,\"cgroup_id\":%llu,\"mkdir_ms\":%.3f,", k,
	       (unsigned long long)st.st_ino, ms_since(t0, t_mkdir));
	if (a.seen)
		printf("\"entry_ms\":%.3f,", ms_since(t0, a.seen));
	else
		printf("\"entry_ms\":null,");
	if (r.first)
		printf("\"first_ms\":%.3f,", ms_since(t0, r.first));
	else
		printf("\"first_ms\":null,");
	if (r.routed)
		printf("\"routed_ms\":%.3f,", ms_since(t0, r.routed));
	else
		printf("\"routed_ms\":null,");
	printf("\"deadends\":%ld,\"errors\":%ld,\"last_errno\":%d,\"poll_gap_ms\":%.3f,",
	       r.deadends, r.errors, r.last_errno, ms_since(0, a.gap));
	if (t_gone)
		printf("\"gone_ms\":%.3f}\n", ms_since(t_rm, t_gone));
	else
		printf("\"gone_ms\":null}\n");
out:
	if (asked && read(pl->resp, &a, sizeof(a)) != sizeof(a))
		perror("taskclass: from the poller");
	if (cgfd >= 0)
		close(cgfd);
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (err)
		rmdir_retry(dir);
	return err;
}

/* measure WATCH-DIR PREFIX COUNT VIP PORT TASKS-MAP [GAP_MS]: COUNT tasks, one after the
 * other, WATCH-DIR/PREFIX-K for K 1..COUNT, GAP_MS (default 5) apart. */
static int cmd_measure(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long count, k, gap_ms = argc > 8 ? atol(argv[8]) : 5;
	char dir[PATH_MAX];
	int map, port, failed = 0;
	struct poller pl;

	count = argc > 4 ? atol(argv[4]) : 0;
	port = argc > 6 ? atoi(argv[6]) : 0;
	if ((argc != 8 && argc != 9) || count <= 0 || count > MAX_TASKS ||
	    inet_pton(AF_INET, argv[5], &sin.sin_addr) != 1 || port <= 0 || port > 65535 ||
	    gap_ms < 0 || gap_ms > 10000) {
		fprintf(stderr, "usage: taskclass measure WATCH-DIR PREFIX COUNT VIP PORT "
				"TASKS-MAP [GAP_MS]\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)port);
	map = bpf_obj_get(argv[7]);
	if (map < 0) {
		fprintf(stderr, "taskclass: %s: %s\n", argv[7], strerror(errno));
		return 1;
	}
	prctl(PR_SET_TIMERSLACK, 1UL); /* the 20 µs and 50 µs sleeps as short as asked */
	if (poller_start(&pl, map)) {
		perror("taskclass: the poller");
		close(map);
		return 1;
	}
	for (k = 1; k <= count && failed < 3; k++) {
		if (snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], k) >= (int)sizeof(dir)) {
			fprintf(stderr, "taskclass: %s: path too long\n", argv[2]);
			failed = 3;
			break;
		}
		if (measure_one(dir, k, map, &pl, &sin))
			failed++;
		usleep((useconds_t)gap_ms * 1000);
	}
	poller_stop(&pl);
	close(map);
	return failed ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

#define CHURN_ALIVE 4 /* cgroups of the churn alive at once: each removed 4 periods on */

/* churn WATCH-DIR PREFIX RATE SECONDS: RATE cgroups a second made (WATCH-DIR/PREFIX-N) and as
 * many removed, each living CHURN_ALIVE periods, until SECONDS pass or SIGTERM; then the rest
 * removed. One JSON line: what was made and removed, over how long. */
static int cmd_churn(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	double rate = argc > 4 ? atof(argv[4]) : 0, secs = argc > 5 ? atof(argv[5]) : 0;
	long long period, t0, next, end;
	long seq = 0, made = 0, removed = 0, failed = 0, k;
	char dir[PATH_MAX];

	if (argc != 6 || rate <= 0 || rate > 10000 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "usage: taskclass churn WATCH-DIR PREFIX RATE SECONDS\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	period = (long long)(1e9 / rate);
	t0 = next = now_ns();
	end = t0 + (long long)(secs * 1e9);
	while (!stop && now_ns() < end) {
		snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], ++seq);
		if (!mkdir(dir, 0755)) {
			made++;
		} else {
			fprintf(stderr, "taskclass: churn: mkdir %s: %s\n", dir, strerror(errno));
			if (++failed >= 3)
				break;
		}
		if (seq > CHURN_ALIVE) {
			snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], seq - CHURN_ALIVE);
			removed += !rmdir_retry(dir);
		}
		next += period;
		if (next > now_ns())
			sleep_until(next);
	}
	for (k = seq > CHURN_ALIVE ? seq - CHURN_ALIVE + 1 : 1; k <= seq; k++) {
		snprintf(dir, sizeof(dir), "%s/%s-%ld", argv[2], argv[3], k);
		removed += !rmdir_retry(dir);
	}
	printf("{\"made\":%ld,\"removed\":%ld,\"seconds\":%.3f,\"lifetime_ms\":%.1f}\n", made,
	       removed, ms_since(t0, now_ns()) / 1e3, CHURN_ALIVE * 1e3 / rate);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "measure"))
		return cmd_measure(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "churn"))
		return cmd_churn(argc, argv);
	fprintf(stderr, "usage: taskclass measure WATCH-DIR PREFIX COUNT VIP PORT TASKS-MAP "
			"[GAP_MS]\n"
			"       taskclass churn WATCH-DIR PREFIX RATE SECONDS\n");
	return 2;
}
