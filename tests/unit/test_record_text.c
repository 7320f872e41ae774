/* The walk over a record's fields (lib/src/record_text.c): each field in
 * table order with its kind and text; nulls for absent optionals, enum
 * indexes out of range and doubles JSON cannot carry; an emit error ends
 * the walk. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/buf.h"
#include "ftz/record_text.h"

/* Renders each field as "<name>=<K>:<text>;", K one of N(ull), S, #. */
static ftz_err_t render(void *ctx, int i, const ftz_field_t *f, ftz_text_kind_t kind,
                        const char *text) {
    static const char kinds[] = {'N', 'S', '#'};
    (void)i;
    assert_true((kind == FTZ_TEXT_NULL) == (text == NULL));
    return ftz_buf_printf(ctx, "%s=%c:%s;", f->name, kinds[kind], text ? text : "");
}

static void test_customs_fields(void **state) {
    (void)state;
    ftz_customs_t c = ftz_test_customs("DL1", 3);
    ftz_buf_t out = FTZ_BUF_INIT;
    c.declared_value_fen = 123456;
    c.gross_weight_kg = 0.1;
    c.filed_at_ms = 1000;
    c.cleared_at_ms = 2500;
    c.event_time_ms = 2500;
    assert_int_equal(ftz_record_text_walk(ftz_record_type(FTZ_REC_CUSTOMS), &c, render, &out),
                     FTZ_OK);
    assert_string_equal(out.data,
                        "declaration_id=S:DL1;revision=#:3;area=S:DALIAN;direction=S:EXPORT;"
                        "status=S:CLEARED;hs_code=S:392321;origin_country=S:CN;"
                        "destination_country=S:JP;transport_mode=S:SEA;customs_office=N:;"
                        "declared_value_cny=S:1234.56;gross_weight_kg=#:0.1;"
                        "filed_at=S:1970-01-01T00:00:01Z;cleared_at=S:1970-01-01T00:00:02.500Z;"
                        "event_time=S:1970-01-01T00:00:02.500Z;");
    ftz_buf_free(&out);
}

static void test_nulls(void **state) {
    (void)state;
    ftz_customs_t c = ftz_test_customs("DL1", 1);
    ftz_buf_t out = FTZ_BUF_INIT;
    c.area = 99;
    c.gross_weight_kg = NAN;
    c.has_cleared_at = false;
    assert_int_equal(ftz_record_text_walk(ftz_record_type(FTZ_REC_CUSTOMS), &c, render, &out),
                     FTZ_OK);
    assert_non_null(strstr(out.data, ";area=N:;"));
    assert_non_null(strstr(out.data, ";gross_weight_kg=N:;"));
    assert_non_null(strstr(out.data, ";cleared_at=N:;"));
    ftz_buf_free(&out);
}

static ftz_err_t stop_at_third(void *ctx, int i, const ftz_field_t *f, ftz_text_kind_t kind,
                               const char *text) {
    (void)f;
    (void)kind;
    (void)text;
    *(int *)ctx = i;
    return i == 2 ? FTZ_ERR_NOMEM : FTZ_OK;
}

static void test_error_ends_the_walk(void **state) {
    (void)state;
    ftz_customs_t c = ftz_test_customs("DL1", 1);
    int last = -1;
    assert_int_equal(
        ftz_record_text_walk(ftz_record_type(FTZ_REC_CUSTOMS), &c, stop_at_third, &last),
        FTZ_ERR_NOMEM);
    assert_int_equal(last, 2);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_customs_fields), cmocka_unit_test(test_nulls),
              cmocka_unit_test(test_error_ends_the_walk))
