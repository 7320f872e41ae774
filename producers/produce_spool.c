/* ftz produce --spool DIR: watch, claim, send, file away (produce_spool.h). */
#include "produce_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ftz/array.h"
#include "ftz/log.h"
#include "produce_progress.h"

#define RESCAN_MS 1000  /* the fallback when inotify is missing or misses */
#define PENDING_MS 250  /* while a file written in place settles */
#define MAX_NAMES 100000 /* files waiting in DIR that are tracked at once */

/* A file seen in DIR, not yet taken. */
typedef struct entry_s {
    char *name;
    off_t size;
    struct timespec mtime;
    double since;  /* when (size, mtime) were first seen as they are */
    int moved_in;  /* renamed into DIR (inotify): complete */
    int refused;   /* could not be moved into work/: said once, tried again */
    int stat_known;
    int seen;      /* found by the current scan */
} entry_t;

typedef struct spool_s {
    const ftz_produce_spool_opts_t *o;
    ftz_produce_run_t *r;
    int dir, work, done, failed; /* directory descriptors, owned */
    int lock;                    /* owned */
    int ino;                     /* inotify descriptor, owned; -1: rescans only */
    entry_t *entries;
    size_t n, cap;
} spool_t;

static int is_ignored(const char *name) {
    size_t n = strlen(name);
    return name[0] == '.' || (n >= 4 && strcasecmp(name + n - 4, ".tmp") == 0) ||
           (n >= 5 && strcasecmp(name + n - 5, ".part") == 0);
}

/* The format of NAME by its extension; FTZ_PRODUCE_FMT_AUTO: none we read. */
static ftz_produce_fmt_t format_by_name(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot)
        return FTZ_PRODUCE_FMT_AUTO;
    if (strcasecmp(dot, ".csv") == 0)
        return FTZ_PRODUCE_FMT_CSV;
    if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".json") == 0 ||
        strcasecmp(dot, ".ndjson") == 0)
        return FTZ_PRODUCE_FMT_JSON;
    return FTZ_PRODUCE_FMT_AUTO;
}

static int exists_at(int dir, const char *name) {
    struct stat st;
    return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* A name in dir for NAME that neither it nor its .rejects / .error
 * companions use: NAME, else STEM.N.EXT; the stem is shortened (never
 * inside a UTF-8 character) when the companions' names would not fit.
 * 0, or -1 when none fits. */
static int free_name(int dir, const char *name, char *out, size_t out_size) {
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    size_t ext = strlen(name) - stem;
    if (ext > 32)
        ext = 0, stem = strlen(name); /* not an extension: part of the stem */
    for (unsigned long i = 0; i < 100000; i++) {
        char rej[NAME_MAX + 32], err[NAME_MAX + 32], num[24] = "";
        if (i)
            snprintf(num, sizeof(num), ".%lu", i);
        size_t keep = stem;
        while (keep && keep + strlen(num) + ext > NAME_MAX - 8)
            keep--;
        while (keep && keep < stem && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--;
        if (!keep)
            return -1;
        int n = snprintf(out, out_size, "%.*s%s%s", (int)keep, name, num, name + stem);
        if (n < 0 || (size_t)n >= out_size || n > NAME_MAX - 8)
            return -1;
        snprintf(rej, sizeof(rej), "%s.rejects", out);
        snprintf(err, sizeof(err), "%s.error", out);
        if (!exists_at(dir, out) && !exists_at(dir, rej) && !exists_at(dir, err))
            return 0;
    }
    return -1;
}

/* Writes text to dir/name (created or truncated). */
static ftz_err_t write_at(int dir, const char *name, const char *text, char *errstr,
                          size_t errstr_size) {
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text), off = 0;
    if (fd < 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", name, strerror(errno));
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", name, strerror(e));
        }
        off += (size_t)w;
    }
    if (close(fd) != 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s: %s", name, strerror(errno));
    return FTZ_OK;
}

/* Moves from/NAME to failed/ with NAME.error (why) and, when rejects_tmp
 * names a file in from, NAME.rejects beside it. */
static ftz_err_t file_failed(spool_t *s, int from, const char *name, const char *rejects_tmp,
                             const char *why, char *target, size_t target_size, char *errstr,
                             size_t errstr_size) {
    char side[NAME_MAX + 32], text[2048];
    if (free_name(s->failed, name, target, target_size) != 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "failed/: no free name for %s",
                          name);
    snprintf(side, sizeof(side), "%s.error", target);
    snprintf(text, sizeof(text), "%s\n", why);
    if (write_at(s->failed, side, text, errstr, errstr_size) != FTZ_OK)
        return FTZ_ERR_IO;
    snprintf(side, sizeof(side), "%s.rejects", target);
    if (rejects_tmp && renameat(from, rejects_tmp, s->failed, side) != 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "failed/%s: %s", side,
                          strerror(errno));
    if (renameat(from, name, s->failed, target) != 0)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "failed/%s: %s", target,
                          strerror(errno));
    return FTZ_OK;
}

/* Sends work/NAME and files it away. FTZ_OK when it went to done/ or
 * failed/, or was left in work/ at a stop signal; an error stops the spool
 * (the producer failed, or DIR cannot be written). */
static ftz_err_t send_claimed(spool_t *s, const char *name, char *errstr, size_t errstr_size) {
    ftz_produce_run_t *r = s->r;
    char path[PATH_MAX], target[NAME_MAX + 1], why[1024];
    /* One file is sent at a time (the lock): its rejects gather here, a
     * name work/ listings skip, whatever the file's name. */
    const char *rejects_tmp = ".ftz-rejects.tmp";
    ftz_produce_input_t in;
    FILE *reasons = NULL;
    ftz_buf_t msg = FTZ_BUF_INIT;
    ftz_err_t err = FTZ_OK;
    const char *where = NULL; /* "done" or "failed" once filed away */
    memset(&in, 0, sizeof(in));
    in.fd = -1;
    in.label = name;
    in.path = path;
    in.fmt = format_by_name(name);
    snprintf(path, sizeof(path), "%s/work/%s", s->o->dir, name);

    ftz_produce_counts_t c0 = r->counts;
    unsigned long long acked0 = ftz_producer_acked(r->prod);
    double t0 = ftz_progress_elapsed();
    ftz_produce_forget_failures(r);

    if (in.fmt == FTZ_PRODUCE_FMT_AUTO) {
        snprintf(why, sizeof(why), "%s: not a file ftz produce reads: the name must end in "
                 ".csv (CSV), .jsonl, .ndjson or .json (JSON lines)", name);
        goto failed;
    }
    int fd = openat(s->work, rejects_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(reasons = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s/work/%s: %s", s->o->dir,
                         rejects_tmp, strerror(errno));
        goto cleanup;
    }
    r->reasons = reasons;
    if (ftz_produce_input_open(&in, r->rt, r->max_line, why, sizeof(why)) != FTZ_OK)
        goto failed;
    ftz_err_t serr = ftz_produce_input_send(r, &in);
    ftz_produce_input_close(&in);
    ftz_produce_flush(r, s->o->timeout_ms);
    r->reasons = NULL;
    int closed = fclose(reasons);
    reasons = NULL;
    if (serr == FTZ_ERR_FATAL) {
        err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s (%s is left in %s/work/ to "
                         "be sent again by the next start)", r->error, name, s->o->dir);
        goto cleanup;
    }
    if (closed != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s/work/%s: %s", s->o->dir,
                         rejects_tmp, strerror(errno));
        goto cleanup;
    }
    unsigned long long sent = r->counts.sent - c0.sent;
    unsigned long long acked = ftz_producer_acked(r->prod) - acked0;
    unsigned long long missing = sent > acked ? sent - acked : 0;
    if (in.stopped) {
        ftz_log(FTZ_LOG_WARNING, "SPOOL",
                "%s: stopped after %llu records (%llu acknowledged) and left in work/: the "
                "next start sends it again", name,
                (unsigned long long)(r->counts.read - c0.read), acked);
        unlinkat(s->work, rejects_tmp, 0);
        goto cleanup;
    }
    if (serr != FTZ_OK) {
        snprintf(why, sizeof(why), "%s", r->error);
        goto failed;
    }
    if (missing) {
        ftz_produce_describe_unacknowledged(r, &msg, s->o->brokers, s->o->within, missing,
                                            sent, acked);
        snprintf(why, sizeof(why), "%s: %s", name, msg.data ? msg.data : "");
        goto failed;
    }
    /* Done: the rejects first, so that a crash between the two renames
     * leaves the file in work/ (sent again) rather than its rejects. */
    if (free_name(s->done, name, target, sizeof(target)) != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s/done/: no free name for %s",
                         s->o->dir, name);
        goto cleanup;
    }
    char side[NAME_MAX + 32];
    snprintf(side, sizeof(side), "%s.rejects", target);
    if (r->counts.rejected > c0.rejected ? renameat(s->work, rejects_tmp, s->done, side) != 0
                                         : unlinkat(s->work, rejects_tmp, 0) != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s/done/%s: %s", s->o->dir, side,
                         strerror(errno));
        goto cleanup;
    }
    if (renameat(s->work, name, s->done, target) != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "%s/done/%s: %s", s->o->dir, target,
                         strerror(errno));
        goto cleanup;
    }
    where = "done";
    goto cleanup;

failed:
    ftz_log(FTZ_LOG_ERROR, "SPOOL", "%s", why);
    if (reasons) {
        r->reasons = NULL;
        fclose(reasons);
        reasons = NULL;
    }
    {
        int has_rejects = r->counts.rejected > c0.rejected;
        if (!has_rejects)
            unlinkat(s->work, rejects_tmp, 0);
        if ((err = file_failed(s, s->work, name, has_rejects ? rejects_tmp : NULL, why, target,
                               sizeof(target), errstr, errstr_size)) != FTZ_OK)
            goto cleanup;
    }
    where = "failed";

cleanup:
    if (where)
        ftz_log(FTZ_LOG_INFO, "SPOOL",
                "%s: %llu read, %llu sent, %llu acknowledged, %llu rejected in %.1f s: %s/%s",
                name, (unsigned long long)(r->counts.read - c0.read),
                (unsigned long long)(r->counts.sent - c0.sent),
                (unsigned long long)(ftz_producer_acked(r->prod) - acked0),
                (unsigned long long)(r->counts.rejected - c0.rejected),
                ftz_progress_elapsed() - t0, where, target);
    if (reasons) {
        r->reasons = NULL;
        fclose(reasons);
    }
    ftz_produce_input_close(&in);
    ftz_buf_free(&msg);
    return err;
}

static entry_t *find_entry(spool_t *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->entries[i].name, name) == 0)
            return &s->entries[i];
    return NULL;
}

static entry_t *add_entry(spool_t *s, const char *name) {
    if (s->n >= MAX_NAMES)
        return NULL; /* the rest are found by a later scan */
    if (FTZ_ARRAY_GROW(s->entries, s->cap, s->n + 1))
        return NULL;
    entry_t *e = &s->entries[s->n];
    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(name)))
        return NULL;
    e->since = ftz_progress_elapsed();
    s->n++;
    return e;
}

static void remove_entry(spool_t *s, size_t i) {
    free(s->entries[i].name);
    s->entries[i] = s->entries[--s->n];
}

/* Reads inotify's events: names renamed into DIR are complete. */
static void read_events(spool_t *s) {
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while (s->ino >= 0 && (n = read(s->ino, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof(*ev) + ev->len;
            if (!(ev->mask & IN_MOVED_TO) || !ev->len || is_ignored(ev->name))
                continue;
            entry_t *e = find_entry(s, ev->name);
            if (!e)
                e = add_entry(s, ev->name);
            if (e)
                e->moved_in = 1;
        }
    }
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir (not ignored ones), sorted; *names owned by
 * the caller (free_names). */
static ftz_err_t list_files(int dir, char ***names, size_t *n, char *errstr,
                            size_t errstr_size) {
    int fd = dup(dir);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "opendir: %s", strerror(errno));
    }
    rewinddir(d);
    while ((de = readdir(d)) && *n < MAX_NAMES) {
        struct stat st;
        if (is_ignored(de->d_name) || fstatat(dir, de->d_name, &st, 0) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (FTZ_ARRAY_GROW(*names, cap, *n + 1))
            break;
        if (!((*names)[*n] = strdup(de->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof(**names), cmp_names);
    return FTZ_OK;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Looks at DIR: new files, changed ones, gone ones. Returns the names
 * ready to be taken (sorted; owned by the caller) and whether some are
 * still settling. */
static ftz_err_t scan(spool_t *s, char ***ready, size_t *nready, int *pending, char *errstr,
                      size_t errstr_size) {
    char **names;
    size_t n, cap = 0;
    double now = ftz_progress_elapsed();
    *ready = NULL;
    *nready = 0;
    *pending = 0;
    if (list_files(s->dir, &names, &n, errstr, errstr_size) != FTZ_OK)
        return FTZ_ERR_IO;
    for (size_t i = 0; i < s->n; i++)
        s->entries[i].seen = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        entry_t *e = find_entry(s, names[i]);
        if (fstatat(s->dir, names[i], &st, 0) != 0)
            continue;
        if (!e && !(e = add_entry(s, names[i])))
            continue;
        e->seen = 1;
        if (!e->stat_known || st.st_size != e->size || st.st_mtim.tv_sec != e->mtime.tv_sec ||
            st.st_mtim.tv_nsec != e->mtime.tv_nsec) {
            if (e->stat_known) { /* written since: no longer complete */
                e->moved_in = 0;
                e->since = now;
            }
            e->size = st.st_size;
            e->mtime = st.st_mtim;
            e->stat_known = 1;
        }
        if (e->moved_in || now - e->since >= s->o->settle_s) {
            if (FTZ_ARRAY_GROW(*ready, cap, *nready + 1))
                break;
            (*ready)[(*nready)++] = names[i];
            names[i] = NULL;
        } else {
            *pending = 1;
        }
    }
    for (size_t i = s->n; i-- > 0;)
        if (!s->entries[i].seen)
            remove_entry(s, i);
    free_names(names, n);
    return FTZ_OK;
}

/* Takes DIR/NAME: claimed into work/ and sent. A file that cannot be
 * claimed (not ours to move, say) is left where it is, said once, and
 * tried again at each look: one file never stops the others. */
static ftz_err_t take(spool_t *s, const char *name, char *errstr, size_t errstr_size) {
    entry_t *e = find_entry(s, name);
    if (exists_at(s->work, name)) {
        /* Only after a start that could not empty work/: wait for it. */
        if (!e || !e->refused)
            ftz_log(FTZ_LOG_WARNING, "SPOOL", "%s: work/%s exists; left in place", name, name);
        if (e)
            e->refused = 1;
        return FTZ_OK;
    }
    if (renameat(s->dir, name, s->work, name) != 0) {
        if (errno != ENOENT && (!e || !e->refused))
            ftz_log(FTZ_LOG_ERROR, "SPOOL", "%s: cannot be moved into work/ (%s); left in %s "
                    "and tried again", name, strerror(errno), s->o->dir);
        if (e)
            e->refused = 1;
        return FTZ_OK;
    }
    if (e)
        remove_entry(s, (size_t)(e - s->entries));
    return send_claimed(s, name, errstr, errstr_size);
}

/* Whether the path DIR still names the directory being watched: one that
 * was moved, removed or replaced would be watched for nothing. */
static ftz_err_t check_dir(spool_t *s, char *errstr, size_t errstr_size) {
    struct stat now, held;
    if (fstat(s->dir, &held) != 0 || stat(s->o->dir, &now) != 0 ||
        now.st_dev != held.st_dev || now.st_ino != held.st_ino)
        return ftz_seterr(FTZ_ERR_IO, errstr, errstr_size,
                          "--spool %s: the directory was moved, removed or replaced while "
                          "being watched; stopping (start again to watch the new one)",
                          s->o->dir);
    return FTZ_OK;
}

static int open_subdir(int dir, const char *name) {
    if (mkdirat(dir, name, 0755) != 0 && errno != EEXIST)
        return -1;
    return openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

ftz_err_t ftz_produce_spool(ftz_produce_run_t *r, const ftz_produce_spool_opts_t *o,
                            char *errstr, size_t errstr_size) {
    spool_t s;
    char **names = NULL;
    size_t n = 0;
    ftz_err_t err = FTZ_OK;
    memset(&s, 0, sizeof(s));
    s.o = o;
    s.r = r;
    s.work = s.done = s.failed = s.lock = s.ino = -1;
    if ((s.dir = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "--spool %s: %s", o->dir,
                         strerror(errno));
        goto cleanup;
    }
    if ((s.work = open_subdir(s.dir, "work")) < 0 || (s.done = open_subdir(s.dir, "done")) < 0 ||
        (s.failed = open_subdir(s.dir, "failed")) < 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size,
                         "--spool %s: cannot make work/, done/ and failed/ in it: %s", o->dir,
                         strerror(errno));
        goto cleanup;
    }
    if ((s.lock = openat(s.dir, ".ftz-spool.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
        flock(s.lock, LOCK_EX | LOCK_NB) != 0) {
        err = ftz_seterr(FTZ_ERR_IO, errstr, errstr_size, "--spool %s: %s", o->dir,
                         errno == EWOULDBLOCK ? "another ftz produce --spool is using it"
                                              : strerror(errno));
        goto cleanup;
    }
    /* Without inotify (a full table, a file system without it) the
     * rescans still find every file, only later. */
    if ((s.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
        inotify_add_watch(s.ino, o->dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        ftz_log(FTZ_LOG_WARNING, "SPOOL", "%s: inotify: %s; looking every %d ms instead",
                o->dir, strerror(errno), RESCAN_MS);
        if (s.ino >= 0)
            close(s.ino);
        s.ino = -1;
    }
    ftz_log(FTZ_LOG_INFO, "SPOOL", "watching %s for %s files to send to %s", o->dir,
            r->rt->short_name, r->topic);

    /* What a stopped run was sending: sent again (the consumer counts each
     * record once), before anything new. */
    if ((err = list_files(s.work, &names, &n, errstr, errstr_size)) != FTZ_OK)
        goto cleanup;
    for (size_t i = 0; i < n && !ftz_cli_stop; i++) {
        ftz_log(FTZ_LOG_INFO, "SPOOL", "%s: left in work/ by a run that stopped: sending it "
                "again", names[i]);
        if ((err = send_claimed(&s, names[i], errstr, errstr_size)) != FTZ_OK)
            goto cleanup;
    }
    free_names(names, n);
    names = NULL;

    while (!ftz_cli_stop) {
        int pending;
        read_events(&s);
        if ((err = check_dir(&s, errstr, errstr_size)) != FTZ_OK ||
            (err = scan(&s, &names, &n, &pending, errstr, errstr_size)) != FTZ_OK)
            goto cleanup;
        for (size_t i = 0; i < n && !ftz_cli_stop; i++)
            if ((err = take(&s, names[i], errstr, errstr_size)) != FTZ_OK)
                goto cleanup;
        free_names(names, n);
        names = NULL;
        ftz_produce_tick(r, 1);
        /* Kafka refused us (login, certificate, ACL): no file would fare
         * better; one line, and the service stops. */
        if (ftz_producer_refused(r->prod)[0]) {
            err = ftz_seterr(FTZ_ERR_FATAL, errstr, errstr_size, "%s",
                             ftz_producer_refused(r->prod));
            goto cleanup;
        }
        if (ftz_cli_stop)
            break;
        struct pollfd pfd = {.fd = s.ino, .events = POLLIN};
        poll(&pfd, s.ino >= 0 ? 1 : 0, pending ? PENDING_MS : RESCAN_MS);
    }
    ftz_log(FTZ_LOG_INFO, "SPOOL", "stopped");

cleanup:
    free_names(names, n);
    for (size_t i = 0; i < s.n; i++)
        free(s.entries[i].name);
    free(s.entries);
    if (s.ino >= 0)
        close(s.ino);
    if (s.lock >= 0)
        close(s.lock);
    if (s.failed >= 0)
        close(s.failed);
    if (s.done >= 0)
        close(s.done);
    if (s.work >= 0)
        close(s.work);
    if (s.dir >= 0)
        close(s.dir);
    return err;
}
