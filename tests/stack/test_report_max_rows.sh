#!/usr/bin/env bash
# Break-it reproducer: --max-rows values that are not a count. Above 1e9
# (or "inf") ftz report exits 2 without a word; "nan" passes the range
# check (comparisons with NaN are false) and is cast to int (undefined
# behaviour; here every row is printed); fractions are cut silently (0.5
# becomes 0, which means "all rows"). Expected: each is a usage error, exit
# 2, with a message naming --max-rows, before connecting.
source "$(dirname "$0")/lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"   # never created: usage errors come first
cd "$WORK"
bad=()
for v in 2147483648 1e10 inf nan 0.5 1.5; do
  rc=0
  "$FTZ" report --max-rows "$v" >out.txt 2>err.txt || rc=$?
  log "--max-rows $v: exit $rc, stderr: $(tr '\n' ' ' <err.txt)"
  if [[ $rc -ne 2 ]] || ! grep -q -- "--max-rows" err.txt; then bad+=("$v"); fi
done
((${#bad[@]} == 0)) || fail "--max-rows not refused with a message: ${bad[*]}"
