#!/usr/bin/env bash
# The active controller (the quorum's leader, a broker too) SIGSTOPped for
# longer than the controller and broker session timeouts while all three
# streams are produced and aggregated: it answers nothing, yet its
# connections stay open. The two other voters elect a new leader and fence
# the hung broker; on SIGCONT the old leader finds a newer epoch, follows,
# catches up, and every aggregate is exact.
source "$(dirname "$0")/lib.sh"
PAUSE_S=15
start_flow 500

victim=$(quorum_leader)
[[ $victim != -1 ]] || fail "the quorum reports no leader: $(cd / && "$STACK" quorum 2>&1 | tail -n 3)"
before=$(committed_offsets)
t0=$SECONDS
node_pause "$victim"
log "SIGSTOPped node $victim, the active controller, at $before of $total offsets committed"
new=-1
while ((SECONDS - t0 < 40)); do
  new=$(quorum_leader)
  [[ $new != -1 && $new != "$victim" ]] && break
  sleep 0.5
done
[[ $new != -1 && $new != "$victim" ]] || fail "no new controller 40 s after node $victim was stopped (quorum leader: $new)"
log "node $new is the active controller $((SECONDS - t0)) s later"
wait_fenced "$victim" 30
log "node $victim fenced (brokers listed: $(live_brokers)) $((SECONDS - t0)) s after SIGSTOP"
sleep $((PAUSE_S - (SECONDS - t0) > 0 ? PAUSE_S - (SECONDS - t0) : 0))
producing || fail "the producer finished while node $victim was stopped; the fault hit no production"
log "while node $victim was stopped ($((SECONDS - t0)) s): $(($(committed_offsets) - before)) offsets committed"
node_resume "$victim"
insync=$(wait_isr_full 90)
log "node $victim resumed after $((SECONDS - t0)) s; replicas in sync $insync s later; quorum leader $(quorum_leader)"
for m in m1 m2; do member_alive "$m"; done
finish_flow
