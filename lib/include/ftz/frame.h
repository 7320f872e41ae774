/* Avro single-object encoding: C3 01, the 8-byte little-endian CRC-64-AVRO
 * fingerprint of the writer schema's canonical form, then the datum. */
#ifndef FTZ_FRAME_H
#define FTZ_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ftz/err.h"

#define FTZ_FRAME_HEADER_SIZE 10

/* Writes the 10-byte header for fingerprint fp into out. */
void ftz_frame_header(uint64_t fp, unsigned char out[FTZ_FRAME_HEADER_SIZE]);

/* Splits a framed value. On success *fp is the fingerprint and *datum,
 * *datum_len point into buf (borrowed). FTZ_ERR_POISON with a reason
 * when the bytes are not single-object encoded (code BAD_FRAMING). */
ftz_err_t ftz_frame_parse(const void *buf, size_t len, uint64_t *fp,
                          const unsigned char **datum, size_t *datum_len,
                          char *errstr, size_t errstr_size);

#endif
