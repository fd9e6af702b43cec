// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* progstat.c: BPF programs' run-time statistics (run count, run time) as JSON lines: by id,
 * pinned path or cgroup attachment; and a command run with the statistics switched on. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PROG "progstat"

static const struct {
	const char *name;
	enum bpf_attach_type type;
} attach_types[] = {
	{ "ingress", BPF_CGROUP_INET_INGRESS },
	{ "egress", BPF_CGROUP_INET_EGRESS },
	{ "sock_create", BPF_CGROUP_INET_SOCK_CREATE },
	{ "sock_release", BPF_CGROUP_INET_SOCK_RELEASE },
	{ "sockops", BPF_CGROUP_SOCK_OPS },
	{ "device", BPF_CGROUP_DEVICE },
	{ "bind4", BPF_CGROUP_INET4_BIND },
	{ "bind6", BPF_CGROUP_INET6_BIND },
	{ "post_bind4", BPF_CGROUP_INET4_POST_BIND },
	{ "post_bind6", BPF_CGROUP_INET6_POST_BIND },
	{ "connect4", BPF_CGROUP_INET4_CONNECT },
	{ "connect6", BPF_CGROUP_INET6_CONNECT },
	{ "sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG },
	{ "recvmsg4", BPF_CGROUP_UDP4_RECVMSG },
	{ "recvmsg6", BPF_CGROUP_UDP6_RECVMSG },
	{ "getpeername4", BPF_CGROUP_INET4_GETPEERNAME },
	{ "getpeername6", BPF_CGROUP_INET6_GETPEERNAME },
	{ "getsockname4", BPF_CGROUP_INET4_GETSOCKNAME },
	{ "getsockname6", BPF_CGROUP_INET6_GETSOCKNAME },
	{ "sysctl", BPF_CGROUP_SYSCTL },
	{ "getsockopt", BPF_CGROUP_GETSOCKOPT },
	{ "setsockopt", BPF_CGROUP_SETSOCKOPT },
};

static volatile sig_atomic_t child_pid;

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " enable -- CMD [ARGS...]\n"
		"       " PROG " show ID|PINNED_PATH...\n"
		"       " PROG " cgroup CGROUP_DIR ATTACH_TYPE\n"
		"  enable: runs CMD with BPF run-time statistics on; exits with its status\n"
		"  show, cgroup: one JSON line per program: "
		"{\"id\",\"name\",\"run_cnt\",\"run_time_ns\",\"ns_per_run\"}\n"
		"  ATTACH_TYPE:");
	for (size_t i = 0; i < sizeof(attach_types) / sizeof(attach_types[0]); i++)
		fprintf(f, " %s", attach_types[i].name);
	fprintf(f, "\n");
}

/* One program's statistics as a JSON line; ns_per_run is null before its first run. */
static int print_prog(int fd, const char *what)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		fprintf(stderr, PROG ": %s: reading program info: %s\n", what, strerror(-err));
		return err;
	}
	/* Kernel program names are [A-Za-z0-9_.]: nothing to escape. */
	printf("{\"id\":%u,\"name\":\"%s\",\"run_cnt\":%llu,\"run_time_ns\":%llu,\"ns_per_run\":",
	       info.id, info.name, (unsigned long long)info.run_cnt,
	       (unsigned long long)info.run_time_ns);
	if (info.run_cnt)
		printf("%.1f}\n", (double)info.run_time_ns / (double)info.run_cnt);
	else
		printf("null}\n");
	return 0;
}

static int print_prog_id(__u32 id)
{
	char what[32];
	int fd, err;

	snprintf(what, sizeof(what), "program id %u", id);
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(-err));
		return err;
	}
	err = print_prog(fd, what);
	close(fd);
	return err;
}

/* Is fd a program (not a pinned map or link, whose info would be misread)? */
static bool is_prog_fd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:bpf-prog");
}

static int print_pinned(const char *path)
{
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-err));
		return err;
	}
	if (!is_prog_fd(fd)) {
		fprintf(stderr, PROG ": %s: not a pinned BPF program\n", path);
		close(fd);
		return -EINVAL;
	}
	err = print_prog(fd, path);
	close(fd);
	return err;
}

/* A numeric argument is a program id; anything else a pinned path. */
static int cmd_show(int argc, char **argv)
{
	unsigned long id;
	int ret = 0;
	char *end;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		errno = 0;
		id = strtoul(argv[i], &end, 10);
		if (argv[i][0] >= '0' && argv[i][0] <= '9' && !*end && !errno && id <= UINT32_MAX) {
			if (print_prog_id((__u32)id))
				ret = 1;
		} else if (print_pinned(argv[i])) {
			ret = 1;
		}
	}
	fflush(stdout);
	return ret;
}

static int attach_type_of(const char *name, enum bpf_attach_type *type)
{
	for (size_t i = 0; i < sizeof(attach_types) / sizeof(attach_types[0]); i++) {
		if (!strcmp(attach_types[i].name, name)) {
			*type = attach_types[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

/* The ids of the programs attached to the cgroup itself (not inherited); *ids is malloc'd. */
static int query_cgroup(int fd, enum bpf_attach_type type, __u32 **ids, __u32 *cnt)
{
	__u32 n = 0, *buf = NULL;

	for (;;) {
		if (bpf_prog_query(fd, type, 0, NULL, buf, &n)) {
			if (errno == ENOSPC && buf) {
				free(buf);
				buf = NULL;
				n = 0;
				continue;
			}
			free(buf);
			return -errno;
		}
		if (buf || !n)
			break;
		buf = calloc(n + 8, sizeof(*buf)); /* room for a few attached meanwhile */
		if (!buf)
			return -ENOMEM;
		n += 8;
	}
	*ids = buf;
	*cnt = n;
	return 0;
}

static int cmd_cgroup(int argc, char **argv)
{
	enum bpf_attach_type type;
	__u32 *ids = NULL, cnt = 0;
	int fd, err, ret = 0;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (attach_type_of(argv[1], &type)) {
		fprintf(stderr, PROG ": unknown attach type %s\n", argv[1]);
		usage(stderr);
		return 2;
	}
	fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": cgroup %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	err = query_cgroup(fd, type, &ids, &cnt);
	close(fd);
	if (err) {
		fprintf(stderr, PROG ": cgroup %s: querying %s programs: %s\n", argv[0], argv[1],
			strerror(-err));
		return 1;
	}
	for (__u32 i = 0; i < cnt; i++)
		if (print_prog_id(ids[i]))
			ret = 1;
	fflush(stdout);
	free(ids);
	return ret;
}

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static const int fwd_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
#define NFWD_SIGS (sizeof(fwd_sigs) / sizeof(fwd_sigs[0]))

/* The signals to forward to CMD, blocked in *set until it is forked and known. */
static int forward_signals(sigset_t *set)
{
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

	sigemptyset(set);
	for (size_t i = 0; i < NFWD_SIGS; i++)
		sigaddset(set, fwd_sigs[i]);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return -errno;
	sa.sa_mask = *set;
	for (size_t i = 0; i < NFWD_SIGS; i++)
		if (sigaction(fwd_sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

static void exec_child(char **argv, const sigset_t *set)
{
	for (size_t i = 0; i < NFWD_SIGS; i++)
		signal(fwd_sigs[i], SIG_DFL);
	sigprocmask(SIG_UNBLOCK, set, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* CMD's exit status, or 128 + the signal that killed it, as a shell reports it. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, PROG ": waiting for the command: %s\n", strerror(errno));
			return 1;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Run-time statistics stay on while the fd from bpf_enable_stats is open (it is O_CLOEXEC:
 * CMD does not hold it), so for as long as CMD runs. */
static int cmd_enable(int argc, char **argv)
{
	int stats_fd, ret;
	sigset_t set;
	pid_t pid;

	if (argc && !strcmp(argv[0], "--")) {
		argc--;
		argv++;
	}
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, PROG ": enabling BPF run-time statistics (BPF_ENABLE_STATS): %s\n",
			strerror(errno));
		return 1;
	}
	if (forward_signals(&set)) {
		fprintf(stderr, PROG ": installing signal handlers: %s\n", strerror(errno));
		close(stats_fd);
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		close(stats_fd);
		return 1;
	}
	if (!pid)
		exec_child(argv, &set);
	child_pid = pid;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	ret = wait_child(pid);
	close(stats_fd);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "enable"))
		return cmd_enable(argc - 2, argv + 2);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cgroup"))
		return cmd_cgroup(argc - 2, argv + 2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, PROG ": unknown command %s\n", argv[1]);
	usage(stderr);
	return 2;
}
