/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* fsutil.h: small file-system helpers shared by the modules that read config, registry and
 * state files and write the hosts, state and status files: never blocking on what is not a
 * regular file, never writing through a symlink or in a directory others may write. */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "lib/err.h"

/* Everything left to read on fd, NUL-terminated, into *text (malloc'd) and *len. More than
 * max bytes (0: no limit) is -EFBIG. 0 or -errno; *text untouched on error. */
int sl_read_fd(int fd, size_t max, char **text, size_t *len);
/* sl_read_fd on the regular file at path, opened without blocking: a FIFO or device is
 * -EINVAL, never waited on; one larger than max (0: no limit) is -EFBIG without a read. What
 * the file was (fstat) into *st when st is not NULL. */
int sl_read_regular(const char *path, size_t max, char **text, size_t *len, struct stat *st);
/* sl_read_regular without the stat. */
int sl_read_file(const char *path, size_t max, char **text, size_t *len);
/* Create the directories leading to path, not path itself. 0 or -errno. */
int sl_mkdir_parents(const char *path, mode_t mode);
/* Create dir and the directories leading to it. 0 or -errno. */
int sl_mkdir_p(const char *dir, mode_t mode);

/* The directory path would be written in: created (mode 0755, parents too) when missing;
 * refused (-EPERM, err saying why) when it is not a directory owned by this user, or others
 * (group, other) may write in it: they could plant a symlink or swap the file; so is one below
 * a directory (as written or as resolved) owned by another user than this one and root, or
 * that others may write in and is not sticky (they could swap the directory itself). */
int sl_writable_dir(const char *path, struct sl_err *err);
/* Each component of dir that exists, from the first down (as written: symlinks not followed):
 * owned by this user or root, and, a directory that others may write in, sticky (what they
 * make there stays theirs, and is checked as the next component). Anything else could be
 * renamed away and replaced by someone else (a symlink to where they choose) between a check
 * and a write. 0, or -EPERM with err naming the component (and path, what is written there). */
int sl_check_components(const char *path, const char *dir, struct sl_err *err);
/* Make path hold data by writing a new file beside it (created exclusively, so no symlink is
 * followed), fsynced, then renamed over path, with mode. 0 or -errno with err set. */
int sl_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct sl_err *err);
/* Make path hold data in place (the same inode: a bind mount of it sees the change), created
 * with mode when missing; a symlink or anything but a regular file of this user at path is
 * refused. An unchanged file is not touched (*changed false). 0 or -errno with err set. */
int sl_write_in_place(const char *path, const void *data, size_t len, mode_t mode,
		      bool *changed, struct sl_err *err);

#endif
