/* Topic names (topics.c): the prefix in force (--topic-prefix, else
 * $FTZ_TOPIC_PREFIX, else none), names made with it, the record type a
 * topic carries under a prefix, and the names Kafka accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/topics.h"

static void test_prefix_and_names(void **state) {
    (void)state;
    char out[FTZ_TOPIC_MAX + 1];
    unsetenv("FTZ_TOPIC_PREFIX");
    assert_string_equal(ftz_topic_prefix(NULL), "");
    assert_string_equal(ftz_topic_name(NULL, "ftz.rail.events", out, sizeof(out)),
                        "ftz.rail.events");
    setenv("FTZ_TOPIC_PREFIX", "env.", 1);
    assert_string_equal(ftz_topic_prefix(NULL), "env.");
    assert_string_equal(ftz_topic_prefix("cli."), "cli."); /* the option wins */
    assert_string_equal(ftz_topic_prefix(""), "");          /* even when empty */
    assert_string_equal(ftz_topic_name(NULL, FTZ_TOPIC_DEADLETTER, out, sizeof(out)),
                        "env.ftz.deadletter");
    /* Cut to the buffer, never past it. */
    char small[8];
    ftz_topic_name("p.", "ftz.rail.events", small, sizeof(small));
    assert_string_equal(small, "p.ftz.r");
    unsetenv("FTZ_TOPIC_PREFIX");
}

static void test_record_type_of_topic(void **state) {
    (void)state;
    unsetenv("FTZ_TOPIC_PREFIX");
    const ftz_record_type_t *rt = ftz_topic_record_type("t1.", "t1.ftz.rail.events");
    assert_non_null(rt);
    assert_int_equal(rt->id, FTZ_REC_RAIL);
    rt = ftz_topic_record_type(NULL, "ftz.customs.declarations");
    assert_non_null(rt);
    assert_int_equal(rt->id, FTZ_REC_CUSTOMS);
    assert_null(ftz_topic_record_type("t1.", "t2.ftz.rail.events")); /* another prefix */
    assert_null(ftz_topic_record_type(NULL, "t1.ftz.rail.events"));  /* a prefix too many */
    assert_null(ftz_topic_record_type("t1.", "t1.ftz.deadletter"));  /* no record type */
    assert_null(ftz_topic_record_type("t1.", "t1."));
}

static void test_valid_names(void **state) {
    (void)state;
    char longest[FTZ_TOPIC_MAX + 2];
    memset(longest, 'a', FTZ_TOPIC_MAX);
    longest[FTZ_TOPIC_MAX] = '\0';
    assert_true(ftz_topic_name_valid("ftz.rail.events"));
    assert_true(ftz_topic_name_valid("A-b_c.9"));
    assert_true(ftz_topic_name_valid(longest));
    longest[FTZ_TOPIC_MAX] = 'a';
    longest[FTZ_TOPIC_MAX + 1] = '\0';
    assert_false(ftz_topic_name_valid(longest));
    assert_false(ftz_topic_name_valid(""));
    assert_false(ftz_topic_name_valid("a b"));
    assert_false(ftz_topic_name_valid("a/b"));
    assert_false(ftz_topic_name_valid("caf\xc3\xa9"));
}

FTZ_TEST_MAIN(cmocka_unit_test(test_prefix_and_names), cmocka_unit_test(test_record_type_of_topic),
              cmocka_unit_test(test_valid_names))
