#!/usr/bin/env bash
# A record that passes every rule but that PostgreSQL refuses (here: a
# CHECK constraint an operator added) does not stop the pipeline: it is
# found, dead-lettered as SINK_REJECTED with the server's reason, and every
# other record of its batch is counted exactly.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

q "ALTER TABLE ftz.customs_declarations
     ADD CONSTRAINT no_test_poison CHECK (declaration_id NOT LIKE 'POISON%')" >/dev/null
"$FTZ" simulate -t customs -n 2000 --seed 81 >sim.jsonl
with_poison sim.jsonl mixed.jsonl 500 1500
"$FTZ" produce -q -t customs -f mixed.jsonl || fail "produce exited $?"
"$FTZ" aggregate -g sink --until-idle 3 2>agg.err || fail "aggregate exited $?: $(tail -n 3 agg.err)"
report_exactness customs sim.jsonl
assert_daily sim.jsonl
assert_eq "SINK_REJECTED|POISON1500
SINK_REJECTED|POISON500" "$(q "SELECT code, convert_from(record_key, 'UTF8') FROM ftz.dead_letters ORDER BY 2")" "refused records dead-lettered"
grep -q "no_test_poison" <<<"$(q "SELECT reason FROM ftz.dead_letters LIMIT 1")" || fail "the reason does not carry the server's message"
"$FTZ" consume -q -t deadletter -e | grep -c '"ftz.error.code":"SINK_REJECTED"' >dlq.count || true
(( $(cat dlq.count) >= 2 )) || fail "the dead-letter topic lacks the refused records"
distinct=$(python3 -c 'import json; print(len({json.loads(l)["declaration_id"] for l in open("sim.jsonl")}))')
assert_eq "$distinct" "$(q "SELECT count(*) FROM ftz.customs_declarations")" "every other declaration counted"
