// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_tasks.c: tasks sluiced finds itself: an attach rule watching a directory of the test's
 * (made after the rule), task cgroups made and removed under it, a client connecting from a
 * task's first moment, a restart with tasks present, the rule taken away by a reload. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cases.h"
#include "sluice.h"

#define POLL_MS 5000 /* bound on waiting for sluiced to see a cgroup come or go */

static int tasks_map(void)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/tasks", B.bpffs);
	return bpf_obj_get(path);
}

static uint64_t id_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* Wait (bounded) until the cgroup at path has a task entry (want) or has none (!want); the
 * now_ms() it was seen at, 0 if it never was. */
static unsigned long long wait_task(const char *path, bool want, struct sluice_task *t)
{
	unsigned long long end = now_ms() + (unsigned)slow_ms(POLL_MS);
	uint64_t id = id_of(path);
	struct sluice_task tmp;
	int fd = tasks_map();

	if (fd < 0)
		return 0;
	if (!t)
		t = &tmp;
	do {
		bool has = !bpf_map_lookup_elem(fd, &id, t);

		if (has == want) {
			close(fd);
			return now_ms();
		}
		usleep(1000);
	} while (now_ms() < end);
	close(fd);
	return 0;
}

/* The rule's directory and its children, made and removed by the case. */
static char watch[320], task1[400], task1_ctr[420], task2[400], other[400];

static void paths(void)
{
	snprintf(watch, sizeof(watch), "%s-w", B.cgroup);
	snprintf(task1, sizeof(task1), "%s/task-1", watch);
	snprintf(task1_ctr, sizeof(task1_ctr), "%s/ctr", task1);
	snprintf(task2, sizeof(task2), "%s/task-2", watch);
	snprintf(other, sizeof(other), "%s/other", watch);
}

/* Remove what the case made, deepest first (each fails harmlessly if it is not there). */
static void remove_tree(void)
{
	rmdir(task1_ctr);
	rmdir(task1);
	rmdir(task2);
	rmdir(other);
	rmdir(watch);
}

static json_t *rule(void)
{
	return json_pack("[{s:s, s:s}]", "watch", watch, "match", "task-*");
}

/* sluicectl attached no longer lists path (bounded wait: sluiced forgets a rule's tasks
 * before it detaches the rule's directory). */
static bool detached(const char *path)
{
	unsigned long long end = now_ms() + (unsigned)slow_ms(POLL_MS);
	char *out = NULL;
	bool listed;

	do {
		free(out);
		out = NULL;
		ctl(&out, "attached", NULL);
		listed = out && strstr(out, path);
	} while (listed && now_ms() < end && !usleep(10000));
	free(out);
	return !listed;
}

/* The id's entry in the tasks map leaves it (bounded wait). */
static bool wait_id_gone(uint64_t id)
{
	unsigned long long end = now_ms() + (unsigned)slow_ms(POLL_MS);
	struct sluice_task t;
	int fd = tasks_map();
	bool gone = false;

	while (fd >= 0 && !(gone = bpf_map_lookup_elem(fd, &id, &t) != 0) && now_ms() < end)
		usleep(1000);
	if (fd >= 0)
		close(fd);
	return gone;
}

static struct agent a1, a2, ao;

void t_attach_rule(void)
{
	struct request rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	unsigned long long t_made, t_seen, t_start;
	struct sluice_task t = {};
	struct result res;
	uint64_t id1;
	int fd;

	paths();
	remove_tree();
	/* The rule comes before its directory: a directory made later is found. */
	expect(reload_with("attach", rule()), "reload with the attach rule");
	expect(!mkdir(watch, 0755), "mkdir %s: %s", watch, strerror(errno));
	wait_log("attached at", 1, POLL_MS);
	expect(log_count("attached at") >= 1, "the watched directory was not attached");

	/* A task and a container in it: the whole subtree is the task's. */
	expect(!mkdir(task1, 0755) && !mkdir(task1_ctr, 0755) && !mkdir(other, 0755),
	       "mkdir tasks: %s", strerror(errno));
	expect(wait_task(task1, true, &t), "task-1 was not classified");
	expect(t.ns_id && (t.flags & SLUICE_TASK_FOUND) && t.level > 0,
	       "task-1's entry: ns %u, flags %#x", t.ns_id, t.flags);
	fd = tasks_map();
	{
		uint64_t oid = id_of(other);
		struct sluice_task ot;

		expect(fd >= 0 && bpf_map_lookup_elem(fd, &oid, &ot),
		       "a directory the glob does not match became a task");
	}
	if (fd >= 0)
		close(fd);
	{
		char *out = NULL;

		expect(ctl(&out, "tasks", NULL) == 0 && out && strstr(out, task1) &&
		       strstr(out, "found") && strstr(out, "e2e.local") && !strstr(out, other),
		       "sluicectl tasks does not list task-1 (found, e2e.local) alone: %s", out);
		free(out);
		expect(ctl(&out, "attached", NULL) == 0 && out && strstr(out, watch) &&
		       strstr(out, "(watched)"), "sluicectl attached lacks the watched dir: %s", out);
		free(out);
	}
	expect(!agent_start(&a1, task1_ctr), "agent in task-1");
	agent_run(&a1, &rq, &res);
	expect(count_of(&res, "B1") == 3, "task-1's container: %d of 3 reached B1 (errno %d)",
	       count_of(&res, "B1"), res.last_errno);
	expect(!agent_start(&ao, other), "agent in other");
	agent_run(&ao, &rq, &res);
	expect(res.failed == 3 && res.last_errno == ECONNREFUSED,
	       "a cgroup below the watched one that is no task was routed");
	agent_stop(&ao);

	/* A client connecting in a loop from its task's first moment: its connects dead-end
	 * until the task is classified, and none fails after. */
	rq.op = OP_TCP_LOOP;
	rq.duration_ms = 1500;
	t_made = now_ms();
	expect(!mkdir(task2, 0755), "mkdir task-2");
	expect(!agent_start(&a2, task2) && !agent_send(&a2, &rq), "agent in task-2");
	t_start = now_ms();
	t_seen = wait_task(task2, true, NULL);
	expect(t_seen, "task-2 was not classified");
	expect(!agent_wait(&a2, &res, 10000), "task-2's loop");
	expect(res.ok > 100, "task-2: %d connects reached a backend", res.ok);
	/* A connect that began before the entry was seen may end just after: 50 ms of slack
	 * for the poll and the scheduler (an ordering check, not a speed target). */
	expect(!res.failed || res.last_fail_at <= t_seen + (unsigned)slow_ms(50),
	       "task-2: a connect failed %lld ms after the task was classified",
	       (long long)res.last_fail_at - (long long)t_seen);
	printf("    task-2: its entry seen %llu ms after the mkdir (1 ms poll), its agent "
	       "looping from %llu ms; %d connects failed before, none after\n",
	       t_seen - t_made, t_start - t_made, res.failed);

	/* A restart with tasks present: their entries stay, the loop never fails. */
	rq.duration_ms = 3000;
	expect(!agent_send(&a2, &rq), "task-2's second loop");
	usleep(300000);
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	usleep(300000); /* no sluiced: the pinned maps serve the tasks it classified */
	expect(!daemon_start(), "sluiced did not start again");
	expect(!agent_wait(&a2, &res, 15000), "task-2's loop across the restart");
	expect(res.failed == 0 && res.ok > 100, "across a restart: %d ok, %d failed (errno %d)",
	       res.ok, res.failed, res.last_errno);
	expect(wait_task(task1, true, NULL) && wait_task(task2, true, NULL),
	       "a restart lost a task entry");

	/* A task that goes is forgotten. */
	agent_stop(&a1);
	id1 = id_of(task1);
	expect(!rmdir(task1_ctr) && !rmdir(task1), "rmdir task-1: %s", strerror(errno));
	expect(wait_id_gone(id1), "task-1's entry is still in the tasks map after its rmdir");

	/* The rule taken away: its tasks forgotten, its directory detached. */
	agent_stop(&a2);
	expect(reload_with("attach", json_array()), "reload without the rule");
	expect(wait_task(task2, false, NULL), "task-2 kept its entry with no rule finding it");
	expect(detached(watch), "the watched directory is still attached with no rule");
	remove_tree();
}

/* Whatever became of the case: its agents stopped, its cgroups removed. */
void t_attach_rule_after(void)
{
	agent_stop(&a1);
	agent_stop(&a2);
	agent_stop(&ao);
	remove_tree();
}
