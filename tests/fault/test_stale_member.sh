#!/usr/bin/env bash
# A stale member: member A is frozen (SIGSTOP) for longer than its session
# timeout, the group expels it, member B takes its partitions and commits
# past A's positions, then A is resumed (SIGCONT) still believing it owns
# them. Two ways of being stale, one after the other:
#
# 1. Frozen inside its batch transaction, so that its next commit attempt
#    comes with no Kafka poll in between (the case the database fence is
#    for). A's batch waits on a declaration row this test keeps locked; A is
#    frozen while it waits; its lock timeout (3 s) aborts that attempt while
#    it is frozen. B is then given A's partitions and drains them. Resumed,
#    A retries the same batch at once ("batch attempt 1 failed, retrying"),
#    with the offsets it expected before: the compare-and-set refuses it
#    (SQLSTATE FZ001, "stored offset is no longer ..."), A re-reads the
#    stored offsets and rejoins. Asserted from A's log, and nothing of the
#    refused batch may land.
#
#    Why not simply freeze A between polls: on SIGCONT librdkafka often
#    notices its own session timeout first ("SESSTMOUT ... revoking
#    assignment") and the rebalance callback drops the open batch before
#    the loop commits it, so the fence is reached only by chance (phase 2).
#
# 2. Frozen mid-stream between polls, with messages read and not committed:
#    on resume the open batch must be dropped (partitions lost) or fenced;
#    never counted.
#
# Every table must then be exact.
source "$(dirname "$0")/../lib.sh"
PARTITIONS=3
TOPIC_PARTITIONS=$((3 * PARTITIONS)) # three record types
SESSION_MS=6000
A_LOCK_TIMEOUT_MS=3000
setup_pipeline "$PARTITIONS"
cd "$WORK"
started=$SECONDS
GROUP="stale.$TEST_ID"
MEMBER_OPTS=(--batch 100 --batch-ms 50 -X session.timeout.ms=$SESSION_MS)
# A may stay frozen inside an aborted transaction: the server must not end
# that session before A is resumed (15 s by default).
A_OPTS=("${MEMBER_OPTS[@]}" --pg-lock-timeout $A_LOCK_TIMEOUT_MS --pg-idle-timeout 120000)

# --- Input: deterministic (fixed seeds), in four parts ---------------------------
"$FTZ" simulate -t customs -n 24000 --seed 51 --revision-rate 0.3 >customs-sim.jsonl
"$FTZ" simulate -t rail -n 12000 --seed 52 --resend-rate 0.1 >rail.jsonl
"$FTZ" simulate -t registration -n 6000 --seed 53 --resend-rate 0.1 >registrations.jsonl
# Part 0 is counted before the locked declaration's new revision is sent
# (part 1 starts with it); parts 2 and 3 are for the second freeze.
python3 - customs-sim.jsonl <<'PY' >locked.txt
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
cut = len(lines) // 4
ids = [json.loads(l)["declaration_id"] for l in lines]
later = set(ids[cut:])
# The smallest declaration of part 0 that is not revised later on.
pick = min(i for i in ids[:cut] if i not in later)
rec = max((json.loads(l) for l in lines[:cut] if json.loads(l)["declaration_id"] == pick),
          key=lambda r: r["revision"])
rec["revision"] += 1
with open("customs.0.jsonl", "w", encoding="utf-8") as f:
    f.writelines(lines[:cut])
with open("customs.1.jsonl", "w", encoding="utf-8") as f:
    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    f.writelines(lines[cut:2 * cut])
with open("customs.2.jsonl", "w", encoding="utf-8") as f:
    f.writelines(lines[2 * cut:3 * cut])
with open("customs.3.jsonl", "w", encoding="utf-8") as f:
    f.writelines(lines[3 * cut:])
print(pick, rec["revision"])
PY
read -r LOCKED_ID LOCKED_REV <locked.txt
cat customs.0.jsonl customs.1.jsonl customs.2.jsonl customs.3.jsonl >customs.jsonl
split_parts 4 rail registrations
total=$(upto 3)
assert_eq "$total" "$(cat customs.jsonl rail.jsonl registrations.jsonl | wc -l)" "parts add up"

# ================= 1. frozen inside a commit attempt =============================
member_start a "$GROUP" "${A_OPTS[@]}"
settled=$(wait_group_stable "$GROUP" 1 "$TOPIC_PARTITIONS" 30)
produce_part 0
wait_committed "$(upto 0)" 60 a
log "A alone ($settled) counted part 0: $(upto 0) messages"

# The locker: holds declaration $LOCKED_ID's state row until a member has
# waited on it and stopped waiting (bounded), then rolls back.
PGAPPNAME=stale-locker psql -X -q -v ON_ERROR_STOP=1 >locker.out 2>locker.err <<SQL &
BEGIN;
SELECT 1 FROM ftz.customs_declarations WHERE declaration_id = '$LOCKED_ID' FOR UPDATE;
\! touch locker.ready
DO \$\$
DECLARE seen boolean := false; t0 timestamptz := clock_timestamp();
BEGIN
  LOOP
    IF EXISTS (SELECT 1 FROM pg_stat_activity
               WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))) THEN
      seen := true;
    ELSIF seen THEN
      EXIT;
    END IF;
    IF clock_timestamp() > t0 + interval '60 s' THEN
      RAISE EXCEPTION 'locker: % waited on the row within 60 s',
        CASE WHEN seen THEN 'a member kept' ELSE 'no member' END;
    END IF;
    PERFORM pg_sleep(0.02);
  END LOOP;
END \$\$;
ROLLBACK;
SQL
locker=$!
BG_PIDS+=("$locker")
wait_until 10 "the locker holds declaration $LOCKED_ID" test -e locker.ready

# Part 1 starts with revision $LOCKED_REV of the locked declaration: A's
# batch that holds it waits on the row, its offsets already moved in the
# open transaction.
produce_part 1
a_waiting() {
  a_backend=$(q "SELECT a.pid FROM pg_stat_activity a JOIN pg_stat_activity l
                   ON l.pid = ANY (pg_blocking_pids(a.pid))
                 WHERE a.datname = current_database() AND a.application_name = 'ftz'
                   AND l.application_name = 'stale-locker' AND a.wait_event_type = 'Lock'")
  [[ -n "$a_backend" ]]
}
wait_until 30 "A waiting on declaration $LOCKED_ID" a_waiting
kill -STOP "${MEMBER_PID[a]}"
frozen_at=$(committed_offsets)
log "A frozen inside a batch transaction (backend $a_backend waits on $LOCKED_ID); $frozen_at of $(upto 1) offsets committed"
((frozen_at < $(upto 1) * 9 / 10)) \
  || fail "part 1 was nearly counted before A was frozen; the test proves nothing"
q "SELECT topic, partition, next_offset FROM ftz.consumer_offsets ORDER BY 1, 2" >offsets-frozen.txt

# While A is frozen its attempt ends by lock timeout; the locker sees that
# and lets go.
wait "$locker" || fail "locker: $(cat locker.err)"
# The rest of A's pipeline was already on the server: after the failed
# statement its COMMIT ended the transaction as a rollback, so A, frozen,
# holds nothing.
assert_eq "idle" \
  "$(q "SELECT state FROM pg_stat_activity WHERE pid = $a_backend")" \
  "A's backend after its lock timeout (the attempt rolled back while A is frozen)"

member_start b "$GROUP" "${MEMBER_OPTS[@]}"
settled=$(wait_group_stable "$GROUP" 1 "$TOPIC_PARTITIONS" $((SESSION_MS / 1000 + 60)))
log "A expelled, B took over: $settled"
wait_committed "$(upto 1)" 60 b
log "B counted parts 0-1: $(committed_offsets) offsets committed"
moved=$(q "SELECT count(*) FROM ftz.consumer_offsets o WHERE next_offset > 0")
log "stored offsets moved by B since A froze: $(q "SELECT topic, partition, next_offset FROM ftz.consumer_offsets ORDER BY 1, 2" | diff offsets-frozen.txt - | grep -c '^>') of $moved partitions"

lines_before=$(wc -l <a.err)
kill -CONT "${MEMBER_PID[a]}"
wait_log a.err 'not committed, redoing it.*stored offset is no longer' 30
member_alive a
tail -n +$((lines_before + 1)) a.err >a.resumed-1.err
log_has a.resumed-1.err 'batch attempt 1 failed, retrying.*SQLSTATE 55P03' \
  || fail "A's attempt inside the frozen transaction did not end by lock timeout: $(head -n 5 a.resumed-1.err)"
log_has a.resumed-1.err 'not committed, redoing it.*stored offset is no longer.*SQLSTATE FZ001' \
  || fail "A's refused commit does not carry SQLSTATE FZ001"
for pat in 'batch attempt 1 failed' 'not committed, redoing it'; do
  log "A resumed: $(grep -m 1 -E "$pat" a.resumed-1.err | cut -d' ' -f3-)"
done
assert_eq "$(upto 1)" "$(committed_offsets)" "stored offsets after A's refused commit (nothing of it landed)"
settled=$(wait_group_stable "$GROUP" 2 "$TOPIC_PARTITIONS" 30)
log "A back in the group: $settled"

# ================= 2. frozen between polls, mid-stream ===========================
produce_part 2 &
producer=$!
BG_PIDS+=("$producer")
wait_committed $(($(upto 1) + 3000)) 60 a b
kill -STOP "${MEMBER_PID[a]}"
frozen_at=$(committed_offsets)
wait "$producer" || fail "producing part 2 failed"
log "A frozen mid-stream with $frozen_at of $(upto 2) offsets committed"
settled=$(wait_group_stable "$GROUP" 1 "$TOPIC_PARTITIONS" $((SESSION_MS / 1000 + 60)))
log "A expelled, B took over: $settled"
wait_committed "$(upto 2)" 60 b
lines_before=$(wc -l <a.err)
kill -CONT "${MEMBER_PID[a]}"
settled=$(wait_group_stable "$GROUP" 2 "$TOPIC_PARTITIONS" 30)
member_alive a
tail -n +$((lines_before + 1)) a.err >a.resumed-2.err
# What A did with what it had read: dropped it when told its partitions
# were lost, or tried to commit it and was refused; either way nothing of
# it may land (the stored offsets are B's).
what=$(grep -m 1 -E 'partitions lost|not committed, redoing' a.resumed-2.err | cut -d' ' -f3-) || true
log "A resumed: ${what:-it had no batch open to drop or commit}"
assert_eq "$(upto 2)" "$(committed_offsets)" "stored offsets after A resumed"
log "A back in the group: $settled"

produce_part 3
wait_committed "$total" 60 a b
member_stop a
member_stop b
assert_eq "$total" "$(committed_offsets)" "every message committed once"
log "member a: $(member_totals a); member b: $(member_totals b)"

# --- Exactness -------------------------------------------------------------------
inexact=()
report_exactness customs customs.jsonl || inexact+=(customs)
report_exactness rail rail.jsonl || inexact+=(rail)
report_exactness registrations registrations.jsonl || inexact+=(registrations)
log "total time $((SECONDS - started))s"
assert_table customs customs.jsonl
assert_table rail rail.jsonl
assert_table registrations registrations.jsonl
((${#inexact[@]} == 0)) || fail "not exact: ${inexact[*]}"
assert_eq "$LOCKED_REV" "$(q "SELECT revision FROM ftz.customs_declarations WHERE declaration_id = '$LOCKED_ID'")" \
  "revision of the declaration A waited on"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters from valid input"
