/* Validation, the consumer's one step from a Kafka message to a record or
 * a verdict: framing, schema lookup by fingerprint, the hardened check of
 * the bytes, decoding into the current record version, the topic check
 * (the record type must be the topic's), the key check (the message key
 * must equal the record's key field) and the business rules.
 *
 * The aggregator, the fuzzer (tests/fuzz/fuzz_decode.c) and the decode
 * benchmark (bench/bench_decode.c) all call ftz_validate, so the fuzzer
 * and the benchmark cover the path records really take. A validator is
 * used by one thread at a time. */
#ifndef FTZ_VALIDATE_H
#define FTZ_VALIDATE_H

#include <stddef.h>

#include "ftz/avro_check.h"
#include "ftz/catalog.h"
#include "ftz/codec.h"
#include "ftz/record.h"
#include "ftz/verdict.h"

typedef struct ftz_validator_s ftz_validator_t;

/* cat is borrowed and must outlive the validator; topic_prefix (copied;
 * NULL: "") is the prefix of the record topics; lim (copied; NULL: the
 * defaults of ftz_avro_limits_default) bounds what one datum may make the
 * decoder do. NULL with errstr on failure. */
ftz_validator_t *ftz_validator_new(const ftz_catalog_t *cat, const char *topic_prefix,
                                   const ftz_avro_limits_t *lim, char *errstr,
                                   size_t errstr_size);
void ftz_validator_destroy(ftz_validator_t *val);

/* Validates one message (every pointer borrowed). topic is the topic the
 * message was read from, NULL to skip the topic check (benchmarks of bare
 * values); key may be NULL (a message without key fails the key check).
 * FTZ_OK: *rt is the record type and rec (an ftz_record_buf_t) holds the
 * record. FTZ_ERR_POISON: the verdict holds a stable code (BAD_FRAMING,
 * UNKNOWN_SCHEMA, DECODE_ERROR, RULE_...) and a reason naming the field,
 * valid UTF-8. */
ftz_err_t ftz_validate(ftz_validator_t *val, const char *topic, const void *key,
                       size_t key_len, const void *value, size_t value_len,
                       const ftz_record_type_t **rt, ftz_record_buf_t *rec,
                       ftz_verdict_t *verdict);

#endif
