#include "ftz/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embedded.h"
#include "ftz/canonical.h"

#define FTZ_CATALOG_MAX 64

struct ftz_catalog_s {
    int count;
    ftz_schema_entry_t entries[FTZ_CATALOG_MAX];
};

/* "customs/CustomsDeclaration.v2.avsc" -> 2; 0 when the name has no .vN. */
static int version_from_path(const char *path) {
    const char *v = strstr(path, ".v");
    int n = 0;
    if (!v || sscanf(v, ".v%d.avsc", &n) != 1 || n < 1)
        return 0;
    return n;
}

static ftz_err_t catalog_add(ftz_catalog_t *cat, const char *path, const char *text,
                             char *errstr, size_t errstr_size) {
    ftz_schema_entry_t *e;
    if (cat->count == FTZ_CATALOG_MAX)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s: more than %d schemas", path, FTZ_CATALOG_MAX);
    e = &cat->entries[cat->count];
    memset(e, 0, sizeof(*e));
    e->version = version_from_path(path);
    if (!e->version)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s: schema file names must end in .vN.avsc", path);
    if (!(e->path = strdup(path)) || !(e->text = strdup(text))) {
        free(e->path);
        e->path = NULL;
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    }
    cat->count++; /* from here on, destroy frees what the entry holds */
    e->canonical = ftz_canonical_form(text, strlen(text), errstr, errstr_size);
    if (!e->canonical)
        return FTZ_ERR_INVALID_ARG;
    e->fingerprint = ftz_crc64_avro(e->canonical, strlen(e->canonical));
    if (avro_schema_from_json_length(text, strlen(text), &e->schema))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s: %s", path,
                          avro_strerror());
    char fullname[256];
    const char *ns = avro_schema_namespace(e->schema);
    snprintf(fullname, sizeof(fullname), "%s%s%s", ns ? ns : "", ns ? "." : "",
             avro_schema_name(e->schema));
    e->rt = ftz_record_type_by_fullname(fullname);
    if (!e->rt)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "%s: record %s is not one the pipeline knows", path, fullname);
    for (int i = 0; i < cat->count - 1; i++) {
        const ftz_schema_entry_t *o = &cat->entries[i];
        if (o->fingerprint == e->fingerprint)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s and %s have the same canonical form", o->path, path);
        if (o->rt == e->rt && o->version == e->version)
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "%s and %s are both version %d of %s", o->path, path,
                              e->version, fullname);
    }
    return FTZ_OK;
}

/* Every record type the code knows must have a version. */
static ftz_err_t catalog_complete(ftz_catalog_t *cat, char *errstr, size_t errstr_size) {
    for (int t = 0; t < FTZ_REC__COUNT; t++)
        if (!ftz_catalog_current(cat, (ftz_rtype_t)t)) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                       "no schema for record %s", ftz_record_type((ftz_rtype_t)t)->fullname);
            return FTZ_ERR_INVALID_ARG;
        }
    return FTZ_OK;
}

ftz_catalog_t *ftz_catalog_new_embedded(char *errstr, size_t errstr_size) {
    ftz_catalog_t *cat = calloc(1, sizeof(*cat));
    if (!cat) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    for (const ftz_embedded_file_t *f = ftz_embedded_schemas; f->path; f++)
        if (catalog_add(cat, f->path, f->text, errstr, errstr_size) != FTZ_OK)
            goto fail;
    if (catalog_complete(cat, errstr, errstr_size) != FTZ_OK)
        goto fail;
    return cat;
fail:
    ftz_catalog_destroy(cat);
    return NULL;
}

#define FTZ_SCHEMA_FILE_MAX (1 << 20)

static char *read_file(const char *path, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long n;
    if (!f) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > FTZ_SCHEMA_FILE_MAX ||
        fseek(f, 0, SEEK_SET) != 0) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: unreadable or larger than %d bytes",
                   path, FTZ_SCHEMA_FILE_MAX);
        goto done;
    }
    if (!(text = malloc((size_t)n + 1))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto done;
    }
    if (fread(text, 1, (size_t)n, f) != (size_t)n) {
        ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: read error", path);
        free(text);
        text = NULL;
        goto done;
    }
    text[n] = '\0';
done:
    fclose(f);
    return text;
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every .avsc under dir/rel, in name order, to a depth of 4. */
static ftz_err_t add_dir(ftz_catalog_t *cat, const char *dir, const char *rel, int depth,
                         char *errstr, size_t errstr_size) {
    char path[4096];
    char *names[256];
    int n = 0;
    ftz_err_t err = FTZ_OK;
    snprintf(path, sizeof(path), "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", path, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) && n < 256)
        if (de->d_name[0] != '.' && !(names[n++] = strdup(de->d_name)))
            err = FTZ_ERR_NOMEM;
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
    for (int i = 0; i < n && !err; i++) {
        char child_rel[2048], child[4096];
        struct stat st;
        snprintf(child_rel, sizeof(child_rel), "%s%s%s", rel, *rel ? "/" : "", names[i]);
        snprintf(child, sizeof(child), "%s/%s", dir, child_rel);
        if (stat(child, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 4) {
            err = add_dir(cat, dir, child_rel, depth + 1, errstr, errstr_size);
        } else if (S_ISREG(st.st_mode) && strlen(names[i]) > 5 &&
                   strcmp(names[i] + strlen(names[i]) - 5, ".avsc") == 0) {
            char *text = read_file(child, errstr, errstr_size);
            if (!text)
                err = FTZ_ERR_IO;
            else
                err = catalog_add(cat, child_rel, text, errstr, errstr_size);
            free(text);
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (err == FTZ_ERR_NOMEM)
        ftz_seterr(err, errstr, errstr_size, "out of memory");
    return err;
}

ftz_catalog_t *ftz_catalog_new_dir(const char *dir, char *errstr, size_t errstr_size) {
    ftz_catalog_t *cat = calloc(1, sizeof(*cat));
    if (!cat) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (add_dir(cat, dir, "", 0, errstr, errstr_size) != FTZ_OK ||
        catalog_complete(cat, errstr, errstr_size) != FTZ_OK) {
        ftz_catalog_destroy(cat);
        return NULL;
    }
    return cat;
}

ftz_catalog_t *ftz_catalog_new(const char *dir, char *errstr, size_t errstr_size) {
    return dir && *dir ? ftz_catalog_new_dir(dir, errstr, errstr_size)
                       : ftz_catalog_new_embedded(errstr, errstr_size);
}

void ftz_catalog_destroy(ftz_catalog_t *cat) {
    if (!cat)
        return;
    for (int i = 0; i < cat->count; i++) {
        free(cat->entries[i].canonical);
        free(cat->entries[i].path);
        free(cat->entries[i].text);
        if (cat->entries[i].schema)
            avro_schema_decref(cat->entries[i].schema);
    }
    free(cat);
}

const ftz_schema_entry_t *ftz_catalog_lookup(const ftz_catalog_t *cat, uint64_t fp) {
    for (int i = 0; i < cat->count; i++)
        if (cat->entries[i].fingerprint == fp)
            return &cat->entries[i];
    return NULL;
}

const ftz_schema_entry_t *ftz_catalog_current(const ftz_catalog_t *cat, ftz_rtype_t rt) {
    const ftz_schema_entry_t *best = NULL;
    for (int i = 0; i < cat->count; i++)
        if (cat->entries[i].rt && cat->entries[i].rt->id == rt &&
            (!best || cat->entries[i].version > best->version))
            best = &cat->entries[i];
    return best;
}

const ftz_schema_entry_t *ftz_catalog_version(const ftz_catalog_t *cat, ftz_rtype_t rt,
                                              int version) {
    for (int i = 0; i < cat->count; i++)
        if (cat->entries[i].rt && cat->entries[i].rt->id == rt &&
            cat->entries[i].version == version)
            return &cat->entries[i];
    return NULL;
}

int ftz_catalog_count(const ftz_catalog_t *cat) { return cat->count; }

const ftz_schema_entry_t *ftz_catalog_entry(const ftz_catalog_t *cat, int i) {
    return i >= 0 && i < cat->count ? &cat->entries[i] : NULL;
}
