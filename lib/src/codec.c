/* Avro <-> struct, driven by the record's field table (record.c).
 *
 * Each writer schema version's bytes are first proven well-formed and
 * bounded (avro_check.c). Flat records (all of the project's) are then read
 * directly into the struct (decode_direct: no allocation, about 4 times
 * faster than Avro-C's generic reader); others are read with Avro-C's value
 * API using the writer schema itself. Either way, fields are resolved by name against the record's field
 * table (which mirrors the current version): a field the writer lacks takes
 * its default (optional fields: absent), a field only the writer has is
 * skipped, enum symbols are mapped by name. Avro-C 1.11.1's resolved reader
 * cannot do this: it refuses a reader field missing from the writer even
 * when the field has a default (docs/landmines.md).
 *
 * Field tables and schemas are matched once, when the decoder or encoder
 * is built; a schema that disagrees with the table is refused then, so the
 * per-record path only indexes. */
#include "ftz/rules.h"
#include "ftz/codec.h"

#include <stdlib.h>
#include <string.h>

#include "ftz/frame.h"
#include "ftz/utf8.h"
#include "ftz/value.h"

#define MAX_FIELDS 32

#define MAX_SYMBOLS 32

/* The direct path: for a flat record (primitives, enums, decimals, unions
 * of null and one primitive), the already-checked bytes are decoded
 * straight into the struct, field by field in writer order, with no
 * allocation. Anything else goes through Avro-C's reader. */
typedef enum wkind_e {
    WK_NULL, WK_BOOLEAN, WK_INT, WK_LONG, WK_FLOAT, WK_DOUBLE, WK_BYTES, WK_STRING, WK_ENUM,
    WK_OPT_LONG, WK_OPT_STRING
} wkind_t;

typedef struct wstep_s {
    wkind_t kind;
    int table;   /* index in the record's field table, -1: skip */
} wstep_t;

/* How to read one writer schema version into its record's field table. */
typedef struct writer_slot_s {
    const ftz_schema_entry_t *entry;
    avro_value_iface_t *iface;
    avro_value_t value;            /* a value of the writer's own schema */
    int has_value;
    ftz_avro_prog_t *check;        /* the hardened walk for this schema */
    int index[MAX_FIELDS];         /* writer field index of each table field; -1: absent */
    int8_t enum_map[MAX_FIELDS][MAX_SYMBOLS]; /* writer symbol -> table symbol */
    int nsteps;                    /* > 0: the direct path applies */
    wstep_t steps[MAX_FIELDS];
} writer_slot_t;

struct ftz_decoder_s {
    const ftz_catalog_t *cat;
    ftz_avro_limits_t limits;
    int avro_only;          /* tests: always use Avro-C's reader */
    avro_reader_t reader;
    writer_slot_t *writers; /* one per catalog entry */
};

struct ftz_encoder_s {
    const ftz_record_type_t *rt;
    const ftz_schema_entry_t *entry;
    avro_value_iface_t *iface;
    avro_value_t value;
    int has_value;
    int index[MAX_FIELDS];         /* schema index of each table field, -1: absent */
    avro_writer_t writer;
    /* Every schema field is a table field: records are written in Avro's
     * binary encoding directly, field by field in schema order (order[k]:
     * the table field at schema position k), without Avro-C's generic
     * values (a copy of every string, two walks). */
    int direct;
    int order[MAX_FIELDS];
    int nschema;
    size_t direct_max; /* the most bytes a framed record takes (strings at their caps) */
    int avro_only; /* tests: always write with Avro-C */
};

/* The most bytes a field takes besides its string's bytes. */
#define DIRECT_FIELD_MAX 24

/* Whether schema s can carry a field of type ft. */
static int field_type_matches(avro_schema_t s, const ftz_field_t *f) {
    switch (f->type) {
    case FTZ_FT_STRING: return is_avro_string(s);
    case FTZ_FT_INT: return is_avro_int32(s);
    case FTZ_FT_DOUBLE: return is_avro_double(s);
    case FTZ_FT_DECIMAL2: return is_avro_bytes(s);
    case FTZ_FT_TIMESTAMP: return is_avro_int64(s);
    case FTZ_FT_ENUM:
        /* Symbols are mapped by name (enum_symbol_map). */
        return is_avro_enum(s) && avro_schema_enum_number_of_symbols(s) <= MAX_SYMBOLS;
    case FTZ_FT_OPT_TIMESTAMP:
    case FTZ_FT_OPT_STRING:
        return is_avro_union(s) && avro_schema_union_size(s) == 2 &&
               is_avro_null(avro_schema_union_branch(s, 0)) &&
               (f->type == FTZ_FT_OPT_STRING ? is_avro_string(avro_schema_union_branch(s, 1))
                                             : is_avro_int64(avro_schema_union_branch(s, 1)));
    }
    return 0;
}

/* Matches rt's field table against schema; index[i] = schema field index,
 * or -1 if absent (allowed only when `allow_absent`). */
static ftz_err_t match_fields(const ftz_record_type_t *rt, const ftz_schema_entry_t *e,
                              int allow_absent, int *index, char *errstr,
                              size_t errstr_size) {
    if (rt->nfields > MAX_FIELDS)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "too many fields");
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        int idx = avro_schema_record_field_get_index(e->schema, f->name);
        index[i] = idx;
        if (idx < 0) {
            if (allow_absent)
                continue;
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                              "%s: field %s of %s is missing", e->path, f->name,
                              rt->fullname);
        }
        if (!field_type_matches(avro_schema_record_field_get_by_index(e->schema, idx), f))
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                              "%s: field %s does not have the type the code expects",
                              e->path, f->name);
    }
    /* Every schema field must be one the table knows, or the encoder could
     * not fill it. */
    size_t n = avro_schema_record_size(e->schema);
    for (size_t k = 0; k < n; k++) {
        const char *name = avro_schema_record_field_name(e->schema, (int)k);
        int known = 0;
        for (int i = 0; i < rt->nfields && !known; i++)
            known = strcmp(rt->fields[i].name, name) == 0;
        if (!known && !allow_absent)
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                              "%s: field %s is not in the code's table for %s", e->path,
                              name, rt->fullname);
    }
    return FTZ_OK;
}

void ftz_decoder_set_limits(ftz_decoder_t *dec, const ftz_avro_limits_t *lim) {
    dec->limits = *lim;
}

/* map[k] = table index of writer symbol k; -1 when the table lacks it (a
 * newer writer's symbol): such a value is a decode error when it arrives. */
static void enum_symbol_map(avro_schema_t s, const ftz_field_t *f, int8_t *map) {
    int n = (int)avro_schema_enum_number_of_symbols(s);
    for (int k = 0; k < MAX_SYMBOLS; k++)
        map[k] = -1;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < f->nsymbols; i++)
            if (strcmp(avro_schema_enum_get(s, k), f->symbols[i]) == 0)
                map[k] = (int8_t)i;
}

static int kind_of(avro_schema_t s, wkind_t *k) {
    switch (avro_typeof(s)) {
    case AVRO_NULL: *k = WK_NULL; return 1;
    case AVRO_BOOLEAN: *k = WK_BOOLEAN; return 1;
    case AVRO_INT32: *k = WK_INT; return 1;
    case AVRO_INT64: *k = WK_LONG; return 1;
    case AVRO_FLOAT: *k = WK_FLOAT; return 1;
    case AVRO_DOUBLE: *k = WK_DOUBLE; return 1;
    case AVRO_BYTES: *k = WK_BYTES; return 1;
    case AVRO_STRING: *k = WK_STRING; return 1;
    case AVRO_ENUM: *k = WK_ENUM; return 1;
    case AVRO_UNION:
        if (avro_schema_union_size(s) == 2 && is_avro_null(avro_schema_union_branch(s, 0))) {
            avro_schema_t b = avro_schema_union_branch(s, 1);
            if (is_avro_int64(b)) {
                *k = WK_OPT_LONG;
                return 1;
            }
            if (is_avro_string(b)) {
                *k = WK_OPT_STRING;
                return 1;
            }
        }
        return 0;
    default: return 0;
    }
}

/* Plans the direct path for ws, or leaves nsteps at 0. */
static void plan_direct(writer_slot_t *ws) {
    avro_schema_t schema = ws->entry->schema;
    const ftz_record_type_t *rt = ws->entry->rt;
    int n = (int)avro_schema_record_size(schema);
    if (n > MAX_FIELDS)
        return;
    for (int k = 0; k < n; k++) {
        if (!kind_of(avro_schema_record_field_get_by_index(schema, k), &ws->steps[k].kind))
            return;
        ws->steps[k].table = -1;
        for (int i = 0; i < rt->nfields; i++)
            if (ws->index[i] == k)
                ws->steps[k].table = i;
    }
    ws->nsteps = n;
}

/* The generic class of e's schema into *iface and a value of it into
 * *value (*has_value set); FTZ_ERR_FATAL with errstr filled if Avro-C
 * cannot make them. What it made is freed by generic_free. */
static ftz_err_t generic_new(const ftz_schema_entry_t *e, avro_value_iface_t **iface,
                             avro_value_t *value, int *has_value, char *errstr,
                             size_t errstr_size) {
    if (!(*iface = avro_generic_class_from_schema(e->schema)) ||
        avro_generic_value_new(*iface, value))
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s: %s", e->path, avro_strerror());
    *has_value = 1;
    return FTZ_OK;
}

static void generic_free(avro_value_iface_t *iface, avro_value_t *value, int has_value) {
    if (has_value)
        avro_value_decref(value);
    if (iface)
        avro_value_iface_decref(iface);
}

static ftz_err_t writer_slot_init(writer_slot_t *ws, const ftz_schema_entry_t *e, char *errstr,
                                  size_t errstr_size) {
    const ftz_record_type_t *rt = e->rt;
    ws->entry = e;
    /* A version may lack only optional fields of the table, and may have
     * fields the table does not know (a newer writer): those are skipped.
     * That the table matches the newest embedded schema exactly is a unit
     * test (test_codec: test_table_matches_schemas). */
    if (match_fields(rt, e, 1, ws->index, errstr, errstr_size) != FTZ_OK)
        return FTZ_ERR_FATAL;
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        if (ws->index[i] < 0 && f->type != FTZ_FT_OPT_TIMESTAMP && f->type != FTZ_FT_OPT_STRING)
            return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                              "%s lacks field %s, which has no default", e->path, f->name);
        if (ws->index[i] >= 0 && f->type == FTZ_FT_ENUM)
            enum_symbol_map(avro_schema_record_field_get_by_index(e->schema, ws->index[i]), f,
                            ws->enum_map[i]);
    }
    if (generic_new(e, &ws->iface, &ws->value, &ws->has_value, errstr, errstr_size))
        return FTZ_ERR_FATAL;
    if (!(ws->check = ftz_avro_prog_new(e->schema, errstr, errstr_size)))
        return FTZ_ERR_FATAL;
    plan_direct(ws);
    return FTZ_OK;
}

ftz_decoder_t *ftz_decoder_new(const ftz_catalog_t *cat, char *errstr, size_t errstr_size) {
    ftz_decoder_t *dec = calloc(1, sizeof(*dec));
    int n = ftz_catalog_count(cat);

    if (!dec || !(dec->writers = calloc((size_t)n, sizeof(*dec->writers))) ||
        !(dec->reader = avro_reader_memory(NULL, 0))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    dec->cat = cat;
    ftz_avro_limits_default(&dec->limits);
    for (int i = 0; i < n; i++) {
        const ftz_schema_entry_t *e = ftz_catalog_entry(cat, i);
        if (writer_slot_init(&dec->writers[i], e, errstr, errstr_size) != FTZ_OK)
            goto fail;
    }
    return dec;
fail:
    ftz_decoder_destroy(dec);
    return NULL;
}

void ftz_decoder_destroy(ftz_decoder_t *dec) {
    if (!dec)
        return;
    if (dec->writers) {
        for (int i = 0; i < ftz_catalog_count(dec->cat); i++) {
            generic_free(dec->writers[i].iface, &dec->writers[i].value,
                         dec->writers[i].has_value);
            ftz_avro_prog_destroy(dec->writers[i].check);
        }
        free(dec->writers);
    }
    if (dec->reader)
        avro_reader_free(dec->reader);
    free(dec);
}

/* Copies an Avro string into a field's buffer, checking what Avro-C does
 * not: UTF-8, no NUL byte, and that it fits. */
static ftz_err_t copy_string(const ftz_field_t *f, avro_value_t *sv, char *dst,
                             ftz_verdict_t *v) {
    const char *s;
    size_t size;
    if (avro_value_get_string(sv, &s, &size) || size == 0)
        return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "field %s: no string", f->name);
    size--; /* Avro-C counts the terminating NUL */
    if (!ftz_utf8_valid(s, size))
        return ftz_verdict_set(v, FTZ_V_DECODE_ERROR,
                               "field %s: not valid UTF-8 or contains a NUL byte", f->name);
    if (size >= f->cap)
        return ftz_verdict_set(v, ftz_rules_length_code(f), "field %s: %zu bytes, at most %zu allowed",
                               f->name, size, f->cap - 1);
    memcpy(dst, s, size);
    dst[size] = '\0';
    return FTZ_OK;
}

/* Copies the reader value into the struct, checking what Avro-C does not. */
static ftz_err_t extract(writer_slot_t *ws, void *rec, ftz_verdict_t *v) {
    const ftz_record_type_t *rt = ws->entry->rt;
    char *base = rec;
    memset(rec, 0, rt->size);
    for (int i = 0; i < rt->nfields; i++) {
        const ftz_field_t *f = &rt->fields[i];
        avro_value_t fv, branch;
        if (ws->index[i] < 0)
            continue; /* an optional field this writer version lacks: absent */
        if (avro_value_get_by_index(&ws->value, (size_t)ws->index[i], &fv, NULL))
            return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "field %s: %s", f->name,
                                   avro_strerror());
        switch (f->type) {
        case FTZ_FT_STRING:
            if (copy_string(f, &fv, base + f->off, v) != FTZ_OK)
                return FTZ_ERR_POISON;
            break;
        case FTZ_FT_INT:
            avro_value_get_int(&fv, (int32_t *)(void *)(base + f->off));
            break;
        case FTZ_FT_ENUM: {
            int sym = -1;
            avro_value_get_enum(&fv, &sym);
            if (sym < 0 || sym >= MAX_SYMBOLS || ws->enum_map[i][sym] < 0)
                return ftz_verdict_set(v, FTZ_V_DECODE_ERROR,
                                       "field %s: enum index %d is not a symbol this "
                                       "version knows", f->name, sym);
            *(int32_t *)(void *)(base + f->off) = ws->enum_map[i][sym];
            break;
        }
        case FTZ_FT_DOUBLE:
            avro_value_get_double(&fv, (double *)(void *)(base + f->off));
            break;
        case FTZ_FT_DECIMAL2: {
            const void *bytes;
            size_t size;
            char why[128];
            avro_value_get_bytes(&fv, &bytes, &size);
            if (ftz_decimal_from_bytes(bytes, size, (int64_t *)(void *)(base + f->off),
                                       why, sizeof(why)) != FTZ_OK)
                return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "field %s: %s", f->name,
                                       why);
            break;
        }
        case FTZ_FT_TIMESTAMP:
            avro_value_get_long(&fv, (int64_t *)(void *)(base + f->off));
            break;
        case FTZ_FT_OPT_TIMESTAMP:
        case FTZ_FT_OPT_STRING: {
            int disc = -1;
            avro_value_get_discriminant(&fv, &disc);
            if (disc == 1 && avro_value_get_current_branch(&fv, &branch) == 0) {
                *(bool *)(base + f->has_off) = true;
                if (f->type == FTZ_FT_OPT_STRING) {
                    if (copy_string(f, &branch, base + f->off, v) != FTZ_OK)
                        return FTZ_ERR_POISON;
                } else {
                    avro_value_get_long(&branch, (int64_t *)(void *)(base + f->off));
                }
            } else if (disc != 0) {
                return ftz_verdict_set(v, FTZ_V_DECODE_ERROR,
                                       "field %s: union branch %d out of range", f->name,
                                       disc);
            }
            break;
        }
        }
    }
    return FTZ_OK;
}

/* Reads a zigzag varint; the bytes were checked by ftz_avro_check. */
static int64_t rd_long(const unsigned char **p) {
    uint64_t v = 0;
    int shift = 0;
    unsigned char b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
    } while ((b & 0x80) && shift < 70);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static ftz_err_t direct_string(const ftz_field_t *f, const unsigned char **p, char *dst,
                               ftz_verdict_t *v) {
    size_t n = (size_t)rd_long(p);
    if (n >= f->cap)
        return ftz_verdict_set(v, ftz_rules_length_code(f), "field %s: %zu bytes, at most %zu allowed",
                               f->name, n, f->cap - 1);
    memcpy(dst, *p, n);
    dst[n] = '\0';
    *p += n;
    return FTZ_OK;
}

/* The direct path (see plan_direct). Strings were proven valid UTF-8
 * without NUL, lengths and indexes in range, by ftz_avro_check. */
static ftz_err_t decode_direct(const writer_slot_t *ws, const unsigned char *p, void *rec,
                               ftz_verdict_t *v) {
    const ftz_record_type_t *rt = ws->entry->rt;
    char *base = rec;
    char why[128];
    memset(rec, 0, rt->size);
    for (int k = 0; k < ws->nsteps; k++) {
        int t = ws->steps[k].table;
        const ftz_field_t *f = t >= 0 ? &rt->fields[t] : NULL;
        char *dst = f ? base + f->off : NULL;
        switch (ws->steps[k].kind) {
        case WK_NULL: break;
        case WK_BOOLEAN: p++; break;
        case WK_FLOAT: p += 4; break;
        case WK_INT:
        case WK_LONG: {
            int64_t x = rd_long(&p);
            if (f && f->type == FTZ_FT_INT)
                *(int32_t *)(void *)dst = (int32_t)x;
            else if (f)
                *(int64_t *)(void *)dst = x;
            break;
        }
        case WK_DOUBLE: {
            uint64_t bits = 0;
            for (int i = 7; i >= 0; i--)
                bits = (bits << 8) | p[i];
            p += 8;
            if (f)
                memcpy(dst, &bits, sizeof(double));
            break;
        }
        case WK_BYTES: {
            size_t n = (size_t)rd_long(&p);
            if (f && ftz_decimal_from_bytes(p, n, (int64_t *)(void *)dst, why, sizeof(why)) !=
                         FTZ_OK)
                return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "field %s: %s", f->name, why);
            p += n;
            break;
        }
        case WK_STRING:
            if (f) {
                if (direct_string(f, &p, dst, v) != FTZ_OK)
                    return FTZ_ERR_POISON;
            } else {
                size_t n = (size_t)rd_long(&p);
                p += n;
            }
            break;
        case WK_ENUM: {
            int64_t sym = rd_long(&p);
            if (f) {
                if (sym < 0 || sym >= MAX_SYMBOLS || ws->enum_map[t][sym] < 0)
                    return ftz_verdict_set(v, FTZ_V_DECODE_ERROR,
                                           "field %s: enum index %d is not a symbol this "
                                           "version knows", f->name, (int)sym);
                *(int32_t *)(void *)dst = ws->enum_map[t][sym];
            }
            break;
        }
        case WK_OPT_LONG:
        case WK_OPT_STRING:
            if (rd_long(&p) == 0)
                break; /* null */
            if (f)
                *(bool *)(base + f->has_off) = true;
            if (ws->steps[k].kind == WK_OPT_LONG) {
                int64_t x = rd_long(&p);
                if (f)
                    *(int64_t *)(void *)dst = x;
            } else if (f) {
                if (direct_string(f, &p, dst, v) != FTZ_OK)
                    return FTZ_ERR_POISON;
            } else {
                size_t n = (size_t)rd_long(&p);
                p += n;
            }
            break;
        }
    }
    return FTZ_OK;
}

void ftz_decoder_force_avro(ftz_decoder_t *dec, int on) { dec->avro_only = on; }

ftz_err_t ftz_decoder_decode(ftz_decoder_t *dec, const void *buf, size_t len,
                             const ftz_record_type_t **rtp, void *rec,
                             ftz_verdict_t *v) {
    uint64_t fp;
    const unsigned char *datum;
    size_t datum_len;
    char why[200];

    ftz_verdict_clear(v);
    if (ftz_frame_parse(buf, len, &fp, &datum, &datum_len, why, sizeof(why)) != FTZ_OK)
        return ftz_verdict_set(v, FTZ_V_BAD_FRAMING, "%s", why);
    const ftz_schema_entry_t *e = ftz_catalog_lookup(dec->cat, fp);
    if (!e)
        return ftz_verdict_set(v, FTZ_V_UNKNOWN_SCHEMA,
                               "fingerprint %016llx (%lld) is not in the schema catalog",
                               (unsigned long long)fp, (long long)fp);
    writer_slot_t *ws = &dec->writers[e - ftz_catalog_entry(dec->cat, 0)];

    /* Avro-C trusts the wire (docs/landmines.md): nothing reaches it
     * that the hardened walk has not proven to be one whole, bounded datum. */
    if (ftz_avro_check(ws->check, datum, datum_len, &dec->limits, why, sizeof(why)) != FTZ_OK)
        return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "%s v%d: %s", e->rt->fullname,
                               e->version, why);
    *rtp = e->rt;
    if (ws->nsteps && !dec->avro_only)
        return decode_direct(ws, datum, rec, v);
    avro_reader_memory_set_source(dec->reader, (const char *)datum, (int64_t)datum_len);
    if (avro_value_read(dec->reader, &ws->value))
        /* Not expected after the walk; avro_strerror() accumulates text of
         * earlier failures, so it is not quoted. */
        return ftz_verdict_set(v, FTZ_V_DECODE_ERROR, "%s v%d: Avro-C could not read it",
                               e->rt->fullname, e->version);
    return extract(ws, rec, v);
}

ftz_encoder_t *ftz_encoder_new(const ftz_catalog_t *cat, ftz_rtype_t rtid, int version,
                               char *errstr, size_t errstr_size) {
    ftz_encoder_t *enc = calloc(1, sizeof(*enc));
    if (!enc || !(enc->writer = avro_writer_memory(NULL, 0))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    enc->rt = ftz_record_type(rtid);
    enc->entry = version ? ftz_catalog_version(cat, rtid, version)
                         : ftz_catalog_current(cat, rtid);
    if (!enc->rt || !enc->entry) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "no schema version %d for this record type", version);
        goto fail;
    }
    if (match_fields(enc->rt, enc->entry, 1, enc->index, errstr, errstr_size) != FTZ_OK)
        goto fail;
    /* The encoder writes the table's enum index: the symbols must agree. */
    for (int i = 0; i < enc->rt->nfields; i++) {
        const ftz_field_t *f = &enc->rt->fields[i];
        if (f->type != FTZ_FT_ENUM || enc->index[i] < 0)
            continue;
        avro_schema_t es = avro_schema_record_field_get_by_index(enc->entry->schema,
                                                                 enc->index[i]);
        int same = (int)avro_schema_enum_number_of_symbols(es) == f->nsymbols;
        for (int k = 0; same && k < f->nsymbols; k++)
            same = strcmp(avro_schema_enum_get(es, k), f->symbols[k]) == 0;
        if (!same) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "%s: the symbols of %s differ from the current version's; it cannot "
                       "be written", enc->entry->path, f->name);
            goto fail;
        }
    }
    /* Direct encoding when the table has every field of the schema. */
    enc->nschema = (int)avro_schema_record_size(enc->entry->schema);
    enc->direct = enc->nschema <= MAX_FIELDS;
    for (int k = 0; enc->direct && k < enc->nschema; k++) {
        enc->order[k] = -1;
        for (int i = 0; i < enc->rt->nfields; i++)
            if (enc->index[i] == k)
                enc->order[k] = i;
        enc->direct = enc->order[k] >= 0;
        if (enc->direct) {
            const ftz_field_t *f = &enc->rt->fields[enc->order[k]];
            enc->direct_max += DIRECT_FIELD_MAX;
            if (f->type == FTZ_FT_STRING || f->type == FTZ_FT_OPT_STRING)
                enc->direct_max += f->cap;
        }
    }
    enc->direct_max += FTZ_FRAME_HEADER_SIZE;
    if (generic_new(enc->entry, &enc->iface, &enc->value, &enc->has_value, errstr, errstr_size))
        goto fail;
    return enc;
fail:
    ftz_encoder_destroy(enc);
    return NULL;
}

void ftz_encoder_destroy(ftz_encoder_t *enc) {
    if (!enc)
        return;
    generic_free(enc->iface, &enc->value, enc->has_value);
    if (enc->writer)
        avro_writer_free(enc->writer);
    free(enc);
}

ftz_err_t ftz_encoder_check_fields(const ftz_encoder_t *enc, const void *rec, ftz_verdict_t *v) {
    const char *base = rec;
    for (int i = 0; i < enc->rt->nfields; i++) {
        const ftz_field_t *f = &enc->rt->fields[i];
        int set = (f->type != FTZ_FT_OPT_STRING && f->type != FTZ_FT_OPT_TIMESTAMP) ||
                  *(const bool *)(base + f->has_off);
        if (enc->index[i] < 0 && set)
            return ftz_verdict_set(v, FTZ_V_BAD_JSON,
                                   "field %s: not in schema version %d, which would drop it; "
                                   "leave it out or write a newer version",
                                   f->name, enc->entry->version);
    }
    return FTZ_OK;
}

void ftz_encoder_force_avro(ftz_encoder_t *enc, int on) { enc->avro_only = on; }

/* Avro's long and int: zigzag, then base-128 varint, low groups first. */
static unsigned char *put_varint(unsigned char *p, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        *p++ = (unsigned char)(z | 0x80);
        z >>= 7;
    }
    *p++ = (unsigned char)z;
    return p;
}

static ftz_err_t encode_direct(const ftz_encoder_t *enc, const char *base, ftz_buf_t *out,
                               char *errstr, size_t errstr_size) {
    const ftz_record_type_t *rt = enc->rt;
    ftz_buf_reset(out);
    if (ftz_buf_reserve(out, enc->direct_max))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    unsigned char *p = (unsigned char *)out->data;
    ftz_frame_header(enc->entry->fingerprint, p);
    p += FTZ_FRAME_HEADER_SIZE;
    for (int k = 0; k < enc->nschema; k++) {
        const ftz_field_t *f = &rt->fields[enc->order[k]];
        const void *at = base + f->off;
        switch (f->type) {
        case FTZ_FT_OPT_STRING:
            if (!*(const bool *)(base + f->has_off)) {
                p = put_varint(p, 0); /* union branch 0: null */
                break;
            }
            p = put_varint(p, 1);
            /* fall through */
        case FTZ_FT_STRING: {
            size_t n = strnlen(at, f->cap);
            p = put_varint(p, (int64_t)n);
            memcpy(p, at, n);
            p += n;
            break;
        }
        case FTZ_FT_INT:
            p = put_varint(p, *(const int32_t *)at);
            break;
        case FTZ_FT_ENUM:
            p = put_varint(p, *(const int32_t *)at);
            break;
        case FTZ_FT_DOUBLE: {
            double d = *(const double *)at;
            uint64_t bits;
            memcpy(&bits, &d, sizeof(bits));
            for (int b = 0; b < 8; b++)
                *p++ = (unsigned char)(bits >> (8 * b)); /* little-endian */
            break;
        }
        case FTZ_FT_DECIMAL2: {
            unsigned char b[8];
            size_t n = ftz_decimal_to_bytes(*(const int64_t *)at, b);
            p = put_varint(p, (int64_t)n);
            memcpy(p, b, n);
            p += n;
            break;
        }
        case FTZ_FT_OPT_TIMESTAMP:
            if (!*(const bool *)(base + f->has_off)) {
                p = put_varint(p, 0);
                break;
            }
            p = put_varint(p, 1);
            /* fall through */
        case FTZ_FT_TIMESTAMP:
            p = put_varint(p, *(const int64_t *)at);
            break;
        }
    }
    out->len = (size_t)(p - (unsigned char *)out->data);
    out->data[out->len] = '\0';
    return FTZ_OK;
}

ftz_err_t ftz_encoder_encode(ftz_encoder_t *enc, const void *rec, ftz_buf_t *out,
                             char *errstr, size_t errstr_size) {
    const char *base = rec;
    const ftz_record_type_t *rt = enc->rt;
    int rc = 0;

    if (enc->direct && !enc->avro_only)
        return encode_direct(enc, base, out, errstr, errstr_size);

    for (int i = 0; i < rt->nfields && !rc; i++) {
        const ftz_field_t *f = &rt->fields[i];
        avro_value_t fv, branch;
        if (enc->index[i] < 0)
            continue; /* not in this (older) schema version */
        if ((rc = avro_value_get_by_index(&enc->value, (size_t)enc->index[i], &fv, NULL)))
            break;
        switch (f->type) {
        case FTZ_FT_STRING:
            rc = avro_value_set_string(&fv, base + f->off);
            break;
        case FTZ_FT_INT:
            rc = avro_value_set_int(&fv, *(const int32_t *)(const void *)(base + f->off));
            break;
        case FTZ_FT_ENUM:
            rc = avro_value_set_enum(&fv, *(const int32_t *)(const void *)(base + f->off));
            break;
        case FTZ_FT_DOUBLE:
            rc = avro_value_set_double(&fv, *(const double *)(const void *)(base + f->off));
            break;
        case FTZ_FT_DECIMAL2: {
            unsigned char b[8];
            size_t n = ftz_decimal_to_bytes(*(const int64_t *)(const void *)(base + f->off), b);
            rc = avro_value_set_bytes(&fv, b, n);
            break;
        }
        case FTZ_FT_TIMESTAMP:
            rc = avro_value_set_long(&fv, *(const int64_t *)(const void *)(base + f->off));
            break;
        case FTZ_FT_OPT_TIMESTAMP:
        case FTZ_FT_OPT_STRING:
            if (*(const bool *)(base + f->has_off)) {
                if (!(rc = avro_value_set_branch(&fv, 1, &branch)))
                    rc = f->type == FTZ_FT_OPT_STRING
                             ? avro_value_set_string(&branch, base + f->off)
                             : avro_value_set_long(&branch,
                                                   *(const int64_t *)(const void *)(base + f->off));
            } else if (!(rc = avro_value_set_branch(&fv, 0, &branch))) {
                rc = avro_value_set_null(&branch);
            }
            break;
        }
    }
    size_t size = 0;
    if (rc || (rc = avro_value_sizeof(&enc->value, &size)))
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "encoding %s: %s",
                          rt->fullname, avro_strerror());
    unsigned char header[FTZ_FRAME_HEADER_SIZE];
    ftz_frame_header(enc->entry->fingerprint, header);
    ftz_buf_reset(out);
    if (ftz_buf_reserve(out, FTZ_FRAME_HEADER_SIZE + size) ||
        ftz_buf_append(out, header, sizeof(header)))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    avro_writer_memory_set_dest(enc->writer, out->data + out->len, (int64_t)size);
    if (avro_value_write(enc->writer, &enc->value))
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "encoding %s: %s",
                          rt->fullname, avro_strerror());
    out->len += size;
    out->data[out->len] = '\0';
    return FTZ_OK;
}
