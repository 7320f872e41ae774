/* The HTTP endpoint of a long-running command (--metrics-addr): /metrics
 * in the Prometheus text format, /healthz (the process is alive) and
 * /readyz (ready, or 503 with the reason in the body).
 *
 * It runs on its own thread (libmicrohttpd's internal polling thread) and
 * never slows or blocks its owner: the owner publishes a rendered copy of
 * its figures now and then with ftz_metrics_server_publish, which only
 * tries the lock and reports when the server is busy copying (the owner
 * publishes again later). What must be current at scrape time (seconds
 * since the last commit, readiness, memory, CPU) the server computes
 * itself from the health inputs of the last publish. */
#ifndef FTZ_METRICS_SERVER_H
#define FTZ_METRICS_SERVER_H

#include <stddef.h>

#include "ftz/err.h"

typedef struct ftz_metrics_server_s ftz_metrics_server_t;

/* Connections served at once, in all and per client address, and how
 * long an idle connection is kept. */
#define FTZ_METRICS_MAX_CONNECTIONS 256
#define FTZ_METRICS_MAX_PER_CLIENT 8
#define FTZ_METRICS_IDLE_TIMEOUT_S 5

/* What readiness is judged on, as of the publish. */
typedef struct ftz_health_s {
    int owned;              /* partitions owned; -1: not a consumer (always ready
                             * unless trouble is set) */
    double last_commit;     /* Unix time of the last commit, 0: none */
    double caught_up;       /* Unix time last at the end of every owned partition
                             * with everything committed, 0: never */
    double max_age;         /* ready while max(last_commit, caught_up, start) is at
                             * most this many seconds old */
    char trouble[384];      /* non-empty: not ready, and why */
} ftz_health_t;

/* Listens on "HOST:PORT" (PORT 0: any free port; ftz_metrics_server_port
 * says which) and sets *out. FTZ_ERR_INVALID_ARG with errstr when the
 * address is malformed; FTZ_ERR_FATAL when it cannot be served (in use,
 * not this host's). */
ftz_err_t ftz_metrics_server_start(const char *addr, ftz_metrics_server_t **out, char *errstr,
                                   size_t errstr_size);
/* Stops serving and frees the server (NULL is fine). */
void ftz_metrics_server_stop(ftz_metrics_server_t *s);
int ftz_metrics_server_port(const ftz_metrics_server_t *s);

/* Replaces the figures served by /metrics (text is copied; the server
 * appends the scrape-time figures) and the health inputs. Returns 1 when
 * published, 0 when the server was busy (nothing changed; try later). */
int ftz_metrics_server_publish(ftz_metrics_server_t *s, const char *text, size_t len,
                               const ftz_health_t *health);

/* Readiness from health as of now_unix: 1 when ready, else 0 with the
 * reason in why. Pure; used by the server and by the owner's stats. */
int ftz_health_ready(const ftz_health_t *h, double start_unix, double now_unix, char *why,
                     size_t why_size);

#endif
