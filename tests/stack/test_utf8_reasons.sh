#!/usr/bin/env bash
# No dead letter ever stops the consumer, whatever bytes its reason quotes:
# (a) registrations written raw with fastavro (ftz produce refuses them at
#     the source) whose uscc holds a full-width digit or a CJK character:
#     RULE_USCC_CHECKSUM, with a valid UTF-8 reason that quotes the whole
#     character; the records behind them are counted.
# (b) PostgreSQL refusing one company with a message longer than 511 bytes
#     of Chinese (an operator's trigger, SQLSTATE 23514): SINK_REJECTED with
#     a valid UTF-8 reason; the rest counted.
# (c) two new companies that pass alone and fail together (an operator's
#     unique index on a prefix of the uscc): the second is SINK_REJECTED, the
#     first counted, the run exits 0.
# (d) dead letters whose key holds a NUL byte or invalid UTF-8: `ftz
#     deadletters list`, summary and export work, keys shown escaped.
# Every run's counts are exact against the oracle.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 1 # one partition: "first" and "second" are offsets
cd "$WORK"

G=utf8
R=$(topic ftz.registry.companies)
D=$(topic ftz.deadletter)
SCHEMA=$FTZ_SOURCE_DIR/schemas/registry/CompanyRegistration.v1.avsc
raw() { "$FTZ_PY" "$HERE/rawkafka.py" "$@"; }
produce() { "$FTZ" produce -q -t registration -f "$1" || fail "produce $1 exited $?"; }
fastavro_produce() { # FILE: registrations written by fastavro, keyed by their uscc
  "$FTZ_PY" "$FTZ_SOURCE_DIR/tests/interop/avro_py.py" produce "$FTZ_BROKERS" "$R" "$SCHEMA" <"$1" 2>fastavro.err \
    || fail "fastavro produce $1: $(cat fastavro.err)"
}
run() { # NAME: ftz aggregate --until-idle, must exit 0 (killed after 45 s)
  local name=$1 t0=$SECONDS
  rc=0
  timeout -k 5 45 "$FTZ" aggregate -g "$G" --until-idle 3 >"$name.out" 2>"$name.err" || rc=$?
  log "$name: exit $rc after $((SECONDS - t0)) s: $(grep ' messages in ' "$name.err" | sed 's/.*INFO  STATS //')"
  ((rc == 0)) || fail "$name: ftz aggregate exited $rc: $(grep -v ' INFO ' "$name.err" | tail -n 5 | cut -c 1-300)"
}
# reason_of KEY: code|reason of the dead letter with that key (UTF-8 text)
reason_of() { q "SELECT code || '|' || reason FROM ftz.dead_letters WHERE record_key = convert_to('$1', 'UTF8')"; }
# valid_utf8: stdin is valid UTF-8 without NUL (exit status)
valid_utf8() { python3 -c 'import sys; b = sys.stdin.buffer.read(); b.decode("utf-8"); sys.exit(b"\0" in b)'; }
without() { # FIELD VALUE FILE: the lines of FILE whose FIELD is not VALUE
  python3 -c 'import json, sys
f, v = sys.argv[1], sys.argv[2]
for line in open(sys.argv[3], encoding="utf-8"):
    if json.loads(line)[f] != v:
        sys.stdout.write(line)' "$@"
}

"$FTZ" simulate -t registration -n 1200 --seed 93 --resend-rate 0 >reg.jsonl
split -n l/8 -d reg.jsonl part.

# ---- (a) a full-width digit or a CJK character in the uscc, written by fastavro
python3 - <<'PY'
import json
base = json.loads(open("reg.jsonl", encoding="utf-8").readline())
cases = [
    ("91210200MA0FW01" + "\uff11", "has 16 characters"),   # 15 ASCII + full-width 1: 18 bytes
    ("\u4e2d" + "91210200MA0CJK1", "has 16 characters"),   # CJK first, then 15 ASCII: 18 bytes
    ("91210200MA0FW0Q0" + "N" + "\uff10", "character 18 '\uff10' is not allowed"),  # 18 characters, 20 bytes
    ("\u4f01\u4e1a" + "210200MA0CJK0X" + "0Y", "character 1 '\u4f01' is not allowed"),
]
with open("bad_uscc.jsonl", "w", encoding="utf-8") as out, \
        open("bad_uscc.expected", "w", encoding="utf-8") as exp:
    for uscc, want in cases:
        out.write(json.dumps(dict(base, uscc=uscc), ensure_ascii=False) + "\n")
        exp.write(f"{uscc}|{want}\n")
PY
produce part.00
fastavro_produce bad_uscc.jsonl
produce part.01
run a
while IFS='|' read -r uscc want; do
  got=$(reason_of "$uscc")
  [[ $got == RULE_USCC_CHECKSUM\|* ]] || fail "uscc $uscc: expected RULE_USCC_CHECKSUM, got [$got]"
  [[ $got == *"\"$uscc\""* ]] || fail "uscc $uscc: the reason does not quote it whole: [$got]"
  [[ $got == *"$want"* ]] || fail "uscc $uscc: the reason lacks [$want]: [$got]"
  log "(a) ${got#*|}"
done <bad_uscc.expected
report_exactness registrations part.00 part.01 || fail "(a) valid records not exact"

# ---- (b) PostgreSQL refuses one company with a long multi-byte message
victim=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[40])["uscc"])' part.02)
q "CREATE FUNCTION public.ftz_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
     IF NEW.uscc = '$victim' THEN
       RAISE EXCEPTION USING ERRCODE = '23514',
         MESSAGE = '运营方规则拒绝了这家企业：' || repeat('统一社会信用代码不符合本自贸片区的登记要求，', 30) || NEW.uscc;
     END IF;
     RETURN NEW;
   END \$\$;
   CREATE TRIGGER ftz_test_refuse BEFORE INSERT ON ftz.companies
     FOR EACH ROW EXECUTE FUNCTION public.ftz_test_refuse();" >/dev/null
msg_bytes=$(q "SELECT octet_length('运营方规则拒绝了这家企业：' || repeat('统一社会信用代码不符合本自贸片区的登记要求，', 30))")
((msg_bytes > 511)) || fail "the trigger's message is only $msg_bytes bytes"
produce part.02
produce part.03
run b
got=$(reason_of "$victim")
log "(b) server message of $msg_bytes bytes -> reason of $(printf '%s' "${got#*|}" | wc -c) bytes: $(printf '%s' "${got#*|}" | python3 -c 'import sys; r = sys.stdin.read(); print(r[:60] + " ... " + r[-30:])')"
[[ $got == SINK_REJECTED\|* ]] || fail "victim $victim: expected SINK_REJECTED, got [$got]"
[[ $got == *运营方规则拒绝了这家企业* ]] || fail "the reason lacks the server's message: [$got]"
printf '%s' "$got" | valid_utf8 || fail "the reason is not valid UTF-8"
# Cut on a character boundary: no byte of a multi-byte character escaped.
grep -q '\\x[89A-F][0-9A-F]' <<<"$got" && fail "the reason cuts a character: [$got]"
grep -q "SINK_REJECTED" b.err || fail "no SINK_REJECTED line in the log"
grep "SINK_REJECTED" b.err | valid_utf8 || fail "the log line is not valid UTF-8"
without uscc "$victim" part.02 >part.02.kept
report_exactness registrations part.00 part.01 part.02.kept part.03 || fail "(b) not exact"
q "DROP TRIGGER ftz_test_refuse ON ftz.companies" >/dev/null

# ---- (c) two companies that each pass alone and fail together
read -r first second < <(python3 - part.04 <<'PY'
import json, sys
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def check(body):
    c = 31 - sum(CHARSET.index(ch) * w for ch, w in zip(body, W)) % 31
    return CHARSET[0 if c == 31 else c]
lines = open(sys.argv[1], encoding="utf-8").readlines()
a = json.loads(lines[30])
body = a["uscc"][:16] + ("X" if a["uscc"][16] != "X" else "Y")
b = dict(json.loads(lines[90]), uscc=body + check(body))   # its own other fields
lines[90] = json.dumps(b, ensure_ascii=False) + "\n"
open(sys.argv[1], "w", encoding="utf-8").writelines(lines)
print(a["uscc"], b["uscc"])
PY
)
[[ -n $second && ${first:0:16} == "${second:0:16}" ]] || fail "no twin uscc: [$first] [$second]"
q "CREATE UNIQUE INDEX ftz_test_uscc16 ON ftz.companies (substr(uscc, 1, 16))" >/dev/null \
  || fail "cannot create the operator's unique index"
produce part.04
run c
assert_eq "" "$(reason_of "$first")" "dead letter of the first twin"
got=$(reason_of "$second")
[[ $got == SINK_REJECTED\|*ftz_test_uscc16* ]] || fail "second twin $second: expected SINK_REJECTED naming the index, got [$got]"
log "(c) $first counted, $second: ${got#*|}"
assert_eq 1 "$(q "SELECT count(*) FROM ftz.companies WHERE uscc = '$first'")" "the first twin counted"
without uscc "$second" part.04 >part.04.kept
report_exactness registrations part.00 part.01 part.02.kept part.03 part.04.kept || fail "(c) not exact"

# ---- (d) keys with a NUL byte, invalid UTF-8, a newline
"$FTZ_PY" - "$SCHEMA" part.05 <<'PY' >odd_keys.jsonl
import io, json, os, sys
sys.path.insert(0, os.path.join(os.environ["FTZ_SOURCE_DIR"], "tests", "interop"))
import fastavro
from avro_py import fp_bytes, load, to_datum
schema = load(sys.argv[1])
parsed = fastavro.parse_schema(schema)
header = b"\xc3\x01" + fp_bytes(schema)
recs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")][:4]
def avro(r):
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, to_datum(schema, r))
    return (header + buf.getvalue()).hex()
keys = [b"K\x00NUL-" + recs[0]["uscc"].encode(), b"K\xff\xfeBAD", b"\xe4\xb8", "企业\n换行".encode()]
for k, r in zip(keys, recs):   # a valid record under a key that is not its uscc
    print(json.dumps({"key_hex": k.hex(), "value_hex": avro(r)}))
print(json.dumps({"key_hex": b"J\x00UNK".hex(), "value_junk": 500, "seed": 7}))
PY
raw send "$FTZ_BROKERS" "$R" <odd_keys.jsonl >odd_sent.txt 2>send.err || fail "raw send: $(cat send.err)"
produce part.06
run d
assert_eq "RULE_KEY_MISMATCH 4" "$(q "SELECT code, count(*) FROM ftz.dead_letters WHERE code = 'RULE_KEY_MISMATCH' GROUP BY 1" | tr '|' ' ')" "dead letters with odd keys"
rc=0
"$FTZ" deadletters list --limit 0 >list.out 2>list.err || rc=$?
assert_eq 0 "$rc" "ftz deadletters list exit status ($(cat list.err))"
assert_eq "$(q "SELECT count(*) FROM ftz.dead_letters")" "$(wc -l <list.out)" "lines of ftz deadletters list"
valid_utf8 <list.out || fail "ftz deadletters list printed invalid UTF-8"
for want in 'key=K\x00NUL-' 'key=K\xFF\xFEBAD ' 'key=\xE4\xB8 ' 'key=企业\x0A换行 ' 'key=J\x00UNK BAD_FRAMING'; do
  grep -qF -- "$want" list.out || fail "ftz deadletters list lacks [$want]: $(grep -v USCC list.out | cut -c 1-160)"
done
log "(d) ftz deadletters list:"
grep -F -e '\x' -e '换行' list.out | cut -c 1-200 >&2
rc=0
"$FTZ" deadletters list --code RULE_KEY_MISMATCH >list-code.out 2>list.err || rc=$?
assert_eq 0 "$rc" "ftz deadletters list --code exit status ($(cat list.err))"
assert_eq 4 "$(wc -l <list-code.out)" "lines of ftz deadletters list --code RULE_KEY_MISMATCH"
rc=0
"$FTZ" deadletters summary >summary.out 2>summary.err || rc=$?
assert_eq 0 "$rc" "ftz deadletters summary exit status ($(cat summary.err))"
grep -q "^RULE_KEY_MISMATCH .* 4\$" summary.out || fail "summary: $(cat summary.out)"
assert_eq "$(q "SELECT count(*) FROM ftz.dead_letters")" "$(awk '$1 == "total" { print $2 }' summary.out)" "summary total"
rc=0
"$FTZ" deadletters export -t registration >export.jsonl 2>export.err || rc=$?
assert_eq 0 "$rc" "ftz deadletters export exit status ($(cat export.err))"
grep -q "did not decode" export.err || fail "export: $(cat export.err)"
decodable=$(q "SELECT count(*) FROM ftz.dead_letters WHERE code NOT IN ('BAD_FRAMING', 'DECODE_ERROR')")
assert_eq "$decodable" "$(wc -l <export.jsonl)" "records exported"
log "(d) export: $(cat export.err)"
report_exactness registrations part.00 part.01 part.02.kept part.03 part.04.kept part.06 || fail "(d) not exact"

# Every reason on the dead-letter topic is valid UTF-8, too.
raw dump "$FTZ_BROKERS" "$D" >copies.jsonl 2>dump.err || fail "cannot read $D: $(cat dump.err)"
python3 - <<'PY' || fail "a dead-letter copy has a header that is not valid UTF-8"
import json, sys
n = 0
for line in open("copies.jsonl"):
    h = json.loads(line)["headers"]
    n += 1
    if any(isinstance(v, dict) for v in h.values()):
        print("invalid UTF-8 header:", h, file=sys.stderr)
        sys.exit(1)
print(f"{n} copies, every header valid UTF-8", file=sys.stderr)
PY
