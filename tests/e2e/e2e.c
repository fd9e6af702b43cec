// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e.c: end-to-end tests of sluice against the real kernel: real sockets, cgroups, servers
 * and daemon, table-driven like the kernel's prog_tests/sock_addr.c. Needs root. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "harness.h"
#include "sluice.h"

static int passed, failed_cases;
bool case_failed;
struct agent agent;

void run_case(const char *name, void (*fn)(void))
{
	case_failed = false;
	fn();
	if (case_failed) {
		failed_cases++;
		printf("not ok - %s\n", name);
	} else {
		passed++;
		printf("ok - %s\n", name);
	}
	fflush(stdout);
}

/* ---- inputs ---- */

static const char *config_fmt =
	"{\n"
	"  \"namespace\": \"e2e.local\",\n"
	"  \"vipCidr\": \"127.255.0.0/16\",\n"
	"  \"vipCidr6\": \"fd00:5c1c::/64\",\n"
	"  \"registry\": {\"file\": \"%s\"},\n"
	"  \"bpffs\": \"%s\",\n"
	"  \"hostsFile\": \"%s\",\n"
	"  \"stateFile\": \"%s/state/state.json\",\n"
	"  \"cgroups\": [\"%s\"],\n"
	"  \"services\": [\n"
	"    {\"discoveryName\": \"web\", \"clientAliases\": [{\"dnsName\": \"web\", \"port\": 80}]},\n"
	"    {\"discoveryName\": \"web6\", \"protocol\": \"both\", \"clientAliases\": [{\"port\": 80}]},\n"
	"    {\"discoveryName\": \"dns\", \"protocol\": \"udp\", \"clientAliases\": [{\"port\": 53}]},\n"
	"    {\"discoveryName\": \"split\", \"clientAliases\": [{\"port\": 80}]},\n"
	"    {\"discoveryName\": \"dead\", \"protocol\": \"both\", \"panicThresholdPercent\": 0,\n"
	"     \"clientAliases\": [{\"port\": 80}]},\n"
	"%s"
	"    {\"discoveryName\": \"moving\", \"clientAliases\": [{\"port\": 80}]}%s\n"
	"  ]\n"
	"}\n";

static const char *extra_service =
	",\n    {\"discoveryName\": \"extra\", \"clientAliases\": [{\"port\": 8080}]}";

static int write_config(bool extra)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), config_fmt, B.registry, B.bpffs, B.hosts, B.dir, B.cgroup,
		 health_services, extra ? extra_service : "");
	return write_file(B.config, buf);
}

static const char *instance_fmt =
	"{\"InstanceId\": \"%s\", \"NamespaceName\": \"e2e.local\", \"ServiceName\": \"%s\", "
	"\"HealthStatus\": \"%s\", \"Attributes\": {\"%s\": \"%s\", \"AWS_INSTANCE_PORT\": \"%d\"%s}}";

static void add_instance(char *buf, size_t len, const char *id, const char *service,
			 const char *health, const char *backend, const char *weight)
{
	size_t i, off = strlen(buf);
	char wattr[64] = "";

	for (i = 0; i < nbackends; i++)
		if (!strcmp(backends[i].name, backend))
			break;
	if (weight)
		snprintf(wattr, sizeof(wattr), ", \"weight\": \"%s\"", weight);
	snprintf(buf + off, len - off, "%s", off > 20 ? ",\n  " : "\n  ");
	off = strlen(buf);
	snprintf(buf + off, len - off, instance_fmt, id, service, health,
		 strchr(backends[i].addr, ':') ? "AWS_INSTANCE_IPV6" : "AWS_INSTANCE_IPV4",
		 backends[i].addr, backends[i].port, wattr);
}

static int write_registry(const char *moving_to)
{
	char buf[8192] = "{\"Instances\": [", path[400];

	add_instance(buf, sizeof(buf), "w1", "web", "HEALTHY", "B1", NULL);
	add_instance(buf, sizeof(buf), "w6", "web6", "HEALTHY", "B6", NULL);
	add_instance(buf, sizeof(buf), "d1", "dns", "UNKNOWN", "B2", NULL);
	add_instance(buf, sizeof(buf), "s1", "split", "HEALTHY", "B3", "1");
	add_instance(buf, sizeof(buf), "s2", "split", "HEALTHY", "B4", "3");
	add_instance(buf, sizeof(buf), "x1", "dead", "UNHEALTHY", "B5", NULL);
	add_instance(buf, sizeof(buf), "m1", "moving", "HEALTHY", moving_to, NULL);
	add_instance(buf, sizeof(buf), "e1", "extra", "HEALTHY", "B2", NULL);
	strcat(buf, "\n], \"InstancesRevision\": 1}\n");
	snprintf(path, sizeof(path), "%s/main.json", B.registry);
	return replace_file(path, buf);
}

/* ---- cases ---- */

static void t_hosts_file(void)
{
	char *hosts = read_file(B.hosts), vip[64];

	expect(hosts != NULL, "no hosts file at %s", B.hosts);
	if (!hosts)
		return;
	expect(strstr(hosts, "127.0.0.1\tlocalhost"), "no localhost line:\n%s", hosts);
	expect(strstr(hosts, "\tweb web.e2e.local\n"), "no web line:\n%s", hosts);
	expect(!vip_of("web", false, vip, sizeof(vip)) && !strncmp(vip, "127.255.", 8),
	       "web VIP %s not in 127.255.0.0/16", vip);
	expect(!vip_of("web", true, vip, sizeof(vip)) && !strncmp(vip, "fd00:5c1c::", 11),
	       "web IPv6 VIP %s not in fd00:5c1c::/64", vip);
	free(hosts);
}

static const struct route_case {
	const char *name;
	enum op op;
	int family;
	const char *alias;
	bool v6vip, mapped;
	int port;
	const char *backend;
} route_cases[] = {
	{ "tcp4 connect to VIP", OP_TCP, AF_INET, "web", false, false, 80, "B1" },
	{ "tcp6 connect to IPv6 VIP, IPv6 backend", OP_TCP, AF_INET6, "web6", true, false, 80, "B6" },
	{ "tcp6 connect to IPv6 VIP, IPv4 backend as v4-mapped", OP_TCP, AF_INET6, "web", true,
	  false, 80, "B1" },
	{ "tcp6 connect to v4-mapped VIP (dual-stack)", OP_TCP, AF_INET6, "web", false, true, 80,
	  "B1" },
	{ "udp4 connected", OP_UDPC, AF_INET, "dns", false, false, 53, "B2" },
	{ "udp4 unconnected", OP_UDPU, AF_INET, "dns", false, false, 53, "B2" },
	{ "udp6 connected", OP_UDPC, AF_INET6, "web6", true, false, 80, "B6" },
	{ "udp6 unconnected", OP_UDPU, AF_INET6, "web6", true, false, 80, "B6" },
	{ "udp6 unconnected to v4-mapped VIP", OP_UDPU, AF_INET6, "dns", false, true, 53, "B2" },
};

static const struct route_case *cur_route;

static void t_route(void)
{
	const struct route_case *c = cur_route;
	struct request rq = req(c->op, c->family, c->alias, c->v6vip, c->mapped, c->port, 20);
	unsigned long before = backend_hits(c->backend);
	struct result res;

	expect(!agent_run(&agent, &rq, &res), "agent did not answer");
	expect(res.ok == 20 && res.failed == 0, "%d ok, %d failed (errno %d: %s)", res.ok,
	       res.failed, res.last_errno, strerror(res.last_errno));
	expect(count_of(&res, c->backend) == 20, "%d of 20 answered by %s", count_of(&res, c->backend),
	       c->backend);
	expect(backend_hits(c->backend) - before == 20, "%s saw %lu", c->backend,
	       backend_hits(c->backend) - before);
	expect(res.peer_mismatch == 0, "getpeername showed something other than %s:%d %d times",
	       rq.addr, rq.port, res.peer_mismatch);
	expect(res.src_mismatch == 0, "replies came from somewhere other than %s:%d %d times",
	       rq.addr, rq.port, res.src_mismatch);
}

static void t_weighted_split(void)
{
	struct request rq = req(OP_TCP, AF_INET, "split", false, false, 80, 1000);
	struct result res;
	int b3, b4;

	expect(!agent_run(&agent, &rq, &res), "agent did not answer");
	b3 = count_of(&res, "B3");
	b4 = count_of(&res, "B4");
	/* weights 1:3 -> B4 expects 750 of 1000; sd 13.7, the bounds are over 5 sd away */
	expect(res.ok == 1000 && b3 + b4 == 1000, "ok %d, B3 %d, B4 %d", res.ok, b3, b4);
	expect(b4 >= 680 && b4 <= 820, "B4 got %d of 1000 (weight 3 of 4: 750 expected)", b4);
}

static void t_outside_cgroup(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	unsigned long before = backend_hits("B1");
	struct result res;

	run_request(&rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED,
	       "a process outside the cgroup: %d ok, %d failed, errno %d", res.ok, res.failed,
	       res.last_errno);
	expect(backend_hits("B1") == before, "B1 was reached from outside the cgroup");
}

static void t_no_backends(void)
{
	struct request tcp = req(OP_TCP, AF_INET, "dead", false, false, 80, 2);
	struct request udp = req(OP_UDPU, AF_INET, "dead", false, false, 80, 2);
	struct request udpc = req(OP_UDPC, AF_INET6, "dead", true, false, 80, 1);
	unsigned long before = backend_hits("B5");
	struct result res;
	json_t *root, *s;

	agent_run(&agent, &tcp, &res);
	expect(res.failed == 2 && res.last_errno == ECONNREFUSED, "tcp: %d failed, errno %d (%s)",
	       res.failed, res.last_errno, strerror(res.last_errno));
	agent_run(&agent, &udp, &res);
	expect(res.failed == 2 && res.last_errno == ECONNREFUSED, "udp sendto: %d failed, errno %d",
	       res.failed, res.last_errno);
	agent_run(&agent, &udpc, &res);
	expect(res.failed == 1 && res.last_errno == ECONNREFUSED, "udp6 connect: errno %d",
	       res.last_errno);
	expect(backend_hits("B5") == before, "the unhealthy backend was reached");
	root = services_json();
	s = service_named(root, "dead");
	expect(s && json_integer_value(json_object_get(s, "refused")) == 5,
	       "sluicectl shows %lld refusals for dead, 5 expected",
	       s ? json_integer_value(json_object_get(s, "refused")) : -1LL);
	json_decref(root);
}

static void t_counters(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 7);
	long long before = 0, after = 0;
	struct result res;
	json_t *root, *s;

	root = services_json();
	s = service_named(root, "web");
	expect(s != NULL, "sluicectl --json services has no web");
	if (s)
		before = json_integer_value(json_object_get(
			json_array_get(json_object_get(s, "backends"), 0), "connects"));
	json_decref(root);
	agent_run(&agent, &rq, &res);
	root = services_json();
	s = service_named(root, "web");
	if (s)
		after = json_integer_value(json_object_get(
			json_array_get(json_object_get(s, "backends"), 0), "connects"));
	expect(after - before == 7, "web's backend counted %lld connects, 7 made", after - before);
	json_decref(root);
}

/* TCP connects keep their VIP in socket storage: no reverse entry in sock_vips at all
 * (getpeername showing the VIP is checked by the routing cases). */
static void t_reverse_entries_released(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 200);
	struct sluice_sock_key key, *prev = NULL;
	char path[400];
	int fd, tcp = 0, total = 0;
	struct result res;

	agent_run(&agent, &rq, &res);
	expect(res.ok == 200, "%d of 200 connects ok", res.ok);
	snprintf(path, sizeof(path), "%s/sock_vips", B.bpffs);
	fd = bpf_obj_get(path);
	expect(fd >= 0, "cannot open %s", path);
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		total++;
		tcp += key.proto == 6;
	}
	expect(tcp == 0, "%d TCP reverse entries left after every socket closed (%d in all)", tcp,
	       total);
	if (fd >= 0)
		close(fd);
}

static void t_registry_change(void)
{
	unsigned long long t0;
	int writes_before = log_count("maps updated");

	expect(routes_to("moving", "B5", 2000), "moving did not start on B5");
	t0 = now_ms();
	expect(!write_registry("B3"), "cannot write registry");
	expect(routes_to("moving", "B3", 3000), "moving still not on B3 after 3 s");
	printf("    registry change reached the data plane in %llu ms\n", now_ms() - t0);
	wait_log("maps updated", writes_before + 1, 2000); /* logged just after the write */
	expect(log_count("maps updated: 3 writes") >= 1 &&
	       log_count("maps updated") == writes_before + 1,
	       "expected one incremental update of 3 writes (new backend, table, old backend)");
}

static void t_bad_registry(void)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/main.json", B.registry);
	expect(!replace_file(path, "{\"Instances\": [ {\"InstanceId\": "), "write");
	usleep(400000);
	expect(daemon_alive(), "sluiced exited on a malformed registry file");
	expect(log_count("main.json") >= 1, "the log does not name the bad file");
	expect(routes_to("moving", "B3", 100), "the last good state stopped serving");
	expect(!replace_file(path, "{\"Instances\": [{\"InstanceId\": \"m1\", \"ServiceName\": "
			     "\"moving\", \"Attributes\": {\"AWS_INSTANCE_IPV4\": \"127.0.0.11\", "
			     "\"AWS_INSTANCE_PORT\": \"0\"}}]}"), "write");
	usleep(400000);
	expect(daemon_alive(), "sluiced exited on a bad port");
	expect(log_count("Instances[0].Attributes.AWS_INSTANCE_PORT") >= 1,
	       "the log does not name the bad field");
	expect(routes_to("moving", "B3", 100) && routes_to("web", "B1", 100),
	       "bad content was applied");
	expect(!write_registry("B3"), "restore");
}

static void t_bad_config_reload(void)
{
	char good[8192];
	char *saved = read_file(B.config);

	snprintf(good, sizeof(good), "%s", saved ? saved : "");
	expect(!write_file(B.config, "{\"namespace\": \"e2e.local\", \"services\": [{\"discoveryName\": "
				     "\"web\", \"clientAliases\": [{\"port\": \"eighty\"}]}]}"),
	       "write");
	kill(B.daemon, SIGHUP);
	usleep(300000);
	expect(daemon_alive(), "sluiced exited on a bad config");
	expect(log_count("clientAliases[0].port") >= 1, "the log does not name the bad field");
	expect(routes_to("web", "B1", 100), "the last good config stopped serving");
	write_file(B.config, good);
	free(saved);
}

static void t_reload_adds_service(void)
{
	struct stat before, after;
	char vip[64];

	expect(!stat(B.hosts, &before), "no hosts file");
	expect(!write_config(true), "write config");
	kill(B.daemon, SIGHUP);
	{
		struct request rq;
		struct result res;
		unsigned long long end = now_ms() + 3000;

		while (vip_of("extra", false, vip, sizeof(vip)) && now_ms() < end)
			usleep(10000);
		rq = req(OP_TCP, AF_INET, "extra", false, false, 8080, 3);
		agent_run(&agent, &rq, &res);
		expect(count_of(&res, "B2") == 3, "the new alias extra:8080 is not routed (%d ok, errno %d)",
		       res.ok, res.last_errno);
	}
	expect(!stat(B.hosts, &after) && after.st_ino == before.st_ino,
	       "the hosts file was replaced, not rewritten in place (bind mounts would go stale)");
}

/* A reverse entry whose service is gone is dropped on use: the app sees the real peer. */
static void t_stale_reverse_entry(void)
{
	struct request rq = req(OP_TCP_HOLD, AF_INET, "extra", false, false, 8080, 1);
	struct result res;

	rq.duration_ms = 1500;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(300000);
	expect(!write_config(false), "write config");
	kill(B.daemon, SIGHUP);
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(res.ok == 1 && count_of(&res, "B2") == 1, "extra:8080 not reached (errno %d)",
	       res.last_errno);
	expect(res.peer_mismatch == 0, "getpeername did not show the VIP while extra served");
	expect(res.late_mismatch == 1,
	       "getpeername still showed extra's VIP after extra was removed");
}

static void t_ctl_cgroups(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	struct agent second = {};
	struct result res;
	char *out = NULL;

	expect(ctl(&out, "attach", B.cg_root, NULL) == 1 && strstr(out, "root"),
	       "attaching the cgroup2 root was not refused: %s", out);
	free(out);
	expect(ctl(&out, "attach", B.cgroup2, NULL) == 0, "attach: %s", out);
	free(out);
	expect(ctl(&out, "attached", NULL) == 0 && strstr(out, B.cgroup2) && strstr(out, B.cgroup),
	       "attached does not list both cgroups: %s", out);
	free(out);
	expect(!agent_start(&second, B.cgroup2), "agent");
	agent_run(&second, &rq, &res);
	expect(count_of(&res, "B1") == 3, "the newly attached cgroup is not routed");
	expect(ctl(&out, "detach", B.cgroup2, NULL) == 0, "detach: %s", out);
	free(out);
	agent_run(&second, &rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED, "still routed after detach");
	agent_stop(&second);
	expect(ctl(&out, "frobnicate", NULL) == 2, "an unknown command does not exit 2");
	free(out);
}

static void t_sigkill_keeps_serving(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 50);
	struct result res;

	expect(daemon_stop(SIGKILL) == 128 + SIGKILL, "kill -9");
	agent_run(&agent, &rq, &res);
	expect(res.ok == 50 && count_of(&res, "B1") == 50, "after SIGKILL: %d of 50 ok, errno %d",
	       res.ok, res.last_errno);
}

static void t_restart_under_load(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 0);
	int writes;
	struct result res;

	rq.op = OP_TCP_LOOP;
	rq.duration_ms = 4000;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(300000);
	writes = log_count("maps updated");
	expect(!daemon_start(), "sluiced did not start again");
	expect(log_count("adopted the data plane") >= 1, "the new sluiced did not adopt the maps");
	expect(log_count("maps updated") == writes,
	       "adopting an unchanged state wrote to the maps");
	usleep(300000);
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly (leak or error)");
	expect(!daemon_start(), "sluiced did not start a third time");
	expect(!agent_wait(&agent, &res, 20000), "agent");
	expect(res.failed == 0 && res.ok > 100,
	       "connect loop across restarts: %d ok, %d failed (errno %d)", res.ok, res.failed,
	       res.last_errno);
	printf("    %d connects across two restarts, %d failed\n", res.ok, res.failed);
}

static void t_teardown(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 2);
	struct result res;
	char *out = NULL;

	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	agent_run(&agent, &rq, &res);
	expect(res.ok == 2, "SIGTERM took the data plane down");
	expect(ctl(&out, "teardown", NULL) == 0, "teardown: %s", out);
	free(out);
	expect(access(B.bpffs, F_OK) != 0, "%s still exists", B.bpffs);
	agent_run(&agent, &rq, &res);
	expect(res.failed == 2 && res.last_errno == ECONNREFUSED,
	       "still routed after teardown (%d ok)", res.ok);
}

static int pool_all_up(void)
{
	char name[8];
	int i;

	for (i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "H%d", i);
		if (pool_up(name))
			return -1;
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	printf("e2e: timed out\n");
	agent_stop(&agent);
	bench_cleanup();
	printf("e2e: %d passed, %d failed\n", passed, failed_cases + 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: e2e SLUICED SLUICECTL (as root)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(240);
	if (bench_setup(argv[1], argv[2]) || backends_start() || pool_start() || pool_all_up() ||
	    write_config(false) || write_registry("B5") || write_health_registry(0) ||
	    daemon_start() || agent_start(&agent, B.cgroup)) {
		printf("e2e: setup failed; sluiced log:\n");
		fflush(stdout);
		if (system("cat /tmp/sluice-e2e.*/sluiced.log 2>/dev/null")) {}
		agent_stop(&agent);
		bench_cleanup();
		printf("e2e: 0 passed, 1 failed\n");
		return 1;
	}
	run_case("hosts file maps every alias to its VIP", t_hosts_file);
	for (i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		cur_route = &route_cases[i];
		run_case(route_cases[i].name, t_route);
	}
	run_case("weights split connects 1:3", t_weighted_split);
	run_case("a process outside the cgroup is untouched", t_outside_cgroup);
	run_case("no serving backend: ECONNREFUSED, counted", t_no_backends);
	run_case("per-backend connect counters", t_counters);
	run_case("TCP reverse entries leave with their sockets", t_reverse_entries_released);
	run_case("a registry change reaches the maps, incrementally", t_registry_change);
	run_case("bad registry content keeps the last good state", t_bad_registry);
	run_case("a bad config on SIGHUP keeps the last good one", t_bad_config_reload);
	run_case("SIGHUP adds a service; hosts file rewritten in place", t_reload_adds_service);
	run_case("a reverse entry of a removed service is dropped", t_stale_reverse_entry);
	run_case("sluicectl attach/attached/detach; root refused", t_ctl_cgroups);
	health_cases();
	run_case("SIGKILL of sluiced: connects still served", t_sigkill_keeps_serving);
	run_case("restarts during a connect loop: zero failures", t_restart_under_load);
	run_case("SIGTERM keeps serving; teardown removes everything", t_teardown);

	if (failed_cases) {
		char *log = read_file(B.log);

		printf("--- sluiced log ---\n%s--- end ---\n", log ? log : "");
		free(log);
	}
	agent_stop(&agent);
	bench_cleanup();
	printf("e2e: %d passed, %d failed\n", passed, failed_cases);
	return failed_cases ? 1 : 0;
}
