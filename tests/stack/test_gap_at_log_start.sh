#!/usr/bin/env bash
# A stored offset EQUAL to the log start is inside the log: nothing was
# lost. This is what retention leaves behind on a quiet topic: the group
# caught up at offset N, the next record opened a new segment at N, the old
# segment expired, so the log starts at exactly N. (Here: DeleteRecords up
# to the stored offset.)
#
# `ftz aggregate` starts one offset early (at N - 1) to compare the message
# counted there with the stored fingerprint; that offset is gone, the fetch
# comes back out of range, and the member takes it for a gap:
#   "the stored offset 200 is outside the log (first offset 200, next offset
#    250): the log ends before it ..."  and exits 1 (default --on-gap fail),
# or, with --on-gap skip, records a bogus gap_skip move 200 -> 200.
# `ftz offsets` says "ok" for the same partition. Expected: the 50 new
# records counted, exit 0, no move recorded.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 1
cd "$WORK"
G=brk-gap-start
R=$(topic ftz.registry.companies)

kafka_tools_find

"$FTZ" simulate -t registration -n 200 --seed 11 --start 2026-01-01T00:00:00Z >first.jsonl
"$FTZ" simulate -t registration -n 50 --seed 12 --start 2026-03-01T00:00:00Z >second.jsonl
produce_checked registration first.jsonl
timeout -k 5 60 "$FTZ" aggregate -g "$G" -t registration --until-idle 2 2>run1.err \
  || fail "first run exited $?: $(tail -n 3 run1.err)"
assert_eq 200 "$(q "SELECT next_offset FROM ftz.consumer_offsets WHERE topic = '$R'")" "stored offset"

# Retention catches up with the group: the log now starts at the stored offset.
delete_records "$R" 0 200
produce_checked registration second.jsonl
"$FTZ" offsets -g "$G" >offsets.txt || fail "ftz offsets exited $?: $(cat offsets.txt)"
grep -q ' ok$' offsets.txt || fail "ftz offsets does not say ok: $(cat offsets.txt)"

rc=0
timeout -k 5 60 "$FTZ" aggregate -g "$G" -t registration --until-idle 2 2>run2.err || rc=$?
((rc == 0)) || fail "a stored offset equal to the log start stopped the member (exit $rc): $(grep -v INFO run2.err | tail -n 2)"
assert_table registrations first.jsonl second.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.offset_moves")" "offset moves recorded"

# The same with --on-gap skip: no move is to be recorded either.
delete_records "$R" 0 250
"$FTZ" simulate -t registration -n 30 --seed 13 --start 2026-05-01T00:00:00Z >third.jsonl
produce_checked registration third.jsonl
timeout -k 5 60 "$FTZ" aggregate -g "$G" -t registration --until-idle 2 --on-gap skip 2>run3.err \
  || fail "--on-gap skip run exited $?"
assert_table registrations first.jsonl second.jsonl third.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.offset_moves")" \
  "offset moves recorded for a stored offset equal to the log start ($(q "SELECT from_offset || '->' || to_offset || ' ' || reason FROM ftz.offset_moves"))"
