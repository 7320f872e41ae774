#include "ftz/kafka.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ftz/array.h"
#include "ftz/kafka_log.h"
#include "ftz/log.h"

ftz_err_t ftz_props_set(ftz_props_t *props, const char *key, const char *value) {
    if (props->n == props->cap) {
        size_t cap = props->cap ? props->cap * 2 : 16;
        char **k = realloc(props->keys, cap * sizeof(*k));
        if (!k)
            return FTZ_ERR_NOMEM;
        props->keys = k;
        char **v = realloc(props->values, cap * sizeof(*v));
        if (!v)
            return FTZ_ERR_NOMEM;
        props->values = v;
        props->cap = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return FTZ_ERR_NOMEM;
    }
    props->keys[props->n] = k;
    props->values[props->n] = v;
    props->n++;
    return FTZ_OK;
}

/* Whether the n bytes at s look like a librdkafka property name, and may
 * be quoted in an error: lower-case words joined by '.', '_' or '-' (no
 * property name has a digit or a capital), with a '.' unless short
 * ("acks", "debug", "partitioner"). A line of a properties file that is
 * not "name=value" may be a password alone on its line (a Java-style
 * continuation "sasl.password=\", a wrapped line, base64 ending in "="):
 * hex, base64 and most generated passwords have a digit or a capital. */
static int looks_like_name(const char *s, size_t n) {
    if (n == 0 || n > 64 || s[0] < 'a' || s[0] > 'z')
        return 0;
    int dot = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dot = 1;
        else if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || s[i] == '-'))
            return 0;
    }
    return dot || n <= 11;
}

ftz_err_t ftz_props_add(ftz_props_t *props, const char *kv, char *errstr, size_t errstr_size) {
    const char *eq = strchr(kv, '=');
    char key[256];
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
        /* Only what looks like a property name is quoted: the rest of a
         * mistyped line, or all of it, may be a password. */
        size_t n = strcspn(kv, " \t:=");
        if (!looks_like_name(kv, n))
            return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                              "expected property=value (the line is not shown: it does not "
                              "start with a property name and may hold a secret)");
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "\"%.*s%s\": expected property=value%s", (int)n, kv,
                          kv[n] ? "..." : "", kv[n] ? " (the rest is not shown)" : "");
    }
    /* Spaces around '=' are not part of the name or the value (as in a
     * Java properties file: "linger.ms = 5"). */
    size_t klen = (size_t)(eq - kv);
    while (klen && (kv[klen - 1] == ' ' || kv[klen - 1] == '\t'))
        klen--;
    const char *value = eq + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    memcpy(key, kv, klen);
    key[klen] = '\0';
    return ftz_props_set(props, key, value);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int ftz_props_is_secret(const char *key) {
    static const char *const secrets[] = {"sasl.password", "ssl.key.password",
                                          "ssl.keystore.password", "ssl.key.pem",
                                          "sasl.oauthbearer.client.secret"};
    for (size_t j = 0; j < FTZ_ARRAY_SIZE(secrets); j++)
        if (strcmp(key, secrets[j]) == 0)
            return 1;
    return 0;
}

ftz_err_t ftz_props_load_file(ftz_props_t *props, const char *path, char *errstr,
                              size_t errstr_size) {
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0;
    ftz_err_t err = FTZ_OK;
    if (!f)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", path, strerror(errno));
    size_t first = props->n;
    while (!err && fgets(line, sizeof(line), f)) {
        char *s = trim(line);
        lineno++;
        if (!*s || *s == '#')
            continue;
        char inner[256];
        if ((err = ftz_props_add(props, s, inner, sizeof(inner))))
            ftz_seterr(err, errstr, errstr_size, "%s:%d: %s", path, lineno, inner);
    }
    /* A file holding a secret must be readable by its owner only (as
     * libpq asks of a password file). */
    struct stat st;
    for (size_t i = first; !err && i < props->n; i++)
        if (ftz_props_is_secret(props->keys[i]) && fstat(fileno(f), &st) == 0 &&
            (st.st_mode & 077))
            err = ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                             "%s holds %s but group or others may read it (mode %04o): "
                             "chmod 600 %s",
                             path, props->keys[i], (unsigned)(st.st_mode & 07777), path);
    fclose(f);
    return err;
}

const char *ftz_props_get(const ftz_props_t *props, const char *key) {
    const char *v = NULL;
    for (size_t i = 0; props && i < props->n; i++)
        if (strcmp(props->keys[i], key) == 0)
            v = props->values[i];
    return v;
}

void ftz_props_free(ftz_props_t *props) {
    for (size_t i = 0; i < props->n; i++) {
        free(props->keys[i]);
        free(props->values[i]);
    }
    free(props->keys);
    free(props->values);
    memset(props, 0, sizeof(*props));
}

const char *ftz_kafka_brokers(const char *brokers, const ftz_props_t *props) {
    if (brokers && *brokers)
        return brokers;
    const char *prop = props ? ftz_props_get(props, "bootstrap.servers") : NULL;
    if (prop && *prop)
        return prop;
    const char *env = getenv("FTZ_BROKERS");
    return env && *env ? env : "127.0.0.1:9092";
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    (void)opaque;
    ftz_kafka_log_error(err, reason, 0);
}

const char *ftz_kafka_refusal(int err, const char *reason) {
    /* librdkafka before 2.6.1 puts the nonce twice in SCRAM's
     * client-final message, which Kafka 4 refuses as invalid credentials
     * whatever the password (confluentinc/librdkafka#4895). */
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && reason && strstr(reason, "SCRAM") &&
        rd_kafka_version() < 0x020601ff)
        return "Kafka refused the login (sasl.username/sasl.password; but librdkafka before "
               "2.6.1, as this one, fails SCRAM with Kafka 4 whatever the password: use "
               "sasl.mechanisms=PLAIN inside SASL_SSL)";
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
        return "Kafka refused the login (sasl.username/sasl.password)";
    /* OpenSSL says the same for an unknown CA and for a certificate that
     * does not name the host in -b (ssl.endpoint.identification.algorithm). */
    if (err == RD_KAFKA_RESP_ERR__SSL && reason &&
        (strstr(reason, "certificate verify failed") || strstr(reason, "could not be verified")))
        return "Kafka's TLS certificate is not trusted (ssl.ca.location), or does not name "
               "the host it was reached by (-b, bootstrap.servers)";
    if (err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
        err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
        err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED)
        return "Kafka refused this user (a missing ACL)";
    return NULL;
}

/* The properties ftz sets before -X and -F, which override them
 * (docs/configuration.md is generated from these tables). */
static const ftz_kafka_default_t producer_defaults[] = {
    {"enable.idempotence", "true",
     "no duplicates or reordering from the producer's own retries"},
    {"acks", "all", "a record is acknowledged once every in-sync replica has it"},
    {"linger.ms", "10", "fuller batches at a cost of 10 ms of latency"},
    {"message.timeout.ms", "60000",
     "how long a record may wait for its acknowledgement (ftz produce: --timeout)"},
    {"compression.type", "lz4", "cheap compression of the batches"},
    /* librdkafka's producer default (true) asks the broker to create every
     * topic it fetches metadata for; Kafka's auto.create.topics.enable
     * is true by default, so a missing topic would be made with the
     * broker's defaults (1 partition, 1 replica) instead of being named. */
    {"allow.auto.create.topics", "false",
     "a missing topic is an error, never created with the broker's defaults (ftz topics "
     "create makes the topics)"},
};

static const ftz_kafka_default_t consumer_defaults[] = {
    {"enable.auto.commit", "false",
     "offsets live in PostgreSQL (ftz.consumer_offsets), never in Kafka"},
    {"enable.auto.offset.store", "false", "the same"},
    {"auto.offset.reset", "earliest",
     "librdkafka's default, largest, would skip a partition's backlog (ftz aggregate "
     "sets error and refuses -X auto.offset.reset)"},
    {"enable.partition.eof", "true", "the end of a partition closes a batch at once"},
    {"session.timeout.ms", "10000", "a member that died is replaced within 10 s"},
    {"heartbeat.interval.ms", "1000", "heartbeats well within the session timeout"},
    /* librdkafka's 500 ms would leave the last batch of a backlog open
     * for half a second. */
    {"fetch.wait.max.ms", "100",
     "the broker holds a fetch at a partition's end this long: an end of partition is "
     "seen within 100 ms"},
    /* A message in the queue pins its whole (decompressed) fetch
     * response: librdkafka's defaults (a 64 MB queue, 50 MB responses)
     * made the resident size climb to about 190 MiB within seconds of a
     * backlog; these keep it near 100 MiB at the same drain rate. Smaller
     * queues starve: librdkafka 2.0.2 re-checks a full queue only on its
     * own timer. */
    {"queued.max.messages.kbytes", "16384",
     "the prefetch queue, most of the consumer's memory (docs/operations.md, Memory)"},
    {"fetch.max.bytes", "8388608", "the same: smaller fetch responses"},
    {"max.partition.fetch.bytes", "524288", "the same, per partition"},
};

const ftz_kafka_default_t *ftz_kafka_defaults(ftz_kafka_role_t role, size_t *n) {
    if (role == FTZ_KAFKA_PRODUCER) {
        *n = FTZ_ARRAY_SIZE(producer_defaults);
        return producer_defaults;
    }
    *n = FTZ_ARRAY_SIZE(consumer_defaults);
    return consumer_defaults;
}

rd_kafka_conf_t *ftz_kafka_conf_new(ftz_kafka_role_t role, const char *brokers,
                                    const ftz_props_t *props, char *errstr,
                                    size_t errstr_size) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[512];
    size_t n;
    const ftz_kafka_default_t *defaults = ftz_kafka_defaults(role, &n);

    rd_kafka_conf_set_log_cb(conf, ftz_kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_conf_set(conf, defaults[i].name, defaults[i].value, why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", why);
            goto fail;
        }
    for (size_t i = 0; props && i < props->n; i++)
        if (strcmp(props->keys[i], "bootstrap.servers") != 0 &&
            rd_kafka_conf_set(conf, props->keys[i], props->values[i], why, sizeof(why)) !=
            RD_KAFKA_CONF_OK) {
            /* librdkafka quotes the name; a "name" that is no name may be
             * a password (a base64 one ends in '='). */
            if (looks_like_name(props->keys[i], strlen(props->keys[i])))
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "-X %s: %s",
                           props->keys[i], why);
            else
                ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                           "-X or -F: no such configuration property (the name is not shown: "
                           "it does not look like one and may be a secret)");
            goto fail;
        }
    if (rd_kafka_conf_set(conf, "bootstrap.servers", ftz_kafka_brokers(brokers, props), why,
                          sizeof(why)) != RD_KAFKA_CONF_OK) {
        ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "%s", why);
        goto fail;
    }
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}
