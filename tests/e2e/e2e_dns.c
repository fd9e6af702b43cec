// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_dns.c: the DNS registry source against Knot in the test's network namespace, its zone
 * changed by dynamic updates (knsupdate) as Cloud Map changes Route 53 when tasks come and go. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"

#define DNS_ADDR "127.0.0.53"
#define ZONE "e2e.local"
#define MANY 20          /* records of the service answered 8 at a time */
#define REFRESH_MS 1000  /* the rows' refreshSeconds */
#define SEEN_MS 2500     /* a change is served within a refresh (jittered) and a reconcile */

static pid_t knot = -1;
static char knot_dir[400];

static const char zone_text[] =
	"$ORIGIN " ZONE ".\n"
	"$TTL 1\n"
	"@ SOA ns admin 1 60 60 600 1\n"
	"@ NS ns\n"
	"ns A " DNS_ADDR "\n"
	"orders SRV 1 1 9100 t1.orders\n"
	"orders SRV 1 1 9100 t2.orders\n"
	"t1.orders A 127.0.0.21\n"
	"t2.orders A 127.0.0.22\n"
	"st A 127.0.0.23\n"
	"late SRV 1 1 9100 l1.late\n"
	"l1.late A 127.0.0.25\n"
	"ext SRV 1 1 9100 x1.hosts.local.\n";

/* Targets in another zone: the answer carries no address for them, they are asked. */
static const char hosts_zone_text[] =
	"$ORIGIN hosts.local.\n"
	"$TTL 1\n"
	"@ SOA ns." ZONE ". admin 1 60 60 600 1\n"
	"@ NS ns." ZONE ".\n"
	"x1 A 127.0.0.25\n";

/* Run a program with stdin from text (NULL: none) and its output in the knot directory's
 * log; its exit status (-1 when it could not run). */
static int run(const char *text, char *const argv[])
{
	char log[512];
	int in[2], st = -1;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/tools.log", knot_dir);
	if (pipe(in))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(in[0], 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(in[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	if (pid > 0 && text && write(in[1], text, strlen(text)) != (ssize_t)strlen(text))
		st = -1;
	close(in[1]);
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return -1;
}

/* One dynamic update of zone: lines of knsupdate ("update add NAME TTL TYPE DATA"). */
static int update_zone(const char *zone, const char *lines)
{
	char script[8192 + 128];
	char *argv[] = { "knsupdate", NULL };

	snprintf(script, sizeof(script), "server " DNS_ADDR " 53\nzone %s.\n%ssend\n", zone, lines);
	return run(script, argv);
}

static int update(const char *lines)
{
	return update_zone(ZONE, lines);
}

static bool answers(void)
{
	char *argv[] = { "kdig", "@" DNS_ADDR, "+time=1", "+retry=0", ZONE, "SOA", NULL };

	return run(NULL, argv) == 0;
}

int dns_server_start(void)
{
	char conf[8192], path[512];
	int i;

	snprintf(knot_dir, sizeof(knot_dir), "%s/knot", B.dir);
	mkdir(knot_dir, 0700);
	snprintf(conf, sizeof(conf),
		 "server:\n  rundir: \"%s\"\n  listen: " DNS_ADDR "@53\n  udp-max-payload: 1232\n"
		 "  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n"
		 "log:\n  - target: stderr\n    any: warning\n"
		 "database:\n  storage: \"%s/db\"\n"
		 "acl:\n  - id: update\n    address: 127.0.0.0/8\n    action: update\n"
		 "template:\n  - id: default\n    storage: \"%s\"\n    zonefile-sync: -1\n"
		 "    zonefile-load: whole\n    journal-content: none\n"
		 "zone:\n  - domain: " ZONE "\n    file: \"" ZONE ".zone\"\n    acl: update\n"
		 "  - domain: hosts.local\n    file: \"hosts.local.zone\"\n    acl: update\n",
		 knot_dir, knot_dir, knot_dir);
	snprintf(path, sizeof(path), "%s/knot.conf", knot_dir);
	if (write_file(path, conf))
		return -1;
	snprintf(path, sizeof(path), "%s/" ZONE ".zone", knot_dir);
	if (write_file(path, zone_text))
		return -1;
	snprintf(path, sizeof(path), "%s/hosts.local.zone", knot_dir);
	if (write_file(path, hosts_zone_text))
		return -1;
	knot = fork();
	if (knot == 0) {
		char logp[512];
		int fd;

		snprintf(logp, sizeof(logp), "%s/knotd.log", knot_dir);
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		snprintf(path, sizeof(path), "%s/knot.conf", knot_dir);
		execlp("knotd", "knotd", "-c", path, (char *)NULL);
		_exit(127);
	}
	for (i = 0; knot > 0 && i < 50; i++) {
		if (answers())
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "    knotd does not answer on " DNS_ADDR " (see %s/knotd.log)\n", knot_dir);
	dns_server_stop();
	return -1;
}

void dns_server_stop(void)
{
	if (knot <= 0)
		return;
	kill(knot, SIGKILL); /* a stopped one too, without answering what it holds */
	waitpid(knot, NULL, 0);
	knot = -1;
}

/* Tasks start and stop as Cloud Map writes them: SRV 1 1 PORT ID.SERVICE.NAMESPACE and the
 * target's A record; an A-record service with the config's port; NXDOMAIN refuses. */
void t_dns_tasks(void)
{
	struct result res;
	long ms;

	expect(routes_to("orders", "H1", 2000) && routes_to("orders", "H2", 2000),
	       "orders does not reach its two tasks");
	expect(routes_to("st", "H3", 2000), "the A-record service st does not reach H3");

	/* A task starts: its A record, then its SRV record (Cloud Map's order). */
	expect(!update("update add t4.orders." ZONE ". 1 A 127.0.0.24\n"
		       "update add orders." ZONE ". 1 SRV 1 1 9100 t4.orders." ZONE ".\n"),
	       "knsupdate");
	ms = reached_after("orders", "H4", SEEN_MS);
	expect(ms >= 0, "a task that started is not reached within %d ms", SEEN_MS);
	printf("    a task that started served after %ld ms (refreshSeconds 1)\n", ms);

	/* A task stops: its records go. */
	expect(!update("update delete orders." ZONE ". SRV 1 1 9100 t1.orders." ZONE ".\n"
		       "update delete t1.orders." ZONE ". A\n"), "knsupdate");
	ms = gone_after("orders", "H1", SEEN_MS);
	expect(ms >= 0, "a task that stopped still gets connects after %d ms", SEEN_MS);
	printf("    a task that stopped got no connect after %ld ms\n", ms);
	res = connects("orders", 20);
	expect(count_of(&res, "H2") + count_of(&res, "H4") == 20,
	       "the others do not serve: H2 %d, H4 %d, H1 %d, %d failed (errno %d)",
	       count_of(&res, "H2"), count_of(&res, "H4"), count_of(&res, "H1"), res.failed,
	       res.last_errno);

	/* The A-record service: a second address. */
	expect(!update("update add st." ZONE ". 1 A 127.0.0.26\n"), "knsupdate");
	expect(reached_after("st", "H6", SEEN_MS) >= 0, "st's second address is not reached");

	/* A target in another zone: its address is asked, at each refresh. */
	expect(routes_to("ext", "H5", 2000), "ext (its target's address asked) does not reach H5");
	expect(!update_zone("hosts.local", "update delete x1.hosts.local. A\n"
			    "update add x1.hosts.local. 1 A 127.0.0.26\n"), "knsupdate");
	expect(reached_after("ext", "H6", SEEN_MS) >= 0, "ext does not follow its target's address");

	/* Every task gone: the name is NXDOMAIN, the service refuses. */
	expect(!update("update delete orders." ZONE ". SRV\n"
		       "update delete t2.orders." ZONE ". A\n"
		       "update delete t4.orders." ZONE ". A\n"), "knsupdate");
	wait_log("orders." ZONE " SRV: NXDOMAIN: no instances", 1, SEEN_MS);
	expect(log_count("orders." ZONE " SRV: NXDOMAIN: no instances") == 1, "NXDOMAIN not said");
	usleep(200000);
	res = connects("orders", 3);
	expect(res.ok == 0 && res.failed == 3 && res.last_errno == ECONNREFUSED,
	       "orders does not refuse after NXDOMAIN (%d ok, errno %d)", res.ok, res.last_errno);

	/* A task starts again: served again. */
	expect(!update("update add t5.orders." ZONE ". 1 A 127.0.0.21\n"
		       "update add orders." ZONE ". 1 SRV 1 1 9100 t5.orders." ZONE ".\n"),
	       "knsupdate");
	expect(reached_after("orders", "H1", SEEN_MS) >= 0, "orders does not serve again");
}

/* Wait (bounded) until the status file lists name as failing; the document (or NULL). */
static json_t *status_failing(const char *name, int timeout_ms)
{
	unsigned long long end = now_ms() + timeout_ms;
	json_t *root;

	do {
		root = json_load_file(status_file(), 0, NULL);
		if (root && failing_entry(root, name))
			return root;
		json_decref(root);
		usleep(50000);
	} while (now_ms() < end);
	return NULL;
}

/* The server stops answering (SIGSTOP: queries time out), then is killed (refused): the last
 * good set keeps serving, the status says which names fail, since when and why; each cause
 * is logged once; answering again, it is said. */
void t_dns_server_down(void)
{
	const char *timeout_line = "orders." ZONE " SRV: timeout; keeping its last good set";
	json_t *root, *e;
	char *out = NULL;

	expect(routes_to("orders", "H1", 2000) && routes_to("orders", "H2", 2000),
	       "orders does not reach its two tasks");
	kill(knot, SIGSTOP);
	root = status_failing("orders." ZONE " SRV", 4000);
	expect(root, "the status does not list orders as failing");
	e = root ? failing_entry(root, "orders." ZONE " SRV") : NULL;
	expect(e && !strcmp(json_string_value(json_object_get(e, "error")) ?: "", "timeout"),
	       "the status's error is not the timeout");
	expect(e && json_is_string(json_object_get(e, "lastSuccess")), "no lastSuccess");
	expect(e && json_integer_value(json_object_get(e, "instances")) == 2,
	       "the status does not count the 2 instances kept");
	json_decref(root);
	usleep(3 * REFRESH_MS * 1000); /* refreshes keep failing */
	expect(log_count(timeout_line) == 1, "the timeout was said %d times, not once",
	       log_count(timeout_line));
	expect(either("orders", "H1", "H2") == 20,
	       "the last good set does not serve while the server is silent");
	expect(ctl(&out, "--config", B.config, "status", NULL) == 1,
	       "sluicectl status does not say degraded");
	expect(out && strstr(out, "degraded: registry dns " DNS_ADDR ": no name answers"),
	       "sluicectl status: %s", out ? out : "");
	free(out);

	/* Killed: connects are refused at once (ICMP), a new cause, said once. */
	dns_server_stop();
	wait_log("orders." ZONE " SRV: connection refused", 1, 3000);
	expect(log_count("orders." ZONE " SRV: connection refused") == 1,
	       "the server's death is not said once");
	expect(either("orders", "H1", "H2") == 20,
	       "the last good set does not serve with the server dead");

	/* Back: answers again. */
	expect(!dns_server_start(), "knot does not start again");
	wait_log("orders." ZONE " SRV: answers again", 1, 3000);
	expect(log_count("orders." ZONE " SRV: answers again") == 1, "answering again not said");
	expect(!status_failing("orders." ZONE " SRV", 500), "still listed as failing");
}

/* The records of the service "many": the targets of indexes idx[0..n). */
static void many_lines(char *buf, size_t len, const int *idx, size_t n)
{
	size_t off = 0, i;

	off += (size_t)snprintf(buf + off, len - off, "update delete many." ZONE ". SRV\n");
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off,
					"update add many." ZONE ". 1 SRV 1 1 9100 %032d.many." ZONE ".\n",
					idx[i]);
}

static size_t backends_of(const char *service)
{
	json_t *root = services_json();
	size_t n = json_array_size(json_object_get(service_named(root, service), "backends"));

	json_decref(root);
	return n;
}

/* A service of 20 answered as Route 53's multivalue answers: 8 records at a time, a random
 * subset each time the records change: its 20 backends stay, and the maps are not touched.
 * Instance ids of 32 characters, as ECS task ids: the first answer, all 20 with their
 * addresses, does not fit 1232 bytes over UDP: it is truncated and asked again over TCP (a
 * truncated answer is never taken). */
void t_dns_subsets(void)
{
	char lines[8192];
	int all[MANY], pick[8], i, k, updates, before;
	unsigned seed = 1;
	size_t off = 0;

	for (i = 0; i < MANY; i++) {
		all[i] = i + 1;
		off += (size_t)snprintf(lines + off, sizeof(lines) - off,
					"update add %032d.many." ZONE ". 1 A 127.0.1.%d\n", i + 1, i + 1);
	}
	expect(!update(lines), "knsupdate (targets)");
	many_lines(lines, sizeof(lines), all, MANY); /* all 20 at first (a TCP answer) */
	before = log_count("maps updated");
	expect(!update(lines), "knsupdate (20 records)");
	for (i = 0; i < 40 && backends_of("many") != MANY; i++)
		usleep(100000);
	expect(backends_of("many") == MANY, "many has %zu backends, not 20", backends_of("many"));
	/* The maps are written before their log line: count from the line of that write. */
	wait_log("maps updated", before + 1, 2000);
	updates = log_count("maps updated");
	for (i = 0; i < 16; i++) { /* 8 s: about 8 refreshes, each a new random 8 */
		for (k = 0; k < 8; k++) {
			int j = k + rand_r(&seed) % (MANY - k), t = all[k];

			all[k] = all[j];
			all[j] = t;
			pick[k] = all[k];
		}
		many_lines(lines, sizeof(lines), pick, 8);
		expect(!update(lines), "knsupdate (8 of 20)");
		usleep(500000);
	}
	expect(backends_of("many") == MANY, "many flapped: %zu backends", backends_of("many"));
	expect(log_count("maps updated") == updates, "the maps were written %d times while the "
	       "answers were subsets", log_count("maps updated") - updates);
}

/* A reload that adds a service: the source kept, it asks the new name too; one that removes a
 * service (its queries may be under way) forgets it. */
void t_dns_reload(void)
{
	static const char late[] = "{'discoveryName': 'late', 'clientAliases': [{'port': 80}]}";
	char vip[64];
	int i;

	expect(routes_to("orders", "H1", 2000), "orders does not serve");
	expect(!write_config(NULL, late), "write config");
	daemon_signal(SIGHUP);
	for (i = 0; i < 300 && vip_of("late", false, vip, sizeof(vip)); i++)
		usleep(10000);
	expect(reached_after("late", "H5", SEEN_MS) >= 0, "the service added is not asked");
	expect(log_count("registry: 1 source now") == 0, "the DNS source was opened anew");
	expect(either("orders", "H1", "H2") == 20, "orders changed");
	expect(!write_config("orders", late), "write config");
	daemon_signal(SIGHUP);
	wait_log("alias orders: vip", 1, 3000); /* released */
	usleep(2 * REFRESH_MS * 1000);
	expect(alias_hits("late", "H5", 10) == 10, "late does not serve after orders went");
	expect(daemon_alive(), "sluiced died forgetting a service");
}
