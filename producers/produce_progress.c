#include "ftz/clock.h"
#include "produce_progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ftz/log.h"
#include "cli.h"

static struct {
    int on;
    int shown;           /* the line is on the screen */
    double started, drawn;
    pthread_mutex_t mu;  /* the terminal: the line and log lines */
} pg = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* The default log line (lib/src/log.c), after erasing the progress line.
 * librdkafka logs from its own threads: hence the lock. */
static void log_over_progress(ftz_log_level_t level, const char *fac, const char *msg,
                              void *opaque) {
    struct timespec ts;
    struct tm tm;
    char when[32];
    (void)opaque;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&pg.mu);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    pg.shown = 0;
    fprintf(stderr, "%s.%03ldZ %-5s %-5s %s\n", when, ts.tv_nsec / 1000000L,
            ftz_log_level_name(level), fac, msg);
    pthread_mutex_unlock(&pg.mu);
}

/* The command's own lines (ftz_cli_error, ...), after erasing the line. */
static void write_over_progress(const char *text) { ftz_progress_printf("%s", text); }

void ftz_progress_start(int on) {
    pg.on = on;
    pg.started = ftz_clock_mono();
    pg.drawn = 0;
    if (on) {
        ftz_log_set_callback(log_over_progress, NULL);
        ftz_cli_set_writer(write_over_progress);
    }
}

double ftz_progress_elapsed(void) { return ftz_clock_mono() - pg.started; }

void ftz_progress_update(const ftz_produce_counts_t *c, const ftz_producer_t *p, int force) {
    if (!pg.on)
        return;
    double t = ftz_clock_mono();
    if (!force && t - pg.drawn < 0.25)
        return;
    pg.drawn = t;
    double dt = t - pg.started;
    unsigned long long acked = p ? (unsigned long long)ftz_producer_acked(p) : 0;
    unsigned long long failed = p ? (unsigned long long)ftz_producer_failed(p) : 0;
    pthread_mutex_lock(&pg.mu);
    fprintf(stderr,
            "\r\033[Kread %llu, sent %llu, acknowledged %llu, rejected %llu, failed %llu; "
            "%.0f records/s",
            (unsigned long long)c->read, (unsigned long long)c->sent, acked,
            (unsigned long long)c->rejected, failed,
            dt >= 1 ? (double)c->read / dt : (double)c->read); /* the first second: so far */
    fflush(stderr);
    pg.shown = 1;
    pthread_mutex_unlock(&pg.mu);
}

void ftz_progress_stop(void) {
    if (!pg.on)
        return;
    pthread_mutex_lock(&pg.mu);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    pg.shown = 0;
    pthread_mutex_unlock(&pg.mu);
    ftz_log_set_callback(NULL, NULL);
    ftz_cli_set_writer(NULL);
    pg.on = 0;
}

void ftz_progress_printf(const char *fmt, ...) {
    va_list ap;
    pthread_mutex_lock(&pg.mu);
    if (pg.shown)
        fputs("\r\033[K", stderr);
    pg.shown = 0;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&pg.mu);
}
