// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* replay.c: a fuzz target without libFuzzer, for make check: each file of its regressions and seeds
 * (or of the directories given) through LLVMFuzzerTestOneInput, a cmocka test each. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/fsutil.h"
#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET: the target's name, FUZZ_DIR: tests/fuzz (the Makefile sets both)"
#endif

static void replay(void **state)
{
	const char *path = *state;
	char *text = NULL;
	uint8_t *exact;
	size_t len = 0;

	if (sl_read_file(path, 0, &text, &len))
		fail_msg("%s: cannot read", path);
	exact = malloc(len ? len : 1);
	assert_non_null(exact);
	memcpy(exact, text, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	free(text);
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* A test per file of dir, appended to *tests; a missing dir adds none. */
static void add_dir(const char *dir, struct CMUnitTest **tests, size_t *n)
{
	struct dirent **ents;
	char *path;
	int k, i;

	k = scandir(dir, &ents, skip_dots, alphasort);
	if (k < 0)
		return;
	*tests = realloc(*tests, (*n + (size_t)k) * sizeof(**tests));
	if (!*tests)
		abort();
	for (i = 0; i < k; i++) {
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0)
			abort();
		(*tests)[(*n)++] = (struct CMUnitTest){ .name = path, .test_func = replay,
							 .initial_state = path };
		free(ents[i]);
	}
	free(ents);
}

int main(int argc, char **argv)
{
	const char *dirs[] = { FUZZ_DIR "/regressions/" FUZZ_TARGET, FUZZ_DIR "/corpus/" FUZZ_TARGET };
	struct CMUnitTest *tests = NULL;
	size_t n = 0, i;
	int ret;

	if (argc > 1)
		for (i = 1; i < (size_t)argc; i++)
			add_dir(argv[i], &tests, &n);
	else
		for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
			add_dir(dirs[i], &tests, &n);
	if (!n) {
		fprintf(stderr, "replay_%s: no inputs (%s)\n", FUZZ_TARGET, argc > 1 ? argv[1] : dirs[1]);
		return 1;
	}
	ret = _cmocka_run_group_tests("replay_" FUZZ_TARGET, tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free(tests[i].initial_state);
	free(tests);
	return ret;
}
