#!/usr/bin/env bash
# PostgreSQL restarted under a running `ftz aggregate` (transactions in
# flight are aborted, the connection drops, maybe during COMMIT), then the
# Kafka broker restarted: the member reconnects, redoes what did not land
# from the offsets stored in PostgreSQL, and the totals are exact.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"
STACK=$FTZ_SOURCE_DIR/deploy/local/stack

"$FTZ" simulate -t customs -n 30000 --seed 71 --revision-rate 0.3 >sim.jsonl
"$FTZ" produce -q -t customs -f sim.jsonl || fail "produce exited $?"
total=$(wc -l <sim.jsonl)
committed() { q "SELECT coalesce(sum(next_offset), 0) FROM ftz.consumer_offsets" 2>/dev/null || echo -1; }
wait_progress() { # at-least what
  for _ in $(seq 1 600); do
    (( $(committed) >= $1 )) && return 0
    kill -0 "$pid" 2>/dev/null || fail "aggregate exited early: $(tail -n 5 agg.err)"
    sleep 0.1
  done
  fail "no progress to $1 after $2 (now $(committed))"
}

"$FTZ" aggregate -g restarts --batch 100 --batch-ms 10 --until-idle 8 2>agg.err &
pid=$!
BG_PIDS+=("$pid")
wait_progress 2000 "start"
before=$(committed)
(cd / && "$STACK" restart pg >/dev/null) || fail "could not restart PostgreSQL"
log "PostgreSQL restarted at $before of $total committed"
wait_progress $((before + 3000)) "the PostgreSQL restart"
before=$(committed)
(( before < total )) || fail "everything was committed before the Kafka restart; the test proves nothing"
(cd / && "$STACK" restart kafka >/dev/null) || fail "could not restart Kafka"
log "Kafka restarted at $before of $total committed"
wait "$pid" || fail "aggregate exited $?: $(tail -n 5 agg.err)"

grep -q "reconnecting\|redoing\|cannot resume yet" agg.err || fail "the PostgreSQL restart went unnoticed: $(tail -n 5 agg.err)"
assert_eq "$total" "$(committed)" "every message committed once"
report_exactness customs sim.jsonl
assert_daily sim.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "no dead letters from valid input"
log "$(grep -c 'redoing' agg.err) batch(es) redone; $(grep -o '[0-9]* messages in [0-9]* batches.*' agg.err)"
