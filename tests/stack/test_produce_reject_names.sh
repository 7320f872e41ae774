#!/usr/bin/env bash
# ftz produce: a rejected record's line (FILE:LINE: CODE reason) is one
# line without control characters, whatever the file's name holds. Found by
# the break-it pass of issue 11: a name with ESC and a line end (a spool
# directory takes files from others) was printed raw, colouring the
# terminal and forging a line of its own.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"

name=$'bad\e[31mname\nCUSTOMS:9: FORGED.jsonl'
printf '{"declaration_id": "x"}\nnot json\n' >"$name"
rc=0
"$FTZ" produce -t customs "$name" >out.txt 2>err.txt || rc=$?
log "exit $rc, stderr: $(cat -v err.txt)"
assert_eq 3 "$rc" "exit status with rejected records"
grep -q $'\e' err.txt && fail "ESC reached stderr: $(cat -v err.txt)"
grep -q '^CUSTOMS:9' err.txt && fail "the name forged a line: $(cat -v err.txt)"
assert_eq 2 "$(grep -c '^bad?\[31mname CUSTOMS:9: FORGED.jsonl:[12]: ' err.txt)" \
  "reject lines, one per record, the name flattened"
log "reject lines name the file on one line, control characters as '?'"
