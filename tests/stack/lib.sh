# Shared harness of the stack tests (label `stack`): sourced by each
# tests/stack/test_*.sh. Each test gets its own PostgreSQL database and its
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
