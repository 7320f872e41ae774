/* The partitions a consumer-group member owns, and what a rebalance does
 * to them under either protocol (eager: the whole assignment is replaced;
 * cooperative: partitions are added and taken away incrementally).
 * Internal to the aggregator; tested against librdkafka's mock cluster
 * (tests/mock/). Not thread-safe: librdkafka calls the rebalance callback
 * from the consumer's poll, on the aggregator's thread. */
#ifndef FTZ_ASSIGNMENT_H
#define FTZ_ASSIGNMENT_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "ftz/err.h"

typedef struct ftz_owned_s {
    char *topic;
    int32_t partition;
    int64_t committed; /* next offset stored in consumer_offsets; -1: none */
    int64_t pending;   /* next offset once the batch in flight lands; -1: none */
    int64_t verify_at; /* committed - 1: read again first, to compare ... */
    uint64_t verify_fp; /* ... with this fingerprint of what was counted; 0: no */
    int eof;           /* at the end since the last message */
    int stopped;       /* its offset is outside the log: not consumed */
    int has_log;       /* log_start/log_end known (librdkafka statistics) */
    int64_t log_start; /* the log's first offset */
    int64_t log_end;   /* the offset after the last readable message */
    int64_t kafka_at;  /* the offset last committed to Kafka (information
                        * only); -1: none since it was assigned */
} ftz_owned_t;

typedef struct ftz_assignment_s {
    ftz_owned_t *v;
    size_t n, cap;
    int need_resync;   /* offsets must be re-read and partitions re-sought */
    int assigned_once; /* some assignment arrived */
    /* COOPERATIVE only: the partitions given up after a rebalance error.
     * The group still counts them as this member's and never assigns them
     * again (no librdkafka call tells it otherwise), so they are taken back
     * at the next assignment, from their stored offsets, unless revoked
     * first. NULL: none. */
    rd_kafka_topic_partition_list_t *given_up;
} ftz_assignment_t;

/* What a rebalance asks of the member that owns the assignment. */
typedef struct ftz_rebalance_ops_s {
    /* The stored next offset of a partition (-1: none) and the
     * fingerprint of the message counted before it (0: unknown): the
     * partition is then assigned one offset earlier, for the member to
     * read that message again and compare (a re-created log). On failure
     * the partition is assigned anyway (to stay in the group) and
     * need_resync is set: nothing is consumed until it is read. */
    ftz_err_t (*load_offset)(void *opaque, const char *topic, int32_t partition,
                             int64_t *next, uint64_t *fingerprint, char *errstr,
                             size_t errstr_size);
    /* Partitions are about to go (lost: they may already be someone
     * else's): the member drops its uncommitted work. */
    void (*revoking)(void *opaque, int lost);
    void *opaque;
} ftz_rebalance_ops_t;

/* Handles one rebalance event (the arguments of librdkafka's rebalance
 * callback; parts borrowed). ASSIGN: reads each partition's stored offset
 * and assigns there (the log start when none is stored). REVOKE: calls
 * ops->revoking, forgets the partitions, unassigns those librdkafka still
 * has. Any other err (a rebalance failure): calls ops->revoking(lost = 1),
 * forgets every partition and unassigns everything, with the protocol's
 * own call (incremental_unassign for COOPERATIVE, assign(NULL) for EAGER),
 * so that the next assignment starts clean; the member reads nothing until
 * the group next rebalances (under COOPERATIVE that assignment also takes
 * back the partitions given up that the group still counts as ours).
 * FTZ_OK, or FTZ_ERR_FATAL / FTZ_ERR_NOMEM with errstr when librdkafka
 * refused the change. */
ftz_err_t ftz_assignment_rebalance(ftz_assignment_t *a, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts,
                                   const ftz_rebalance_ops_t *ops, char *errstr,
                                   size_t errstr_size);

/* The owned partition, or NULL. */
ftz_owned_t *ftz_assignment_find(ftz_assignment_t *a, const char *topic, int32_t partition);
/* Whether every owned partition that is consumed is at its end. */
int ftz_assignment_all_at_end(const ftz_assignment_t *a);
void ftz_assignment_free(ftz_assignment_t *a);

#endif
