#!/usr/bin/env bash
# ftz simulate --expect and ftz check: the simulator's own expectation of
# the tables agrees with the independent oracle (tests/stack/oracle.py) on
# clean JSON lines; all three types with 5% dirty records (every rule
# broken, re-sends, stale, moving and out-of-order revisions, registrations
# sent again with other fields, rail events out of order) go straight to
# Kafka, are aggregated, and ftz check finds the database equal to the
# expectation, dead letters by code included; one corrupted row is
# reported, alone, with exit 1; CSV output holds the same records as JSON;
# dirty JSON lines and CSV files through `ftz produce --skip-rules` end as
# their expectation says too.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

# expect_rows FILE KIND: the expectation's rows of KIND in oracle.py's text.
expect_rows() {
  python3 - "$1" "$2" <<'PY'
import json, sys
from decimal import Decimal
e, kind = json.load(open(sys.argv[1])), sys.argv[2]
cols = {
    "customs": ("customs_daily", ["day", "area", "direction", "hs_chapter", "partner_country",
                "transport_mode", "declarations", "declared_value_cny", "gross_weight_kg_exact",
                "cleared", "held", "clearance_seconds_sum"]),
    "rail": ("rail_daily", ["day", "corridor", "direction", "cargo_category",
             "goods_origin_country", "departures", "border_crossings", "arrivals", "teu_departed",
             "cargo_value_departed_cny", "transit_seconds_sum"]),
    "registrations": ("registrations_monthly", ["month", "area", "industry", "enterprise_type",
                      "investor_country", "companies", "registered_capital_cny"]),
}[kind]
for r in e[cols[0]]:
    out = []
    for c in cols[1]:
        v = r[c]
        out.append("%.3f" % Decimal(v) if c == "gross_weight_kg_exact" else str(v))
    print("|".join(out))
PY
}

# 1. Two independent computations of the same tables agree: the
#    simulator's bookkeeping and oracle.py, over clean JSON lines.
"$FTZ" simulate -q -t all -n 12000 --seed 7 --revision-rate 0.3 --resend-rate 0.05 \
  -o clean --expect clean-expect.json || fail "simulate -t all to files exited $?"
for f in clean.customs.jsonl clean.rail.jsonl clean.registration.jsonl; do
  [[ -s $f ]] || fail "simulate -t all -o clean wrote no $f"
done
assert_eq 12000 "$(cat clean.*.jsonl | wc -l)" "records written by -t all -n 12000"
for kind in customs rail registrations; do
  file=clean.$kind.jsonl
  [[ $kind == registrations ]] && file=clean.registration.jsonl
  python3 "$HERE/oracle.py" "$kind" "$file" | LC_ALL=C sort >"oracle-$kind.txt"
  expect_rows clean-expect.json "$kind" | LC_ALL=C sort >"expect-$kind.txt"
  [[ -s "oracle-$kind.txt" ]] || fail "oracle.py gave no $kind rows"
  diff -u "oracle-$kind.txt" "expect-$kind.txt" >"diff-$kind.txt" \
    || fail "$kind: the simulator's expectation differs from oracle.py: $(head -5 "diff-$kind.txt")"
  log "$kind: the expectation equals oracle.py's $(wc -l <"expect-$kind.txt") rows"
done
assert_eq 0 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["dead_letters"]))' \
  clean-expect.json)" "dead letters expected without --dirty"

# The same records as CSV: field for field what the JSON lines hold.
"$FTZ" simulate -q -t all -n 12000 --seed 7 --revision-rate 0.3 --resend-rate 0.05 \
  --format csv -o clean || fail "simulate --format csv exited $?"
python3 - <<'PY' || fail "CSV and JSON lines differ"
import csv, json, sys
for t in ("customs", "rail", "registration"):
    with open("clean.%s.jsonl" % t, encoding="utf-8") as f:
        js = [json.loads(l) for l in f]
    with open("clean.%s.csv" % t, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, strict=True))
    header, rows = rows[0], rows[1:]
    if header != list(js[0].keys()) or len(rows) != len(js):
        sys.exit("%s: header %s or %d rows against %d lines" % (t, header, len(rows), len(js)))
    for n, (row, obj) in enumerate(zip(rows, js), 2):
        want = ["" if v is None else str(v) for v in obj.values()]
        if row != want:
            sys.exit("%s.csv line %d: %s, the JSON line says %s" % (t, n, row, want))
    print("%s: %d CSV rows equal the JSON lines" % (t, len(rows)), file=sys.stderr)
PY

# 2. All three types, 5% dirty, straight to Kafka; the consumer; ftz check.
"$FTZ" simulate -q -t all -n 3000 --seed 11 --dirty 5 --expect expect.json -b "$FTZ_BROKERS" \
  2>simulate.err || fail "simulate -b exited $?: $(cat simulate.err)"
python3 - expect.json <<'PY' || fail "the dirty mix is incomplete"
import json, sys
e = json.load(open(sys.argv[1]))
g = e["generated"]
assert sum(g["records"].values()) == 3000, g["records"]
kinds = g["kinds"]
need = {"customs": ["broken", "resend", "stale", "moved"], "rail": ["broken", "resend", "late"],
        "registration": ["broken", "variant"]}
for t, ks in need.items():
    for k in ks:
        if not kinds[t][k]:
            sys.exit("no %s %s record among %s" % (t, k, kinds[t]))
codes = {(d["topic"], d["code"]) for d in e["dead_letters"]}
for code in ("RULE_EMPTY_FIELD", "RULE_CONTROL_CHARACTER", "RULE_FIELD_LENGTH", "RULE_REVISION",
             "RULE_HS_CODE", "RULE_COUNTRY_CODE", "RULE_NEGATIVE_AMOUNT", "RULE_AMOUNT_RANGE",
             "RULE_TIMESTAMP_RANGE", "RULE_CLEARED_AT"):
    if ("ftz.customs.declarations", code) not in codes:
        sys.exit("no customs dead letter %s expected" % code)
for code in ("RULE_CONTAINER_ID", "RULE_CORRIDOR", "RULE_TEU", "RULE_DEPARTED_AT"):
    if ("ftz.rail.events", code) not in codes:
        sys.exit("no rail dead letter %s expected" % code)
print("dirty kinds: %s; %d dead letters of %d codes expected" % (
    kinds, sum(d["count"] for d in e["dead_letters"]), len(codes)), file=sys.stderr)
PY
assert_eq 3000 "$(topic_messages "$(topic ftz.customs.declarations)" | wc -l | \
  awk -v r="$(topic_messages "$(topic ftz.rail.events)" | wc -l)" \
      -v g="$(topic_messages "$(topic ftz.registry.companies)" | wc -l)" '{print $1 + r + g}')" \
  "messages on the three topics"
"$FTZ" aggregate -q -g sim-expect --until-idle 2 2>aggregate.err \
  || fail "aggregate exited $?: $(tail -3 aggregate.err)"
assert_eq 3000 "$(committed_offsets)" "offsets committed"
rc=0
"$FTZ" check --expect expect.json >check.out 2>check.err || rc=$?
[[ $rc -eq 0 && ! -s check.out ]] \
  || fail "ftz check exited $rc with $(wc -l <check.out) differences: $(head -5 check.out) $(cat check.err)"
dead=$(q "SELECT count(*) FROM ftz.dead_letters")
(( dead > 0 )) || fail "no dead letters in the database"
log "ftz check: the database equals the expectation ($dead dead letters)"

# 3. One corrupted row: reported alone, exit 1.
key=$(q "SELECT day || '|' || area || '|' || direction || '|' || hs_chapter || '|' ||
                partner_country || '|' || transport_mode || ' ' || declared_value_cny
         FROM ftz.customs_daily WHERE declarations > 0
         ORDER BY day, area, direction, hs_chapter, partner_country, transport_mode LIMIT 1")
row=${key% *} value=${key##* }
IFS='|' read -r day area dir chapter partner mode <<<"$row"
q "UPDATE ftz.customs_daily SET declared_value_cny = declared_value_cny + 0.01
   WHERE day = '$day' AND area = '$area' AND direction = '$dir' AND hs_chapter = '$chapter'
     AND partner_country = '$partner' AND transport_mode = '$mode'" >/dev/null
rc=0
"$FTZ" check --expect expect.json >check.out 2>check.err || rc=$?
assert_eq 1 "$rc" "ftz check exit status with one corrupted row"
assert_eq 1 "$(wc -l <check.out)" "lines of ftz check with one corrupted row"
corrupted=$(python3 -c 'from decimal import Decimal; import sys; print(Decimal(sys.argv[1]) + Decimal("0.01"))' "$value")
assert_eq "customs_daily: differs $row: declared_value_cny expected $value found $corrupted" \
  "$(cat check.out)" "ftz check's report of the corrupted row"
grep -q '1 rows differ from expect.json' check.err || fail "no summary on stderr: $(cat check.err)"

# A missing row and an extra dead letter are named too; a row of zeros is none.
q "UPDATE ftz.customs_daily SET declared_value_cny = declared_value_cny - 0.01
   WHERE day = '$day' AND area = '$area' AND direction = '$dir' AND hs_chapter = '$chapter'
     AND partner_country = '$partner' AND transport_mode = '$mode';
   DELETE FROM ftz.registrations_monthly WHERE (month, area, industry, enterprise_type,
     investor_country) IN (SELECT month, area, industry, enterprise_type, investor_country
     FROM ftz.registrations_monthly ORDER BY 1, 2, 3, 4, 5 LIMIT 1);
   INSERT INTO ftz.rail_daily (day, corridor, direction, cargo_category, goods_origin_country)
     VALUES ('2026-11-02', 'DALIAN-DUISBURG', 'OUTBOUND', 'OTHER', 'ZZ');
   INSERT INTO ftz.dead_letters (source_topic, source_partition, source_offset, code, reason)
     VALUES ('$(topic ftz.rail.events)', 0, 999999, 'BAD_FRAMING', 'test')" >/dev/null
rc=0
"$FTZ" check --expect expect.json >check.out 2>check.err || rc=$?
assert_eq 1 "$rc" "ftz check exit status with a missing row and an extra dead letter"
assert_eq 2 "$(wc -l <check.out)" "lines of ftz check with a missing row and an extra dead letter"
grep -q '^registrations_monthly: missing ' check.out || fail "missing row not reported: $(cat check.out)"
grep -q '^dead_letters: extra ftz.rail.events|BAD_FRAMING: count=1$' check.out \
  || fail "extra dead letter not reported: $(cat check.out)"

# 4. Dirty files instead of Kafka: JSON lines and CSV, each through
#    `ftz produce --skip-rules` into a database and topics of their own,
#    end as the expectation says, dead letters included.
files_run() {
  local fmt=$1 ext=$1 t db="${PGDATABASE}_$1"
  [[ $fmt == json ]] && ext=jsonl
  (
    export PGDATABASE=$db FTZ_TOPIC_PREFIX="${FTZ_TOPIC_PREFIX}$fmt."
    psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$db\"" >/dev/null || fail "create $db"
    "$FTZ" db migrate -q >/dev/null || fail "migrate $db"
    "$FTZ" topics create -q --partitions 2 || fail "topics for $fmt"
    "$FTZ" simulate -q -t all -n 4000 --seed 5 --dirty 10 --format "$fmt" -o "dirty-$fmt" \
      --expect "expect-$fmt.json" || fail "simulate --format $fmt exited $?"
    for t in customs rail registration; do
      "$FTZ" produce -q -t "$t" --skip-rules "dirty-$fmt.$t.$ext" 2>"produce-$fmt-$t.err" \
        || fail "produce --skip-rules dirty-$fmt.$t.$ext exited $?: $(head -3 "produce-$fmt-$t.err")"
    done
    "$FTZ" aggregate -q -g sim-files --until-idle 2 || fail "aggregate ($fmt) exited $?"
    "$FTZ" check --expect "expect-$fmt.json" >"check-$fmt.out" 2>&1 \
      || fail "ftz check ($fmt files): $(head -5 "check-$fmt.out")"
    log "$fmt files through ftz produce --skip-rules: the database equals the expectation" \
      "($(q "SELECT count(*) FROM ftz.dead_letters") dead letters)"
    psql -X -q -d "$ADMIN_DB" -c "DROP DATABASE \"$db\"" >/dev/null || true
  ) || exit 1
}
files_run json
files_run csv

# Usage errors exit 2.
rc=0
"$FTZ" check 2>usage.err || rc=$?
assert_eq 2 "$rc" "ftz check without --expect"
grep -q 'Try "ftz check --help"' usage.err || fail "no hint line: $(cat usage.err)"
rc=0
"$FTZ" simulate -t all -n 10 2>usage.err >/dev/null || rc=$?
assert_eq 2 "$rc" "ftz simulate -t all without -o or -b"
