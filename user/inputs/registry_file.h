/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* registry_file.h: the file registry: one discover-instances document, or a directory of
 * them (*.json), watched with inotify. A file that fails to parse keeps its last good
 * content; a file that disappears takes its instances with it. */
#ifndef SL_REGISTRY_FILE_H
#define SL_REGISTRY_FILE_H

#include <stdbool.h>
#include "lib/err.h"
#include "inputs/registry.h"

struct sl_registry_file;

/* A registry at path: a discover-instances file, or a directory of them (*.json), decided at
 * each refresh, so the path may appear later, go, or change shape. Reads nothing yet. NULL
 * with err set only when path names nothing usable or inotify fails. */
struct sl_registry_file *sl_registry_file_open(const char *path, struct sl_err *err);
void sl_registry_file_close(struct sl_registry_file *src);
/* The path it was opened for. */
const char *sl_registry_file_path(const struct sl_registry_file *src);
/* The inotify fd to poll for readability. */
int sl_registry_file_fd(const struct sl_registry_file *src);
/* Drain pending inotify events (non-blocking); true when something relevant changed
 * and a refresh is due. */
bool sl_registry_file_drain(struct sl_registry_file *src);
/* Re-read the files. Files that fail to parse, or are no regular files, are reported with
 * the file and field and keep their last good content; a file of a directory that is
 * deleted takes its instances with it. Sets *changed when the merged instance list differs
 * from before. Returns 0, or a negative errno when the path itself cannot be read (missing,
 * unreadable, gone between two looks): then the last good content is kept, the cause is
 * logged once, and sl_registry_file_problem says it until the path reads again. */
int sl_registry_file_refresh(struct sl_registry_file *src, bool *changed);
/* The merged instances of all files, in file-name order (valid until the next refresh).
 * An InstanceId seen again for the same ServiceName in a later file is dropped with a
 * warning. */
const struct sl_instances *sl_registry_file_instances(const struct sl_registry_file *src);
/* How many files currently fail to parse (kept at their last good content). */
unsigned int sl_registry_file_bad_files(const struct sl_registry_file *src);
/* Why the path itself cannot be read now ("does not exist"), NULL when it can. */
const char *sl_registry_file_problem(const struct sl_registry_file *src);
/* What the files may hold in all: bytes, and instances (counted before parsing, so that an
 * oversized file is refused early). Defaults: 64 MiB, 4 Mi instances. */
void sl_registry_file_set_limits(struct sl_registry_file *src, size_t max_bytes,
				 size_t max_instances);

#endif
