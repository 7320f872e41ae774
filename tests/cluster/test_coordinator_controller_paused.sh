#!/usr/bin/env bash
# Two independent hangs in one flow, the cluster whole again in between,
# while all three streams are produced and aggregated. A SIGSTOPped node
# holds its connections open but answers nothing, so the clients see
# requests time out rather than connections refused; each stays stopped
# for longer than the session timeouts.
#
# 1. coordinator-paused: the consumer group's coordinator. After
#    broker.session.timeout.ms (9 s) the controller quorum fences it and
#    moves its leaderships to in-sync replicas; after session.timeout.ms
#    (10 s) its members' sessions are gone and they rejoin the group at
#    the new coordinator. Resumed (SIGCONT), it finds itself fenced, gives
#    up its stale leaderships and catches up as a follower.
# 2. controller-paused: the active controller (the quorum's leader, a
#    broker too). The two other voters elect a new leader and fence the
#    hung broker; on SIGCONT the old leader finds a newer epoch, follows
#    and catches up.
#
# Every aggregate is exact: nothing lost, nothing counted twice.
CHUNKS=20 # production spans both faults
source "$(dirname "$0")/lib.sh"
PAUSE_S=15
start_flow 200

fault_begin coordinator-paused
victim=$(group_coordinator "$GROUP")
if [[ $victim == -1 ]]; then
  victim=$(leader_of "$(topic ftz.rail.events)" 0)
  log "the group's coordinator is unknown; stopping the leader of rail [0] instead"
fi
[[ $victim != -1 ]] || fail "no node to stop"
led_topic=$(topic ftz.rail.events)
led=""
for p in $(seq 0 $((PARTITIONS - 1))); do
  [[ $(leader_of "$led_topic" "$p") == "$victim" ]] && { led=$p; break; }
done
before=$(committed_offsets)
t0=$SECONDS
node_pause "$victim"
log "SIGSTOPped node $victim (the group's coordinator${led:+, leader of rail [$led]}) at $before of $total offsets committed"
if [[ -n $led ]]; then
  new=$(wait_leader_not "$led_topic" "$led" "$victim" 30)
  log "rail [$led]: node $new leads after $((SECONDS - t0)) s (node $victim fenced)"
fi
resume_after_pause "$victim"
fault_end

fault_begin controller-paused
controller_down pause
resume_after_pause "$victim"
fault_end

finish_flow
