#include "assignment.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftz/array.h"
#include "ftz/log.h"

ftz_owned_t *ftz_assignment_find(ftz_assignment_t *a, const char *topic, int32_t partition) {
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].partition == partition && strcmp(a->v[i].topic, topic) == 0)
            return &a->v[i];
    return NULL;
}

static void forget(ftz_assignment_t *a, const char *topic, int32_t partition) {
    ftz_owned_t *o = ftz_assignment_find(a, topic, partition);
    if (!o)
        return;
    free(o->topic);
    *o = a->v[--a->n];
}

static void forget_all(ftz_assignment_t *a) {
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].topic);
    a->n = 0;
}

static ftz_err_t own(ftz_assignment_t *a, const char *topic, int32_t partition,
                     int64_t committed) {
    ftz_owned_t *o = ftz_assignment_find(a, topic, partition);
    if (!o) {
        if (FTZ_ARRAY_GROW(a->v, a->cap, a->n + 1))
            return FTZ_ERR_NOMEM;
        o = &a->v[a->n];
        if (!(o->topic = strdup(topic)))
            return FTZ_ERR_NOMEM;
        o->has_log = 0;
        a->n++;
    }
    o->partition = partition;
    o->committed = committed;
    o->pending = -1;
    o->verify_at = -1;
    o->verify_fp = 0;
    o->eof = 0;
    o->stopped = 0;
    o->kafka_at = -1;
    return FTZ_OK;
}

int ftz_assignment_all_at_end(const ftz_assignment_t *a) {
    for (size_t i = 0; i < a->n; i++)
        if (!a->v[i].eof && !a->v[i].stopped)
            return 0;
    return 1;
}

void ftz_assignment_free(ftz_assignment_t *a) {
    forget_all(a);
    free(a->v);
    if (a->given_up)
        rd_kafka_topic_partition_list_destroy(a->given_up);
    memset(a, 0, sizeof(*a));
}

/* librdkafka's answer to an assignment change, as one error. */
static ftz_err_t changed(rd_kafka_error_t *e, rd_kafka_resp_err_t rerr, const char *what,
                         char *errstr, size_t errstr_size) {
    ftz_err_t err = FTZ_OK;
    if (e || rerr)
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s failed: %s", what,
                         e ? rd_kafka_error_string(e) : rd_kafka_err2str(rerr));
    if (e)
        rd_kafka_error_destroy(e);
    return err;
}

static ftz_err_t on_assign(ftz_assignment_t *a, rd_kafka_t *rk, int cooperative,
                           rd_kafka_topic_partition_list_t *parts,
                           const ftz_rebalance_ops_t *ops, char *errstr, size_t errstr_size) {
    char why[512];
    rd_kafka_topic_partition_list_t *all = NULL;
    ftz_err_t err = FTZ_OK;
    if (cooperative && a->given_up && a->given_up->cnt) {
        /* Still ours for the group, which assigns only what is new. */
        all = rd_kafka_topic_partition_list_copy(parts);
        for (int i = 0; i < a->given_up->cnt; i++) {
            const rd_kafka_topic_partition_t *g = &a->given_up->elems[i];
            if (!rd_kafka_topic_partition_list_find(all, g->topic, g->partition))
                rd_kafka_topic_partition_list_add(all, g->topic, g->partition);
        }
        ftz_log(FTZ_LOG_INFO, "KAFKA", "taking back %d partition(s) given up after a "
                "rebalance error", a->given_up->cnt);
        parts = all;
    }
    if (a->given_up) {
        rd_kafka_topic_partition_list_destroy(a->given_up);
        a->given_up = NULL;
    }
    for (int i = 0; i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *p = &parts->elems[i];
        int64_t next = -1;
        uint64_t fp = 0;
        if (ops->load_offset(ops->opaque, p->topic, p->partition, &next, &fp, why,
                             sizeof(why))) {
            ftz_log(FTZ_LOG_WARNING, "PG", "%s [%d]: cannot read the stored offset yet: %s",
                    p->topic, (int)p->partition, why);
            a->need_resync = 1;
            next = -1;
            fp = 0;
        }
        /* Offset 0 rather than the logical beginning, which librdkafka
         * resolves with a ListOffsets request sent half a second after the
         * assignment (a stall at every start); if retention deleted offset
         * 0 the aggregator is told it is out of range and moves to the log
         * start. With a fingerprint, one before the stored offset. */
        if (next <= 0)
            fp = 0;
        p->offset = next < 0 ? 0 : fp ? next - 1 : next;
        if (own(a, p->topic, p->partition, next)) {
            err = ftz_seterr(FTZ_ERR_NOMEM, errstr, errstr_size, "out of memory");
            goto done;
        }
        ftz_owned_t *o = ftz_assignment_find(a, p->topic, p->partition);
        o->verify_at = next - 1;
        o->verify_fp = fp;
        if (next >= 0)
            ftz_log(FTZ_LOG_INFO, "KAFKA", "assigned %s [%d] at stored offset %" PRId64,
                    p->topic, (int)p->partition, next);
        else
            ftz_log(FTZ_LOG_INFO, "KAFKA", "assigned %s [%d] at the log start (no stored offset)",
                    p->topic, (int)p->partition);
    }
    if (cooperative)
        err = changed(rd_kafka_incremental_assign(rk, parts), 0, "incremental assign", errstr,
                      errstr_size);
    else
        err = changed(NULL, rd_kafka_assign(rk, parts), "assign", errstr, errstr_size);
done:
    if (all)
        rd_kafka_topic_partition_list_destroy(all);
    return err;
}

static ftz_err_t on_revoke(ftz_assignment_t *a, rd_kafka_t *rk, int cooperative,
                           rd_kafka_topic_partition_list_t *parts,
                           const ftz_rebalance_ops_t *ops, char *errstr, size_t errstr_size) {
    ops->revoking(ops->opaque, rd_kafka_assignment_lost(rk));
    if (!cooperative) {
        /* Eager: everything goes, and the next assignment is complete. */
        forget_all(a);
        return changed(NULL, rd_kafka_assign(rk, NULL), "unassign", errstr, errstr_size);
    }
    for (int i = 0; i < parts->cnt; i++) {
        forget(a, parts->elems[i].topic, parts->elems[i].partition);
        if (a->given_up)
            rd_kafka_topic_partition_list_del(a->given_up, parts->elems[i].topic,
                                              parts->elems[i].partition);
    }
    /* Partitions kept may have had messages in the dropped work. */
    if (a->n)
        a->need_resync = 1;
    /* Only what librdkafka still has: partitions given up after a
     * rebalance error are revoked too, and one of them would make it refuse
     * the whole list and leave the rebalance unfinished (the consumer then
     * hangs in close). The call is made even with nothing to unassign: it
     * is what finishes the rebalance. */
    rd_kafka_topic_partition_list_t *cur = NULL, *drop = NULL;
    rd_kafka_resp_err_t rerr = rd_kafka_assignment(rk, &cur);
    ftz_err_t err = changed(NULL, rerr, "read the assignment", errstr, errstr_size);
    if (!err) {
        drop = rd_kafka_topic_partition_list_new(parts->cnt);
        for (int i = 0; i < parts->cnt; i++)
            if (rd_kafka_topic_partition_list_find(cur, parts->elems[i].topic,
                                                   parts->elems[i].partition))
                rd_kafka_topic_partition_list_add(drop, parts->elems[i].topic,
                                                  parts->elems[i].partition);
        err = changed(rd_kafka_incremental_unassign(rk, drop), 0, "incremental unassign",
                      errstr, errstr_size);
    }
    if (cur)
        rd_kafka_topic_partition_list_destroy(cur);
    if (drop)
        rd_kafka_topic_partition_list_destroy(drop);
    return err;
}

/* A failed rebalance: give up every partition with the protocol's own
 * call. Under COOPERATIVE, rd_kafka_assign() is refused, so an eager
 * unassign would leave librdkafka's assignment and ours apart; and the
 * group still counts the partitions as ours (an unassign outside a revoke
 * does not tell it otherwise), so they are kept in given_up for the next
 * assignment to take back. */
static ftz_err_t on_error(ftz_assignment_t *a, rd_kafka_t *rk, int cooperative,
                          const ftz_rebalance_ops_t *ops, char *errstr, size_t errstr_size) {
    ops->revoking(ops->opaque, 1);
    forget_all(a);
    a->need_resync = 0;
    if (!cooperative)
        return changed(NULL, rd_kafka_assign(rk, NULL), "unassign", errstr, errstr_size);
    rd_kafka_topic_partition_list_t *cur = NULL;
    rd_kafka_resp_err_t rerr = rd_kafka_assignment(rk, &cur);
    ftz_err_t err = changed(NULL, rerr, "read the assignment", errstr, errstr_size);
    if (!err && cur->cnt > 0) {
        if (!a->given_up)
            a->given_up = rd_kafka_topic_partition_list_new(cur->cnt);
        for (int i = 0; i < cur->cnt; i++)
            if (!rd_kafka_topic_partition_list_find(a->given_up, cur->elems[i].topic,
                                                    cur->elems[i].partition))
                rd_kafka_topic_partition_list_add(a->given_up, cur->elems[i].topic,
                                                  cur->elems[i].partition);
        err = changed(rd_kafka_incremental_unassign(rk, cur), 0, "incremental unassign",
                      errstr, errstr_size);
    }
    if (cur)
        rd_kafka_topic_partition_list_destroy(cur);
    return err;
}

ftz_err_t ftz_assignment_rebalance(ftz_assignment_t *a, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts,
                                   const ftz_rebalance_ops_t *ops, char *errstr,
                                   size_t errstr_size) {
    const char *protocol = rd_kafka_rebalance_protocol(rk);
    int cooperative = protocol && strcmp(protocol, "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        a->assigned_once = 1;
        return on_assign(a, rk, cooperative, parts, ops, errstr, errstr_size);
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
        return on_revoke(a, rk, cooperative, parts, ops, errstr, errstr_size);
    ftz_log(FTZ_LOG_ERROR, "KAFKA", "rebalance failed (%s): giving up all %zu partitions until "
            "the group assigns them again", rd_kafka_err2str(err), a->n);
    return on_error(a, rk, cooperative, ops, errstr, errstr_size);
}
