/* Avro names, as the specification's "Names" section defines them: the
 * primitive type names, valid names and namespaces, the full name of a
 * definition (its own namespace, or the enclosing one), and the table of
 * named types a schema defines, in which a reference is resolved. The one
 * reading of names behind both canonical.c (Parsing Canonical Form) and
 * compat.c (schema resolution), so a fingerprint and a compatibility
 * verdict never disagree on which type a name means; and the checks of a
 * named type's definition (its name, namespace and aliases, a record's
 * fields, an enum's symbols, a fixed's size, a union's branches), so that they never disagree
 * either on whether a schema is valid. Internal to lib/.
 * Pure functions: any thread; a table belongs to the one thread using it. */
#ifndef FTZ_AVRO_NAMES_H
#define FTZ_AVRO_NAMES_H

#include <jansson.h>
#include <stddef.h>

#include "ftz/err.h"

/* "null", "boolean", "int", "long", "float", "double", "bytes", "string". */
#define FTZ_AVRO_N_PRIMITIVES 8
extern const char *const ftz_avro_primitives[FTZ_AVRO_N_PRIMITIVES];

/* Position of `name` in ftz_avro_primitives, or -1 for any other name. */
int ftz_avro_primitive(const char *name);

/* [A-Za-z_][A-Za-z0-9_]* over s[0..len), in ASCII whatever the locale. */
int ftz_avro_valid_name(const char *s, size_t len);

/* Valid names joined by dots; "" (the null namespace) only if allow_empty. */
int ftz_avro_valid_dotted(const char *s, int allow_empty);

/* The namespace that a named-type definition puts its name in: its
 * "namespace" attribute `jns` when present (a string, or null for the null
 * namespace ""), otherwise the enclosing namespace `ns`. The result is
 * borrowed from jns or ns (or is the literal ""); NULL when jns is present
 * but neither a string nor null. */
const char *ftz_avro_space(const json_t *jns, const char *ns);

/* The full name of `name` in namespace `space`: name itself when it has a
 * dot already or space is "", else "space.name". Returns a malloc'd string
 * the caller frees, or NULL when out of memory. */
char *ftz_avro_fullname(const char *space, const char *name);

/* Length of the namespace of a full name: what stands before its last dot
 * (0 when it has none). The namespace of the types defined inside. */
size_t ftz_avro_space_len(const char *fullname);

/* The unqualified part of a full name (after its last dot); borrowed. */
const char *ftz_avro_short_name(const char *fullname);

/* The named types of one schema, by full name, each with a position the
 * caller chooses (an index into its own array of definitions). */
typedef struct ftz_avro_names_s {
    json_t *index; /* owned: full name -> position */
} ftz_avro_names_t;

/* An empty table; FTZ_ERR_NOMEM. Free it with ftz_avro_names_free. */
ftz_err_t ftz_avro_names_init(ftz_avro_names_t *names);
void ftz_avro_names_free(ftz_avro_names_t *names);

/* Records the definition of `fullname` (copied) at `pos`. A definition
 * is added before its body is read, so that the body may refer to it.
 * FTZ_ERR_INVALID_ARG when the name is defined already; FTZ_ERR_NOMEM. */
ftz_err_t ftz_avro_names_add(ftz_avro_names_t *names, const char *fullname, size_t pos);

/* Position of the definition of `fullname`, or -1. */
long ftz_avro_names_find(const ftz_avro_names_t *names, const char *fullname);

/* Resolves a reference `ref` written inside namespace `ns` ("" for none):
 * a dotted name is a full name; a short one is looked up in ns, then in the
 * null namespace (as the Java implementation does, or a type without a
 * namespace could never be referred to from inside one). On FTZ_OK, *pos is
 * the definition's position and *fullname its full name (borrowed from the
 * table), or -1 and NULL when no definition has that name. Primitive names
 * are the caller's to recognise first. FTZ_ERR_NOMEM. */
ftz_err_t ftz_avro_names_resolve(const ftz_avro_names_t *names, const char *ref, const char *ns,
                                 long *pos, const char **fullname);

/* Checks branch i of a union against the branches before it: it is no
 * union itself, and no earlier branch has its type. `type` is the
 * branch's type ("int", "array", "union"...); `fullname` is the full name
 * of a named type's, NULL for the others. `seen` is an object the caller
 * creates for each union and frees after it (it holds what the earlier
 * branches were). FTZ_ERR_INVALID_ARG with errstr; FTZ_ERR_NOMEM. */
ftz_err_t ftz_avro_union_branch(json_t *seen, const char *type, const char *fullname, size_t i,
                                char *errstr, size_t errstr_size);

/* The checks below fill errstr with a message that names the type and,
 * where there is one, the field or symbol; they return
 * FTZ_ERR_INVALID_ARG for an invalid schema, FTZ_ERR_NOMEM (errstr
 * untouched) when out of memory. `type` is the definition's "type":
 * "record", "error", "enum" or "fixed". JSON values are borrowed. */

/* Reads the head of a named type's definition `node`, written inside
 * namespace `ns`: "name" must be a valid name (dotted: a full name),
 * "namespace" absent, null or a valid namespace, the unqualified name not a
 * primitive type name, "aliases" absent or an array of valid (dotted)
 * names, and the full name not defined yet. Then records the full name at
 * `pos` in `names`, before the body is read so that the body may refer to
 * it. On FTZ_OK *fullname is the full name, malloc'd: the caller frees it. */
ftz_err_t ftz_avro_define(ftz_avro_names_t *names, const json_t *node, const char *type,
                          const char *ns, size_t pos, char **fullname, char *errstr,
                          size_t errstr_size);

/* The "fields" of record `fullname`: an array of objects, each with a
 * valid "name" that no other field has, a "type", and "aliases" absent or
 * an array of valid names. The field types are the caller's to read. On
 * FTZ_OK, when index is not NULL, *index is a new object mapping each field
 * name to its position, the caller's to json_decref. */
ftz_err_t ftz_avro_check_fields(const json_t *node, const char *type, const char *fullname,
                                json_t **index, char *errstr, size_t errstr_size);

/* The "symbols" of enum `fullname`: an array of valid names, each listed
 * once, and "default" absent or one of them. *index as above (symbol ->
 * position). */
ftz_err_t ftz_avro_check_symbols(const json_t *node, const char *fullname, json_t **index,
                                 char *errstr, size_t errstr_size);

/* The "size" of fixed `fullname`: a non-negative integer, or a string of
 * decimal digits that reads as one (as other implementations accept). */
ftz_err_t ftz_avro_fixed_size(const json_t *node, const char *fullname, long long *size,
                              char *errstr, size_t errstr_size);

#endif
