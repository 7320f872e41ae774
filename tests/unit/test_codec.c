/* Avro codec and JSON mapping: round trips, framing, and the hostile bytes
 * the decoder must turn into a verdict instead of a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <cmocka.h>

#include "ftz/array.h"
#include "ftz/codec.h"
#include "ftz/frame.h"
#include "ftz/json.h"
#include "ftz/simulate.h"
#include "ftz/value.h"

static const char good_json[] =
    "{\"declaration_id\":\"D1\",\"revision\":1,\"area\":\"DALIAN\",\"direction\":\"EXPORT\","
    "\"status\":\"CLEARED\",\"hs_code\":\"392321\",\"origin_country\":\"CN\","
    "\"destination_country\":\"JP\",\"transport_mode\":\"SEA\","
    "\"declared_value_cny\":\"125000.50\",\"gross_weight_kg\":1520.5,"
    "\"filed_at\":\"2026-11-01T08:00:00Z\",\"cleared_at\":\"2026-11-01T14:30:00Z\","
    "\"event_time\":\"2026-11-01T14:30:00Z\"}";

typedef struct {
    ftz_catalog_t *cat;
    ftz_decoder_t *dec;
    ftz_encoder_t *enc;
    ftz_buf_t buf;
} fixture_t;

static int setup(void **state) {
    static fixture_t f;
    char errstr[256];
    memset(&f, 0, sizeof(f));
    f.cat = ftz_catalog_new_embedded(errstr, sizeof(errstr));
    if (!f.cat)
        fail_msg("catalog: %s", errstr);
    f.dec = ftz_decoder_new(f.cat, errstr, sizeof(errstr));
    if (!f.dec)
        fail_msg("decoder: %s", errstr);
    f.enc = ftz_encoder_new(f.cat, FTZ_REC_CUSTOMS, 0, errstr, sizeof(errstr));
    if (!f.enc)
        fail_msg("encoder: %s", errstr);
    *state = &f;
    return 0;
}

static int teardown(void **state) {
    fixture_t *f = *state;
    ftz_buf_free(&f->buf);
    ftz_encoder_destroy(f->enc);
    ftz_decoder_destroy(f->dec);
    ftz_catalog_destroy(f->cat);
    return 0;
}

static void encode_good(fixture_t *f, ftz_customs_t *rec) {
    ftz_verdict_t v;
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_CUSTOMS);
    if (ftz_json_to_record(rt, good_json, strlen(good_json), rec, &v) != FTZ_OK)
        fail_msg("json: %s %s", v.code, v.reason);
    assert_int_equal(ftz_encoder_encode(f->enc, rec, &f->buf, NULL, 0), FTZ_OK);
}

static void test_round_trip(void **state) {
    fixture_t *f = *state;
    ftz_customs_t in, out;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    encode_good(f, &in);
    assert_int_equal(in.declared_value_fen, 12500050);
    assert_true(in.has_cleared_at);
    /* Single-object header with the catalog's fingerprint. */
    assert_int_equal((unsigned char)f->buf.data[0], 0xC3);
    assert_int_equal((unsigned char)f->buf.data[1], 0x01);
    assert_int_equal(ftz_decoder_decode(f->dec, f->buf.data, f->buf.len, &rt, &out, &v), FTZ_OK);
    assert_ptr_equal(rt, ftz_record_type(FTZ_REC_CUSTOMS));
    assert_memory_equal(&in, &out, sizeof(in));

    /* And back to JSON, and again to a struct: the same record. */
    ftz_buf_t js = FTZ_BUF_INIT;
    ftz_customs_t again;
    assert_int_equal(ftz_json_from_record(rt, &out, &js), FTZ_OK);
    assert_int_equal(ftz_json_to_record(rt, js.data, js.len, &again, &v), FTZ_OK);
    assert_memory_equal(&in, &again, sizeof(in));
    ftz_buf_free(&js);

    /* cleared_at absent. */
    in.has_cleared_at = false;
    in.cleared_at_ms = 0;
    assert_int_equal(ftz_encoder_encode(f->enc, &in, &f->buf, NULL, 0), FTZ_OK);
    assert_int_equal(ftz_decoder_decode(f->dec, f->buf.data, f->buf.len, &rt, &out, &v), FTZ_OK);
    assert_false(out.has_cleared_at);
}

/* Evolution: version 1 writers and version 2 (current) readers, both ways
 * through the catalog; an older encoder leaves out the newer field. */
static void test_versions(void **state) {
    fixture_t *f = *state;
    char errstr[256];
    ftz_customs_t in, out;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    encode_good(f, &in);
    in.has_customs_office = true;
    snprintf(in.customs_office, sizeof(in.customs_office), "0900");

    ftz_encoder_t *v1 = ftz_encoder_new(f->cat, FTZ_REC_CUSTOMS, 1, errstr, sizeof(errstr));
    if (!v1)
        fail_msg("v1 encoder: %s", errstr);
    assert_int_equal(ftz_encoder_encode(v1, &in, &f->buf, NULL, 0), FTZ_OK);
    const ftz_schema_entry_t *e1 = ftz_catalog_version(f->cat, FTZ_REC_CUSTOMS, 1);
    assert_non_null(e1);
    assert_memory_equal(f->buf.data + 2, &e1->fingerprint, 8); /* little-endian host */
    if (ftz_decoder_decode(f->dec, f->buf.data, f->buf.len, &rt, &out, &v) != FTZ_OK)
        fail_msg("v1 record: %s %s", v.code, v.reason);
    assert_false(out.has_customs_office); /* the default */
    in.has_customs_office = false;
    memset(in.customs_office, 0, sizeof(in.customs_office));
    assert_memory_equal(&in, &out, sizeof(in));
    ftz_encoder_destroy(v1);

    in.has_customs_office = true;
    snprintf(in.customs_office, sizeof(in.customs_office), "0900");
    assert_int_equal(ftz_encoder_encode(f->enc, &in, &f->buf, NULL, 0), FTZ_OK);
    assert_int_equal(ftz_decoder_decode(f->dec, f->buf.data, f->buf.len, &rt, &out, &v), FTZ_OK);
    assert_true(out.has_customs_office);
    assert_string_equal(out.customs_office, "0900");
}

/* The direct path and Avro-C's reader give the same struct for every
 * record type and schema version, on thousands of simulated records. */
static void test_paths_agree(void **state) {
    fixture_t *f = *state;
    char errstr[256];
    ftz_sim_conf_t conf;
    ftz_sim_conf_defaults(&conf);
    conf.seed = 99;
    ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
    ftz_decoder_t *slow = ftz_decoder_new(f->cat, errstr, sizeof(errstr));
    assert_non_null(sim);
    assert_non_null(slow);
    ftz_decoder_force_avro(slow, 1);
    for (int i = 0; i < ftz_catalog_count(f->cat); i++) {
        const ftz_schema_entry_t *e = ftz_catalog_entry(f->cat, i);
        ftz_encoder_t *enc = ftz_encoder_new(f->cat, e->rt->id, e->version, errstr, sizeof(errstr));
        assert_non_null(enc);
        for (int k = 0; k < 2000; k++) {
            ftz_record_buf_t in, a, b;
            ftz_verdict_t va, vb;
            const ftz_record_type_t *rta, *rtb;
            assert_int_equal(ftz_sim_next(sim, e->rt->id, &in), FTZ_OK);
            assert_int_equal(ftz_encoder_encode(enc, &in, &f->buf, NULL, 0), FTZ_OK);
            assert_int_equal(ftz_decoder_decode(f->dec, f->buf.data, f->buf.len, &rta, &a, &va), FTZ_OK);
            assert_int_equal(ftz_decoder_decode(slow, f->buf.data, f->buf.len, &rtb, &b, &vb), FTZ_OK);
            assert_ptr_equal(rta, rtb);
            if (memcmp(&a, &b, rta->size) != 0)
                fail_msg("%s v%d record %d: the two paths disagree", e->rt->fullname, e->version, k);
        }
        ftz_encoder_destroy(enc);
    }
    ftz_decoder_destroy(slow);
    ftz_sim_destroy(sim);
}

/* A newer writer than this build knows (an extra optional field, and an
 * enum symbol order of its own would be mapped by name): the consumer,
 * given the new schema in its catalog, reads what it knows and skips the
 * rest. */
static void test_newer_writer(void **state) {
    fixture_t *f = *state;
    char errstr[512], dir[] = "/tmp/ftz-test-schemas-XXXXXX", path[600];
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < ftz_catalog_count(f->cat); i++) {
        const ftz_schema_entry_t *e = ftz_catalog_entry(f->cat, i);
        snprintf(path, sizeof(path), "%s/%s.v%d.avsc", dir, e->rt->short_name, e->version);
        FILE *out = fopen(path, "w");
        assert_non_null(out);
        fputs(e->text, out);
        fclose(out);
    }
    /* v3 = v2 + a trailing optional field the code does not know. */
    const ftz_schema_entry_t *v2 = ftz_catalog_version(f->cat, FTZ_REC_CUSTOMS, 2);
    assert_non_null(v2);
    const char *last = strrchr(v2->text, ']');
    assert_non_null(last);
    snprintf(path, sizeof(path), "%s/customs.v3.avsc", dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fprintf(out, "%.*s, {\"name\": \"inspector\", \"type\": [\"null\", \"string\"], "
                 "\"default\": null, \"doc\": \"added in v3\"}%s",
            (int)(last - v2->text), v2->text, last);
    fclose(out);

    ftz_catalog_t *cat3 = ftz_catalog_new_dir(dir, errstr, sizeof(errstr));
    if (!cat3)
        fail_msg("catalog with v3: %s", errstr);
    ftz_decoder_t *dec3 = ftz_decoder_new(cat3, errstr, sizeof(errstr));
    if (!dec3)
        fail_msg("decoder with v3: %s", errstr);
    const ftz_schema_entry_t *v3 = ftz_catalog_version(cat3, FTZ_REC_CUSTOMS, 3);
    assert_non_null(v3);

    ftz_customs_t in, out2;
    ftz_verdict_t v;
    const ftz_record_type_t *rt;
    encode_good(f, &in); /* v2 bytes */
    ftz_buf_t b3 = FTZ_BUF_INIT;
    unsigned char header[FTZ_FRAME_HEADER_SIZE];
    ftz_frame_header(v3->fingerprint, header);
    ftz_buf_append(&b3, header, sizeof(header));
    ftz_buf_append(&b3, f->buf.data + FTZ_FRAME_HEADER_SIZE, f->buf.len - FTZ_FRAME_HEADER_SIZE);
    ftz_buf_append(&b3, "\x02\x0aHELLO", 7); /* inspector: branch 1, "HELLO" */
    for (int slow = 0; slow < 2; slow++) {
        ftz_decoder_force_avro(dec3, slow);
        if (ftz_decoder_decode(dec3, b3.data, b3.len, &rt, &out2, &v) != FTZ_OK)
            fail_msg("v3 record (%s path): %s %s", slow ? "Avro-C" : "direct", v.code, v.reason);
        assert_memory_equal(&in, &out2, sizeof(in));
    }
    ftz_buf_free(&b3);
    ftz_decoder_destroy(dec3);
    ftz_catalog_destroy(cat3);
    for (int i = 0; i < 8; i++) {
        static const char *const names[] = {"customs.v1.avsc", "customs.v2.avsc",
                                            "customs.v3.avsc", "rail.v1.avsc",
                                            "registration.v1.avsc", NULL};
        if (!names[i])
            break;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Each record's field table (record.c) is exactly the newest embedded
 * schema's fields, by name, in order. */
static void test_table_matches_schemas(void **state) {
    fixture_t *f = *state;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
        const ftz_schema_entry_t *e = ftz_catalog_current(f->cat, rt->id);
        assert_non_null(e);
        assert_int_equal((int)avro_schema_record_size(e->schema), rt->nfields);
        for (int i = 0; i < rt->nfields; i++)
            assert_string_equal(avro_schema_record_field_name(e->schema, i), rt->fields[i].name);
    }
}

static void expect_verdict(fixture_t *f, const void *bytes, size_t len, const char *code) {
    ftz_customs_t out;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    assert_int_equal(ftz_decoder_decode(f->dec, bytes, len, &rt, &out, &v), FTZ_ERR_POISON);
    if (!v.code || strcmp(v.code, code) != 0)
        fail_msg("verdict %s (%s), want %s", v.code ? v.code : "none", v.reason, code);
    assert_true(v.reason[0] != '\0');
}

static void test_framing(void **state) {
    fixture_t *f = *state;
    ftz_customs_t rec;
    encode_good(f, &rec);
    expect_verdict(f, "", 0, "BAD_FRAMING");
    expect_verdict(f, NULL, 0, "BAD_FRAMING");
    expect_verdict(f, "{\"json\":1}", 10, "BAD_FRAMING");
    expect_verdict(f, f->buf.data, 9, "BAD_FRAMING");
    unsigned char copy[512];
    memcpy(copy, f->buf.data, f->buf.len);
    copy[5] ^= 0xFF; /* another fingerprint */
    expect_verdict(f, copy, f->buf.len, "UNKNOWN_SCHEMA");
}

static void test_hostile_datum(void **state) {
    fixture_t *f = *state;
    ftz_customs_t rec;
    unsigned char copy[512];
    encode_good(f, &rec);
    size_t len = f->buf.len;
    /* Datum: 04 'D' '1' (id), 02 (revision 1), area enum index at +4. */
    const size_t area = FTZ_FRAME_HEADER_SIZE + 4;
    memcpy(copy, f->buf.data, len);
    copy[area] = 0x0A; /* index 5 of 3 symbols */
    expect_verdict(f, copy, len, "DECODE_ERROR");
    /* Truncated datum. */
    expect_verdict(f, f->buf.data, FTZ_FRAME_HEADER_SIZE + 6, "DECODE_ERROR");
    /* A NUL byte inside the id. */
    memcpy(copy, f->buf.data, len);
    copy[FTZ_FRAME_HEADER_SIZE + 2] = '\0';
    expect_verdict(f, copy, len, "DECODE_ERROR");
    /* Invalid UTF-8 inside the id. */
    memcpy(copy, f->buf.data, len);
    copy[FTZ_FRAME_HEADER_SIZE + 1] = (char)0xC0;
    expect_verdict(f, copy, len, "DECODE_ERROR");
}

static void test_json_errors(void **state) {
    (void)state;
    static const struct { const char *json; const char *needle; } cases[] = {
        {"not json", "column"},
        {"[1]", "JSON object"},
        {"{\"declaration_id\":\"D1\"}", "revision: missing"},
        {"{\"declaration_id\":\"D1\",\"nope\":1}", "nope: not a field"},
        /* The streaming reader (yajl) is as strict as a tree parser. */
        {"", "column"},
        {"{}{}", "trailing garbage"},
        {"{\"declaration_id\":\"D1\",\"declaration_id\":\"D2\"}", "given twice"},
        {"{\"declaration_id\":\"a\\ud800b\"}", "lone surrogate"},
        {"{\"declaration_id\":\"a\\udc00b\"}", "lone surrogate"},
        {"{\"declaration_id\":\"a\\ud800\\u0041\"}", "lone surrogate"},
        {"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         "nested deeper"},
        {"{\"declaration_id\":\"D1\"", "column"},
        {"{\"declaration_id\":\"D1\xff\"}", "column"},
    };
    const ftz_record_type_t *rt = ftz_record_type(FTZ_REC_CUSTOMS);
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        ftz_customs_t rec;
        ftz_verdict_t v;
        assert_int_equal(ftz_json_to_record(rt, cases[i].json, strlen(cases[i].json), &rec, &v),
                         FTZ_ERR_POISON);
        if (!strstr(v.reason, cases[i].needle))
            fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", cases[i].json, v.reason,
                     cases[i].needle);
    }
    /* Field-level errors: replace one field of the good record. */
    static const struct { const char *from, *to, *needle; } edits[] = {
        {"\"area\":\"DALIAN\"", "\"area\":\"HARBIN\"", "area: \"HARBIN\" is not one of"},
        {"\"revision\":1", "\"revision\":\"1\"", "revision: expected a 32-bit integer"},
        {"\"125000.50\"", "\"125000.505\"", "more than 2 decimals"},
        {"\"125000.50\"", "125000.505", "more than 2 decimals"},
        {"\"filed_at\":\"2026-11-01T08:00:00Z\"", "\"filed_at\":\"2026-11-01 08:00\"",
         "filed_at: \"2026-11-01 08:00\" is not an RFC 3339 timestamp"},
        {"\"gross_weight_kg\":1520.5", "\"gross_weight_kg\":\"heavy\"",
         "gross_weight_kg: expected a number"},
        {"\"gross_weight_kg\":1520.5", "\"gross_weight_kg\":1e400",
         "gross_weight_kg: 1e400 is out of range"},
        {"\"revision\":1", "\"revision\":99999999999999999999",
         "revision: expected a 32-bit integer"},
        {"\"revision\":1", "\"revision\":2147483648", "revision: expected a 32-bit integer"},
        {"\"revision\":1", "\"revision\":1.0", "revision: expected a 32-bit integer"},
        {"\"revision\":1", "\"revision\":true", "revision: expected a 32-bit integer"},
        {"\"revision\":1", "\"revision\":[1]", "revision: expected a 32-bit integer"},
        {"\"declaration_id\":\"D1\"", "\"declaration_id\":{\"id\":\"D1\"}",
         "declaration_id: expected a string"},
        {"\"declaration_id\":\"D1\"", "\"declaration_id\":\"D\\u00001\"",
         "declaration_id: not valid UTF-8, or contains a NUL byte"},
        {"\"area\":\"DALIAN\"", "\"area\":\"DALIAN\\u0000\"", "is not one of"},
        {"\"125000.50\"", "1e5", "without an exponent"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(edits); i++) {
        char json[1024];
        const char *at = strstr(good_json, edits[i].from);
        assert_non_null(at);
        snprintf(json, sizeof(json), "%.*s%s%s", (int)(at - good_json), good_json, edits[i].to,
                 at + strlen(edits[i].from));
        ftz_customs_t rec;
        ftz_verdict_t v;
        if (ftz_json_to_record(rt, json, strlen(json), &rec, &v) != FTZ_ERR_POISON)
            fail_msg("edit %zu: accepted %s", i, json);
        if (!strstr(v.reason, edits[i].needle))
            fail_msg("edit %zu: reason \"%s\" lacks \"%s\"", i, v.reason, edits[i].needle);
    }
    /* Money as a JSON number with two decimals is exact. */
    ftz_customs_t rec;
    ftz_verdict_t v;
    char json[1024];
    const char *at = strstr(good_json, "\"125000.50\"");
    snprintf(json, sizeof(json), "%.*s0.29%s", (int)(at - good_json), good_json,
             at + strlen("\"125000.50\""));
    assert_int_equal(ftz_json_to_record(rt, json, strlen(json), &rec, &v), FTZ_OK);
    assert_int_equal(rec.declared_value_fen, 29);
    /* Escapes are decoded; a surrogate pair is one character. */
    at = strstr(good_json, "\"D1\"");
    snprintf(json, sizeof(json), "%.*s\"D\\u0031\\ud83d\\ude00\\\"\"%s",
             (int)(at - good_json), good_json, at + strlen("\"D1\""));
    assert_int_equal(ftz_json_to_record(rt, json, strlen(json), &rec, &v), FTZ_OK);
    assert_string_equal(rec.declaration_id, "D1\xf0\x9f\x98\x80\"");
}

/* The direct encoder writes the same bytes as Avro-C's generic values, for
 * every record type and schema version, over simulated records (optional
 * fields absent and present, every enum symbol) and edge values. */
static void test_direct_encoding_is_avro(void **state) {
    fixture_t *f = *state;
    char errstr[256];
    ftz_sim_conf_t conf;
    ftz_sim_conf_defaults(&conf);
    conf.seed = 11;
    ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
    assert_non_null(sim);
    union {
        ftz_customs_t c;
        ftz_rail_t r;
        ftz_registration_t g;
    } rec;
    ftz_buf_t a = FTZ_BUF_INIT, b = FTZ_BUF_INIT;
    int compared = 0;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        for (int version = 1; version <= 9; version++) {
            if (!ftz_catalog_version(f->cat, (ftz_rtype_t)t, version))
                continue;
            ftz_encoder_t *direct = ftz_encoder_new(f->cat, (ftz_rtype_t)t, version, errstr,
                                                    sizeof(errstr));
            ftz_encoder_t *generic = ftz_encoder_new(f->cat, (ftz_rtype_t)t, version, errstr,
                                                     sizeof(errstr));
            assert_non_null(direct);
            assert_non_null(generic);
            ftz_encoder_force_avro(generic, 1);
            for (int i = 0; i < 3000; i++) {
                assert_int_equal(ftz_sim_next(sim, (ftz_rtype_t)t, &rec), FTZ_OK);
                if (i == 0 && t == FTZ_REC_CUSTOMS) { /* edge values */
                    rec.c.declared_value_fen = -FTZ_DECIMAL18_MAX;
                    rec.c.revision = INT32_MAX;
                    rec.c.gross_weight_kg = -0.0;
                    rec.c.filed_at_ms = INT64_MIN / 2;
                }
                if (i == 1 && t == FTZ_REC_CUSTOMS) {
                    rec.c.declared_value_fen = 0;
                    rec.c.revision = INT32_MIN;
                    rec.c.has_customs_office = false;
                }
                assert_int_equal(ftz_encoder_encode(direct, &rec, &a, NULL, 0), FTZ_OK);
                assert_int_equal(ftz_encoder_encode(generic, &rec, &b, NULL, 0), FTZ_OK);
                if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
                    fail_msg("type %d v%d record %d: direct encoding (%zu bytes) differs from "
                             "Avro-C's (%zu bytes)", t, version, i, a.len, b.len);
                compared++;
            }
            ftz_encoder_destroy(direct);
            ftz_encoder_destroy(generic);
        }
    }
    assert_true(compared >= 3 * 3000);
    ftz_buf_free(&a);
    ftz_buf_free(&b);
    ftz_sim_destroy(sim);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_direct_encoding_is_avro),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_paths_agree),
        cmocka_unit_test(test_newer_writer),
        cmocka_unit_test(test_table_matches_schemas),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_hostile_datum),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
