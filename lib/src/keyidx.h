/* A reusable hash index from a string key to a row number, for
 * de-duplicating a batch's records by entity key before they are sent
 * (one row per declaration, event or company per statement). Keys are
 * borrowed: they must outlive the index's use. Internal to the sink. */
#ifndef FTZ_KEYIDX_H
#define FTZ_KEYIDX_H

#include <stddef.h>

#include "ftz/err.h"

typedef struct ftz_keyidx_s {
    struct ftz_keyidx_slot_s *slots;
    size_t cap;   /* power of two, 0 when unused */
} ftz_keyidx_t;

/* Empties the index, sized for n keys. FTZ_ERR_NOMEM. */
ftz_err_t ftz_keyidx_reset(ftz_keyidx_t *ix, size_t n);
/* The row stored for key, or inserts `row` for it and returns `row`.
 * At most the n keys given to reset may be inserted. */
size_t ftz_keyidx_get_or_put(ftz_keyidx_t *ix, const char *key, size_t row);
void ftz_keyidx_free(ftz_keyidx_t *ix);

#endif
