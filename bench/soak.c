// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* soak.c: make soak's driver: a closed-loop connect load through two VIPs while it SIGKILLs and
 * restarts sluiced, flips the registry, kills backends, breaks a registry file and probes. */
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The services: orders (its registry file flips between SET_A and SET_B; orders-6, in the
 * registry only before the first flip, is outside both) and stock (its file is the one broken). */
#define ORDERS_VIP "127.255.0.10"
#define ORDERS_PORT 8080
#define STOCK_VIP "127.255.0.11"
#define STOCK_PORT 8081
#define NORDERS 6          /* orders-1..6 on 127.0.2.N:9001 */
#define NSTOCK 2           /* stock-1..2 on 127.0.3.N:9002 */
#define NBACKENDS (NORDERS + NSTOCK)
#define SET_A 0x07u        /* orders-1,2,3 (bit N-1) */
#define SET_B 0x1cu        /* orders-3,4,5 */
#define SET_ALL 0x3fu      /* the registry at the start: every one, orders-6 included */
#define KILLABLE 5         /* orders-1..5 are killed and restarted */
#define NAME_LEN 32
#define MAX_CONNS 1024
#define MAX_EVENTS 4096
#define FLIP_MS 100
#define DEBOUNCE_MS 20     /* sluiced reads a registry file this long after its last change */
#define MS 1000000ull

enum err_kind { E_REFUSED, E_RESET, E_TIMEOUT, E_EOF, E_OTHER, E_KINDS };
static const char *const err_names[E_KINDS] = { "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT",
						"EOF", "other" };

struct conn {
	int fd;
	int svc;            /* 0 orders, 1 stock */
	bool reading;
	uint8_t nbuf;
	uint64_t start;
	char buf[NAME_LEN];
};

struct backend {
	pid_t pid;          /* 0: dead */
	pid_t prober;       /* the child that waits until it listens */
	uint64_t restart_at;
	/* Dead intervals: [dead_from[i], dead_to[i]] (dead_to 0: still dead). */
	uint64_t *dead_from, *dead_to;
	size_t ndead, cap;
};

struct daemon {
	pid_t pid;
	int fd;             /* its stderr and stdout */
	uint64_t exec_ns;
	bool ready, killed, termed, plain;
	uint64_t read_ns;   /* when it said it read orders' file, until a reconcile wrote the maps */
	char line[4096];
	size_t nline;
};

/* A reconcile that wrote the maps after reading orders' registry file, or a start: when the
 * read was said (a start: its exec), when it was done (its line read), and the latest read of
 * it and those before it. */
struct event { uint64_t start, done, max_start; };

struct opts {
	double seconds, long_seconds, timeout;
	int conns;
	const char *sluiced, *sluiced_plain, *config, *echo, *ctl_cgroup, *registry, *logdir;
	const char *probe_configs[2];
};

static struct {
	struct opts o;
	int ep;
	struct conn conns[MAX_CONNS];
	struct sockaddr_in dst[2];
	uint64_t t0, end, long_from;
	/* the load */
	uint64_t attempts[2], ok[2], failed[2], explained[2], errs[2][E_KINDS], misroutes[2];
	uint64_t stale, per_backend[NBACKENDS];
	uint64_t max_conn_ns, max_stall_ns, last_loop;
	char misroute_example[NAME_LEN];
	/* registry flips: when each set was in place (rename done) */
	uint64_t *flip_ns;
	uint8_t *flip_set;
	size_t nflips, flip_cap;
	uint64_t next_flip;
	/* reconciles that wrote the maps, and starts that read the registry */
	struct event *events;
	size_t nevents, events_cap;
	/* backends */
	struct backend be[NBACKENDS];
	uint64_t next_be_kill, be_kills, be_restarts;
	/* sluiced */
	struct daemon d;
	FILE *dlog, *notes;     /* sluiced's lines; the connects that miss a goal (some) */
	uint64_t nnotes;
	uint64_t next_kill, starts, kills, crashes, asan_reports, not_ready_at_kill;
	char crash_what[256];
	uint64_t rss_first, rss_last, rss_max, rss_samples, next_rss, rss_kill_max;
	/* registry faults on stock.json */
	uint64_t next_fault, fault_until;
	int fault_kind, faults[4];
	/* second sluiced */
	pid_t probe_pid;
	int probe_kind;
	uint64_t probe_started, next_probe, probes[2], refused[2], accepted[2];
} S;

static const char *const fault_names[4] = { "garbage", "fifo", "directory", "symlink_loop" };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "soak: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A pseudo-random number in [lo, hi) ms from now, in ns. */
static uint64_t after_ms(unsigned int lo, unsigned int hi)
{
	return now_ns() + (lo + (unsigned int)random() % (hi - lo)) * MS;
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(p, *cap * size);
	if (!p)
		die("realloc");
	return p;
}

/* ---- children: each in the control cgroup, not the attached one ---- */

static pid_t spawn(const char *const *argv, int out_fd, bool keep_stdin)
{
	pid_t p = fork();

	if (p < 0)
		die("fork");
	if (!p) {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/cgroup.procs", S.o.ctl_cgroup);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(126);
		close(fd);
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		if (!keep_stdin && (fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, 0);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return p;
}

static void backend_addr(int i, char *addr, char *port, char *name)
{
	if (i < NORDERS) {
		sprintf(addr, "127.0.2.%d", i + 1);
		strcpy(port, "9001");
		sprintf(name, "orders-%d", i + 1);
	} else {
		sprintf(addr, "127.0.3.%d", i - NORDERS + 1);
		strcpy(port, "9002");
		sprintf(name, "stock-%d", i - NORDERS + 1);
	}
}

/* A child that connects (bounded) until backend i listens: its exit says it is back. */
static pid_t spawn_prober(int i)
{
	char addr[32], port[8], name[NAME_LEN];
	pid_t p;

	backend_addr(i, addr, port, name);
	p = fork();
	if (p < 0)
		die("fork");
	if (!p) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
		char path[4096];
		int fd, k;

		snprintf(path, sizeof(path), "%s/cgroup.procs", S.o.ctl_cgroup);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(126);
		close(fd);
		inet_pton(AF_INET, addr, &a.sin_addr);
		for (k = 0; k < 5000; k++) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			if (fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a)))
				_exit(0);
			close(fd);
			usleep(1000);
		}
		_exit(1);
	}
	return p;
}

static void backend_start(int i)
{
	char addr[32], port[8], name[NAME_LEN];
	const char *argv[] = { S.o.echo, name, addr, port, NULL };

	backend_addr(i, addr, port, name);
	S.be[i].pid = spawn(argv, -1, false);
	S.be[i].prober = spawn_prober(i);
}

static void backend_kill(int i)
{
	struct backend *b = &S.be[i];

	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
	if (b->prober) {
		kill(b->prober, SIGKILL);
		waitpid(b->prober, NULL, 0);
		b->prober = 0;
	}
	b->pid = 0;
	b->dead_from = grow(b->dead_from, &b->cap, b->ndead, sizeof(uint64_t));
	b->dead_to = realloc(b->dead_to, b->cap * sizeof(uint64_t));
	if (!b->dead_to)
		die("realloc");
	b->dead_from[b->ndead] = now_ns();
	b->dead_to[b->ndead++] = 0;
	b->restart_at = after_ms(300, 1200);
	fprintf(S.dlog, "soak: %.3f backend %d killed\n", ((double)now_ns() - S.t0) / 1e9, i + 1);
	S.be_kills++;
}

/* Whether a backend of the service was dead at some time in [from, to]. */
static bool dead_during(int svc, uint64_t from, uint64_t to)
{
	int i, lo = svc ? NORDERS : 0, hi = svc ? NBACKENDS : NORDERS;
	size_t k;

	for (i = lo; i < hi; i++)
		for (k = 0; k < S.be[i].ndead; k++)
			if (S.be[i].dead_from[k] <= to &&
			    (!S.be[i].dead_to[k] || S.be[i].dead_to[k] >= from))
				return true;
	return false;
}

/* ---- the registry ---- */

static void instances(FILE *f, unsigned int set, int svc)
{
	char addr[32], port[8], name[NAME_LEN];
	const char *sep = "";
	int i;

	fputs("{\"Instances\": [", f);
	for (i = svc ? NORDERS : 0; i < (svc ? NBACKENDS : NORDERS); i++) {
		if (!svc && !(set & (1u << i)))
			continue;
		backend_addr(i, addr, port, name);
		fprintf(f, "%s{\"InstanceId\": \"%s\", \"NamespaceName\": \"soak.local\", "
			"\"ServiceName\": \"%s\", \"HealthStatus\": \"HEALTHY\", \"Attributes\": "
			"{\"AWS_INSTANCE_IPV4\": \"%s\", \"AWS_INSTANCE_PORT\": \"%s\"}}", sep, name,
			svc ? "stock" : "orders", addr, port);
		sep = ", ";
	}
	fputs("]}\n", f);
}

static void write_registry(const char *file, unsigned int set, int svc, const char *tmpname)
{
	char tmp[4096], path[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/%s", S.o.registry, tmpname);
	snprintf(path, sizeof(path), "%s/%s", S.o.registry, file);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	instances(f, set, svc);
	if (fclose(f))
		die(tmp);
	if (rename(tmp, path))
		die(path);
}

static void flip(void)
{
	unsigned int set = S.nflips % 2 ? SET_A : SET_B; /* flip 0 is the start's */

	write_registry("orders.json", set, 0, "orders.json.tmp");
	S.flip_ns = grow(S.flip_ns, &S.flip_cap, S.nflips, sizeof(uint64_t));
	S.flip_set = realloc(S.flip_set, S.flip_cap);
	if (!S.flip_set)
		die("realloc");
	S.flip_ns[S.nflips] = now_ns();
	S.flip_set[S.nflips++] = (uint8_t)set;
	fprintf(S.dlog, "soak: %.3f flip %s\n", ((double)now_ns() - S.t0) / 1e9,
		set == SET_A ? "A" : "B");
}

/* The stock file replaced, atomically, by something that is not a registry file. */
static void fault_start(int kind)
{
	char path[4096], tmp[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/stock.json", S.o.registry);
	snprintf(tmp, sizeof(tmp), "%s/stock.fault", S.o.registry);
	switch (kind) {
	case 0:
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			char junk[512];
			size_t i;

			for (i = 0; i < sizeof(junk); i++)
				junk[i] = (char)random();
			if (write(fd, "{\"Instances\": [{\"Instan", 23) < 0 ||
			    write(fd, junk, sizeof(junk)) < 0)
				die(tmp);
			close(fd);
		}
		break;
	case 1:
		if (mkfifo(tmp, 0644))
			die(tmp);
		break;
	case 2:
		if (mkdir(tmp, 0755))
			die(tmp);
		break;
	case 3:
		if (symlink("stock.json", tmp)) /* stock.json -> stock.json */
			die(tmp);
		break;
	}
	if (kind == 2) { /* a directory cannot be renamed over a file: exchanged */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE))
			die(path);
		unlink(tmp);
	} else if (rename(tmp, path)) {
		die(path);
	}
	S.faults[kind]++;
	fprintf(S.dlog, "soak: %.3f stock.json: %s\n", ((double)now_ns() - S.t0) / 1e9,
		fault_names[kind]);
}

static void fault_end(int kind)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stock.json", S.o.registry);
	snprintf(tmp, sizeof(tmp), "%s/stock.good", S.o.registry);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	instances(f, 0, 1);
	if (fclose(f))
		die(tmp);
	if (kind == 2) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE))
			die(path);
		rmdir(tmp);
	} else if (rename(tmp, path)) {
		die(path);
	}
	fprintf(S.dlog, "soak: %.3f stock.json: good\n", ((double)now_ns() - S.t0) / 1e9);
}

/* ---- sluiced ---- */

static void daemon_start(bool plain)
{
	const char *argv[] = { plain ? S.o.sluiced_plain : S.o.sluiced, "--config", S.o.config,
			       "--log-level", "debug", "--log-time", NULL };
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	memset(&S.d, 0, sizeof(S.d));
	S.d.plain = plain;
	S.d.exec_ns = now_ns();
	S.d.pid = spawn(argv, p[1], false);
	close(p[1]);
	S.d.fd = p[0];
	fcntl(S.d.fd, F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	if (epoll_ctl(S.ep, EPOLL_CTL_ADD, S.d.fd, &ev))
		die("epoll_ctl");
	S.starts++;
	fprintf(S.dlog, "soak: %.3f start %s sluiced pid %d\n", ((double)S.d.exec_ns - S.t0) / 1e9,
		plain ? "plain" : "asan", S.d.pid);
}

static void add_event(uint64_t start, uint64_t done)
{
	S.events = grow(S.events, &S.events_cap, S.nevents, sizeof(*S.events));
	S.events[S.nevents] = (struct event){ start, done, start };
	if (S.nevents && S.events[S.nevents - 1].max_start > start)
		S.events[S.nevents].max_start = S.events[S.nevents - 1].max_start;
	S.nevents++;
}

/* A line of sluiced's: its time is the one it starts with (--log-time: CLOCK_MONOTONIC, as
 * ours), else when it was read (a sanitizer's report). */
static void daemon_line(const char *l)
{
	uint64_t t = now_ns();
	unsigned long long sec;
	unsigned long usec;
	int n = 0;

	if (sscanf(l, "[%llu.%6lu] %n", &sec, &usec, &n) == 2 && n > 0) {
		t = sec * 1000000000ull + usec * 1000ull;
		l += n;
	}
	fprintf(S.dlog, "%.3f %s\n", ((double)t - S.t0) / 1e9, l);
	if (strstr(l, "ERROR: AddressSanitizer") || strstr(l, "ERROR: LeakSanitizer") ||
	    strstr(l, "runtime error:")) {
		S.asan_reports++;
		if (!S.crash_what[0])
			snprintf(S.crash_what, sizeof(S.crash_what), "%.200s", l);
	}
	if (!strncmp(l, "sluiced: ready", 14)) {
		S.d.ready = true;
		add_event(S.d.exec_ns, t);
	} else if (strstr(l, "/orders.json: read, parses")) { /* logged as soon as it is read */
		S.d.read_ns = t;
	} else if (strstr(l, "maps updated") && S.d.read_ns) {
		add_event(S.d.read_ns, t);
		S.d.read_ns = 0;
	}
}

static void daemon_read(void)
{
	for (;;) {
		ssize_t n = read(S.d.fd, S.d.line + S.d.nline, sizeof(S.d.line) - 1 - S.d.nline);
		char *nl;

		if (n <= 0)
			return;
		S.d.nline += (size_t)n;
		S.d.line[S.d.nline] = '\0';
		while ((nl = strchr(S.d.line, '\n'))) {
			*nl = '\0';
			daemon_line(S.d.line);
			S.d.nline -= (size_t)(nl + 1 - S.d.line);
			memmove(S.d.line, nl + 1, S.d.nline + 1);
		}
		if (S.d.nline == sizeof(S.d.line) - 1) {
			daemon_line(S.d.line);
			S.d.nline = 0;
		}
	}
}

/* Reaped (it exited or was killed): a crash unless it died of our SIGKILL or exited 0
 * after our SIGTERM. */
static void daemon_reaped(int status)
{
	bool expected = (S.d.killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
			(S.d.termed && WIFEXITED(status) && !WEXITSTATUS(status));

	fcntl(S.d.fd, F_SETFL, 0);
	daemon_read(); /* what it wrote before it went */
	epoll_ctl(S.ep, EPOLL_CTL_DEL, S.d.fd, NULL);
	close(S.d.fd);
	if (!expected) {
		S.crashes++;
		if (!S.crash_what[0])
			snprintf(S.crash_what, sizeof(S.crash_what), "sluiced pid %d %s %d", S.d.pid,
				 WIFSIGNALED(status) ? "killed by signal" : "exited with",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	fprintf(S.dlog, "soak: %.3f sluiced pid %d gone (%s %d)%s\n", (now_ns() - S.t0) / 1e9,
		S.d.pid, WIFSIGNALED(status) ? "signal" : "exit",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		expected ? "" : ": CRASH");
	S.d.pid = 0;
}

static uint64_t rss_kb(pid_t pid)
{
	char path[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static void daemon_stop(int sig)
{
	int status;

	if (sig == SIGKILL) {
		S.d.killed = true;
		S.kills++;
		S.not_ready_at_kill += !S.d.ready;
		uint64_t r = rss_kb(S.d.pid);
		if (r > S.rss_kill_max)
			S.rss_kill_max = r;
	} else {
		S.d.termed = true;
	}
	kill(S.d.pid, sig);
	if (waitpid(S.d.pid, &status, 0) == S.d.pid)
		daemon_reaped(status);
}

/* ---- the second sluiced: the same bpffs (the lock), or another bpffs on the same cgroup ---- */

static void probe_start(void)
{
	char path[4096];
	int fd;

	S.probe_kind = (int)(S.probes[0] + S.probes[1]) % 2;
	snprintf(path, sizeof(path), "%s/probe-%d.log", S.o.logdir, S.probe_kind);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path);
	const char *argv[] = { S.o.sluiced_plain, "--config", S.o.probe_configs[S.probe_kind],
			       NULL };
	S.probe_pid = spawn(argv, fd, false);
	close(fd);
	S.probe_started = now_ns();
	S.probes[S.probe_kind]++;
}

static void probe_poll(uint64_t t)
{
	int status;

	if (waitpid(S.probe_pid, &status, WNOHANG) == S.probe_pid) {
		if (WIFEXITED(status) && WEXITSTATUS(status))
			S.refused[S.probe_kind]++;
		else
			S.accepted[S.probe_kind]++;
		S.probe_pid = 0;
	} else if (t - S.probe_started > 5000 * MS) { /* it serves: not refused */
		kill(S.probe_pid, SIGTERM);
		waitpid(S.probe_pid, &status, 0);
		S.accepted[S.probe_kind]++;
		S.probe_pid = 0;
	}
}

/* ---- the load ---- */

static int name_index(const char *name)
{
	char addr[32], port[8], n[NAME_LEN];
	int i;

	for (i = 0; i < NBACKENDS; i++) {
		backend_addr(i, addr, port, n);
		if (!strcmp(n, name))
			return i;
	}
	return -1;
}

/* A connect to orders-(i+1) that began at t: whether it was removed from the registry, and
 * a reconcile that read the registry after the removal had written the maps, before t. */
static bool is_stale(int i, uint64_t t)
{
	size_t lo = 0, hi = S.nflips, k;
	uint64_t removed;

	while (lo < hi) { /* the first flip after t */
		size_t mid = (lo + hi) / 2;

		if (S.flip_ns[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || (S.flip_set[lo - 1] & (1u << i)))
		return false;
	for (k = lo - 1; k > 0 && !(S.flip_set[k - 1] & (1u << i)); k--)
		;
	removed = S.flip_ns[k];
	lo = 0, hi = S.nevents; /* the first event done at t or later */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (S.events[mid].done < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && S.events[lo - 1].max_start > removed + DEBOUNCE_MS * MS;
}

static void conn_start(struct conn *c);

/* A connect that misses a goal, in notes.log (the first 1000), with the time since t0. */
static void note(const struct conn *c, const char *what, const char *detail)
{
	if (S.nnotes++ < 1000)
		fprintf(S.notes, "%.3f-%.3f %s %s %s\n", (c->start - S.t0) / 1e9,
			(now_ns() - S.t0) / 1e9, c->svc ? "stock" : "orders", what, detail);
}

static void conn_done(struct conn *c, int err)
{
	uint64_t t = now_ns();
	int svc = c->svc;

	if (t - c->start > S.max_conn_ns)
		S.max_conn_ns = t - c->start;
	close(c->fd);
	S.attempts[svc]++;
	if (err) {
		enum err_kind k = err == ECONNREFUSED ? E_REFUSED : err == ECONNRESET ? E_RESET :
				  err == ETIMEDOUT ? E_TIMEOUT : err == -1 ? E_EOF : E_OTHER;

		S.failed[svc]++;
		S.errs[svc][k]++;
		if (dead_during(svc, c->start, t))
			S.explained[svc]++;
		else
			note(c, "failed", err_names[k]);
	} else {
		int i;

		c->buf[c->nbuf] = '\0';
		i = name_index(c->buf);
		S.ok[svc]++;
		if (i < 0 || (svc == 0 && i >= NORDERS) || (svc == 1 && i < NORDERS)) {
			S.misroutes[svc]++; /* not the service's */
			snprintf(S.misroute_example, sizeof(S.misroute_example), "%s", c->buf);
			note(c, "misroute", c->buf);
		} else if (svc == 0 && is_stale(i, c->start)) {
			if ((SET_A | SET_B) & (1u << i)) {
				S.stale++;
				note(c, "stale", c->buf);
			} else { /* orders-6, once its removal at the first flip was applied */
				S.misroutes[svc]++;
				snprintf(S.misroute_example, sizeof(S.misroute_example), "%s", c->buf);
				note(c, "misroute", c->buf);
			}
		}
		if (i >= 0)
			S.per_backend[i]++;
	}
	if (t < S.end)
		conn_start(c);
	else
		c->fd = -1;
}

static void conn_start(struct conn *c)
{
	static uint64_t n;
	struct epoll_event ev = { .events = EPOLLOUT };

	c->svc = (n++ % 4) == 3; /* a quarter to stock */
	c->reading = false;
	c->nbuf = 0;
	c->start = now_ns();
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	ev.data.u64 = (uint64_t)(c - S.conns);
	if (connect(c->fd, (struct sockaddr *)&S.dst[c->svc], sizeof(S.dst[0])) &&
	    errno != EINPROGRESS) {
		int e = errno;

		/* what it may have joined is gone with the close */
		S.attempts[c->svc]++;
		S.failed[c->svc]++;
		S.errs[c->svc][e == ECONNREFUSED ? E_REFUSED : E_OTHER]++;
		S.explained[c->svc] += dead_during(c->svc, c->start, now_ns());
		close(c->fd);
		c->fd = -1;
		return;
	}
	if (epoll_ctl(S.ep, EPOLL_CTL_ADD, c->fd, &ev))
		die("epoll_ctl");
}

static void conn_ready(struct conn *c, uint32_t events)
{
	if (!c->reading) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			conn_done(c, soerr);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(c - S.conns) };
		c->reading = true;
		epoll_ctl(S.ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	for (;;) {
		char junk[64];
		size_t room = NAME_LEN - 1 - c->nbuf;
		ssize_t got = read(c->fd, room ? c->buf + c->nbuf : junk, room ? room : sizeof(junk));

		if (got > 0) {
			if (room)
				c->nbuf += (uint8_t)got;
			continue;
		}
		if (!got)
			conn_done(c, c->nbuf ? 0 : -1);
		else if (errno != EAGAIN && errno != EINTR)
			conn_done(c, errno);
		if (got >= 0 || errno != EINTR)
			return;
	}
}

/* ---- the schedule ---- */

static void tick(uint64_t t)
{
	int i, status;
	pid_t p;

	if (t >= S.next_flip) {
		flip();
		S.next_flip += FLIP_MS * MS;
		if (S.next_flip < t)
			S.next_flip = t + FLIP_MS * MS;
	}
	/* backends: one killed every 0.5-2 s, back after 0.3-1.2 s */
	if (t >= S.next_be_kill) {
		i = (int)((unsigned int)random() % KILLABLE);
		if (S.be[i].pid)
			backend_kill(i);
		S.next_be_kill = after_ms(500, 2000);
	}
	for (i = 0; i < NBACKENDS; i++) {
		struct backend *b = &S.be[i];

		if (!b->pid && t >= b->restart_at) {
			backend_start(i);
			S.be_restarts++;
		}
		if (b->prober && (p = waitpid(b->prober, &status, WNOHANG)) == b->prober) {
			b->prober = 0;
			if (b->ndead && !b->dead_to[b->ndead - 1])
				b->dead_to[b->ndead - 1] = now_ns();
		}
	}
	/* sluiced: SIGKILLed every 2-4 s until the long phase, which one plain daemon lives */
	if (S.d.pid && (p = waitpid(S.d.pid, &status, WNOHANG)) == S.d.pid)
		daemon_reaped(status);
	if (t < S.long_from) {
		if (S.d.pid && !S.probe_pid && t >= S.next_kill) {
			daemon_stop(SIGKILL);
			S.next_kill = after_ms(2000, 4000);
		}
		if (!S.d.pid)
			daemon_start(false);
	} else if (S.d.pid && !S.d.plain) {
		if (!S.d.termed) { /* the ASan build's leak check runs at its exit: reaped above */
			S.d.termed = true;
			kill(S.d.pid, SIGTERM);
		}
	} else if (!S.d.pid) {
		daemon_start(true);
		S.next_rss = t + 2000 * MS; /* a warm-up before the first sample */
	} else if (t >= S.next_rss && S.d.ready) {
		uint64_t r = rss_kb(S.d.pid);

		if (!S.rss_samples++)
			S.rss_first = r;
		S.rss_last = r;
		if (r > S.rss_max)
			S.rss_max = r;
		S.next_rss = t + 500 * MS;
	}
	/* the stock file: a fault for 0.2-0.8 s, 1-2.5 s after the last */
	if (S.fault_until && t >= S.fault_until) {
		fault_end(S.fault_kind);
		S.fault_until = 0;
		S.next_fault = after_ms(1000, 2500);
	} else if (!S.fault_until && t >= S.next_fault) {
		S.fault_kind = (S.faults[0] + S.faults[1] + S.faults[2] + S.faults[3]) % 4;
		fault_start(S.fault_kind);
		S.fault_until = after_ms(200, 800);
	}
	/* a second sluiced, every 1-3 s, while the first one serves */
	if (S.probe_pid)
		probe_poll(t);
	else if (t >= S.next_probe && S.d.pid && S.d.ready) {
		probe_start();
		S.next_probe = after_ms(1000, 3000);
	}
}

static void summary(void)
{
	double secs = (double)(S.end - S.t0) / 1e9;
	int s, k;

	printf("{\"seconds\":%.1f,\"long_seconds\":%.1f,\"conns\":%d,\"rate\":%.0f", secs,
	       S.o.long_seconds, S.o.conns, (double)(S.attempts[0] + S.attempts[1]) / secs);
	for (s = 0; s < 2; s++) {
		printf(",\"%s\":{\"attempts\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64
		       ",\"failed_backend_dead\":%" PRIu64 ",\"failed_unexplained\":%" PRIu64
		       ",\"misroutes\":%" PRIu64, s ? "stock" : "orders", S.attempts[s], S.ok[s],
		       S.failed[s], S.explained[s], S.failed[s] - S.explained[s], S.misroutes[s]);
		for (k = 0; k < E_KINDS; k++)
			printf(",\"%s\":%" PRIu64, err_names[k], S.errs[s][k]);
		printf("}");
	}
	printf(",\"misroute_example\":\"%s\",\"stale\":%" PRIu64 ",\"max_connect_ms\":%.1f"
	       ",\"max_stall_ms\":%.1f", S.misroute_example, S.stale, S.max_conn_ns / 1e6,
	       S.max_stall_ns / 1e6);
	printf(",\"backends\":{");
	for (s = 0; s < NBACKENDS; s++) {
		char addr[32], port[8], name[NAME_LEN];

		backend_addr(s, addr, port, name);
		printf("%s\"%s\":%" PRIu64, s ? "," : "", name, S.per_backend[s]);
	}
	printf("},\"flips\":%zu,\"reconciles\":%zu,\"backend_kills\":%" PRIu64
	       ",\"sluiced_starts\":%" PRIu64 ",\"sluiced_kills\":%" PRIu64
	       ",\"killed_before_ready\":%" PRIu64 ",\"crashes\":%" PRIu64
	       ",\"sanitizer_reports\":%" PRIu64 ",\"crash\":\"", S.nflips, S.nevents,
	       S.be_kills, S.starts, S.kills, S.not_ready_at_kill, S.crashes, S.asan_reports);
	for (const char *p = S.crash_what; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			putchar(*p);
	printf("\",\"faults\":{");
	for (k = 0; k < 4; k++)
		printf("%s\"%s\":%d", k ? "," : "", fault_names[k], S.faults[k]);
	printf("},\"probe_same_bpffs\":{\"runs\":%" PRIu64 ",\"refused\":%" PRIu64
	       ",\"accepted\":%" PRIu64 "},\"probe_same_cgroup\":{\"runs\":%" PRIu64
	       ",\"refused\":%" PRIu64 ",\"accepted\":%" PRIu64 "}", S.probes[0], S.refused[0],
	       S.accepted[0], S.probes[1], S.refused[1], S.accepted[1]);
	printf(",\"rss_kb\":{\"samples\":%" PRIu64 ",\"first\":%" PRIu64 ",\"last\":%" PRIu64
	       ",\"max\":%" PRIu64 ",\"max_at_kill_asan\":%" PRIu64 "}}\n", S.rss_samples,
	       S.rss_first, S.rss_last, S.rss_max, S.rss_kill_max);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: soak -d SECONDS -L LONG-SECONDS -c CONNS -a ASAN-SLUICED -s SLUICED\n"
		"            -f CONFIG -p PROBE-CONFIG -q PROBE-CONFIG -e SLUICE-ECHO -g CTL-CGROUP\n"
		"            -r REGISTRY-DIR -l LOG-DIR\n"
		"  Run in the attached cgroup; its children (sluiced, backends) go to CTL-CGROUP.\n"
		"  The last LONG-SECONDS one plain sluiced lives (its RSS sampled); before, the ASan\n"
		"  one is SIGKILLed every 2-4 s. One JSON line of figures on stdout.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct rlimit rl;
	char path[4096];
	int opt, i;

	S.o.conns = 64;
	S.o.timeout = 3; /* on loopback a connect is answered or refused at once: this is stalls */
	while ((opt = getopt(argc, argv, "d:L:c:a:s:f:p:q:e:g:r:l:")) != -1) {
		switch (opt) {
		case 'd': S.o.seconds = atof(optarg); break;
		case 'L': S.o.long_seconds = atof(optarg); break;
		case 'c': S.o.conns = atoi(optarg); break;
		case 'a': S.o.sluiced = optarg; break;
		case 's': S.o.sluiced_plain = optarg; break;
		case 'f': S.o.config = optarg; break;
		case 'p': S.o.probe_configs[0] = optarg; break;
		case 'q': S.o.probe_configs[1] = optarg; break;
		case 'e': S.o.echo = optarg; break;
		case 'g': S.o.ctl_cgroup = optarg; break;
		case 'r': S.o.registry = optarg; break;
		case 'l': S.o.logdir = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !(S.o.seconds >= 5) || !(S.o.long_seconds >= 3) ||
	    S.o.long_seconds >= S.o.seconds || S.o.conns < 1 || S.o.conns > MAX_CONNS ||
	    !S.o.sluiced || !S.o.sluiced_plain || !S.o.config || !S.o.probe_configs[0] ||
	    !S.o.probe_configs[1] || !S.o.echo || !S.o.ctl_cgroup || !S.o.registry || !S.o.logdir)
		usage();
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned int)getpid());
	snprintf(path, sizeof(path), "%s/sluiced.log", S.o.logdir);
	S.dlog = fopen(path, "w");
	S.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!S.dlog || S.ep < 0)
		die(path);
	setvbuf(S.dlog, NULL, _IOLBF, 0);
	snprintf(path, sizeof(path), "%s/notes.log", S.o.logdir);
	S.notes = fopen(path, "w");
	if (!S.notes)
		die(path);
	for (i = 0; i < 2; i++) {
		S.dst[i].sin_family = AF_INET;
		S.dst[i].sin_port = htons(i ? STOCK_PORT : ORDERS_PORT);
		inet_pton(AF_INET, i ? STOCK_VIP : ORDERS_VIP, &S.dst[i].sin_addr);
	}

	/* The start: every backend up, the whole registry (orders-6 too), sluiced ready. */
	S.t0 = now_ns();
	write_registry("stock.json", 0, 1, "stock.json.tmp");
	write_registry("orders.json", SET_ALL, 0, "orders.json.tmp");
	S.flip_ns = grow(S.flip_ns, &S.flip_cap, 0, sizeof(uint64_t));
	S.flip_set = malloc(S.flip_cap);
	if (!S.flip_set)
		die("malloc");
	S.flip_ns[0] = now_ns();
	S.flip_set[S.nflips++] = SET_ALL;
	for (i = 0; i < NBACKENDS; i++)
		backend_start(i);
	daemon_start(false);
	while (!S.d.ready) {
		int n = epoll_wait(S.ep, evs, 256, 100);

		if (n > 0)
			daemon_read();
		if (now_ns() - S.t0 > 30000 * MS || (n == 0 && waitpid(S.d.pid, NULL, WNOHANG))) {
			fprintf(stderr, "soak: sluiced did not get ready: see %s/sluiced.log\n",
				S.o.logdir);
			return 1;
		}
	}
	S.t0 = now_ns();
	S.end = S.t0 + (uint64_t)(S.o.seconds * 1e9);
	S.long_from = S.end - (uint64_t)(S.o.long_seconds * 1e9);
	S.next_flip = S.t0;
	S.next_kill = after_ms(2000, 4000);
	S.next_be_kill = after_ms(500, 2000);
	S.next_fault = after_ms(500, 1500);
	S.next_probe = after_ms(500, 1500);
	for (i = 0; i < S.o.conns; i++)
		conn_start(&S.conns[i]);
	for (;;) {
		uint64_t t = now_ns();
		bool busy = false;
		int n;

		if (S.last_loop && t - S.last_loop > S.max_stall_ns)
			S.max_stall_ns = t - S.last_loop; /* the machine's load: the driver not run */
		S.last_loop = t;
		for (i = 0; i < S.o.conns; i++) {
			struct conn *c = &S.conns[i];

			if (c->fd >= 0) {
				busy = true;
				if (t - c->start > (uint64_t)(S.o.timeout * 1e9))
					conn_done(c, ETIMEDOUT);
			} else if (t < S.end) {
				conn_start(c); /* its connect() failed at once */
				busy = true;
			}
		}
		if (!busy)
			break;
		if (t < S.end)
			tick(t);
		n = epoll_wait(S.ep, evs, 256, 2);
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == UINT64_MAX)
				daemon_read();
			else if (S.conns[evs[i].data.u64].fd >= 0)
				conn_ready(&S.conns[evs[i].data.u64], evs[i].events);
		}
	}
	if (S.probe_pid) {
		kill(S.probe_pid, SIGKILL);
		waitpid(S.probe_pid, NULL, 0);
	}
	if (S.fault_until)
		fault_end(S.fault_kind);
	if (S.d.pid)
		daemon_stop(SIGTERM);
	for (i = 0; i < NBACKENDS; i++) {
		if (S.be[i].prober)
			kill(S.be[i].prober, SIGKILL), waitpid(S.be[i].prober, NULL, 0);
		if (S.be[i].pid)
			kill(S.be[i].pid, SIGKILL), waitpid(S.be[i].pid, NULL, 0);
	}
	summary();
	return 0;
}
