/* Arrays: the element count of a C array, and one way to grow a heap array.
 * Pure functions: any thread (each array is the caller's to lock). */
#ifndef FTZ_ARRAY_H
#define FTZ_ARRAY_H

#include <stddef.h>

#include "ftz/err.h"

/* Elements in a true array (not a pointer): a size_t constant. */
#define FTZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Makes room for at least `need` elements of elem_size bytes in the heap
 * array whose address is `items` (a T **: *items may be NULL) and whose
 * capacity, in elements, is *cap. The capacity doubles from 16 until it
 * holds `need`, so that n appends cost O(n) copies. Returns FTZ_OK (also
 * when there is room already) or FTZ_ERR_NOMEM, when the allocation fails or
 * need * elem_size would not fit in a size_t; then *items and *cap are as
 * they were. *items stays owned by the caller (it may be moved). */
ftz_err_t ftz_array_grow(void *items, size_t *cap, size_t need, size_t elem_size);

/* ftz_array_grow for the lvalues `items` (a T *) and `cap` (a size_t). */
#define FTZ_ARRAY_GROW(items, cap, need) \
    ftz_array_grow(&(items), &(cap), (need), sizeof(*(items)))

#endif
