#!/usr/bin/env bash
# An unreachable broker or a missing topic never makes a batch run
# (--until-idle) wait forever: it exits 1 within its --connect-timeout with
# one clear error line naming the broker or the topic. A long-running member
# (no --until-idle) keeps running instead, says what is wrong once (not once
# per retry, nor again in librdkafka's own log lines or the dead-letter
# producer's errors) and stops cleanly on SIGTERM. Every check is made and
# reported before the test fails.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"

BAD=127.0.0.1:1 # nothing listens on port 1
TYPO="${FTZ_TOPIC_PREFIX}typo."

# Every check is made and reported; the test fails at the end if one failed.
problems=()
check() { # CONDITION-STATUS MESSAGE: record MESSAGE when the status is non-zero
  if [[ $1 != 0 ]]; then
    problems+=("$2")
    log "NOT OK: $2"
  fi
}
ms_now() { date +%s%3N; }
# Log lines at WARN or ERROR level, and the command's own error lines.
trouble_lines() { grep -E '^[0-9TZ:.-]+ (WARN|ERROR) |^ftz aggregate: ' "$1" || true; }

# ---- a batch run against an unreachable broker
t0=$(ms_now)
rc=0
"$FTZ" aggregate -g stuck -b "$BAD" --until-idle 2 --connect-timeout 5 >batch.out 2>batch.err || rc=$?
elapsed=$(($(ms_now) - t0))
log "unreachable broker, batch run: exit $rc after ${elapsed} ms; stderr:"
sed 's/^/    /' batch.err >&2
assert_eq 1 "$rc" "exit status of a batch run that cannot reach Kafka"
((elapsed <= 10000)) || fail "the batch run took ${elapsed} ms (--connect-timeout 5)"
final=$(grep '^ftz aggregate: ' batch.err || true)
assert_eq 1 "$(grep -c . <<<"$final")" "lines starting 'ftz aggregate:'"
[[ "$final" == *"$BAD"* ]] || fail "the error line does not name the broker $BAD: $final"
assert_eq "$final" "$(tail -n 1 batch.err)" "the error is the last line"
n=$(grep -c ' ERROR ' batch.err || true)
check $((n != 0)) "batch run: $n ERROR log lines besides the final error line, expected none (first: $(grep -m 1 ' ERROR ' batch.err | cut -c 1-160))"
n=$(grep ' WARN ' batch.err | grep -c -F "$BAD" || true)
check $((n > 1)) "batch run: $n WARN lines about $BAD, expected at most one"

# ---- a batch run with a mistyped topic prefix
t0=$(ms_now)
rc=0
"$FTZ" aggregate -g stuck --topic-prefix "$TYPO" --until-idle 3 >typo.out 2>typo.err || rc=$?
elapsed=$(($(ms_now) - t0))
log "mistyped prefix, batch run: exit $rc after ${elapsed} ms: $(tail -n 1 typo.err)"
assert_eq 1 "$rc" "exit status of a batch run on a missing topic"
# --connect-timeout is 30 s by default: a missing topic must not wait for it.
((elapsed <= 10000)) || fail "the batch run on a missing topic took ${elapsed} ms"
final=$(grep '^ftz aggregate: ' typo.err || true)
assert_eq 1 "$(grep -c . <<<"$final")" "lines starting 'ftz aggregate:' (missing topic)"
[[ "$final" == *"topic ${TYPO}ftz."*"does not exist"* ]] || fail "the error does not name the missing topic: $final"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.consumer_offsets")" "offsets stored by the failed runs"

# ---- long-running members: keep running, say it once, stop on SIGTERM
# member NAME ARGS...: runs `ftz aggregate ARGS` for 8 s, then SIGTERM;
# NAME.err holds its stderr, NAME.before the lines written before SIGTERM.
member() {
  local name=$1 pid waited=0
  shift
  "$FTZ" aggregate "$@" >"$name.out" 2>"$name.err" &
  pid=$!
  BG_PIDS+=("$pid")
  sleep 8
  kill -0 "$pid" 2>/dev/null || fail "$name: the member exited on its own: $(tail -n 3 "$name.err")"
  cp "$name.err" "$name.before"
  kill -TERM "$pid"
  member_rc=0
  while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -0 "$pid" 2>/dev/null && fail "$name: still running 10 s after SIGTERM"
  wait "$pid" || member_rc=$?
  log "$name: stderr (SIGTERM after 8 s, exit $member_rc):"
  sed 's/^/    /' "$name.err" >&2
}

member longrun -g stuck -b "$BAD"
assert_eq 0 "$member_rc" "exit status of a member stopped by SIGTERM"
grep -q ' INFO .*messages in .* batches.*peak memory' longrun.err || fail "no final counts line after SIGTERM"
n=$(grep ' WARN ' longrun.before | grep -c -F "$BAD" || true)
check $((n != 1)) "long-running member: $n WARN lines about $BAD in 8 s, expected exactly one"
n=$(grep ' ERROR ' longrun.before | grep -c -F "$BAD" || true)
check $((n != 0)) "long-running member: $n ERROR lines about $BAD in 8 s, expected none (first: $(grep -m 1 ' ERROR ' longrun.before | cut -c 1-160))"
n=$(tail -n +$(($(wc -l <longrun.before) + 1)) longrun.err | trouble_lines /dev/stdin | grep -c -F "$BAD" || true)
check $((n != 0)) "long-running member: $n more WARN/ERROR lines about $BAD on SIGTERM, expected none"

member longtypo -g stuck --topic-prefix "$TYPO"
assert_eq 0 "$member_rc" "exit status of a member (missing topic) stopped by SIGTERM"
n=$(trouble_lines longtypo.err | grep -c "topic ${TYPO}ftz" || true)
check $((n != 1)) "long-running member, missing topic: $n warning lines about it, expected exactly one"
n=$(trouble_lines longtypo.err | wc -l)
check $((n != 1)) "long-running member, missing topic: $n warning/error lines in all, expected one"

((${#problems[@]} == 0)) || fail "${#problems[@]} check(s) failed: $(printf '%s; ' "${problems[@]}")"
