#!/usr/bin/env bash
# The broker goes away while `ftz produce` is sending, and comes back.
# The stack's broker is shared, so it is never stopped: `ftz produce` talks
# to it through tests/stack/kafka_cut_proxy.py, which rewrites the brokers'
# addresses in Metadata responses to its own (so the client never learns
# the real one) and, when cut, closes every connection and refuses new
# ones, as a stopped broker does. Only this test's producer sees the
# outage.
#  1. An outage shorter than --timeout: every record is acknowledged after
#     the broker comes back, exit 0, and the topic holds each record
#     exactly once (the idempotent producer's retries are not duplicated).
#  2. An outage longer than --timeout: exit 1, the records not
#     acknowledged are counted and listed by FILE:LINE; those records, sent
#     again, and every acknowledged one are each counted exactly once.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

mkdir proxy
python3 "$HERE/kafka_cut_proxy.py" "${FTZ_BROKERS%%:*}" "${FTZ_BROKERS##*:}" proxy 2>proxy.err &
BG_PIDS+=("$!")
wait_until 10 "the proxy listens" test -s proxy/port
PROXY=127.0.0.1:$(cat proxy/port)
kcat -b "$PROXY" -L -m 5 2>/dev/null | grep -q "broker 1 at $PROXY" \
  || fail "the proxy does not advertise itself: $(kcat -b "$PROXY" -L -m 5 2>&1 | head -3)"

# feed FILE SECONDS: FILE's lines at an even pace over SECONDS.
feed() {
  python3 - "$1" "$2" <<'PY'
import sys, time
lines = open(sys.argv[1], "rb").readlines()
per = len(lines) / float(sys.argv[2]) / 20
t0, i = time.monotonic(), 0
for tick in range(int(float(sys.argv[2]) * 20)):
    n = int((tick + 1) * per) - i
    sys.stdout.buffer.write(b"".join(lines[i:i + n]))
    sys.stdout.buffer.flush()
    i += n
    time.sleep(max(0, t0 + (tick + 1) / 20 - time.monotonic()))
sys.stdout.buffer.write(b"".join(lines[i:]))
PY
}
# outage AFTER_S FOR_S: cuts the proxy AFTER_S seconds from now, for FOR_S
# (in the background: $OUTAGE).
outage() {
  (sleep "$1"; touch proxy/cut; sleep "$2"; rm -f proxy/cut) &
  OUTAGE=$!
}

"$FTZ" simulate -t rail -n 16000 --seed 81 >rail-a.jsonl
"$FTZ" simulate -t rail -n 16000 --seed 82 --start 2026-09-01T00:00:00Z >rail-b.jsonl
# Faster reconnects than librdkafka's default (up to 10 s), so that the
# test does not wait long for the proxy to come back.
FAST=(-X reconnect.backoff.max.ms=500)

# ---- 1: a 4 s outage, --timeout 30
outage 3 4
rc=0
feed rail-a.jsonl 10 | "$FTZ" produce -t rail -b "$PROXY" --timeout 30 "${FAST[@]}" 2>a.err || rc=$?
wait "$OUTAGE"
log "short outage: exit $rc; $(grep '^ftz produce:' a.err | head -3)"
[[ ! -e proxy/cut ]] || fail "the proxy is still cut"
grep -q 'WARN  KAFKA .*Connection refused\|WARN  KAFKA .*Disconnected\|WARN  KAFKA .*brokers are down' a.err \
  || fail "the producer never noticed the outage (was the proxy cut?): $(cat a.err)"
assert_eq 0 "$rc" "exit status after a short outage"
grep -q '^ftz produce: 16000 records read, 16000 sent, 16000 acknowledged, 0 rejected, 0 failed' a.err \
  || fail "short outage summary: $(grep '^ftz produce:' a.err)"
assert_eq 16000 "$(topic_messages "$(kind_topic rail)" | wc -l)" \
  "messages on the topic after a short outage (each acknowledged record exactly once)"

# ---- 2: an 8 s outage, --timeout 4: some records are not acknowledged
outage 2 8
rc=0
feed rail-b.jsonl 12 | "$FTZ" produce -v -t rail -b "$PROXY" --timeout 4 "${FAST[@]}" 2>b.err || rc=$?
wait "$OUTAGE"
grep -v ' DEBUG ' b.err | grep '^ftz produce:' | cut -c 1-400 | sed 's/^/    /' >&2
assert_eq 1 "$rc" "exit status after an outage longer than --timeout"
failed=$(sed -n 's/^ftz produce: [0-9]* records read, [0-9]* sent, \([0-9]*\) acknowledged, 0 rejected, \([0-9]*\) failed .*/\1 \2/p' b.err)
read -r acked missing <<<"$failed"
[[ -n "$missing" ]] || fail "no summary line: $(grep '^ftz produce:' b.err)"
((missing > 0 && acked > 0 && acked + missing == 16000)) \
  || fail "want some records acknowledged and some not, adding up to 16000: acked $acked, failed $missing"
line=$(grep "^ftz produce: $missing of 16000 records sent were not acknowledged by broker(s) $PROXY within --timeout 4 s (" b.err) \
  || fail "no line about the $missing records not acknowledged: $(grep -v DEBUG b.err | tail -3)"
[[ $line == *": <stdin>:"*" and $((missing - 10)) more" ]] || fail "the records are not listed: $line"
# Every record not acknowledged, by FILE:LINE (all of them in the debug lines).
grep -o '<stdin>:[0-9]*: not delivered to' b.err | cut -d: -f2 | sort -n -u >failed-lines.txt
assert_eq "$missing" "$(wc -l <failed-lines.txt)" "records reported not delivered (debug lines)"
for l in $(grep -o '<stdin>:[0-9]*' <<<"$line" | cut -d: -f2); do
  grep -qx "$l" failed-lines.txt || fail "line $l is listed as not acknowledged but was not reported so"
done
awk 'NR == FNR { want[$1]; next } FNR in want' failed-lines.txt rail-b.jsonl >resend.jsonl
assert_eq "$missing" "$(wc -l <resend.jsonl)" "lines to send again"
# What was acknowledged is on the topic; what timed out may be too (a
# request can time out after the broker wrote it): never more than both.
on_topic=$(topic_messages "$(kind_topic rail)" | wc -l)
((on_topic >= 16000 + acked && on_topic <= 32000)) \
  || fail "$on_topic messages on the topic, want $((16000 + acked)) to 32000"

# The records not acknowledged, sent again (directly): acknowledged.
"$FTZ" produce -q -t rail --timeout 30 resend.jsonl || fail "sending the records again exited $?"

# Everything counted exactly once: the oracle over both files in full.
"$FTZ" aggregate -q -g restart --until-idle 2 || fail "aggregate exited $?"
report_exactness rail rail-a.jsonl rail-b.jsonl || fail "not exact"
assert_table rail rail-a.jsonl rail-b.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters"
