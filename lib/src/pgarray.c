#include "ftz/pgarray.h"

#include <string.h>

/* ndim, flags, element OID, then for the one dimension its length and
 * lower bound: array_recv's layout. */
#define HEADER 20

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

ftz_err_t ftz_pgarr_begin(ftz_pgarr_t *a, uint32_t oid) {
    static const unsigned char zero[HEADER];
    ftz_buf_reset(&a->buf);
    a->oid = oid;
    a->n = 0;
    a->has_null = 0;
    return ftz_buf_append(&a->buf, zero, HEADER);
}

/* Length word and payload in one reservation. */
static ftz_err_t element(ftz_pgarr_t *a, const void *p, size_t len) {
    unsigned char w[4];
    if (len > INT32_MAX || a->n == INT32_MAX)
        return FTZ_ERR_INVALID_ARG;
    if (ftz_buf_reserve(&a->buf, 4 + len))
        return FTZ_ERR_NOMEM;
    put32(w, (uint32_t)len);
    ftz_buf_append(&a->buf, w, 4);
    if (len)
        ftz_buf_append(&a->buf, p, len);
    a->n++;
    return FTZ_OK;
}

ftz_err_t ftz_pgarr_bytes(ftz_pgarr_t *a, const void *p, size_t len) {
    return element(a, p, len);
}

ftz_err_t ftz_pgarr_str(ftz_pgarr_t *a, const char *s) { return element(a, s, strlen(s)); }

ftz_err_t ftz_pgarr_int4(ftz_pgarr_t *a, int32_t v) {
    unsigned char b[4];
    put32(b, (uint32_t)v);
    return element(a, b, 4);
}

ftz_err_t ftz_pgarr_int8(ftz_pgarr_t *a, int64_t v) {
    unsigned char b[8];
    put32(b, (uint32_t)((uint64_t)v >> 32));
    put32(b + 4, (uint32_t)v);
    return element(a, b, 8);
}

ftz_err_t ftz_pgarr_null(ftz_pgarr_t *a) {
    unsigned char w[4] = {0xFF, 0xFF, 0xFF, 0xFF}; /* length -1 */
    if (a->n == INT32_MAX)
        return FTZ_ERR_INVALID_ARG;
    if (ftz_buf_append(&a->buf, w, 4))
        return FTZ_ERR_NOMEM;
    a->has_null = 1;
    a->n++;
    return FTZ_OK;
}

const char *ftz_pgarr_finish(ftz_pgarr_t *a, int *len) {
    unsigned char *h = (unsigned char *)a->buf.data;
    /* An empty array has no dimension at all. */
    put32(h, a->n ? 1 : 0);
    put32(h + 4, (uint32_t)a->has_null);
    put32(h + 8, a->oid);
    if (a->n == 0) {
        *len = 12;
        return a->buf.data;
    }
    put32(h + 12, (uint32_t)a->n);
    put32(h + 16, 1);
    *len = (int)a->buf.len;
    return a->buf.data;
}

void ftz_pgarr_free(ftz_pgarr_t *a) {
    ftz_buf_free(&a->buf);
    a->n = 0;
}
