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

/* Open path (a file or a directory) and start watching it. Reads nothing yet.
 * NULL with err set when the path cannot be watched (the parent directory of a file
 * must exist; the file itself may not exist yet). */
struct sl_registry_file *sl_registry_file_open(const char *path, struct sl_err *err);
void sl_registry_file_close(struct sl_registry_file *src);
/* The inotify fd to poll for readability. */
int sl_registry_file_fd(const struct sl_registry_file *src);
/* Drain pending inotify events (non-blocking); true when something relevant changed
 * and a refresh is due. */
bool sl_registry_file_drain(struct sl_registry_file *src);
/* Re-read the files. Files that fail to parse are reported through pr_warn with the
 * file and field and keep their last good content. Sets *changed when the merged
 * instance list differs from before. Returns 0, or a negative errno only when the
 * registry path itself cannot be read (the last good state is kept then too). */
int sl_registry_file_refresh(struct sl_registry_file *src, bool *changed);
/* The merged instances of all files, in file-name order (valid until the next refresh).
 * An InstanceId seen again for the same ServiceName in a later file is dropped with a
 * warning. */
const struct sl_instances *sl_registry_file_instances(const struct sl_registry_file *src);
/* How many files currently fail to parse (kept at their last good content). */
unsigned int sl_registry_file_bad_files(const struct sl_registry_file *src);

#endif
