#!/usr/bin/env bash
# ftz report (docs/reports.md) over simulated traffic that went through the
# whole pipeline: every named report, in text, CSV and JSON, without and
# with --from/--to/--area, equals what tests/stack/report_check.py computes
# in Python from the base tables; usage errors exit 2 naming the bad value;
# and the HTML dashboard, rendered by headless Chromium with the network
# unreachable, drew each chart with the expected series and values, every
# point at finite coordinates, in a non-blank screenshot, from a page that
# names no URL outside the embedded Chart.js's comments.
source "$(dirname "$0")/../lib.sh"
cd "$WORK"
CHECK=(python3 "$HERE/report_check.py")
CHARTJS=/usr/share/javascript/chart.js/chart.min.js

# ---------------------------------------------------------------- usage errors
# Checked before connecting: exit 2, "ftz report: ..." naming the value,
# the hint line, nothing on standard output.
usage_error() { # EXPECTED-TEXT ARGS...
  local want=$1 rc=0
  shift
  "$FTZ" report "$@" >usage.out 2>usage.err || rc=$?
  [[ $rc -eq 2 ]] || fail "ftz report $*: exit $rc, expected 2 (usage error): $(cat usage.err)"
  grep -qF -- "$want" usage.err || fail "ftz report $*: the message does not say [$want]: $(cat usage.err)"
  grep -qF 'Try "ftz report --help"' usage.err || fail "ftz report $*: no hint line: $(cat usage.err)"
  [[ ! -s usage.out ]] || fail "ftz report $*: wrote to standard output on a usage error"
}
usage_error '--area "BEIJING": not an area of the zone (SHENYANG, YINGKOU or DALIAN)' --area BEIJING
usage_error '--from "2026-02-30": not a date (YYYY-MM-DD)' --from 2026-02-30
usage_error '--to "2026-1-5": not a date' --to 2026-1-5
usage_error '--from "yesterday": not a date' customs --from yesterday
usage_error '--format "xml": not one of text, csv, json, html' --format xml
usage_error 'no report "nope"' nope
usage_error 'one report at most' customs rail
usage_error 'report rail has no area: --area does not apply' rail --area DALIAN
usage_error 'report dead_letters has no area' dead_letters --area YINGKOU --format json
usage_error '--format csv holds one report' --format csv
usage_error '--format html is the dashboard of every report' customs --format html
usage_error '--from 2026-12-01 is after --to 2026-11-01' --from 2026-12-01 --to 2026-11-01
log "usage errors: exit 2 with the bad value named"

# ---------------------------------------------------------------- the table
# --list and --help come from the one table, and docs/reports.md documents
# every report and column in it.
"$FTZ" report --list >list.txt || fail "--list exited $?"
"$FTZ" report --list --format json >list.json || fail "--list --format json exited $?"
"$FTZ" report --help >help.txt || fail "--help exited $?"
python3 - "$FTZ_SOURCE_DIR/docs/reports.md" <<'PY' || fail "--list, --help and docs/reports.md disagree"
import json, re, sys
reports = json.load(open("list.json"))
names = [r["name"] for r in reports]
assert names == ["customs", "clearance", "clearance_daily", "clearance_monthly", "offices",
                 "partners", "partners_monthly", "rail", "rail_cargo", "registrations",
                 "capital", "dead_letters"], names
lines = open("list.txt").read().splitlines()
assert [l.split()[0] for l in lines] == names, lines
help_text = open("help.txt").read()
doc = open(sys.argv[1]).read()
for r in reports:
    # The title may wrap onto the next lines (--help fits 80 columns).
    title = r"\s+".join(re.escape(w) for w in r["title"].split())
    assert re.search(r"^  %s +%s$" % (re.escape(r["name"]), title), help_text,
                     re.M), "--help lacks " + r["name"]
    m = re.search(r"^### `%s`$(.*?)(?=^### |\Z)" % re.escape(r["name"]), doc, re.M | re.S)
    assert m, "docs/reports.md has no section ### `%s`" % r["name"]
    for c in r["columns"]:
        assert "`%s`" % c in m.group(1), "docs/reports.md: %s lacks column %s" % (r["name"], c)
PY
log "--list, --help and docs/reports.md: the same $(wc -l <list.txt) reports"

# ---------------------------------------------------------------- data
# Months 42 to 45 after the opening, so that the Shanghai line is still
# rising (capped at 18,000 from month 48); some dead letters too.
setup_pipeline 3
start=2020-09-01T00:00:00+08:00
"$FTZ" simulate -t customs -n 3000 --seed 71 --start $start --days 75 --revision-rate 0.2 \
  | "$FTZ" produce -q -t customs || fail "customs: simulate | produce failed"
"$FTZ" simulate -t rail -n 5000 --seed 72 --start $start --days 75 \
  | "$FTZ" produce -q -t rail || fail "rail: simulate | produce failed"
"$FTZ" simulate -t registration -n 2500 --seed 73 --start $start --days 100 >registrations.jsonl
"$FTZ" produce -q -t registration -f registrations.jsonl || fail "registrations: produce failed"
python3 "$HERE/badrecords.py" registration registrations.jsonl bad.jsonl bad-expected.txt
"$FTZ" produce -q -t registration --skip-rules -f bad.jsonl || fail "bad records: produce failed"
"$FTZ" aggregate -q -g report --until-idle 2 || fail "aggregate exited $?"

# The base tables, exported for report_check.py.
mkdir -p data
export_csv() {
  psql -X -q --csv -v ON_ERROR_STOP=1 -c "$2" >"data/$1.csv" || fail "cannot export $1"
}
export_csv customs_daily "SELECT day, area, direction, partner_country, transport_mode,
  declarations, cleared, held, declared_value_cny, gross_weight_kg_exact, clearance_seconds_sum
  FROM ftz.customs_daily"
export_csv customs_state "SELECT day, customs_office, area, direction, status,
  declared_value_cny, clearance_seconds FROM ftz.customs_declarations"
export_csv rail_daily "SELECT day, corridor, cargo_category, departures, arrivals,
  transit_seconds_sum FROM ftz.rail_daily"
export_csv registrations_monthly "SELECT month, area, investor_country, companies,
  registered_capital_cny FROM ftz.registrations_monthly"
export_csv dead_letters "SELECT (rejected_at AT TIME ZONE 'Asia/Shanghai')::date AS day, code
  FROM ftz.dead_letters"
companies=$(q "SELECT count(*) FROM ftz.companies")
assert_eq "$(wc -l <bad-expected.txt)" "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters"
(( $(q "SELECT count(DISTINCT month) FROM ftz.registrations_monthly") >= 3 )) \
  || fail "registrations should span three months or more"
(( $(q "SELECT count(DISTINCT date_trunc('month', day)) FROM ftz.customs_daily") >= 3 )) \
  || fail "customs should span three months or more"
(( $(q "SELECT sum(arrivals) FROM ftz.rail_daily") > 0 )) || fail "no rail arrivals"
log "data: $(q "SELECT sum(declarations) FROM ftz.customs_daily") declarations, $(q "SELECT sum(departures) + sum(arrivals) FROM ftz.rail_daily") departures and arrivals, $companies companies, $(wc -l <bad-expected.txt) dead letters"

# ---------------------------------------------------------------- text, csv, json
# FILTER sets: none; a range; an area; a range and an area (in lower case:
# it is accepted and reported in upper case).
filters=(
  ""
  "--from 2020-09-20 --to 2020-10-25"
  "--area DALIAN"
  "--from 2020-10-03 --to 2020-11-10 --area yingkou"
)
for i in "${!filters[@]}"; do
  # shellcheck disable=SC2206
  args=(${filters[$i]})
  expect=("${args[@]}")
  [[ "${args[*]}" == *yingkou* ]] && expect=(--from 2020-10-03 --to 2020-11-10 --area YINGKOU)
  "$FTZ" report "${args[@]}" --format json >"all-$i.json" 2>"all-$i.err" \
    || fail "ftz report ${args[*]} --format json exited $?: $(cat "all-$i.err")"
  "${CHECK[@]}" json data "all-$i.json" "${expect[@]}" || fail "JSON of ftz report ${args[*]}"
  "$FTZ" report "${args[@]}" --max-rows 0 >"all-$i.txt" 2>"all-$i.err" \
    || fail "ftz report ${args[*]} exited $?: $(cat "all-$i.err")"
  "${CHECK[@]}" text data "all-$i.txt" "${expect[@]}" || fail "text of ftz report ${args[*]}"
  if [[ "${args[*]}" == *--area* ]]; then
    grep -q "left out rail, rail_cargo, dead_letters (no area)" "all-$i.err" \
      || fail "ftz report ${args[*]}: no note of the reports left out: $(cat "all-$i.err")"
  fi
done
log "every report in JSON and text, with ${#filters[@]} filters: equal to the base tables"

names=$(python3 -c 'import json; print(" ".join(r["name"] for r in json.load(open("list.json"))))')
# Dead letters are dated when they were rejected: today.
dl_day=$(q "SELECT min((rejected_at AT TIME ZONE 'Asia/Shanghai')::date) FROM ftz.dead_letters")
for name in $names; do
  case $name in
    rail|rail_cargo) sets=("" "--from 2020-09-20 --to 2020-10-25") ;;
    dead_letters) sets=("" "--from $dl_day --to $dl_day") ;;
    *) sets=("" "--from 2020-10-03 --to 2020-11-10 --area DALIAN") ;;
  esac
  for set in "${sets[@]}"; do
    # shellcheck disable=SC2206
    args=($set)
    "$FTZ" report "$name" "${args[@]}" --format csv -o "$name.csv" \
      || fail "ftz report $name ${args[*]} --format csv exited $?"
    "${CHECK[@]}" csv data "$name.csv" --report "$name" --list-json list.json "${args[@]}" \
      || fail "CSV of ftz report $name ${args[*]}"
    "$FTZ" report "$name" "${args[@]}" >"$name.txt" || fail "ftz report $name exited $?"
    "${CHECK[@]}" text data "$name.txt" --report "$name" "${args[@]}" \
      || fail "text of ftz report $name ${args[*]}"
  done
  "$FTZ" report "$name" --format json >"$name.json" || fail "ftz report $name --format json exited $?"
  "${CHECK[@]}" json data "$name.json" --report "$name" || fail "JSON of ftz report $name"
done
log "each report alone, CSV (python csv, RFC 4180) and text: equal to the base tables"

# A few totals said plainly, with SQL of their own.
python3 - "$companies" <<PY || fail "JSON totals differ from SQL on the base tables"
import json, sys
from decimal import Decimal
doc = {r["report"]: r for r in json.load(open("all-0.json"))["reports"]}
customs = doc["customs"]["rows"][-1]
assert customs[:3] == ["ALL", "ALL", $(q "SELECT sum(declarations) FROM ftz.customs_daily")], customs
assert Decimal(repr(customs[5])) == Decimal("$(q "SELECT sum(declared_value_cny) FROM ftz.customs_daily")"), customs
regs = doc["registrations"]["rows"]
assert regs[-1][3] == int(sys.argv[1]), regs[-1]
assert sum(r[1] for r in regs) == int(sys.argv[1]), "companies per month do not add up"
assert sum(r[2] for r in doc["rail"]["rows"]) == $(q "SELECT sum(arrivals) FROM ftz.rail_daily")
assert sum(r[2] for r in doc["dead_letters"]["rows"]) == $(wc -l <bad-expected.txt)
# Customs offices (schema v2) add up, per area, to customs_daily's figures.
offices = doc["offices"]["rows"]
assert len({r[0] for r in offices} - {"(none)"}) >= 3, "the simulator's offices are missing"
for area_row in doc["customs"]["rows"]:
    if area_row[1] == "ALL" and area_row[0] != "ALL":
        mine = [r for r in offices if r[1] == area_row[0]]
        assert sum(r[2] for r in mine) == area_row[2], area_row
        assert sum(r[3] for r in mine) == area_row[3], area_row
        assert sum(r[4] for r in mine) == area_row[4], area_row
PY

# Nothing in the range: the tables say so, the totals are zero.
# Every report as text: 15 rows each unless --max-rows, then how many more.
"$FTZ" report >short.txt || fail "ftz report exited $?"
grep -q '^\.\.\. [0-9]* more rows: ftz report clearance_daily$' short.txt \
  || fail "ftz report: clearance_daily not cut at 15 rows with a note"
(( $(wc -l <short.txt) < $(wc -l <all-0.txt) )) || fail "ftz report: not shorter than --max-rows 0"
"$FTZ" report --from 2031-01-01 --format json >empty.json || fail "empty range: exit $?"
"${CHECK[@]}" json data empty.json --from 2031-01-01 || fail "JSON of an empty range"
"$FTZ" report clearance --from 2031-01-01 >empty.txt || fail "empty range text: exit $?"
grep -q "^(nothing counted in this range)$" empty.txt || fail "empty range: $(cat empty.txt)"

# -o writes the same as standard output, and only once complete.
"$FTZ" report customs >stdout.txt
"$FTZ" report customs -o file.txt || fail "-o exited $?"
cmp -s stdout.txt file.txt || fail "-o FILE differs from standard output"
rc=0
"$FTZ" report customs -o "$WORK/no/such/dir/x.txt" 2>o.err || rc=$?
[[ $rc -eq 1 ]] && grep -q "cannot write" o.err || fail "-o into a missing directory: exit $rc: $(cat o.err)"

# ---------------------------------------------------------------- html
command -v chromium >/dev/null || fail "chromium is not installed (Debian's chromium: make deps)"
[[ -r $CHARTJS ]] || fail "$CHARTJS missing (Debian's libjs-chart.js: make deps)"
rc=0
FTZ_CHARTJS=$WORK/missing/chart.min.js "$FTZ" report --format html -o nochart.html 2>nochart.err || rc=$?
[[ $rc -eq 1 ]] || fail "Chart.js missing: exit $rc, expected 1: $(cat nochart.err)"
grep -qF "cannot read Chart.js at $WORK/missing/chart.min.js" nochart.err \
  && grep -qF "libjs-chart.js" nochart.err || fail "Chart.js missing: unclear message: $(cat nochart.err)"
[[ ! -e nochart.html ]] || fail "Chart.js missing: a page was written anyway"

# render PAGE NAME: the DOM after the scripts ran (NAME.dom.html) and a
# 1400x2200 screenshot (NAME.png), every host name unresolvable: the page
# must need no network.
render() {
  local page=$1 name=$2 rc=0
  local opts=(--headless --no-sandbox --disable-gpu --hide-scrollbars
              --user-data-dir="$WORK/chromium-profile" --host-resolver-rules="MAP * ~NOTFOUND"
              --virtual-time-budget=5000)
  timeout 120 chromium "${opts[@]}" --dump-dom "file://$WORK/$page" >"$name.dom.html" \
    2>"$name.chromium.err" || rc=$?
  [[ $rc -eq 0 && -s "$name.dom.html" ]] \
    || fail "chromium could not render $page (exit $rc): $(grep -v -i dbus "$name.chromium.err" | tail -n 5)"
  timeout 120 chromium "${opts[@]}" --window-size=1400,2200 --screenshot="$WORK/$name.png" \
    "file://$WORK/$page" 2>>"$name.chromium.err" || rc=$?
  [[ $rc -eq 0 && -s "$name.png" ]] \
    || fail "chromium could not take a screenshot of $page (exit $rc): $(grep -v -i dbus "$name.chromium.err" | tail -n 5)"
}

"$FTZ" report --format html -o dashboard.html || fail "ftz report --format html exited $?"
"${CHECK[@]}" offline dashboard.html "$CHARTJS" || fail "the dashboard is not self-contained"
render dashboard.html dashboard
bench=$(q "SELECT shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly ORDER BY month DESC LIMIT 1")
assert_eq 16875.0 "$bench" "the view's Shanghai line in month 45 (18,000 x 45 / 48)"
"${CHECK[@]}" html data dashboard.dom.html --companies "$companies" --benchmark-last "$bench" \
  || fail "the dashboard did not draw what the tables say"
"${CHECK[@]}" png dashboard.png 1400 2200 || fail "the dashboard's screenshot"
grep -q "<h1>Liaoning Pilot Free Trade Zone</h1>" dashboard.dom.html || fail "no title"
grep -qE "Days 2020-09-01 to 2020-1[12]-[0-9]{2} \(Asia/Shanghai" dashboard.dom.html \
  || fail "no date range in the page's heading"
grep -qE "generated 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" dashboard.dom.html || fail "no generated-at time"

# Filtered: the charts follow --from/--to/--area (rail: all areas, said so).
"$FTZ" report --format html --from 2020-09-20 --to 2020-11-10 --area DALIAN -o dalian.html \
  || fail "filtered dashboard exited $?"
"${CHECK[@]}" offline dalian.html "$CHARTJS" || fail "the filtered dashboard is not self-contained"
render dalian.html dalian
bench=$(q "SELECT shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly
           WHERE month <= '2020-11-10' ORDER BY month DESC LIMIT 1")
"${CHECK[@]}" html data dalian.dom.html --from 2020-09-20 --to 2020-11-10 --area DALIAN \
  --benchmark-last "$bench" || fail "the filtered dashboard did not draw what the tables say"
grep -q "All areas: rail corridors have no area." dalian.dom.html || fail "rail's note missing"
grep -q "Days 2020-09-20 to 2020-11-10 (Asia/Shanghai" dalian.dom.html || fail "no range in the heading"
