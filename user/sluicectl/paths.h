/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* paths.h: where sluicectl finds the data plane and the daemon's status file: given on the
 * command line, or taken from the daemon's config ("bpffs", "statusFile"), or the defaults. */
#ifndef CTL_PATHS_H
#define CTL_PATHS_H

#include <stdbool.h>
#include "lib/err.h"

/* What the choice is made from. */
struct ctl_where {
	const char *bpffs;          /* --bpffs, or NULL */
	const char *env_bpffs;      /* $SLUICE_BPFFS, or NULL (empty: not set) */
	const char *config;         /* --config, or NULL */
	const char *default_config; /* the config read without --config (SL_DEFAULT_CONFIG) */
	bool want_status_file;      /* the status file is wanted too */
};

struct ctl_paths {
	char *bpffs;       /* --bpffs, else $SLUICE_BPFFS, else the config's, else the default */
	char *status_file; /* the config's, else the default */
};

/* The config is read when --config is given (not loading is an error), or when a path is
 * wanted that the command line does not give: then the default config, which may be missing
 * (the defaults, silently) or bad (the defaults, and *warning says why; else its msg is "").
 * 0, or -errno with err saying why. */
int ctl_paths_choose(const struct ctl_where *w, struct ctl_paths *out, struct sl_err *warning,
		     struct sl_err *err);
void ctl_paths_free(struct ctl_paths *p);

#endif
