/* The simulator's dirty records (lib/src/simulate_dirty.c): each broken
 * record breaks the one rule it claims, still maps to the schema and to
 * JSON, and every rule of the type has one; the clean records are those of
 * the stream without dirt; the share and the kinds; determinism. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/codec.h"
#include "ftz/json.h"
#include "ftz/rules.h"
#include "ftz/simulate.h"
#include "simulate_int.h"

#define N 3000

typedef struct stream_s {
    unsigned char *recs;
    ftz_sim_info_t *info;
    size_t size;
} stream_t;

/* n records of type from conf, with what each is. */
static stream_t generate(ftz_rtype_t type, const ftz_sim_conf_t *conf, size_t n) {
    char errstr[256] = "";
    stream_t s = {NULL, NULL, ftz_record_type(type)->size};
    ftz_sim_t *sim = ftz_sim_new(conf, errstr, sizeof(errstr));
    if (!sim)
        fail_msg("ftz_sim_new: %s", errstr);
    s.recs = calloc(n, s.size);
    s.info = calloc(n, sizeof(*s.info));
    assert_non_null(s.recs);
    assert_non_null(s.info);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ftz_sim_next_info(sim, type, s.recs + i * s.size, &s.info[i]), FTZ_OK);
    ftz_sim_destroy(sim);
    return s;
}

static void stream_free(stream_t *s) {
    free(s->recs);
    free(s->info);
}

static void test_each_break_breaks_its_rule(void **state) {
    (void)state;
    char errstr[256] = "";
    ftz_catalog_t *cat = ftz_catalog_new_embedded(errstr, sizeof(errstr));
    assert_non_null(cat);
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
        ftz_sim_conf_t conf;
        ftz_sim_conf_defaults(&conf);
        stream_t s = generate(rt->id, &conf, 300);
        ftz_encoder_t *enc = ftz_encoder_new(cat, rt->id, 0, errstr, sizeof(errstr));
        ftz_record_buf_t broken, back;
        ftz_buf_t out = FTZ_BUF_INIT;
        int codes[32], n = ftz_sim_dirty_codes(rt->id, codes, 32);
        assert_non_null(enc);
        assert_true(n > 0 && n <= 32);
        for (int k = 0; k < n; k++)
            for (size_t i = 0; i < 300; i++) {
                ftz_verdict_t v;
                memset(&broken, 0, sizeof(broken));
                memcpy(&broken, s.recs + i * s.size, s.size);
                assert_int_equal(ftz_sim_dirty_break(rt->id, codes[k], &broken), FTZ_OK);
                if (ftz_rules_check(rt, &broken, &v) != FTZ_ERR_POISON || (int)v.id != codes[k])
                    fail_msg("%s record %zu broken for %s: %s %s", rt->short_name, i,
                             ftz_code_name((ftz_code_t)codes[k]), v.code ? v.code : "passes",
                             v.code ? v.reason : "");
                /* As ftz produce --skip-rules takes it: from JSON, to Avro. */
                ftz_buf_reset(&out);
                assert_int_equal(ftz_json_from_record(rt, &broken, &out), FTZ_OK);
                memset(&back, 0, sizeof(back));
                if (ftz_json_to_record(rt, out.data, out.len, &back, &v) != FTZ_OK)
                    fail_msg("%s: %s %s", out.data, v.code, v.reason);
                if (memcmp(&back, &broken, s.size) != 0)
                    fail_msg("%s: not the same record after JSON", out.data);
                if (ftz_encoder_encode(enc, &broken, &out, errstr, sizeof(errstr)) != FTZ_OK)
                    fail_msg("%s: %s", rt->short_name, errstr);
            }
        assert_int_equal(ftz_sim_dirty_break(rt->id, FTZ_V_SINK_REJECTED, &broken),
                         FTZ_ERR_INVALID_ARG);
        ftz_buf_free(&out);
        ftz_encoder_destroy(enc);
        stream_free(&s);
    }
    ftz_catalog_destroy(cat);
}

/* Every code a record of the type can get from the rules has its broken
 * record: a rule added without one fails here. */
static void test_every_rule_has_a_broken_record(void **state) {
    (void)state;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        int codes[32], n = ftz_sim_dirty_codes((ftz_rtype_t)t, codes, 32), nrules;
        const ftz_rule_t *rules = ftz_rules_table((ftz_rtype_t)t, &nrules);
        for (int r = 0; r < nrules; r++) {
            int found = 0;
            for (int k = 0; k < n; k++)
                found |= codes[k] == (int)rules[r].code;
            if (!found)
                fail_msg("%s: no broken record for %s", ftz_record_type((ftz_rtype_t)t)->short_name,
                         ftz_code_name(rules[r].code));
        }
        if (t == FTZ_REC_CUSTOMS) { /* given inside the amounts rule */
            int found = 0;
            for (int k = 0; k < n; k++)
                found |= codes[k] == FTZ_V_RULE_AMOUNT_RANGE;
            assert_true(found);
        }
    }
}

static void test_no_dirt_is_the_clean_stream(void **state) {
    (void)state;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        ftz_sim_conf_t conf;
        char errstr[256];
        ftz_sim_conf_defaults(&conf);
        stream_t s = generate((ftz_rtype_t)t, &conf, N);
        ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
        ftz_record_buf_t rec;
        assert_non_null(sim);
        for (size_t i = 0; i < N; i++) {
            memset(&rec, 0, sizeof(rec));
            assert_int_equal(ftz_sim_next(sim, (ftz_rtype_t)t, &rec), FTZ_OK);
            assert_memory_equal(&rec, s.recs + i * s.size, s.size);
            assert_int_equal(s.info[i].kind, FTZ_SIM_CLEAN);
            assert_int_equal(s.info[i].code, -1);
        }
        ftz_sim_destroy(sim);
        stream_free(&s);
    }
}

/* With dirt, the clean records are those of the clean stream: in order
 * (CLEAN), or later (LATE); only the held-back ones may be missing. */
static void test_dirt_keeps_the_clean_records(void **state) {
    (void)state;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        ftz_sim_conf_t conf;
        ftz_sim_conf_defaults(&conf);
        stream_t clean = generate((ftz_rtype_t)t, &conf, N);
        conf.dirty_rate = 0.3;
        stream_t mixed = generate((ftz_rtype_t)t, &conf, N);
        char *used = calloc(N, 1);
        size_t next = 0, nclean = 0;
        assert_non_null(used);
        for (size_t i = 0; i < N; i++) {
            const unsigned char *r = mixed.recs + i * mixed.size;
            ftz_sim_kind_t kind = mixed.info[i].kind;
            assert_true(kind == FTZ_SIM_BROKEN ? mixed.info[i].code >= 0
                                               : mixed.info[i].code == -1);
            if (kind != FTZ_SIM_CLEAN && kind != FTZ_SIM_LATE)
                continue;
            nclean++;
            size_t j = kind == FTZ_SIM_CLEAN ? next : 0;
            while (j < N && (used[j] || memcmp(clean.recs + j * clean.size, r, clean.size) != 0))
                j++;
            if (j >= N) {
                fail_msg("%s record %zu (%s) is not in the clean stream%s",
                         ftz_record_type((ftz_rtype_t)t)->short_name, i,
                         ftz_sim_kind_name(kind), kind == FTZ_SIM_CLEAN ? " in order" : "");
                return;
            }
            used[j] = 1;
            if (kind == FTZ_SIM_CLEAN)
                next = j + 1;
        }
        /* Skipped and not sent: at most the held-back queue. */
        size_t skipped = 0;
        for (size_t j = 0; j < next; j++)
            skipped += !used[j];
        assert_true(skipped <= FTZ_SIM_RESEND_QUEUE);
        assert_true(nclean > N / 2);
        free(used);
        stream_free(&clean);
        stream_free(&mixed);
    }
}

static void test_dirty_share_and_kinds(void **state) {
    (void)state;
    static const ftz_sim_kind_t need[FTZ_REC__COUNT][6] = {
        [FTZ_REC_CUSTOMS] = {FTZ_SIM_BROKEN, FTZ_SIM_RESEND, FTZ_SIM_STALE, FTZ_SIM_MOVED,
                             FTZ_SIM_LATE, FTZ_SIM_CLEAN},
        [FTZ_REC_RAIL] = {FTZ_SIM_BROKEN, FTZ_SIM_RESEND, FTZ_SIM_LATE, FTZ_SIM_CLEAN},
        [FTZ_REC_REGISTRATION] = {FTZ_SIM_BROKEN, FTZ_SIM_RESEND, FTZ_SIM_VARIANT, FTZ_SIM_LATE,
                                  FTZ_SIM_CLEAN},
    };
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        ftz_sim_conf_t conf;
        ftz_sim_conf_defaults(&conf);
        conf.dirty_rate = 0.05;
        stream_t s = generate((ftz_rtype_t)t, &conf, N);
        uint64_t kinds[FTZ_SIM__KINDS] = {0}, codes[FTZ_V__COUNT] = {0};
        for (size_t i = 0; i < N; i++) {
            kinds[s.info[i].kind]++;
            if (s.info[i].kind == FTZ_SIM_BROKEN)
                codes[s.info[i].code]++;
        }
        /* Dirty records, and the clean ones a broken copy or a variant
         * went before: about 5%, a little more. */
        uint64_t dirty = N - kinds[FTZ_SIM_CLEAN] - kinds[FTZ_SIM_LATE];
        if (dirty < N * 3 / 100 || dirty > N * 8 / 100)
            fail_msg("%s: %" PRIu64 " dirty records of %d",
                     ftz_record_type((ftz_rtype_t)t)->short_name, dirty, N);
        for (int k = 0; k < 6 && need[t][k] != FTZ_SIM_CLEAN; k++)
            if (!kinds[need[t][k]])
                fail_msg("%s: no %s record", ftz_record_type((ftz_rtype_t)t)->short_name,
                         ftz_sim_kind_name(need[t][k]));
        int list[32], n = ftz_sim_dirty_codes((ftz_rtype_t)t, list, 32);
        for (int k = 0; k < n; k++)
            if (!codes[list[k]])
                fail_msg("%s: no broken record for %s", ftz_record_type((ftz_rtype_t)t)->short_name,
                         ftz_code_name((ftz_code_t)list[k]));
        /* Broken records come just before the valid record they copy. */
        for (size_t i = 0; i + 1 < N; i++)
            if (s.info[i].kind == FTZ_SIM_BROKEN) {
                const ftz_record_type_t *rt = ftz_record_type((ftz_rtype_t)t);
                int keyed_differently = s.info[i].code == FTZ_V_RULE_FIELD_LENGTH ||
                                        s.info[i].code == FTZ_V_RULE_USCC_CHECKSUM;
                assert_int_equal(s.info[i + 1].kind, FTZ_SIM_CLEAN);
                if (!keyed_differently)
                    assert_string_equal(ftz_record_key(rt, s.recs + i * s.size),
                                        ftz_record_key(rt, s.recs + (i + 1) * s.size));
            }
        stream_free(&s);
    }
}

static void test_dirt_is_deterministic(void **state) {
    (void)state;
    for (int t = 0; t < FTZ_REC__COUNT; t++) {
        ftz_sim_conf_t conf;
        ftz_sim_conf_defaults(&conf);
        conf.dirty_rate = 0.2;
        conf.seed = 77;
        stream_t a = generate((ftz_rtype_t)t, &conf, N), b = generate((ftz_rtype_t)t, &conf, N);
        assert_memory_equal(a.recs, b.recs, N * a.size);
        assert_memory_equal(a.info, b.info, N * sizeof(*a.info));
        stream_free(&a);
        stream_free(&b);
    }
}

static void test_dirty_rate_bounds(void **state) {
    (void)state;
    ftz_sim_conf_t conf;
    char errstr[256];
    ftz_sim_conf_defaults(&conf);
    assert_true(conf.dirty_rate == 0);
    for (double bad = -0.1; bad < 2; bad += 1.2) {
        conf.dirty_rate = bad;
        assert_null(ftz_sim_new(&conf, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "dirty rate"));
    }
    conf.dirty_rate = 1; /* every record dirty: still a stream */
    stream_t s = generate(FTZ_REC_CUSTOMS, &conf, 500);
    stream_free(&s);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_each_break_breaks_its_rule),
              cmocka_unit_test(test_every_rule_has_a_broken_record),
              cmocka_unit_test(test_no_dirt_is_the_clean_stream),
              cmocka_unit_test(test_dirt_keeps_the_clean_records),
              cmocka_unit_test(test_dirty_share_and_kinds),
              cmocka_unit_test(test_dirt_is_deterministic),
              cmocka_unit_test(test_dirty_rate_bounds))
