// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_registry.c: libFuzzer target of sl_registry_parse (a discover-instances document): the
 * instances it accepts are as registry.h says, copy whole, and build fuzz_config's namespaces. */
#include <stdlib.h>
#include <string.h>
#include "sluice.h"
#include "fuzz.h"

#define ORIGIN "registry/fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct sl_instances list, copy = { 0 }, each[2];
	struct sl_err err = { "" };
	size_t i;
	int ret;

	ret = sl_registry_parse(text, ORIGIN, &list, &err);
	if (ret) {
		fuzz_check_failed(ret, err.msg, ORIGIN, &list, sizeof(list));
		free(text);
		return 0;
	}
	for (i = 0; i < list.n; i++) {
		const struct sl_instance *in = &list.v[i];

		FUZZ_CHECK(*in->id && strlen(in->id) < SLUICE_INSTANCE_ID_LEN && *in->service &&
			   (in->has_v4 || in->has_v6) && (!in->has_v4 || sl_addr_is_v4(&in->addr4)) &&
			   (!in->has_v6 || !sl_addr_is_v4(&in->addr6)) && in->weight <= SL_MAX_WEIGHT,
			   "Instances[%zu] is not as registry.h says", i);
	}
	FUZZ_CHECK(!sl_instances_append(&copy, &list) && copy.n == list.n, "the copy failed");
	FUZZ_CHECK(fuzz_config()->nnamespaces == 2, "fuzz_config: two namespaces");
	each[0] = list; /* every namespace's registry: the namespaces take their own */
	each[1] = copy;
	fuzz_build(fuzz_config(), each, NULL, NULL);
	sl_instances_free(&copy);
	sl_instances_free(&list);
	free(text);
	return 0;
}
