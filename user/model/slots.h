/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* slots.h: building a service's weighted slot table (struct sluice_slot[]) from its
 * serving backends, so the data plane picks a backend with one uniform draw. Pure. */
#ifndef SL_SLOTS_H
#define SL_SLOTS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"
#include "sluice.h"

struct sl_slot_backend {
	uint32_t backend_id;
	uint32_t weight; /* > 0 */
	struct sl_addr addr;
	uint16_t port; /* host byte order */
};

/* Fill out[0..cap) with a table for the n backends (all of weight > 0) and return its
 * size, 0 when n is 0. Each backend gets at least one slot and a share of the slots as
 * close to weight/sum(weights) as the table size allows: weights are reduced by their
 * greatest common divisor, and scaled down with largest-remainder rounding when their
 * sum exceeds cap. Slots are interleaved (smooth weighted round-robin order), never
 * grouped, so consecutive indexes spread over backends. Every slot's nslots is the
 * table size; port is stored in network byte order. -E2BIG when n > cap. */
int sl_slots_build(const struct sl_slot_backend *b, size_t n, struct sluice_slot *out,
		   size_t cap);

#endif
