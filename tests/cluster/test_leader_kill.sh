#!/usr/bin/env bash
# The leader of a partition is SIGKILLed while all three streams are being
# produced and aggregated, and started again: the partition's leadership
# moves to another in-sync replica (replication factor 3,
# min.insync.replicas 2, so every acknowledged record is on a survivor),
# the producers retry on the new leader without duplicates (idempotence),
# the members follow, the restarted node catches up, and every aggregate
# is exact: nothing lost, nothing counted twice.
source "$(dirname "$0")/lib.sh"
start_flow 100

leader_down kill
# Down for a while, with records still arriving and being counted (when
# the node was the group's coordinator too, only once the members'
# sessions have run out and they have rejoined elsewhere: 20 s or so).
sleep 6
producing || fail "the producer finished while node $victim was down; the fault hit no production"
wait_until 40 "an offset committed while node $victim was down" offsets_at_least $((before + 1))
down_progress=$(($(committed_offsets) - before))
log "while node $victim was down: $down_progress offsets committed; ISR short: $(short_isr | wc -w) partitions"
node_start "$victim"
insync=$(wait_isr_full 90)
log "node $victim started again after $((SECONDS - t0)) s down; replicas in sync $insync s later"
finish_flow
