#!/usr/bin/env bash
# ftz produce against what a break-it pass found (issue 9): a stray CSV
# quote that swallows the rest of a file is an input failure naming the
# lines (exit 1, the next input still sent), not a rejected record with
# exit 3; a record over several lines says which; --rejects that is an
# input is refused before it is emptied; a directory as an input is refused
# before anything is sent; a missing topic is named; an unbounded
# message.timeout.ms still ends at SIGTERM; a topic prefix Kafka would
# refuse and an unknown -t are usage errors; simulate refuses a window the
# rules would reject and an --expect that is its own output. After
# `ftz aggregate` the registrations table equals the oracle over every
# record that was sent.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -q -t registration -n 3000 --seed 9 --format csv -o all.csv
# Records without any quote, so that one stray quote is the only one.
python3 - <<'PY'
rows = open("all.csv", newline="").read().split("\n")
header, body = rows[0], [r for r in rows[1:] if r and '"' not in r]
first, second = body[:1500], body[1500:]
open("good.csv", "w", newline="").write("\n".join([header] + second) + "\n")
open("ok_part.csv", "w", newline="").write("\n".join([header] + first[:10]) + "\n")
c = first[10].split(",", 3)
first[10] = c[0] + "," + c[1] + ',"' + c[2] + "," + c[3]
open("stray.csv", "w", newline="").write("\n".join([header] + first) + "\n")
# A quote that a later one closes: lines 12-31 of the file become one record.
m = list(first)
m[10] = body[10].replace(",", ',"', 1)
m[30] = m[30].replace(",", '",', 1)
open("joined.csv", "w", newline="").write("\n".join([header] + m) + "\n")
PY
n_stray=$(($(wc -l <stray.csv) - 1))

# ---- a stray quote: the rest of stray.csv is not read; good.csv still is
rc=0
"$FTZ" produce -t registration stray.csv good.csv --rejects rej.csv 2>stray.err || rc=$?
assert_eq 1 "$rc" "exit status with a stray quote (not 3: lines were not read)"
grep -q "^ftz produce: stray.csv:12: a quoted cell opened on line 12 is not closed by the end of the input (line $((n_stray + 1))): lines 12-$((n_stray + 1)) were not read as records (a stray quote?)$" stray.err \
  || fail "no line naming the unclosed quote and the lines it took: $(cat stray.err)"
grep -q "^stray.csv:12: BAD_CSV .*(the record spans lines 12-$((n_stray + 1)))$" stray.err \
  || fail "the rejected record does not say which lines it spans: $(head -c 600 stray.err)"
[[ $(wc -l <rej.csv) -ge $((n_stray - 10)) ]] \
  || fail "--rejects lacks the swallowed lines: $(wc -l <rej.csv) lines"
n_good=$(($(wc -l <good.csv) - 1))
grep -q "^ftz produce: $((n_good + 11)) records read, $((n_good + 10)) sent, $((n_good + 10)) acknowledged, 1 rejected, 0 failed" stray.err \
  || fail "summary: $(grep 'records read' stray.err)"

# ---- a quote closed many lines later: one record, its lines named
rc=0
"$FTZ" produce -t registration -b 127.0.0.1:1 --timeout 1 joined.csv 2>joined.err >/dev/null || rc=$? # read, not sent
grep -q "^joined.csv:12: BAD_CSV .*(the record spans lines 12-32)$" joined.err \
  || fail "joined.csv: no span in the reject: $(grep -v 'records read' joined.err | head -c 600)"

# ---- --rejects naming an input: refused, the input left whole
cp good.csv same.csv
before=$(md5sum <same.csv)
rc=0
"$FTZ" produce -t registration same.csv --rejects ./same.csv 2>same.err || rc=$?
assert_eq 2 "$rc" "exit status of --rejects naming an input"
grep -q "^ftz produce: --rejects ./same.csv is also an input (same.csv): writing it would destroy it$" same.err \
  || fail "--rejects = input: $(cat same.err)"
assert_eq "$before" "$(md5sum <same.csv)" "the input named by --rejects"

# ---- a directory among the inputs: refused before anything is sent
mkdir adir
sent_before=$(topic_messages "$(kind_topic registrations)" | wc -l)
rc=0
"$FTZ" produce -t registration good.csv adir 2>dir.err || rc=$?
assert_eq 1 "$rc" "exit status with a directory as an input"
grep -qx "ftz produce: adir: Is a directory" dir.err || fail "directory input: $(cat dir.err)"
assert_eq "$sent_before" "$(topic_messages "$(kind_topic registrations)" | wc -l)" \
  "messages on the topic after a refused run"

# ---- a topic that does not exist: named
rc=0
"$FTZ" produce -t registration --topic-prefix "nosuch$TEST_ID." --timeout 2 ok_part.csv 2>topic.err || rc=$?
assert_eq 1 "$rc" "exit status with a missing topic"
grep -q "^ftz produce: topic nosuch$TEST_ID.ftz.registry.companies does not exist" topic.err \
  || fail "missing topic not named: $(cat topic.err)"

# ---- no bound on delivery (message.timeout.ms=0), no broker: SIGTERM ends it
"$FTZ" produce -t registration -b 127.0.0.1:1 -X message.timeout.ms=0 ok_part.csv 2>inf.err &
pid=$!
sleep 2
kill -TERM "$pid"
rc=0
for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  kill -9 "$pid"
  fail "ftz produce with message.timeout.ms=0 still runs 10 s after SIGTERM"
fi
wait "$pid" || rc=$?
assert_eq 1 "$rc" "exit status after SIGTERM with nothing acknowledged"
grep -q "10 records not sent" inf.err || fail "after SIGTERM: $(cat inf.err)"

# ---- usage errors
rc=0
"$FTZ" produce -t registration --topic-prefix "$(printf 'x%.0s' $(seq 1 300))" ok_part.csv 2>long.err || rc=$?
assert_eq 2 "$rc" "exit status of a 300-character topic prefix"
grep -q "is not a Kafka topic name" long.err || fail "long prefix: $(cat long.err)"
rc=0
"$FTZ" produce -t Registration ok_part.csv 2>type.err || rc=$?
assert_eq 2 "$rc" "exit status of -t Registration"
grep -q '^ftz produce: --type "Registration": must be customs, rail or registration$' type.err \
  || fail "-t Registration: $(cat type.err)"
rc=0
"$FTZ" simulate -q -t rail -n 10 --start 2999-12-20T00:00:00Z --days 30 >/dev/null 2>far.err || rc=$?
assert_eq 2 "$rc" "exit status of simulate --start 2999-12-20"
grep -q "must end before 3000-01-01" far.err || fail "simulate far start: $(cat far.err)"
rc=0
"$FTZ" simulate -q -t rail -n 10 -o x.jsonl --expect x.jsonl 2>self.err || rc=$?
assert_eq 2 "$rc" "exit status of simulate -o x.jsonl --expect x.jsonl"
grep -q "is also where the rail records go" self.err || fail "simulate --expect = -o: $(cat self.err)"
! "$FTZ" check --help | grep -q -- '-c are accepted' || fail "ftz check --help lists -c"

# ---- what was sent counts once: ok_part (twice), good
"$FTZ" aggregate -q -g produce-hostile --until-idle 2 || fail "aggregate exited $?"
python3 - <<'PY' || fail "could not turn the CSV files into JSON lines for the oracle"
import csv, json
with open("expected.jsonl", "w") as out:
    for name in ("ok_part.csv", "good.csv"):
        for row in csv.DictReader(open(name, newline="")):
            out.write(json.dumps({k: (v if v != "" else None) for k, v in row.items()}) + "\n")
PY
assert_table registrations expected.jsonl
