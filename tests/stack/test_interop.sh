#!/usr/bin/env bash
# Records written by an independent Avro implementation (fastavro, single-
# object encoding, produced with confluent-kafka) are aggregated exactly like
# the project's own, on a topic that mixes schema versions 1 and 2 of
# CustomsDeclaration from both writers; rail and registration records too.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"
S=$FTZ_SOURCE_DIR/schemas
py() { "$FTZ_PY" "$FTZ_SOURCE_DIR/tests/interop/avro_py.py" "$@"; }

"$FTZ" simulate -t customs -n 4000 --seed 41 --revision-rate 0.3 >customs.jsonl
# Four writers, interleaved in file order: ftz v2, ftz v1, fastavro v1, fastavro v2.
# A declaration's revisions may come from different writers and versions; the
# parts are produced one after the other so each declaration's order holds.
split -n l/4 -d customs.jsonl part.
"$FTZ" produce -q -t customs -f part.00 || fail "ftz produce (v2) exited $?"
# A v1 writer's input has no v2 field: ftz produce --schema-version 1 refuses
# a line with customs_office rather than drop it.
sed -E 's/"customs_office":"[^"]*",//' part.01 >part.01.v1
"$FTZ" produce -q -t customs --schema-version 1 -f part.01.v1 || fail "ftz produce (v1) exited $?"
py produce "$FTZ_BROKERS" "$(topic ftz.customs.declarations)" "$S/customs/CustomsDeclaration.v1.avsc" <part.02 \
  || fail "fastavro produce (v1) failed"
# v2 from fastavro, with the new field filled in on some records.
python3 - <<'PY'
import json
with open("part.03") as src, open("part.03.v2", "w") as dst:
    for i, line in enumerate(src):
        r = json.loads(line)
        if i % 2 == 0:
            r["customs_office"] = "0900"
        dst.write(json.dumps(r) + "\n")
PY
py produce "$FTZ_BROKERS" "$(topic ftz.customs.declarations)" "$S/customs/CustomsDeclaration.v2.avsc" <part.03.v2 \
  || fail "fastavro produce (v2) failed"

"$FTZ" aggregate -q -g interop --until-idle 3 || fail "aggregate exited $?"
assert_daily customs.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "no dead letters"

# Both schema versions really are on the topic, from both writers.
"$FTZ" consume -q -t customs -e >consumed.jsonl
python3 - "$S" <<'PY' || fail "the topic does not carry both versions"
import json, sys
offices = sum(1 for l in open("consumed.jsonl") if json.loads(l)["record"].get("customs_office") == "0900")
assert offices > 0, "no v2 record with customs_office"
PY
"$FTZ_PY" - "$FTZ_BROKERS" "$(topic ftz.customs.declarations)" "$("$FTZ" schema fingerprint --hex "$S/customs/CustomsDeclaration.v1.avsc")" "$("$FTZ" schema fingerprint --hex "$S/customs/CustomsDeclaration.v2.avsc")" <<'PY' || fail "the topic does not carry both schema versions"
import sys
from confluent_kafka import Consumer, TopicPartition
brokers, topic, v1, v2 = sys.argv[1:5]
want = {bytes.fromhex(v1.replace(" ", "")): "v1", bytes.fromhex(v2.replace(" ", "")): "v2"}
c = Consumer({"bootstrap.servers": brokers, "group.id": "interop-check", "enable.auto.commit": False})
md = c.list_topics(topic, timeout=10)
c.assign([TopicPartition(topic, p, 0) for p in md.topics[topic].partitions])
seen, idle = {}, 0
while idle < 5:
    m = c.poll(1.0)
    if m is None:
        idle += 1
        continue
    idle = 0
    if not m.error():
        v = want.get(m.value()[2:10], "other")
        seen[v] = seen.get(v, 0) + 1
c.close()
print("records per schema version:", seen, file=sys.stderr)
assert seen.get("v1", 0) > 0 and seen.get("v2", 0) > 0 and "other" not in seen, seen
PY

# Rail and registrations from fastavro, aggregated like ftz's own.
"$FTZ" simulate -t rail -n 3000 --seed 42 >rail.jsonl
"$FTZ" simulate -t registration -n 2000 --seed 43 >reg.jsonl
head -1500 rail.jsonl >rail.a; tail -n +1501 rail.jsonl >rail.b
"$FTZ" produce -q -t rail -f rail.a || fail "ftz produce rail exited $?"
py produce "$FTZ_BROKERS" "$(topic ftz.rail.events)" "$S/rail/RailEvent.v1.avsc" <rail.b || fail "fastavro rail failed"
head -1000 reg.jsonl >reg.a; tail -n +1001 reg.jsonl >reg.b
py produce "$FTZ_BROKERS" "$(topic ftz.registry.companies)" "$S/registry/CompanyRegistration.v1.avsc" <reg.a || fail "fastavro registrations failed"
"$FTZ" produce -q -t registration -f reg.b || fail "ftz produce registration exited $?"
"$FTZ" aggregate -q -g interop --until-idle 3 || fail "aggregate exited $?"
assert_table rail rail.jsonl
assert_table registrations reg.jsonl
assert_daily customs.jsonl
