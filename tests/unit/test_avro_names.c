/* Avro names (lib/src/avro_names.c): primitives, full names from a name
 * and a namespace, inheritance of the enclosing namespace, dotted names,
 * and the resolution of references that canonical.c and compat.c share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "avro_names.h"
#include "ftz/array.h"
#include "ftz/canonical.h"
#include "ftz/compat.h"

static void test_primitives(void **state) {
    (void)state;
    static const char *const names[] = {"null", "boolean", "int",   "long",
                                        "float", "double", "bytes", "string"};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(names); i++)
        assert_int_equal(ftz_avro_primitive(names[i]), (int)i);
    assert_int_equal(ftz_avro_primitive("record"), -1);
    assert_int_equal(ftz_avro_primitive("String"), -1);
    assert_int_equal(ftz_avro_primitive("a.int"), -1);
    assert_int_equal(ftz_avro_primitive(""), -1);
}

static void test_valid_names(void **state) {
    (void)state;
    assert_true(ftz_avro_valid_name("_a1", 3));
    assert_false(ftz_avro_valid_name("1a", 2));
    assert_false(ftz_avro_valid_name("", 0));
    assert_false(ftz_avro_valid_name("a-b", 3));
    assert_true(ftz_avro_valid_dotted("a.b.C", 0));
    assert_false(ftz_avro_valid_dotted("a..b", 0));
    assert_false(ftz_avro_valid_dotted("a.", 0));
    assert_false(ftz_avro_valid_dotted("", 0));
    assert_true(ftz_avro_valid_dotted("", 1));
}

typedef struct {
    const char *name, *jns, *ns; /* jns: JSON text of "namespace", or NULL when absent */
    const char *full, *space;
} fullname_case_t;

static void test_fullnames(void **state) {
    (void)state;
    static const fullname_case_t cases[] = {
        /* No namespace attribute: the enclosing one is inherited. */
        {"R", NULL, "a.b", "a.b.R", "a.b"},
        {"R", NULL, "", "R", ""},
        /* An explicit one overrides it, even "" or null. */
        {"R", "\"x.y\"", "a.b", "x.y.R", "x.y"},
        {"R", "\"\"", "a.b", "R", ""},
        {"R", "null", "a.b", "R", ""},
        /* A dotted name is a full name whatever the namespace. */
        {"p.q.R", "\"x.y\"", "a.b", "p.q.R", "p.q"},
        {"p.R", NULL, "a.b", "p.R", "p"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        json_t *jns = cases[i].jns ? json_loads(cases[i].jns, JSON_DECODE_ANY, NULL) : NULL;
        const char *space = ftz_avro_space(jns, cases[i].ns);
        assert_non_null(space);
        char *full = ftz_avro_fullname(space, cases[i].name);
        assert_non_null(full);
        if (strcmp(full, cases[i].full) != 0)
            fail_msg("case %zu: full name %s, want %s", i, full, cases[i].full);
        assert_int_equal(ftz_avro_space_len(full), strlen(cases[i].space));
        assert_memory_equal(full, cases[i].space, strlen(cases[i].space));
        assert_string_equal(ftz_avro_short_name(full), "R");
        free(full);
        json_decref(jns);
    }
    json_t *bad = json_integer(3);
    assert_null(ftz_avro_space(bad, "a"));
    json_decref(bad);
}

static void test_resolve(void **state) {
    (void)state;
    ftz_avro_names_t names;
    const char *full;
    long pos;
    assert_int_equal(ftz_avro_names_init(&names), FTZ_OK);
    assert_int_equal(ftz_avro_names_add(&names, "Top", 0), FTZ_OK);
    assert_int_equal(ftz_avro_names_add(&names, "a.b.R", 1), FTZ_OK);
    assert_int_equal(ftz_avro_names_add(&names, "a.b.Top", 2), FTZ_OK);
    assert_int_equal(ftz_avro_names_add(&names, "a.b.R", 3), FTZ_ERR_INVALID_ARG);
    assert_int_equal(ftz_avro_names_find(&names, "a.b.R"), 1);
    assert_int_equal(ftz_avro_names_find(&names, "R"), -1);

    /* A short name in the enclosing namespace. */
    assert_int_equal(ftz_avro_names_resolve(&names, "R", "a.b", &pos, &full), FTZ_OK);
    assert_int_equal(pos, 1);
    assert_string_equal(full, "a.b.R");
    /* The enclosing namespace first, then the null namespace. */
    assert_int_equal(ftz_avro_names_resolve(&names, "Top", "a.b", &pos, &full), FTZ_OK);
    assert_int_equal(pos, 2);
    assert_int_equal(ftz_avro_names_resolve(&names, "Top", "c", &pos, &full), FTZ_OK);
    assert_int_equal(pos, 0);
    assert_string_equal(full, "Top");
    /* A dotted name is taken as a full name only. */
    assert_int_equal(ftz_avro_names_resolve(&names, "a.b.R", "x", &pos, &full), FTZ_OK);
    assert_int_equal(pos, 1);
    assert_int_equal(ftz_avro_names_resolve(&names, "b.R", "a", &pos, &full), FTZ_OK);
    assert_int_equal(pos, -1);
    assert_null(full);
    /* Outside the namespace a short name does not reach into it. */
    assert_int_equal(ftz_avro_names_resolve(&names, "R", "", &pos, &full), FTZ_OK);
    assert_int_equal(pos, -1);
    ftz_avro_names_free(&names);
}

/* The canonical form and the compatibility check read a schema's names
 * alike: a reference from inside a namespace to a type without one. */
static void test_canonical_and_compat_agree(void **state) {
    (void)state;
    static const char schema[] =
        "{\"type\":\"record\",\"name\":\"Top\",\"fields\":["
        "{\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"namespace\":\"n\","
        "\"fields\":[{\"name\":\"t\",\"type\":[\"null\",\"Top\"]}]}}]}";
    char errstr[256] = "";
    char *pcf = ftz_canonical_form(schema, strlen(schema), errstr, sizeof(errstr));
    if (!pcf)
        fail_msg("%s", errstr);
    assert_string_equal(pcf, "{\"name\":\"Top\",\"type\":\"record\",\"fields\":["
                             "{\"name\":\"in\",\"type\":{\"name\":\"n.In\",\"type\":\"record\","
                             "\"fields\":[{\"name\":\"t\",\"type\":[\"null\",\"Top\"]}]}}]}");
    free(pcf);
    assert_int_equal(ftz_schema_compatible(schema, strlen(schema), schema, strlen(schema), errstr,
                                           sizeof(errstr)),
                     FTZ_OK);

    /* A name defined nowhere, or twice, or with a NUL inside, is refused by
     * both. */
    static const char *const bad[] = {
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"Nowhere\"}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}},"
        "{\"name\":\"g\",\"type\":{\"type\":\"fixed\",\"name\":\"a.F\",\"size\":2}}]}",
        "{\"type\":\"record\",\"name\":\"R\\u0000x\",\"fields\":[]}",
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[],\"doc\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++) {
        errstr[0] = '\0';
        assert_null(ftz_canonical_form(bad[i], strlen(bad[i]), errstr, sizeof(errstr)));
        assert_true(errstr[0] != '\0');
        assert_int_equal(ftz_schema_compatible(bad[i], strlen(bad[i]), bad[i], strlen(bad[i]),
                                               errstr, sizeof(errstr)),
                         FTZ_ERR_INVALID_ARG);
    }
}

/* Schemas that break the rules of names, refused by the canonical form and
 * by the compatibility check alike, with the same message: a fingerprint
 * is never computed for a schema that compat would call invalid. Written
 * with ' for ", turned back below. */
typedef struct {
    const char *schema, *message;
} invalid_case_t;

static const invalid_case_t invalid[] = {
    /* The definition's name and namespace. */
    {"{'type':'record','name':'R.','fields':[]}", "record name \"R.\" is not a valid name"},
    {"{'type':'record','name':'.R','fields':[]}", "record name \".R\" is not a valid name"},
    {"{'type':'record','name':'a..R','fields':[]}", "record name \"a..R\" is not a valid name"},
    {"{'type':'fixed','name':'no-dash','size':1}", "fixed name \"no-dash\" is not a valid name"},
    {"{'type':'enum','name':'1E','symbols':['A']}", "enum name \"1E\" is not a valid name"},
    {"{'type':'record','fields':[]}", "record without a string \"name\""},
    {"{'type':'record','name':7,'fields':[]}", "record without a string \"name\""},
    {"{'type':'record','name':'R','namespace':'a..b','fields':[]}",
     "record R: namespace \"a..b\" is not a valid namespace"},
    {"{'type':'record','name':'R','namespace':'a.','fields':[]}",
     "record R: namespace \"a.\" is not a valid namespace"},
    {"{'type':'record','name':'R','namespace':3,'fields':[]}",
     "record R: \"namespace\" is not a string"},
    {"{'type':'record','name':'int','fields':[]}",
     "record int: a primitive type name cannot be defined"},
    {"{'type':'enum','name':'string','namespace':'a','symbols':['A']}",
     "enum a.string: a primitive type name cannot be defined"},
    {"{'type':'fixed','name':'a.b.long','size':8}",
     "fixed a.b.long: a primitive type name cannot be defined"},
    {"{'type':'record','name':'R','namespace':'a','fields':["
     "{'name':'f','type':{'type':'fixed','name':'F','size':1}},"
     "{'name':'g','type':{'type':'enum','name':'a.F','symbols':['A']}}]}",
     "enum a.F is defined twice"},
    {"{'type':'record','name':'R','aliases':'Old','fields':[]}",
     "record R: \"aliases\" must be an array of names"},
    {"{'type':'record','name':'R','aliases':['x..Old'],'fields':[]}",
     "record R: alias \"x..Old\" is not a valid name"},
    {"{'type':'enum','name':'E','aliases':[1],'symbols':['A']}",
     "enum E: alias 0 is not a string"},
    /* A record's fields. */
    {"{'type':'record','name':'int','fields':[{'name':'f','type':'int'},"
     "{'name':'f','type':'int'}]}",
     "record int: a primitive type name cannot be defined"},
    {"{'type':'record','name':'R','fields':[{'name':'f','type':'int'},"
     "{'name':'f','type':'long'}]}",
     "record R: field f is defined twice"},
    {"{'type':'error','name':'R','fields':[{'name':'a-b','type':'int'}]}",
     "error R: field \"a-b\" is not a valid name"},
    {"{'type':'record','name':'R','fields':[{'name':'a.b','type':'int'}]}",
     "record R: field \"a.b\" is not a valid name"},
    {"{'type':'record','name':'R','fields':[{'name':'','type':'int'}]}",
     "record R: field \"\" is not a valid name"},
    {"{'type':'record','name':'R','fields':[{'type':'int'}]}",
     "record R: field 0 has no string \"name\""},
    {"{'type':'record','name':'R','fields':['int']}", "record R: field 0 has no string \"name\""},
    {"{'type':'record','name':'R','fields':[{'name':'f'}]}", "record R: field f has no \"type\""},
    {"{'type':'record','name':'R','fields':[{'name':'f','type':'int','aliases':['x.g']}]}",
     "record R: field f: alias \"x.g\" is not a valid name"},
    {"{'type':'record','name':'R','fields':[{'name':'f','type':'int','aliases':{}}]}",
     "record R: field f: \"aliases\" must be an array of names"},
    {"{'type':'record','name':'R'}", "record R without a \"fields\" array"},
    /* An enum's symbols. */
    {"{'type':'enum','name':'E','symbols':['A','B','A']}", "enum E: symbol A is defined twice"},
    {"{'type':'enum','name':'E','symbols':['A','1B']}",
     "enum E: symbol \"1B\" is not a valid name"},
    {"{'type':'enum','name':'E','symbols':['A','']}", "enum E: symbol \"\" is not a valid name"},
    {"{'type':'enum','name':'E','symbols':['A',2]}", "enum E: symbol 1 is not a string"},
    {"{'type':'enum','name':'E','symbols':['A'],'default':'B'}",
     "enum E: \"default\" is not one of its symbols"},
    {"{'type':'enum','name':'E'}", "enum E without a \"symbols\" array"},
    /* A fixed's size. */
    {"{'type':'fixed','name':'F'}", "fixed F needs a non-negative integer \"size\""},
    {"{'type':'fixed','name':'F','size':-1}", "fixed F needs a non-negative integer \"size\""},
    {"{'type':'fixed','name':'F','size':1.5}", "fixed F needs a non-negative integer \"size\""},
    {"{'type':'fixed','name':'F','size':''}", "fixed F needs a non-negative integer \"size\""},
    {"{'type':'fixed','name':'F','size':'12x'}", "fixed F needs a non-negative integer \"size\""},
    {"{'type':'fixed','name':'F','size':' 12'}", "fixed F needs a non-negative integer \"size\""},
    /* A union's branches. */
    {"['int','null','int']", "a union has two branches of type int"},
    {"['int',{'type':'int','logicalType':'date'}]", "a union has two branches of type int"},
    {"['null',['int']]", "a union directly inside a union (branch 1)"},
    {"[{'type':'array','items':'int'},{'type':'array','items':'long'}]",
     "a union has two branches of type array"},
    {"[{'type':'map','values':'int'},'null',{'type':'map','values':'long'}]",
     "a union has two branches of type map"},
    {"{'type':'record','name':'R','namespace':'n','fields':[{'name':'f','type':"
     "['null',{'type':'fixed','name':'F','size':1},'n.F']}]}",
     "a union has two branches of type n.F"},
    {"{'type':'record','name':'R','fields':[{'name':'f','type':['R',{'type':'R'}]}]}",
     "a union has two branches of type R"},
    /* Nested definitions are checked as well. */
    {"{'type':'record','name':'R','namespace':'n','fields':[{'name':'e','type':"
     "{'type':'array','items':{'type':'enum','name':'E','symbols':['X','X']}}}]}",
     "enum n.E: symbol X is defined twice"},
};

static void test_invalid_definitions(void **state) {
    (void)state;
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(invalid); i++) {
        char *schema = ftz_test_unquote(invalid[i].schema);
        char errstr[512] = "", reason[512] = "", want[600];
        uint64_t fp;
        char *pcf = ftz_canonical_form(schema, strlen(schema), errstr, sizeof(errstr));
        if (pcf)
            fail_msg("case %zu: %s was canonicalised as %s", i, schema, pcf);
        if (strcmp(errstr, invalid[i].message) != 0)
            fail_msg("case %zu: canonical says \"%s\", want \"%s\"", i, errstr,
                     invalid[i].message);
        assert_int_equal(ftz_schema_fingerprint(schema, strlen(schema), &fp, errstr,
                                                sizeof(errstr)),
                         FTZ_ERR_INVALID_ARG);
        assert_string_equal(errstr, invalid[i].message);
        /* As writer, and as reader against a valid writer. */
        ftz_fmt(want, sizeof(want), "writer schema: %s", invalid[i].message);
        assert_int_equal(ftz_schema_compatible(schema, strlen(schema), "\"int\"", 5, reason,
                                               sizeof(reason)),
                         FTZ_ERR_INVALID_ARG);
        if (strcmp(reason, want) != 0)
            fail_msg("case %zu: compat says \"%s\", want \"%s\"", i, reason, want);
        ftz_fmt(want, sizeof(want), "reader schema: %s", invalid[i].message);
        assert_int_equal(ftz_schema_compatible("\"int\"", 5, schema, strlen(schema), reason,
                                               sizeof(reason)),
                         FTZ_ERR_INVALID_ARG);
        if (strcmp(reason, want) != 0)
            fail_msg("case %zu: compat says \"%s\", want \"%s\"", i, reason, want);
        free(schema);
    }
}

/* What the rules allow: null and "" namespaces, dotted aliases of a type,
 * a digit after the first character, a size written as a string, union
 * branches of different kinds or full names. */
static void test_valid_definitions(void **state) {
    (void)state;
    static const char *const valid[][2] = {
        {"{'type':'record','name':'R','namespace':null,'aliases':['x.Old','Older'],'fields':["
         "{'name':'_f1','type':'int','aliases':['g2']}]}",
         "{'name':'R','type':'record','fields':[{'name':'_f1','type':'int'}]}"},
        {"{'type':'enum','name':'E','namespace':'','symbols':['A','B1'],'default':'B1'}",
         "{'name':'E','type':'enum','symbols':['A','B1']}"},
        {"{'type':'fixed','name':'a.F','namespace':'x.y','size':'16'}",
         "{'name':'a.F','type':'fixed','size':16}"},
        /* Types of a union differ by kind and by full name. */
        {"['null',{'type':'record','name':'array','fields':[]},{'type':'array','items':'array'},"
         "{'type':'fixed','name':'a.F','size':1},{'type':'fixed','name':'b.F','size':1}]",
         "['null',{'name':'array','type':'record','fields':[]},{'type':'array','items':'array'},"
         "{'name':'a.F','type':'fixed','size':1},{'name':'b.F','type':'fixed','size':1}]"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(valid); i++) {
        char *schema = ftz_test_unquote(valid[i][0]), *want = ftz_test_unquote(valid[i][1]);
        char errstr[512] = "";
        char *pcf = ftz_canonical_form(schema, strlen(schema), errstr, sizeof(errstr));
        if (!pcf)
            fail_msg("case %zu: %s", i, errstr);
        assert_string_equal(pcf, want);
        assert_int_equal(ftz_schema_compatible(schema, strlen(schema), schema, strlen(schema),
                                               errstr, sizeof(errstr)),
                         FTZ_OK);
        free(pcf);
        free(want);
        free(schema);
    }
}

FTZ_TEST_MAIN(cmocka_unit_test(test_primitives), cmocka_unit_test(test_valid_names),
              cmocka_unit_test(test_fullnames), cmocka_unit_test(test_resolve),
              cmocka_unit_test(test_canonical_and_compat_agree),
              cmocka_unit_test(test_invalid_definitions), cmocka_unit_test(test_valid_definitions))
