// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* harness.c: the bench's private namespaces, bpffs and cgroups, files, the daemon under
 * test, its log and sluicectl; everything made here is removed by bench_cleanup, also on
 * failure. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

struct bench B;

unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

int slow_factor(void)
{
	static int f;

	if (!f) {
		const char *s = getenv("E2E_SLOW");
		char *end;
		long v = s ? strtol(s, &end, 10) : 1;

		f = (int)v;
		if (s && (*end || v < 1 || v > 20)) {
			fprintf(stderr, "e2e: E2E_SLOW=%s is not 1-20: taken as 1\n", s);
			f = 1;
		}
	}
	return f;
}

int slow_ms(int ms)
{
	return ms * slow_factor();
}

static int cgroup2_mount(char *buf, size_t len)
{
	char dev[256], mnt[256], type[64];
	FILE *f = fopen("/proc/mounts", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, mnt, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", mnt);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret;
}

int write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f);
}

int replace_file(const char *path, const char *content)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s.tmp~", path);
	if (write_file(tmp, content))
		return -1;
	return rename(tmp, path);
}

char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int bench_setup(const char *sluiced, const char *sluicectl)
{
	char path[512];

	B.sluiced = sluiced;
	B.sluicectl = sluicectl;
	if (cgroup2_mount(B.cg_root, sizeof(B.cg_root))) {
		fprintf(stderr, "e2e: no cgroup2 mount in /proc/mounts\n");
		return -1;
	}
	/* A network namespace of our own: nothing here reaches a real network, and a
	 * mount namespace so the bpffs and everything pinned in it vanish with us. */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		perror("e2e: unshare(CLONE_NEWNET|CLONE_NEWNS)");
		return -1;
	}
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) || lo_up()) {
		perror("e2e: private mounts / lo up");
		return -1;
	}
	strcpy(B.dir, "/tmp/sluice-e2e.XXXXXX");
	if (!mkdtemp(B.dir))
		return -1;
	snprintf(path, sizeof(path), "%s/bpf", B.dir);
	mkdir(path, 0700);
	if (mount("bpf", path, "bpf", 0, "mode=0700")) {
		perror("e2e: mount bpffs");
		return -1;
	}
	snprintf(B.bpffs, sizeof(B.bpffs), "%s/bpf/sluice", B.dir);
	snprintf(B.config, sizeof(B.config), "%s/sluice.json", B.dir);
	snprintf(B.registry, sizeof(B.registry), "%s/registry", B.dir);
	snprintf(B.state, sizeof(B.state), "%s/state", B.dir);
	snprintf(B.hosts, sizeof(B.hosts), "%s/run/hosts", B.dir);
	snprintf(B.log, sizeof(B.log), "%s/sluiced.log", B.dir);
	snprintf(B.cgroup, sizeof(B.cgroup), "%s/sluice-e2e-%d", B.cg_root, getpid());
	snprintf(B.cgroup2, sizeof(B.cgroup2), "%s/sluice-e2e-%d-b", B.cg_root, getpid());
	mkdir(B.registry, 0755);
	if (mkdir(B.cgroup, 0755) || mkdir(B.cgroup2, 0755)) {
		perror("e2e: mkdir cgroup");
		return -1;
	}
	return 0;
}

void rm_rf(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		fprintf(stderr, "e2e: could not remove %s\n", path);
}

static void rmdir_cgroup(const char *cg)
{
	int i;

	for (i = 0; i < 50 && rmdir(cg) && errno == EBUSY; i++)
		usleep(20000); /* processes just killed may still be leaving it */
}

int dataplane_remove(void)
{
	char *out = NULL;
	int ret = 0;

	if (!access(B.bpffs, F_OK) && ctl(&out, "teardown", NULL)) {
		fprintf(stderr, "e2e: sluicectl teardown: %s", out ? out : "");
		ret = -1;
	}
	free(out);
	rm_rf(B.state);
	unlink(B.hosts);
	return ret;
}

void bench_cleanup(void)
{
	char path[512];

	if (B.daemon > 0)
		daemon_stop(SIGKILL);
	if (B.bpffs[0]) {
		dataplane_remove();
		snprintf(path, sizeof(path), "%s/bpf", B.dir);
		umount2(path, MNT_DETACH);
	}
	if (B.cgroup[0])
		rmdir_cgroup(B.cgroup);
	if (B.cgroup2[0])
		rmdir_cgroup(B.cgroup2);
	if (B.dir[0] && getenv("E2E_KEEP") == NULL)
		rm_rf(B.dir);
}

long log_size(void)
{
	struct stat st;

	return stat(B.log, &st) ? 0 : st.st_size;
}

char *log_since(long from)
{
	char *s = read_file(B.log), *tail;
	long n;

	if (!s)
		return NULL;
	n = strlen(s);
	tail = strdup(from < n ? s + from : "");
	free(s);
	return tail;
}

int count_since(long from, const char *needle)
{
	char *s = log_since(from), *p;
	int n = 0;

	if (!s)
		return 0;
	for (p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(s);
	return n;
}

int log_count(const char *needle)
{
	return count_since(B.log_mark, needle);
}

int daemon_spawn(void)
{
	pid_t pid;

	B.spawn_mark = log_size();
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int fd = open(B.log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(B.sluiced, "sluiced", "--config", B.config, (char *)NULL);
		_exit(127);
	}
	B.daemon = pid;
	return 0;
}

int daemon_wait_ready(int timeout_ms)
{
	unsigned long long deadline = now_ms() + (unsigned long long)slow_ms(timeout_ms);

	while (now_ms() < deadline) {
		if (count_since(B.spawn_mark, "sluiced: ready:"))
			return 0;
		if (!daemon_alive())
			return -1;
		usleep(10000);
	}
	return -1;
}

int daemon_start(void)
{
	if (daemon_spawn())
		return -1;
	return daemon_wait_ready(15000);
}

bool daemon_alive(void)
{
	int st;

	if (B.daemon <= 0)
		return false;
	if (waitpid(B.daemon, &st, WNOHANG) == B.daemon) {
		B.daemon = 0;
		return false;
	}
	return true;
}

int daemon_signal(int sig)
{
	return B.daemon > 0 ? kill(B.daemon, sig) : -1; /* never kill(0): the whole group */
}

int daemon_stop(int sig)
{
	int st, i;

	if (B.daemon <= 0)
		return -1;
	kill(B.daemon, sig);
	for (i = 0; i < slow_ms(1000); i++) {
		if (waitpid(B.daemon, &st, WNOHANG) == B.daemon) {
			B.daemon = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	kill(B.daemon, SIGKILL);
	waitpid(B.daemon, &st, 0);
	B.daemon = 0;
	return -1;
}

int ctl(char **out, ...)
{
	char *argv[16] = { "sluicectl", "--bpffs", B.bpffs };
	int argc = 3, pipefd[2], st;
	size_t len = 0, cap = 4096;
	va_list ap;
	ssize_t n;
	pid_t pid;

	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(B.sluicectl, argv);
		_exit(127);
	}
	close(pipefd[1]);
	*out = calloc(1, cap);
	while (*out && (n = read(pipefd[0], *out + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap)
			*out = realloc(*out, cap *= 2);
	}
	if (*out)
		(*out)[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int vip_of(const char *name, bool v6, char *buf, size_t len)
{
	char *s = read_file(B.hosts), *line, *save = NULL;
	int ret = -1;

	if (!s)
		return -1;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64], n1[256];

		if (line[0] == '#' || sscanf(line, "%63s %255s", addr, n1) != 2)
			continue;
		if (strcmp(n1, name) || (strchr(addr, ':') != NULL) != v6)
			continue;
		snprintf(buf, len, "%s", addr);
		ret = 0;
		break;
	}
	free(s);
	return ret;
}
