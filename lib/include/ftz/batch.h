/* One batch of consumed messages, in memory until it is committed: the
 * good records per record type, the dead letters, and per partition the
 * offset the batch starts from (the committed next offset) and the last
 * offset it holds. Not thread-safe; owned by the consumer loop. */
#ifndef FTZ_BATCH_H
#define FTZ_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"
#include "ftz/record.h"

typedef struct ftz_row_meta_s {
    int32_t partition;
    int64_t offset;
    /* The original message, kept in the batch's arena in case PostgreSQL
     * refuses the record and it must become a dead letter after all. */
    size_t key_off, key_len, value_off, value_len;
    int has_key;
} ftz_row_meta_t;

#include "ftz/buf.h"

typedef struct ftz_batch_rows_s {
    unsigned char *data;  /* n records of rt->size bytes */
    ftz_row_meta_t *meta; /* where each came from */
    size_t n, cap;
} ftz_batch_rows_t;

/* Longest dead-letter reason kept, in bytes. */
#define FTZ_DEAD_REASON_MAX 1024

typedef struct ftz_dead_letter_s {
    char *topic;
    int32_t partition;
    int64_t offset;
    unsigned char *key;   /* NULL when the message had no key */
    size_t key_len;
    unsigned char *payload; /* NULL when the message had no value */
    size_t payload_len;
    const char *code;     /* static */
    char *reason;
} ftz_dead_letter_t;

typedef struct ftz_batch_part_s {
    char *topic;
    int32_t partition;
    int64_t expected;     /* committed next offset at batch start; -1: none stored */
    int64_t last;         /* last offset in the batch */
    uint64_t last_fingerprint; /* of the message at `last` (ftz_batch_fingerprint) */
} ftz_batch_part_t;

typedef struct ftz_batch_s {
    ftz_batch_rows_t rows[FTZ_REC__COUNT];
    ftz_dead_letter_t *dead;
    size_t n_dead, cap_dead;
    ftz_batch_part_t *parts;
    size_t n_parts, cap_parts;
    size_t messages;      /* messages in the batch, good or bad */
    size_t bytes;         /* memory the batch's records and messages take */
    uint64_t generation;  /* unique to these contents: new whenever they
                           * change, and it moves with them when two batch
                           * structs are swapped (the sink knows a staged
                           * batch by it) */
    ftz_buf_t arena;      /* keys and values of the good records */
    int64_t *times;       /* Kafka timestamps of the messages (ms), for the
                           * end-to-end latency; -1 where a message had none */
    size_t n_times, cap_times;
} ftz_batch_t;

void ftz_batch_init(ftz_batch_t *b);
/* Forgets the contents, keeping memory for the next batch. */
void ftz_batch_clear(ftz_batch_t *b);
void ftz_batch_free(ftz_batch_t *b);

/* Records that (topic, partition) delivered `offset`, a message whose
 * ftz_batch_fingerprint is `fingerprint`; `expected` is the partition's
 * committed next offset, used when the partition is new to the batch.
 * Call once per message, good or bad, in offset order. topic is copied. */
ftz_err_t ftz_batch_note_offset(ftz_batch_t *b, const char *topic, int32_t partition,
                                int64_t expected, int64_t offset, uint64_t fingerprint);

/* A 64-bit hash of a message's key and value (either may be NULL), stored
 * with the offsets so that a member can tell, later, whether the message
 * at that offset is still the one it counted. Never 0. */
uint64_t ftz_batch_fingerprint(const void *key, size_t key_len, const void *value,
                               size_t value_len);
/* Notes a message's Kafka timestamp (ms since the epoch; -1: none). */
ftz_err_t ftz_batch_note_time(ftz_batch_t *b, int64_t timestamp_ms);
/* Copies a good record (rt->size bytes from rec) and its message's key
 * (may be NULL) and value. */
ftz_err_t ftz_batch_add_record(ftz_batch_t *b, const ftz_record_type_t *rt,
                               const void *rec, int32_t partition, int64_t offset,
                               const void *key, size_t key_len, const void *value,
                               size_t value_len);
/* Turns good record i of type rt into a dead letter (topic copied). */
ftz_err_t ftz_batch_reject_record(ftz_batch_t *b, const ftz_record_type_t *rt, size_t i,
                                  const char *topic, const char *code, const char *reason);
/* Copies a rejected message; code must be a static string; reason is
 * copied as valid UTF-8 (ftz_utf8_sanitize): it is stored in a text
 * column and sent as a Kafka header. */
ftz_err_t ftz_batch_add_dead(ftz_batch_t *b, const char *topic, int32_t partition,
                             int64_t offset, const void *key, size_t key_len,
                             const void *payload, size_t payload_len, const char *code,
                             const char *reason);

#endif
