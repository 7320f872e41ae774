/* librdkafka set-up shared by every command: configuration from -b, -X
 * key=value and -c FILE (kcat style), logging routed to ftz_log (facility
 * KAFKA), and the project's defaults for producers and consumers. */
#ifndef FTZ_KAFKA_H
#define FTZ_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "ftz/err.h"

/* Ordered key=value properties; later ones win. Owns its strings. */
typedef struct ftz_props_s {
    char **keys;
    char **values;
    size_t n, cap;
} ftz_props_t;

/* Adds "key=value" (copied). FTZ_ERR_INVALID_ARG without '='. */
ftz_err_t ftz_props_add(ftz_props_t *props, const char *kv, char *errstr, size_t errstr_size);
ftz_err_t ftz_props_set(ftz_props_t *props, const char *key, const char *value);
/* Reads a properties file: key=value lines, '#' comments, blank lines. */
ftz_err_t ftz_props_load_file(ftz_props_t *props, const char *path, char *errstr,
                              size_t errstr_size);
/* Whether property `key` holds a secret (sasl.password, ssl.key.password,
 * ...): a -F file with one must be mode 0600, a -X one draws a warning. */
int ftz_props_is_secret(const char *key);
/* The value of key, or NULL (borrowed). */
const char *ftz_props_get(const ftz_props_t *props, const char *key);
void ftz_props_free(ftz_props_t *props);

typedef enum ftz_kafka_role_e { FTZ_KAFKA_PRODUCER, FTZ_KAFKA_CONSUMER } ftz_kafka_role_t;

/* One librdkafka property ftz sets for a role before -X and -F (which
 * override it), and why. */
typedef struct ftz_kafka_default_s {
    const char *name;
    const char *value;
    const char *why;
} ftz_kafka_default_t;

/* The role's defaults, in the order they are set; *n receives their
 * number. Static storage; any thread. */
const ftz_kafka_default_t *ftz_kafka_defaults(ftz_kafka_role_t role, size_t *n);

/* A configuration with the role's defaults, then `props` (borrowed, may be
 * NULL), then bootstrap.servers = ftz_kafka_brokers(brokers, props): -b
 * wins over -X bootstrap.servers. Caller owns the result; NULL with errstr
 * naming the bad property. */
rd_kafka_conf_t *ftz_kafka_conf_new(ftz_kafka_role_t role, const char *brokers,
                                    const ftz_props_t *props, char *errstr,
                                    size_t errstr_size);

/* What Kafka refused, when error `err` (with librdkafka's `reason`) is a
 * refusal no retry mends: a failed SASL login, a broker certificate the
 * CA does not verify, an authorization failure (a missing ACL). NULL for
 * anything else (transport trouble is retried). */
const char *ftz_kafka_refusal(int err, const char *reason);

/* The brokers a command uses: brokers (-b) if set, else bootstrap.servers
 * of props (-X, -F; props may be NULL), else $FTZ_BROKERS, else
 * "127.0.0.1:9092". Borrowed. */
const char *ftz_kafka_brokers(const char *brokers, const ftz_props_t *props);

#endif
