#!/usr/bin/env bash
# Monitoring with the real thing: Debian's prometheus, started here on a
# free loopback port with the shipped alert rules (deploy/monitoring/
# alerts.yml; the freshness alert's bounds shortened from minutes to
# seconds, nothing else changed), scrapes a running `ftz aggregate
# --metrics-addr` every second while simulated traffic of all three types
# (and some records that break a rule) arrives. Asserted through
# Prometheus's HTTP API, not the endpoint:
#   - the member is ready (ftz_consumer_ready 1) and owns the partitions;
#   - the lag rose above 1000 during a burst (commits slowed) and fell to 0;
#   - at the end the counters equal the tables: messages = stored offsets,
#     records per topic = entities counted in the state tables, dead
#     letters per code = ftz.dead_letters, end-to-end latency observations
#     = messages;
#   - Kafka's own view: the offsets committed to Kafka (information only)
#     equal PostgreSQL's;
#   - the member stopped (SIGKILL) while traffic goes on: the freshness
#     alert FtzConsumerNoCommit fires, and FtzConsumerDown with it;
# plus /healthz, /readyz and a stats line on stderr.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"

command -v prometheus >/dev/null || fail "prometheus not found (Debian package prometheus): run make deps"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
PPORT=$(free_port)
G=prom

# ---- Prometheus: 1 s scrapes and evaluations, the shipped rules
python3 - "$FTZ_SOURCE_DIR/deploy/monitoring/alerts.yml" rules.yml <<'PY' || fail "cannot derive the test rules"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
seen = set()
for g in doc["groups"]:
    for r in g["rules"]:
        seen.add(r.get("alert"))
        if r.get("alert") == "FtzConsumerNoCommit":
            assert r["expr"].count("> 120") == 2, r["expr"]
            r["expr"] = r["expr"].replace("> 120", "> 8")
            r["for"] = "2s"
        if r.get("alert") == "FtzConsumerDown":
            r["for"] = "2s"
assert {"FtzConsumerNoCommit", "FtzConsumerDown"} <= seen, seen
yaml.safe_dump(doc, open(sys.argv[2], "w"))
PY
cat >prometheus.yml <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: ftz-aggregate
    scrape_timeout: 900ms
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
        labels: {group: '$G'}
EOF
promtool check config prometheus.yml >promtool.out 2>&1 || fail "promtool: $(cat promtool.out)"
prometheus --config.file=prometheus.yml --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >prometheus.log 2>&1 &
BG_PIDS+=("$!")
prom_ready() { curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null; }
wait_until 60 "prometheus ready on port $PPORT ($(tail -n 3 prometheus.log))" prom_ready

# pq QUERY: the value of an instant query (the sum if several series,
# "none" if no series).
pq() {
  curl -sf "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" \
    | python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print("none" if not r else "%.0f" % sum(float(x["value"][1]) for x in r))'
}
pq_is() { [[ $(pq "$1") == "$2" ]]; }
pq_above() { local v; v=$(pq "$1"); [[ $v != none ]] && (( v > $2 )); }
firing() {
  curl -sf "http://127.0.0.1:$PPORT/api/v1/alerts" | python3 -c 'import json,sys
a = json.load(sys.stdin)["data"]["alerts"]
sys.exit(0 if any(x["labels"]["alertname"] == sys.argv[1] and x["state"] == "firing" for x in a) else 1)' "$1"
}

# ---- the member, with the endpoint; ready once it owns partitions
member_start m "$G" --metrics-addr "127.0.0.1:$MPORT" --stats-interval 1 --batch-ms 200
wait_until 60 "member m ready in Prometheus" pq_is 'ftz_consumer_ready{job="ftz-aggregate"}' 1
assert_eq 9 "$(pq 'ftz_consumer_owned_partitions')" "owned partitions (3 topics x 3)"
assert_eq "ok" "$(curl -sf "http://127.0.0.1:$MPORT/healthz")" "/healthz"
assert_eq "ready" "$(curl -sf "http://127.0.0.1:$MPORT/readyz")" "/readyz"
log "member ready: 9 partitions, /healthz and /readyz answer"

# ---- a burst while commits are slow: the lag rises, then falls
"$FTZ" simulate -t customs -n 8000 --seed 71 --revision-rate 0 >customs.jsonl
"$FTZ" simulate -t rail -n 10000 --seed 72 --resend-rate 0 >rail.jsonl
"$FTZ" simulate -t registration -n 4000 --seed 73 --resend-rate 0 >registrations.jsonl
# 40 rail records with a teu out of range: RULE_TEU dead letters.
head -n 40 rail.jsonl | sed -E 's/"teu":[0-9]+/"teu":9/; s/"event_id":"([^"]*)"/"event_id":"\1X"/' >bad.jsonl
[[ $(grep -c '"teu":9' bad.jsonl) == 40 ]] || fail "bad.jsonl: no teu to break"
slow_commits 1
produce_checked customs customs.jsonl
produce_checked rail rail.jsonl
produce_checked registration registrations.jsonl
"$FTZ" produce -q -t rail -f bad.jsonl --skip-rules || fail "produce bad.jsonl exited $?"
total=$((8000 + 10000 + 4000 + 40))
wait_until 60 "lag above 1000 in Prometheus" pq_above 'sum(ftz_consumer_lag_messages)' 1000
peak_lag=$(pq 'max_over_time(sum(ftz_consumer_lag_messages)[1m:1s])')
log "lag rose: $peak_lag messages at its peak so far"
q "DELETE FROM public.slow_commit" >/dev/null
wait_committed "$total" 180 m
wait_until 30 "lag back to 0 in Prometheus" pq_is 'sum(ftz_consumer_lag_messages)' 0
log "lag fell to 0; $total messages committed"

# ---- the counters equal the tables (once Prometheus has the last figures)
wait_until 30 "messages counter at $total" pq_is 'sum(ftz_consumer_messages_total)' "$total"
tp() { topic "$1"; }
assert_eq "$(q "SELECT count(*) FROM ftz.customs_declarations")" \
  "$(pq "ftz_consumer_records_total{topic=\"$(tp ftz.customs.declarations)\"}")" "customs records"
assert_eq "$(q "SELECT count(*) FROM ftz.rail_events")" \
  "$(pq "ftz_consumer_records_total{topic=\"$(tp ftz.rail.events)\"}")" "rail records"
assert_eq "$(q "SELECT count(*) FROM ftz.companies")" \
  "$(pq "ftz_consumer_records_total{topic=\"$(tp ftz.registry.companies)\"}")" "registrations"
assert_eq "$(q "SELECT count(*) FROM ftz.dead_letters WHERE code = 'RULE_TEU'")" \
  "$(pq 'ftz_consumer_dead_letters_total{code="RULE_TEU"}')" "RULE_TEU dead letters"
assert_eq 40 "$(pq 'ftz_consumer_dead_letters_total{code="RULE_TEU"}')" "RULE_TEU dead letters"
assert_eq "$(q "SELECT count(*) FROM ftz.dead_letters")" \
  "$(pq 'sum(ftz_consumer_dead_letters_total)')" "dead letters, all codes"
assert_eq "$(committed_offsets)" "$(pq 'sum(ftz_consumer_messages_total)')" "messages = stored offsets"
assert_eq "$total" "$(pq 'ftz_consumer_end_to_end_latency_seconds_count')" "end-to-end observations"
assert_eq "$(pq 'ftz_consumer_batches_total{result="committed"}')" \
  "$(pq 'ftz_consumer_batch_messages_count')" "batches committed = batch size observations"
log "counters equal the tables: $total messages, 40 RULE_TEU dead letters"

# ---- Kafka's own view of the group: the informational commits
kafka_committed() {
  "$FTZ_PY" - "$FTZ_BROKERS" "$G" "$(tp ftz.customs.declarations)" "$(tp ftz.rail.events)" \
    "$(tp ftz.registry.companies)" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2]})
parts = [TopicPartition(t, p) for t in sys.argv[3:] for p in range(3)]
print(sum(max(tp.offset, 0) for tp in c.committed(parts, timeout=20)))
c.close()
PY
}
kafka_matches() { [[ $(kafka_committed) == "$(committed_offsets)" ]]; }
wait_until 30 "Kafka's committed offsets ($(kafka_committed)) = PostgreSQL's ($(committed_offsets))" kafka_matches
log "Kafka's committed offsets equal PostgreSQL's: $(committed_offsets)"

grep -q 'STATS .* messages/s, .* lag .*; last commit .* ago; 9 partitions' "$WORK/m.err" \
  || fail "no stats line on stderr: $(tail -n 3 "$WORK/m.err")"

# ---- the member stops while traffic goes on: the freshness alert fires
member_kill m
"$FTZ" simulate -t rail -n 2000 --seed 74 --start 2026-12-01T00:00:00Z >more.jsonl
produce_checked rail more.jsonl
t0=$SECONDS
wait_until 90 "FtzConsumerNoCommit firing" firing FtzConsumerNoCommit
log "member killed: FtzConsumerNoCommit fired after $((SECONDS - t0)) s"
wait_until 30 "FtzConsumerDown firing" firing FtzConsumerDown
firing FtzConsumerLagGrowing && fail "FtzConsumerLagGrowing fired (its bounds are ten minutes)"
log "FtzConsumerDown fired too"
