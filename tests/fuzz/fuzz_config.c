// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_config.c: libFuzzer target of sl_config_parse (sluiced's config): a config that parses
 * must pass the model build (fuzz_build); one that does not, fail cleanly, naming its file. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

/* An absolute origin: a relative registry path is taken from its directory. */
#define ORIGIN "/etc/sluice/sluice.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct sl_config cfg;
	struct sl_err err = { "" };
	size_t i, k;
	int ret;

	ret = sl_config_parse(text, ORIGIN, &cfg, &err);
	if (ret) {
		fuzz_check_failed(ret, err.msg, ORIGIN, &cfg, sizeof(cfg));
	} else {
		FUZZ_CHECK(!strcmp(cfg.origin, ORIGIN), "origin %s", cfg.origin);
		FUZZ_CHECK(cfg.nnamespaces >= 1, "no namespace");
		for (i = 0; i < cfg.nnamespaces; i++)
			for (k = 0; k < cfg.namespaces[i].nsources; k++)
				FUZZ_CHECK(cfg.namespaces[i].sources[k].kind != SL_SOURCE_FILE ||
					   cfg.namespaces[i].sources[k].file[0] == '/',
					   "a relative registry path");
		fuzz_build(&cfg, NULL, NULL, NULL);
		sl_config_free(&cfg);
	}
	free(text);
	return 0;
}
