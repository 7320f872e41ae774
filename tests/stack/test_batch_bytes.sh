#!/usr/bin/env bash
# Memory per batch is bounded by bytes, not only by messages: a few hundred
# ~900 KB junk messages (dead letters: each kept whole in the batch until it
# commits) among valid registrations, run with --batch-bytes 8388608:
# (a) the run finishes, every junk message is in ftz.dead_letters whole,
#     the valid records are counted exactly;
# (b) the peak memory printed at exit stays below a bound that follows from
#     the batch bound (see BOUND below), over many batches; a run with a
#     large --batch-bytes is shown for contrast (not asserted).
source "$(dirname "$0")/../lib.sh"
source "$FTZ_SOURCE_DIR/tests/interop/pyenv.sh"
setup_pipeline 3
cd "$WORK"

G=bytes
R=$(topic ftz.registry.companies)
D=$(topic ftz.deadletter)
N_JUNK=240
JUNK_SIZE=921600 # 900 KiB
BATCH_BYTES=8388608
raw() { "$FTZ_PY" "$HERE/rawkafka.py" "$@"; }
# ASan (the Debug build the stack tests run) keeps up to 256 MiB of freed
# memory in its quarantine, resident: the peak would measure ASan, not the
# consumer. Without it, the ASan and release builds peak within ~10% here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

# The junk fills ~450 MB of topics (copies on the dead-letter topic
# included): removed at exit, pass or fail, so the shared broker's disk
# does not fill up. The database is kept on failure as usual.
trap 'rc_=$?; raw delete "$FTZ_BROKERS" "$R" 2>/dev/null; raw delete "$FTZ_BROKERS" "$D" 2>/dev/null; (exit $rc_); cleanup' EXIT

"$FTZ" simulate -t registration -n 1000 --seed 97 >reg.jsonl
head -n 500 reg.jsonl >a.jsonl
tail -n +501 reg.jsonl >b.jsonl
for i in $(seq "$N_JUNK"); do
  printf '{"key": "JUNK-%d", "value_junk": %d, "seed": %d}\n' "$i" "$JUNK_SIZE" "$i"
done >junk.jsonl
"$FTZ" produce -q -t registration -f a.jsonl || fail "produce exited $?"
raw send "$FTZ_BROKERS" "$R" <junk.jsonl >sent.txt 2>send.err || fail "raw send: $(cat send.err)"
"$FTZ" produce -q -t registration -f b.jsonl || fail "produce exited $?"

run() { # NAME BATCH_BYTES: ftz aggregate --until-idle (killed after 90 s)
  local t0=$SECONDS
  rc=0
  timeout -k 5 90 "$FTZ" aggregate -g "$G" --until-idle 3 --batch-bytes "$2" >"$1.out" 2>"$1.err" || rc=$?
  summary=$(grep ' messages in .* batches' "$1.err" | sed 's/.*INFO  STATS //')
  log "$1 (--batch-bytes $2): exit $rc after $((SECONDS - t0)) s: $summary"
  assert_eq 0 "$rc" "$1: exit status ($(grep -v ' INFO \| RULES ' "$1.err" | tail -n 3 | cut -c 1-200))"
  peak=$(sed -n 's/.*peak memory \([0-9]*\) MiB.*/\1/p' "$1.err")
  batches=$(sed -n 's/.* messages in \([0-9]*\) batches.*/\1/p' "$1.err")
  [[ -n $peak && -n $batches ]] || fail "$1: no final counts line with the peak memory"
}

# ---- (a) bounded run: finishes, every junk message a whole dead letter, exact
run bounded "$BATCH_BYTES"
peak_bounded=$peak
report_exactness registrations a.jsonl b.jsonl || fail "valid records not exact"
assert_eq "$N_JUNK|$((N_JUNK * JUNK_SIZE))" \
  "$(q "SELECT count(*), sum(length(payload)) FROM ftz.dead_letters WHERE code = 'BAD_FRAMING'")" \
  "junk dead letters (count|bytes kept)"
python3 - <<'PY' || fail "a dead letter does not keep its message whole"
import subprocess
rows = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-c",
                       "SELECT source_partition, source_offset, length(payload), md5(payload)"
                       " FROM ftz.dead_letters"], capture_output=True, text=True, check=True).stdout
kept = {tuple(l.split("|")[:2]): tuple(l.split("|")[2:]) for l in rows.split()}
for line in open("sent.txt"):
    p, o, klen, vlen, kmd5, vmd5 = line.strip().split("|")
    assert kept.get((p, o)) == (vlen, vmd5), (p, o, kept.get((p, o)), vlen, vmd5)
PY
# A batch closes once its bytes reach BATCH_BYTES (so it may pass them by
# one message): at most ceil(BATCH_BYTES / JUNK_SIZE) junk messages each, so
# the junk alone needs this many batches if the byte bound, not the
# 5000-message one, closed them.
per_batch=$(( (BATCH_BYTES + JUNK_SIZE - 1) / JUNK_SIZE ))
min_batches=$(( (N_JUNK + per_batch - 1) / per_batch ))
((batches >= min_batches)) || fail "$batches batches for $((N_JUNK * JUNK_SIZE)) bytes of junk: the byte bound did not close them (at least $min_batches expected, $per_batch junk messages each)"

# ---- (b) the bound on peak memory
# A batch's bytes are held several times over: the batch itself, the
# dead-letter producer's copies until the broker acknowledges them, the
# dead_letters array parameter, and libpq's output buffer sending it
# (measured: peak grows by ~4 MiB per MiB of --batch-bytes, 4 to 32 MiB);
# and the next batch fills while one is in PostgreSQL's hands: 5 batches'
# worth in all. Besides: the prefetch queue (queued.max.messages.kbytes=
# 16384), one fetch response per partition beyond it (max.partition.fetch.
# bytes 1 MiB x 3), and a baseline of 40 MiB (an idle member peaks at
# 21-25 MiB, ASan build). Measured: 72-84 MiB (ASan and release builds).
BOUND=$((5 * BATCH_BYTES / 1048576 + 16 + 3 + 40))
log "peak memory with --batch-bytes $BATCH_BYTES: $peak_bounded MiB over $batches batches (bound $BOUND MiB)"

# Contrast (not asserted): the same backlog with a 256 MiB byte bound, i.e.
# bounded by the message count only. Counted again from scratch.
q "TRUNCATE ftz.consumer_offsets, ftz.dead_letters, ftz.companies, ftz.registrations_monthly" >/dev/null
run unbounded 268435456
log "peak memory with --batch-bytes 268435456: $peak MiB over $batches batches (for contrast)"
report_exactness registrations a.jsonl b.jsonl || fail "valid records not exact in the contrast run"

((peak_bounded <= BOUND)) || fail "peak memory $peak_bounded MiB with --batch-bytes $BATCH_BYTES exceeds the bound $BOUND MiB"
