/* The Avro wire checker: one test per class of hostile bytes (built by hand
 * with a small zigzag-varint encoder), then agreement with Avro-C's own
 * writer on a schema covering every Avro type, on the project's schemas and
 * on random records of a recursive schema, and a throughput figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fixtures.h"
#include "embedded.h"
#include "ftz/array.h"
#include "ftz/avro_check.h"

/* ------------------------------------------------------------ byte builder */

typedef struct bb_s {
    unsigned char d[4096];
    size_t n;
} bb_t;

static void bb_raw(bb_t *b, const void *p, size_t n) {
    assert_true(b->n + n <= sizeof(b->d));
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void bb_byte(bb_t *b, unsigned c) {
    unsigned char x = (unsigned char)c;
    bb_raw(b, &x, 1);
}

/* Zigzag varint, as Avro writes int and long. */
static void bb_long(bb_t *b, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    while (z >= 0x80) {
        bb_byte(b, (unsigned)(z & 0x7F) | 0x80);
        z >>= 7;
    }
    bb_byte(b, (unsigned)z);
}

static void bb_blob(bb_t *b, const void *p, size_t n) {
    bb_long(b, (int64_t)n);
    bb_raw(b, p, n);
}

static void bb_str(bb_t *b, const char *s) {
    bb_blob(b, s, strlen(s));
}

/* --------------------------------------------------------------- helpers */

static char reason[320];

static ftz_avro_prog_t *prog_from_json(const char *json) {
    avro_schema_t schema;
    char errstr[256];
    if (avro_schema_from_json_length(json, strlen(json), &schema))
        fail_msg("schema: %s", avro_strerror());
    ftz_avro_prog_t *prog = ftz_avro_prog_new(schema, errstr, sizeof(errstr));
    avro_schema_decref(schema); /* the program does not keep it */
    if (!prog)
        fail_msg("compile: %s", errstr);
    return prog;
}

static ftz_err_t check(const ftz_avro_prog_t *prog, const void *d, size_t n,
                       const ftz_avro_limits_t *lim) {
    reason[0] = '\0';
    return ftz_avro_check(prog, d, n, lim, reason, sizeof(reason));
}

static void expect_ok(const ftz_avro_prog_t *prog, const bb_t *b, const ftz_avro_limits_t *lim) {
    if (check(prog, b->d, b->n, lim) != FTZ_OK)
        fail_msg("valid datum of %zu bytes rejected: %s", b->n, reason);
}

static void expect_bad(const ftz_avro_prog_t *prog, const bb_t *b, const ftz_avro_limits_t *lim,
                       const char *want) {
    ftz_err_t err = check(prog, b->d, b->n, lim);
    if (err != FTZ_ERR_POISON)
        fail_msg("want POISON \"%s\", got %s (%s)", want, ftz_err_name(err), reason);
    if (!strstr(reason, want))
        fail_msg("reason \"%s\" lacks \"%s\"", reason, want);
    print_message("    rejected: %s\n", reason);
}

/* CPU time of this thread: the figure holds up on a shared, busy machine. */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ------------------------------------------------------- test schemas */

static const char decl_json[] =
    "{\"type\":\"record\",\"name\":\"Decl\",\"fields\":["
    "{\"name\":\"declaration_id\",\"type\":\"string\"},"
    "{\"name\":\"hs_code\",\"type\":\"string\"},"
    "{\"name\":\"declared_value_cny\",\"type\":\"bytes\"},"
    "{\"name\":\"revision\",\"type\":\"int\"},"
    "{\"name\":\"area\",\"type\":{\"type\":\"enum\",\"name\":\"Area\","
    "\"symbols\":[\"SHENYANG\",\"YINGKOU\",\"DALIAN\"]}},"
    "{\"name\":\"urgent\",\"type\":\"boolean\"},"
    "{\"name\":\"filed_at\",\"type\":\"long\"},"
    "{\"name\":\"cleared_at\",\"type\":[\"null\",\"long\"]}]}";

/* The fields of a Decl; a test changes one of them and encodes it with
 * bb_decl(). */
typedef struct decl_s {
    const char *id, *hs;
    size_t value_len;
    int32_t revision, area;
    unsigned urgent;
    int64_t filed_at, cleared_branch, cleared_at;
} decl_t;

static const decl_t good_decl = {"LN-DL-2026-0001", "392321", 3, 7, 2, 1,
                                 INT64_C(1793520000000), 1, INT64_C(1793542200000)};

static void bb_decl(bb_t *b, const decl_t *d) {
    bb_str(b, d->id);
    bb_str(b, d->hs);
    bb_blob(b, "\x01\xE8\x48", d->value_len);
    bb_long(b, d->revision);
    bb_long(b, d->area);
    bb_byte(b, d->urgent);
    bb_long(b, d->filed_at);
    bb_long(b, d->cleared_branch);
    if (d->cleared_branch == 1)
        bb_long(b, d->cleared_at);
}

static const char list_json[] =
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
    "{\"name\":\"value\",\"type\":\"long\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";

static const char all_json[] =
    "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"t\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\","
    "\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4}},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"string\",\"Color\",\"F4\","
    "{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"int\"},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}]},"
    "{\"name\":\"inner\",\"type\":\"Inner\"},"
    "{\"name\":\"recs\",\"type\":{\"type\":\"array\",\"items\":\"Inner\"}},"
    "{\"name\":\"mm\",\"type\":{\"type\":\"map\",\"values\":"
    "{\"type\":\"array\",\"items\":[\"null\",\"double\",\"boolean\"]}}},"
    "{\"name\":\"tree\",\"type\":{\"type\":\"record\",\"name\":\"Tree\",\"fields\":["
    "{\"name\":\"label\",\"type\":\"string\"},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Tree\"]},"
    "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Tree\"}},"
    "{\"name\":\"index\",\"type\":{\"type\":\"map\",\"values\":\"Tree\"}}]}},"
    "{\"name\":\"nulls\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
    "{\"name\":\"empty\",\"type\":{\"type\":\"record\",\"name\":\"Empty\",\"fields\":[]}},"
    "{\"name\":\"last\",\"type\":\"float\"}]}";

/* ------------------------------------------- random values via Avro-C */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void) {
    /* xorshift64*: deterministic across runs */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static const char *const pieces[] = {"a", "Z", "0", " ", "\xE8\xBE\xBD\xE5\xAE\x81",
                                     "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC3\xA9",
                                     "\x7F", "-", "\xE5\xA4\xA7\xE8\xBF\x9E"};

static int is_compound(avro_schema_t s) {
    while (is_avro_link(s))
        s = avro_schema_link_target(s);
    return is_avro_record(s) || is_avro_array(s) || is_avro_map(s) || is_avro_union(s);
}

/* Fills v with a random valid value; past `depth` 4 arrays and maps stay
 * empty and unions take their first non-compound branch, so recursive types
 * end. `typical` gives short ASCII strings and small numbers (throughput). */
static void fill(avro_value_t *v, int depth, int typical) {
    avro_schema_t s = avro_value_get_schema(v);
    int rc = 0;
    switch (avro_value_get_type(v)) {
    case AVRO_NULL: rc = avro_value_set_null(v); break;
    case AVRO_BOOLEAN: rc = avro_value_set_boolean(v, (int)(rnd() & 1)); break;
    case AVRO_INT32: {
        static const int32_t edge[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN};
        uint64_t r = rnd();
        rc = avro_value_set_int(v, typical ? (int32_t)(r % 10) + 1
                                   : (r & 1) ? edge[(r >> 1) % 8] : (int32_t)(r >> 8));
        break;
    }
    case AVRO_INT64: {
        static const int64_t edge[] = {0, 1, -1, INT64_MAX, INT64_MIN, INT32_MAX + INT64_C(1)};
        uint64_t r = rnd();
        rc = avro_value_set_long(v, typical ? INT64_C(1793520000000) + (int64_t)(r % 86400000)
                                    : (r & 1) ? edge[(r >> 1) % 6] : (int64_t)(r >> (r % 64)));
        break;
    }
    case AVRO_FLOAT: rc = avro_value_set_float(v, (float)(int64_t)(rnd() % 100000) / 7.0f); break;
    case AVRO_DOUBLE: rc = avro_value_set_double(v, (double)(int64_t)rnd() / 3.0); break;
    case AVRO_BYTES: {
        unsigned char b[24];
        size_t n = typical ? 4 : rnd() % sizeof(b);
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)rnd(); /* any byte, NUL included */
        rc = avro_value_set_bytes(v, b, n);
        break;
    }
    case AVRO_STRING: {
        char buf[128] = "";
        size_t np = typical ? 0 : rnd() % 6;
        for (size_t i = 0; i < np; i++)
            strcat(buf, pieces[rnd() % FTZ_ARRAY_SIZE(pieces)]);
        if (typical)
            snprintf(buf, sizeof(buf), "%s", (rnd() & 1) ? "LN-DL-2026-000123" : "CN");
        rc = avro_value_set_string(v, buf);
        break;
    }
    case AVRO_ENUM:
        rc = avro_value_set_enum(
            v, (int)(rnd() % (uint64_t)avro_schema_enum_number_of_symbols(s)));
        break;
    case AVRO_FIXED: {
        unsigned char b[256] = {0};
        int64_t n = avro_schema_fixed_size(s);
        assert_true(n >= 0 && n <= (int64_t)sizeof(b));
        for (int64_t i = 0; i < n; i++)
            b[i] = (unsigned char)rnd();
        rc = avro_value_set_fixed(v, b, (size_t)n);
        break;
    }
    case AVRO_ARRAY:
    case AVRO_MAP: {
        size_t n = depth > 4 ? 0 : rnd() % 4;
        for (size_t i = 0; i < n && !rc; i++) {
            avro_value_t child;
            if (avro_value_get_type(v) == AVRO_ARRAY) {
                rc = avro_value_append(v, &child, NULL);
            } else {
                char key[32];
                snprintf(key, sizeof(key), "k%zu%s", i, (i & 1) ? "\xE2\x82\xAC" : "");
                rc = avro_value_add(v, key, &child, NULL, NULL);
            }
            if (!rc)
                fill(&child, depth + 1, typical);
        }
        break;
    }
    case AVRO_RECORD: {
        size_t n = 0;
        rc = avro_value_get_size(v, &n);
        for (size_t i = 0; i < n && !rc; i++) {
            avro_value_t field;
            if (!(rc = avro_value_get_by_index(v, i, &field, NULL)))
                fill(&field, depth + 1, typical);
        }
        break;
    }
    case AVRO_UNION: {
        size_t n = avro_schema_union_size(s);
        size_t b = typical ? n - 1 : rnd() % n;
        if (depth > 4)
            for (b = 0; b + 1 < n && is_compound(avro_schema_union_branch(s, (int)b)); b++)
                ;
        avro_value_t branch;
        if (!(rc = avro_value_set_branch(v, (int)b, &branch)))
            fill(&branch, depth + 1, typical);
        break;
    }
    default: fail_msg("unexpected type %d", (int)avro_value_get_type(v));
    }
    if (rc)
        fail_msg("fill: %s", avro_strerror());
}

/* A generic value and a buffer that Avro-C writes into. */
typedef struct gen_s {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value, back;
    ftz_avro_prog_t *prog;
    unsigned char buf[65536];
    size_t len;
} gen_t;

static void gen_init(gen_t *g, const char *json, size_t len) {
    char errstr[256];
    memset(g, 0, sizeof(*g));
    if (avro_schema_from_json_length(json, len, &g->schema))
        fail_msg("schema: %s", avro_strerror());
    if (!(g->iface = avro_generic_class_from_schema(g->schema)) ||
        avro_generic_value_new(g->iface, &g->value) ||
        avro_generic_value_new(g->iface, &g->back))
        fail_msg("generic value: %s", avro_strerror());
    if (!(g->prog = ftz_avro_prog_new(g->schema, errstr, sizeof(errstr))))
        fail_msg("compile: %s", errstr);
}

static void gen_free(gen_t *g) {
    ftz_avro_prog_destroy(g->prog);
    avro_value_decref(&g->back);
    avro_value_decref(&g->value);
    avro_value_iface_decref(g->iface);
    avro_schema_decref(g->schema);
}

/* A new random value, written by Avro-C into g->buf. */
static void gen_write(gen_t *g, int typical) {
    size_t size = 0;
    assert_int_equal(avro_value_reset(&g->value), 0);
    fill(&g->value, 0, typical);
    if (avro_value_sizeof(&g->value, &size) || size > sizeof(g->buf))
        fail_msg("sizeof: %s (%zu)", avro_strerror(), size);
    avro_writer_t w = avro_writer_memory((char *)g->buf, (int64_t)sizeof(g->buf));
    if (avro_value_write(w, &g->value))
        fail_msg("write: %s", avro_strerror());
    g->len = (size_t)avro_writer_tell(w);
    avro_writer_free(w);
    assert_int_equal(g->len, size);
}

/* The checker accepts what Avro-C wrote, Avro-C reads it back equal, and
 * every proper prefix and a trailing byte are refused. */
static void gen_round(gen_t *g, int prefixes) {
    if (check(g->prog, g->buf, g->len, NULL) != FTZ_OK)
        fail_msg("Avro-C's own %zu bytes rejected: %s", g->len, reason);
    avro_reader_t r = avro_reader_memory((const char *)g->buf, (int64_t)g->len);
    if (avro_value_read(r, &g->back))
        fail_msg("read back: %s", avro_strerror());
    avro_reader_free(r);
    assert_true(avro_value_equal(&g->value, &g->back));
    for (size_t cut = 0; prefixes && cut < g->len; cut++)
        if (check(g->prog, g->buf, cut, NULL) != FTZ_ERR_POISON)
            fail_msg("prefix of %zu of %zu bytes accepted", cut, g->len);
    g->buf[g->len] = 0;
    assert_int_equal(check(g->prog, g->buf, g->len + 1, NULL), FTZ_ERR_POISON);
    assert_string_equal(reason, "1 trailing byte after the record");
}

/* ------------------------------------------------------- hostile inputs */

static void test_string_negative_length(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    bb_t b = {.n = 0};
    bb_str(&b, "D1");
    bb_long(&b, -5);
    bb_raw(&b, "392321xxxxxxxxxxxxxxxx", 22);
    expect_bad(p, &b, NULL, "field hs_code: string length -5");
    b.n = 0;
    bb_long(&b, -1);
    expect_bad(p, &b, NULL, "field declaration_id: string length -1");
    ftz_avro_prog_destroy(p);
}

static void test_string_huge_length(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    static const int64_t huge[] = {INT32_MAX, INT64_C(1) << 62, INT64_MAX};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(huge); i++) {
        bb_t b = {.n = 0};
        char want[128];
        bb_long(&b, huge[i]);
        bb_raw(&b, "abcd", 4);
        snprintf(want, sizeof(want),
                 "field declaration_id: string length %" PRId64 " exceeds the 4 bytes left",
                 huge[i]);
        expect_bad(p, &b, NULL, want);
    }
    ftz_avro_prog_destroy(p);
}

static void test_bytes_negative_length(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    bb_t b = {.n = 0};
    bb_str(&b, "D1");
    bb_str(&b, "392321");
    bb_long(&b, -3);
    bb_raw(&b, "\x01\xE8\x48", 3);
    expect_bad(p, &b, NULL, "field declared_value_cny: bytes length -3");
    b.n = 0;
    bb_str(&b, "D1");
    bb_str(&b, "392321");
    bb_long(&b, INT32_MAX);
    expect_bad(p, &b, NULL, "field declared_value_cny: bytes length 2147483647 exceeds");
    ftz_avro_prog_destroy(p);
}

static void test_array_huge_block(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":\"long\"}}]}");
    ftz_avro_limits_t lim;
    bb_t b = {.n = 0};
    bb_long(&b, INT64_C(1) << 31);
    bb_raw(&b, "\x02\x04\x06", 3);
    expect_bad(p, &b, NULL,
               "field lines: array block of 2147483648 items exceeds the limit of 100000");
    /* With the item limit lifted, the bytes left still bound the count. */
    ftz_avro_limits_default(&lim);
    lim.max_items = UINT64_MAX;
    expect_bad(p, &b, &lim, "field lines: array block of 2147483648 items cannot fit in 3 bytes (at least 1 per item)");
    /* A count that fits the limit but not the bytes. */
    b.n = 0;
    bb_long(&b, 50000);
    bb_raw(&b, "\x02\x04\x06", 3);
    expect_bad(p, &b, NULL, "field lines: array block of 50000 items cannot fit in 3 bytes");
    /* Blocks adding up past the limit. */
    lim.max_items = 5;
    b.n = 0;
    bb_long(&b, 3);
    bb_raw(&b, "\x02\x04\x06", 3);
    bb_long(&b, 3);
    bb_raw(&b, "\x02\x04\x06", 3);
    bb_long(&b, 0);
    expect_bad(p, &b, &lim, "array block of 3 items exceeds the limit of 5 items per record (2 left)");
    lim.max_items = 6;
    expect_ok(p, &b, &lim);
    ftz_avro_prog_destroy(p);
}

static void test_array_of_null_huge(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"marks\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
        "{\"name\":\"empties\",\"type\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}}}]}");
    bb_t b = {.n = 0};
    double t0 = now_ns();
    bb_long(&b, INT64_C(1) << 31);
    bb_long(&b, 0);
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field marks: array block of 2147483648 items exceeds the limit");
    b.n = 0;
    bb_long(&b, 0);
    bb_long(&b, -(INT64_C(1) << 40));
    bb_long(&b, 0);
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field empties: array block of 1099511627776 items exceeds the limit");
    /* Many blocks of zero-size items, each under the limit: the total is what counts. */
    b.n = 0;
    for (int i = 0; i < 30; i++)
        bb_long(&b, 99999);
    expect_bad(p, &b, NULL, "field marks: array block of 99999 items exceeds the limit of "
                            "100000 items per record (1 left)");
    /* Up to the limit is fine, and quick. */
    b.n = 0;
    bb_long(&b, 60000);
    bb_long(&b, 0);
    bb_long(&b, 40000);
    bb_long(&b, 0);
    expect_ok(p, &b, NULL);
    double ms = (now_ns() - t0) / 1e6;
    print_message("    zero-size item cases took %.2f ms\n", ms);
    assert_true(ms < 5000);
    ftz_avro_prog_destroy(p);
}

static void test_map_huge_block(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"null\"}}]}");
    ftz_avro_limits_t lim;
    bb_t b = {.n = 0};
    bb_long(&b, INT64_C(3000000000));
    bb_str(&b, "k");
    expect_bad(p, &b, NULL, "field attrs: map block of 3000000000 items exceeds the limit");
    /* Keys take a byte each at least, even for null values. */
    ftz_avro_limits_default(&lim);
    lim.max_items = UINT64_MAX;
    expect_bad(p, &b, &lim, "field attrs: map block of 3000000000 items cannot fit in 2 bytes");
    b.n = 0;
    bb_long(&b, INT64_MIN);
    bb_long(&b, 2);
    bb_str(&b, "k");
    expect_bad(p, &b, &lim, "map block of 9223372036854775808 items cannot fit in 2 bytes");
    ftz_avro_prog_destroy(p);
}

static void test_negative_block_size(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
        "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"string\"}}]}");
    static const struct {
        int64_t size;
        const char *want;
    } cases[] = {
        {2, "field lines: array block of 3 items cannot fit in 2 bytes"},
        {3, "field lines: array block of 3 items declares 3 bytes but its items take 4"},
        {5, "field lines: array block of 3 items declares 5 bytes but its items take 4"},
        {-1, "field lines: array block of 3 items: byte size -1"},
        {1000, "field lines: array block of 3 items: byte size 1000 exceeds the"},
        {4, NULL},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        bb_t b = {.n = 0};
        bb_long(&b, -3);
        bb_long(&b, cases[i].size);
        bb_long(&b, 1);
        bb_long(&b, 1000); /* two bytes */
        bb_long(&b, -1);
        bb_long(&b, 0);
        bb_long(&b, 0); /* attrs: empty */
        if (cases[i].want)
            expect_bad(p, &b, NULL, cases[i].want);
        else
            expect_ok(p, &b, NULL);
    }
    /* A map block whose size is off by one. */
    bb_t b = {.n = 0};
    bb_long(&b, 0);
    bb_long(&b, -1);
    bb_long(&b, 5);
    bb_str(&b, "k");
    bb_str(&b, "v");
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field attrs: map block of 1 items declares 5 bytes but its items take 4");
    ftz_avro_prog_destroy(p);
}

static void test_enum_out_of_range(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    static const struct {
        int32_t area;
        const char *want;
    } cases[] = {
        {7, "field area: enum index 7, schema has 3 symbols"},
        {3, "field area: enum index 3, schema has 3 symbols"},
        {-1, "field area: enum index -1, schema has 3 symbols"},
        {INT32_MIN, "field area: enum index -2147483648"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        decl_t d = good_decl;
        bb_t b = {.n = 0};
        d.area = cases[i].area;
        bb_decl(&b, &d);
        expect_bad(p, &b, NULL, cases[i].want);
    }
    ftz_avro_prog_destroy(p);
}

static void test_union_out_of_range(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    static const struct {
        int64_t branch;
        const char *want;
    } cases[] = {
        {4, "field cleared_at: union branch 4, schema has 2"},
        {2, "field cleared_at: union branch 2, schema has 2"},
        {-1, "field cleared_at: union branch -1, schema has 2"},
        {INT64_MAX, "field cleared_at: union branch 9223372036854775807, schema has 2"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        decl_t d = good_decl;
        bb_t b = {.n = 0};
        d.cleared_branch = cases[i].branch;
        bb_decl(&b, &d);
        expect_bad(p, &b, NULL, cases[i].want);
    }
    decl_t d = good_decl;
    bb_t b = {.n = 0};
    d.cleared_branch = 0;
    bb_decl(&b, &d);
    expect_ok(p, &b, NULL);
    ftz_avro_prog_destroy(p);
}

static void test_trailing_bytes(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    bb_t b = {.n = 0};
    bb_decl(&b, &good_decl);
    expect_ok(p, &b, NULL);
    bb_raw(&b, "xyz", 3);
    expect_bad(p, &b, NULL, "3 trailing bytes after the record");
    ftz_avro_prog_destroy(p);
    /* A bare value, not a record. */
    p = prog_from_json("\"long\"");
    b.n = 0;
    bb_long(&b, 5);
    bb_byte(&b, 0);
    expect_bad(p, &b, NULL, "1 trailing byte after the value");
    ftz_avro_prog_destroy(p);
}

static void test_truncated_every_prefix(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    bb_t b = {.n = 0};
    bb_decl(&b, &good_decl);
    expect_ok(p, &b, NULL);
    for (size_t cut = 0; cut < b.n; cut++) {
        assert_int_equal(check(p, b.d, cut, NULL), FTZ_ERR_POISON);
        assert_true(reason[0] != '\0');
    }
    /* The last field cut in its middle, and nothing at all. */
    assert_int_equal(check(p, b.d, b.n - 1, NULL), FTZ_ERR_POISON);
    assert_string_equal(reason, "truncated in field cleared_at");
    assert_int_equal(check(p, b.d, b.n - 8, NULL), FTZ_ERR_POISON);
    print_message("    cut at %zu: %s\n", b.n - 8, reason);
    assert_int_equal(check(p, NULL, 0, NULL), FTZ_ERR_POISON);
    assert_string_equal(reason, "truncated in field declaration_id");
    ftz_avro_prog_destroy(p);

    /* And every prefix of an all-types record written by Avro-C. */
    gen_t g;
    gen_init(&g, all_json, strlen(all_json));
    for (int i = 0; i < 20; i++) {
        gen_write(&g, 0);
        gen_round(&g, 1);
    }
    gen_free(&g);
}

static void test_overlong_varint(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    decl_t d = good_decl;
    bb_t b = {.n = 0};
    /* filed_at as 11 bytes: 10 continuation bytes then 0. */
    d.cleared_branch = 0;
    bb_str(&b, d.id);
    bb_str(&b, d.hs);
    bb_blob(&b, "\x01", 1);
    bb_long(&b, 1);
    bb_long(&b, 0);
    bb_byte(&b, 1);
    size_t at = b.n;
    bb_raw(&b, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field filed_at: long varint longer than 10 bytes");
    /* 10 bytes whose last carries more than the 64th bit. */
    b.n = at;
    bb_raw(&b, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x03", 10);
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field filed_at: long varint overflows 64 bits");
    /* 10 bytes that are INT64_MIN: valid. */
    b.n = at;
    bb_long(&b, INT64_MIN);
    assert_int_equal(b.n - at, 10);
    bb_long(&b, 0);
    expect_ok(p, &b, NULL);
    /* A padded long (0x81 0x00 == 1 written in 2 bytes) is legal Avro. */
    b.n = at;
    bb_raw(&b, "\x82\x00", 2);
    bb_long(&b, 0);
    expect_ok(p, &b, NULL);
    /* An int in 6 bytes, even of a small value (Avro-C 1.11.1 takes it). */
    b.n = 0;
    bb_str(&b, d.id);
    bb_str(&b, d.hs);
    bb_blob(&b, "\x01", 1);
    bb_raw(&b, "\x82\x80\x80\x80\x80\x00", 6);
    expect_bad(p, &b, NULL, "field revision: int varint longer than 5 bytes");
    ftz_avro_prog_destroy(p);
}

static void test_int_out_of_range(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    static const struct {
        const char *bytes;
        size_t n;
        const char *want;
    } cases[] = {
        {"\x80\x80\x80\x80\x10", 5, "field revision: int value 2147483648 outside int32"},
        {"\x81\x80\x80\x80\x10", 5, "field revision: int value -2147483649 outside int32"},
        {"\xFF\xFF\xFF\xFF\x7F", 5, "field revision: int value -17179869184 outside int32"},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        bb_t b = {.n = 0};
        bb_str(&b, "D1");
        bb_str(&b, "392321");
        bb_blob(&b, "\x01", 1);
        bb_raw(&b, cases[i].bytes, cases[i].n);
        bb_long(&b, 0);
        bb_byte(&b, 0);
        bb_long(&b, 0);
        bb_long(&b, 0);
        expect_bad(p, &b, NULL, cases[i].want);
    }
    /* The extremes themselves are fine. */
    decl_t d = good_decl;
    bb_t b = {.n = 0};
    d.revision = INT32_MIN;
    bb_decl(&b, &d);
    expect_ok(p, &b, NULL);
    b.n = 0;
    d.revision = INT32_MAX;
    bb_decl(&b, &d);
    expect_ok(p, &b, NULL);
    ftz_avro_prog_destroy(p);
}

static void test_invalid_utf8_and_nul(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    static const struct {
        const char *s;
        size_t n;
        const char *want; /* NULL: valid */
    } cases[] = {
        {"39\x00" "321", 6, "field hs_code: string contains a NUL byte at offset 2"},
        {"\x00", 1, "field hs_code: string contains a NUL byte at offset 0"},
        {"3923\xFF" "1", 6, "field hs_code: string of 6 bytes is not valid UTF-8"},
        {"\xC0\xAF", 2, "not valid UTF-8"},                 /* overlong '/' */
        {"\xE0\x80\xAF", 3, "not valid UTF-8"},             /* overlong */
        {"\xED\xA0\x80", 3, "not valid UTF-8"},             /* surrogate */
        {"\xF4\x90\x80\x80", 4, "not valid UTF-8"},         /* > U+10FFFF */
        {"abc\xE8\xBE", 5, "not valid UTF-8"},              /* cut sequence */
        {"\x80", 1, "not valid UTF-8"},                     /* lone continuation */
        {"abcdefghijklmnop\xC3", 17, "not valid UTF-8"},    /* past the fast path */
        {"abcdefghijklmno\x00", 16, "NUL byte at offset 15"},
        {"\xE8\xBE\xBD\xE5\xAE\x81 \xF0\x9F\x98\x80 \xC3\xA9\x7F", 15, NULL},
        {"", 0, NULL},
    };
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        bb_t b = {.n = 0};
        bb_str(&b, "D1");
        bb_blob(&b, cases[i].s, cases[i].n);
        bb_blob(&b, "\x01", 1);
        bb_long(&b, 1);
        bb_long(&b, 0);
        bb_byte(&b, 0);
        bb_long(&b, 0);
        bb_long(&b, 0);
        if (cases[i].want)
            expect_bad(p, &b, NULL, cases[i].want);
        else
            expect_ok(p, &b, NULL);
    }
    /* bytes may hold anything. */
    bb_t b = {.n = 0};
    bb_str(&b, "D1");
    bb_str(&b, "392321");
    bb_blob(&b, "\x00\xFF\xC0", 3);
    bb_long(&b, 1);
    bb_long(&b, 0);
    bb_byte(&b, 0);
    bb_long(&b, 0);
    bb_long(&b, 0);
    expect_ok(p, &b, NULL);
    ftz_avro_prog_destroy(p);

    /* Map keys are strings too. */
    p = prog_from_json("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                       "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"int\"}}]}");
    b.n = 0;
    bb_long(&b, 2);
    bb_str(&b, "ok");
    bb_long(&b, 1);
    bb_blob(&b, "k\x00", 2);
    bb_long(&b, 1);
    bb_long(&b, 0);
    expect_bad(p, &b, NULL, "field attrs[#1] (key): map key contains a NUL byte at offset 1");
    ftz_avro_prog_destroy(p);
}

static void test_boolean_two(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(decl_json);
    decl_t d = good_decl;
    bb_t b = {.n = 0};
    d.urgent = 2;
    bb_decl(&b, &d);
    expect_bad(p, &b, NULL, "field urgent: boolean byte 2, must be 0 or 1");
    b.n = 0;
    d.urgent = 0xFF;
    bb_decl(&b, &d);
    expect_bad(p, &b, NULL, "field urgent: boolean byte 255");
    ftz_avro_prog_destroy(p);
}

static void test_max_record_size(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                                        "{\"name\":\"blob\",\"type\":\"bytes\"}]}");
    ftz_avro_limits_t lim;
    static unsigned char big[(1 << 20) + 16];
    size_t n = (1 << 20) + 1 - 3;
    /* 3-byte length, then exactly 1 MiB + 1 bytes in all. */
    unsigned char *q = big;
    uint64_t z = (uint64_t)n << 1;
    while (z >= 0x80) {
        *q++ = (unsigned char)((z & 0x7F) | 0x80);
        z >>= 7;
    }
    *q++ = (unsigned char)z;
    assert_int_equal(q - big, 3);
    assert_int_equal(check(p, big, n + 3, NULL), FTZ_ERR_POISON);
    assert_string_equal(reason, "record of 1048577 bytes exceeds the limit of 1048576");
    ftz_avro_limits_default(&lim);
    lim.max_record_size = n + 3;
    assert_int_equal(check(p, big, n + 3, &lim), FTZ_OK);
    lim.max_record_size = 100;
    bb_t b = {.n = 0};
    bb_blob(&b, big, 120);
    expect_bad(p, &b, &lim, "record of 122 bytes exceeds the limit of 100");
    ftz_avro_prog_destroy(p);
}

static void bb_list(bb_t *b, int nodes) {
    for (int i = 0; i < nodes; i++) {
        bb_long(b, i);
        bb_long(b, i + 1 < nodes ? 1 : 0);
    }
}

static void test_depth_recursive(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(list_json);
    ftz_avro_limits_t lim;
    bb_t b = {.n = 0};
    /* Each node is a record and a union: 16 nodes are 32 levels. */
    bb_list(&b, 16);
    expect_ok(p, &b, NULL);
    b.n = 0;
    bb_list(&b, 17);
    expect_bad(p, &b, NULL, "nested deeper than 32 levels");
    assert_non_null(strstr(reason, "next.next.next"));
    /* A 2000-node chain: stopped at the limit, not by the stack. */
    ftz_avro_limits_default(&lim);
    lim.max_record_size = sizeof(b.d);
    b.n = 0;
    while (b.n + 2 <= sizeof(b.d))
        bb_raw(&b, "\x00\x02", 2);
    expect_bad(p, &b, &lim, "nested deeper than 32 levels");
    lim.max_depth = FTZ_AVRO_DEPTH_CAP;
    expect_bad(p, &b, &lim, "nested deeper than 256 levels");
    lim.max_depth = 3;
    b.n = 0;
    bb_list(&b, 2);
    expect_bad(p, &b, &lim, "field next.next: nested deeper than 3 levels");
    lim.max_depth = 4;
    expect_ok(p, &b, &lim);
    ftz_avro_prog_destroy(p);
}

/* Paths through arrays, maps and unions name the item. */
static void test_field_paths(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(
        "{\"type\":\"record\",\"name\":\"Doc\",\"fields\":["
        "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"record\",\"name\":\"Line\",\"fields\":["
        "{\"name\":\"hs_code\",\"type\":\"string\"},"
        "{\"name\":\"qty\",\"type\":[\"null\",\"int\"]}]}}},"
        "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"Line\"}}]}");
    bb_t b = {.n = 0};
    bb_long(&b, 2);
    bb_str(&b, "392321");
    bb_long(&b, 0);
    bb_str(&b, "392322");
    bb_long(&b, 1);
    bb_raw(&b, "\x80\x80\x80\x80\x7F", 5);
    expect_bad(p, &b, NULL, "field lines[1].qty: int value");
    b.n = 0;
    bb_long(&b, 0);
    bb_long(&b, 1);
    bb_str(&b, "port");
    bb_long(&b, -2);
    expect_bad(p, &b, NULL, "field attrs[\"port\"].hs_code: string length -2");
    b.n = 0;
    bb_long(&b, 0);
    bb_long(&b, 1);
    bb_str(&b, "\xE5\xA4\xA7");
    bb_str(&b, "1");
    bb_long(&b, 3);
    expect_bad(p, &b, NULL, "field attrs[#0].qty: union branch 3, schema has 2");
    ftz_avro_prog_destroy(p);
}

static void test_bad_arguments(void **state) {
    (void)state;
    ftz_avro_prog_t *p = prog_from_json(list_json);
    ftz_avro_limits_t lim;
    char errstr[128];
    ftz_avro_limits_default(&lim);
    assert_int_equal(lim.max_record_size, 1 << 20);
    assert_int_equal(lim.max_items, 100000);
    assert_int_equal(lim.max_depth, 32);
    assert_int_equal(ftz_avro_check(NULL, "", 0, NULL, reason, sizeof(reason)),
                     FTZ_ERR_INVALID_ARG);
    assert_int_equal(ftz_avro_check(p, NULL, 3, NULL, reason, sizeof(reason)),
                     FTZ_ERR_INVALID_ARG);
    lim.max_depth = 0;
    assert_int_equal(ftz_avro_check(p, "\x00\x00", 2, &lim, NULL, 0), FTZ_ERR_INVALID_ARG);
    lim.max_depth = FTZ_AVRO_DEPTH_CAP + 1;
    assert_int_equal(ftz_avro_check(p, "\x00\x00", 2, &lim, reason, 4), FTZ_ERR_INVALID_ARG);
    assert_int_equal(strlen(reason), 3);
    assert_int_equal(ftz_avro_check(p, "\x00\x00", 2, NULL, NULL, 0), FTZ_OK);
    assert_int_equal(ftz_avro_check(p, "\x00\x02", 2, NULL, NULL, 0), FTZ_ERR_POISON);
    assert_null(ftz_avro_prog_new(NULL, errstr, sizeof(errstr)));
    /* A negative fixed size (Avro-C's JSON parser must never see one, but a
     * schema built in code can have it). */
    avro_schema_t fx = avro_schema_fixed("Neg", -1);
    assert_non_null(fx);
    assert_null(ftz_avro_prog_new(fx, errstr, sizeof(errstr)));
    assert_string_equal(errstr, "fixed Neg has a negative size");
    avro_schema_decref(fx);
    ftz_avro_prog_destroy(NULL);
    ftz_avro_prog_destroy(p);
}

/* ------------------------------------------------------- valid inputs */

static void test_all_types_avro_writer(void **state) {
    (void)state;
    gen_t g;
    size_t total = 0;
    gen_init(&g, all_json, strlen(all_json));
    for (int i = 0; i < 1000; i++) {
        gen_write(&g, 0);
        gen_round(&g, 0);
        total += g.len;
    }
    print_message("    1000 all-types records, %zu bytes on average\n", total / 1000);
    gen_free(&g);
}

/* Several blocks, negative counts with byte sizes: what other writers (Java's
 * buffered encoder) produce. Avro-C must read the same bytes. */
static void test_multi_block_arrays(void **state) {
    (void)state;
    static const char json[] =
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
        "{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}}]}";
    gen_t g;
    bb_t b = {.n = 0};
    gen_init(&g, json, sizeof(json) - 1);
    bb_long(&b, 2); /* [1, 2] */
    bb_long(&b, 1);
    bb_long(&b, 2);
    bb_long(&b, -3); /* [3, 300, -4] in 4 bytes */
    bb_long(&b, 4);
    bb_long(&b, 3);
    bb_long(&b, 300);
    bb_long(&b, -4);
    bb_long(&b, 1); /* [6] */
    bb_long(&b, 6);
    bb_long(&b, 0);
    bb_long(&b, -1); /* {"a": "x"} in 4 bytes, then {"b": "", "c": "yy"} */
    bb_long(&b, 4);
    bb_str(&b, "a");
    bb_str(&b, "x");
    bb_long(&b, 2);
    bb_str(&b, "b");
    bb_str(&b, "");
    bb_str(&b, "c");
    bb_str(&b, "yy");
    bb_long(&b, 0);
    bb_long(&b, -2); /* two nulls, 0 bytes */
    bb_long(&b, 0);
    bb_long(&b, 5);
    bb_long(&b, 0);
    expect_ok(g.prog, &b, NULL);

    avro_reader_t r = avro_reader_memory((const char *)b.d, (int64_t)b.n);
    if (avro_value_read(r, &g.back))
        fail_msg("Avro-C refuses: %s", avro_strerror());
    avro_reader_free(r);
    avro_value_t a, m, n, item;
    size_t size = 0;
    int64_t l = 0;
    assert_int_equal(avro_value_get_by_index(&g.back, 0, &a, NULL), 0);
    assert_int_equal(avro_value_get_by_index(&g.back, 1, &m, NULL), 0);
    assert_int_equal(avro_value_get_by_index(&g.back, 2, &n, NULL), 0);
    assert_int_equal(avro_value_get_size(&a, &size), 0);
    assert_int_equal(size, 6);
    assert_int_equal(avro_value_get_by_index(&a, 3, &item, NULL), 0);
    assert_int_equal(avro_value_get_long(&item, &l), 0);
    assert_int_equal(l, 300);
    assert_int_equal(avro_value_get_size(&m, &size), 0);
    assert_int_equal(size, 3);
    assert_int_equal(avro_value_get_size(&n, &size), 0);
    assert_int_equal(size, 7);
    for (size_t cut = 0; cut < b.n; cut++)
        assert_int_equal(check(g.prog, b.d, cut, NULL), FTZ_ERR_POISON);
    gen_free(&g);
}

static void test_recursive_random(void **state) {
    (void)state;
    static const char tree_json[] =
        "{\"type\":\"record\",\"name\":\"Tree\",\"fields\":["
        "{\"name\":\"label\",\"type\":\"string\"},"
        "{\"name\":\"weight\",\"type\":[\"null\",\"double\",\"Tree\"]},"
        "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Tree\"}},"
        "{\"name\":\"index\",\"type\":{\"type\":\"map\",\"values\":[\"Tree\",\"null\"]}}]}";
    gen_t g;
    size_t most = 0;
    gen_init(&g, tree_json, sizeof(tree_json) - 1);
    for (int i = 0; i < 1000; i++) {
        gen_write(&g, 0);
        gen_round(&g, i < 50);
        if (g.len > most)
            most = g.len;
    }
    print_message("    1000 random trees, largest %zu bytes\n", most);
    gen_free(&g);
}

/* Every schema under schemas/ (embedded at build time). */
static void test_project_schemas(void **state) {
    (void)state;
    int n = 0;
    for (const ftz_embedded_file_t *f = ftz_embedded_schemas; f->path; f++, n++) {
        gen_t g;
        gen_init(&g, f->text, strlen(f->text));
        for (int i = 0; i < 200; i++) {
            gen_write(&g, i & 1);
            gen_round(&g, i < 20);
        }
        print_message("    %s: 200 records ok\n", f->path);
        gen_free(&g);
    }
    assert_true(n >= 1);
}

/* Random damage to valid records: the checker must never read out of
 * bounds (ASan), and whatever it accepts Avro-C must read without error. */
static void mutate_and_compare(gen_t *g, int rounds, int *accepted) {
    static unsigned char m[sizeof(((gen_t *)0)->buf) + 8];
    for (int i = 0; i < rounds; i++) {
        if (i % 20 == 0)
            gen_write(g, 0);
        memcpy(m, g->buf, g->len);
        size_t n = g->len;
        for (int k = 1 + (int)(rnd() % 3); k > 0; k--) {
            switch (rnd() % 4) {
            case 0:
                if (n)
                    m[rnd() % n] = (unsigned char)rnd();
                break;
            case 1:
                if (n)
                    m[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
                break;
            case 2:
                if (n)
                    n = rnd() % n;
                break;
            default:
                if (n < sizeof(m)) {
                    size_t at = rnd() % (n + 1);
                    memmove(m + at + 1, m + at, n - at);
                    m[at] = (unsigned char)rnd();
                    n++;
                }
            }
        }
        if (check(g->prog, m, n, NULL) != FTZ_OK)
            continue;
        (*accepted)++;
        avro_reader_t r = avro_reader_memory((const char *)m, (int64_t)n);
        if (avro_value_read(r, &g->back))
            fail_msg("checker accepted %zu bytes that Avro-C refuses: %s", n, avro_strerror());
        avro_reader_free(r);
    }
}

static void test_mutations_agree_with_avro(void **state) {
    (void)state;
    gen_t g;
    int accepted = 0;
    gen_init(&g, all_json, strlen(all_json));
    mutate_and_compare(&g, 20000, &accepted);
    gen_free(&g);
    for (const ftz_embedded_file_t *f = ftz_embedded_schemas; f->path; f++) {
        gen_init(&g, f->text, strlen(f->text));
        mutate_and_compare(&g, 5000, &accepted);
        gen_free(&g);
    }
    print_message("    %d damaged records still valid, all read by Avro-C\n", accepted);
}

/* ------------------------------------------------------------ throughput */

static void test_throughput(void **state) {
    (void)state;
    const ftz_embedded_file_t *f = ftz_embedded_schemas;
    while (f->path && !strstr(f->path, "CustomsDeclaration.v1"))
        f++;
    assert_non_null(f->path);
    gen_t g;
    gen_init(&g, f->text, strlen(f->text));
    /* A record of about 100 bytes, like the ones the simulator sends. */
    for (int tries = 0; tries < 1000 && g.len < 90; tries++)
        gen_write(&g, 1);
    gen_round(&g, 0);
#ifdef __SANITIZE_ADDRESS__
    const int iters = 200000; /* the figure means little under ASan anyway */
#else
    const int iters = 2000000;
#endif
    volatile int bad = 0;
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        double t0 = now_ns();
        for (int i = 0; i < iters; i++)
            bad += ftz_avro_check(g.prog, g.buf, g.len, NULL, NULL, 0) != FTZ_OK;
        double ns = (now_ns() - t0) / iters;
        if (ns < best)
            best = ns;
    }
    assert_int_equal(bad, 0);
    printf("    ftz_avro_check: %s record of %zu bytes: %.1f ns/record (best of 5 x %d)\n",
           f->path, g.len, best, iters);

    /* For scale: Avro-C reading the same bytes into a generic value. */
    avro_reader_t r = avro_reader_memory((const char *)g.buf, (int64_t)g.len);
    double t0 = now_ns();
    for (int i = 0; i < iters / 10; i++) {
        avro_reader_memory_set_source(r, (const char *)g.buf, (int64_t)g.len);
        bad += avro_value_read(r, &g.back) != 0;
    }
    printf("    avro_value_read, same record: %.1f ns/record\n", (now_ns() - t0) / (iters / 10));
    avro_reader_free(r);
    assert_int_equal(bad, 0);
    gen_free(&g);
}

FTZ_TEST_MAIN(cmocka_unit_test(test_string_negative_length),
              cmocka_unit_test(test_string_huge_length),
              cmocka_unit_test(test_bytes_negative_length), cmocka_unit_test(test_array_huge_block),
              cmocka_unit_test(test_array_of_null_huge), cmocka_unit_test(test_map_huge_block),
              cmocka_unit_test(test_negative_block_size), cmocka_unit_test(test_enum_out_of_range),
              cmocka_unit_test(test_union_out_of_range), cmocka_unit_test(test_trailing_bytes),
              cmocka_unit_test(test_truncated_every_prefix), cmocka_unit_test(test_overlong_varint),
              cmocka_unit_test(test_int_out_of_range), cmocka_unit_test(test_invalid_utf8_and_nul),
              cmocka_unit_test(test_boolean_two), cmocka_unit_test(test_max_record_size),
              cmocka_unit_test(test_depth_recursive), cmocka_unit_test(test_field_paths),
              cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_all_types_avro_writer),
              cmocka_unit_test(test_multi_block_arrays), cmocka_unit_test(test_recursive_random),
              cmocka_unit_test(test_project_schemas),
              cmocka_unit_test(test_mutations_agree_with_avro), cmocka_unit_test(test_throughput))
