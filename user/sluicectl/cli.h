/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cli.h: sluicectl's command line: a table of commands (a row each), the options parsed into a
 * struct, the lookup by name, the one error path (honouring --json) and the dispatch. */
#ifndef CTL_CLI_H
#define CTL_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernel/maps.h"

#define CTL_MAX_ARGS 4 /* positional arguments kept (more are counted, for the usage error) */
/* --interval: its bounds, and the words the usage and its error give them. */
#define CTL_INTERVAL_MIN 0.1
#define CTL_INTERVAL_MAX 3600
#define CTL_INTERVAL_RANGE "0.1 to 3600"

/* What a command needs set up before its handler runs. */
enum ctl_need {
	CTL_NEEDS_BPFFS = 1U << 0,  /* the bpffs dir: --bpffs, $SLUICE_BPFFS or the config's */
	CTL_NEEDS_STATUS = 1U << 1, /* the daemon's status file: the config's "statusFile" */
	CTL_NEEDS_MAPS = 1U << 2,   /* the pinned maps opened (root): implies CTL_NEEDS_BPFFS */
};

/* The options, as parsed (ctl_parse). */
struct ctl_opts {
	const char *bpffs;  /* --bpffs DIR, or NULL */
	const char *config; /* --config FILE, or NULL */
	const char *ns;     /* --namespace NS, or NULL */
	double interval;    /* --interval SECONDS, or 0 (not given) */
	bool json, force, help, version, once;
	const char *cmd;    /* the command's name, or NULL */
	const char *args[CTL_MAX_ARGS]; /* its arguments */
	int nargs;          /* how many were given (may exceed CTL_MAX_ARGS) */
};

/* A command run: its options and what its row asked for. */
struct ctl {
	struct ctl_opts o;
	const char *bpffs;       /* CTL_NEEDS_BPFFS: where the data plane is pinned */
	const char *status_file; /* CTL_NEEDS_STATUS */
	struct sl_maps maps;     /* CTL_NEEDS_MAPS */
};

/* A row of the command table. */
struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl *c); /* returns the exit status */
	const char *args;         /* its arguments in the usage line ("CGROUP"), or NULL */
	const char *help;         /* what it does, one line */
	int min_args, max_args;
	unsigned int needs;       /* enum ctl_need bits */
};

/* Parse argv into *o (options may come before or after the command; "--" ends them). A usage
 * error: -EINVAL with err saying it (the first one; the rest is still parsed, --json too). */
int ctl_parse(int argc, char **argv, struct ctl_opts *o, struct sl_err *err);
/* The row named name, or NULL. */
const struct ctl_cmd *ctl_find(const struct ctl_cmd *cmds, size_t n, const char *name);
/* The usage text: the commands' usage lines from the table, then the options. */
void ctl_print_usage(const struct ctl_cmd *cmds, size_t n);

/* The one error path. With --json: {"error": "..."} on stdout and nothing else; without:
 * "sluicectl: error: ..." (ctl_fail, returns 1) or "sluicectl: ...; see sluicectl --help"
 * (ctl_usage, returns 2), one line on stderr. */
int ctl_fail(const struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ctl_usage(const struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sluicectl: warning: ..." on stderr (stdout stays JSON only). */
void ctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print root (consumed) as indented JSON on stdout: 0, or 1 when it could not be. */
int ctl_print_json(json_t *root);
/* s as a JSON string, bytes that are not UTF-8 (a path may hold any) as '?'. */
json_t *ctl_json_string(const char *s);

/* Parse, look the command up, set up what its row needs, run it: the exit status. */
int ctl_main(const struct ctl_cmd *cmds, size_t n, int argc, char **argv);

#endif
