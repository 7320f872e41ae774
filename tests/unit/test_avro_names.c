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

    /* A name defined nowhere, or twice, is refused by both. */
    static const char *const bad[] = {
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"Nowhere\"}]}",
        "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a\",\"fields\":["
        "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"F\",\"size\":1}},"
        "{\"name\":\"g\",\"type\":{\"type\":\"fixed\",\"name\":\"a.F\",\"size\":2}}]}",
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

FTZ_TEST_MAIN(cmocka_unit_test(test_primitives), cmocka_unit_test(test_valid_names),
              cmocka_unit_test(test_fullnames), cmocka_unit_test(test_resolve),
              cmocka_unit_test(test_canonical_and_compat_agree))
