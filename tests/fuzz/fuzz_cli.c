// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_cli.c: libFuzzer target of ctl_parse (sluicectl's options), the input argv NUL-separated:
 * argv kept in order, the options' strings in it, errors said, a second parse the same. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sluicectl/cli.h"
#include "fuzz.h"

#define MAX_ARGC 64

/* s is NULL or inside the text; whole says it must be one of argv's strings itself. */
static void check_arg(const char *s, char **argv, int argc, bool whole)
{
	int i;

	for (i = 1; s && i < argc; i++)
		if (whole ? s == argv[i] : s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return;
	FUZZ_CHECK(!s, "an option's string is not in argv");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char name[] = "sluicectl";
	char *text = fuzz_text(data, size), *argv[MAX_ARGC + 1], *given[MAX_ARGC + 1], *p;
	struct ctl_opts o, again;
	struct sl_err err = { "" }, err2 = { "" };
	int argc = 1, ret, i;

	argv[0] = name;
	for (p = text; p < text + size && argc < MAX_ARGC; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memcpy(given, argv, sizeof(argv));
	ret = ctl_parse(argc, argv, &o, &err);
	FUZZ_CHECK(!memcmp(given, argv, sizeof(argv)), "ctl_parse reordered argv");
	FUZZ_CHECK(!ret || (ret == -EINVAL && *err.msg), "ctl_parse: %d, \"%s\"", ret, err.msg);
	check_arg(o.bpffs, argv, argc, false);
	check_arg(o.config, argv, argc, false);
	check_arg(o.ns, argv, argc, false);
	check_arg(o.cmd, argv, argc, true);
	for (i = 0; i < o.nargs && i < CTL_MAX_ARGS; i++)
		check_arg(o.args[i], argv, argc, true);
	FUZZ_CHECK(o.nargs >= 0 && o.nargs < argc, "%d arguments", o.nargs);
	FUZZ_CHECK(ctl_parse(argc, argv, &again, &err2) == ret && !memcmp(&o, &again, sizeof(o)) &&
		   !strcmp(err.msg, err2.msg), "a second parse differs");
	free(text);
	return 0;
}
