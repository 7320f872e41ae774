#!/usr/bin/env bash
# The command line follows kcat and the PostgreSQL tools where they agree,
# for every command: -V/--version prints the version of CMakeLists.txt;
# every diagnostic of a command is "ftz CMD: MESSAGE", with, when there is
# one, the hint line "ftz CMD: hint: HINT" (pg_dump's "error:"/"hint:");
# an unknown option or a missing value is one line naming the command and
# the hint `Try "ftz CMD --help"`, exit 2; -X list shows librdkafka's properties;
# -F FILE reads librdkafka properties (a bad one is named, exit 1 or 2); consume's
# -c is a count, as in kcat. Needs no stack.
set -euo pipefail
: "${FTZ_BIN:?}" "${FTZ_SOURCE_DIR:?}"
FTZ=$FTZ_BIN
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "[test_conventions] FAIL: $*" >&2; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

want=$(sed -n 's/^project(ftz_pipeline VERSION \([0-9.]*\).*/\1/p' "$FTZ_SOURCE_DIR/CMakeLists.txt")
[[ -n $want ]] || fail "no version in CMakeLists.txt"
[[ $("$FTZ" -V) == "ftz $want" && $("$FTZ" --version) == "ftz $want" ]] || fail "ftz -V"
for cmd in produce simulate aggregate check consume db deadletters offsets report schema topics; do
  for v in -V --version; do
    out=$("$FTZ" "$cmd" "$v") || fail "ftz $cmd $v exited $?"
    [[ $out == "ftz $want" ]] || fail "ftz $cmd $v printed [$out], want [ftz $want]"
  done
  rc=0
  "$FTZ" "$cmd" --no-such-option >"$WORK/out" 2>"$WORK/err" || rc=$?
  [[ $rc == 2 ]] || fail "ftz $cmd --no-such-option exited $rc, want 2"
  [[ $(wc -l <"$WORK/err") == 2 ]] || fail "ftz $cmd --no-such-option: $(cat "$WORK/err")"
  [[ $(head -n 1 "$WORK/err") == "ftz $cmd: unknown option --no-such-option" ]] \
    || fail "ftz $cmd: first line: $(head -n 1 "$WORK/err")"
  [[ $(tail -n 1 "$WORK/err") == "ftz $cmd: hint: Try \"ftz $cmd --help\"" ]] \
    || fail "ftz $cmd: no hint line: $(cat "$WORK/err")"
  [[ ! -s $WORK/out ]] || fail "ftz $cmd --no-such-option wrote to stdout"
  # --help fits an 80-column terminal (and the man pages made from it).
  wide=$("$FTZ" "$cmd" --help | awk 'length > 79 {print length ": " $0}')
  [[ -z $wide ]] || fail "ftz $cmd --help has lines wider than 79 columns: $wide"
done
wide=$("$FTZ" --help | awk 'length > 79 {print length ": " $0}')
[[ -z $wide ]] || fail "ftz --help has lines wider than 79 columns: $wide"
# The same two lines for ftz itself, and for a bad common option.
rc=0
"$FTZ" nosuchcommand 2>"$WORK/err" || rc=$?
[[ $rc == 2 && $(cat "$WORK/err") == $'ftz: unknown command "nosuchcommand"\nftz: hint: Try "ftz --help"' ]] \
  || fail "unknown command: exit $rc, $(cat "$WORK/err")"
rc=0
"$FTZ" consume -t rail -X no-equals-sign 2>"$WORK/err" || rc=$?
[[ $rc == 2 && $(wc -l <"$WORK/err") == 2 ]] && grep -q '^ftz consume: -X ' "$WORK/err" \
  && [[ $(tail -n 1 "$WORK/err") == 'ftz consume: hint: Try "ftz consume --help"' ]] \
  || fail "-X without =: exit $rc, $(cat "$WORK/err")"
# Runtime errors, in the same format (none of these needs a stack): with a
# hint (what to do), and without one (one line).
rc=0
"$FTZ" report --format html --chartjs "$WORK/no-chart.js" >"$WORK/out" 2>"$WORK/err" || rc=$?
[[ $rc == 1 && $(wc -l <"$WORK/err") == 2 ]] \
  && [[ $(head -n 1 "$WORK/err") == "ftz report: cannot read Chart.js at $WORK/no-chart.js: No such file or directory" ]] \
  && [[ $(tail -n 1 "$WORK/err") == "ftz report: hint: Install Debian's libjs-chart.js, or name the file with --chartjs or FTZ_CHARTJS" ]] \
  || fail "report without Chart.js: exit $rc, $(cat "$WORK/err")"
rc=0
"$FTZ" deadletters list --code NO_SUCH_CODE 2>"$WORK/err" || rc=$?
[[ $rc == 2 && $(cat "$WORK/err") == $'ftz deadletters: no verdict code "NO_SUCH_CODE"\nftz deadletters: hint: "ftz deadletters codes" lists the codes' ]] \
  || fail "deadletters --code: exit $rc, $(cat "$WORK/err")"
mkdir "$WORK/adir"
rc=0
"$FTZ" produce -t rail "$WORK/adir" 2>"$WORK/err" || rc=$?
[[ $rc == 1 && $(cat "$WORK/err") == "ftz produce: $WORK/adir: Is a directory" ]] \
  || fail "produce a directory: exit $rc, $(cat "$WORK/err")"
rc=0
"$FTZ" aggregate --batch 2>"$WORK/err" || rc=$?
[[ $rc == 2 ]] && grep -qx "ftz aggregate: option --batch needs a value" "$WORK/err" \
  || fail "missing value: exit $rc, $(cat "$WORK/err")"
# aggregate and produce: the settings table drives --help and the range
# checks; a value outside its range is one line naming the option, the
# value and the range, then the hint.
for cmd in aggregate produce; do
  "$FTZ" "$cmd" --list-settings >"$WORK/settings" || fail "ftz $cmd --list-settings exited $?"
  "$FTZ" "$cmd" --help >"$WORK/help" || fail "ftz $cmd --help exited $?"
  n=0
  while read -r opt; do
    grep -q -- "$opt" "$WORK/help" || fail "ftz $cmd --help lacks $opt (in --list-settings)"
    n=$((n + 1))
  done < <(grep -o '^| `\(-[a-z]`, `\)\?--[a-z-]*' "$WORK/settings" | sed 's/.*`//')
  [[ $n -ge 10 ]] || fail "ftz $cmd --list-settings: only $n options: $(cat "$WORK/settings")"
done
range_error() { # WANT CMD ARGS...
  local want=$1 cmd=$2 rc=0
  shift 2
  "$FTZ" "$cmd" "$@" </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
  [[ $rc == 2 && $(wc -l <"$WORK/err") == 2 ]] && grep -qxF "ftz $cmd: $want" "$WORK/err" \
    && grep -qx "ftz $cmd: hint: Try \"ftz $cmd --help\"" "$WORK/err" \
    || fail "ftz $cmd $*: exit $rc, want [ftz $cmd: $want]: $(cat "$WORK/err")"
}
range_error '--batch "0": must be a whole number from 1 to 2147483647' aggregate --batch 0
range_error '--batch-ms "1.5": must be a whole number of milliseconds from 0 to 2147483647' \
  aggregate --batch-ms 1.5
range_error '--batch-bytes "12x": must be a whole number of bytes from 65536 to 1000000000000000' \
  aggregate --batch-bytes 12x
range_error '--stats-interval "-1": must be a number of seconds from 0 to 1000000000' \
  aggregate --stats-interval -1
range_error '--on-gap "later": must be fail or skip' aggregate --on-gap later
range_error '--type "trains": must be customs, rail or registration' aggregate -t trains
range_error '--timeout "0": must be a number of seconds from 0.001 to 2000000' produce -t rail --timeout 0
range_error '--max-line-bytes "": must be a whole number of bytes from 1 to 67108864' \
  produce -t rail --max-line-bytes ''
range_error '--format "xml": must be json or csv' produce -t rail --format xml
range_error '--settle applies to --spool DIR only' produce -t rail --settle 1 /dev/null
"$FTZ" produce -X list >"$WORK/list" || fail "-X list exited $?"
grep -q '^bootstrap.servers ' "$WORK/list" || fail "-X list: no bootstrap.servers"
printf 'linger.ms=5\nno.such.property=1\n' >"$WORK/bad.properties"
rc=0
"$FTZ" produce -t rail -F "$WORK/bad.properties" </dev/null 2>"$WORK/err" || rc=$?
[[ $rc != 0 ]] && grep -q "no.such.property" "$WORK/err" \
  || fail "-F with a bad property: exit $rc, $(cat "$WORK/err")"
rc=0
"$FTZ" consume -t rail -c 2>"$WORK/err" || rc=$?
[[ $rc == 2 ]] && grep -qx "ftz consume: option -c needs a value" "$WORK/err" \
  || fail "consume -c: exit $rc, $(cat "$WORK/err")"
# A malformed line of a properties file is named, but what may be a secret
# on it is not shown.
printf 'linger.ms=5\nsasl.password s3cr3t-Value\n' >"$WORK/secret.properties"
rc=0
"$FTZ" produce -t rail -F "$WORK/secret.properties" /dev/null 2>"$WORK/err" || rc=$?
[[ $rc == 2 ]] && grep -q 'secret.properties:2: "sasl.password...": expected property=value' "$WORK/err" \
  || fail "-F with a malformed line: exit $rc, $(cat "$WORK/err")"
! grep -q 's3cr3t' "$WORK/err" || fail "-F: the error shows the secret: $(cat "$WORK/err")"
# Brokers: -b wins over -X bootstrap.servers, which wins over $FTZ_BROKERS;
# the error names the brokers actually used (nothing listens on ports 1, 2).
brokers_named() { # WANT ARGS...
  local want=$1 rc=0
  shift
  FTZ_BROKERS=127.0.0.1:3 "$FTZ" produce -t rail --timeout 1 "$@" "$WORK/rec.jsonl" 2>"$WORK/err" || rc=$?
  [[ $rc == 1 ]] && grep -q "broker(s) $want not reachable" "$WORK/err" \
    || fail "produce $*: exit $rc, want broker(s) $want named: $(cat "$WORK/err")"
}
cat >"$WORK/rec.jsonl" <<'JSON'
{"event_id":"S261101-0001-01-D","shipment_id":"S261101-0001-01","train_id":"X8023-261101-0001","container_id":"XINU8903328","corridor":"SHENYANG-HAMBURG","direction":"OUTBOUND","event_type":"DEPARTED","station":"Shenyang","country":"CN","cargo_category":"ELECTRONICS","goods_origin_country":"CN","teu":2,"cargo_value_cny":"1227571.46","event_time":"2026-11-01T00:52:15.321Z","departed_at":null}
JSON
brokers_named 127.0.0.1:3
brokers_named 127.0.0.1:1 -X bootstrap.servers=127.0.0.1:1
brokers_named 127.0.0.1:2 -b 127.0.0.1:2 -X bootstrap.servers=127.0.0.1:1
brokers_named 127.0.0.1:2 -X bootstrap.servers=127.0.0.1:1 -b 127.0.0.1:2
# -d CONTEXTS: debug lines of those areas only; -d kafka turns on
# librdkafka's own; an unknown context is a usage error.
rc=0
"$FTZ" produce -t rail -d nope /dev/null 2>"$WORK/err" || rc=$?
[[ $rc == 2 ]] && grep -q '^ftz produce: -d: unknown context "nope" (kafka, pg, batch, rules' "$WORK/err" \
  && grep -qx 'ftz produce: hint: Try "ftz produce --help"' "$WORK/err" \
  || fail "-d nope: exit $rc, $(cat "$WORK/err")"
"$FTZ" produce -t rail -d kafka -b 127.0.0.1:1 --timeout 1 "$WORK/rec.jsonl" 2>"$WORK/err" || true
grep -q ' DEBUG KAFKA ' "$WORK/err" || fail "-d kafka: no KAFKA debug line: $(head -3 "$WORK/err")"
"$FTZ" produce -t rail -d pg,batch -b 127.0.0.1:1 --timeout 1 "$WORK/rec.jsonl" 2>"$WORK/err" || true
! grep -q ' DEBUG ' "$WORK/err" || fail "-d pg,batch: debug lines of other areas: $(grep ' DEBUG ' "$WORK/err" | head -3)"
echo "[test_conventions] PASS"
