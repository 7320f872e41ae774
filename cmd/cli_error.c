/* Command diagnostics in one format, as the PostgreSQL tools print theirs
 * (pg_log_error, pg_log_error_hint): "ftz CMD: MESSAGE", then, when there
 * is one, "ftz CMD: hint: HINT". */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "ftz/err.h"
#include "ftz/log.h"

/* A longer message or hint is cut and ends with "..." (ftz_vfmt). */
#define MESSAGE_MAX 4096
#define HINT_MAX 1024
#define PREFIX_MAX 96

static void write_stderr(const char *text) { fputs(text, stderr); }

static void (*writer)(const char *text) = write_stderr;

void ftz_cli_set_writer(void (*write)(const char *text)) {
    writer = write ? write : write_stderr;
}

/* The message (and hint) each on one line, written in one piece. */
static void emit(const char *cmd, const char *hint, const char *fmt, va_list ap) {
    char prefix[PREFIX_MAX], msg[MESSAGE_MAX], h[HINT_MAX];
    char text[2 * PREFIX_MAX + MESSAGE_MAX + HINT_MAX + sizeof("hint: \n\n")];
    ftz_fmt(prefix, sizeof(prefix), "ftz%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    ftz_vfmt(msg, sizeof(msg), fmt, ap);
    ftz_fmt_one_line(msg);
    if (hint) {
        ftz_fmt(h, sizeof(h), "%s", hint);
        ftz_fmt_one_line(h);
        ftz_fmt(text, sizeof(text), "%s%s\n%shint: %s\n", prefix, msg, prefix, h);
    } else {
        ftz_fmt(text, sizeof(text), "%s%s\n", prefix, msg);
    }
    writer(text);
}

int ftz_cli_error(const char *cmd, const char *hint, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(cmd, hint, fmt, ap);
    va_end(ap);
    return FTZ_EXIT_FAILURE;
}

int ftz_cli_usage_error(const char *cmd, const char *fmt, ...) {
    char hint[PREFIX_MAX + sizeof("Try \"ftz  --help\"")];
    va_list ap;
    /* "offsets reset" is helped by `ftz offsets --help`. */
    if (cmd)
        ftz_fmt(hint, sizeof(hint), "Try \"ftz %.*s --help\"", (int)strcspn(cmd, " "), cmd);
    else
        ftz_fmt(hint, sizeof(hint), "Try \"ftz --help\"");
    va_start(ap, fmt);
    emit(cmd, hint, fmt, ap);
    va_end(ap);
    return FTZ_EXIT_USAGE;
}

void ftz_cli_info(const char *cmd, const char *fmt, ...) {
    va_list ap;
    if (ftz_log_get_level() < FTZ_LOG_INFO)
        return;
    va_start(ap, fmt);
    emit(cmd, NULL, fmt, ap);
    va_end(ap);
}
