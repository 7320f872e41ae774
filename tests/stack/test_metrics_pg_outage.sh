#!/usr/bin/env bash
# While PostgreSQL is unreachable and traffic waits, the figures keep being
# published (/metrics shows the batches redone and the PostgreSQL retries,
# STATS lines go on) and /readyz names PostgreSQL as the reason.
# (Found by the break-it pass: the retry loop skipped the publishing.)
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
mkdir proxy
python3 "$FTZ_SOURCE_DIR/tests/fault/pg_cut_proxy.py" "${PGHOST:-127.0.0.1}" "${PGPORT:-5432}" proxy 2>proxy.err &
proxy=$!
BG_PIDS+=("$proxy")
wait_until 10 "proxy listening" test -s proxy/port
PG="host=127.0.0.1 port=$(cat proxy/port) dbname=$PGDATABASE sslmode=disable gssencmode=disable"
"$FTZ" simulate -t rail -n 2000 --seed 7 --resend-rate 0 >rail.jsonl
head -n 1000 rail.jsonl >first.jsonl
tail -n 1000 rail.jsonl >second.jsonl
member_start m brk --pg "$PG" --metrics-addr "127.0.0.1:$MPORT" --stats-interval 1 --ready-max-age 600
produce_checked rail first.jsonl
wait_committed 1000 60 m
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v k="$1" '$1 == k {print $2}'; }
assert_eq 0 "$(metric ftz_consumer_pg_retries_total)" "pg retries before the outage"

kill -9 "$proxy"  # PostgreSQL unreachable from now on
produce_checked rail second.jsonl
wait_log "$WORK/m.err" 'not committed, redoing it' 30
log "member saw the outage: $(grep -m1 'not committed, redoing it' m.err | cut -c1-120)"
stats_before=$(grep -c STATS m.err || true) # none yet when the outage came within a second
sleep 5
stats_after=$(grep -c STATS m.err)
retries=$(metric ftz_consumer_pg_retries_total)
redone=$(metric 'ftz_consumer_batches_total{result="redone"}')
ready=$(curl -s "http://127.0.0.1:$MPORT/readyz")
log "5 s into the outage: pg_retries_total=$retries redone=$redone STATS lines +$((stats_after - stats_before)); /readyz: $ready"
bad=()
[[ $retries != 0 ]] || bad+=("ftz_consumer_pg_retries_total still 0 (metrics frozen)")
((stats_after > stats_before)) || bad+=("no STATS line for 5 s with --stats-interval 1")
[[ $ready == *PostgreSQL* ]] || bad+=("/readyz does not name PostgreSQL: $ready")
((${#bad[@]} == 0)) || fail "$(IFS=';'; echo "${bad[*]}")"
