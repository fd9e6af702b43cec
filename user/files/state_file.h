/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* state_file.h: what sluiced keeps across restarts and reboots beyond the pinned maps: the VIP
 * of every alias name, in a small JSON file replaced atomically. */
#ifndef SL_STATE_FILE_H
#define SL_STATE_FILE_H

#include "lib/err.h"
#include "model/vip.h"

struct sl_state {
	struct sl_vip_table vip4;
	struct sl_vip_table vip6;
};

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
