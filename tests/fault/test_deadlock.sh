#!/usr/bin/env bash
# A deadlock between a batch transaction and another session: PostgreSQL
# aborts the batch (SQLSTATE 40P01) and the member must retry the same batch
# ("batch attempt 1 failed, retrying") and count it once.
#
# How the deadlock is made, deterministically: a batch transaction first
# moves (and so locks) its partitions' rows of ftz.consumer_offsets, then
# locks the state rows of the declarations it revises. A psql session (the
# "deadlocker") locks the state row of a declaration already counted; the
# test then sends a new revision of it, alone, so the member's next batch
# is that one record. Once the member's backend waits on the deadlocker's
# lock (pg_blocking_pids), the deadlocker updates the group's offset rows,
# one of which the member holds: a cycle. The member waited first, so its
# deadlock check (deadlock_timeout, 1 s) runs first and aborts its own
# transaction; the deadlocker's own check is put off (SET LOCAL
# deadlock_timeout) so it cannot be the victim. If the member is not seen
# waiting within 15 s, the set-up is tried again (3 attempts, each with a
# higher revision); the test fails if it is never caught.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"
started=$SECONDS
ATTEMPTS=3

# --- Input: deterministic (fixed seeds) -------------------------------------------
"$FTZ" simulate -t customs -n 6000 --seed 71 --revision-rate 0.3 >customs-sim.jsonl
"$FTZ" simulate -t rail -n 3000 --seed 72 --resend-rate 0.1 >rail.jsonl
"$FTZ" simulate -t registration -n 1500 --seed 73 --resend-rate 0.1 >registrations.jsonl
# Part 0, counted first; the declaration the deadlock is made on (counted
# in part 0, not revised later in the input); part 1, counted after.
python3 - customs-sim.jsonl "$ATTEMPTS" <<'PY' >victim.txt
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
cut = len(lines) // 2
ids = [json.loads(l)["declaration_id"] for l in lines]
later = set(ids[cut:])
pick = min(i for i in ids[:cut] if i not in later)
rec = max((json.loads(l) for l in lines[:cut] if json.loads(l)["declaration_id"] == pick),
          key=lambda r: r["revision"])
open("customs.0.jsonl", "w", encoding="utf-8").writelines(lines[:cut])
open("customs.1.jsonl", "w", encoding="utf-8").writelines(lines[cut:])
base = rec["revision"]
for k in range(1, int(sys.argv[2]) + 1):  # one new revision per attempt
    rec["revision"] = base + k
    with open("revision.%d.jsonl" % k, "w", encoding="utf-8") as f:
        f.write(json.dumps(rec, separators=(",", ":")) + "\n")
print(pick, base)
PY
read -r VICTIM BASE_REV <victim.txt
for f in rail registrations; do
  n=$(wc -l <"$f.jsonl")
  head -n $((n / 2)) "$f.jsonl" >"$f.0.jsonl"
  tail -n +$((n / 2 + 1)) "$f.jsonl" >"$f.1.jsonl"
done
: >revisions.jsonl # the revisions actually sent, in order

GROUP="deadlock.$TEST_ID"
member_start m "$GROUP"
wait_group_stable "$GROUP" 1 9 30 >/dev/null
produce_checked customs customs.0.jsonl
produce_checked rail rail.0.jsonl
produce_checked registration registrations.0.jsonl
sent=$(cat customs.0.jsonl rail.0.jsonl registrations.0.jsonl | wc -l)
wait_committed "$sent" 60 m
log "part 0 counted: $sent messages; deadlocking on declaration $VICTIM (revision $BASE_REV)"

# --- The deadlock ------------------------------------------------------------------
caught=0
for attempt in $(seq 1 "$ATTEMPTS"); do
  lines_before=$(wc -l <m.err)
  rm -f deadlocker.ready
  PGAPPNAME=deadlocker psql -X -q -v ON_ERROR_STOP=1 >"deadlocker.$attempt.out" \
    2>"deadlocker.$attempt.err" <<SQL &
BEGIN;
-- The member must be the victim: it waits first and checks at 1 s.
SET LOCAL deadlock_timeout = '30s';
SELECT 1 FROM ftz.customs_declarations WHERE declaration_id = '$VICTIM' FOR UPDATE;
\! touch deadlocker.ready
DO \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  WHILE NOT EXISTS (SELECT 1 FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name = 'ftz'
                      AND wait_event_type = 'Lock'
                      AND pg_backend_pid() = ANY (pg_blocking_pids(pid))) LOOP
    IF clock_timestamp() > t0 + interval '15 s' THEN
      RAISE EXCEPTION 'deadlocker: the member did not wait on declaration $VICTIM within 15 s';
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
END \$\$;
-- The member holds its partition's offset row: this closes the cycle.
UPDATE ftz.consumer_offsets SET updated_at = updated_at WHERE consumer_group = '$GROUP';
ROLLBACK;
SQL
  deadlocker=$!
  BG_PIDS+=("$deadlocker")
  wait_until 10 "the deadlocker holds declaration $VICTIM" test -e deadlocker.ready
  produce_checked customs "revision.$attempt.jsonl"
  cat "revision.$attempt.jsonl" >>revisions.jsonl
  sent=$((sent + 1))
  if wait "$deadlocker"; then
    caught=1
    break
  fi
  log "attempt $attempt: $(grep -o 'deadlocker: .*' "deadlocker.$attempt.err" || head -n 2 "deadlocker.$attempt.err")"
  wait_committed "$sent" 30 m # the revision went through unhindered; next one
done
((caught)) || fail "the member was never caught waiting on the locked declaration in $ATTEMPTS attempts"
log "attempt $attempt: the member waited on declaration $VICTIM and the deadlocker closed the cycle"
wait_log m.err 'batch attempt 1 failed, retrying.*deadlock detected.*40P01' 15
wait_committed "$sent" 30 m
tail -n +$((lines_before + 1)) m.err >m.deadlock.err
log "member: $(grep -m 1 'batch attempt 1 failed' m.deadlock.err | cut -d' ' -f3- | cut -c1-300)"
! log_has m.deadlock.err 'not committed, redoing' \
  || fail "the deadlocked batch was dropped and redone from Kafka instead of retried: $(grep -m 1 'not committed' m.deadlock.err)"
log_has "deadlocker.$attempt.err" 'deadlock detected' \
  && fail "the deadlocker, not the member, was chosen as the victim"
assert_eq "$((BASE_REV + attempt))" \
  "$(q "SELECT revision FROM ftz.customs_declarations WHERE declaration_id = '$VICTIM'")" \
  "revision of $VICTIM after the retried batch"

# --- The rest, then exactness ------------------------------------------------------
produce_checked customs customs.1.jsonl
produce_checked rail rail.1.jsonl
produce_checked registration registrations.1.jsonl
cat customs.0.jsonl revisions.jsonl customs.1.jsonl >customs.jsonl
total=$(cat customs.jsonl rail.jsonl registrations.jsonl | wc -l)
wait_committed "$total" 60 m
member_stop m
assert_eq "$total" "$(committed_offsets)" "every message committed once"
log "member: $(member_totals m)"

log "total time $((SECONDS - started))s"
assert_all_exact
