// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_status.c: libFuzzer target of ctl_status_parse (sluicectl's reader of sluiced's status
 * file): what parses has its required members, and its degraded lines can be told. */
#include <string.h>
#include "sluicectl/status_file.h"
#include "fuzz.h"

#define ORIGIN "/run/sluice/status.json"

static void line(void *ctx, const char *text)
{
	(void)ctx;
	FUZZ_CHECK(*text, "an empty degraded line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_status st;
	struct sl_err err = { "" };
	size_t i;
	int ret;

	/* The bytes as they are, not NUL-terminated: a read past them is ASan's to see. */
	ret = ctl_status_parse((const char *)data, size, ORIGIN, &st, &err);
	if (ret) {
		fuzz_check_failed(ret, err.msg, ORIGIN, &st, sizeof(st));
		return 0;
	}
	FUZZ_CHECK(st.pid >= 1 && st.doc, "pid %u", st.pid);
	for (i = 0; i < st.ncgroups; i++)
		FUZZ_CHECK(st.cgroups[i].path, "cgroups[%zu] without a path", i);
	ctl_status_degraded(&st, line, NULL);
	ctl_status_free(&st);
	return 0;
}
