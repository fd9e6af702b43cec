/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* harness.h: the end-to-end test bench: a private netns, mount ns, bpffs and cgroups; the
 * daemon under test and its inputs; backend servers; a client agent inside the cgroup. */
#ifndef E2E_HARNESS_H
#define E2E_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define MAX_NAMES 8

/* ---- bench (harness.c) ---- */
struct bench {
	char dir[256];      /* temporary directory, everything below it */
	char bpffs[300];    /* <dir>/bpf/sluice */
	char config[300];
	char registry[300]; /* registry directory */
	char state[300];    /* the daemon's state directory */
	char hosts[300];
	char log[300];
	char cgroup[300];   /* the attached cgroup (created here) */
	char cgroup2[300];  /* a second cgroup, attached by sluicectl in a test */
	char cg_root[256];  /* the cgroup2 mount */
	const char *sluiced, *sluicectl;
	pid_t daemon;
	long log_mark;      /* log_count counts from here: where the current case began */
	long spawn_mark;    /* where the log was when the daemon was last started */
};

extern struct bench B;

int bench_setup(const char *sluiced, const char *sluicectl);
/* Bring up the loopback of the caller's network namespace. */
int lo_up(void);
void bench_cleanup(void);
int write_file(const char *path, const char *content);
/* Write via a temporary file and rename (how registry writers replace files). */
int replace_file(const char *path, const char *content);
char *read_file(const char *path);
/* Start sluiced and wait (bounded) until it logged readiness. */
int daemon_start(void);
/* Start sluiced without waiting; then wait (bounded, times E2E_SLOW) for its readiness, -1 if
 * it exits. */
int daemon_spawn(void);
int daemon_wait_ready(int timeout_ms);
/* Send sig to the daemon under test; -1 (nothing sent) when none runs. */
int daemon_signal(int sig);
/* Send sig and wait (10 s times E2E_SLOW, then SIGKILL) for exit; returns the exit status
 * (or 128+signal). */
int daemon_stop(int sig);
bool daemon_alive(void);
/* Remove what the daemons left: the pinned data plane (sluicectl teardown: programs
 * detached, maps unpinned), the state file and the hosts file. No daemon may run. */
int dataplane_remove(void);
/* The log from byte offset from on (malloc'd); its size now. */
char *log_since(long from);
long log_size(void);
/* Times the log contains needle since B.log_mark; since byte offset from. */
int log_count(const char *needle);
int count_since(long from, const char *needle);
/* Run sluicectl with args (NULL-terminated); output (malloc'd) in *out. Exit status. */
int ctl(char **out, ...);
/* The VIP of alias name in the hosts file (v6: the IPv6 one). */
int vip_of(const char *name, bool v6, char *buf, size_t len);
unsigned long long now_ms(void);
/* E2E_SLOW=N (1-20, default 1): the machine is N times slower than the one the suite's times
 * were set for (an emulated CPU: tests/vm). Waits for the daemon to do something (start, exit,
 * log a line, answer through the agent) and the suite's time limit are N times as long; so are
 * the configs' check intervals, check timeouts and ejection times (inputs.c) and the bounds the
 * cases derive from them (slow_ms: "out within interval x threshold"); the claims and counts
 * the cases assert stay the same. */
int slow_factor(void);
int slow_ms(int ms);

/* ---- inputs (inputs.c): the base config and registry, with the current case's added ---- */
/* An instance is written "ID SERVICE BACKEND [HEALTH] [weight=W]": BACKEND a backend of
 * peers.c (B1-B6) or a pool server (H1-H12), HEALTH its HealthStatus (HEALTHY if not
 * given), W its weight attribute (none if not given). Config text is JSON with ' for ". */

/* The config file: the base services and the case's, less the service named drop (NULL:
 * none), plus the services in add (NULL: none). */
int write_config(const char *drop, const char *add);
/* The registry (main.json): the base instances and the case's, less the instance with
 * InstanceId drop (NULL: none), plus the instance add (NULL: none). */
int write_registry(const char *drop, const char *add);

/* ---- peers (peers.c) ---- */
struct backend {
	const char *name;
	const char *addr;
	int port;
	bool udp;
};

extern const struct backend backends[];
extern const size_t nbackends;

int backends_start(void);
const struct backend *backend_named(const char *name);
/* Connections (TCP) or datagrams (UDP) a backend received so far. */
unsigned long backend_hits(const char *name);

enum op {
	OP_TCP,   /* connect, read the backend's name, check getpeername */
	OP_UDPC,  /* connected UDP: send, receive, check source and getpeername */
	OP_UDPU,  /* unconnected UDP: sendto, recvfrom, check source */
	OP_TCP_LOOP, /* connects for duration_ms, counting failures */
	OP_TCP_HOLD, /* as OP_TCP, then getpeername again after duration_ms */
	OP_TCP_OPEN, /* open count connections, keep them for duration_ms, close them */
	OP_TCP_KEEP, /* as OP_TCP, then after duration_ms read again: late_errno */
	OP_UDP_KEEP, /* a connected and an unconnected UDP socket: an exchange on each, another
		      * after duration_ms (late_errno: the connected one's; port_changed,
		      * late_name: the unconnected one's) */
	OP_TCP_PENDING, /* count nonblocking connects opened together, each closed once it
			 * completes or fails, the rest (abandoned) after duration_ms, 0: at
			 * once, while they connect */
	OP_TCP_OPTS, /* a connect, then the connected socket's options: sockopts */
};

/* OP_TCP_OPTS: what getsockopt says of a connected socket (-1: it could not say). */
struct sockopts {
	int keepalive, keepidle, keepintvl, keepcnt; /* SO_KEEPALIVE, TCP_KEEP* */
	int user_timeout;                            /* TCP_USER_TIMEOUT (ms) */
};

struct request {
	enum op op;
	int family;    /* AF_INET or AF_INET6 */
	char addr[64]; /* destination as the application writes it (may be ::ffff:a.b.c.d) */
	int port;
	int count;
	int duration_ms;
};

struct result {
	int ok, failed, last_errno;
	int peer_mismatch; /* getpeername was not the address connected to */
	int src_mismatch;  /* a reply's source was not the address sent to */
	int late_mismatch; /* OP_TCP_HOLD: the later getpeername was not that address */
	int late_errno;    /* OP_TCP_KEEP, OP_UDP_KEEP */
	int port_changed;  /* OP_UDP_KEEP: the unconnected socket's local port changed */
	char late_name[16]; /* OP_UDP_KEEP: who answered the unconnected socket later */
	int abandoned;     /* OP_TCP_PENDING: closed while still connecting */
	struct sockopts opts; /* OP_TCP_OPTS */
	unsigned long long first_fail_at, last_fail_at; /* now_ms() of failures, 0: none */
	int n;
	char names[MAX_NAMES][16];
	int counts[MAX_NAMES];
};

/* Run a request in this process (outside the cgroup). */
void run_request(const struct request *rq, struct result *res);
int count_of(const struct result *res, const char *name);

/* A process inside a cgroup, running requests sent to it. */
struct agent {
	pid_t pid;
	int to, from;
};
int agent_start(struct agent *a, const char *cgroup);

/* What the TCP address of a pool server leads to inside an agent's own network namespace. */
enum answer {
	ANSWER_REFUSED, /* nothing listens (any address not in the view): connects get a RST */
	ANSWER_OPEN,    /* a listener that never accepts: connects complete, nothing is read */
	ANSWER_DROPPED, /* a listener whose accept queue is full: SYNs are dropped */
};

#define VIEW_SERVERS 2

/* An agent's network namespace of its own (agent_start_in): loopback up, and what the pool
 * servers' addresses lead to there. Everything in it is the agent's and goes with it. */
struct netns_view {
	bool unprivileged; /* as nobody, in a user namespace of its own too; else root's */
	struct {
		const char *server; /* a pool server (H1-H12); NULL: the end of the list */
		enum answer answer;
	} at[VIEW_SERVERS];
};

/* agent_start, then (in the cgroup) into a network namespace of its own as view says. */
int agent_start_in(struct agent *a, const char *cgroup, const struct netns_view *view);
int agent_send(struct agent *a, const struct request *rq);
int agent_wait(struct agent *a, struct result *res, int timeout_ms); /* times E2E_SLOW */
int agent_run(struct agent *a, const struct request *rq, struct result *res);
void agent_stop(struct agent *a);

/* ---- pool (pool.c): H1..H12 on 127.0.0.21-32, TCP port 9100, HTTP health port 9180 ---- */
#define POOL_PORT 9100
/* The serving thread; no server listens until pool_up. */
int pool_start(void);
const char *pool_addr(const char *name); /* NULL: no such server */
/* A listener (not served) at the TCP address of server name, in the caller's network
 * namespace: for the namespaces of agent_start_in. The fd, or -1. */
int pool_listen_at(const char *name, int backlog);
int pool_up(const char *name);   /* listen on both ports, /healthz answering 200 */
void pool_down(void);            /* every server stops listening on both ports */
int pool_kill(const char *name);   /* close the TCP listener: connects are refused */
int pool_revive(const char *name); /* listen again */
void pool_http_status(const char *name, int status);
unsigned long pool_hits(const char *name);

/* ---- what cases check with (checks.c; case_failed and agent are the runner's) ---- */
extern bool case_failed;
extern struct agent agent; /* in the attached cgroup */

#define expect(cond, ...)                                    \
	do {                                                 \
		if (!(cond)) {                               \
			case_failed = true;                  \
			printf("    failed: %s: ", #cond);   \
			printf(__VA_ARGS__);                 \
			printf("\n");                        \
		}                                            \
	} while (0)

struct request req(enum op op, int family, const char *alias, bool v6vip, bool mapped,
		   int port, int count);
/* count OP_TCP connects to alias:80 (IPv4) by the agent; all zero when it does not answer. */
struct result connects(const char *alias, int count);
/* alias:80 answers from backend name within timeout_ms (not scaled: cases assert on it). */
bool routes_to(const char *alias, const char *name, int timeout_ms);
/* Wait (bounded, times E2E_SLOW) until the log holds needle at least n times. */
void wait_log(const char *needle, int n, int timeout_ms);
/* sluicectl --json services, parsed (NULL on failure), and one service of it. */
struct json_t;
struct json_t *services_json(void);
struct json_t *service_named(struct json_t *root, const char *name);
/* The first object of array whose member key is the string value, or NULL. */
struct json_t *element_with(struct json_t *array, const char *key, const char *value);
/* One member of the config file set to value (taken), then SIGHUP; true once reloaded. */
bool reload_with(const char *key, struct json_t *value);
/* How many of count connects to alias:80 reach backend (the rest reach others or fail). */
int alias_hits(const char *alias, const char *backend, int count);
/* rm -rf path (a directory the test made); said on stderr when it fails. */
void rm_rf(const char *path);
/* Of 20 connects to alias, how many reach a or b. */
int either(const char *alias, const char *a, const char *b);
/* ms until alias reaches backend (checked every few ms), or -1 after timeout_ms. */
long reached_after(const char *alias, const char *backend, int timeout_ms);
/* ms until none of 20 connects to alias reaches backend, or -1 after timeout_ms. */
long gone_after(const char *alias, const char *backend, int timeout_ms);
/* The status file's (root's) failing part named name of any registry source, or NULL. */
struct json_t *failing_entry(struct json_t *root, const char *name);

#endif
