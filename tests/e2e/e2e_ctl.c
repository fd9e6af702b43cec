// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_ctl.c: sluicectl against a real daemon: usage errors and --json errors, the bpffs from
 * --config, status (lock holder, status file, stale, none, after SIGTERM), teardown. */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cases.h"

/* One run of sluicectl: exit status, stdout and stderr (malloc'd, "" if nothing). */
struct run {
	int rc;
	char *out, *err;
};

/* sluicectl with exactly args (ctl() adds --bpffs and mixes the streams; this does neither),
 * without $SLUICE_BPFFS. */
static struct run run_args(const char *const *args)
{
	char out[400], err[400];
	const char *argv[16] = { "sluicectl" };
	struct run r = { .rc = -1 };
	int n = 1, st;
	pid_t pid;

	while (n < 15 && args[n - 1]) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/ctl.out", B.dir);
	snprintf(err, sizeof(err), "%s/ctl.err", B.dir);
	pid = fork();
	if (!pid) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fo, 1);
		dup2(fe, 2);
		unsetenv("SLUICE_BPFFS");
		execv(B.sluicectl, (char **)argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	r.out = read_file(out) ?: strdup("");
	r.err = read_file(err) ?: strdup("");
	return r;
}

#define RUN(...) run_args((const char *const[]){ __VA_ARGS__, NULL })

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* <dir>/name, in a buffer of the caller's. */
static const char *in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", B.dir, name);
	return buf;
}

/* A copy of the daemon's config at path with member key set to the string value. */
static int config_with(const char *path, const char *key, const char *value)
{
	json_t *cfg = json_load_file(B.config, 0, NULL);
	int ret = -1;

	if (cfg && !json_object_set_new(cfg, key, json_string(value)))
		ret = json_dump_file(cfg, path, JSON_INDENT(2));
	json_decref(cfg);
	return ret;
}

/* A status file as sluiced writes it, for pid; degraded: a registry problem and a cgroup that
 * did not attach. */
static int write_status(const char *path, int pid, bool degraded)
{
	json_t *st = json_pack(
		"{s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:n,"
		" s:{s:s, s:o, s:i, s:i, s:n, s:[]},"
		" s:[{s:s, s:b, s:o}], s:s}",
		"pid", pid, "started", "2026-12-02T03:00:00Z", "version", "0.5.0+gtest",
		"config", B.config, "bpffs", B.bpffs, "ready", 1, "status", "serving 4 services",
		"socketTermination", "iterator", "held", 0, "reloadError",
		"registry", "path", B.registry, "problem",
		degraded ? json_string("does not exist") : json_null(), "badFiles", 0,
		"instances", 5, "pending", "unmatched",
		"cgroups", "path", B.cgroup, "attached", !degraded, "error",
		degraded ? json_sprintf("cgroup %s: No such file or directory", B.cgroup) :
			   json_null(),
		"updated", "2026-12-02T03:00:05Z");
	char *text = st ? json_dumps(st, JSON_INDENT(2)) : NULL;
	int ret = text ? replace_file(path, text) : -1;

	free(text);
	json_decref(st);
	return ret;
}

void t_ctl_usage(void)
{
	char nowhere[400];
	struct run r = RUN("frob");
	json_t *j;

	in_dir(nowhere, sizeof(nowhere), "bpf/nowhere");
	expect(r.rc == 2 && !*r.out &&
	       !strcmp(r.err, "sluicectl: unknown command 'frob'; see sluicectl --help\n"),
	       "unknown command: exit %d, stdout \"%s\", stderr \"%s\"", r.rc, r.out, r.err);
	run_free(&r);
	r = RUN("--bpffs", B.bpffs, "services", "extra");
	expect(r.rc == 2 && !*r.out && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
	       "an extra argument: exit %d, stderr \"%s\" (one line wanted)", r.rc, r.err);
	run_free(&r);
	r = RUN("--json", "frob");
	j = json_loads(r.out, 0, NULL);
	expect(r.rc == 2 && !*r.err && j && json_object_size(j) == 1 &&
	       !strcmp(json_string_value(json_object_get(j, "error")) ?: "",
		       "unknown command 'frob'; see sluicectl --help"),
	       "--json usage error: exit %d, stdout \"%s\", stderr \"%s\"", r.rc, r.out, r.err);
	json_decref(j);
	run_free(&r);
	r = RUN("attached", "--json", "--bpffs", nowhere);
	j = json_loads(r.out, 0, NULL);
	expect(r.rc == 1 && !*r.err && j &&
	       strstr(json_string_value(json_object_get(j, "error")) ?: "", nowhere),
	       "--json failure: exit %d, stdout \"%s\", stderr \"%s\"", r.rc, r.out, r.err);
	json_decref(j);
	run_free(&r);
	r = RUN("--bpffs", nowhere, "attached");
	expect(r.rc == 1 && !*r.out && !strncmp(r.err, "sluicectl: error: ", 18) &&
	       strstr(r.err, nowhere), "failure: exit %d, stdout \"%s\", stderr \"%s\"", r.rc,
	       r.out, r.err);
	run_free(&r);
	r = RUN("--version");
	expect(r.rc == 0 && !strncmp(r.out, "sluicectl ", 10), "--version: %d \"%s\"", r.rc, r.out);
	run_free(&r);
	r = RUN("help");
	expect(r.rc == 0 && strstr(r.out, "sluicectl status") &&
	       strstr(r.out, "sluicectl teardown"),
	       "help does not list the commands: %s", r.out);
	run_free(&r);
}

void t_ctl_config(void)
{
	char other[400], other_bpffs[400], missing[400];
	struct run r = RUN("--config", B.config, "--json", "services");
	json_t *j = json_loads(r.out, 0, NULL);

	expect(r.rc == 0 && service_named(j, "web"),
	       "services with the config's bpffs: exit %d: %s%s", r.rc, r.out, r.err);
	json_decref(j);
	run_free(&r);
	in_dir(other, sizeof(other), "ctl-other.json");
	in_dir(other_bpffs, sizeof(other_bpffs), "bpf/other");
	expect(!config_with(other, "bpffs", other_bpffs), "write %s", other);
	r = RUN("--config", other, "services");
	expect(r.rc == 1 && strstr(r.err, other_bpffs),
	       "another config's bpffs was not used: exit %d: %s%s", r.rc, r.out, r.err);
	run_free(&r);
	r = RUN("--config", other, "--bpffs", B.bpffs, "services");
	expect(r.rc == 0 && strstr(r.out, "web"), "--bpffs did not win over the config: %s%s",
	       r.out, r.err);
	run_free(&r);
	in_dir(missing, sizeof(missing), "ctl-missing.json");
	r = RUN("--config", missing, "services");
	expect(r.rc == 1 && strstr(r.err, missing), "a missing --config: exit %d: %s", r.rc,
	       r.err);
	run_free(&r);
}

/* The "pid" of root's member key. */
static json_int_t pid_of(const json_t *root, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(root, key), "pid"));
}

void t_ctl_status_file(void)
{
	char cfg[400], file[400], pid[32], *first;
	struct run r;
	json_t *j;

	in_dir(cfg, sizeof(cfg), "ctl-status.json");
	in_dir(file, sizeof(file), "ctl-status-file.json");
	snprintf(pid, sizeof(pid), "pid %d", (int)B.daemon);
	expect(!config_with(cfg, "statusFile", file), "write %s", cfg);

	expect(!write_status(file, B.daemon, false), "write %s", file);
	r = RUN("--config", cfg, "status");
	expect(r.rc == 0 && strstr(r.out, pid) && strstr(r.out, ": ready") &&
	       strstr(r.out, "0.5.0+gtest") && !strstr(r.out, "degraded"),
	       "a ready daemon: exit %d:\n%s%s", r.rc, r.out, r.err);
	run_free(&r);

	expect(!write_status(file, B.daemon, true), "write %s", file);
	r = RUN("--config", cfg, "status");
	first = strstr(r.out, "degraded: registry ");
	expect(r.rc == 1 && first == r.out &&
	       strstr(first, ": does not exist\ndegraded: cgroup ") &&
	       strstr(r.out, ": not attached: No such file or directory\nsluiced (pid"),
	       "degraded items first: exit %d:\n%s%s", r.rc, r.out, r.err);
	run_free(&r);

	r = RUN("--json", "status", "--config", cfg);
	j = json_loads(r.out, 0, NULL);
	expect(r.rc == 1 && !*r.err && j && pid_of(j, "daemon") == B.daemon &&
	       pid_of(j, "status") == B.daemon &&
	       json_array_size(json_object_get(j, "degraded")) == 2 &&
	       json_is_false(json_object_get(j, "ok")) &&
	       json_array_size(json_object_get(j, "attached")) == 1,
	       "--json: exit %d:\n%s%s", r.rc, r.out, r.err);
	json_decref(j);
	run_free(&r);

	expect(!write_status(file, 1, false), "write %s", file);
	r = RUN("--config", cfg, "status");
	expect(r.rc == 1 && strstr(r.out, pid) && strstr(r.out, "gives no status") &&
	       strstr(r.out, "is stale: written by pid 1,"), "a stale file: exit %d:\n%s%s", r.rc,
	       r.out, r.err);
	run_free(&r);

	unlink(file);
	r = RUN("--config", cfg, "status");
	expect(r.rc == 1 && strstr(r.out, pid) &&
	       strstr(r.out, "sluiced gives no status: no status file"),
	       "no status file: exit %d:\n%s%s", r.rc, r.out, r.err);
	run_free(&r);
}

void t_ctl_status_daemon(void)
{
	struct run r = RUN("--config", B.config, "status");
	char pid[400];
	json_t *j;
	int i;

	/* the status file may lag the log's "ready" by a moment */
	for (i = 0; r.rc && i < 20; i++) {
		usleep(100000);
		run_free(&r);
		r = RUN("--config", B.config, "status");
	}
	snprintf(pid, sizeof(pid), "sluiced (pid %d) serves %s since 20", (int)B.daemon, B.bpffs);
	expect(r.rc == 0 && strstr(r.out, pid) && strstr(r.out, ": ready\n") &&
	       strstr(r.out, status_file()), "status of a ready sluiced: exit %d:\n%s%s", r.rc,
	       r.out, r.err);
	run_free(&r);

	expect(daemon_stop(SIGTERM) == 0, "SIGTERM: sluiced did not exit cleanly");
	r = RUN("--config", B.config, "status");
	expect(r.rc == 1 && strstr(r.out, "no sluiced serves") && !strstr(r.out, pid),
	       "after SIGTERM: exit %d:\n%s%s", r.rc, r.out, r.err);
	run_free(&r);
	r = RUN("--config", B.config, "--json", "status");
	j = json_loads(r.out, 0, NULL);
	expect(r.rc == 1 && j && json_is_null(json_object_get(j, "daemon")) &&
	       json_is_true(json_object_get(j, "dataPlane")),
	       "after SIGTERM, --json: exit %d:\n%s%s", r.rc, r.out, r.err);
	json_decref(j);
	run_free(&r);
}

void t_ctl_teardown_refused(void)
{
	char want[128], *out = NULL;

	snprintf(want, sizeof(want), "sluiced (pid %d) serves this data plane: stop it first, or "
		 "--force", (int)B.daemon);
	expect(ctl(&out, "teardown", NULL) == 1 && strstr(out, want),
	       "teardown was not refused: %s", out);
	free(out);
	expect(!access(B.bpffs, F_OK) && routes_to("web", "B1", 1000),
	       "a refused teardown took the data plane down");
	expect(ctl(&out, "teardown", "--force", NULL) == 0, "teardown --force: %s", out);
	free(out);
	expect(access(B.bpffs, F_OK) != 0, "%s still exists after teardown --force", B.bpffs);
	daemon_stop(SIGTERM); /* it exits of itself too, now or soon (t_torn_down_under_daemon) */
}
