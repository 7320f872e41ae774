#!/usr/bin/env bash
# Text reports never write control characters from the data to the
# terminal. Found by the break-it pass: customs_office held ESC, CR, LF,
# TAB, BEL, and `ftz report offices` printed them raw (clear screen,
# colours, forged rows). Since then RULE_CONTROL_CHARACTER refuses such
# records at the producer (checked here) and the consumer, but rows written
# before that rule, or by hand, still reach the views: they are put in the
# state table directly, and the text output must show them escaped, one
# line per row. (CSV quotes them, JSON escapes them, HTML escapes them.)
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
setup_pipeline 1
cd "$WORK"

"$FTZ" simulate -t customs -n 40 --seed 7 --start 2024-03-01T00:00:00+08:00 --days 3 >base.jsonl
python3 - <<'PY'
import json
offices = ["\x1b[2J\x1b[31mRED", "X\rFAKE-OFFICE", "A\nB DALIAN 99", "tab\there", "\x07bell\x08\x7f"]
rows = [json.loads(l) for l in open("base.jsonl")]
rows = [r for r in rows if r["status"] != "CANCELLED"][:len(offices)]
with open("hostile.jsonl", "w") as f:
    for i, (r, o) in enumerate(zip(rows, offices)):
        r = dict(r, declaration_id="CTRL%03d" % i, revision=1, customs_office=o)
        f.write(json.dumps(r) + "\n")
PY
rc=0
"$FTZ" produce -q -t customs -f hostile.jsonl 2>produce.err || rc=$?
assert_eq 3 "$rc" "ftz produce of the hostile offices (all rejected)"
assert_eq 5 "$(grep -c 'RULE_CONTROL_CHARACTER customs_office' produce.err)" \
  "hostile offices refused by RULE_CONTROL_CHARACTER"
# Rows from before the rule: the clean records counted, then their office
# set to the hostile names in the state table.
python3 -c '
import json
with open("clean.jsonl", "w") as f:
    for l in open("hostile.jsonl"):
        f.write(json.dumps(dict(json.loads(l), customs_office="0900")) + "\n")'
produce_checked customs clean.jsonl
"$FTZ" aggregate -q -g ctrl --until-idle 2 || fail "aggregate exited $?"
python3 - <<'PY' >hostile.sql || fail "hostile.sql"
import json
for l in open("hostile.jsonl"):
    r = json.loads(l)
    hexed = r["customs_office"].encode().hex()
    print("UPDATE ftz.customs_declarations SET customs_office = "
          "convert_from(decode('%s', 'hex'), 'UTF8') WHERE declaration_id = '%s';"
          % (hexed, r["declaration_id"]))
PY
psql -X -q -v ON_ERROR_STOP=1 -f hostile.sql >/dev/null || fail "could not set the hostile offices"
assert_eq 5 "$(q "SELECT count(*) FROM ftz.customs_declarations WHERE customs_office ~ '[[:cntrl:]]'")" \
  "offices with control characters in the state"

"$FTZ" report offices >offices.txt || fail "ftz report offices exited $?"
rows=$(q "SELECT count(*) FROM (SELECT DISTINCT customs_office, area FROM ftz.bi_customs_by_office_daily) s")
# title, header, rule, one line per row
lines=$(wc -l <offices.txt)
ctrl=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(sum(1 for b in d if (b < 32 and b != 10) or b == 127))' offices.txt)
log "offices.txt: $lines lines for $rows rows, $ctrl control bytes"
cat -A offices.txt >&2
[[ $ctrl -eq 0 ]] || fail "ftz report offices wrote $ctrl raw control bytes (ESC, CR, TAB, BEL...) from customs_office to the terminal"
assert_eq $((rows + 3)) "$lines" "lines of the offices table"
