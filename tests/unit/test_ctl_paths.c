// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ctl_paths.c: unit tests of where sluicectl looks: --bpffs, $SLUICE_BPFFS, the config's
 * "bpffs" and "statusFile", a missing default config (the defaults), a bad one (a warning). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "inputs/config.h"
#include "sluicectl/paths.h"

struct dir {
	char path[64], good[96], bad[96], missing[96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	FILE *f;

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/test_ctl_paths.XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->good, sizeof(d->good), "%s/good.json", d->path);
	snprintf(d->bad, sizeof(d->bad), "%s/bad.json", d->path);
	snprintf(d->missing, sizeof(d->missing), "%s/missing.json", d->path);
	f = fopen(d->good, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"namespace\": \"t\", \"services\": [], \"bpffs\": \"/sys/fs/bpf/cfg\", "
		   "\"statusFile\": \"/run/cfg/status.json\"}");
	fclose(f);
	f = fopen(d->bad, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"namespace\": \"t\", \"services\": [], \"bpffs\": \"relative\"}");
	fclose(f);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;

	unlink(d->good);
	unlink(d->bad);
	rmdir(d->path);
	free(d);
	return 0;
}

static void choose(const struct ctl_where *w, struct ctl_paths *p, const char *bpffs,
		   const char *status_file, bool warned)
{
	struct sl_err warning, err;

	assert_int_equal(ctl_paths_choose(w, p, &warning, &err), 0);
	assert_string_equal(p->bpffs, bpffs);
	assert_string_equal(p->status_file, status_file);
	assert_int_equal(warning.msg[0] != '\0', warned);
	ctl_paths_free(p);
}

static void from_the_config(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .default_config = d->good };
	struct ctl_paths p;

	choose(&w, &p, "/sys/fs/bpf/cfg", "/run/cfg/status.json", false);
	w = (struct ctl_where){ .config = d->good, .default_config = d->missing };
	choose(&w, &p, "/sys/fs/bpf/cfg", "/run/cfg/status.json", false);
}

static void given_wins(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .bpffs = "/opt", .env_bpffs = "/env", .default_config = d->good,
			       .want_status_file = true };
	struct ctl_paths p;

	choose(&w, &p, "/opt", "/run/cfg/status.json", false);
	w.bpffs = NULL;
	choose(&w, &p, "/env", "/run/cfg/status.json", false);
	w.env_bpffs = ""; /* set but empty: not given */
	choose(&w, &p, "/sys/fs/bpf/cfg", "/run/cfg/status.json", false);
}

/* A bpffs given and no status file wanted: the default config is not even read. */
static void config_not_read_unless_needed(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .bpffs = "/opt", .default_config = d->bad };
	struct ctl_paths p;

	choose(&w, &p, "/opt", SL_DEFAULT_STATUS_FILE, false);
	w.want_status_file = true;
	choose(&w, &p, "/opt", SL_DEFAULT_STATUS_FILE, true);
}

static void missing_default_is_silent(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .default_config = d->missing, .want_status_file = true };
	struct ctl_paths p;

	choose(&w, &p, SL_DEFAULT_BPFFS, SL_DEFAULT_STATUS_FILE, false);
}

static void bad_default_warns(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .default_config = d->bad };
	struct sl_err warning, err;
	struct ctl_paths p;

	assert_int_equal(ctl_paths_choose(&w, &p, &warning, &err), 0);
	assert_string_equal(p.bpffs, SL_DEFAULT_BPFFS);
	assert_non_null(strstr(warning.msg, d->bad));
	assert_non_null(strstr(warning.msg, "bpffs"));
	assert_non_null(strstr(warning.msg, "using the defaults"));
	ctl_paths_free(&p);
	w.default_config = d->path; /* a directory: exists, does not read */
	choose(&w, &p, SL_DEFAULT_BPFFS, SL_DEFAULT_STATUS_FILE, true);
}

static void given_config_must_load(void **state)
{
	struct dir *d = *state;
	struct ctl_where w = { .bpffs = "/opt", .config = d->missing, .default_config = d->good };
	struct sl_err warning, err;
	struct ctl_paths p;

	assert_int_equal(ctl_paths_choose(&w, &p, &warning, &err), -ENOENT);
	assert_non_null(strstr(err.msg, d->missing));
	assert_null(p.bpffs);
	w.config = d->bad;
	assert_int_equal(ctl_paths_choose(&w, &p, &warning, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bpffs"));
	assert_null(p.bpffs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(from_the_config, setup, teardown),
		cmocka_unit_test_setup_teardown(given_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(config_not_read_unless_needed, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_default_is_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_default_warns, setup, teardown),
		cmocka_unit_test_setup_teardown(given_config_must_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
