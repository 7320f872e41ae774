/* ftz offsets: show | reset | history -- where each consumer group stands
 * in ftz.consumer_offsets against the partitions' logs in Kafka, and the
 * operator's deliberate moves of those positions (lib/src/offsets.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ftz/array.h"
#include "ftz/offsets.h"
#include "ftz/pg.h"
#include "ftz/topics.h"
#include "term_text.h"

#define OFFSETS_KAFKA_TIMEOUT_MS 10000
#define OFFSETS_MAX_TOPICS 16
/* Kafka asked this many times in all when it answers with a retriable error
 * (leader moving, timeout), 200 ms, then 400 ms, ... apart: about 6 s in
 * all, what a single broker took to elect the leaders of 1,500 new
 * partitions. */
#define OFFSETS_ATTEMPTS 6
/* Group and topic names are shown cut to this many bytes (escaped). */
#define OFFSETS_NAME_SHOWN 1024

enum {
    OPT_TOPIC = FTZ_OPT__COMMON_END,
    OPT_PREFIX,
    OPT_PARTITION,
    OPT_TO,
    OPT_REASON,
    OPT_DRY_RUN,
    OPT_LIMIT,
};

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz offsets [show] [-g GROUP] [-t TYPE | --topic TOPIC]...\n"
            "                   [--topic-prefix P]\n"
            "       ftz offsets reset -g GROUP (-t TYPE | --topic TOPIC) [--partition N]\n"
            "                   --to earliest|latest|OFFSET --reason TEXT [--dry-run]\n"
            "       ftz offsets history [-g GROUP] [-t TYPE | --topic TOPIC] [--limit N]\n"
            "\n"
            "`ftz aggregate` starts each partition at the next offset its group stored\n"
            "in PostgreSQL (ftz.consumer_offsets), never at Kafka's committed offsets.\n"
            "This command compares those positions with the partitions' logs in Kafka\n"
            "and moves them on purpose, recording every move.\n"
            "\n"
            "  show      (the default) a line per stored (group, topic, partition), and\n"
            "            per partition of those topics with nothing stored: the stored\n"
            "            next offset (\"-\": none), the log's first and end offsets in\n"
            "            Kafka, lag (end - stored) and a status:\n"
            "              ok                the stored offset is within the log\n"
            "              behind log start  records [stored, start) were deleted (by\n"
            "                                retention) before being counted\n"
            "              past log end      the log was deleted and re-created, or\n"
            "                                truncated, under the stored offset\n"
            "              no stored offset  the group starts at the log start\n"
            "            and, when the topic or partition no longer exists, says so;\n"
            "            \"cannot read the log: ERROR\" when Kafka still failed to tell\n"
            "            the partition's offsets after a few tries. Control characters\n"
            "            in names are shown as \\xNN.\n"
            "            Default: every group, every stored topic under the prefix.\n"
            "  reset     moves GROUP's stored next offset of every partition of the\n"
            "            topic (or of partition N) to the log start (earliest), the\n"
            "            log end (latest) or OFFSET (within [log start, log end]), all\n"
            "            in one transaction, and records each move in ftz.offset_moves\n"
            "            with the reason, who (OS user@host, PostgreSQL user) and when.\n"
            "            Prints `TOPIC [N]: FROM -> TO (earliest)` per partition.\n"
            "            Moving back is safe for the counts: the records are read again\n"
            "            and the state tables count each customs revision, rail event_id\n"
            "            and USCC once. Moving forward skips records: they are never\n"
            "            counted. A running member of the group notices the move at its\n"
            "            next commit (its compare-and-set fails, it re-reads the stored\n"
            "            offsets and seeks there). Refused for a second group on a\n"
            "            topic this database already holds another group's offsets for.\n"
            "  history   the recorded moves, newest first: when, group, topic\n"
            "            [partition], from -> to, kind (reset, or gap_skip by the\n"
            "            consumer), the log [start, end) then, who, and why\n"
            "\n"
            "Options:\n"
            "  -g, --group GROUP     consumer group (reset: required)\n"
            "  -t, --type TYPE       the topic of customs, rail or registration records\n"
            "                        (with the prefix); show: repeatable\n"
            "      --topic TOPIC     a topic by its full name; show: repeatable\n"
            "      --topic-prefix P  prefix of the types' topics, and of the stored\n"
            "                        topics shown by default (default: $FTZ_TOPIC_PREFIX,\n"
            "                        else none)\n"
            "      --partition N     reset: only partition N\n"
            "      --to WHERE        reset: earliest, latest or an offset\n"
            "      --reason TEXT     reset: why (required; recorded with the move)\n"
            "      --dry-run         reset: print the moves, write nothing\n"
            "      --limit N         history: at most N lines (default 100; 0: all)\n"
            "\n" FTZ_CLI_COMMON_HELP
            "\n"
            "Example:\n"
            "  ftz offsets -g ftz-aggregate\n"
            "  ftz offsets reset -g ftz-aggregate -t customs --partition 2 --to earliest \\\n"
            "      --reason \"count again after restoring customs_daily from backup\"\n"
            "\n"
            "Exit status:\n"
            "  0  success (show: every partition read, every stored offset in range)\n"
            "  1  failure\n"
            "  2  usage error\n"
            "  3  show: some stored offset is outside its partition's log, or its topic\n"
            "     or partition no longer exists\n"
            "  4  show: no offset out of range, but the log of some partition could not\n"
            "     be read from Kafka (its status says why); the others are shown\n");
}

typedef struct opts_s {
    const char *group;
    const char *topics[OFFSETS_MAX_TOPICS]; /* borrowed from argv or names */
    char names[OFFSETS_MAX_TOPICS][FTZ_TOPIC_MAX + 1];
    int n_topics;
    const char *prefix; /* --topic-prefix; NULL: environment */
    int32_t partition;  /* -1: all */
    const char *to;
    const char *reason;
    int dry_run;
    char limit[24];
} opts_t;

/* A non-negative integer, the whole string. */
static int parse_i64(const char *s, int64_t *out) {
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int need_tables(PGconn *conn, const char *const *tables) {
    char errstr[512];
    for (size_t i = 0; tables[i]; i++) {
        const char *params[1] = {tables[i]};
        PGresult *res = PQexecParams(conn, "SELECT pg_catalog.to_regclass($1)", 1, NULL, params,
                                     NULL, NULL, 0);
        ftz_err_t err =
            ftz_pg_check(conn, res, PGRES_TUPLES_OK, "check tables", errstr, sizeof(errstr));
        int missing = !err && PQgetisnull(res, 0, 0);
        PQclear(res);
        if (err) {
            ftz_cli_error("offsets", NULL, "%s", errstr);
            return -1;
        }
        if (missing) {
            ftz_cli_error("offsets", "Run \"ftz db migrate\" first", "table %s does not exist",
                          tables[i]);
            return -1;
        }
    }
    return 0;
}

static void fmt_i64(char *out, size_t out_size, int64_t v) {
    if (v < 0)
        snprintf(out, out_size, "-");
    else
        snprintf(out, out_size, "%" PRId64, v);
}

/* ---------------------------------------------------------------- show */

typedef struct row_s {
    const char *group, *topic;
    int32_t partition;
    int count;                  /* the topic's partitions in Kafka; 0: no topic */
    int64_t stored, start, end; /* -1: none / unknown */
    const char *status; /* NULL: status_buf (rows move when sorted: no
                         * pointer into a row) */
    char status_buf[96];
    char cols[4][24]; /* stored, start, end, lag as printed */
    int bad;        /* out of range, or the topic or partition is gone */
    int unreadable; /* the partition's log could not be read */
} row_t;

typedef struct rows_s {
    row_t *v;
    size_t n, cap;
} rows_t;

static row_t *rows_add(rows_t *rows) {
    if (FTZ_ARRAY_GROW(rows->v, rows->cap, rows->n + 1))
        return NULL;
    row_t *r = &rows->v[rows->n++];
    memset(r, 0, sizeof(*r));
    r->stored = r->start = r->end = -1;
    return r;
}

static int row_cmp(const void *a, const void *b) {
    const row_t *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (!c)
        c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Whether rows[0 .. n), sorted by row_cmp, hold (group, topic, partition). */
static int has_row(const rows_t *rows, size_t n, const char *group, const char *topic,
                   int32_t partition) {
    row_t key = {.group = group, .topic = topic, .partition = partition};
    return n && bsearch(&key, rows->v, n, sizeof(*rows->v), row_cmp) != NULL;
}

static int log_cmp(const void *a, const void *b) {
    const ftz_offsets_log_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Partition counts per topic, asked once each. */
typedef struct topic_info_s {
    const char *topic;
    int count; /* 0: the topic does not exist */
} topic_info_t;

static int topic_partitions(rd_kafka_t *rk, topic_info_t **infos, size_t *n_infos,
                            const char *topic, int *count) {
    char errstr[512];
    ftz_err_t err = FTZ_OK;
    for (size_t i = 0; i < *n_infos; i++)
        if (strcmp((*infos)[i].topic, topic) == 0) {
            *count = (*infos)[i].count;
            return 0;
        }
    /* Metadata right after topics were created may still lack leaders. */
    for (int attempt = 0; attempt < OFFSETS_ATTEMPTS; attempt++) {
        if (attempt)
            usleep((useconds_t)(100 << attempt) * 1000); /* 200 ms, 400 ms, ... */
        err = ftz_offsets_partition_count(rk, topic, count, OFFSETS_KAFKA_TIMEOUT_MS, errstr,
                                          sizeof(errstr));
        if (err != FTZ_ERR_RETRIABLE)
            break;
    }
    if (err && *count != 0) {
        ftz_cli_error("offsets", NULL, "%s", errstr);
        return -1;
    }
    topic_info_t *v = realloc(*infos, (*n_infos + 1) * sizeof(**infos));
    if (!v) {
        ftz_cli_error("offsets", NULL, "out of memory");
        return -1;
    }
    *infos = v;
    v[*n_infos].topic = topic;
    v[*n_infos].count = *count;
    (*n_infos)++;
    return 0;
}

/* Every row's log start and end, asked of Kafka for all partitions at once
 * (each once, however many groups have rows on it), and its status. */
static int read_logs(rd_kafka_t *rk, rows_t *rows) {
    ftz_offsets_log_t *logs = calloc(rows->n ? rows->n : 1, sizeof(*logs));
    size_t n = 0;
    char errstr[512];
    int rc = -1;

    if (!logs) {
        ftz_cli_error("offsets", NULL, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < rows->n; i++) {
        const row_t *row = &rows->v[i];
        if (row->count > 0 && row->partition < row->count)
            logs[n++] = (ftz_offsets_log_t){.topic = row->topic, .partition = row->partition};
    }
    qsort(logs, n, sizeof(*logs), log_cmp);
    size_t u = 0; /* distinct (topic, partition) */
    for (size_t i = 0; i < n; i++)
        if (u == 0 || log_cmp(&logs[u - 1], &logs[i]) != 0)
            logs[u++] = logs[i];
    if (u && ftz_offsets_logs(rk, logs, u, OFFSETS_KAFKA_TIMEOUT_MS, OFFSETS_ATTEMPTS, errstr,
                              sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("offsets", NULL, "%s", errstr);
        goto cleanup;
    }
    for (size_t i = 0; i < rows->n; i++) {
        row_t *row = &rows->v[i];
        row->status = NULL;
        if (row->count == 0 || row->partition >= row->count) {
            row->bad = 1;
            if (row->count == 0)
                snprintf(row->status_buf, sizeof(row->status_buf),
                         "topic does not exist in Kafka");
            else
                snprintf(row->status_buf, sizeof(row->status_buf),
                         "partition does not exist in Kafka (the topic has %d)", row->count);
            continue;
        }
        ftz_offsets_log_t key = {.topic = row->topic, .partition = row->partition};
        const ftz_offsets_log_t *log = bsearch(&key, logs, u, sizeof(*logs), log_cmp);
        if (log->err) {
            row->unreadable = 1;
            snprintf(row->status_buf, sizeof(row->status_buf), "cannot read the log: %s",
                     rd_kafka_err2str(log->err));
            continue;
        }
        row->start = log->log_start;
        row->end = log->log_end;
        ftz_offset_range_t range = ftz_offsets_classify(row->stored, row->start, row->end);
        row->bad = range == FTZ_OFFSET_BEHIND_START || range == FTZ_OFFSET_PAST_END;
        row->status = ftz_offsets_range_text(range);
    }
    rc = 0;
cleanup:
    free(logs);
    return rc;
}

/* The table, columns as wide as their widest value; group and topic come
 * from the database, so control characters in them are shown escaped. */
static void print_rows(rows_t *rows) {
    static const char *const head[8] = {"group",     "topic",   "partition", "stored",
                                        "log start", "log end", "lag",       "status"};
    size_t w[7];
    char group[OFFSETS_NAME_SHOWN], topic[OFFSETS_NAME_SHOWN], part[16];

    for (int c = 0; c < 7; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < rows->n; i++) {
        row_t *row = &rows->v[i];
        fmt_i64(row->cols[0], sizeof(row->cols[0]), row->stored);
        fmt_i64(row->cols[1], sizeof(row->cols[1]), row->start);
        fmt_i64(row->cols[2], sizeof(row->cols[2]), row->end);
        fmt_i64(row->cols[3], sizeof(row->cols[3]), -1);
        if (row->end >= 0)
            snprintf(row->cols[3], sizeof(row->cols[3]), "%" PRId64,
                     row->end - (row->stored >= 0 ? row->stored : row->start));
        snprintf(part, sizeof(part), "%d", (int)row->partition);
        size_t len[7] = {ftz_term_width(ftz_term_printable(row->group, group, sizeof(group))),
                         ftz_term_width(ftz_term_printable(row->topic, topic, sizeof(topic))),
                         strlen(part), strlen(row->cols[0]), strlen(row->cols[1]),
                         strlen(row->cols[2]), strlen(row->cols[3])};
        for (int c = 0; c < 7; c++)
            w[c] = len[c] > w[c] ? len[c] : w[c];
    }
    for (int c = 0; c < 8; c++)
        ftz_term_cell(stdout, head[c], c < 7 ? w[c] : 0, c >= 2 && c < 7, c == 0);
    putchar('\n');
    for (size_t i = 0; i < rows->n; i++) {
        const row_t *row = &rows->v[i];
        snprintf(part, sizeof(part), "%d", (int)row->partition);
        const char *cell[8] = {ftz_term_printable(row->group, group, sizeof(group)),
                               ftz_term_printable(row->topic, topic, sizeof(topic)),
                               part, row->cols[0], row->cols[1], row->cols[2], row->cols[3],
                               row->status ? row->status : row->status_buf};
        for (int c = 0; c < 8; c++)
            ftz_term_cell(stdout, cell[c], c < 7 ? w[c] : 0, c >= 2 && c < 7, c == 0);
        putchar('\n');
    }
}

static int run_show(PGconn *conn, rd_kafka_t *rk, const opts_t *o) {
    static const char sql[] =
        "SELECT consumer_group, topic, partition, next_offset FROM ftz.consumer_offsets"
        " WHERE ($1::text IS NULL OR consumer_group = $1)"
        " AND ($2::text IS NULL OR topic = $2) AND starts_with(topic, $3)";
    PGresult *res[OFFSETS_MAX_TOPICS] = {0};
    int n_res = o->n_topics ? o->n_topics : 1;
    rows_t rows = {0};
    topic_info_t *infos = NULL;
    size_t n_infos = 0;
    int rc = FTZ_EXIT_FAILURE, any_bad = 0, any_unreadable = 0;
    char errstr[512];

    /* The stored rows. */
    for (int i = 0; i < n_res; i++) {
        const char *params[3] = {o->group, o->n_topics ? o->topics[i] : NULL,
                                 o->n_topics ? "" : ftz_topic_prefix(o->prefix)};
        res[i] = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
        if (ftz_pg_check(conn, res[i], PGRES_TUPLES_OK, "read stored offsets", errstr,
                         sizeof(errstr)) != FTZ_OK) {
            ftz_cli_error("offsets", NULL, "%s", errstr);
            goto cleanup;
        }
        for (int r = 0; r < PQntuples(res[i]); r++) {
            row_t *row = rows_add(&rows);
            if (!row)
                goto nomem;
            row->group = PQgetvalue(res[i], r, 0);
            row->topic = PQgetvalue(res[i], r, 1);
            row->partition = (int32_t)atoi(PQgetvalue(res[i], r, 2));
            row->stored = strtoll(PQgetvalue(res[i], r, 3), NULL, 10);
        }
    }
    /* Sorted here, byte-wise (the database's collation may differ): the
     * (group, topic) runs below, and has_row's binary search, need it. */
    size_t n_stored = rows.n;
    if (n_stored)
        qsort(rows.v, n_stored, sizeof(*rows.v), row_cmp);

    /* Every partition of the topics shown, for each group shown on them;
     * a topic named on the command line with no rows is shown for -g (or
     * no group). */
    for (size_t i = 0; i < n_stored + (size_t)o->n_topics; i++) {
        const char *group, *topic;
        size_t run_end = i + 1; /* the stored rows of this (group, topic) */
        if (i < n_stored) {
            if (i > 0 && strcmp(rows.v[i - 1].group, rows.v[i].group) == 0 &&
                strcmp(rows.v[i - 1].topic, rows.v[i].topic) == 0)
                continue; /* this (group, topic) is done */
            group = rows.v[i].group;
            topic = rows.v[i].topic;
            while (run_end < n_stored && strcmp(rows.v[run_end].group, group) == 0 &&
                   strcmp(rows.v[run_end].topic, topic) == 0)
                run_end++;
        } else {
            topic = o->topics[i - n_stored];
            int seen = 0;
            for (size_t j = 0; j < n_stored && !seen; j++)
                seen = strcmp(rows.v[j].topic, topic) == 0;
            if (seen)
                continue;
            group = o->group ? o->group : "-";
        }
        int count;
        if (topic_partitions(rk, &infos, &n_infos, topic, &count))
            goto cleanup;
        if (count == 0 && i >= n_stored) {
            ftz_cli_error("offsets", NULL, "topic %s does not exist in Kafka", topic);
            goto cleanup;
        }
        for (size_t j = i; j < run_end && i < n_stored; j++)
            rows.v[j].count = count;
        for (int32_t p = 0; p < count; p++) {
            if (has_row(&rows, n_stored, group, topic, p))
                continue;
            row_t *row = rows_add(&rows);
            if (!row)
                goto nomem;
            row->group = group;
            row->topic = topic;
            row->partition = p;
            row->count = count;
        }
    }
    if (rows.n == 0) {
        ftz_cli_info("offsets", "no stored offsets%s%s%s", o->group ? " of group " : "",
                     o->group ? o->group : "", o->n_topics ? "" : " (nothing aggregated yet?)");
        rc = FTZ_EXIT_OK;
        goto cleanup;
    }

    /* The logs in Kafka, and each row's status. */
    if (read_logs(rk, &rows))
        goto cleanup;
    qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
    print_rows(&rows);
    for (size_t i = 0; i < rows.n; i++) {
        any_bad |= rows.v[i].bad;
        any_unreadable |= rows.v[i].unreadable;
    }
    if (fflush(stdout) != 0) {
        ftz_cli_error("offsets", NULL, "write failed");
        goto cleanup;
    }
    if (any_bad)
        ftz_cli_error("offsets", "See \"ftz offsets --help\" and docs/operations.md",
                      "some stored offsets are outside their partition's log");
    if (any_unreadable)
        ftz_cli_error("offsets", "Try again; see the status column",
                      "the log of some partitions could not be read from Kafka");
    rc = any_bad ? FTZ_EXIT_OUT_OF_RANGE : any_unreadable ? FTZ_EXIT_UNREADABLE : FTZ_EXIT_OK;
    goto cleanup;
nomem:
    ftz_cli_error("offsets", NULL, "out of memory");
cleanup:
    free(infos);
    free(rows.v);
    for (int i = 0; i < n_res; i++)
        PQclear(res[i]);
    return rc;
}

/* ---------------------------------------------------------------- reset */

typedef struct plan_s {
    int32_t partition;
    int64_t start, end, from, to;
} plan_t;

static void print_move(const char *topic, const plan_t *m, const char *to_spec) {
    char from[24];
    fmt_i64(from, sizeof(from), m->from);
    /* Where the group would have read from: nothing stored means the log start. */
    int64_t was = m->from >= 0 ? m->from : m->start;
    printf("%s [%d]: %s -> %" PRId64 " (%s)", topic, (int)m->partition, from, m->to, to_spec);
    if (m->from == m->to)
        printf(": unchanged\n");
    else if (m->to > was)
        printf(": skips offsets [%" PRId64 ", %" PRId64 "), never counted\n", was, m->to);
    else if (m->to < was)
        printf(": reads offsets [%" PRId64 ", %" PRId64 ") again\n", m->to, was);
    else
        printf("\n");
}

static int run_reset(PGconn *conn, rd_kafka_t *rk, const opts_t *o) {
    const char *topic = o->topics[0];
    const char *spec = o->to;
    int64_t explicit_to = -1;
    plan_t *plan = NULL;
    ftz_offsets_log_t *logs = NULL;
    int n = 0, count, rc = FTZ_EXIT_FAILURE, in_tx = 0;
    char errstr[512];
    ftz_err_t err;

    if (strcmp(spec, "earliest") != 0 && strcmp(spec, "latest") != 0) {
        parse_i64(spec, &explicit_to); /* checked when the options were read */
        spec = "offset";
    }
    err = ftz_offsets_partition_count(rk, topic, &count, OFFSETS_KAFKA_TIMEOUT_MS, errstr,
                                      sizeof(errstr));
    if (err) {
        ftz_cli_error("offsets reset", NULL, "%s", errstr);
        goto cleanup;
    }
    if (o->partition >= count) {
        ftz_cli_error("offsets reset", NULL, "%s has %d partition%s (0 to %d), not %d", topic,
                      count, count == 1 ? "" : "s", count - 1, (int)o->partition);
        goto cleanup;
    }
    if ((err = ftz_offsets_check_group(conn, o->group, topic, errstr, sizeof(errstr)))) {
        ftz_cli_error("offsets reset", NULL, "%s", errstr);
        goto cleanup;
    }
    if (!(plan = calloc((size_t)count, sizeof(*plan))) ||
        !(logs = calloc((size_t)count, sizeof(*logs)))) {
        ftz_cli_error("offsets reset", NULL, "out of memory");
        goto cleanup;
    }
    /* Every target first: nothing is written unless all are valid. */
    for (int32_t p = 0; p < count; p++)
        if (o->partition < 0 || p == o->partition)
            logs[n++] = (ftz_offsets_log_t){.topic = topic, .partition = p};
    if ((err = ftz_offsets_logs(rk, logs, (size_t)n, OFFSETS_KAFKA_TIMEOUT_MS, OFFSETS_ATTEMPTS,
                                errstr, sizeof(errstr)))) {
        ftz_cli_error("offsets reset", NULL, "%s", errstr);
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        plan_t *m = &plan[i];
        int32_t p = m->partition = logs[i].partition;
        if (logs[i].err) {
            ftz_cli_error("offsets reset",
                          ftz_offsets_kafka_class(logs[i].err) == FTZ_ERR_RETRIABLE ? "Try again"
                                                                                    : NULL,
                          "%s [%d]: cannot read the log's first and end offsets: %s; nothing "
                          "was moved",
                          topic, (int)p, rd_kafka_err2str(logs[i].err));
            goto cleanup;
        }
        m->start = logs[i].log_start;
        m->end = logs[i].log_end;
        m->to = spec[0] == 'e' ? m->start : spec[0] == 'l' ? m->end : explicit_to;
        if (m->to < m->start || m->to > m->end) {
            char hint[128];
            ftz_fmt(hint, sizeof(hint),
                    "Choose one from %" PRId64 " to %" PRId64 " (the end), or earliest or latest",
                    m->start, m->end);
            ftz_cli_error("offsets reset", hint,
                          "offset %" PRId64 " is outside the log of %s [%d], which holds offsets "
                          "[%" PRId64 ", %" PRId64 ")",
                          m->to, topic, (int)p, m->start, m->end);
            goto cleanup;
        }
    }

    if (o->dry_run) {
        for (int i = 0; i < n; i++) {
            if ((err = ftz_offsets_load(conn, o->group, topic, plan[i].partition, 0,
                                        &plan[i].from, errstr, sizeof(errstr)))) {
                ftz_cli_error("offsets reset", NULL, "%s", errstr);
                goto cleanup;
            }
            print_move(topic, &plan[i], spec);
        }
        ftz_cli_info("offsets reset", "dry run: nothing was written");
        rc = FTZ_EXIT_OK;
        goto cleanup;
    }

    /* One transaction for every partition: each row is locked, read, moved
     * and recorded, in partition order (the consumer's commit order, so
     * the two cannot deadlock). */
    if ((err = ftz_pg_exec(conn, "BEGIN", "begin", errstr, sizeof(errstr)))) {
        ftz_cli_error("offsets reset", NULL, "%s", errstr);
        goto cleanup;
    }
    in_tx = 1;
    for (int i = 0; i < n; i++) {
        plan_t *m = &plan[i];
        if ((err = ftz_offsets_load(conn, o->group, topic, m->partition, 1, &m->from, errstr,
                                    sizeof(errstr))))
            goto failed;
        if (m->from == m->to)
            continue;
        ftz_offset_move_t mv = {
            .group = o->group, .topic = topic, .partition = m->partition,
            .expected_from = m->from, .to_offset = m->to, .kind = FTZ_OFFSET_MOVE_RESET,
            .reason = o->reason, .log_start = m->start, .log_end = m->end,
        };
        if ((err = ftz_offsets_move(conn, &mv, errstr, sizeof(errstr))))
            goto failed;
    }
    if ((err = ftz_pg_exec(conn, "COMMIT", "commit", errstr, sizeof(errstr)))) {
        in_tx = 0;
        if (PQstatus(conn) != CONNECTION_OK) {
            ftz_cli_error("offsets reset", "\"ftz offsets history\" shows whether they did",
                          "%s; the moves may or may not have landed", errstr);
            goto cleanup;
        }
        goto failed;
    }
    in_tx = 0;
    for (int i = 0; i < n; i++)
        print_move(topic, &plan[i], spec);
    rc = FTZ_EXIT_OK;
    goto cleanup;
failed:
    ftz_cli_error("offsets reset",
                  err == FTZ_ERR_FENCED || err == FTZ_ERR_RETRIABLE ? "Try again" : NULL,
                  "%s; nothing was moved", errstr);
cleanup:
    if (in_tx && PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    free(logs);
    free(plan);
    return rc;
}

/* ---------------------------------------------------------------- history */

static int run_history(PGconn *conn, const opts_t *o) {
    static const char sql[] =
        "SELECT to_char(moved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " consumer_group, topic, partition, coalesce(from_offset::text, '-'), to_offset, kind,"
        " coalesce(log_start::text, '?'), coalesce(log_end::text, '?'), moved_by, reason"
        " FROM ftz.offset_moves"
        " WHERE ($1::text IS NULL OR consumer_group = $1)"
        " AND ($2::text IS NULL OR topic = $2) AND starts_with(topic, $3)"
        " ORDER BY moved_at DESC, id DESC LIMIT $4::bigint";
    const char *params[4] = {o->group, o->n_topics ? o->topics[0] : NULL,
                             o->n_topics ? "" : ftz_topic_prefix(o->prefix), o->limit};
    char errstr[512];
    int rc = FTZ_EXIT_FAILURE;
    PGresult *res = PQexecParams(conn, sql, 4, NULL, params, NULL, NULL, 0);

    if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, "read offset moves", errstr, sizeof(errstr))) {
        ftz_cli_error("offsets history", NULL, "%s", errstr);
        goto cleanup;
    }
    /* "WHEN GROUP TOPIC [P] FROM -> TO KIND log [START, END) by WHO: WHY";
     * every value shown escaped (names and reasons are data). */
    static const char *const between[11] = {"", " ", " ", " [", "] ", " -> ", " ",
                                            " log [", ", ", ") by ", ": "};
    for (int r = 0; r < PQntuples(res); r++) {
        for (int c = 0; c < 11; c++) {
            fputs(between[c], stdout);
            ftz_term_put(stdout, PQgetvalue(res, r, c));
        }
        putchar('\n');
    }
    if (fflush(stdout) != 0) {
        ftz_cli_error("offsets history", NULL, "write failed");
        goto cleanup;
    }
    rc = FTZ_EXIT_OK;
cleanup:
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- main */

int ftz_cmd_offsets(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"group", required_argument, NULL, 'g'},
        {"type", required_argument, NULL, 't'},
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"topic-prefix", required_argument, NULL, OPT_PREFIX},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {"to", required_argument, NULL, OPT_TO},
        {"reason", required_argument, NULL, OPT_REASON},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {NULL, 0, NULL, 0},
    };
    static const char *const show_tables[] = {"ftz.consumer_offsets", NULL};
    static const char *const move_tables[] = {"ftz.consumer_offsets", "ftz.offset_moves", NULL};
    ftz_cli_t cli = {0};
    opts_t *o = NULL;
    /* -t names resolved after every option is read: --topic-prefix may come later. */
    const ftz_record_type_t *types[OFFSETS_MAX_TOPICS];
    const char *given[OFFSETS_MAX_TOPICS];
    int n_given = 0, opt, rc = FTZ_EXIT_FAILURE;
    PGconn *conn = NULL;
    rd_kafka_t *rk = NULL;
    char errstr[512];
    int64_t v;

    if (!(o = calloc(1, sizeof(*o)))) {
        ftz_cli_error("offsets", NULL, "out of memory");
        return FTZ_EXIT_FAILURE;
    }
    o->partition = -1;
    snprintf(o->limit, sizeof(o->limit), "100");
    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "g:t:", longopts, help,
                               &rc)) >= 0) {
        switch (opt) {
        case 'g':
            o->group = optarg;
            break;
        case 't':
        case OPT_TOPIC:
            if (n_given == OFFSETS_MAX_TOPICS) {
                rc = ftz_cli_usage_error("offsets", "at most %d topics", OFFSETS_MAX_TOPICS);
                goto cleanup;
            }
            types[n_given] = NULL;
            if (opt == 't' && !(types[n_given] = ftz_record_type_by_name(optarg))) {
                rc = ftz_cli_usage_error("offsets",
                                         "unknown type \"%s\" (customs, rail, registration)",
                                         optarg);
                goto cleanup;
            }
            if (opt == OPT_TOPIC && (!*optarg || strlen(optarg) > FTZ_TOPIC_MAX)) {
                rc = ftz_cli_usage_error("offsets", "--topic: not a topic name: \"%s\"", optarg);
                goto cleanup;
            }
            given[n_given++] = optarg;
            break;
        case OPT_PREFIX:
            o->prefix = optarg;
            break;
        case OPT_PARTITION:
            if (parse_i64(optarg, &v) || v > INT32_MAX) {
                rc = ftz_cli_usage_error("offsets", "--partition: \"%s\" is not a partition",
                                         optarg);
                goto cleanup;
            }
            o->partition = (int32_t)v;
            break;
        case OPT_TO:
            if (strcmp(optarg, "earliest") != 0 && strcmp(optarg, "latest") != 0 &&
                parse_i64(optarg, &v)) {
                rc = ftz_cli_usage_error(
                    "offsets", "--to: expected earliest, latest or an offset, not \"%s\"", optarg);
                goto cleanup;
            }
            o->to = optarg;
            break;
        case OPT_REASON:
            o->reason = optarg;
            break;
        case OPT_DRY_RUN:
            o->dry_run = 1;
            break;
        case OPT_LIMIT:
            if (parse_i64(optarg, &v)) {
                rc = ftz_cli_usage_error("offsets", "--limit: \"%s\" is not a number", optarg);
                goto cleanup;
            }
            snprintf(o->limit, sizeof(o->limit), "%" PRId64, v ? v : INT64_MAX);
            break;
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    for (int i = 0; i < n_given; i++)
        o->topics[i] = types[i] ? ftz_topic_name(o->prefix, types[i]->topic, o->names[i],
                                                 sizeof(o->names[i]))
                                : given[i];
    o->n_topics = n_given;

    const char *action = optind < argc ? argv[optind] : "show";
    if (optind + 1 < argc) {
        rc = ftz_cli_usage_error("offsets", "unexpected argument \"%s\"", argv[optind + 1]);
        goto cleanup;
    }
    int show = strcmp(action, "show") == 0, reset = strcmp(action, "reset") == 0,
        history = strcmp(action, "history") == 0;
    if (!show && !reset && !history) {
        rc = ftz_cli_usage_error("offsets", "expected show, reset or history, not \"%s\"",
                                 action);
        goto cleanup;
    }
    if (!reset && (o->partition >= 0 || o->to || o->reason || o->dry_run)) {
        rc = ftz_cli_usage_error("offsets",
                                 "--partition, --to, --reason and --dry-run are for reset");
        goto cleanup;
    }
    if (history && o->n_topics > 1) {
        rc = ftz_cli_usage_error("offsets", "history: one topic at most");
        goto cleanup;
    }
    if (reset) {
        const char *missing = !o->group       ? "-g GROUP"
                              : !o->n_topics  ? "-t TYPE or --topic TOPIC"
                              : !o->to        ? "--to earliest|latest|OFFSET"
                              : !o->reason    ? "--reason TEXT"
                                              : NULL;
        if (missing) {
            rc = ftz_cli_usage_error("offsets", "reset needs %s", missing);
            goto cleanup;
        }
        if (o->n_topics > 1) {
            rc = ftz_cli_usage_error("offsets", "reset: one topic at a time");
            goto cleanup;
        }
        if (!o->reason[strspn(o->reason, " \t\r\n")]) {
            rc = ftz_cli_usage_error("offsets", "--reason must say why");
            goto cleanup;
        }
    }

    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        ftz_cli_error("offsets", NULL, "%s", errstr);
        goto cleanup;
    }
    if (need_tables(conn, show ? show_tables : move_tables))
        goto cleanup;
    if (history) {
        rc = run_history(conn, o);
        goto cleanup;
    }
    if (!(rk = ftz_offsets_client_new(cli.brokers, &cli.props, errstr, sizeof(errstr)))) {
        ftz_cli_error("offsets", NULL, "%s", errstr);
        goto cleanup;
    }
    rc = show ? run_show(conn, rk, o) : run_reset(conn, rk, o);
cleanup:
    if (rk)
        rd_kafka_destroy(rk);
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    free(o);
    return rc;
}
