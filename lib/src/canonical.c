/* Parsing Canonical Form: [PRIMITIVES] [FULLNAMES] [STRIP] [ORDER]
 * [STRINGS] [INTEGERS] [WHITESPACE] of the Avro specification. The schema
 * is read with jansson, then written back keeping only name, type, fields,
 * symbols, items, values and size, in that order, with full names. */
#include "ftz/canonical.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "avro_names.h"
#include "ftz/buf.h"
#include "ftz/json.h"

typedef struct canon_s {
    ftz_buf_t out;
    ftz_avro_names_t names; /* named types defined so far */
    char *errstr;
    size_t errstr_size;
} canon_t;

static ftz_err_t canon(canon_t *c, json_t *node, const char *ns);

/* The body of named type `full` (already written as its full name), with
 * `inner_ns` the namespace of the names defined inside. */
static ftz_err_t canon_body(canon_t *c, json_t *node, const char *type, const char *full,
                            const char *inner_ns) {
    ftz_err_t err;
    if ((err = ftz_buf_puts(&c->out, "{\"name\":")) || (err = ftz_json_put_string(&c->out, full)) ||
        (err = ftz_buf_puts(&c->out, ",\"type\":")) || (err = ftz_json_put_string(&c->out, type)))
        return err;

    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        json_t *fields = json_object_get(node, "fields");
        if ((err = ftz_avro_check_fields(node, type, full, NULL, c->errstr, c->errstr_size)) ||
            (err = ftz_buf_puts(&c->out, ",\"fields\":[")))
            return err;
        for (size_t i = 0; i < json_array_size(fields); i++) {
            json_t *f = json_array_get(fields, i);
            const char *fname = json_string_value(json_object_get(f, "name"));
            if ((i && (err = ftz_buf_putc(&c->out, ','))) ||
                (err = ftz_buf_puts(&c->out, "{\"name\":")) ||
                (err = ftz_json_put_string(&c->out, fname)) ||
                (err = ftz_buf_puts(&c->out, ",\"type\":")) ||
                (err = canon(c, json_object_get(f, "type"), inner_ns)) ||
                (err = ftz_buf_putc(&c->out, '}')))
                return err;
        }
        err = ftz_buf_putc(&c->out, ']');
    } else if (strcmp(type, "enum") == 0) {
        json_t *symbols = json_object_get(node, "symbols");
        if ((err = ftz_avro_check_symbols(node, full, NULL, c->errstr, c->errstr_size)) ||
            (err = ftz_buf_puts(&c->out, ",\"symbols\":[")))
            return err;
        for (size_t i = 0; i < json_array_size(symbols); i++)
            if ((i && (err = ftz_buf_putc(&c->out, ','))) ||
                (err = ftz_json_put_string(&c->out, json_string_value(json_array_get(symbols, i)))))
                return err;
        err = ftz_buf_putc(&c->out, ']');
    } else { /* fixed */
        long long n;
        if ((err = ftz_avro_fixed_size(node, full, &n, c->errstr, c->errstr_size)))
            return err;
        err = ftz_buf_printf(&c->out, ",\"size\":%lld", n);
    }
    if (err)
        return err;
    return ftz_buf_putc(&c->out, '}');
}

static ftz_err_t canon_named(canon_t *c, json_t *node, const char *type,
                             const char *ns) {
    char *full = NULL, *inner_ns = NULL;
    ftz_err_t err;

    if ((err = ftz_avro_define(&c->names, node, type, ns, json_object_size(c->names.index), &full,
                               c->errstr, c->errstr_size)))
        goto done;
    /* Names nested inside take the namespace of this full name. */
    if (!(inner_ns = strndup(full, ftz_avro_space_len(full)))) {
        err = FTZ_ERR_NOMEM;
        goto done;
    }
    err = canon_body(c, node, type, full, inner_ns);
done:
    free(inner_ns);
    free(full);
    return err;
}

/* Branch i of a union, whose canonical form starts at `at` in the output,
 * checked against the branches before it. What the branch stands for is
 * read back from that form, which this file writes and the specification
 * fixes: "int" (a primitive) or "a.R" (a reference, full name),
 * {"name":"a.R",... (a definition), {"type":"array"... or "map", [ (a
 * union). Valid names need no JSON escapes. */
static ftz_err_t union_branch(canon_t *c, json_t *seen, size_t at, size_t i) {
    static const char def[] = "{\"name\":\"", coll[] = "{\"type\":\"";
    const char *p = c->out.data + at, *type = "union";
    char *name = NULL;
    ftz_err_t err;
    if (*p == '"' || strncmp(p, def, sizeof(def) - 1) == 0) {
        p += *p == '"' ? 1 : sizeof(def) - 1;
        if (!(name = strndup(p, strcspn(p, "\""))))
            return FTZ_ERR_NOMEM;
        type = name;
    } else if (strncmp(p, coll, sizeof(coll) - 1) == 0) {
        type = p[sizeof(coll) - 1] == 'a' ? "array" : "map";
    }
    err = ftz_avro_union_branch(seen, type, name && ftz_avro_primitive(name) < 0 ? name : NULL, i,
                                c->errstr, c->errstr_size);
    free(name);
    return err;
}

static ftz_err_t canon_union(canon_t *c, json_t *node, const char *ns) {
    json_t *seen = json_object();
    ftz_err_t err = FTZ_ERR_NOMEM;
    if (!seen || (err = ftz_buf_putc(&c->out, '[')))
        goto done;
    for (size_t i = 0; i < json_array_size(node); i++) {
        size_t at;
        if (i && (err = ftz_buf_putc(&c->out, ',')))
            goto done;
        at = c->out.len;
        if ((err = canon(c, json_array_get(node, i), ns)) ||
            (err = union_branch(c, seen, at, i)))
            goto done;
    }
    err = ftz_buf_putc(&c->out, ']');
done:
    json_decref(seen);
    return err;
}

static ftz_err_t canon(canon_t *c, json_t *node, const char *ns) {
    ftz_err_t err;

    if (json_is_string(node)) {
        const char *s = json_string_value(node), *full;
        long pos;
        if (ftz_avro_primitive(s) >= 0)
            return ftz_json_put_string(&c->out, s);
        if ((err = ftz_avro_names_resolve(&c->names, s, ns, &pos, &full)))
            return err;
        if (!full)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                              "unknown type name \"%s\" (named types must be defined before use)",
                              s);
        return ftz_json_put_string(&c->out, full);
    }
    if (json_is_array(node))
        return canon_union(c, node, ns);
    if (!json_is_object(node))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                          "a schema must be a string, an array or an object");

    json_t *jtype = json_object_get(node, "type");
    if (json_is_object(jtype) || json_is_array(jtype))
        return canon(c, jtype, ns);
    if (!json_is_string(jtype))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                          "schema object without a string \"type\"");
    const char *type = json_string_value(jtype);
    if (ftz_avro_primitive(type) >= 0)
        return ftz_json_put_string(&c->out, type);
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0 ||
        strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0)
        return canon_named(c, node, type, ns);
    if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        int is_array = type[0] == 'a';
        json_t *sub = json_object_get(node, is_array ? "items" : "values");
        if (!sub)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                              "%s without \"%s\"", type, is_array ? "items" : "values");
        if ((err = ftz_buf_puts(&c->out, is_array ? "{\"type\":\"array\",\"items\":"
                                                  : "{\"type\":\"map\",\"values\":")) ||
            (err = canon(c, sub, ns)))
            return err;
        return ftz_buf_putc(&c->out, '}');
    }
    /* A reference to a named type written as {"type": "Name"}. */
    return canon(c, jtype, ns);
}

char *ftz_canonical_form(const char *json, size_t len, char *errstr,
                         size_t errstr_size) {
    json_error_t jerr;
    canon_t c = {FTZ_BUF_INIT, {NULL}, errstr, errstr_size};
    /* No JSON_ALLOW_NUL, as compat.c: a name with a NUL inside is no name. */
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    char *res = NULL;
    ftz_err_t err;

    if (!root) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                   "schema is not JSON: line %d column %d: %s", jerr.line,
                   jerr.column, jerr.text);
        goto cleanup;
    }
    if (!(err = ftz_avro_names_init(&c.names)))
        err = canon(&c, root, "");
    if (err == FTZ_ERR_NOMEM)
        ftz_seterr(err, errstr, errstr_size, "out of memory");
    if (err)
        goto cleanup;
    res = ftz_buf_steal(&c.out);
cleanup:
    ftz_avro_names_free(&c.names);
    ftz_buf_free(&c.out);
    json_decref(root);
    return res;
}

ftz_err_t ftz_schema_fingerprint(const char *json, size_t len, uint64_t *fp,
                                 char *errstr, size_t errstr_size) {
    char *pcf = ftz_canonical_form(json, len, errstr, errstr_size);
    if (!pcf)
        return FTZ_ERR_INVALID_ARG;
    *fp = ftz_crc64_avro(pcf, strlen(pcf));
    free(pcf);
    return FTZ_OK;
}
