// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fsutil.c: reading a whole file, creating directory chains, writing files safely (in private
 * directories, exclusively created, no symlink followed). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/fsutil.h"

int sl_read_fd(int fd, size_t max, char **text, size_t *len)
{
	size_t used = 0, cap = 4096;
	struct stat st;
	char *buf, *grown;
	ssize_t n;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size >= cap)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (used + 1 == cap) {
			grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			return n;
		}
		if (!n)
			break;
		used += n;
		if (max && used > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

int sl_read_regular(const char *path, size_t max, char **text, size_t *len, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), ret;
	struct stat own;

	if (fd < 0)
		return -errno;
	if (!st)
		st = &own;
	if (fstat(fd, st))
		ret = -errno;
	else if (!S_ISREG(st->st_mode))
		ret = -EINVAL;
	else if (max && (size_t)st->st_size > max)
		ret = -EFBIG;
	else
		ret = sl_read_fd(fd, max, text, len);
	close(fd);
	return ret;
}

int sl_read_file(const char *path, size_t max, char **text, size_t *len)
{
	return sl_read_regular(path, max, text, len, NULL);
}

static int mkdir_chain(const char *path, mode_t mode, bool last)
{
	char *buf = strdup(path), *p;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST) {
			ret = -errno;
			goto out;
		}
		*p = '/';
	}
	if (last && mkdir(buf, mode) && errno != EEXIST)
		ret = -errno;
out:
	free(buf);
	return ret;
}

int sl_mkdir_parents(const char *path, mode_t mode)
{
	return mkdir_chain(path, mode, false);
}

int sl_mkdir_p(const char *dir, mode_t mode)
{
	return mkdir_chain(dir, mode, true);
}

/* path's directory into buf ("." for a bare name). */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int sl_check_components(const char *path, const char *dir, struct sl_err *err)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return sl_err_set(err, "%s: name too long", path), -ENAMETOOLONG;
	for (i = 1; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		memcpy(buf, dir, i);
		buf[i] = '\0';
		if (lstat(buf, &st))
			return errno == ENOENT ? 0 : (sl_err_set(err, "%s: %s: %s", path, buf,
								  strerror(errno)), -errno);
		if (st.st_uid != geteuid() && st.st_uid != 0)
			return sl_err_set(err, "%s: %s is owned by uid %u, who could replace what is "
					  "below it: refusing to write there", path, buf,
					  (unsigned)st.st_uid), -EPERM;
		if (S_ISDIR(st.st_mode) && !(st.st_mode & S_ISVTX) &&
		    ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)))
			return sl_err_set(err, "%s: %s is writable by others (mode %04o), who could "
					  "replace what is below it: refusing to write there", path,
					  buf, st.st_mode & 07777), -EPERM;
	}
	return 0;
}

int sl_writable_dir(const char *path, struct sl_err *err)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int ret;

	dir_of(path, dir, sizeof(dir));
	/* Before anything is made: no directory of ours in a place someone else controls. */
	ret = sl_check_components(path, dir, err);
	if (ret)
		return ret;
	ret = sl_mkdir_parents(path, 0755);
	if (ret)
		return sl_err_set(err, "%s: cannot create its directory: %s", path,
				  strerror(-ret)), ret;
	if (lstat(dir, &st))
		return sl_err_set(err, "%s: %s: %s", path, dir, strerror(errno)), -errno;
	if (!S_ISDIR(st.st_mode))
		return sl_err_set(err, "%s: %s is not a directory (a symlink?)", path, dir), -EPERM;
	if (st.st_uid != geteuid())
		return sl_err_set(err, "%s: its directory %s is owned by uid %u, not this user: "
				  "refusing to write there", path, dir, (unsigned)st.st_uid), -EPERM;
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return sl_err_set(err, "%s: its directory %s is writable by others (mode %04o): "
				  "refusing to write there; chmod go-w it or choose another",
				  path, dir, st.st_mode & 07777), -EPERM;
	/* The same of where it leads (root's symlinks, such as /var/run, are followed). */
	if (!realpath(dir, real))
		return sl_err_set(err, "%s: %s: %s", path, dir, strerror(errno)), -errno;
	return sl_check_components(path, real, err);
}

static int write_all(int fd, const char *p, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int sl_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct sl_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int fd, dfd, ret;

	ret = sl_writable_dir(path, err);
	if (ret)
		return ret;
	if (sl_pathf(tmp, sizeof(tmp), "%s.XXXXXX", path))
		return sl_err_set(err, "%s: name too long", path), -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL: a name someone planted fails */
	if (fd < 0)
		return sl_err_set(err, "%s: %s", tmp, strerror(errno)), -errno;
	if (fchmod(fd, mode) || write_all(fd, data, len, 0) || fsync(fd)) {
		ret = -errno;
		sl_err_set(err, "%s: write: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		sl_err_set(err, "%s: close: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		sl_err_set(err, "%s: rename from %s: %s", path, tmp, strerror(errno));
		goto fail;
	}
	dir_of(path, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret ? ret : -EIO;
}

int sl_write_in_place(const char *path, const void *data, size_t len, mode_t mode,
		      bool *changed, struct sl_err *err)
{
	char *old = NULL;
	size_t oldlen = 0;
	struct stat st;
	int fd, ret;

	*changed = false;
	ret = sl_writable_dir(path, err);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, mode);
	if (fd < 0)
		return sl_err_set(err, "%s: %s%s", path, strerror(errno),
				  errno == ELOOP ? " (a symlink: refusing to write through it)" : ""),
		       -errno;
	if (fstat(fd, &st)) {
		ret = sl_err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		ret = sl_err_set(err, "%s: not a regular file of this user: refusing to write it",
				 path);
		ret = -EPERM;
		goto out;
	}
	ret = sl_read_fd(fd, 0, &old, &oldlen);
	if (ret) {
		sl_err_set(err, "%s: read: %s", path, strerror(-ret));
		goto out;
	}
	if (oldlen == len && !memcmp(old, data, len))
		goto out;
	ret = write_all(fd, data, len, 0);
	if (!ret && (ftruncate(fd, (off_t)len) || fsync(fd)))
		ret = -errno;
	if (ret) {
		sl_err_set(err, "%s: write: %s", path, strerror(-ret));
		goto out;
	}
	*changed = true;
out:
	free(old);
	close(fd);
	return ret;
}
