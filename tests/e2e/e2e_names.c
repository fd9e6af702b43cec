// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_names.c: names without mounts: a task's resolver (dnsmasq, started here, with records
 * of its own) asked through glibc, musl, kdig and python; aliases answered by sluiced's answerer,
 * everything else by dnsmasq, over UDP and TCP; a SIGKILLed sluiced leaves DNS working. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"

#define SERVER "127.0.0.54"     /* the task's DNS server (dnsmasq) */
#define TRAP4 "10.6.6.6"        /* dnsmasq's own answer for the alias name: seen only when
				 * sluice does not answer */
#define EXT4 "10.9.8.7"
#define EXT6 "fd00:e2e::7"
#define BIG_STRINGS 6           /* TXT strings of 200 bytes: a ~1,250-byte answer */
#define CMD_TIMEOUT "10"        /* seconds a tool may take (timeout(1)) */
#define CMD_OUT 16384

static pid_t dnsmasq = -1;
static pid_t holder = -1;  /* a task's long-lived process in the task's own netns */
static int task_ns = -1;   /* that netns (the one dnsmasq made), or -1: the bench's */
static bool resolv_mounted;
static char other_cg[320];  /* the second namespace's task (two namespaces) */
static const char *task_cg; /* the cgroup in_task runs in: B.cgroup unless set */

/* dnsmasq on SERVER:53 with its own records, and /etc/resolv.conf (in the bench's mount
 * namespace) naming it. */
static int start_server(bool own_netns)
{
	char resolv[400], big[BIG_STRINGS * 204 + 64], *p = big;
	int i;

	p += sprintf(p, "--txt-record=big.test");
	for (i = 0; i < BIG_STRINGS; i++) {
		*p++ = ',';
		memset(p, 'a' + i, 200);
		p += 200;
	}
	*p = '\0';
	dnsmasq = fork();
	if (dnsmasq == 0) {
		if (own_netns && (unshare(CLONE_NEWNET) || lo_up()))
			_exit(126);
		execlp("dnsmasq", "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
		       "--no-daemon", "--bind-interfaces", "--listen-address=" SERVER, "--port=53",
		       "--user=root", "--pid-file", "--conf-file=/dev/null",
		       "--host-record=ext.test," EXT4 "," EXT6, "--host-record=orders," TRAP4,
		       "--address=/nx.test/", "--edns-packet-max=4096", big,
		       "--log-facility=/dev/null", (char *)NULL);
		_exit(127);
	}
	if (dnsmasq < 0)
		return -1;
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", B.dir);
	if (write_file(resolv, "nameserver " SERVER "\noptions timeout:1 attempts:3\n") ||
	    mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL)) {
		fprintf(stderr, "e2e: names: /etc/resolv.conf: %s\n", strerror(errno));
		return -1;
	}
	resolv_mounted = true;
	usleep(200000); /* dnsmasq binds at once; the checks below wait for answers anyway */
	if (own_netns) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)dnsmasq);
		task_ns = open(path, O_RDONLY | O_CLOEXEC);
		if (task_ns < 0)
			return -1;
	}
	return 0;
}

int names_before(void)
{
	return start_server(false);
}

/* dnsmasq and the task in a network namespace of their own (as a container's). */
int names_netns_before(void)
{
	return start_server(true);
}

void names_after(void)
{
	task_cg = NULL;
	if (other_cg[0])
		rmdir(other_cg);
	other_cg[0] = '\0';
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	holder = -1;
	if (task_ns >= 0)
		close(task_ns);
	task_ns = -1;
	if (resolv_mounted)
		umount2("/etc/resolv.conf", MNT_DETACH);
	resolv_mounted = false;
	if (dnsmasq > 0) {
		kill(dnsmasq, SIGTERM);
		waitpid(dnsmasq, NULL, 0);
	}
	dnsmasq = -1;
}

/* A child in the attached cgroup and the task's network namespace (a task's process). */
static pid_t task_fork(void)
{
	char procs[400];
	pid_t pid;
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", task_cg ? task_cg : B.cgroup);
	pid = fork();
	if (pid)
		return pid;
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1 || (task_ns >= 0 && setns(task_ns, CLONE_NEWNET)))
		_exit(126);
	close(fd);
	return 0;
}

/* Run argv in the attached cgroup (a task), its output in out; its exit status. */
static int in_task(char *out, size_t len, char *const argv[])
{
	int pipefd[2], st = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (pipe(pipefd))
		return -1;
	pid = task_fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && got + 1 < len && (n = read(pipefd[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pipefd[0]);
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return -1;
}

#define TASK(out, ...) in_task(out, CMD_OUT, (char *const[]){ "timeout", CMD_TIMEOUT, __VA_ARGS__, NULL })

/* kdig's short answer to a question, as the task asks its server. */
static int dig(char *out, const char *name, const char *type, const char *opt)
{
	return TASK(out, "kdig", "+short", (char *)opt, "@" SERVER, (char *)name, (char *)type);
}

/* The musl program beside the e2e binary (make builds it there), or "" when it cannot be
 * found. */
static const char *musl_resolver(void)
{
	static char path[4096];
	ssize_t n;
	char *slash;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return "";
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return "";
	strcpy(slash + 1, "resolve-musl");
	return path;
}

/* musl's getaddrinfo of name (family "4" or "6") in the task, its output in out. */
static int musl(char *out, const char *name, const char *family)
{
	expect(access(musl_resolver(), X_OK) == 0, "no musl resolver at %s (make builds it with "
	       "musl-gcc: musl-tools, deploy/install-deps.sh)", musl_resolver());
	return TASK(out, (char *)musl_resolver(), (char *)name, (char *)family);
}

/* The answerers opened (one per network namespace a task uses) at least n. */
static bool answering(int n)
{
	wait_log("names: answering DNS in network namespace", n, slow_ms(5000));
	return log_count("names: answering DNS in network namespace") >= n;
}

/* Ask until an answer has want in it, for at most timeout_ms (the answer is printed on
 * failure). */
static bool answers(char *out, const char *name, const char *want, int timeout_ms)
{
	unsigned long long end = now_ms() + (unsigned long long)timeout_ms;

	do {
		if (dig(out, name, "A", "+notcp") == 0 && strstr(out, want))
			return true;
		usleep(100000);
	} while (now_ms() < end);
	return false;
}

/* A sample of sluiced's /metrics (its default endpoint), or -1. */
static double metric(const char *series)
{
	FILE *f = popen("curl -s --max-time 5 http://127.0.0.1:9810/metrics", "r");
	char line[512];
	double v = -1;
	size_t n = strlen(series);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, series, n) && line[n] == ' ')
			v = strtod(line + n + 1, NULL);
	pclose(f);
	return v;
}

void t_names_dns(void)
{
	char *out = malloc(CMD_OUT), vip4[64], vip6[64];

	if (!out)
		return;
	expect(!vip_of("orders", false, vip4, sizeof(vip4)) &&
	       !vip_of("orders", true, vip6, sizeof(vip6)), "orders has no VIPs");
	expect(answering(1), "no answerer");
	/* glibc through nsswitch (getent hosts: IPv6 first; getaddrinfo's AI_ADDRCONFIG would
	 * see no address but loopback here) */
	expect(TASK(out, "getent", "hosts", "orders") == 0 && strstr(out, vip6),
	       "getent hosts orders: %s (want %s)", out, vip6);
	expect(TASK(out, "getent", "hosts", "orders.e2e.local") == 0 && strstr(out, vip6),
	       "getent hosts orders.e2e.local: %s (want %s)", out, vip6);
	expect(TASK(out, "python3", "-c", "import socket; print(socket.getaddrinfo('orders', 80, "
		    "socket.AF_INET, socket.SOCK_STREAM)[0][4][0])") == 0 && strstr(out, vip4),
	       "python getaddrinfo orders: %s (want %s)", out, vip4);
	/* musl: A and AAAA together on one unconnected UDP socket (sendmsg and recvmsg) */
	expect(musl(out, "orders", "4") == 0 && strstr(out, vip4), "musl orders: %s (want %s)",
	       out, vip4);
	expect(musl(out, "orders.e2e.local", "6") == 0 && strstr(out, vip6),
	       "musl orders.e2e.local AAAA: %s (want %s)", out, vip6);
	expect(musl(out, "ext.test", "4") == 0 && strstr(out, EXT4), "musl ext.test: %s", out);
	/* kdig: UDP and TCP, A, AAAA, NODATA for another type, any case */
	expect(dig(out, "orders", "A", "+notcp") == 0 && strstr(out, vip4) && !strstr(out, TRAP4),
	       "kdig orders A: %s", out);
	expect(dig(out, "OrDeRs.E2E.LOCAL", "AAAA", "+tcp") == 0 && strstr(out, vip6),
	       "kdig +tcp orders.e2e.local AAAA: %s", out);
	expect(dig(out, "orders", "MX", "+notcp") == 0 && out[0] == '\0',
	       "kdig orders MX: %s (want NODATA)", out);
	/* other names: the task's own server's answers */
	expect(dig(out, "ext.test", "A", "+notcp") == 0 && strstr(out, EXT4), "kdig ext.test: %s",
	       out);
	expect(dig(out, "ext.test", "AAAA", "+tcp") == 0 && strstr(out, EXT6),
	       "kdig +tcp ext.test AAAA: %s", out);
	expect(TASK(out, "getent", "hosts", "ext.test") == 0 && strstr(out, EXT6),
	       "getent hosts ext.test: %s", out);
	expect(TASK(out, "kdig", "@" SERVER, "no.nx.test", "A") == 0 && strstr(out, "NXDOMAIN"),
	       "kdig no.nx.test: %s", out);
	/* a ~1,250-byte answer: in one datagram with EDNS, truncated without (kdig retries over
	 * TCP), and the TC flag kept when it does not */
	expect(TASK(out, "kdig", "+bufsize=1400", "+notcp", "@" SERVER, "big.test", "TXT") == 0 &&
	       strstr(out, "ffffffff") && strstr(out, "aaaaaaaa") && !strstr(out, " TC"),
	       "kdig big.test TXT over UDP: %s", out);
	expect(TASK(out, "kdig", "+ignore", "+notcp", "@" SERVER, "big.test", "TXT") == 0 &&
	       strstr(out, " tc"), "kdig big.test TXT without EDNS: no TC flag: %s", out);
	expect(TASK(out, "kdig", "@" SERVER, "big.test", "TXT") == 0 &&
	       strstr(out, "ffffffff") && strstr(out, "TCP"),
	       "kdig big.test TXT: no retry over TCP: %s", out);
	/* the other names went through the answerer too (forwarded), none lost or unknown */
	expect(metric("sluice_names_queries_total{result=\"answered\"}") >= 6,
	       "answered: %g", metric("sluice_names_queries_total{result=\"answered\"}"));
	expect(metric("sluice_names_queries_total{result=\"forwarded\"}") >= 6,
	       "forwarded: %g", metric("sluice_names_queries_total{result=\"forwarded\"}"));
	expect(metric("sluice_names_queries_total{result=\"unknown_client\"}") == 0 &&
	       metric("sluice_names_queries_total{result=\"dropped\"}") == 0,
	       "unknown clients or dropped queries");
	expect(metric("sluice_names_network_namespaces") == 1, "answering in %g namespaces",
	       metric("sluice_names_network_namespaces"));
	free(out);
}

/* The task in a network namespace of its own: the answerer enters it; an alias added while the
 * task runs answers at once; after SIGKILL of sluiced, the lease runs out and the task's DNS
 * goes to its own server again (the alias name then gets dnsmasq's own answer). */
void t_names_netns(void)
{
	char *out = malloc(CMD_OUT), vip4[64];
	int i;

	if (!out)
		return;
	holder = task_fork();
	if (holder == 0) {
		execlp("sleep", "sleep", "120", (char *)NULL);
		_exit(127);
	}
	/* one answerer for the bench's namespace (the agent's), one for the task's */
	expect(answering(2), "no answerer in the task's network namespace");
	expect(!vip_of("orders", false, vip4, sizeof(vip4)), "orders has no VIP");
	expect(dig(out, "orders", "A", "+notcp") == 0 && strstr(out, vip4), "kdig orders: %s",
	       out);
	expect(dig(out, "ext.test", "AAAA", "+tcp") == 0 && strstr(out, EXT6),
	       "kdig +tcp ext.test AAAA: %s", out);
	expect(TASK(out, "getent", "hosts", "ext.test") == 0 && strstr(out, EXT6),
	       "getent hosts ext.test: %s", out);
	expect(musl(out, "orders", "4") == 0 && strstr(out, vip4), "musl orders: %s", out);
	/* an alias added while the task runs */
	expect(dig(out, "late", "A", "+notcp") == 0 && !strstr(out, "127.255."),
	       "late answered before it was added: %s", out);
	expect(!write_config(NULL, "{'discoveryName': 'late', 'clientAliases': [{'port': 80}]}") &&
	       !daemon_signal(SIGHUP), "reload");
	for (i = 0; i < 50 && vip_of("late", false, vip4, sizeof(vip4)); i++)
		usleep((useconds_t)slow_ms(100) * 1000); /* the hosts file follows the maps */
	expect(!vip_of("late", false, vip4, sizeof(vip4)), "late has no VIP");
	expect(answers(out, "late", vip4, slow_ms(2000)), "kdig late: %s (want %s)", out, vip4);
	/* SIGKILL: within the lease, queries go to dnsmasq again */
	expect(daemon_stop(SIGKILL) == 128 + SIGKILL, "kill -9");
	expect(answers(out, "orders", TRAP4, slow_ms(10000)),
	       "after SIGKILL, orders is not dnsmasq's own (%s): the redirect stayed", out);
	expect(dig(out, "ext.test", "A", "+notcp") == 0 && strstr(out, EXT4),
	       "after SIGKILL: kdig ext.test: %s", out);
	expect(TASK(out, "getent", "hosts", "ext.test") == 0 && strstr(out, EXT6),
	       "after SIGKILL: getent hosts ext.test: %s", out);
	free(out);
}

/* The config made two namespaces: the base one, and other.local (orders too, from another
 * range; names.dns as given) whose task is other_cg. */
static bool two_namespaces(bool other_dns)
{
	json_t *cfg = json_load_file(B.config, 0, NULL), *first, *second;
	int ready = log_count("ready: ");
	char *text;
	bool ok;

	if (!cfg)
		return false;
	if (json_object_get(cfg, "namespaces")) { /* made already: other.local's names changed */
		second = json_array_get(json_object_get(cfg, "namespaces"), 1);
		json_object_set_new(second, "names", json_pack("{s:b}", "dns", other_dns));
		goto write;
	}
	first = json_pack("{s:O, s:O, s:O, s:O}", "namespace", json_object_get(cfg, "namespace"),
			  "services", json_object_get(cfg, "services"), "registry",
			  json_object_get(cfg, "registry"), "hostsFile",
			  json_object_get(cfg, "hostsFile"));
	second = json_pack("{s:s, s:s, s:{s:b}, s:s, s:[{s:s, s:[{s:i}]}]}", "namespace",
			   "other.local", "vipCidr", "127.254.0.0/16", "names", "dns", other_dns,
			   "hostsFile", "/dev/null/none", "services", "discoveryName", "orders",
			   "clientAliases", "port", 80);
	json_object_set_new(second, "hostsFile", json_sprintf("%s/other-hosts", B.dir));
	json_object_del(cfg, "namespace");
	json_object_del(cfg, "services");
	json_object_del(cfg, "registry");
	json_object_del(cfg, "hostsFile");
	json_object_set_new(cfg, "cgroups", json_pack("[s, {s:s, s:s}]", B.cgroup, "path",
						     other_cg, "namespace", "other.local"));
	json_object_set_new(cfg, "namespaces", json_pack("[o, o]", first, second));
write:
	text = json_dumps(cfg, JSON_INDENT(2));
	json_decref(cfg);
	ok = text && !replace_file(B.config, text) && !daemon_signal(SIGHUP);
	free(text);
	wait_log("ready: ", ready + 1, slow_ms(5000));
	return ok && log_count("ready: ") == ready + 1;
}

/* Two namespaces' tasks in one network namespace (the bench's): each gets its own
 * namespace's orders, neither the other's long name; names.dns off for one leaves its DNS
 * alone (dnsmasq's own answer) and the other's answered. */
void t_names_two_namespaces(void)
{
	char *out = malloc(CMD_OUT), vip4[64];

	if (!out)
		return;
	snprintf(other_cg, sizeof(other_cg), "%s/sluice-e2e-%d-names", B.cg_root, (int)getpid());
	expect(!mkdir(other_cg, 0755), "mkdir %s: %s", other_cg, strerror(errno));
	expect(!vip_of("orders", false, vip4, sizeof(vip4)), "orders has no VIP");
	expect(two_namespaces(true), "the reload to two namespaces");
	expect(answering(1), "no answerer");
	expect(answers(out, "orders", vip4, slow_ms(3000)), "e2e.local's task: orders %s (want %s)",
	       out, vip4);
	expect(dig(out, "orders.other.local", "A", "+notcp") == 0 && !strstr(out, "127.254."),
	       "e2e.local's task got other.local's alias: %s", out);
	task_cg = other_cg;
	expect(answers(out, "orders", "127.254.", slow_ms(3000)),
	       "other.local's task: orders %s (want its own, in 127.254.0.0/16)", out);
	expect(dig(out, "orders.other.local", "AAAA", "+tcp") == 0 && !strstr(out, TRAP4),
	       "other.local's task: orders.other.local AAAA: %s", out);
	expect(dig(out, "ext.test", "A", "+notcp") == 0 && strstr(out, EXT4),
	       "other.local's task: ext.test %s", out);
	/* names off for other.local: its task's DNS goes to dnsmasq untouched */
	expect(two_namespaces(false), "the reload with names off for other.local");
	expect(answers(out, "orders", TRAP4, slow_ms(3000)),
	       "other.local's task with names off: orders %s (want dnsmasq's %s)", out, TRAP4);
	task_cg = NULL;
	expect(answers(out, "orders", vip4, slow_ms(3000)), "e2e.local's task: orders %s", out);
	free(out);
}
