/* The CSV reader (lib/src/csv_reader.c) from a table of cases: records
 * and the physical line each starts on (quoted cells with commas, quotes
 * and line ends; LF, CRLF and CR; a BOM), faults reported and skipped to
 * the next line, records over the bound skipped without being held; and
 * the CSV row to record mapping (lib/src/csv_record.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/codec.h"
#include "ftz/csv_reader.h"
#include "ftz/csv_record.h"

/* Renders every record: "<line>:cell|cell;" for a row, "<line>:BAD;" and
 * "<line>:LONG;" for faults, then "E"; raw copies go to raws when set. */
static void render(const char *text, size_t max, char *out, size_t out_size, char *raws,
                   size_t raws_size) {
    FILE *f = ftz_test_file_of(text, strlen(text));
    char errstr[256];
    ftz_csv_reader_t *r = ftz_csv_reader_new(fileno(f), max ? max : 1 << 20, errstr,
                                             sizeof(errstr));
    assert_non_null(r);
    ftz_csv_row_t row;
    ftz_csv_result_t got;
    size_t o = 0, ro = 0;
    out[0] = '\0';
    while ((got = ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr))) != FTZ_CSV_EOF) {
        int k;
        assert_true(got != FTZ_CSV_ERROR && got != FTZ_CSV_WAIT);
        if (got == FTZ_CSV_ROW) {
            k = snprintf(out + o, out_size - o, "%ld:", row.line);
            o += (size_t)k;
            for (size_t i = 0; i < row.n; i++) {
                assert_int_equal(strlen(row.cells[i]), row.lens[i]);
                k = snprintf(out + o, out_size - o, "%s%s", i ? "|" : "", row.cells[i]);
                o += (size_t)k;
            }
            k = snprintf(out + o, out_size - o, ";");
        } else {
            assert_true(errstr[0] != '\0');
            k = snprintf(out + o, out_size - o, "%ld:%s;", row.line,
                         got == FTZ_CSV_BAD ? "BAD" : "LONG");
        }
        o += (size_t)k;
        assert_true(o < out_size);
        if (raws && row.raw) {
            k = snprintf(raws + ro, raws_size - ro, "[%.*s]", (int)row.raw_len, row.raw);
            ro += (size_t)k;
            assert_true(ro < raws_size);
        }
    }
    snprintf(out + o, out_size - o, "E");
    ftz_csv_reader_destroy(r);
    fclose(f);
}

static void test_records_and_lines(void **state) {
    (void)state;
    static const struct { const char *in; size_t max; const char *want; } cases[] = {
        {"", 0, "E"},
        {"a,b\n1,2\n", 0, "1:a|b;2:1|2;E"},
        {"a,b\n1,2", 0, "1:a|b;2:1|2;E"},                   /* no line end at the end */
        {"a,b\r\n1,2\r\n", 0, "1:a|b;2:1|2;E"},             /* CRLF */
        {"a,b\r1,2\r3,4", 0, "1:a|b;2:1|2;3:3|4;E"},        /* CR only */
        {"\xEF\xBB\xBF" "a,b\n", 0, "1:a|b;E"},             /* BOM */
        {"a,b\n\n\n1,2\n", 0, "1:a|b;4:1|2;E"},             /* empty lines skipped */
        {"a,b\r\n\r\n1,2\r\n", 0, "1:a|b;3:1|2;E"},
        {"a,,c\n", 0, "1:a||c;E"},                          /* an empty cell */
        {" a , b \n", 0, "1: a | b ;E"},                    /* spaces kept */
        {"\"x,y\",\"say \"\"hi\"\"\"\n", 0, "1:x,y|say \"hi\";E"},
        {"h\n\"one\ntwo\nthree\",x\nnext,y\n", 0, "1:h;2:one\ntwo\nthree|x;5:next|y;E"},
        {"h\r\n\"a\r\nb\",c\r\nd,e\r\n", 0, "1:h;2:a\r\nb|c;4:d|e;E"},
        {"h\r\"a\rb\",c\rd,e", 0, "1:h;2:a\rb|c;4:d|e;E"},
        {"\"\"\n", 0, "1:;E"},                             /* a quoted empty cell */
        /* Faults: reported at the record's line, reading goes on at the next line. */
        {"a,b\"c\nok,1\n", 0, "1:BAD;2:ok|1;E"},          /* a quote in an unquoted cell */
        {"\"a\"b,c\nok,1\n", 0, "1:BAD;2:ok|1;E"},        /* text after a closing quote */
        {"h\n\"a\nb\"x,c\nok\n", 0, "1:h;2:BAD;4:ok;E"},  /* the fault on the record's 2nd line */
        {"h\nok\n\"never closed,1\n2,3\n", 0, "1:h;2:ok;3:BAD;E"},
        /* The bound: a record of 5 bytes is fine with 5, not with 4. */
        {"abcde\nxy\n", 5, "1:abcde;2:xy;E"},
        {"abcde\nxy\n", 4, "1:LONG;2:xy;E"},
        {"\"ab\ncd\",e\nxy\n", 4, "1:LONG;3:xy;E"},
        {"\"a\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"b\"\nxy\n", 4, "1:LONG;2:xy;E"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char out[512];
        render(cases[i].in, cases[i].max, out, sizeof(out), NULL, 0);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
    }
}

/* raw: the record as read, without its final line end; a faulty one to
 * the end of the line of its fault. */
static void test_raw(void **state) {
    (void)state;
    char out[256], raws[256] = "";
    render("h,i\r\n\"a\r\nb\",c\r\nx\"y,z\r\nlast,1", 0, out, sizeof(out), raws, sizeof(raws));
    assert_string_equal(out, "1:h|i;2:a\r\nb|c;4:BAD;5:last|1;E");
    assert_string_equal(raws, "[h,i][\"a\r\nb\",c][x\"y,z][last,1]");
}

/* A 20 MB record over a 1 MiB bound is skipped, not held. */
static void test_long_record_bounded(void **state) {
    (void)state;
    size_t big = 20u << 20;
    char *text = malloc(big + 64);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, "h,i\n\"");
    memset(text + o, 'x', big);
    o += big;
    long newlines = 0;
    for (size_t k = 0; k < big; k += 1000) { /* commas and line ends inside the quotes */
        text[o - big + k] = k % 2000 ? ',' : '\n';
        newlines += k % 2000 == 0;
    }
    o += (size_t)sprintf(text + o, "\",1\nok,2\n");
    FILE *f = ftz_test_file_of(text, o);
    free(text);
    char errstr[256];
    ftz_csv_reader_t *r = ftz_csv_reader_new(fileno(f), 1 << 20, errstr, sizeof(errstr));
    ftz_csv_row_t row;
    assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)), FTZ_CSV_ROW);
    assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)),
                     FTZ_CSV_TOO_LONG);
    assert_int_equal(row.line, 2);
    assert_non_null(strstr(errstr, "1048576"));
    assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)), FTZ_CSV_ROW);
    assert_int_equal(row.n, 2);
    assert_string_equal(row.cells[0], "ok");
    /* line 2 + the line ends inside the quoted cell */
    assert_int_equal(row.line, 3 + newlines);
    assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)), FTZ_CSV_EOF);
    ftz_csv_reader_destroy(r);
    fclose(f);
}

/* A quiet pipe gives WAIT; a record split across writes is whole. */
static void test_pipe(void **state) {
    (void)state;
    int fds[2];
    char errstr[256];
    assert_int_equal(pipe(fds), 0);
    ftz_csv_reader_t *r = ftz_csv_reader_new(fds[0], 1024, errstr, sizeof(errstr));
    ftz_csv_row_t row;
    assert_int_equal(ftz_csv_reader_next(r, &row, 20, errstr, sizeof(errstr)), FTZ_CSV_WAIT);
    assert_int_equal(write(fds[1], "a,\"b\n", 5), 5);
    assert_int_equal(ftz_csv_reader_next(r, &row, 20, errstr, sizeof(errstr)), FTZ_CSV_WAIT);
    assert_int_equal(write(fds[1], "c\"\n", 3), 3);
    assert_int_equal(ftz_csv_reader_next(r, &row, 20, errstr, sizeof(errstr)), FTZ_CSV_ROW);
    assert_int_equal(row.n, 2);
    assert_string_equal(row.cells[1], "b\nc");
    close(fds[1]);
    assert_int_equal(ftz_csv_reader_next(r, &row, 20, errstr, sizeof(errstr)), FTZ_CSV_EOF);
    ftz_csv_reader_destroy(r);
    close(fds[0]);
}

/* Reads the first record of text as a row (for the mapping tests). */
static ftz_csv_reader_t *one_row(const char *text, FILE **f, ftz_csv_row_t *row) {
    char errstr[256];
    *f = ftz_test_file_of(text, strlen(text));
    ftz_csv_reader_t *r = ftz_csv_reader_new(fileno(*f), 1 << 20, errstr, sizeof(errstr));
    assert_int_equal(ftz_csv_reader_next(r, row, -1, errstr, sizeof(errstr)), FTZ_CSV_ROW);
    return r;
}

static void test_header(void **state) {
    (void)state;
    const ftz_record_type_t *rt = ftz_record_type_by_name("registration");
    static const struct { const char *header; const char *error; } cases[] = {
        {"uscc,company_name,area,enterprise_type,industry,investor_country,"
         "registered_capital_cny,registered_at,event_time\n", NULL},
        {"event_time,uscc,company_name,area,enterprise_type,industry,investor_country,"
         "registered_capital_cny,registered_at\n", NULL},
        {"uscc,company_name,area,enterprise_type,industry,investor_country,"
         "registered_capital_cny,registered_at,event_time,colour\n", "\"colour\" is not a field"},
        {"uscc,company_name,area,enterprise_type,industry,investor_country,"
         "registered_capital_cny,registered_at\n", "no column \"event_time\""},
        {"uscc,uscc,company_name,area,enterprise_type,industry,investor_country,"
         "registered_capital_cny,registered_at,event_time\n", "appears twice"},
        {"uscc,,company_name\n", "has no name"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        FILE *f;
        ftz_csv_row_t row;
        char errstr[256] = "";
        ftz_csv_reader_t *r = one_row(cases[i].header, &f, &row);
        ftz_csv_map_t *m = ftz_csv_map_new(rt, &row, errstr, sizeof(errstr));
        if (cases[i].error) {
            assert_null(m);
            if (!strstr(errstr, cases[i].error))
                fail_msg("case %zu: \"%s\" lacks \"%s\"", i, errstr, cases[i].error);
        } else if (!m) {
            fail_msg("case %zu: %s", i, errstr);
        }
        ftz_csv_map_destroy(m);
        ftz_csv_reader_destroy(r);
        fclose(f);
    }
}

/* Rows map as the same JSON would: money exact from its text, numbers
 * typed by the field, empty cells absent, verdicts of the JSON path. */
static void test_rows(void **state) {
    (void)state;
    const ftz_record_type_t *rt = ftz_record_type_by_name("rail");
    const char *header = "event_id,shipment_id,train_id,container_id,corridor,direction,"
                         "event_type,station,country,cargo_category,goods_origin_country,teu,"
                         "cargo_value_cny,event_time,departed_at\n";
    static const struct { const char *row; const char *code; const char *reason; } cases[] = {
        {"E1,S1,X 8001,CSQU3054383,SHENYANG-DUISBURG,OUTBOUND,DEPARTED,\"Shenyang, East\",CN,"
         "ELECTRONICS,CN,2,1234567890123456.78,2026-11-01T01:00:00Z,\n", NULL, NULL},
        {"E1,S1,X,CSQU3054383,SHENYANG-DUISBURG,OUTBOUND,DEPARTED,St,CN,ELECTRONICS,CN,two,"
         "1.00,2026-11-01T01:00:00Z,\n", "BAD_JSON", "teu"},
        {"E1,S1,X,CSQU3054383,SHENYANG-DUISBURG,OUTBOUND,FLEW,St,CN,ELECTRONICS,CN,2,"
         "1.00,2026-11-01T01:00:00Z,\n", "BAD_JSON", "FLEW"},
        {",S1,X,CSQU3054383,SHENYANG-DUISBURG,OUTBOUND,DEPARTED,St,CN,ELECTRONICS,CN,2,"
         "1.00,2026-11-01T01:00:00Z,\n", "BAD_JSON", "event_id: missing"},
        {"E1,S1,X,CSQU3054383,SHENYANG-DUISBURG,OUTBOUND,DEPARTED,St,CN,ELECTRONICS,CN,2,"
         "1.999,2026-11-01T01:00:00Z,\n", "BAD_JSON", "cargo_value_cny"},
        {"E1,S1,X,CSQU3054383\n", "BAD_CSV", "4 cells"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char text[1024], errstr[256];
        snprintf(text, sizeof(text), "%s%s", header, cases[i].row);
        FILE *f = ftz_test_file_of(text, strlen(text));
        ftz_csv_reader_t *r = ftz_csv_reader_new(fileno(f), 1 << 20, errstr, sizeof(errstr));
        ftz_csv_row_t row;
        assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)), FTZ_CSV_ROW);
        ftz_csv_map_t *m = ftz_csv_map_new(rt, &row, errstr, sizeof(errstr));
        assert_non_null(m);
        assert_int_equal(ftz_csv_reader_next(r, &row, -1, errstr, sizeof(errstr)), FTZ_CSV_ROW);
        ftz_record_buf_t rec;
        ftz_verdict_t v;
        ftz_err_t err = ftz_csv_map_record(m, &row, &rec, &v);
        if (!cases[i].code) {
            if (err != FTZ_OK)
                fail_msg("case %zu: %s %s", i, v.code, v.reason);
            const ftz_rail_t *rail = (const ftz_rail_t *)&rec;
            assert_int_equal(rail->cargo_value_fen, 123456789012345678LL);
            assert_int_equal(rail->teu, 2);
            assert_string_equal(rail->station, "Shenyang, East");
            assert_false(rail->has_departed_at);
        } else {
            assert_int_equal(err, FTZ_ERR_POISON);
            if (strcmp(v.code, cases[i].code) != 0 || !strstr(v.reason, cases[i].reason))
                fail_msg("case %zu: %s %s, want %s ...%s...", i, v.code, v.reason,
                         cases[i].code, cases[i].reason);
        }
        ftz_csv_map_destroy(m);
        ftz_csv_reader_destroy(r);
        fclose(f);
    }
}

FTZ_TEST_MAIN(cmocka_unit_test(test_records_and_lines), cmocka_unit_test(test_raw),
              cmocka_unit_test(test_long_record_bounded), cmocka_unit_test(test_pipe),
              cmocka_unit_test(test_header),            cmocka_unit_test(test_rows))
