#!/usr/bin/env bash
# A member stopped in the middle of a transaction must not hold its row
# locks for ever: its session's idle_in_transaction_session_timeout (set by
# the member itself, --pg-idle-timeout) makes the server end the
# transaction, the locks go, and anyone waiting on them (here an operator's
# UPDATE of the same aggregate rows) goes on. The member, resumed, finds its
# connection gone, reconnects and redoes the batch: totals stay exact.
#
# Where a member holds locks across round trips: while it finds the records
# PostgreSQL refuses (savepoints, one statement at a time). A slow
# statement-level trigger on the state table keeps it there long enough to
# be caught, and a CHECK constraint makes two records refused.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"

q "ALTER TABLE ftz.customs_declarations
     ADD CONSTRAINT no_test_poison CHECK (declaration_id NOT LIKE 'POISON%');
   CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS \$\$
     BEGIN PERFORM pg_catalog.pg_sleep(0.05); RETURN NULL; END \$\$;
   CREATE TRIGGER slow AFTER INSERT OR UPDATE ON ftz.customs_declarations
     FOR EACH STATEMENT EXECUTE FUNCTION public.slow();" >/dev/null
"$FTZ" simulate -t customs -n 3000 --seed 91 >sim.jsonl
with_poison sim.jsonl mixed.jsonl 700 2100
produce_checked customs mixed.jsonl
total=$(wc -l <mixed.jsonl)
GROUP="stuck.$TEST_ID"

member_start a "$GROUP" -t customs --batch 5000 --pg-idle-timeout 2000
# Caught in a long transaction (the search for refused records: dozens of
# statements, each held up by the slow trigger; a batch's own transaction
# ends within a fraction of a second) and stopped there: the server
# finishes the statement at hand, then waits for the stopped member.
pid=""
for _ in $(seq 1 600); do
  pid=$(q "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
           AND application_name = 'ftz' AND xact_start < now() - interval '500 ms'
           AND state IN ('active', 'idle in transaction') LIMIT 1")
  [[ -n $pid ]] && { kill -STOP "${MEMBER_PID[a]}"; break; }
  member_alive a
  sleep 0.02
done
[[ -n $pid ]] || fail "the member was never caught inside a transaction; the test proves nothing"
waits_for_member() { [[ $(q "SELECT state FROM pg_stat_activity WHERE pid = $pid") == "idle in transaction" ]]; }
wait_until 10 "backend $pid to wait for the stopped member" waits_for_member
held=$(q "SELECT count(*) FROM pg_locks WHERE pid = $pid AND locktype = 'transactionid' AND granted")
log "member stopped inside a transaction (backend $pid idle in transaction, holding its transaction id: $held)"

# The server ends the stopped member's transaction after its idle timeout.
gone=0
for _ in $(seq 1 100); do
  if [[ -z $(q "SELECT 1 FROM pg_stat_activity WHERE pid = $pid") ]]; then gone=1; break; fi
  sleep 0.1
done
((gone)) || fail "backend $pid of the stopped member still there after 10 s: its locks are held"
log "the server ended the stopped member's session"
# Nothing is held any more: an UPDATE of every aggregate row goes through at once.
q "SET lock_timeout = '2s'; UPDATE ftz.customs_daily SET declarations = declarations" >/dev/null \
  || fail "the aggregate rows are still locked"

kill -CONT "${MEMBER_PID[a]}"
wait_log "$WORK/a.err" "connection lost|reconnecting|server closed the connection|terminating connection" 30
wait_committed "$total" 60 a
member_stop a
grep -c "SINK_REJECTED" a.err >/dev/null || fail "the refused records were not found"
report_exactness customs sim.jsonl
assert_daily sim.jsonl
assert_eq "SINK_REJECTED|2" "$(q "SELECT code, count(*) FROM ftz.dead_letters GROUP BY code")" "refused records dead-lettered once"
