/* The simulator's re-send queue (simulate_int.h): records of one type sent
 * a second time, later in that type's stream. */
#include <stdlib.h>
#include <string.h>

#include "simulate_int.h"

ftz_err_t ftz_sim_resend_ready(ftz_sim_resend_t *q, size_t size) {
    if (q->recs)
        return FTZ_OK;
    if (!(q->recs = calloc(FTZ_SIM_RESEND_QUEUE, size)))
        return FTZ_ERR_NOMEM;
    q->size = size;
    return FTZ_OK;
}

int ftz_sim_resend_take(ftz_sim_resend_t *q, uint64_t emitted, void *out) {
    if (!q->n)
        return 0;
    size_t best = 0;
    for (size_t i = 1; i < q->n; i++)
        if (q->due[i] < q->due[best] || (q->due[i] == q->due[best] && q->order[i] < q->order[best]))
            best = i;
    if (q->due[best] > emitted && q->n < FTZ_SIM_RESEND_QUEUE)
        return 0;
    memcpy(out, q->recs + best * q->size, q->size);
    if (best != --q->n) {
        memcpy(q->recs + best * q->size, q->recs + q->n * q->size, q->size);
        q->due[best] = q->due[q->n];
        q->order[best] = q->order[q->n];
    }
    return 1;
}

void ftz_sim_resend_push(ftz_sim_resend_t *q, const void *rec, uint64_t due) {
    memcpy(q->recs + q->n * q->size, rec, q->size);
    q->due[q->n] = due;
    q->order[q->n] = q->next_order++;
    q->n++;
}

void ftz_sim_resend_free(ftz_sim_resend_t *q) {
    free(q->recs);
    q->recs = NULL;
    q->n = 0;
}
