#!/usr/bin/env bash
# Customs declarations end to end, exactly: revisions (a newer one replaces,
# a stale one and an exact re-send change nothing, CANCELLED counts nowhere),
# Shanghai days, invalid input at the producer and invalid records reaching
# the consumer (dead-lettered, never counted), and a second run of the same
# group that changes nothing.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

rec() { # id rev status area dir hs origin dest mode value weight filed cleared
  local cleared=null
  [[ -n "${13:-}" ]] && cleared="\"${13}\""
  printf '{"declaration_id":"%s","revision":%s,"status":"%s","area":"%s","direction":"%s","hs_code":"%s","origin_country":"%s","destination_country":"%s","transport_mode":"%s","declared_value_cny":"%s","gross_weight_kg":%s,"filed_at":"%s","cleared_at":%s,"event_time":"%s"}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${11}" "${12}" "$cleared" "${13:-${12}}"
}

# First wave: first revisions.
{
  rec X1 1 FILED DALIAN EXPORT 392321 CN JP SEA 1000.00 10.5 2026-11-01T01:00:00Z
  rec Y1 3 CLEARED YINGKOU IMPORT 440321 RU CN RAIL 2500.10 2000.25 2026-11-01T02:00:00Z 2026-11-01T05:30:00Z
  rec Z1 1 HELD SHENYANG IMPORT 870899 DE CN RAIL 777.77 55 2026-11-01T03:00:00Z
  rec Z1 1 HELD SHENYANG IMPORT 870899 DE CN RAIL 777.77 55 2026-11-01T03:00:00Z
  rec C1 1 CLEARED DALIAN EXPORT 851762 CN KR AIR 300.00 1.25 2026-11-01T04:00:00Z 2026-11-01T04:45:10Z
  rec D1 1 CLEARED DALIAN EXPORT 392321 CN JP SEA 0.07 0.1 2026-11-01T17:30:00Z 2026-11-01T20:00:00Z
} >wave1.jsonl
# Second wave: X1 replaced, a stale Y1, C1 cancelled, Z1 re-sent again.
{
  rec X1 2 CLEARED DALIAN EXPORT 392321 CN JP SEA 1200.00 11.5 2026-11-01T01:00:00Z 2026-11-01T09:00:00Z
  rec Y1 2 HELD YINGKOU IMPORT 440321 RU CN RAIL 99999.99 1 2026-11-01T02:00:00Z
  rec C1 2 CANCELLED DALIAN EXPORT 851762 CN KR AIR 300.00 1.25 2026-11-01T04:00:00Z
  rec Z1 1 HELD SHENYANG IMPORT 870899 DE CN RAIL 777.77 55 2026-11-01T03:00:00Z
} >wave2.jsonl

"$FTZ" produce -q -t customs -f wave1.jsonl || fail "produce wave1 exited $?"
"$FTZ" aggregate -q -g g1 --until-idle 3 || fail "first aggregate exited $?"
assert_daily wave1.jsonl
assert_eq "CLEARED|1" "$(q "SELECT status, revision FROM ftz.customs_declarations WHERE declaration_id = 'C1'")" "C1 state after wave 1"
assert_eq "2026-11-02" "$(q "SELECT day FROM ftz.customs_declarations WHERE declaration_id = 'D1'")" "D1 is counted on its Shanghai day"

"$FTZ" produce -q -t customs -f wave2.jsonl || fail "produce wave2 exited $?"
"$FTZ" simulate -t customs -n 3000 --seed 11 >sim.jsonl
"$FTZ" produce -q -t customs -f sim.jsonl || fail "produce sim exited $?"

# Invalid lines at the producer: reported FILE:LINE, not sent, exit 3.
{
  rec P1 1 FILED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec P2 1 FILED DALIAN EXPORT 770000 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  echo '{"declaration_id": "P3", "revision": 1'
  rec P4 1 CLEARED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec P5 1 FILED DALIAN EXPORT 392321 CN XX SEA 10.00 1 2026-11-02T01:00:00Z
  rec P6 1 FILED HARBIN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec P7 1 FILED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
} >mixed.jsonl
set +e
"$FTZ" produce -q -t customs -f mixed.jsonl --rejects rejects.jsonl 2>produce.err
rc=$?
set -e
assert_eq 3 "$rc" "produce exit status with rejected lines"
grep -q '^mixed.jsonl:2: RULE_HS_CODE hs_code: "770000" is in chapter 77' produce.err || fail "no clear error for line 2: $(cat produce.err)"
grep -q '^mixed.jsonl:3: BAD_JSON ' produce.err || fail "no clear error for line 3: $(cat produce.err)"
grep -q '^mixed.jsonl:4: RULE_CLEARED_AT cleared_at: missing' produce.err || fail "no clear error for line 4"
grep -q '^mixed.jsonl:5: RULE_COUNTRY_CODE destination_country: "XX"' produce.err || fail "no clear error for line 5"
grep -q '^mixed.jsonl:6: BAD_JSON field area: "HARBIN" is not one of' produce.err || fail "no clear error for line 6"
assert_eq 5 "$(wc -l <rejects.jsonl)" "rejected lines written as read"
grep -E '"P(1|7)"' mixed.jsonl >mixed-good.jsonl

# Invalid records reaching the consumer, past the encoder.
T=$(topic ftz.customs.declarations)
kcat -b "$FTZ_BROKERS" -C -t "$T" -p 0 -o beginning -c 1 -e -q -f '%s' >good.bin
[[ -s good.bin ]] || fail "could not read back an encoded record"
printf 'this is not avro' >garbage.bin
python3 - <<'PY'
d = open("good.bin", "rb").read()
open("magic.bin", "wb").write(b"\xc3\x02" + d[2:])
fp = bytearray(d); fp[4] ^= 0xFF; open("unknownfp.bin", "wb").write(bytes(fp))
open("truncated.bin", "wb").write(d[:20])
PY
for f in garbage magic unknownfp truncated; do
  kcat -b "$FTZ_BROKERS" -P -t "$T" -k "RAW-$f" "$f.bin"
done
kcat -b "$FTZ_BROKERS" -P -t "$T" -k "NOT-THE-ID" good.bin
echo "RAW-empty:" | kcat -b "$FTZ_BROKERS" -P -t "$T" -K: -Z   # a NULL value
# Records that map to the schema but break rules, sent with --skip-rules.
{
  rec R1 1 FILED DALIAN EXPORT 770000 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec R2 1 FILED DALIAN EXPORT 392321 CN XX SEA 10.00 1 2026-11-02T01:00:00Z
  rec R3 1 FILED DALIAN EXPORT 392321 CN JP SEA -10.00 1 2026-11-02T01:00:00Z
  rec R4 1 CLEARED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec R5 0 FILED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T01:00:00Z
  rec R6 1 CLEARED DALIAN EXPORT 392321 CN JP SEA 10.00 1 2026-11-02T05:00:00Z 2026-11-02T04:00:00Z
} >rulebreakers.jsonl
"$FTZ" produce -q -t customs --skip-rules -f rulebreakers.jsonl || fail "produce --skip-rules exited $?"

"$FTZ" aggregate -q -g g1 --until-idle 3 || fail "second aggregate exited $?"
assert_daily wave1.jsonl wave2.jsonl sim.jsonl mixed-good.jsonl
assert_eq "CLEARED|2" "$(q "SELECT status, revision FROM ftz.customs_declarations WHERE declaration_id = 'X1'")" "X1 replaced by revision 2"
assert_eq "CLEARED|3" "$(q "SELECT status, revision FROM ftz.customs_declarations WHERE declaration_id = 'Y1'")" "stale Y1 revision 2 ignored"
assert_eq "CANCELLED|2" "$(q "SELECT status, revision FROM ftz.customs_declarations WHERE declaration_id = 'C1'")" "C1 cancelled"

expected_dead="BAD_FRAMING|RAW-empty
BAD_FRAMING|RAW-garbage
BAD_FRAMING|RAW-magic
DECODE_ERROR|RAW-truncated
RULE_CLEARED_AT|R4
RULE_CLEARED_AT|R6
RULE_COUNTRY_CODE|R2
RULE_HS_CODE|R1
RULE_KEY_MISMATCH|NOT-THE-ID
RULE_NEGATIVE_AMOUNT|R3
RULE_REVISION|R5
UNKNOWN_SCHEMA|RAW-unknownfp"
assert_eq "$expected_dead" "$(q "SELECT code, convert_from(record_key, 'UTF8') FROM ftz.dead_letters ORDER BY 1, 2")" "dead letters"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters WHERE reason = '' OR source_topic <> '$T'")" "every dead letter has a reason and its source"
assert_eq "t" "$(q "SELECT payload = decode('$(od -An -tx1 -v good.bin | tr -d ' \n')', 'hex') FROM ftz.dead_letters WHERE code = 'RULE_KEY_MISMATCH'")" "dead letter keeps the original bytes"
grep -q "hs_code" <<<"$(q "SELECT reason FROM ftz.dead_letters WHERE code = 'RULE_HS_CODE'")" || fail "RULE_HS_CODE reason does not name the field"

# The dead-letter topic holds each of them at least once, original key and
# value, with the error and source in headers.
"$FTZ" consume -q -t deadletter -e >dlq.jsonl || fail "ftz consume of the dead-letter topic exited $?"
python3 - "$T" <<'PY' || fail "dead-letter topic check failed"
import json, sys
topic = sys.argv[1]
seen = set()
for line in open("dlq.jsonl"):
    m = json.loads(line)
    h = m.get("headers", {})
    for k in ("ftz.error.code", "ftz.error.reason", "ftz.source.topic", "ftz.source.partition", "ftz.source.offset"):
        assert h.get(k), f"header {k} missing in {m}"
    assert h["ftz.source.topic"] == topic, h
    seen.add((h["ftz.error.code"], m.get("key") or m.get("key_hex")))
want = {("BAD_FRAMING", "RAW-empty"), ("BAD_FRAMING", "RAW-garbage"), ("BAD_FRAMING", "RAW-magic"),
        ("DECODE_ERROR", "RAW-truncated"), ("RULE_CLEARED_AT", "R4"), ("RULE_CLEARED_AT", "R6"),
        ("RULE_COUNTRY_CODE", "R2"), ("RULE_HS_CODE", "R1"), ("RULE_KEY_MISMATCH", "NOT-THE-ID"),
        ("RULE_NEGATIVE_AMOUNT", "R3"), ("RULE_REVISION", "R5"), ("UNKNOWN_SCHEMA", "RAW-unknownfp")}
missing = want - seen
assert not missing, f"not on the dead-letter topic: {sorted(missing)}"
PY

# The same group again: nothing new, nothing changes.
snapshot=$(customs_daily; q "SELECT count(*), sum(next_offset) FROM ftz.consumer_offsets")
"$FTZ" aggregate -g g1 --until-idle 3 2>rerun.err || fail "third aggregate exited $?"
grep -q "0 messages in 0 batches" rerun.err || fail "a rerun of the same group consumed again: $(grep messages rerun.err)"
assert_eq "$snapshot" "$(customs_daily; q "SELECT count(*), sum(next_offset) FROM ftz.consumer_offsets")" "a second run changed the tables"

# Every record sent again (e.g. a source re-sending its export): no change.
"$FTZ" produce -q -t customs -f sim.jsonl
"$FTZ" produce -q -t customs -f wave1.jsonl
"$FTZ" aggregate -q -g g1 --until-idle 3
report_exactness customs wave1.jsonl wave2.jsonl sim.jsonl mixed-good.jsonl
assert_daily wave1.jsonl wave2.jsonl sim.jsonl mixed-good.jsonl
assert_eq 12 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters after re-send"

# A second group on the same database would count everything twice: refused.
set +e
"$FTZ" aggregate -g another-group --until-idle 1 2>other.err
rc=$?
set -e
assert_eq 1 "$rc" "a second consumer group is refused"
grep -q 'already aggregates .* for consumer group "g1"' other.err || fail "no clear error for a second group: $(cat other.err)"
