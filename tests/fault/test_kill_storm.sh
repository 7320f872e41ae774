#!/usr/bin/env bash
# A storm of crashes: three members of one group count all three record
# types while they are being produced, and 20 times in a row a random
# member is SIGKILLed at a random moment (0.2 to 2 s apart) and a new one
# started in its place. Batches are small, so kills land before, during
# and after commits. Then the survivors stop cleanly, the killed members'
# sessions time out, one member drains the rest, and every table must be
# exact.
#
# The members are static (group.instance.id, one per slot), and a killed
# member's replacement takes its slot: it is given the dead member's
# partitions at once, from the offsets stored in PostgreSQL, while the dead
# member's last transaction may still be in flight on the server. With
# dynamic members every replacement would wait for the dead member's
# session to time out (6 s) before any partition is assigned again, and a
# kill every second or so would leave the whole group rebalancing, idle,
# from the second kill on: the kills would hit no work.
#
# So that the kills find the members at work rather than waiting for the
# next records, every COMMIT that moves an offset is made 30 ms slower
# during the storm (a deferred trigger in the test's own database, a slow
# disk's fsync, as it were): a member spends most of its time inside a
# COMMIT, and a kill there leaves the dead member's transaction to finish
# (or not) on the server while its replacement starts from the stored
# offsets. Each member has its own application_name (ftz-mN), so the test
# can say what the member was doing on the server when it was killed.
#
# The schedule (which member, how long between kills) comes from a fixed
# seed; the moments the kills land in a member's work cannot be fixed, which
# is the point: what is checked (exact totals) does not depend on them.
source "$(dirname "$0")/../lib.sh"
PARTITIONS=6
TOPIC_PARTITIONS=$((3 * PARTITIONS))
MEMBERS=3
KILLS=${FTZ_STORM_KILLS:-20}
SESSION_MS=6000
CHUNKS=16
CHUNK_PAUSE=2 # seconds: production lasts longer than the storm
RANDOM=8123 # the kill schedule
setup_pipeline "$PARTITIONS"
cd "$WORK"
started=$SECONDS

# --- Input: deterministic (fixed seeds), produced in chunks during the storm ----
make_streams 80 "$CHUNKS"

# The slow COMMIT, while public.slow_commit has a row.
slow_commits 0.03

GROUP="storm.$TEST_ID"
MEMBER_OPTS=(--batch 20 --batch-ms 20 -X session.timeout.ms=$SESSION_MS)
next=0
ALIVE=()  # member names
SLOT=()   # their static instance ids
start_one() { # SLOT
  next=$((next + 1))
  PGAPPNAME="ftz-m$next" member_start "m$next" "$GROUP" "${MEMBER_OPTS[@]}" \
    -X group.instance.id="$GROUP.$1"
  ALIVE+=("m$next")
  SLOT+=("$1")
}
for s in $(seq 1 "$MEMBERS"); do start_one "s$s"; done
settled=$(wait_group_stable "$GROUP" "$MEMBERS" "$TOPIC_PARTITIONS" 30)
log "group: $settled"

# The producer: one chunk of each type, then a pause, until all are sent.
produce_chunks "$CHUNKS" "$CHUNK_PAUSE"
wait_committed 500 30 "${ALIVE[@]}"

# --- The storm ---------------------------------------------------------------------
storm_start=$SECONDS
progress=()
in_commit=0
for k in $(seq 1 "$KILLS"); do
  pause_ms=$((200 + RANDOM % 1801))
  sleep "$(printf '%d.%03d' $((pause_ms / 1000)) $((pause_ms % 1000)))"
  i=$((RANDOM % ${#ALIVE[@]}))
  victim=${ALIVE[$i]}
  member_alive "$victim"
  doing=$(q "SELECT coalesce(max(CASE WHEN state = 'active' THEN query ELSE state END), 'no session')
             FROM pg_stat_activity WHERE application_name = 'ftz-$victim'")
  member_kill "$victim"
  [[ "$doing" == COMMIT ]] && in_commit=$((in_commit + 1))
  slot=${SLOT[$i]}
  ALIVE=("${ALIVE[@]:0:$i}" "${ALIVE[@]:$((i + 1))}")
  SLOT=("${SLOT[@]:0:$i}" "${SLOT[@]:$((i + 1))}")
  start_one "$slot"
  progress+=("$(committed_offsets)")
  log "kill $k after ${pause_ms} ms: $victim (on the server: ${doing:0:40}; replaced by m$next); ${progress[-1]} of $total offsets committed"
done
storm_seconds=$((SECONDS - storm_start))
kill -0 "$producer" 2>/dev/null \
  || fail "the producer finished before the storm did; the last kills may have hit idle members"
during=$((progress[-1] - progress[0]))
log "$KILLS kills in ${storm_seconds}s, $in_commit of them with the member's backend inside COMMIT; $during offsets committed between the first and the last kill"
# Work went on between kills: offsets moved between most pairs of kills.
moving=0
for k in $(seq 1 $((KILLS - 1))); do
  ((progress[k] > progress[k - 1])) && moving=$((moving + 1))
done
log "offsets moved between $moving of $((KILLS - 1)) consecutive kills"
((moving * 4 >= (KILLS - 1) * 3)) || fail "the group made progress between only $moving of $((KILLS - 1)) kills"

# --- Survivors stop cleanly while records still arrive; once the producer is
# done and every session of the group has timed out (static members do not
# leave the group when they stop), one member drains the rest --------------------
q "DELETE FROM public.slow_commit" >/dev/null # full speed again
for m in "${ALIVE[@]}"; do member_stop "$m"; done
log "survivors ${ALIVE[*]} stopped with $(committed_offsets) of $total committed"
wait "$producer" || fail "the producer failed"
sleep $((SESSION_MS / 1000 + 2))
"$FTZ" aggregate -g "$GROUP" --until-idle 3 "${MEMBER_OPTS[@]}" 2>drain.err \
  || fail "the draining member exited $?: $(tail -n 5 drain.err)"
assert_eq "$total" "$(committed_offsets)" "every message committed once"
redone=$(cat m*.err drain.err | grep -c 'not committed, redoing' || true)
fenced=$(cat m*.err drain.err | grep -c 'stored offset is no longer' || true)
dropped=$(cat m*.err drain.err | grep -c 'dropping an open batch' || true)
log "over all members: $redone batches redone ($fenced fenced), $dropped open batches dropped on rebalance"
log "drain: $(grep -o '[0-9]* messages in [0-9]* batches' drain.err | tail -n 1)"

# --- Exactness -------------------------------------------------------------------
log "total time $((SECONDS - started))s"
assert_all_exact
