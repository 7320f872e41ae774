#!/usr/bin/env bash
# The consumer group's coordinator SIGKILLed while the members commit
# batches, and started again at once (a crash and an automatic restart):
# the members find a new coordinator and rejoin while the node is away,
# then the node catches up and may lead again; every aggregate is exact.
source "$(dirname "$0")/lib.sh"
start_flow 600

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
finish_flow
