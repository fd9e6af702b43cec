// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_state.c: libFuzzer target of sl_state_parse (the VIP state file): what parses has one
 * family per table and serves as the previous VIPs of a model build (fuzz_config's). */
#include "files/state_file.h"
#include "fuzz.h"

#define ORIGIN "/var/lib/sluice/state.json"

static void check_table(const struct sl_vip_table *t, bool v4)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		FUZZ_CHECK(t->v[i].name && *t->v[i].name && sl_addr_is_v4(&t->v[i].vip) == v4,
			   "vip%s entry %zu", v4 ? "4" : "6", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_state st;
	struct sl_err err = { "" };
	int ret;

	/* The bytes as they are, not NUL-terminated: a read past them is ASan's to see. */
	ret = sl_state_parse((const char *)data, size, ORIGIN, &st, &err);
	if (ret) {
		fuzz_check_failed(ret, err.msg, ORIGIN, &st, sizeof(st));
		return 0;
	}
	check_table(&st.vip4, true);
	check_table(&st.vip6, false);
	fuzz_build(fuzz_config(), NULL, &st.vip4, &st.vip6);
	sl_state_free(&st);
	return 0;
}
