/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* state_file.h: what sluiced keeps across restarts and reboots beyond the pinned maps: the VIP
 * of every alias name of every namespace, in a small JSON file replaced atomically. */
#ifndef SL_STATE_FILE_H
#define SL_STATE_FILE_H

#include "inputs/config.h"
#include "lib/err.h"
#include "model/vip.h"

/* One namespace's VIPs. */
struct sl_state_ns {
	char *namespace;
	struct sl_vip_table vip4;
	struct sl_vip_table vip6;
};

struct sl_state {
	struct sl_state_ns *ns; /* by namespace, in the file's order (version 2) */
	size_t nns;
	struct sl_vip_table vip4; /* a version 1 file's: of no named namespace (the config's
				   * first takes them) */
	struct sl_vip_table vip6;
};

/* The VIPs of the namespace named name, or NULL. */
const struct sl_state_ns *sl_state_find(const struct sl_state *st, const char *name);
/* The VIPs each namespace of cfg had in st (views into st, by namespace): its own, or for
 * the first namespace a version 1 file's; none for a namespace st does not know. */
void sl_state_views(const struct sl_state *st, const struct sl_config *cfg,
		    struct sl_vip_table *v4, struct sl_vip_table *v6);
/* Parse len bytes of a state file's text; origin names it in messages, which quote nothing of
 * the text. On error err names origin and field, and *out is left empty. */
int sl_state_parse(const char *text, size_t len, const char *origin, struct sl_state *out,
		   struct sl_err *err);
/* Read the state file. A missing file is an empty state (0). A malformed one is an error
 * naming the file and field; the caller goes on with an empty state. */
int sl_state_load(const char *path, struct sl_state *out, struct sl_err *err);
/* Replace the file atomically, mode 0600 (sl_write_atomic: a private directory, created when
 * missing; no symlink followed). */
int sl_state_save(const char *path, const struct sl_state *st, struct sl_err *err);
void sl_state_free(struct sl_state *st);

#endif
