/* libFuzzer target over the consumer's first steps: framing, catalog
 * lookup, hardened Avro decoding and every rule. Any input must end as a
 * good record or a verdict with a reason, never a crash, a hang, or memory
 * that ASan or LSan objects to.
 *
 *   make fuzz                      runs it until stopped
 *   make test                      runs it for about a minute
 *
 * The seed corpus (tests/fuzz/corpus/, built by tests/fuzz/make_corpus.sh)
 * holds valid records of every type and schema version. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/codec.h"
#include "ftz/rules.h"

static ftz_catalog_t *cat;
static ftz_decoder_t *dec;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    char errstr[512];
    (void)argc;
    (void)argv;
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(dec = ftz_decoder_new(cat, errstr, sizeof(errstr))))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ftz_record_buf_t rec;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    ftz_err_t err = ftz_decoder_decode(dec, data, size, &rt, &rec, &v);
    if (err == FTZ_OK) {
        if (!rt)
            abort();
        err = ftz_rules_check(rt, &rec, &v);
    }
    /* Every rejection carries a code and a reason. */
    if (err != FTZ_OK && (err != FTZ_ERR_POISON || !v.code || !v.reason[0]))
        abort();
    return 0;
}
