/* ftz deadletters: summary | list | export | codes -- the operators' loop over
 * ftz.dead_letters: see what was rejected and why, export the decodable
 * records as JSON lines, fix them, and send them again with ftz produce. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ftz/codec.h"
#include "ftz/json.h"
#include "ftz/pg.h"
#include "ftz/topics.h"
#include "ftz/utf8.h"
#include "ftz/verdict.h"

enum { OPT_CODE = FTZ_OPT__COMMON_END, OPT_SINCE, OPT_LIMIT, OPT_TOPIC, OPT_MARKDOWN };

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz deadletters summary [--since T]\n"
            "       ftz deadletters list [--code C] [--since T] [--topic NAME] [--limit N]\n"
            "       ftz deadletters export [--code C] [--since T] [-t TYPE] > fix.jsonl\n"
            "       ftz deadletters codes [--markdown]\n"
            "\n"
            "  summary   rejected records counted by code, source topic and day\n"
            "            (Asia/Shanghai)\n"
            "  list      one line per rejected record: when, where (topic [partition]\n"
            "            @offset), key, code and reason; newest first. Key bytes that\n"
            "            are not printable UTF-8 (NUL, control characters, invalid\n"
            "            sequences) are shown as \\xNN.\n"
            "  export    the rejected records that still decode (rule failures), as\n"
            "            the plain JSON lines `ftz produce` reads: fix them, then\n"
            "            `ftz produce -t TYPE -f fix.jsonl`. Records that do not decode\n"
            "            are counted on stderr, not exported.\n"
            "  codes     every verdict code: the stage that gives it, where it can\n"
            "            happen (produce, aggregate) and what it means (--markdown:\n"
            "            the table of docs/codes.md)\n"
            "\n"
            "Options:\n"
            "  --code C         only this reason code (e.g. RULE_HS_CODE)\n"
            "  --since T        only rejected at or after T (a date or timestamp)\n"
            "  --topic NAME     only records from this source topic\n"
            "  -t, --type TYPE  export: only this record type (customs, rail,\n"
            "                   registration); needed when the export would mix types\n"
            "  --limit N        list: at most N lines (default 100; 0: all)\n"
            "\n" FTZ_CLI_COMMON_HELP);
}

static const char *where_name(unsigned where) {
    return where == FTZ_AT_BOTH ? "produce, aggregate"
           : where == FTZ_AT_PRODUCER ? "produce"
                                      : "aggregate";
}

/* The table of verdict codes (ftz/verdict.h). */
static void print_codes(int markdown) {
    if (markdown)
        printf("| code | stage | given by | meaning |\n| --- | --- | --- | --- |\n");
    for (int c = 0; c < FTZ_V__COUNT; c++) {
        const ftz_code_info_t *i = ftz_code_info((ftz_code_t)c);
        if (markdown)
            printf("| `%s` | %s | %s | %s |\n", i->code, i->stage, where_name(i->where), i->what);
        else
            printf("%-22s %-7s %-19s %s\n", i->code, i->stage, where_name(i->where), i->what);
    }
}

static const char summary_sql[] =
    "SELECT code, source_topic,"
    " (rejected_at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*)"
    " FROM ftz.dead_letters WHERE ($1::timestamptz IS NULL OR rejected_at >= $1::timestamptz)"
    " GROUP BY 1, 2, 3 ORDER BY 3 DESC, 4 DESC, 1, 2";

static const char list_sql[] =
    "SELECT to_char(rejected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    " source_topic, source_partition, source_offset,"
    " record_key, code, reason"
    " FROM ftz.dead_letters"
    " WHERE ($1::text IS NULL OR code = $1) AND ($2::timestamptz IS NULL OR rejected_at >= $2)"
    " AND ($3::text IS NULL OR source_topic = $3)"
    " ORDER BY rejected_at DESC, id DESC LIMIT $4::bigint";

static const char export_sql[] =
    "SELECT source_topic, source_partition, source_offset, payload, code"
    " FROM ftz.dead_letters"
    " WHERE ($1::text IS NULL OR code = $1) AND ($2::timestamptz IS NULL OR rejected_at >= $2)"
    " AND ($3::text IS NULL OR source_topic = $3)"
    " ORDER BY source_topic, source_partition, source_offset";

/* Longest key shown in a listing, in bytes (the table keeps it whole). */
#define KEY_SHOWN 120

/* A record_key in bytea's text form, as printable UTF-8, cut after
 * KEY_SHOWN bytes with its length said (malloc'd; NULL: out of memory). */
static char *print_key(const char *bytea_text) {
    size_t n = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)bytea_text, &n);
    size_t shown = n > KEY_SHOWN ? KEY_SHOWN : n;
    char *out = raw ? malloc(4 * shown + 48) : NULL;
    if (out) {
        size_t len = ftz_utf8_sanitize(out, 4 * shown + 1, (const char *)raw, shown);
        if (shown < n)
            snprintf(out + len, 48, "...(%zu bytes)", n);
    }
    PQfreemem(raw);
    return out;
}

static int run_export(PGconn *conn, const char *const *params, const char *type) {
    char errstr[512];
    int rc = FTZ_EXIT_FAILURE;
    unsigned long exported = 0, undecodable = 0, other_type = 0;
    const ftz_record_type_t *want = NULL, *seen = NULL;
    ftz_catalog_t *cat = NULL;
    ftz_decoder_t *dec = NULL;
    ftz_buf_t line = FTZ_BUF_INIT;
    /* Binary results: payload is bytea. */
    PGresult *res = PQexecParams(conn, export_sql, 3, NULL, params, NULL, NULL, 1);

    if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, "read dead letters", errstr,
                     sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("deadletters", NULL, "%s", errstr);
        goto cleanup;
    }
    if (type && !(want = ftz_record_type_by_name(type))) {
        rc = ftz_cli_usage_error("deadletters", "unknown type \"%s\" (customs, rail, registration)",
                                 type);
        goto cleanup;
    }
    if (!(cat = ftz_catalog_new_embedded(errstr, sizeof(errstr))) ||
        !(dec = ftz_decoder_new(cat, errstr, sizeof(errstr)))) {
        ftz_cli_error("deadletters", NULL, "%s", errstr);
        goto cleanup;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        ftz_record_buf_t rec;
        ftz_verdict_t v;
        const ftz_record_type_t *rt = NULL;
        if (PQgetisnull(res, r, 3) ||
            ftz_decoder_decode(dec, PQgetvalue(res, r, 3), (size_t)PQgetlength(res, r, 3), &rt,
                               &rec, &v) != FTZ_OK) {
            undecodable++;
            continue;
        }
        if (want && rt != want) {
            other_type++;
            continue;
        }
        if (!want && seen && rt != seen) {
            rc = ftz_cli_usage_error("deadletters", "the export mixes %s and %s records: choose "
                                     "one with -t", seen->short_name, rt->short_name);
            goto cleanup;
        }
        seen = rt;
        ftz_buf_reset(&line);
        if (ftz_json_from_record(rt, &rec, &line) != FTZ_OK || ftz_buf_putc(&line, '\n') ||
            fwrite(line.data, 1, line.len, stdout) != line.len) {
            ftz_cli_error("deadletters", NULL, "write failed");
            goto cleanup;
        }
        exported++;
    }
    if (fflush(stdout) != 0) {
        ftz_cli_error("deadletters", NULL, "write failed");
        goto cleanup;
    }
    if (other_type)
        ftz_cli_info("deadletters",
                     "exported %lu %s record(s); %lu did not decode, %lu of other types", exported,
                     seen ? seen->short_name : "", undecodable, other_type);
    else
        ftz_cli_info("deadletters", "exported %lu %s record(s); %lu did not decode", exported,
                     seen ? seen->short_name : "", undecodable);
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_buf_free(&line);
    ftz_decoder_destroy(dec);
    ftz_catalog_destroy(cat);
    PQclear(res);
    return rc;
}

int ftz_cmd_deadletters(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"code", required_argument, NULL, OPT_CODE},
        {"since", required_argument, NULL, OPT_SINCE},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"type", required_argument, NULL, 't'},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, rc = FTZ_EXIT_FAILURE;
    const char *code_filter = NULL, *since = NULL, *topic = NULL, *type = NULL;
    char limit[24] = "100";
    int markdown = 0;
    PGconn *conn = NULL;
    PGresult *res = NULL;
    char errstr[512];

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT "t:", longopts, help, &rc)) >= 0) {
        switch (opt) {
        case OPT_CODE: code_filter = optarg; break;
        case OPT_SINCE: since = optarg; break;
        case OPT_TOPIC: topic = optarg; break;
        case 't': type = optarg; break;
        case OPT_MARKDOWN: markdown = 1; break;
        case OPT_LIMIT: {
            double n = ftz_cli_number("deadletters", "--limit", optarg);
            if (n < 0) {
                rc = FTZ_EXIT_USAGE;
                goto cleanup;
            }
            snprintf(limit, sizeof(limit), "%.0f", n ? n : 9e18);
            break;
        }
        }
    }
    if (opt == FTZ_CLI_STOP)
        goto cleanup;
    const char *action = optind < argc ? argv[optind] : "";
    if (optind + 1 != argc || (strcmp(action, "summary") != 0 && strcmp(action, "list") != 0 &&
                               strcmp(action, "export") != 0 && strcmp(action, "codes") != 0)) {
        rc = ftz_cli_usage_error("deadletters", "expected summary, list, export or codes");
        goto cleanup;
    }
    if (strcmp(action, "codes") == 0) {
        print_codes(markdown);
        rc = FTZ_EXIT_OK;
        goto cleanup;
    }
    if (code_filter && ftz_code_find(code_filter) < 0) {
        ftz_cli_error("deadletters", "\"ftz deadletters codes\" lists the codes",
                      "no verdict code \"%s\"", code_filter);
        rc = FTZ_EXIT_USAGE;
        goto cleanup;
    }
    if (!(conn = ftz_pg_connect(cli.pg, errstr, sizeof(errstr)))) {
        ftz_cli_error("deadletters", NULL, "%s", errstr);
        goto cleanup;
    }
    if (strcmp(action, "export") == 0) {
        const char *params[3] = {code_filter, since, topic};
        rc = run_export(conn, params, type);
        goto cleanup;
    }
    int summary = action[0] == 's';
    const char *params[4] = {code_filter, since, topic, limit};
    const char *sparams[1] = {since};
    res = summary ? PQexecParams(conn, summary_sql, 1, NULL, sparams, NULL, NULL, 0)
                  : PQexecParams(conn, list_sql, 4, NULL, params, NULL, NULL, 0);
    if (ftz_pg_check(conn, res, PGRES_TUPLES_OK, "read dead letters", errstr,
                     sizeof(errstr)) != FTZ_OK) {
        ftz_cli_error("deadletters", NULL, "%s", errstr);
        goto cleanup;
    }
    if (summary) {
        long long total = 0;
        printf("%-24s %-36s %-10s %8s\n", "code", "source topic", "day", "records");
        for (int r = 0; r < PQntuples(res); r++) {
            printf("%-24s %-36s %-10s %8s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                   PQgetvalue(res, r, 2), PQgetvalue(res, r, 3));
            total += atoll(PQgetvalue(res, r, 3));
        }
        printf("%-24s %-36s %-10s %8lld\n", "total", "", "", total);
        /* What each code seen means, from the table of codes. */
        int seen[FTZ_V__COUNT] = {0};
        for (int r = 0; r < PQntuples(res); r++) {
            int c = ftz_code_find(PQgetvalue(res, r, 0));
            if (c >= 0 && !seen[c]++)
                printf("%s%s: %s\n", r ? "" : "\n", ftz_code_name((ftz_code_t)c),
                       ftz_code_info((ftz_code_t)c)->what);
        }
    } else {
        for (int r = 0; r < PQntuples(res); r++) {
            /* The key is any bytes (a bytea, in its text form here): valid
             * UTF-8 as is, the rest as \xNN, never a failed conversion. */
            char *key = NULL;
            if (!PQgetisnull(res, r, 4) && !(key = print_key(PQgetvalue(res, r, 4)))) {
                ftz_cli_error("deadletters", NULL, "out of memory");
                goto cleanup;
            }
            printf("%s %s [%s] @%s key=%s %s %s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                   PQgetvalue(res, r, 2), PQgetvalue(res, r, 3), key ? key : "(none)",
                   PQgetvalue(res, r, 5), PQgetvalue(res, r, 6));
            free(key);
        }
    }
    rc = FTZ_EXIT_OK;
cleanup:
    PQclear(res);
    if (conn)
        PQfinish(conn);
    ftz_cli_free(&cli);
    return rc;
}
