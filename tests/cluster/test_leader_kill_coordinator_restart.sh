#!/usr/bin/env bash
# Two independent node crashes in one flow, the cluster whole again in
# between, while all three streams are produced and aggregated:
#
# 1. leader-kill: the leader of a partition is SIGKILLed and started again:
#    the partition's leadership moves to another in-sync replica
#    (replication factor 3, min.insync.replicas 2, so every acknowledged
#    record is on a survivor), the producers retry on the new leader
#    without duplicates (idempotence), the members follow, and the
#    restarted node catches up.
# 2. coordinator-restart: the consumer group's coordinator SIGKILLed right
#    after a member committed a batch, and started again at once (a crash
#    and an automatic restart): the members find a new coordinator and
#    rejoin while the node is away, then the node catches up and may lead
#    again.
#
# Every aggregate is exact: nothing lost, nothing counted twice.
CHUNKS=20 # production spans both faults
source "$(dirname "$0")/lib.sh"
start_flow 100

fault_begin leader-kill
leader_down kill
# Down for a while, with records still arriving and being counted (when
# the node was the group's coordinator too, only once the members'
# sessions have run out and they have rejoined elsewhere: 20 s or so).
sleep 3
producing || fail "the producer finished while node $victim was down; the fault hit no production"
wait_until 40 "an offset committed while node $victim was down" offsets_at_least $((before + 1))
down_progress=$(($(committed_offsets) - before))
log "while node $victim was down: $down_progress offsets committed; ISR short: $(short_isr | wc -w) partitions"
node_back "$victim"
fault_end

fault_begin coordinator-restart
victim=$(group_coordinator "$GROUP")
[[ $victim != -1 ]] || fail "the group's coordinator is unknown"
# Kill while a member is committing: right after the committed count moved.
c0=$(committed_offsets)
for _ in $(seq 1 100); do
  [[ $(committed_offsets) != "$c0" ]] && break
  sleep 0.05
done
before=$(committed_offsets)
t0=$SECONDS
node_kill "$victim"
log "SIGKILLed node $victim, the group's coordinator, at $before of $total offsets committed (a commit had just landed)"
node_start "$victim"
log "node $victim answers again $((SECONDS - t0)) s after the kill"
producing || fail "the producer finished before node $victim came back; the fault hit no production"
insync=$(wait_isr_full 90)
log "replicas in sync $insync s later; coordinator now node $(group_coordinator "$GROUP")"
for m in m1 m2; do member_alive "$m"; done
fault_end

finish_flow
