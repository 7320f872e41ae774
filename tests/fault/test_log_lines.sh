#!/usr/bin/env bash
# docs/operations.md: "Diagnostics go to stderr, one line each: time, level,
# facility, message". A member whose idle PostgreSQL session was ended
# (pg_terminate_backend, a server restart, a pooler) logs, at its next
# batch, libpq's message unflattened, four lines of which three carry no
# time, level or facility:
#   2026-...Z WARN  PG    connection lost during COMMIT (send batch: server closed the connection unexpectedly
#   	This probably means the server terminated abnormally
#   	before or while processing the request.
#   ); asking the stored offsets whether the batch landed
# (and the batch never reached COMMIT: the send failed). The counts stay
# exact; this test checks the log lines.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
G=brk-log-lines

member_start m1 "$G" -t customs --batch 20
n=0
for i in 1 2 3 4 5 6; do
  "$FTZ" simulate -t customs -n 40 --seed "$((70 + i))" \
    | sed "s/\"declaration_id\":\"/\"declaration_id\":\"L$i/" >"part$i.jsonl"
  sleep 1
  # End the member's session while it is idle between batches.
  psql -X -q -A -t -d "$ADMIN_DB" -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE datname = '$PGDATABASE' AND pid <> pg_backend_pid()" >/dev/null
  produce_checked customs "part$i.jsonl"
  n=$((n + 40))
  wait_committed "$n" 60 m1
done
member_stop m1
assert_table customs part*.jsonl

bad=$(grep -c -v -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (DEBUG|INFO |WARN |ERROR) ' "$WORK/m1.err" || true)
if ((bad > 0)); then
  grep -n -v -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (DEBUG|INFO |WARN |ERROR) ' "$WORK/m1.err" | head -n 8 >&2
  fail "$bad stderr lines of the member are not log lines (a message spread over several lines)"
fi
