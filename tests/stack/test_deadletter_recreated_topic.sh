#!/usr/bin/env bash
# A bad record of a re-created topic must reach ftz.dead_letters, the
# record of truth, even when the old log had a bad record at the same
# (topic, partition, offset).
#
# The topic is deleted and re-created, and the group moved back with
# `ftz offsets reset --to earliest` as docs/operations.md says. The new
# log's first record is bad (RULE_COUNTRY_CODE); the consumer logs it as
# rejected and sends its copy to the dead-letter topic, but the insert into
# ftz.dead_letters is "ON CONFLICT (source_topic, source_partition,
# source_offset) DO NOTHING": the OLD dead letter (RULE_HS_CODE, another
# record) stays and the new one is dropped. `ftz deadletters` never shows it,
# it cannot be exported and fixed: a bad record silently lost.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 1
cd "$WORK"
G=brk-dl-recreated
T=$(topic ftz.customs.declarations)

"$FTZ" simulate -t customs -n 20 --seed 3 >old.jsonl
"$FTZ" simulate -t customs -n 20 --seed 4 | sed 's/"declaration_id":"/"declaration_id":"N/' >new.jsonl
head -n 1 old.jsonl | sed 's/"hs_code":"[0-9]*"/"hs_code":"990000"/' >bad-old.jsonl
head -n 1 new.jsonl | sed 's/"origin_country":"[A-Z]*"/"origin_country":"XX"/; s/"destination_country":"[A-Z]*"/"destination_country":"XX"/' >bad-new.jsonl

produce_checked customs bad-old.jsonl --skip-rules
produce_checked customs old.jsonl
timeout -k 5 60 "$FTZ" aggregate -g "$G" -t customs --until-idle 2 2>run1.err || fail "run 1 exited $?"
assert_eq "0|RULE_HS_CODE" "$(q "SELECT source_offset || '|' || code FROM ftz.dead_letters")" "first dead letter"

# The topic deleted and re-created, the group moved back as documented.
"$FTZ_PY" "$HERE/rawkafka.py" delete "$FTZ_BROKERS" "$T" || fail "cannot delete $T"
for _ in $(seq 50); do "$FTZ" topics create -q --partitions 1 2>/dev/null && break; sleep 0.2; done
produce_checked customs bad-new.jsonl --skip-rules
produce_checked customs new.jsonl
"$FTZ" offsets reset -g "$G" -t customs --to earliest --reason "topic re-created" >reset.out \
  || fail "offsets reset exited $?"
timeout -k 5 60 "$FTZ" aggregate -g "$G" -t customs --until-idle 2 2>run2.err || fail "run 2 exited $?"
log_has run2.err 'RULE_COUNTRY_CODE' || fail "run 2 did not reject the new bad record"
assert_table customs old.jsonl new.jsonl

got=$(q "SELECT count(*) FROM ftz.dead_letters WHERE code = 'RULE_COUNTRY_CODE'")
assert_eq 1 "$got" "dead letters of the re-created topic's bad record (table holds: $(q "SELECT string_agg(source_offset || ' ' || code, ', ') FROM ftz.dead_letters"))"
