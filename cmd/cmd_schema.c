/* ftz schema: list | canonical FILE | fingerprint FILE [--hex] */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ftz/array.h"
#include "ftz/canonical.h"
#include "ftz/catalog.h"
#include "ftz/codec.h"
#include "ftz/compat.h"

enum { OPT_HEX = FTZ_OPT__COMMON_END, OPT_SCHEMA_DIR };

static void help(FILE *out) {
    fprintf(out,
            "Usage: ftz schema list [--schema-dir DIR]\n"
            "       ftz schema check [--schema-dir DIR]\n"
            "       ftz schema canonical FILE\n"
            "       ftz schema fingerprint [--hex] FILE\n"
            "\n"
            "  list         every schema version built into ftz: record, version,\n"
            "               fingerprint (signed 64-bit decimal, as in the Avro spec's\n"
            "               test data) and source file\n"
            "  check        prove that every pair of versions of each record can read\n"
            "               each other under Avro's resolution rules (old writer, new\n"
            "               reader and the reverse) and that this build of ftz can\n"
            "               decode every version; exit 1 naming the field otherwise\n"
            "  canonical    print the Parsing Canonical Form of the schema in FILE\n"
            "               (any valid Avro schema; - reads standard input)\n"
            "  fingerprint  print its CRC-64-AVRO fingerprint as a signed 64-bit\n"
            "               decimal; --hex prints the 8 bytes as they appear on the\n"
            "               wire (little-endian)\n"
            "\n"
            "  --schema-dir DIR  read NAME.vN.avsc files under DIR instead of the\n"
            "                    schemas built into ftz\n"
            "\n" FTZ_CLI_COMMON_HELP);
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (FTZ_ARRAY_GROW(data, cap, n + 4096 + 1)) {
            free(data);
            data = NULL;
            break;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (data)
        data[n] = '\0';
    if (f != stdin)
        fclose(f);
    *len = n;
    return data;
}

int ftz_cmd_schema(int argc, char **argv) {
    static const struct option longopts[] = {
        FTZ_CLI_COMMON_LONG,
        {"hex", no_argument, NULL, OPT_HEX},
        {"schema-dir", required_argument, NULL, OPT_SCHEMA_DIR},
        {NULL, 0, NULL, 0},
    };
    ftz_cli_t cli = {0};
    int opt, hex = 0, rc = FTZ_EXIT_FAILURE;
    const char *schema_dir = NULL;
    ftz_decoder_t *dec = NULL;
    char errstr[512];
    char *text = NULL, *pcf = NULL;
    ftz_catalog_t *cat = NULL;

    while ((opt = ftz_cli_next(&cli, argc, argv, FTZ_CLI_COMMON_SHORT, longopts, help, &rc)) >=
           0) {
        if (opt == OPT_HEX)
            hex = 1;
        else if (opt == OPT_SCHEMA_DIR)
            schema_dir = optarg;
    }
    ftz_cli_free(&cli); /* nothing of it is used past the options */
    if (opt == FTZ_CLI_STOP)
        return rc;
    const char *action = optind < argc ? argv[optind] : "";
    if (strcmp(action, "check") == 0) {
        int bad = 0, pairs = 0;
        if (!(cat = ftz_catalog_new(schema_dir, errstr, sizeof(errstr)))) {
            ftz_cli_error("schema", NULL, "%s", errstr);
            goto cleanup;
        }
        for (int i = 0; i < ftz_catalog_count(cat); i++)
            for (int j = 0; j < ftz_catalog_count(cat); j++) {
                const ftz_schema_entry_t *w = ftz_catalog_entry(cat, i);
                const ftz_schema_entry_t *r = ftz_catalog_entry(cat, j);
                char reason[512];
                if (i == j || w->rt != r->rt)
                    continue;
                pairs++;
                ftz_err_t err = ftz_schema_compatible(w->text, strlen(w->text), r->text,
                                                      strlen(r->text), reason, sizeof(reason));
                printf("%-34s writer v%d, reader v%d: %s%s\n", w->rt->fullname, w->version,
                       r->version, err ? "INCOMPATIBLE: " : "ok", err ? reason : "");
                bad += err != FTZ_OK;
            }
        if (!(dec = ftz_decoder_new(cat, errstr, sizeof(errstr)))) {
            printf("this build of ftz cannot decode them: %s\n", errstr);
            bad++;
        }
        printf("%d version pair(s) checked, %d problem(s)\n", pairs, bad);
        rc = bad ? FTZ_EXIT_FAILURE : FTZ_EXIT_OK;
        goto cleanup;
    }
    if (strcmp(action, "list") == 0) {
        if (!(cat = ftz_catalog_new(schema_dir, errstr, sizeof(errstr)))) {
            ftz_cli_error("schema", NULL, "%s", errstr);
            goto cleanup;
        }
        printf("%-34s %7s %21s  %s\n", "record", "version", "fingerprint", "file");
        for (int i = 0; i < ftz_catalog_count(cat); i++) {
            const ftz_schema_entry_t *e = ftz_catalog_entry(cat, i);
            printf("%-34s %7d %21" PRId64 "  %s/%s\n", e->rt->fullname, e->version,
                   (int64_t)e->fingerprint, schema_dir ? schema_dir : "schemas", e->path);
        }
        rc = FTZ_EXIT_OK;
        goto cleanup;
    }
    if ((strcmp(action, "canonical") != 0 && strcmp(action, "fingerprint") != 0) ||
        optind + 2 != argc) {
        rc = ftz_cli_usage_error("schema",
                                 "expected list, check, canonical FILE or fingerprint FILE");
        goto cleanup;
    }
    size_t len;
    if (!(text = read_all(argv[optind + 1], &len))) {
        ftz_cli_error("schema", NULL, "%s: %s", argv[optind + 1], strerror(errno));
        goto cleanup;
    }
    if (!(pcf = ftz_canonical_form(text, len, errstr, sizeof(errstr)))) {
        ftz_cli_error("schema", NULL, "%s: %s", argv[optind + 1], errstr);
        goto cleanup;
    }
    if (action[0] == 'c') {
        printf("%s\n", pcf);
    } else {
        uint64_t fp = ftz_crc64_avro(pcf, strlen(pcf));
        if (hex) {
            for (int i = 0; i < 8; i++)
                printf("%02X%s", (unsigned)(fp >> (8 * i)) & 0xFF, i < 7 ? " " : "\n");
        } else {
            printf("%" PRId64 "\n", (int64_t)fp);
        }
    }
    rc = FTZ_EXIT_OK;
cleanup:
    ftz_decoder_destroy(dec);
    free(text);
    free(pcf);
    ftz_catalog_destroy(cat);
    return rc;
}
