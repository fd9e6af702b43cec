// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cgroup.c: opening cgroup v2 directories with their id and level, finding the cgroup2
 * mount and the caller's own cgroup, and a cgroup's path from its id. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "kernel/cgroup.h"

#define SL_CGROUP_ROOT_INO 1 /* the cgroup2 root's id */
#define SL_FILEID_KERNFS 0xfe /* a kernfs file handle: the node's 64-bit id (exportfs.h) */

int sl_cgroup_level(int fd, uint32_t *level, struct sl_err *err)
{
	struct stat st, up;
	int cur = fd, ret = -ELOOP;
	uint32_t n;

	for (n = 0; n <= SL_CGROUP_MAX_DEPTH; n++) {
		int parent;

		if (fstat(cur, &st)) {
			ret = -errno;
			sl_err_set(err, "cgroup level: %s", strerror(errno));
			break;
		}
		if (st.st_ino == SL_CGROUP_ROOT_INO) {
			*level = n;
			ret = 0;
			break;
		}
		parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &up)) {
			ret = -errno;
			sl_err_set(err, "cgroup level: %s", strerror(errno));
			if (parent >= 0)
				close(parent);
			break;
		}
		if (cur != fd)
			close(cur);
		cur = parent;
		if (up.st_ino == st.st_ino && up.st_dev == st.st_dev) {
			ret = -EXDEV;
			sl_err_set(err, "the cgroup2 tree seen here does not reach its root (a cgroup "
				   "namespace?): sluice needs the host's (cgroupns=host)");
			break;
		}
	}
	if (ret == -ELOOP)
		sl_err_set(err, "cgroup tree deeper than %d levels", SL_CGROUP_MAX_DEPTH);
	if (cur != fd)
		close(cur);
	return ret;
}

int sl_cgroup_open(const char *path, bool allow_root, uint64_t *id, uint32_t *level,
		   char *real, struct sl_err *err)
{
	struct statfs sfs;
	struct stat st;
	int fd, ret;

	if (!realpath(path, real))
		return sl_err_set(err, "cgroup %s: %s", path, strerror(errno)), -ENOENT;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sl_err_set(err, "cgroup %s: %s", real, strerror(errno)), -ENOENT;
	if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return sl_err_set(err, "cgroup %s: not a cgroup v2 directory (cgroup2 is mounted "
				  "where /proc/mounts says, e.g. /sys/fs/cgroup/unified)", real);
	}
	if (fstat(fd, &st)) {
		close(fd);
		return sl_err_set(err, "cgroup %s: %s", real, strerror(errno));
	}
	if (st.st_ino == SL_CGROUP_ROOT_INO && !allow_root) {
		close(fd);
		return sl_err_set(err, "cgroup %s is the cgroup2 root: every process on the host "
				  "would be routed; attach task cgroups, or force it", real);
	}
	ret = sl_cgroup_level(fd, level, err);
	if (ret) {
		close(fd);
		return ret;
	}
	*id = st.st_ino; /* a cgroup2 directory's inode number is its cgroup id */
	return fd;
}

int sl_cgroup_mount(char *mnt, struct sl_err *err)
{
	struct mntent me, *m;
	char buf[4096];
	FILE *f = setmntent("/proc/self/mounts", "re");
	int ret = -ENOENT;

	if (!f) {
		ret = -errno;
		return sl_err_set(err, "/proc/self/mounts: %s", strerror(-ret)), ret;
	}
	while ((m = getmntent_r(f, &me, buf, sizeof(buf)))) {
		if (strcmp(m->mnt_type, "cgroup2"))
			continue;
		ret = sl_pathf(mnt, PATH_MAX, "%s", m->mnt_dir) ? -ENAMETOOLONG : 0;
		break;
	}
	endmntent(f);
	if (ret == -ENOENT)
		sl_err_set(err, "cgroup2 is not mounted (/proc/self/mounts)");
	return ret;
}

int sl_cgroup_self(uint64_t *id, struct sl_err *err)
{
	char line[PATH_MAX + 8], mnt[PATH_MAX], path[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "re");
	struct stat st;
	int ret = -ENOENT;

	if (!f) {
		ret = -errno;
		return sl_err_set(err, "/proc/self/cgroup: %s", strerror(-ret)), ret;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		return sl_err_set(err, "/proc/self/cgroup: no cgroup v2 line"), ret;
	ret = sl_cgroup_mount(mnt, err);
	if (ret)
		return ret;
	if (sl_pathf(path, sizeof(path), "%s%s", mnt, line + 3))
		return sl_err_set(err, "own cgroup: path too long"), -ENAMETOOLONG;
	if (stat(path, &st)) {
		ret = -errno;
		return sl_err_set(err, "own cgroup %s: %s", path, strerror(-ret)), ret;
	}
	*id = st.st_ino;
	return 0;
}

int sl_cgroup_path_of(uint64_t id, char *path, struct sl_err *err)
{
	char mnt[PATH_MAX], link[64];
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	int mfd, fd, ret;
	ssize_t n;

	ret = sl_cgroup_mount(mnt, err);
	if (ret)
		return ret;
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0) {
		ret = -errno;
		return sl_err_set(err, "%s: %s", mnt, strerror(-ret)), ret;
	}
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = SL_FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	close(mfd);
	if (ret)
		return sl_err_set(err, "cgroup %llu: %s", (unsigned long long)id, strerror(-ret)), ret;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, PATH_MAX - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return sl_err_set(err, "cgroup %llu: %s", (unsigned long long)id, strerror(-ret)), ret;
	path[n] = '\0';
	return 0;
}
