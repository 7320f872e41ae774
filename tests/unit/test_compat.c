/* Schema resolution compatibility (lib/src/compat.c) against the rules of
 * the Avro specification, "Schema Resolution": a table of writer/reader
 * pairs, every pair of primitive types, and the project's own schemas under
 * schemas/ (every pair of versions of one schema, both ways, plus edits of
 * them that must fail with the reasons operators will read).
 *
 * Schemas in the table are written with single quotes for readability; the
 * test turns them into double quotes before use (no name contains one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/compat.h"

typedef struct {
    const char *what;
    const char *writer;
    const char *reader;
    ftz_err_t want;
    const char *reason; /* substring of the reason; "" when compatible */
} case_t;

/* Building blocks, single-quoted. */
#define REC(name, fields) "{'type':'record','name':'" name "','fields':[" fields "]}"
#define F(name, type) "{'name':'" name "','type':" type "}"
#define FD(name, type, def) "{'name':'" name "','type':" type ",'default':" def "}"
#define FA(name, type, aliases) "{'name':'" name "','type':" type ",'aliases':" aliases "}"
#define ENUM(name, syms) "{'type':'enum','name':'" name "','symbols':" syms "}"
#define ENUMD(name, syms, def)                                                                   \
    "{'type':'enum','name':'" name "','symbols':" syms ",'default':'" def "'}"
#define FIXED(name, size) "{'type':'fixed','name':'" name "','size':" #size "}"
#define ARR(items) "{'type':'array','items':" items "}"
#define MAP(values) "{'type':'map','values':" values "}"
#define DEC(p, s) "{'type':'bytes','logicalType':'decimal','precision':" #p ",'scale':" #s "}"

#define OK FTZ_OK
#define NO FTZ_ERR_POISON
#define BAD FTZ_ERR_INVALID_ARG

/* A recursive list, its node value of type `v`. */
#define LIST(v) REC("Node", F("v", v) "," FD("next", "['null','Node']", "null"))

static const case_t cases[] = {
    /* Identical schemas. */
    {"identical primitive", "'int'", "'int'", OK, ""},
    {"identical record", REC("R", F("a", "'int'") "," F("b", "'string'")),
     REC("R", F("a", "'int'") "," F("b", "'string'")), OK, ""},
    {"object form of a primitive", "{'type':'long'}", "'long'", OK, ""},

    /* Fields added and removed. */
    {"new reader with defaulted field, old writer", REC("R", F("a", "'int'")),
     REC("R", F("a", "'int'") "," FD("b", "'string'", "''")), OK, ""},
    {"old reader, new writer with defaulted field",
     REC("R", F("a", "'int'") "," FD("b", "'string'", "''")), REC("R", F("a", "'int'")), OK, ""},
    {"added field with default null", REC("R", F("a", "'int'")),
     REC("R", F("a", "'int'") "," FD("b", "['null','string']", "null")), OK, ""},
    {"added field with an object default", REC("R", F("a", "'int'")),
     REC("R", F("a", "'int'") "," FD("m", MAP("'int'"), "{}")), OK, ""},
    {"added field without default", REC("R", F("a", "'int'")),
     REC("R", F("a", "'int'") "," F("b", "'string'")), NO,
     "R.b: reader field has no default and the writer lacks it"},
    {"removed field", REC("R", F("a", "'int'") "," F("b", "'string'")), REC("R", F("a", "'int'")),
     OK, ""},
    {"field order does not matter", REC("R", F("a", "'int'") "," F("b", "'string'")),
     REC("R", F("b", "'string'") "," F("a", "'int'")), OK, ""},
    {"field type changed", REC("R", F("a", "'long'")), REC("R", F("a", "'int'")), NO,
     "R.a: writer long cannot be read as reader int"},

    /* Every promotion... */
    {"int -> long", "'int'", "'long'", OK, ""},
    {"int -> float", "'int'", "'float'", OK, ""},
    {"int -> double", "'int'", "'double'", OK, ""},
    {"long -> float", "'long'", "'float'", OK, ""},
    {"long -> double", "'long'", "'double'", OK, ""},
    {"float -> double", "'float'", "'double'", OK, ""},
    {"string -> bytes", "'string'", "'bytes'", OK, ""},
    {"bytes -> string", "'bytes'", "'string'", OK, ""},
    /* ...and none the other way (test_primitive_matrix tries all 64). */
    {"int -> string", "'int'", "'string'", NO, "writer int cannot be read as reader string"},
    {"long -> int", "'long'", "'int'", NO, "writer long cannot be read as reader int"},
    {"double -> float", "'double'", "'float'", NO, "writer double cannot be read as reader float"},
    {"float -> long", "'float'", "'long'", NO, "writer float cannot be read as reader long"},
    {"boolean -> int", "'boolean'", "'int'", NO, "writer boolean cannot be read as reader int"},
    {"null -> string", "'null'", "'string'", NO, "writer null cannot be read as reader string"},
    {"record -> string", REC("R", ""), "'string'", NO,
     "R: writer record R cannot be read as reader string"},

    /* Enums. */
    {"enum symbol added in the writer", REC("R", F("e", ENUM("E", "['A','B','HARBIN']"))),
     REC("R", F("e", ENUM("E", "['A','B']"))), NO,
     "R.e: writer symbol HARBIN is not in the reader's enum (no default)"},
    {"enum symbol added in the writer, reader has a default",
     REC("R", F("e", ENUM("E", "['A','B','HARBIN']"))),
     REC("R", F("e", ENUMD("E", "['A','B']", "A"))), OK, ""},
    {"enum symbol added in the reader", ENUM("E", "['A']"), ENUM("E", "['A','B']"), OK, ""},
    {"enum symbols reordered", ENUM("E", "['A','B']"), ENUM("E", "['B','A']"), OK, ""},
    {"enum renamed", ENUM("E", "['A']"), ENUM("G", "['A']"), NO,
     "writer enum E cannot be read as reader enum G (the names differ"},
    {"field default does not stand for the enum default",
     REC("R", F("e", ENUM("E", "['A','B']"))),
     REC("R", FD("e", ENUM("E", "['A']"), "'A'")), NO, "R.e: writer symbol B is not in"},

    /* Fixed. */
    {"fixed same size", FIXED("F", 16), FIXED("F", 16), OK, ""},
    {"fixed size mismatch", REC("R", F("h", FIXED("F", 16))), REC("R", F("h", FIXED("F", 32))), NO,
     "R.h: writer fixed F has size 16, reader fixed F has size 32"},
    {"fixed renamed", FIXED("F", 4), FIXED("G", 4), NO,
     "writer fixed F cannot be read as reader fixed G"},
    {"fixed -> bytes", FIXED("F", 4), "'bytes'", NO,
     "writer fixed F (size 4) cannot be read as reader bytes"},

    /* Arrays and maps. */
    {"array of promoted items", ARR("'int'"), ARR("'long'"), OK, ""},
    {"map of promoted values", MAP("'float'"), MAP("'double'"), OK, ""},
    {"array of demoted items", ARR("'long'"), ARR("'int'"), NO,
     "[]: writer long cannot be read as reader int"},
    {"map of demoted values", REC("R", F("m", MAP("'double'"))), REC("R", F("m", MAP("'float'"))),
     NO, "R.m{}: writer double cannot be read as reader float"},
    {"array -> map", ARR("'int'"), MAP("'int'"), NO, "writer array cannot be read as reader map"},
    {"array of records, a field demoted",
     REC("R", F("lines", ARR(REC("Line", F("qty", "'long'"))))),
     REC("R", F("lines", ARR(REC("Line", F("qty", "'int'"))))), NO,
     "R.lines[].qty: writer long cannot be read as reader int"},
    {"array of records, a defaulted field added",
     REC("R", F("lines", ARR(REC("Line", F("qty", "'int'"))))),
     REC("R", F("lines", ARR(REC("Line", F("qty", "'long'") "," FD("u", "'string'", "'kg'"))))),
     OK, ""},

    /* Unions on both sides. */
    {"both unions, same branches", "['null','int']", "['null','int']", OK, ""},
    {"both unions, branches reordered", "['int','null']", "['null','int']", OK, ""},
    {"both unions, branch promoted", "['null','int']", "['null','long']", OK, ""},
    {"both unions, reader has more", "['null','int']", "['null','int','string']", OK, ""},
    {"both unions, writer has more", "['null','string','int']", "['null','int']", NO,
     "writer union branch string matches no branch of the reader union [null, int]"},
    {"both unions, first match is resolved (promotion before exact)", "['int']",
     "['long','int']", OK, ""},
    {"both unions, branch record resolved deeply", "['null'," REC("R", F("a", "'long'")) "]",
     "['null'," REC("R", F("a", "'int'")) "]", NO,
     "a: writer long cannot be read as reader int"},
    /* Only the reader a union. */
    {"reader union, writer a branch", "'int'", "['null','int']", OK, ""},
    {"reader union, writer promoted to a branch", "'int'", "['null','long']", OK, ""},
    {"reader union, writer in no branch", "'string'", "['null','int']", NO,
     "writer string matches no branch of the reader union [null, int]"},
    {"reader union, first matching record resolved", REC("R", F("a", "'int'")),
     "['null'," REC("R", F("a", "'string'")) "]", NO,
     "R.a: writer int cannot be read as reader string"},
    /* Only the writer a union. */
    {"writer union, every branch readable", "['int','long']", "'double'", OK, ""},
    {"writer union of one", "['int']", "'long'", OK, ""},
    {"writer union, a branch unreadable", "['int','string']", "'long'", NO,
     "writer union branch string cannot be read as reader long"},
    {"writer empty union (nothing can be written)", "[]", "'int'", OK, ""},
    {"reader empty union", "'int'", "[]", NO,
     "writer int matches no branch of the reader union []"},

    /* Nullable fields. */
    {"long -> nullable long", "'long'", "['null','long']", OK, ""},
    {"nullable long -> long", "['null','long']", "'long'", NO,
     "writer union branch null cannot be read as reader long"},
    {"field made nullable", REC("R", F("x", "'long'")),
     REC("R", FD("x", "['null','long']", "null")), OK, ""},
    {"field made non-nullable", REC("R", FD("x", "['null','long']", "null")),
     REC("R", F("x", "'long'")), NO, "R.x: writer union branch null cannot be read as reader long"},

    /* Named-type references and namespaces. */
    {"short and full references in a namespace",
     "{'type':'record','name':'R','namespace':'a.b','fields':["
     F("e", ENUM("E", "['X','Y']")) "," F("f", "'E'") "," F("g", "'a.b.E'") "]}",
     "{'type':'record','name':'R','namespace':'a.b','fields':["
     F("e", ENUM("E", "['X','Y']")) "," F("f", "'a.b.E'") "," F("g", "{'type':'E'}") "]}",
     OK, ""},
    {"reference resolves to its definition",
     "{'type':'record','name':'R','namespace':'a.b','fields':["
     F("e", ENUM("E", "['X','Y']")) "," F("f", "'E'") "]}",
     "{'type':'record','name':'R','namespace':'a.b','fields':["
     F("e", ENUMD("E", "['X']", "X")) "," F("f", "'E'") "]}",
     OK, ""},
    {"reference to an enum missing a symbol",
     "{'type':'record','name':'R','namespace':'a.b','fields':["
     F("e", ENUMD("E", "['X','Y']", "X")) "," F("f", "'a.b.E'") "]}",
     "{'type':'record','name':'R','namespace':'c','fields':["
     F("e", ENUM("E", "['X','Y']")) "," F("f", ENUM("c.d.E", "['X']")) "]}",
     NO, "R.f: writer symbol Y is not in the reader's enum (no default)"},
    {"namespaces differ, unqualified names match",
     "{'type':'record','name':'R','namespace':'old.ns','fields':[" F("a", "'int'") "]}",
     "{'type':'record','name':'new.ns.R','fields':[" F("a", "'long'") "]}", OK, ""},
    {"nested definition inherits the namespace",
     "{'type':'record','name':'R','namespace':'n','fields':["
     F("x", FIXED("F", 4)) "," F("y", "'n.F'") "]}",
     "{'type':'record','name':'R','namespace':'n','fields':["
     F("x", FIXED("F", 4)) "," F("y", "'F'") "]}",
     OK, ""},
    {"explicit empty namespace, found from inside one",
     "{'type':'record','name':'R','namespace':'n','fields':["
     F("x", "{'type':'fixed','name':'F','namespace':'','size':4}") "," F("y", "'F'") "]}",
     "{'type':'record','name':'R','namespace':'n','fields':["
     F("x", "{'type':'fixed','name':'F','namespace':'','size':4}") "," F("y", "'F'") "]}",
     OK, ""},
    {"reference to the wrong type", REC("R", F("x", FIXED("F", 4)) "," F("y", "'F'")),
     REC("R", F("x", FIXED("F", 4)) "," F("y", "'string'")), NO,
     "R.y: writer fixed F (size 4) cannot be read as reader string"},

    /* Aliases. */
    {"record renamed, reader alias", REC("Old", F("a", "'int'")),
     "{'type':'record','name':'New','aliases':['Old'],'fields':[" F("a", "'int'") "]}", OK, ""},
    {"record renamed, full-name reader alias",
     "{'type':'record','name':'Old','namespace':'x','fields':[" F("a", "'int'") "]}",
     "{'type':'record','name':'New','namespace':'y','aliases':['x.Old'],'fields':["
     F("a", "'int'") "]}", OK, ""},
    {"record renamed, only a writer alias",
     "{'type':'record','name':'New','aliases':['Old'],'fields':[" F("a", "'int'") "]}",
     REC("Old", F("a", "'int'")), NO, "writer record New cannot be read as reader record Old"},
    {"enum renamed, reader alias", ENUM("E", "['A']"),
     "{'type':'enum','name':'G','aliases':['E'],'symbols':['A']}", OK, ""},
    {"field renamed, reader field alias", REC("R", F("old_name", "'int'")),
     REC("R", FA("new_name", "'long'", "['old_name']")), OK, ""},
    {"field renamed, alias followed into the type", REC("R", F("old_name", "'int'")),
     REC("R", FA("new_name", "'string'", "['old_name']")), NO,
     "R.new_name: writer int cannot be read as reader string"},
    {"field alias does not take a field matched by name",
     REC("R", F("a", "'int'")), REC("R", F("a", "'int'") "," FA("c", "'int'", "['a']")), NO,
     "R.c: reader field has no default and the writer lacks it"},

    /* Recursive schemas. */
    {"recursive list, identical", LIST("'int'"), LIST("'int'"), OK, ""},
    {"recursive list, value promoted", LIST("'int'"), LIST("'long'"), OK, ""},
    {"recursive list, value demoted", LIST("'long'"), LIST("'int'"), NO,
     "Node.v: writer long cannot be read as reader int"},
    {"recursive tree through an array",
     REC("T", F("v", "'int'") "," F("kids", ARR("'T'"))),
     REC("T", F("v", "'double'") "," F("kids", ARR("'T'")) "," FD("w", "'int'", "0")), OK, ""},
    {"mutually recursive records",
     REC("A", F("b", "['null'," REC("B", F("a", "['null','A']") "," F("n", "'int'")) "]")),
     REC("A", F("b", "['null'," REC("B", F("a", "['null','A']") "," F("n", "'long'")) "]")), OK,
     ""},
    {"mutually recursive records, deep failure",
     REC("A", F("b", "['null'," REC("B", F("a", "['null','A']") "," F("n", "'long'")) "]")),
     REC("A", F("b", "['null'," REC("B", F("a", "['null','A']") "," F("n", "'int'")) "]")), NO,
     "A.b.n: writer long cannot be read as reader int"},

    /* Logical types. */
    {"decimal bytes -> bytes", DEC(18, 2), "'bytes'", OK, ""},
    {"bytes -> decimal bytes", "'bytes'", DEC(18, 2), OK, ""},
    {"timestamp-millis long -> long", "{'type':'long','logicalType':'timestamp-millis'}", "'long'",
     OK, ""},
    {"date int -> long", "{'type':'int','logicalType':'date'}", "'long'", OK, ""},
    {"decimal scale changed", REC("R", F("v", DEC(18, 2))), REC("R", F("v", DEC(18, 4))), NO,
     "R.v: writer decimal(18,2) cannot be read as reader decimal(18,4)"},
    {"invalid decimal is plain bytes", DEC(2, 5), DEC(18, 4), OK, ""},
    {"decimal fixed, precision changed",
     "{'type':'fixed','name':'D','size':8,'logicalType':'decimal','precision':18,'scale':2}",
     "{'type':'fixed','name':'D','size':8,'logicalType':'decimal','precision':16,'scale':2}", NO,
     "decimal(18,2) cannot be read as reader decimal(16,2)"},

    /* Not schemas at all. */
    {"writer not JSON", "{", "'int'", BAD, "writer schema: not JSON"},
    {"reader record without fields", "'int'", "{'type':'record','name':'R'}", BAD,
     "reader schema: record R without a \"fields\" array"},
    {"unknown type name", REC("R", F("a", "'Missing'")), REC("R", ""), BAD,
     "writer schema: unknown type name \"Missing\""},
    {"type defined twice", REC("R", F("a", FIXED("F", 1)) "," F("b", FIXED("F", 1))), "'int'", BAD,
     "F is defined twice"},
    {"union inside a union", "'int'", "['null',['int']]", BAD, "a union directly inside a union"},
    {"union with two ints", "['int','int']", "'int'", BAD, "two branches of type int"},
    {"enum default not a symbol", "'int'", ENUMD("E", "['A']", "B"), BAD,
     "\"default\" is not one of its symbols"},
    {"duplicate field", REC("R", F("a", "'int'") "," F("a", "'int'")), "'int'", BAD,
     "field a is defined twice"},
    {"invalid name", "{'type':'fixed','name':'no-dash','size':1}", "'int'", BAD,
     "fixed name \"no-dash\" is not a valid name"},
    {"primitive name defined", "{'type':'fixed','name':'int','size':1}", "'int'", BAD,
     "a primitive type name cannot be defined"},
    {"fixed with negative size", "{'type':'fixed','name':'F','size':-1}", "'int'", BAD,
     "non-negative integer \"size\""},
};

static ftz_err_t check(const char *w, const char *r, char *reason, size_t reason_size) {
    return ftz_schema_compatible(w, strlen(w), r, strlen(r), reason, reason_size);
}

static void test_table(void **state) {
    (void)state;
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        const case_t *tc = &cases[i];
        char *w = ftz_test_unquote(tc->writer), *r = ftz_test_unquote(tc->reader);
        char reason[512] = "unset";
        ftz_err_t err = check(w, r, reason, sizeof(reason));
        if (err != tc->want)
            fail_msg("case %zu \"%s\": got %s (%s), want %s", i, tc->what, ftz_err_name(err),
                     reason, ftz_err_name(tc->want));
        if (tc->want == FTZ_OK ? reason[0] != '\0' : strstr(reason, tc->reason) == NULL)
            fail_msg("case %zu \"%s\": reason \"%s\", want \"%s\"", i, tc->what, reason,
                     tc->reason);
        free(w);
        free(r);
    }
}

/* All 64 pairs of primitive types: compatible exactly when equal or a
 * promotion the specification lists. */
static void test_primitive_matrix(void **state) {
    (void)state;
    static const char *const prim[] = {"null",   "boolean", "int",   "long",
                                       "float",  "double",  "bytes", "string"};
    static const char *const promotions[] = {"int>long",     "int>float",    "int>double",
                                             "long>float",   "long>double",  "float>double",
                                             "string>bytes", "bytes>string"};
    for (size_t i = 0; i < 8; i++) {
        for (size_t k = 0; k < 8; k++) {
            char w[32], r[32], pair[32], reason[256];
            int want = i == k;
            snprintf(w, sizeof(w), "\"%s\"", prim[i]);
            snprintf(r, sizeof(r), "\"%s\"", prim[k]);
            snprintf(pair, sizeof(pair), "%s>%s", prim[i], prim[k]);
            for (size_t p = 0; p < FTZ_ARRAY_SIZE(promotions); p++)
                want |= strcmp(pair, promotions[p]) == 0;
            ftz_err_t err = check(w, r, reason, sizeof(reason));
            if (err != (want ? FTZ_OK : FTZ_ERR_POISON))
                fail_msg("%s -> %s: got %s (%s)", prim[i], prim[k], ftz_err_name(err), reason);
        }
    }
}

static void test_reason_buffer(void **state) {
    (void)state;
    char small[8];
    assert_int_equal(check("\"long\"", "\"int\"", small, sizeof(small)), FTZ_ERR_POISON);
    assert_string_equal(small, "writ..."); /* cut, marked, still terminated */
    assert_int_equal(check("\"long\"", "\"int\"", NULL, 0), FTZ_ERR_POISON);
    assert_int_equal(check("\"int\"", "\"long\"", NULL, 0), FTZ_OK);
    assert_int_equal(ftz_schema_compatible(NULL, 0, "\"int\"", 5, NULL, 0), FTZ_ERR_INVALID_ARG);
    /* Lengths are honoured: the text need not be NUL-terminated. */
    assert_int_equal(ftz_schema_compatible("\"int\"junk", 5, "\"long\"junk", 6, NULL, 0), FTZ_OK);
}

/* Deep nesting is refused with an error, not a stack overflow. */
static void test_depth_limit(void **state) {
    (void)state;
    size_t levels = 1500;
    const char *open = "{\"type\":\"array\",\"items\":", *close = "}";
    size_t len = levels * (strlen(open) + strlen(close)) + 8;
    char *s = malloc(len), *p = s, reason[256];
    assert_non_null(s);
    for (size_t i = 0; i < levels; i++)
        p += sprintf(p, "%s", open);
    p += sprintf(p, "\"int\"");
    for (size_t i = 0; i < levels; i++)
        p += sprintf(p, "%s", close);
    assert_int_equal(check(s, s, reason, sizeof(reason)), FTZ_ERR_INVALID_ARG);
    assert_non_null(strstr(reason, "deeper than"));
    free(s);
}

/* ---- The project's schemas ---------------------------------------------- */

/* The source tree: $FTZ_SOURCE_DIR, else two directories above this file. */
static void source_dir(char *out, size_t size) {
    const char *env = getenv("FTZ_SOURCE_DIR");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    snprintf(out, size, "%s", __FILE__);
    for (int i = 0; i < 3; i++) { /* test_compat.c, unit, tests */
        char *slash = strrchr(out, '/');
        if (!slash) {
            snprintf(out, size, ".");
            return;
        }
        *slash = '\0';
    }
    if (!*out)
        snprintf(out, size, "/");
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    if (!f)
        fail_msg("cannot open %s", path);
    for (;;) {
        if (cap - *len < 4096) {
            cap = cap ? 2 * cap : 8192;
            data = realloc(data, cap);
            assert_non_null(data);
        }
        size_t n = fread(data + *len, 1, cap - *len - 1, f);
        *len += n;
        if (n == 0)
            break;
    }
    data[*len] = '\0';
    fclose(f);
    return data;
}

typedef struct {
    char **paths;
    size_t n, cap;
} files_t;

static void collect_avsc(const char *dir, files_t *files) {
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        fail_msg("cannot open directory %s", dir);
    while ((e = readdir(d))) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        size_t nl = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) {
            collect_avsc(path, files);
        } else if (S_ISREG(st.st_mode) && nl > 5 && strcmp(e->d_name + nl - 5, ".avsc") == 0) {
            if (files->n == files->cap) {
                files->cap = files->cap ? 2 * files->cap : 16;
                files->paths = realloc(files->paths, files->cap * sizeof(*files->paths));
                assert_non_null(files->paths);
            }
            files->paths[files->n] = strdup(path);
            assert_non_null(files->paths[files->n]);
            files->n++;
        }
    }
    closedir(d);
}

/* "dir/Name.v3.avsc" and "dir/Name.v1.avsc" are versions of "dir/Name". */
static size_t subject_len(const char *path) {
    size_t len = strlen(path) - strlen(".avsc");
    size_t k = len;
    while (k > 0 && path[k - 1] >= '0' && path[k - 1] <= '9')
        k--;
    if (k < len && k >= 2 && path[k - 1] == 'v' && path[k - 2] == '.')
        return k - 2;
    return len;
}

static void test_project_schema_versions(void **state) {
    (void)state;
    char root[4096], dir[4200];
    files_t files = {NULL, 0, 0};
    size_t pairs = 0;
    source_dir(root, sizeof(root));
    snprintf(dir, sizeof(dir), "%s/schemas", root);
    collect_avsc(dir, &files);
    if (files.n == 0)
        fail_msg("no .avsc under %s", dir);
    for (size_t i = 0; i < files.n; i++) {
        for (size_t k = 0; k < files.n; k++) {
            size_t li = subject_len(files.paths[i]), lk = subject_len(files.paths[k]);
            if (li != lk || strncmp(files.paths[i], files.paths[k], li) != 0)
                continue;
            size_t wl, rl;
            char *w = read_file(files.paths[i], &wl), *r = read_file(files.paths[k], &rl);
            char reason[512];
            ftz_err_t err = ftz_schema_compatible(w, wl, r, rl, reason, sizeof(reason));
            if (err != FTZ_OK)
                fail_msg("writer %s, reader %s: %s: %s", files.paths[i], files.paths[k],
                         ftz_err_name(err), reason);
            pairs++;
            free(w);
            free(r);
        }
    }
    print_message("%zu schema files, %zu writer/reader pairs compatible\n", files.n, pairs);
    for (size_t i = 0; i < files.n; i++)
        free(files.paths[i]);
    free(files.paths);
}

/* Edits of CustomsDeclaration.v1, made with jansson on the file's text
 * (never a hand copy of it), that a new version might make. */
typedef enum { ADD_FIELD, ADD_SYMBOL, SET_TYPE, SET_ENUM_DEFAULT } edit_kind_t;

typedef struct {
    edit_kind_t kind;
    const char *field;
    const char *json; /* ADD_FIELD: the field; ADD_SYMBOL, SET_*: the value */
} edit_t;

static json_t *field_named(json_t *schema, const char *name) {
    json_t *fields = json_object_get(schema, "fields"), *f;
    size_t i;
    json_array_foreach(fields, i, f) {
        if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
            return f;
    }
    fail_msg("v1 has no field %s", name);
    return NULL;
}

static char *edited(const char *text, size_t len, const edit_t *e) {
    json_error_t jerr;
    json_t *s = json_loadb(text, len, 0, &jerr);
    assert_non_null(s);
    if (e) {
        json_t *v = json_loads(e->json, JSON_DECODE_ANY, &jerr);
        assert_non_null(v);
        switch (e->kind) {
        case ADD_FIELD:
            assert_int_equal(json_array_append_new(json_object_get(s, "fields"), v), 0);
            break;
        case ADD_SYMBOL: {
            json_t *type = json_object_get(field_named(s, e->field), "type");
            assert_int_equal(json_array_append_new(json_object_get(type, "symbols"), v), 0);
            break;
        }
        case SET_TYPE:
            assert_int_equal(json_object_set_new(field_named(s, e->field), "type", v), 0);
            break;
        case SET_ENUM_DEFAULT: {
            json_t *type = json_object_get(field_named(s, e->field), "type");
            assert_int_equal(json_object_set_new(type, "default", v), 0);
            break;
        }
        }
    }
    char *out = json_dumps(s, JSON_COMPACT);
    assert_non_null(out);
    json_decref(s);
    return out;
}

static void test_project_schema_edits(void **state) {
    (void)state;
    static const edit_t no_default = {ADD_FIELD, NULL,
                                      "{\"name\":\"customs_office\",\"type\":\"string\"}"};
    static const edit_t with_default = {
        ADD_FIELD, NULL,
        "{\"name\":\"customs_office\",\"type\":[\"null\",\"string\"],\"default\":null}"};
    static const edit_t harbin = {ADD_SYMBOL, "area", "\"HARBIN\""};
    static const edit_t area_default = {SET_ENUM_DEFAULT, "area", "\"SHENYANG\""};
    static const edit_t revision_long = {SET_TYPE, "revision", "\"long\""};
    static const edit_t weight_float = {SET_TYPE, "gross_weight_kg", "\"float\""};
    static const edit_t hs_bytes = {SET_TYPE, "hs_code", "\"bytes\""};
    static const struct {
        const edit_t *writer, *reader; /* NULL: v1 as it is */
        ftz_err_t want;
        const char *reason;
    } edits[] = {
        {NULL, &no_default, FTZ_ERR_POISON,
         "CustomsDeclaration.customs_office: reader field has no default and the writer lacks "
         "it"},
        {&no_default, NULL, FTZ_OK, ""},
        {NULL, &with_default, FTZ_OK, ""},
        {&with_default, NULL, FTZ_OK, ""},
        {&harbin, NULL, FTZ_ERR_POISON,
         "CustomsDeclaration.area: writer symbol HARBIN is not in the reader's enum (no "
         "default)"},
        {NULL, &harbin, FTZ_OK, ""},
        {NULL, &area_default, FTZ_OK, ""},
        {&revision_long, NULL, FTZ_ERR_POISON,
         "CustomsDeclaration.revision: writer long cannot be read as reader int"},
        {NULL, &revision_long, FTZ_OK, ""},
        {&weight_float, NULL, FTZ_OK, ""},
        {NULL, &weight_float, FTZ_ERR_POISON,
         "CustomsDeclaration.gross_weight_kg: writer double cannot be read as reader float"},
        {&hs_bytes, NULL, FTZ_OK, ""},
        {NULL, &hs_bytes, FTZ_OK, ""},
    };
    char root[4096], path[4300];
    size_t len;
    source_dir(root, sizeof(root));
    snprintf(path, sizeof(path), "%s/schemas/customs/CustomsDeclaration.v1.avsc", root);
    char *v1 = read_file(path, &len);

    /* HARBIN added in the writer is fine once the reader's Area has a default. */
    char *w = edited(v1, len, &harbin), *r = edited(v1, len, &area_default), reason[512];
    assert_int_equal(check(w, r, reason, sizeof(reason)), FTZ_OK);
    free(w);
    free(r);

    for (size_t i = 0; i < FTZ_ARRAY_SIZE(edits); i++) {
        w = edited(v1, len, edits[i].writer);
        r = edited(v1, len, edits[i].reader);
        ftz_err_t err = check(w, r, reason, sizeof(reason));
        if (err != edits[i].want || (err ? strstr(reason, edits[i].reason) == NULL : *reason))
            fail_msg("edit %zu: got %s \"%s\", want %s \"%s\"", i, ftz_err_name(err), reason,
                     ftz_err_name(edits[i].want), edits[i].reason);
        free(w);
        free(r);
    }
    free(v1);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_table), cmocka_unit_test(test_primitive_matrix),
              cmocka_unit_test(test_reason_buffer), cmocka_unit_test(test_depth_limit),
              cmocka_unit_test(test_project_schema_versions),
              cmocka_unit_test(test_project_schema_edits))
