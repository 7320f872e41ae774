/* libFuzzer target over the consumer's validation step, ftz_validate
 * (lib/src/validate.c), the one the aggregator calls: framing, catalog
 * lookup, hardened Avro decoding, the topic and key checks and every rule.
 * Any input must end as a good record or a verdict with a code and a valid
 * UTF-8 reason, never a crash, a hang, or memory that ASan or LSan objects
 * to.
 *
 * Input layout: byte 0 picks the topic (the three record topics or a
 * foreign one), byte 1 is the key length k (255: no key), then k key
 * bytes, then the message value.
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

#include "ftz/utf8.h"
#include "ftz/validate.h"

static ftz_catalog_t *cat;
static ftz_validator_t *val;
static const char *const topics[4] = {"ftz.customs.declarations", "ftz.rail.events",
                                      "ftz.registry.companies", "elsewhere"};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    char errstr[512];
    (void)argc;
    (void)argv;
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(val = ftz_validator_new(cat, "", NULL, errstr, sizeof(errstr))))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ftz_record_buf_t rec;
    ftz_verdict_t v;
    const ftz_record_type_t *rt = NULL;
    if (size < 2)
        return 0;
    const char *topic = topics[data[0] & 3];
    size_t klen = data[1];
    const uint8_t *key = klen == 255 ? NULL : data + 2;
    if (klen == 255)
        klen = 0;
    if (2 + klen > size)
        return 0;
    ftz_err_t err = ftz_validate(val, topic, key, klen, data + 2 + klen, size - 2 - klen, &rt,
                                 &rec, &v);
    if (err == FTZ_OK && !rt)
        abort();
    /* Every rejection carries a code and a reason fit for a text column. */
    if (err != FTZ_OK && (err != FTZ_ERR_POISON || !v.code || !v.reason[0] ||
                          !ftz_utf8_valid(v.reason, strlen(v.reason))))
        abort();
    return 0;
}
