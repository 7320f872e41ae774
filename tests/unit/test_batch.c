/* The batch (batch.c): offsets per partition (the stored next offset it
 * starts from, the last it holds, the fingerprint of that message), good
 * records with the message they came from, dead letters (a good record
 * turned into one keeps its message; reasons made valid UTF-8), clearing
 * for the next batch, and the generation that tells one batch's contents
 * from another's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "ftz/batch.h"
#include "ftz/utf8.h"

static const ftz_record_type_t *rail(void) { return ftz_record_type(FTZ_REC_RAIL); }

static void add_rail(ftz_batch_t *b, const char *topic, int32_t part, int64_t off,
                     const char *id) {
    ftz_rail_t r;
    memset(&r, 0, sizeof(r));
    strcpy(r.event_id, id);
    char value[32];
    snprintf(value, sizeof(value), "value-%s", id);
    uint64_t fp = ftz_batch_fingerprint(id, strlen(id), value, strlen(value));
    assert_int_equal(ftz_batch_note_offset(b, topic, part, 10, off, fp), FTZ_OK);
    assert_int_equal(ftz_batch_add_record(b, rail(), &r, part, off, id, strlen(id), value,
                                          strlen(value)),
                     FTZ_OK);
}

static const ftz_batch_part_t *part_of(const ftz_batch_t *b, const char *topic, int32_t p) {
    for (size_t i = 0; i < b->n_parts; i++)
        if (strcmp(b->parts[i].topic, topic) == 0 && b->parts[i].partition == p)
            return &b->parts[i];
    return NULL;
}

static void test_offsets_and_records(void **state) {
    (void)state;
    ftz_batch_t b;
    ftz_batch_init(&b);
    uint64_t gen0 = b.generation;
    add_rail(&b, "t.rail", 0, 10, "E1");
    add_rail(&b, "t.rail", 0, 11, "E2");
    add_rail(&b, "t.rail", 3, 7, "E3");
    assert_int_not_equal(b.generation, gen0);
    assert_int_equal(b.rows[FTZ_REC_RAIL].n, 3);
    assert_int_equal(b.n_parts, 2);
    const ftz_batch_part_t *p0 = part_of(&b, "t.rail", 0);
    assert_non_null(p0);
    assert_int_equal(p0->expected, 10); /* from the first message of the partition */
    assert_int_equal(p0->last, 11);
    assert_int_equal(p0->last_fingerprint,
                     ftz_batch_fingerprint("E2", 2, "value-E2", strlen("value-E2")));
    const ftz_batch_part_t *p3 = part_of(&b, "t.rail", 3);
    assert_non_null(p3);
    assert_int_equal(p3->last, 7);
    /* Each record keeps where it came from and its message. */
    const ftz_row_meta_t *m = &b.rows[FTZ_REC_RAIL].meta[1];
    assert_int_equal(m->partition, 0);
    assert_int_equal(m->offset, 11);
    assert_int_equal(m->has_key, 1);
    assert_memory_equal(b.arena.data + m->key_off, "E2", 2);
    assert_memory_equal(b.arena.data + m->value_off, "value-E2", m->value_len);
    const ftz_rail_t *r = (const ftz_rail_t *)(const void *)b.rows[FTZ_REC_RAIL].data;
    assert_string_equal(r[2].event_id, "E3");
    ftz_batch_free(&b);
}

static void test_fingerprint(void **state) {
    (void)state;
    uint64_t a = ftz_batch_fingerprint("k", 1, "v", 1);
    assert_int_not_equal(a, 0);
    assert_int_equal(a, ftz_batch_fingerprint("k", 1, "v", 1));
    assert_int_not_equal(a, ftz_batch_fingerprint("k", 1, "w", 1));
    /* Key and value are told apart: not the hash of their concatenation. */
    assert_int_not_equal(ftz_batch_fingerprint("kv", 2, NULL, 0),
                         ftz_batch_fingerprint("k", 1, "v", 1));
    assert_int_not_equal(ftz_batch_fingerprint(NULL, 0, NULL, 0), 0);
}

static void test_dead_letters(void **state) {
    (void)state;
    ftz_batch_t b;
    ftz_batch_init(&b);
    add_rail(&b, "t.rail", 0, 10, "E1");
    add_rail(&b, "t.rail", 0, 11, "E2");
    /* A message that is not valid becomes a dead letter; its reason is made
     * valid UTF-8 (a stray byte shown as \xNN). */
    assert_int_equal(ftz_batch_note_offset(&b, "t.rail", 0, 10, 12, 99), FTZ_OK);
    assert_int_equal(ftz_batch_add_dead(&b, "t.rail", 0, 12, NULL, 0, "\xff\x01", 2,
                                        "DECODE_ERROR", "bad byte \xff here"),
                     FTZ_OK);
    assert_int_equal(b.n_dead, 1);
    assert_null(b.dead[0].key);
    assert_int_equal(b.dead[0].payload_len, 2);
    assert_string_equal(b.dead[0].code, "DECODE_ERROR");
    assert_true(ftz_utf8_valid(b.dead[0].reason, strlen(b.dead[0].reason)));
    assert_non_null(strstr(b.dead[0].reason, "\\xFF"));
    /* A good record refused later keeps its message, key and offset. */
    assert_int_equal(ftz_batch_reject_record(&b, rail(), 1, "t.rail", "RULE_X", "refused"),
                     FTZ_OK);
    assert_int_equal(b.n_dead, 2);
    assert_int_equal(b.dead[1].offset, 11);
    assert_int_equal(b.dead[1].key_len, 2);
    assert_memory_equal(b.dead[1].key, "E2", 2);
    assert_memory_equal(b.dead[1].payload, "value-E2", b.dead[1].payload_len);
    /* The offsets still cover all three messages. */
    assert_int_equal(part_of(&b, "t.rail", 0)->last, 12);
    ftz_batch_free(&b);
}

static void test_clear(void **state) {
    (void)state;
    ftz_batch_t b;
    ftz_batch_init(&b);
    add_rail(&b, "t.rail", 0, 10, "E1");
    add_rail(&b, "t.rail", 1, 20, "E2");
    assert_int_equal(ftz_batch_note_offset(&b, "t.rail", 1, 20, 21, 5), FTZ_OK);
    assert_int_equal(ftz_batch_add_dead(&b, "t.rail", 1, 21, "k", 1, "v", 1, "BAD_JSON", "x"),
                     FTZ_OK);
    assert_int_equal(b.messages, 3);
    uint64_t gen = b.generation;
    ftz_batch_clear(&b);
    assert_int_not_equal(b.generation, gen);
    assert_int_equal(b.rows[FTZ_REC_RAIL].n, 0);
    assert_int_equal(b.n_parts, 0);
    assert_int_equal(b.n_dead, 0);
    assert_int_equal(b.messages, 0);
    /* Reused after a clear: a partition starts again from its stored offset. */
    add_rail(&b, "t.rail", 2, 5, "E9");
    assert_int_equal(part_of(&b, "t.rail", 2)->expected, 10);
    assert_int_equal(part_of(&b, "t.rail", 2)->last, 5);
    const ftz_rail_t *r = (const ftz_rail_t *)(const void *)b.rows[FTZ_REC_RAIL].data;
    assert_string_equal(r[0].event_id, "E9");
    ftz_batch_free(&b);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_offsets_and_records), cmocka_unit_test(test_fingerprint),
              cmocka_unit_test(test_dead_letters), cmocka_unit_test(test_clear))
