#include "agg_metrics.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ftz/array.h"

static const double batch_bounds[] = {1, 10, 50, 100, 500, 1000, 2000, 5000, 10000, 50000};
static const double commit_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                       0.5,   1,    2.5,   5,    10,  30};
static const double e2e_bounds[] = {0.05, 0.1, 0.25, 0.5, 1,   2.5,  5,    10,
                                    30,   60,  120,  300, 900, 3600, 21600, 86400};


void ftz_agg_figures_init(ftz_agg_figures_t *f) {
    memset(f, 0, sizeof(*f));
    ftz_histogram_init(&f->batch_messages, batch_bounds, (int)FTZ_ARRAY_SIZE(batch_bounds));
    ftz_histogram_init(&f->commit_seconds, commit_bounds, (int)FTZ_ARRAY_SIZE(commit_bounds));
    ftz_histogram_init(&f->e2e_seconds, e2e_bounds, (int)FTZ_ARRAY_SIZE(e2e_bounds));
}

static int64_t int_of(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

void ftz_agg_apply_statistics(ftz_assignment_t *asg, const char *json, size_t len) {
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    json_t *topics = root ? json_object_get(root, "topics") : NULL;
    for (size_t i = 0; topics && i < asg->n; i++) {
        ftz_owned_t *o = &asg->v[i];
        char id[16];
        snprintf(id, sizeof(id), "%d", (int)o->partition);
        json_t *p = json_object_get(json_object_get(json_object_get(topics, o->topic),
                                                    "partitions"),
                                    id);
        if (!p)
            continue;
        /* ls_offset: the last stable offset, what a read_committed
         * consumer (librdkafka's default) can read up to; hi_offset
         * otherwise. -1001 (invalid) until the partition was fetched. */
        int64_t end = int_of(p, "ls_offset"), hi = int_of(p, "hi_offset");
        int64_t lo = int_of(p, "lo_offset");
        if (end < 0)
            end = hi;
        if (end < 0)
            continue;
        o->log_end = end;
        o->log_start = lo >= 0 ? lo : 0;
        o->has_log = 1;
    }
    json_decref(root);
}

int64_t ftz_agg_partition_lag(const ftz_owned_t *o) {
    if (!o->has_log || o->stopped)
        return -1;
    int64_t from = o->committed >= 0 ? o->committed : o->log_start;
    return o->log_end > from ? o->log_end - from : 0;
}

int64_t ftz_agg_total_lag(const ftz_assignment_t *asg) {
    int64_t total = -1;
    for (size_t i = 0; i < asg->n; i++) {
        int64_t l = ftz_agg_partition_lag(&asg->v[i]);
        if (l >= 0)
            total = (total < 0 ? 0 : total) + l;
    }
    return total;
}

static ftz_err_t family(ftz_buf_t *out, const char *name) {
    return ftz_prom_family(out, name);
}

/* name{topic="..."} for each topic, from a per-topic field. */
static ftz_err_t per_topic(ftz_buf_t *out, const char *name, const ftz_aggregator_conf_t *conf,
                           const ftz_aggregator_stats_t *st, size_t field) {
    ftz_err_t err = family(out, name);
    for (int t = 0; t < conf->n_topics && t < FTZ_AGG_TOPICS_MAX && !err; t++) {
        const char *labels[] = {"topic", conf->topics[t]};
        uint64_t v;
        memcpy(&v, (const char *)&st->topic[t] + field, sizeof(v));
        err = ftz_prom_sample(out, name, labels, 1, (double)v);
    }
    return err;
}

static ftz_err_t scalar(ftz_buf_t *out, const char *name, double v) {
    ftz_err_t err = family(out, name);
    return err ? err : ftz_prom_sample(out, name, NULL, 0, v);
}

ftz_err_t ftz_agg_render_metrics(ftz_buf_t *out, const ftz_aggregator_conf_t *conf,
                                 const ftz_aggregator_stats_t *st, const ftz_assignment_t *asg,
                                 const ftz_agg_figures_t *f) {
    ftz_err_t err = per_topic(out, "ftz_consumer_messages_total", conf, st,
                              offsetof(ftz_topic_counts_t, messages));
    if (!err)
        err = per_topic(out, "ftz_consumer_records_total", conf, st,
                        offsetof(ftz_topic_counts_t, counted));
    if (!err)
        err = family(out, "ftz_consumer_dead_letters_total");
    for (int t = 0; t < conf->n_topics && t < FTZ_AGG_TOPICS_MAX && !err; t++)
        for (int c = 0; c < FTZ_V__COUNT && !err; c++) {
            if (!(ftz_code_info((ftz_code_t)c)->where & FTZ_AT_CONSUMER))
                continue;
            const char *labels[] = {"topic", conf->topics[t], "code",
                                    ftz_code_name((ftz_code_t)c)};
            err = ftz_prom_sample(out, "ftz_consumer_dead_letters_total", labels, 2,
                                  (double)st->topic[t].by_code[c]);
        }
    if (!err)
        err = family(out, "ftz_consumer_batches_total");
    const struct {
        const char *result;
        uint64_t n;
    } results[] = {{"committed", st->batches},
                   {"redone", st->redone - st->fenced},
                   {"fenced", st->fenced}};
    for (int i = 0; i < 3 && !err; i++) {
        const char *labels[] = {"result", results[i].result};
        err = ftz_prom_sample(out, "ftz_consumer_batches_total", labels, 1,
                              (double)results[i].n);
    }
    if (!err)
        err = scalar(out, "ftz_consumer_pg_retries_total", (double)st->pg_retries);
    if (!err)
        err = scalar(out, "ftz_consumer_pg_reconnects_total", (double)st->pg_reconnects);
    if (!err)
        err = scalar(out, "ftz_consumer_gaps_skipped_total", (double)st->gaps_skipped);
    if (!err)
        err = ftz_prom_histogram(out, "ftz_consumer_batch_messages", &f->batch_messages);
    if (!err)
        err = ftz_prom_histogram(out, "ftz_consumer_commit_duration_seconds", &f->commit_seconds);
    if (!err)
        err = ftz_prom_histogram(out, "ftz_consumer_end_to_end_latency_seconds", &f->e2e_seconds);
    if (!err)
        err = family(out, "ftz_consumer_lag_messages");
    for (size_t i = 0; i < asg->n && !err; i++) {
        int64_t lag = ftz_agg_partition_lag(&asg->v[i]);
        char part[16];
        if (lag < 0)
            continue;
        snprintf(part, sizeof(part), "%d", (int)asg->v[i].partition);
        const char *labels[] = {"topic", asg->v[i].topic, "partition", part};
        err = ftz_prom_sample(out, "ftz_consumer_lag_messages", labels, 2, (double)lag);
    }
    if (!err)
        err = scalar(out, "ftz_consumer_last_commit_timestamp_seconds", f->last_commit_unix);
    if (!err)
        err = scalar(out, "ftz_consumer_caught_up_timestamp_seconds", f->caught_up_unix);
    if (!err)
        err = scalar(out, "ftz_consumer_owned_partitions", (double)asg->n);
    return err;
}
