#include "avro_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const ftz_avro_primitives[FTZ_AVRO_N_PRIMITIVES] = {
    "null", "boolean", "int", "long", "float", "double", "bytes", "string"};

int ftz_avro_primitive(const char *name) {
    for (int i = 0; i < FTZ_AVRO_N_PRIMITIVES; i++)
        if (strcmp(name, ftz_avro_primitives[i]) == 0)
            return i;
    return -1;
}

int ftz_avro_valid_name(const char *s, size_t len) {
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return 0;
    }
    return 1;
}

int ftz_avro_valid_dotted(const char *s, int allow_empty) {
    if (!*s)
        return allow_empty;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (!ftz_avro_valid_name(s, len))
            return 0;
        if (!dot)
            return 1;
        s = dot + 1;
    }
}

const char *ftz_avro_space(const json_t *jns, const char *ns) {
    if (!jns)
        return ns;
    if (json_is_null(jns))
        return "";
    return json_is_string(jns) ? json_string_value(jns) : NULL;
}

char *ftz_avro_fullname(const char *space, const char *name) {
    if (strchr(name, '.') || !*space)
        return strdup(name);
    size_t nslen = strlen(space), len = strlen(name);
    char *full = malloc(nslen + 1 + len + 1);
    if (!full)
        return NULL;
    memcpy(full, space, nslen);
    full[nslen] = '.';
    memcpy(full + nslen + 1, name, len + 1);
    return full;
}

size_t ftz_avro_space_len(const char *fullname) {
    const char *dot = strrchr(fullname, '.');
    return dot ? (size_t)(dot - fullname) : 0;
}

const char *ftz_avro_short_name(const char *fullname) {
    const char *dot = strrchr(fullname, '.');
    return dot ? dot + 1 : fullname;
}

ftz_err_t ftz_avro_names_init(ftz_avro_names_t *names) {
    names->index = json_object();
    return names->index ? FTZ_OK : FTZ_ERR_NOMEM;
}

void ftz_avro_names_free(ftz_avro_names_t *names) {
    json_decref(names->index);
    names->index = NULL;
}

ftz_err_t ftz_avro_names_add(ftz_avro_names_t *names, const char *fullname, size_t pos) {
    if (json_object_get(names->index, fullname))
        return FTZ_ERR_INVALID_ARG;
    return json_object_set_new(names->index, fullname, json_integer((json_int_t)pos))
               ? FTZ_ERR_NOMEM
               : FTZ_OK;
}

long ftz_avro_names_find(const ftz_avro_names_t *names, const char *fullname) {
    json_t *pos = json_object_get(names->index, fullname);
    return pos ? (long)json_integer_value(pos) : -1;
}

/* The entry of fullname: its position, and the key as the table holds it. */
static long entry(const ftz_avro_names_t *names, const char *fullname, const char **key) {
    void *it = json_object_iter_at(names->index, fullname);
    if (!it)
        return -1;
    *key = json_object_iter_key(it);
    return (long)json_integer_value(json_object_iter_value(it));
}

ftz_err_t ftz_avro_names_resolve(const ftz_avro_names_t *names, const char *ref, const char *ns,
                                 long *pos, const char **fullname) {
    *fullname = NULL;
    *pos = -1;
    if (strchr(ref, '.') || !*ns) {
        *pos = entry(names, ref, fullname);
        return FTZ_OK;
    }
    char *full = ftz_avro_fullname(ns, ref);
    if (!full)
        return FTZ_ERR_NOMEM;
    *pos = entry(names, full, fullname);
    free(full);
    if (*pos < 0)
        *pos = entry(names, ref, fullname);
    return FTZ_OK;
}

/* The value of a JSON string that can be a name: NULL when j is not a
 * string or holds a NUL (which would cut the name short). */
static const char *name_string(const json_t *j) {
    const char *v = json_string_value(j);
    return v && strlen(v) == json_string_length(j) ? v : NULL;
}

static int valid_simple(const char *v) { return v && ftz_avro_valid_name(v, strlen(v)); }

static int valid_full(const char *v) { return v && ftz_avro_valid_dotted(v, 0); }

/* "aliases" of definition `type` `full`, or of its field `field` when not
 * NULL: absent, or an array of names (a definition's may be dotted). */
static ftz_err_t check_aliases(const json_t *aliases, const char *type, const char *full,
                               const char *field, char *errstr, size_t errstr_size) {
    const char *sep = field ? ": field " : "";
    if (!field)
        field = "";
    if (!aliases)
        return FTZ_OK;
    if (!json_is_array(aliases))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s %s%s%s: \"aliases\" must be an array of names", type, full, sep,
                          field);
    for (size_t i = 0; i < json_array_size(aliases); i++) {
        const json_t *a = json_array_get(aliases, i);
        const char *v = name_string(a);
        if (!json_is_string(a))
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s %s%s%s: alias %zu is not a string", type, full, sep, field, i);
        if (*sep ? !valid_simple(v) : !valid_full(v))
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s %s%s%s: alias \"%s\" is not a valid name", type, full, sep,
                              field, json_string_value(a));
    }
    return FTZ_OK;
}

ftz_err_t ftz_avro_define(ftz_avro_names_t *names, const json_t *node, const char *type,
                          const char *ns, size_t pos, char **fullname, char *errstr,
                          size_t errstr_size) {
    const json_t *jname = json_object_get(node, "name");
    const json_t *jns = json_object_get(node, "namespace");
    const char *name = name_string(jname), *space;
    char *full = NULL;
    ftz_err_t err = FTZ_ERR_INVALID_ARG;

    *fullname = NULL;
    if (!json_is_string(jname)) {
        ftz_seterr(err, errstr, errstr_size, "%s without a string \"name\"", type);
        goto done;
    }
    if (!valid_full(name)) {
        ftz_seterr(err, errstr, errstr_size, "%s name \"%s\" is not a valid name", type,
                   json_string_value(jname));
        goto done;
    }
    if (jns && !json_is_null(jns) && !json_is_string(jns)) {
        ftz_seterr(err, errstr, errstr_size, "%s %s: \"namespace\" is not a string", type, name);
        goto done;
    }
    if (json_is_string(jns) && !(name_string(jns) && ftz_avro_valid_dotted(name_string(jns), 1))) {
        ftz_seterr(err, errstr, errstr_size, "%s %s: namespace \"%s\" is not a valid namespace",
                   type, name, json_string_value(jns));
        goto done;
    }
    space = ftz_avro_space(jns, ns);
    err = FTZ_ERR_NOMEM;
    if (!(full = ftz_avro_fullname(space, name)))
        goto done;
    err = FTZ_ERR_INVALID_ARG;
    if (ftz_avro_primitive(ftz_avro_short_name(full)) >= 0) {
        ftz_seterr(err, errstr, errstr_size, "%s %s: a primitive type name cannot be defined",
                   type, full);
        goto done;
    }
    if (ftz_avro_names_find(names, full) >= 0) {
        ftz_seterr(err, errstr, errstr_size, "%s %s is defined twice", type, full);
        goto done;
    }
    if ((err = check_aliases(json_object_get(node, "aliases"), type, full, NULL, errstr,
                             errstr_size)) ||
        (err = ftz_avro_names_add(names, full, pos)))
        goto done;
    *fullname = full;
    full = NULL;
done:
    free(full);
    return err;
}

/* A new index (name -> position), or into *index when the caller wants it. */
static ftz_err_t index_done(json_t *index, json_t **out) {
    if (out)
        *out = index;
    else
        json_decref(index);
    return FTZ_OK;
}

static ftz_err_t index_add(json_t *index, const char *key, size_t pos) {
    return json_object_set_new(index, key, json_integer((json_int_t)pos)) ? FTZ_ERR_NOMEM
                                                                           : FTZ_OK;
}

/* Member i of a record or enum, a field's name or a symbol (`noun`): a
 * valid name that no member before it in `seen` has; then added to seen. */
static ftz_err_t add_member(json_t *seen, const json_t *j, size_t i, const char *type,
                            const char *fullname, const char *noun, char *errstr,
                            size_t errstr_size) {
    const char *v = name_string(j);
    if (!valid_simple(v))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s %s: %s \"%s\" is not a valid name", type, fullname, noun,
                          json_string_value(j));
    if (json_object_get(seen, v))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s %s: %s %s is defined twice", type, fullname, noun, v);
    return index_add(seen, v, i);
}

/* The array `what` of definition `type` `fullname`, and an empty index for
 * its members: NULL with errstr (FTZ_ERR_INVALID_ARG in *err) when the
 * array is missing, or NULL with FTZ_ERR_NOMEM. */
static json_t *members(const json_t *node, const char *what, const char *type,
                       const char *fullname, ftz_err_t *err, char *errstr, size_t errstr_size) {
    json_t *seen;
    if (!json_is_array(json_object_get(node, what))) {
        *err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s %s without a \"%s\" array", type, fullname, what);
        return NULL;
    }
    if (!(seen = json_object()))
        *err = FTZ_ERR_NOMEM;
    return seen;
}

ftz_err_t ftz_avro_check_fields(const json_t *node, const char *type, const char *fullname,
                                json_t **index, char *errstr, size_t errstr_size) {
    const json_t *fields = json_object_get(node, "fields");
    ftz_err_t err = FTZ_OK;
    json_t *seen = members(node, "fields", type, fullname, &err, errstr, errstr_size);

    for (size_t i = 0; seen && i < json_array_size(fields); i++) {
        const json_t *f = json_array_get(fields, i);
        const json_t *jname = json_object_get(f, "name");
        if (!json_is_string(jname)) {
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                             "%s %s: field %zu has no string \"name\"", type, fullname, i);
            goto fail;
        }
        if ((err = add_member(seen, jname, i, type, fullname, "field", errstr, errstr_size)))
            goto fail;
        if (!json_object_get(f, "type")) {
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                             "%s %s: field %s has no \"type\"", type, fullname,
                             json_string_value(jname));
            goto fail;
        }
        if ((err = check_aliases(json_object_get(f, "aliases"), type, fullname,
                                 json_string_value(jname), errstr, errstr_size)))
            goto fail;
    }
    if (err)
        goto fail;
    return index_done(seen, index);
fail:
    json_decref(seen);
    return err;
}

ftz_err_t ftz_avro_check_symbols(const json_t *node, const char *fullname, json_t **index,
                                 char *errstr, size_t errstr_size) {
    const json_t *symbols = json_object_get(node, "symbols");
    const json_t *def = json_object_get(node, "default");
    ftz_err_t err = FTZ_OK;
    json_t *seen = members(node, "symbols", "enum", fullname, &err, errstr, errstr_size);

    for (size_t i = 0; seen && i < json_array_size(symbols); i++) {
        const json_t *sym = json_array_get(symbols, i);
        if (!json_is_string(sym)) {
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                             "enum %s: symbol %zu is not a string", fullname, i);
            goto fail;
        }
        if ((err = add_member(seen, sym, i, "enum", fullname, "symbol", errstr, errstr_size)))
            goto fail;
    }
    if (err)
        goto fail;
    if (def && !(name_string(def) && json_object_get(seen, name_string(def)))) {
        err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                         "enum %s: \"default\" is not one of its symbols", fullname);
        goto fail;
    }
    return index_done(seen, index);
fail:
    json_decref(seen);
    return err;
}

ftz_err_t ftz_avro_fixed_size(const json_t *node, const char *fullname, long long *size,
                              char *errstr, size_t errstr_size) {
    const json_t *jsize = json_object_get(node, "size");
    const char *digits = json_string_value(jsize);
    long long v = -1;
    if (json_is_integer(jsize)) {
        v = json_integer_value(jsize);
    } else if (digits && *digits && strspn(digits, "0123456789") == json_string_length(jsize)) {
        char *end;
        errno = 0;
        v = strtoll(digits, &end, 10);
        if (errno)
            v = -1;
    }
    if (v < 0)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "fixed %s needs a non-negative integer \"size\"", fullname);
    *size = v;
    return FTZ_OK;
}

ftz_err_t ftz_avro_union_branch(json_t *seen, const char *type, const char *fullname, size_t i,
                                char *errstr, size_t errstr_size) {
    /* Named types by full name (two with one name cannot both be
     * defined); the others by type, after a space that no name holds. */
    char key[16];
    if (strcmp(type, "union") == 0)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "a union directly inside a union (branch %zu)", i);
    if (!fullname)
        ftz_fmt(key, sizeof(key), " %s", type);
    if (json_object_get(seen, fullname ? fullname : key))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "a union has two branches of type %s", fullname ? fullname : type);
    return index_add(seen, fullname ? fullname : key, i);
}
