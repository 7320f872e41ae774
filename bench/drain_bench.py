#!/usr/bin/env python3
"""Drain benchmark driver: run by bench/drain (which starts the stack and
picks the Python with confluent-kafka, fastavro and psycopg); see
`bench/drain --help`.

One backlog is simulated and produced once; each contender then drains
the same topics into its own fresh database:

  ftz-N     N `ftz aggregate` members of one group (default N = 1 and 2)
  python    bench/drain_python.py, the same semantics with confluent-kafka,
            fastavro and psycopg 3
  pg-limit  bench/drain_pglimit.py: the same rows, decoded in advance, the
            same batches straight into PostgreSQL: what PostgreSQL allows

Every contender's aggregate tables must equal the others' and the
independent oracle's (tests/stack/oracle.py), or the run prints MISMATCH
and exits 1. Figures are printed, never asserted.
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from drain_common import TABLE_QUERIES, TOPICS, TYPES, proc_cpu_seconds  # noqa: E402

# The share of each type in the backlog (rail the rest): 60k customs
# declarations, 130k rail events and 16k registrations in the default
# 206k, scaled to --events. The oracle's and the tables' names per type.
SHARE = {"customs": 60 / 206, "registration": 16 / 206}
ORACLE_KIND = {"customs": "customs", "rail": "rail", "registration": "registrations"}
TABLE_NAME = {"customs": "customs_daily", "rail": "rail_daily",
              "registrations": "registrations_monthly"}

LOG_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ")
DRAIN_LINE = re.compile(r"drain: (\d+) messages from first assignment to last commit in ([\d.]+) s")


def say(msg=""):
    print(msg, flush=True)


def die(msg):
    print("bench/drain: error: %s" % msg, file=sys.stderr, flush=True)
    sys.exit(2)


def run(cmd, env=None, **kw):
    """A set-up step: must succeed, its stderr shown if it does not."""
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        die("%s failed (exit %d):\n%s" % (" ".join(map(shlex.quote, cmd)), r.returncode,
                                          (r.stderr or r.stdout)[-3000:]))
    return r.stdout


def psql(sql, db, env):
    return run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], env=env)


def log_time(line):
    m = LOG_TS.match(line)
    if not m:
        return None
    return datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


# ---------------------------------------------------------------- measuring

class BackendWatcher(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving one database, read
    from /proc/<pid>/stat (utime + stime) of every process whose title is
    `postgres: USER DB ...`, every 50 ms while the contender runs. A
    backend's last reading before it exits is kept, so the figure misses
    at most its last 50 ms, which for the consumers is idle time (they wait
    --idle seconds at the end of every partition before they exit).
    /proc/<pid>/stat is world-readable unless /proc is mounted hidepid;
    then the column says n/a."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.tag = (" %s " % db).encode()
        self.cpu = {}
        self.done = threading.Event()
        self.other = set()

    def poll(self):
        for name in os.listdir("/proc"):
            if not name.isdigit() or name in self.other:
                continue
            try:
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and self.tag in cmdline:
                cpu = proc_cpu_seconds(int(name))
                if cpu is not None:
                    self.cpu[name] = cpu
            elif b"postgres" not in cmdline:
                # A new backend shows the postmaster's command line until it
                # sets its title: only non-PostgreSQL processes are skipped.
                self.other.add(name)

    def run(self):
        while not self.done.wait(0.05):
            self.poll()
        self.poll()

    def total(self):
        return sum(self.cpu.values()) if self.cpu else None


def measure(cmds, env, db, logdir, name):
    """Runs the commands at once (members of one contender) and waits for
    them all. Per process: exit status, wall time, user + system CPU and
    peak RSS from wait4; for the database: the backends' CPU. Output goes
    to DB.N.out and DB.N.log in logdir."""
    watcher = BackendWatcher(db)
    watcher.start()
    procs = []
    for i, cmd in enumerate(cmds):
        out = open(os.path.join(logdir, "%s.%d.out" % (db, i)), "w")
        err = open(os.path.join(logdir, "%s.%d.log" % (db, i)), "w")
        procs.append((subprocess.Popen(cmd, env=env, stdout=out, stderr=err), time.time(), out, err))
    results = []
    for p, started, out, err in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.close()
        err.close()
        results.append({
            "rc": p.returncode, "wall_s": time.time() - started,
            "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024.0,
            "stdout": open(out.name).read(), "log": open(err.name).read(),
            "cmd": cmds[len(results)],
        })
    watcher.done.set()
    watcher.join()
    for r in results:
        if r["rc"] != 0:
            die("%s exited with status %d: %s\n%s" % (name, r["rc"], " ".join(r["cmd"]),
                                                      r["log"][-3000:]))
    return results, watcher.total()


# ---------------------------------------------------------------- contenders

def ftz_members(ctx, n):
    """n `ftz aggregate` members of one group on one database. With one
    member, its own `drain:` figure. With n > 1, the combined drain runs
    from the first assignment of any member to the last commit of any
    member, read from the members' timestamped log lines: `assigned ...`
    and the DEBUG line per committed batch that -v adds (were that line
    gone, a member's last commit is its first assignment plus its own
    drain time)."""
    name = "ftz-%d" % n
    db = ctx.new_db(name)
    cmd = [ctx.ftz, "aggregate", "-v", "-g", db, "--until-idle", str(ctx.args.idle),
           "--batch", str(ctx.args.batch)]
    procs, backend = measure([cmd] * n, ctx.env(db), db, ctx.work, name)
    messages, drains, first, last, counts = 0, [], [], [], []
    for p in procs:
        lines = p["log"].splitlines()
        assigned = [log_time(x) for x in lines if " assigned " in x and log_time(x)]
        first.extend(assigned[:1])
        m = DRAIN_LINE.search(p["log"])
        if not m:
            # A member that committed nothing (it joined when the others
            # had drained the backlog) prints no drain line.
            drains.append(0.0)
            counts.append(0)
            continue
        counts.append(int(m.group(1)))
        messages += int(m.group(1))
        drains.append(float(m.group(2)))
        commits = [log_time(x) for x in lines if "committed a batch" in x and log_time(x)]
        if commits:
            last.append(max(commits))
        elif assigned:
            last.append(assigned[0] + drains[-1])
    if not any(drains):
        die("%s: no drain line in the members' logs:\n%s" % (name, procs[0]["log"][-2000:]))
    if n == 1:
        drain = drains[0]  # ftz's own figure
    elif first and last:
        drain = max(last) - min(first)
    else:
        die("%s: cannot find the assignment and commit lines in the members' logs" % name)
    return {"name": name, "db": db, "events": messages, "drain_s": drain,
            "wall_s": max(p["wall_s"] for p in procs), "cpu_s": sum(p["cpu_s"] for p in procs),
            "backend_cpu_s": backend, "rss_mib": max(p["rss_mib"] for p in procs),
            "note": members_note(counts, drains) if n > 1 else ""}


def members_note(counts, drains):
    note = "per member " + ", ".join("%d messages in %.3f s" % md for md in zip(counts, drains))
    # The stack's broker has group.initial.rebalance.delay.ms=0: a member
    # whose JoinGroup comes first may get every partition, the others a
    # rebalance later (a second or so).
    if max(counts) > 1.25 * sum(counts) / len(counts):
        note += " (uneven: one member joined first and took every partition until a rebalance)"
    return note


def python_peer(ctx):
    db = ctx.new_db("python")
    cmd = [sys.executable, os.path.join(HERE, "drain_python.py"), "-g", db,
           "--until-idle", str(ctx.args.idle), "--batch", str(ctx.args.batch)]
    (p,), backend = measure([cmd], ctx.env(db), db, ctx.work, "python")
    res = json.loads(p["stdout"].strip().splitlines()[-1])
    return {"name": "python", "db": db, "events": res["messages"], "drain_s": res["drain_s"],
            "wall_s": p["wall_s"], "cpu_s": p["cpu_s"], "backend_cpu_s": backend,
            "rss_mib": p["rss_mib"], "note": ""}


def pg_limit(ctx):
    db = ctx.new_db("pglimit")
    cmd = [sys.executable, os.path.join(HERE, "drain_pglimit.py"), "--batch", str(ctx.args.batch),
           "--partitions", str(ctx.args.partitions)] + [ctx.files[t] for t in TYPES]
    (p,), _ = measure([cmd], ctx.env(db), db, ctx.work, "pglimit")
    res = json.loads(p["stdout"].strip().splitlines()[-1])
    # CPU over the timed section only (the probe reads its own rusage and
    # its backend's /proc/<pid>/stat before and after): reading the files
    # and building the COPY payloads are not part of what it measures.
    return {"name": "pg-limit", "db": db, "events": res["messages"], "drain_s": res["drain_s"],
            "wall_s": p["wall_s"], "cpu_s": res["client_cpu_s"],
            "backend_cpu_s": res["backend_cpu_s"], "rss_mib": p["rss_mib"], "note": "",
            "timing": res["timing"]}


def median_run(ctx, contender, *args):
    """Runs a contender --repeat times, each on a fresh database; the run
    with the median drain time stands for it. All runs go through the
    correctness gate."""
    runs = [contender(ctx, *args) for _ in range(ctx.args.repeat)]
    ctx.all_runs.extend(runs)
    ordered = sorted(runs, key=lambda r: r["drain_s"])
    med = dict(ordered[(len(ordered) - 1) // 2])
    if len(runs) > 1:
        note = "median of %d runs; drain s of each: %s" % (
            len(runs), ", ".join("%.3f" % r["drain_s"] for r in runs))
        med["note"] = "%s; %s" % (med["note"], note) if med["note"] else note
    return med


# ---------------------------------------------------------------- the run

class Context:
    def __init__(self, args):
        self.args = args
        self.ftz = args.ftz
        self.run_id = "drain%s_%d" % (time.strftime("%Y%m%d%H%M%S"), os.getpid())
        self.prefix = self.run_id + "."
        self.admin_db = os.environ.get("PGDATABASE") or "postgres"
        self.dbs = []
        self.db_count = {}
        self.all_runs = []
        self.topics_created = False
        self.work = args.workdir or tempfile.mkdtemp(prefix="ftz-bench-drain.")
        os.makedirs(self.work, exist_ok=True)
        self.files = {t: os.path.join(self.work, "%s.jsonl" % t) for t in TYPES}

    def env(self, db=None):
        e = dict(os.environ, FTZ_TOPIC_PREFIX=self.prefix)
        if db:
            e["PGDATABASE"] = db
        return e

    def new_db(self, contender):
        """A fresh database of this run's own, migrated by ftz."""
        self.db_count[contender] = self.db_count.get(contender, 0) + 1
        db = "%s_%s" % (self.run_id, contender.replace("-", ""))
        if self.db_count[contender] > 1:
            db += "_r%d" % self.db_count[contender]
        psql('CREATE DATABASE "%s"' % db, self.admin_db, self.env())
        self.dbs.append(db)
        run([self.ftz, "db", "migrate", "-q"], env=self.env(db))
        return db

    def cleanup(self):
        for db in self.dbs:
            subprocess.run(["psql", "-X", "-q", "-d", self.admin_db, "-c",
                            'DROP DATABASE IF EXISTS "%s"' % db],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.topics_created:
            delete_topics(self.prefix)
        if not self.args.workdir:
            shutil.rmtree(self.work, ignore_errors=True)


def delete_topics(prefix):
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({"bootstrap.servers": os.environ.get("FTZ_BROKERS", "127.0.0.1:9092"),
                         "log_level": 4})
    names = [prefix + TOPICS[t] for t in TYPES] + [prefix + "ftz.deadletter"]
    for fut in admin.delete_topics(names, operation_timeout=30).values():
        try:
            fut.result()
        except Exception:  # already gone, or never made: nothing to clean
            pass


def machine_lines(ctx):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    pg = psql("SELECT version()", ctx.admin_db, ctx.env()).strip()
    pg_settings = psql("SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)"
                       " FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit',"
                       " 'fsync', 'jit', 'wal_level', 'max_wal_size', 'lc_collate')",
                       ctx.admin_db, ctx.env()).strip()
    head = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip() or "?"
    version = subprocess.run([ctx.ftz, "--version"], capture_output=True,
                             text=True).stdout.strip() or "?"
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(ctx.ftz)))
    import confluent_kafka
    import fastavro
    import psycopg
    return [
        "machine:    %s, nproc %d, %d MiB RAM, %s %s; load average %s" % (
            model, len(os.sched_getaffinity(0)), mem, platform.system(), platform.release(),
            " ".join(open("/proc/loadavg").read().split()[:3])),
        "postgres:   %s" % pg,
        "            %s" % pg_settings,
        "ftz:        %s (%s, built %s; source tree now at %s)" % (ctx.ftz, version, built, head),
        "python:     %s, confluent-kafka %s (librdkafka %s), fastavro %s, psycopg %s (%s)" % (
            platform.python_version(), confluent_kafka.version()[0], confluent_kafka.libversion()[0],
            fastavro.__version__, psycopg.__version__, psycopg.pq.__impl__),
    ]


def make_backlog(ctx):
    a = ctx.args
    counts = {"customs": round(a.events * SHARE["customs"]),
              "registration": round(a.events * SHARE["registration"])}
    counts["rail"] = a.events - counts["customs"] - counts["registration"]
    for t in TYPES:
        with open(ctx.files[t], "w") as out:
            r = subprocess.run([ctx.ftz, "simulate", "-q", "-t", t, "-n", str(counts[t]),
                                "--seed", str(a.seed)], stdout=out, stderr=subprocess.PIPE, text=True)
        if r.returncode:
            die("ftz simulate -t %s failed: %s" % (t, r.stderr))
    run([ctx.ftz, "topics", "create", "-q", "--partitions", str(a.partitions)], env=ctx.env())
    ctx.topics_created = True
    t0 = time.time()
    for t in TYPES:
        run([ctx.ftz, "produce", "-q", "-t", t, "-f", ctx.files[t]], env=ctx.env())
    say("backlog:    %s = %d events, seed %d, produced in %.1f s to %s* (%d partitions per topic)" % (
        " + ".join("%d %s" % (counts[t], t) for t in TYPES), a.events, a.seed, time.time() - t0,
        ctx.prefix, a.partitions))


def oracle(ctx):
    """The expected rows, from the JSON lines, by tests/stack/oracle.py."""
    expected = {}
    for t in TYPES:
        kind = ORACLE_KIND[t]
        expected[kind] = run(["python3", os.path.join(ROOT, "tests", "stack", "oracle.py"), kind,
                              ctx.files[t]])
    return expected


def correctness_gate(ctx, results, expected):
    """Every contender's aggregate tables equal the oracle's rows (and so
    each other's). Prints MISMATCH and exits 1 otherwise."""
    bad = ["MISMATCH events: %s committed %d messages, the backlog has %d"
           % (r["name"], r["events"], ctx.args.events)
           for r in results if r["events"] != ctx.args.events]
    for kind, query in TABLE_QUERIES.items():
        for r in results:
            actual = psql(query, r["db"], ctx.env(r["db"]))
            if actual != expected[kind]:
                exp_lines, act_lines = expected[kind].splitlines(), actual.splitlines()
                only_exp = sorted(set(exp_lines) - set(act_lines))
                only_act = sorted(set(act_lines) - set(exp_lines))
                bad.append("MISMATCH %s: %s has %d rows, the oracle %d; first differences:\n%s" % (
                    TABLE_NAME[kind], r["name"], len(act_lines), len(exp_lines),
                    "\n".join(["  oracle:   " + x for x in only_exp[:3]] +
                              ["  %-9s " % (r["name"] + ":") + x for x in only_act[:3]])))
        if not any(TABLE_NAME[kind] in b for b in bad):
            names = list(dict.fromkeys(r["name"] for r in results))
            say("correct:    %-22s %6d rows, identical in %s and the oracle%s" % (
                TABLE_NAME[kind], len(expected[kind].splitlines()), ", ".join(names),
                " (every run)" if len(results) > len(names) else ""))
    if bad:
        for b in bad:
            say(b)
        say("kept for inspection: databases %s; files in %s"
            % (" ".join(r["db"] for r in results), ctx.work))
        ctx.dbs = []
        ctx.args.workdir = ctx.work
        return False
    return True


def fmt(v, spec):
    return "n/a" if v is None else spec % v


def print_table(results):
    say()
    say("%-10s %9s %9s %10s %8s %14s %16s %9s" % (
        "contender", "events", "drain s", "events/s", "wall s", "CPU s client",
        "CPU s pg backend", "RSS MiB"))
    for r in results:
        r["rate"] = r["events"] / r["drain_s"] if r["drain_s"] > 0 else None
        say("%-10s %9d %9.3f %10s %8.2f %14s %16s %9.1f" % (
            r["name"], r["events"], r["drain_s"], fmt(r["rate"], "%.0f"), r["wall_s"],
            fmt(r["cpu_s"], "%.2f"), fmt(r["backend_cpu_s"], "%.2f"), r["rss_mib"]))
    say()
    say("drain s:  first partition assignment to last commit (pg-limit: first BEGIN to last COMMIT);")
    say("          events/s = events / drain s. wall s: process start to exit (group join and the")
    say("          final idle wait included; pg-limit: reading files and building payloads included).")
    say("CPU s:    user + system. ftz-N: all members summed; RSS: peak of one process (largest).")
    say("          pg-limit: CPU of the timed section only. pg backend: /proc/<pid>/stat of the")
    say("          backends serving the contender's database.")
    for r in results:
        if r["note"]:
            say("%-10s %s" % (r["name"] + ":", r["note"]))


def print_ratios(results):
    by = {r["name"]: r for r in results}
    ftz = [r["name"] for r in results if r["name"].startswith("ftz-")]
    base = "ftz-1" if "ftz-1" in by else (ftz[0] if ftz else None)
    pairs = [(base, "pg-limit"), (base, "python")] + [(f, base) for f in ftz if f != base]
    lines = ["  %-8s / %-8s = %.2f" % (a, b, by[a]["rate"] / by[b]["rate"])
             for a, b in pairs if a in by and b in by and by[a]["rate"] and by[b]["rate"]]
    if lines:
        say()
        say("ratios (events/s):")
        for line in lines:
            say(line)


def row_writes(ctx, results):
    """What each contender asked of PostgreSQL, in rows written to its
    persistent tables (pg_stat_user_tables, flushed when its sessions
    ended): the aggregate tables apart from the rest (state, offsets, dead
    letters). The batches differ: Kafka hands a consumer long runs of one
    partition, pg-limit mixes the three types in every batch, so the same
    events touch a different number of aggregate rows (drain_pglimit.py
    --order partition writes as many as the consumers, in the same time)."""
    say()
    say("rows written (inserted + updated; HOT updates in brackets):")
    for r in results:
        out = psql("""
            SELECT coalesce(sum(n_tup_ins + n_tup_upd) FILTER (WHERE agg), 0),
                   coalesce(sum(n_tup_hot_upd) FILTER (WHERE agg), 0),
                   coalesce(sum(n_tup_ins + n_tup_upd) FILTER (WHERE NOT agg), 0)
            FROM (SELECT *, relname IN ('customs_daily', 'rail_daily', 'registrations_monthly')
                            AS agg
                  FROM pg_stat_user_tables
                  WHERE schemaname NOT LIKE 'pg_temp%'
                    AND relname NOT IN ('reference_lines', 'schema_migrations')) t""",
                   r["db"], ctx.env(r["db"]))
        agg, hot, other = out.strip().split("|")
        say("  %-9s aggregate tables %8s (%s HOT), state and offsets %8s" % (r["name"], agg, hot, other))


def pglimit_breakdown(results):
    d = next((r for r in results if r["name"] == "pg-limit"), None)
    if not d:
        return
    total = sum(d["timing"].values())
    say()
    say("pg-limit, where the time goes (client-side wall time per step, all batches):")
    for k, v in sorted(d["timing"].items(), key=lambda kv: -kv[1]):
        say("  %-20s %7.3f s %5.1f%%" % (k, v, 100 * v / total if total else 0))


def main():
    ap = argparse.ArgumentParser(
        prog="bench/drain",
        description="Drain one simulated backlog with ftz aggregate (1 and 2 members), a Python "
                    "peer consumer and a PostgreSQL-limit probe; check that all end with the "
                    "oracle's aggregates; print a table of figures.")
    ap.add_argument("--events", type=int, default=206000,
                    help="backlog size, split like 60k customs : 130k rail : 16k registrations "
                         "(default 206000)")
    ap.add_argument("--seed", type=int, default=1, help="simulator seed (default 1)")
    ap.add_argument("--members", default="1,2",
                    help="ftz runs: comma-separated member counts, each on its own database "
                         "(default 1,2; 0 or empty: no ftz run)")
    ap.add_argument("--contenders", default="ftz,python,pglimit",
                    help="which contenders to run (default ftz,python,pglimit)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each contender N times (fresh database each time) and report the "
                         "median run; drain times vary run to run on a busy machine (default 1)")
    ap.add_argument("--batch", type=int, default=5000, help="messages per transaction (default 5000)")
    ap.add_argument("--idle", type=float, default=2.0,
                    help="consumers stop once every partition is at its end for this long (default 2)")
    ap.add_argument("--partitions", type=int, default=6, help="partitions per topic (default 6)")
    ap.add_argument("--workdir", help="keep the JSON lines and logs here (default: a temporary "
                                      "directory, removed at the end)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the databases, topics and work directory")
    ap.add_argument("--ftz", default=os.environ.get("FTZ_BIN", os.path.join(ROOT, "build", "ftz")),
                    help="ftz binary (default $FTZ_BIN, else build/ftz)")
    args = ap.parse_args()
    if args.events < 3:
        die("--events must be at least 3")
    if args.repeat < 1:
        die("--repeat must be at least 1")
    try:
        members = [int(x) for x in args.members.split(",") if x.strip() and int(x) > 0]
    except ValueError:
        die("--members takes member counts, e.g. 1,2")
    contenders = set(x.strip() for x in args.contenders.split(",") if x.strip())
    if contenders - {"ftz", "python", "pglimit"}:
        die("--contenders: unknown %s" % ", ".join(sorted(contenders - {"ftz", "python", "pglimit"})))
    if not ("python" in contenders or "pglimit" in contenders or ("ftz" in contenders and members)):
        die("nothing to run")
    if not (os.path.isfile(args.ftz) and os.access(args.ftz, os.X_OK)):
        die("no ftz binary at %s: build it (make build) or set FTZ_BIN" % args.ftz)
    args.ftz = os.path.abspath(args.ftz)

    started = time.time()
    ctx = Context(args)
    ok = False
    try:
        say("command:    %s" % os.environ.get("DRAIN_CMDLINE", " ".join(map(shlex.quote, sys.argv))))
        say("date:       %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
        for line in machine_lines(ctx):
            say(line)
        make_backlog(ctx)
        expected = oracle(ctx)

        results = []
        if "ftz" in contenders:
            for n in members:
                say("running:    ftz aggregate, %d member%s ..." % (n, "s" if n > 1 else ""))
                results.append(median_run(ctx, ftz_members, n))
        if "python" in contenders:
            say("running:    python peer (bench/drain_python.py) ...")
            results.append(median_run(ctx, python_peer))
        if "pglimit" in contenders:
            say("running:    pg-limit probe (bench/drain_pglimit.py) ...")
            results.append(median_run(ctx, pg_limit))

        if not correctness_gate(ctx, ctx.all_runs, expected):
            say("bench/drain: MISMATCH: the contenders' aggregates differ (see above)")
            sys.exit(1)
        print_table(results)
        print_ratios(results)
        row_writes(ctx, results)
        pglimit_breakdown(results)
        ok = True
    finally:
        if args.keep:
            say()
            say("kept: databases %s; topics %s*; files %s" % (" ".join(ctx.dbs), ctx.prefix, ctx.work))
        else:
            ctx.cleanup()
        say()
        say("whole run: %.1f s%s" % (time.time() - started, "" if ok else " (failed)"))


if __name__ == "__main__":
    main()
