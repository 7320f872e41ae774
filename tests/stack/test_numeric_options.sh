#!/usr/bin/env bash
# Numeric options refuse what is not a number they can take, before
# connecting anywhere, with exit 2 and a message naming the option: values
# out of range, NaN and infinity (comparisons with NaN are false, and a
# cast to int of either is undefined), and fractions where a whole count
# is needed (0.5 rows would have become 0, "all rows"). Found by the
# break-it pass for ftz report --max-rows; ftz aggregate's options share
# the parser.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"   # never created: usage errors come first
cd "$WORK"
bad=()
refused() { # WHAT COMMAND...: exit 2 and a line naming the option
  local what=$1 rc=0
  shift
  "$@" >out.txt 2>err.txt || rc=$?
  log "$what: exit $rc, stderr: $(tr '\n' ' ' <err.txt | cut -c 1-120)"
  if [[ $rc -ne 2 ]] || ! grep -q -- "${what%% *}" err.txt; then bad+=("$what"); fi
}
for v in 2147483648 1e10 inf nan 0.5 1.5; do
  refused "--max-rows $v" "$FTZ" report --max-rows "$v"
done
for v in nan inf -inf 1.5 0; do
  refused "--batch $v" "$FTZ" aggregate --batch "$v"
done
for v in nan inf 2.5; do
  refused "--pg-lock-timeout $v" "$FTZ" aggregate --pg-lock-timeout "$v"
done
refused "--until-idle nan" "$FTZ" aggregate --until-idle nan
refused "--stats-interval inf" "$FTZ" aggregate --stats-interval inf
((${#bad[@]} == 0)) || fail "not refused with a message: ${bad[*]}"
log "every bad value refused with exit 2, naming its option"
