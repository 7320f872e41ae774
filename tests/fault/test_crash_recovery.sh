#!/usr/bin/env bash
# SIGKILL `ftz aggregate` after some batches have committed, twice, restart
# it, and the totals are still exact: a batch either landed whole, with its
# offsets, or not at all.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -t customs -n 20000 --seed 23 --revision-rate 0.3 >sim.jsonl
"$FTZ" produce -q -t customs -f sim.jsonl || fail "produce exited $?"
total=$(wc -l <sim.jsonl)

committed() { q "SELECT coalesce(sum(next_offset), 0) FROM ftz.consumer_offsets"; }

for round in 1 2; do
  before=$(committed)
  # Small batches so that several commit before the kill.
  "$FTZ" aggregate -q -g crash --batch 300 --batch-ms 20 2>"agg$round.err" &
  pid=$!
  BG_PIDS+=("$pid")
  for _ in $(seq 1 600); do
    now=$(committed)
    (( now >= before + 2000 )) && break
    kill -0 "$pid" 2>/dev/null || fail "aggregate died on its own: $(tail -5 "agg$round.err")"
    sleep 0.05
  done
  now=$(committed)
  (( now > before )) || fail "round $round: no batch committed before the kill"
  (( now < total )) || fail "round $round: everything was committed before the kill ($now of $total); the test proves nothing"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  log "round $round: killed with $now of $total offsets committed"
done

"$FTZ" aggregate -q -g crash --until-idle 3 || fail "aggregate after the kills exited $?"
assert_eq "$total" "$(committed)" "every message committed once"
report_exactness customs sim.jsonl
assert_daily sim.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "no dead letters from valid input"
