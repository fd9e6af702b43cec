// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cplane.c: control-plane measurements for the benchmarks: the time from a registry file
 * change to the first connect it lets through, and the memory of sluice's maps. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#define POLL_GAP_NS 100000 /* between connect attempts: the precision of the figure */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One blocking TCP connect to sin: 0, or the errno it failed with. */
static int try_connect(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return errno;
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)))
		err = errno;
	close(fd);
	return err;
}

/* wait ok|refused VIP PORT TIMEOUT_S [SRC DST]: with SRC DST, rename SRC over DST first (a
 * registry change, as atomic as registries write it); then connect to VIP:PORT until a
 * connect gets through (ok) or is refused (refused). Prints the time from the start. */
static int cmd_wait(int argc, char **argv)
{
	struct timespec gap = { 0, POLL_GAP_NS };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	double timeout = argc > 5 ? atof(argv[5]) : 0, t0, t;
	bool want_ok = argc > 2 && !strcmp(argv[2], "ok");
	long attempts = 0;
	int err = 0;

	if ((argc != 6 && argc != 8) || (!want_ok && strcmp(argv[2], "refused")) ||
	    inet_pton(AF_INET, argv[3], &sin.sin_addr) != 1 || atoi(argv[4]) <= 0 ||
	    atoi(argv[4]) > 65535 || timeout <= 0) {
		fprintf(stderr, "usage: cplane wait ok|refused VIP PORT TIMEOUT_S [SRC DST]\n");
		return 2;
	}
	sin.sin_port = htons(atoi(argv[4]));
	t0 = now_s();
	if (argc == 8 && rename(argv[6], argv[7])) {
		fprintf(stderr, "cplane: rename %s to %s: %s\n", argv[6], argv[7], strerror(errno));
		return 1;
	}
	for (t = t0; t - t0 < timeout; t = now_s()) {
		attempts++;
		err = try_connect(&sin);
		if (want_ok ? !err : err == ECONNREFUSED) {
			printf("{\"ms\":%.3f,\"attempts\":%ld}\n", (now_s() - t0) * 1e3, attempts);
			return 0;
		}
		nanosleep(&gap, NULL);
	}
	fprintf(stderr, "cplane: %s:%s not %s %.1f s on (last: %s)\n", argv[3], argv[4],
		want_ok ? "connecting" : "refused", timeout, err ? strerror(err) : "connected");
	return 1;
}

/* The memlock line of fd's fdinfo: the bytes the kernel charges for that map; -1 when fd
 * is no map (a pinned program or link has no map_type line). */
static long long memlock_of(int fd)
{
	char path[64], line[256];
	long long v = -1;
	bool map = false;
	int type;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "map_type: %d", &type) == 1)
			map = true;
		sscanf(line, "memlock: %lld", &v);
	}
	fclose(f);
	return map ? v : -1;
}

/* Every table an outer map points to: their count and memlock summed. */
static int inner_maps(int outer, long *n, long long *bytes)
{
	__u32 key, next, id;
	__u32 *prev = NULL;
	int fd;

	*n = 0;
	*bytes = 0;
	while (!bpf_map_get_next_key(outer, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(outer, &key, &id))
			continue; /* an empty slot of the array */
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue; /* replaced meanwhile */
		*bytes += memlock_of(fd);
		(*n)++;
		close(fd);
	}
	return errno == ENOENT ? 0 : -errno;
}

/* mapmem DIR: the maps pinned in DIR (sluiced's --bpffs), with their max_entries, and the
 * slot tables backend_sets holds, as one JSON line. */
static int cmd_mapmem(int argc, char **argv)
{
	long long total = 0, tables_bytes = 0, m;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	const char *sep = "";
	long ntables = 0;
	struct dirent *e;
	char path[4096];
	DIR *dir;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: cplane mapmem BPFFS-DIR\n");
		return 2;
	}
	dir = opendir(argv[2]);
	if (!dir) {
		fprintf(stderr, "cplane: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("{\"maps\":{");
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || strlen(argv[2]) + strlen(e->d_name) + 2 > sizeof(path))
			continue;
		snprintf(path, sizeof(path), "%.3800s/%.255s", argv[2], e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* a directory (progs, links) */
		m = memlock_of(fd);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (m < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue; /* a program or link */
		}
		total += m;
		printf("%s\"%s\":{\"bytes\":%lld,\"max_entries\":%u,\"value_size\":%u}", sep,
		       e->d_name, m, info.max_entries, info.value_size);
		sep = ",";
		if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS)
			if (inner_maps(fd, &ntables, &tables_bytes))
				fprintf(stderr, "cplane: %s: reading its tables: %s\n", path,
					strerror(errno));
		close(fd);
	}
	closedir(dir);
	printf("},\"tables\":%ld,\"tables_bytes\":%lld,\"total_bytes\":%lld}\n", ntables,
	       tables_bytes, total + tables_bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "wait"))
		return cmd_wait(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "mapmem"))
		return cmd_mapmem(argc, argv);
	fprintf(stderr, "usage: cplane wait ok|refused VIP PORT TIMEOUT_S [SRC DST]\n"
			"       cplane mapmem BPFFS-DIR\n");
	return 2;
}
