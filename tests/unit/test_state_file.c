// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_state_file.c: unit tests of the state file: round trip, its JSON form, a missing file,
 * malformed files named by file and field, the text parsed alone, atomic replacement and write
 * errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "files/state_file.h"
#include "vip_find.h"

static void mk_table(struct sl_vip_table *t, const char *const *names, const char *const *addrs,
		     size_t n)
{
	size_t i;

	t->v = calloc(n ? n : 1, sizeof(*t->v));
	assert_non_null(t->v);
	for (i = 0; i < n; i++) {
		t->v[i].name = strdup(names[i]);
		assert_non_null(t->v[i].name);
		assert_int_equal(sl_addr_parse(addrs[i], &t->v[i].vip), 0);
	}
	t->n = n;
}

/* A state of one namespace, name, with no VIPs yet: st->ns[0]. */
static struct sl_state_ns *mk_ns(struct sl_state *st, const char *name)
{
	st->ns = calloc(1, sizeof(*st->ns));
	assert_non_null(st->ns);
	st->nns = 1;
	st->ns[0].namespace = strdup(name);
	assert_non_null(st->ns[0].namespace);
	return &st->ns[0];
}

/* The sample state: namespace prod, two IPv4 VIPs, one IPv6. */
static void mk_state(struct sl_state *st)
{
	const char *n4[] = { "users", "orders.prod" };
	const char *a4[] = { "127.255.0.9", "127.255.200.1" };
	const char *n6[] = { "users" };
	const char *a6[] = { "fd00:5::9" };
	struct sl_state_ns *ns = mk_ns(st, "prod");

	mk_table(&ns->vip4, n4, a4, 2);
	mk_table(&ns->vip6, n6, a6, 1);
}

static void assert_same_table(const struct sl_vip_table *got, const struct sl_vip_table *want)
{
	size_t i;

	assert_int_equal(got->n, want->n);
	for (i = 0; i < want->n; i++) {
		const struct sl_addr *a = vip_of(got, want->v[i].name);

		assert_non_null(a);
		assert_true(sl_addr_eq(a, &want->v[i].vip));
	}
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup_dir(void **state)
{
	char *dir = strdup("/tmp/sluice-test-state-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_dir(void **state)
{
	char *dir = *state;
	int ret = nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return ret;
}

static char *path_in(void **state, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", (char *)*state, rel) > 0);
	return p;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Names in dir, one string "a b c" sorted. */
static void list_dir(const char *dir, char *buf, size_t len)
{
	struct dirent **ents;
	int i, n;

	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			if (buf[0])
				strncat(buf, " ", len - strlen(buf) - 1);
			strncat(buf, ents[i]->d_name, len - strlen(buf) - 1);
		}
		free(ents[i]);
	}
	free(ents);
}

static void test_round_trip(void **state)
{
	char *path = path_in(state, "var/lib/sluice/state.json");
	struct sl_state st = { 0 }, got;
	struct sl_err err = { "" };
	int ret;

	mk_state(&st);
	ret = sl_state_save(path, &st, &err);
	if (ret)
		fail_msg("save: %d: %s", ret, err.msg);
	ret = sl_state_load(path, &got, &err);
	if (ret)
		fail_msg("load: %d: %s", ret, err.msg);
	assert_int_equal(got.nns, 1);
	assert_non_null(sl_state_find(&got, "prod"));
	assert_null(sl_state_find(&got, "other"));
	assert_same_table(&sl_state_find(&got, "prod")->vip4, &st.ns[0].vip4);
	assert_same_table(&sl_state_find(&got, "prod")->vip6, &st.ns[0].vip6);
	assert_int_equal(got.vip4.n + got.vip6.n, 0);
	sl_state_free(&got);
	sl_state_free(&st);
	free(path);
}

/* A version 1 file (one namespace's tables at the top) is read; the first namespace of a
 * config takes them, another gets none, a namespace of its own keeps its own. */
static void test_version1(void **state)
{
	char *path = path_in(state, "state.json");
	struct sl_ns_cfg nss[2] = { { .namespace = "first" }, { .namespace = "second" } };
	struct sl_config cfg = { .namespaces = nss, .nnamespaces = 2 };
	struct sl_vip_table v4[2], v6[2];
	struct sl_err err = { "" };
	struct sl_state got;

	put_file(path, "{\"version\": 1, \"vip4\": {\"a\": \"127.255.0.1\"}, "
		       "\"vip6\": {\"a\": \"fd00::1\"}}");
	assert_int_equal(sl_state_load(path, &got, &err), 0);
	assert_int_equal(got.nns, 0);
	assert_int_equal(got.vip4.n, 1);
	sl_state_views(&got, &cfg, v4, v6);
	assert_int_equal(v4[0].n, 1);
	assert_int_equal(v6[0].n, 1);
	assert_int_equal(v4[1].n + v6[1].n, 0);
	sl_state_free(&got);
	put_file(path, "{\"version\": 2, \"namespaces\": {\"second\": {\"vip4\": "
		       "{\"b\": \"127.255.0.2\"}}}}");
	assert_int_equal(sl_state_load(path, &got, &err), 0);
	sl_state_views(&got, &cfg, v4, v6);
	assert_int_equal(v4[0].n, 0); /* a version 2 file: the first has what it names */
	assert_int_equal(v4[1].n, 1);
	assert_string_equal(v4[1].v[0].name, "b");
	sl_state_free(&got);
	free(path);
}

static void test_file_format(void **state)
{
	char *path = path_in(state, "state.json");
	struct sl_state st = { 0 };
	struct sl_err err = { "" };
	json_error_t jerr;
	json_t *root, *v4, *v6;

	mk_state(&st);
	assert_int_equal(sl_state_save(path, &st, &err), 0);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
	assert_int_equal(json_object_size(root), 2);
	assert_int_equal(json_object_size(json_object_get(root, "namespaces")), 1);
	v4 = json_object_get(json_object_get(json_object_get(root, "namespaces"), "prod"), "vip4");
	v6 = json_object_get(json_object_get(json_object_get(root, "namespaces"), "prod"), "vip6");
	assert_int_equal(json_object_size(v4), 2);
	assert_string_equal(json_string_value(json_object_get(v4, "users")), "127.255.0.9");
	assert_string_equal(json_string_value(json_object_get(v4, "orders.prod")),
			    "127.255.200.1");
	assert_int_equal(json_object_size(v6), 1);
	assert_string_equal(json_string_value(json_object_get(v6, "users")), "fd00:5::9");
	json_decref(root);
	sl_state_free(&st);
	free(path);
}

static void test_empty_round_trip(void **state)
{
	char *path = path_in(state, "state.json");
	struct sl_state st = { 0 }, got;
	struct sl_err err = { "" };

	assert_int_equal(sl_state_save(path, &st, &err), 0);
	assert_int_equal(sl_state_load(path, &got, &err), 0);
	assert_int_equal(got.vip4.n, 0);
	assert_int_equal(got.vip6.n, 0);
	sl_state_free(&got);

	/* Tables may be left out. */
	put_file(path, "{\"version\": 1}");
	assert_int_equal(sl_state_load(path, &got, &err), 0);
	assert_int_equal(got.vip4.n, 0);
	assert_int_equal(got.vip6.n, 0);
	sl_state_free(&got);
	sl_state_free(&got);
	free(path);
}

static void test_missing_file(void **state)
{
	char *path = path_in(state, "nowhere/state.json");
	struct sl_state got = { .vip4 = { (void *)1, 4 }, .vip6 = { (void *)1, 4 } };
	struct sl_err err = { "untouched" };

	assert_int_equal(sl_state_load(path, &got, &err), 0);
	assert_null(got.vip4.v);
	assert_int_equal(got.vip4.n, 0);
	assert_null(got.vip6.v);
	assert_int_equal(got.vip6.n, 0);
	sl_state_free(&got);
	free(path);
}

/* Loading text must fail with -EINVAL and "PATH" followed by want (a prefix of the rest when
 * prefix is true), leaving the state empty. */
static void check_malformed(void **state, const char *text, const char *want, bool prefix)
{
	char *path = path_in(state, "state.json"), *full;
	struct sl_state got;
	struct sl_err err = { "" };

	put_file(path, text);
	assert_true(asprintf(&full, "%s%s", path, want) > 0);
	assert_int_equal(sl_state_load(path, &got, &err), -EINVAL);
	if (prefix ? strncmp(err.msg, full, strlen(full)) : strcmp(err.msg, full))
		fail_msg("for %s: got \"%s\", want \"%s\"", text, err.msg, full);
	assert_null(got.vip4.v);
	assert_int_equal(got.vip4.n, 0);
	assert_null(got.vip6.v);
	assert_int_equal(got.vip6.n, 0);
	assert_null(got.ns);
	assert_int_equal(got.nns, 0);
	free(full);
	free(path);
}

static void test_malformed(void **state)
{
	check_malformed(state, "{\"version\": 1, \"vip4\": ", ":1:23: ", true);
	check_malformed(state, "not json", ":1:3: ", true);
	check_malformed(state, "", ":1:0: ", true);
	check_malformed(state, "[1, 2]", ": the document must be a JSON object, got an array", false);
	check_malformed(state, "{\"vip4\": {}}", ": version: required", false);
	check_malformed(state, "{\"version\": 3}",
			": version: must be 1 or 2, the versions known, got 3", false);
	check_malformed(state, "{\"version\": \"1\"}",
			": version: must be 1 or 2, the versions known, got \"1\"", false);
	check_malformed(state, "{\"version\": 2, \"namespaces\": []}",
			": namespaces: must be an object, got []", false);
	check_malformed(state, "{\"version\": 2, \"namespaces\": {\"\": {}}}",
			": namespaces[\"\"]: a namespace name must not be empty", false);
	check_malformed(state, "{\"version\": 2, \"namespaces\": {\"p\": {\"vip4\": "
			"{\"a\": \"fd00::1\"}}}}",
			": namespaces.p.vip4.a: must be an IPv4 address, got \"fd00::1\"", false);
	check_malformed(state, "{\"version\": 1, \"vip4\": {\"orders\": \"fd00::1\"}}",
			": vip4.orders: must be an IPv4 address, got \"fd00::1\"", false);
	check_malformed(state, "{\"version\": 1, \"vip4\": {\"orders\": \"127.255.0.300\"}}",
			": vip4.orders: must be an IPv4 address, got \"127.255.0.300\"", false);
	check_malformed(state, "{\"version\": 1, \"vip4\": {\"orders\": 5}}",
			": vip4.orders: must be a string, got 5", false);
	check_malformed(state, "{\"version\": 1, \"vip4\": [\"orders\"]}",
			": vip4: must be an object, got [\"orders\"]", false);
	check_malformed(state, "{\"version\": 1, \"vip4\": {\"\": \"127.255.0.1\"}}",
			": vip4[\"\"]: an alias name must not be empty", false);
	/* A bad second table after a good first one: nothing kept, nothing leaked. */
	check_malformed(state,
			"{\"version\": 1,"
			" \"vip4\": {\"a\": \"127.255.0.1\", \"b\": \"127.255.0.2\"},"
			" \"vip6\": {\"a\": \"fd00::1\", \"b\": \"10.0.0.1\"}}",
			": vip6.b: must be an IPv6 address, got \"10.0.0.1\"", false);
	check_malformed(state, "{\"version\": 1, \"vip6\": {\"a\": \"::ffff:10.0.0.1\"}}",
			": vip6.a: must be an IPv6 address, got \"::ffff:10.0.0.1\"", false);
	/* The same name twice. */
	check_malformed(state,
			"{\"version\": 1,"
			" \"vip4\": {\"a\": \"127.255.0.1\", \"a\": \"127.255.0.2\"}}",
			":1:", true);
}

/* The text parsed as the file would be: the tables, a NUL byte or a bad field refused with
 * the origin named, nothing of the text quoted, and the state left empty. */
static void test_parse_text(void **state)
{
	static const char good[] = "{\"version\": 1, \"vip4\": {\"users\": \"127.255.0.9\"},"
				   " \"vip6\": {\"users\": \"fd00:5::9\"}}";
	static const char nul[] = "{\"version\": 1}\0 trailing";
	static const char garbage[] = "{\"version\": 1, \"vip4\": {\"a\": \"secret\"}} x";
	static const char bad[] = "{\"version\": 1, \"vip4\": {\"a\": \"127.0.0.1\", \"b\": 1}}";
	struct sl_state got = { .ns = (void *)1, .nns = 4, .vip4 = { (void *)1, 4 },
				.vip6 = { (void *)1, 4 } };
	struct sl_err err = { "" };

	(void)state;
	assert_int_equal(sl_state_parse(good, strlen(good), "(text)", &got, &err), 0);
	assert_int_equal(got.vip4.n, 1);
	assert_string_equal(got.vip4.v[0].name, "users");
	assert_int_equal(got.vip6.n, 1);
	assert_non_null(vip_of(&got.vip6, "users"));
	sl_state_free(&got);

	assert_int_equal(sl_state_parse(nul, sizeof(nul) - 1, "(text)", &got, &err), -EINVAL);
	assert_string_equal(err.msg, "(text): byte 14: a NUL byte, not JSON text");
	assert_int_equal(sl_state_parse(garbage, strlen(garbage), "(text)", &got, &err), -EINVAL);
	assert_int_equal(strncmp(err.msg, "(text):1:", 9), 0);
	assert_null(strstr(err.msg, "secret"));
	assert_int_equal(sl_state_parse(bad, strlen(bad), "(text)", &got, &err), -EINVAL);
	assert_string_equal(err.msg, "(text): vip4.b: must be a string, got 1");
	assert_null(got.vip4.v);
	assert_int_equal(got.vip4.n, 0);
	assert_null(got.vip6.v);
	assert_int_equal(got.vip6.n, 0);
	assert_null(got.ns);
	assert_int_equal(got.nns, 0);
}

static void test_unreadable(void **state)
{
	char *path = path_in(state, "adir");
	struct sl_state got;
	struct sl_err err = { "" };
	char want[512];

	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(sl_state_load(path, &got, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(got.vip4.n, 0);
	free(path);
}

static void test_atomic_replace(void **state)
{
	char *path = path_in(state, "s/state.json"), *tmp = path_in(state, "s/state.json.tmp");
	char *dir = path_in(state, "s"), *victim = path_in(state, "victim");
	const char *n4[] = { "only" };
	const char *a4[] = { "127.255.7.7" };
	struct sl_state st = { 0 }, st2 = { 0 }, got;
	struct sl_err err = { "" };
	struct stat sb;
	char names[256];
	ino_t ino;

	mk_state(&st);
	assert_int_equal(sl_state_save(path, &st, &err), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	ino = sb.st_ino;

	/* A symlink planted where an older sluiced put its temporary file is left alone,
	 * and so is what it points at; the save leaves no temporary file behind. */
	put_file(victim, "root:x:0:0");
	assert_int_equal(symlink(victim, tmp), 0);
	mk_table(&mk_ns(&st2, "prod")->vip4, n4, a4, 1);
	assert_int_equal(sl_state_save(path, &st2, &err), 0);
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(unlink(victim), 0);
	list_dir(dir, names, sizeof(names));
	assert_string_equal(names, "state.json");
	/* Replaced by rename: a new inode holds the new content. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_not_equal(sb.st_ino, ino);
	assert_int_equal(sl_state_load(path, &got, &err), 0);
	assert_same_table(&got.ns[0].vip4, &st2.ns[0].vip4);
	assert_int_equal(got.ns[0].vip6.n, 0);
	sl_state_free(&got);
	sl_state_free(&st);
	sl_state_free(&st2);
	free(path);
	free(tmp);
	free(dir);
	free(victim);
}

static void test_save_errors(void **state)
{
	char *file = path_in(state, "plain"), *path = path_in(state, "plain/sub/state.json");
	char *good = path_in(state, "state.json");
	struct sl_state st = { 0 };
	struct sl_err err = { "" };
	char names[256];

	put_file(file, "x");
	mk_state(&st);
	assert_int_equal(sl_state_save(path, &st, &err), -ENOTDIR);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, strerror(ENOTDIR)));

	/* A table of the wrong family is refused, and nothing written. */
	st.ns[0].vip6.v[0].vip = st.ns[0].vip4.v[0].vip;
	assert_int_equal(sl_state_save(good, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": namespaces.prod.vip6.users: must be an IPv6 address"));
	assert_int_equal(strncmp(err.msg, good, strlen(good)), 0);
	list_dir((char *)*state, names, sizeof(names));
	assert_string_equal(names, "plain");
	sl_state_free(&st);

	/* An empty name is named by its place, as reading names it. */
	mk_state(&st);
	st.ns[0].vip4.v[0].name[0] = '\0';
	assert_int_equal(sl_state_save(good, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": namespaces.prod.vip4[\"\"]: an alias name must not be "
				    "empty"));
	sl_state_free(&st);

	/* The rename fails (a directory is in the way): the temporary file is removed. */
	mk_state(&st);
	assert_int_equal(mkdir(good, 0755), 0);
	assert_int_equal(sl_state_save(good, &st, &err), -EISDIR);
	assert_int_equal(strncmp(err.msg, good, strlen(good)), 0);
	assert_non_null(strstr(err.msg, strerror(EISDIR)));
	list_dir((char *)*state, names, sizeof(names));
	assert_string_equal(names, "plain state.json");
	sl_state_free(&st);
	free(file);
	free(path);
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version1, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_format, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_empty_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_missing_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_malformed, setup_dir, teardown_dir),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test_setup_teardown(test_unreadable, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_atomic_replace, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_save_errors, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
