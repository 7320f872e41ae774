#!/usr/bin/env bash
# --metrics-addr refuses what it cannot serve as given: a port above 65535
# (getaddrinfo would cut it to 16 bits: "localhost:99999" would serve on
# 34463, "127.0.0.1:65536" on a random port) is a usage error (exit 2)
# naming the port, like "127.0.0.1:-1". (Found by the break-it pass.)
source "$(dirname "$0")/../lib.sh"
cd "$WORK"
bad=()
for addr in 127.0.0.1:99999 127.0.0.1:65536; do
  rc=0
  timeout 20 "$FTZ" aggregate -g brk --topic-prefix "$FTZ_TOPIC_PREFIX" --until-idle 1 \
    --connect-timeout 1 --metrics-addr "$addr" 2>"addr.err" || rc=$?
  served=$(grep -o 'serving /metrics.* on port [0-9]*' addr.err || true)
  log "$addr: exit $rc; ${served:-not served}"
  [[ $rc == 2 && -z $served ]] || bad+=("$addr: exit $rc, ${served:-not served}")
done
((${#bad[@]} == 0)) || fail "bad ports accepted: ${bad[*]}"
