// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_sources.c: the registry's sources: merged in the order written (the first to list an
 * instance wins), dispatched by fd, and a reload that swaps them only once the new ones read. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "inputs/sources.h"

#define DOC(id, port) "{\"Instances\":[{\"InstanceId\":\"" id "\",\"ServiceName\":\"svc\"," \
		      "\"Attributes\":{\"AWS_INSTANCE_IPV4\":\"10.0.0.1\",\"AWS_INSTANCE_PORT\":\"" \
		      port "\"}}]}"

static char dir[64];

static char *path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void put(const char *name, const char *text)
{
	char *p = path(name), tmp[128];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.tmp", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(rename(tmp, p), 0);
	free(p);
}

static struct sl_ns_cfg config(const char *a, const char *b)
{
	static struct sl_source_cfg src[2];
	struct sl_ns_cfg cfg = { .namespace = "ns" };
	char *pa = a ? path(a) : NULL, *pb = b ? path(b) : NULL;

	free(src[0].file);
	free(src[1].file);
	src[0] = (struct sl_source_cfg){ .kind = SL_SOURCE_FILE, .file = pa };
	src[1] = (struct sl_source_cfg){ .kind = SL_SOURCE_FILE, .file = pb };
	cfg.sources = src;
	cfg.nsources = (a != NULL) + (b != NULL);
	return cfg;
}

static const char *ids(const struct sl_sources *ss)
{
	static char buf[256];
	const struct sl_instances *l = sl_sources_instances(ss);
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s:%u", i ? "," : "", l->v[i].id,
				l->v[i].port);
	return buf;
}

/* Wait (bounded) for the sources' fds and dispatch them until the merge changes. */
static bool settle(struct sl_sources *ss)
{
	int fds[8], i, rounds;
	size_t n = sl_sources_fds(ss, fds, 8);

	for (rounds = 0; rounds < 50; rounds++) {
		struct pollfd p[8];

		for (i = 0; i < (int)n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, n, 100) <= 0)
			continue;
		for (i = 0; i < (int)n; i++)
			if ((p[i].revents & POLLIN) && sl_sources_dispatch(ss, fds[i]))
				return true;
	}
	return false;
}

static void test_merge_and_watch(void **state)
{
	struct sl_ns_cfg cfg;
	struct sl_sources ss;
	struct sl_err err;

	(void)state;
	put("a.json", DOC("i1", "81"));
	put("b.json", "{\"Instances\":[{\"InstanceId\":\"i1\",\"ServiceName\":\"svc\",\"Attributes\":"
		      "{\"AWS_INSTANCE_IPV4\":\"10.0.0.2\",\"AWS_INSTANCE_PORT\":\"82\"}},"
		      "{\"InstanceId\":\"i2\",\"ServiceName\":\"svc\",\"Attributes\":"
		      "{\"AWS_INSTANCE_IPV4\":\"10.0.0.2\",\"AWS_INSTANCE_PORT\":\"82\"}}]}");
	cfg = config("a.json", "b.json");
	assert_int_equal(sl_sources_open(&ss, &cfg, 64, &err), 0);
	assert_string_equal(ids(&ss), "i1:81,i2:82"); /* i1 from a.json, the first */
	assert_false(sl_sources_incomplete(&ss));
	put("a.json", DOC("i3", "83"));
	assert_true(settle(&ss));
	assert_string_equal(ids(&ss), "i3:83,i1:82,i2:82");
	sl_sources_close(&ss);
	config(NULL, NULL);
}

static void test_reload(void **state)
{
	struct sl_ns_cfg cfg;
	struct sl_sources ss;
	struct sl_err err;
	unsigned gen;
	char *late;

	(void)state;
	put("a.json", DOC("i1", "81"));
	cfg = config("a.json", NULL);
	assert_int_equal(sl_sources_open(&ss, &cfg, 64, &err), 0);
	gen = ss.generation;
	/* the same sources: kept as they are */
	cfg = config("a.json", NULL);
	assert_false(sl_sources_reload(&ss, &cfg));
	assert_int_equal(ss.generation, gen);
	/* a new one that does not exist: the one in use serves on */
	cfg = config("late.json", NULL);
	assert_false(sl_sources_reload(&ss, &cfg));
	assert_string_equal(ids(&ss), "i1:81");
	assert_int_equal(ss.nwant, 1);
	assert_false(sl_sources_tick(&ss));
	/* it appears: the next tick swaps */
	put("late.json", DOC("i9", "89"));
	assert_true(sl_sources_tick(&ss));
	assert_int_equal(ss.nwant, 0);
	assert_int_not_equal(ss.generation, gen);
	assert_string_equal(ids(&ss), "i9:89");
	/* no registry at all */
	cfg = config(NULL, NULL);
	assert_true(sl_sources_reload(&ss, &cfg));
	assert_string_equal(ids(&ss), "");
	sl_sources_close(&ss);
	late = path("late.json");
	unlink(late);
	free(late);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sluice-sources-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_and_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
