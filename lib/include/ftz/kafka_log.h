/* librdkafka's log lines and error events, routed to ftz_log (facility
 * KAFKA). What librdkafka repeats on every retry is said once, then at
 * most once every FTZ_KAFKA_REPEAT_S seconds with how often it came in
 * between; lines that name a likely cause get a hint saying it. */
#ifndef FTZ_KAFKA_LOG_H
#define FTZ_KAFKA_LOG_H

#include <librdkafka/rdkafka.h>
#include <time.h>

/* Seconds between two lines of one repeated complaint. */
#define FTZ_KAFKA_REPEAT_S 60

/* A log_cb for rd_kafka_conf_set_log_cb (librdkafka's level 0-7, its
 * facility and line). Any thread. */
void ftz_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

/* Logs one librdkafka log line as ftz_kafka_log_cb does, `now` being
 * time(NULL) (a parameter so tests can move the clock). fac and buf are
 * borrowed. Any thread. */
void ftz_kafka_log_line(int level, const char *fac, const char *buf, time_t now);

/* Logs a librdkafka error event (what an error_cb receives): transport
 * errors as a warning once every FTZ_KAFKA_REPEAT_S seconds per kind (debug
 * in between, or always when quiet), fatal ones as errors. reason is
 * borrowed. Any thread. */
void ftz_kafka_log_error(int err, const char *reason, int quiet);
/* The same at `now` (for tests). */
void ftz_kafka_log_error_at(int err, const char *reason, int quiet, time_t now);

/* What librdkafka's lines said is likely wrong with the cluster, when it
 * said so within the last FTZ_KAFKA_REPEAT_S seconds before `now`: today
 * only a producer id refused (too few brokers up, or the controller quorum
 * lost). NULL when nothing was. Static string. Any thread. */
const char *ftz_kafka_cluster_trouble(time_t now);

/* Forgets every repeat count (tests). */
void ftz_kafka_log_reset(void);

#endif
