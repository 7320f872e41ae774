/* Parsing Canonical Form and CRC-64-AVRO against the Avro specification's
 * own test vectors (share/test/data/schema-tests.txt of Apache Avro). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/array.h"
#include "ftz/canonical.h"

typedef struct {
    const char *input;
    const char *canonical;
    int has_fp;
    int64_t fingerprint;
} case_t;

static const case_t cases[] = {
    {"\"null\"", "\"null\"", 1, 7195948357588979594LL},
    {"{\"type\":\"null\"}", "\"null\"", 0, 0},
    {"\"boolean\"", "\"boolean\"", 1, -6970731678124411036LL},
    {"{\"type\":\"boolean\"}", "\"boolean\"", 0, 0},
    {"\"int\"", "\"int\"", 1, 8247732601305521295LL},
    {"{\"type\":\"int\"}", "\"int\"", 0, 0},
    {"\"long\"", "\"long\"", 1, -3434872931120570953LL},
    {"{\"type\":\"long\"}", "\"long\"", 0, 0},
    {"\"float\"", "\"float\"", 1, 5583340709985441680LL},
    {"{\"type\":\"float\"}", "\"float\"", 0, 0},
    {"\"double\"", "\"double\"", 1, -8181574048448539266LL},
    {"{\"type\":\"double\"}", "\"double\"", 0, 0},
    {"\"bytes\"", "\"bytes\"", 1, 5746618253357095269LL},
    {"{\"type\":\"bytes\"}", "\"bytes\"", 0, 0},
    {"\"string\"", "\"string\"", 1, -8142146995180207161LL},
    {"{\"type\":\"string\"}", "\"string\"", 0, 0},
    {"[  ]", "[]", 1, -1241056759729112623LL},
    {"[ \"int\"  ]", "[\"int\"]", 1, -5232228896498058493LL},
    {"[ \"int\" , {\"type\":\"boolean\"} ]", "[\"int\",\"boolean\"]", 1,
     5392556393470105090LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"namespace\":\"x.y\"}",
     "{\"name\":\"x.y.foo\",\"type\":\"record\",\"fields\":[]}", 1, 5916914534497305771LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"a.b.foo\", \"namespace\":\"x.y\"}",
     "{\"name\":\"a.b.foo\",\"type\":\"record\",\"fields\":[]}", 1, -4616218487480524110LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"doc\":\"Useful info\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"aliases\":[\"foo\",\"bar\"]}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[], \"type\":\"record\", \"name\":\"foo\", \"doc\":\"foo\", "
     "\"aliases\":[\"foo\",\"bar\"]}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[]}", 1, -4824392279771201922LL},
    {"{\"fields\":[{\"type\":{\"type\":\"boolean\"}, \"name\":\"f1\"}], \"type\":\"record\", "
     "\"name\":\"foo\"}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"}]}",
     1, 7843277075252814651LL},
    {"{ \"fields\":[{\"type\":\"boolean\", \"aliases\":[], \"name\":\"f1\", \"default\":\"true\"},\n"
     "            {\"order\":\"descending\",\"name\":\"f2\",\"doc\":\"Hello\",\"type\":\"int\"}],\n"
     "  \"type\":\"record\", \"name\":\"foo\"\n}",
     "{\"name\":\"foo\",\"type\":\"record\",\"fields\":[{\"name\":\"f1\",\"type\":\"boolean\"},"
     "{\"name\":\"f2\",\"type\":\"int\"}]}",
     1, -4860222112080293046LL},
    {"{\"type\":\"enum\", \"name\":\"foo\", \"symbols\":[\"A1\"]}",
     "{\"name\":\"foo\",\"type\":\"enum\",\"symbols\":[\"A1\"]}", 1, -6342190197741309591LL},
    {"{\"namespace\":\"x.y.z\", \"type\":\"enum\", \"name\":\"foo\", \"doc\":\"foo bar\", "
     "\"symbols\":[\"A1\", \"A2\"]}",
     "{\"name\":\"x.y.z.foo\",\"type\":\"enum\",\"symbols\":[\"A1\",\"A2\"]}", 1,
     -4448647247586288245LL},
    {"{\"name\":\"foo\",\"type\":\"fixed\",\"size\":15}",
     "{\"name\":\"foo\",\"type\":\"fixed\",\"size\":15}", 1, 1756455273707447556LL},
    {"{\"namespace\":\"x.y.z\", \"type\":\"fixed\", \"name\":\"foo\", \"doc\":\"foo bar\", "
     "\"size\":32}",
     "{\"name\":\"x.y.z.foo\",\"type\":\"fixed\",\"size\":32}", 1, -3064184465700546786LL},
    {"{ \"items\":{\"type\":\"null\"}, \"type\":\"array\"}", "{\"type\":\"array\",\"items\":\"null\"}",
     1, -589620603366471059LL},
    {"{ \"values\":\"string\", \"type\":\"map\"}", "{\"type\":\"map\",\"values\":\"string\"}", 1,
     -8732877298790414990LL},
    {"  {\"name\":\"PigValue\",\"type\":\"record\",\n"
     "   \"fields\":[{\"name\":\"value\", \"type\":[\"null\", \"int\", \"long\", \"PigValue\"]}]}",
     "{\"name\":\"PigValue\",\"type\":\"record\",\"fields\":[{\"name\":\"value\",\"type\":"
     "[\"null\",\"int\",\"long\",\"PigValue\"]}]}",
     1, -1759257747318642341LL},
    /* Beyond the spec's file: nested names inherit the enclosing namespace,
     * logical types are stripped, primitives are never namespaced. */
    {"{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"fields\":["
     "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}},"
     "{\"name\":\"f\",\"type\":\"E\"},"
     "{\"name\":\"t\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
     "{\"name\":\"s\",\"type\":\"string\"}]}",
     "{\"name\":\"a.b.R\",\"type\":\"record\",\"fields\":["
     "{\"name\":\"e\",\"type\":{\"name\":\"a.b.E\",\"type\":\"enum\",\"symbols\":[\"X\"]}},"
     "{\"name\":\"f\",\"type\":\"a.b.E\"},{\"name\":\"t\",\"type\":\"long\"},"
     "{\"name\":\"s\",\"type\":\"string\"}]}",
     0, 0},
    {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"u\",\"type\":\"string\","
     "\"doc\":\"\\u00e9t\\u00e9\"}],\"doc\":\"x\"}",
     "{\"name\":\"R\",\"type\":\"record\",\"fields\":[{\"name\":\"u\",\"type\":\"string\"}]}", 0,
     0},
};

static void test_spec_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        char errstr[256];
        char *pcf = ftz_canonical_form(cases[i].input, strlen(cases[i].input), errstr,
                                       sizeof(errstr));
        if (!pcf)
            fail_msg("case %zu: %s", i, errstr);
        if (strcmp(pcf, cases[i].canonical) != 0)
            fail_msg("case %zu: got %s, want %s", i, pcf, cases[i].canonical);
        if (cases[i].has_fp) {
            int64_t fp = (int64_t)ftz_crc64_avro(pcf, strlen(pcf));
            if (fp != cases[i].fingerprint)
                fail_msg("case %zu: fingerprint %lld, want %lld", i, (long long)fp,
                         (long long)cases[i].fingerprint);
        }
        free(pcf);
    }
}

static void test_empty_crc(void **state) {
    (void)state;
    assert_true(ftz_crc64_avro("", 0) == 0xc15d213aa4d7a795ULL);
}

static void test_invalid_schemas(void **state) {
    (void)state;
    const char *bad[] = {"", "{", "42", "{\"type\":\"record\"}",
                         "{\"type\":\"record\",\"name\":\"r\"}",
                         "{\"type\":\"enum\",\"name\":\"e\"}",
                         "{\"type\":\"fixed\",\"name\":\"f\",\"size\":-1}",
                         "{\"type\":\"array\"}", "{\"name\":\"x\"}"};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(bad); i++) {
        char errstr[256] = "";
        char *pcf = ftz_canonical_form(bad[i], strlen(bad[i]), errstr, sizeof(errstr));
        if (pcf)
            fail_msg("\"%s\" was accepted as %s", bad[i], pcf);
        assert_true(errstr[0] != '\0');
    }
}

FTZ_TEST_MAIN(cmocka_unit_test(test_spec_vectors), cmocka_unit_test(test_empty_crc),
              cmocka_unit_test(test_invalid_schemas))
