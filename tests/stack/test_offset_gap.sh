#!/usr/bin/env bash
# A stored offset outside its partition's log is never skipped silently.
# (a) The topic deleted and re-created under stored offsets (the new logs
#     end before them): `ftz aggregate` exits 1 with ONE error naming topic,
#     partition, stored offset and the log's first and next offsets, and
#     counts nothing of the topic; `--on-gap skip` reads the new logs from
#     their start, counts every record exactly and records the moves in
#     ftz.offset_moves (kind gap_skip).
# (b) Records deleted (DeleteRecords) before being counted, so the stored
#     offset is before the log start: the default fails the same way;
#     `--on-gap skip` records the skipped range and counts all after it.
# (c) A partition with no stored offset whose offset 0 was deleted starts at
#     its log start without an error: that is not a gap.
# (d) The topic deleted, re-created and refilled PAST the stored offsets:
#     every stored offset is inside the new logs, so only the message
#     before it, read again and compared with the fingerprint stored when
#     it was counted, tells the new log from the old. The default fails
#     naming the partition; `--on-gap skip` reads the new logs from their
#     start: every new record counted.
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"

G=gap
R=$(topic ftz.registry.companies)
C=$(topic ftz.customs.declarations)
L=$(topic ftz.rail.events)
raw() { "$FTZ_PY" "$HERE/rawkafka.py" "$@"; }

kafka_tools_find

stored() { q "SELECT next_offset FROM ftz.consumer_offsets WHERE topic = '$1' AND partition = $2"; }
log_bounds() { raw watermarks "$FTZ_BROKERS" "$1" | awk -v p="$2" '$1 == p { print $2, $3 }'; }
produce() { "$FTZ" produce -q -t "$1" -f "$2" || fail "produce $2 exited $?"; }
# run NAME ARGS...: ftz aggregate into NAME.err, status in $rc; a run that
# does not end within 30 s is killed and fails the test (it must end).
run() {
  local name=$1 t0=$SECONDS
  shift
  rc=0
  timeout -k 5 30 "$FTZ" aggregate -g "$G" --until-idle 3 "$@" >"$name.out" 2>"$name.err" || rc=$?
  if ((rc == 124 || rc == 137)); then
    log "$name: stderr (first lines):"
    head -n 20 "$name.err" | cut -c 1-240 >&2
    fail "ftz aggregate $* did not end within 30 s: $(grep -c 'cannot resume yet' "$name.err") 'cannot resume yet' lines, last: $(tail -n 1 "$name.err" | cut -c 1-240)"
  fi
  log "$name: exit $rc after $((SECONDS - t0)) s"
}
snapshot() { # the registration aggregates and every stored offset, as text
  { registrations_monthly; q "SELECT topic, partition, next_offset FROM ftz.consumer_offsets ORDER BY 1, 2"; } >"$1"
}
# keep_without KEYFIELD KEYS FILE: the lines of FILE whose KEYFIELD is not in KEYS
keep_without() {
  python3 - "$@" <<'PY'
import json, sys
field, keys_path, path = sys.argv[1:4]
keys = set(open(keys_path).read().split())
for line in open(path, encoding="utf-8"):
    if json.loads(line)[field] not in keys:
        sys.stdout.write(line)
PY
}

# ---- counted once: offsets stored
# Each file its own month and seed: no two files share a uscc. No resends,
# so that a deleted record is gone for good and the oracle can drop it.
"$FTZ" simulate -t registration -n 600 --seed 71 --resend-rate 0 --start 2026-06-01T00:00:00+08:00 >old.jsonl
produce registration old.jsonl
run first
assert_eq 0 "$rc" "first run ($(tail -n 1 first.err))"
assert_table registrations old.jsonl
declare -a s_old
for p in 0 1 2; do s_old[p]=$(stored "$R" "$p"); done
log "stored offsets of $R: ${s_old[*]}"

# ---- (a) the topic deleted and re-created, new logs shorter than the stored offsets
raw delete "$FTZ_BROKERS" "$R" || fail "cannot delete $R"
for _ in $(seq 100); do
  "$FTZ" topics create -q --partitions 3 2>/dev/null && raw watermarks "$FTZ_BROKERS" "$R" >/dev/null 2>&1 && break
  sleep 0.2
done
"$FTZ" simulate -t registration -n 300 --seed 72 --resend-rate 0 --start 2026-07-01T00:00:00+08:00 >new.jsonl
produce registration new.jsonl
"$FTZ" simulate -t customs -n 300 --seed 73 >customs.jsonl
produce customs customs.jsonl
declare -a e_new
for p in 0 1 2; do
  read -r lo hi <<<"$(log_bounds "$R" "$p")"
  assert_eq 0 "$lo" "log start of re-created $R [$p]"
  e_new[p]=$hi
  ((hi < s_old[p])) || fail "the new log of [$p] ends at $hi, not before the stored ${s_old[p]}: nothing to detect"
done
log "re-created $R: log ends ${e_new[*]}, stored offsets ${s_old[*]}"
snapshot before-a.txt
run fail-a
log "default run: exit $rc; $(grep -c . fail-a.err) lines; last: $(tail -n 1 fail-a.err)"
assert_eq 1 "$rc" "exit status of a run that meets a stored offset past the log end"
errs=$(grep '^ftz aggregate: ' fail-a.err || true)
assert_eq 1 "$(grep -c . <<<"$errs")" "error lines of the default run"
assert_eq 1 "$(grep -c 'outside the log' fail-a.err)" "lines saying 'outside the log'"
p=$(sed -n "s/^ftz aggregate: $(sed 's/\./\\./g' <<<"$R") \[\([0-9]\)\]: .*/\1/p" <<<"$errs")
[[ -n $p ]] || fail "the error does not name a partition of $R: $errs"
want="$R [$p]: the stored offset ${s_old[p]} is outside the log (first offset 0, next offset ${e_new[p]})"
[[ "$errs" == "ftz aggregate: $want"* ]] || fail "error line: expected [$want...], got [$errs]"
log "one error: $errs"
# Nothing of the topic counted, no offset of it moved; customs may be committed.
snapshot after-a.txt
diff <(grep -v "^$C|" before-a.txt) <(grep -v "^$C|" after-a.txt) >/dev/null \
  || fail "the failed run changed the registrations or their offsets: $(diff before-a.txt after-a.txt | head -n 5)"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.offset_moves")" "moves recorded by the failed run"
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters of the failed run"
report_exactness registrations old.jsonl >/dev/null || fail "the failed run changed the counts"

run skip-a --on-gap skip
assert_eq 0 "$rc" "exit status with --on-gap skip ($(tail -n 1 skip-a.err))"
grep -q "does not belong to this log" skip-a.err || fail "no warning about the skipped gap: $(grep WARN skip-a.err | head -n 3)"
report_exactness registrations old.jsonl new.jsonl || fail "registrations not exact after --on-gap skip"
report_exactness customs customs.jsonl || fail "customs not exact after --on-gap skip"
for p in 0 1 2; do
  assert_eq "${e_new[p]}" "$(stored "$R" "$p")" "stored offset of [$p] after --on-gap skip"
  assert_eq "1|${s_old[p]}|0|0|${e_new[p]}" \
    "$(q "SELECT count(*), max(from_offset), max(to_offset), max(log_start), max(log_end) FROM ftz.offset_moves
          WHERE consumer_group = '$G' AND topic = '$R' AND partition = $p AND kind = 'gap_skip'")" \
    "gap_skip move of [$p] (count|from|to|log start|log end)"
done
assert_eq 3 "$(q "SELECT count(*) FROM ftz.offset_moves")" "moves recorded in (a)"
log "(a): $(q "SELECT string_agg(partition || ': ' || from_offset || ' -> ' || to_offset, ', ' ORDER BY partition) FROM ftz.offset_moves")"

# ---- (b) records deleted before being counted: stored offset before the log start
"$FTZ" simulate -t registration -n 300 --seed 74 --resend-rate 0 --start 2026-08-01T00:00:00+08:00 >more.jsonl
produce registration more.jsonl
P=0
s0=$(stored "$R" $P)
read -r _ e0 <<<"$(log_bounds "$R" $P)"
cut0=$((s0 + (e0 - s0) / 2)) # delete half of the unread records of [0]
((cut0 > s0)) || fail "too few unread records on [$P]: stored $s0, end $e0"
kcat -b "$FTZ_BROKERS" -C -t "$R" -p $P -o "$s0" -c $((cut0 - s0)) -e -q -f '%k\n' >deleted.keys
assert_eq $((cut0 - s0)) "$(grep -c . deleted.keys)" "keys read before the deletion"
delete_records "$R" $P "$cut0"
read -r lo0 _ <<<"$(log_bounds "$R" $P)"
assert_eq "$cut0" "$lo0" "log start of [$P] after DeleteRecords"
run fail-b
log "default run: exit $rc; last: $(tail -n 1 fail-b.err)"
assert_eq 1 "$rc" "exit status of a run that meets a stored offset before the log start"
errs=$(grep '^ftz aggregate: ' fail-b.err || true)
assert_eq 1 "$(grep -c . <<<"$errs")" "error lines of the default run (b)"
want="$R [$P]: the stored offset $s0 is outside the log (first offset $cut0, next offset $e0)"
[[ "$errs" == "ftz aggregate: $want"* ]] || fail "error line: expected [$want...], got [$errs]"
assert_eq "$s0" "$(stored "$R" $P)" "stored offset of [$P] after the failed run"
assert_eq 3 "$(q "SELECT count(*) FROM ftz.offset_moves")" "moves recorded by the failed run (b)"
keep_without uscc deleted.keys more.jsonl >more_kept.jsonl
run skip-b --on-gap skip
assert_eq 0 "$rc" "exit status with --on-gap skip (b) ($(tail -n 1 skip-b.err))"
grep -q "\[$P\]: skipped offsets $s0\.\.$((cut0 - 1)) " skip-b.err || fail "no warning naming the skipped range: $(grep WARN skip-b.err | head -n 3)"
report_exactness registrations old.jsonl new.jsonl more_kept.jsonl || fail "registrations not exact after skipping deleted records"
assert_eq "1|$s0|$cut0|$cut0|$e0" \
  "$(q "SELECT count(*), max(from_offset), max(to_offset), max(log_start), max(log_end) FROM ftz.offset_moves
        WHERE topic = '$R' AND partition = $P AND kind = 'gap_skip' AND from_offset = $s0")" \
  "gap_skip move of the deleted range (count|from|to|log start|log end)"
assert_eq 4 "$(q "SELECT count(*) FROM ftz.offset_moves")" "moves recorded after (b)"
for p in 0 1 2; do
  read -r _ hi <<<"$(log_bounds "$R" "$p")"
  assert_eq "$hi" "$(stored "$R" "$p")" "stored offset of [$p] after (b)"
done
log "(b): skipped [$s0, $cut0) of [$P] ($(grep -c . deleted.keys) records deleted unread), counted the rest"

# ---- (c) no stored offset, offset 0 deleted: start at the log start
"$FTZ" simulate -t rail -n 600 --seed 75 --resend-rate 0 >rail.jsonl
produce rail rail.jsonl
read -r _ r0 <<<"$(log_bounds "$L" 0)"
cutr=$((r0 / 3))
((cutr > 0)) || fail "no rail records on [0]"
"$FTZ" consume -q --topic "$L" -p 0 -o 0 -c "$cutr" -e >rail-deleted.jsonl || fail "consume exited $?"
python3 -c 'import json, sys; [print(json.loads(l)["record"]["event_id"]) for l in open(sys.argv[1])]' \
  rail-deleted.jsonl >rail-deleted.ids
assert_eq "$cutr" "$(grep -c . rail-deleted.ids)" "rail records read before the deletion"
delete_records "$L" 0 "$cutr"
assert_eq "" "$(q "SELECT partition FROM ftz.consumer_offsets WHERE topic = '$L'")" "stored rail offsets"
run rail
assert_eq 0 "$rc" "exit status with a deleted offset 0 and nothing stored ($(tail -n 1 rail.err))"
grep -q "$L \[0\]: no stored offset; starting at the log start $cutr" rail.err \
  || log "note: no 'starting at the log start' line (librdkafka may have started there itself)"
grep -E ' (WARN|ERROR) ' rail.err && fail "warnings or errors in the rail run"
keep_without event_id rail-deleted.ids rail.jsonl >rail_kept.jsonl
report_exactness rail rail_kept.jsonl || fail "rail not exact after starting at the log start"
assert_eq 4 "$(q "SELECT count(*) FROM ftz.offset_moves")" "moves recorded by (c): none"
read -r _ r0 <<<"$(log_bounds "$L" 0)"
assert_eq "$r0" "$(stored "$L" 0)" "stored rail offset of [0]"
log "(c): rail [0] started at its log start $cutr without an error"

# ---- (d) re-created and refilled past the stored offsets
declare -a s_d
for p in 0 1 2; do s_d[p]=$(stored "$R" "$p"); done
raw delete "$FTZ_BROKERS" "$R" || fail "cannot delete $R"
for _ in $(seq 100); do
  "$FTZ" topics create -q --partitions 3 2>/dev/null && raw watermarks "$FTZ_BROKERS" "$R" >/dev/null 2>&1 && break
  sleep 0.2
done
"$FTZ" simulate -t registration -n 2400 --seed 76 --resend-rate 0 --start 2026-09-01T00:00:00+08:00 >refill.jsonl
produce registration refill.jsonl
for p in 0 1 2; do
  read -r lo hi <<<"$(log_bounds "$R" "$p")"
  ((hi > s_d[p])) || fail "the refilled log of [$p] ends at $hi, not past the stored ${s_d[p]}: this case needs it"
done
snapshot before-d.txt
run fail-d
assert_eq 1 "$rc" "exit status of a run that meets a re-created, refilled log ($(tail -n 1 fail-d.err))"
grep -q "is not the one counted there: the topic was deleted and re-created" fail-d.err \
  || fail "the error does not say the log changed: $(grep '^ftz aggregate' fail-d.err)"
snapshot after-d.txt
diff <(grep -v "^$C|" before-d.txt) <(grep -v "^$C|" after-d.txt) >/dev/null \
  || fail "the failed run changed the registrations or their offsets"
run skip-d --on-gap skip
assert_eq 0 "$rc" "exit status with --on-gap skip ($(tail -n 1 skip-d.err))"
keep_without uscc deleted.keys more.jsonl >more_kept_d.jsonl
report_exactness registrations old.jsonl new.jsonl more_kept_d.jsonl refill.jsonl \
  || fail "registrations not exact after reading the re-created log from its start"
log "(d): a log re-created past the stored offsets ${s_d[*]} was detected, then read from its start"
