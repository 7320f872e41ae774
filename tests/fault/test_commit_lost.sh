#!/usr/bin/env bash
# The PostgreSQL connection is lost exactly during a batch's COMMIT, so
# that the member cannot know whether the batch landed (sink.c,
# learn_outcome): it must reconnect, read the stored offsets back, and
# (a) redo the batch when the COMMIT did not land, (b) go on without
# redoing it when it did. Not left to chance: in the test's own database a
# deferred constraint trigger on ftz.consumer_offsets holds every COMMIT
# that moves an offset for as long as a row exists in public.fault_flag,
# and the member's backend is caught in pg_stat_activity inside that
# COMMIT (query 'COMMIT', state 'active', waiting in pg_sleep).
#
# (a) did not land: the backend is terminated inside the COMMIT; the
#     transaction aborts. The member must log "connection lost during
#     COMMIT", then "did not land", and commit the batch again.
# (b) landed: the member is frozen (SIGSTOP) inside the COMMIT, the flag is
#     removed so the COMMIT completes, and the answer to it is lost on the
#     way: the member talks to PostgreSQL through tests/fault/pg_cut_proxy.py,
#     which, armed, drops the server's "COMMIT" CommandComplete and closes
#     the member's side of the connection. Once the offsets have advanced
#     and the backend is idle, it is terminated and the member resumed
#     (SIGCONT): it must log "connection lost during COMMIT", then "the
#     stored offsets show the batch landed", and not redo the batch.
#     (Terminating the idle backend alone, without the proxy, would not do:
#     the COMMIT's answer already sits in the frozen member's socket, and it
#     reads a successful COMMIT.)
#
# Then every table must be exact.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"
started=$SECONDS

# --- The COMMIT holder, in the test's own database ------------------------------
q "CREATE TABLE public.fault_flag (since timestamptz NOT NULL DEFAULT now());
   CREATE FUNCTION public.fault_hold_commit() RETURNS trigger LANGUAGE plpgsql
   SET search_path = '' AS \$\$
   DECLARE t0 timestamptz := pg_catalog.clock_timestamp();
   BEGIN
     -- Once per transaction (the trigger fires for each offset row).
     IF pg_catalog.current_setting('fault.held', true) = 'y' THEN RETURN NULL; END IF;
     PERFORM pg_catalog.set_config('fault.held', 'y', true);
     WHILE EXISTS (SELECT 1 FROM public.fault_flag)
           AND pg_catalog.clock_timestamp() < t0 + interval '30 s' LOOP
       PERFORM pg_catalog.pg_sleep(0.02);
     END LOOP;
     RETURN NULL;
   END \$\$;
   CREATE CONSTRAINT TRIGGER fault_hold_commit AFTER INSERT OR UPDATE ON ftz.consumer_offsets
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.fault_hold_commit();" \
  >/dev/null
flag_on() { q "INSERT INTO public.fault_flag DEFAULT VALUES" >/dev/null; }
flag_off() { q "DELETE FROM public.fault_flag" >/dev/null; }

# --- The proxy the member reaches PostgreSQL through -----------------------------
mkdir proxy
python3 "$FTZ_SOURCE_DIR/tests/fault/pg_cut_proxy.py" "${PGHOST:-127.0.0.1}" "${PGPORT:-5432}" \
  "$WORK/proxy" 2>proxy.err &
proxy=$!
BG_PIDS+=("$proxy")
wait_until 10 "the proxy listens" test -s proxy/port
PROXY_PORT=$(cat proxy/port)

# --- Input: deterministic (fixed seeds), in three parts -------------------------
"$FTZ" simulate -t customs -n 6000 --seed 61 --revision-rate 0.3 >customs.jsonl
"$FTZ" simulate -t rail -n 3000 --seed 62 --resend-rate 0.1 >rail.jsonl
"$FTZ" simulate -t registration -n 1500 --seed 63 --resend-rate 0.1 >registrations.jsonl
split_parts 3 customs rail registrations
total=$(upto 2)

GROUP="lost.$TEST_ID"
member_start m "$GROUP" \
  --pg "host=127.0.0.1 port=$PROXY_PORT sslmode=disable gssencmode=disable"
wait_group_stable "$GROUP" 1 9 30 >/dev/null
produce_part 0
wait_committed "$(upto 0)" 60 m
log "part 0 counted through the proxy: $(upto 0) messages"

# in_commit: the member's backend inside a held COMMIT; its pid in $backend.
in_commit() {
  backend=$(q "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                 AND application_name = 'ftz' AND state = 'active' AND query = 'COMMIT'
                 AND wait_event = 'PgSleep'")
  [[ -n "$backend" && "$backend" != *$'\n'* ]]
}
new_lines() { tail -n +$(($1 + 1)) m.err; } # lines of the member's log after line N

# ================= (a) the COMMIT does not land ==================================
lines_before=$(wc -l <m.err)
flag_on
produce_part 1
wait_until 30 "(a) the member's backend inside COMMIT" in_commit
before=$(committed_offsets)
log "(a) backend $backend is inside COMMIT ($before offsets stored); terminating it"
assert_eq t "$(q "SELECT pg_terminate_backend($backend)")" "(a) pg_terminate_backend"
# Its retry is held by the flag too, so nothing can land before the check.
wait_log m.err 'did not land' 30
assert_eq "$before" "$(committed_offsets)" "(a) stored offsets after the terminated COMMIT"
flag_off
wait_committed "$(upto 1)" 60 m
new_lines "$lines_before" >m.a.err
lost_line=$(grep -n -m 1 'connection lost during COMMIT' m.a.err | cut -d: -f1) \
  || fail "(a) the member did not log 'connection lost during COMMIT': $(head -n 5 m.a.err)"
landed_line=$(grep -n -m 1 'did not land' m.a.err | cut -d: -f1)
((lost_line < landed_line)) || fail "(a) 'did not land' came before 'connection lost during COMMIT'"
log_has m.a.err 'batch attempt 1 failed, retrying: the connection was lost during COMMIT and the batch did not land; redoing it' \
  || fail "(a) the batch was not redone: $(head -n 5 m.a.err)"
! log_has m.a.err 'stored offsets show the batch landed' || fail "(a) the member believes the terminated COMMIT landed"
for pat in 'connection lost during COMMIT' 'did not land'; do
  log "(a) member: $(grep -m 1 -E "$pat" m.a.err | cut -d' ' -f3-)"
done

# ================= (b) the COMMIT lands, its answer is lost ======================
lines_before=$(wc -l <m.err)
flag_on
produce_part 2
wait_until 30 "(b) the member's backend inside COMMIT" in_commit
before=$(committed_offsets)
kill -STOP "${MEMBER_PID[m]}"
touch proxy/arm
flag_off
wait_until 30 "(b) the proxy cut the COMMIT's answer" test -e proxy/cut
backend_done() {
  [[ "$(q "SELECT state FROM pg_stat_activity WHERE pid = $backend")" == idle ]] \
    && (($(committed_offsets) > before))
}
wait_until 30 "(b) backend $backend idle after its COMMIT, offsets advanced" backend_done
after=$(committed_offsets)
log "(b) backend $backend committed while the member is frozen ($before -> $after offsets stored); answer dropped by the proxy, terminating it"
assert_eq t "$(q "SELECT pg_terminate_backend($backend)")" "(b) pg_terminate_backend"
kill -CONT "${MEMBER_PID[m]}"
wait_log m.err 'the stored offsets show the batch landed' 30
wait_committed "$total" 60 m
member_stop m
new_lines "$lines_before" >m.b.err
lost_line=$(grep -n -m 1 'connection lost during COMMIT' m.b.err | cut -d: -f1) \
  || fail "(b) the member did not log 'connection lost during COMMIT': $(head -n 5 m.b.err)"
landed_line=$(grep -n -m 1 'the stored offsets show the batch landed' m.b.err | cut -d: -f1)
((lost_line < landed_line)) || fail "(b) 'landed' came before 'connection lost during COMMIT'"
! log_has m.b.err 'batch attempt [0-9]+ failed|not committed, redoing|did not land' \
  || fail "(b) the landed batch was redone: $(grep -m 1 -E 'batch attempt|not committed|did not land' m.b.err)"
for pat in 'connection lost during COMMIT' 'show the batch landed'; do
  log "(b) member: $(grep -m 1 -E "$pat" m.b.err | cut -d' ' -f3-)"
done

assert_eq "$total" "$(committed_offsets)" "every message committed once"
log "member: $(member_totals m)"
kill "$proxy" && { wait "$proxy" 2>/dev/null || true; }

# --- Exactness -------------------------------------------------------------------
log "total time $((SECONDS - started))s"
assert_all_exact
