// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_rails.c: the safety rails a daemon owes its operator: a registry that cannot be read
 * keeps the last good state and is followed, one daemon per data plane, --check touching
 * nothing, cgroups attached when they appear, a hostile bpffs or hosts path refused. */
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

static bool set_registry(const char *path)
{
	return reload_with("registry", json_pack("{s:s}", "file", path));
}

/* A discover-instances document of one instance of service at backend (peers.c). */
static int write_instance(const char *path, const char *id, const char *service,
			  const char *backend)
{
	const struct backend *b = backend_named(backend);
	char doc[512];

	snprintf(doc, sizeof(doc), "{\"Instances\": [{\"InstanceId\": \"%s\", \"ServiceName\": "
		 "\"%s\", \"Attributes\": {\"AWS_INSTANCE_IPV4\": \"%s\", \"AWS_INSTANCE_PORT\": "
		 "\"%d\"}}]}", id, service, b ? b->addr : "", b ? b->port : 0);
	return replace_file(path, doc);
}

/* Restarted while a registry file never parsed, sluiced changes nothing (the adopted maps
 * hold that file's last good content) and is not ready; as soon as the file goes the hold
 * lifts by itself: a backend removed meanwhile gets no connect. */
void t_hold_lifts(void)
{
	char bad[400], *log;

	expect(routes_to("hold", "B3", 2000) && routes_to("hold", "B5", 2000),
	       "hold does not reach both backends");
	expect(daemon_stop(SIGTERM) == 0, "SIGTERM");
	snprintf(bad, sizeof(bad), "%s/bad.json", B.registry);
	expect(!write_file(bad, "{\"Instances\": [ {\"InstanceId\": "), "write bad.json");
	expect(!daemon_spawn(), "spawn");
	wait_log("changing nothing until it can", 1, 5000);
	expect(log_count("changing nothing until it can") == 1, "not held");
	expect(!write_registry("h2", NULL), "remove h2");
	usleep(500000);
	log = log_since(B.spawn_mark);
	expect(log && !strstr(log, "sluiced: ready:"), "ready while held");
	free(log);
	expect(log_count("reads whole again") == 0, "the hold lifted with bad.json still there");
	expect(!unlink(bad), "unlink");
	wait_log("reads whole again", 1, 3000);
	expect(!daemon_wait_ready(3000), "not ready after the hold lifted");
	expect(alias_hits("hold", "B5", 40) == 0, "the removed backend B5 still gets connects");
	expect(alias_hits("hold", "B3", 10) == 10, "B3 does not serve");
}

/* The registry path as an operator meets it: named before it exists, deleted, replaced by a
 * FIFO, then a directory, moved away and made again. The last good content serves all along,
 * each cause is said, and the path is followed. */
void t_registry_path_followed(void)
{
	char single[400], dir[400], moved[400], in_dir[512], msg[600];
	int problems;

	snprintf(single, sizeof(single), "%s/reg-new", B.dir);
	snprintf(dir, sizeof(dir), "%s/reg-new", B.dir);
	snprintf(moved, sizeof(moved), "%s/reg-moved", B.dir);
	snprintf(in_dir, sizeof(in_dir), "%s/reg-new/a.json", B.dir);
	expect(routes_to("follow", "B1", 2000), "follow does not start on B1");

	/* A reload to a path that does not exist keeps the registry in use. */
	expect(set_registry(single), "reload");
	snprintf(msg, sizeof(msg), "registry %s: does not exist", single);
	wait_log(msg, 1, 2000);
	expect(log_count(msg) == 1, "the missing path is not said");
	expect(alias_hits("follow", "B1", 10) == 10, "a missing registry emptied the service");

	/* It appears: it serves. */
	expect(!write_instance(single, "f2", "follow", "B2"), "write");
	expect(routes_to("follow", "B2", 4000), "the new registry is not followed when it appears");

	/* Deleted: the last good content stays. */
	problems = log_count("does not exist");
	expect(!unlink(single), "unlink");
	wait_log("does not exist", problems + 1, 2000);
	expect(alias_hits("follow", "B2", 10) == 10, "a deleted registry file emptied the service");

	/* A FIFO in its place: never blocked on, the last good content stays. */
	expect(!mkfifo(single, 0644), "mkfifo");
	usleep(400000);
	expect(daemon_alive(), "sluiced died on a FIFO");
	expect(reload_with("enabled", json_true()), "sluiced does not answer SIGHUP (blocked?)");
	expect(alias_hits("follow", "B2", 10) == 10, "a FIFO emptied the service");

	/* A directory in its place: read as one. */
	expect(!unlink(single) && !mkdir(dir, 0755), "mkdir");
	expect(!write_instance(in_dir, "f3", "follow", "B3"), "write");
	expect(routes_to("follow", "B3", 4000), "the registry made a directory is not read");

	/* Moved away (nothing changes) and made again (followed). */
	expect(!rename(dir, moved), "rename");
	usleep(300000);
	expect(alias_hits("follow", "B3", 10) == 10, "moving the registry away emptied the service");
	expect(!mkdir(dir, 0755) && !write_instance(in_dir, "f4", "follow", "B4"), "remake");
	expect(routes_to("follow", "B4", 4000), "the registry made again is not watched");
	unlink(in_dir);
	rmdir(dir);
	snprintf(in_dir, sizeof(in_dir), "%s/a.json", moved);
	unlink(in_dir);
	rmdir(moved);
}

/* A second sluiced on the same bpffs is refused and names the first; the first serves on. */
void t_second_daemon_refused(void)
{
	char pid[32], *log;
	pid_t first = B.daemon;
	long from = log_size();
	int status = -1, i;
	pid_t second;

	second = fork();
	if (!second) {
		int fd = open(B.log, O_WRONLY | O_APPEND);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(B.sluiced, "sluiced", "--config", B.config, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && waitpid(second, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 500) {
		kill(second, SIGKILL);
		waitpid(second, &status, 0);
	}
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "the second sluiced was not refused");
	snprintf(pid, sizeof(pid), "pid %d", (int)first);
	log = log_since(from);
	expect(log && strstr(log, "serves this data plane already") && strstr(log, pid),
	       "the refusal does not name the first daemon (%s)", pid);
	free(log);
	expect(daemon_alive() && routes_to("web", "B1", 1000), "the first daemon stopped serving");
}

static bool same_file(const char *path, const struct stat *before)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == before->st_ino && st.st_size == before->st_size &&
	       st.st_mtim.tv_sec == before->st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == before->st_mtim.tv_nsec;
}

/* The status file at path is the running daemon's: its "pid" is B.daemon's. */
static bool status_of_daemon(const char *path)
{
	json_t *j = json_load_file(path, 0, NULL);
	json_t *pid = json_object_get(j, "pid");
	bool ours = json_is_integer(pid) && json_integer_value(pid) == (json_int_t)B.daemon;

	json_decref(j);
	return ours;
}

/* Run sluiced --check on config; its exit status, its output in *out. */
static int check(const char *config, char **out)
{
	char cmd[1200];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --check --config %s 2>&1", B.sluiced, config);
	*out = calloc(1, 65536);
	p = popen(cmd, "r");
	if (!p || !*out)
		return -1;
	n = fread(*out, 1, 65535, p);
	(*out)[n] = '\0';
	return WEXITSTATUS(pclose(p));
}

/* --check validates and prints what would serve, and touches nothing: not the live hosts,
 * state and status files, not the maps, not a hosts file its config names elsewhere. */
void t_check_touches_nothing(void)
{
	char state[400], status[400], other[400], other_hosts[400], bad[400], *out = NULL;
	char *before = NULL, *after = NULL, *cfg;
	struct stat st_hosts, st_state, st_status;
	json_t *j;

	snprintf(state, sizeof(state), "%s/state.json", B.state);
	snprintf(status, sizeof(status), "%s/status.json", B.dir);
	expect(!stat(B.hosts, &st_hosts) && !stat(state, &st_state) && !stat(status, &st_status),
	       "the daemon's files are missing");
	ctl(&before, "--json", "services", NULL);
	expect(check(B.config, &out) == 0, "--check of the live config failed: %s", out);
	expect(strstr(out, "valid") && strstr(out, "service web") && strstr(out, "alias web"),
	       "--check does not show what it would serve: %s", out);
	free(out);

	/* The same config with its files elsewhere: none of them is made. */
	snprintf(other, sizeof(other), "%s/check.json", B.dir);
	snprintf(other_hosts, sizeof(other_hosts), "%s/check-hosts", B.dir);
	j = json_load_file(B.config, 0, NULL);
	json_object_set_new(j, "hostsFile", json_string(other_hosts));
	cfg = json_dumps(j, 0);
	json_decref(j);
	write_file(other, cfg);
	free(cfg);
	expect(check(other, &out) == 0, "--check failed: %s", out);
	free(out);
	expect(access(other_hosts, F_OK) != 0, "--check wrote the hosts file its config names");

	/* A bad one: exit 1, the field named, nothing touched either. */
	snprintf(bad, sizeof(bad), "%s/bad-check.json", B.dir);
	write_file(bad, "{\"namespace\": \"e2e.local\", \"services\": [{\"discoveryName\": \"web\", "
			"\"clientAliases\": [{\"port\": 0}]}]}");
	expect(check(bad, &out) == 1, "--check of a bad config did not fail");
	expect(strstr(out, "clientAliases[0].port"), "the bad field is not named: %s", out);
	free(out);
	ctl(&after, "--json", "services", NULL);
	expect(before && after && !strcmp(before, after), "the maps changed");
	/* The daemon itself may rewrite its status file meanwhile (a slow machine: a status
	 * change): then it is still the daemon's, with its pid. */
	expect(same_file(B.hosts, &st_hosts) && same_file(state, &st_state) &&
	       (same_file(status, &st_status) || status_of_daemon(status)),
	       "--check touched the daemon's files");
	free(before);
	free(after);
	unlink(other);
	unlink(bad);
}

/* A configured cgroup that does not exist yet is said, shown as degraded, and attached as
 * soon as it appears; a task in it is routed then. */
void t_failed_attach_heals(void)
{
	char late[400], status_path[400], *status;
	struct agent task = {};
	struct result res;
	struct request rq;

	snprintf(late, sizeof(late), "%s/sluice-e2e-%d-late", B.cg_root, (int)getpid());
	snprintf(status_path, sizeof(status_path), "%s/status.json", B.dir);
	expect(reload_with("cgroups", json_pack("[s, s]", B.cgroup, late)), "reload");
	wait_log("cgroups[1]", 1, 3000);
	expect(log_count("cgroups[1]") == 1 && log_count("tried again") == 1,
	       "the failed attach is not said");
	usleep(200000);
	status = read_file(status_path);
	expect(status && strstr(status, "not attached") && strstr(status, late),
	       "the status file does not show the cgroup as degraded");
	free(status);
	expect(!mkdir(late, 0755), "mkdir %s", late);
	wait_log("attached now", 1, 5000);
	expect(log_count("attached now") == 1, "the cgroup was not attached when it appeared");
	expect(!agent_start(&task, late), "agent");
	rq = req(OP_TCP, AF_INET, "web", false, false, 80, 3);
	agent_run(&task, &rq, &res);
	expect(count_of(&res, "B1") == 3, "a task in the healed cgroup is not routed");
	agent_stop(&task);
	reload_with("cgroups", json_pack("[s]", B.cgroup));
	wait_log("no longer in the config", 1, 3000);
	rmdir(late);
}

/* Run sluiced on a config whose member key is value, without the daemon's cgroups; its exit
 * status and log in *out. */
static int run_with(const char *key, json_t *value, char **out)
{
	char cfg_path[400], log_path[400], cmd[1200];
	json_t *j = json_load_file(B.config, 0, NULL);
	char *text;
	int st;

	snprintf(cfg_path, sizeof(cfg_path), "%s/hostile.json", B.dir);
	snprintf(log_path, sizeof(log_path), "%s/hostile.log", B.dir);
	json_object_set_new(j, key, value);
	json_object_del(j, "cgroups"); /* the daemon's: another data plane is refused there */
	text = json_dumps(j, 0);
	json_decref(j);
	write_file(cfg_path, text);
	free(text);
	snprintf(cmd, sizeof(cmd), "timeout 10 %s --config %s > %s 2>&1", B.sluiced, cfg_path,
		 log_path);
	st = system(cmd);
	*out = read_file(log_path);
	unlink(cfg_path);
	unlink(log_path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A second sluiced with a bpffs (and files) of its own but the first one's cgroup is refused
 * before it loads anything: both data planes would rewrite the cgroup's connects. The first
 * serves on. */
void t_second_dataplane_refused(void)
{
	char other[400], cfg[400], log_path[400], cmd[1400], path[500], *out;
	json_t *j = json_load_file(B.config, 0, NULL);
	char *text;
	int st;

	snprintf(other, sizeof(other), "%s/../other", B.bpffs);
	snprintf(cfg, sizeof(cfg), "%s/other.json", B.dir);
	snprintf(log_path, sizeof(log_path), "%s/other.log", B.dir);
	json_object_set_new(j, "bpffs", json_string(other));
	snprintf(path, sizeof(path), "%s/other-hosts", B.dir);
	json_object_set_new(j, "hostsFile", json_string(path));
	snprintf(path, sizeof(path), "%s/other-state.json", B.dir);
	json_object_set_new(j, "stateFile", json_string(path));
	snprintf(path, sizeof(path), "%s/other-status.json", B.dir);
	json_object_set_new(j, "statusFile", json_string(path));
	json_object_del(j, "metrics");
	text = json_dumps(j, 0);
	json_decref(j);
	write_file(cfg, text);
	free(text);
	snprintf(cmd, sizeof(cmd), "timeout 10 %s --config %s > %s 2>&1", B.sluiced, cfg, log_path);
	st = system(cmd);
	out = read_file(log_path);
	expect(WIFEXITED(st) && WEXITSTATUS(st) == 1 && out &&
	       strstr(out, "another sluice data plane routes it already"),
	       "a second data plane on the cgroup was not refused (exit %d): %s",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
	free(out);
	snprintf(path, sizeof(path), "%s/progs", other);
	expect(access(path, F_OK) && access(B.dir, F_OK) == 0, "the refused sluiced loaded its "
	       "programs under %s", other);
	expect(routes_to("web", "B1", 1000) && daemon_alive(), "the first daemon stopped serving");
	unlink(cfg);
	unlink(log_path);
}

/* A bpffs directory someone else made, or one anyone may write, is refused before anything
 * is pinned there. */
void t_hostile_bpffs_refused(void)
{
	char foreign[400], open_dir[400], *out = NULL;

	snprintf(foreign, sizeof(foreign), "%s/../foreign", B.bpffs);
	snprintf(open_dir, sizeof(open_dir), "%s/../open", B.bpffs);
	expect(!mkdir(foreign, 0755) && !chown(foreign, 65534, 65534), "mkdir foreign");
	expect(run_with("bpffs", json_string(foreign), &out) == 1 && out &&
	       strstr(out, "owned by uid 65534"), "a foreign bpffs dir was not refused: %s", out);
	free(out);
	expect(!mkdir(open_dir, 0700) && !chmod(open_dir, 0777), "mkdir open");
	expect(run_with("bpffs", json_string(open_dir), &out) == 1 && out &&
	       strstr(out, "writable by everyone"), "a world-writable bpffs dir was not refused: %s",
	       out);
	free(out);
	expect(rmdir(foreign) == 0 && rmdir(open_dir) == 0,
	       "something was pinned in a refused directory");
}

/* A symlink planted at the hosts file's path is not written through. */
void t_planted_symlink_refused(void)
{
	char planted[400], victim[400], *got;

	snprintf(planted, sizeof(planted), "%s/planted-hosts", B.dir);
	snprintf(victim, sizeof(victim), "%s/victim", B.dir);
	expect(!write_file(victim, "root:x:0:0:root:/root:/bin/bash\n"), "victim");
	expect(!symlink(victim, planted), "symlink");
	expect(reload_with("hostsFile", json_string(planted)), "reload");
	wait_log("refusing to write through it", 1, 2000);
	expect(log_count("refusing to write through it") >= 1, "the planted symlink is not said");
	got = read_file(victim);
	expect(got && !strcmp(got, "root:x:0:0:root:/root:/bin/bash\n"),
	       "the hosts write went through the symlink");
	free(got);
	reload_with("hostsFile", json_string(B.hosts));
	unlink(planted);
	unlink(victim);
}

/* A data plane torn down under a running daemon: it says so and exits (a restart builds it
 * again) instead of pretending to serve. */
void t_torn_down_under_daemon(void)
{
	bool exited = false;
	char *out = NULL;
	int i, st = 0;

	expect(ctl(&out, "--force", "teardown", NULL) == 0, "teardown --force: %s", out);
	free(out);
	for (i = 0; i < 500 && !exited; i++) {
		exited = waitpid(B.daemon, &st, WNOHANG) == B.daemon;
		if (!exited)
			usleep(10000);
	}
	if (exited)
		B.daemon = 0;
	expect(exited && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	       "sluiced did not exit 1 within 5 s of its data plane going");
	expect(log_count("is gone or was replaced") == 1, "the reason is not said");
}
