/* The metric table and the Prometheus text format. */
#include "ftz/prom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftz/array.h"

#define C FTZ_PROM_COUNTER
#define G FTZ_PROM_GAUGE
#define H FTZ_PROM_HISTOGRAM

static const ftz_metric_def_t defs[] = {
    /* ftz aggregate */
    {"ftz_consumer_messages_total", C, "topic", "aggregate",
     "Messages consumed in committed batches, good or bad."},
    {"ftz_consumer_records_total", C, "topic", "aggregate",
     "Records counted into the aggregate tables."},
    {"ftz_consumer_dead_letters_total", C, "topic,code", "aggregate",
     "Dead letters written to ftz.dead_letters, by verdict code (every code from 0)."},
    {"ftz_consumer_batches_total", C, "result", "aggregate",
     "Batches by outcome: committed; redone after a retriable failure; fenced (another member "
     "owns the partition now)."},
    {"ftz_consumer_pg_retries_total", C, "", "aggregate",
     "Batches redone because PostgreSQL answered with a retriable error (serialization "
     "failure, deadlock, lock timeout, lost connection)."},
    {"ftz_consumer_pg_reconnects_total", C, "", "aggregate",
     "New PostgreSQL connections made after a lost one."},
    {"ftz_consumer_batch_messages", H, "", "aggregate", "Messages per committed batch."},
    {"ftz_consumer_commit_duration_seconds", H, "", "aggregate",
     "From sending a batch's transaction to its COMMIT's answer."},
    {"ftz_consumer_end_to_end_latency_seconds", H, "", "aggregate",
     "Commit time minus each message's Kafka timestamp (CreateTime or LogAppendTime)."},
    {"ftz_consumer_lag_messages", G, "topic,partition", "aggregate",
     "Per owned partition: the log end (librdkafka statistics: last stable offset under "
     "read_committed, else high watermark) minus the next offset this member holds."},
    {"ftz_consumer_last_commit_timestamp_seconds", G, "", "aggregate",
     "Unix time of the last committed batch (0: none yet)."},
    {"ftz_consumer_last_commit_age_seconds", G, "", "aggregate",
     "Seconds since the last committed batch (since start when none), at scrape time."},
    {"ftz_consumer_caught_up_timestamp_seconds", G, "", "aggregate",
     "Unix time when the member was last at the end of every partition it owns with "
     "everything committed (a quiet healthy member keeps it fresh)."},
    {"ftz_consumer_owned_partitions", G, "", "aggregate", "Partitions this member owns."},
    {"ftz_consumer_ready", G, "", "aggregate",
     "1 when /readyz answers 200: owns partitions and committed or caught up within "
     "--ready-max-age."},
    {"ftz_consumer_gaps_skipped_total", C, "", "aggregate",
     "Out-of-range stored offsets skipped under --on-gap skip (each in ftz.offset_moves)."},
    /* ftz produce */
    {"ftz_producer_records_read_total", C, "topic", "produce", "Input records read."},
    {"ftz_producer_records_rejected_total", C, "topic,code", "produce",
     "Input records refused before sending, by verdict code (every code from 0)."},
    {"ftz_producer_records_sent_total", C, "topic", "produce",
     "Records handed to librdkafka for sending."},
    {"ftz_producer_records_acknowledged_total", C, "topic", "produce",
     "Records acknowledged by the brokers (acks=all)."},
    {"ftz_producer_delivery_failures_total", C, "topic", "produce",
     "Records whose delivery failed (not acknowledged)."},
    {"ftz_producer_delivery_latency_seconds", H, "", "produce",
     "From handing a record to librdkafka to its acknowledgement."},
    /* both */
    {"ftz_build_info", G, "version", "all", "Always 1; the version in a label."},
    {"process_resident_memory_bytes", G, "", "all", "Resident memory (VmRSS)."},
    {"ftz_process_resident_memory_peak_bytes", G, "", "all", "Peak resident memory (VmHWM)."},
    {"process_cpu_seconds_total", C, "", "all", "User and system CPU time."},
    {"process_start_time_seconds", G, "", "all", "Unix time the process started."},
};

#undef C
#undef G
#undef H

const ftz_metric_def_t *ftz_metric_defs(int *n) {
    *n = (int)FTZ_ARRAY_SIZE(defs);
    return defs;
}

const char *ftz_prom_type_name(ftz_prom_type_t t) {
    return t == FTZ_PROM_COUNTER ? "counter" : t == FTZ_PROM_GAUGE ? "gauge" : "histogram";
}

static const ftz_metric_def_t *find(const char *name) {
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(defs); i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

void ftz_histogram_init(ftz_histogram_t *h, const double *bounds, int n) {
    memset(h, 0, sizeof(*h));
    h->bounds = bounds;
    h->n = n > FTZ_HIST_BUCKETS ? FTZ_HIST_BUCKETS : n;
}

void ftz_histogram_observe(ftz_histogram_t *h, double v) {
    int i = 0;
    while (i < h->n && v > h->bounds[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum += v;
}

ftz_err_t ftz_prom_family(ftz_buf_t *b, const char *name) {
    const ftz_metric_def_t *d = find(name);
    if (!d)
        return FTZ_ERR_INVALID_ARG;
    return ftz_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, d->help, name,
                          ftz_prom_type_name(d->type));
}

/* A label value: backslash, double quote and newline escaped. */
static ftz_err_t put_label_value(ftz_buf_t *b, const char *v) {
    ftz_err_t err = FTZ_OK;
    for (; *v && !err; v++)
        err = *v == '\\' ? ftz_buf_puts(b, "\\\\")
              : *v == '"' ? ftz_buf_puts(b, "\\\"")
              : *v == '\n' ? ftz_buf_puts(b, "\\n")
                           : ftz_buf_putc(b, *v);
    return err;
}

static ftz_err_t put_value(ftz_buf_t *b, double v) {
    if (isnan(v))
        return ftz_buf_puts(b, "NaN\n");
    if (isinf(v))
        return ftz_buf_puts(b, v > 0 ? "+Inf\n" : "-Inf\n");
    if (v == floor(v) && fabs(v) < 1e15)
        return ftz_buf_printf(b, "%.0f\n", v);
    return ftz_buf_printf(b, "%.17g\n", v);
}

static ftz_err_t put_sample(ftz_buf_t *b, const char *name, const char *suffix,
                            const char *const *labels, int n_labels, const char *le,
                            double value) {
    ftz_err_t err = ftz_buf_printf(b, "%s%s", name, suffix);
    if (!err && (n_labels > 0 || le))
        err = ftz_buf_putc(b, '{');
    for (int i = 0; i < n_labels && !err; i++) {
        err = ftz_buf_printf(b, "%s%s=\"", i ? "," : "", labels[2 * i]);
        if (!err)
            err = put_label_value(b, labels[2 * i + 1]);
        if (!err)
            err = ftz_buf_putc(b, '"');
    }
    if (!err && le)
        err = ftz_buf_printf(b, "%sle=\"%s\"", n_labels ? "," : "", le);
    if (!err && (n_labels > 0 || le))
        err = ftz_buf_putc(b, '}');
    if (!err)
        err = ftz_buf_putc(b, ' ');
    return err ? err : put_value(b, value);
}

ftz_err_t ftz_prom_sample(ftz_buf_t *b, const char *name, const char *const *labels,
                          int n_labels, double value) {
    return put_sample(b, name, "", labels, n_labels, NULL, value);
}

ftz_err_t ftz_prom_histogram(ftz_buf_t *b, const char *name, const ftz_histogram_t *h) {
    ftz_err_t err = ftz_prom_family(b, name);
    uint64_t cum = 0;
    char le[32];
    for (int i = 0; i <= h->n && !err; i++) {
        cum += h->counts[i];
        if (i < h->n)
            snprintf(le, sizeof(le), "%.10g", h->bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        err = put_sample(b, name, "_bucket", NULL, 0, le, (double)cum);
    }
    if (!err)
        err = put_sample(b, name, "_sum", NULL, 0, NULL, h->sum);
    if (!err)
        err = put_sample(b, name, "_count", NULL, 0, NULL, (double)h->count);
    return err;
}

void ftz_proc_figures(ftz_proc_figures_t *out) {
    char line[256];
    memset(out, 0, sizeof(*out));
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        while (fgets(line, sizeof(line), f)) {
            double kb;
            if (sscanf(line, "VmRSS: %lf kB", &kb) == 1)
                out->rss_bytes = kb * 1024;
            else if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
                out->peak_rss_bytes = kb * 1024;
        }
        fclose(f);
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
        out->cpu_seconds = (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

ftz_err_t ftz_prom_markdown(ftz_buf_t *b) {
    static const char *const who[] = {"aggregate", "produce", "all"};
    static const char *const title[] = {"`ftz aggregate`", "`ftz produce`",
                                        "Both (process and build)"};
    ftz_err_t err = FTZ_OK;
    for (int w = 0; w < 3 && !err; w++) {
        err = ftz_buf_printf(b, "%s## %s\n\n| metric | type | labels | meaning |\n"
                                "| --- | --- | --- | --- |\n",
                             w ? "\n" : "", title[w]);
        for (size_t i = 0; i < FTZ_ARRAY_SIZE(defs) && !err; i++)
            if (strcmp(defs[i].who, who[w]) == 0)
                err = ftz_buf_printf(b, "| `%s` | %s | %s | %s |\n", defs[i].name,
                                     ftz_prom_type_name(defs[i].type),
                                     defs[i].labels[0] ? defs[i].labels : "-", defs[i].help);
    }
    return err;
}
