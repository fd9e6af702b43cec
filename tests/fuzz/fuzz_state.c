// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_state.c: libFuzzer target of sl_state_parse (the VIP state file): what parses has one
 * family per table, and its views per namespace are the previous VIPs of fuzz_config's build. */
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
	struct sl_vip_table v4[2], v6[2]; /* fuzz_config's two namespaces */
	struct sl_state st;
	struct sl_err err = { "" };
	size_t i;
	int ret;

	/* The bytes as they are, not NUL-terminated: a read past them is ASan's to see. */
	ret = sl_state_parse((const char *)data, size, ORIGIN, &st, &err);
	if (ret) {
		fuzz_check_failed(ret, err.msg, ORIGIN, &st, sizeof(st));
		return 0;
	}
	check_table(&st.vip4, true);
	check_table(&st.vip6, false);
	for (i = 0; i < st.nns; i++) {
		FUZZ_CHECK(st.ns[i].namespace && *st.ns[i].namespace, "namespaces[%zu] unnamed", i);
		check_table(&st.ns[i].vip4, true);
		check_table(&st.ns[i].vip6, false);
	}
	FUZZ_CHECK(fuzz_config()->nnamespaces == 2, "fuzz_config: two namespaces");
	sl_state_views(&st, fuzz_config(), v4, v6);
	fuzz_build(fuzz_config(), NULL, v4, v6);
	sl_state_free(&st);
	return 0;
}
