/* The pipeline's topic names and their creation through the Kafka admin
 * API. A topic prefix (--topic-prefix, $FTZ_TOPIC_PREFIX) puts a whole
 * pipeline on its own topics, e.g. one per test or per environment. */
#ifndef FTZ_TOPICS_H
#define FTZ_TOPICS_H

#include <stddef.h>

#include "ftz/kafka.h"
#include "ftz/record.h"

#define FTZ_TOPIC_DEADLETTER "ftz.deadletter"
#define FTZ_TOPIC_MAX 249 /* Kafka's limit on topic names */

/* prefix (NULL: $FTZ_TOPIC_PREFIX, else "") + name into out. Returns out. */
const char *ftz_topic_name(const char *prefix, const char *name, char *out, size_t out_size);

/* Whether Kafka accepts `topic` as a name: 1 to 249 of [A-Za-z0-9._-]. */
int ftz_topic_name_valid(const char *topic);
/* The prefix in force: prefix if not NULL, else $FTZ_TOPIC_PREFIX, else "". */
const char *ftz_topic_prefix(const char *prefix);
/* The record type carried by `topic` under `prefix`, or NULL. */
const ftz_record_type_t *ftz_topic_record_type(const char *prefix, const char *topic);

/* Creates every record topic and the dead-letter topic (with the prefix)
 * that does not exist yet, with `partitions` partitions and replication
 * factor `rf`. Existing topics are left as they are. */
ftz_err_t ftz_topics_create(const char *brokers, const ftz_props_t *props, const char *prefix,
                            int partitions, int rf, char *errstr, size_t errstr_size);

#endif
