#!/usr/bin/env python3
"""PostgreSQL-limit probe of the drain benchmark (bench/drain).

What PostgreSQL allows for the work `ftz aggregate` asks of it: the same
records, already decoded (read from the simulator's JSON lines: no Kafka,
no Avro), in batches of the same size, one transaction per batch with the
same meaning: a compare-and-set of every partition's offset, the state
that the revision rule and de-duplication need, the deltas of
customs_daily, rail_daily and registrations_monthly (the tables of
`ftz db migrate`, unchanged). Every batch's COPY payload is built before
the clock starts: only PostgreSQL's work (and the round trips) is timed,
from the first BEGIN to the last COMMIT. synchronous_commit stays on.

Batches (--order). mixed, the default: the three files interleaved in
proportion to their sizes (a smooth weighted round robin, each file in
its own order), so every batch holds about the same mix (~29% customs,
63% rail, 8% registrations for the default backlog) and all three end
together, then cut into --batch rows; plain one-each round robin would
leave a rail-only tail, which flatters the figure (the costly customs
state would stop growing early). partition: the order a Kafka consumer
receives a backlog in, long runs of one partition after another, so most
batches hold one type and touch more aggregate rows (a partition's events
spread over more days than consecutive lines of a file). Both take the
same time within noise (partition: rail +40%, customs -25%, COPY -25%).
Records of one entity keep their file order, which is all the semantics
need. Partitions for the offset compare-and-set: crc32(key) mod
--partitions per type (not Kafka's murmur2: only the number of offset
rows and that an entity stays in one partition matter), offsets dense
from 0.

Semantics, as docs/exactly-once.md and tests/stack/oracle.py: customs -
per declaration the highest revision in the batch (first among equals)
and only if above the stored one; it retracts what the stored revision
added; CANCELLED counts nowhere; rail - each event_id once, the first;
registrations - each uscc once, the first.

Narrow state: only what retraction and de-duplication need. A
declaration's revision and the key and measures it added (n = 0 for
CANCELLED, so retracting it subtracts nothing); the ids of counted rail
events and companies. Values per record that need no state (local day,
HS chapter, partner country, fen, seconds) are computed in the client
before timing, as ftz computes most of them in C.

What was tried (206k events, 42 batches, 2 vCPUs shared with other work,
so +-5% is noise; drain time of the timed section):
  - first shape, the one ftz aggregate had then (lib/src/agg_*.c at
    d9f862e), narrowed: INSERT ... ON CONFLICT DO NOTHING RETURNING for
    the seen ids, ON CONFLICT DO UPDATE for the customs state, jit off:
    1.98 s. The customs state was joined by a hash join over a seq scan of
    the whole state table (the temporary staging tables have no
    statistics; with random_page_cost = 4 the planner prices 1,300 index
    probes above a scan), so it got slower as the state grew;
  - SET random_page_cost = 1.1 (everything is in shared buffers): index
    nested loops, 1.70 s;
  - the state by a LEFT JOIN / NOT EXISTS probe, then a plain INSERT of
    the new ids (and an UPDATE of the few replaced revisions) instead of
    ON CONFLICT: one B-tree descent and the speculative insertion less per
    row: 1.52 s (customs -18%, rail -12%). Kept;
  - COLLATE "C" on the staging and state keys (the cluster's C.UTF-8 goes
    through strcoll): about 4% (rail 0.59 -> 0.52 s). Kept;
  - the whole database in LOCALE 'C' (the aggregate tables' six-column
    text keys compared with memcmp too): no change within noise;
  - ORDER BY the key before the aggregate upserts (index locality): no
    change;
  - UPDATE ... FROM the batch's sums, then INSERT only the keys the UPDATE
    did not return, instead of ON CONFLICT DO UPDATE on the aggregate
    tables: slower (2.0 s; the UPDATE alone is not cheaper per row, and
    the anti-join against the CTE is planned as a nested loop);
  - prepared statements (psycopg prepare=True): slower, 1.7-2.1 s: the
    plan cached while the state tables were empty keeps its hash joins
    over seq scans as they grow;
  - hash indexes instead of the unique B-trees on the seen ids: no clear
    gain (rail the same, registrations -20% of a small part), and the
    database no longer enforces "once": not kept;
  - binary COPY (--copy-format binary, payload encoded in advance): no
    change; the COPY time is the rows going into the staging tables, not
    parsing;
  - gross_weight_kg by float addition instead of the exact numeric cast
    (wrong, only to measure the cast): no change.
Where the time goes is printed at the end (per statement kind, client
side), and --explain N prints EXPLAIN ANALYZE of batch N's statements.

Prints one JSON line on stdout: messages, batches, drain_s, the timed
section's client CPU and its backend's CPU (from /proc/<pid>/stat), and
the time per statement kind.
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drain_common import TYPES, copy_text, decimal_text_to_fen, log, proc_cpu_seconds  # noqa: E402

PROG = "pglimit"
SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = {"customs": "declaration_id", "rail": "shipment_id", "registration": "uscc"}


def ms(ts):
    return round(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


def local_date(millis):
    return datetime.fromtimestamp(millis / 1000, timezone.utc).astimezone(SHANGHAI).date()


# ---------------------------------------------------------------- rows
# One tuple per record, in the column order of its staging table (SETUP)
# after seq, the arrival order in the batch, which build_batches puts first.

def row_customs(r):
    filed = ms(r["filed_at"])
    status = r["status"]
    n = 0 if status == "CANCELLED" else 1
    clearance = (ms(r["cleared_at"]) - filed) // 1000 if status == "CLEARED" else 0
    partner = r["origin_country"] if r["direction"] == "IMPORT" else r["destination_country"]
    return (r["declaration_id"], r["revision"], local_date(filed), r["area"], r["direction"],
            r["hs_code"][:2], partner, r["transport_mode"], n,
            n * decimal_text_to_fen(r["declared_value_cny"]),
            Decimal(repr(float(r["gross_weight_kg"]))) if n else Decimal(0),
            n * (status == "CLEARED"), n * (status == "HELD"), n * clearance)


def row_rail(r):
    t = ms(r["event_time"])
    kind = r["event_type"]
    dep = kind == "DEPARTED"
    arr = kind == "ARRIVED"
    return (r["event_id"], local_date(t), r["corridor"], r["direction"], r["cargo_category"],
            r["goods_origin_country"], int(dep), int(kind == "BORDER_CROSSED"), int(arr),
            r["teu"] if dep else 0, decimal_text_to_fen(r["cargo_value_cny"]) if dep else 0,
            (t - ms(r["departed_at"])) // 1000 if arr else 0)


def row_registration(r):
    return (r["uscc"], local_date(ms(r["registered_at"])).replace(day=1), r["area"],
            r["industry"], r["enterprise_type"], r["investor_country"],
            decimal_text_to_fen(r["registered_capital_cny"]))


# Column types of the staging tables, in order (see SETUP).
COLUMNS = {
    "customs": "int4 text int4 date text text text text text int4 int8 numeric int4 int4 int8".split(),
    "rail": "int4 text date text text text text int4 int4 int4 int4 int8 int8".split(),
    "registration": "int4 text date text text text text int8".split(),
}
PG_EPOCH = date(2000, 1, 1).toordinal()


def numeric_binary(d):
    """A Decimal in PostgreSQL's binary numeric format (base-10000 digits)."""
    sign, digits, exp = d.as_tuple()
    dscale = max(0, -exp)
    s = "".join(map(str, digits))
    # Pad so that the exponent is a multiple of 4 and the length too: each
    # 4 decimal digits are then one base-10000 digit.
    if exp < 0:
        s += "0" * (exp % 4)
        exp -= exp % 4
    else:
        s += "0" * exp
        exp = 0
    s = "0" * ((-len(s)) % 4) + s
    groups = [int(s[i:i + 4]) for i in range(0, len(s), 4)]
    weight = len(groups) - 1 + exp // 4
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    return struct.pack(">hhHH%dH" % len(groups), len(groups), weight,
                       0x4000 if sign and groups else 0, dscale, *groups)


def encode_binary(rtype, rows):
    """COPY BINARY payload: header, one tuple per row, trailer."""
    types = COLUMNS[rtype]
    out = [b"PGCOPY\n\xff\r\n\x00", struct.pack(">ii", 0, 0)]
    head = struct.pack(">h", len(types))
    for row in rows:
        out.append(head)
        for typ, v in zip(types, row):
            if typ == "text":
                b = v.encode()
            elif typ == "int4":
                b = struct.pack(">i", v)
            elif typ == "int8":
                b = struct.pack(">q", v)
            elif typ == "date":
                b = struct.pack(">i", v.toordinal() - PG_EPOCH)
            else:
                b = numeric_binary(v)
            out.append(struct.pack(">i", len(b)))
            out.append(b)
    out.append(struct.pack(">h", -1))
    return b"".join(out)


def encode_text(rtype, rows):
    """COPY text payload."""
    return "".join("\t".join(copy_text(v) if isinstance(v, str) else str(v) for v in row) + "\n"
                   for row in rows).encode()


ROW = {"customs": row_customs, "rail": row_rail, "registration": row_registration}


# ---------------------------------------------------------------- batches

def records(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def keyed_rows(rtype, path, partitions):
    """(partition, row) per record of one type, in file order. Partition:
    crc32 of the Kafka key mod --partitions (not Kafka's murmur2; only the
    number of partitions and that an entity stays in one matter)."""
    for r in records(path):
        yield zlib.crc32(r[KEY[rtype]].encode()) % partitions, ROW[rtype](r)


def order_mixed(files, partitions):
    """All records, each type in file order, the types mixed in proportion
    to their counts (a smooth weighted round robin: next comes the type
    that has been served least, relative to its size), so every batch
    holds about the same mix and all three types end together. Files are
    read as they go, so only the payloads stay in memory."""
    n = {}
    for t in TYPES:
        with open(files[t], "rb") as f:
            n[t] = sum(1 for line in f if line.strip())
    its = {t: keyed_rows(t, files[t], partitions) for t in TYPES}
    pos = {t: 0 for t in TYPES}
    for _ in range(sum(n.values())):
        t = min((t for t in TYPES if pos[t] < n[t]), key=lambda t: (pos[t] + 1) / n[t])
        yield (t,) + next(its[t])
        pos[t] += 1


def order_partition(files, partitions):
    """All records in the order a consumer of the topics receives a
    backlog: librdkafka fetches up to a megabyte per partition at a time,
    so the messages come in long runs of one partition (with this backlog,
    whole partitions), one after the other. Batches cut through the runs
    and hold mostly one type, and a partition's events spread over more
    days than the same number of consecutive lines of a file."""
    for t in TYPES:
        runs = [[] for _ in range(partitions)]
        for p, row in keyed_rows(t, files[t], partitions):
            runs[p].append(row)
        for p, rows in enumerate(runs):
            for row in rows:
                yield t, p, row


ORDERS = {"mixed": order_mixed, "partition": order_partition}


def build_batches(files, batch_size, partitions, order, encode):
    """The batches, each with its COPY payloads and its offset
    compare-and-set statements, all built before timing."""
    batches = []
    next_off = {}
    cur = None
    for t, p, row in ORDERS[order](files, partitions):
        if cur is None or cur["messages"] == batch_size:
            if cur:
                finish_batch(cur, encode)
            cur = {"rows": {x: [] for x in TYPES}, "parts": {}, "messages": 0}
            batches.append(cur)
        k = TYPES.index(t) * 1000 + p
        off = next_off.get(k, 0)
        next_off[k] = off + 1
        if k not in cur["parts"]:
            cur["parts"][k] = [off if off else -1, off]
        cur["parts"][k][1] = off
        rows = cur["rows"][t]
        rows.append((len(rows),) + row)
        cur["messages"] += 1
    if cur:
        finish_batch(cur, encode)
    return batches


def finish_batch(b, encode):
    """Replaces a batch's row tuples by its COPY payloads and its offset
    compare-and-set statements."""
    b["payload"] = {t: encode(t, b["rows"][t]) if b["rows"][t] else b"" for t in TYPES}
    del b["rows"]
    cas = sorted((k, exp, last + 1) for k, (exp, last) in b["parts"].items())
    upd = [c for c in cas if c[1] >= 0]
    ins = [c for c in cas if c[1] < 0]
    # The fence: one statement for the partitions seen before (exactly
    # their number of rows must move from the expected offset), one for
    # those seen for the first time.
    b["cas"] = []
    if upd:
        b["cas"].append(("UPDATE pgl.offsets o SET next_offset = v.nxt"
                         " FROM (VALUES %s) v(k, exp, nxt) WHERE o.k = v.k AND o.next_offset = v.exp"
                         % ", ".join("(%d, %d, %d)" % c for c in upd), len(upd)))
    if ins:
        b["cas"].append(("INSERT INTO pgl.offsets (k, next_offset) VALUES %s ON CONFLICT DO NOTHING"
                         % ", ".join("(%d, %d)" % (c[0], c[2]) for c in ins), len(ins)))


# ---------------------------------------------------------------- SQL

SETUP = [
    # Statements of a few milliseconds: JIT compilation would cost more
    # than it saves.
    "SET jit = off",
    # Everything is in shared buffers; without this the planner prefers a
    # seq scan of the growing state tables to index probes (see above).
    "SET random_page_cost = 1.1",
    "CREATE SCHEMA pgl",
    # (type * 1000 + partition) -> next offset: ftz.consumer_offsets, narrow.
    "CREATE TABLE pgl.offsets (k int PRIMARY KEY, next_offset bigint NOT NULL)",
    # Per declaration: the counted revision and exactly what it added.
    """CREATE TABLE pgl.customs_state (id text COLLATE "C" PRIMARY KEY, revision int NOT NULL,
         day date NOT NULL, area text NOT NULL, direction text NOT NULL, hs_chapter text NOT NULL,
         partner_country text NOT NULL, transport_mode text NOT NULL, n int NOT NULL,
         value_fen bigint NOT NULL, weight numeric NOT NULL, cleared int NOT NULL,
         held int NOT NULL, clearance bigint NOT NULL)""",
    # The ids counted: unique B-trees, so the database itself enforces "once".
    'CREATE TABLE pgl.rail_seen (id text COLLATE "C" PRIMARY KEY)',
    'CREATE TABLE pgl.registration_seen (id text COLLATE "C" PRIMARY KEY)',
    # Staging: temporary (no WAL), emptied at each commit.
    """CREATE TEMP TABLE stage_customs (seq int, id text COLLATE "C", revision int, day date,
         area text, direction text, hs_chapter text, partner_country text, transport_mode text,
         n int, value_fen bigint, weight numeric, cleared int, held int, clearance bigint)
         ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE stage_rail (seq int, id text COLLATE "C", day date, corridor text,
         direction text, cargo_category text, goods_origin_country text, dep int, bc int,
         arr int, teu int, value_fen bigint, transit bigint) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE stage_registration (seq int, id text COLLATE "C", month date,
         area text, industry text, enterprise_type text, investor_country text,
         capital_fen bigint) ON COMMIT DELETE ROWS""",
]


# One statement per type (all its CTEs see one snapshot, so `j` reads the
# state as it was before this batch).
#
# Customs: the batch's winner per declaration; a LEFT JOIN to the stored
# revision; the winners above it (`new`); a plain INSERT of the first
# revisions and an UPDATE of the replaced ones; the deltas (minus what the
# replaced revision added, plus the new one) summed per key into
# customs_daily. Money travels as fen (bigint) and becomes numeric once
# per key; the weights stay exact numeric, gross_weight_kg is their sum
# cast to double, as ftz keeps it.
APPLY = {
    "customs": """
WITH b AS (SELECT DISTINCT ON (id) * FROM stage_customs ORDER BY id, revision DESC, seq),
j AS (SELECT b.*, s.revision AS o_rev, s.day AS o_day, s.area AS o_area, s.direction AS o_direction,
         s.hs_chapter AS o_hs_chapter, s.partner_country AS o_partner_country,
         s.transport_mode AS o_transport_mode, s.n AS o_n, s.value_fen AS o_value_fen,
         s.weight AS o_weight, s.cleared AS o_cleared, s.held AS o_held, s.clearance AS o_clearance
      FROM b LEFT JOIN pgl.customs_state s USING (id)),
new AS (SELECT * FROM j WHERE o_rev IS NULL OR revision > o_rev),
ins AS (INSERT INTO pgl.customs_state SELECT id, revision, day, area, direction, hs_chapter,
         partner_country, transport_mode, n, value_fen, weight, cleared, held, clearance
       FROM new WHERE o_rev IS NULL),
upd AS (UPDATE pgl.customs_state s SET (revision, day, area, direction, hs_chapter, partner_country,
         transport_mode, n, value_fen, weight, cleared, held, clearance) =
         (new.revision, new.day, new.area, new.direction, new.hs_chapter, new.partner_country,
          new.transport_mode, new.n, new.value_fen, new.weight, new.cleared, new.held, new.clearance)
       FROM new WHERE new.o_rev IS NOT NULL AND s.id = new.id),
d AS (SELECT o_day AS day, o_area AS area, o_direction AS direction, o_hs_chapter AS hs_chapter,
         o_partner_country AS partner_country, o_transport_mode AS transport_mode,
         -o_n AS n, -o_value_fen AS v, -o_weight AS w, -o_cleared AS c, -o_held AS h, -o_clearance AS s
      FROM new WHERE o_rev IS NOT NULL AND o_n <> 0
      UNION ALL
      SELECT day, area, direction, hs_chapter, partner_country, transport_mode, n, value_fen,
         weight, cleared, held, clearance FROM new WHERE n <> 0)
INSERT INTO ftz.customs_daily AS t (day, area, direction, hs_chapter, partner_country,
    transport_mode, declarations, declared_value_cny, gross_weight_kg, cleared, held,
    clearance_seconds_sum, gross_weight_kg_exact)
SELECT day, area, direction, hs_chapter, partner_country, transport_mode, sum(n),
       sum(v) * 0.01, sum(w)::float8, sum(c), sum(h), sum(s), sum(w)
FROM d GROUP BY day, area, direction, hs_chapter, partner_country, transport_mode
ON CONFLICT (day, area, direction, hs_chapter, partner_country, transport_mode) DO UPDATE SET
    declarations = t.declarations + EXCLUDED.declarations,
    declared_value_cny = t.declared_value_cny + EXCLUDED.declared_value_cny,
    gross_weight_kg_exact = t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact,
    gross_weight_kg = (t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact)::float8,
    cleared = t.cleared + EXCLUDED.cleared, held = t.held + EXCLUDED.held,
    clearance_seconds_sum = t.clearance_seconds_sum + EXCLUDED.clearance_seconds_sum""",
    # Rail and registrations: the first arrival of each id in the batch, the
    # ones not seen before (an index-only probe), a plain INSERT of those
    # ids, and exactly those added to the aggregate.
    "rail": """
WITH b AS (SELECT DISTINCT ON (id) * FROM stage_rail ORDER BY id, seq),
new AS (SELECT * FROM b WHERE NOT EXISTS (SELECT FROM pgl.rail_seen s WHERE s.id = b.id)),
ins AS (INSERT INTO pgl.rail_seen SELECT id FROM new)
INSERT INTO ftz.rail_daily AS t (day, corridor, direction, cargo_category, goods_origin_country,
    departures, border_crossings, arrivals, teu_departed, cargo_value_departed_cny,
    transit_seconds_sum)
SELECT day, corridor, direction, cargo_category, goods_origin_country, sum(dep), sum(bc),
       sum(arr), sum(teu), sum(value_fen) * 0.01, sum(transit)
FROM new
GROUP BY day, corridor, direction, cargo_category, goods_origin_country
ON CONFLICT (day, corridor, direction, cargo_category, goods_origin_country) DO UPDATE SET
    departures = t.departures + EXCLUDED.departures,
    border_crossings = t.border_crossings + EXCLUDED.border_crossings,
    arrivals = t.arrivals + EXCLUDED.arrivals,
    teu_departed = t.teu_departed + EXCLUDED.teu_departed,
    cargo_value_departed_cny = t.cargo_value_departed_cny + EXCLUDED.cargo_value_departed_cny,
    transit_seconds_sum = t.transit_seconds_sum + EXCLUDED.transit_seconds_sum""",
    "registration": """
WITH b AS (SELECT DISTINCT ON (id) * FROM stage_registration ORDER BY id, seq),
new AS (SELECT * FROM b WHERE NOT EXISTS (SELECT FROM pgl.registration_seen s WHERE s.id = b.id)),
ins AS (INSERT INTO pgl.registration_seen SELECT id FROM new)
INSERT INTO ftz.registrations_monthly AS t (month, area, industry, enterprise_type,
    investor_country, companies, registered_capital_cny)
SELECT month, area, industry, enterprise_type, investor_country, count(*), sum(capital_fen) * 0.01
FROM new
GROUP BY month, area, industry, enterprise_type, investor_country
ON CONFLICT (month, area, industry, enterprise_type, investor_country) DO UPDATE SET
    companies = t.companies + EXCLUDED.companies,
    registered_capital_cny = t.registered_capital_cny + EXCLUDED.registered_capital_cny""",
}


class Fenced(Exception):
    """An offset was not where this batch expected it."""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default="", help="conninfo (default: libpq's PG* variables)")
    ap.add_argument("--batch", type=int, default=5000, help="rows per transaction (default 5000)")
    ap.add_argument("--partitions", type=int, default=6, help="offset rows per type (default 6)")
    ap.add_argument("--order", choices=sorted(ORDERS), default="mixed",
                    help="mixed: the three files interleaved in proportion (default); partition:"
                         " runs of one partition, as a Kafka consumer receives a backlog")
    ap.add_argument("--copy-format", choices=("text", "binary"), default="text",
                    help="COPY format of the staging payloads (default text; binary gave nothing)")
    ap.add_argument("--explain", type=int, default=-1, metavar="N",
                    help="print EXPLAIN (ANALYZE, BUFFERS) of batch N's statements to stderr")
    ap.add_argument("files", nargs=3, help="customs rail registration JSON lines")
    args = ap.parse_args()
    files = dict(zip(TYPES, args.files))

    binary = args.copy_format == "binary"
    batches = build_batches(files, args.batch, args.partitions, args.order,
                            encode_binary if binary else encode_text)
    copy_opts = " (FORMAT binary)" if binary else ""
    messages = sum(b["messages"] for b in batches)
    conn = psycopg.connect(args.pg, autocommit=True)
    with conn.cursor() as cur:
        for sql in SETUP:
            cur.execute(sql)
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    timing = {k: 0.0 for k in ("begin", "offsets CAS", "COPY", "apply customs", "apply rail",
                               "apply registration", "COMMIT")}
    # The clock, the client's CPU and the backend's CPU start together.
    b_cpu0 = proc_cpu_seconds(backend)
    c0 = os.times()
    t0 = time.time()
    for i, b in enumerate(batches):
        with conn.cursor() as cur:
            t = time.perf_counter()
            cur.execute("BEGIN")
            t1 = time.perf_counter()
            timing["begin"] += t1 - t
            for sql, n in b["cas"]:
                cur.execute(sql)
                if cur.rowcount != n:
                    raise Fenced("fenced: %d of %d" % (cur.rowcount, n))
            t2 = time.perf_counter()
            timing["offsets CAS"] += t2 - t1
            for rtype in TYPES:
                if not b["payload"][rtype]:
                    continue
                t3 = time.perf_counter()
                with cur.copy("COPY stage_%s FROM STDIN%s" % (rtype, copy_opts)) as cp:
                    cp.write(b["payload"][rtype])
                t4 = time.perf_counter()
                timing["COPY"] += t4 - t3
                if i == args.explain:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + APPLY[rtype])
                    print("\n".join(r[0] for r in cur.fetchall()), file=sys.stderr)
                else:
                    cur.execute(APPLY[rtype])
                timing["apply " + rtype] += time.perf_counter() - t4
            t5 = time.perf_counter()
            cur.execute("COMMIT")
            timing["COMMIT"] += time.perf_counter() - t5
    t_end = time.time()
    c1 = os.times()
    b_cpu1 = proc_cpu_seconds(backend)
    drain = t_end - t0
    log(PROG, "drain: %d messages in %d batches from first BEGIN to last COMMIT in %.3f s"
        " (%.0f messages/s)" % (messages, len(batches), drain, messages / drain))
    log(PROG, "time per statement kind: " + ", ".join("%s %.3f s" % kv for kv in timing.items()))
    print(json.dumps({"messages": messages, "batches": len(batches), "drain_s": drain,
                      "client_cpu_s": (c1.user + c1.system) - (c0.user + c0.system),
                      "backend_cpu_s": b_cpu1 - b_cpu0, "timing": timing}))


if __name__ == "__main__":
    main()
