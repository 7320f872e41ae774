#include "ftz/batch.h"

#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/utf8.h"

static void *dup_bytes(const void *p, size_t n) {
    if (!p)
        return NULL;
    unsigned char *q = malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* Process-wide, so that no two batches' contents ever share a number. */
static uint64_t new_generation(void) {
    static uint64_t last;
    return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

void ftz_batch_init(ftz_batch_t *b) {
    memset(b, 0, sizeof(*b));
    b->generation = new_generation();
}

static void free_dead(ftz_dead_letter_t *d) {
    free(d->topic);
    free(d->key);
    free(d->payload);
    free(d->reason);
}

void ftz_batch_clear(ftz_batch_t *b) {
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        b->rows[t].n = 0;
    for (size_t i = 0; i < b->n_dead; i++)
        free_dead(&b->dead[i]);
    b->n_dead = 0;
    for (size_t i = 0; i < b->n_parts; i++)
        free(b->parts[i].topic);
    b->n_parts = 0;
    b->messages = 0;
    b->bytes = 0;
    b->n_times = 0;
    b->generation = new_generation();
    ftz_buf_reset(&b->arena);
}

void ftz_batch_free(ftz_batch_t *b) {
    ftz_batch_clear(b);
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        free(b->rows[t].data);
        free(b->rows[t].meta);
    }
    free(b->dead);
    free(b->parts);
    free(b->times);
    ftz_buf_free(&b->arena);
    memset(b, 0, sizeof(*b));
}

/* 8 bytes a step, multiply and rotate (the shape of wyhash's and
 * xxhash's mixing): a few tens of nanoseconds for a record, and no need
 * for a cryptographic hash: it tells a re-created log from the old one. */
static uint64_t mix(uint64_t h, const unsigned char *p, size_t n) {
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * k)) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ (w * k) ^ n) * 0x94D049BB133111EBULL;
    return h ^ (h >> 29);
}

uint64_t ftz_batch_fingerprint(const void *key, size_t key_len, const void *value,
                               size_t value_len) {
    uint64_t h = mix(0x243F6A8885A308D3ULL ^ key_len, key ? key : "", key ? key_len : 0);
    h = mix(h ^ value_len, value ? value : "", value ? value_len : 0);
    /* Stored as a signed bigint; 0 is kept for "none". */
    return h ? h : 1;
}

ftz_err_t ftz_batch_note_offset(ftz_batch_t *b, const char *topic, int32_t partition,
                                int64_t expected, int64_t offset, uint64_t fingerprint) {
    b->messages++;
    b->generation = new_generation();
    for (size_t i = 0; i < b->n_parts; i++)
        if (b->parts[i].partition == partition && strcmp(b->parts[i].topic, topic) == 0) {
            if (offset > b->parts[i].last) {
                b->parts[i].last = offset;
                b->parts[i].last_fingerprint = fingerprint;
            }
            return FTZ_OK;
        }
    if (FTZ_ARRAY_GROW(b->parts, b->cap_parts, b->n_parts + 1))
        return FTZ_ERR_NOMEM;
    ftz_batch_part_t *p = &b->parts[b->n_parts];
    if (!(p->topic = strdup(topic)))
        return FTZ_ERR_NOMEM;
    p->partition = partition;
    p->expected = expected;
    p->last = offset;
    p->last_fingerprint = fingerprint;
    b->n_parts++;
    return FTZ_OK;
}

ftz_err_t ftz_batch_add_record(ftz_batch_t *b, const ftz_record_type_t *rt,
                               const void *rec, int32_t partition, int64_t offset,
                               const void *key, size_t key_len, const void *value,
                               size_t value_len) {
    ftz_batch_rows_t *r = &b->rows[rt->id];
    size_t cap = r->cap;
    if (r->n + 1 > r->cap) {
        if (FTZ_ARRAY_GROW(r->meta, cap, r->n + 1))
            return FTZ_ERR_NOMEM;
        size_t cap2 = r->cap;
        if (ftz_array_grow(&r->data, &cap2, r->n + 1, rt->size))
            return FTZ_ERR_NOMEM;
        r->cap = cap < cap2 ? cap : cap2;
    }
    ftz_row_meta_t *m = &r->meta[r->n];
    m->partition = partition;
    m->offset = offset;
    m->has_key = key != NULL;
    m->key_off = b->arena.len;
    m->key_len = key ? key_len : 0;
    if (key && ftz_buf_append(&b->arena, key, key_len))
        return FTZ_ERR_NOMEM;
    m->value_off = b->arena.len;
    m->value_len = value_len;
    if (ftz_buf_append(&b->arena, value, value_len))
        return FTZ_ERR_NOMEM;
    memcpy(r->data + r->n * rt->size, rec, rt->size);
    r->n++;
    b->bytes += rt->size + sizeof(*m) + key_len + value_len;
    return FTZ_OK;
}

ftz_err_t ftz_batch_reject_record(ftz_batch_t *b, const ftz_record_type_t *rt, size_t i,
                                  const char *topic, const char *code, const char *reason) {
    ftz_batch_rows_t *r = &b->rows[rt->id];
    const ftz_row_meta_t *m = &r->meta[i];
    b->generation = new_generation();
    ftz_err_t err = ftz_batch_add_dead(b, topic, m->partition, m->offset,
                                       m->has_key ? b->arena.data + m->key_off : NULL,
                                       m->key_len, b->arena.data + m->value_off, m->value_len,
                                       code, reason);
    if (err)
        return err;
    memmove(r->data + i * rt->size, r->data + (i + 1) * rt->size, (r->n - i - 1) * rt->size);
    memmove(&r->meta[i], &r->meta[i + 1], (r->n - i - 1) * sizeof(*r->meta));
    r->n--;
    return FTZ_OK;
}

ftz_err_t ftz_batch_add_dead(ftz_batch_t *b, const char *topic, int32_t partition,
                             int64_t offset, const void *key, size_t key_len,
                             const void *payload, size_t payload_len, const char *code,
                             const char *reason) {
    if (FTZ_ARRAY_GROW(b->dead, b->cap_dead, b->n_dead + 1))
        return FTZ_ERR_NOMEM;
    ftz_dead_letter_t *d = &b->dead[b->n_dead];
    char clean[FTZ_DEAD_REASON_MAX];
    memset(d, 0, sizeof(*d));
    ftz_utf8_sanitize(clean, sizeof(clean), reason, strlen(reason));
    d->topic = strdup(topic);
    d->reason = strdup(clean);
    d->key = dup_bytes(key, key_len);
    d->payload = dup_bytes(payload, payload_len);
    d->key_len = key ? key_len : 0;
    d->payload_len = payload ? payload_len : 0;
    d->partition = partition;
    d->offset = offset;
    d->code = code;
    if (!d->topic || !d->reason || (key && !d->key) || (payload && !d->payload)) {
        free_dead(d);
        return FTZ_ERR_NOMEM;
    }
    b->n_dead++;
    b->bytes += sizeof(*d) + d->key_len + d->payload_len + strlen(d->reason);
    return FTZ_OK;
}

ftz_err_t ftz_batch_note_time(ftz_batch_t *b, int64_t timestamp_ms) {
    if (FTZ_ARRAY_GROW(b->times, b->cap_times, b->n_times + 1))
        return FTZ_ERR_NOMEM;
    b->times[b->n_times++] = timestamp_ms;
    b->bytes += sizeof(*b->times);
    return FTZ_OK;
}
