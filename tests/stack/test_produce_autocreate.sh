#!/usr/bin/env bash
# ftz produce never creates a topic, even on a broker that creates every
# topic a client asks for (auto.create.topics.enable=true, Kafka's own
# default; the shared stack turns it off). The test starts a throwaway
# Kafka node of its own with auto-creation on (deploy/local/stack up
# --kafka-only, FTZ_KAFKA_AUTO_CREATE=1, a state dir in $WORK, free
# ports; the jars are the stack's), checks that the broker does create a
# topic a plain metadata request names (kcat -L -t), then: `ftz produce
# --spool DIR -t rail` and `ftz produce -t rail FILE` with topics that do
# not exist exit 1 naming the missing topic, and the topic is still absent.
source "$(dirname "$0")/../lib.sh"
cd "$WORK"
STACK=$FTZ_SOURCE_DIR/deploy/local/stack
NODE_STATE=$WORK/kafka-autocreate
NODE_PIDF=$NODE_STATE/kafka/kafka.pid

# Two free ports (broker, controller), chosen by the kernel.
read -r KPORT CPORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))') || fail "no free ports"
[[ -n $CPORT ]] || fail "no free ports"

node() {
  env FTZ_STATE_DIR="$NODE_STATE" FTZ_KAFKA_NODES=1 FTZ_KAFKA_PORT="$KPORT" \
    FTZ_KAFKA_CONTROLLER_PORT="$CPORT" FTZ_KAFKA_AUTO_CREATE=1 FTZ_KAFKA_HEAP="-Xms64m -Xmx256m" \
    "$STACK" "$@"
}

# The node's JVM goes with the test on any exit: by the EXIT trap, and, if
# the test itself is killed (SIGKILL, a ctest timeout), by a watchdog in a
# session of its own that outlives it by at most a second.
kill_node() {
  local pid
  pid=$(cat "$NODE_PIDF" 2>/dev/null) || return 0
  grep -qF "$NODE_STATE/kafka/server.properties" "/proc/$pid/cmdline" 2>/dev/null \
    && kill -9 "$pid" 2>/dev/null
  return 0
}
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
  pid=$(cat "$2" 2>/dev/null) && grep -qF "$3" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"' \
  watchdog "$$" "$NODE_PIDF" "$NODE_STATE/kafka/server.properties" </dev/null >/dev/null 2>&1 &
trap 'rc=$?; kill_node; (exit "$rc"); cleanup' EXIT

node up --kafka-only >node.log 2>&1 || fail "the throwaway Kafka node did not start: $(tail -n 40 node.log)"
grep -qx "auto.create.topics.enable=true" "$NODE_STATE/kafka/server.properties" \
  || fail "the node's server.properties does not turn auto-creation on"
export FTZ_BROKERS=127.0.0.1:$KPORT
log "Kafka with auto.create.topics.enable=true on $FTZ_BROKERS"

topics() { kcat -b "$FTZ_BROKERS" -L -m 5 | sed -n 's/^ *topic "\([^"]*\)" with .*/\1/p'; }
# appears TOPIC: whether the broker lists TOPIC within 3 s (a topic
# created on request is listed a moment after the answer that created it).
appears() {
  local i
  for ((i = 0; i < 12; i++)); do
    topics | grep -qxF "$1" && return 0
    sleep 0.25
  done
  return 1
}

# The premise: this broker creates a topic that a metadata request names.
probe=$(topic probe)
kcat -b "$FTZ_BROKERS" -L -t "$probe" -m 5 >/dev/null 2>&1 || true
appears "$probe" || fail "the broker did not create $probe on request: auto-creation is not on"

"$FTZ" simulate -q -t rail -n 20 --seed 7 >rail.jsonl || fail "ftz simulate failed"

# ---- the spool checks its topic at start: named, exit 1, not created
# (each case with a topic prefix of its own)
rail=${FTZ_TOPIC_PREFIX}spool.ftz.rail.events
mkdir spool
rc=0
timeout 60 "$FTZ" produce -t rail --topic-prefix "${FTZ_TOPIC_PREFIX}spool." --spool spool \
  2>spool.err || rc=$?
assert_eq 1 "$rc" "exit status of a spool whose topic does not exist"
grep -q "^ftz produce: topic $rail does not exist" spool.err \
  || fail "the spool did not name the missing topic: $(cat spool.err)"
appears "$rail" && fail "ftz produce --spool created $rail"

# ---- produce to a topic that does not exist: named, exit 1, not created
rail=${FTZ_TOPIC_PREFIX}file.ftz.rail.events
rc=0
timeout 60 "$FTZ" produce -t rail --topic-prefix "${FTZ_TOPIC_PREFIX}file." --timeout 3 rail.jsonl \
  2>produce.err || rc=$?
assert_eq 1 "$rc" "exit status of produce to a missing topic"
grep -q "^ftz produce: topic $rail does not exist" produce.err \
  || fail "produce did not name the missing topic: $(cat produce.err)"
appears "$rail" && fail "ftz produce created $rail"
log "topics of the test on the broker: $(topics | grep -F "$FTZ_TOPIC_PREFIX" | tr '\n' ' ')"
