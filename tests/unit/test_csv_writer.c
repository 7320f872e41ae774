/* Records as CSV (lib/src/csv_writer.c): the header row, values as in the
 * JSON lines, null as an empty cell, an empty string quoted, quoting of
 * commas, quotes, line ends and edge spaces, CRLF row ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/csv_writer.h"
#include "ftz/value.h"

static void test_customs_row(void **state) {
    (void)state;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_CUSTOMS);
    ftz_customs_t c = ftz_test_customs("DL,\"1\"", 2);
    ftz_buf_t out = FTZ_BUF_INIT;
    c.status = FTZ_STATUS_FILED;
    c.has_cleared_at = false;
    snprintf(c.hs_code, sizeof(c.hs_code), " 392321");
    c.destination_country[0] = '\0';
    c.transport_mode = FTZ_MODE_AIR;
    c.declared_value_fen = -5;
    c.gross_weight_kg = 0.25;
    assert_int_equal(ftz_time_parse("2026-11-01T08:00:00Z", &c.filed_at_ms, NULL, 0), FTZ_OK);
    c.event_time_ms = c.filed_at_ms + 250;
    /* destination_country "" (empty string), cleared_at and customs_office null */
    assert_int_equal(ftz_csv_header(rt, &out), FTZ_OK);
    assert_int_equal(ftz_csv_from_record(rt, &c, &out), FTZ_OK);
    assert_string_equal(out.data,
                        "declaration_id,revision,area,direction,status,hs_code,origin_country,"
                        "destination_country,transport_mode,customs_office,declared_value_cny,"
                        "gross_weight_kg,filed_at,cleared_at,event_time\r\n"
                        "\"DL,\"\"1\"\"\",2,DALIAN,EXPORT,FILED,\" 392321\",CN,\"\",AIR,,-0.05,"
                        "0.25,2026-11-01T08:00:00Z,,2026-11-01T08:00:00.250Z\r\n");
    ftz_buf_free(&out);
}

static void test_line_ends_are_quoted(void **state) {
    (void)state;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_REGISTRATION);
    ftz_registration_t r = ftz_test_registration("91210200MA0000001X", "大连\r\n海运 ");
    ftz_buf_t out = FTZ_BUF_INIT;
    r.area = FTZ_AREA_SHENYANG;
    r.enterprise_type = FTZ_ENT_DOMESTIC;
    r.registered_capital_fen = 100;
    assert_int_equal(ftz_csv_from_record(rt, &r, &out), FTZ_OK);
    assert_non_null(
        strstr(out.data, "91210200MA0000001X,\"大连\r\n海运 \",SHENYANG,DOMESTIC,F,JP,1.00,"));
    ftz_buf_free(&out);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_customs_row), cmocka_unit_test(test_line_ends_are_quoted))
