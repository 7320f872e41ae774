/* Avro binary validation against a compiled writer schema.
 *
 * The schema becomes a flat array of instructions cut into blocks, one block
 * per type that can be entered from elsewhere (the root, each record, each
 * union branch, each array item and map value type). A record's block is a
 * header, one instruction per field and an end mark: primitive fields are
 * checked in place, a nested record is a call to its block, a union or an
 * array names the blocks of its branches or items. Calls go by index, so a
 * named type used recursively is just a call back to its own block.
 *
 * The checker runs a block in a loop with the read position in a register:
 * no allocation, no lookups by name, and every count or length read from the
 * wire is compared with the bytes left (and the limits) before it is used.
 * On failure the innermost instruction notes the problem and each frame it
 * unwinds through adds its step (field name, array index, map key) to a
 * small trail, so the good path pays nothing for field paths. */
#include "ftz/avro_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/utf8.h"
#include "ftz/verdict.h"

#define COLD __attribute__((cold, noinline))
#define LIKELY(x) __builtin_expect(!!(x), 1)

/* Deepest schema (type nodes, named references not followed) the compiler
 * accepts; it recurses once per level. */
#define COMPILE_DEPTH_CAP 1000
/* Fewest-bytes estimates saturate here (only ever used as a lower bound). */
#define MIN_SIZE_CAP (UINT64_C(1) << 62)
/* Path steps kept for a reason; outer ones beyond that show as "...". */
#define TRAIL_MAX 16
#define NO_NAME UINT32_MAX

typedef enum code_e {
    I_END,    /* end of a block */
    I_RECORD, /* head of a record's block: one level of nesting */
    I_NULL,
    I_BOOLEAN,
    I_INT,
    I_LONG,
    I_FLOAT,
    I_DOUBLE,
    I_BYTES,
    I_STRING,
    I_FIXED,  /* size */
    I_ENUM,   /* n symbols */
    I_CALL,   /* a record field of record type: run block arg */
    I_UNION,  /* n branches; their blocks at kids[arg..arg+n) */
    I_ARRAY,  /* items: block arg; size = fewest bytes per item */
    I_MAP,    /* values: block arg; size = fewest bytes per entry, key included */
} code_t;

typedef struct ins_s {
    uint8_t code; /* code_t */
    uint8_t lvl;  /* nesting between the block's base and this value: 1 in a record */
    uint32_t n;
    uint32_t arg;
    uint32_t name; /* record field: offset of its name in prog->names, else NO_NAME */
    uint64_t size;
} ins_t;

struct ftz_avro_prog_s {
    ins_t *code;
    uint32_t *kids; /* union branches: block of each */
    char *names;
    size_t ncode, cap_code, nkids, cap_kids, nnames, cap_names;
    uint32_t root;
};

void ftz_avro_limits_default(ftz_avro_limits_t *lim) {
    lim->max_record_size = FTZ_AVRO_MAX_RECORD_SIZE;
    lim->max_items = 100000;
    lim->max_depth = 32;
}

static inline int is_leaf(unsigned code) {
    return code >= I_NULL && code <= I_ENUM;
}

/* ---------------------------------------------------------------- compile */

typedef struct memo_s {
    avro_schema_t schema;
    uint32_t block;
} memo_t;

typedef struct compiler_s {
    ftz_avro_prog_t *prog;
    memo_t *memo; /* blocks made so far, by schema node */
    size_t nmemo, cap_memo;
    char *errstr;
    size_t errstr_size;
} compiler_t;

static int nomem(compiler_t *c) {
    ftz_seterr(FTZ_ERR_NOMEM, c->errstr, c->errstr_size, "out of memory");
    return -1;
}

/* Reserves n instructions (END, nameless); returns the first, or -1. */
static int64_t emit(compiler_t *c, size_t n) {
    ftz_avro_prog_t *prog = c->prog;
    if (n > UINT32_MAX - prog->ncode || FTZ_ARRAY_GROW(prog->code, prog->cap_code, prog->ncode + n))
        return nomem(c);
    ins_t *code = prog->code;
    size_t first = prog->ncode;
    prog->ncode += n;
    memset(&code[first], 0, n * sizeof(*code));
    for (size_t i = first; i < prog->ncode; i++)
        code[i].name = NO_NAME;
    return (int64_t)first;
}

static int64_t add_kids(compiler_t *c, size_t n) {
    ftz_avro_prog_t *prog = c->prog;
    if (n > UINT32_MAX - prog->nkids || FTZ_ARRAY_GROW(prog->kids, prog->cap_kids, prog->nkids + n))
        return nomem(c);
    prog->nkids += n;
    return (int64_t)(prog->nkids - n);
}

static int64_t add_name(compiler_t *c, const char *name) {
    ftz_avro_prog_t *prog = c->prog;
    size_t n = strlen(name) + 1;
    if (prog->nnames + n > UINT32_MAX ||
        FTZ_ARRAY_GROW(prog->names, prog->cap_names, prog->nnames + n))
        return nomem(c);
    memcpy(prog->names + prog->nnames, name, n);
    prog->nnames += n;
    return (int64_t)(prog->nnames - n);
}

static int invalid(compiler_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int invalid(compiler_t *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ftz_vfmt(c->errstr, c->errstr_size, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *name_of(avro_schema_t s) {
    const char *name = avro_schema_name(s);
    return name ? name : "?";
}

static avro_schema_t resolve(avro_schema_t s) {
    for (int hops = 0; s && is_avro_link(s) && hops < 64; hops++)
        s = avro_schema_link_target(s);
    return s && is_avro_schema(s) && !is_avro_link(s) ? s : NULL;
}

static int64_t block(compiler_t *c, avro_schema_t s, int level);

/* Fills *out (not in the code array: that may move) with the instruction
 * that checks one value of schema s. */
static int instruction(compiler_t *c, avro_schema_t s, ins_t *out, int level) {
    int64_t blk, first;
    memset(out, 0, sizeof(*out));
    out->name = NO_NAME;
    if (!(s = resolve(s)))
        return invalid(c, "missing or invalid schema node");
    switch (avro_typeof(s)) {
    case AVRO_NULL: out->code = I_NULL; return 0;
    case AVRO_BOOLEAN: out->code = I_BOOLEAN; return 0;
    case AVRO_INT32: out->code = I_INT; return 0;
    case AVRO_INT64: out->code = I_LONG; return 0;
    case AVRO_FLOAT: out->code = I_FLOAT; return 0;
    case AVRO_DOUBLE: out->code = I_DOUBLE; return 0;
    case AVRO_BYTES: out->code = I_BYTES; return 0;
    case AVRO_STRING: out->code = I_STRING; return 0;
    case AVRO_FIXED: {
        int64_t size = avro_schema_fixed_size(s);
        if (size < 0)
            return invalid(c, "fixed %s has a negative size", name_of(s));
        out->code = I_FIXED;
        out->size = (uint64_t)size;
        return 0;
    }
    case AVRO_ENUM: {
        int n = avro_schema_enum_number_of_symbols(s);
        if (n < 0)
            return invalid(c, "enum %s: cannot count its symbols", name_of(s));
        out->code = I_ENUM;
        out->n = (uint32_t)n;
        return 0;
    }
    case AVRO_RECORD:
        if ((blk = block(c, s, level + 1)) < 0)
            return -1;
        out->code = I_CALL;
        out->arg = (uint32_t)blk;
        return 0;
    case AVRO_ARRAY:
    case AVRO_MAP: {
        int is_array = avro_typeof(s) == AVRO_ARRAY;
        avro_schema_t items = is_array ? avro_schema_array_items(s) : avro_schema_map_values(s);
        if ((blk = block(c, items, level + 1)) < 0)
            return -1;
        out->code = is_array ? I_ARRAY : I_MAP;
        out->arg = (uint32_t)blk;
        return 0;
    }
    case AVRO_UNION: {
        size_t n = avro_schema_union_size(s);
        if (n > INT32_MAX)
            return invalid(c, "union has too many branches");
        if ((first = add_kids(c, n)) < 0)
            return -1;
        for (size_t k = 0; k < n; k++) {
            if ((blk = block(c, avro_schema_union_branch(s, (int)k), level + 1)) < 0)
                return -1;
            c->prog->kids[first + (int64_t)k] = (uint32_t)blk;
        }
        out->code = I_UNION;
        out->n = (uint32_t)n;
        out->arg = (uint32_t)first;
        return 0;
    }
    case AVRO_LINK: break; /* resolved above */
    }
    return invalid(c, "unknown Avro type %d", (int)avro_typeof(s));
}

/* The block that checks one value of schema s, made once per schema node
 * (a named type referenced again, or a shared primitive, reuses it; this is
 * also what closes recursive types). */
static int64_t block(compiler_t *c, avro_schema_t s, int level) {
    int64_t pc;
    ins_t ins;
    if (level > COMPILE_DEPTH_CAP)
        return invalid(c, "schema nested deeper than %d levels", COMPILE_DEPTH_CAP);
    if (!(s = resolve(s)))
        return invalid(c, "missing or invalid schema node");
    for (size_t i = 0; i < c->nmemo; i++) /* linear, but only at start-up */
        if (c->memo[i].schema == s)
            return c->memo[i].block;

    size_t nfields = is_avro_record(s) ? avro_schema_record_size(s) : 0;
    if (nfields > INT32_MAX)
        return invalid(c, "record %s has too many fields", name_of(s));
    /* Every field is one instruction, so the block is laid out before any
     * block it needs, and registered before them: a field that refers back
     * to this record finds it. */
    if ((pc = emit(c, is_avro_record(s) ? nfields + 2 : 2)) < 0)
        return -1;
    if (FTZ_ARRAY_GROW(c->memo, c->cap_memo, c->nmemo + 1))
        return nomem(c);
    c->memo[c->nmemo++] = (memo_t){s, (uint32_t)pc};

    if (!is_avro_record(s)) {
        if (instruction(c, s, &ins, level))
            return -1;
        c->prog->code[pc] = ins; /* lvl 0: the block's value itself */
        return pc;
    }
    c->prog->code[pc].code = I_RECORD;
    for (size_t k = 0; k < nfields; k++) {
        const char *name = avro_schema_record_field_name(s, (int)k);
        avro_schema_t fs = avro_schema_record_field_get_by_index(s, (int)k);
        int64_t noff;
        if (!name || !fs)
            return invalid(c, "record %s: field %zu is missing", name_of(s), k);
        if (instruction(c, fs, &ins, level) || (noff = add_name(c, name)) < 0)
            return -1;
        ins.lvl = 1;
        ins.name = (uint32_t)noff;
        c->prog->code[pc + 1 + (int64_t)k] = ins;
    }
    return pc;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
    return a + b > MIN_SIZE_CAP ? MIN_SIZE_CAP : a + b;
}

/* Fewest bytes a value checked by the block at pc can take. A block met
 * again while it is being computed (recursion) counts 0: still a lower
 * bound, which is all the checker needs. state: 0 new, 1 busy, 2 done;
 * memo in bmin. */
static uint64_t block_min(const ftz_avro_prog_t *prog, unsigned char *state, uint64_t *bmin,
                          uint32_t pc) {
    if (state[pc])
        return state[pc] == 2 ? bmin[pc] : 0;
    state[pc] = 1;
    uint64_t m = 0;
    for (const ins_t *in = &prog->code[pc]; in->code != I_END; in++) {
        switch ((code_t)in->code) {
        case I_END:
        case I_RECORD:
        case I_NULL: break;
        case I_BOOLEAN:
        case I_INT:
        case I_LONG:
        case I_BYTES:
        case I_STRING:
        case I_ENUM:
        case I_ARRAY:
        case I_MAP: m = sat_add(m, 1); break;
        case I_FLOAT: m = sat_add(m, 4); break;
        case I_DOUBLE: m = sat_add(m, 8); break;
        case I_FIXED: m = sat_add(m, in->size); break;
        case I_CALL: m = sat_add(m, block_min(prog, state, bmin, in->arg)); break;
        case I_UNION: {
            uint64_t best = 0;
            for (uint32_t k = 0; k < in->n; k++) {
                uint64_t b = block_min(prog, state, bmin, prog->kids[in->arg + k]);
                if (k == 0 || b < best)
                    best = b;
            }
            m = sat_add(m, sat_add(1, best));
            break;
        }
        }
    }
    bmin[pc] = m;
    state[pc] = 2;
    return m;
}

ftz_avro_prog_t *ftz_avro_prog_new(avro_schema_t schema, char *errstr, size_t errstr_size) {
    compiler_t c = {.errstr = errstr, .errstr_size = errstr_size};
    unsigned char *state = NULL;
    uint64_t *bmin = NULL;
    int64_t root;

    if (!schema) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "no schema");
        return NULL;
    }
    if (!(c.prog = calloc(1, sizeof(*c.prog)))) {
        nomem(&c);
        goto fail;
    }
    if ((root = block(&c, schema, 0)) < 0)
        goto fail;
    c.prog->root = (uint32_t)root;
    /* Each array or map learns the fewest bytes an item takes, so a block
     * count can be held against the bytes left. */
    if (!(state = calloc(c.prog->ncode, 1)) ||
        !(bmin = calloc(c.prog->ncode, sizeof(*bmin)))) {
        nomem(&c);
        goto fail;
    }
    for (size_t i = 0; i < c.prog->ncode; i++) {
        ins_t *in = &c.prog->code[i];
        if (in->code == I_ARRAY || in->code == I_MAP)
            in->size = sat_add(block_min(c.prog, state, bmin, in->arg), in->code == I_MAP);
    }
    free(bmin);
    free(state);
    free(c.memo);
    return c.prog;
fail:
    free(bmin);
    free(state);
    free(c.memo);
    ftz_avro_prog_destroy(c.prog);
    return NULL;
}

void ftz_avro_prog_destroy(ftz_avro_prog_t *prog) {
    if (!prog)
        return;
    free(prog->code);
    free(prog->kids);
    free(prog->names);
    free(prog);
}

/* ------------------------------------------------------------------ check */

typedef enum step_kind_e { STEP_FIELD, STEP_ITEM, STEP_VALUE, STEP_KEY } step_kind_t;

typedef struct step_s {
    step_kind_t kind;
    uint32_t name;             /* STEP_FIELD */
    uint64_t index;            /* the others: item number */
    const unsigned char *key;  /* STEP_VALUE: the entry's key, in the datum */
    size_t keylen;
} step_t;

typedef struct walk_s {
    const ins_t *code;
    const uint32_t *kids;
    const unsigned char *p, *end;
    uint64_t items_left;
    uint64_t max_items;
    int max_depth;
    /* Failure, filled only on the way out. */
    int truncated;
    int nsteps, dropped;
    step_t steps[TRAIL_MAX];
    char problem[200];
} walk_t;

static COLD void note_problem(walk_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note_problem(walk_t *w, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ftz_vfmt(w->problem, sizeof(w->problem), fmt, ap);
    va_end(ap);
    w->truncated = 0;
}

static COLD void note_truncated(walk_t *w) {
    w->truncated = 1;
    w->problem[0] = '\0';
}

static COLD void note_bad_text(walk_t *w, const char *what, const unsigned char *s, size_t n) {
    const unsigned char *nul = memchr(s, 0, n);
    if (nul)
        note_problem(w, "%s contains a NUL byte at offset %td", what, nul - s);
    else
        note_problem(w, "%s of %zu bytes is not valid UTF-8", what, n);
}

/* Failure exits: the -1 stays visible to the optimizer, the notes are cold
 * and out of line. */
#define problem(w, ...) (note_problem((w), __VA_ARGS__), -1)
#define truncated(w) (note_truncated(w), -1)
#define note_too_deep(w) note_problem((w), "nested deeper than %d levels", (w)->max_depth)

static COLD void add_step(walk_t *w, step_kind_t kind, uint32_t name, uint64_t index,
                          const unsigned char *key, size_t keylen) {
    if (w->nsteps == TRAIL_MAX) {
        w->dropped = 1;
        return;
    }
    w->steps[w->nsteps++] = (step_t){kind, name, index, key, keylen};
}

static inline int64_t zigzag(uint64_t raw) {
    return (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
}

/* Reads a varint of at most maxbytes bytes at *pp into *raw (not yet
 * zigzag-decoded). In a 10-byte long the last byte may carry only bit 64. */
static inline int get_varint(walk_t *w, const unsigned char **pp, const unsigned char *end,
                             uint64_t *raw, int maxbytes) {
    const unsigned char *p = *pp;
    if (LIKELY(p < end && *p < 0x80)) {
        *raw = *p;
        *pp = p + 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0;; i++) {
        if (i == maxbytes)
            return problem(w, "%s varint longer than %d bytes", maxbytes == 5 ? "int" : "long",
                           maxbytes);
        if (p == end)
            return truncated(w);
        unsigned b = *p++;
        if (i == 9 && (b & 0x7F) > 1)
            return problem(w, "long varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *raw = v;
    *pp = p;
    return 0;
}

static inline int get_long(walk_t *w, const unsigned char **pp, const unsigned char *end,
                           int64_t *v) {
    uint64_t raw;
    if (get_varint(w, pp, end, &raw, 10))
        return -1;
    *v = zigzag(raw);
    return 0;
}

static inline int get_int(walk_t *w, const unsigned char **pp, const unsigned char *end,
                          int32_t *v) {
    uint64_t raw;
    if (get_varint(w, pp, end, &raw, 5))
        return -1;
    if (raw > UINT32_MAX)
        return problem(w, "int value %" PRId64 " outside int32", zigzag(raw));
    *v = (int32_t)zigzag(raw);
    return 0;
}

/* 1 when s[0..n) is ASCII without NUL, the common case, 8 bytes at a time. */
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

/* A string, bytes or map key ("string", "bytes", "map key"); *sp and *np
 * get where its bytes are. */
static inline int get_blob(walk_t *w, const unsigned char **pp, const unsigned char *end,
                           int text, const char *what, const unsigned char **sp, size_t *np) {
    int64_t n;
    if (get_long(w, pp, end, &n))
        return -1;
    const unsigned char *p = *pp;
    size_t left = (size_t)(end - p);
    if (n < 0)
        return problem(w, "%s length %" PRId64, what, n);
    if ((uint64_t)n > left)
        return problem(w, "%s length %" PRId64 " exceeds the %zu bytes left", what, n, left);
    if (text && !plain_ascii(p, (size_t)n) && !ftz_utf8_valid((const char *)p, (size_t)n))
        return note_bad_text(w, what, p, (size_t)n), -1;
    *sp = p;
    *np = (size_t)n;
    *pp = p + n;
    return 0;
}

/* One value of a primitive, enum or fixed type. */
static inline int leaf(walk_t *w, const ins_t *in, const unsigned char **pp,
                       const unsigned char *end) {
    const unsigned char *s;
    size_t n;
    int32_t i32;
    int64_t i64;
    switch ((code_t)in->code) {
    case I_NULL: return 0;
    case I_BOOLEAN:
        if (*pp == end)
            return truncated(w);
        if (**pp > 1)
            return problem(w, "boolean byte %u, must be 0 or 1", **pp);
        (*pp)++;
        return 0;
    case I_INT: return get_int(w, pp, end, &i32);
    case I_LONG: return get_long(w, pp, end, &i64);
    case I_FLOAT:
    case I_DOUBLE:
    case I_FIXED: {
        uint64_t want = in->code == I_FLOAT ? 4 : in->code == I_DOUBLE ? 8 : in->size;
        if ((uint64_t)(end - *pp) < want)
            return truncated(w);
        *pp += want;
        return 0;
    }
    case I_STRING: return get_blob(w, pp, end, 1, "string", &s, &n);
    case I_BYTES: return get_blob(w, pp, end, 0, "bytes", &s, &n);
    case I_ENUM:
        if (get_int(w, pp, end, &i32))
            return -1;
        if (i32 < 0 || (uint32_t)i32 >= in->n)
            return problem(w, "enum index %" PRId32 ", schema has %" PRIu32 " symbols", i32,
                           in->n);
        return 0;
    default: return problem(w, "corrupt program");
    }
}

static int run(walk_t *w, uint32_t pc, int base);

/* The blocks of items of the array or map `in`; each item is enclosed in
 * `base` levels. Leaf items are checked in place, others by their block. */
static int blocks(walk_t *w, const ins_t *in, int base) {
    int is_map = in->code == I_MAP;
    const char *what = is_map ? "map" : "array";
    const ins_t *item = &w->code[in->arg];
    int inline_leaf = is_leaf(item->code) && item[1].code == I_END;
    const unsigned char *p = w->p, *end = w->end;
    uint64_t index = 0;

    for (;;) {
        int64_t count, bsize = -1;
        uint64_t n;
        if (get_long(w, &p, end, &count))
            return -1;
        if (count == 0)
            break;
        if (count > 0) {
            n = (uint64_t)count;
        } else {
            n = (uint64_t)0 - (uint64_t)count; /* INT64_MIN too */
            if (get_long(w, &p, end, &bsize))
                return -1;
            if (bsize < 0)
                return problem(w, "%s block of %" PRIu64 " items: byte size %" PRId64, what,
                               n, bsize);
            if ((uint64_t)bsize > (size_t)(end - p))
                return problem(w,
                               "%s block of %" PRIu64 " items: byte size %" PRId64
                               " exceeds the %td bytes left",
                               what, n, bsize, end - p);
        }
        if (n > w->items_left)
            return problem(w,
                           "%s block of %" PRIu64 " items exceeds the limit of %" PRIu64
                           " items per record (%" PRIu64 " left)",
                           what, n, w->max_items, w->items_left);
        uint64_t room = bsize >= 0 ? (uint64_t)bsize : (uint64_t)(end - p);
        if (in->size && n > room / in->size)
            return problem(w,
                           "%s block of %" PRIu64 " items cannot fit in %" PRIu64
                           " bytes (at least %" PRIu64 " per item)",
                           what, n, room, in->size);
        w->items_left -= n;
        const unsigned char *block_start = p;
        for (uint64_t i = 0; i < n; i++, index++) {
            const unsigned char *key = NULL;
            size_t klen = 0;
            if (is_map && get_blob(w, &p, end, 1, "map key", &key, &klen)) {
                add_step(w, STEP_KEY, NO_NAME, index, NULL, 0);
                return -1;
            }
            int bad;
            if (inline_leaf) {
                bad = leaf(w, item, &p, end);
            } else {
                w->p = p;
                bad = run(w, in->arg, base);
                p = w->p;
            }
            if (bad) {
                add_step(w, is_map ? STEP_VALUE : STEP_ITEM, NO_NAME, index, key, klen);
                return -1;
            }
        }
        if (bsize >= 0 && (uint64_t)(p - block_start) != (uint64_t)bsize)
            return problem(w,
                           "%s block of %" PRIu64 " items declares %" PRId64
                           " bytes but its items take %td",
                           what, n, bsize, p - block_start);
    }
    w->p = p;
    return 0;
}

/* Runs the block at pc for a value enclosed in `base` records, arrays, maps
 * and unions. w->p is read on entry and updated on success.
 *
 * Threaded dispatch (GCC's labels as values, as CPython's ceval does): each
 * handler jumps to the next instruction's on its own, so the branch
 * predictor learns a record's field sequence. With one switch this took
 * half as long again on CustomsDeclaration. */
static int run(walk_t *w, uint32_t pc, int base) {
    static const void *const at[] = {
        [I_END] = &&l_end,         [I_RECORD] = &&l_record, [I_NULL] = &&l_null,
        [I_BOOLEAN] = &&l_boolean, [I_INT] = &&l_int,       [I_LONG] = &&l_long,
        [I_FLOAT] = &&l_float,     [I_DOUBLE] = &&l_double, [I_BYTES] = &&l_bytes,
        [I_STRING] = &&l_string,   [I_FIXED] = &&l_fixed,   [I_ENUM] = &&l_enum,
        [I_CALL] = &&l_call,       [I_UNION] = &&l_union,   [I_ARRAY] = &&l_blocks,
        [I_MAP] = &&l_blocks,
    };
    const ins_t *in = &w->code[pc];
    const unsigned char *p = w->p, *end = w->end, *s;
    size_t n;
    int32_t i32;
    int64_t i64;
    uint32_t blk;

#define NEXT()                                                                    \
    do {                                                                          \
        in++;                                                                     \
        goto *at[in->code];                                                       \
    } while (0)
#define FAIL_IF(cond)                                                             \
    do {                                                                          \
        if (cond)                                                                 \
            goto unwind;                                                          \
    } while (0)

    goto *at[in->code];
l_end:
    w->p = p;
    return 0;
l_record:
    if (base + 1 > w->max_depth)
        return note_too_deep(w), -1;
    NEXT();
l_null:
    NEXT();
l_boolean:
l_float:
l_double:
l_fixed:
    FAIL_IF(leaf(w, in, &p, end));
    NEXT();
l_int:
    FAIL_IF(get_int(w, &p, end, &i32));
    NEXT();
l_long:
    FAIL_IF(get_long(w, &p, end, &i64));
    NEXT();
l_bytes:
    FAIL_IF(get_blob(w, &p, end, 0, "bytes", &s, &n));
    NEXT();
l_string:
    FAIL_IF(get_blob(w, &p, end, 1, "string", &s, &n));
    NEXT();
l_enum:
    FAIL_IF(get_int(w, &p, end, &i32));
    if (i32 < 0 || (uint32_t)i32 >= in->n) {
        note_problem(w, "enum index %" PRId32 ", schema has %" PRIu32 " symbols", i32, in->n);
        goto unwind;
    }
    NEXT();
l_call:
    w->p = p;
    FAIL_IF(run(w, in->arg, base + in->lvl));
    p = w->p;
    NEXT();
l_union:
    FAIL_IF(get_long(w, &p, end, &i64));
    if (i64 < 0 || (uint64_t)i64 >= in->n) {
        note_problem(w, "union branch %" PRId64 ", schema has %" PRIu32, i64, in->n);
        goto unwind;
    }
    if (base + in->lvl + 1 > w->max_depth) {
        note_too_deep(w);
        goto unwind;
    }
    blk = w->kids[in->arg + (uint32_t)i64];
    if (is_leaf(w->code[blk].code) && w->code[blk + 1].code == I_END) {
        /* e.g. ["null", "long"]: the long is checked right here */
        FAIL_IF(leaf(w, &w->code[blk], &p, end));
        NEXT();
    }
    w->p = p;
    FAIL_IF(run(w, blk, base + in->lvl + 1));
    p = w->p;
    NEXT();
l_blocks:
    if (base + in->lvl + 1 > w->max_depth) {
        note_too_deep(w);
        goto unwind;
    }
    w->p = p;
    FAIL_IF(blocks(w, in, base + in->lvl + 1));
    p = w->p;
    NEXT();
#undef NEXT
#undef FAIL_IF

unwind:
    if (in->name != NO_NAME)
        add_step(w, STEP_FIELD, in->name, 0, NULL, 0);
    return -1;
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
        switch (s->kind) {
        case STEP_FIELD: APPEND("%s%s", pos ? "." : "", prog->names + s->name); break;
        case STEP_ITEM: APPEND("[%" PRIu64 "]", s->index); break;
        case STEP_KEY: APPEND("[#%" PRIu64 "] (key)", s->index); break;
        case STEP_VALUE:
            if (key_printable(s->key, s->keylen))
                APPEND("[\"%.*s\"]", (int)s->keylen, (const char *)s->key);
            else
                APPEND("[#%" PRIu64 "]", s->index);
            break;
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

    w.code = prog->code;
    w.kids = prog->kids;
    w.p = datum ? (const unsigned char *)datum : (const unsigned char *)"";
    w.end = w.p + len;
    w.items_left = lim->max_items;
    w.max_items = lim->max_items;
    w.max_depth = lim->max_depth;
    w.nsteps = 0;
    w.dropped = 0;

    if (run(&w, prog->root, 0))
        return report(prog, &w, reason, reason_size);
    if (w.p != w.end) {
        size_t extra = (size_t)(w.end - w.p);
        return ftz_seterr(FTZ_ERR_POISON, reason, reason_size,
                          "%zu trailing byte%s after the %s", extra, extra == 1 ? "" : "s",
                          prog->code[prog->root].code == I_RECORD ? "record" : "value");
    }
    return FTZ_OK;
}
