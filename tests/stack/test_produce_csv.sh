#!/usr/bin/env bash
# `ftz produce` of CSV and JSON lines exports of all three record types in
# one run (several files, stdin, --format, formats by extension): a BOM,
# CRLF and CR-only line ends, quoted CSV cells with commas, quotes and line
# ends, columns in another order; bad records among the good ones (unknown
# enum, bad number, missing required cell, rule failures, stray quotes,
# a cell too many, a 2 MB line) are each rejected with FILE:LINE (the
# physical line where the record starts) and the right code, exit 3, the
# CSV rejects file is CSV again; a wrong header stops the run before
# anything is sent; and after `ftz aggregate` the tables equal the
# oracle's totals of the good records.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -t customs -n 1500 --seed 71 --revision-rate 0.2 >sim-customs.jsonl
"$FTZ" simulate -t rail -n 1500 --seed 72 >sim-rail.jsonl
"$FTZ" simulate -t registration -n 800 --seed 73 >sim-registration.jsonl
for t in customs rail registration; do
  python3 "$HERE/produce_inputs.py" "$t" "sim-$t.jsonl" "$t" || fail "produce_inputs.py $t failed"
done
head -c 3 customs.csv | od -An -tx1 | grep -q 'ef bb bf' || fail "customs.csv has no BOM"
grep -q $'\r$' customs.csv || fail "customs.csv has no CRLF"
[[ $(tr -dc '\n' <rail.jsonl | wc -c) -eq 0 && $(tr -dc '\r' <rail.jsonl | wc -c) -gt 700 ]] || fail "rail.jsonl should end its lines with CR only"
log "$(cat customs.expected rail.expected registration.expected | wc -l) bad records among $(cat customs.good.jsonl rail.good.jsonl registration.good.jsonl | wc -l) good ones"

# checks_rejects ERRFILE EXPECTED: every expected FILE:LINE CODE is
# reported with its reason, and nothing else is rejected.
check_rejects() {
  local err=$1 expected=$2
  python3 - "$err" "$expected" <<'PY' || fail "rejects of $(basename "$expected" .expected) differ (stderr in $1)"
import re, sys
err, expected = sys.argv[1], sys.argv[2]
got = {}
for line in open(err, encoding="utf-8", errors="replace"):
    m = re.match(r"^(\S+:\d+): ([A-Z_]+) (.*)$", line.rstrip("\n"))
    if m and not line.startswith("ftz produce:"):
        got[m.group(1)] = (m.group(2), m.group(3))
want = {}
for line in open(expected, encoding="utf-8"):
    where, code, piece = (line.rstrip("\n").split(" ", 2) + [""])[:3]
    want[where] = (code, piece)
problems = []
for where, (code, piece) in sorted(want.items()):
    if where not in got:
        problems.append("%s: not reported (want %s %s)" % (where, code, piece))
    elif got[where][0] != code or piece not in got[where][1]:
        problems.append("%s: %s %s, want %s ...%s..." % (where, got[where][0], got[where][1][:120], code, piece))
for where in sorted(set(got) - set(want)):
    problems.append("%s: rejected but good: %s %s" % (where, got[where][0], got[where][1][:120]))
for p in problems:
    print(p, file=sys.stderr)
print("%d rejects as expected" % len(want), file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# ---- a wrong header stops the run before anything is sent
sed '1s/^\xef\xbb\xbf//; 1s/event_time/event_tiem/' rail.csv >typo.csv
rc=0
"$FTZ" produce -t rail rail.good.jsonl typo.csv 2>typo.err || rc=$?
assert_eq 1 "$rc" "exit status with an unknown CSV column"
grep -q '^ftz produce: typo.csv:1: header: column [0-9]* "event_tiem" is not a field of ftz.rail.RailEvent' typo.err \
  || fail "no clear error for the unknown column: $(cat typo.err)"
python3 -c '
import csv, itertools
rows = list(itertools.islice(csv.reader(open("rail.csv", encoding="utf-8-sig", newline="")), 5))
i = rows[0].index("station")
w = csv.writer(open("nostation.csv", "w", newline=""))
for r in rows[:5]:
    w.writerow(r[:i] + r[i + 1:])'
rc=0
"$FTZ" produce -t rail rail.good.jsonl nostation.csv 2>nostation.err || rc=$?
assert_eq 1 "$rc" "exit status with a required column missing"
grep -q 'nostation.csv:1: header: no column "station", a required field' nostation.err \
  || fail "no clear error for the missing column: $(cat nostation.err)"
assert_eq "" "$(topic_messages "$(kind_topic rail)")" "messages sent by runs with a wrong header"

# ---- customs and rail: a JSON lines file and a CSV file in one run each
for t in customs rail; do
  rc=0
  "$FTZ" produce -t "$t" "$t.jsonl" -f "$t.csv" --rejects "$t.rejects" 2>"$t.err" || rc=$?
  assert_eq 3 "$rc" "exit status of produce -t $t with bad records"
  check_rejects "$t.err" "$t.expected"
  summary=$(grep '^ftz produce: .* records read' "$t.err") || fail "$t: no summary line: $(tail -3 "$t.err")"
  n_bad=$(wc -l <"$t.expected")
  n_good=$(wc -l <"$t.good.jsonl")
  [[ $summary == "ftz produce: $((n_bad + n_good)) records read, $n_good sent, $n_good acknowledged, $n_bad rejected, 0 failed in "* ]] \
    || fail "$t summary: $summary (want $((n_bad + n_good)) read, $n_good sent and acknowledged, $n_bad rejected)"
done

# ---- registrations: the JSON file, then CSV from standard input (--format)
rc=0
"$FTZ" produce -t registration -f registration.jsonl --rejects registration-json.rejects \
  2>registration-json.err || rc=$?
assert_eq 3 "$rc" "exit status of produce -t registration (JSON)"
grep '^registration.jsonl:' registration.expected >registration-json.expected
check_rejects registration-json.err registration-json.expected
rc=0
"$FTZ" produce -t registration --format csv --rejects registration-csv.rejects - \
  <registration.csv 2>registration-csv.err || rc=$?
assert_eq 3 "$rc" "exit status of produce -t registration --format csv (stdin)"
grep '^registration.csv:' registration.expected | sed 's/^registration.csv:/<stdin>:/' >registration-csv.expected
check_rejects registration-csv.err registration-csv.expected

# The rejects of a CSV input are CSV: its header row, then the records as
# read, so the file can be fixed and produced again; produced as it is,
# every record in it is rejected again, for the same reasons.
head -1 registration-csv.rejects | cmp -s - <(head -1 registration.csv | sed '1s/^\xef\xbb\xbf//' | tr -d '\r') \
  || fail "registration-csv.rejects does not start with the header row: $(head -1 registration-csv.rejects)"
rc=0
"$FTZ" produce -t registration registration-csv.rejects --format csv 2>again.err || rc=$?
assert_eq 3 "$rc" "exit status of producing the rejects again"
n=$(wc -l <registration-csv.expected)
grep -q "^ftz produce: $n records read, 0 sent, 0 acknowledged, $n rejected, 0 failed" again.err \
  || fail "the rejects file, produced again, is not the $n records rejected: $(grep records again.err)"
assert_eq "$(cut -d' ' -f2 registration-csv.expected | sort)" \
  "$(grep -o '^registration-csv.rejects:[0-9]*: [A-Z_]*' again.err | cut -d' ' -f2 | sort)" "codes of the rejects produced again"
# JSON lines rejects are the lines as read, but the 2 MB one.
n=$(grep -c '^{' registration-json.rejects)
assert_eq "$(($(wc -l <registration-json.expected) - 1))" "$n" "JSON lines in registration-json.rejects"

# ---- the aggregates: the oracle's totals of the good records
"$FTZ" aggregate -q -g produce-csv --until-idle 2 || fail "aggregate exited $?"
assert_table customs customs.good.jsonl
assert_table rail rail.good.jsonl
assert_table registrations registration.good.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters (every bad record was stopped at the producer)"

# ---- --schema-version 1 cannot carry customs_office (a v2 field): such a
# record is rejected, in either format, not sent without the field.
head -3 customs.good.jsonl >v2.jsonl
python3 -c '
import csv, json
rows = [json.loads(l) for l in open("v2.jsonl")]
w = csv.writer(open("v2.csv", "w", newline=""))
w.writerow(rows[0].keys())
for r in rows:
    w.writerow(["" if v is None else v for v in r.values()])'
grep -q '"customs_office": "[A-Z]' v2.jsonl || fail "the simulated customs records carry no customs_office"
rc=0
"$FTZ" produce -t customs --schema-version 1 v2.jsonl v2.csv 2>v1.err || rc=$?
assert_eq 3 "$rc" "exit status of --schema-version 1 with customs_office"
assert_eq 6 "$(grep -c '^v2\.\(jsonl\|csv\):[0-9]*: BAD_JSON field customs_office: not in schema version 1' v1.err)" \
  "records with customs_office rejected under --schema-version 1"
grep -q '^ftz produce: 6 records read, 0 sent, 0 acknowledged, 6 rejected, 0 failed' v1.err \
  || fail "--schema-version 1 summary: $(grep records v1.err)"
