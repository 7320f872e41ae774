#!/usr/bin/env bash
# Every rule of every record type, through real topics, among thousands of
# valid records: each bad record lands in ftz.dead_letters exactly once with
# the right code and on the dead-letter topic at least once, the aggregates
# equal the totals of the valid records exactly, and the operators' loop
# (export, fix, produce again) brings the fixed records into the totals.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -t customs -n 3000 --seed 51 >customs.jsonl
"$FTZ" simulate -t rail -n 3000 --seed 52 >rail.jsonl
"$FTZ" simulate -t registration -n 2000 --seed 53 >registration.jsonl
: >expected-dead.txt
for t in customs rail registration; do
  python3 "$HERE/badrecords.py" "$t" "$t.jsonl" "bad-$t.jsonl" "exp-$t.txt"
  sed "s/^/$t|/" "exp-$t.txt" >>expected-dead.txt
  # Bad records among the valid ones: a third before, the rest after.
  { head -1000 "$t.jsonl"; cat "bad-$t.jsonl"; tail -n +1001 "$t.jsonl"; } >"mixed-$t.jsonl"
  "$FTZ" produce -q -t "$t" --skip-rules -f "mixed-$t.jsonl" || fail "produce $t exited $?"
done
log "$(wc -l <expected-dead.txt) rule-breaking records among $(cat customs.jsonl rail.jsonl registration.jsonl | wc -l) valid ones"

"$FTZ" aggregate -q -g rules --until-idle 3 || fail "aggregate exited $?"
assert_table customs customs.jsonl
assert_table rail rail.jsonl
assert_table registrations registration.jsonl

prefix=$FTZ_TOPIC_PREFIX
actual=$(q "SELECT CASE source_topic WHEN '${prefix}ftz.customs.declarations' THEN 'customs'
                                     WHEN '${prefix}ftz.rail.events' THEN 'rail'
                                     ELSE 'registration' END
                   || '|' || convert_from(record_key, 'UTF8') || '|' || code
            FROM ftz.dead_letters ORDER BY 1")
assert_eq "$(sort expected-dead.txt)" "$actual" "dead letters (type|key|code), each once"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters WHERE reason = '' OR payload IS NULL")" "reasons and payloads kept"
# Every rule code of every type was exercised.
for code in RULE_HS_CODE RULE_COUNTRY_CODE RULE_NEGATIVE_AMOUNT RULE_CLEARED_AT RULE_REVISION \
            RULE_EMPTY_FIELD RULE_FIELD_LENGTH RULE_CONTAINER_ID RULE_CORRIDOR RULE_TEU \
            RULE_DEPARTED_AT RULE_USCC_CHECKSUM RULE_INDUSTRY; do
  grep -q "|$code\$" expected-dead.txt || fail "no record breaks $code"
done

# The dead-letter topic holds each at least once, with its headers.
"$FTZ" consume -q -t deadletter -e >dlq.jsonl || fail "consume deadletter exited $?"
python3 - <<'PY' || fail "dead-letter topic incomplete"
import json
want = {tuple(l.strip().split("|")[1:]) for l in open("expected-dead.txt")}
seen = set()
for line in open("dlq.jsonl"):
    m = json.loads(line)
    seen.add((m.get("key") or "", m["headers"]["ftz.error.code"]))
missing = want - seen
assert not missing, sorted(missing)
PY

# Operators' loop: summary, list, export, fix, produce, aggregate.
"$FTZ" deadletters summary >summary.txt
grep -q "RULE_HS_CODE .*${prefix}ftz.customs.declarations .* 4$" summary.txt || fail "summary lacks the 4 RULE_HS_CODE records: $(cat summary.txt)"
"$FTZ" deadletters list --code RULE_TEU >list.txt
assert_eq 2 "$(wc -l <list.txt)" "list --code RULE_TEU"
grep -q "teu: 5, must be 1 to 4" list.txt || fail "list does not show the reason: $(cat list.txt)"
"$FTZ" deadletters export --code RULE_HS_CODE >fix.jsonl 2>export.err || fail "export exited $?"
assert_eq 4 "$(wc -l <fix.jsonl)" "exported RULE_HS_CODE records"
sed -i 's/"hs_code":"[^"]*"/"hs_code":"392321"/' fix.jsonl
"$FTZ" produce -q -t customs -f fix.jsonl || fail "produce of the fixed records exited $?"
"$FTZ" deadletters export --code RULE_TEU -t rail >fix-rail.jsonl 2>/dev/null || fail "export rail exited $?"
sed -i 's/"teu":[0-9]*/"teu":2/' fix-rail.jsonl
"$FTZ" produce -q -t rail -f fix-rail.jsonl || fail "produce of the fixed rail records exited $?"
"$FTZ" aggregate -q -g rules --until-idle 3 || fail "aggregate after the fix exited $?"
assert_table customs customs.jsonl fix.jsonl
assert_table rail rail.jsonl fix-rail.jsonl
assert_eq "$(wc -l <expected-dead.txt)" "$(q "SELECT count(*) FROM ftz.dead_letters")" "no new dead letters"
