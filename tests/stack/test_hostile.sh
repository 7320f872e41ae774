#!/usr/bin/env bash
# Every class of hostile input that Avro-C 1.11.1 mishandles, sent through a
# real topic between valid records: each is dead-lettered as DECODE_ERROR
# with a reason, the consumer's peak memory stays small (no 2 GiB
# allocation), and the records after them are counted.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
T=$(topic ftz.customs.declarations)

"$FTZ" simulate -t customs -n 500 --seed 61 >before.jsonl
"$FTZ" simulate -t customs -n 500 --seed 62 | sed 's/"declaration_id":"/"declaration_id":"B/' >after.jsonl
python3 "$HERE/hostile.py" "$("$FTZ" schema fingerprint --hex "$FTZ_SOURCE_DIR/schemas/customs/CustomsDeclaration.v2.avsc")" hostile

"$FTZ" produce -q -t customs -f before.jsonl || fail "produce exited $?"
n=0
while IFS='|' read -r name reason; do
  kcat -b "$FTZ_BROKERS" -P -t "$T" -k "$name" -X message.max.bytes=2000000 "hostile/$name.bin" \
    || fail "kcat could not send $name"
  n=$((n + 1))
done <hostile/expected.txt
"$FTZ" produce -q -t customs -f after.jsonl || fail "produce exited $?"

"$FTZ" aggregate -g hostile --max-record-size 65536 --until-idle 3 2>agg.err || fail "aggregate exited $?: $(tail -3 agg.err)"
assert_daily before.jsonl after.jsonl
assert_eq "$n" "$(q "SELECT count(*) FROM ftz.dead_letters")" "one dead letter per hostile record"
while IFS='|' read -r name reason; do
  got=$(q "SELECT code || ': ' || reason FROM ftz.dead_letters WHERE convert_from(record_key, 'UTF8') = '$name'")
  [[ "$got" == DECODE_ERROR:* ]] || fail "$name: expected DECODE_ERROR, got [$got]"
  [[ "$got" == *"$reason"* ]] || fail "$name: reason [$got] lacks [$reason]"
  log "$name -> $got"
done <hostile/expected.txt
peak=$(sed -n 's/.*peak memory \([0-9]*\) MiB.*/\1/p' agg.err)
[[ -n "$peak" ]] || fail "aggregate did not report its peak memory"
# Debug build with ASan: its shadow memory and quarantine make ~100-300 MiB
# normal; a 2 GiB allocation from a hostile length would show far above.
(( peak < 700 )) || fail "peak memory $peak MiB"
log "peak memory of ftz aggregate (ASan build): $peak MiB"
