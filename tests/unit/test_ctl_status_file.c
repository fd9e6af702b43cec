// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ctl_status_file.c: unit tests of sluicectl's reader of sluiced's status file: a good
 * file, a stale pid, a missing file, missing and unknown fields, garbage; the degraded lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sluicectl/status_file.h"

/* The schema's example, as sluiced writes it. */
static const char good[] =
	"{\"pid\": 123, \"started\": \"2026-12-02T03:00:00Z\", \"version\": \"0.5.0+gabc\","
	" \"config\": \"/etc/sluice/sluice.json\", \"bpffs\": \"/sys/fs/bpf/sluice\","
	" \"ready\": true, \"status\": \"serving 4 services\", \"socketTermination\": \"iterator\","
	" \"held\": false, \"reloadError\": null,"
	" \"registry\": {\"path\": \"/etc/sluice/registry\", \"problem\": null, \"badFiles\": 0,"
	"   \"instances\": 12, \"pending\": null,"
	"   \"unmatched\": [{\"service\": \"x\", \"namespace\": \"y\", \"instances\": 3},"
	"     {\"service\": \"z\", \"namespace\": null, \"instances\": 1}]},"
	" \"cgroups\": [{\"path\": \"/sys/fs/cgroup/a\", \"attached\": true, \"error\": null},"
	"   {\"path\": \"/sys/fs/cgroup/x\", \"attached\": false,"
	"    \"error\": \"cgroup /sys/fs/cgroup/x: No such file or directory\"}],"
	" \"updated\": \"2026-12-02T03:00:05Z\"}";

static int parse(const char *text, struct ctl_status *st, struct sl_err *err)
{
	return ctl_status_parse(text, strlen(text), "status.json", st, err);
}

static void parse_fails(const char *text, const char *msg)
{
	struct ctl_status st;
	struct sl_err err;

	assert_int_not_equal(parse(text, &st, &err), 0);
	assert_string_equal(err.msg, msg);
	assert_null(st.doc);
	assert_null(st.status);
}

/* The degraded lines, one string "a|b|c". */
static void collect(void *ctx, const char *line)
{
	char *buf = ctx;

	if (*buf)
		strcat(buf, "|");
	strcat(buf, line);
}

static void good_file(void **state)
{
	struct ctl_status st;
	struct sl_err err;
	char lines[2048] = "";

	(void)state;
	assert_int_equal(parse(good, &st, &err), 0);
	assert_int_equal(st.pid, 123);
	assert_true(st.ready);
	assert_false(st.held);
	assert_string_equal(st.started, "2026-12-02T03:00:00Z");
	assert_string_equal(st.version, "0.5.0+gabc");
	assert_string_equal(st.config, "/etc/sluice/sluice.json");
	assert_string_equal(st.bpffs, "/sys/fs/bpf/sluice");
	assert_string_equal(st.status, "serving 4 services");
	assert_string_equal(st.sockterm, "iterator");
	assert_string_equal(st.updated, "2026-12-02T03:00:05Z");
	assert_null(st.reload_error);
	assert_true(st.has_registry);
	assert_string_equal(st.registry.path, "/etc/sluice/registry");
	assert_null(st.registry.problem);
	assert_null(st.registry.pending);
	assert_int_equal(st.registry.instances, 12);
	assert_int_equal(st.registry.failing_parts, 0);
	assert_int_equal(st.registry.nunmatched, 2);
	assert_string_equal(st.registry.unmatched[0].service, "x");
	assert_string_equal(st.registry.unmatched[0].ns, "y");
	assert_int_equal(st.registry.unmatched[0].instances, 3);
	assert_null(st.registry.unmatched[1].ns);
	assert_int_equal(st.ncgroups, 2);
	assert_true(st.cgroups[0].attached);
	assert_null(st.cgroups[0].error);
	assert_false(st.cgroups[1].attached);
	assert_non_null(json_object_get(st.doc, "registry"));
	/* the one degraded item, its "cgroup PATH: " said once */
	assert_int_equal(ctl_status_degraded(&st, collect, lines), 1);
	assert_string_equal(lines,
			    "cgroup /sys/fs/cgroup/x: not attached: No such file or directory");
	ctl_status_free(&st);
}

static void every_degraded_item(void **state)
{
	struct ctl_status st;
	struct sl_err err;
	char lines[2048] = "";

	(void)state;
	assert_int_equal(parse("{\"pid\": 5, \"ready\": false, \"status\": \"registry held\","
			       " \"held\": true,"
			       " \"reloadError\": \"sluice.json: namespace: required\","
			       " \"registry\": {\"path\": \"/x\", \"problem\": \"does not exist\","
			       "   \"badFiles\": 2, \"pending\": \"/new\"},"
			       " \"cgroups\": [{\"path\": \"/y\", \"attached\": false}]}",
			       &st, &err), 0);
	assert_int_equal(ctl_status_degraded(&st, collect, lines), 7);
	assert_string_equal(lines,
			    "not ready: registry held|"
			    "held: the registry cannot be read whole, the adopted maps serve|"
			    "reload: sluice.json: namespace: required|"
			    "registry /x: does not exist|"
			    "registry /x: 2 failing parts|"
			    "registry /new: a reload's, not read yet|"
			    "cgroup /y: not attached");
	ctl_status_free(&st);
}

/* Only pid and ready are required; members left out read as zero; unknown ones pass (a newer
 * sluiced may say more); text members that may be null take another value as its JSON. */
static void missing_and_unknown_fields(void **state)
{
	struct ctl_status st;
	struct sl_err err;
	char lines[256] = "";

	(void)state;
	assert_int_equal(parse("{\"pid\": 7, \"ready\": true, \"future\": [1],"
			       " \"registry\": {\"path\": null, \"pending\": {\"path\": \"/p\"},"
			       "  \"more\": 1}}", &st, &err), 0);
	assert_int_equal(st.pid, 7);
	assert_null(st.version);
	assert_null(st.status);
	assert_int_equal(st.ncgroups, 0);
	assert_true(st.has_registry);
	assert_null(st.registry.path);
	assert_string_equal(st.registry.pending, "{\"path\":\"/p\"}");
	assert_int_equal(ctl_status_degraded(&st, collect, lines), 1);
	assert_string_equal(lines, "registry {\"path\":\"/p\"}: a reload's, not read yet");
	ctl_status_free(&st);
	assert_int_equal(parse("{\"pid\": 7, \"ready\": true}", &st, &err), 0);
	assert_false(st.has_registry);
	ctl_status_free(&st);

	parse_fails("{\"ready\": true}", "status.json: pid: required");
	parse_fails("{\"pid\": 7}", "status.json: ready: required");
	parse_fails("{\"pid\": 7, \"ready\": true, \"cgroups\": [{\"path\": \"/a\"}]}",
		    "status.json: cgroups[0].attached: required");
}

static void garbage(void **state)
{
	(void)state;
	/* nothing of the text is quoted: the file may be anything a symlink led to */
	parse_fails("", "status.json:1:0: unexpected token");
	parse_fails("{\"pid\": 12, \"ready\": tr", "status.json:1:23: invalid token");
	parse_fails("[1, 2]", "status.json: the document must be a JSON object, got an array");
	parse_fails("{\"pid\": \"12\", \"ready\": true}",
		    "status.json: pid: must be an integer from 1 to 2147483647, got \"12\"");
	parse_fails("{\"pid\": 0, \"ready\": true}",
		    "status.json: pid: must be an integer from 1 to 2147483647, got 0");
	parse_fails("{\"pid\": 1, \"ready\": \"yes\"}",
		    "status.json: ready: must be true or false, got \"yes\"");
	parse_fails("{\"pid\": 1, \"ready\": true, \"registry\": {\"badFiles\": -1}}",
		    "status.json: registry.badFiles: must be an integer from 0 to 4294967295, "
		    "got -1");
	parse_fails("{\"pid\": 1, \"ready\": true, \"status\": 5}",
		    "status.json: status: must be a string, got 5");
	parse_fails("{\"pid\": 1, \"ready\": true, \"cgroups\": {}}",
		    "status.json: cgroups: must be an array, got {}");
}

/* ---- reading the file, against the pid holding the data plane ---- */

struct dir {
	char path[64], file[96];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/test_ctl_status.XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/status.json", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;

	unlink(d->file);
	rmdir(d->path);
	free(d);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void read_current(void **state)
{
	struct dir *d = *state;
	struct ctl_status st;
	struct sl_err err;

	write_text(d->file, good);
	assert_int_equal(ctl_status_read(d->file, 123, &st, &err), CTL_STATUS_CURRENT);
	assert_int_equal(st.pid, 123);
	assert_string_equal(st.version, "0.5.0+gabc");
	ctl_status_free(&st);
}

static void read_stale(void **state)
{
	struct dir *d = *state;
	struct ctl_status st;
	struct sl_err err;
	char want[256];

	write_text(d->file, good);
	assert_int_equal(ctl_status_read(d->file, 456, &st, &err), CTL_STATUS_STALE);
	snprintf(want, sizeof(want), "%s is stale: written by pid 123, not by the daemon serving "
		 "(pid 456)", d->file);
	assert_string_equal(err.msg, want);
	assert_null(st.doc);
	assert_int_equal(ctl_status_read(d->file, 0, &st, &err), CTL_STATUS_STALE);
	snprintf(want, sizeof(want), "%s is stale: written by pid 123, and no daemon serves",
		 d->file);
	assert_string_equal(err.msg, want);
}

static void read_missing_or_bad(void **state)
{
	struct dir *d = *state;
	struct ctl_status st;
	struct sl_err err;
	char want[256];

	assert_int_equal(ctl_status_read(d->file, 123, &st, &err), CTL_STATUS_MISSING);
	snprintf(want, sizeof(want), "no status file %s", d->file);
	assert_string_equal(err.msg, want);
	write_text(d->file, "{\"pid\": 123, \"ready\": tr");
	assert_int_equal(ctl_status_read(d->file, 123, &st, &err), CTL_STATUS_BAD);
	assert_non_null(strstr(err.msg, d->file));
	assert_non_null(strstr(err.msg, "invalid token"));
	assert_null(st.doc);
	assert_int_equal(ctl_status_read(d->path, 123, &st, &err), CTL_STATUS_BAD); /* a dir */
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", d->path);
	assert_string_equal(err.msg, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(every_degraded_item),
		cmocka_unit_test(missing_and_unknown_fields),
		cmocka_unit_test(garbage),
		cmocka_unit_test_setup_teardown(read_current, setup, teardown),
		cmocka_unit_test_setup_teardown(read_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(read_missing_or_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
