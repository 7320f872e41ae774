#include "ftz/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* First capacity of an empty array, in elements. */
#define FTZ_ARRAY_FIRST_CAP 16

ftz_err_t ftz_array_grow(void *items, size_t *cap, size_t need, size_t elem_size) {
    if (need <= *cap)
        return FTZ_OK;
    if (elem_size == 0 || need > SIZE_MAX / elem_size)
        return FTZ_ERR_NOMEM;
    size_t limit = SIZE_MAX / elem_size, ncap = *cap ? *cap : FTZ_ARRAY_FIRST_CAP;
    while (ncap < need)
        ncap = ncap > limit / 2 ? limit : ncap * 2;
    /* The pointer is read and written through memcpy: `items` is really a
     * T ** for some T, and a void ** lvalue must not alias it. */
    void *old, *grown;
    memcpy(&old, items, sizeof(old));
    if (!(grown = realloc(old, ncap * elem_size)))
        return FTZ_ERR_NOMEM;
    memcpy(items, &grown, sizeof(grown));
    *cap = ncap;
    return FTZ_OK;
}
