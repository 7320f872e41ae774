/* The PostgreSQL sink (lib/src/sink.c) against a real PostgreSQL: the one
 * of the local stack (libpq environment from `deploy/local/stack env`),
 * in a database of its own that the test creates, migrates
 * (ftz_pg_migrate) and drops. Label `stack`: `make stack-test` runs it. A
 * PostgreSQL that cannot be reached fails the test with libpq's reason.
 *
 * Each test starts from empty tables and commits batches as the consumer
 * loop does (aggregator.c): good records of each type, dead letters, each
 * partition's stored offset moved from `expected` to last + 1 by a
 * compare-and-set. */
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

#include <libpq-fe.h>

#include "ftz/array.h"
#include "ftz/batch.h"
#include "ftz/log.h"
#include "ftz/migrate.h"
#include "ftz/pg.h"
#include "ftz/sink.h"

#define TEST_DB "ftz_test_sink"
#define GROUP "g-sink-test"
#define T_CUSTOMS "t.customs"
#define T_RAIL "t.rail"
#define T_REG "t.registry"
/* 2026-01-01 12:00 UTC: the same day in Asia/Shanghai. */
#define T0_MS INT64_C(1767268800000)

static PGconn *admin; /* to the test database, for setting up and checking */
static ftz_sink_t *sink;
static ftz_batch_t batch; /* the running test's, freed by teardown_test */

/* ------------------------------------------------------------ helpers */

static void quiet_log(ftz_log_level_t level, const char *fac, const char *msg, void *opaque) {
    (void)opaque;
    if (level <= FTZ_LOG_ERROR || getenv("FTZ_TEST_DEBUG"))
        fprintf(stderr, "ftz %d %s: %s\n", (int)level, fac, msg);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Server notices ("does not exist, skipping") are not the test's news. */
static void no_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

/* A connection to dbname (NULL: the environment's), or NULL with why. */
static PGconn *connect_db(const char *dbname, char *why, size_t why_size) {
    const char *keys[] = {"dbname", "connect_timeout", "fallback_application_name", NULL};
    const char *vals[] = {dbname, "10", "ftz-test-sink", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 0);
    if (conn && PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn, no_notice, NULL);
        return conn;
    }
    snprintf(why, why_size, "PostgreSQL (%s:%s) cannot be reached: %s",
             getenv("PGHOST") ? getenv("PGHOST") : "default host",
             getenv("PGPORT") ? getenv("PGPORT") : "default port",
             conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return NULL;
}

/* Runs a fixed statement (no data in it); fails the test if it fails. */
static void exec_ok(PGconn *conn, const char *sql) {
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("%s: %s", sql, msg);
    }
    PQclear(res);
}

/* The one value of a one-row query, as an integer (NULL: -1). */
static long long q_int(const char *sql) {
    PGresult *res = PQexec(admin, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("%s: %s", sql, msg);
    }
    long long v = PQgetisnull(res, 0, 0) ? -1 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

/* The one value of a one-row query, as text, into buf. */
static const char *q_text(const char *sql, char *buf, size_t size) {
    PGresult *res = PQexec(admin, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("%s: %s", sql, msg);
    }
    snprintf(buf, size, "%s", PQgetisnull(res, 0, 0) ? "(null)" : PQgetvalue(res, 0, 0));
    PQclear(res);
    return buf;
}

/* The stored next offset of (topic, partition), through the sink. */
static int64_t stored(const char *topic, int32_t partition, uint64_t *fp) {
    char errstr[512];
    int64_t next = -2;
    ftz_err_t err = ftz_sink_load_offset(sink, topic, partition, &next, fp, errstr,
                                         sizeof(errstr));
    if (err)
        fail_msg("load offset %s [%d]: %s: %s", topic, (int)partition, ftz_err_name(err),
                 errstr);
    return next;
}

/* Notes a message at (topic, part, off), key and value as given, in a
 * batch whose partition starts at expected. */
static void note(ftz_batch_t *b, const char *topic, int32_t part, int64_t expected, int64_t off,
                 const char *key, const char *value) {
    assert_int_equal(ftz_batch_note_offset(b, topic, part, expected, off,
                                           ftz_batch_fingerprint(key, strlen(key), value,
                                                                 strlen(value))),
                     FTZ_OK);
}

static void add_customs(ftz_batch_t *b, int32_t part, int64_t expected, int64_t off,
                        const char *id, int32_t revision, ftz_customs_status_t status,
                        ftz_area_t area, int64_t value_fen) {
    ftz_customs_t c;
    char value[64];
    memset(&c, 0, sizeof(c));
    snprintf(c.declaration_id, sizeof(c.declaration_id), "%s", id);
    c.revision = revision;
    c.area = area;
    c.direction = FTZ_DIR_IMPORT;
    c.status = status;
    strcpy(c.hs_code, "85423100");
    strcpy(c.origin_country, "JP");
    strcpy(c.destination_country, "CN");
    c.transport_mode = FTZ_MODE_SEA;
    c.declared_value_fen = value_fen;
    c.gross_weight_kg = 12.5;
    c.filed_at_ms = T0_MS;
    c.has_cleared_at = status == FTZ_STATUS_CLEARED;
    c.cleared_at_ms = T0_MS + 3600 * 1000;
    c.event_time_ms = T0_MS;
    snprintf(value, sizeof(value), "%s-r%d", id, (int)revision);
    note(b, T_CUSTOMS, part, expected, off, id, value);
    assert_int_equal(ftz_batch_add_record(b, ftz_record_type(FTZ_REC_CUSTOMS), &c, part, off, id,
                                          strlen(id), value, strlen(value)),
                     FTZ_OK);
}

static void add_rail(ftz_batch_t *b, int32_t part, int64_t expected, int64_t off, const char *id,
                     ftz_rail_event_type_t type) {
    ftz_rail_t r;
    memset(&r, 0, sizeof(r));
    snprintf(r.event_id, sizeof(r.event_id), "%s", id);
    strcpy(r.shipment_id, "S1");
    strcpy(r.train_id, "X8001");
    strcpy(r.container_id, "MSKU1234565");
    strcpy(r.corridor, "Shenyang-Duisburg");
    r.direction = FTZ_RAIL_OUTBOUND;
    r.event_type = type;
    strcpy(r.station, "Shenyang");
    strcpy(r.country, "CN");
    r.cargo_category = FTZ_CARGO_MACHINERY;
    strcpy(r.goods_origin_country, "CN");
    r.teu = 2;
    r.cargo_value_fen = 100000;
    r.event_time_ms = T0_MS;
    r.has_departed_at = type == FTZ_RAIL_ARRIVED;
    r.departed_at_ms = T0_MS - 600 * 1000;
    note(b, T_RAIL, part, expected, off, id, id);
    assert_int_equal(ftz_batch_add_record(b, ftz_record_type(FTZ_REC_RAIL), &r, part, off, id,
                                          strlen(id), id, strlen(id)),
                     FTZ_OK);
}

static void add_registration(ftz_batch_t *b, int32_t part, int64_t expected, int64_t off,
                             const char *uscc) {
    ftz_registration_t g;
    memset(&g, 0, sizeof(g));
    snprintf(g.uscc, sizeof(g.uscc), "%s", uscc);
    strcpy(g.company_name, "Test Co.");
    g.area = FTZ_AREA_DALIAN;
    g.enterprise_type = FTZ_ENT_DOMESTIC;
    strcpy(g.industry, "C39");
    strcpy(g.investor_country, "CN");
    g.registered_capital_fen = 500000000;
    g.registered_at_ms = T0_MS;
    g.event_time_ms = T0_MS;
    note(b, T_REG, part, expected, off, uscc, uscc);
    assert_int_equal(ftz_batch_add_record(b, ftz_record_type(FTZ_REC_REGISTRATION), &g, part,
                                          off, uscc, strlen(uscc), uscc, strlen(uscc)),
                     FTZ_OK);
}

static void add_dead(ftz_batch_t *b, const char *topic, int32_t part, int64_t expected,
                     int64_t off, const char *payload) {
    note(b, topic, part, expected, off, "k", payload);
    assert_int_equal(ftz_batch_add_dead(b, topic, part, off, "k", 1, payload, strlen(payload),
                                        "SCHEMA_UNKNOWN", "no such schema"),
                     FTZ_OK);
}

static ftz_err_t commit(const ftz_batch_t *b, char *errstr, size_t size) {
    errstr[0] = '\0';
    return ftz_sink_commit(sink, b, errstr, size);
}

static void commit_ok(const ftz_batch_t *b) {
    char errstr[1024];
    ftz_err_t err = commit(b, errstr, sizeof(errstr));
    if (err)
        fail_msg("commit: %s: %s", ftz_err_name(err), errstr);
}

/* Everything the sink writes, as one line, to compare before and after. */
static void snapshot(char *buf, size_t size) {
    q_text("SELECT concat_ws(' | ',"
           " (SELECT string_agg(concat_ws(',', area, declarations, declared_value_cny, cleared,"
           "   held, gross_weight_kg_exact), ';' ORDER BY area) FROM ftz.customs_daily),"
           " (SELECT string_agg(concat_ws(',', declaration_id, revision), ';'"
           "   ORDER BY declaration_id) FROM ftz.customs_declarations),"
           " (SELECT string_agg(concat_ws(',', departures, arrivals, teu_departed,"
           "   transit_seconds_sum), ';' ORDER BY corridor) FROM ftz.rail_daily),"
           " (SELECT count(*) FROM ftz.rail_events),"
           " (SELECT string_agg(concat_ws(',', area, companies, registered_capital_cny), ';'"
           "   ORDER BY area) FROM ftz.registrations_monthly),"
           " (SELECT count(*) FROM ftz.companies),"
           " (SELECT string_agg(concat_ws(',', topic, partition, next_offset, last_fingerprint),"
           "   ';' ORDER BY topic, partition) FROM ftz.consumer_offsets),"
           " (SELECT count(*) FROM ftz.dead_letters))",
           buf, size);
}

/* The backend of another connection to the test database (the sink's:
 * the test's others never wait so) that waits as wait_event_sql says
 * (a lock, pg_sleep), within 10 s; fails the test otherwise. */
static int backend_waiting(const char *wait_event_sql) {
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT max(pid) FROM pg_catalog.pg_stat_activity"
             " WHERE datname = pg_catalog.current_database()"
             " AND pid <> pg_catalog.pg_backend_pid() AND %s",
             wait_event_sql);
    int64_t deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        long long pid = q_int(sql);
        if (pid > 0)
            return (int)pid;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("no backend of the sink waits (%s) after 10 s", wait_event_sql);
    return -1;
}

static void terminate(int pid) {
    char p[16];
    const char *params[1] = {p};
    snprintf(p, sizeof(p), "%d", pid);
    PGresult *res = PQexecParams(admin, "SELECT pg_catalog.pg_terminate_backend($1::int4)", 1,
                                 NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
             strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!ok)
        fail_msg("pg_terminate_backend(%d) failed", pid);
}

/* ------------------------------------------------------------ the tests */

/* A batch of each record type and dead letters lands in one commit: the
 * aggregates count each record once, the offsets are last + 1 with the
 * last message's fingerprint, the dead letters keep their message. */
static void test_commit_each_type(void **state) {
    (void)state;
    char buf[256];
    add_customs(&batch, 0, -1, 0, "D-1", 1, FTZ_STATUS_CLEARED, FTZ_AREA_DALIAN, 123456);
    add_customs(&batch, 0, -1, 1, "D-2", 1, FTZ_STATUS_HELD, FTZ_AREA_DALIAN, 100);
    add_rail(&batch, 1, -1, 0, "E-1", FTZ_RAIL_DEPARTED);
    add_rail(&batch, 1, -1, 1, "E-2", FTZ_RAIL_ARRIVED);
    /* A redelivered event in the same batch counts once. */
    add_rail(&batch, 1, -1, 2, "E-1", FTZ_RAIL_DEPARTED);
    add_dead(&batch, T_RAIL, 1, -1, 3, "garbage");
    add_registration(&batch, 0, -1, 0, "91210200MA0000001X");
    add_registration(&batch, 0, -1, 1, "91210200MA0000002X");
    commit_ok(&batch);

    assert_int_equal(q_int("SELECT sum(declarations) FROM ftz.customs_daily"), 2);
    assert_string_equal(q_text("SELECT sum(declared_value_cny) FROM ftz.customs_daily", buf,
                               sizeof(buf)),
                        "1235.56");
    assert_int_equal(q_int("SELECT sum(cleared) FROM ftz.customs_daily"), 1);
    assert_int_equal(q_int("SELECT sum(held) FROM ftz.customs_daily"), 1);
    assert_int_equal(q_int("SELECT sum(clearance_seconds_sum) FROM ftz.customs_daily"), 3600);
    assert_int_equal(q_int("SELECT sum(departures) FROM ftz.rail_daily"), 1);
    assert_int_equal(q_int("SELECT sum(arrivals) FROM ftz.rail_daily"), 1);
    assert_int_equal(q_int("SELECT sum(teu_departed) FROM ftz.rail_daily"), 2);
    assert_int_equal(q_int("SELECT sum(transit_seconds_sum) FROM ftz.rail_daily"), 600);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.rail_events"), 2);
    assert_int_equal(q_int("SELECT sum(companies) FROM ftz.registrations_monthly"), 2);
    assert_string_equal(q_text("SELECT sum(registered_capital_cny) FROM ftz.registrations_monthly",
                               buf, sizeof(buf)),
                        "10000000.00");
    /* Offsets: last + 1 per partition, with the fingerprint of the last
     * message (the dead letter's, for the rail partition). */
    uint64_t fp = 0;
    assert_int_equal(stored(T_CUSTOMS, 0, &fp), 2);
    assert_true(fp == ftz_batch_fingerprint("D-2", 3, "D-2-r1", 6));
    assert_int_equal(stored(T_RAIL, 1, &fp), 4);
    assert_true(fp == ftz_batch_fingerprint("k", 1, "garbage", 7));
    assert_int_equal(stored(T_REG, 0, NULL), 2);
    assert_int_equal(stored(T_RAIL, 0, NULL), -1);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.consumer_offsets"
                           " WHERE consumer_group = '" GROUP "'"),
                     3);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.topic_groups"
                           " WHERE consumer_group = '" GROUP "'"),
                     3);
    /* The dead letter, with its message and reason. */
    assert_int_equal(q_int("SELECT count(*) FROM ftz.dead_letters"), 1);
    assert_string_equal(q_text("SELECT concat_ws(',', source_topic, source_partition,"
                               " source_offset, convert_from(record_key, 'UTF8'),"
                               " convert_from(payload, 'UTF8'), code, reason)"
                               " FROM ftz.dead_letters",
                               buf, sizeof(buf)),
                        T_RAIL ",1,3,k,garbage,SCHEMA_UNKNOWN,no such schema");

    /* The next batch goes on from the stored offsets. */
    ftz_batch_clear(&batch);
    add_rail(&batch, 1, 4, 4, "E-3", FTZ_RAIL_BORDER_CROSSED);
    add_rail(&batch, 1, 4, 5, "E-2", FTZ_RAIL_ARRIVED); /* counted before: nothing */
    commit_ok(&batch);
    assert_int_equal(q_int("SELECT sum(border_crossings) FROM ftz.rail_daily"), 1);
    assert_int_equal(q_int("SELECT sum(arrivals) FROM ftz.rail_daily"), 1);
    assert_int_equal(stored(T_RAIL, 1, NULL), 6);
}

/* A member whose stored offsets moved on (another member committed the
 * partition meanwhile) is fenced: FTZ_ERR_FENCED, and nothing of its batch
 * is written, not even the partitions whose offsets were right. */
static void test_fenced(void **state) {
    (void)state;
    char before[4096], after[4096], errstr[1024];
    /* The partition's new owner commits [0, 2). */
    add_rail(&batch, 0, -1, 0, "E-1", FTZ_RAIL_DEPARTED);
    add_rail(&batch, 0, -1, 1, "E-2", FTZ_RAIL_DEPARTED);
    commit_ok(&batch);
    snapshot(before, sizeof(before));

    static const struct {
        const char *name;
        int64_t expected; /* what the stale member thinks is stored */
    } cases[] = {{"unset", -1}, {"behind", 0}, {"ahead", 5}};
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(cases); i++) {
        ftz_batch_clear(&batch);
        int64_t first = cases[i].expected < 0 ? 0 : cases[i].expected;
        /* A partition it may still commit, and the one it lost. */
        add_customs(&batch, 3, -1, 0, "D-9", 1, FTZ_STATUS_FILED, FTZ_AREA_YINGKOU, 500);
        add_rail(&batch, 0, cases[i].expected, first, "E-7", FTZ_RAIL_DEPARTED);
        add_dead(&batch, T_RAIL, 0, cases[i].expected, first + 1, "bad");
        ftz_err_t err = commit(&batch, errstr, sizeof(errstr));
        if (err != FTZ_ERR_FENCED)
            fail_msg("%s: commit returned %s (%s), want FTZ_ERR_FENCED", cases[i].name,
                     ftz_err_name(err), errstr);
        assert_non_null(strstr(errstr, "another consumer has taken the partition"));
        snapshot(after, sizeof(after));
        if (strcmp(before, after) != 0)
            fail_msg("%s: a fenced batch changed the database:\n before %s\n after  %s",
                     cases[i].name, before, after);
    }
    assert_int_equal(stored(T_RAIL, 0, NULL), 2);
    assert_int_equal(stored(T_CUSTOMS, 3, NULL), -1);
    /* The sink is fine after a fence: the owner's next batch lands. */
    ftz_batch_clear(&batch);
    add_rail(&batch, 0, 2, 2, "E-3", FTZ_RAIL_DEPARTED);
    commit_ok(&batch);
    assert_int_equal(q_int("SELECT sum(departures) FROM ftz.rail_daily"), 3);
    assert_int_equal(stored(T_RAIL, 0, NULL), 3);
}

/* The sink's connection is killed halfway through a batch (its rail
 * statement waits on a table lock, after the offsets and customs were
 * written in the transaction): FTZ_ERR_RETRIABLE, nothing landed; the
 * redo of the same batch reconnects and counts it once; a second redo is
 * fenced. */
static void test_killed_mid_batch(void **state) {
    (void)state;
    char errstr[1024], before[4096], after[4096], why[512];
    add_customs(&batch, 0, -1, 0, "D-1", 1, FTZ_STATUS_FILED, FTZ_AREA_SHENYANG, 1000);
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof(id), "E-%d", i);
        add_rail(&batch, 0, -1, i, id, FTZ_RAIL_DEPARTED);
    }
    add_dead(&batch, T_RAIL, 0, -1, 10, "bad");
    snapshot(before, sizeof(before));

    PGconn *blocker = connect_db(TEST_DB, why, sizeof(why));
    if (!blocker)
        fail_msg("%s", why);
    exec_ok(blocker, "BEGIN");
    exec_ok(blocker, "LOCK TABLE ftz.rail_daily IN EXCLUSIVE MODE");
    ftz_err_t err = ftz_sink_send(sink, &batch, errstr, sizeof(errstr));
    if (err) {
        PQfinish(blocker);
        fail_msg("send: %s: %s", ftz_err_name(err), errstr);
    }
    int pid = backend_waiting("wait_event_type = 'Lock'");
    terminate(pid);
    exec_ok(blocker, "ROLLBACK");
    PQfinish(blocker);
    err = ftz_sink_finish(sink, &batch, errstr, sizeof(errstr));
    if (err != FTZ_ERR_RETRIABLE)
        fail_msg("killed mid-batch: %s (%s), want FTZ_ERR_RETRIABLE", ftz_err_name(err), errstr);
    snapshot(after, sizeof(after));
    if (strcmp(before, after) != 0)
        fail_msg("a batch killed mid-way changed the database:\n before %s\n after  %s", before,
                 after);

    /* The redo, as the consumer does it: the same batch again. */
    commit_ok(&batch);
    assert_int_equal(ftz_sink_reconnects(sink), 1);
    assert_int_equal(q_int("SELECT sum(declarations) FROM ftz.customs_daily"), 1);
    assert_int_equal(q_int("SELECT sum(departures) FROM ftz.rail_daily"), 10);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.rail_events"), 10);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.dead_letters"), 1);
    assert_int_equal(stored(T_RAIL, 0, NULL), 11);
    assert_int_equal(stored(T_CUSTOMS, 0, NULL), 1);
    /* A second redo of a batch that landed is fenced: counted once. */
    snapshot(before, sizeof(before));
    err = commit(&batch, errstr, sizeof(errstr));
    if (err != FTZ_ERR_FENCED)
        fail_msg("redo of a landed batch: %s (%s), want FTZ_ERR_FENCED", ftz_err_name(err),
                 errstr);
    snapshot(after, sizeof(after));
    assert_string_equal(before, after);
}

/* The connection is killed while COMMIT runs (a deferred constraint
 * trigger holds it there): the outcome is unknown to the client, which
 * reconnects, reads the stored offsets back, finds the batch did not land,
 * and redoes it inside the same call (the trigger is gone by then): it
 * lands, counted once. */
static void test_killed_during_commit(void **state) {
    (void)state;
    char errstr[1024];
    exec_ok(admin, "CREATE FUNCTION public.slow_commit() RETURNS trigger LANGUAGE plpgsql"
                   " SET search_path = '' AS $$ BEGIN PERFORM pg_catalog.pg_sleep(30);"
                   " RETURN NULL; END $$");
    exec_ok(admin, "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON ftz.rail_events"
                   " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                   " EXECUTE FUNCTION public.slow_commit()");
    add_rail(&batch, 2, -1, 0, "E-1", FTZ_RAIL_DEPARTED);
    add_rail(&batch, 2, -1, 1, "E-2", FTZ_RAIL_DEPARTED);
    add_registration(&batch, 0, -1, 0, "91210200MA0000001X");
    ftz_err_t err = ftz_sink_send(sink, &batch, errstr, sizeof(errstr));
    if (err)
        fail_msg("send: %s: %s", ftz_err_name(err), errstr);
    int pid = backend_waiting("wait_event = 'PgSleep'");
    terminate(pid);
    /* Waits for the killed transaction's locks to go. */
    exec_ok(admin, "DROP TRIGGER slow_commit ON ftz.rail_events");
    exec_ok(admin, "DROP FUNCTION public.slow_commit()");
    int64_t start = now_ms();
    err = ftz_sink_finish(sink, &batch, errstr, sizeof(errstr));
    if (err)
        fail_msg("killed during COMMIT: %s (%s), want it redone", ftz_err_name(err), errstr);
    /* Not the 30 s sleep: the first attempt was really cut short. */
    if (now_ms() - start > 10000)
        fail_msg("the commit took %" PRId64 " ms: the kill did not end it", now_ms() - start);
    assert_int_equal(ftz_sink_reconnects(sink), 1);
    assert_int_equal(q_int("SELECT sum(departures) FROM ftz.rail_daily"), 2);
    assert_int_equal(q_int("SELECT count(*) FROM ftz.rail_events"), 2);
    assert_int_equal(q_int("SELECT sum(companies) FROM ftz.registrations_monthly"), 1);
    assert_int_equal(stored(T_RAIL, 2, NULL), 2);
    assert_int_equal(stored(T_REG, 0, NULL), 1);
}

/* Customs revisions: the highest revision of a declaration counts, once,
 * wherever its revisions arrive (one batch or several, in any order); a
 * lower or equal one later changes nothing; a new revision moves the
 * count (retracting the old one's); CANCELLED counts nowhere. Batches one
 * after the other, each with the customs_daily rows it must leave (area,
 * declarations, value, cleared, held; rows all zero left out). */
typedef struct customs_msg_s {
    int32_t part;
    int64_t expected, off;
    const char *id;
    int32_t revision;
    ftz_customs_status_t status;
    ftz_area_t area;
    int64_t value_fen;
} customs_msg_t;

static void test_customs_revisions(void **state) {
    (void)state;
    static const struct {
        const char *what;
        customs_msg_t msgs[5];
        const char *rows;
    } steps[] = {
        {"revisions 1, 3, 2 of D-1 over two partitions; D-2 redelivered",
         {{0, -1, 0, "D-1", 1, FTZ_STATUS_FILED, FTZ_AREA_SHENYANG, 100},
          {1, -1, 0, "D-1", 3, FTZ_STATUS_CLEARED, FTZ_AREA_SHENYANG, 300},
          {0, -1, 1, "D-1", 2, FTZ_STATUS_HELD, FTZ_AREA_SHENYANG, 200},
          {0, -1, 2, "D-2", 1, FTZ_STATUS_FILED, FTZ_AREA_YINGKOU, 1000},
          {1, -1, 1, "D-2", 1, FTZ_STATUS_FILED, FTZ_AREA_YINGKOU, 1000}},
         "SHENYANG,1,3.00,1,0;YINGKOU,1,10.00,0,0"},
        {"late revisions 2 and 3 of D-1 again: nothing changes",
         {{0, 3, 3, "D-1", 2, FTZ_STATUS_HELD, FTZ_AREA_SHENYANG, 200},
          {1, 2, 2, "D-1", 3, FTZ_STATUS_HELD, FTZ_AREA_DALIAN, 999}},
         "SHENYANG,1,3.00,1,0;YINGKOU,1,10.00,0,0"},
        {"revision 4 moves D-1 to Dalian, held: Shenyang's counts retracted",
         {{0, 4, 4, "D-1", 4, FTZ_STATUS_HELD, FTZ_AREA_DALIAN, 400}},
         "DALIAN,1,4.00,0,1;YINGKOU,1,10.00,0,0"},
        {"revision 5 cancels D-1; D-2's revision 2 replaces its first",
         {{0, 5, 5, "D-1", 5, FTZ_STATUS_CANCELLED, FTZ_AREA_DALIAN, 400},
          {0, 5, 6, "D-2", 2, FTZ_STATUS_CLEARED, FTZ_AREA_YINGKOU, 2000}},
         "YINGKOU,1,20.00,1,0"},
        {"a late revision 4 of D-1 after the cancellation: nothing changes",
         {{1, 3, 3, "D-1", 4, FTZ_STATUS_HELD, FTZ_AREA_DALIAN, 400}},
         "YINGKOU,1,20.00,1,0"},
    };
    char buf[512];
    for (size_t i = 0; i < FTZ_ARRAY_SIZE(steps); i++) {
        ftz_batch_clear(&batch);
        for (size_t k = 0; k < 5 && steps[i].msgs[k].id; k++) {
            const customs_msg_t *m = &steps[i].msgs[k];
            add_customs(&batch, m->part, m->expected, m->off, m->id, m->revision, m->status,
                        m->area, m->value_fen);
        }
        commit_ok(&batch);
        q_text("SELECT coalesce(string_agg(concat_ws(',', area, declarations,"
               " declared_value_cny, cleared, held), ';' ORDER BY area), '')"
               " FROM ftz.customs_daily WHERE declarations <> 0 OR cleared <> 0"
               " OR held <> 0 OR declared_value_cny <> 0",
               buf, sizeof(buf));
        if (strcmp(buf, steps[i].rows) != 0)
            fail_msg("%s: customs_daily holds %s, want %s", steps[i].what, buf, steps[i].rows);
    }
    assert_int_equal(q_int("SELECT revision FROM ftz.customs_declarations"
                           " WHERE declaration_id = 'D-2'"),
                     2);
    assert_int_equal(q_int("SELECT sum(declarations) FROM ftz.customs_daily"), 1);
    assert_int_equal(stored(T_CUSTOMS, 0, NULL), 7);
    assert_int_equal(stored(T_CUSTOMS, 1, NULL), 4);
}

/* ------------------------------------------------------------ fixtures */

/* Empty tables and a new sink before each test. */
static int setup_test(void **state) {
    (void)state;
    char errstr[1024];
    ftz_batch_init(&batch);
    PGresult *res = PQexec(admin, "TRUNCATE ftz.customs_daily, ftz.customs_declarations,"
                                  " ftz.rail_daily, ftz.rail_events, ftz.registrations_monthly,"
                                  " ftz.companies, ftz.consumer_offsets, ftz.dead_letters,"
                                  " ftz.offset_moves, ftz.topic_groups");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "truncate: %s", PQresultErrorMessage(res));
    PQclear(res);
    if (!ok)
        return -1;
    ftz_sink_conf_t conf = {.conninfo = "dbname=" TEST_DB, .group = GROUP};
    if (!(sink = ftz_sink_new(&conf, errstr, sizeof(errstr)))) {
        fprintf(stderr, "ftz_sink_new: %s\n", errstr);
        return -1;
    }
    return 0;
}

static int teardown_test(void **state) {
    (void)state;
    ftz_sink_destroy(sink);
    sink = NULL;
    ftz_batch_free(&batch);
    return 0;
}

/* Drops the test database (after a run, or one left by a crashed run). */
static int drop_db(PGconn *maint) {
    PGresult *res = PQexec(maint, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "drop database " TEST_DB ": %s", PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

static int setup(void **state) {
    (void)state;
    char why[1024];
    int applied = 0;
    ftz_log_set_callback(quiet_log, NULL);
    PGconn *maint = connect_db(NULL, why, sizeof(why));
    if (!maint) {
        fprintf(stderr, "%s\n", why);
        return -1;
    }
    int rc = drop_db(maint);
    if (!rc) {
        PGresult *res = PQexec(maint, "CREATE DATABASE " TEST_DB);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "create database " TEST_DB ": %s", PQresultErrorMessage(res));
            rc = -1;
        }
        PQclear(res);
    }
    PQfinish(maint);
    if (rc)
        return rc;
    if (!(admin = connect_db(TEST_DB, why, sizeof(why)))) {
        fprintf(stderr, "%s\n", why);
        return -1;
    }
    ftz_err_t err = ftz_pg_migrate(admin, &applied, why, sizeof(why));
    if (err || applied < 1) {
        fprintf(stderr, "migrate " TEST_DB ": %s: %s (%d applied)\n", ftz_err_name(err), why,
                applied);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char why[1024];
    int rc = 0;
    PQfinish(admin);
    admin = NULL;
    PGconn *maint = connect_db(NULL, why, sizeof(why));
    if (maint) {
        rc = drop_db(maint);
        PQfinish(maint);
    }
    ftz_log_set_callback(NULL, NULL);
    return rc;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_each_type, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_fenced, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_killed_mid_batch, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_killed_during_commit, setup_test, teardown_test),
        cmocka_unit_test_setup_teardown(test_customs_revisions, setup_test, teardown_test),
    };
    /* A group setup that fails (PostgreSQL unreachable) must fail the run,
     * whatever cmocka counts. */
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed ? 1 : 0;
}
