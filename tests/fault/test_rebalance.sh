#!/usr/bin/env bash
# Several members of one group share the partitions and rebalance while
# batches are in flight (members join, one leaves cleanly, one is killed):
# every record still counts exactly once.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 6
cd "$WORK"

"$FTZ" simulate -t customs -n 100000 --seed 31 --revision-rate 0.3 >sim.jsonl
"$FTZ" produce -q -t customs -f sim.jsonl || fail "produce exited $?"
total=$(wc -l <sim.jsonl)
committed() { q "SELECT coalesce(sum(next_offset), 0) FROM ftz.consumer_offsets"; }

# Small batches: many commits, so that members come and go mid-stream.
start_member() { # name -> PID_<name>
  "$FTZ" aggregate -q -g shared --batch 100 --batch-ms 10 2>"$1.err" &
  BG_PIDS+=("$!")
  printf -v "PID_$1" '%s' "$!"
}
wait_progress() { # at-least
  for _ in $(seq 1 400); do
    (( $(committed) >= $1 )) && return 0
    sleep 0.05
  done
  fail "no progress to $1 committed offsets (now $(committed))"
}

start_member a
wait_progress 300
start_member b                  # join: rebalance with batches open
wait_progress 3000
start_member c                  # another join
wait_progress 10000
kill -TERM "$PID_b"             # clean leave
wait "$PID_b" || fail "member b did not stop cleanly: $(tail -n 3 b.err)"
wait_progress 20000
kill -9 "$PID_c"                # crash: its partitions move when its session times out
wait "$PID_c" 2>/dev/null || true
(( $(committed) < total )) || fail "everything was committed before the last rebalance; the test proves nothing"
kill -TERM "$PID_a"
wait "$PID_a" || fail "member a did not stop cleanly: $(tail -n 3 a.err)"
log "members stopped with $(committed) of $total committed"
# The killed member holds its partitions until its session times out
# (session.timeout.ms 10 s): only then can a new member be given them all.
sleep 11

"$FTZ" aggregate -q -g shared --until-idle 3 || fail "final member exited $?"
assert_eq "$total" "$(committed)" "every message committed once"
report_exactness customs sim.jsonl
assert_daily sim.jsonl
