#!/usr/bin/env bash
# The BI views (lib/sql/005_bi.sql, docs/bi.md) over a simulated dataset
# that went through the whole pipeline: each view's columns are the
# documented ones; each view's rows equal an independent computation from
# the JSON lines produced (tests/stack/bi_oracle.py); the customs-office
# view adds up to customs_daily; the registrations line runs from the
# opening with the Shanghai benchmark at 18,000 in month 48; dead letters
# per day add up to ftz.dead_letters; and a changed parameter changes the
# views at once.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

# ---------------------------------------------------------------- columns
# The contract with `ftz report` and BI tools: names, order and types.
shape() {
  q "SELECT string_agg(column_name || ':' || data_type
                       || CASE WHEN data_type = 'numeric' THEN coalesce('(' || numeric_scale || ')', '')
                               ELSE '' END, ' ' ORDER BY ordinal_position)
     FROM information_schema.columns WHERE table_schema = 'ftz' AND table_name = '$1'"
}
assert_eq "day:date area:text direction:text transport_mode:text declarations:bigint cleared:bigint held:bigint clearance_seconds_sum:bigint avg_clearance_hours:numeric(1)" \
  "$(shape bi_customs_clearance_daily)" "columns of bi_customs_clearance_daily"
assert_eq "month:date area:text direction:text transport_mode:text declarations:bigint cleared:bigint held:bigint clearance_seconds_sum:bigint avg_clearance_hours:numeric(1)" \
  "$(shape bi_customs_clearance_monthly)" "columns of bi_customs_clearance_monthly"
assert_eq "month:date partner_country:text direction:text declarations:bigint declared_value_cny:numeric(2) gross_weight_kg:numeric" \
  "$(shape bi_trade_by_partner_monthly)" "columns of bi_trade_by_partner_monthly"
assert_eq "month:date corridor:text cargo_category:text departures:bigint arrivals:bigint transit_seconds_sum:bigint avg_transit_days:numeric(1) sea_days:numeric days_saved:numeric" \
  "$(shape bi_rail_vs_sea)" "columns of bi_rail_vs_sea"
assert_eq "month:date companies:bigint registered_capital_cny:numeric(2) companies_cumulative:bigint months_since_opening:integer shanghai_benchmark_cumulative:numeric" \
  "$(shape bi_registrations_monthly)" "columns of bi_registrations_monthly"
assert_eq "area:text investor_country:text companies:bigint registered_capital_cny:numeric(2) avg_capital_per_company_cny:numeric investor_group:text" \
  "$(shape bi_capital_by_area_investor)" "columns of bi_capital_by_area_investor"
assert_eq "day:date code:text dead_letters:bigint" \
  "$(shape bi_dead_letters_daily)" "columns of bi_dead_letters_daily"
assert_eq "day:date customs_office:text area:text direction:text declarations:bigint cleared:bigint declared_value_cny:numeric(2) clearance_seconds_sum:bigint avg_clearance_hours:numeric(1) held:bigint" \
  "$(shape bi_customs_by_office_daily)" "columns of bi_customs_by_office_daily"
assert_eq "customs_office:text" \
  "$(q "SELECT column_name || ':' || data_type FROM information_schema.columns
        WHERE table_schema = 'ftz' AND table_name = 'customs_declarations'
          AND column_name = 'customs_office' AND is_nullable = 'YES' AND collation_name = 'C'")" \
  "customs_declarations.customs_office, nullable, COLLATE \"C\""

# Empty tables: empty views, no division by zero.
for v in customs_clearance_daily customs_clearance_monthly trade_by_partner_monthly rail_vs_sea \
         registrations_monthly capital_by_area_investor dead_letters_daily customs_by_office_daily; do
  assert_eq 0 "$(q "SELECT count(*) FROM ftz.bi_$v")" "bi_$v over empty tables"
done

# ---------------------------------------------------------------- data
rec() { # id rev status area dir hs origin dest mode value weight filed [cleared] [office]
  local cleared=null office=null
  [[ -n "${13:-}" ]] && cleared="\"${13}\""
  [[ -n "${14:-}" ]] && office="\"${14}\""
  printf '{"declaration_id":"%s","revision":%s,"status":"%s","area":"%s","direction":"%s","hs_code":"%s","origin_country":"%s","destination_country":"%s","transport_mode":"%s","customs_office":%s,"declared_value_cny":"%s","gross_weight_kg":%s,"filed_at":"%s","cleared_at":%s,"event_time":"%s"}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "$office" "${10}" "${11}" "${12}" "$cleared" "${13:-${12}}"
}
# Groups of their own (October, before the simulated window): exact
# figures to check by hand, a revision that moves a declaration away from
# its group, CANCELLED, a group with nothing cleared, and customs offices
# (the view must add up whether or not the consumer keeps them).
{
  rec H1 1 CLEARED SHENYANG EXPORT 851762 CN JP AIR 1000.00 10.5 2026-10-15T01:00:00Z 2026-10-15T05:30:00Z 0900
  rec H2 1 CLEARED SHENYANG EXPORT 851762 CN KR AIR 250.50 2 2026-10-15T02:00:00Z 2026-10-15T03:15:20Z
  rec H3 1 HELD SHENYANG EXPORT 851762 CN JP AIR 10.00 1 2026-10-15T03:00:00Z "" 0900
  rec H4 1 FILED SHENYANG EXPORT 851762 CN JP AIR 20.00 1 2026-10-15T04:00:00Z
  rec H5 1 CLEARED SHENYANG EXPORT 851762 CN JP AIR 30.00 1 2026-10-15T04:00:00Z 2026-10-15T06:00:00Z
  rec H6 1 CLEARED SHENYANG EXPORT 851762 CN JP AIR 40.00 1 2026-10-15T05:00:00Z 2026-10-15T09:00:00Z 0901
  rec H7 1 FILED YINGKOU IMPORT 440321 RU CN RAIL 5.00 100 2026-10-16T02:00:00Z
  rec H8 1 CLEARED DALIAN IMPORT 440321 RU CN RAIL 7.00 100 2026-10-16T02:00:00Z 2026-10-16T04:00:00Z
} >hand1.jsonl
{
  rec H5 2 CANCELLED SHENYANG EXPORT 851762 CN JP AIR 30.00 1 2026-10-15T04:00:00Z
  rec H6 2 FILED SHENYANG EXPORT 851762 CN JP AIR 40.00 1 2026-10-15T05:00:00Z "" 0901
  rec H8 2 CLEARED DALIAN IMPORT 440321 RU CN RAIL 7.00 100 2026-10-17T02:00:00Z 2026-10-17T04:00:00Z 0900
} >hand2.jsonl
"$FTZ" simulate -t customs -n 4000 --seed 81 --days 60 --revision-rate 0.2 >customs.jsonl
"$FTZ" simulate -t rail -n 3000 --seed 82 --days 60 >rail.jsonl
# A month (September) where a corridor only crossed a border: no departure,
# no arrival, nothing to set against the sea, so no row.
echo '{"event_id":"HAND-B1","shipment_id":"HAND-1","train_id":"X1","container_id":"DFSU4974748","corridor":"WARSAW-DALIAN","direction":"INBOUND","event_type":"BORDER_CROSSED","station":"Brest","country":"BY","cargo_category":"FOOD","goods_origin_country":"FR","teu":2,"cargo_value_cny":"190316.42","event_time":"2026-09-10T07:00:00Z","departed_at":"2026-09-05T00:00:00Z"}' >rail-hand.jsonl
# Registrations from the opening day over some 50 months: past month 48.
"$FTZ" simulate -t registration -n 3000 --seed 83 --start 2017-04-01T00:00:00+08:00 \
  --days 1500 >registration.jsonl
# Rejected records, for the dead-letter view.
python3 "$HERE/badrecords.py" customs customs.jsonl bad-customs.jsonl exp-customs.txt
python3 "$HERE/badrecords.py" rail rail.jsonl bad-rail.jsonl exp-rail.txt

produce_checked customs hand1.jsonl
produce_checked customs customs.jsonl
produce_checked customs hand2.jsonl
produce_checked rail rail.jsonl
produce_checked rail rail-hand.jsonl
produce_checked registration registration.jsonl
"$FTZ" produce -q -t customs --skip-rules -f bad-customs.jsonl || fail "produce bad customs exited $?"
"$FTZ" produce -q -t rail --skip-rules -f bad-rail.jsonl || fail "produce bad rail exited $?"
printf 'not avro at all' >raw.bin
kcat -b "$FTZ_BROKERS" -P -t "$(topic ftz.registry.companies)" -k RAW-1 raw.bin
"$FTZ" aggregate -q -g bi --until-idle 2 || fail "aggregate exited $?"
# The base tables are right (so a view that differs is the view's fault).
assert_table customs hand1.jsonl customs.jsonl hand2.jsonl
assert_table rail rail.jsonl rail-hand.jsonl
assert_table registrations registration.jsonl
ndead=$(($(wc -l <exp-customs.txt) + $(wc -l <exp-rail.txt) + 1))
assert_eq "$ndead" "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters stored"

# ---------------------------------------------------------------- views = oracle
# check_view VIEW ORDER ORACLE-ARGS...: every row of ftz.bi_VIEW equals
# bi_oracle.py's.
check_view() {
  local view=$1 order=$2
  shift 2
  python3 "$HERE/bi_oracle.py" "$view" "$@" >"expected-$view.txt" || fail "bi_oracle.py $view failed"
  [[ -s "expected-$view.txt" ]] || fail "bi_oracle.py $view produced no rows"
  q "SELECT * FROM ftz.bi_$view ORDER BY $order" >"actual-$view.txt"
  if ! diff -u "expected-$view.txt" "actual-$view.txt" >"diff-$view.txt"; then
    head -30 "diff-$view.txt" >&2
    fail "ftz.bi_$view differs from the independent computation"
  fi
  log "bi_$view matches: $(wc -l <"actual-$view.txt") rows"
}
customs_files=(hand1.jsonl customs.jsonl hand2.jsonl)
check_view customs_clearance_daily "1, 2, 3, 4" "${customs_files[@]}"
check_view customs_clearance_monthly "1, 2, 3, 4" "${customs_files[@]}"
check_view trade_by_partner_monthly "1, 2, 3" "${customs_files[@]}"
check_view rail_vs_sea "1, 2, 3" 30 rail.jsonl rail-hand.jsonl
assert_eq "1|0" "$(q "SELECT (SELECT sum(border_crossings) FROM ftz.rail_daily WHERE day < '2026-10-01'),
                             (SELECT count(*) FROM ftz.bi_rail_vs_sea WHERE month < '2026-10-01')")" \
  "a month with border crossings only has no rail-vs-sea row"
check_view registrations_monthly "1" 2017-04-01 18000 48 registration.jsonl
check_view capital_by_area_investor "1, 2" registration.jsonl

# The hand-made groups, by hand: H1 4h30m and H2 1h15m20s cleared (H5
# cancelled, H6 back to FILED): 20720 s / 2 / 3600 = 2.88 -> 2.9 hours.
assert_eq "5|2|1|20720|2.9" \
  "$(q "SELECT declarations, cleared, held, clearance_seconds_sum, avg_clearance_hours
        FROM ftz.bi_customs_clearance_daily
        WHERE day = '2026-10-15' AND area = 'SHENYANG' AND direction = 'EXPORT' AND transport_mode = 'AIR'")" \
  "clearance of the hand-made group"
assert_eq "1|0|" \
  "$(q "SELECT declarations, cleared, coalesce(avg_clearance_hours::text, '')
        FROM ftz.bi_customs_clearance_daily WHERE day = '2026-10-16' AND area = 'YINGKOU'")" \
  "nothing cleared: the average is NULL"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.bi_customs_clearance_daily WHERE day = '2026-10-16' AND area = 'DALIAN'")" \
  "a group emptied by a revision is left out"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.bi_customs_clearance_daily WHERE avg_clearance_hours IS DISTINCT FROM round(clearance_seconds_sum::numeric / nullif(cleared, 0) / 3600, 1)")" \
  "daily average = clearance_seconds_sum / cleared / 3600"
# The monthly view is the daily one summed (each from customs_daily).
assert_eq 0 "$(q "SELECT count(*) FROM (
    SELECT date_trunc('month', day)::date AS month, area, direction, transport_mode,
           sum(declarations) AS d, sum(cleared) AS c, sum(held) AS h, sum(clearance_seconds_sum) AS s
    FROM ftz.bi_customs_clearance_daily GROUP BY 1, 2, 3, 4
    EXCEPT SELECT month, area, direction, transport_mode, declarations, cleared, held, clearance_seconds_sum
    FROM ftz.bi_customs_clearance_monthly) x")" "monthly = daily summed per month"
assert_eq "$(q "SELECT sum(declarations), sum(declared_value_cny) FROM ftz.customs_daily")" \
  "$(q "SELECT sum(declarations), sum(declared_value_cny) FROM ftz.bi_trade_by_partner_monthly")" \
  "trade totals = customs_daily totals"
assert_eq 2 "$(q "SELECT count(DISTINCT month) FROM ftz.bi_customs_clearance_monthly WHERE month >= '2026-11-01'")" \
  "the simulated customs window spans two months"

# ---------------------------------------------------------------- customs offices
# Summed over offices, the view equals customs_daily per day, area and
# direction: the state table holds exactly what each declaration counts.
office_totals() {
  q "SELECT day, area, direction, sum(declarations), sum(cleared), sum(held),
            sum(declared_value_cny), sum(clearance_seconds_sum)
     FROM ftz.bi_customs_by_office_daily GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
}
daily_totals() {
  q "SELECT day, area, direction, sum(declarations), sum(cleared), sum(held),
            sum(declared_value_cny), sum(clearance_seconds_sum)
     FROM ftz.customs_daily GROUP BY 1, 2, 3
     HAVING sum(declarations) <> 0 ORDER BY 1, 2, 3"
}
daily_totals >daily-totals.txt
office_totals >office-totals.txt
[[ -s daily-totals.txt ]] || fail "no customs_daily totals"
diff -u daily-totals.txt office-totals.txt >&2 || fail "bi_customs_by_office_daily does not add up to customs_daily"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.bi_customs_by_office_daily
                  WHERE customs_office IS NULL OR customs_office = ''
                     OR avg_clearance_hours IS DISTINCT FROM round(clearance_seconds_sum::numeric / nullif(cleared, 0) / 3600, 1)")" \
  "offices named ((none) when missing), averages from the sums"
assert_eq 1 "$(q "SELECT count(*) FROM ftz.customs_declarations WHERE declaration_id = 'H5' AND status = 'CANCELLED'")" \
  "the state table keeps the cancelled H5 (and the view leaves it out)"
log "bi_customs_by_office_daily adds up to customs_daily: $(wc -l <office-totals.txt) day/area/direction groups"

# ---------------------------------------------------------------- registrations
assert_eq "2017-04-01|1|375.0" \
  "$(q "SELECT month, months_since_opening, shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly ORDER BY month LIMIT 1")" \
  "the line starts in the opening month"
assert_eq "2021-03-01|48|18000.0" \
  "$(q "SELECT month, months_since_opening, shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly WHERE months_since_opening = 48")" \
  "the Shanghai benchmark reaches 18,000 in month 48 (March 2021)"
assert_eq "0" "$(q "SELECT count(*) FROM ftz.bi_registrations_monthly WHERE months_since_opening > 48 AND shanghai_benchmark_cumulative <> 18000")" \
  "capped at 18,000 after month 48"
[[ $(q "SELECT count(*) FROM ftz.bi_registrations_monthly WHERE months_since_opening > 48") -ge 1 ]] \
  || fail "the simulated registrations do not reach past month 48"
assert_eq 0 "$(q "SELECT count(*) FROM (SELECT companies_cumulative < lag(companies_cumulative) OVER (ORDER BY month) AS down
                                       FROM ftz.bi_registrations_monthly) x WHERE down")" \
  "the running total never goes down"
assert_eq "$(q "SELECT count(*) FROM ftz.companies")" \
  "$(q "SELECT companies_cumulative FROM ftz.bi_registrations_monthly ORDER BY month DESC LIMIT 1")" \
  "the last running total = every counted company"
assert_eq "$(q "SELECT count(*) FROM ftz.companies")|$(q "SELECT sum(registered_capital_cny) FROM ftz.registrations_monthly")" \
  "$(q "SELECT sum(companies), sum(registered_capital_cny) FROM ftz.bi_capital_by_area_investor")" \
  "capital by area and investor adds up"
assert_eq "Japan|Korea" "$(q "SELECT string_agg(DISTINCT investor_group, '|') FROM ftz.bi_capital_by_area_investor WHERE investor_country IN ('JP', 'KR')")" \
  "Japanese and Korean investors by name"

# ---------------------------------------------------------------- dead letters
q "SELECT extract(epoch FROM rejected_at)::text || ' ' || code FROM ftz.dead_letters" >dead-raw.txt
python3 - >expected-dead-daily.txt <<'PY'
from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
c = Counter()
for line in open("dead-raw.txt"):
    epoch, code = line.split()
    day = datetime.fromtimestamp(float(epoch), timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
    c[(day.isoformat(), code)] += 1
for (day, code), n in sorted(c.items()):
    print(f"{day}|{code}|{n}")
PY
q "SELECT * FROM ftz.bi_dead_letters_daily ORDER BY 1, code COLLATE \"C\"" >actual-dead-daily.txt
diff -u expected-dead-daily.txt actual-dead-daily.txt >&2 || fail "bi_dead_letters_daily differs from ftz.dead_letters"
assert_eq "$ndead" "$(q "SELECT sum(dead_letters) FROM ftz.bi_dead_letters_daily")" "dead letters per day add up"
expected_codes=$(cut -d'|' -f2 exp-customs.txt exp-rail.txt | { cat; echo BAD_FRAMING; } | LC_ALL=C sort | uniq -c | awk '{print $2 "|" $1}')
assert_eq "$expected_codes" "$(q "SELECT code, sum(dead_letters) FROM ftz.bi_dead_letters_daily GROUP BY 1 ORDER BY code COLLATE \"C\"")" \
  "dead letters per code"

# ---------------------------------------------------------------- docs/bi.md
# Every sample query of the page (a ```sql block that starts "-- Q:") runs
# and finds rows in this dataset; every view has one.
awk '/^```sql$/ { on = 1; buf = ""; next }
     on && /^```$/ { on = 0; if (buf ~ /^-- Q:/) { f = sprintf("sample-%02d.sql", ++n); printf "%s", buf > f; close(f) } next }
     on { buf = buf $0 "\n" }' "$FTZ_SOURCE_DIR/docs/bi.md"
for v in customs_clearance_daily customs_clearance_monthly trade_by_partner_monthly rail_vs_sea \
         registrations_monthly capital_by_area_investor dead_letters_daily customs_by_office_daily; do
  grep -q -w "ftz.bi_$v" sample-*.sql || fail "docs/bi.md has no sample query of ftz.bi_$v"
done
for f in sample-*.sql; do
  psql -X -A -t -q -v ON_ERROR_STOP=1 -f "$f" >"$f.out" 2>"$f.err" \
    || fail "docs/bi.md sample \"$(head -1 "$f")\" fails: $(cat "$f.err")"
  [[ -s "$f.out" ]] || fail "docs/bi.md sample \"$(head -1 "$f")\" finds no rows"
done
log "docs/bi.md: $(ls sample-*.sql | wc -l) sample queries run"

# ---------------------------------------------------------------- parameters
# A reference line changed is seen at once by every view that uses it.
q "UPDATE ftz.reference_lines SET value = 35 WHERE name = 'sea_transit_days_japan_korea_to_europe'" >/dev/null
check_view rail_vs_sea "1, 2, 3" 35 rail.jsonl rail-hand.jsonl
q "UPDATE ftz.reference_lines SET value = 24 WHERE name = 'shanghai_ftz_benchmark_months'" >/dev/null
q "UPDATE ftz.reference_lines SET value = 20170601 WHERE name = 'liaoning_ftz_opening_date'" >/dev/null
check_view registrations_monthly "1" 2017-06-01 18000 24 registration.jsonl
assert_eq "2017-04-01|-1|0.0" \
  "$(q "SELECT month, months_since_opening, shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly ORDER BY month LIMIT 1")" \
  "months before the opening: negative, benchmark 0"
assert_eq "2019-05-01|18000.0" \
  "$(q "SELECT month, shanghai_benchmark_cumulative FROM ftz.bi_registrations_monthly WHERE months_since_opening = 24")" \
  "a 24-month benchmark reaches 18,000 in month 24"
