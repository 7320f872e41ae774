#!/usr/bin/env bash
# A broker stopped (SIGSTOP) for longer than the session timeouts, while
# all three streams are produced and aggregated: the node holds its
# connections open but answers nothing, so the clients see requests time
# out rather than connections refused. The node chosen is the consumer
# group's coordinator. After broker.session.timeout.ms (9 s) the
# controller quorum fences it and moves its leaderships to in-sync
# replicas; after session.timeout.ms (10 s) its members' sessions are gone
# and they rejoin the group at the new coordinator. Then it is resumed
# (SIGCONT): it finds itself fenced, gives up its stale leaderships,
# catches up as a follower, and every aggregate is exact.
source "$(dirname "$0")/lib.sh"
PAUSE_S=15
start_flow 200

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
finish_flow
