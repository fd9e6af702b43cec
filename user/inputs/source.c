// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* source.c: opening a registry source of the kind its config names, and freeing any. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "inputs/source.h"

#define NAME_PREFIX "registry "

struct sl_source *sl_source_open(const struct sl_source_cfg *cfg, const struct sl_ns_cfg *config,
				 size_t max_instances, struct sl_err *err)
{
	switch (cfg->kind) {
	case SL_SOURCE_FILE:
		return sl_source_file_open(cfg, max_instances, err);
	case SL_SOURCE_DNS:
		return sl_source_dns_open(cfg, config, max_instances, err);
	case SL_SOURCE_ETCD:
		return sl_source_etcd_open(cfg, config, max_instances, err);
	case SL_SOURCE_CLOUDMAP:
		return sl_source_cloudmap_open(cfg, config, max_instances, err);
	}
	sl_err_set(err, "registry: unknown source kind %d", (int)cfg->kind);
	return NULL;
}

void sl_source_free(struct sl_source *s)
{
	if (s)
		s->ops->free(s);
}

void sl_source_count(struct sl_source *s, bool ok)
{
	if (ok) {
		s->reads.ok++;
		s->reads.last_ok = time(NULL);
	} else {
		s->reads.failed++;
	}
}

const char *sl_source_label(const struct sl_source *s)
{
	size_t n = strlen(NAME_PREFIX);

	return strncmp(s->name, NAME_PREFIX, n) ? s->name : s->name + n;
}
