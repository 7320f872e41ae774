#include "ftz/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ftz/err.h"
#include "ftz/array.h"

static ftz_log_level_t log_level = FTZ_LOG_INFO;
/* The facilities whose debug lines pass (bit i: contexts[i]); all: ~0. */
static const char *const contexts[] = {"KAFKA", "PG",  "BATCH", "RULES",
                                       "SPOOL", "SIM", "STATS", "METRICS"};
static unsigned debug_mask = ~0u;

int ftz_log_set_debug(const char *list, char *errstr, unsigned long errstr_size) {
    unsigned mask = 0;
    char word[32];
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n >= sizeof(word)) {
            char shown[20 + sizeof("...")]; /* cut on a UTF-8 boundary */
            ftz_fmt(shown, sizeof(shown), "%.*s", (int)n, p);
            ftz_fmt(errstr, errstr_size, "-d: unknown context \"%s\" (%s or all)", shown,
                    FTZ_LOG_CONTEXTS);
            return -1;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        size_t i = 0;
        if (strcasecmp(word, "all") == 0)
            mask = ~0u;
        else {
            while (i < FTZ_ARRAY_SIZE(contexts) && strcasecmp(word, contexts[i]))
                i++;
            if (i == FTZ_ARRAY_SIZE(contexts)) {
                ftz_fmt(errstr, errstr_size, "-d: unknown context \"%s\" (%s or all)", word,
                         FTZ_LOG_CONTEXTS);
                return -1;
            }
            mask |= 1u << i;
        }
        p += n + (p[n] == ',');
    }
    if (!mask) {
        ftz_fmt(errstr, errstr_size, "-d: no context given (%s or all)", FTZ_LOG_CONTEXTS);
        return -1;
    }
    debug_mask = mask;
    log_level = FTZ_LOG_DEBUG;
    return 0;
}

static int debug_wanted(const char *fac) {
    if (debug_mask == ~0u)
        return 1;
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(contexts); i++)
        if (strcmp(fac, contexts[i]) == 0)
            return (debug_mask >> i) & 1;
    return 0;
}
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

    if (level > log_level || (level == FTZ_LOG_DEBUG && !debug_wanted(fac)))
        return;
    va_start(ap, fmt);
    ftz_vfmt(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Messages that quote libpq or the server may carry newlines. */
    ftz_fmt_one_line(msg);
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
