#!/usr/bin/env bash
# Slow clients (one header byte every 2 s, below the idle timeout) from one
# address cannot starve the endpoint for others: /healthz still answers a
# client from another address (a per-client connection limit, many slots
# in all). (Found by the break-it pass: 32 slow connections held every
# slot.)
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
member_start m brk --metrics-addr "127.0.0.1:$MPORT"
wait_until 30 "metrics endpoint up" curl -sf -o /dev/null "http://127.0.0.1:$MPORT/healthz"
# The slow clients come from 127.0.0.2 and try 300 connections (those
# past the per-client limit are refused); the scrape comes from 127.0.0.1.
python3 - "$MPORT" 300 40 <<'PY' &
import socket, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for _ in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
        s.sendall(b"GET /metrics HTTP/1.1\r\nX-a: ")
        socks.append(s)
    except OSError:
        pass
end = time.time() + secs
while time.time() < end:
    for s in list(socks):
        try:
            s.sendall(b"a")
        except OSError:
            socks.remove(s)
    time.sleep(2)
PY
BG_PIDS+=("$!")
sleep 15  # past the 10 s connection timeout: the slow connections are still held
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/healthz" || true)
member_alive m
[[ $code == 200 ]] || fail "/healthz unreachable (HTTP code '$code' within 3 s) while slow clients from another address hold connections"
log "/healthz answered while slow clients from another address held connections"
