#!/usr/bin/env bash
# `ftz produce` against an unreachable broker fails within its --timeout:
# exit 1 in about 3 s with --timeout 3 (not librdkafka's five minutes),
# one line naming the broker and how many records were not sent, with
# their FILE:LINE (the first ten, then "and K more"); the summary line;
# and no line said twice (librdkafka's transport warnings at most once).
# A reachable broker with the same bound: everything acknowledged, exit 0.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"

BAD=127.0.0.1:1 # nothing listens on port 1
"$FTZ" simulate -t rail -n 25 --seed 5 >rail.jsonl
ms_now() { date +%s%3N; }

t0=$(ms_now)
rc=0
"$FTZ" produce -t rail -b "$BAD" --timeout 3 rail.jsonl >out.txt 2>err.txt || rc=$?
elapsed=$(($(ms_now) - t0))
log "unreachable broker: exit $rc after $elapsed ms; stderr:"
sed 's/^/    /' err.txt >&2
assert_eq 1 "$rc" "exit status against an unreachable broker"
((elapsed >= 2500 && elapsed <= 5500)) || fail "took $elapsed ms with --timeout 3 (want about 3 s, at most 5.5 s)"
[[ ! -s out.txt ]] || fail "data on stdout: $(head -3 out.txt)"

line=$(grep -F "$BAD" err.txt | grep '^ftz produce: ' || true)
assert_eq 1 "$(grep -c . <<<"$line")" "lines starting 'ftz produce:' that name the broker"
[[ $line == "ftz produce: 25 records not sent: broker(s) $BAD not reachable within --timeout 3 s ("*"): rail.jsonl:1, rail.jsonl:2, "*"rail.jsonl:10 and 15 more" ]] \
  || fail "the failure line does not say how many records were not sent, where and why: $line"
grep -q '^ftz produce: 25 records read, 25 sent, 0 acknowledged, 0 rejected, 25 failed in ' err.txt \
  || fail "no summary line: $(cat err.txt)"
# Nothing said twice (log lines compared without their time stamps), and
# at most the two warnings librdkafka gives once: the refused connection
# and "all brokers are down".
dups=$(sed -E 's/^[0-9TZ:.-]+ //' err.txt | sort | uniq -d)
assert_eq "" "$dups" "lines said more than once"
n=$(grep -c ' WARN ' err.txt || true)
((n <= 2)) || fail "$n warnings, expected at most 2: $(grep ' WARN ' err.txt)"
assert_eq 0 "$(grep -c ' ERROR ' err.txt || true)" "ERROR log lines (the failure line says it all)"
assert_eq 4 "$(wc -l <err.txt)" "lines on stderr: two warnings, the summary, the failure"

# -X message.timeout.ms wins over --timeout, and the line says which bound.
t0=$(ms_now)
rc=0
"$FTZ" produce -q -t rail -b "$BAD" --timeout 60 -X message.timeout.ms=1500 rail.jsonl 2>x.err || rc=$?
elapsed=$(($(ms_now) - t0))
assert_eq 1 "$rc" "exit status with -X message.timeout.ms"
((elapsed <= 4000)) || fail "-X message.timeout.ms=1500 took $elapsed ms"
grep -q "not reachable within message.timeout.ms 1500 (" x.err || fail "the bound is not named: $(cat x.err)"

# The same bound against the real broker: sent, acknowledged, exit 0.
rc=0
"$FTZ" produce -t rail --timeout 3 rail.jsonl 2>ok.err || rc=$?
assert_eq 0 "$rc" "exit status against the real broker: $(cat ok.err)"
grep -q '^ftz produce: 25 records read, 25 sent, 25 acknowledged, 0 rejected, 0 failed in ' ok.err \
  || fail "summary against the real broker: $(cat ok.err)"
assert_eq 25 "$(topic_messages "$(kind_topic rail)" | wc -l)" "messages on the topic"

# Usage errors: one line and the hint.
rc=0
"$FTZ" produce -t rail --timeout 0 rail.jsonl 2>usage.err || rc=$?
assert_eq 2 "$rc" "exit status of --timeout 0"
rc=0
"$FTZ" produce -t rail --format xml rail.jsonl 2>usage.err || rc=$?
assert_eq 2 "$rc" "exit status of --format xml"
grep -q 'Try "ftz produce --help"' usage.err || fail "no hint line: $(cat usage.err)"

# On a terminal: the progress line, redrawn in place (carriage return and
# erase), erased before the summary. `script` gives the command a terminal.
command -v script >/dev/null || fail "script (util-linux) is needed to give ftz produce a terminal"
script -qec "(head -5 rail.jsonl; sleep 1.5; tail -n +6 rail.jsonl) | '$FTZ' produce -t rail --timeout 3" /dev/null >tty.out 2>&1 \
  || fail "produce on a terminal exited $?: $(tr '\r' '\n' <tty.out | tail -3)"
grep -q $'\r\033\\[Kread 5, sent 5, acknowledged 5, rejected 0, failed 0; ' tty.out \
  || fail "no progress line while the input waits: $(cat -A tty.out | head -c 600)"
grep -q $'\r\033\\[Kftz produce: 25 records read, 25 sent, 25 acknowledged, 0 rejected, 0 failed in ' tty.out \
  || fail "the summary does not erase the progress line: $(cat -A tty.out | tail -c 400)"
