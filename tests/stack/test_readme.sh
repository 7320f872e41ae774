#!/usr/bin/env bash
# A newcomer's path: the demo's steps (as `make demo` runs them: migrate,
# simulated traffic of the three types, `ftz aggregate` with the default
# group, the report), then the README's "Using it" commands, in order, as
# written (build/ftz replaced by the binary under test; the stack's
# environment is already set). Each must exit 0. Before, the README's
# `ftz aggregate -g my-group` failed after the demo (the database already
# aggregated those topics for the demo's group).
source "$(dirname "$0")/lib.sh"
setup_pipeline 3
cd "$WORK"

# ---- the demo's steps (Makefile, target demo)
demo=$(sed -n '/^demo:/,/^$/p' "$FTZ_SOURCE_DIR/Makefile")
grep -q -- '$(FTZ) aggregate -q --until-idle' <<<"$demo" \
  || fail "the Makefile's demo no longer runs ftz aggregate with the default group: update this test"
"$FTZ" simulate -q -t customs -n 3000 --seed 11 | "$FTZ" produce -q -t customs || fail "demo: customs"
"$FTZ" simulate -q -t rail -n 2000 --seed 11 | "$FTZ" produce -q -t rail || fail "demo: rail"
"$FTZ" simulate -q -t registration -n 500 --seed 11 | "$FTZ" produce -q -t registration \
  || fail "demo: registrations"
"$FTZ" aggregate -q --until-idle 3 || fail "demo: aggregate exited $?"
"$FTZ" report >/dev/null || fail "demo: report exited $?"
log "demo steps done"

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
