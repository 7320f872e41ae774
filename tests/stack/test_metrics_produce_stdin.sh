#!/usr/bin/env bash
# `ftz produce --metrics-addr` keeps its figures current while its input
# is quiet (a pipe that stays open): after 1000 lines read, sent and
# acknowledged, /metrics says so within a few seconds. (Found by the
# break-it pass: figures were published only when a line arrived.)
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
"$FTZ" simulate -t rail -n 1000 --seed 9 --resend-rate 0 >rail.jsonl
(cat rail.jsonl; sleep 15) | "$FTZ" produce -q -t rail --metrics-addr "127.0.0.1:$MPORT" &
BG_PIDS+=("$!")
sleep 7
m=$(curl -sf "http://127.0.0.1:$MPORT/metrics") || fail "no /metrics"
v() { awk -v k="$1{topic=\"$(topic ftz.rail.events)\"}" '$1 == k {print $2}' <<<"$m"; }
got="read $(v ftz_producer_records_read_total) sent $(v ftz_producer_records_sent_total) acknowledged $(v ftz_producer_records_acknowledged_total)"
log "7 s after 1000 lines were piped in: $got"
assert_eq "read 1000 sent 1000 acknowledged 1000" "$got" "producer figures while the input waits"
