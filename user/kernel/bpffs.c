// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bpffs.c: mounting, creating and checking the bpffs directory, and its lock: flock on the
 * directory, whose holder /proc/locks names. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include "kernel/bpffs.h"
#include "lib/fsutil.h"
#include "lib/log.h"

#define BPFFS_ROOT "/sys/fs/bpf"

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

/* The deepest existing ancestor of dir (or dir itself) into buf. */
static void existing_ancestor(const char *dir, char *buf, size_t len)
{
	struct stat st;
	char *slash;

	sl_pathf(buf, len, "%s", dir);
	while (stat(buf, &st) && (slash = strrchr(buf, '/'))) {
		if (slash == buf) {
			buf[1] = '\0';
			break;
		}
		*slash = '\0';
	}
}

/* One directory of the chain: 0, or -EPERM with err saying why it is refused. */
static int check_one(const char *dir, const char *path, const struct stat *st, bool parent,
		     struct sl_err *err)
{
	if (S_ISLNK(st->st_mode))
		return sl_err_set(err, "bpffs %s: %s is a symlink; a data plane's directory must "
				  "be a real one", dir, path), -EPERM;
	if (!S_ISDIR(st->st_mode))
		return sl_err_set(err, "bpffs %s: %s is not a directory", dir, path), -ENOTDIR;
	if (st->st_uid != 0)
		return sl_err_set(err, "bpffs %s: %s is owned by uid %u, not root: someone else "
				  "made it; remove it and start sluiced again", dir, path,
				  (unsigned)st->st_uid), -EPERM;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(parent && (st->st_mode & S_ISVTX)))
		return sl_err_set(err, "bpffs %s: %s is writable by %s (mode %04o): others could "
				  "replace what is pinned there; chmod go-w it", dir, path,
				  st->st_mode & S_IWOTH ? "everyone" : "its group",
				  st->st_mode & 07777), -EPERM;
	return 0;
}

int sl_bpffs_check(const char *dir, struct sl_err *err)
{
	char path[PATH_MAX];
	struct stat st, top;
	char *slash;
	int ret;

	if (lstat(dir, &top))
		return sl_err_set(err, "bpffs %s: %s", dir, strerror(errno)), -errno;
	if (!on_bpffs(dir))
		return sl_err_set(err, "bpffs %s: not on a BPF filesystem", dir), -EINVAL;
	ret = check_one(dir, dir, &top, false, err);
	if (ret)
		return ret;
	sl_pathf(path, sizeof(path), "%s", dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (lstat(path, &st))
			return sl_err_set(err, "bpffs %s: %s: %s", dir, path, strerror(errno)), -errno;
		if (st.st_dev != top.st_dev)
			break; /* above the BPF filesystem */
		ret = check_one(dir, path, &st, true, err);
		if (ret)
			return ret;
	}
	return 0;
}

int sl_bpffs_prepare(const char *dir, struct sl_err *err)
{
	char anc[PATH_MAX];
	int ret;

	existing_ancestor(dir, anc, sizeof(anc));
	if (!on_bpffs(anc) && !strcmp(anc, BPFFS_ROOT)) {
		pr_info("mounting a BPF filesystem on " BPFFS_ROOT " (mode 0700)");
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
			return sl_err_set(err, "bpffs %s: " BPFFS_ROOT " is not a BPF filesystem and "
					  "mounting one failed: %s", dir, strerror(errno));
	}
	if (!on_bpffs(anc))
		return sl_err_set(err, "bpffs %s: %s is not a BPF filesystem; mount one (mount -t "
				  "bpf -o mode=0700 bpf " BPFFS_ROOT ") or set \"bpffs\" to a "
				  "directory on one", dir, anc);
	/* The directories above it (it itself is checked below, once it exists). */
	snprintf(anc, sizeof(anc), "%s", dir);
	if (strrchr(anc, '/') && strrchr(anc, '/') != anc)
		*strrchr(anc, '/') = '\0';
	ret = sl_check_components(dir, anc, err);
	if (ret) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		return sl_err_set(err, "bpffs %s", why), ret;
	}
	ret = sl_mkdir_p(dir, 0700);
	if (ret)
		return sl_err_set(err, "bpffs %s: %s", dir, strerror(-ret)), ret;
	return sl_bpffs_check(dir, err);
}

int sl_bpffs_lock(const char *dir, int *fd, struct sl_err *err)
{
	pid_t holder = 0;
	int ret;

	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return sl_err_set(err, "bpffs %s: %s", dir, strerror(errno)), -errno;
	if (!flock(*fd, LOCK_EX | LOCK_NB))
		return 0;
	ret = -errno;
	close(*fd);
	*fd = -1;
	if (ret != -EWOULDBLOCK)
		return sl_err_set(err, "bpffs %s: lock: %s", dir, strerror(-ret)), ret;
	sl_bpffs_lock_holder(dir, &holder);
	if (holder > 0)
		sl_err_set(err, "bpffs %s: sluiced (pid %d) serves this data plane already; one "
			   "daemon per bpffs directory (give this one another \"bpffs\")", dir,
			   (int)holder);
	else
		sl_err_set(err, "bpffs %s: another sluiced serves this data plane already", dir);
	return -EAGAIN;
}

int sl_bpffs_lock_holder(const char *dir, pid_t *pid)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256];
	struct stat st;
	FILE *f;
	int p;

	*pid = 0;
	if (stat(dir, &st))
		return -errno;
	f = fopen("/proc/locks", "re");
	if (!f)
		return -errno;
	/* "1: FLOCK  ADVISORY  WRITE 28127 00:28:1480177 0 EOF" (device in hex) */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: FLOCK %*s WRITE %d %x:%x:%lu", &p, &maj, &min, &ino) != 4)
			continue;
		if (ino == st.st_ino && makedev(maj, min) == st.st_dev) {
			*pid = p;
			break;
		}
	}
	fclose(f);
	return 0;
}
