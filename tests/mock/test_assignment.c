/* The owned-partition list (lib/src/assignment.c) against librdkafka's own
 * assignment, with real consumers in groups on librdkafka's in-process mock
 * cluster, under both protocols: EAGER (range) and COOPERATIVE
 * (cooperative-sticky).
 *
 * Each test runs all its cases side by side, every case under both
 * protocols, each in a group and topic of its own, polled in one loop: a
 * test takes the time of its slowest case. The mock group coordinator of
 * librdkafka 2.0.2 waits 3 s before the first leader election of a group
 * and session.timeout.ms - 1 s before each later one; 2.0.2 has no call to
 * shorten either, and a session shorter than 3 s times the first member
 * out before it is ever elected.
 *
 * Nothing may longjmp out of librdkafka: the rebalance callback only
 * records what it saw, and the test checks it after the poll returns.
 *
 * FTZ_MOCK_DEBUG=1 prints every rebalance; FTZ_MOCK_DEBUG=cgrp (any list of
 * librdkafka debug contexts) adds librdkafka's own debug output.
 * FTZ_MOCK_ONLY=test_name runs one test. */
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
#include "ftz/log.h"

#define NPART 4                          /* partitions of each topic */
#define NMSG 5                           /* messages per partition in each batch */
#define MAX_MEMBERS 2                    /* consumers per group */
#define NPROTO 2                         /* eager, cooperative */
#define MAX_CASES 6                      /* cases run side by side in one test */
#define MAX_RUNS (MAX_CASES * NPROTO)    /* groups at once */
#define NBROKERS MAX_RUNS                /* a group coordinator for each run */
#define WAIT_MS 20000                    /* longest wait for groups to settle */

/* Kafka request types (rdkafka_mock.h does not install them). */
enum { REQ_JOINGROUP = 11, REQ_HEARTBEAT = 12, REQ_SYNCGROUP = 14 };

static const struct {
    const char *strategy; /* partition.assignment.strategy */
    const char *protocol; /* what rd_kafka_rebalance_protocol() says */
} protos[NPROTO] = {{"range", "EAGER"}, {"cooperative-sticky", "COOPERATIVE"}};

/* The stored offsets, as the sink would read them from PostgreSQL. */
typedef struct stored_s {
    int64_t next[NPART]; /* -1: none stored */
    int fail[NPART];     /* load_offset fails for this partition */
    int loads;           /* load_offset calls */
} stored_t;

typedef struct member_s {
    const char *name;
    const char *topic;
    rd_kafka_t *rk;
    int closed;       /* rd_kafka_consumer_close() called */
    stored_t *stored; /* borrowed from the run */
    ftz_assignment_t asg;
    ftz_rebalance_ops_t ops;
    /* What the rebalance callback saw. */
    int assigns, revokes;         /* callbacks by err */
    int revoking, revoking_lost;  /* ops->revoking calls, and those with lost = 1 */
    int failed;                   /* ftz_assignment_rebalance returned an error */
    char failed_why[512];
    int mismatch; /* owned list and rd_kafka_assignment() apart after a callback */
    char mismatch_why[512];
    /* What the consumer read. */
    int64_t first[NPART]; /* first offset read since the partition was last owned anew (-1) */
    int64_t pos[NPART];   /* last offset read + 1 */
    int consumed[NPART];
    int eof[NPART]; /* at the end since the last message */
    int unowned;    /* messages of a partition not in the owned list */
    int errors;     /* consumer errors */
    char error_why[512];
} member_t;

/* One case under one protocol: a group of its own on a topic of its own. */
typedef struct run_s {
    const char *name; /* the case, as listed by the test */
    int proto;
    char label[96]; /* case and strategy, for messages */
    char topic[64], group[72];
    int32_t coordinator; /* the broker errors are pushed to */
    stored_t stored;
    member_t m[MAX_MEMBERS];
    int mark; /* what the test remembers of the run between steps */
} run_t;

static run_t runs[MAX_RUNS]; /* the running test's: stopped by teardown_test */
static int nruns;
static int test_passed; /* the running test got to its end */
#define FOR_RUNS(r) for (run_t *r = runs; r < runs + nruns; r++)

static ftz_mock_t mock; /* the cluster, and a producer talking to it */
static int delivery_errors;


/* ------------------------------------------------------------ helpers */

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) {
        delivery_errors++;
        fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

/* Appends NMSG messages to every partition of topic; flush() waits. */
static void produce_send(const char *topic) {
    for (int32_t p = 0; p < NPART; p++)
        for (int i = 0; i < NMSG; i++) {
            char value[32];
            int len = snprintf(value, sizeof(value), "p%d-m%d", (int)p, i);
            rd_kafka_resp_err_t err = rd_kafka_producev(
                mock.producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                RD_KAFKA_V_VALUE(value, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END);
            if (err)
                fail_msg("produce to %s [%d]: %s", topic, (int)p, rd_kafka_err2str(err));
        }
}

static void flush(void) {
    if (rd_kafka_flush(mock.producer, 10000))
        fail_msg("flush timed out");
    assert_int_equal(delivery_errors, 0);
}

/* Whether the owned list and librdkafka's assignment hold the same
 * partitions; why says how they differ. */
static int same_as_assignment(member_t *m, char *why, size_t why_size) {
    rd_kafka_topic_partition_list_t *cur = NULL;
    rd_kafka_resp_err_t err = rd_kafka_assignment(m->rk, &cur);
    int same = 1;
    if (err) {
        snprintf(why, why_size, "%s: rd_kafka_assignment: %s", m->name, rd_kafka_err2str(err));
        return 0;
    }
    if ((size_t)cur->cnt != m->asg.n) {
        snprintf(why, why_size, "%s: %zu owned, %d assigned by librdkafka", m->name, m->asg.n,
                 cur->cnt);
        same = 0;
    }
    for (int i = 0; same && i < cur->cnt; i++)
        if (!ftz_assignment_find(&m->asg, cur->elems[i].topic, cur->elems[i].partition)) {
            snprintf(why, why_size, "%s: %s [%d] assigned by librdkafka, not owned", m->name,
                     cur->elems[i].topic, (int)cur->elems[i].partition);
            same = 0;
        }
    rd_kafka_topic_partition_list_destroy(cur);
    return same;
}

/* ---------------------------------------------------------- the member */

static ftz_err_t load_offset(void *opaque, const char *topic, int32_t partition, int64_t *next,
                             uint64_t *fingerprint, char *errstr, size_t errstr_size) {
    member_t *m = opaque;
    *fingerprint = 0; /* no message to compare: assigned at the stored offset itself */
    if (strcmp(topic, m->topic) != 0 || partition < 0 || partition >= NPART)
        return ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "unexpected %s [%d]", topic,
                          (int)partition);
    m->stored->loads++;
    if (m->stored->fail[partition])
        return ftz_seterr(FTZ_ERR_RETRIABLE, errstr, errstr_size, "database unreachable");
    *next = m->stored->next[partition];
    return FTZ_OK;
}

static void revoking(void *opaque, int lost) {
    member_t *m = opaque;
    m->revoking++;
    if (lost)
        m->revoking_lost++;
}

/* Runs inside rd_kafka_consumer_poll: records, never asserts. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    member_t *m = opaque;
    char errstr[256], why[256];
    int owned_before[NPART];
    if (ftz_mock_debug())
        fprintf(stderr, "%s %s: rebalance %s of %d partition(s)%s\n", m->topic, m->name,
                rd_kafka_err2name(err), parts ? parts->cnt : -1,
                rd_kafka_assignment_lost(rk) ? " (lost)" : "");
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        m->assigns++;
    else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
        m->revokes++;
    for (int p = 0; p < NPART; p++)
        owned_before[p] = ftz_assignment_find(&m->asg, m->topic, p) != NULL;
    if (ftz_assignment_rebalance(&m->asg, rk, err, parts, &m->ops, errstr, sizeof(errstr)) &&
        !m->failed++)
        snprintf(m->failed_why, sizeof(m->failed_why), "%s: %s: %s", m->name,
                 rd_kafka_err2name(err), errstr);
    /* Reading starts over in a partition owned anew. */
    for (int p = 0; p < NPART; p++)
        if (!owned_before[p] && ftz_assignment_find(&m->asg, m->topic, p)) {
            m->first[p] = -1;
            m->eof[p] = 0;
        }
    if (!same_as_assignment(m, why, sizeof(why)) && !m->mismatch++)
        snprintf(m->mismatch_why, sizeof(m->mismatch_why), "after %s: %s",
                 rd_kafka_err2name(err), why);
}

static void member_start(run_t *r, int i, const char *name) {
    member_t *m = &r->m[i];
    rd_kafka_conf_t *conf =
        ftz_mock_consumer_conf(&mock, r->group, name, protos[r->proto].strategy);
    memset(m, 0, sizeof(*m));
    m->name = name;
    m->topic = r->topic;
    m->stored = &r->stored;
    m->ops = (ftz_rebalance_ops_t){load_offset, revoking, m};
    for (int p = 0; p < NPART; p++)
        m->first[p] = -1;
    /* The default: a partition the member did not place would start at
     * the end and read nothing. */
    ftz_mock_conf_set(conf, "auto.offset.reset", "latest");
    ftz_mock_conf_set(conf, "reconnect.backoff.ms", "20");
    ftz_mock_conf_set(conf, "reconnect.backoff.max.ms", "200");
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, m);
    m->rk = ftz_mock_consumer_new(conf, r->topic);
}

/* Whether m is in its group: started and not closed. */
static int active(const member_t *m) { return m->rk && !m->closed; }

/* Leaves the group. Closes through a queue of its own, so that a close
 * that does not finish fails the test (after WAIT_MS, or at once when a
 * revoke was refused) instead of hanging it. The queue is read as events
 * (serving it with callbacks trips an assert in librdkafka 2.0.2 when
 * other ops arrive on it), the revoke handed to rebalance_cb. */
static rd_kafka_resp_err_t member_close(member_t *m) {
    if (!active(m))
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    m->closed = 1;
    rd_kafka_queue_t *q = rd_kafka_queue_new(m->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(m->rk, q);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (e) {
        err = rd_kafka_error_code(e);
        rd_kafka_error_destroy(e);
    }
    int64_t deadline = ftz_mock_now_ms() + WAIT_MS;
    while (!err && !rd_kafka_consumer_closed(m->rk)) {
        /* A revoke refused: the close will not finish. */
        if (ftz_mock_now_ms() > deadline || m->failed) {
            err = RD_KAFKA_RESP_ERR__TIMED_OUT;
            break;
        }
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 50);
        if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
            rebalance_cb(m->rk, rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev),
                         m);
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return err;
}

/* Closes the consumer and frees it. */
static void member_stop(member_t *m) {
    if (!m->rk)
        return;
    rd_kafka_resp_err_t err = member_close(m);
    if (m->failed)
        fail_msg("%s: close: %s", m->topic, m->failed_why);
    if (err)
        fail_msg("%s %s: close: %s", m->topic, m->name, rd_kafka_err2str(err));
    rd_kafka_destroy(m->rk);
    m->rk = NULL;
    ftz_assignment_free(&m->asg);
}

/* After a failed test: librdkafka 2.0.2 can hang in rd_kafka_destroy (with
 * or without closing) of a cooperative-sticky consumer left in the middle
 * of a rebalance, or abort destroying one before its first assignment
 * (rd_kafka_sticky_assignor_state_destroy: assertion `assignor_state').
 * The consumer is left running, unpolled, so that the failure is reported
 * at once; its group and topic are no other test's. */
static void member_abandon(member_t *m) {
    if (!m->rk)
        return;
    if (ftz_mock_debug())
        fprintf(stderr, "-- %s %s: abandoned\n", m->topic, m->name);
    m->rk = NULL;
    ftz_assignment_free(&m->asg);
}

static void member_poll(member_t *m, int timeout_ms) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, timeout_ms);
    if (!msg)
        return;
    int32_t p = msg->partition;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (p >= 0 && p < NPART)
            m->eof[p] = 1;
    } else if (msg->err) {
        if (!m->errors++)
            snprintf(m->error_why, sizeof(m->error_why), "%s: %s", m->name,
                     rd_kafka_message_errstr(msg));
    } else if (p >= 0 && p < NPART) {
        if (!ftz_assignment_find(&m->asg, rd_kafka_topic_name(msg->rkt), p))
            m->unowned++;
        if (m->first[p] < 0)
            m->first[p] = msg->offset;
        m->pos[p] = msg->offset + 1;
        m->consumed[p]++;
        m->eof[p] = 0;
    }
    rd_kafka_message_destroy(msg);
}

/* ---------------------------------------------------------- the runs */

/* A batch of NMSG more messages in every partition of every run's topic. */
static void produce_all(void) {
    FOR_RUNS(r)
        produce_send(r->topic);
    flush();
}

/* Every case under each protocol: a group and a topic of NPART partitions
 * with NMSG messages in each, nothing stored. */
static void runs_init(const char *test, const char *const *cases, int ncases) {
    memset(runs, 0, sizeof(runs));
    nruns = 0;
    assert_true(ncases <= MAX_CASES);
    for (int c = 0; c < ncases; c++)
        for (int i = 0; i < NPROTO; i++) {
            run_t *r = &runs[nruns++];
            r->name = cases[c];
            r->proto = i;
            r->coordinator = (int32_t)nruns;
            snprintf(r->label, sizeof(r->label), "%s (%s)", cases[c], protos[i].strategy);
            snprintf(r->topic, sizeof(r->topic), "%s-%s-%s", test, cases[c], protos[i].strategy);
            snprintf(r->group, sizeof(r->group), "g-%s-%s-%s", test, cases[c],
                     protos[i].strategy);
            for (int p = 0; p < NPART; p++)
                r->stored.next[p] = -1;
            rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock.cluster, r->topic, NPART, 1);
            if (!err)
                err = rd_kafka_mock_coordinator_set(mock.cluster, "group", r->group,
                                                    r->coordinator);
            if (err)
                fail_msg("%s: %s", r->topic, rd_kafka_err2str(err));
        }
    /* Metadata of every topic now: the producer would ask for a new
     * topic's only after a pause. */
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(mock.producer, 1, NULL, &md, 5000);
    if (err)
        fail_msg("metadata: %s", rd_kafka_err2str(err));
    rd_kafka_metadata_destroy(md);
    produce_all();
}

static int is(const run_t *r, const char *name) { return strcmp(r->name, name) == 0; }

static void poll_runs(int timeout_ms) {
    FOR_RUNS(r)
    for (int j = 0; j < MAX_MEMBERS; j++)
        if (active(&r->m[j]))
            member_poll(&r->m[j], timeout_ms);
}

typedef int (*run_cond_t)(run_t *r, const void *arg);

/* Polls every member until cond holds for every run; fails the test with
 * what after timeout_ms, or at once when a rebalance call fails. */
static void wait_runs(run_cond_t cond, const void *arg, int timeout_ms, const char *what) {
    int64_t deadline = ftz_mock_now_ms() + timeout_ms;
    for (;;) {
        int done = 1;
        FOR_RUNS(r) {
            for (int j = 0; j < MAX_MEMBERS; j++)
                if (r->m[j].failed)
                    fail_msg("%s: %d rebalance call(s) failed, first: %s", r->label,
                             r->m[j].failed, r->m[j].failed_why);
            if (done && !cond(r, arg))
                done = 0;
        }
        if (done) {
            if (ftz_mock_debug())
                fprintf(stderr, "-- %s after %" PRId64 " ms\n", what,
                        ftz_mock_now_ms() - (deadline - timeout_ms));
            return;
        }
        if (ftz_mock_now_ms() > deadline)
            break;
        poll_runs(10);
    }
    FOR_RUNS(r)
    if (!cond(r, arg))
        fail_msg("%s: not %s after %d ms", r->label, what, timeout_ms);
}

/* Polls every member for ms, whatever happens. */
static void poll_for(int ms) {
    int64_t deadline = ftz_mock_now_ms() + ms;
    while (ftz_mock_now_ms() < deadline)
        poll_runs(10);
}

/* Every partition owned by a member in the group, each member owning at
 * least one and at the end of each it owns, and each partition read up to
 * offset want (from its stored offset on). Holds for an empty group. */
static int cond_read_to(run_t *r, const void *arg) {
    int64_t want = *(const int64_t *)arg;
    int64_t best[NPART] = {0};
    int owned[NPART] = {0}, members = 0;
    for (int j = 0; j < MAX_MEMBERS; j++) {
        member_t *m = &r->m[j];
        if (!active(m))
            continue;
        members++;
        if (!m->asg.n)
            return 0;
        for (size_t k = 0; k < m->asg.n; k++) {
            int32_t p = m->asg.v[k].partition;
            if (!m->eof[p])
                return 0;
            owned[p] = 1;
            if (m->pos[p] > best[p])
                best[p] = m->pos[p];
        }
    }
    for (int p = 0; p < NPART; p++)
        if (members && (!owned[p] || (best[p] < want && r->stored.next[p] < want)))
            return 0;
    return 1;
}

/* Each member in the group owns NPART / members partitions, none twice.
 * Holds for an empty group. */
static int cond_balanced(run_t *r, const void *arg) {
    (void)arg;
    int members = 0, owners[NPART] = {0};
    for (int j = 0; j < MAX_MEMBERS; j++)
        if (active(&r->m[j]))
            members++;
    if (!members)
        return 1;
    for (int j = 0; j < MAX_MEMBERS; j++) {
        member_t *m = &r->m[j];
        if (!active(m))
            continue;
        if (m->asg.n != (size_t)(NPART / members))
            return 0;
        for (size_t k = 0; k < m->asg.n; k++)
            owners[m->asg.v[k].partition]++;
    }
    for (int p = 0; p < NPART; p++)
        if (owners[p] != 1)
            return 0;
    return 1;
}

/* The first member was assigned again since the test set r->mark to its
 * count of assignments. */
static int cond_assigned_again(run_t *r, const void *arg) {
    (void)arg;
    return r->m[0].assigns > r->mark;
}

/* Nothing went wrong in any callback or poll of r's members, and each
 * owned list equals librdkafka's assignment now. */
static void check_clean(run_t *r) {
    for (int j = 0; j < MAX_MEMBERS; j++) {
        member_t *m = &r->m[j];
        if (!active(m))
            continue;
        char why[512];
        if (m->failed)
            fail_msg("%s: %d rebalance call(s) failed, first: %s", r->label, m->failed,
                     m->failed_why);
        if (m->mismatch)
            fail_msg("%s: owned list and librdkafka's assignment apart %s", r->label,
                     m->mismatch_why);
        if (!same_as_assignment(m, why, sizeof(why)))
            fail_msg("%s: owned list and librdkafka's assignment apart: %s", r->label, why);
        if (m->errors)
            fail_msg("%s: %d consumer error(s), first: %s", r->label, m->errors, m->error_why);
        if (m->unowned)
            fail_msg("%s: %s read %d message(s) of partitions it does not own", r->label,
                     m->name, m->unowned);
        const char *protocol = rd_kafka_rebalance_protocol(m->rk);
        if (!protocol || strcmp(protocol, protos[r->proto].protocol) != 0)
            fail_msg("%s: %s rebalance protocol %s, want %s", r->label, m->name,
                     protocol ? protocol : "(none)", protos[r->proto].protocol);
    }
}

/* Each partition owned by a member of r was read from want_first on. */
static void check_read_from(run_t *r, int64_t want_first) {
    for (int j = 0; j < MAX_MEMBERS; j++) {
        member_t *m = &r->m[j];
        if (!active(m))
            continue;
        for (size_t k = 0; k < m->asg.n; k++) {
            int32_t p = m->asg.v[k].partition;
            if (m->first[p] != want_first)
                fail_msg("%s: %s read [%d] from offset %" PRId64 ", want %" PRId64, r->label,
                         m->name, (int)p, m->first[p], want_first);
        }
    }
}

/* ---------------------------------------------------------- the tests */

static const int64_t first_batch = NMSG, second_batch = 2 * NMSG;

/* 1 and 4. Assign: the owned list is librdkafka's assignment; each
 * partition starts at its stored offset, at offset 0 when none is stored.
 * A stored offset that cannot be read: the partition is assigned all the
 * same (the member stays in the group), need_resync says to re-read. */
static void test_assign(void **state) {
    (void)state;
    static const char *const cases[] = {"stored", "loadfail"};
    static const int64_t stored[NPART] = {3, -1, NMSG, -1};
    runs_init("assign", cases, 2);
    FOR_RUNS(r) {
        if (is(r, "stored"))
            memcpy(r->stored.next, stored, sizeof(stored));
        else {
            r->stored.next[0] = 2;
            r->stored.fail[1] = 1;
        }
        member_start(r, 0, "a");
    }
    wait_runs(cond_read_to, &first_batch, WAIT_MS, "assigned and read to the end");
    FOR_RUNS(r) {
        member_t *m = &r->m[0];
        check_clean(r);
        assert_int_equal(m->assigns, 1);
        assert_int_equal(m->asg.n, NPART);
        assert_int_equal(r->stored.loads, NPART);
        assert_true(m->asg.assigned_once);
        for (int p = 0; p < NPART; p++) {
            int64_t next = r->stored.fail[p] ? -1 : r->stored.next[p];
            int64_t want_first = next < 0 ? 0 : next < NMSG ? next : -1;
            ftz_owned_t *o = ftz_assignment_find(&m->asg, r->topic, p);
            assert_non_null(o);
            if (o->committed != next)
                fail_msg("%s: [%d] owned with stored offset %" PRId64 ", want %" PRId64,
                         r->label, p, o->committed, next);
            if (m->first[p] != want_first)
                fail_msg("%s: [%d] read first at %" PRId64 ", want %" PRId64, r->label, p,
                         m->first[p], want_first);
            assert_int_equal(m->consumed[p], want_first < 0 ? 0 : NMSG - want_first);
        }
        if (m->asg.need_resync != is(r, "loadfail"))
            fail_msg("%s: need_resync %d", r->label, m->asg.need_resync);
    }
    /* Still in the group: no rebalance, and it reads what comes next. */
    produce_all();
    wait_runs(cond_read_to, &second_batch, WAIT_MS, "reading on");
    FOR_RUNS(r) {
        member_t *m = &r->m[0];
        check_clean(r);
        assert_int_equal(m->assigns, 1);
        assert_int_equal(m->revoking, 0);
        /* Close revokes through the callback: nothing owned after. */
        rd_kafka_resp_err_t err = member_close(m);
        if (err)
            fail_msg("%s: close: %s", r->label, rd_kafka_err2str(err));
        if (m->failed)
            fail_msg("%s: %s", r->label, m->failed_why);
        assert_int_equal(m->revoking, 1);
        assert_int_equal(m->revoking_lost, 0);
        assert_int_equal(m->asg.n, 0);
    }
    test_passed = 1;
}

/* 2. A second member joins: partitions move (revoke, then assign), each
 * owned list equals its consumer's assignment after every callback, and
 * between them the two own every partition once. */
static void test_second_member_joins(void **state) {
    (void)state;
    static const char *const cases[] = {"join"};
    runs_init("members", cases, 1);
    FOR_RUNS(r)
        member_start(r, 0, "a");
    wait_runs(cond_read_to, &first_batch, WAIT_MS, "assigned and read to the end");
    FOR_RUNS(r) {
        check_clean(r);
        member_start(r, 1, "b");
    }
    wait_runs(cond_balanced, NULL, WAIT_MS, "balanced between two members");
    FOR_RUNS(r) {
        member_t *a = &r->m[0], *b = &r->m[1];
        check_clean(r);
        /* The group may take more than one round to settle. */
        if (a->revoking < 1 || a->revoking_lost || b->revoking_lost)
            fail_msg("%s: revoking: a %d (%d lost), b %d (%d lost)", r->label, a->revoking,
                     a->revoking_lost, b->revoking, b->revoking_lost);
        /* EAGER revokes everything and assigns anew each round;
         * COOPERATIVE takes away only what moves (and may add nothing). */
        if (r->proto == 0 && (a->assigns != a->revokes + 1 || b->assigns != b->revokes + 1))
            fail_msg("%s: a assigned %d times, revoked %d; b %d, %d", r->label, a->assigns,
                     a->revokes, b->assigns, b->revokes);
    }
    produce_all();
    wait_runs(cond_read_to, &second_batch, WAIT_MS, "read to the end by the two");
    FOR_RUNS(r)
        check_clean(r);
    test_passed = 1;
}

/* A rebalance error, as librdkafka would pass it to the rebalance
 * callback, on r's first member, which owns every partition: it gives them
 * all up with its protocol's own call (an eager assign(NULL) is refused
 * under COOPERATIVE), says it loses them, and forgets them. */
static void fail_rebalance(run_t *r) {
    member_t *m = &r->m[0];
    char errstr[512] = "";
    rd_kafka_topic_partition_list_t *parts = NULL;
    assert_int_equal(rd_kafka_assignment(m->rk, &parts), 0);
    assert_int_equal(parts->cnt, NPART);
    ftz_err_t err = ftz_assignment_rebalance(&m->asg, m->rk, RD_KAFKA_RESP_ERR__FAIL, parts,
                                             &m->ops, errstr, sizeof(errstr));
    rd_kafka_topic_partition_list_destroy(parts);
    if (err)
        fail_msg("%s: rebalance error: %s: %s", r->label, ftz_err_name(err), errstr);
    if (m->revoking != 1 || m->revoking_lost != 1)
        fail_msg("%s: %d revoking call(s), %d lost, want 1 lost", r->label, m->revoking,
                 m->revoking_lost);
    if (m->asg.n)
        fail_msg("%s: %zu partition(s) still owned after the error", r->label, m->asg.n);
    parts = NULL;
    assert_int_equal(rd_kafka_assignment(m->rk, &parts), 0);
    int left = parts->cnt;
    rd_kafka_topic_partition_list_destroy(parts);
    if (left)
        fail_msg("%s: librdkafka still assigns %d partition(s) after the error", r->label, left);
}

static void push_error(run_t *r, int16_t request, rd_kafka_resp_err_t err) {
    rd_kafka_resp_err_t e =
        rd_kafka_mock_broker_push_request_error_rtts(mock.cluster, r->coordinator, request, 1,
                                                     err, 0);
    if (e)
        fail_msg("%s: push error: %s", r->label, rd_kafka_err2str(e));
}

/* 3 and 5. Rebalances that fail, each case under both protocols.
 *
 * The reported defect, cases error-*: a rebalance error on a member that
 * owns partitions (fail_rebalance). It reads nothing until the group
 * rebalances, then reads every partition again from its stored offset:
 * another member joins (some partitions move away, the rest stay: under
 * COOPERATIVE the group revokes partitions the member no longer has, and
 * assigns nothing it still counts as the member's); the member is told to
 * rejoin (nothing moves); the member's assignment is lost (unknown member
 * id). Or the member leaves instead: close must finish.
 *
 * Failures at the coordinator, with librdkafka's own handling: SyncGroup
 * refused (illegal generation), JoinGroup refused (unknown member id). The
 * member rejoins, owns what librdkafka assigns, and reads on. */
static void test_rebalance_failure(void **state) {
    (void)state;
    static const char *const cases[] = {"error-join", "error-rejoin", "error-lost",
                                        "error-close", "sync", "joingroup"};
    static const int64_t third_batch = 3 * NMSG;
    runs_init("failure", cases, 6);
    FOR_RUNS(r)
        member_start(r, 0, "a");
    wait_runs(cond_read_to, &first_batch, WAIT_MS, "assigned and read to the end");
    FOR_RUNS(r) {
        check_clean(r);
        if (strncmp(r->name, "error-", 6) == 0)
            fail_rebalance(r);
    }
    /* Nothing is read while nothing is assigned. */
    produce_all();
    poll_for(300);
    FOR_RUNS(r)
    for (int p = 0; p < NPART && strncmp(r->name, "error-", 6) == 0; p++)
        if (r->m[0].pos[p] != NMSG)
            fail_msg("%s: [%d] read on to %" PRId64 " after giving it up", r->label, p,
                     r->m[0].pos[p]);
    /* The group rebalances (or the member leaves it). */
    FOR_RUNS(r) {
        member_t *m = &r->m[0];
        r->mark = m->assigns;
        if (is(r, "error-join")) {
            member_start(r, 1, "b");
        } else if (is(r, "error-rejoin")) {
            push_error(r, REQ_HEARTBEAT, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS);
        } else if (is(r, "error-lost")) {
            push_error(r, REQ_HEARTBEAT, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
        } else if (is(r, "error-close")) {
            rd_kafka_resp_err_t err = member_close(m);
            if (m->failed)
                fail_msg("%s: close after the error: %s", r->label, m->failed_why);
            if (err)
                fail_msg("%s: close after the error: %s", r->label, rd_kafka_err2str(err));
            assert_int_equal(m->asg.n, 0);
            r->mark = -1;
        } else {
            if (is(r, "sync"))
                push_error(r, REQ_SYNCGROUP, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION);
            else
                push_error(r, REQ_JOINGROUP, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
            push_error(r, REQ_HEARTBEAT, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS);
        }
    }
    wait_runs(cond_assigned_again, NULL, WAIT_MS, "rebalanced");
    produce_all();
    wait_runs(cond_read_to, &third_batch, WAIT_MS, "reading again");
    wait_runs(cond_balanced, NULL, WAIT_MS, "balanced");
    FOR_RUNS(r) {
        check_clean(r);
        /* Nothing stored: every partition read again from the start. */
        check_read_from(r, 0);
        if (is(r, "error-lost"))
            assert_int_equal(r->m[0].revoking_lost, 2);
        if (is(r, "sync") || is(r, "joingroup")) {
            size_t left = 1;
            rd_kafka_mock_broker_error_stack_cnt(
                mock.cluster, r->coordinator, is(r, "sync") ? REQ_SYNCGROUP : REQ_JOINGROUP, &left);
            if (left)
                fail_msg("%s: the coordinator never refused", r->label);
        }
        if (ftz_mock_debug())
            fprintf(stderr, "%s: assigns %d revokes %d revoking %d lost %d\n", r->label,
                    r->m[0].assigns, r->m[0].revokes, r->m[0].revoking, r->m[0].revoking_lost);
    }
    test_passed = 1;
}

/* ---------------------------------------------------------- main */

static int teardown_test(void **state) {
    (void)state;
    int64_t start = ftz_mock_now_ms();
    FOR_RUNS(r)
    for (int j = 0; j < MAX_MEMBERS; j++) {
        if (test_passed)
            member_stop(&r->m[j]);
        else
            member_abandon(&r->m[j]);
    }
    test_passed = 0;
    nruns = 0;
    if (ftz_mock_debug())
        fprintf(stderr, "-- stopped after %" PRId64 " ms\n", ftz_mock_now_ms() - start);
    return 0;
}

static int setup(void **state) {
    *state = &mock;
    return ftz_mock_start(&mock, NBROKERS, ftz_mock_log, ftz_mock_rdkafka_debug(), dr_msg_cb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_assign, teardown_test),
        cmocka_unit_test_teardown(test_second_member_joins, teardown_test),
        cmocka_unit_test_teardown(test_rebalance_failure, teardown_test),
    };
    if (getenv("FTZ_MOCK_ONLY"))
        cmocka_set_test_filter(getenv("FTZ_MOCK_ONLY"));
    return cmocka_run_group_tests(tests, setup, ftz_mock_group_teardown);
}
