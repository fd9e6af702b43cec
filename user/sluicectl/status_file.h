/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* status_file.h: the status file sluiced writes ("statusFile", /run/sluice/status.json): read,
 * checked against the daemon that holds the data plane, and what it says is degraded. */
#ifndef CTL_STATUS_FILE_H
#define CTL_STATUS_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/err.h"

#define CTL_STATUS_MAX (1024 * 1024) /* a status file is read up to this size */

/* Text members that may be null are NULL then. */
struct ctl_unmatched {
	char *service, *ns;  /* "service", "namespace" (null: any) */
	uint32_t instances;
};

struct ctl_cgroup_state {
	char *path;
	bool attached;
	char *error;
};

struct ctl_registry_state {
	char *path;    /* null: no registry */
	char *problem; /* what is wrong with it, or NULL */
	char *pending; /* a registry a reload wants but that does not read yet, or NULL */
	/* failing parts of any source (files that do not parse, names that do not answer): the
	 * status file's badFiles, a name from when the registry was files only */
	uint32_t failing_parts, instances;
	struct ctl_unmatched *unmatched;
	size_t nunmatched;
};

/* What the file says; members absent from it are zero (pid and ready are required). */
struct ctl_status {
	uint32_t pid;
	char *started, *version, *config, *bpffs, *status, *sockterm, *reload_error, *updated;
	bool ready, held;
	bool has_registry;
	struct ctl_registry_state registry;
	struct ctl_cgroup_state *cgroups;
	size_t ncgroups;
	json_t *doc; /* the document itself (members this reader does not know included) */
};

enum ctl_status_verdict {
	CTL_STATUS_CURRENT, /* written by the daemon that serves now */
	CTL_STATUS_MISSING, /* no file */
	CTL_STATUS_STALE,   /* written by another pid (an earlier daemon) */
	CTL_STATUS_BAD,     /* unreadable, or not a status document */
};

/* Parse a status document (origin names it in messages: "origin: registry.badFiles: ..."). */
int ctl_status_parse(const char *text, size_t len, const char *origin, struct ctl_status *out,
		     struct sl_err *err);
/* Read path, expected from the daemon with pid holder (0: none serves). CURRENT fills *out;
 * any other verdict leaves it empty and err says why ("... is stale: written by pid 12"). */
enum ctl_status_verdict ctl_status_read(const char *path, pid_t holder, struct ctl_status *out,
					struct sl_err *err);
void ctl_status_free(struct ctl_status *st);

/* Each thing the daemon reports degraded, a line each ("registry /x: does not exist"), to fn
 * in the order of the file; the number of lines. */
size_t ctl_status_degraded(const struct ctl_status *st,
			   void (*fn)(void *ctx, const char *line), void *ctx);

#endif
