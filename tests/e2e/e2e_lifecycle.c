// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_lifecycle.c: the daemon's inputs and life: registry changes, bad registry and config,
 * reloads, sluicectl's cgroups, SIGKILL, restarts under load, SIGTERM and teardown. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cases.h"
#include "sluice.h"

/* A service SIGHUP adds (t_reload_adds_service), or removes (t_stale_reverse_entry). */
const char extra_service[] = "{'discoveryName': 'extra', 'clientAliases': [{'port': 8080}]}";

void t_registry_change(void)
{
	unsigned long long t0;
	int writes_before = log_count("maps updated");

	expect(routes_to("moving", "B5", 2000), "moving did not start on B5");
	t0 = now_ms();
	expect(!write_registry("m1", "m1 moving B3"), "cannot write registry");
	expect(routes_to("moving", "B3", 3000), "moving still not on B3 after 3 s");
	printf("    registry change reached the data plane in %llu ms\n", now_ms() - t0);
	wait_log("maps updated", writes_before + 1, 2000); /* logged just after the write */
	expect(log_count("maps updated: 3 writes") >= 1 &&
	       log_count("maps updated") == writes_before + 1,
	       "expected one incremental update of 3 writes (new backend, table, old backend)");
}

void t_bad_registry(void)
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
	expect(!write_registry(NULL, NULL), "restore");
}

void t_bad_config_reload(void)
{
	char good[8192];
	char *saved = read_file(B.config);

	snprintf(good, sizeof(good), "%s", saved ? saved : "");
	expect(!write_file(B.config, "{\"namespace\": \"e2e.local\", \"services\": [{\"discoveryName\": "
				     "\"web\", \"clientAliases\": [{\"port\": \"eighty\"}]}]}"),
	       "write");
	daemon_signal(SIGHUP);
	usleep(300000);
	expect(daemon_alive(), "sluiced exited on a bad config");
	expect(log_count("clientAliases[0].port") >= 1, "the log does not name the bad field");
	expect(routes_to("web", "B1", 100), "the last good config stopped serving");
	write_file(B.config, good);
	free(saved);
}

void t_reload_adds_service(void)
{
	struct stat before, after;
	char vip[64];

	expect(!stat(B.hosts, &before), "no hosts file");
	expect(!write_config(NULL, extra_service), "write config");
	daemon_signal(SIGHUP);
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
void t_stale_reverse_entry(void)
{
	struct request rq = req(OP_TCP_HOLD, AF_INET, "extra", false, false, 8080, 1);
	struct result res;

	rq.duration_ms = 1500;
	expect(!agent_send(&agent, &rq), "agent");
	usleep(300000);
	expect(!write_config("extra", NULL), "write config");
	daemon_signal(SIGHUP);
	expect(!agent_wait(&agent, &res, 10000), "agent");
	expect(res.ok == 1 && count_of(&res, "B2") == 1, "extra:8080 not reached (errno %d)",
	       res.last_errno);
	expect(res.peer_mismatch == 0, "getpeername did not show the VIP while extra served");
	expect(res.late_mismatch == 1,
	       "getpeername still showed extra's VIP after extra was removed");
}

/* The pinned map name of the data plane under test, opened (-1 and said when it cannot be). */
static int pinned_map(const char *name)
{
	char path[400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", B.bpffs, name);
	fd = bpf_obj_get(path);
	expect(fd >= 0, "cannot open %s", path);
	return fd;
}

static uint64_t cgroup_id_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* The cgroup2 id of process pid (its /proc/PID/cgroup "0::" line under B.cg_root). */
static uint64_t cgroup_of_pid(pid_t pid)
{
	char path[1024], line[400];
	uint64_t id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", B.cg_root, line + 3);
		id = cgroup_id_of(path);
	}
	if (f)
		fclose(f);
	return id;
}

/* Levels below the cgroup2 mount: one per '/' after it. */
static uint32_t level_of(const char *path)
{
	uint32_t n = 0;

	for (const char *p = path + strlen(B.cg_root); *p; p++)
		n += *p == '/';
	return n;
}

static bool classified_at(const struct sluice_classifier *c, uint32_t level)
{
	for (uint32_t i = 0; i < c->nlevels && i < SLUICE_MAX_TASK_LEVELS; i++)
		if (c->levels[i] == level)
			return true;
	return false;
}

void t_ctl_cgroups(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	int tasks = pinned_map("tasks"), classifier = pinned_map("classifier");
	uint64_t id2 = cgroup_id_of(B.cgroup2);
	struct sluice_classifier cls = {};
	struct sluice_task task = {};
	struct agent second = {};
	uint32_t zero = 0;
	struct result res;
	char *out = NULL;

	expect(ctl(&out, "attach", B.cg_root, NULL) == 1 && strstr(out, "root"),
	       "attaching the cgroup2 root was not refused: %s", out);
	free(out);
	expect(ctl(&out, "attach", B.cgroup2, "--namespace", "elsewhere", NULL) == 1 &&
	       strstr(out, "namespace elsewhere"), "an unknown namespace was taken: %s", out);
	free(out);
	expect(bpf_map_lookup_elem(tasks, &id2, &task) && errno == ENOENT,
	       "a refused attach left a task entry");
	expect(ctl(&out, "attach", B.cgroup2, NULL) == 0, "attach: %s", out);
	free(out);
	expect(ctl(&out, "attached", NULL) == 0 && strstr(out, B.cgroup2) && strstr(out, B.cgroup),
	       "attached does not list both cgroups: %s", out);
	free(out);
	expect(!bpf_map_lookup_elem(tasks, &id2, &task) && task.ns_id &&
	       (task.flags & SLUICE_TASK_ATTACHED) && task.level == level_of(B.cgroup2),
	       "the attached cgroup's task entry: ns %u, flags %#x, level %u (want %u)",
	       task.ns_id, task.flags, task.level, level_of(B.cgroup2));
	expect(!bpf_map_lookup_elem(classifier, &zero, &cls) &&
	       classified_at(&cls, level_of(B.cgroup2)), "level %u not classified",
	       level_of(B.cgroup2));
	expect(cls.self_cgroup && cls.self_cgroup == cgroup_of_pid(B.daemon),
	       "the classifier's own cgroup %llu is not sluiced's (%llu)",
	       (unsigned long long)cls.self_cgroup, (unsigned long long)cgroup_of_pid(B.daemon));
	expect(!agent_start(&second, B.cgroup2), "agent");
	agent_run(&second, &rq, &res);
	expect(count_of(&res, "B1") == 3, "the newly attached cgroup is not routed");
	/* Attached but no task: the programs run and leave its VIP connects as they are. */
	expect(!bpf_map_delete_elem(tasks, &id2), "cannot delete the task entry");
	agent_run(&second, &rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED,
	       "a cgroup that is no task was routed: %d failed, errno %d", res.failed,
	       res.last_errno);
	expect(ctl(&out, "attach", B.cgroup2, NULL) == 0, "attach again: %s", out);
	free(out);
	agent_run(&second, &rq, &res);
	expect(count_of(&res, "B1") == 3, "attached again, the cgroup is not routed");
	expect(ctl(&out, "detach", B.cgroup2, NULL) == 0, "detach: %s", out);
	free(out);
	expect(bpf_map_lookup_elem(tasks, &id2, &task) && errno == ENOENT,
	       "detach left the task entry");
	agent_run(&second, &rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED, "still routed after detach");
	agent_stop(&second);
	if (tasks >= 0)
		close(tasks);
	if (classifier >= 0)
		close(classifier);
	expect(ctl(&out, "frobnicate", NULL) == 2, "an unknown command does not exit 2");
	free(out);
}

void t_sigkill_keeps_serving(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 50);
	struct result res;

	expect(daemon_stop(SIGKILL) == 128 + SIGKILL, "kill -9");
	agent_run(&agent, &rq, &res);
	expect(res.ok == 50 && count_of(&res, "B1") == 50, "after SIGKILL: %d of 50 ok, errno %d",
	       res.ok, res.last_errno);
}

void t_restart_under_load(void)
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

void t_teardown(void)
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
