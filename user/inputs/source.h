/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* source.h: a registry source, where instances come from (a file or a directory of files
 * today): the one interface sluiced's loop drives, whatever the source's protocol. */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include "inputs/config.h"
#include "inputs/registry.h"
#include "lib/err.h"

struct sl_source;

struct sl_source_ops {
	/* Readable when the source has work: then dispatch. -1 when it never has. */
	int (*fd)(const struct sl_source *s);
	/* Do the work that is ready (tick: the loop's periodic call, every few seconds, for
	 * what has no fd to wake it). True when its instances changed. */
	bool (*dispatch)(struct sl_source *s, bool tick);
	/* Its instances: the last good ones of every part it has. */
	const struct sl_instances *(*instances)(const struct sl_source *s);
	/* Why it cannot be read now (its last good instances kept), NULL when it can. */
	const char *(*problem)(const struct sl_source *s);
	/* Parts (files) that fail now, each keeping its last good content. */
	unsigned (*failing)(const struct sl_source *s);
	void (*free)(struct sl_source *s);
};

struct sl_source {
	const struct sl_source_ops *ops;
	struct sl_source_cfg cfg; /* what it was opened for (owned) */
	char *name;               /* for messages: "registry /etc/sluice/registry" */
};

/* A source for cfg, read once. Instances are bounded (max, and 1 KiB each in bytes). NULL with
 * err set only when cfg names nothing usable or a resource is lacking. */
struct sl_source *sl_source_open(const struct sl_source_cfg *cfg, size_t max_instances,
				 struct sl_err *err);
void sl_source_free(struct sl_source *s);

/* The file source (source_file.c). */
struct sl_source *sl_source_file_open(const struct sl_source_cfg *cfg, size_t max_instances,
				      struct sl_err *err);

#endif
