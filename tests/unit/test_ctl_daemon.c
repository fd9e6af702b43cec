// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ctl_daemon.c: unit tests of how sluicectl finds the daemon of a data plane: the holder
 * of the directory's flock (here this test), its name and start time from /proc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "sluicectl/daemon.h"

static void format_time(void **state)
{
	char buf[CTL_TIME_STRLEN];

	(void)state;
	assert_string_equal(ctl_format_time(0, buf), "1970-01-01T00:00:00Z");
	assert_string_equal(ctl_format_time(1796180400, buf), "2026-12-02T03:00:00Z");
}

static void own_start_time(void **state)
{
	time_t started, now = time(NULL);

	(void)state;
	assert_int_equal(ctl_proc_started(getpid(), &started), 0);
	/* this process started a moment ago (the clock tick and boot time round down) */
	assert_true(started <= now);
	assert_true(started > now - 600);
	assert_int_equal(ctl_proc_started(0x7ffffff0, &started), -ENOENT);
}

static void lock_holder(void **state)
{
	char dir[] = "/tmp/test_ctl_daemon.XXXXXX";
	struct ctl_daemon d;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ctl_daemon_find(dir, &d), 0);
	assert_int_equal(d.pid, 0); /* nobody holds it */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(ctl_daemon_find(dir, &d), 0);
	assert_int_equal(d.pid, getpid());
	assert_string_equal(d.comm, "test_ctl_daemon");
	assert_true(d.started > 0);
	close(fd);
	assert_int_equal(ctl_daemon_find(dir, &d), 0);
	assert_int_equal(d.pid, 0);
	rmdir(dir);
	assert_int_equal(ctl_daemon_find(dir, &d), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_time),
		cmocka_unit_test(own_start_time),
		cmocka_unit_test(lock_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
