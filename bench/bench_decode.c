/* Decode + validate throughput on one core, per record type: the consumer's
 * hot path from a message to a checked record, ftz_validate (framing,
 * catalog lookup, hardened Avro decoding, topic and key checks, rules),
 * exactly as the aggregator calls it. Prints figures; asserts nothing.
 *
 *   build/bench/bench_decode [RECORDS_PER_TYPE] [ROUNDS]
 *
 * Records come from the simulator, encoded once with the current schema
 * version (and, for customs, also the older version 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftz/array.h"
#include "ftz/codec.h"
#include "ftz/simulate.h"
#include "ftz/validate.h"

#define KEY_MAX 64

typedef struct {
    unsigned char *data;
    size_t *off, *len;
    char (*key)[KEY_MAX];
    size_t n;
} corpus_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int build(ftz_catalog_t *cat, ftz_sim_t *sim, ftz_rtype_t t, int version, size_t n,
                 corpus_t *c) {
    char errstr[512];
    ftz_buf_t out = FTZ_BUF_INIT;
    ftz_encoder_t *enc = ftz_encoder_new(cat, t, version, errstr, sizeof(errstr));
    size_t cap = n * 256, used = 0;
    if (!enc) {
        fprintf(stderr, "bench: %s\n", errstr);
        return -1;
    }
    c->data = malloc(cap);
    c->off = malloc(n * sizeof(size_t));
    c->len = malloc(n * sizeof(size_t));
    c->key = malloc(n * sizeof(*c->key));
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        ftz_record_buf_t rec;
        if (ftz_sim_next(sim, t, &rec) != FTZ_OK ||
            ftz_encoder_encode(enc, &rec, &out, errstr, sizeof(errstr)) != FTZ_OK)
            return -1;
        if (used + out.len > cap) {
            cap *= 2;
            c->data = realloc(c->data, cap);
        }
        snprintf(c->key[i], KEY_MAX, "%s", ftz_record_key(ftz_record_type(t), &rec));
        memcpy(c->data + used, out.data, out.len);
        c->off[i] = used;
        c->len[i] = out.len;
        used += out.len;
    }
    ftz_buf_free(&out);
    ftz_encoder_destroy(enc);
    return 0;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    char errstr[512];
    ftz_sim_conf_t conf;
    ftz_sim_conf_defaults(&conf);
    ftz_catalog_t *cat = ftz_catalog_new_embedded(errstr, sizeof(errstr));
    ftz_validator_t *val = cat ? ftz_validator_new(cat, "", NULL, errstr, sizeof(errstr)) : NULL;
    ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
    if (!cat || !val || !sim) {
        fprintf(stderr, "bench: %s\n", errstr);
        return 1;
    }
    static const struct { ftz_rtype_t t; int version; const char *label; } cases[] = {
        {FTZ_REC_CUSTOMS, 0, "CustomsDeclaration (current)"},
        {FTZ_REC_CUSTOMS, 1, "CustomsDeclaration v1 -> current"},
        {FTZ_REC_RAIL, 0, "RailEvent"},
        {FTZ_REC_REGISTRATION, 0, "CompanyRegistration"},
    };
    printf("decode + validate, one thread, %zu records x %d rounds (best round)\n", n, rounds);
    for (size_t k = 0; k < FTZ_ARRAY_SIZE(cases); k++) {
        corpus_t c;
        const char *topic = ftz_record_type(cases[k].t)->topic;
        if (build(cat, sim, cases[k].t, cases[k].version, n, &c) != 0)
            return 1;
        double best = 1e30;
        size_t bytes = 0, bad = 0;
        for (int r = 0; r < rounds; r++) {
            double t0 = now_s();
            for (size_t i = 0; i < c.n; i++) {
                ftz_record_buf_t rec;
                ftz_verdict_t v;
                const ftz_record_type_t *rt;
                if (ftz_validate(val, topic, c.key[i], strlen(c.key[i]), c.data + c.off[i],
                                 c.len[i], &rt, &rec, &v))
                    bad++;
                if (r == 0)
                    bytes += c.len[i];
            }
            double dt = now_s() - t0;
            if (dt < best)
                best = dt;
        }
        printf("  %-34s %10.0f records/s  %6.0f ns/record  %5.1f bytes/record%s\n",
               cases[k].label, (double)c.n / best, best * 1e9 / (double)c.n,
               (double)bytes / (double)c.n, bad ? "  (SOME REJECTED: bug)" : "");
        free(c.data);
        free(c.off);
        free(c.len);
        free(c.key);
    }
    ftz_sim_destroy(sim);
    ftz_validator_destroy(val);
    ftz_catalog_destroy(cat);
    return 0;
}
