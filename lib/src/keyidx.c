#include "keyidx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ftz_keyidx_slot_s {
    const char *key; /* NULL: empty */
    size_t row;
};

/* FNV-1a: keys are short ids; good enough spread, no allocation. */
static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

ftz_err_t ftz_keyidx_reset(ftz_keyidx_t *ix, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    if (cap > ix->cap) {
        free(ix->slots);
        ix->cap = 0;
        if (!(ix->slots = malloc(cap * sizeof(*ix->slots))))
            return FTZ_ERR_NOMEM;
        ix->cap = cap;
    }
    memset(ix->slots, 0, ix->cap * sizeof(*ix->slots));
    return FTZ_OK;
}

static struct ftz_keyidx_slot_s *find(ftz_keyidx_t *ix, const char *key) {
    size_t mask = ix->cap - 1, i = (size_t)hash(key) & mask;
    while (ix->slots[i].key && strcmp(ix->slots[i].key, key) != 0)
        i = (i + 1) & mask;
    return &ix->slots[i];
}

size_t ftz_keyidx_get_or_put(ftz_keyidx_t *ix, const char *key, size_t row) {
    struct ftz_keyidx_slot_s *s = find(ix, key);
    if (!s->key) {
        s->key = key;
        s->row = row;
    }
    return s->row;
}

void ftz_keyidx_free(ftz_keyidx_t *ix) {
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}
