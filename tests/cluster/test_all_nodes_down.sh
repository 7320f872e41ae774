#!/usr/bin/env bash
# All three nodes SIGKILLed at once (a power cut) while all three streams
# are produced and aggregated, then started again one by one with
# `stack start-node`: the first node alone cannot register (no controller
# majority), so start-node returns at once; then the two others are
# started together, and each start-node waits until its node answers. The producer's records wait for their acknowledgement
# (--timeout 120 s), the members retry until Kafka answers; nothing is
# lost and nothing is counted twice.
source "$(dirname "$0")/lib.sh"
DOWN_S=8
start_flow 400

before=$(committed_offsets)
t0=$SECONDS
for k in 1 2 3; do node_kill "$k"; done
log "SIGKILLed nodes 1, 2 and 3 at $before of $total offsets committed"
sleep "$DOWN_S"
producing || fail "the producer finished while every node was down; the fault hit no production"
t1=$SECONDS
node_start 1
(( SECONDS - t1 < 30 )) || fail "start-node 1 with nodes 2 and 3 down took $((SECONDS - t1)) s (want: back at once)"
# Nodes 2 and 3 together: each start-node waits until its node answers,
# which needs a majority of the controllers (two of the three) running.
stack start-node 2 >/dev/null &
p2=$!
stack start-node 3 >/dev/null &
p3=$!
wait "$p2" || fail "Kafka node 2 did not start again: $(tail -n 5 "$WORK/stack.log")"
wait "$p3" || fail "Kafka node 3 did not start again: $(tail -n 5 "$WORK/stack.log")"
log "nodes 1, 2 and 3 answer $((SECONDS - t1)) s after start-node 1 ($((SECONDS - t0)) s after the kill)"
insync=$(wait_isr_full 90)
log "replicas in sync $insync s later; quorum leader $(quorum_leader)"
for m in m1 m2; do member_alive "$m"; done
finish_flow
