/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* history.h: the ejection record of backends that left the registry, kept by service, address
 * and port for as long as it matters, so that a backend re-added under a new id is still out
 * for the rest of its ejection and its next ejection still doubles. Pure. */
#ifndef SL_HISTORY_H
#define SL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "health/outlier.h"
#include "lib/addr.h"
#include "sluice.h"

struct sl_history_entry {
	char service[SLUICE_NAME_LEN];
	struct sl_addr addr;
	uint16_t port;
	struct sl_outlier_state state;
	uint64_t expires_ms; /* when the record no longer changes what happens */
};

/* Sorted by (service, address, port); at most max entries (the oldest to expire go first). */
struct sl_history {
	struct sl_history_entry *v;
	size_t n, cap, max;
};

/* How long a record matters: while its ejection runs, and then for as long as a new ejection
 * would still double (the last ejection's length after re-admission). 0: never (no ejection). */
uint64_t sl_history_expiry(const struct sl_outlier_state *s);
/* Keep the record of a backend that leaves (nothing when it has none, or it has expired);
 * a record of the same backend is replaced. 0 or -ENOMEM. */
int sl_history_put(struct sl_history *h, const char *service, const struct sl_addr *addr,
		   uint16_t port, const struct sl_outlier_state *s, uint64_t now_ms);
/* The record of a backend that comes back, removed from the history: true when there is one
 * that has not expired. */
bool sl_history_take(struct sl_history *h, const char *service, const struct sl_addr *addr,
		     uint16_t port, struct sl_outlier_state *out, uint64_t now_ms);
/* The record without removing it (NULL when none or expired). */
const struct sl_history_entry *sl_history_find(const struct sl_history *h, const char *service,
					       const struct sl_addr *addr, uint16_t port,
					       uint64_t now_ms);
/* Drop the records that expired. */
void sl_history_expire(struct sl_history *h, uint64_t now_ms);
void sl_history_free(struct sl_history *h);

#endif
