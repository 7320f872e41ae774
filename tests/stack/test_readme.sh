#!/usr/bin/env bash
# A newcomer's path: the demo's steps (as `make demo` runs them: simulated
# traffic of the three types straight to Kafka with dirty records, `ftz
# aggregate` with the default group, `ftz check` against the simulator's
# expectation, the report), then the README's "Using it" commands, in order, as
# written (build/ftz replaced by the binary under test; the stack's
# environment is already set). Each must exit 0. Before, the README's
# `ftz aggregate -g my-group` failed after the demo (the database already
# aggregated those topics for the demo's group).
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

# ---- the demo's steps (Makefile, target demo; here in the test's own
# database and topic prefix, where the demo uses ftz_demo and its own)
demo=$(sed -n '/^demo:/,/^$/p' "$FTZ_SOURCE_DIR/Makefile")
for step in 'simulate -q -t all' '--expect' 'aggregate -q --until-idle' 'check --expect'; do
  grep -q -- "$step" <<<"$demo" || fail "the Makefile's demo no longer has \"$step\": update this test"
done
"$FTZ" simulate -q -t all -n 6000 --start 2017-04-01T00:00:00+08:00 --days 3500 --dirty 2 \
  --seed 11 --expect expect.json -b "$FTZ_BROKERS" || fail "demo: simulate exited $?"
"$FTZ" aggregate -q --until-idle 3 || fail "demo: aggregate exited $?"
"$FTZ" check --expect expect.json >check.out 2>&1 || fail "demo: check: $(tail -n 5 check.out)"
"$FTZ" report >/dev/null || fail "demo: report exited $?"
log "demo steps done: the tables hold what the simulator expected"

# ---- the README's block, line by line
block=$(sed -n '/^## Using it/,/^```$/p' "$FTZ_SOURCE_DIR/README.md" | sed -n '/^```sh$/,/^```$/p' \
        | sed '1d;$d')
[[ -n $block ]] || fail "no sh block under \"## Using it\" in README.md"
n=0
while IFS= read -r line; do
  [[ -z $line || $line == eval* ]] && continue # the environment is set already
  cmd=${line//build\/ftz/$FTZ}
  n=$((n + 1))
  rc=0
  bash -c "set -o pipefail; $cmd" >"step$n.out" 2>"step$n.err" </dev/null || rc=$?
  log "README step $n (exit $rc): $line"
  ((rc == 0)) || fail "README step $n exited $rc: $line: $(tail -n 3 "step$n.err")"
done <<<"$block"
((n >= 8)) || fail "only $n README steps found"
assert_eq 1 "$(q "SELECT count(DISTINCT consumer_group) FROM ftz.consumer_offsets")" \
  "consumer groups in the database (the demo's and the README's are one)"
