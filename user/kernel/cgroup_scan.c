// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup_scan.c: walking cgroup subtrees for their ids and their processes' network
 * namespaces (each held open once, by device and inode), within fixed bounds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/cgroup_scan.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/vec.h"

static int u64_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (sl_vec_room(*v, *n, *cap))
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

int sl_cgroup_scan_add_netns(struct sl_cgroup_scan *s, const char *path)
{
	struct stat st;
	size_t i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	for (i = 0; i < s->nns; i++)
		if (s->ns[i].dev == st.st_dev && s->ns[i].ino == st.st_ino) {
			close(fd);
			return 0;
		}
	if (s->nns >= SL_SCAN_MAX_NETNS) {
		close(fd);
		s->truncated = true;
		return -E2BIG;
	}
	if (sl_vec_room(s->ns, s->nns, s->nscap)) {
		close(fd);
		return -ENOMEM;
	}
	s->ns[s->nns].fd = fd;
	s->ns[s->nns].dev = st.st_dev;
	s->ns[s->nns].ino = st.st_ino;
	s->nns++;
	return 0;
}

/* The network namespaces of the processes listed in dir/cgroup.procs. */
static int scan_procs(struct sl_cgroup_scan *s, const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int pid, ret = 0;

	if (sl_pathf(path, sizeof(path), "%s/cgroup.procs", dir))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0; /* removed meanwhile, or not a cgroup: nothing to visit */
	while (fscanf(f, "%d", &pid) == 1) {
		if (s->npids >= SL_SCAN_MAX_PIDS) {
			s->truncated = true;
			break;
		}
		s->npids++;
		sl_pathf(path, sizeof(path), "/proc/%d/ns/net", pid);
		ret = sl_cgroup_scan_add_netns(s, path);
		if (ret == -ENOENT || ret == -ESRCH || ret == -E2BIG)
			ret = 0; /* gone meanwhile; or full (truncated says so) */
		if (ret)
			break;
	}
	fclose(f);
	return ret;
}

int sl_cgroup_scan_walk(struct sl_cgroup_scan *s, const char *root)
{
	char **dirs = NULL;
	size_t n = 0, i;
	int ret = 0;

	dirs = calloc(SL_SCAN_MAX_CGROUP_DIRS, sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	dirs[n] = strdup(root);
	if (!dirs[n]) {
		ret = -ENOMEM;
		goto cleanup;
	}
	n++;
	for (i = 0; i < n && !ret; i++) {
		struct dirent *de;
		struct stat st;
		DIR *d;

		if (stat(dirs[i], &st)) {
			pr_debug("cgroup %s: %s", dirs[i], strerror(errno));
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		ret = sl_cgroup_scan_add_id(s, st.st_ino); /* inode == cgroup id */
		if (!ret)
			ret = scan_procs(s, dirs[i]);
		if (ret)
			break;
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char sub[PATH_MAX];

			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, ".."))
				continue;
			if (n >= SL_SCAN_MAX_CGROUP_DIRS) {
				s->truncated = true;
				break;
			}
			if (sl_pathf(sub, sizeof(sub), "%s/%s", dirs[i], de->d_name))
				continue;
			dirs[n] = strdup(sub);
			if (!dirs[n]) {
				ret = -ENOMEM;
				break;
			}
			n++;
		}
		closedir(d);
	}
cleanup:
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return ret;
}

int sl_cgroup_scan_add_id(struct sl_cgroup_scan *s, uint64_t id)
{
	return u64_push(&s->cg, &s->ncg, &s->cgcap, id);
}

void sl_cgroup_scan_free(struct sl_cgroup_scan *s)
{
	size_t i;

	for (i = 0; i < s->nns; i++)
		close(s->ns[i].fd);
	free(s->ns);
	free(s->cg);
	memset(s, 0, sizeof(*s));
}
