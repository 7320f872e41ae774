#!/usr/bin/env bash
# `ftz produce --spool DIR -t rail`, a long-running ingester, with files
# dropped while it runs: renamed in (taken at once, kept byte for byte in
# done/; the same name dropped twice is kept twice), written slowly in
# place (not taken before it has been unchanged for --settle), JSON lines
# and CSV with bad records (done/, the rejects beside it as FILE:LINE: CODE
# reason, exactly the expected ones), an unknown extension and a wrong CSV
# header (failed/ with NAME.error saying why); --metrics-addr counts over
# files; kill -9 in the middle of a large file, then a restart sends the
# file left in work/ again; SIGTERM in the middle of a file finishes it and
# exits 0; against an unreachable broker a file goes to failed/ naming the
# broker. After `ftz aggregate` the rail table equals the oracle over every
# good record, each counted once although some were sent twice.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

# A spool directory that is not there: one line, exit 1, before any broker
# is tried (the unreachable one would otherwise warn first).
rc=0
"$FTZ" produce -t rail --spool "$WORK/no-such-dir" -b 127.0.0.1:1 2>nodir.err || rc=$?
[[ $rc == 1 && $(wc -l <nodir.err) == 1 ]] && grep -q "no-such-dir: No such file or directory" nodir.err \
  || fail "--spool of a missing directory: exit $rc: $(cat nodir.err)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# drop FILE NAME: written beside, then renamed into the spool (the
# recommended way).
drop() {
  cp "$1" "spool/.$2.tmp"
  mv "spool/.$2.tmp" "spool/$2"
}
alive() { kill -0 "$1" 2>/dev/null; }

# One simulated rail stream cut into the files below, so that every
# event_id belongs to one file.
"$FTZ" simulate -t rail -n 165000 --seed 91 >sim.jsonl
sed -n '1,1000p' sim.jsonl >first.jsonl
sed -n '1001,3000p' sim.jsonl >forbad.jsonl
sed -n '3001,3008p' sim.jsonl >slow.src
sed -n '3009,150000p' sim.jsonl >big.jsonl
sed -n '150001,165000p' sim.jsonl >term.jsonl
python3 "$HERE/produce_inputs.py" rail forbad.jsonl bad || fail "produce_inputs.py failed"
[[ $(grep -c '^bad.jsonl:' bad.expected) -gt 3 && $(grep -c '^bad.csv:' bad.expected) -gt 3 ]] \
  || fail "produce_inputs.py made too few bad records: $(wc -l <bad.expected)"
sed '1s/^\xef\xbb\xbf//; 1s/event_time/event_tiem/' bad.csv >typo.csv
echo "not an export" >notes.txt

mkdir spool
MPORT=$(free_port)
# One record a batch and a short local queue keep the first run slow
# enough (a few thousand records a second) to be killed in the middle of
# big.jsonl, whatever the build.
"$FTZ" produce --spool spool -t rail --metrics-addr "127.0.0.1:$MPORT" \
  -X batch.num.messages=1 -X queue.buffering.max.messages=100 2>run1.err &
RUN1=$!
BG_PIDS+=("$RUN1")
wait_for spool/work 10 || fail "the spool made no work/ directory: $(cat run1.err)"

# ---- renamed in: taken at once (well before --settle would allow), kept as it was
drop first.jsonl first.jsonl
wait_for spool/done/first.jsonl 15 || fail "first.jsonl not in done/: $(ls -R spool) $(cat run1.err)"
cmp -s first.jsonl spool/done/first.jsonl || fail "done/first.jsonl differs from the file dropped"
[[ ! -e spool/done/first.jsonl.rejects ]] || fail "a rejects file for first.jsonl, which has no bad record"
grep -q 'SPOOL first.jsonl: 1000 read, 1000 sent, 1000 acknowledged, 0 rejected in [0-9.]* s: done/first.jsonl$' run1.err \
  || fail "no log line for first.jsonl: $(grep first run1.err)"
# The same name again: kept beside the first, not over it.
drop first.jsonl first.jsonl
wait_for spool/done/first.1.jsonl 15 || fail "first.jsonl dropped twice: $(ls spool/done)"
cmp -s first.jsonl spool/done/first.jsonl || fail "done/first.jsonl was overwritten"

# ---- bad records: done/, rejects beside it, the expected ones exactly
drop bad.jsonl bad.jsonl
drop bad.csv bad.csv
wait_for spool/done/bad.csv 30 && wait_for spool/done/bad.jsonl 30 \
  || fail "bad.jsonl and bad.csv not in done/: $(ls -R spool) $(tail -5 run1.err)"
for f in bad.jsonl bad.csv; do
  [[ -s spool/done/$f.rejects ]] || fail "no done/$f.rejects"
  python3 - "spool/done/$f.rejects" bad.expected "$f" <<'PY' || fail "done/$f.rejects is not the expected rejects"
import re, sys
path, expected, name = sys.argv[1:]
got = {}
for line in open(path, encoding="utf-8", errors="replace"):
    m = re.match(r"^(\S+:\d+): ([A-Z_]+) (.*)$", line.rstrip("\n"))
    if not m:
        sys.exit("not FILE:LINE: CODE reason: %r" % line)
    got[m.group(1)] = (m.group(2), m.group(3))
want = {}
for line in open(expected, encoding="utf-8"):
    where, code, piece = (line.rstrip("\n").split(" ", 2) + [""])[:3]
    if where.startswith(name + ":"):
        want[where] = (code, piece)
bad = [w for w in want if w not in got or got[w][0] != want[w][0] or want[w][1] not in got[w][1]]
bad += [w for w in got if w not in want]
for w in sorted(bad):
    print("%s: got %s, want %s" % (w, got.get(w), want.get(w)), file=sys.stderr)
print("%s: %d rejects as expected" % (name, len(want)), file=sys.stderr)
sys.exit(1 if bad or not want else 0)
PY
done

# ---- an unknown extension and a wrong CSV header: failed/ with the reason
drop notes.txt notes.txt
drop typo.csv typo.csv
wait_for spool/failed/notes.txt.error 15 && wait_for spool/failed/typo.csv.error 15 \
  || fail "notes.txt and typo.csv not in failed/: $(ls -R spool)"
wait_for spool/failed/typo.csv 5 && wait_for spool/failed/notes.txt 5 || fail "the failed files are not kept in failed/"
grep -q 'notes.txt: not a file ftz produce reads: the name must end in .csv' spool/failed/notes.txt.error \
  || fail "notes.txt.error: $(cat spool/failed/notes.txt.error)"
grep -q '^typo.csv:1: header: column [0-9]* "event_tiem" is not a field of ftz.rail.RailEvent' spool/failed/typo.csv.error \
  || fail "typo.csv.error: $(cat spool/failed/typo.csv.error)"
cmp -s typo.csv spool/failed/typo.csv || fail "failed/typo.csv differs from the file dropped"

# ---- written slowly in place: not taken while it grows (a line every
# 0.5 s, --settle 2 s by default), taken once it has settled
: >spool/slow.jsonl
while IFS= read -r line; do
  printf '%s\n' "$line" >>spool/slow.jsonl
  sleep 0.5
  [[ -e spool/slow.jsonl && ! -e spool/work/slow.jsonl && ! -e spool/done/slow.jsonl ]] \
    || fail "slow.jsonl was taken while it was being written: $(ls -R spool)"
done <slow.src
wait_for spool/done/slow.jsonl 10 || fail "slow.jsonl not taken after it settled: $(ls -R spool)"
cmp -s slow.src spool/done/slow.jsonl || fail "done/slow.jsonl differs from what was written"

# ---- metrics: cumulative over the files so far
n_bad_read=$(($(wc -l <bad.expected) + $(wc -l <bad.good.jsonl)))
want_read=$((1000 + 1000 + n_bad_read + 8))
m=$(curl -sf "http://127.0.0.1:$MPORT/metrics") || fail "no /metrics from the spool"
# sum METRIC: its samples of the test's topic in $m, summed (rejected: by code)
sum() { awk -v m="$1" -v t="topic=\"$(topic ftz.rail.events)\"" 'index($1, m "{") == 1 && index($1, t) { s += $2 } END { print s + 0 }' <<<"$m"; }
assert_eq "read $want_read rejected $(wc -l <bad.expected)" \
  "read $(sum ftz_producer_records_read_total) rejected $(sum ftz_producer_records_rejected_total)" \
  "spool metrics over the files so far"

# ---- kill -9 in the middle of a large file: it stays in work/
sent_before=$(topic_messages "$(kind_topic rail)" | wc -l)
drop big.jsonl big.jsonl
wait_for spool/work/big.jsonl 15 || fail "big.jsonl was not claimed into work/"
# Killed once some of it is acknowledged (the metrics are a second old at most).
acked_before=$(sum ftz_producer_records_acknowledged_total)
for ((i = 0; i < 300; i++)); do
  m=$(curl -sf "http://127.0.0.1:$MPORT/metrics") || fail "no /metrics from the spool"
  (($(sum ftz_producer_records_acknowledged_total) > acked_before + 2000)) && break
  sleep 0.1
done
alive "$RUN1" || fail "the spool stopped by itself: $(tail -5 run1.err)"
kill -9 "$RUN1"
wait "$RUN1" 2>/dev/null || true
[[ -e spool/work/big.jsonl && ! -e spool/done/big.jsonl ]] \
  || fail "big.jsonl not left in work/ by the killed run (too fast? $(ls -R spool))"
partial=$(($(topic_messages "$(kind_topic rail)" | wc -l) - sent_before))
log "killed in the middle of big.jsonl: $partial of $(wc -l <big.jsonl) records were sent"
((partial > 0)) || fail "nothing of big.jsonl was sent before the kill: the restart proves nothing"

# ---- restart: big.jsonl sent again from work/, then on with new files
"$FTZ" produce --spool spool -t rail --timeout 60 2>run2.err &
RUN2=$!
BG_PIDS+=("$RUN2")
wait_for spool/done/big.jsonl 120 || fail "big.jsonl not sent again after the restart: $(ls -R spool) $(cat run2.err)"
grep -q 'SPOOL big.jsonl: left in work/ by a run that stopped: sending it again' run2.err \
  || fail "the restart did not say it sends big.jsonl again: $(cat run2.err)"
n=$(wc -l <big.jsonl)
grep -q "SPOOL big.jsonl: $n read, $n sent, $n acknowledged, 0 rejected in " run2.err \
  || fail "big.jsonl log line: $(grep big.jsonl run2.err)"

# ---- SIGTERM in the middle of a file: the file is finished, exit 0
drop term.jsonl term.jsonl
wait_for spool/work/term.jsonl 15 || fail "term.jsonl was not claimed"
kill -TERM "$RUN2"
rc=0
wait "$RUN2" || rc=$?
assert_eq 0 "$rc" "exit status of the spool after SIGTERM"
[[ -e spool/done/term.jsonl && ! -e spool/work/term.jsonl ]] \
  || fail "term.jsonl not finished after SIGTERM: $(ls -R spool) $(tail -3 run2.err)"
grep -q 'SPOOL stopped$' run2.err || fail "no stop line: $(tail -3 run2.err)"

# Nothing lost, nothing left behind: every file dropped is in done/ or failed/.
assert_eq "" "$(ls spool/work)" "files left in work/"
assert_eq "" "$(ls spool | grep -v -x -e work -e done -e failed)" "files left in the spool"
assert_eq "bad.csv bad.csv.rejects bad.jsonl bad.jsonl.rejects big.jsonl first.1.jsonl first.jsonl slow.jsonl term.jsonl" \
  "$(ls spool/done | tr '\n' ' ' | sed 's/ $//')" "files in done/"

# ---- the aggregates: every good record once (big.jsonl partly twice)
total=$(topic_messages "$(kind_topic rail)" | wc -l)
good=$((1000 * 2 + $(wc -l <bad.good.jsonl) + 8 + $(wc -l <big.jsonl) + $(wc -l <term.jsonl)))
assert_eq "$((good + partial))" "$total" "messages on the topic (every good record, big.jsonl's first part twice)"
"$FTZ" aggregate -q -g produce-spool --until-idle 2 || fail "aggregate exited $?"
assert_table rail first.jsonl bad.good.jsonl slow.src big.jsonl term.jsonl
assert_eq 0 "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters"

# ---- an unreachable broker: the file goes to failed/, the reason names it
mkdir spool2
"$FTZ" produce --spool spool2 -t rail -b 127.0.0.1:1 --timeout 2 2>run3.err &
RUN3=$!
BG_PIDS+=("$RUN3")
wait_for spool2/work 10 || fail "spool2 not set up: $(cat run3.err)"
head -5 first.jsonl >spool2/.x.tmp
mv spool2/.x.tmp spool2/unsent.jsonl
wait_for spool2/failed/unsent.jsonl.error 20 || fail "unsent.jsonl not in failed/: $(ls -R spool2) $(cat run3.err)"
grep -q '^unsent.jsonl: 5 records not sent: broker(s) 127.0.0.1:1 not reachable within --timeout 2 s (.*): unsent.jsonl:1, ' \
  spool2/failed/unsent.jsonl.error || fail "unsent.jsonl.error: $(cat spool2/failed/unsent.jsonl.error)"
wait_for spool2/failed/unsent.jsonl 5 || fail "failed/unsent.jsonl is missing"
kill -TERM "$RUN3"
rc=0
wait "$RUN3" || rc=$?
assert_eq 0 "$rc" "exit status of the second spool after SIGTERM"
