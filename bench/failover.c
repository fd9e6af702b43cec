// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* failover.c: the failover benchmark's steady connect load (paced, open loop: connect, read the
 * backend's name, close) with a JSON summary of failures around a kill; and the kill stamper. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BACKENDS 32
#define NAME_LEN 32
#define ERR_EOF (-1) /* connected, but the peer closed without a reply */

enum phase { PH_CONNECT, PH_READ, PH_DONE };

struct rec {
	uint64_t start_ns;  /* CLOCK_MONOTONIC, just before connect() */
	uint64_t end_ns;    /* outcome known */
	int fd;
	int err;            /* 0 ok, errno, or ERR_EOF */
	uint8_t phase;      /* enum phase; the phase it failed in is kept in fail_phase */
	uint8_t fail_phase;
	uint8_t backend;    /* index in names + 1; 0: none */
	uint8_t nbuf;
	char buf[NAME_LEN];
};

struct load {
	struct sockaddr_in dst;
	double rate, duration, timeout;
	const char *kill_file, *ready_file, *records_file;
	struct rec *recs;
	size_t cap, n, oldest, inflight;
	int ep;
	char names[MAX_BACKENDS][NAME_LEN];
	int nnames;
	uint64_t t0, max_lag_ns, late;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: failover load [-r RATE] [-d SECONDS] [-t TIMEOUT] [-k KILL-FILE] [-R READY-FILE]\n"
		"                     [-o RECORDS-FILE] ADDR PORT\n"
		"       failover kill PID STAMP-FILE     SIGKILL PID; write the CLOCK_MONOTONIC ns of it\n"
		"       failover stamp STAMP-FILE CMD... run CMD; write the CLOCK_MONOTONIC ns before it\n"
		"       failover now                     print CLOCK_MONOTONIC ns\n");
	exit(2);
}

static const char *err_name(int err)
{
	switch (err) {
	case 0: return "ok";
	case ERR_EOF: return "EOF";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EMFILE: return "EMFILE";
	case EPIPE: return "EPIPE";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	default: return NULL;
	}
}

static int write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "failover: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if ((fputs(text, f) < 0) | (fclose(f) != 0)) {
		fprintf(stderr, "failover: %s: write failed\n", tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "failover: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void finish(struct load *l, struct rec *r, int err)
{
	r->end_ns = now_ns();
	if (err)
		r->fail_phase = r->phase;
	r->err = err;
	r->phase = PH_DONE;
	if (r->fd >= 0) {
		close(r->fd); /* also takes it out of the epoll set */
		r->fd = -1;
	}
	l->inflight--;
}

static void record_name(struct load *l, struct rec *r)
{
	int i;

	r->buf[r->nbuf < NAME_LEN ? r->nbuf : NAME_LEN - 1] = '\0';
	for (i = 0; i < l->nnames; i++)
		if (!strcmp(l->names[i], r->buf))
			break;
	if (i == l->nnames) {
		if (l->nnames == MAX_BACKENDS)
			return;
		snprintf(l->names[l->nnames++], NAME_LEN, "%s", r->buf);
	}
	r->backend = (uint8_t)(i + 1);
}

static void start_one(struct load *l)
{
	struct rec *r = &l->recs[l->n];
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = l->n };

	l->n++;
	l->inflight++;
	r->phase = PH_CONNECT;
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	r->start_ns = now_ns();
	if (r->fd < 0) {
		finish(l, r, errno);
		return;
	}
	if (connect(r->fd, (struct sockaddr *)&l->dst, sizeof(l->dst)) && errno != EINPROGRESS) {
		finish(l, r, errno);
		return;
	}
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, r->fd, &ev))
		finish(l, r, errno);
}

static void on_ready(struct load *l, struct rec *r, uint32_t events)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(r - l->recs) };
	socklen_t len = sizeof(int);
	int soerr = 0;
	ssize_t got;

	if (r->phase == PH_CONNECT) {
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
			soerr = errno;
		if (soerr) {
			finish(l, r, soerr);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		r->phase = PH_READ;
		if (epoll_ctl(l->ep, EPOLL_CTL_MOD, r->fd, &ev)) {
			finish(l, r, errno);
			return;
		}
		/* The reply may be in already: fall through and try. */
	}
	for (;;) {
		char tmp[NAME_LEN];
		size_t room = NAME_LEN - 1 - r->nbuf;

		got = read(r->fd, room ? r->buf + r->nbuf : tmp, room ? room : sizeof(tmp));
		if (got > 0) {
			if (room)
				r->nbuf += (uint8_t)got;
			continue;
		}
		if (got == 0) {
			if (!r->nbuf) {
				finish(l, r, ERR_EOF);
				return;
			}
			record_name(l, r);
			finish(l, r, 0);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			finish(l, r, errno);
		return;
	}
}

/* Time out what has been in flight for longer than the timeout (oldest first: one timeout
 * for all, so the oldest unfinished one is the first to expire). */
static void expire(struct load *l, uint64_t now, uint64_t timeout_ns)
{
	while (l->oldest < l->n) {
		struct rec *r = &l->recs[l->oldest];

		if (r->phase != PH_DONE) {
			if (now - r->start_ns < timeout_ns)
				break;
			finish(l, r, ETIMEDOUT);
		}
		l->oldest++;
	}
}

static int64_t kill_stamp(const char *path)
{
	long long v = -1;
	FILE *f;

	if (!path || !(f = fopen(path, "r")))
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static double ms_from(uint64_t t, int64_t base)
{
	return ((double)(int64_t)t - (double)base) / 1e6;
}

static void print_counts(const char *key, const uint64_t *c, const struct load *l)
{
	int i;

	printf(",\"%s\":{", key);
	for (i = 0; i < l->nnames; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", l->names[i], c[i]);
	printf("}");
}

static int write_records(const struct load *l, int64_t kill)
{
	FILE *f = fopen(l->records_file, "w");
	size_t i;

	if (!f) {
		fprintf(stderr, "failover: %s: %s\n", l->records_file, strerror(errno));
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		const struct rec *r = &l->recs[i];
		const char *e = err_name(r->err);

		fprintf(f, "{\"i\":%zu,\"start_ns\":%" PRIu64 ",\"t_ms\":%.3f,\"dur_us\":%.1f", i,
			r->start_ns, ms_from(r->start_ns, kill >= 0 ? kill : (int64_t)l->t0),
			(double)(r->end_ns - r->start_ns) / 1e3);
		if (r->err) {
			if (e)
				fprintf(f, ",\"err\":\"%s\"", e);
			else
				fprintf(f, ",\"err\":%d", r->err);
			fprintf(f, ",\"phase\":\"%s\"}\n",
				r->fail_phase == PH_CONNECT ? "connect" : "read");
		} else {
			fprintf(f, ",\"backend\":\"%s\"}\n", l->names[r->backend - 1]);
		}
	}
	return fclose(f);
}

/* The summary: one JSON line on stdout. Times in ms relative to the kill (to the load's start
 * when there was no kill). A failed connect's time is when it was issued. */
static void summarize(const struct load *l)
{
	uint64_t per[MAX_BACKENDS] = {}, after[MAX_BACKENDS] = {};
	uint64_t ok = 0, failed = 0, fail_after = 0, fail_read = 0, nerr[8] = {};
	int64_t kill = kill_stamp(l->kill_file), base = kill >= 0 ? kill : (int64_t)l->t0;
	const struct rec *first = NULL, *last = NULL, *last_end = NULL;
	static const int errs[] = { ECONNREFUSED, ECONNRESET, ETIMEDOUT, ERR_EOF };
	int other = 0;
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		const struct rec *r = &l->recs[i];

		if (!r->err) {
			ok++;
			if (r->backend) {
				per[r->backend - 1]++;
				if (kill >= 0 && (int64_t)r->start_ns >= kill)
					after[r->backend - 1]++;
			}
			continue;
		}
		failed++;
		fail_after += kill >= 0 && (int64_t)r->start_ns >= kill;
		fail_read += r->fail_phase == PH_READ;
		for (k = 0; k < sizeof(errs) / sizeof(errs[0]); k++)
			if (r->err == errs[k])
				break;
		if (k < sizeof(errs) / sizeof(errs[0]))
			nerr[k]++;
		else
			other = r->err;
		if (!first)
			first = r;
		last = r;
		if (!last_end || r->end_ns > last_end->end_ns)
			last_end = r;
	}
	printf("{\"event\":\"summary\",\"addr\":\"%s:%u\",\"rate\":%g,\"duration_s\":%g,"
	       "\"timeout_s\":%g", inet_ntoa(l->dst.sin_addr), ntohs(l->dst.sin_port), l->rate,
	       l->duration, l->timeout);
	printf(",\"attempts\":%zu,\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
	       ",\"failed_before_kill\":%" PRIu64 ",\"failed_in_read\":%" PRIu64,
	       l->n, ok, failed, kill >= 0 ? failed - fail_after : 0, fail_read);
	printf(",\"errors\":{\"ECONNREFUSED\":%" PRIu64 ",\"ECONNRESET\":%" PRIu64
	       ",\"ETIMEDOUT\":%" PRIu64 ",\"EOF\":%" PRIu64 ",\"other\":%" PRIu64 "}",
	       nerr[0], nerr[1], nerr[2], nerr[3],
	       failed - nerr[0] - nerr[1] - nerr[2] - nerr[3]);
	if (other)
		printf(",\"other_errno\":%d", other);
	if (kill >= 0)
		printf(",\"kill_ns\":%" PRId64 ",\"kill_at_ms\":%.3f", kill, ms_from((uint64_t)kill, (int64_t)l->t0));
	else
		printf(",\"kill_ns\":null");
	if (first)
		printf(",\"first_fail_ms\":%.3f,\"last_fail_ms\":%.3f,\"last_fail_end_ms\":%.3f",
		       ms_from(first->start_ns, base), ms_from(last->start_ns, base),
		       ms_from(last_end->end_ns, base));
	else
		printf(",\"first_fail_ms\":null,\"last_fail_ms\":null,\"last_fail_end_ms\":null");
	print_counts("backends", per, l);
	if (kill >= 0)
		print_counts("backends_after_kill", after, l);
	printf(",\"max_lag_ms\":%.3f,\"late_starts\":%" PRIu64 "}\n", (double)l->max_lag_ns / 1e6,
	       l->late);
	fflush(stdout);
}

static int run_load(struct load *l)
{
	uint64_t period_ns = (uint64_t)(1e9 / l->rate), timeout_ns = (uint64_t)(l->timeout * 1e9);
	size_t total = (size_t)(l->rate * l->duration + 0.5);
	struct epoll_event evs[256];
	struct itimerspec its = {};
	struct rlimit rl;
	uint64_t next_k = 0;
	int tfd;

	/* Up to rate x timeout connects may be in flight. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	l->cap = total;
	l->recs = calloc(total ? total : 1, sizeof(*l->recs));
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!l->recs || l->ep < 0 || tfd < 0) {
		perror("failover");
		return 1;
	}
	evs[0] = (struct epoll_event){ .events = EPOLLIN, .data.u64 = UINT64_MAX };
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, tfd, &evs[0])) {
		perror("failover: epoll");
		return 1;
	}
	l->t0 = now_ns() + 10 * 1000000ull;
	its.it_value.tv_sec = (time_t)(l->t0 / 1000000000ull);
	its.it_value.tv_nsec = (long)(l->t0 % 1000000000ull);
	its.it_interval.tv_sec = (time_t)(period_ns / 1000000000ull);
	its.it_interval.tv_nsec = (long)(period_ns % 1000000000ull);
	if (total && timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		perror("failover: timerfd");
		return 1;
	}
	if (l->ready_file) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%" PRIu64 "\n", l->t0);
		if (write_file(l->ready_file, buf))
			return 1;
	}
	while (l->n < total || l->inflight) {
		int i, nev = epoll_wait(l->ep, evs, 256, l->n < total ? -1 : 5);
		uint64_t now;

		if (nev < 0 && errno != EINTR) {
			perror("failover: epoll_wait");
			return 1;
		}
		for (i = 0; i < nev; i++) {
			if (evs[i].data.u64 == UINT64_MAX) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
					continue;
				/* One connect per period since t0, on time or late (open loop). */
				now = now_ns();
				while (l->n < total && l->t0 + next_k * period_ns <= now) {
					uint64_t lag = now - (l->t0 + next_k * period_ns);

					if (lag > l->max_lag_ns)
						l->max_lag_ns = lag;
					l->late += lag > 1000000;
					next_k++;
					start_one(l);
				}
				if (l->n == total) {
					struct itimerspec off = {};

					timerfd_settime(tfd, 0, &off, NULL);
				}
				continue;
			}
			if (l->recs[evs[i].data.u64].phase != PH_DONE)
				on_ready(l, &l->recs[evs[i].data.u64], evs[i].events);
		}
		expire(l, now_ns(), timeout_ns);
	}
	close(tfd);
	close(l->ep);
	summarize(l);
	if (l->records_file && write_records(l, kill_stamp(l->kill_file)))
		return 1;
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct load l = { .rate = 1000, .duration = 5, .timeout = 1 };
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "r:d:t:k:R:o:")) != -1) {
		switch (opt) {
		case 'r':
			l.rate = strtod(optarg, &end);
			if (*end || !(l.rate > 0 && l.rate <= 100000))
				usage();
			break;
		case 'd':
			l.duration = strtod(optarg, &end);
			if (*end || !(l.duration > 0 && l.duration <= 3600))
				usage();
			break;
		case 't':
			l.timeout = strtod(optarg, &end);
			if (*end || !(l.timeout > 0 && l.timeout <= 60))
				usage();
			break;
		case 'k': l.kill_file = optarg; break;
		case 'R': l.ready_file = optarg; break;
		case 'o': l.records_file = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	l.dst.sin_family = AF_INET;
	l.dst.sin_port = htons((uint16_t)strtoul(argv[optind + 1], &end, 10));
	if (inet_pton(AF_INET, argv[optind], &l.dst.sin_addr) != 1 || *end || !l.dst.sin_port) {
		fprintf(stderr, "failover: bad address %s port %s\n", argv[optind], argv[optind + 1]);
		return 2;
	}
	return run_load(&l);
}

static int write_stamp(const char *path, uint64_t t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", t);
	return write_file(path, buf) ? 1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t t;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "now") && argc == 2) {
		printf("%" PRIu64 "\n", now_ns());
		return 0;
	}
	if (!strcmp(argv[1], "kill") && argc == 4) {
		char *end;
		long pid = strtol(argv[2], &end, 10);

		if (*end || pid <= 1)
			usage();
		t = now_ns();
		if (kill((pid_t)pid, SIGKILL)) {
			fprintf(stderr, "failover: kill %ld: %s\n", pid, strerror(errno));
			return 1;
		}
		return write_stamp(argv[3], t);
	}
	if (!strcmp(argv[1], "stamp") && argc >= 4) {
		int status;
		pid_t p;

		t = now_ns();
		p = fork();
		if (p < 0) {
			perror("failover: fork");
			return 1;
		}
		if (!p) {
			execvp(argv[3], argv + 3);
			fprintf(stderr, "failover: %s: %s\n", argv[3], strerror(errno));
			_exit(127);
		}
		if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "failover: %s failed\n", argv[3]);
			return 1;
		}
		return write_stamp(argv[2], t);
	}
	usage();
	return 2;
}
