#include "ftz/produce_metrics.h"

#include "ftz/prom.h"

static ftz_err_t counter(ftz_buf_t *out, const char *name, const char *topic, uint64_t v) {
    const char *labels[] = {"topic", topic};
    ftz_err_t err = ftz_prom_family(out, name);
    return err ? err : ftz_prom_sample(out, name, labels, 1, (double)v);
}

ftz_err_t ftz_produce_render_metrics(ftz_buf_t *out, const char *topic,
                                     const ftz_produce_counts_t *c, const ftz_producer_t *p) {
    ftz_err_t err = counter(out, "ftz_producer_records_read_total", topic, c->read);
    if (!err)
        err = ftz_prom_family(out, "ftz_producer_records_rejected_total");
    for (int k = 0; k < FTZ_V__COUNT && !err; k++) {
        if (!(ftz_code_info((ftz_code_t)k)->where & FTZ_AT_PRODUCER))
            continue;
        const char *labels[] = {"topic", topic, "code", ftz_code_name((ftz_code_t)k)};
        err = ftz_prom_sample(out, "ftz_producer_records_rejected_total", labels, 2,
                              (double)c->by_code[k]);
    }
    if (!err)
        err = counter(out, "ftz_producer_records_sent_total", topic, c->sent);
    if (!err)
        err = counter(out, "ftz_producer_records_acknowledged_total", topic,
                      p ? ftz_producer_acked(p) : 0);
    if (!err)
        err = counter(out, "ftz_producer_delivery_failures_total", topic,
                      p ? ftz_producer_failed(p) : 0);
    if (!err && p)
        err = ftz_prom_histogram(out, "ftz_producer_delivery_latency_seconds",
                                 ftz_producer_latency(p));
    return err;
}
