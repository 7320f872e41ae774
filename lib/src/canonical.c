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
        if (!json_is_array(fields))
            return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                              "record %s without a \"fields\" array", full);
        if ((err = ftz_buf_puts(&c->out, ",\"fields\":[")))
            return err;
        for (size_t i = 0; i < json_array_size(fields); i++) {
            json_t *f = json_array_get(fields, i);
            json_t *fname = json_object_get(f, "name");
            json_t *ftype = json_object_get(f, "type");
            if (!json_is_string(fname) || !ftype)
                return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                                  "record %s: field %zu needs \"name\" and \"type\"",
                                  full, i);
            if ((i && (err = ftz_buf_putc(&c->out, ','))) ||
                (err = ftz_buf_puts(&c->out, "{\"name\":")) ||
                (err = ftz_json_put_string(&c->out, json_string_value(fname))) ||
                (err = ftz_buf_puts(&c->out, ",\"type\":")) ||
                (err = canon(c, ftype, inner_ns)) || (err = ftz_buf_putc(&c->out, '}')))
                return err;
        }
        err = ftz_buf_putc(&c->out, ']');
    } else if (strcmp(type, "enum") == 0) {
        json_t *symbols = json_object_get(node, "symbols");
        if (!json_is_array(symbols))
            return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                              "enum %s without a \"symbols\" array", full);
        if ((err = ftz_buf_puts(&c->out, ",\"symbols\":[")))
            return err;
        for (size_t i = 0; i < json_array_size(symbols); i++) {
            json_t *s = json_array_get(symbols, i);
            if (!json_is_string(s))
                return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                                  "enum %s: symbol %zu is not a string", full, i);
            if ((i && (err = ftz_buf_putc(&c->out, ','))) ||
                (err = ftz_json_put_string(&c->out, json_string_value(s))))
                return err;
        }
        err = ftz_buf_putc(&c->out, ']');
    } else { /* fixed */
        json_t *size = json_object_get(node, "size");
        long long n = -1;
        if (json_is_integer(size))
            n = json_integer_value(size);
        else if (json_is_string(size)) {
            char *end;
            n = strtoll(json_string_value(size), &end, 10);
            if (*end)
                n = -1;
        }
        if (n < 0)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                              "fixed %s needs a non-negative integer \"size\"", full);
        err = ftz_buf_printf(&c->out, ",\"size\":%lld", n);
    }
    if (err)
        return err;
    return ftz_buf_putc(&c->out, '}');
}

static ftz_err_t canon_named(canon_t *c, json_t *node, const char *type,
                             const char *ns) {
    json_t *jname = json_object_get(node, "name");
    const char *space = ftz_avro_space(json_object_get(node, "namespace"), ns);
    char *full = NULL, *inner_ns = NULL;
    ftz_err_t err = FTZ_OK;

    if (!json_is_string(jname))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                          "%s without a string \"name\"", type);
    if (!space)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, c->errstr, c->errstr_size,
                          "%s \"namespace\" is not a string", type);
    /* Names nested inside take the namespace of this full name. */
    if (!(full = ftz_avro_fullname(space, json_string_value(jname))) ||
        !(inner_ns = strndup(full, ftz_avro_space_len(full)))) {
        err = FTZ_ERR_NOMEM;
        goto done;
    }
    /* Registered before the body is read, so that the body may refer to it. */
    if ((err = ftz_avro_names_add(&c->names, full, json_object_size(c->names.index)))) {
        if (err == FTZ_ERR_INVALID_ARG)
            ftz_seterr(err, c->errstr, c->errstr_size, "%s is defined twice", full);
        goto done;
    }

    err = canon_body(c, node, type, full, inner_ns);
done:
    free(inner_ns);
    free(full);
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
    if (json_is_array(node)) { /* union */
        if ((err = ftz_buf_putc(&c->out, '[')))
            return err;
        for (size_t i = 0; i < json_array_size(node); i++)
            if ((i && (err = ftz_buf_putc(&c->out, ','))) ||
                (err = canon(c, json_array_get(node, i), ns)))
                return err;
        return ftz_buf_putc(&c->out, ']');
    }
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
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
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
