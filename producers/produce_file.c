/* The per-file step of ftz produce: JSON lines or CSV -> rules -> Avro
 * single-object -> Kafka (see produce_file.h). */
#include "produce_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ftz/json.h"
#include "ftz/log.h"
#include "ftz/rules.h"
#include "produce_progress.h"

static void on_failure(const char *label, const char *reason, void *opaque) {
    ftz_produce_run_t *r = opaque;
    (void)reason;
    if (r->failed_seen < FTZ_PRODUCE_FAILED_SHOWN)
        r->failed_labels[r->failed_seen] = strdup(label ? label : "?");
    r->failed_seen++;
}

void ftz_produce_run_attach(ftz_produce_run_t *r) {
    ftz_producer_on_failure(r->prod, on_failure, r);
}

void ftz_produce_forget_failures(ftz_produce_run_t *r) {
    for (int i = 0; i < FTZ_PRODUCE_FAILED_SHOWN; i++) {
        free(r->failed_labels[i]);
        r->failed_labels[i] = NULL;
    }
    r->failed_seen = 0;
}

void ftz_produce_run_free(ftz_produce_run_t *r) {
    ftz_produce_forget_failures(r);
    ftz_buf_free(&r->out);
}

/* The error that stops reading an input: said on stderr and kept. */
static ftz_err_t stop_reading(ftz_produce_run_t *r, ftz_err_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ftz_err_t stop_reading(ftz_produce_run_t *r, ftz_err_t kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ftz_vfmt(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
    r->error_kind = kind;
    ftz_cli_error("produce", NULL, "%s", r->error);
    return kind;
}

/* Whether reading must stop now: at a stop signal, or stop_grace_s after. */
static int must_stop(ftz_produce_run_t *r) {
    if (!ftz_cli_stop)
        return 0;
    if (r->stop_grace_s < 0)
        return 1;
    if (r->stop_at == 0)
        r->stop_at = ftz_progress_elapsed() + r->stop_grace_s;
    return ftz_progress_elapsed() >= r->stop_at;
}

/* The figures so far, for the metrics server (a busy server skips one). */
static void publish_metrics(ftz_produce_run_t *r) {
    ftz_buf_t text = FTZ_BUF_INIT;
    ftz_health_t h;
    memset(&h, 0, sizeof(h));
    h.owned = -1;
    if (ftz_produce_render_metrics(&text, r->topic, &r->counts, r->prod) == FTZ_OK)
        ftz_metrics_server_publish(r->metrics, text.data ? text.data : "", text.len, &h);
    ftz_buf_free(&text);
}

void ftz_produce_tick(ftz_produce_run_t *r, int poll) {
    /* Called per record: the clock is read every 256th time only. */
    if (!poll && (++r->ticks & 255) != 0)
        return;
    if (poll)
        ftz_producer_poll(r->prod);
    if (r->metrics && time(NULL) != r->published) {
        publish_metrics(r);
        r->published = time(NULL);
    }
    ftz_progress_update(&r->counts, r->prod, 0);
}

/* Reports a rejected record and copies it (raw, may be NULL) to --rejects. */
static void reject(ftz_produce_run_t *r, ftz_produce_input_t *in, const char *where,
                   ftz_code_t code, const char *reason, const char *raw, size_t raw_len) {
    /* One line, whatever the file's name or the reason hold (a name from
     * the spool directory may carry ESC or a line end). */
    char line[1024];
    ftz_fmt(line, sizeof(line), "%s: %s %s", where, ftz_code_name(code), reason);
    ftz_fmt_one_line(line);
    if (r->quiet_rejects)
        ftz_log(FTZ_LOG_DEBUG, "RULES", "%s", line);
    else
        ftz_progress_printf("%s\n", line);
    r->counts.rejected++;
    r->counts.by_code[code]++;
    if (r->reasons)
        fprintf(r->reasons, "%s\n", line);
    if (!r->rejects || !raw)
        return;
    if (in->header && !in->header_written) {
        fwrite(in->header, 1, in->header_len, r->rejects);
        fputc('\n', r->rejects);
        in->header_written = 1;
    }
    fwrite(raw, 1, raw_len, r->rejects);
    fputc('\n', r->rejects);
}

/* A record that mapped: rules, the schema version's fields, encoding,
 * sending. An error stops reading (reported). */
static ftz_err_t send_record(ftz_produce_run_t *r, ftz_produce_input_t *in, const char *where,
                             const char *raw, size_t raw_len) {
    ftz_verdict_t v;
    char errstr[512];
    ftz_err_t err;
    if ((!r->skip_rules && ftz_rules_check(r->rt, &r->rec, &v) != FTZ_OK) ||
        ftz_encoder_check_fields(r->enc, &r->rec, &v) != FTZ_OK) {
        reject(r, in, where, v.id, v.reason, raw, raw_len);
        return FTZ_OK;
    }
    if (ftz_encoder_encode(r->enc, &r->rec, &r->out, errstr, sizeof(errstr)) != FTZ_OK)
        return stop_reading(r, FTZ_ERR_IO, "%s: %s", where, errstr);
    const char *key = ftz_record_key(r->rt, &r->rec);
    if ((err = ftz_producer_send(r->prod, r->topic, key, strlen(key), r->out.data, r->out.len,
                                 where, errstr, sizeof(errstr))) != FTZ_OK &&
        ftz_producer_refused(r->prod)[0])
        /* Kafka refused us: said once, with no record to blame. */
        return stop_reading(r, FTZ_ERR_FATAL, "%s", errstr);
    if (err != FTZ_OK)
        /* A record too large for the producer is this input's fault; any
         * other refusal is the producer's, and no other input would fare
         * better. */
        return stop_reading(r, err == FTZ_ERR_POISON ? FTZ_ERR_IO : FTZ_ERR_FATAL, "%s: %s",
                            where, errstr);
    r->counts.sent++;
    return FTZ_OK;
}

/* Every line of a JSON lines input. */
static ftz_err_t send_json(ftz_produce_run_t *r, ftz_produce_input_t *in) {
    const char *line;
    size_t n;
    long lineno = 0;
    char errstr[512], where[600];
    ftz_lines_result_t got;
    ftz_err_t err;
    while (!(in->stopped = must_stop(r)) &&
           (got = ftz_lines_next(&in->lines, &line, &n, r->wait_ms, errstr, sizeof(errstr))) !=
               FTZ_LINES_EOF) {
        if (got == FTZ_LINES_ERROR)
            return stop_reading(r, FTZ_ERR_IO, "%s:%ld: %s", in->label, lineno + 1, errstr);
        if (got == FTZ_LINES_WAIT) {
            ftz_produce_tick(r, 1);
            continue;
        }
        lineno++;
        snprintf(where, sizeof(where), "%s:%ld", in->label, lineno);
        if (got == FTZ_LINES_TOO_LONG) {
            char reason[200];
            snprintf(reason, sizeof(reason),
                     "a line longer than %zu bytes (--max-line-bytes): not read", r->max_line);
            r->counts.read++;
            reject(r, in, where, FTZ_V_LINE_TOO_LONG, reason, NULL, 0);
            ftz_produce_tick(r, 0);
            continue;
        }
        size_t k = 0;
        while (k < n && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == n)
            continue; /* blank line */
        r->counts.read++;
        ftz_verdict_t v;
        if (ftz_json_to_record(r->rt, line, n, &r->rec, &v) != FTZ_OK)
            reject(r, in, where, v.id, v.reason, line, n);
        else if ((err = send_record(r, in, where, line, n)) != FTZ_OK)
            return err;
        ftz_produce_tick(r, 0);
    }
    return FTZ_OK;
}

/* Every record of a CSV input after its header (read by the open). */
static ftz_err_t send_csv(ftz_produce_run_t *r, ftz_produce_input_t *in) {
    ftz_csv_row_t row;
    char errstr[512], where[600];
    ftz_csv_result_t got;
    ftz_err_t err;
    while (!(in->stopped = must_stop(r)) &&
           (got = ftz_csv_reader_next(in->csv, &row, r->wait_ms, errstr, sizeof(errstr))) !=
               FTZ_CSV_EOF) {
        if (got == FTZ_CSV_ERROR)
            return stop_reading(r, FTZ_ERR_IO, "%s: %s", in->label, errstr);
        if (got == FTZ_CSV_WAIT) {
            ftz_produce_tick(r, 1);
            continue;
        }
        snprintf(where, sizeof(where), "%s:%ld", in->label, row.line);
        /* A record over several lines: say which, so that a stray quote
         * that joined many lines into one cell is plain to see. */
        char spans[96] = "";
        if (row.end_line > row.line)
            snprintf(spans, sizeof(spans), " (the record spans lines %ld-%ld)", row.line,
                     row.end_line);
        if (got == FTZ_CSV_TOO_LONG || got == FTZ_CSV_BAD) {
            char reason[700];
            if (got == FTZ_CSV_TOO_LONG)
                snprintf(reason, sizeof(reason),
                         "a record longer than %zu bytes (--max-line-bytes): not read%s",
                         r->max_line, spans);
            else
                snprintf(reason, sizeof(reason), "%s%s", errstr, spans);
            r->counts.read++;
            reject(r, in, where, got == FTZ_CSV_BAD ? FTZ_V_BAD_CSV : FTZ_V_LINE_TOO_LONG,
                   reason, got == FTZ_CSV_BAD ? row.raw : NULL, row.raw_len);
            /* A quote never closed took every line after it: those are not
             * records that were rejected, they were not read at all. */
            if (row.unclosed && row.end_line > row.line)
                return stop_reading(r, FTZ_ERR_IO,
                                    "%s: a quoted cell opened on line %ld is not closed by the "
                                    "end of the input (line %ld): lines %ld-%ld were not read "
                                    "as records (a stray quote?)",
                                    where, row.line, row.end_line, row.line, row.end_line);
        } else if (!ftz_csv_row_blank(&row)) {
            ftz_verdict_t v;
            err = ftz_csv_map_record(in->map, &row, &r->rec, &v);
            r->counts.read++;
            if (err == FTZ_ERR_POISON && spans[0] &&
                strlen(v.reason) + strlen(spans) < sizeof(v.reason))
                strcat(v.reason, spans);
            if (err == FTZ_ERR_POISON)
                reject(r, in, where, v.id, v.reason, row.raw, row.raw_len);
            else if (err != FTZ_OK)
                return stop_reading(r, FTZ_ERR_FATAL, "%s: %s", where, v.reason);
            else if ((err = send_record(r, in, where, row.raw, row.raw_len)) != FTZ_OK)
                return err;
        }
        ftz_produce_tick(r, 0);
    }
    return FTZ_OK;
}

ftz_err_t ftz_produce_input_send(ftz_produce_run_t *r, ftz_produce_input_t *in) {
    in->stopped = 0;
    if (in->fmt == FTZ_PRODUCE_FMT_CSV && !in->map)
        return FTZ_OK; /* an empty CSV input */
    return in->fmt == FTZ_PRODUCE_FMT_CSV ? send_csv(r, in) : send_json(r, in);
}

ftz_produce_fmt_t ftz_produce_format_of(const char *path, ftz_produce_fmt_t given) {
    if (given != FTZ_PRODUCE_FMT_AUTO)
        return given;
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash) && strcasecmp(dot, ".csv") == 0)
        return FTZ_PRODUCE_FMT_CSV;
    return FTZ_PRODUCE_FMT_JSON; /* .jsonl, .ndjson, .json, anything else, standard input */
}

ftz_err_t ftz_produce_input_open(ftz_produce_input_t *in, const ftz_record_type_t *rt,
                                 size_t max_line, char *errstr, size_t errstr_size) {
    char why[512];
    struct stat st;
    in->fd = strcmp(in->path, "-") == 0 ? STDIN_FILENO : open(in->path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", in->label,
                          strerror(errno));
    /* Opening a directory for reading succeeds; reading it does not. */
    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", in->label,
                          strerror(EISDIR));
    if (in->fmt == FTZ_PRODUCE_FMT_JSON) {
        ftz_lines_init(&in->lines, in->fd);
        ftz_lines_set_max(&in->lines, max_line);
        return FTZ_OK;
    }
    if (!(in->csv = ftz_csv_reader_new(in->fd, max_line, why, sizeof(why))))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", in->label, why);
    ftz_csv_row_t row;
    ftz_csv_result_t got;
    do
        got = ftz_csv_reader_next(in->csv, &row, -1, why, sizeof(why));
    while (got == FTZ_CSV_ROW && ftz_csv_row_blank(&row));
    switch (got) {
    case FTZ_CSV_ROW:
        break;
    case FTZ_CSV_EOF:
        return FTZ_OK; /* empty: no records (in->map stays NULL) */
    case FTZ_CSV_TOO_LONG:
    case FTZ_CSV_BAD:
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s:%ld: header: %s", in->label,
                          row.line, why);
    default:
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", in->label, why);
    }
    if (!(in->map = ftz_csv_map_new(rt, &row, why, sizeof(why))))
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s:%ld: %s", in->label, row.line,
                          why);
    if (!(in->header = malloc(row.raw_len + 1)))
        return ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
    memcpy(in->header, row.raw, row.raw_len);
    in->header_len = row.raw_len;
    return FTZ_OK;
}

void ftz_produce_input_close(ftz_produce_input_t *in) {
    ftz_lines_free(&in->lines);
    ftz_csv_reader_destroy(in->csv);
    ftz_csv_map_destroy(in->map);
    free(in->header);
    in->csv = NULL;
    in->map = NULL;
    in->header = NULL;
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    in->fd = -1;
}

void ftz_produce_flush(ftz_produce_run_t *r, long timeout_ms) {
    char errstr[256];
    double until = ftz_progress_elapsed() + (timeout_ms > 0 ? timeout_ms / 1000.0 + 5 : 1e18);
    /* With no bound (message.timeout.ms=0), a stop signal ends the wait:
     * what is not acknowledged by then is reported as such. */
    while (ftz_producer_flush(r->prod, 250, errstr, sizeof(errstr)) == FTZ_ERR_RETRIABLE &&
           ftz_progress_elapsed() < until && !(timeout_ms <= 0 && ftz_cli_stop)) {
        if (r->metrics)
            publish_metrics(r);
        ftz_progress_update(&r->counts, r->prod, 0);
    }
    if (r->metrics)
        publish_metrics(r);
}

void ftz_produce_describe_unacknowledged(const ftz_produce_run_t *r, ftz_buf_t *msg,
                                         const char *brokers, const char *within,
                                         unsigned long long missing, unsigned long long sent,
                                         unsigned long long acked) {
    const char *transport = ftz_producer_transport_error(r->prod);
    /* Nodes of a cluster down while another answers: the records reached
     * Kafka but were not acknowledged, which is not "not reachable". */
    if (acked == 0 && transport[0] && !ftz_producer_brokers_answered(r->prod))
        ftz_buf_printf(msg, "%llu records not sent: broker(s) %s not reachable within %s (%s)",
                       missing, brokers, within, transport);
    else
        ftz_buf_printf(msg, "%llu of %llu records sent were not acknowledged by broker(s) %s "
                       "within %s (%s)", missing, sent, brokers, within,
                       ftz_producer_failed(r->prod) ? ftz_producer_last_error(r->prod)
                                                    : "still waiting at the end");
    unsigned long long listed = 0;
    for (unsigned long long i = 0; i < r->failed_seen && i < FTZ_PRODUCE_FAILED_SHOWN;
         i++, listed++)
        ftz_buf_printf(msg, "%s%s", i ? ", " : ": ", r->failed_labels[i]);
    if (missing > listed)
        ftz_buf_printf(msg, "%s%llu more", listed ? " and " : ": ", missing - listed);
}
