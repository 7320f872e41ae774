#!/usr/bin/env bash
# A dead letter whose copy does not fit the dead-letter topic never stops
# the consumer. Raw messages near the broker's size limit (a ~1,000,000-byte
# value; a 300,000-byte key with a 740,000-byte value) among valid
# registrations become dead letters (BAD_FRAMING, DECODE_ERROR); the table
# row keeps every byte (length and md5 equal), the topic copy is cut to fit
# and says so in ftz.payload.truncated / ftz.key.truncated (the original
# length); the valid records are counted exactly. Then the dead-letter
# topic's max.message.bytes drops to 200000: the broker refuses the copies,
# the consumer cuts them smaller ("copies are now cut to") and goes on,
# also when a batch holds many dead letters that are each small.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"

G=dlsize
R=$(topic ftz.registry.companies)
D=$(topic ftz.deadletter)
raw() { "$FTZ_PY" "$HERE/rawkafka.py" "$@"; }
FP=$("$FTZ" schema fingerprint --hex "$FTZ_SOURCE_DIR/schemas/registry/CompanyRegistration.v1.avsc" | tr -d ' ')
[[ $FP =~ ^[0-9A-Fa-f]{16}$ ]] || fail "fingerprint: $FP"

produce() { "$FTZ" produce -q -t registration -f "$1" || fail "produce $1 exited $?"; }
send_raw() { # FILE.jsonl OUT: raw messages to the registration topic; OUT: what was sent
  raw send "$FTZ_BROKERS" "$R" <"$1" >"$2" 2>send.err || fail "raw send $1: $(tail -n 3 send.err)"
}
# run NAME: ftz aggregate --until-idle; killed (and the test failed) after 45 s.
run() {
  local name=$1 t0=$SECONDS
  rc=0
  timeout -k 5 45 "$FTZ" aggregate -g "$G" --until-idle 3 >"$name.out" 2>"$name.err" || rc=$?
  log "$name: exit $rc after $((SECONDS - t0)) s: $(grep ' messages in ' "$name.err" | sed 's/.*INFO  STATS //')"
  if ((rc == 124 || rc == 137)); then
    grep -v ' RULES \| assigned \|not delivered' "$name.err" | cut -c 1-220 | head -n 20 >&2
    fail "$name: ftz aggregate did not end within 45 s ($(grep -c 'not committed' "$name.err") batches not committed, $(grep -c 'not delivered' "$name.err") 'not delivered' lines)"
  fi
  assert_eq 0 "$rc" "$name: exit status ($(tail -n 1 "$name.err" | cut -c 1-200))"
}
# check_copies SENT LIMIT: every raw message listed in SENT is a dead letter
# whose row keeps every byte, and whose copies on the dead-letter topic fit
# in LIMIT bytes (key + value) and carry the truncation headers exactly
# when cut. Prints one line per message.
check_copies() {
  q "SELECT source_partition || '|' || source_offset || '|' || code || '|' ||
            coalesce(length(record_key), -1) || '|' || coalesce(length(payload), -1) || '|' ||
            coalesce(md5(record_key), '') || '|' || coalesce(md5(payload), '')
     FROM ftz.dead_letters WHERE source_topic = '$R'" >rows.txt
  raw dump "$FTZ_BROKERS" "$D" >copies.jsonl 2>dump.err || fail "cannot read $D: $(cat dump.err)"
  python3 - "$1" "$2" "$R" <<'PY' || fail "dead letters or their copies are wrong (see above)"
import json, sys
sent_path, limit, topic = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open("rows.txt"):
    p, o, code, klen, vlen, kmd5, vmd5 = line.rstrip("\n").split("|")
    rows[(int(p), int(o))] = (code, int(klen), int(vlen), kmd5, vmd5)
copies = {}
for line in open("copies.jsonl"):
    c = json.loads(line)
    h = c["headers"]
    if h.get("ftz.source.topic") == topic:
        copies.setdefault((int(h["ftz.source.partition"]), int(h["ftz.source.offset"])), []).append(c)
bad = 0
def wrong(msg):
    global bad
    bad += 1
    print("  WRONG: " + msg, file=sys.stderr)
for line in open(sent_path):
    p, o, klen, vlen, kmd5, vmd5 = line.rstrip("\n").split("|")
    p, o, klen, vlen = int(p), int(o), int(klen), int(vlen)
    row = rows.get((p, o))
    if row is None:
        wrong(f"[{p}] @{o}: no row in ftz.dead_letters")
        continue
    code = row[0]
    if row[1:] != (klen, vlen, kmd5, vmd5):
        wrong(f"[{p}] @{o}: row keeps key {row[1]} / payload {row[2]} bytes (md5 {row[3][:8]} {row[4][:8]}), "
              f"sent {klen} / {vlen} ({kmd5[:8]} {vmd5[:8]})")
    cs = copies.get((p, o), [])
    if not cs:
        wrong(f"[{p}] @{o}: no copy on the dead-letter topic")
    for c in cs:
        h = c["headers"]
        ck, cv = c["key_len"] or 0, c["value_len"] or 0
        if any(isinstance(v, dict) for v in h.values()):
            wrong(f"[{p}] @{o}: a header is not valid UTF-8: {h}")
        if h.get("ftz.error.code") != code:
            wrong(f"[{p}] @{o}: copy's code {h.get('ftz.error.code')}, row's {code}")
        if ck + cv > limit:
            wrong(f"[{p}] @{o}: copy of {ck} + {cv} bytes exceeds {limit}")
        for what, n, cn in (("key", klen, ck), ("payload", vlen, cv)):
            hdr = h.get(f"ftz.{what}.truncated")
            if cn < max(n, 0) and hdr != str(n):
                wrong(f"[{p}] @{o}: {what} cut to {cn} of {n} bytes, header ftz.{what}.truncated={hdr}")
            if cn == max(n, 0) and hdr is not None:
                wrong(f"[{p}] @{o}: {what} whole ({cn} bytes) but header ftz.{what}.truncated={hdr}")
    if cs:
        c = cs[-1]
        print(f"  [{p}] @{o} {code}: key {klen} -> {c['key_len']}, value {vlen} -> {c['value_len']}, "
              f"headers {json.dumps({k: v for k, v in c['headers'].items() if k.endswith('truncated')})}, "
              f"{len(cs)} cop{'y' if len(cs) == 1 else 'ies'}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# ---- large junk among valid records, the dead-letter topic at the broker's default limit
"$FTZ" simulate -t registration -n 900 --seed 91 >reg.jsonl
split -n l/6 -d reg.jsonl part.
cat >junk1.jsonl <<EOF
{"key": "JUNK-VALUE-1000000", "value_junk": 1000000, "seed": 1}
{"key": "JUNK-FRAMED-1000000", "value_prefix_hex": "c301$FP", "value_junk": 999990, "seed": 2}
{"key_junk": 300000, "value_junk": 740000, "seed": 3}
EOF
produce part.00
send_raw junk1.jsonl sent1.txt
produce part.01
run big
report_exactness registrations part.00 part.01 || fail "valid records not exact next to large dead letters"
assert_eq "BAD_FRAMING 2
DECODE_ERROR 1" "$(q "SELECT code, count(*) FROM ftz.dead_letters GROUP BY 1 ORDER BY 1" | tr '|' ' ')" "dead letters by code"
# librdkafka's message.max.bytes (1000000) bounds a copy.
check_copies sent1.txt 1000000
grep -c 'ftz.key.truncated' copies.jsonl >/dev/null || fail "no copy with a cut key"

# ---- the dead-letter topic refuses anything above 200000 bytes
raw alter "$FTZ_BROKERS" "$D" max.message.bytes=200000 || fail "cannot set max.message.bytes of $D"
cat >junk2.jsonl <<EOF
{"key": "JUNK-SMALL-TOPIC-1", "value_junk": 1000000, "seed": 11}
{"key_junk": 300000, "value_junk": 740000, "seed": 12}
EOF
produce part.02
send_raw junk2.jsonl sent2.txt
produce part.03
run refused
grep -q "refused a dead-letter copy as too large: copies are now cut to" refused.err \
  || fail "no line about copies now being cut: $(grep WARN refused.err | head -n 3)"
log "$(grep -m 1 'copies are now cut to' refused.err | sed 's/.*KAFKA //')"
report_exactness registrations part.00 part.01 part.02 part.03 || fail "valid records not exact after refused copies"
check_copies sent2.txt 200000

# ---- many dead letters in one batch, each small: together more than the topic takes
# One key: one source partition, so one batch, and one partition of the
# dead-letter topic (copies keep their key), whose producer packs them into
# request batches of up to librdkafka's batch.size (1000000 bytes).
for i in $(seq 120); do
  printf '{"key": "JUNK-MANY", "value_junk": 3000, "seed": %d}\n' $((100 + i))
done >junk3.jsonl
produce part.04
send_raw junk3.jsonl sent3.txt
produce part.05
run many
report_exactness registrations part.00 part.01 part.02 part.03 part.04 part.05 || fail "valid records not exact after many dead letters"
check_copies sent3.txt 200000 2>/dev/null
assert_eq 125 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters in all"
