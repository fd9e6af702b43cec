// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli.c: parsing sluicectl's command line, finding the command's row, reporting errors (one
 * path, text or JSON), and running the command with what its row needs set up. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/config.h"
#include "lib/log.h"
#include "lib/version.h"
#include "sluicectl/cli.h"
#include "sluicectl/paths.h"

/* '-': every argument in order (a command, its arguments, options after them too);
 * ':': a missing option argument told apart from an unknown option. */
#define OPTSTRING "-:b:c:n:i:ojfhV"
#define SHORT_OPTS (&OPTSTRING[2])

static const struct option long_opts[] = {
	{ "bpffs", required_argument, NULL, 'b' },
	{ "config", required_argument, NULL, 'c' },
	{ "namespace", required_argument, NULL, 'n' },
	{ "interval", required_argument, NULL, 'i' },
	{ "once", no_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{}
};

/* The option a parse error is about, as given: arg is the last argument getopt took. A long
 * option is spelt out; a short one is "-c" (arg may hold more of them). */
static const char *bad_option(const char *arg, bool is_long, char buf[3])
{
	if (is_long)
		return arg;
	buf[0] = '-';
	buf[1] = (char)optopt;
	buf[2] = '\0';
	return buf;
}

/* The first usage error only; parsing goes on (--json may come later). */
static void first_error(struct sl_err *err, bool *failed, const char *what, const char *opt)
{
	if (!*failed)
		sl_err_set(err, what, opt);
	*failed = true;
}

static void positional(struct ctl_opts *o, const char *arg)
{
	if (!o->cmd) {
		o->cmd = arg;
		return;
	}
	if (o->nargs < CTL_MAX_ARGS)
		o->args[o->nargs] = arg;
	o->nargs++;
}

/* --interval SECONDS: a number of seconds in [CTL_INTERVAL_MIN, CTL_INTERVAL_MAX]. */
static bool parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= CTL_INTERVAL_MIN && v <= CTL_INTERVAL_MAX))
		return false;
	*out = v;
	return true;
}

int ctl_parse(int argc, char **argv, struct ctl_opts *o, struct sl_err *err)
{
	bool failed = false;
	const char *arg;
	char buf[3];
	int opt;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 0; /* a full restart of getopt (glibc), for every parse */
	while ((opt = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
		arg = argv[optind - 1];
		switch (opt) {
		case 1:
			positional(o, optarg);
			break;
		case 'b':
			o->bpffs = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			o->ns = optarg;
			break;
		case 'i':
			if (!parse_interval(optarg, &o->interval))
				first_error(err, &failed, "option '--interval' takes seconds, "
					    CTL_INTERVAL_RANGE ", not '%s'", optarg);
			break;
		case 'o':
			o->once = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			o->help = true;
			break;
		case 'V':
			o->version = true;
			break;
		case ':': /* always at the end of arg */
			first_error(err, &failed, "option '%s' needs an argument",
				    bad_option(arg, !strncmp(arg, "--", 2), buf));
			break;
		default: /* optopt: an unknown short option, or a long one's (given a value) */
			first_error(err, &failed, "unknown option '%s'",
				    bad_option(arg, !optopt || strchr(SHORT_OPTS, optopt), buf));
			break;
		}
	}
	for (; optind < argc; optind++) /* after "--" */
		positional(o, argv[optind]);
	return failed ? -EINVAL : 0;
}

const struct ctl_cmd *ctl_find(const struct ctl_cmd *cmds, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

void ctl_print_usage(const struct ctl_cmd *cmds, size_t n)
{
	char line[128];
	size_t i;

	printf("Usage: sluicectl [OPTIONS] COMMAND [ARGS]\n"
	       "Inspect and drive sluice through its pinned maps and links; sluiced need not run.\n"
	       "\nCommands:\n");
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "sluicectl %s%s%s", cmds[i].name,
			 cmds[i].args ? " " : "", cmds[i].args ? cmds[i].args : "");
		printf("  %-26s %s\n", line, cmds[i].help);
	}
	printf("\nOptions (before or after the command):\n"
	       "  -b, --bpffs DIR    the data plane's bpffs dir (default: $SLUICE_BPFFS, else the\n"
	       "                     config's \"bpffs\", else %s)\n"
	       "  -c, --config FILE  sluiced's config, for its \"bpffs\" and \"statusFile\"\n"
	       "                     (default %s; missing: the defaults)\n"
	       "  -n, --namespace NS attach: the namespace the cgroup's tasks resolve VIPs in\n"
	       "                     (default: the config's first); services: its services only\n"
	       "  -i, --interval SECONDS\n"
	       "                     top: the time between two reads (default 1; "
	       CTL_INTERVAL_RANGE ")\n"
	       "  -o, --once         top: one sample, after one interval, then exit (also when\n"
	       "                     stdout is no terminal)\n"
	       "  -j, --json         machine-readable output; errors as {\"error\": ...} on\n"
	       "                     stdout\n"
	       "  -f, --force        attach: the cgroup2 root too; teardown: even while sluiced\n"
	       "                     serves\n"
	       "  -V, --version      the version\n"
	       "  -h, --help         this text\n"
	       "\nExit status: 0 done (status: a ready sluiced, nothing degraded), 1 failed or\n"
	       "degraded, 2 usage error.\n", SL_DEFAULT_BPFFS, SL_DEFAULT_CONFIG);
}

json_t *ctl_json_string(const char *s)
{
	json_t *v = json_string(s);
	char *copy, *p;

	if (v || !s || !(copy = strdup(s)))
		return v;
	for (p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* The one error path: code 1 (a failure) or 2 (a usage error). */
static int report(const struct ctl *c, int code, const char *fmt, va_list ap)
{
	char msg[2048];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (code == 2) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, "; see sluicectl --help");
	}
	if (c->o.json) {
		json_t *j = json_pack("{s:o}", "error", ctl_json_string(msg));
		char *s = j ? json_dumps(j, 0) : NULL;

		json_decref(j);
		printf("%s\n", s ? s : "{\"error\": \"out of memory\"}");
		free(s);
	} else {
		fprintf(stderr, "sluicectl: %s%s\n", code == 2 ? "" : "error: ", msg);
	}
	return code;
}

int ctl_fail(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report(c, 1, fmt, ap);
	va_end(ap);
	return ret;
}

int ctl_usage(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = report(c, 2, fmt, ap);
	va_end(ap);
	return ret;
}

void ctl_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluicectl: warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

int ctl_print_json(json_t *root)
{
	/* Reals (top's rates) as they were rounded, not as their binary value's 17 digits. */
	char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				    JSON_REAL_PRECISION(12)) : NULL;

	json_decref(root);
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int print_version(const struct ctl *c)
{
	if (c->o.json)
		return ctl_print_json(json_pack("{s:s}", "version", sl_version()));
	printf("sluicectl %s\n", sl_version());
	return 0;
}

/* The arguments a row takes do not match those given: the usage error's text. */
static int wrong_args(const struct ctl *c, const struct ctl_cmd *cmd)
{
	if (!cmd->max_args)
		return ctl_usage(c, "%s takes no arguments", cmd->name);
	return ctl_usage(c, "%s takes %s", cmd->name, cmd->args);
}

/* What the row needs, into c: 0 or the exit status of the failure (reported). */
static int set_up(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_paths *paths)
{
	const struct ctl_where w = {
		.bpffs = c->o.bpffs,
		.env_bpffs = getenv("SLUICE_BPFFS"),
		.config = c->o.config,
		.default_config = SL_DEFAULT_CONFIG,
		.want_status_file = cmd->needs & CTL_NEEDS_STATUS,
	};
	struct sl_err warning, err;
	int ret;

	if (!cmd->needs)
		return 0;
	if (ctl_paths_choose(&w, paths, &warning, &err))
		return ctl_fail(c, "%s", err.msg);
	if (warning.msg[0])
		ctl_warn("%s", warning.msg);
	c->bpffs = paths->bpffs;
	c->status_file = paths->status_file;
	if (!(cmd->needs & CTL_NEEDS_MAPS))
		return 0;
	ret = sl_maps_open_pinned(c->bpffs, &c->maps, &err);
	if (ret)
		return ctl_fail(c, "%s%s", err.msg, ret == -EPERM || ret == -EACCES ?
				" (sluicectl needs root: CAP_BPF and CAP_SYS_ADMIN)" : "");
	return 0;
}

int ctl_main(const struct ctl_cmd *cmds, size_t n, int argc, char **argv)
{
	struct ctl_paths paths = {};
	const struct ctl_cmd *cmd;
	struct ctl c = {};
	struct sl_err err;
	int ret;

	sl_log_set_prefix("sluicectl");
	sl_log_hook_libbpf(false);
	if (ctl_parse(argc, argv, &c.o, &err))
		return ctl_usage(&c, "%s", err.msg);
	if (c.o.help) {
		ctl_print_usage(cmds, n);
		return 0;
	}
	if (c.o.version)
		return print_version(&c);
	if (!c.o.cmd)
		return ctl_usage(&c, "no command given");
	cmd = ctl_find(cmds, n, c.o.cmd);
	if (!cmd)
		return ctl_usage(&c, "unknown command '%s'", c.o.cmd);
	if (c.o.nargs < cmd->min_args || c.o.nargs > cmd->max_args)
		return wrong_args(&c, cmd);
	ret = set_up(&c, cmd, &paths);
	if (!ret)
		ret = cmd->fn(&c);
	if (cmd->needs & CTL_NEEDS_MAPS)
		sl_maps_close(&c.maps);
	ctl_paths_free(&paths);
	return ret;
}
