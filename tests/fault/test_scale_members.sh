#!/usr/bin/env bash
# Scaling out and in while all three record types flow: a producer keeps
# sending customs declarations, rail events and registrations in chunks
# while members are started one by one up to four, each one waited for
# until the broker reports the group stable with it and it has committed a
# batch, then stopped (SIGTERM) one by one down to one, each stop waited
# for until the group is stable without it. Every join and every leave is
# a rebalance with batches open or in flight; a stopping member commits its
# open batch and leaves. Then the last member drains, and every table must
# be exact.
#
# So that the joins, leaves and SIGTERMs find the members at work rather
# than waiting for the next chunk, every COMMIT that moves an offset is made
# 20 ms slower while members come and go (a deferred trigger in the test's
# own database).
source "$(dirname "$0")/../lib.sh"
PARTITIONS=6
TOPIC_PARTITIONS=$((3 * PARTITIONS))
MAX_MEMBERS=4
CHUNKS=40
CHUNK_PAUSE=0.7
HOLD=2.5 # seconds each group size is kept, records flowing
setup_pipeline "$PARTITIONS"
cd "$WORK"
started=$SECONDS

# --- Input: deterministic (fixed seeds), produced in chunks --------------------------
make_streams 90 "$CHUNKS"

slow_commits 0.02

GROUP="scale.$TEST_ID"
# -v: "committed a batch" lines say that a member has done work.
MEMBER_OPTS=(-v --batch 200 --batch-ms 100)
# Knob: FTZ_SCALE_STRATEGY=cooperative-sticky runs the same under the
# cooperative protocol (default: librdkafka's eager range,roundrobin).
[[ -n "${FTZ_SCALE_STRATEGY:-}" ]] \
  && MEMBER_OPTS+=(-X partition.assignment.strategy="$FTZ_SCALE_STRATEGY")
running=()
members_alive() { local m; for m in "${running[@]}"; do member_alive "$m"; done; }

# The producer: one chunk of each type, a pause, until all are sent.
produce_chunks "$CHUNKS" "$CHUNK_PAUSE"

# settle N: the group stable with N members holding every partition, and
# the stored offsets moving on; then HOLD seconds of work in that shape.
settle() {
  local before settled
  before=$(committed_offsets)
  members_alive
  settled=$(wait_group_stable "$GROUP" "$1" "$TOPIC_PARTITIONS" 60) || exit 1
  wait_committed $((before + 500)) 30 "${running[@]}"
  sleep "$HOLD"
  printf '%s' "$settled"
}

# --- Scale out ------------------------------------------------------------------------
for n in $(seq 1 "$MAX_MEMBERS"); do
  member_start "m$n" "$GROUP" "${MEMBER_OPTS[@]}"
  running+=("m$n")
  settled=$(settle "$n")
  wait_log "m$n.err" 'committed a batch of' 30
  log "m$n joined: $settled; $(committed_offsets) of $total offsets committed"
done
# --- Scale in ------------------------------------------------------------------------
for n in $(seq "$MAX_MEMBERS" -1 2); do
  member_stop "m$n"
  unset 'running[-1]'
  settled=$(settle $((n - 1)))
  log "m$n left ($(member_totals "m$n")): $settled; $(committed_offsets) of $total offsets committed"
done
kill -0 "$producer" 2>/dev/null \
  || fail "the producer finished before the members were scaled in; records did not flow throughout"
log "scaled 1 -> $MAX_MEMBERS -> 1 in $((SECONDS - started))s with records flowing"

# --- The last member drains ------------------------------------------------------------
q "DELETE FROM public.slow_commit" >/dev/null
wait "$producer" || fail "the producer failed"
wait_committed "$total" 90 m1
member_stop m1
assert_eq "$total" "$(committed_offsets)" "every message committed once"
dropped=$(cat m*.err | grep -c 'dropping an open batch' || true)
redone=$(cat m*.err | grep -c 'not committed, redoing' || true)
log "m1: $(member_totals m1); over all members $dropped open batches dropped on rebalance, $redone redone"

# --- Exactness -------------------------------------------------------------------
log "total time $((SECONDS - started))s"
assert_all_exact
