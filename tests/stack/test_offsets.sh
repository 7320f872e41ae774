#!/usr/bin/env bash
# ftz offsets: the stored positions against the logs in Kafka, and moving
# them on purpose. Moving back re-reads records and the totals stay exact;
# moving forward skips records, which are never counted; every move is in
# ftz.offset_moves with who, why, from and to; a running member notices a
# move at its next commit; records deleted before being counted ("behind
# log start") and a topic deleted and re-created ("past log end") are
# shown and exit 3.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

G=offs
T=$(topic ftz.customs.declarations)

kafka_tools_find

stored() { q "SELECT next_offset FROM ftz.consumer_offsets WHERE consumer_group = '$G' AND topic = '$T' AND partition = $1"; }
moves() { q "SELECT count(*) FROM ftz.offset_moves"; }

# show [ARGS...]: `ftz offsets` into show.out, its status into $show_rc.
show() {
  show_rc=0
  "$FTZ" offsets -q "$@" >show.out 2>show.err || show_rc=$?
}
# Columns of show.out for topic T: partition stored start end lag status...
t_rows() { awk -v t="$T" '$2 == t { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' show.out; }
sum_col() { t_rows | awk -v c="$1" '{ s += $c } END { print s + 0 }'; }

aggregate() {
  "$FTZ" aggregate -q -g "$G" --until-idle 2 2>agg.err || fail "aggregate exited $?: $(tail -n 3 agg.err)"
}
produce() { "$FTZ" produce -q -t customs -f "$1" || fail "produce $1 exited $?"; }

# ---- caught up: ok, lag 0
# Each file simulates its own month, so no two files share a declaration_id
# and every file changes the totals.
"$FTZ" simulate -t customs -n 600 --seed 11 --start 2026-11-01T00:00:00+08:00 >a.jsonl
produce a.jsonl
aggregate
show -g "$G"
assert_eq 0 "$show_rc" "ftz offsets exit status when caught up ($(cat show.err))"
assert_eq 3 "$(t_rows | wc -l)" "one line per partition"
assert_eq "ok ok ok" "$(t_rows | awk '{ print $6 }' | xargs)" "statuses when caught up"
assert_eq "0 0 0" "$(t_rows | awk '{ print $5 }' | xargs)" "lag when caught up"
assert_eq 600 "$(sum_col 2)" "stored offsets add up to the records read"
assert_eq 600 "$(sum_col 4)" "log ends add up to the records produced"
log "caught up: $(t_rows | xargs)"

# ---- more records: the lag shows them
"$FTZ" simulate -t customs -n 300 --seed 12 --start 2026-12-01T00:00:00+08:00 >b.jsonl
produce b.jsonl
show -t customs
assert_eq 0 "$show_rc" "ftz offsets exit status with lag"
assert_eq 300 "$(sum_col 5)" "lag = records produced since"
assert_eq "ok ok ok" "$(t_rows | awk '{ print $6 }' | xargs)" "statuses with lag"
aggregate

# ---- a dry run writes nothing
before=$(stored 0)
"$FTZ" offsets reset -q -g "$G" -t customs --partition 0 --to earliest --reason "dry" --dry-run \
  >dry.out 2>dry.err || fail "dry run exited $?: $(cat dry.err)"
grep -qx "$T \[0\]: $before -> 0 (earliest): reads offsets \[0, $before) again" dry.out \
  || fail "dry run printed: $(cat dry.out)"
assert_eq "$before" "$(stored 0)" "stored offset after a dry run"
assert_eq 0 "$(moves)" "moves recorded by a dry run"

# ---- back to earliest: re-read, totals exact, the move recorded
"$FTZ" offsets reset -g "$G" -t customs --partition 0 --to earliest \
  --reason "test: count partition 0 again" >reset.out 2>reset.err || fail "reset exited $?: $(cat reset.err)"
assert_eq "$T [0]: $before -> 0 (earliest): reads offsets [0, $before) again" "$(cat reset.out)" "reset output"
assert_eq 0 "$(stored 0)" "stored offset after reset to earliest"
assert_eq "$G|$T|0|$before|0|reset|test: count partition 0 again|0|$before" \
  "$(q "SELECT consumer_group, topic, partition, from_offset, to_offset, kind, reason, log_start, log_end FROM ftz.offset_moves")" \
  "the recorded move"
who=$(q "SELECT moved_by FROM ftz.offset_moves")
assert_eq "$(id -un)@$(hostname) (pg: $(q "SELECT session_user"))" "$who" "who moved it"
"$FTZ" offsets history -g "$G" >history.out || fail "history exited $?"
grep -q "^20[0-9-]*T[0-9:]*Z $G $T \[0\] $before -> 0 reset log \[0, $before) by $who: test: count partition 0 again\$" history.out \
  || fail "history printed: $(cat history.out)"
show -g "$G"
assert_eq 0 "$show_rc" "exit status after moving back"
assert_eq "$before" "$(t_rows | awk '$1 == 0 { print $5 }')" "lag of partition 0 after moving back"
aggregate
assert_table customs a.jsonl b.jsonl
show -g "$G"
assert_eq "0 0 0" "$(t_rows | awk '{ print $5 }' | xargs)" "lag after re-reading"

# ---- forward to latest past unread records: never counted
"$FTZ" simulate -t customs -n 200 --seed 13 --start 2027-01-01T00:00:00+08:00 >c.jsonl
produce c.jsonl
show -g "$G"
declare -a from_c end_c
for p in 0 1 2; do
  from_c[p]=$(stored "$p")
  end_c[p]=$(t_rows | awk -v p="$p" '$1 == p { print $4 }')
done
"$FTZ" offsets reset -g "$G" -t customs --to latest --reason "test: skip c" >latest.out 2>latest.err \
  || fail "reset to latest exited $?: $(cat latest.err)"
for p in 0 1 2; do
  grep -qx "$T \[$p\]: ${from_c[p]} -> ${end_c[p]} (latest): skips offsets \[${from_c[p]}, ${end_c[p]}), never counted" latest.out \
    || fail "reset to latest printed: $(cat latest.out)"
  assert_eq "${end_c[p]}" "$(stored "$p")" "stored offset of [$p] after reset to latest"
done
assert_eq "3|3" "$(q "SELECT count(*), count(*) FILTER (WHERE from_offset < to_offset AND to_offset = log_end)
                     FROM ftz.offset_moves WHERE reason = 'test: skip c'")" "moves to latest recorded"
aggregate
assert_table customs a.jsonl b.jsonl
python3 "$HERE/oracle.py" customs a.jsonl b.jsonl c.jsonl >with-c.txt
cmp -s with-c.txt "$WORK/expected-customs.txt" && fail "c.jsonl would change nothing: the test proves nothing"
log "records skipped by the move forward were not counted"

# ---- refusals
rc=0
"$FTZ" offsets reset -g "$G" -t customs --to earliest >usage.out 2>usage.err || rc=$?
assert_eq 2 "$rc" "exit status without --reason"
assert_eq 2 "$(wc -l <usage.err)" "lines of a usage error"
grep -q '^ftz offsets: .*--reason' usage.err || fail "usage error: $(cat usage.err)"
assert_eq 'ftz offsets: hint: Try "ftz offsets --help"' "$(tail -n 1 usage.err)" "usage error hint"
rc=0
"$FTZ" offsets reset -g "$G" -t customs --partition 1 --to 999999 --reason x >/dev/null 2>range.err || rc=$?
assert_eq 1 "$rc" "exit status of an offset outside the log"
grep -q "offset 999999 is outside the log of $T \[1\]" range.err || fail "out of range: $(cat range.err)"
rc=0
"$FTZ" offsets reset -g other -t customs --to earliest --reason x >/dev/null 2>group.err || rc=$?
assert_eq 1 "$rc" "exit status for a second group"
grep -q "consumer group \"$G\"" group.err || fail "second group: $(cat group.err)"
rc=0
"$FTZ" offsets reset -g "$G" --topic "${T}.nope" --to earliest --reason x >/dev/null 2>nope.err || rc=$?
assert_eq 1 "$rc" "exit status for a missing topic"
grep -q "topic ${T}.nope does not exist" nope.err || fail "missing topic: $(cat nope.err)"
assert_eq 4 "$(moves)" "nothing recorded by refused moves"

# ---- a running member notices a move at its next commit
"$FTZ" aggregate -g "$G" >member.log 2>&1 &
member=$!
BG_PIDS+=("$member")
for _ in $(seq 100); do
  (( $(grep -c "assigned $T " member.log || true) >= 3 )) && break
  kill -0 "$member" 2>/dev/null || fail "member died: $(tail -n 5 member.log)"
  sleep 0.2
done
(( $(grep -c "assigned $T " member.log || true) >= 3 )) || fail "member not assigned: $(tail -n 5 member.log)"
# Back to 20 offsets before the records skipped above: 20 counted records
# are read again (and not counted twice), and partition 1's share of c.jsonl
# is now counted after all.
before=$(stored 1)
back=$((from_c[1] - 20))
kcat -b "$FTZ_BROKERS" -C -t "$T" -p 1 -o "${from_c[1]}" -c $((end_c[1] - from_c[1])) -e -q -f '%k\n' >c1.keys
"$FTZ" offsets reset -g "$G" -t customs --partition 1 --to "$back" --reason "test: under a running member" \
  >member-reset.out || fail "reset under a running member exited $?"
assert_eq "$T [1]: $before -> $back (offset): reads offsets [$back, $before) again" "$(cat member-reset.out)" \
  "reset to an offset"
keep_keys() { # KEYS FILE: the lines of FILE whose declaration_id is in KEYS (invert: -v)
  python3 - "$@" <<'PY'
import json, sys
invert = sys.argv[1] == "-v"
keys_path, path = sys.argv[1 + invert:3 + invert]
keys = set(open(keys_path).read().split())
for line in open(path):
    if (json.loads(line)["declaration_id"] in keys) != invert:
        sys.stdout.write(line)
PY
}
keep_keys c1.keys c.jsonl >c1.jsonl
"$FTZ" simulate -t customs -n 90 --seed 14 --start 2027-02-01T00:00:00+08:00 >g.jsonl
produce g.jsonl
for _ in $(seq 150); do
  show -g "$G"
  [[ "$(t_rows | awk '{ print $5 }' | xargs)" == "0 0 0" ]] && break
  sleep 0.2
done
assert_eq "0 0 0" "$(t_rows | awk '{ print $5 }' | xargs)" "lag once the running member caught up"
kill -TERM "$member"
wait "$member" || fail "member exited $?: $(tail -n 5 member.log)"
assert_table customs a.jsonl b.jsonl c1.jsonl g.jsonl
log "a running member re-read partition 1 from $back (was $before) after the move"

# ---- records deleted before being counted: behind log start
"$FTZ" simulate -t customs -n 150 --seed 15 --start 2027-03-01T00:00:00+08:00 >e.jsonl
produce e.jsonl
show -g "$G"
s0=$(stored 0)
e0=$(t_rows | awk '$1 == 0 { print $4 }')
(( e0 > s0 )) || fail "no unread records on partition 0"
kcat -b "$FTZ_BROKERS" -C -t "$T" -p 0 -o "$s0" -c $((e0 - s0)) -e -q -f '%k\n' >deleted.keys
delete_records "$T" 0 "$e0"
show -g "$G"
assert_eq 3 "$show_rc" "exit status behind log start"
grep -q "^0 $s0 $e0 $e0 $((e0 - s0)) behind log start: records \[stored, start) were deleted before being counted\$" <<<"$(t_rows)" \
  || fail "partition 0 behind log start: $(cat show.out)"
assert_eq "ok ok" "$(t_rows | awk '$1 != 0 { print $6 }' | xargs)" "the other partitions"
"$FTZ" offsets reset -q -g "$G" -t customs --partition 0 --to earliest \
  --reason "test: records deleted unread" >/dev/null || fail "reset behind log start exited $?"
assert_eq "$e0" "$(stored 0)" "stored offset after reset to the new log start"
show -g "$G"
assert_eq 0 "$show_rc" "exit status after the reset"
aggregate
keep_keys -v deleted.keys e.jsonl >e_kept.jsonl
assert_table customs a.jsonl b.jsonl c1.jsonl g.jsonl e_kept.jsonl
log "behind log start: $(wc -l <deleted.keys) deleted records shown, skipped on purpose"

# ---- the topic deleted and re-created: past log end
# (grep reads a variable, not a pipe: with pipefail, kcat killed by
# SIGPIPE after an early match would read as "no match".)
listing() { kcat -b "$FTZ_BROKERS" -L 2>/dev/null || true; }
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$FTZ_BROKERS" --delete --topic "$T"
for _ in $(seq 100); do
  grep -q "topic \"$T\"" <<<"$(listing)" || break
  sleep 0.2
done
grep -q "topic \"$T\"" <<<"$(listing)" && fail "topic $T not deleted"
for _ in $(seq 50); do
  "$FTZ" topics create -q --partitions 3 2>/dev/null \
    && grep -q "topic \"$T\" with 3 partitions" <<<"$(listing)" && break
  sleep 0.5
done
grep -q "topic \"$T\" with 3 partitions" <<<"$(listing)" || fail "topic $T not re-created"
"$FTZ" simulate -t customs -n 30 --seed 16 --start 2027-04-01T00:00:00+08:00 >f.jsonl
produce f.jsonl
show -g "$G"
assert_eq 3 "$show_rc" "exit status past log end"
grep -q "past log end: the log was deleted and re-created or truncated" show.out \
  || fail "past log end not shown: $(cat show.out)"
assert_eq 3 "$(t_rows | grep -c 'past log end')" "partitions past log end"
grep -q "outside their partition's log" show.err || fail "no summary on stderr: $(cat show.err)"
"$FTZ" offsets reset -q -g "$G" -t customs --to earliest --reason "test: topic re-created" \
  >recreated.out || fail "reset after re-creation exited $?"
grep -q "(earliest): reads offsets \[0, " recreated.out || fail "reset after re-creation: $(cat recreated.out)"
show -g "$G"
assert_eq 0 "$show_rc" "exit status after the reset"
assert_eq 30 "$(sum_col 5)" "lag after the reset: the new topic's records"
aggregate
assert_table customs a.jsonl b.jsonl c1.jsonl g.jsonl e_kept.jsonl f.jsonl

# ---- the history, newest first
"$FTZ" offsets history -g "$G" --topic "$T" >history.out || fail "history exited $?"
head -n 1 history.out | grep -q "reset log \[0, [0-9]*) by .*: test: topic re-created\$" \
  || fail "newest move not first: $(head -n 3 history.out)"
assert_eq "$(moves)" "$(wc -l <history.out)" "every move listed"
assert_eq 0 "$("$FTZ" offsets history -g other | wc -l)" "no moves of another group"
