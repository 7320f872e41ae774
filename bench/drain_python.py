#!/usr/bin/env python3
"""The drain benchmark's Python peer of `ftz aggregate` (bench/drain).

A consumer-group member written the way a competent Python engineer would
write it with the usual libraries: confluent-kafka (librdkafka underneath,
like ftz), fastavro for the Avro datums, psycopg 3 for PostgreSQL. It has
the same exactly-once semantics as ftz aggregate (docs/exactly-once.md):

  * subscribes to the three topics; on assignment, each partition starts at
    the next offset stored in PostgreSQL (the beginning when none);
  * single-object Avro: C3 01, the 8-byte fingerprint of the writer schema
    (every version in schemas/ is in the catalog), then the datum, read with
    fastavro's schemaless_reader and the writer schema;
  * a batch closes at --batch messages, after --batch-ms, or when every
    owned partition is at its end; ONE transaction per batch: the
    compare-and-set of each partition's offset (first, in topic/partition
    order), the state rows, the aggregate deltas, the dead letters;
  * customs: the highest revision of a declaration counts (first arrival
    among equals), a later equal or lower one changes nothing, a new one
    retracts what the previous one added, CANCELLED counts nowhere; rail:
    each event_id once; registrations: each uscc once, the first.

It writes the aggregate tables of `ftz db migrate` (ftz.customs_daily,
ftz.rail_daily, ftz.registrations_monthly) and keeps its own state,
offsets and dead letters in schema py of the same database; its staging
tables are temporary. Framing, fingerprint, decode and key errors become
dead letters; the field-level business rules (HS codes, check digits, ...)
are not re-implemented here: the simulator's lines all pass them, and they
do not change what is counted for valid input.

What it does not do (a benchmark peer, not a product): the dead-letter
topic, the per-record isolation of a batch PostgreSQL refuses, reconnection.
A lost connection stops it; a restart resumes from the stored offsets, so
exactly-once still holds.

Prints one JSON line on stdout at the end (messages, batches, drain_s, ...)
and, like ftz, a `drain: ...` line on stderr.
"""
import argparse
import glob
import io
import json
import os
import signal
import sys
import time

import psycopg
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition, OFFSET_BEGINNING
from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drain_common import TOPICS, TYPES, copy_text, fen_text, log  # noqa: E402

PROG = "python"

# ---------------------------------------------------------------- schemas

RECORD_TYPES = {
    "ftz.customs.CustomsDeclaration": "customs",
    "ftz.rail.RailEvent": "rail",
    "ftz.registry.CompanyRegistration": "registration",
}


def strip_logical_types(node):
    """The schema without logicalType annotations. The bytes on the wire
    are the same (logical types are not part of the Parsing Canonical Form
    either); fastavro then hands back the underlying long (milliseconds)
    and bytes (unscaled decimal) instead of building datetime and Decimal
    objects that this consumer would only turn back into integers and text.
    ftz's C decoder holds the same integers."""
    if isinstance(node, dict):
        return {k: strip_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if isinstance(node, list):
        return [strip_logical_types(v) for v in node]
    return node


def load_catalog(schema_dir):
    """fingerprint (the 8 bytes after C3 01) -> (record type, parsed writer schema)."""
    catalog = {}
    for path in sorted(glob.glob(os.path.join(schema_dir, "**", "*.avsc"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        full = schema.get("namespace", "") + "." + schema["name"]
        if full not in RECORD_TYPES:
            continue
        canonical = to_parsing_canonical_form(parse_schema(schema))
        # fastavro prints the CRC-64-AVRO fingerprint as the hex of its
        # little-endian bytes: exactly the bytes of the single-object header.
        fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
        catalog[fp] = (RECORD_TYPES[full], parse_schema(strip_logical_types(schema)))
    if not catalog:
        sys.exit("drain_python: no schemas found in %s" % schema_dir)
    return catalog


class DecodeError(Exception):
    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ---------------------------------------------------------------- staging rows
# One COPY text line per record, with only what the state and the
# aggregates need. Like ftz, the client computes what is a pure function of
# one record (HS chapter, partner country, clearance and transit seconds);
# PostgreSQL computes the local dates.

def ms_or_null(v):
    return "\\N" if v is None else str(v)


def stage_customs(seq, r):
    export = r["direction"] == "EXPORT"
    cleared = r["cleared_at"]
    clearance = None
    if r["status"] == "CLEARED" and cleared is not None:
        clearance = (cleared - r["filed_at"]) // 1000  # the rules keep it >= 0
    return "\t".join((
        str(seq), copy_text(r["declaration_id"]), str(r["revision"]), r["status"], r["area"],
        r["direction"], copy_text(r["hs_code"][:2]),
        copy_text(r["destination_country"] if export else r["origin_country"]),
        r["transport_mode"], fen_text(int.from_bytes(r["declared_value_cny"], "big", signed=True)),
        repr(r["gross_weight_kg"]), str(r["filed_at"]), ms_or_null(clearance))) + "\n"


def stage_rail(seq, r):
    departed = r["departed_at"]
    transit = None
    if r["event_type"] == "ARRIVED" and departed is not None:
        transit = (r["event_time"] - departed) // 1000
    return "\t".join((
        str(seq), copy_text(r["event_id"]), copy_text(r["corridor"]), r["direction"],
        r["event_type"], r["cargo_category"], copy_text(r["goods_origin_country"]), str(r["teu"]),
        fen_text(int.from_bytes(r["cargo_value_cny"], "big", signed=True)), str(r["event_time"]),
        ms_or_null(transit))) + "\n"


def stage_registration(seq, r):
    return "\t".join((
        str(seq), copy_text(r["uscc"]), r["area"], copy_text(r["industry"]), r["enterprise_type"],
        copy_text(r["investor_country"]),
        fen_text(int.from_bytes(r["registered_capital_cny"], "big", signed=True)),
        str(r["registered_at"]))) + "\n"


STAGE = {"customs": stage_customs, "rail": stage_rail, "registration": stage_registration}
KEY_FIELD = {"customs": "declaration_id", "rail": "shipment_id", "registration": "uscc"}

# ---------------------------------------------------------------- SQL

# Its own schema for what is the consumer's business (state, offsets, dead
# letters); the aggregate tables are ftz's (`ftz db migrate`), so all
# contenders fill tables of one definition. The state is as narrow as
# exactly-once needs, as ftz keeps it (lib/sql/004_narrow_state.sql): a
# declaration's counted revision with the key and measures it added, the
# counted rail event ids and USCCs. Ids compare byte by byte (COLLATE "C").
SCHEMA_SQL = [
    "CREATE SCHEMA IF NOT EXISTS py",
    """CREATE TABLE IF NOT EXISTS py.consumer_offsets (
         consumer_group text NOT NULL, topic text NOT NULL, partition int NOT NULL,
         next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (consumer_group, topic, partition))""",
    """CREATE TABLE IF NOT EXISTS py.customs_state (
         declaration_id text COLLATE "C" PRIMARY KEY, revision int NOT NULL,
         status text NOT NULL, day date NOT NULL, area text NOT NULL, direction text NOT NULL,
         hs_chapter text NOT NULL, partner_country text NOT NULL, transport_mode text NOT NULL,
         declared_value_cny numeric(38,2) NOT NULL, gross_weight_kg_exact numeric NOT NULL,
         clearance_seconds bigint)""",
    'CREATE TABLE IF NOT EXISTS py.rail_events (event_id text COLLATE "C" PRIMARY KEY)',
    'CREATE TABLE IF NOT EXISTS py.companies (uscc text COLLATE "C" PRIMARY KEY)',
    """CREATE TABLE IF NOT EXISTS py.dead_letters (
         id bigserial PRIMARY KEY, source_topic text NOT NULL, source_partition int NOT NULL,
         source_offset bigint NOT NULL, record_key bytea, payload bytea, code text NOT NULL,
         reason text NOT NULL, rejected_at timestamptz NOT NULL DEFAULT now(),
         UNIQUE (source_topic, source_partition, source_offset))""",
]

SESSION_SQL = [
    # Everything is in shared buffers: without this the planner joins a
    # batch to the growing state table by a seq scan and a hash, not by
    # index probes, and each batch gets slower than the one before.
    "SET random_page_cost = 1.1",
    """CREATE TEMP TABLE stage_customs (
         seq int NOT NULL, declaration_id text COLLATE "C" NOT NULL, revision int NOT NULL,
         status text NOT NULL, area text NOT NULL, direction text NOT NULL,
         hs_chapter text NOT NULL, partner_country text NOT NULL, transport_mode text NOT NULL,
         declared_value_cny numeric NOT NULL, gross_weight_kg text NOT NULL,
         filed_at_ms bigint NOT NULL, clearance_seconds bigint) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE stage_rail (
         seq int NOT NULL, event_id text COLLATE "C" NOT NULL, corridor text NOT NULL,
         direction text NOT NULL, event_type text NOT NULL, cargo_category text NOT NULL,
         goods_origin_country text NOT NULL, teu int NOT NULL, cargo_value_cny numeric NOT NULL,
         event_time_ms bigint NOT NULL, transit_seconds bigint) ON COMMIT DELETE ROWS""",
    """CREATE TEMP TABLE stage_registration (
         seq int NOT NULL, uscc text COLLATE "C" NOT NULL, area text NOT NULL,
         industry text NOT NULL, enterprise_type text NOT NULL, investor_country text NOT NULL,
         registered_capital_cny numeric NOT NULL, registered_at_ms bigint NOT NULL)
         ON COMMIT DELETE ROWS""",
]


def local_date(ms_column):
    """SQL: the Asia/Shanghai date of milliseconds since the epoch, exactly
    (to_timestamp(ms / 1000.0) would go through a double)."""
    return ("((timestamptz 'epoch' + %s * interval '1 millisecond')"
            " AT TIME ZONE 'Asia/Shanghai')::date" % ms_column)


# Customs, in one statement (all CTEs see the same snapshot): the batch's
# winner per declaration; the stored revision it must beat; the upsert of
# the state; and the aggregate deltas (minus what the replaced revision
# added, plus the new one), summed per key and applied in key order.
APPLY_CUSTOMS = """
WITH batch AS (
    SELECT DISTINCT ON (declaration_id) *
    FROM stage_customs ORDER BY declaration_id, revision DESC, seq
), old AS (
    SELECT s.* FROM py.customs_state s JOIN batch b USING (declaration_id)
), new AS (
    SELECT b.*, b.gross_weight_kg::numeric AS weight_exact, %(day)s AS day
    FROM batch b LEFT JOIN old o USING (declaration_id)
    WHERE o.revision IS NULL OR b.revision > o.revision
), upsert AS (
    INSERT INTO py.customs_state AS s (declaration_id, revision, status, day, area, direction,
        hs_chapter, partner_country, transport_mode, declared_value_cny, gross_weight_kg_exact,
        clearance_seconds)
    SELECT declaration_id, revision, status, day, area, direction, hs_chapter, partner_country,
        transport_mode, declared_value_cny, weight_exact, clearance_seconds
    FROM new
    ON CONFLICT (declaration_id) DO UPDATE SET (revision, status, day, area, direction,
        hs_chapter, partner_country, transport_mode, declared_value_cny, gross_weight_kg_exact,
        clearance_seconds)
      = (EXCLUDED.revision, EXCLUDED.status, EXCLUDED.day, EXCLUDED.area, EXCLUDED.direction,
        EXCLUDED.hs_chapter, EXCLUDED.partner_country, EXCLUDED.transport_mode,
        EXCLUDED.declared_value_cny, EXCLUDED.gross_weight_kg_exact, EXCLUDED.clearance_seconds)
), delta AS (
    SELECT o.day, o.area, o.direction, o.hs_chapter, o.partner_country, o.transport_mode,
           -1 AS n, -o.declared_value_cny AS v, -o.gross_weight_kg_exact AS w,
           -(o.status = 'CLEARED')::int AS c, -(o.status = 'HELD')::int AS h,
           -coalesce(o.clearance_seconds, 0) AS s
    FROM old o JOIN new USING (declaration_id) WHERE o.status <> 'CANCELLED'
    UNION ALL
    SELECT day, area, direction, hs_chapter, partner_country, transport_mode, 1,
           declared_value_cny, weight_exact, (status = 'CLEARED')::int,
           (status = 'HELD')::int, coalesce(clearance_seconds, 0)
    FROM new WHERE status <> 'CANCELLED'
)
INSERT INTO ftz.customs_daily AS t (day, area, direction, hs_chapter, partner_country,
    transport_mode, declarations, declared_value_cny, gross_weight_kg, cleared, held,
    clearance_seconds_sum, gross_weight_kg_exact)
SELECT day, area, direction, hs_chapter, partner_country, transport_mode, sum(n), sum(v),
       sum(w)::float8, sum(c), sum(h), sum(s), sum(w)
FROM delta
GROUP BY day, area, direction, hs_chapter, partner_country, transport_mode
ORDER BY day, area, direction, hs_chapter, partner_country, transport_mode
ON CONFLICT (day, area, direction, hs_chapter, partner_country, transport_mode) DO UPDATE SET
    declarations = t.declarations + EXCLUDED.declarations,
    declared_value_cny = t.declared_value_cny + EXCLUDED.declared_value_cny,
    gross_weight_kg_exact = t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact,
    gross_weight_kg = (t.gross_weight_kg_exact + EXCLUDED.gross_weight_kg_exact)::float8,
    cleared = t.cleared + EXCLUDED.cleared,
    held = t.held + EXCLUDED.held,
    clearance_seconds_sum = t.clearance_seconds_sum + EXCLUDED.clearance_seconds_sum
""" % {"day": local_date("b.filed_at_ms")}

# Rail: the first arrival of each event_id in the batch; those the state
# table did not have yet (ON CONFLICT DO NOTHING ... RETURNING says which)
# are exactly the ones added to rail_daily.
APPLY_RAIL = """
WITH batch AS (
    SELECT DISTINCT ON (event_id) * FROM stage_rail ORDER BY event_id, seq
), added AS (
    INSERT INTO py.rail_events (event_id) SELECT event_id FROM batch
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
)
INSERT INTO ftz.rail_daily AS t (day, corridor, direction, cargo_category,
    goods_origin_country, departures, border_crossings, arrivals, teu_departed,
    cargo_value_departed_cny, transit_seconds_sum)
SELECT %(day)s, corridor, direction, cargo_category, goods_origin_country,
       count(*) FILTER (WHERE event_type = 'DEPARTED'),
       count(*) FILTER (WHERE event_type = 'BORDER_CROSSED'),
       count(*) FILTER (WHERE event_type = 'ARRIVED'),
       coalesce(sum(teu) FILTER (WHERE event_type = 'DEPARTED'), 0),
       coalesce(sum(cargo_value_cny) FILTER (WHERE event_type = 'DEPARTED'), 0),
       coalesce(sum(transit_seconds) FILTER (WHERE event_type = 'ARRIVED'), 0)
FROM batch JOIN added USING (event_id)
GROUP BY 1, corridor, direction, cargo_category, goods_origin_country
ORDER BY 1, corridor, direction, cargo_category, goods_origin_country
ON CONFLICT (day, corridor, direction, cargo_category, goods_origin_country) DO UPDATE SET
    departures = t.departures + EXCLUDED.departures,
    border_crossings = t.border_crossings + EXCLUDED.border_crossings,
    arrivals = t.arrivals + EXCLUDED.arrivals,
    teu_departed = t.teu_departed + EXCLUDED.teu_departed,
    cargo_value_departed_cny = t.cargo_value_departed_cny + EXCLUDED.cargo_value_departed_cny,
    transit_seconds_sum = t.transit_seconds_sum + EXCLUDED.transit_seconds_sum
""" % {"day": local_date("event_time_ms")}

# Registrations: same shape as rail, keyed by uscc; the month of
# registered_at.
APPLY_REGISTRATION = """
WITH batch AS (
    SELECT DISTINCT ON (uscc) * FROM stage_registration ORDER BY uscc, seq
), added AS (
    INSERT INTO py.companies (uscc) SELECT uscc FROM batch
    ON CONFLICT (uscc) DO NOTHING
    RETURNING uscc
)
INSERT INTO ftz.registrations_monthly AS t (month, area, industry, enterprise_type,
    investor_country, companies, registered_capital_cny)
SELECT date_trunc('month', %(day)s)::date, area, industry, enterprise_type, investor_country,
       count(*), sum(registered_capital_cny)
FROM batch JOIN added USING (uscc)
GROUP BY 1, area, industry, enterprise_type, investor_country
ORDER BY 1, area, industry, enterprise_type, investor_country
ON CONFLICT (month, area, industry, enterprise_type, investor_country) DO UPDATE SET
    companies = t.companies + EXCLUDED.companies,
    registered_capital_cny = t.registered_capital_cny + EXCLUDED.registered_capital_cny
""" % {"day": local_date("registered_at_ms")}

APPLY = {"customs": APPLY_CUSTOMS, "rail": APPLY_RAIL, "registration": APPLY_REGISTRATION}
STAGE_TABLE = {"customs": "stage_customs", "rail": "stage_rail", "registration": "stage_registration"}

# ---------------------------------------------------------------- the member


class Fenced(Exception):
    """The stored offset moved: another member owns the partition now."""


class Owned:
    __slots__ = ("committed", "eof")

    def __init__(self, committed):
        self.committed = committed  # next offset stored in PostgreSQL, -1: no row yet
        self.eof = False


class Batch:
    def __init__(self):
        self.rows = {t: [] for t in TYPES}
        self.dead = []
        self.parts = {}  # (topic, partition) -> [expected, last]
        self.messages = 0
        self.counted = 0
        self.started = 0.0


class Member:
    def __init__(self, args):
        self.args = args
        self.group = args.group
        self.catalog = load_catalog(args.schemas)
        prefix = args.topic_prefix
        self.topic_type = {prefix + TOPICS[t]: t for t in TYPES}
        self.owned = {}
        self.batch = Batch()
        self.first_assigned = 0.0
        self.last_commit = 0.0
        self.assigned_once = False
        self.need_resync = False
        self.stats = {"messages": 0, "batches": 0, "counted": 0, "rejected": 0, "redone": 0}
        self.stop = False

        # autocommit: transactions are opened explicitly, one per batch.
        self.pg = psycopg.connect(args.pg or "", autocommit=True)
        with self.pg.cursor() as cur:
            for sql in SCHEMA_SQL + SESSION_SQL:
                cur.execute(sql)
            # Same refusal as ftz: a second group into one database counts twice.
            cur.execute("SELECT consumer_group FROM py.consumer_offsets"
                        " WHERE topic = ANY(%s) AND consumer_group <> %s LIMIT 1",
                        (list(self.topic_type), self.group))
            other = cur.fetchone()
            if other:
                sys.exit("drain_python: this database already aggregates these topics for"
                         " group %r" % other[0])
            cur.execute("SELECT pg_backend_pid()")
            self.backend_pid = cur.fetchone()[0]

        self.consumer = Consumer({
            "bootstrap.servers": args.brokers,
            "group.id": self.group,
            # The consumer settings of ftz (lib/src/kafka.c when this was
            # written): offsets live in PostgreSQL only, never in Kafka; an
            # end of partition is seen within 100 ms; a bounded prefetch.
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 1000,
            "fetch.wait.max.ms": 100,
            "queued.max.messages.kbytes": 16384,
        })

    # -- rebalances (called from inside consume(), on this thread)

    def stored_offsets(self):
        with self.pg.cursor() as cur:
            cur.execute("SELECT topic, partition, next_offset FROM py.consumer_offsets"
                        " WHERE consumer_group = %s", (self.group,))
            return {(t, p): o for t, p, o in cur.fetchall()}

    def on_assign(self, consumer, partitions):
        if not self.first_assigned:
            self.first_assigned = time.time()
        self.assigned_once = True
        stored = self.stored_offsets()
        for tp in partitions:
            nxt = stored.get((tp.topic, tp.partition), -1)
            tp.offset = nxt if nxt >= 0 else OFFSET_BEGINNING
            self.owned[(tp.topic, tp.partition)] = Owned(nxt)
        consumer.assign(partitions)

    def on_revoke(self, consumer, partitions):
        # The open batch is dropped, never committed; the fence would refuse
        # it anyway if it were stale.
        self.batch = Batch()
        for tp in partitions:
            self.owned.pop((tp.topic, tp.partition), None)
        consumer.unassign()

    def resync(self):
        """After a fenced or failed batch: every owned partition back to
        its stored offset."""
        stored = self.stored_offsets()
        for (topic, partition), o in self.owned.items():
            o.committed = stored.get((topic, partition), -1)
            o.eof = False
            self.consumer.seek(TopicPartition(topic, partition,
                                              o.committed if o.committed >= 0 else OFFSET_BEGINNING))
        self.need_resync = False

    # -- one message

    def decode(self, rtype, value, key):
        if value is None or len(value) < 10 or value[0] != 0xC3 or value[1] != 0x01:
            raise DecodeError("BAD_FRAMING", "not single-object encoded")
        entry = self.catalog.get(value[2:10])
        if entry is None or entry[0] != rtype:
            raise DecodeError("UNKNOWN_SCHEMA", "fingerprint %s is not a %s schema"
                              % (value[2:10].hex(), rtype))
        bio = io.BytesIO(value)
        bio.seek(10)
        try:
            rec = schemaless_reader(bio, entry[1], None)
        except Exception as e:  # fastavro raises many kinds on bad bytes
            raise DecodeError("DECODE_ERROR", "datum does not decode: %s" % e)
        if bio.tell() != len(value):
            raise DecodeError("DECODE_ERROR", "%d trailing bytes" % (len(value) - bio.tell()))
        if key is None or key.decode("utf-8", "replace") != rec[KEY_FIELD[rtype]]:
            raise DecodeError("RULE_KEY_MISMATCH", "key is not %s" % KEY_FIELD[rtype])
        return rec

    def handle(self, m):
        topic, partition, offset = m.topic(), m.partition(), m.offset()
        owned = self.owned.get((topic, partition))
        if owned is None:
            return  # a late message of a partition revoked meanwhile
        owned.eof = False
        b = self.batch
        part = b.parts.get((topic, partition))
        # Never the same offset twice (a redelivery after a seek): what is
        # below the stored offset or already in the batch is skipped.
        if offset < owned.committed or (part is not None and offset <= part[1]):
            return
        if not b.messages:
            b.started = time.monotonic()
        if part is None:
            b.parts[(topic, partition)] = [owned.committed, offset]
        else:
            part[1] = offset
        b.messages += 1
        rtype = self.topic_type[topic]
        value, key = m.value(), m.key()
        try:
            rec = self.decode(rtype, value, key)
        except DecodeError as e:
            b.dead.append((topic, partition, offset, key, value, e.code, e.reason))
            return
        rows = b.rows[rtype]
        rows.append(STAGE[rtype](len(rows), rec))
        b.counted += 1

    # -- one batch, one transaction

    def commit(self):
        b = self.batch
        for attempt in range(1, 6):
            try:
                with self.pg.transaction(), self.pg.cursor() as cur:
                    self.write_batch(cur, b)
                break
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as e:
                log(PROG, "batch attempt %d failed, retrying: %s" % (attempt, e))
                time.sleep(0.05 * attempt)
            except Fenced as e:
                log(PROG, "batch of %d messages not committed, redoing: %s" % (b.messages, e))
                self.stats["redone"] += 1
                self.batch = Batch()
                self.need_resync = True
                return
        else:
            sys.exit("drain_python: batch failed 5 times")
        for (topic, partition), (_, last) in b.parts.items():
            o = self.owned.get((topic, partition))
            if o:
                o.committed = last + 1
        self.stats["messages"] += b.messages
        self.stats["batches"] += 1
        self.stats["counted"] += b.counted
        self.stats["rejected"] += len(b.dead)
        self.last_commit = time.time()
        self.batch = Batch()

    def write_batch(self, cur, b):
        # 1. The fence, first and in (topic, partition) order: the row lock
        #    serialises two members that both think they own a partition.
        for (topic, partition), (expected, last) in sorted(b.parts.items()):
            if expected < 0:
                cur.execute("INSERT INTO py.consumer_offsets (consumer_group, topic, partition,"
                            " next_offset) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            (self.group, topic, partition, last + 1))
            else:
                cur.execute("UPDATE py.consumer_offsets SET next_offset = %s, updated_at = now()"
                            " WHERE consumer_group = %s AND topic = %s AND partition = %s"
                            " AND next_offset = %s",
                            (last + 1, self.group, topic, partition, expected))
            if cur.rowcount != 1:
                raise Fenced("%s [%d]: stored offset is no longer %d" % (topic, partition, expected))
        # 2. State and aggregates, per type: COPY into the staging table,
        #    then the one set-based statement.
        for rtype in TYPES:
            rows = b.rows[rtype]
            if not rows:
                continue
            with cur.copy("COPY %s FROM STDIN" % STAGE_TABLE[rtype]) as copy:
                copy.write("".join(rows))
            cur.execute(APPLY[rtype])
        # 3. Dead letters: exactly once, with the offsets.
        if b.dead:
            cur.executemany(
                "INSERT INTO py.dead_letters (source_topic, source_partition, source_offset,"
                " record_key, payload, code, reason) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING",
                b.dead)

    # -- the loop

    def run(self):
        self.consumer.subscribe(list(self.topic_type), on_assign=self.on_assign,
                                on_revoke=self.on_revoke, on_lost=self.on_revoke)
        log(PROG, "group %s: consuming %d topics from %s"
            % (self.group, len(self.topic_type), self.args.brokers))
        batch_max, batch_s, idle_s = self.args.batch, self.args.batch_ms / 1000.0, self.args.until_idle
        idle_since = 0.0
        try:
            while not self.stop:
                if self.need_resync:
                    self.resync()
                msgs = self.consumer.consume(num_messages=1000, timeout=0.1)
                for m in msgs:
                    err = m.error()
                    if err is None:
                        if not self.need_resync:
                            self.handle(m)
                            if self.batch.messages >= batch_max:
                                self.commit()
                    elif err.code() == KafkaError._PARTITION_EOF:
                        o = self.owned.get((m.topic(), m.partition()))
                        if o:
                            o.eof = True
                    elif err.fatal():
                        raise KafkaException(err)
                    else:
                        log(PROG, "kafka: %s" % err)
                now = time.monotonic()
                at_end = self.assigned_once and all(o.eof for o in self.owned.values())
                b = self.batch
                if b.messages and (b.messages >= batch_max or now - b.started >= batch_s or at_end):
                    self.commit()
                if idle_s > 0 and at_end and not self.batch.messages and not self.need_resync:
                    if not idle_since:
                        idle_since = now
                    elif now - idle_since >= idle_s:
                        log(PROG, "idle for %gs at the end of every partition" % idle_s)
                        break
                else:
                    idle_since = 0.0
            if self.batch.messages and not self.need_resync:
                self.commit()  # a clean stop keeps what was read
        finally:
            self.consumer.close()
            self.pg.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-g", "--group", required=True)
    ap.add_argument("--topic-prefix", default=os.environ.get("FTZ_TOPIC_PREFIX", ""))
    ap.add_argument("-b", "--brokers", default=os.environ.get("FTZ_BROKERS", "127.0.0.1:9092"))
    ap.add_argument("--pg", default="", help="conninfo (default: libpq's PG* variables)")
    ap.add_argument("--schemas", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "schemas"))
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--batch-ms", type=int, default=500)
    ap.add_argument("--until-idle", type=float, default=2.0)
    args = ap.parse_args()

    member = Member(args)

    def on_signal(signum, frame):
        member.stop = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    member.run()
    s = member.stats
    drain = member.last_commit - member.first_assigned if member.last_commit else 0.0
    log(PROG, "%d messages in %d batches: %d counted, %d rejected, %d batches redone"
        % (s["messages"], s["batches"], s["counted"], s["rejected"], s["redone"]))
    if drain > 0:
        log(PROG, "drain: %d messages from first assignment to last commit in %.3f s"
            " (%.0f messages/s)" % (s["messages"], drain, s["messages"] / drain))
    print(json.dumps(dict(s, drain_s=drain, first_assigned=member.first_assigned,
                          last_commit=member.last_commit, backend_pid=member.backend_pid)))


if __name__ == "__main__":
    main()
