#!/usr/bin/env bash
# `ftz produce --spool` stopped by SIGTERM in the middle of a file it cannot
# finish within --timeout: it stops reading once --timeout has passed,
# waits for the acknowledgements of what it sent, leaves the file in work/
# (not in done/, not in failed/), says so, and exits 0 in bounded time. The
# next start sends the file again first; after `ftz aggregate` every record
# is counted once although part of the file was sent twice.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -t rail -n 200000 --seed 17 >big.jsonl
mkdir spool
# One record a batch and a short local queue: a few thousand records a
# second, so the file cannot be finished within the 2 s --timeout.
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$FTZ" produce --spool spool -t rail --timeout 2 --metrics-addr "127.0.0.1:$MPORT" \
  -X batch.num.messages=1 -X queue.buffering.max.messages=100 2>run1.err &
RUN1=$!
BG_PIDS+=("$RUN1")
wait_for spool/work 10 || fail "the spool made no work/ directory: $(cat run1.err)"
cp big.jsonl spool/.big.tmp
mv spool/.big.tmp spool/big.jsonl
wait_for spool/work/big.jsonl 15 || fail "big.jsonl was not claimed: $(ls -R spool)"
# Some of it on the topic before the signal.
# (The spool's own figures: reading a topic to its end with kcat -e waits
# for the producer to pause, which it does not.)
acked_over() {
  local m
  m=$(curl -sf "http://127.0.0.1:$MPORT/metrics") || return 1
  (($(awk 'index($1, "ftz_producer_records_acknowledged_total{") == 1 { s += $2 } END { print s + 0 }' <<<"$m") > $1))
}
wait_until 30 "1000 records of big.jsonl acknowledged" acked_over 1000

t0=$(date +%s.%N)
kill -TERM "$RUN1"
rc=0
wait "$RUN1" || rc=$?
secs=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$t0" "$(date +%s.%N)")
log "SIGTERM to exit: $secs s (--timeout 2)"
assert_eq 0 "$rc" "exit status of the spool after SIGTERM"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 20 else 1)" "$secs" \
  || fail "the spool took $secs s to stop after SIGTERM with --timeout 2"
[[ -e spool/work/big.jsonl && ! -e spool/done/big.jsonl && ! -e spool/failed/big.jsonl ]] \
  || fail "big.jsonl should be left in work/: $(ls -R spool) $(tail -3 run1.err)"
grep -q 'big.jsonl: stopped after [0-9]* records ([0-9]* acknowledged) and left in work/: the next start sends it again' run1.err \
  || fail "no line saying big.jsonl was left in work/: $(tail -5 run1.err)"
grep -q 'SPOOL stopped$' run1.err || fail "no stop line: $(tail -3 run1.err)"
assert_eq "" "$(ls -A spool/work | grep -v -x big.jsonl || true)" "other files left in work/ (a rejects file?)"
partial=$(topic_messages "$(kind_topic rail)" | wc -l)
n=$(wc -l <big.jsonl)
((partial > 0 && partial < n)) || fail "$partial of $n records on the topic after the stop: expected part of the file"
log "stopped with $partial of $n records on the topic"

# The next start sends the file again, whole.
"$FTZ" produce --spool spool -t rail --timeout 60 2>run2.err &
RUN2=$!
BG_PIDS+=("$RUN2")
wait_for spool/done/big.jsonl 120 || fail "big.jsonl not sent again: $(ls -R spool) $(cat run2.err)"
grep -q 'SPOOL big.jsonl: left in work/ by a run that stopped: sending it again' run2.err \
  || fail "the restart did not say it sends big.jsonl again: $(cat run2.err)"
grep -q "SPOOL big.jsonl: $n read, $n sent, $n acknowledged, 0 rejected in " run2.err \
  || fail "big.jsonl log line: $(grep big.jsonl run2.err)"
kill -TERM "$RUN2"
rc=0
wait "$RUN2" || rc=$?
assert_eq 0 "$rc" "exit status of the second spool after SIGTERM"

assert_eq "$((n + partial))" "$(topic_messages "$(kind_topic rail)" | wc -l)" \
  "messages on the topic (the file, and its first part twice)"
"$FTZ" aggregate -q -g spool-term --until-idle 2 || fail "aggregate exited $?"
assert_table rail big.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters"
log "produced $((n + partial)) messages ($partial twice), counted $n events once, 0 lost, 0 double-counted"
