/* Avro schema resolution compatibility (see ftz/compat.h). Each schema is
 * read with jansson into a graph of nodes in which a named-type reference
 * is the node of its definition, so recursive schemas become cycles; the
 * two graphs are then walked together. Pairs of records already compared
 * (or being compared) are remembered, which both ends recursion and keeps
 * shared subtrees from being compared twice. */
#include "ftz/compat.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_names.h"
#include "ftz/array.h"
#include "ftz/buf.h"

/* Levels of nesting (records in arrays in unions...) compared before we
 * give up with FTZ_ERR_INVALID_ARG instead of overflowing the stack. */
#define FTZ_COMPAT_MAX_DEPTH 1000

typedef enum kind_e {
    K_NULL,
    K_BOOLEAN,
    K_INT,
    K_LONG,
    K_FLOAT,
    K_DOUBLE,
    K_BYTES,
    K_STRING, /* last primitive */
    K_RECORD,
    K_ENUM,
    K_FIXED,
    K_ARRAY,
    K_MAP,
    K_UNION,
} kind_t;

static const char *const kind_names[] = {"null",  "boolean", "int",    "long", "float",
                                         "double", "bytes",  "string", "record", "enum",
                                         "fixed", "array",   "map",    "union"};

typedef struct node_s node_t;

typedef struct field_s {
    const char *name; /* borrowed from the JSON tree */
    json_t *aliases;  /* borrowed: array of strings, or NULL */
    int has_default;
    node_t *type; /* borrowed from the schema's node list */
} field_t;

struct node_s {
    kind_t kind;
    char *fullname;             /* named types; owned */
    const char *name;           /* unqualified: points into fullname */
    char *space;                /* namespace of fullname ("" if none); owned */
    json_t *aliases;            /* named types; borrowed, or NULL */
    json_t *index;              /* owned: field name or enum symbol -> position */
    field_t *fields;            /* records; owned */
    size_t n_fields;
    json_t *symbols;            /* enums; borrowed */
    const char *default_symbol; /* enums; borrowed, or NULL */
    long long size;             /* fixed */
    int decimal;                /* a valid "decimal" logical type */
    long long precision, scale;
    node_t *child;     /* array items, map values */
    node_t **branches; /* unions; owned array of borrowed nodes */
    size_t n_branches;
    node_t *next; /* every node of a schema, for freeing */
};

typedef struct schema_s {
    const char *label; /* "writer" or "reader" */
    json_t *json;      /* owned */
    ftz_avro_names_t names; /* full name -> position in defs */
    node_t **defs;     /* owned array of borrowed nodes */
    size_t n_defs, cap_defs;
    node_t *nodes; /* owned list */
    node_t *root;
    char *errstr;
    size_t errstr_size;
} schema_t;

typedef struct pair_s {
    const node_t *w, *r;
} pair_t;

typedef struct cmp_s {
    ftz_buf_t path;
    pair_t *memo; /* open addressing; w == NULL marks a free slot */
    size_t memo_cap, memo_len;
    unsigned depth;
    char *reason;
    size_t reason_size;
} cmp_t;

/* ---- Reading a schema ---------------------------------------------------- */

static ftz_err_t bad(schema_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ftz_err_t bad(schema_t *s, const char *fmt, ...) {
    va_list ap;
    size_t n = ftz_fmt(s->errstr, s->errstr_size, "%s schema: ", s->label);
    va_start(ap, fmt);
    ftz_vfmt(s->errstr ? s->errstr + n : NULL, s->errstr_size - n, fmt, ap);
    va_end(ap);
    return FTZ_ERR_INVALID_ARG;
}

static int is_named(kind_t k) { return k == K_RECORD || k == K_ENUM || k == K_FIXED; }

static node_t *new_node(schema_t *s, kind_t kind) {
    node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    n->next = s->nodes;
    s->nodes = n;
    return n;
}

/* A reference by name (see ftz_avro_names_resolve). */
static ftz_err_t parse_name(schema_t *s, const char *ref, const char *ns, node_t **out) {
    int pk = ftz_avro_primitive(ref);
    const char *full;
    long pos;
    ftz_err_t err;
    if (pk >= 0) {
        *out = new_node(s, (kind_t)pk);
        return *out ? FTZ_OK : FTZ_ERR_NOMEM;
    }
    if ((err = ftz_avro_names_resolve(&s->names, ref, ns, &pos, &full)))
        return err;
    if (pos < 0)
        return bad(s, "unknown type name \"%s\" (named types must be defined before use)", ref);
    *out = s->defs[pos];
    return FTZ_OK;
}

/* Sets n->decimal when `j` carries a valid decimal logical type; an invalid
 * one is ignored, as the specification asks. */
static void parse_decimal(json_t *j, node_t *n) {
    json_t *lt = json_object_get(j, "logicalType");
    json_t *jp = json_object_get(j, "precision");
    json_t *js = json_object_get(j, "scale");
    if (!json_is_string(lt) || strcmp(json_string_value(lt), "decimal") != 0 ||
        !json_is_integer(jp) || (js && !json_is_integer(js)))
        return;
    long long p = json_integer_value(jp), sc = js ? json_integer_value(js) : 0;
    if (p <= 0 || sc < 0 || sc > p)
        return;
    /* A fixed of n bytes holds at most floor(log10(2^(8n-1) - 1)) digits. */
    if (n->kind == K_FIXED && (n->size < 1 || (double)p > floor((8.0 * (double)n->size - 1.0) *
                                                                 log10(2.0))))
        return;
    n->decimal = 1;
    n->precision = p;
    n->scale = sc;
}

static ftz_err_t parse(schema_t *s, json_t *j, const char *ns, node_t **out);

/* Puts "writer schema: " before the message that a check of avro_names.c
 * left in errstr. */
static ftz_err_t labelled(schema_t *s, ftz_err_t err) {
    char *msg;
    if (err != FTZ_ERR_INVALID_ARG || !s->errstr || !s->errstr_size)
        return err;
    if (!(msg = strdup(s->errstr)))
        return FTZ_ERR_NOMEM;
    bad(s, "%s", msg);
    free(msg);
    return err;
}

static ftz_err_t parse_fields(schema_t *s, json_t *j, const char *type, node_t *n) {
    json_t *fields = json_object_get(j, "fields");
    ftz_err_t err;
    if ((err = labelled(s, ftz_avro_check_fields(j, type, n->fullname, &n->index, s->errstr,
                                                 s->errstr_size))))
        return err;
    size_t count = json_array_size(fields);
    if (!(n->fields = calloc(count ? count : 1, sizeof(*n->fields))))
        return FTZ_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        json_t *f = json_array_get(fields, i);
        field_t *fd = &n->fields[i];
        fd->name = json_string_value(json_object_get(f, "name"));
        fd->aliases = json_object_get(f, "aliases");
        fd->has_default = json_object_get(f, "default") != NULL;
        n->n_fields = i + 1;
        if ((err = parse(s, json_object_get(f, "type"), n->space, &fd->type)))
            return err;
    }
    return FTZ_OK;
}

static ftz_err_t parse_named(schema_t *s, json_t *j, kind_t kind, const char *type,
                             const char *ns, node_t **out) {
    node_t *n;
    ftz_err_t err;

    if (!(n = new_node(s, kind)) || FTZ_ARRAY_GROW(s->defs, s->cap_defs, s->n_defs + 1))
        return FTZ_ERR_NOMEM;
    /* Registered before the body is read, so that the body may refer to it. */
    if ((err = labelled(s, ftz_avro_define(&s->names, j, type, ns, s->n_defs, &n->fullname,
                                           s->errstr, s->errstr_size))))
        return err;
    s->defs[s->n_defs++] = n;
    *out = n;
    n->name = ftz_avro_short_name(n->fullname);
    if (!(n->space = strndup(n->fullname, ftz_avro_space_len(n->fullname))))
        return FTZ_ERR_NOMEM;
    n->aliases = json_object_get(j, "aliases");

    switch (kind) {
    case K_FIXED:
        if ((err = labelled(s, ftz_avro_fixed_size(j, n->fullname, &n->size, s->errstr,
                                                   s->errstr_size))))
            return err;
        parse_decimal(j, n);
        return FTZ_OK;
    case K_ENUM:
        if ((err = labelled(s, ftz_avro_check_symbols(j, n->fullname, &n->index, s->errstr,
                                                      s->errstr_size))))
            return err;
        n->symbols = json_object_get(j, "symbols");
        n->default_symbol = json_string_value(json_object_get(j, "default"));
        return FTZ_OK;
    default: return parse_fields(s, j, type, n);
    }
}

static ftz_err_t parse_union(schema_t *s, json_t *j, const char *ns, node_t **out) {
    size_t count = json_array_size(j);
    node_t *n = new_node(s, K_UNION);
    json_t *seen = NULL;
    ftz_err_t err = FTZ_ERR_NOMEM;
    if (!n || !(n->branches = calloc(count ? count : 1, sizeof(*n->branches))) ||
        !(seen = json_object()))
        goto done;
    *out = n;
    for (size_t i = 0; i < count; i++) {
        node_t *b;
        if ((err = parse(s, json_array_get(j, i), ns, &b)) ||
            (err = labelled(s, ftz_avro_union_branch(seen, kind_names[b->kind],
                                                     is_named(b->kind) ? b->fullname : NULL, i,
                                                     s->errstr, s->errstr_size))))
            goto done;
        n->branches[n->n_branches++] = b;
    }
    err = FTZ_OK;
done:
    json_decref(seen);
    return err;
}

static ftz_err_t parse(schema_t *s, json_t *j, const char *ns, node_t **out) {
    if (json_is_string(j))
        return parse_name(s, json_string_value(j), ns, out);
    if (json_is_array(j))
        return parse_union(s, j, ns, out);
    if (!json_is_object(j))
        return bad(s, "a schema must be a string, an array or an object");

    json_t *jtype = json_object_get(j, "type");
    if (json_is_object(jtype) || json_is_array(jtype))
        return parse(s, jtype, ns, out);
    if (!json_is_string(jtype))
        return bad(s, "schema object without a string \"type\"");
    const char *type = json_string_value(jtype);
    int pk = ftz_avro_primitive(type);
    if (pk >= 0) {
        if (!(*out = new_node(s, (kind_t)pk)))
            return FTZ_ERR_NOMEM;
        if (pk == K_BYTES)
            parse_decimal(j, *out);
        return FTZ_OK;
    }
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0)
        return parse_named(s, j, K_RECORD, type, ns, out);
    if (strcmp(type, "enum") == 0)
        return parse_named(s, j, K_ENUM, type, ns, out);
    if (strcmp(type, "fixed") == 0)
        return parse_named(s, j, K_FIXED, type, ns, out);
    if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        int is_array = type[0] == 'a';
        json_t *sub = json_object_get(j, is_array ? "items" : "values");
        if (!sub)
            return bad(s, "%s without \"%s\"", type, is_array ? "items" : "values");
        if (!(*out = new_node(s, is_array ? K_ARRAY : K_MAP)))
            return FTZ_ERR_NOMEM;
        return parse(s, sub, ns, &(*out)->child);
    }
    /* {"type": "Name"}: a reference written as an object. */
    return parse_name(s, type, ns, out);
}

static ftz_err_t schema_load(schema_t *s, const char *json, size_t len) {
    json_error_t jerr;
    if (!json)
        return bad(s, "no schema text");
    /* No JSON_ALLOW_NUL: a name with a NUL inside could not be compared. */
    if (!(s->json = json_loadb(json, len, JSON_DECODE_ANY, &jerr)))
        return bad(s, "not JSON: line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    if (ftz_avro_names_init(&s->names))
        return FTZ_ERR_NOMEM;
    return parse(s, s->json, "", &s->root);
}

static void schema_free(schema_t *s) {
    while (s->nodes) {
        node_t *n = s->nodes;
        s->nodes = n->next;
        free(n->fullname);
        free(n->space);
        json_decref(n->index);
        free(n->fields);
        free(n->branches);
        free(n);
    }
    free(s->defs);
    ftz_avro_names_free(&s->names);
    json_decref(s->json);
}

/* ---- Comparing ----------------------------------------------------------- */

static size_t pair_hash(const node_t *w, const node_t *r) {
    uint64_t h = (uint64_t)(uintptr_t)w * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)(uintptr_t)r * 0xc2b2ae3d27d4eb4fULL;
    return (size_t)(h ^ (h >> 31));
}

static int memo_has(const cmp_t *c, const node_t *w, const node_t *r) {
    if (!c->memo_cap)
        return 0;
    for (size_t i = pair_hash(w, r) & (c->memo_cap - 1);; i = (i + 1) & (c->memo_cap - 1)) {
        if (!c->memo[i].w)
            return 0;
        if (c->memo[i].w == w && c->memo[i].r == r)
            return 1;
    }
}

static void memo_put(pair_t *memo, size_t cap, const node_t *w, const node_t *r) {
    size_t i = pair_hash(w, r) & (cap - 1);
    while (memo[i].w)
        i = (i + 1) & (cap - 1);
    memo[i].w = w;
    memo[i].r = r;
}

static ftz_err_t memo_add(cmp_t *c, const node_t *w, const node_t *r) {
    if (2 * (c->memo_len + 1) > c->memo_cap) { /* at most half full */
        size_t cap = c->memo_cap ? 2 * c->memo_cap : 64;
        pair_t *memo = calloc(cap, sizeof(*memo));
        if (!memo)
            return FTZ_ERR_NOMEM;
        for (size_t i = 0; i < c->memo_cap; i++)
            if (c->memo[i].w)
                memo_put(memo, cap, c->memo[i].w, c->memo[i].r);
        free(c->memo);
        c->memo = memo;
        c->memo_cap = cap;
    }
    memo_put(c->memo, c->memo_cap, w, r);
    c->memo_len++;
    return FTZ_OK;
}

/* "long", "record a.b.R", "fixed a.b.F (size 16)", "bytes (decimal 18,2)",
 * "union [null, long]". */
static void describe(const node_t *n, char *buf, size_t size) {
    switch (n->kind) {
    case K_RECORD:
    case K_ENUM: snprintf(buf, size, "%s %s", kind_names[n->kind], n->fullname); break;
    case K_FIXED:
        if (n->decimal)
            snprintf(buf, size, "fixed %s (size %lld, decimal %lld,%lld)", n->fullname, n->size,
                     n->precision, n->scale);
        else
            snprintf(buf, size, "fixed %s (size %lld)", n->fullname, n->size);
        break;
    case K_BYTES:
        if (n->decimal)
            snprintf(buf, size, "bytes (decimal %lld,%lld)", n->precision, n->scale);
        else
            snprintf(buf, size, "bytes");
        break;
    case K_UNION: {
        size_t used = (size_t)snprintf(buf, size, "union [");
        for (size_t i = 0; i < n->n_branches && used < size; i++) {
            const node_t *b = n->branches[i];
            used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                     is_named(b->kind) ? b->fullname : kind_names[b->kind]);
        }
        if (used < size)
            snprintf(buf + used, size - used, "]");
        break;
    }
    default: snprintf(buf, size, "%s", kind_names[n->kind]); break;
    }
}

static ftz_err_t incompatible(cmp_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ftz_err_t incompatible(cmp_t *c, const char *fmt, ...) {
    va_list ap;
    const char *path = c->path.data ? c->path.data : "";
    size_t n = ftz_fmt(c->reason, c->reason_size, "%s%s", path, *path ? ": " : "");
    va_start(ap, fmt);
    ftz_vfmt(c->reason ? c->reason + n : NULL, c->reason_size - n, fmt, ap);
    va_end(ap);
    return FTZ_ERR_POISON;
}

/* Separate from incompatible() so that the description buffers live on
 * the stack only when something failed, not in every level of recursion. */
static ftz_err_t cannot_read(cmp_t *c, const char *what, const node_t *w, const char *how,
                             const node_t *r) {
    char dw[256], dr[512];
    describe(w, dw, sizeof(dw));
    describe(r, dr, sizeof(dr));
    return incompatible(c, "%s %s %s %s", what, dw, how, dr);
}

static int promotes(kind_t w, kind_t r) {
    switch (w) {
    case K_INT: return r == K_LONG || r == K_FLOAT || r == K_DOUBLE;
    case K_LONG: return r == K_FLOAT || r == K_DOUBLE;
    case K_FLOAT: return r == K_DOUBLE;
    case K_STRING: return r == K_BYTES;
    case K_BYTES: return r == K_STRING;
    default: return 0;
    }
}

/* Unqualified names equal, or a reader alias whose unqualified part is the
 * writer's unqualified name (see the header for why not full names). */
static int names_match(const node_t *w, const node_t *r) {
    if (strcmp(w->name, r->name) == 0)
        return 1;
    for (size_t i = 0; i < json_array_size(r->aliases); i++) {
        const char *a = json_string_value(json_array_get(r->aliases, i));
        if (strcmp(ftz_avro_short_name(a), w->name) == 0)
            return 1;
    }
    return 0;
}

static int decimals_differ(const node_t *w, const node_t *r) {
    return w->decimal && r->decimal && (w->precision != r->precision || w->scale != r->scale);
}

/* The specification's "match" between two schemas that are not unions:
 * only what is visible at this level; the parts are resolved afterwards. */
static int matches(const node_t *w, const node_t *r) {
    if (w->kind != r->kind)
        return promotes(w->kind, r->kind);
    switch (w->kind) {
    case K_RECORD:
    case K_ENUM: return names_match(w, r);
    case K_FIXED: return names_match(w, r) && w->size == r->size && !decimals_differ(w, r);
    case K_BYTES: return !decimals_differ(w, r);
    default: return 1;
    }
}

static const node_t *first_match(const node_t *w, const node_t *runion) {
    for (size_t i = 0; i < runion->n_branches; i++)
        if (matches(w, runion->branches[i]))
            return runion->branches[i];
    return NULL;
}

static ftz_err_t resolve(cmp_t *c, const node_t *w, const node_t *r);

static ftz_err_t path_push(cmp_t *c, const char *seg, size_t *saved) {
    *saved = c->path.len;
    return ftz_buf_puts(&c->path, seg);
}

static void path_pop(cmp_t *c, size_t saved) {
    c->path.len = saved;
    c->path.data[saved] = '\0';
}

static ftz_err_t resolve_record(cmp_t *c, const node_t *w, const node_t *r) {
    const field_t **pair = NULL;
    unsigned char *taken = NULL;
    ftz_err_t err = FTZ_OK;

    if (memo_has(c, w, r))
        return FTZ_OK; /* compatible, or being compared further up */
    if ((err = memo_add(c, w, r)))
        return err;
    pair = calloc(r->n_fields ? r->n_fields : 1, sizeof(*pair));
    taken = calloc(w->n_fields ? w->n_fields : 1, 1);
    if (!pair || !taken) {
        err = FTZ_ERR_NOMEM;
        goto cleanup;
    }
    /* Names first, then aliases, so that an alias never takes a writer
     * field that another reader field has by its own name. */
    for (size_t i = 0; i < r->n_fields; i++) {
        json_t *pos = json_object_get(w->index, r->fields[i].name);
        if (pos) {
            pair[i] = &w->fields[json_integer_value(pos)];
            taken[json_integer_value(pos)] = 1;
        }
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        json_t *aliases = r->fields[i].aliases;
        for (size_t k = 0; !pair[i] && k < json_array_size(aliases); k++) {
            json_t *pos =
                json_object_get(w->index, json_string_value(json_array_get(aliases, k)));
            if (pos && !taken[json_integer_value(pos)]) {
                pair[i] = &w->fields[json_integer_value(pos)];
                taken[json_integer_value(pos)] = 1;
            }
        }
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        size_t saved = c->path.len;
        if ((c->path.len && (err = ftz_buf_putc(&c->path, '.'))) ||
            (err = ftz_buf_puts(&c->path, r->fields[i].name)))
            goto cleanup;
        if (!pair[i] && !r->fields[i].has_default)
            err = incompatible(c, "reader field has no default and the writer lacks it");
        else if (pair[i])
            err = resolve(c, pair[i]->type, r->fields[i].type);
        if (err)
            goto cleanup;
        path_pop(c, saved);
    }
cleanup:
    free(pair);
    free(taken);
    return err;
}

static ftz_err_t resolve_enum(cmp_t *c, const node_t *w, const node_t *r) {
    if (r->default_symbol)
        return FTZ_OK;
    for (size_t i = 0; i < json_array_size(w->symbols); i++) {
        const char *sym = json_string_value(json_array_get(w->symbols, i));
        if (!json_object_get(r->index, sym))
            return incompatible(c, "writer symbol %s is not in the reader's enum (no default)",
                                sym);
    }
    return FTZ_OK;
}

/* w and r are not unions and match(): resolve their parts. */
static ftz_err_t resolve_parts(cmp_t *c, const node_t *w, const node_t *r) {
    size_t saved;
    ftz_err_t err;
    switch (r->kind) {
    case K_ARRAY:
    case K_MAP:
        if ((err = path_push(c, r->kind == K_ARRAY ? "[]" : "{}", &saved)) ||
            (err = resolve(c, w->child, r->child)))
            return err;
        path_pop(c, saved);
        return FTZ_OK;
    case K_RECORD: return resolve_record(c, w, r);
    case K_ENUM: return resolve_enum(c, w, r);
    default: return FTZ_OK; /* primitives, fixed: match() said it all */
    }
}

/* Neither is a union: say precisely why they do not match, if they don't. */
static ftz_err_t resolve_single(cmp_t *c, const node_t *w, const node_t *r) {
    if (matches(w, r))
        return resolve_parts(c, w, r);
    if (w->kind == r->kind && decimals_differ(w, r))
        return incompatible(c,
                            "writer decimal(%lld,%lld) cannot be read as reader "
                            "decimal(%lld,%lld): precision and scale must be equal",
                            w->precision, w->scale, r->precision, r->scale);
    if (w->kind == K_FIXED && r->kind == K_FIXED && names_match(w, r))
        return incompatible(c, "writer fixed %s has size %lld, reader fixed %s has size %lld",
                            w->fullname, w->size, r->fullname, r->size);
    if (w->kind == r->kind && is_named(w->kind))
        return incompatible(c,
                            "writer %s %s cannot be read as reader %s %s (the names differ "
                            "and no reader alias matches)",
                            kind_names[w->kind], w->fullname, kind_names[r->kind], r->fullname);
    return cannot_read(c, "writer", w, "cannot be read as reader", r);
}

static ftz_err_t resolve_unions(cmp_t *c, const node_t *w, const node_t *r) {
    if (w->kind == K_UNION) {
        /* Any branch may have been written: every one must be readable. */
        for (size_t i = 0; i < w->n_branches; i++) {
            const node_t *wb = w->branches[i], *rb = r;
            ftz_err_t err;
            if (r->kind == K_UNION && !(rb = first_match(wb, r)))
                return cannot_read(c, "writer union branch", wb, "matches no branch of the reader",
                                   r);
            if (r->kind != K_UNION && !matches(wb, r))
                return cannot_read(c, "writer union branch", wb, "cannot be read as reader", r);
            if ((err = resolve_parts(c, wb, rb)))
                return err;
        }
        return FTZ_OK;
    }
    const node_t *rb = first_match(w, r);
    if (!rb)
        return cannot_read(c, "writer", w, "matches no branch of the reader", r);
    return resolve_parts(c, w, rb);
}

static ftz_err_t resolve(cmp_t *c, const node_t *w, const node_t *r) {
    ftz_err_t err;
    if (c->depth >= FTZ_COMPAT_MAX_DEPTH)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, c->reason, c->reason_size,
                          "schemas nest deeper than %d levels; not compared",
                          FTZ_COMPAT_MAX_DEPTH);
    c->depth++;
    if (w->kind == K_UNION || r->kind == K_UNION)
        err = resolve_unions(c, w, r);
    else
        err = resolve_single(c, w, r);
    c->depth--;
    return err;
}

ftz_err_t ftz_schema_compatible(const char *writer_json, size_t writer_len,
                                const char *reader_json, size_t reader_len, char *reason,
                                size_t reason_size) {
    schema_t w = {.label = "writer", .errstr = reason, .errstr_size = reason_size};
    schema_t r = {.label = "reader", .errstr = reason, .errstr_size = reason_size};
    cmp_t c = {.path = FTZ_BUF_INIT, .reason = reason, .reason_size = reason_size};
    ftz_err_t err;

    if (reason && reason_size)
        reason[0] = '\0';
    if ((err = schema_load(&w, writer_json, writer_len)) ||
        (err = schema_load(&r, reader_json, reader_len)))
        goto cleanup;
    /* The path starts with the top-level record's name, the reader's first. */
    const node_t *top = is_named(r.root->kind) ? r.root : is_named(w.root->kind) ? w.root : NULL;
    if ((err = ftz_buf_puts(&c.path, top ? top->name : "")))
        goto cleanup;
    err = resolve(&c, w.root, r.root);
cleanup:
    if (err == FTZ_ERR_NOMEM)
        ftz_seterr(err, reason, reason_size, "out of memory");
    else if (err == FTZ_OK && reason && reason_size)
        reason[0] = '\0';
    ftz_buf_free(&c.path);
    free(c.memo);
    schema_free(&w);
    schema_free(&r);
    return err;
}
