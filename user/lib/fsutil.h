/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fsutil.h: small file-system helpers shared by the modules that read config, registry and
 * state files and write the hosts and state files. */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Everything left to read on fd, NUL-terminated, into *text (malloc'd) and *len. More than
 * max bytes (0: no limit) is -EFBIG. 0 or -errno; *text untouched on error. */
int sl_read_fd(int fd, size_t max, char **text, size_t *len);
/* sl_read_fd on the file at path. */
int sl_read_file(const char *path, size_t max, char **text, size_t *len);
/* Create the directories leading to path, not path itself. 0 or -errno. */
int sl_mkdir_parents(const char *path, mode_t mode);
/* Create dir and the directories leading to it. 0 or -errno. */
int sl_mkdir_p(const char *dir, mode_t mode);

#endif
