#!/usr/bin/env bash
# Two of the three nodes down (SIGKILL: the active controller and one
# more) while all three streams are produced and aggregated: no partition
# can meet min.insync.replicas 2 and the controller quorum is lost, so
# nothing can be acknowledged. `ftz produce` exits 1 once --timeout runs
# out, naming the records not sent (FILE:LINE) and acknowledging none; the
# members keep running and count nothing wrong; their dead-letter
# producers, which cannot get a producer id, say so a handful of times at
# most, not every 500 ms. Both nodes are started again, the chunks
# reported not sent are sent again (safe: the members de-duplicate by
# business key), and every aggregate is exact: nothing lost, nothing
# counted twice. A third member started during the outage waits too, and
# takes its share once the nodes are back.
source "$(dirname "$0")/lib.sh"
DOWN_S=22 # > PRODUCE_TIMEOUT: a chunk sent after the kill has timed out
PRODUCE_TIMEOUT=15

# produce_or_keep TYPE FILE [produce options...]: like produce_checked, but
# records not acknowledged within --timeout are allowed: ftz produce must
# then exit 1 naming them (FILE:LINE) as not acknowledged (never "not
# reachable": one node answers),
# and the chunk is listed in $WORK/unsent.txt to be sent again.
produce_or_keep() {
  local type=$1 file=$2 rc=0 base
  shift 2
  base=$WORK/produce-$type-$(basename "$file")
  "$FTZ" produce -q -t "$type" -f "$file" --rejects "$base.rejects" "$@" 2>"$base.err" || rc=$?
  [[ ! -s $base.rejects ]] || fail "ftz produce -t $type -f $file rejected records: $(head -n 3 "$base.rejects")"
  ((rc == 0)) && return 0
  ((rc == 1)) || fail "ftz produce -t $type -f $file exited $rc: $(head -n 3 "$base.err")"
  grep -qE "records not sent|were not acknowledged" "$base.err" && grep -qF "$file:" "$base.err" \
    || fail "ftz produce -t $type -f $file exited 1 without naming the records not sent: $(head -n 3 "$base.err")"
  # One node stayed up and answered: what failed is the acknowledgement.
  ! grep -q "not reachable" "$base.err" \
    || fail "ftz produce -t $type -f $file says the brokers are not reachable while one answered: $(head -n 3 "$base.err")"
  printf '%s %s\n' "$type" "$file" >>"$WORK/unsent.txt"
  log "not sent within --timeout $PRODUCE_TIMEOUT s: $file ($(grep -oE '[0-9]+ (of [0-9]+ )?records (sent )?(were )?not [a-z]+' "$base.err" | head -n 1))"
}
PRODUCE=produce_or_keep

# end_offsets: the messages in the test's three record topics (the sum of
# their partitions' high watermarks), re-sent ones included.
end_offsets() {
  "$(py_kafka)" - "$FTZ_BROKERS" "$PARTITIONS" "$(topic ftz.customs.declarations)" \
    "$(topic ftz.rail.events)" "$(topic ftz.registry.companies)" <<'PY' || fail "cannot read the end offsets"
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "ftz-test-end-offsets"})
total = 0
for t in sys.argv[3:]:
    for p in range(int(sys.argv[2])):
        total += c.get_watermark_offsets(TopicPartition(t, p), timeout=15)[1]
c.close()
print(total)
PY
}

start_flow 500

a=$(quorum_leader)
[[ $a != -1 ]] || fail "the quorum reports no leader"
b=$((a % CLUSTER_NODES + 1))
before=$(committed_offsets)
t0=$SECONDS
node_kill "$a"
node_kill "$b"
log "SIGKILLed nodes $a (the active controller) and $b at $before of $total offsets committed"
sleep 2
member_start m3 "$GROUP" --batch 500
# Down for a while: chunks time out; the members wait.
while ((SECONDS - t0 < DOWN_S)); do
  for m in m1 m2 m3; do member_alive "$m"; done
  sleep 1
done
producing || fail "the producer finished while nodes $a and $b were down; the fault hit no production"
[[ -s $WORK/unsent.txt ]] || fail "no ftz produce ran out of --timeout while two of three nodes were down"
log "while two nodes were down ($((SECONDS - t0)) s): $(($(committed_offsets) - before)) offsets committed; $(wc -l <"$WORK/unsent.txt") chunks not sent"
t1=$SECONDS
stack start-node "$a" >/dev/null &
pa=$!
stack start-node "$b" >/dev/null &
pb=$!
wait "$pa" || fail "Kafka node $a did not start again: $(tail -n 5 "$WORK/stack.log")"
wait "$pb" || fail "Kafka node $b did not start again: $(tail -n 5 "$WORK/stack.log")"
insync=$(wait_isr_full 90)
log "nodes $a and $b started again after $((t1 - t0)) s down, in $((SECONDS - t1)) s; replicas in sync $insync s later"
faults_over

wait "$PRODUCER" || fail "the producer failed: $(cat "$WORK"/produce-*.err | grep -v '^$' | tail -n 5)"
# What ftz produce reported not sent, sent again: every record acknowledged.
while read -r type file; do
  produce_checked "$type" "$file" --timeout 60
done <"$WORK/unsent.txt"
log "sent again: $(awk '{ print $2 }' "$WORK/unsent.txt" | paste -sd' ')"
end=$(end_offsets)
wait_committed "$end" 180 m1 m2 m3
member_stop m1
member_stop m2
member_stop m3
assert_eq "$end" "$(committed_offsets)" "every message committed once"
log "members: m1 $(member_totals m1), m2 $(member_totals m2), m3 $(member_totals m3); $((end - total)) messages more than the input (sent again, or written but not acknowledged)"
getpid=$(cat "$WORK"/m[123].err | grep -c 'GETPID' || true)
((getpid <= 4)) || fail "$getpid GETPID lines from the members (want a handful at most): $(grep -h -m 3 GETPID "$WORK"/m[123].err)"
log "GETPID lines from the members: $getpid$(grep -h -m 1 GETPID "$WORK"/m[123].err | sed 's/^/; the first: /' | cut -c1-300)"
log "total time $((SECONDS - STARTED))s"
assert_all_exact
