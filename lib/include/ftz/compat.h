/* Avro schema compatibility, by the rules of the Avro specification,
 * "Schema Resolution": can a reader decode data that a writer wrote, each
 * with its own schema? Used to check a new schema version against the
 * versions already on the topic before it is deployed, in both directions
 * (new reader / old data, old reader / new data). Avro-C 1.11.1 resolves
 * schemas only while it reads a value and cannot answer the question on its
 * own. Works on any valid schema, not only the project's.
 *
 * The rules applied, writer schema W against reader schema R:
 *   - primitives: the same type, or a promotion: int to long, float or
 *     double; long to float or double; float to double; string to bytes and
 *     bytes to string;
 *   - records, enums, fixed: the unqualified names are equal, or one of R's
 *     "aliases" has W's unqualified name; then
 *       records: fields are paired by name, else by one of R's field
 *       aliases; W's fields missing from R are skipped; a field of R missing
 *       from W needs a "default" (any JSON value, null too); paired fields
 *       resolve recursively;
 *       enums: every symbol of W is a symbol of R, unless R has a "default";
 *       fixed: the sizes are equal;
 *   - arrays: the items resolve; maps: the values resolve;
 *   - unions: W's branch (each one, when W is a union) is resolved against
 *     the first branch of R that matches it, when R is a union, else
 *     against R itself; if none matches, that branch cannot be read;
 *   - named-type references ("ftz.customs.Area", or "Area" inside the
 *     ftz.customs namespace) are followed to their definitions; recursive
 *     schemas terminate (a pair already being compared is taken as
 *     compatible);
 *   - logical types are ignored (a decimal bytes is a bytes), except that two
 *     valid decimals must agree on precision and scale, as the
 *     specification's section on decimals requires.
 *
 * Failure reasons begin with a path: the reader's unqualified record name
 * (or the writer's, if the reader's top level is not named) followed by
 * ".field" for record fields, "[]" for array items and "{}" for map values,
 * then ": " and the problem, e.g.
 *   "CustomsDeclaration.customs_office: reader field has no default and the
 *    writer lacks it". */
#ifndef FTZ_COMPAT_H
#define FTZ_COMPAT_H

#include <stddef.h>

#include "ftz/err.h"

/* Whether data written with `writer` (schema JSON text) can be read with
 * `reader` under Avro's resolution rules.
 * Returns FTZ_OK if so (reason is set to ""); FTZ_ERR_POISON if not, with
 * `reason` naming the path and the problem, e.g.
 *   "CustomsDeclaration.area: writer symbol HARBIN is not in the reader's
 *    enum (no default)",
 *   "CustomsDeclaration.revision: writer long cannot be read as reader int";
 * FTZ_ERR_INVALID_ARG if either text is not a valid schema (or the two are
 * nested beyond what this function will compare), with `reason` saying
 * which and why; FTZ_ERR_NOMEM if memory ran out.
 * writer_json, reader_json: borrowed; need not be NUL-terminated.
 * reason: borrowed, filled up to reason_size bytes (may be NULL when
 * reason_size is 0).
 * Pure: any thread. */
ftz_err_t ftz_schema_compatible(const char *writer_json, size_t writer_len,
                                const char *reader_json, size_t reader_len, char *reason,
                                size_t reason_size);

#endif
