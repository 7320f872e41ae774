#!/usr/bin/env bash
# The controller quorum loses one of its three nodes: the active controller
# (the quorum's leader, a broker too in combined mode) is SIGKILLed while
# all three streams are produced and aggregated. The two voters left elect
# a new leader and keep the cluster's metadata moving: the dead broker is
# fenced and its partitions get new leaders, and a topic can still be
# created (`ftz topics create`, replication factor 2, while one of three
# brokers is down). The node is started again, rejoins the quorum and
# catches up, and every aggregate is exact.
source "$(dirname "$0")/lib.sh"
start_flow 300

controller_down kill
# The metadata log still takes writes with 2 of 3 voters. (Not before the
# dead node is fenced: librdkafka 2.0.2 may send admin requests to the
# "controller" the metadata names, which can be the dead node until then;
# docs/landmines.md.)
"$FTZ" topics create -q --partitions 1 --replication-factor 2 --topic-prefix "${FTZ_TOPIC_PREFIX}q." \
  2>"$WORK/topics-q.err" || fail "topic creation with one controller down: $(cat "$WORK/topics-q.err")"
kcat -b "$FTZ_BROKERS" -L -t "${FTZ_TOPIC_PREFIX}q.ftz.deadletter" -m 5 2>/dev/null | grep -q 'partition 0, leader [1-9]' \
  || fail "the topic created while node $victim was down has no leader"
log "topics created while node $victim was down: ${FTZ_TOPIC_PREFIX}q.* (replication factor 2)"
sleep 3
producing || fail "the producer finished while node $victim was down; the fault hit no production"
log "while node $victim was down ($((SECONDS - t0)) s): $(($(committed_offsets) - before)) offsets committed"
node_start "$victim"
insync=$(wait_isr_full 90)
log "node $victim started again after $((SECONDS - t0)) s down; replicas in sync $insync s later; quorum leader $(quorum_leader)"
finish_flow
