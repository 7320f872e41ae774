#!/usr/bin/env bash
# Two independent losses of a node in one flow, the cluster whole again in
# between, while all three streams are produced and aggregated:
#
# 1. quorum-loss: the controller quorum loses one of its three nodes: the
#    active controller (the quorum's leader, a broker too in combined
#    mode) is SIGKILLed. The two voters left elect a new leader and keep
#    the cluster's metadata moving: the dead broker is fenced and its
#    partitions get new leaders, and a topic can still be created (`ftz
#    topics create`, replication factor 2, while one of three brokers is
#    down). The node is started again, rejoins the quorum and catches up.
# 2. node-stopped: the leader of a partition is stopped cleanly (stack
#    stop-node: SIGTERM, a controlled shutdown: the quorum moves its
#    leaderships to in-sync replicas before it exits), stays down longer
#    than the members' session timeout (10 s), and is started again: the
#    producers follow the new leaders without duplicates, the members keep
#    their group, the restarted node catches up.
#
# Every aggregate is exact: nothing lost, nothing counted twice.
CHUNKS=22 # production spans both faults
source "$(dirname "$0")/lib.sh"
DOWN_S=15
start_flow 300

fault_begin quorum-loss
controller_down kill
# The metadata log still takes writes with 2 of 3 voters. (Not before the
# dead node is fenced: librdkafka 2.0.2 may send admin requests to the
# "controller" the metadata names, which can be the dead node until then;
# docs/landmines.md.)
"$FTZ" topics create -q --partitions 1 --replication-factor 2 --topic-prefix "${FTZ_TOPIC_PREFIX}q." \
  2>"$WORK/topics-q.err" || fail "topic creation with one controller down: $(cat "$WORK/topics-q.err")"
# The broker kcat asks learns of the topic from the metadata log, a moment
# after the controller acknowledged the creation (seen: no leader yet just
# after `topics create` returned): wait for it.
new_topic_led() {
  kcat -b "$FTZ_BROKERS" -L -t "${FTZ_TOPIC_PREFIX}q.ftz.deadletter" -m 5 2>/dev/null | grep -q 'partition 0, leader [1-9]'
}
wait_until 15 "a leader for the topic created while node $victim was down" new_topic_led
log "topics created while node $victim was down: ${FTZ_TOPIC_PREFIX}q.* (replication factor 2)"
producing || fail "the producer finished while node $victim was down; the fault hit no production"
log "while node $victim was down ($((SECONDS - t0)) s): $(($(committed_offsets) - before)) offsets committed"
node_back "$victim"
fault_end

fault_begin node-stopped
leader_down stop
sleep $((DOWN_S - (SECONDS - t0) > 0 ? DOWN_S - (SECONDS - t0) : 0))
producing || fail "the producer finished while node $victim was down; the fault hit no production"
down_progress=$(($(committed_offsets) - before))
((down_progress > 0)) || fail "nothing was committed while node $victim was down"
log "while node $victim was down ($((SECONDS - t0)) s): $down_progress offsets committed; ISR short: $(short_isr | wc -w) partitions"
for m in m1 m2; do member_alive "$m"; done
node_back "$victim"
fault_end

finish_flow
