#!/usr/bin/env bash
# A topic deleted, re-created and refilled past the stored offset WHILE a
# member runs. The member keeps fetching at its old position (200) in the
# new log: the new log's records [0, 200) are never read, never counted,
# nothing is logged, no move is recorded, and `ftz offsets` says "ok".
# docs/exactly-once.md promises this case is told apart by the fingerprint
# of the message before the stored offset, and never skipped silently; the
# check runs only on assignment, and the member is never assigned again.
# Expected: every one of the 450 companies counted, or the member stops
# (default --on-gap fail) naming the partition. Seen: 250 counted, exit 0.
source "$(dirname "$0")/../stack/lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 1
cd "$WORK"
G=brk-recreated
T=$(topic ftz.registry.companies)

"$FTZ" simulate -t registration -n 200 --seed 21 --start 2026-01-01T00:00:00Z >old.jsonl
"$FTZ" simulate -t registration -n 250 --seed 22 --start 2026-04-01T00:00:00Z >new.jsonl
produce_checked registration old.jsonl
member_start m1 "$G" -t registration
wait_committed 200 30 m1

"$FTZ_PY" "$HERE/rawkafka.py" delete "$FTZ_BROKERS" "$T" || fail "cannot delete $T"
for _ in $(seq 50); do "$FTZ" topics create -q --partitions 1 2>/dev/null && break; sleep 0.2; done
produce_checked registration new.jsonl
sleep 15

rc=0
if kill -0 "${MEMBER_PID[m1]}" 2>/dev/null; then
  kill -TERM "${MEMBER_PID[m1]}"
  wait "${MEMBER_PID[m1]}" || rc=$?
else
  wait "${MEMBER_PID[m1]}" || rc=$?
fi
counted=$(q "SELECT coalesce(sum(companies), 0) FROM ftz.registrations_monthly")
log "member exit $rc; companies counted $counted of 450; stored $(q "SELECT next_offset FROM ftz.consumer_offsets")"
if ((rc == 0)); then
  assert_table registrations old.jsonl new.jsonl
else
  log_has "$WORK/m1.err" "$T \\[0\\]" || fail "member exit $rc without naming the partition"
fi
