/* Avro binary validation against a compiled writer schema.
 *
 * The schema becomes a flat array of ops; compound types refer to their
 * children by index (records and unions through a shared `kids` array), so a
 * named type used recursively is simply an index pointing back up. The
 * checker walks the bytes with that program: no allocation, no lookups by
 * name, and each count or length read from the wire is compared with the
 * bytes that are left (and the limits) before anything is done with it.
 *
 * On failure the innermost frame writes the problem and each frame it
 * unwinds through adds its step (field name, array index, map key) to a
 * small trail, so the good path pays nothing for field paths. */
#include "ftz/avro_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/verdict.h"

#define COLD __attribute__((cold, noinline))

/* Deepest schema (counting every type node, named references not followed)
 * the compiler accepts; it recurses once per level. */
#define COMPILE_DEPTH_CAP 1000
/* Fewest-bytes estimates saturate here (only used as a lower bound). */
#define MIN_SIZE_CAP (UINT64_C(1) << 62)
/* Path steps kept for a reason; deeper ones are shown as "...". */
#define TRAIL_MAX 16

typedef enum op_kind_e {
    OP_NULL,
    OP_BOOLEAN,
    OP_INT,
    OP_LONG,
    OP_FLOAT,
    OP_DOUBLE,
    OP_BYTES,
    OP_STRING,
    OP_FIXED,
    OP_ENUM,
    OP_RECORD,
    OP_ARRAY,
    OP_MAP,
    OP_UNION,
} op_kind_t;

typedef struct op_s {
    uint32_t kind;     /* op_kind_t */
    uint32_t n;        /* record: fields; union: branches; enum: symbols */
    uint32_t arg;      /* record, union: first kid; array, map: op of the items */
    uint64_t size;     /* fixed: bytes */
    uint64_t min_size; /* fewest bytes any value of this type takes (lower bound) */
} op_t;

typedef struct kid_s {
    uint32_t op;
    uint32_t name; /* record field: offset of its name in prog->names */
} kid_t;

struct ftz_avro_prog_s {
    op_t *ops;
    kid_t *kids;
    char *names;
    uint32_t nops, nkids;
    size_t cap_ops, cap_kids, nnames, cap_names;
    uint32_t root;
};

void ftz_avro_limits_default(ftz_avro_limits_t *lim) {
    lim->max_record_size = (size_t)1 << 20;
    lim->max_items = 100000;
    lim->max_depth = 32;
}

/* ---------------------------------------------------------------- compile */

typedef struct compiler_s {
    ftz_avro_prog_t *prog;
    avro_schema_t *seen; /* schema each op was made from, parallel to ops */
    char *errstr;
    size_t errstr_size;
} compiler_t;

/* Makes room for `need` elements of `elem` bytes in p (capacity *cap):
 * returns the (maybe moved) array, or NULL with p untouched. */
static void *grow(void *p, size_t elem, size_t need, size_t *cap) {
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(p, ncap * elem);
    if (np)
        *cap = ncap;
    return np;
}

static int64_t new_op(compiler_t *c, avro_schema_t s, op_kind_t kind) {
    ftz_avro_prog_t *prog = c->prog;
    size_t cap = prog->cap_ops;
    op_t *ops;
    if (prog->nops == UINT32_MAX ||
        !(ops = grow(prog->ops, sizeof(*ops), (size_t)prog->nops + 1, &prog->cap_ops)))
        return -1;
    prog->ops = ops;
    if (prog->cap_ops != cap) {
        avro_schema_t *seen = realloc(c->seen, prog->cap_ops * sizeof(*seen));
        if (!seen)
            return -1;
        c->seen = seen;
    }
    uint32_t idx = prog->nops++;
    memset(&ops[idx], 0, sizeof(ops[idx]));
    ops[idx].kind = kind;
    c->seen[idx] = s;
    return idx;
}

/* Reserves n consecutive kids; returns the first, or -1. */
static int64_t new_kids(compiler_t *c, size_t n) {
    ftz_avro_prog_t *prog = c->prog;
    kid_t *kids;
    if (n == 0)
        return prog->nkids;
    if (n > UINT32_MAX - prog->nkids ||
        !(kids = grow(prog->kids, sizeof(*kids), (size_t)prog->nkids + n, &prog->cap_kids)))
        return -1;
    prog->kids = kids;
    uint32_t first = prog->nkids;
    prog->nkids += (uint32_t)n;
    memset(&kids[first], 0, n * sizeof(*kids));
    return first;
}

static int64_t add_name(compiler_t *c, const char *name) {
    ftz_avro_prog_t *prog = c->prog;
    size_t n = strlen(name) + 1;
    char *names;
    if (prog->nnames + n > UINT32_MAX ||
        !(names = grow(prog->names, 1, prog->nnames + n, &prog->cap_names)))
        return -1;
    prog->names = names;
    memcpy(names + prog->nnames, name, n);
    prog->nnames += n;
    return (int64_t)(prog->nnames - n);
}

#define NOMEM()                                                                   \
    (ftz_seterr(FTZ_ERR_NOMEM, c->errstr, c->errstr_size, "out of memory"), -1)

static int64_t prim(compiler_t *c, avro_schema_t s, op_kind_t kind) {
    int64_t idx = new_op(c, s, kind);
    return idx < 0 ? NOMEM() : idx;
}

static int64_t compile(compiler_t *c, avro_schema_t s, int level) {
    if (level > COMPILE_DEPTH_CAP) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                   "schema nested deeper than %d levels", COMPILE_DEPTH_CAP);
        return -1;
    }
    for (int hops = 0; s && is_avro_link(s); hops++) {
        if (hops > 64) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                       "schema has a cycle of named references");
            return -1;
        }
        s = avro_schema_link_target(s);
    }
    if (!s || !is_avro_schema(s)) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                   "missing or invalid schema node");
        return -1;
    }
    /* The same node (a named type referenced again, or a shared primitive)
     * compiles once; this is also what closes recursive types. Linear, but
     * only at start-up. */
    for (uint32_t i = 0; i < c->prog->nops; i++)
        if (c->seen[i] == s)
            return i;

    int64_t idx, first, child;
    switch (avro_typeof(s)) {
    case AVRO_NULL: return prim(c, s, OP_NULL);
    case AVRO_BOOLEAN: return prim(c, s, OP_BOOLEAN);
    case AVRO_INT32: return prim(c, s, OP_INT);
    case AVRO_INT64: return prim(c, s, OP_LONG);
    case AVRO_FLOAT: return prim(c, s, OP_FLOAT);
    case AVRO_DOUBLE: return prim(c, s, OP_DOUBLE);
    case AVRO_BYTES: return prim(c, s, OP_BYTES);
    case AVRO_STRING: return prim(c, s, OP_STRING);
    case AVRO_FIXED: {
        int64_t size = avro_schema_fixed_size(s);
        if (size < 0) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                       "fixed %s has negative size %" PRId64, avro_schema_name(s), size);
            return -1;
        }
        if ((idx = new_op(c, s, OP_FIXED)) < 0)
            return NOMEM();
        c->prog->ops[idx].size = (uint64_t)size;
        return idx;
    }
    case AVRO_ENUM: {
        int n = avro_schema_enum_number_of_symbols(s);
        if (n < 0) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                       "enum %s: cannot count symbols", avro_schema_name(s));
            return -1;
        }
        if ((idx = new_op(c, s, OP_ENUM)) < 0)
            return NOMEM();
        c->prog->ops[idx].n = (uint32_t)n;
        return idx;
    }
    case AVRO_ARRAY:
    case AVRO_MAP: {
        int is_array = avro_typeof(s) == AVRO_ARRAY;
        if ((idx = new_op(c, s, is_array ? OP_ARRAY : OP_MAP)) < 0)
            return NOMEM();
        avro_schema_t items = is_array ? avro_schema_array_items(s) : avro_schema_map_values(s);
        if ((child = compile(c, items, level + 1)) < 0)
            return -1;
        c->prog->ops[idx].arg = (uint32_t)child;
        return idx;
    }
    case AVRO_RECORD: {
        size_t n = avro_schema_record_size(s);
        if (n > INT32_MAX) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                       "record %s has too many fields", avro_schema_name(s));
            return -1;
        }
        /* Registered before its fields, so a field referring back finds it. */
        if ((idx = new_op(c, s, OP_RECORD)) < 0 || (first = new_kids(c, n)) < 0)
            return NOMEM();
        c->prog->ops[idx].n = (uint32_t)n;
        c->prog->ops[idx].arg = (uint32_t)first;
        for (size_t k = 0; k < n; k++) {
            const char *name = avro_schema_record_field_name(s, (int)k);
            avro_schema_t fs = avro_schema_record_field_get_by_index(s, (int)k);
            int64_t noff;
            if (!name || !fs) {
                ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                           "record %s: field %zu missing", avro_schema_name(s), k);
                return -1;
            }
            if ((noff = add_name(c, name)) < 0)
                return NOMEM();
            if ((child = compile(c, fs, level + 1)) < 0)
                return -1;
            c->prog->kids[first + (int64_t)k].op = (uint32_t)child;
            c->prog->kids[first + (int64_t)k].name = (uint32_t)noff;
        }
        return idx;
    }
    case AVRO_UNION: {
        size_t n = avro_schema_union_size(s);
        if (n > INT32_MAX) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                       "union has too many branches");
            return -1;
        }
        if ((idx = new_op(c, s, OP_UNION)) < 0 || (first = new_kids(c, n)) < 0)
            return NOMEM();
        c->prog->ops[idx].n = (uint32_t)n;
        c->prog->ops[idx].arg = (uint32_t)first;
        for (size_t k = 0; k < n; k++) {
            if ((child = compile(c, avro_schema_union_branch(s, (int)k), level + 1)) < 0)
                return -1;
            c->prog->kids[first + (int64_t)k].op = (uint32_t)child;
        }
        return idx;
    }
    case AVRO_LINK: break; /* resolved above */
    }
    ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size, "unknown Avro type %d",
               (int)avro_typeof(s));
    return -1;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
    return a + b > MIN_SIZE_CAP ? MIN_SIZE_CAP : a + b;
}

/* Fewest bytes a value of op i can take. A type met again while it is being
 * computed (recursion) counts 0: still a lower bound, which is all the
 * checker needs. state: 0 new, 1 in progress, 2 done. */
static uint64_t min_size(ftz_avro_prog_t *prog, unsigned char *state, uint32_t i) {
    op_t *op = &prog->ops[i];
    if (state[i] == 1)
        return 0;
    if (state[i] == 2)
        return op->min_size;
    state[i] = 1;
    uint64_t m = 0;
    switch ((op_kind_t)op->kind) {
    case OP_NULL: m = 0; break;
    case OP_BOOLEAN:
    case OP_INT:
    case OP_LONG:
    case OP_BYTES:
    case OP_STRING:
    case OP_ENUM:
    case OP_ARRAY:
    case OP_MAP: m = 1; break;
    case OP_FLOAT: m = 4; break;
    case OP_DOUBLE: m = 8; break;
    case OP_FIXED: m = op->size > MIN_SIZE_CAP ? MIN_SIZE_CAP : op->size; break;
    case OP_RECORD:
        for (uint32_t k = 0; k < op->n; k++)
            m = sat_add(m, min_size(prog, state, prog->kids[op->arg + k].op));
        break;
    case OP_UNION: {
        uint64_t best = 0;
        for (uint32_t k = 0; k < op->n; k++) {
            uint64_t b = min_size(prog, state, prog->kids[op->arg + k].op);
            if (k == 0 || b < best)
                best = b;
        }
        m = sat_add(1, best);
        break;
    }
    }
    prog->ops[i].min_size = m;
    state[i] = 2;
    return m;
}

ftz_avro_prog_t *ftz_avro_prog_new(avro_schema_t schema, char *errstr, size_t errstr_size) {
    compiler_t c = {.errstr = errstr, .errstr_size = errstr_size};
    unsigned char *state = NULL;
    int64_t root;

    if (!schema) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "no schema");
        return NULL;
    }
    if (!(c.prog = calloc(1, sizeof(*c.prog)))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    if ((root = compile(&c, schema, 0)) < 0)
        goto fail;
    c.prog->root = (uint32_t)root;
    if (!(state = calloc(c.prog->nops, 1))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < c.prog->nops; i++)
        min_size(c.prog, state, i);
    free(state);
    free(c.seen);
    return c.prog;
fail:
    free(state);
    free(c.seen);
    ftz_avro_prog_destroy(c.prog);
    return NULL;
}

void ftz_avro_prog_destroy(ftz_avro_prog_t *prog) {
    if (!prog)
        return;
    free(prog->ops);
    free(prog->kids);
    free(prog->names);
    free(prog);
}

/* ------------------------------------------------------------------ check */

typedef struct step_s {
    uint32_t op;  /* the record, array or map the step is in */
    uint32_t kid; /* record: field index; map: 1 when the key itself failed */
    uint64_t index;              /* array/map: item number */
    const unsigned char *key;    /* map: the item's key (in the datum), or NULL */
    size_t keylen;
} step_t;

typedef struct walk_s {
    const op_t *ops;
    const kid_t *kids;
    const unsigned char *p, *end;
    uint64_t items_left;
    uint64_t max_items;
    int depth_left;
    int max_depth;
    /* Failure, filled only on the way out. */
    int truncated;
    int nsteps, dropped;
    step_t steps[TRAIL_MAX];
    char problem[200];
} walk_t;

static COLD int problem(walk_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(walk_t *w, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->problem, sizeof(w->problem), fmt, ap);
    va_end(ap);
    w->truncated = 0;
    return -1;
}

static COLD int truncated(walk_t *w) {
    w->truncated = 1;
    w->problem[0] = '\0';
    return -1;
}

static COLD void step(walk_t *w, uint32_t op, uint32_t kid, uint64_t index,
                      const unsigned char *key, size_t keylen) {
    if (w->nsteps == TRAIL_MAX) {
        w->dropped = 1;
        return;
    }
    step_t *s = &w->steps[w->nsteps++];
    s->op = op;
    s->kid = kid;
    s->index = index;
    s->key = key;
    s->keylen = keylen;
}

static inline size_t left(const walk_t *w) {
    return (size_t)(w->end - w->p);
}

/* Reads a varint of at most maxbytes bytes into *raw (not yet zigzag-decoded).
 * For 10-byte longs the last byte may only carry the 64th bit. */
static inline int read_varint(walk_t *w, uint64_t *raw, int maxbytes) {
    const unsigned char *p = w->p;
    if (__builtin_expect(p < w->end && *p < 0x80, 1)) {
        *raw = *p;
        w->p = p + 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0;; i++) {
        if (i == maxbytes)
            return problem(w, "%s varint longer than %d bytes", maxbytes == 5 ? "int" : "long",
                           maxbytes);
        if (p == w->end)
            return truncated(w);
        unsigned b = *p++;
        if (i == 9 && (b & 0x7F) > 1)
            return problem(w, "long varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *raw = v;
    w->p = p;
    return 0;
}

static inline int64_t zigzag(uint64_t raw) {
    return (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
}

static inline int read_long(walk_t *w, int64_t *v) {
    uint64_t raw;
    if (read_varint(w, &raw, 10))
        return -1;
    *v = zigzag(raw);
    return 0;
}

static inline int read_int(walk_t *w, int32_t *v) {
    uint64_t raw;
    if (read_varint(w, &raw, 5))
        return -1;
    if (raw > UINT32_MAX)
        return problem(w, "int value %" PRId64 " outside int32", zigzag(raw));
    *v = (int32_t)zigzag(raw);
    return 0;
}

/* 1 when s[0..n) is ASCII without NUL; the common case, 8 bytes at a time. */
static inline int plain_ascii(const unsigned char *s, size_t n) {
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (((x - ones) | x) & highs)
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned)s[i] - 1u >= 0x7Fu)
            return 0;
    return 1;
}

static COLD int bad_text(walk_t *w, const char *what, const unsigned char *s, size_t n) {
    const unsigned char *nul = memchr(s, 0, n);
    if (nul)
        return problem(w, "%s contains a NUL byte at offset %td", what, nul - s);
    return problem(w, "%s of %zu bytes is not valid UTF-8", what, n);
}

/* A string or bytes value (also a map key: what = "map key"); *sp and *np
 * get where its bytes are in the datum. */
static inline int check_blob(walk_t *w, int text, const char *what,
                             const unsigned char **sp, size_t *np) {
    int64_t n;
    if (read_long(w, &n))
        return -1;
    if (n < 0)
        return problem(w, "%s length %" PRId64, what, n);
    if ((uint64_t)n > left(w))
        return problem(w, "%s length %" PRId64 " exceeds the %zu bytes left", what, n,
                       left(w));
    if (text && !plain_ascii(w->p, (size_t)n) &&
        !ftz_utf8_valid((const char *)w->p, (size_t)n))
        return bad_text(w, what, w->p, (size_t)n);
    *sp = w->p;
    *np = (size_t)n;
    w->p += n;
    return 0;
}

static int walk(walk_t *w, uint32_t opi);

static COLD int too_deep(walk_t *w) {
    return problem(w, "nested deeper than %d levels", w->max_depth);
}

/* Arrays and maps: blocks of items until a zero count. */
static int walk_blocks(walk_t *w, uint32_t opi, const op_t *op) {
    int is_map = op->kind == OP_MAP;
    const char *what = is_map ? "map" : "array";
    uint64_t index = 0;
    uint64_t item_min = w->ops[op->arg].min_size + (is_map ? 1 : 0);

    for (;;) {
        int64_t count, bsize = -1;
        uint64_t n;
        const unsigned char *block_start;
        if (read_long(w, &count))
            return -1;
        if (count == 0)
            return 0;
        if (count < 0) {
            n = (uint64_t)0 - (uint64_t)count; /* INT64_MIN too */
            if (read_long(w, &bsize))
                return -1;
            if (bsize < 0)
                return problem(w, "%s block of %" PRIu64 " items: byte size %" PRId64, what,
                               n, bsize);
            if ((uint64_t)bsize > left(w))
                return problem(w,
                               "%s block of %" PRIu64 " items: byte size %" PRId64
                               " exceeds the %zu bytes left",
                               what, n, bsize, left(w));
        } else {
            n = (uint64_t)count;
        }
        if (n > w->items_left)
            return problem(w,
                           "%s block of %" PRIu64 " items exceeds the limit of %" PRIu64
                           " items per record (%" PRIu64 " left)",
                           what, n, w->max_items, w->items_left);
        uint64_t room = bsize >= 0 ? (uint64_t)bsize : left(w);
        if (item_min && n > room / item_min)
            return problem(w,
                           "%s block of %" PRIu64 " items needs at least %" PRIu64
                           " bytes per item, %" PRIu64 " bytes left",
                           what, n, item_min, room);
        w->items_left -= n;
        block_start = w->p;
        for (uint64_t i = 0; i < n; i++, index++) {
            if (is_map) {
                const unsigned char *key;
                size_t klen;
                if (check_blob(w, 1, "map key", &key, &klen)) {
                    step(w, opi, 1, index, NULL, 0);
                    return -1;
                }
                if (walk(w, op->arg)) {
                    step(w, opi, 0, index, key, klen);
                    return -1;
                }
            } else if (walk(w, op->arg)) {
                step(w, opi, 0, index, NULL, 0);
                return -1;
            }
        }
        if (bsize >= 0 && (uint64_t)(w->p - block_start) != (uint64_t)bsize)
            return problem(w,
                           "%s block of %" PRIu64 " items declares %" PRId64
                           " bytes but its items take %td",
                           what, n, bsize, w->p - block_start);
    }
}

static int walk(walk_t *w, uint32_t opi) {
    const op_t *op = &w->ops[opi];
    switch ((op_kind_t)op->kind) {
    case OP_NULL: return 0;
    case OP_BOOLEAN:
        if (w->p == w->end)
            return truncated(w);
        if (*w->p > 1)
            return problem(w, "boolean byte %u, must be 0 or 1", *w->p);
        w->p++;
        return 0;
    case OP_INT: {
        int32_t v;
        return read_int(w, &v);
    }
    case OP_LONG: {
        int64_t v;
        return read_long(w, &v);
    }
    case OP_FLOAT:
        if (left(w) < 4)
            return truncated(w);
        w->p += 4;
        return 0;
    case OP_DOUBLE:
        if (left(w) < 8)
            return truncated(w);
        w->p += 8;
        return 0;
    case OP_FIXED:
        if (left(w) < op->size)
            return truncated(w);
        w->p += op->size;
        return 0;
    case OP_STRING:
    case OP_BYTES: {
        const unsigned char *sp;
        size_t n;
        return op->kind == OP_STRING ? check_blob(w, 1, "string", &sp, &n)
                                     : check_blob(w, 0, "bytes", &sp, &n);
    }
    case OP_ENUM: {
        int32_t v;
        if (read_int(w, &v))
            return -1;
        if (v < 0 || (uint32_t)v >= op->n)
            return problem(w, "enum index %" PRId32 ", schema has %" PRIu32 " symbols", v,
                           op->n);
        return 0;
    }
    case OP_UNION: {
        int64_t b;
        if (read_long(w, &b))
            return -1;
        if (b < 0 || (uint64_t)b >= op->n)
            return problem(w, "union branch %" PRId64 ", schema has %" PRIu32, b, op->n);
        if (--w->depth_left < 0)
            return too_deep(w);
        if (walk(w, w->kids[op->arg + (uint32_t)b].op))
            return -1;
        w->depth_left++;
        return 0;
    }
    case OP_RECORD: {
        if (--w->depth_left < 0)
            return too_deep(w);
        for (uint32_t i = 0; i < op->n; i++) {
            if (walk(w, w->kids[op->arg + i].op)) {
                step(w, opi, i, 0, NULL, 0);
                return -1;
            }
        }
        w->depth_left++;
        return 0;
    }
    case OP_ARRAY:
    case OP_MAP:
        if (--w->depth_left < 0)
            return too_deep(w);
        if (walk_blocks(w, opi, op))
            return -1;
        w->depth_left++;
        return 0;
    }
    return problem(w, "corrupt program");
}

static int key_printable(const unsigned char *k, size_t n) {
    if (n == 0 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7E || k[i] == '"' || k[i] == '\\')
            return 0;
    return 1;
}

/* Writes the failure, path first ("field a.b[3]: problem"). */
static COLD ftz_err_t report(const ftz_avro_prog_t *prog, const walk_t *w, char *reason,
                             size_t reason_size) {
    char path[512];
    size_t pos = 0;
    path[0] = '\0';
#define APPEND(...)                                                                   \
    do {                                                                              \
        if (pos < sizeof(path)) {                                                     \
            int r_ = snprintf(path + pos, sizeof(path) - pos, __VA_ARGS__);           \
            pos = r_ < 0 ? sizeof(path) : pos + (size_t)r_;                           \
        }                                                                             \
    } while (0)
    if (w->dropped)
        APPEND("...");
    for (int i = w->nsteps - 1; i >= 0; i--) {
        const step_t *s = &w->steps[i];
        const op_t *op = &prog->ops[s->op];
        if (op->kind == OP_RECORD) {
            APPEND("%s%s", pos ? "." : "", prog->names + prog->kids[op->arg + s->kid].name);
        } else if (op->kind == OP_MAP && s->key && key_printable(s->key, s->keylen)) {
            APPEND("[\"%.*s\"]", (int)s->keylen, (const char *)s->key);
        } else if (op->kind == OP_MAP) {
            APPEND("[#%" PRIu64 "]%s", s->index, s->kid ? " (key)" : "");
        } else {
            APPEND("[%" PRIu64 "]", s->index);
        }
    }
#undef APPEND
    if (w->truncated)
        return ftz_seterr(FTZ_ERR_POISON, reason, reason_size, "truncated%s%s",
                          pos ? " in field " : "", path);
    if (pos)
        return ftz_seterr(FTZ_ERR_POISON, reason, reason_size, "field %s: %s", path,
                          w->problem);
    return ftz_seterr(FTZ_ERR_POISON, reason, reason_size, "%s", w->problem);
}

ftz_err_t ftz_avro_check(const ftz_avro_prog_t *prog, const void *datum, size_t len,
                         const ftz_avro_limits_t *lim, char *reason, size_t reason_size) {
    ftz_avro_limits_t deflim;
    walk_t w;

    if (!lim) {
        ftz_avro_limits_default(&deflim);
        lim = &deflim;
    }
    if (!prog || (!datum && len > 0))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, reason, reason_size, "no program or datum");
    if (lim->max_depth < 1 || lim->max_depth > FTZ_AVRO_DEPTH_CAP)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, reason, reason_size,
                          "max_depth %d outside 1..%d", lim->max_depth, FTZ_AVRO_DEPTH_CAP);
    if (len > lim->max_record_size)
        return ftz_seterr(FTZ_ERR_POISON, reason, reason_size,
                          "record of %zu bytes exceeds the limit of %zu", len,
                          lim->max_record_size);

    w.ops = prog->ops;
    w.kids = prog->kids;
    w.p = datum ? datum : (const void *)"";
    w.end = w.p + len;
    w.items_left = lim->max_items;
    w.max_items = lim->max_items;
    w.depth_left = lim->max_depth;
    w.max_depth = lim->max_depth;
    w.nsteps = 0;
    w.dropped = 0;

    if (walk(&w, prog->root))
        return report(prog, &w, reason, reason_size);
    if (w.p != w.end) {
        size_t extra = left(&w);
        return ftz_seterr(FTZ_ERR_POISON, reason, reason_size,
                          "%zu trailing byte%s after the %s", extra, extra == 1 ? "" : "s",
                          prog->ops[prog->root].kind == OP_RECORD ? "record" : "value");
    }
    return FTZ_OK;
}
