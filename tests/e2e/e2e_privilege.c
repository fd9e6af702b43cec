// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* e2e_privilege.c: least privilege end to end: nobody, in the attached cgroup and outside, in a
 * user namespace or not, tries the data plane, sluiced and its files; directories planted. */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include "cases.h"

#define NOBODY 65534
#define MAX_PINS 128
#define MAX_IDS 128
#define FLOOD 2000   /* connects nobody opens at once from the attached cgroup */
#define DETAIL 1024

/* What the tries aim at, gathered as root before nobody is forked. */
static struct {
	char pins[MAX_PINS][400];
	int npins;
	unsigned int map_ids[MAX_IDS], prog_ids[MAX_IDS], link_ids[MAX_IDS];
	int nmaps, nprogs, nlinks;
	char files[3][400]; /* the hosts, state and status files */
	char vip[64];
	pid_t daemon;
} T;

/* Where nobody runs. */
enum where { W_CGROUP = 1, W_USERNS = 2 };

/* A try: 0 when everything it tried was refused; else 1 and what was not, in detail. */
struct try {
	const char *what;
	int (*fn)(char *detail);
};

static int add_id(unsigned int *ids, int *n, unsigned int id)
{
	int i;

	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return 0;
	if (*n < MAX_IDS)
		ids[(*n)++] = id;
	return 0;
}

static int collect_pin(const char *path, const struct stat *st, int type, struct FTW *f)
{
	int fd;

	(void)st;
	(void)f;
	if (type != FTW_F || T.npins == MAX_PINS)
		return 0;
	snprintf(T.pins[T.npins++], sizeof(T.pins[0]), "%s", path);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		struct bpf_map_info m = {};
		struct bpf_prog_info p = {};
		struct bpf_link_info l = {};
		__u32 len = sizeof(m);

		if (!strstr(path, "/progs/") && !strstr(path, "/links/") && /* maps: the top */
		    !bpf_obj_get_info_by_fd(fd, &m, &len))
			add_id(T.map_ids, &T.nmaps, m.id);
		len = sizeof(p);
		if (strstr(path, "/progs/") && !bpf_obj_get_info_by_fd(fd, &p, &len))
			add_id(T.prog_ids, &T.nprogs, p.id);
		len = sizeof(l);
		if (strstr(path, "/links/") && !bpf_obj_get_info_by_fd(fd, &l, &len))
			add_id(T.link_ids, &T.nlinks, l.id);
		close(fd);
	}
	return 0;
}

static void gather(void)
{
	char *cfg = read_file(B.config);
	json_t *j = json_loads(cfg ? cfg : "", 0, NULL);

	memset(&T, 0, sizeof(T));
	nftw(B.bpffs, collect_pin, 16, FTW_PHYS);
	snprintf(T.files[0], sizeof(T.files[0]), "%s", B.hosts);
	snprintf(T.files[1], sizeof(T.files[1]), "%s",
		 json_string_value(json_object_get(j, "stateFile")) ?: "");
	snprintf(T.files[2], sizeof(T.files[2]), "%s",
		 json_string_value(json_object_get(j, "statusFile")) ?: "");
	vip_of("web", false, T.vip, sizeof(T.vip));
	T.daemon = B.daemon;
	json_decref(j);
	free(cfg);
}

/* ---- the tries (run as nobody) ---- */

#define NOT_REFUSED(...) \
	do { \
		snprintf(detail, DETAIL, __VA_ARGS__); \
		return 1; \
	} while (0)

static int try_obj_get(char *detail)
{
	int i, fd;

	for (i = 0; i < T.npins; i++) {
		LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

		if ((fd = bpf_obj_get(T.pins[i])) >= 0 ||
		    (fd = bpf_obj_get_opts(T.pins[i], &ro)) >= 0)
			NOT_REFUSED("bpf obj_get %s", T.pins[i]);
		if ((fd = open(T.pins[i], O_RDONLY)) >= 0)
			NOT_REFUSED("open %s", T.pins[i]);
	}
	return 0;
}

static int try_bpffs_dir(char *detail)
{
	int fd = open(B.bpffs, O_RDONLY | O_DIRECTORY);
	char path[500];

	if (fd >= 0)
		NOT_REFUSED("open %s", B.bpffs);
	snprintf(path, sizeof(path), "%s/planted", B.bpffs);
	if (mkdir(path, 0755) == 0 || (fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0)
		NOT_REFUSED("made %s", path);
	return 0;
}

static int try_by_id(char *detail)
{
	int i;

	for (i = 0; i < T.nmaps; i++)
		if (bpf_map_get_fd_by_id(T.map_ids[i]) >= 0)
			NOT_REFUSED("map id %u", T.map_ids[i]);
	for (i = 0; i < T.nprogs; i++)
		if (bpf_prog_get_fd_by_id(T.prog_ids[i]) >= 0)
			NOT_REFUSED("program id %u", T.prog_ids[i]);
	for (i = 0; i < T.nlinks; i++)
		if (bpf_link_get_fd_by_id(T.link_ids[i]) >= 0)
			NOT_REFUSED("link id %u", T.link_ids[i]);
	return 0;
}

static int try_signal(char *detail)
{
	static const int sigs[] = { 0, SIGTERM, SIGKILL, SIGHUP, SIGINT, SIGSTOP, SIGUSR1 };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!kill(T.daemon, sigs[i]) && sigs[i])
			NOT_REFUSED("signal %d", sigs[i]);
	return 0;
}

static int try_proc(char *detail)
{
	static const char *const what[] = { "ns/net", "ns/mnt", "mem", "environ", "fd/0", "root/" };
	char path[64];
	size_t i;

	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", T.daemon, what[i]);
		if (open(path, O_RDONLY) >= 0)
			NOT_REFUSED("open %s", path);
	}
	if (!ptrace(PTRACE_ATTACH, T.daemon, NULL, NULL)) {
		ptrace(PTRACE_DETACH, T.daemon, NULL, NULL);
		NOT_REFUSED("ptrace attach");
	}
	return 0;
}

/* dir of path into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *s = strrchr(path, '/');

	snprintf(buf, len, "%.*s", s ? (int)(s - path) : 1, s ? path : ".");
}

static int try_plant(char *detail)
{
	char dir[400], path[500];
	int i, fd;

	for (i = 0; i < 3; i++) {
		if (!T.files[i][0])
			continue;
		dir_of(T.files[i], dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s.planted", T.files[i]);
		if ((fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0)
			NOT_REFUSED("made %s", path);
		if (!symlink("/etc/shadow", path))
			NOT_REFUSED("symlink %s", path);
		snprintf(path, sizeof(path), "%s/planted-dir", dir);
		if (!mkdir(path, 0755))
			NOT_REFUSED("mkdir %s", path);
	}
	return 0;
}

static int try_files(char *detail)
{
	char tmp[500];
	int i;

	for (i = 0; i < 3; i++) {
		if (!T.files[i][0])
			continue;
		if (open(T.files[i], O_WRONLY) >= 0 || open(T.files[i], O_RDWR | O_TRUNC) >= 0)
			NOT_REFUSED("open %s for writing", T.files[i]);
		if (!unlink(T.files[i]))
			NOT_REFUSED("unlink %s", T.files[i]);
		snprintf(tmp, sizeof(tmp), "%s.old", T.files[i]);
		if (!rename(T.files[i], tmp))
			NOT_REFUSED("rename %s", T.files[i]);
		if (i == 1 && open(T.files[i], O_RDONLY) >= 0) /* the state file is 0600 */
			NOT_REFUSED("read %s", T.files[i]);
	}
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int try_cgroup(char *detail)
{
	char path[500];

	snprintf(path, sizeof(path), "%s/planted", B.cgroup);
	if (!mkdir(path, 0755))
		NOT_REFUSED("mkdir %s", path);
	snprintf(path, sizeof(path), "%s/cgroup.procs", B.cg_root);
	if (!write_str(path, "0"))
		NOT_REFUSED("moved itself to the cgroup2 root");
	snprintf(path, sizeof(path), "%s/cgroup.procs", B.cgroup2);
	if (!write_str(path, "0"))
		NOT_REFUSED("moved itself to %s", B.cgroup2);
	return 0;
}

/* sluicectl ARGS... as this user: 0 when it failed. */
static int ctl_fails(const char *a1, const char *a2, const char *a3)
{
	int st = -1, fd;
	pid_t p = fork();

	if (!p) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(B.sluicectl, "sluicectl", "-b", B.bpffs, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int try_sluicectl(char *detail)
{
	if (!ctl_fails("detach", B.cgroup, NULL))
		NOT_REFUSED("sluicectl detach");
	if (!ctl_fails("attach", B.cgroup2, NULL))
		NOT_REFUSED("sluicectl attach");
	if (!ctl_fails("teardown", "--force", NULL))
		NOT_REFUSED("sluicectl teardown --force");
	if (!ctl_fails("services", NULL, NULL))
		NOT_REFUSED("sluicectl services (reads the maps)");
	return 0;
}

static const struct try tries[] = {
	{ "bpf obj_get (read-write, read-only) and open() of every pin", try_obj_get },
	{ "open the bpffs directory, make a pin or directory in it", try_bpffs_dir },
	{ "the data plane's maps, programs and links by id", try_by_id },
	{ "signal sluiced", try_signal },
	{ "sluiced's namespaces, memory, environment, fds, ptrace", try_proc },
	{ "plant a file, a symlink, a directory where sluiced writes", try_plant },
	{ "write, truncate, remove, rename (or read the state of) sluiced's files", try_files },
	{ "make a cgroup below the attached one, leave for another", try_cgroup },
	{ "sluicectl detach, attach, teardown --force, services", try_sluicectl },
};
#define NTRIES (sizeof(tries) / sizeof(tries[0]))

/* nobody's connect flood from the attached cgroup: to the VIP's alias port and a port that has
 * none, each closed as soon as it is issued. */
static void flood(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int i, fd;

	inet_pton(AF_INET, T.vip, &a.sin_addr);
	for (i = 0; i < FLOOD; i++) {
		a.sin_port = htons(i % 2 ? 80 : 81);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
	}
}

static int become_nobody(int where)
{
	char path[400];

	if (where & W_CGROUP) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", B.cgroup);
		if (write_str(path, "0"))
			return -1;
	}
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ||
	    prctl(PR_SET_DUMPABLE, 1)) /* setuid cleared it: /proc/self would be root's */
		return -1;
	if (where & W_USERNS) { /* root of a user namespace of its own, all capabilities in it */
		if (unshare(CLONE_NEWUSER) || write_str("/proc/self/setgroups", "deny") ||
		    write_str("/proc/self/uid_map", "0 65534 1") ||
		    write_str("/proc/self/gid_map", "0 65534 1") || setuid(0) || setgid(0))
			return -1;
	}
	return 0;
}

/* Every try as nobody at where; each one's verdict is expected "refused". */
static void tries_at(int where)
{
	static const char *const names[] = { "outside the cgroup", "in the attached cgroup",
					      "in a user namespace",
					      "in the attached cgroup and a user namespace" };
	char line[DETAIL + 32];
	int p[2], status;
	size_t seen = 0;
	FILE *f;
	pid_t c;

	if (pipe(p))
		return;
	c = fork();
	if (!c) {
		char detail[DETAIL];
		size_t i;

		close(p[0]);
		if (become_nobody(where)) {
			dprintf(p[1], "setup %s\n", strerror(errno));
			_exit(1);
		}
		for (i = 0; i < NTRIES; i++) {
			detail[0] = '\0';
			dprintf(p[1], "%zu %d %s\n", i, tries[i].fn(detail), detail);
		}
		if (where & W_CGROUP)
			flood();
		_exit(0);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		size_t i;
		int r;
		char *d;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%zu %d", &i, &r) != 2 || i >= NTRIES) {
			expect(false, "nobody %s: %s", names[where], line);
			continue;
		}
		d = strchr(strchr(line, ' ') + 1, ' ');
		expect(r == 0, "nobody %s: %s: not refused: %s", names[where], tries[i].what,
		       d ? d + 1 : "");
		seen++;
	}
	if (f)
		fclose(f);
	waitpid(c, &status, 0);
	expect(seen == NTRIES && WIFEXITED(status) && !WEXITSTATUS(status),
	       "nobody %s: %zu of %zu tries ran", names[where], seen, NTRIES);
}

/* A file's identity and content, to tell whether it changed. */
static char *snapshot(const char *path)
{
	struct stat st;
	char *text = read_file(path), *out = NULL;

	if (!stat(path, &st) && asprintf(&out, "%lu %o %u %s", (unsigned long)st.st_ino,
					  st.st_mode, st.st_uid, text ? text : "") < 0)
		out = NULL;
	free(text);
	return out;
}

void t_nobody_changes_nothing(void)
{
	char *hosts, *state, *attached = NULL, *after = NULL, *s;
	int where, npins;

	expect(routes_to("web", "B1", 2000), "web does not reach B1 before");
	ctl(&attached, "attached", (char *)NULL);
	gather();
	npins = T.npins;
	expect(T.npins > 10 && T.nmaps > 3 && T.nprogs > 3 && T.nlinks > 3 && T.vip[0] &&
	       T.files[1][0] && T.files[2][0], "what to try: %d pins, %d maps, %d programs, %d "
	       "links, vip %s", T.npins, T.nmaps, T.nprogs, T.nlinks, T.vip);
	hosts = snapshot(T.files[0]);
	state = snapshot(T.files[1]);
	/* The test's directory is root's 0700: opened as /run and /var/lib are, for the tries to
	 * meet sluiced's own defences, not the test's. */
	expect(!chmod(B.dir, 0755), "chmod %s", B.dir);
	for (where = 0; where < 4; where++)
		tries_at(where);
	chmod(B.dir, 0700);

	expect(daemon_alive() && B.daemon == T.daemon, "sluiced did not survive nobody");
	expect(routes_to("web", "B1", 2000), "web does not reach B1 after nobody's tries");
	s = snapshot(T.files[0]);
	expect(hosts && s && !strcmp(hosts, s), "the hosts file changed");
	free(s);
	s = snapshot(T.files[1]);
	expect(state && s && !strcmp(state, s), "the state file changed");
	free(s);
	ctl(&after, "attached", (char *)NULL);
	expect(attached && after && !strcmp(attached, after), "the attachments changed:\n%s\n%s",
	       attached, after);
	gather();
	expect(T.npins == npins, "pins: %d before, %d after", npins, T.npins);
	expect(log_count(" ejected after ") == 0, "nobody's flood ejected a backend");
	free(hosts);
	free(state);
	free(attached);
	free(after);
}

/* ---- directories planted before sluiced writes there ---- */

/* A path sluiced is given to write, in or below directories planted in pub (as /tmp is: root's,
 * sticky, anyone may write): refused with why, nothing made below watch. */
struct planted {
	const char *what;
	const char *key;   /* the config key */
	const char *path;  /* below pub */
	const char *why;   /* in the refusal */
	const char *watch; /* below pub: stays empty */
};

static const struct planted planted[] = {
	{ "the file's directory nobody's", "hostsFile", "nb/hosts", "owned by uid 65534", "nb" },
	{ "a directory above it nobody's (sluiced would make run/sluice in it, which nobody "
	  "could swap for a symlink to wherever)", "hostsFile", "nb2/run/sluice/hosts",
	  "nb2 is owned by uid 65534, who could replace", "nb2" },
	{ "the same, the status file", "statusFile", "nb2/var/status.json",
	  "nb2 is owned by uid 65534, who could replace", "nb2" },
	{ "the directory a symlink nobody planted, to a directory of its own", "hostsFile",
	  "link/hosts", "link is owned by uid 65534", "nb" },
	{ "a directory anyone may write in, not sticky", "hostsFile", "open/hosts",
	  "writable by others", "open" },
	{ "the same, above it", "hostsFile", "open/sub/hosts",
	  "open is writable by others (mode 0777), who could", "open" },
};

static bool empty_dir(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", path);
	return system(cmd) == 0;
}

/* The config file's member key set to the string value. */
static bool set_key(const char *config, const char *key, const char *value)
{
	json_t *j = json_load_file(config, 0, NULL);
	char *text;
	bool ok;

	if (!j)
		return false;
	json_object_set_new(j, key, json_string(value));
	text = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	ok = text && !replace_file(config, text);
	free(text);
	return ok;
}

/* pub/name (a static buffer: one at a time). */
static const char *in_pub(const char *pub, const char *name)
{
	static char buf[400];

	snprintf(buf, sizeof(buf), "%s/%s", pub, name);
	return buf;
}

void t_planted_dirs_refused(void)
{
	char pub[300], path[500], watch[500], *cfg = read_file(B.config);
	char *orig_hosts = strdup(B.hosts);
	json_t *j = json_loads(cfg ? cfg : "", 0, NULL);
	char *orig_status = strdup(json_string_value(json_object_get(j, "statusFile")) ?: "");
	size_t i;

	json_decref(j);
	free(cfg);
	snprintf(pub, sizeof(pub), "%s/pub", B.dir);
	expect(!mkdir(pub, 0755) && !chmod(pub, 01777) && !chmod(B.dir, 0755), "mkdir pub");
	expect(!mkdir(in_pub(pub, "nb"), 0755) && !chown(in_pub(pub, "nb"), NOBODY, NOBODY) &&
	       !mkdir(in_pub(pub, "nb2"), 0755) && !chown(in_pub(pub, "nb2"), NOBODY, NOBODY) &&
	       !symlink("nb", in_pub(pub, "link")) &&
	       !lchown(in_pub(pub, "link"), NOBODY, NOBODY) && !mkdir(in_pub(pub, "open"), 0755) &&
	       !chmod(in_pub(pub, "open"), 0777), "nobody's directories");
	for (i = 0; i < sizeof(planted) / sizeof(planted[0]); i++) {
		const struct planted *p = &planted[i];
		int before = log_count("refusing to write there");

		snprintf(path, sizeof(path), "%s/%s", pub, p->path);
		snprintf(watch, sizeof(watch), "%s/%s", pub, p->watch);
		expect(reload_with(p->key, json_string(path)), "%s: reload with %s %s", p->what,
		       p->key, path);
		wait_log("refusing to write there", before + 1, 3000);
		expect(log_count("refusing to write there") > before && log_count(p->why) > 0,
		       "%s: %s %s was not refused (%s)", p->what, p->key, path, p->why);
		expect(access(path, F_OK) && empty_dir(watch), "%s: %s %s: something was made "
		       "below %s", p->what, p->key, path, watch);
	}
	expect(reload_with("hostsFile", json_string(orig_hosts)) &&
	       reload_with("statusFile", json_string(orig_status)), "reload with the old paths");

	/* At a start: a sluiced started on a config naming a path below nobody's directory. */
	snprintf(path, sizeof(path), "%s/nb2/run/sluice/hosts", pub);
	snprintf(watch, sizeof(watch), "%s/nb2", pub);
	expect(daemon_stop(SIGTERM) == 0 && set_key(B.config, "hostsFile", path) &&
	       daemon_spawn() == 0, "a start with hostsFile %s", path);
	wait_log("refusing to write there", log_count("refusing to write there") + 1, 5000);
	expect(count_since(B.spawn_mark, "nb2 is owned by uid 65534, who could replace") > 0 &&
	       empty_dir(watch), "at a start: hostsFile %s was not refused, or something was "
	       "made below %s", path, watch);
	expect(daemon_stop(SIGTERM) == 0 && set_key(B.config, "hostsFile", orig_hosts) &&
	       daemon_start() == 0, "a start with the old hostsFile");
	expect(routes_to("web", "B1", 2000), "web does not reach B1 after");
	chmod(B.dir, 0700);
	snprintf(path, sizeof(path), "rm -rf '%s'", pub);
	expect(system(path) == 0, "rm %s", pub);
	free(orig_hosts);
	free(orig_status);
}
