#!/usr/bin/env bash
# The leader of a partition is stopped cleanly (stack stop-node: SIGTERM,
# a controlled shutdown: the quorum moves its leaderships to in-sync
# replicas before it exits) while all three streams are produced and
# aggregated, stays down longer than the members' session timeout (10 s),
# and is started again: the producers follow the new leaders without
# duplicates, the members keep their group, the restarted node catches up,
# and every aggregate is exact: nothing lost, nothing counted twice.
source "$(dirname "$0")/lib.sh"
DOWN_S=15
start_flow 400

leader_down stop
sleep $((DOWN_S - (SECONDS - t0) > 0 ? DOWN_S - (SECONDS - t0) : 0))
producing || fail "the producer finished while node $victim was down; the fault hit no production"
down_progress=$(($(committed_offsets) - before))
((down_progress > 0)) || fail "nothing was committed while node $victim was down"
log "while node $victim was down ($((SECONDS - t0)) s): $down_progress offsets committed; ISR short: $(short_isr | wc -w) partitions"
for m in m1 m2; do member_alive "$m"; done
node_start "$victim"
insync=$(wait_isr_full 90)
log "node $victim started again after $((SECONDS - t0)) s down; replicas in sync $insync s later"
finish_flow
