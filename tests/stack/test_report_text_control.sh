#!/usr/bin/env bash
# Break-it reproducer: customs_office (schema v2, optional string) has no
# rule but its length (16 bytes), so control characters reach the consumer
# state and ftz.bi_customs_by_office_daily. `ftz report offices` (text, for
# a terminal) prints them raw: ESC sequences (clear screen, colours, title
# changes) go to the analyst's terminal, and CR / LF / TAB break the table
# or forge rows. (CSV quotes them, JSON escapes them, HTML escapes them.)
# Expected: the text output holds no control character but the line ends,
# one line per row.
source "$(dirname "$0")/lib.sh"
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
produce_checked customs hostile.jsonl
"$FTZ" aggregate -q -g ctrl --until-idle 2 || fail "aggregate exited $?"
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
