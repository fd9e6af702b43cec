// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fsutil.c: reading a whole file, creating directory chains. */
#include <errno.h>
#include <fcntl.h>
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

int sl_read_file(const char *path, size_t max, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = sl_read_fd(fd, max, text, len);
	close(fd);
	return ret;
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
