/* The Avro codec: framed single-object bytes <-> record structs.
 *
 * Decoding: framing, fingerprint lookup in the catalog, a hardened walk of
 * the bytes against the writer's schema (avro_check.c: every length, count,
 * index and string checked before Avro-C allocates anything, no byte left
 * over), then a direct read of the checked bytes (Avro-C's reader for shapes
 * the direct path does not cover), resolving fields by name into the
 * record's struct (see codec.c).
 * Encoding: struct -> Avro value of a chosen schema version -> framed bytes.
 * Schemas are parsed and Avro value objects built once, in the
 * constructors, and reused for every record.
 *
 * A decoder or encoder is used by one thread at a time. */
#ifndef FTZ_CODEC_H
#define FTZ_CODEC_H

#include <stddef.h>

#include "ftz/avro_check.h"
#include "ftz/buf.h"
#include "ftz/catalog.h"
#include "ftz/record.h"
#include "ftz/verdict.h"

/* Size of a buffer that can hold any record struct. */
#define FTZ_RECORD_MAX_SIZE 2048

/* Storage for any record struct, suitably aligned. */
typedef union ftz_record_buf_u {
    max_align_t align;
    unsigned char bytes[FTZ_RECORD_MAX_SIZE];
} ftz_record_buf_t;

typedef struct ftz_decoder_s ftz_decoder_t;
typedef struct ftz_encoder_s ftz_encoder_t;

/* cat is borrowed and must outlive the decoder. NULL with errstr on
 * failure (a schema that does not match the record's field table). */
ftz_decoder_t *ftz_decoder_new(const ftz_catalog_t *cat, char *errstr,
                               size_t errstr_size);
void ftz_decoder_destroy(ftz_decoder_t *dec);

/* Bounds on what one datum may make the decoder do (lim copied): record
 * size, array/map items, nesting. Default: ftz_avro_limits_default. */
void ftz_decoder_set_limits(ftz_decoder_t *dec, const ftz_avro_limits_t *lim);

/* Flat records (all of the project's) are decoded directly from the
 * checked bytes; on != 0 makes every record go through Avro-C's reader
 * instead. For tests that prove the two paths agree. */
void ftz_decoder_force_avro(ftz_decoder_t *dec, int on);

/* Decodes one framed value (buf borrowed). On success sets *rt and fills
 * rec (a caller ftz_record_buf_t, or the record type's struct) and returns FTZ_OK.
 * A bad value returns FTZ_ERR_POISON with verdict's code BAD_FRAMING,
 * UNKNOWN_SCHEMA or DECODE_ERROR (or RULE_FIELD_LENGTH for a string too
 * long for its field) and a reason naming the field. */
ftz_err_t ftz_decoder_decode(ftz_decoder_t *dec, const void *buf, size_t len,
                             const ftz_record_type_t **rt, void *rec,
                             ftz_verdict_t *verdict);

/* Encoder for record type rt in schema `version` (0: the current one).
 * cat is borrowed and must outlive the encoder. */
ftz_encoder_t *ftz_encoder_new(const ftz_catalog_t *cat, ftz_rtype_t rt, int version,
                               char *errstr, size_t errstr_size);
void ftz_encoder_destroy(ftz_encoder_t *enc);
/* Whether rec (borrowed) fits the encoder's schema version: FTZ_OK, or
 * FTZ_ERR_POISON with a BAD_JSON verdict naming a field rec sets that the
 * version lacks (an older --schema-version would drop it silently). */
ftz_err_t ftz_encoder_check_fields(const ftz_encoder_t *enc, const void *rec, ftz_verdict_t *v);
/* Tests: 1 writes every record with Avro-C's generic values, as when a
 * schema has a field the record's table lacks (else records are written
 * in Avro's binary encoding directly; both give the same bytes). */
void ftz_encoder_force_avro(ftz_encoder_t *enc, int on);
/* Replaces out's contents with the framed encoding of rec (borrowed). */
ftz_err_t ftz_encoder_encode(ftz_encoder_t *enc, const void *rec, ftz_buf_t *out,
                             char *errstr, size_t errstr_size);

#endif
