#include "ftz/frame.h"

void ftz_frame_header(uint64_t fp, unsigned char out[FTZ_FRAME_HEADER_SIZE]) {
    out[0] = 0xC3;
    out[1] = 0x01;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)(fp >> (8 * i));
}

ftz_err_t ftz_frame_parse(const void *buf, size_t len, uint64_t *fp,
                          const unsigned char **datum, size_t *datum_len,
                          char *errstr, size_t errstr_size) {
    const unsigned char *p = buf;
    if (!p || len < FTZ_FRAME_HEADER_SIZE)
        return ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size,
                          "value of %zu bytes is shorter than the 10-byte "
                          "single-object header", len);
    if (p[0] != 0xC3 || p[1] != 0x01)
        return ftz_seterr(FTZ_ERR_POISON, errstr, errstr_size,
                          "value starts with %02X %02X, not the single-object "
                          "marker C3 01", p[0], p[1]);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[2 + i] << (8 * i);
    *fp = v;
    *datum = p + FTZ_FRAME_HEADER_SIZE;
    *datum_len = len - FTZ_FRAME_HEADER_SIZE;
    return FTZ_OK;
}
