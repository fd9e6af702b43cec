/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* vec.h: growable arrays kept as a typed pointer, a count and a capacity: one way to make
 * room, so no module writes its own realloc ladder. */
#ifndef SL_VEC_H
#define SL_VEC_H

#include <stddef.h>

#define SL_VEC_MIN 16 /* the first allocation holds this many elements */

/* Make the array at arrp (a T **) hold at least need elements of size bytes, doubling its
 * capacity *cap (from SL_VEC_MIN); the contents stay. 0, or -ENOMEM with the array and *cap
 * untouched (also when need * size would overflow). */
int sl_vec_reserve(void *arrp, size_t *cap, size_t need, size_t size);

/* Room for one more element after the n in arr: 0 or -ENOMEM. */
#define sl_vec_room(arr, n, cap) sl_vec_reserve(&(arr), &(cap), (size_t)(n) + 1, sizeof(*(arr)))

#endif
