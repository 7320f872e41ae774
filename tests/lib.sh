# The one harness of the stack, fault, secure, cluster and service tests:
# sourced by each test script (tests/*/test_*.sh; the cluster tests add
# tests/cluster/lib.sh on top). Each test gets its own PostgreSQL database and its
# own topics (a unique topic prefix), so tests never see each other's data.
# The stack must be up (make stack-test starts it); if Kafka or PostgreSQL
# cannot be reached the test fails and says so.
set -euo pipefail

: "${FTZ_BIN:?FTZ_BIN must point at the built ftz binary (ctest sets it)}"
: "${FTZ_SOURCE_DIR:?FTZ_SOURCE_DIR must point at the source tree (ctest sets it)}"
FTZ=$FTZ_BIN
HERE=$FTZ_SOURCE_DIR/tests/stack
TEST_NAME=$(basename "$0" .sh)
TEST_ID="${TEST_NAME#test_}_$(date +%s)_$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftz-$TEST_NAME.XXXXXX")
export FTZ_TOPIC_PREFIX="$TEST_ID."
ADMIN_DB=${PGDATABASE:-ftz}
export PGDATABASE="ftz_$TEST_ID"
# librdkafka and Avro-C keep some allocations until exit; ASan's leak check
# runs in the unit tests, where the project's own code is exercised alone.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
BG_PIDS=()

log() { printf '[%s] %s\n' "$TEST_NAME" "$*" >&2; }
fail() {
  printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2
  exit 1
}

cleanup() {
  local rc=$?
  for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ $rc -eq 0 ]]; then
    psql -X -q -d "$ADMIN_DB" -c "DROP DATABASE IF EXISTS \"$PGDATABASE\"" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    log "PASS"
  else
    log "kept database $PGDATABASE and files in $WORK for inspection"
  fi
}
trap cleanup EXIT

# q SQL: one query, unaligned, tuples only.
q() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }
# qv NAME SQL: SQL with the psql variable name set to NAME (written :"name"
# for an identifier, :'name' for a literal), so role names are never spliced.
qv() { printf '%s\n' "$2" | psql -X -A -t -q -v ON_ERROR_STOP=1 -v name="$1"; }
# drop_roles ROLE...: drops the roles a test made (they outlive its
# database); says which it could not drop.
drop_roles() {
  local r
  for r in "$@"; do
    printf 'DROP ROLE IF EXISTS :"name";\n' | psql -X -q -d "$ADMIN_DB" -v name="$r" >/dev/null 2>&1 \
      || log "could not drop role $r"
  done
}

assert_eq() { # expected actual what
  [[ "$1" == "$2" ]] || fail "$3: expected [$1], got [$2]"
}

# Fresh database with the schema, and the test's own topics.
setup_pipeline() {
  local partitions=${1:-3}
  kcat -b "${FTZ_BROKERS:?FTZ_BROKERS is not set: eval \"\$(deploy/local/stack env)\"}" \
    -L -m 10 >/dev/null 2>&1 || fail "Kafka at $FTZ_BROKERS does not answer (is the stack up?)"
  psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$PGDATABASE\"" >/dev/null \
    || fail "cannot create database $PGDATABASE on ${PGHOST:-?}:${PGPORT:-?} (is the stack up?)"
  "$FTZ" db migrate -q 2>"$WORK/migrate.err" || fail "ftz db migrate: $(cat "$WORK/migrate.err")"
  "$FTZ" topics create -q --partitions "$partitions" || fail "ftz topics create failed"
}

# The customs_daily rows, canonical text, zero rows left out: what the
# oracle (tests/stack/oracle.py) prints for the same input.
customs_daily() {
  q "SELECT day, area, direction, hs_chapter, partner_country, transport_mode,
            declarations, declared_value_cny, round(gross_weight_kg::numeric, 3),
            cleared, held, clearance_seconds_sum
     FROM ftz.customs_daily
     WHERE declarations <> 0 OR declared_value_cny <> 0 OR gross_weight_kg <> 0
        OR cleared <> 0 OR held <> 0 OR clearance_seconds_sum <> 0
     ORDER BY 1, 2, 3, 4, 5, 6"
}

rail_daily() {
  q "SELECT day, corridor, direction, cargo_category, goods_origin_country, departures,
            border_crossings, arrivals, teu_departed, cargo_value_departed_cny, transit_seconds_sum
     FROM ftz.rail_daily
     WHERE departures <> 0 OR border_crossings <> 0 OR arrivals <> 0
     ORDER BY 1, 2, 3, 4, 5"
}

registrations_monthly() {
  q "SELECT month, area, industry, enterprise_type, investor_country, companies,
            registered_capital_cny
     FROM ftz.registrations_monthly WHERE companies <> 0 ORDER BY 1, 2, 3, 4, 5"
}

# assert_table customs|rail|registrations FILE...: the table equals the
# independent oracle's rows for the files (tests/stack/oracle.py).
assert_table() {
  local kind=$1
  shift
  python3 "$HERE/oracle.py" "$kind" "$@" >"$WORK/expected-$kind.txt"
  case $kind in
    customs) customs_daily ;;
    rail) rail_daily ;;
    registrations) registrations_monthly ;;
  esac >"$WORK/actual-$kind.txt"
  [[ -s "$WORK/expected-$kind.txt" ]] || fail "oracle produced no $kind rows"
  if ! diff -u "$WORK/expected-$kind.txt" "$WORK/actual-$kind.txt" >"$WORK/diff-$kind.txt"; then
    head -40 "$WORK/diff-$kind.txt" >&2
    fail "$kind aggregates differ from the expected totals ($(grep -c '^[-+][0-9]' "$WORK/diff-$kind.txt") lines)"
  fi
  log "$kind aggregates match: $(wc -l <"$WORK/actual-$kind.txt") rows"
}

assert_daily() { assert_table customs "$@"; }

topic() { printf '%s%s' "$FTZ_TOPIC_PREFIX" "$1"; }

# Kafka's own command-line tools, from the jars the local stack runs
# (deploy/local/stack fetches them into $FTZ_CACHE_DIR; FTZ_KAFKA_LIBS
# names another folder). kafka_tools_find fails the test when the jars or
# java are missing: call it before the test does any work.
kafka_tools_find() {
  KAFKA_LIBS=${FTZ_KAFKA_LIBS:-}
  if [[ -z $KAFKA_LIBS ]]; then
    local cache=${FTZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftz-pipeline}
    KAFKA_LIBS=$(ls -d "$cache"/kafka-*/libs 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [[ -n $KAFKA_LIBS && -d $KAFKA_LIBS ]] \
    || fail "Kafka's jars not found under \$FTZ_CACHE_DIR (deploy/local/stack up fetches them); set FTZ_KAFKA_LIBS"
  command -v java >/dev/null || fail "java is needed for Kafka's admin tools"
}
# kafka_tool CLASS ARGS...: runs one of them; its output in $WORK/kafka-tool.log.
kafka_tool() {
  java -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -cp "$KAFKA_LIBS/*" "$@" >"$WORK/kafka-tool.log" 2>&1 \
    || fail "Kafka tool $1 failed: $(tail -n 5 "$WORK/kafka-tool.log")"
}
# delete_records TOPIC PARTITION OFFSET: deletes [log start, OFFSET).
delete_records() {
  printf '{"version":1,"partitions":[{"topic":"%s","partition":%s,"offset":%s}]}\n' "$1" "$2" "$3" \
    >"$WORK/delete.json"
  kafka_tool org.apache.kafka.tools.DeleteRecordsCommand --bootstrap-server "$FTZ_BROKERS" \
    --offset-json-file "$WORK/delete.json"
}

# topic_messages TOPIC: every message of TOPIC (the full name, e.g.
# "$(topic ftz.customs.declarations)") from the beginning to the current end,
# one line each: partition, a tab, key.
topic_messages() {
  kcat -b "$FTZ_BROKERS" -C -t "$1" -o beginning -e -q -f '%p\t%k\n' \
    || fail "kcat could not read topic $1"
}

# committed_offsets: sum of the next offsets stored in ftz.consumer_offsets
# (equals the number of messages consumed when the topics are the test's own).
committed_offsets() { q "SELECT coalesce(sum(next_offset), 0) FROM ftz.consumer_offsets"; }

# kind_topic customs|rail|registrations: the test's topic of that record type.
kind_topic() {
  case $1 in
    customs) topic ftz.customs.declarations ;;
    rail) topic ftz.rail.events ;;
    registrations) topic ftz.registry.companies ;;
    *) fail "kind_topic: unknown kind $1" ;;
  esac
}

# report_exactness customs|rail|registrations FILE...: one line on stderr
# comparing the aggregate table with the oracle (tests/stack/oracle.py) for
# the files produced:
#   KIND: produced P, counted C of E expected, dead-lettered D, lost L,
#   double-counted X; R of N rows wrong
# P: records in the files; C: the table's count measure summed (customs:
# declarations; rail: departures + border_crossings + arrivals;
# registrations: companies); E: the same from the oracle's rows; D: rows of
# ftz.dead_letters from the kind's topic; L and X: over every row, the sum
# of max(0, expected - actual) and of max(0, actual - expected) of that
# measure; R: rows that differ in any column (missing on either side
# included). Returns 1 when L, X or R is not zero, else 0 (fails the test
# only when it cannot compute the line).
# The line is also appended to $WORK/exactness.txt.
report_exactness() {
  local kind=$1 dead line rc=0
  shift
  python3 "$HERE/oracle.py" "$kind" "$@" >"$WORK/exact-expected-$kind.txt" \
    || fail "oracle.py $kind failed"
  case $kind in
    customs) customs_daily ;;
    rail) rail_daily ;;
    registrations) registrations_monthly ;;
    *) fail "report_exactness: unknown kind $kind" ;;
  esac >"$WORK/exact-actual-$kind.txt"
  dead=$(q "SELECT count(*) FROM ftz.dead_letters WHERE source_topic = '$(kind_topic "$kind")'")
  line=$(python3 - "$HERE" "$kind" "$dead" "$WORK/exact-expected-$kind.txt" \
    "$WORK/exact-actual-$kind.txt" "$@" <<'PY'
import sys
here, kind, dead, expected_path, actual_path, files = (sys.argv[1], sys.argv[2], sys.argv[3],
                                                        sys.argv[4], sys.argv[5], sys.argv[6:])
sys.path.insert(0, here)
from oracle import records
# (number of key columns, columns of the count measure) per kind
nkey, measure = {"customs": (6, [6]), "rail": (5, [5, 6, 7]), "registrations": (5, [5])}[kind]
def rows(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                cols = line.split("|")
                out[tuple(cols[:nkey])] = cols
    return out
exp, act = rows(expected_path), rows(actual_path)
def count(cols):
    return sum(int(cols[i]) for i in measure) if cols else 0
produced = sum(1 for _ in records(files))
lost = double = wrong = 0
for key in exp.keys() | act.keys():
    e, a = exp.get(key), act.get(key)
    d = count(a) - count(e)
    lost += max(0, -d)
    double += max(0, d)
    wrong += e != a
counted = sum(count(c) for c in act.values())
expected = sum(count(c) for c in exp.values())
print(f"{kind}: produced {produced}, counted {counted} of {expected} expected, "
      f"dead-lettered {dead}, lost {lost}, double-counted {double}; "
      f"{wrong} of {len(exp.keys() | act.keys())} rows wrong")
sys.exit(1 if lost or double or wrong else 0)
PY
  ) || rc=$?
  [[ -n "$line" ]] || fail "report_exactness $kind: no summary"
  log "$line"
  printf '%s\n' "$line" >>"$WORK/exactness.txt"
  return "$rc"
}

# wait_group_stable GROUP MEMBERS PARTITIONS [TIMEOUT_S]: waits until the
# broker reports consumer group GROUP Stable with exactly MEMBERS members,
# each holding at least one partition and PARTITIONS partitions in all (so
# no rebalance is pending), and prints that state; fails after TIMEOUT_S
# seconds (default 30). Asks Kafka itself (confluent-kafka's AdminClient,
# installed by make deps), not the members' logs.
wait_group_stable() {
  local py state
  for py in "${FTZ_PY:-}" "${FTZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftz-pipeline}/pyvenv/bin/python" \
    /usr/bin/python3 python3; do
    [[ -n "$py" ]] && "$py" -c 'import confluent_kafka' 2>/dev/null && break
    py=
  done
  [[ -n "$py" ]] || fail "wait_group_stable: no python with confluent_kafka (run make deps)"
  state=$("$py" - "$FTZ_BROKERS" "$@" <<'PY'
import struct, sys, time
from confluent_kafka.admin import AdminClient
brokers, group, members, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 30.0

def owned(blob):  # ConsumerProtocol assignment: version, [topic, [partition]], user data
    n, pos = 0, 2
    (topics,) = struct.unpack_from(">i", blob, pos); pos += 4
    for _ in range(max(topics, 0)):
        (ln,) = struct.unpack_from(">h", blob, pos); pos += 2 + ln
        (cnt,) = struct.unpack_from(">i", blob, pos); pos += 4 + 4 * cnt
        n += cnt
    return n

admin = AdminClient({"bootstrap.servers": brokers})
deadline = time.monotonic() + timeout
state = "not listed by the broker"
while time.monotonic() < deadline:
    try:
        gs = admin.list_groups(group=group, timeout=5)
    except Exception as e:  # e.g. the coordinator still loading
        state, gs = str(e), []
    if gs:
        g = gs[0]
        held = sorted(owned(m.assignment) if m.assignment else 0 for m in g.members)
        state = "%s, %d members holding %s partitions" % (g.state, len(held), held)
        if g.state == "Stable" and len(held) == members and min(held) > 0 \
                and sum(held) == partitions:
            print(state)
            sys.exit(0)
    time.sleep(0.2)
print(state)
sys.exit(1)
PY
  ) || fail "group $1 did not settle with $2 members in ${4:-30}s: $state"
  printf '%s\n' "$state"
}

# ---------------------------------------------------------------- members
# Helpers of the fault tests (tests/fault): members started, stopped and
# watched by name, waits that fail with the reason, logs searched.

declare -A MEMBER_PID=()

# member_start NAME GROUP [aggregate options...]: `ftz aggregate -g GROUP`
# in the background, stderr in $WORK/NAME.err (appended: a name may be
# reused), pid in MEMBER_PID[NAME] (and killed at exit).
member_start() {
  local name=$1 group=$2
  shift 2
  "$FTZ" aggregate -g "$group" "$@" 2>>"$WORK/$name.err" &
  MEMBER_PID[$name]=$!
  BG_PIDS+=("$!")
}

# member_alive NAME: fails, with the end of its log, if member NAME exited.
member_alive() {
  kill -0 "${MEMBER_PID[$1]}" 2>/dev/null \
    || fail "member $1 exited: $(tail -n 5 "$WORK/$1.err")"
}

# member_stop NAME: SIGTERM, then its exit status must be 0 (a clean stop
# commits the open batch and leaves the group).
member_stop() {
  local rc=0
  kill -TERM "${MEMBER_PID[$1]}" 2>/dev/null || true
  wait "${MEMBER_PID[$1]}" || rc=$?
  ((rc == 0)) || fail "member $1 did not stop cleanly (exit $rc): $(tail -n 5 "$WORK/$1.err")"
}

# member_kill NAME: SIGKILL, and reaped.
member_kill() {
  kill -KILL "${MEMBER_PID[$1]}" 2>/dev/null || true
  wait "${MEMBER_PID[$1]}" 2>/dev/null || true
}

# wait_until TIMEOUT_S WHAT COMMAND...: runs COMMAND every 0.1 s until it
# succeeds; fails with "WHAT" after TIMEOUT_S seconds.
wait_until() {
  local timeout=$1 what=$2 start=$SECONDS
  shift 2
  until "$@"; do
    (( SECONDS - start < timeout )) || fail "$what: not within ${timeout}s"
    sleep 0.1
  done
}

# wait_for PATH SECONDS: PATH exists within SECONDS (polled every 0.1 s);
# status 1 if not (the caller says what it waited for).
wait_for() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  return 1
}

# offsets_at_least N: the stored next offsets add up to N or more.
offsets_at_least() { (( $(committed_offsets) >= $1 )); }

# wait_committed N TIMEOUT_S [MEMBER...]: waits until the stored offsets add
# up to N (every message of the test's topics committed when N is their
# count); fails if one of the named members exits meanwhile.
wait_committed() {
  local n=$1 timeout=$2 start=$SECONDS m
  shift 2
  until offsets_at_least "$n"; do
    for m in "$@"; do member_alive "$m"; done
    (( SECONDS - start < timeout )) \
      || fail "not drained within ${timeout}s: $(committed_offsets) of $n offsets committed"
    sleep 0.1
  done
}

# log_has FILE ERE: FILE has a line matching ERE.
log_has() { grep -q -E -- "$2" "$1" 2>/dev/null; }

# wait_log FILE ERE TIMEOUT_S: waits until FILE has a line matching ERE.
wait_log() { wait_until "$3" "no line matching /$2/ in $(basename "$1")" log_has "$1" "$2"; }

# with_poison IN OUT INDEX...: OUT is the JSON lines of IN with, after each
# line numbered INDEX (from 0), a copy of IN's first declaration renamed
# POISON<INDEX> (revision 1): a record that passes every rule, for a test's
# CHECK constraint on declaration_id to make PostgreSQL refuse.
with_poison() {
  python3 - "$@" <<'PY' || fail "with_poison $*"
import json, sys
src, dst, at = sys.argv[1], sys.argv[2], {int(a) for a in sys.argv[3:]}
lines = open(src).read().splitlines()
base = json.loads(lines[0])
with open(dst, "w") as out:
    for i, line in enumerate(lines):
        out.write(line + "\n")
        if i in at:
            out.write(json.dumps(dict(base, declaration_id=f"POISON{i}", revision=1)) + "\n")
PY
}

# produce_checked TYPE FILE [produce options...]: every line must be
# accepted and acknowledged.
produce_checked() {
  local type=$1 file=$2 rc=0 base
  shift 2
  base=$WORK/produce-$type-$(basename "$file")
  "$FTZ" produce -q -t "$type" -f "$file" --rejects "$base.rejects" "$@" 2>"$base.err" || rc=$?
  [[ $rc -eq 0 && ! -s "$base.rejects" ]] \
    || fail "ftz produce -t $type -f $file exited $rc: $(head -n 3 "$base.err")"
}

# member_totals NAME: the member's own summary ("N messages in M batches").
member_totals() {
  grep -o '[0-9]* messages in [0-9]* batches' "$WORK/$1.err" | tail -n 1
}

# assert_all_exact: the three record types of a test that produced
# customs.jsonl, rail.jsonl and registrations.jsonl (valid input only):
# one report line each (produced, counted, dead-lettered, lost,
# double-counted), every aggregate row equal to the oracle's, and no dead
# letter. Fails naming the types that are not exact.
assert_all_exact() {
  local inexact=() kind file
  for kind in customs rail registrations; do
    file=$kind.jsonl
    report_exactness "$kind" "$file" || inexact+=("$kind")
  done
  for kind in customs rail registrations; do assert_table "$kind" "$kind.jsonl"; done
  ((${#inexact[@]} == 0)) || fail "not exact: ${inexact[*]}"
  assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters from valid input"
}

# make_streams SEED CHUNKS: customs.jsonl (20000, revisions), rail.jsonl
# (12000) and registrations.jsonl (6000, both with re-sends) from seeds
# SEED+1..SEED+3, each split into CHUNKS pieces under chunks/ (for a
# producer that feeds them while members come and go); sets $total.
make_streams() {
  local seed=$1 chunks=$2 f
  "$FTZ" simulate -t customs -n 20000 --seed $((seed + 1)) --revision-rate 0.3 >customs.jsonl
  "$FTZ" simulate -t rail -n 12000 --seed $((seed + 2)) --resend-rate 0.05 >rail.jsonl
  "$FTZ" simulate -t registration -n 6000 --seed $((seed + 3)) --resend-rate 0.05 >registrations.jsonl
  total=$(cat customs.jsonl rail.jsonl registrations.jsonl | wc -l)
  mkdir -p chunks
  for f in customs rail registrations; do
    split -n "l/$chunks" -d -a 2 "$f.jsonl" "chunks/$f."
  done
}

# produce_chunks CHUNKS PAUSE [OPTION...]: in the background, the chunks of
# make_streams, one of each type and then a pause of PAUSE seconds, until
# all are sent (OPTIONs go to every ftz produce); its pid in $producer
# (and in BG_PIDS).
produce_chunks() {
  local chunks=$1 pause=$2 i
  shift 2
  (
    for i in $(seq -f '%02g' 0 $((chunks - 1))); do
      produce_checked customs "chunks/customs.$i" "$@"
      produce_checked rail "chunks/rail.$i" "$@"
      produce_checked registration "chunks/registrations.$i" "$@"
      sleep "$pause"
    done
  ) &
  producer=$!
  BG_PIDS+=("$producer")
}

# slow_commits SECONDS: every batch's COMMIT takes SECONDS longer (once per
# transaction, a deferred trigger on ftz.consumer_offsets) while the table
# public.slow_commit has a row; it starts with one. Kills and joins then
# find members inside their transactions.
slow_commits() {
  q "CREATE TABLE public.slow_commit (on_since timestamptz NOT NULL DEFAULT now());
     CREATE FUNCTION public.slow_commit() RETURNS trigger LANGUAGE plpgsql
     SET search_path = '' AS \$\$
     BEGIN
       IF pg_catalog.current_setting('ftz_test.slowed', true) = 'y' THEN RETURN NULL; END IF;
       PERFORM pg_catalog.set_config('ftz_test.slowed', 'y', true);
       IF EXISTS (SELECT 1 FROM public.slow_commit) THEN
         PERFORM pg_catalog.pg_sleep($1);
       END IF;
       RETURN NULL;
     END \$\$;
     CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON ftz.consumer_offsets
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.slow_commit();
     INSERT INTO public.slow_commit DEFAULT VALUES;" >/dev/null
}

# split_parts N KIND...: KIND.jsonl into N consecutive parts KIND.0.jsonl
# .. KIND.(N-1).jsonl, for tests that produce part by part.
split_parts() {
  local parts=$1 f n i
  shift
  for f in "$@"; do
    n=$(wc -l <"$f.jsonl")
    for ((i = 0; i < parts; i++)); do
      sed -n "$((i * n / parts + 1)),$(((i + 1) * n / parts))p" "$f.jsonl" >"$f.$i.jsonl"
    done
  done
}

# produce_part I: part I of customs, rail and registrations.
produce_part() {
  produce_checked customs "customs.$1.jsonl"
  produce_checked rail "rail.$1.jsonl"
  produce_checked registration "registrations.$1.jsonl"
}

# upto I: the messages in parts 0 .. I of the three kinds.
upto() {
  local i n=0
  for i in $(seq 0 "$1"); do
    n=$((n + $(cat "customs.$i.jsonl" "rail.$i.jsonl" "registrations.$i.jsonl" | wc -l)))
  done
  echo "$n"
}
