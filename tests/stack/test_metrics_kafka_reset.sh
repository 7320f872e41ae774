#!/usr/bin/env bash
# The offsets committed to Kafka for information follow PostgreSQL's after
# `ftz offsets reset --to latest` on partitions that get no new message:
# once the member is caught up, Kafka's committed offsets equal the stored
# ones (kafka-consumer-groups and lag exporters show no lag that is not
# there). (Found by the break-it pass.)
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"
G=brk
T=$(topic ftz.rail.events)
"$FTZ" simulate -t rail -n 900 --seed 8 --resend-rate 0 >rail.jsonl
head -n 300 rail.jsonl >first.jsonl
tail -n 600 rail.jsonl >second.jsonl
kafka_committed() {
  "$FTZ_PY" - "$FTZ_BROKERS" "$G" "$T" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2]})
print(",".join(str(tp.offset) for tp in c.committed([TopicPartition(sys.argv[3], p) for p in range(3)], timeout=20)))
c.close()
PY
}
pg_offsets() { q "SELECT string_agg(next_offset::text, ',' ORDER BY partition) FROM ftz.consumer_offsets WHERE topic = '$T'"; }
produce_checked rail first.jsonl
"$FTZ" aggregate -q -g "$G" -t rail --until-idle 2 || fail "first drain failed"
assert_eq "$(pg_offsets)" "$(kafka_committed)" "Kafka = PostgreSQL after a drain"
produce_checked rail second.jsonl
"$FTZ" offsets reset -g "$G" --topic "$T" --to latest --reason "skip the backlog" >reset.out \
  || fail "offsets reset: $(cat reset.out)"
member_start m "$G" -t rail
kafka_follows() { [[ $(kafka_committed) == "$(pg_offsets)" ]]; }
end=$((SECONDS + 30))
until kafka_follows; do
  ((SECONDS < end)) || break
  sleep 1
done
if ! kafka_follows; then
  fail "30 s after the reset, member caught up: Kafka committed $(kafka_committed), PostgreSQL $(pg_offsets)"
fi
