#include "ftz/kafka_log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/log.h"

/* When a complaint was last said, and how often it came since. */
typedef struct said_s {
    time_t at;
    unsigned long held;
    int err, used; /* error_said: the error kind this slot counts */
} said_t;

/* librdkafka logs from its own threads (and error events come from the
 * pollers'): the counts are shared. */
static pthread_mutex_t said_lock = PTHREAD_MUTEX_INITIALIZER;
static said_t error_said[64];
static said_t getpid_said;

/* librdkafka retries acquiring a producer id every 500 ms, each with a
 * warning; the broker's reason ("Coordinator load in progress") does not
 * say that the cluster cannot allocate ids while it is short of nodes. */
static const char getpid_hint[] =
    "no producer id: Kafka is short of nodes (fewer brokers up or in sync than "
    "min.insync.replicas, or the controller quorum lost); nothing is sent until it "
    "recovers";

/* 1: say it now, *held being how often it was held back since it was last
 * said; 0: hold it back (counted). */
static int say_again(said_t *s, time_t now, unsigned long *held) {
    int say;
    pthread_mutex_lock(&said_lock);
    say = !s->at || now - s->at >= FTZ_KAFKA_REPEAT_S || now < s->at;
    if (say) {
        *held = s->held;
        s->held = 0;
        s->at = now;
    } else {
        s->held++;
    }
    pthread_mutex_unlock(&said_lock);
    return say;
}

void ftz_kafka_log_reset(void) {
    pthread_mutex_lock(&said_lock);
    memset(error_said, 0, sizeof(error_said));
    memset(&getpid_said, 0, sizeof(getpid_said));
    pthread_mutex_unlock(&said_lock);
}

const char *ftz_kafka_cluster_trouble(time_t now) {
    time_t at;
    pthread_mutex_lock(&said_lock);
    at = getpid_said.at;
    pthread_mutex_unlock(&said_lock);
    return at && now >= at && now - at < FTZ_KAFKA_REPEAT_S ? getpid_hint : NULL;
}

/* The slot of error kind err: its own while the table has room (a slot
 * shared by two kinds would hold one back for the other's sake), else one
 * shared by its remainder. */
static said_t *error_slot(int err) {
    size_t n = FTZ_ARRAY_SIZE(error_said), i;
    said_t *s = NULL;
    pthread_mutex_lock(&said_lock);
    for (i = 0; i < n && error_said[i].used; i++)
        if (error_said[i].err == err)
            break;
    if (i < n) {
        s = &error_said[i];
        s->used = 1;
        s->err = err;
    } else {
        s = &error_said[(size_t)(err < 0 ? -err : err) % n];
    }
    pthread_mutex_unlock(&said_lock);
    return s;
}

/* ", N more in the last S s" when repeats were held back, else "". */
static void held_note(char *out, size_t size, unsigned long held) {
    out[0] = '\0';
    if (held)
        snprintf(out, size, " (%lu more in the last %d s)", held, FTZ_KAFKA_REPEAT_S);
}

void ftz_kafka_log_line(int level, const char *fac, const char *buf, time_t now) {
    ftz_log_level_t l = level <= 3 ? FTZ_LOG_ERROR
                        : level == 4 ? FTZ_LOG_WARNING
                        : level <= 6 ? FTZ_LOG_INFO : FTZ_LOG_DEBUG;
    unsigned long held = 0;
    char note[64];
    /* A failed connection ("FAIL") is also an error event (error_cb below
     * or the caller's): said there, once; here only for debugging. */
    if (strcmp(fac, "FAIL") == 0)
        l = FTZ_LOG_DEBUG;
    /* `ftz aggregate` hands its -X properties to its dead-letter producer
     * too; consumer properties there are expected, not worth a warning. */
    if (strcmp(fac, "CONFWARN") == 0 && strstr(buf, "is a consumer property"))
        l = FTZ_LOG_DEBUG;
    if (strcmp(fac, "GETPID") == 0 && l == FTZ_LOG_WARNING) {
        if (!say_again(&getpid_said, now, &held)) {
            ftz_log(FTZ_LOG_DEBUG, "KAFKA", "%s: %s", fac, buf);
            return;
        }
        held_note(note, sizeof(note), held);
        ftz_log(l, "KAFKA", "%s: %s%s: %s; said again once a minute at most", fac, buf, note,
                getpid_hint);
        return;
    }
    ftz_log(l, "KAFKA", "%s: %s", fac, buf);
}

void ftz_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    ftz_kafka_log_line(level, fac, buf, time(NULL));
}

void ftz_kafka_log_error_at(int err, const char *reason, int quiet, time_t now) {
    /* Transport errors are retried by librdkafka; they are worth a warning,
     * not a stop, and one a minute per kind, not one per retry. Fatal
     * errors are checked by the callers' loops. */
    int fatal = err == RD_KAFKA_RESP_ERR__FATAL;
    unsigned long held = 0;
    char note[64] = "";
    int repeat = !fatal && !say_again(error_slot(err), now, &held);
    if (!repeat)
        held_note(note, sizeof(note), held);
    ftz_log(fatal ? FTZ_LOG_ERROR : repeat || quiet ? FTZ_LOG_DEBUG : FTZ_LOG_WARNING, "KAFKA",
            "%s: %s%s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason, note);
}

void ftz_kafka_log_error(int err, const char *reason, int quiet) {
    ftz_kafka_log_error_at(err, reason, quiet, time(NULL));
}
