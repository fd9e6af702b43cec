// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* vec.c: growing the arrays of vec.h: doubling, overflow-checked, all or nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vec.h"

int sl_vec_reserve(void *arrp, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : SL_VEC_MIN;
	void *arr, *grown;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (!size || ncap > SIZE_MAX / size)
		return -ENOMEM;
	memcpy(&arr, arrp, sizeof(arr));
	grown = realloc(arr, ncap * size);
	if (!grown)
		return -ENOMEM;
	memcpy(arrp, &grown, sizeof(grown));
	*cap = ncap;
	return 0;
}
