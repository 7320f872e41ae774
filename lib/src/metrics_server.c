/* /metrics, /healthz and /readyz over libmicrohttpd. */
#include "ftz/clock.h"
#include "ftz/metrics_server.h"

#include <ctype.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ftz/buf.h"
#include "ftz/prom.h"

struct ftz_metrics_server_s {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;  /* text and health */
    char *text;
    size_t len;
    ftz_health_t health;
    double start_unix;
    int port;
};

int ftz_health_ready(const ftz_health_t *h, double start_unix, double now_unix, char *why,
                     size_t why_size) {
    double last = h->last_commit > h->caught_up ? h->last_commit : h->caught_up;
    if (h->trouble[0]) {
        snprintf(why, why_size, "%s", h->trouble);
        return 0;
    }
    if (h->owned < 0)
        return 1;
    if (h->owned == 0) {
        snprintf(why, why_size, "owns no partition (the group has not assigned any to this "
                                "member yet, or its other members hold them all)");
        return 0;
    }
    if (!last)
        last = start_unix;
    if (now_unix - last > h->max_age) {
        char commit[64];
        if (h->last_commit)
            snprintf(commit, sizeof(commit), "%.0f s ago", now_unix - h->last_commit);
        else
            snprintf(commit, sizeof(commit), "none since it started");
        snprintf(why, why_size,
                 "neither committed nor caught up with its %d partitions for %.0f s (bound "
                 "%.0f s; last commit: %s)",
                 h->owned, now_unix - last, h->max_age, commit);
        return 0;
    }
    return 1;
}

/* The published figures plus what is computed at scrape time. */
static ftz_err_t render(ftz_metrics_server_t *s, ftz_buf_t *out, int *ready, char *why,
                        size_t why_size) {
    ftz_proc_figures_t pf;
    ftz_health_t h;
    double now = ftz_clock_unix();
    ftz_err_t err;
    pthread_mutex_lock(&s->lock);
    err = ftz_buf_append(out, s->text ? s->text : "", s->len);
    h = s->health;
    pthread_mutex_unlock(&s->lock);
    *ready = ftz_health_ready(&h, s->start_unix, now, why, why_size);
    ftz_proc_figures(&pf);
    if (!err && h.owned >= 0) {
        double last = h.last_commit ? h.last_commit : s->start_unix;
        if (!(err = ftz_prom_family(out, "ftz_consumer_last_commit_age_seconds")))
            err = ftz_prom_sample(out, "ftz_consumer_last_commit_age_seconds", NULL, 0,
                                  now - last);
        if (!err && !(err = ftz_prom_family(out, "ftz_consumer_ready")))
            err = ftz_prom_sample(out, "ftz_consumer_ready", NULL, 0, *ready);
    }
    const char *version[] = {"version", FTZ_VERSION};
    if (!err && !(err = ftz_prom_family(out, "ftz_build_info")))
        err = ftz_prom_sample(out, "ftz_build_info", version, 1, 1);
    if (!err && !(err = ftz_prom_family(out, "process_resident_memory_bytes")))
        err = ftz_prom_sample(out, "process_resident_memory_bytes", NULL, 0, pf.rss_bytes);
    if (!err && !(err = ftz_prom_family(out, "ftz_process_resident_memory_peak_bytes")))
        err = ftz_prom_sample(out, "ftz_process_resident_memory_peak_bytes", NULL, 0,
                              pf.peak_rss_bytes);
    if (!err && !(err = ftz_prom_family(out, "process_cpu_seconds_total")))
        err = ftz_prom_sample(out, "process_cpu_seconds_total", NULL, 0, pf.cpu_seconds);
    if (!err && !(err = ftz_prom_family(out, "process_start_time_seconds")))
        err = ftz_prom_sample(out, "process_start_time_seconds", NULL, 0, s->start_unix);
    return err;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             ftz_buf_t *body) {
    size_t len = body->len;
    char *data = ftz_buf_steal(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, data ? data : (char *)"", data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
    ftz_metrics_server_t *s = cls;
    ftz_buf_t body = FTZ_BUF_INIT;
    char why[512] = "";
    int ready = 0;
    (void)version;
    (void)upload;
    if (!*state) { /* the headers: answer once the (empty) body is in */
        *state = s;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        ftz_buf_puts(&body, "only GET and HEAD\n");
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", &body);
    }
    if (strcmp(url, "/metrics") == 0) {
        if (render(s, &body, &ready, why, sizeof(why))) {
            ftz_buf_free(&body);
            ftz_buf_puts(&body, "out of memory\n");
            return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", &body);
        }
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &body);
    }
    if (strcmp(url, "/healthz") == 0) {
        ftz_buf_puts(&body, "ok\n");
        return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &body);
    }
    if (strcmp(url, "/readyz") == 0) {
        ftz_health_t h;
        pthread_mutex_lock(&s->lock);
        h = s->health;
        pthread_mutex_unlock(&s->lock);
        ready = ftz_health_ready(&h, s->start_unix, ftz_clock_unix(), why, sizeof(why));
        ftz_buf_printf(&body, "%s%s\n", ready ? "ready" : "not ready: ", ready ? "" : why);
        return reply(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                     "text/plain; charset=utf-8", &body);
    }
    ftz_buf_puts(&body, "not found: try /metrics, /healthz or /readyz\n");
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", &body);
}

ftz_err_t ftz_metrics_server_start(const char *addr, ftz_metrics_server_t **out, char *errstr,
                                   size_t errstr_size) {
    char host[256];
    const char *colon = strrchr(addr, ':');
    struct addrinfo hints, *ai = NULL;
    ftz_metrics_server_t *s = NULL;
    size_t hlen;

    *out = NULL;
    if (!colon || colon == addr || !colon[1] || (hlen = (size_t)(colon - addr)) >= sizeof(host))
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "metrics address \"%s\": expected HOST:PORT (e.g. 127.0.0.1:9464)",
                          addr);
    memcpy(host, addr, hlen);
    host[hlen] = '\0';
    /* The port: digits, 0 to 65535 (getaddrinfo would cut a larger one to
     * 16 bits and serve somewhere else). */
    const char *port = colon + 1;
    char *end = NULL;
    long pn = strtol(port, &end, 10);
    if (!isdigit((unsigned char)port[0]) || *end || pn > 65535)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size,
                          "metrics address \"%s\": port \"%s\" is not 0 to 65535", addr, port);
    if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') { /* [::1]:9464 */
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai)
        return ftz_seterr(FTZ_ERR_INVALID_ARG, errstr, errstr_size, "metrics address \"%s\": %s",
                          addr, gai_strerror(gai));
    if (!(s = calloc(1, sizeof(*s)))) {
        freeaddrinfo(ai);
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    }
    pthread_mutex_init(&s->lock, NULL);
    s->start_unix = ftz_clock_unix();
    s->health.owned = -1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* A client holding connections open (slowloris) must not starve the
     * scrapes: a few connections per client address, many in all, and
     * an idle connection closed after a few seconds. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)FTZ_METRICS_MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)FTZ_METRICS_MAX_PER_CLIENT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)FTZ_METRICS_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon) {
        ftz_metrics_server_stop(s);
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size,
                          "cannot serve metrics on %s (address in use, or not this host's?)",
                          addr);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return FTZ_OK;
}

void ftz_metrics_server_stop(ftz_metrics_server_t *s) {
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    pthread_mutex_destroy(&s->lock);
    free(s->text);
    free(s);
}

int ftz_metrics_server_port(const ftz_metrics_server_t *s) {
    return s ? s->port : 0;
}

int ftz_metrics_server_publish(ftz_metrics_server_t *s, const char *text, size_t len,
                               const ftz_health_t *health) {
    char *copy = malloc(len + 1);
    if (!copy)
        return 0;
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (pthread_mutex_trylock(&s->lock) != 0) {
        free(copy);
        return 0;
    }
    char *old = s->text;
    s->text = copy;
    s->len = len;
    s->health = *health;
    pthread_mutex_unlock(&s->lock);
    free(old);
    return 1;
}
