# Shared harness of the cluster tests (label `cluster`): sourced by each
# tests/cluster/test_*.sh, on top of the stack tests' harness. They need
# the 3-node stack (make cluster-test starts it: deploy/local/stack up
# --brokers 3, with FTZ_STATE_DIR and the ports in the environment, which
# the node commands below use) and fail naming what is missing if a node
# is not up, or cannot be started again.
#
# Every test runs all three record streams through a fault (or two
# independent ones, one after the other, the cluster whole again in
# between): the producer sends customs, rail and registration chunks while
# two `ftz aggregate` members count them, a node is killed, paused or lost,
# and brought back; then every aggregate must equal the oracle's (report_exactness prints
# produced, counted, dead-lettered, lost and double-counted per type).
source "$(dirname "$0")/../lib.sh"
STACK=$FTZ_SOURCE_DIR/deploy/local/stack
CLUSTER_NODES=3
PARTITIONS=6
TOPIC_PARTITIONS=$((3 * PARTITIONS)) # the three record topics a member owns
# A test with two faults in one flow sets CHUNKS before sourcing this file
# (production must span both); FTZ_CLUSTER_CHUNKS overrides either.
CHUNKS=${FTZ_CLUSTER_CHUNKS:-${CHUNKS:-12}}
CHUNK_PAUSE=${FTZ_CLUSTER_CHUNK_PAUSE:-2} # seconds: production (24 s and more) spans the fault
STARTED=$SECONDS

# stack ARGS...: deploy/local/stack, its output in $WORK/stack.log (and,
# on failure, in the message).
stack() {
  local out rc=0
  out=$(cd / && "$STACK" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out" >>"$WORK/stack.log"
  ((rc == 0)) || {
    printf '%s\n' "$out" >&2
    return "$rc"
  }
  printf '%s\n' "$out"
}

# require_cluster: three Kafka nodes running (else the test fails saying so).
require_cluster() {
  local st running
  st=$(cd / && "$STACK" status 2>&1) || true
  running=$(grep -c '^kafka [0-9]  *running' <<<"$st" || true)
  ((running == CLUSTER_NODES)) \
    || fail "want the $CLUSTER_NODES-node cluster up (make cluster-test, or deploy/local/stack up --brokers 3 with this FTZ_STATE_DIR and ports); status says:
$st"
  [[ $(tr ',' '\n' <<<"$FTZ_BROKERS" | grep -c .) == "$CLUSTER_NODES" ]] \
    || fail "FTZ_BROKERS=$FTZ_BROKERS does not list $CLUSTER_NODES brokers: eval \"\$(deploy/local/stack env)\""
}

# A test that fails with a node down or paused leaves the cluster whole
# again for the next one (then the stack harness's cleanup runs).
restore_cluster() {
  local k
  for ((k = 1; k <= CLUSTER_NODES; k++)); do
    (cd / && "$STACK" resume-node "$k") >/dev/null 2>&1 || true
    (cd / && "$STACK" start-node "$k") >/dev/null 2>&1 \
      || printf '[%s] could not start Kafka node %s again\n' "$TEST_NAME" "$k" >&2
  done
}
# The members and the producer are stopped first: restarting nodes can
# take a minute, and they would hold ctest's output open meanwhile.
stop_background() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap 'rc=$?; ((rc == 0)) || { stop_background; restore_cluster; }; (exit $rc); cleanup' EXIT

node_kill()   { stack kill-node "$1" >/dev/null || fail "could not SIGKILL Kafka node $1"; }
node_stop()   { stack stop-node "$1" >/dev/null || fail "could not stop Kafka node $1"; }
node_pause()  { stack pause-node "$1" >/dev/null || fail "could not SIGSTOP Kafka node $1"; }
node_resume() { stack resume-node "$1" >/dev/null || fail "could not SIGCONT Kafka node $1"; }
node_start() {
  stack start-node "$1" >/dev/null \
    || fail "Kafka node $1 did not start again: $(tail -n 5 "$WORK/stack.log")"
}

# leader_of TOPIC PARTITION: the node id leading it (-1: none), from metadata.
leader_of() { (cd / && "$STACK" leader "$@" 2>/dev/null) || echo -1; }

# wait_leader_not TOPIC PARTITION NODE TIMEOUT_S: until another live node
# leads the partition; prints the new leader.
wait_leader_not() {
  local l start=$SECONDS
  while :; do
    l=$(leader_of "$1" "$2")
    if [[ $l != -1 && $l != "$3" ]]; then
      echo "$l"
      return 0
    fi
    ((SECONDS - start < $4)) || fail "$1 [$2] still led by node $l $4 s after node $3 went away"
    sleep 0.2
  done
}

# leader_down kill|stop: the leader of customs [0] SIGKILLed, or stopped
# cleanly (SIGTERM: a controlled shutdown), during the flow; returns once
# another node leads the partition. Sets victim (the node), victim_topic,
# before (the offsets committed then) and t0 (when).
leader_down() {
  local new
  victim_topic=$(topic ftz.customs.declarations)
  victim=$(leader_of "$victim_topic" 0)
  [[ $victim != -1 ]] || fail "no leader for $victim_topic [0]"
  before=$(committed_offsets)
  t0=$SECONDS
  case $1 in
    kill) node_kill "$victim" && log "SIGKILLed node $victim" ;;
    stop) node_stop "$victim" && log "stopped node $victim (SIGTERM, controlled shutdown) in $((SECONDS - t0)) s" ;;
    *) fail "leader_down: kill or stop, not $1" ;;
  esac
  log "node $victim led $victim_topic [0]; $before of $total offsets were committed"
  new=$(wait_leader_not "$victim_topic" 0 "$victim" 30)
  log "$victim_topic [0]: node $new leads $((SECONDS - t0)) s after node $victim went"
}

# live_brokers: the broker ids the cluster's metadata lists (fenced ones
# are left out), comma-separated.
live_brokers() {
  kcat -b "$FTZ_BROKERS" -L -m 5 2>/dev/null | sed -n 's/^ *broker \([0-9]*\) at .*/\1/p' | sort -n | paste -sd,
}

# wait_fenced NODE TIMEOUT_S: until the metadata no longer lists NODE.
wait_fenced() {
  local start=$SECONDS b
  while :; do
    b=$(live_brokers)
    [[ -n $b && ,$b, != *,$1,* ]] && return 0
    ((SECONDS - start < $2)) || fail "node $1 still listed as a live broker ($b) $2 s after it went away"
    sleep 0.3
  done
}

# quorum_leader: the active controller's node id (kafka-metadata-quorum).
quorum_leader() {
  local out
  out=$(cd / && "$STACK" quorum 2>&1) || {
    echo -1
    return 0
  }
  sed -n 's/^LeaderId: *\([0-9-]*\).*/\1/p' <<<"$out" | head -n 1 | grep . || echo -1
}

# controller_down kill|pause: the active controller SIGKILLed or SIGSTOPped
# during the flow; returns once the two other voters have a new leader and
# the node is fenced. Sets victim (the node), before (the offsets
# committed then) and t0 (when).
controller_down() {
  local new=-1 how
  victim=$(quorum_leader)
  [[ $victim != -1 ]] || fail "the quorum reports no leader: $(cd / && "$STACK" quorum 2>&1 | tail -n 3)"
  before=$(committed_offsets)
  t0=$SECONDS
  case $1 in
    kill) node_kill "$victim" && how=SIGKILLed ;;
    pause) node_pause "$victim" && how=SIGSTOPped ;;
    *) fail "controller_down: kill or pause, not $1" ;;
  esac
  log "$how node $victim, the active controller, at $before of $total offsets committed"
  while ((SECONDS - t0 < 40)); do
    new=$(quorum_leader)
    [[ $new != -1 && $new != "$victim" ]] && break
    sleep 0.5
  done
  [[ $new != -1 && $new != "$victim" ]] || fail "no new controller 40 s after node $victim was $how (quorum leader: $new)"
  log "node $new is the active controller $((SECONDS - t0)) s later"
  wait_fenced "$victim" 30
  log "node $victim fenced (brokers listed: $(live_brokers)) $((SECONDS - t0)) s after it was $how"
}

# resume_after_pause VICTIM: with node VICTIM SIGSTOPped at $t0 and $before
# offsets committed then, until PAUSE_S have passed (the producer still
# sending), then SIGCONT, every replica in sync again and both members up.
resume_after_pause() {
  sleep $((PAUSE_S - (SECONDS - t0) > 0 ? PAUSE_S - (SECONDS - t0) : 0))
  producing || fail "the producer finished while node $1 was stopped; the fault hit no production"
  log "while node $1 was stopped ($((SECONDS - t0)) s): $(($(committed_offsets) - before)) offsets committed; ISR short: $(short_isr | wc -w) partitions"
  node_resume "$1"
  local insync
  insync=$(wait_isr_full 90)
  log "node $1 resumed after $((SECONDS - t0)) s; replicas in sync $insync s later; quorum leader $(quorum_leader)"
  for m in m1 m2; do member_alive "$m"; done
}

# short_isr [BROKER]: the partitions of the test's topics whose ISR is not
# all their replicas, as "topic[p]:isr" words (none: empty), as BROKER
# (default: any) reports them.
short_isr() {
  kcat -b "${1:-$FTZ_BROKERS}" -L -m 5 2>/dev/null | awk -v pre="$FTZ_TOPIC_PREFIX" '
    /^ *topic "/ { t = $2; gsub(/"/, "", t); ours = index(t, pre) == 1 }
    ours && /^ *partition [0-9]+,/ {
      p = $2; sub(/,/, "", p); isr = $NF; rep = ""
      for (i = 1; i < NF; i++) if ($i == "replicas:") { rep = $(i + 1); sub(/,$/, "", rep) }
      if (split(isr, a, ",") != split(rep, b, ",")) printf "%s[%s]:%s ", substr(t, length(pre) + 1), p, isr
    }'
}
# isr_full: every broker answers and reports every ISR full (a node just
# resumed from SIGSTOP still serves its stale metadata for a moment).
isr_full() {
  local b out
  for b in ${FTZ_BROKERS//,/ }; do
    kcat -b "$b" -L -m 5 >/dev/null 2>&1 || return 1
    out=$(short_isr "$b")
    [[ -z $out ]] || return 1
  done
}

# wait_isr_full TIMEOUT_S: every partition of the test's topics has every
# replica in sync again (a restarted node has caught up); prints the seconds.
wait_isr_full() {
  local start=$SECONDS
  until isr_full; do
    ((SECONDS - start < $1)) || fail "replicas not back in sync after $1 s: $(short_isr)"
    sleep 0.5
  done
  echo $((SECONDS - start))
}

# py_kafka: a python with confluent_kafka (make deps installs it).
py_kafka() {
  local py
  for py in "${FTZ_PY:-}" "${FTZ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ftz-pipeline}/pyvenv/bin/python" \
    /usr/bin/python3 python3; do
    if [[ -n "$py" ]] && "$py" -c 'import confluent_kafka' 2>/dev/null; then
      echo "$py"
      return 0
    fi
  done
  fail "no python with confluent_kafka (run make deps)"
}

# assert_replication: the test's topics (made by `ftz topics create` with
# its defaults) have replication factor 3 and min.insync.replicas 2.
assert_replication() {
  local t rf isr py
  py=$(py_kafka)
  for t in ftz.customs.declarations ftz.rail.events ftz.registry.companies ftz.deadletter; do
    rf=$(kcat -b "$FTZ_BROKERS" -L -t "$(topic "$t")" -m 5 2>/dev/null \
      | sed -n 's/.*replicas: \([0-9,]*\),.*/\1/p' | awk -F, '{ print NF }' | sort -u | tr '\n' ' ')
    assert_eq "3 " "$rf" "replication factor of $(topic "$t")"
    isr=$("$py" - "$FTZ_BROKERS" "$(topic "$t")" <<'PY'
import sys
from confluent_kafka.admin import AdminClient, ConfigResource
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
res = ConfigResource(ConfigResource.Type.TOPIC, sys.argv[2])
cfg = admin.describe_configs([res])[res].result(timeout=15)
print(cfg["min.insync.replicas"].value)
PY
    ) || fail "cannot read the configuration of $(topic "$t")"
    assert_eq 2 "$isr" "min.insync.replicas of $(topic "$t")"
  done
  log "topics: replication factor 3, min.insync.replicas 2"
}

# group_coordinator GROUP: the node id coordinating the group (-1: unknown).
group_coordinator() {
  "$(py_kafka)" - "$FTZ_BROKERS" "$1" <<'PY' 2>/dev/null || echo -1
import sys
from confluent_kafka.admin import AdminClient
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
# confluent-kafka 1.7: ListGroups goes to every broker; the one that
# answers with the group is its coordinator.
gs = admin.list_groups(group=sys.argv[2], timeout=15)
print(gs[0].broker.id if gs else -1)
PY
}

# How the producer sends one chunk (TYPE FILE --timeout S): by default
# every record must be acknowledged; a test may set another function.
PRODUCE=${PRODUCE:-produce_checked}
# --timeout: a record waits this long for its acknowledgement, over leader
# elections and a stopped node.
PRODUCE_TIMEOUT=${PRODUCE_TIMEOUT:-120}

# start_flow SEED: the test's pipeline (topics by `ftz topics create`'s
# defaults: replication 3 on this cluster), the input, two members of
# group $GROUP and the producer in the background ($PRODUCER), sending
# CHUNKS chunks of each type CHUNK_PAUSE apart with $PRODUCE (without the
# pause once faults_over has run: the faults are behind, what is left of
# the input need not be spread); returns once the members have committed
# something.
start_flow() {
  require_cluster
  setup_pipeline "$PARTITIONS"
  cd "$WORK"
  assert_replication
  make_streams "$1" "$CHUNKS"
  GROUP="cluster.$TEST_ID"
  member_start m1 "$GROUP" --batch 500
  member_start m2 "$GROUP" --batch 500
  local settled
  settled=$(wait_group_stable "$GROUP" 2 "$TOPIC_PARTITIONS" 60)
  log "group: $settled"
  (
    for i in $(seq -f '%02g' 0 $((CHUNKS - 1))); do
      "$PRODUCE" customs "chunks/customs.$i" --timeout "$PRODUCE_TIMEOUT"
      "$PRODUCE" rail "chunks/rail.$i" --timeout "$PRODUCE_TIMEOUT"
      "$PRODUCE" registration "chunks/registrations.$i" --timeout "$PRODUCE_TIMEOUT"
      [[ -e $WORK/faults.over ]] || sleep "$CHUNK_PAUSE"
    done
  ) &
  PRODUCER=$!
  BG_PIDS+=("$PRODUCER")
  wait_committed 1000 60 m1 m2
  log "flowing: $(committed_offsets) of $total offsets committed"
}

# fault_begin NAME / fault_end: a test with two faults in one flow logs
# each one's figures on its own (committed offsets and seconds at either
# end; the lines in between carry the name).
fault_begin() {
  FAULT=$1
  fault_t=$SECONDS
  fault_c=$(committed_offsets)
  log "fault $FAULT: begins at $fault_c of $total offsets committed"
}
fault_end() {
  local c
  c=$(committed_offsets)
  log "fault $FAULT: over after $((SECONDS - fault_t)) s, cluster whole again; $((c - fault_c)) offsets committed meanwhile ($c of $total)"
}

# faults_over: every fault of the test is over and the cluster whole
# again: the producer sends the rest of its chunks without pausing.
faults_over() { : >"$WORK/faults.over"; }

# node_back NODE: NODE (down since $t0) started again, every replica in
# sync and both members up; logs how long it was down.
node_back() {
  node_start "$1"
  local insync
  insync=$(wait_isr_full 90)
  log "node $1 started again after $((SECONDS - t0)) s down; replicas in sync $insync s later; quorum leader $(quorum_leader)"
  for m in m1 m2; do member_alive "$m"; done
}

# producing: the producer is still sending (a fault must land during it).
producing() { kill -0 "$PRODUCER" 2>/dev/null; }

# finish_flow: the producer done, every message committed, the members
# stopped cleanly, and every aggregate exact (one line per type).
finish_flow() {
  faults_over
  wait "$PRODUCER" || fail "the producer failed: $(cat "$WORK"/produce-*.err | grep -v '^$' | tail -n 5)"
  wait_committed "$total" 180 m1 m2
  member_stop m1
  member_stop m2
  assert_eq "$total" "$(committed_offsets)" "every message committed once"
  log "members: m1 $(member_totals m1), m2 $(member_totals m2)"
  log "total time $((SECONDS - STARTED))s"
  assert_all_exact
}
