/* Logging: one line per event on stderr by default, with a level and a
 * facility that says what the line is about (docs/operations.md, "Errors
 * and logs"): KAFKA (librdkafka, brokers, the group, positions in the
 * logs), PG (PostgreSQL, stored offsets), BATCH (a batch sent, committed,
 * redone, dropped), RULES (a rejected record), STATS (counts), SPOOL, SIM,
 * METRICS. A message is formatted by ftz_vfmt (cut with "..." past 1 KiB)
 * and put on one line. A program may install its own callback.
 * Thread-safe as far as the callback is. */
#ifndef FTZ_LOG_H
#define FTZ_LOG_H

typedef enum ftz_log_level_e {
    FTZ_LOG_ERROR = 3,
    FTZ_LOG_WARNING = 4,
    FTZ_LOG_INFO = 6,
    FTZ_LOG_DEBUG = 7,
} ftz_log_level_t;

typedef void (*ftz_log_cb_t)(ftz_log_level_t level, const char *fac,
                             const char *msg, void *opaque);

/* "ERROR", "WARN", "INFO" or "DEBUG" (static). */
const char *ftz_log_level_name(ftz_log_level_t level);
/* Messages above this level are dropped (default FTZ_LOG_INFO). */
void ftz_log_set_level(ftz_log_level_t level);
ftz_log_level_t ftz_log_get_level(void);
/* Debug lines of some facilities only, like librdkafka's debug=: contexts
 * is a comma list of facility names (any case; FTZ_LOG_CONTEXTS lists
 * them) or "all". Sets the level to debug; lines above debug are not
 * filtered. FTZ_ERR_INVALID_ARG naming an unknown context. */
#define FTZ_LOG_CONTEXTS "kafka, pg, batch, rules, spool, sim, stats, metrics"
int ftz_log_set_debug(const char *contexts, char *errstr, unsigned long errstr_size);
/* cb NULL restores the stderr logger; opaque is borrowed. */
void ftz_log_set_callback(ftz_log_cb_t cb, void *opaque);

void ftz_log(ftz_log_level_t level, const char *fac, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
