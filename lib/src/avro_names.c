#include "avro_names.h"

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
