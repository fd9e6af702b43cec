// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_cgroup_rules.c: libFuzzer target of the attach rules' globs and the cgroup paths they are
 * matched against (names any tenant may create): "MATCH\0PATH"; presets and match agree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "inputs/cgroup_rules.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), levels[SL_RULE_MAX_LEVELS][256];
	const char *match = text, *path = text + strlen(text) + (strlen(text) < size);
	const struct sl_layout *l;
	const char *why = NULL;
	size_t i, k, t;
	int n;

	n = sl_match_levels(match, levels, &why);
	FUZZ_CHECK((n >= 1 && n <= SL_RULE_MAX_LEVELS) || (n == -EINVAL && why), "levels %d", n);
	if (n > 0) {
		const struct sl_layout own = { "", match };

		/* a path the glob matches is one whole task of a layout watching the mount */
		t = sl_layout_task(&own, path);
		FUZZ_CHECK(!*path || strlen(path) >= 4096 ||
			   sl_match_path(match, path) == (t == strlen(path)),
			   "sl_match_path and sl_layout_task disagree on \"%s\"", path);
	}
	for (i = 0; sl_preset_names[i]; i++) {
		for (l = sl_preset_layouts(sl_preset_names[i]), k = 0; l[k].watch; k++) {
			t = sl_layout_task(&l[k], path);
			FUZZ_CHECK(t <= strlen(path) && (!t || !path[t] || path[t] == '/'),
				   "%s: a task of %zu bytes in \"%s\"", sl_preset_names[i], t, path);
		}
	}
	free(text);
	return 0;
}
