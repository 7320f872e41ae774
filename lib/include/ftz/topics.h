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
 * that does not exist yet, with `partitions` partitions, replication
 * factor `rf` and the topic config min.insync.replicas=`min_isr`.
 * rf 0: min(3, the brokers the cluster reports); min_isr 0: 2 when the
 * replication factor is 3 or more, else 1. min_isr above the replication
 * factor is refused. Existing topics are left as they are. */
ftz_err_t ftz_topics_create(const char *brokers, const ftz_props_t *props, const char *prefix,
                            int partitions, int rf, int min_isr, char *errstr,
                            size_t errstr_size);

/* The defaults of ftz_topics_create: the replication factor for a cluster
 * of `brokers` brokers, and min.insync.replicas for replication factor rf. */
int ftz_topics_default_rf(int brokers);
int ftz_topics_default_min_isr(int rf);

#endif
