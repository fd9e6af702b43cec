// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ref-loader.c: loads the one-lookup reference connect4 (ref.bpf.c), fills its map from a
 * file and attaches it to one task cgroup with a bpf_link until SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ref.h"
#include "ref.skel.h"

#define PROG "ref-loader"
#define BATCH 8192           /* entries per batch write */
#define ENOTSUPP_KERNEL 524  /* the kernel's "operation not supported" (no batch ops) */

struct opts {
	const char *cgroup;
	const char *file;
	const char *pin;
	unsigned long max_entries; /* 0: the number of entries */
};

struct entries {
	struct ref_key *keys;
	struct ref_value *values;
	size_t n, cap;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -g CGROUP_DIR -f FILE [-n MAX_ENTRIES] [-p PIN_PATH]\n"
		"  FILE: lines \"VIP PORT BACKEND_ADDR BACKEND_PORT\" (dotted IPv4), '#' comments\n"
		"  prints \"ready PROG_ID\" once attached; detaches on SIGTERM or SIGINT\n");
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	char *end;
	int c;

	while ((c = getopt(argc, argv, "g:f:n:p:h")) != -1) {
		switch (c) {
		case 'g':
			o->cgroup = optarg;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'p':
			o->pin = optarg;
			break;
		case 'n':
			errno = 0;
			o->max_entries = strtoul(optarg, &end, 10);
			if (errno || *end || !o->max_entries || o->max_entries > UINT32_MAX) {
				fprintf(stderr, PROG ": -n %s: want a count from 1 to %u\n",
					optarg, UINT32_MAX);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!o->cgroup || !o->file || optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Is path (canonical) where a cgroup2 hierarchy is mounted? */
static int is_cgroup2_mount(const char *path)
{
	char real[PATH_MAX];
	struct mntent *me;
	bool found = false;
	FILE *f;

	f = setmntent("/proc/mounts", "r");
	if (!f) {
		fprintf(stderr, PROG ": /proc/mounts: %s\n", strerror(errno));
		return -errno;
	}
	while (!found && (me = getmntent(f)))
		if (!strcmp(me->mnt_type, "cgroup2") && realpath(me->mnt_dir, real))
			found = !strcmp(real, path);
	endmntent(f);
	return found;
}

/* A cgroup2 directory that is not a hierarchy's root: an O_RDONLY fd on it. */
static int open_cgroup(const char *cgroup)
{
	char real[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int fd, err;

	if (!realpath(cgroup, real)) {
		fprintf(stderr, PROG ": cgroup %s: %s\n", cgroup, strerror(errno));
		return -errno;
	}
	err = is_cgroup2_mount(real);
	if (err < 0)
		return err;
	if (err || !strcmp(real, "/sys/fs/cgroup")) {
		fprintf(stderr, PROG ": cgroup %s is the cgroup2 root: refusing to route every "
			"process on the host; give a child cgroup you created\n", real);
		return -EPERM;
	}
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": cgroup %s: %s\n", real, strerror(errno));
		return -errno;
	}
	err = 0;
	if (fstatfs(fd, &sfs) || fstat(fd, &st))
		err = -errno;
	else if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		err = -ENOTDIR;
	else if (st.st_ino == 1) /* the root of a cgroup2 hierarchy, wherever it shows */
		err = -EPERM;
	if (err) {
		fprintf(stderr, PROG ": cgroup %s: %s\n", real,
			err == -ENOTDIR ? "not a cgroup v2 directory" :
			err == -EPERM ? "is a cgroup2 root, refused" : strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int parse_addr(const char *s, __be32 *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

static int parse_port(const char *s, __be16 *port)
{
	unsigned long p;
	char *end;

	errno = 0;
	p = strtoul(s, &end, 10);
	if (errno || *end || s[0] < '0' || s[0] > '9' || !p || p > 65535)
		return -EINVAL;
	*port = htons((uint16_t)p);
	return 0;
}

static int grow(struct entries *e)
{
	size_t cap = e->cap ? e->cap * 2 : 1024;
	struct ref_value *v;
	struct ref_key *k;

	k = realloc(e->keys, cap * sizeof(*k));
	if (!k)
		return -ENOMEM;
	e->keys = k;
	v = realloc(e->values, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->values = v;
	e->cap = cap;
	return 0;
}

static int bad_field(const char *file, size_t lineno, const char *what, const char *tok,
		     const char *want)
{
	fprintf(stderr, PROG ": %s:%zu: bad %s \"%s\" (want %s)\n", file, lineno, what, tok, want);
	return -EINVAL;
}

static int append(struct entries *e, const struct ref_key *k, const struct ref_value *v)
{
	int err;

	if (e->n == e->cap && (err = grow(e)))
		return err;
	e->keys[e->n] = *k;
	e->values[e->n] = *v;
	e->n++;
	return 0;
}

/* One line: nothing (blank or comment), or an entry appended to e. */
static int parse_line(char *line, const char *file, size_t lineno, struct entries *e)
{
	static const char ip_want[] = "a dotted IPv4 address", port_want[] = "a port 1-65535";
	char *tok[4], *save = NULL, *hash, *t;
	struct ref_value v = {};
	struct ref_key k = {};
	int n = 0;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save))
		if (n++ < 4)
			tok[n - 1] = t;
	if (!n)
		return 0;
	if (n != 4) {
		fprintf(stderr, PROG ": %s:%zu: %d fields, want \"VIP PORT BACKEND_ADDR "
			"BACKEND_PORT\"\n", file, lineno, n);
		return -EINVAL;
	}
	if (parse_addr(tok[0], &k.addr))
		return bad_field(file, lineno, "VIP", tok[0], ip_want);
	if (parse_port(tok[1], &k.port))
		return bad_field(file, lineno, "PORT", tok[1], port_want);
	if (parse_addr(tok[2], &v.addr))
		return bad_field(file, lineno, "BACKEND_ADDR", tok[2], ip_want);
	if (parse_port(tok[3], &v.port))
		return bad_field(file, lineno, "BACKEND_PORT", tok[3], port_want);
	if (append(e, &k, &v)) {
		fprintf(stderr, PROG ": %s:%zu: out of memory\n", file, lineno);
		return -ENOMEM;
	}
	return 0;
}

static int read_entries(const char *file, struct entries *e)
{
	size_t len = 0, lineno = 0;
	char *line = NULL;
	int err = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		err = -errno;
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		return err;
	}
	while (!err && getline(&line, &len, f) >= 0)
		err = parse_line(line, file, ++lineno, e);
	if (!err && ferror(f)) {
		err = -EIO;
		fprintf(stderr, PROG ": %s: read error\n", file);
	}
	free(line);
	fclose(f);
	return err;
}

/* Write entries [from, n) one at a time. */
static int fill_single(int fd, const struct entries *e, size_t from)
{
	for (size_t i = from; i < e->n; i++)
		if (bpf_map_update_elem(fd, &e->keys[i], &e->values[i], BPF_ANY))
			return -errno;
	return 0;
}

/* Every entry into the map, in batches; one at a time where the kernel has no batch ops. */
static int fill_map(int fd, const struct entries *e)
{
	size_t i = 0;
	__u32 count;

	while (i < e->n) {
		count = e->n - i < BATCH ? e->n - i : BATCH;
		if (bpf_map_update_batch(fd, &e->keys[i], &e->values[i], &count, NULL)) {
			if (errno != EINVAL && errno != ENOTSUPP_KERNEL && errno != EOPNOTSUPP)
				return -errno;
			return fill_single(fd, e, i);
		}
		i += count;
	}
	return 0;
}

static int prog_id(const struct bpf_program *prog, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static int block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return -errno;
	return 0;
}

/* The reference program, loaded with max_entries set and its map filled. */
static int load_ref(const struct opts *o, const struct entries *e, struct ref **out)
{
	struct timespec t0;
	struct ref *skel;
	int err;

	skel = ref__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, PROG ": opening the BPF object: %s\n", strerror(errno));
		return err;
	}
	err = bpf_map__set_max_entries(skel->maps.ref_frontends, o->max_entries);
	if (err) {
		fprintf(stderr, PROG ": ref_frontends: setting max_entries %lu: %s\n",
			o->max_entries, strerror(-err));
		goto fail;
	}
	err = ref__load(skel);
	if (err) {
		fprintf(stderr, PROG ": loading ref_connect4: %s\n", strerror(-err));
		goto fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = fill_map(bpf_map__fd(skel->maps.ref_frontends), e);
	if (err) {
		fprintf(stderr, PROG ": ref_frontends: filling %zu entries: %s\n", e->n,
			strerror(-err));
		goto fail;
	}
	fprintf(stderr, PROG ": %s: %zu entries (max_entries %lu), map filled in %.1f ms\n",
		o->file, e->n, o->max_entries, ms_since(&t0));
	*out = skel;
	return 0;
fail:
	ref__destroy(skel);
	return err;
}

/* Entries from the file, and max_entries settled (the entries, at least 1, by default). */
static int load_entries(struct opts *o, struct entries *e)
{
	struct timespec t0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = read_entries(o->file, e);
	if (err)
		return err;
	fprintf(stderr, PROG ": %s: parsed in %.1f ms\n", o->file, ms_since(&t0));
	if (!o->max_entries)
		o->max_entries = e->n ? e->n : 1;
	if (o->max_entries < e->n) {
		fprintf(stderr, PROG ": %s: %zu entries, more than -n %lu\n", o->file, e->n,
			o->max_entries);
		return -E2BIG;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *link = NULL;
	struct entries e = {};
	struct ref *skel = NULL;
	struct opts o = {};
	bool pinned = false;
	int cg_fd = -1, err, sig;
	sigset_t set;
	__u32 id = 0;

	if (parse_opts(argc, argv, &o))
		return 2;
	/* Blocked before anything is attached: a signal from now on ends in a clean detach. */
	err = block_signals(&set);
	if (err) {
		fprintf(stderr, PROG ": blocking SIGTERM and SIGINT: %s\n", strerror(-err));
		return 1;
	}
	cg_fd = open_cgroup(o.cgroup);
	if (cg_fd < 0) {
		err = cg_fd;
		goto cleanup;
	}
	err = load_entries(&o, &e);
	if (err)
		goto cleanup;
	err = load_ref(&o, &e, &skel);
	if (err)
		goto cleanup;
	err = prog_id(skel->progs.ref_connect4, &id);
	if (err) {
		fprintf(stderr, PROG ": ref_connect4: reading its id: %s\n", strerror(-err));
		goto cleanup;
	}
	if (o.pin) {
		err = bpf_program__pin(skel->progs.ref_connect4, o.pin);
		if (err) {
			fprintf(stderr, PROG ": pinning ref_connect4 at %s: %s\n", o.pin,
				strerror(-err));
			goto cleanup;
		}
		pinned = true;
	}
	link = bpf_program__attach_cgroup(skel->progs.ref_connect4, cg_fd);
	if (!link) {
		err = -errno;
		fprintf(stderr, PROG ": attaching ref_connect4 to cgroup %s: %s\n", o.cgroup,
			strerror(errno));
		goto cleanup;
	}
	printf("ready %u\n", id);
	fflush(stdout);

	err = -sigwait(&set, &sig);
	if (err)
		fprintf(stderr, PROG ": waiting for SIGTERM or SIGINT: %s\n", strerror(-err));
cleanup:
	bpf_link__destroy(link);
	if (pinned && bpf_program__unpin(skel->progs.ref_connect4, o.pin))
		fprintf(stderr, PROG ": unpinning %s failed\n", o.pin);
	ref__destroy(skel);
	if (cg_fd >= 0)
		close(cg_fd);
	free(e.keys);
	free(e.values);
	return err ? 1 : 0;
}
