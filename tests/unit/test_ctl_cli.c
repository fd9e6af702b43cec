// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ctl_cli.c: unit tests of sluicectl's command line: options into a struct, lookup by
 * name, and the dispatch over a table of fake commands (usage errors, --json errors, help). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/fsutil.h"
#include "lib/version.h"
#include "sluicectl/cli.h"

#define ARGV(...) ((char *[]){ "sluicectl", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "sluicectl", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) ctl_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err)

static void options_anywhere(void **state)
{
	struct ctl_opts o;
	struct sl_err err;

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--bpffs", "/b", "attach", "/cg", "--force", "-j"), 0);
	assert_string_equal(o.bpffs, "/b");
	assert_null(o.config);
	assert_string_equal(o.cmd, "attach");
	assert_int_equal(o.nargs, 1);
	assert_string_equal(o.args[0], "/cg");
	assert_true(o.force);
	assert_true(o.json);
	assert_false(o.help);

	assert_int_equal(PARSE(&o, &err, "status", "--config=/c.json", "-b/x"), 0);
	assert_string_equal(o.config, "/c.json");
	assert_string_equal(o.bpffs, "/x");
	assert_string_equal(o.cmd, "status");
	assert_int_equal(o.nargs, 0);
	assert_false(o.json);
}

static void double_dash_ends_options(void **state)
{
	struct ctl_opts o;
	struct sl_err err;

	(void)state;
	assert_int_equal(PARSE(&o, &err, "detach", "--", "--json"), 0);
	assert_string_equal(o.cmd, "detach");
	assert_int_equal(o.nargs, 1);
	assert_string_equal(o.args[0], "--json");
	assert_false(o.json);
}

static void extra_args_counted(void **state)
{
	struct ctl_opts o;
	struct sl_err err;

	(void)state;
	assert_int_equal(PARSE(&o, &err, "services", "a", "b", "c", "d", "e", "f"), 0);
	assert_int_equal(o.nargs, 6);
	assert_string_equal(o.args[CTL_MAX_ARGS - 1], "d");
}

static void usage_errors(void **state)
{
	struct ctl_opts o;
	struct sl_err err;

	(void)state;
	/* the first error is kept; the options after it still count */
	assert_int_equal(PARSE(&o, &err, "--frob", "-x", "status", "--json"), -EINVAL);
	assert_string_equal(err.msg, "unknown option '--frob'");
	assert_true(o.json);
	assert_string_equal(o.cmd, "status");
	assert_int_equal(PARSE(&o, &err, "-x"), -EINVAL);
	assert_string_equal(err.msg, "unknown option '-x'");
	assert_int_equal(PARSE(&o, &err, "status", "--bpffs"), -EINVAL);
	assert_string_equal(err.msg, "option '--bpffs' needs an argument");
	assert_int_equal(PARSE(&o, &err, "status", "-c"), -EINVAL);
	assert_string_equal(err.msg, "option '-c' needs an argument");
	assert_int_equal(PARSE(&o, &err, "--json=yes"), -EINVAL);
	assert_string_equal(err.msg, "unknown option '--json=yes'");
	assert_int_equal(PARSE(&o, &err, "--json", "-jxf"), -EINVAL);
	assert_string_equal(err.msg, "unknown option '-x'");
	assert_true(o.force);
	assert_int_equal(PARSE(&o, &err, "-jb"), -EINVAL);
	assert_string_equal(err.msg, "option '-b' needs an argument");
	assert_int_equal(PARSE(&o, &err, "-h"), 0);
	assert_true(o.help);
	assert_null(o.cmd);
}

/* ---- the dispatch, over a table of fakes ---- */

static struct {
	int calls;
	char bpffs[64], status_file[64], arg[64];
	bool force, json;
} seen;

static int fake_ok(struct ctl *c)
{
	seen.calls++;
	snprintf(seen.bpffs, sizeof(seen.bpffs), "%s", c->bpffs ? c->bpffs : "");
	snprintf(seen.status_file, sizeof(seen.status_file), "%s",
		 c->status_file ? c->status_file : "");
	snprintf(seen.arg, sizeof(seen.arg), "%s", c->o.nargs ? c->o.args[0] : "");
	seen.force = c->o.force;
	seen.json = c->o.json;
	printf("ran\n");
	return 0;
}

static int fake_fail(struct ctl *c)
{
	seen.calls++;
	return ctl_fail(c, "boom at %s", "x");
}

static const struct ctl_cmd fakes[] = {
	{ "one", fake_ok, "ARG", "takes one", 1, 1, 0 },
	{ "none", fake_ok, NULL, "takes none", 0, 0, 0 },
	{ "fail", fake_fail, NULL, "fails", 0, 0, 0 },
	{ "where", fake_ok, NULL, "wants the paths", 0, 0, CTL_NEEDS_BPFFS | CTL_NEEDS_STATUS },
};

#define NFAKES (sizeof(fakes) / sizeof(fakes[0]))

struct run {
	int rc;
	char *out, *err;
};

static char *slurp(FILE *f)
{
	char *text = NULL;
	size_t len;

	fflush(f);
	assert_int_equal(sl_read_fd(fileno(f), 0, &text, &len), 0);
	fclose(f);
	return text;
}

/* ctl_main over the fakes, stdout and stderr caught. */
static struct run run_main(int argc, char **argv)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out = dup(1), saved_err = dup(2);
	struct run r;

	assert_non_null(out);
	assert_non_null(err);
	memset(&seen, 0, sizeof(seen));
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	r.rc = ctl_main(fakes, NFAKES, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	rewind(out);
	rewind(err);
	r.out = slurp(out);
	r.err = slurp(err);
	return r;
}

#define RUN(...) run_main(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void find_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(ctl_find(fakes, NFAKES, "none"), &fakes[1]);
	assert_ptr_equal(ctl_find(fakes, NFAKES, "where"), &fakes[3]);
	assert_null(ctl_find(fakes, NFAKES, "non"));
	assert_null(ctl_find(fakes, NFAKES, "One"));
	assert_null(ctl_find(fakes, NFAKES, NULL));
}

static void dispatch_runs_the_row(void **state)
{
	struct run r = RUN("one", "--force", "arg1", "--json");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.arg, "arg1");
	assert_true(seen.force);
	assert_true(seen.json);
	assert_string_equal(seen.bpffs, ""); /* the row needs no paths */
	assert_string_equal(r.out, "ran\n");
	assert_string_equal(r.err, "");
	run_free(&r);
}

static void unknown_command_one_line(void **state)
{
	struct run r = RUN("frob");

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_int_equal(seen.calls, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "sluicectl: unknown command 'frob'; see sluicectl --help\n");
	run_free(&r);
	r = RUN("--nope", "one", "x");
	assert_int_equal(r.rc, 2);
	assert_int_equal(seen.calls, 0);
	assert_string_equal(r.err, "sluicectl: unknown option '--nope'; see sluicectl --help\n");
	run_free(&r);
	r = run_main(1, ARGV(NULL));
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.err, "sluicectl: no command given; see sluicectl --help\n");
	run_free(&r);
}

static void wrong_argument_count(void **state)
{
	struct run r = RUN("one");

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_int_equal(seen.calls, 0);
	assert_string_equal(r.err, "sluicectl: one takes ARG; see sluicectl --help\n");
	run_free(&r);
	r = RUN("none", "a");
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.err, "sluicectl: none takes no arguments; see sluicectl --help\n");
	run_free(&r);
}

static void json_errors_on_stdout(void **state)
{
	struct run r = RUN("--json", "frob");
	json_t *j;

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.out,
			    "{\"error\": \"unknown command 'frob'; see sluicectl --help\"}\n");
	assert_string_equal(r.err, "");
	run_free(&r);
	r = RUN("fail", "-j");
	assert_int_equal(r.rc, 1);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(r.err, "");
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "error")), "boom at x");
	assert_int_equal(json_object_size(j), 1);
	json_decref(j);
	run_free(&r);
	r = RUN("fail");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "sluicectl: error: boom at x\n");
	run_free(&r);
}

static void help_prints_the_table(void **state)
{
	struct run r = RUN("--help");
	size_t i;

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 0);
	assert_non_null(strstr(r.out, "  sluicectl one ARG"));
	for (i = 0; i < NFAKES; i++) {
		assert_non_null(strstr(r.out, fakes[i].help));
		assert_non_null(strstr(r.out, fakes[i].name));
	}
	assert_non_null(strstr(r.out, "--config FILE"));
	assert_string_equal(r.err, "");
	run_free(&r);
	r = RUN("frob", "-h"); /* help wins over an unknown command */
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

static void version(void **state)
{
	char want[128];
	struct run r = RUN("--version");

	(void)state;
	snprintf(want, sizeof(want), "sluicectl %s\n", sl_version());
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, want);
	run_free(&r);
	r = RUN("-V", "--json");
	assert_non_null(strstr(r.out, "\"version\""));
	run_free(&r);
}

/* A row that needs paths gets them: from --bpffs, or from the --config given. */
static void paths_for_the_row(void **state)
{
	char dir[] = "/tmp/test_ctl_cli.XXXXXX", cfg[64], bad[64];
	struct run r;
	FILE *f;

	(void)state;
	unsetenv("SLUICE_BPFFS");
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/sluice.json", dir);
	snprintf(bad, sizeof(bad), "%s/missing.json", dir);
	f = fopen(cfg, "w");
	assert_non_null(f);
	fprintf(f, "{\"namespace\": \"t\", \"services\": [], \"bpffs\": \"/sys/fs/bpf/t\", "
		   "\"statusFile\": \"/run/t.json\"}");
	fclose(f);
	r = RUN("where", "--config", cfg);
	assert_int_equal(r.rc, 0);
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.bpffs, "/sys/fs/bpf/t");
	assert_string_equal(seen.status_file, "/run/t.json");
	run_free(&r);
	r = RUN("--bpffs", "/given", "where", "-c", cfg);
	assert_int_equal(r.rc, 0);
	assert_string_equal(seen.bpffs, "/given");
	assert_string_equal(seen.status_file, "/run/t.json");
	run_free(&r);
	r = RUN("where", "--config", bad);
	assert_int_equal(r.rc, 1);
	assert_int_equal(seen.calls, 0);
	assert_non_null(strstr(r.err, "sluicectl: error: "));
	assert_non_null(strstr(r.err, bad));
	run_free(&r);
	unlink(cfg);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_anywhere),
		cmocka_unit_test(double_dash_ends_options),
		cmocka_unit_test(extra_args_counted),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(find_by_name),
		cmocka_unit_test(dispatch_runs_the_row),
		cmocka_unit_test(unknown_command_one_line),
		cmocka_unit_test(wrong_argument_count),
		cmocka_unit_test(json_errors_on_stdout),
		cmocka_unit_test(help_prints_the_table),
		cmocka_unit_test(version),
		cmocka_unit_test(paths_for_the_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
