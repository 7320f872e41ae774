/* Fencing and resync with two members of one group on librdkafka's mock
 * cluster, under both protocols (EAGER: range; COOPERATIVE:
 * cooperative-sticky), side by side as in test_assignment.c.
 *
 * The aggregator's loop needs PostgreSQL, so this test runs the largest
 * part of it that does not: the owned partitions and their rebalances
 * (assignment.c), batches (batch.c), and, in the test, the aggregator's
 * rules around them: a message is added to the open batch only if its
 * partition is owned and its offset is at or past the owned partition's
 * stored offset (handle_message); a revoke drops the open batch
 * (revoking); a batch that is fenced is dropped and every owned partition
 * is read again from its stored offset (failed, then resync and
 * assign_again). The stored offsets live in memory, with the same
 * compare-and-set as ftz.advance_offsets: every partition of a batch must
 * still be at the batch's `expected` offset, or nothing is stored
 * (FTZ_ERR_FENCED). Each committed message is counted, so a record
 * counted twice or lost shows.
 *
 * The story: A owns every partition and commits a first batch. Kafka's own
 * committed offsets are set wrong on purpose (behind on two partitions,
 * ahead on two): only the stored offsets may be used. A reads a second
 * batch and holds it (staged, its commit late, as a member stuck in its
 * commit would); B joins; the partitions are shared; B starts its
 * partitions at the stored offsets, reads the messages A holds, and
 * commits them. A's late commit is fenced and changes nothing; A resyncs
 * from the stored offsets, reads its partitions' messages again, and
 * commits them. A third round of messages is counted by both. In the end
 * every message was counted exactly once.
 *
 * What the fault tests cover that this does not: the real fence in
 * PostgreSQL (ftz.advance_offsets row locks between concurrent
 * transactions) and the aggregator's own loop: a batch in flight landed by
 * the revoke callback, a member frozen past its session timeout that
 * retries its batch on resume (tests/fault/test_stale_member.sh), a member
 * fenced while its next batch is already staged in the sink
 * (test_fenced_restage.sh), members joining, leaving and killed mid-stream
 * against the real database (test_rebalance.sh).
 *
 * FTZ_MOCK_DEBUG=1 prints every rebalance. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "mock_cluster.h"

#include "assignment.h"
#include "ftz/batch.h"
#include "ftz/log.h"

#define NPART 4
#define NMSG 5                       /* messages per partition per round */
#define NROUNDS 3
#define NPROTO 2
#define NBROKERS NPROTO              /* a group coordinator per run */
#define WAIT_MS 20000

static const struct {
    const char *strategy;
    const char *protocol;
} protos[NPROTO] = {{"range", "EAGER"}, {"cooperative-sticky", "COOPERATIVE"}};

/* The stored offsets and what was counted, as PostgreSQL would hold them. */
typedef struct store_s {
    int64_t next[NPART]; /* -1: none stored */
    int counted[NPART][NMSG * NROUNDS];
    int commits, fenced;
    int strays; /* messages counted that were never produced */
} store_t;

typedef struct member_s {
    const char *name;
    const char *topic;
    rd_kafka_t *rk;
    store_t *store; /* the run's */
    ftz_assignment_t asg;
    ftz_rebalance_ops_t ops;
    ftz_batch_t open;   /* being filled */
    ftz_batch_t staged; /* held back, committed late */
    int failed;         /* a rebalance call failed */
    char failed_why[512];
    int errors; /* consumer errors, messages of partitions not owned */
    char error_why[512];
    int revoking;
    int64_t first[NPART]; /* first offset added since the partition was last (re)started */
    int64_t pos[NPART];   /* last offset read + 1 */
    int eof[NPART];
    int fenced; /* commits of this member refused */
} member_t;

typedef struct run_s {
    int proto;
    char label[64], topic[64], group[64];
    store_t store;
    member_t a, b;
} run_t;

static run_t runs[NPROTO];
static int test_passed;
#define FOR_RUNS(r) for (run_t *r = runs; r < runs + NPROTO; r++)

static ftz_mock_t mock; /* the cluster, and a producer talking to it */


/* ---------------------------------------------------------- the store */

/* ftz.advance_offsets and the batch's rows: all or nothing. */
static ftz_err_t store_commit(store_t *s, const ftz_batch_t *b) {
    for (size_t i = 0; i < b->n_parts; i++)
        if (s->next[b->parts[i].partition] != b->parts[i].expected) {
            s->fenced++;
            return FTZ_ERR_FENCED;
        }
    for (size_t i = 0; i < b->n_parts; i++)
        s->next[b->parts[i].partition] = b->parts[i].last + 1;
    const ftz_batch_rows_t *rows = &b->rows[FTZ_REC_RAIL];
    for (size_t i = 0; i < rows->n; i++) {
        int32_t p = rows->meta[i].partition;
        int64_t o = rows->meta[i].offset;
        if (p >= 0 && p < NPART && o >= 0 && o < NMSG * NROUNDS)
            s->counted[p][o]++;
        else
            s->strays++;
    }
    s->commits++;
    return FTZ_OK;
}

/* ---------------------------------------------------------- the member */

static ftz_err_t load_offset(void *opaque, const char *topic, int32_t partition, int64_t *next,
                             uint64_t *fingerprint, char *errstr, size_t errstr_size) {
    member_t *m = opaque;
    int known = strcmp(topic, m->topic) == 0 && partition >= 0 && partition < NPART;
    *fingerprint = 0;
    *next = known ? m->store->next[partition] : -1;
    return known ? FTZ_OK
                 : ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "unexpected %s [%d]", topic,
                              (int)partition);
}

/* The aggregator's revoking(): the open batch is dropped, never committed
 * (the staged one is this test's late commit). */
static void revoking(void *opaque, int lost) {
    member_t *m = opaque;
    (void)lost;
    m->revoking++;
    ftz_batch_clear(&m->open);
}

static void restart_tracking(member_t *m, int32_t p) {
    m->first[p] = -1;
    m->pos[p] = 0;
    m->eof[p] = 0;
}

/* Runs inside rd_kafka_consumer_poll: records, never asserts. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    member_t *m = opaque;
    char errstr[256];
    if (ftz_mock_debug())
        fprintf(stderr, "%s %s: rebalance %s of %d partition(s)\n", m->topic, m->name,
                rd_kafka_err2name(err), parts ? parts->cnt : -1);
    if (ftz_assignment_rebalance(&m->asg, rk, err, parts, &m->ops, errstr, sizeof(errstr)) &&
        !m->failed++)
        snprintf(m->failed_why, sizeof(m->failed_why), "%s: %s: %s", m->name,
                 rd_kafka_err2name(err), errstr);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        for (int i = 0; i < parts->cnt; i++)
            restart_tracking(m, parts->elems[i].partition);
}

/* The aggregator's handle_message, minus validation: every message is a
 * good record (a rail event whose id is the message's value). */
static void handle_message(member_t *m, const rd_kafka_message_t *msg) {
    const char *topic = rd_kafka_topic_name(msg->rkt);
    int32_t p = msg->partition;
    ftz_owned_t *o = ftz_assignment_find(&m->asg, topic, p);
    if (!o) {
        if (!m->errors++)
            snprintf(m->error_why, sizeof(m->error_why), "%s: message of [%d], not owned",
                     m->name, (int)p);
        return;
    }
    m->pos[p] = msg->offset + 1;
    m->eof[p] = 0;
    /* Fetched before a seek back to the stored offset. */
    if (o->committed >= 0 && msg->offset < o->committed)
        return;
    if (m->first[p] < 0)
        m->first[p] = msg->offset;
    ftz_rail_t rec;
    memset(&rec, 0, sizeof(rec));
    snprintf(rec.event_id, sizeof(rec.event_id), "%.*s", (int)msg->len,
             (const char *)msg->payload);
    if (ftz_batch_note_offset(&m->open, topic, p, o->committed, msg->offset,
                              ftz_batch_fingerprint(msg->key, msg->key_len, msg->payload,
                                                    msg->len)) ||
        ftz_batch_add_record(&m->open, ftz_record_type(FTZ_REC_RAIL), &rec, p, msg->offset,
                             msg->key, msg->key_len, msg->payload, msg->len)) {
        if (!m->errors++)
            snprintf(m->error_why, sizeof(m->error_why), "%s: out of memory", m->name);
    }
}

static void member_poll(member_t *m, int timeout_ms) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, timeout_ms);
    if (!msg)
        return;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (msg->partition >= 0 && msg->partition < NPART)
            m->eof[msg->partition] = 1;
    } else if (msg->err) {
        if (!m->errors++)
            snprintf(m->error_why, sizeof(m->error_why), "%s: %s", m->name,
                     rd_kafka_message_errstr(msg));
    } else if (msg->partition >= 0 && msg->partition < NPART) {
        handle_message(m, msg);
    }
    rd_kafka_message_destroy(msg);
}

static void member_start(run_t *r, member_t *m, const char *name) {
    rd_kafka_conf_t *conf =
        ftz_mock_consumer_conf(&mock, r->group, name, protos[r->proto].strategy);
    memset(m, 0, sizeof(*m));
    m->name = name;
    m->topic = r->topic;
    m->store = &r->store;
    m->ops = (ftz_rebalance_ops_t){load_offset, revoking, m};
    ftz_batch_init(&m->open);
    ftz_batch_init(&m->staged);
    for (int p = 0; p < NPART; p++)
        restart_tracking(m, p);
    /* As ftz aggregate: a position outside the log is an error, never a
     * silent jump. */
    ftz_mock_conf_set(conf, "auto.offset.reset", "error");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, m);
    m->rk = ftz_mock_consumer_new(conf, r->topic);
}

/* The aggregator's resync and assign_again: the open batch dropped, every
 * owned partition's stored offset read again and fetched from there. */
static void member_resync(member_t *m) {
    char errstr[256];
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(m->asg.n ? (int)m->asg.n : 1);
    ftz_batch_clear(&m->open);
    for (size_t i = 0; i < m->asg.n; i++) {
        ftz_owned_t *o = &m->asg.v[i];
        int64_t next = -1;
        uint64_t fp = 0;
        assert_int_equal(load_offset(m, o->topic, o->partition, &next, &fp, errstr,
                                     sizeof(errstr)),
                         FTZ_OK);
        o->committed = next;
        o->pending = -1;
        o->eof = 0;
        restart_tracking(m, o->partition);
        rd_kafka_topic_partition_list_add(list, o->topic, o->partition)->offset =
            next < 0 ? 0 : next;
    }
    const char *protocol = rd_kafka_rebalance_protocol(m->rk);
    rd_kafka_error_t *e = NULL;
    rd_kafka_resp_err_t rerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (protocol && strcmp(protocol, "COOPERATIVE") == 0) {
        if (!(e = rd_kafka_incremental_unassign(m->rk, list)))
            e = rd_kafka_incremental_assign(m->rk, list);
    } else {
        rerr = rd_kafka_assign(m->rk, list);
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (e) {
        snprintf(errstr, sizeof(errstr), "%s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        fail_msg("%s: assign again: %s", m->name, errstr);
    }
    if (rerr)
        fail_msg("%s: assign again: %s", m->name, rd_kafka_err2str(rerr));
}

/* The open batch committed as the aggregator's landed() does on success. */
static ftz_err_t member_commit(member_t *m, ftz_batch_t *b) {
    ftz_err_t err = store_commit(m->store, b);
    if (err == FTZ_OK) {
        for (size_t i = 0; i < b->n_parts; i++) {
            ftz_owned_t *o = ftz_assignment_find(&m->asg, b->parts[i].topic,
                                                 b->parts[i].partition);
            if (o)
                o->committed = b->parts[i].last + 1;
        }
    } else {
        m->fenced++;
    }
    ftz_batch_clear(b);
    return err;
}

static void member_stop(member_t *m) {
    if (m->rk) {
        rd_kafka_consumer_close(m->rk);
        rd_kafka_destroy(m->rk);
        m->rk = NULL;
    }
    ftz_assignment_free(&m->asg);
    ftz_batch_free(&m->open);
    ftz_batch_free(&m->staged);
}

/* After a failed test: left running, unpolled (see test_assignment.c:
 * destroying a consumer mid-rebalance can hang librdkafka 2.0.2). */
static void member_abandon(member_t *m) {
    m->rk = NULL;
    ftz_assignment_free(&m->asg);
    ftz_batch_free(&m->open);
    ftz_batch_free(&m->staged);
}

/* ---------------------------------------------------------- the runs */

static void produce_round(void) {
    FOR_RUNS(r)
    for (int32_t p = 0; p < NPART; p++)
        for (int i = 0; i < NMSG; i++) {
            char value[48];
            int len = snprintf(value, sizeof(value), "%s-p%d-%d", protos[r->proto].strategy,
                               (int)p, i);
            rd_kafka_resp_err_t err = rd_kafka_producev(
                mock.producer, RD_KAFKA_V_TOPIC(r->topic), RD_KAFKA_V_PARTITION(p),
                RD_KAFKA_V_VALUE(value, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END);
            if (err)
                fail_msg("produce: %s", rd_kafka_err2str(err));
        }
    if (rd_kafka_flush(mock.producer, 10000))
        fail_msg("flush timed out");
}

static int active(const member_t *m) { return m->rk != NULL; }

static void poll_all(int timeout_ms) {
    FOR_RUNS(r) {
        if (active(&r->a))
            member_poll(&r->a, timeout_ms);
        if (active(&r->b))
            member_poll(&r->b, timeout_ms);
    }
}

static void check_member(const run_t *r, const member_t *m) {
    if (m->failed)
        fail_msg("%s: rebalance call failed: %s", r->label, m->failed_why);
    if (m->errors)
        fail_msg("%s: %d error(s), first: %s", r->label, m->errors, m->error_why);
}

/* Each member of the group owns NPART / members partitions, every
 * partition is owned once, and each member is at the end of every
 * partition it owns, having read it up to `want`. */
static int cond_settled(run_t *r, int64_t want) {
    member_t *ms[2] = {&r->a, &r->b};
    int members = 0, owners[NPART] = {0};
    for (int j = 0; j < 2; j++)
        members += active(ms[j]);
    for (int j = 0; j < 2; j++) {
        member_t *m = ms[j];
        if (!active(m))
            continue;
        if (m->asg.n != (size_t)(NPART / members))
            return 0;
        for (size_t k = 0; k < m->asg.n; k++) {
            int32_t p = m->asg.v[k].partition;
            owners[p]++;
            if (!m->eof[p] || m->pos[p] < want)
                return 0;
        }
    }
    for (int p = 0; p < NPART; p++)
        if (owners[p] != 1)
            return 0;
    return 1;
}

/* Every run settled at `want`; a failure in a member fails the test at
 * once. */
static int all_settled(void *arg) {
    int64_t want = *(const int64_t *)arg;
    FOR_RUNS(r) {
        check_member(r, &r->a);
        check_member(r, &r->b);
        if (!cond_settled(r, want))
            return 0;
    }
    return 1;
}

static void poll_some(void *arg) {
    (void)arg;
    poll_all(10);
}

static void wait_settled(int64_t want, const char *what) {
    int64_t start = ftz_mock_now_ms();
    if (!ftz_mock_poll_until(all_settled, poll_some, &want, WAIT_MS)) {
        FOR_RUNS(r) {
            if (!cond_settled(r, want))
                fail_msg("%s: not %s after %d ms", r->label, what, WAIT_MS);
        }
    }
    if (ftz_mock_debug())
        fprintf(stderr, "-- %s after %" PRId64 " ms\n", what, ftz_mock_now_ms() - start);
}

/* The member's open batch holds offsets [from, to) of each partition it
 * owns, and nothing else. */
static void check_open(const run_t *r, member_t *m, int64_t from, int64_t to) {
    const ftz_batch_rows_t *rows = &m->open.rows[FTZ_REC_RAIL];
    size_t want = 0;
    for (size_t k = 0; k < m->asg.n; k++)
        want += (size_t)(to - from);
    if (rows->n != want)
        fail_msg("%s: %s's open batch holds %zu messages, want %zu", r->label, m->name, rows->n,
                 want);
    for (size_t i = 0; i < rows->n; i++)
        if (rows->meta[i].offset < from || rows->meta[i].offset >= to ||
            !ftz_assignment_find(&m->asg, r->topic, rows->meta[i].partition))
            fail_msg("%s: %s's open batch holds [%d] @%" PRId64, r->label, m->name,
                     (int)rows->meta[i].partition, rows->meta[i].offset);
}

/* ---------------------------------------------------------- the test */

static void test_fence_and_resync(void **state) {
    (void)state;
    const int64_t r1 = NMSG, r2 = 2 * NMSG, r3 = 3 * NMSG;
    FOR_RUNS(r) member_start(r, &r->a, "a");
    produce_round();
    wait_settled(r1, "owned by A and read");
    /* A commits the first round, then Kafka's committed offsets are made
     * wrong: behind on [0] and [2] (a member trusting them would count
     * again), ahead on [1] and [3] (it would skip). */
    FOR_RUNS(r) {
        check_open(r, &r->a, 0, r1);
        assert_int_equal(member_commit(&r->a, &r->a.open), FTZ_OK);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
        for (int32_t p = 0; p < NPART; p++)
            rd_kafka_topic_partition_list_add(l, r->topic, p)->offset = p % 2 ? r3 : 0;
        rd_kafka_resp_err_t err = rd_kafka_commit(r->a.rk, l, 0);
        rd_kafka_topic_partition_list_destroy(l);
        if (err)
            fail_msg("%s: Kafka commit: %s", r->label, rd_kafka_err2str(err));
    }
    /* A reads the second round and holds it back. */
    produce_round();
    wait_settled(r2, "second round read by A");
    FOR_RUNS(r) {
        check_open(r, &r->a, r1, r2);
        ftz_batch_t t = r->a.staged;
        r->a.staged = r->a.open;
        r->a.open = t;
    }
    /* B joins: the partitions are shared. */
    FOR_RUNS(r) member_start(r, &r->b, "b");
    wait_settled(r2, "shared between A and B");
    FOR_RUNS(r) {
        member_t *a = &r->a, *b = &r->b;
        if (!a->revoking)
            fail_msg("%s: A never revoked", r->label);
        /* B started each of its partitions at the stored offset, not at
         * Kafka's committed one, and read the round A holds. */
        for (size_t k = 0; k < b->asg.n; k++) {
            int32_t p = b->asg.v[k].partition;
            if (b->first[p] != r1)
                fail_msg("%s: B read [%d] from %" PRId64 ", want the stored %" PRId64, r->label,
                         (int)p, b->first[p], r1);
            assert_int_equal(b->asg.v[k].committed, r1);
        }
        check_open(r, b, r1, r2);
        assert_int_equal(member_commit(b, &b->open), FTZ_OK);
        /* A's late commit: fenced, nothing stored or counted. */
        store_t before = r->store;
        if (member_commit(a, &a->staged) != FTZ_ERR_FENCED)
            fail_msg("%s: A's late commit was not fenced", r->label);
        before.fenced++;
        if (memcmp(&before, &r->store, sizeof(before)) != 0)
            fail_msg("%s: a fenced commit changed the store", r->label);
        /* A resyncs from the stored offsets. */
        member_resync(a);
    }
    wait_settled(r2, "A read again from the stored offsets");
    FOR_RUNS(r) {
        member_t *a = &r->a;
        for (size_t k = 0; k < a->asg.n; k++) {
            int32_t p = a->asg.v[k].partition;
            if (a->first[p] != r1)
                fail_msg("%s: A resumed [%d] at %" PRId64 ", want the stored %" PRId64, r->label,
                         (int)p, a->first[p], r1);
        }
        check_open(r, a, r1, r2);
        assert_int_equal(member_commit(a, &a->open), FTZ_OK);
    }
    /* The third round, by both. */
    produce_round();
    wait_settled(r3, "third round read");
    FOR_RUNS(r) {
        check_open(r, &r->a, r2, r3);
        check_open(r, &r->b, r2, r3);
        assert_int_equal(member_commit(&r->a, &r->a.open), FTZ_OK);
        assert_int_equal(member_commit(&r->b, &r->b.open), FTZ_OK);
        /* Every message counted exactly once. */
        for (int p = 0; p < NPART; p++) {
            assert_int_equal(r->store.next[p], r3);
            for (int o = 0; o < r3; o++)
                if (r->store.counted[p][o] != 1)
                    fail_msg("%s: [%d] @%d counted %d times", r->label, p, o,
                             r->store.counted[p][o]);
        }
        assert_int_equal(r->store.strays, 0);
        assert_int_equal(r->store.fenced, 1);
        assert_int_equal(r->a.fenced, 1);
        assert_int_equal(r->b.fenced, 0);
        assert_int_equal(r->store.commits, 5);
        const char *protocol = rd_kafka_rebalance_protocol(r->a.rk);
        if (!protocol || strcmp(protocol, protos[r->proto].protocol) != 0)
            fail_msg("%s: protocol %s", r->label, protocol ? protocol : "(none)");
    }
    test_passed = 1;
}

/* ---------------------------------------------------------- main */

static int setup_test(void **state) {
    (void)state;
    memset(runs, 0, sizeof(runs));
    for (int i = 0; i < NPROTO; i++) {
        run_t *r = &runs[i];
        r->proto = i;
        snprintf(r->label, sizeof(r->label), "fence (%s)", protos[i].strategy);
        snprintf(r->topic, sizeof(r->topic), "fence-%s", protos[i].strategy);
        snprintf(r->group, sizeof(r->group), "g-fence-%s", protos[i].strategy);
        for (int p = 0; p < NPART; p++)
            r->store.next[p] = -1;
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock.cluster, r->topic, NPART, 1);
        if (!err)
            err = rd_kafka_mock_coordinator_set(mock.cluster, "group", r->group, i + 1);
        if (err) {
            fprintf(stderr, "%s: %s\n", r->topic, rd_kafka_err2str(err));
            return -1;
        }
    }
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(mock.producer, 1, NULL, &md, 5000);
    if (err) {
        fprintf(stderr, "metadata: %s\n", rd_kafka_err2str(err));
        return -1;
    }
    rd_kafka_metadata_destroy(md);
    return 0;
}

static int teardown_test(void **state) {
    (void)state;
    FOR_RUNS(r) {
        if (test_passed) {
            member_stop(&r->a);
            member_stop(&r->b);
        } else {
            member_abandon(&r->a);
            member_abandon(&r->b);
        }
    }
    return 0;
}

static int setup(void **state) {
    *state = &mock;
    return ftz_mock_start(&mock, NBROKERS, ftz_mock_log, NULL, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fence_and_resync, setup_test, teardown_test),
    };
    return cmocka_run_group_tests(tests, setup, ftz_mock_group_teardown) ? 1 : 0;
}
