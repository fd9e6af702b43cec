/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* vip_find.h: a VIP table's entry by name in unit tests, through sl_vip_index and
 * sl_vip_find (the lookups sluiced makes), so the assertions exercise them too. */
#ifndef TEST_VIP_FIND_H
#define TEST_VIP_FIND_H

#include <stdlib.h>
#include "model/vip.h"

/* The VIP of name in t, or NULL; copied out, so the index is freed here. */
static __attribute__((unused)) const struct sl_addr *vip_of(const struct sl_vip_table *t,
							    const char *name)
{
	static struct sl_addr found;
	const struct sl_vip_entry **idx;
	const struct sl_addr *a;

	assert_int_equal(sl_vip_index(t, &idx), 0);
	a = sl_vip_find((const struct sl_vip_entry *const *)idx, idx ? t->n : 0, name);
	if (a)
		found = *a;
	free(idx);
	return a ? &found : NULL;
}

#endif
