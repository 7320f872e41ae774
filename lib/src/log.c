#include "ftz/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static ftz_log_level_t log_level = FTZ_LOG_INFO;
static ftz_log_cb_t log_cb;
static void *log_opaque;

void ftz_log_set_level(ftz_log_level_t level) { log_level = level; }
ftz_log_level_t ftz_log_get_level(void) { return log_level; }

void ftz_log_set_callback(ftz_log_cb_t cb, void *opaque) {
    log_cb = cb;
    log_opaque = opaque;
}

const char *ftz_log_level_name(ftz_log_level_t level) {
    switch (level) {
    case FTZ_LOG_ERROR: return "ERROR";
    case FTZ_LOG_WARNING: return "WARN";
    case FTZ_LOG_INFO: return "INFO";
    case FTZ_LOG_DEBUG: return "DEBUG";
    }
    return "?";
}

void ftz_log(ftz_log_level_t level, const char *fac, const char *fmt, ...) {
    char msg[1024];
    va_list ap;

    if (level > log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One event, one line: messages that quote libpq or the server may
     * carry newlines (and a trailing one). */
    size_t n = 0;
    for (char *c = msg; *c; c++, n++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    while (n && msg[n - 1] == ' ')
        msg[--n] = '\0';
    if (log_cb) {
        log_cb(level, fac, msg, log_opaque);
        return;
    }
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ %-5s %-5s %s\n", when, ts.tv_nsec / 1000000L,
            ftz_log_level_name(level), fac, msg);
}
