#include "ftz/rules.h"
#include "ftz/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "ftz/field_value.h"
#include "ftz/record_text.h"
#include "ftz/utf8.h"
#include "ftz/value.h"

/* The JSON reader: Debian's yajl, as a stream of events (no tree, nothing
 * allocated per value): each top-level key that names a field keeps its
 * value's kind and text (numbers as written, strings decoded) in a scratch
 * area; ftz_record_from_values (field_value.c) then judges the fields.
 * Every allocation yajl makes for one line comes from a bump arena on the
 * stack (larger ones from malloc), so a line costs no malloc at all. */

/* Deeper nesting than this is refused (a record is flat). */
#define JSON_MAX_DEPTH 32
/* The arena on the stack: yajl's handle, lexer and buffers for a line. */
#define ARENA_SIZE 8192

typedef struct arena_s {
    size_t used;
    _Alignas(16) unsigned char mem[ARENA_SIZE];
} arena_t;

/* Each block starts with a 16-byte header: its size, and whether it came
 * from malloc. */
typedef struct block_s {
    size_t size;
    size_t heap;
} block_t;
#define HDR 16

static void *a_malloc(void *ctx, size_t n) {
    arena_t *a = ctx;
    size_t need = HDR + ((n + 15) & ~(size_t)15);
    block_t *b;
    if (need <= ARENA_SIZE - a->used) {
        b = (block_t *)(void *)(a->mem + a->used);
        a->used += need;
        b->heap = 0;
    } else {
        if (!(b = malloc(HDR + n)))
            return NULL;
        b->heap = 1;
    }
    b->size = n;
    return (char *)b + HDR;
}

static void a_free(void *ctx, void *p) {
    (void)ctx;
    if (p && ((block_t *)(void *)((char *)p - HDR))->heap)
        free((char *)p - HDR);
}

static void *a_realloc(void *ctx, void *p, size_t n) {
    if (!p)
        return a_malloc(ctx, n);
    block_t *b = (block_t *)(void *)((char *)p - HDR);
    if (b->heap) {
        block_t *nb = realloc(b, HDR + n);
        if (!nb)
            return NULL;
        nb->size = n;
        return (char *)nb + HDR;
    }
    if (n <= b->size)
        return p;
    void *q = a_malloc(ctx, n);
    if (q)
        memcpy(q, p, b->size);
    return q;
}

typedef struct reader_s {
    const ftz_record_type_t *rt;
    ftz_field_value_t vals[FTZ_RECORD_MAX_FIELDS];
    int depth;
    int field;        /* the field of the current top-level key; -1: none */
    int guess;        /* the field the next key most likely names (table order) */
    int not_object;   /* the top-level value is not an object */
    char unknown[80]; /* the first top-level key that is not a field */
    int duplicate;    /* a field given twice: stop */
    int too_deep;
    char *scratch;    /* values' text, each NUL-terminated */
    size_t used, cap;
} reader_t;

/* Keeps the value of the current field (top level only). */
static int keep(reader_t *r, ftz_fv_kind_t kind, const char *s, size_t len) {
    if (r->depth == 0) {
        r->not_object = 1;
        return 1;
    }
    if (r->depth != 1 || r->field < 0)
        return 1;
    ftz_field_value_t *x = &r->vals[r->field];
    x->kind = kind;
    x->text = "";
    x->len = 0;
    if (s) {
        if (len + 1 > r->cap - r->used)
            return 0; /* cannot be: values are never longer than the line */
        memcpy(r->scratch + r->used, s, len);
        r->scratch[r->used + len] = '\0';
        x->text = r->scratch + r->used;
        x->len = len;
        r->used += len + 1;
    }
    r->field = -1;
    return 1;
}

static int on_null(void *ctx) { return keep(ctx, FTZ_FV_NULL, NULL, 0); }

static int on_bool(void *ctx, int b) {
    return keep(ctx, FTZ_FV_BOOL, b ? "true" : "false", b ? 4 : 5);
}

static int on_number(void *ctx, const char *s, size_t len) {
    ftz_fv_kind_t k = ftz_json_number_kind(s, len);
    return keep(ctx, k == FTZ_FV_ABSENT ? FTZ_FV_REAL : k, s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
    return keep(ctx, FTZ_FV_STRING, (const char *)s, len);
}

static int on_key(void *ctx, const unsigned char *s, size_t len) {
    reader_t *r = ctx;
    if (r->depth != 1)
        return 1;
    r->field = -1;
    /* Exports write the fields in the table's order, mostly: that one is
     * tried first. */
    for (int k = 0; k < r->rt->nfields; k++) {
        int i = (r->guess + k) % r->rt->nfields;
        const char *name = r->rt->fields[i].name;
        if (strlen(name) == len && memcmp(name, s, len) == 0) {
            if (r->vals[i].kind != FTZ_FV_ABSENT) {
                r->duplicate = 1;
                return 0;
            }
            r->field = i;
            r->guess = i + 1;
            /* Marked now, so that a second one is seen even if this value
             * is not kept (an array, say). */
            r->vals[i].kind = FTZ_FV_COMPOUND;
            return 1;
        }
    }
    if (!r->unknown[0])
        ftz_utf8_sanitize(r->unknown, sizeof(r->unknown), (const char *)s, len);
    return 1;
}

static int on_open(void *ctx) {
    reader_t *r = ctx;
    if (r->depth == 1 && r->field >= 0) {
        r->vals[r->field].kind = FTZ_FV_COMPOUND;
        r->field = -1;
    }
    if (++r->depth > JSON_MAX_DEPTH) {
        r->too_deep = 1;
        return 0;
    }
    return 1;
}

static int on_open_array(void *ctx) {
    reader_t *r = ctx;
    if (r->depth == 0)
        r->not_object = 1;
    return on_open(ctx);
}

static int on_close(void *ctx) {
    ((reader_t *)ctx)->depth--;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_bool, NULL, NULL, on_number, on_string,
    on_open, on_key,  on_close, on_open_array, on_close,
};

/* yajl turns a \u escape of a lone surrogate into "?" or into bytes that
 * are not UTF-8: refuse the text instead, as any strict reader does. The
 * column (1-based byte offset) of the first bad escape, or 0. */
static size_t bad_surrogate(const char *s, size_t len) {
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            in_string = !in_string;
            continue;
        }
        if (!in_string || s[i] != '\\')
            continue;
        if (i + 1 < len && s[i + 1] != 'u') {
            i++;
            continue;
        }
        if (i + 6 > len)
            return 0; /* yajl says what is wrong */
        unsigned cp = (unsigned)strtoul((char[5]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0},
                                        NULL, 16);
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return i + 1;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 12 > len || s[i + 6] != '\\' || s[i + 7] != 'u')
                return i + 1;
            unsigned lo = (unsigned)strtoul(
                (char[5]){s[i + 8], s[i + 9], s[i + 10], s[i + 11], 0}, NULL, 16);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return i + 1;
            i += 6;
        }
        i += 5;
    }
    return 0;
}

ftz_err_t ftz_json_to_record(const ftz_record_type_t *rt, const char *text, size_t len,
                             void *rec, ftz_verdict_t *v) {
    arena_t arena;
    yajl_alloc_funcs funcs = {a_malloc, a_realloc, a_free, &arena};
    reader_t r;
    ftz_err_t err = FTZ_OK;
    yajl_handle h = NULL;
    size_t col;

    arena.used = 0;
    memset(&r, 0, offsetof(reader_t, scratch));
    r.scratch = NULL;
    r.rt = rt;
    r.field = -1;
    ftz_verdict_clear(v);
    memset(rec, 0, rt->size);
    if (rt->nfields > FTZ_RECORD_MAX_FIELDS)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON, "record type %s has too many fields",
                               rt->fullname);
    if (memchr(text, '\\', len) && (col = bad_surrogate(text, len)) != 0)
        return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                               "column %zu: invalid Unicode escape (a lone surrogate)", col);
    r.used = 0;
    r.cap = len + 1;
    if (!(r.scratch = a_malloc(&arena, r.cap)) || !(h = yajl_alloc(&callbacks, &funcs, &r))) {
        err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "out of memory");
        goto cleanup;
    }
    yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok) {
        col = yajl_get_bytes_consumed(h);
        if (r.duplicate)
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "column %zu: a field given twice", col);
        else if (r.too_deep)
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                  "column %zu: nested deeper than %d levels", col,
                                  JSON_MAX_DEPTH);
        else {
            unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
            char why[200];
            ftz_utf8_sanitize(why, sizeof(why), msg ? (const char *)msg : "not JSON",
                              msg ? strcspn((const char *)msg, "\n") : 8);
            if (msg)
                yajl_free_error(h, msg);
            err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "column %zu: %s", col + 1, why);
        }
        goto cleanup;
    }
    if (r.not_object)
        err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "expected a JSON object");
    else if (r.unknown[0])
        err = ftz_verdict_set(v, FTZ_V_BAD_JSON, "field %s: not a field of %s", r.unknown,
                              rt->fullname);
    else
        err = ftz_record_from_values(rt, r.vals, rec, v);
cleanup:
    if (h)
        yajl_free(h);
    a_free(&arena, r.scratch);
    return err;
}

ftz_err_t ftz_json_put_string(ftz_buf_t *out, const char *s) {
    ftz_err_t err = ftz_buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; !err && *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            err = ftz_buf_append(out, esc, 2);
        } else if (*p < 0x20) {
            err = ftz_buf_printf(out, "\\u%04x", *p);
        } else {
            err = ftz_buf_putc(out, (char)*p);
        }
    }
    return err ? err : ftz_buf_putc(out, '"');
}

/* One member "name":value of the object ftz_json_from_record writes. */
static ftz_err_t put_member(void *ctx, int i, const ftz_field_t *f, ftz_text_kind_t kind,
                            const char *text) {
    ftz_buf_t *out = ctx;
    ftz_err_t err;
    if ((i && (err = ftz_buf_putc(out, ','))) || (err = ftz_json_put_string(out, f->name)) ||
        (err = ftz_buf_putc(out, ':')))
        return err;
    switch (kind) {
    case FTZ_TEXT_NULL: return ftz_buf_puts(out, "null");
    case FTZ_TEXT_NUMBER: return ftz_buf_puts(out, text);
    default: return ftz_json_put_string(out, text);
    }
}

ftz_err_t ftz_json_from_record(const ftz_record_type_t *rt, const void *rec,
                               ftz_buf_t *out) {
    ftz_err_t err;
    if ((err = ftz_buf_putc(out, '{')) || (err = ftz_record_text_walk(rt, rec, put_member, out)))
        return err;
    return ftz_buf_putc(out, '}');
}
