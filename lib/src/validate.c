#include "ftz/validate.h"

#include <stdlib.h>
#include <string.h>

#include "ftz/rules.h"
#include "ftz/topics.h"

struct ftz_validator_s {
    ftz_decoder_t *dec;
    char *prefix;
};

ftz_validator_t *ftz_validator_new(const ftz_catalog_t *cat, const char *topic_prefix,
                                   const ftz_avro_limits_t *lim, char *errstr,
                                   size_t errstr_size) {
    ftz_validator_t *val = calloc(1, sizeof(*val));
    if (!val || !(val->prefix = strdup(topic_prefix ? topic_prefix : ""))) {
        ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
        goto fail;
    }
    if (!(val->dec = ftz_decoder_new(cat, errstr, errstr_size)))
        goto fail;
    if (lim)
        ftz_decoder_set_limits(val->dec, lim);
    return val;
fail:
    ftz_validator_destroy(val);
    return NULL;
}

void ftz_validator_destroy(ftz_validator_t *val) {
    if (!val)
        return;
    ftz_decoder_destroy(val->dec);
    free(val->prefix);
    free(val);
}

ftz_err_t ftz_validate(ftz_validator_t *val, const char *topic, const void *key,
                       size_t key_len, const void *value, size_t value_len,
                       const ftz_record_type_t **rtp, ftz_record_buf_t *rec,
                       ftz_verdict_t *v) {
    const ftz_record_type_t *rt = NULL;
    ftz_err_t err;

    ftz_verdict_clear(v);
    *rtp = NULL;
    if (!value)
        return ftz_verdict_set(v, FTZ_V_BAD_FRAMING,
                               "the message has no value (NULL, a tombstone)");
    err = ftz_decoder_decode(val->dec, value, value ? value_len : 0, &rt, rec, v);
    if (err)
        return err;
    if (topic && ftz_topic_record_type(val->prefix, topic) != rt)
        return ftz_verdict_set(v, FTZ_V_UNKNOWN_SCHEMA,
                               "a %s record does not belong on topic %s", rt->fullname, topic);
    /* The key routes the record: a producer that keyed it by anything
     * else would spread one entity's records over partitions unseen. */
    const char *want = ftz_record_key(rt, rec);
    const char *field = rt->fields[rt->key_field].name;
    if (!key)
        return ftz_verdict_set(v, FTZ_V_RULE_KEY_MISMATCH,
                               "%s: the message has no key; it must be the record's %s \"%s\"",
                               field, field, want);
    if (key_len != strlen(want) || memcmp(key, want, key_len) != 0) {
        /* The key quoted as far as it is useful (the verdict makes it
         * valid UTF-8). */
        int shown = key_len > 64 ? 64 : (int)key_len;
        return ftz_verdict_set(v, FTZ_V_RULE_KEY_MISMATCH,
                               "%s: the message key \"%.*s\"%s must equal the record's %s \"%s\"",
                               field, shown, (const char *)key, key_len > 64 ? "..." : "", field,
                               want);
    }
    if ((err = ftz_rules_check(rt, rec, v)))
        return err;
    *rtp = rt;
    return FTZ_OK;
}
