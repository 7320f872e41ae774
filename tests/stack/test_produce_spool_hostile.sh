#!/usr/bin/env bash
# ftz produce --spool against what a break-it pass found (issue 9): one
# file must never stop the ingester. A file whose name is as long as the
# file system allows is sent and filed under a shortened name; a file the
# spool may not move (another user's, in a sticky directory) is left where
# it is, said once, while the others are sent; the spool directory moved
# away while watched stops the spool with one line (exit 1, not a silent
# watch of nothing); a topic that does not exist is named at start. After
# `ftz aggregate` the registrations table equals the oracle over what was
# sent.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -q -t registration -n 300 --seed 5 >all.jsonl
sed -n '1,100p' all.jsonl >long.src
sed -n '101,200p' all.jsonl >b.src
sed -n '201,300p' all.jsonl >other.src

# ---- a name of 252 bytes (the companions .rejects/.error would not fit)
mkdir sp1
"$FTZ" produce -t registration --spool sp1 2>run1.err &
RUN1=$!
BG_PIDS+=("$RUN1")
wait_for sp1/work 10 || fail "sp1 not set up: $(cat run1.err)"
long="$(printf 'L%.0s' $(seq 1 246)).jsonl"
cp long.src "sp1/.x.tmp" && mv "sp1/.x.tmp" "sp1/$long"
wait_until 30 "the long-named file filed in done/" \
  bash -c 'ls sp1/done | grep -q "^LLLL.*\.jsonl$"'
filed=$(ls sp1/done)
((${#filed} <= 247)) || fail "done/$filed: ${#filed} bytes, its companions would not fit"
cmp -s long.src "sp1/done/$filed" || fail "done/$filed differs from the file dropped"
kill -0 "$RUN1" 2>/dev/null || fail "the spool stopped on a long name: $(tail -3 run1.err)"

# ---- the spool directory moved away while watched: one line, exit 1
mv sp1 sp1.old
mkdir sp1
rc=0
for ((i = 0; i < 100; i++)); do kill -0 "$RUN1" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RUN1" 2>/dev/null && fail "the spool still runs 10 s after its directory was moved away"
wait "$RUN1" || rc=$?
assert_eq 1 "$rc" "exit status of the spool whose directory was moved away"
grep -q "^ftz produce: --spool sp1: the directory was moved, removed or replaced while being watched" run1.err \
  || fail "no line saying the directory went away: $(tail -3 run1.err)"

# ---- another user's file in a sticky directory: left, said once; the rest sent
id nobody >/dev/null 2>&1 || fail "no user nobody to run the spool as"
command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"
chmod 755 "$WORK"
mkdir bin && cp "$FTZ" bin/ftz && chmod 755 bin bin/ftz
mkdir sticky && chmod 1777 sticky
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
cp other.src sticky/.o.tmp && mv sticky/.o.tmp sticky/other.jsonl # root's
# setpriv itself in the background (not the function, whose subshell would
# take the signals meant for the spool).
setpriv --reuid=nobody --regid=nogroup --clear-groups env FTZ_BROKERS="$FTZ_BROKERS" \
  FTZ_TOPIC_PREFIX="$FTZ_TOPIC_PREFIX" ASAN_OPTIONS="$ASAN_OPTIONS" \
  bin/ftz produce -t registration --spool sticky 2>run2.err &
RUN2=$!
BG_PIDS+=("$RUN2")
wait_for sticky/work 10 || fail "sticky not set up: $(cat run2.err)"
as_nobody cp b.src sticky/.b.tmp
as_nobody mv sticky/.b.tmp sticky/b.jsonl
wait_for sticky/done/b.jsonl 30 || fail "b.jsonl not sent while other.jsonl is refused: $(ls -R sticky) $(cat run2.err)"
sleep 2.5 # two more looks at the refused file
kill -0 "$RUN2" 2>/dev/null || fail "the spool stopped on a file it may not move: $(tail -3 run2.err)"
assert_eq 1 "$(grep -c 'other.jsonl: cannot be moved into work/ (Operation not permitted); left in sticky and tried again' run2.err)" \
  "lines about other.jsonl (said once)"
[[ -e sticky/other.jsonl ]] || fail "other.jsonl is gone"
kill -TERM "$RUN2"
rc=0
wait "$RUN2" || rc=$?
assert_eq 0 "$rc" "exit status of the nobody spool after SIGTERM"

# ---- a topic that does not exist: said at start, exit 1
mkdir sp3
rc=0
"$FTZ" produce -t registration --topic-prefix "nosuch$TEST_ID." --spool sp3 2>run3.err || rc=$?
assert_eq 1 "$rc" "exit status of a spool whose topic does not exist"
grep -q "^ftz produce: topic nosuch$TEST_ID.ftz.registry.companies does not exist" run3.err \
  || fail "missing topic: $(cat run3.err)"

"$FTZ" aggregate -q -g spool-hostile --until-idle 2 || fail "aggregate exited $?"
assert_table registrations long.src b.src
