/* Writes the fuzzer's seed corpus: valid messages of every record type in
 * every schema version, from the simulator, in fuzz_decode.c's layout:
 * topic byte, key length, key, framed value.
 * Usage: make_corpus DIR [PER_VERSION] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/codec.h"
#include "ftz/simulate.h"

int main(int argc, char **argv) {
    char errstr[512];
    int per = argc > 2 ? atoi(argv[2]) : 20, files = 0;
    ftz_buf_t out = FTZ_BUF_INIT;
    ftz_sim_conf_t conf;
    if (argc < 2) {
        fprintf(stderr, "usage: make_corpus DIR [PER_VERSION]\n");
        return 2;
    }
    ftz_catalog_t *cat = ftz_catalog_new_embedded(errstr, sizeof(errstr));
    ftz_sim_conf_defaults(&conf);
    ftz_sim_t *sim = ftz_sim_new(&conf, errstr, sizeof(errstr));
    if (!cat || !sim) {
        fprintf(stderr, "make_corpus: %s\n", errstr);
        return 1;
    }
    for (int i = 0; i < ftz_catalog_count(cat); i++) {
        const ftz_schema_entry_t *e = ftz_catalog_entry(cat, i);
        ftz_encoder_t *enc = ftz_encoder_new(cat, e->rt->id, e->version, errstr, sizeof(errstr));
        if (!enc) {
            fprintf(stderr, "make_corpus: %s\n", errstr);
            return 1;
        }
        for (int k = 0; k < per; k++) {
            ftz_record_buf_t rec;
            char path[4096];
            if (ftz_sim_next(sim, e->rt->id, &rec) != FTZ_OK ||
                ftz_encoder_encode(enc, &rec, &out, errstr, sizeof(errstr)) != FTZ_OK) {
                fprintf(stderr, "make_corpus: %s\n", errstr);
                return 1;
            }
            snprintf(path, sizeof(path), "%s/%s-v%d-%03d", argv[1], e->rt->short_name,
                     e->version, k);
            const char *key = ftz_record_key(e->rt, &rec);
            unsigned char head[2] = {(unsigned char)e->rt->id, (unsigned char)strlen(key)};
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(head, 1, 2, f) != 2 || fwrite(key, 1, head[1], f) != head[1] ||
                fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
                fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(errno));
                return 1;
            }
            files++;
        }
        ftz_encoder_destroy(enc);
    }
    printf("make_corpus: %d files in %s\n", files, argv[1]);
    ftz_buf_free(&out);
    ftz_sim_destroy(sim);
    ftz_catalog_destroy(cat);
    return 0;
}
