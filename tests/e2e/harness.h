/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* harness.h: the end-to-end test bench: a private netns, mount ns, bpffs and cgroups; the
 * daemon under test; backend servers; a client agent inside the attached cgroup. */
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
	char hosts[300];
	char log[300];
	char cgroup[300];   /* the attached cgroup (created here) */
	char cgroup2[300];  /* a second cgroup, attached by sluicectl in a test */
	char cg_root[256];  /* the cgroup2 mount */
	const char *sluiced, *sluicectl;
	pid_t daemon;
	int starts;         /* "ready" lines expected in the log */
};

extern struct bench B;

int bench_setup(const char *sluiced, const char *sluicectl);
void bench_cleanup(void);
int write_file(const char *path, const char *content);
/* Write via a temporary file and rename (how registry writers replace files). */
int replace_file(const char *path, const char *content);
char *read_file(const char *path);
/* Start sluiced and wait (bounded) until it logged readiness. */
int daemon_start(void);
/* Send sig and wait for exit; returns the exit status (or 128+signal). */
int daemon_stop(int sig);
bool daemon_alive(void);
/* Times the log contains needle. */
int log_count(const char *needle);
/* Run sluicectl with args (NULL-terminated); output (malloc'd) in *out. Exit status. */
int ctl(char **out, ...);
/* The VIP of alias name in the hosts file (v6: the IPv6 one). */
int vip_of(const char *name, bool v6, char *buf, size_t len);
unsigned long long now_ms(void);

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
/* Connections (TCP) or datagrams (UDP) a backend received so far. */
unsigned long backend_hits(const char *name);

enum op {
	OP_TCP,   /* connect, read the backend's name, check getpeername */
	OP_UDPC,  /* connected UDP: send, receive, check source and getpeername */
	OP_UDPU,  /* unconnected UDP: sendto, recvfrom, check source */
	OP_TCP_LOOP, /* connects for duration_ms, counting failures */
	OP_TCP_HOLD, /* as OP_TCP, then getpeername again after duration_ms */
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
int agent_send(struct agent *a, const struct request *rq);
int agent_wait(struct agent *a, struct result *res, int timeout_ms);
int agent_run(struct agent *a, const struct request *rq, struct result *res);
void agent_stop(struct agent *a);

#endif
