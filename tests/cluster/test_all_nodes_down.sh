#!/usr/bin/env bash
# All three nodes SIGKILLed at once (a power cut) while all three streams
# are produced and aggregated, then started again one by one with
# `stack start-node`: the first node alone cannot register (no controller
# majority), so start-node returns at once and the second start-node
# waits for both. The producer's records wait for their acknowledgement
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
node_start 2
log "nodes 1 and 2 answer $((SECONDS - t1)) s after start-node 1 ($((SECONDS - t0)) s after the kill)"
node_start 3
insync=$(wait_isr_full 90)
log "node 3 started; replicas in sync $insync s later; quorum leader $(quorum_leader)"
for m in m1 m2; do member_alive "$m"; done
finish_flow
