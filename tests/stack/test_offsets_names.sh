#!/usr/bin/env bash
# ftz offsets show and history print names and reasons from the database:
# a group name holding ESC (a colour sequence) and a newline, and a reason
# holding a screen-clearing sequence, are shown with \xNN escapes: no raw
# control byte reaches the terminal and the table keeps one line per row,
# its columns aligned on the escaped text. Found by the break-it pass of
# `ftz offsets` (the names were printed raw).
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

T=$(topic ftz.customs.declarations)
G=$'g\e[31mred\nx'
G_SHOWN='g\x1B[31mred\x0Ax'

# Stored for partition 1 only, as by `ftz aggregate -g "$G"`.
printf 'INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition, next_offset)
        VALUES (:'"'"'name'"'"', '"'$T'"', 1, 0);\n' | psql -X -q -v ON_ERROR_STOP=1 -v name="$G" \
  || fail "cannot store the offset"

# no_controls FILE WHAT: FILE holds no control byte but newlines.
no_controls() {
  local n
  n=$(LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C tr -dc '\000-\037\177' | wc -c)
  assert_eq 0 "$n" "raw control bytes in $2"
}

rc=0
"$FTZ" offsets show -q -t customs >show.out 2>show.err || rc=$?
log "$(cat show.out)"
assert_eq 0 "$rc" "exit status of show ($(cat show.err))"
no_controls show.out "show"
assert_eq 4 "$(wc -l <show.out)" "lines of show (a header and one per partition)"
assert_eq 3 "$(grep -cF "$G_SHOWN  $T" show.out)" "rows of the escaped group"
# Aligned: the status column starts at the same character on every line.
starts=$(LC_ALL=C awk '{ i = index($0, "  ok"); if (!i) i = index($0, "  no stored"); if (!i) i = index($0, "  status"); print i }' show.out | sort -u)
assert_eq 1 "$(wc -l <<<"$starts")" "the status column starts at one place on every line ($starts)"

R=$'restore\e[2J from backup\r'
"$FTZ" offsets reset -q -g "$G" -t customs --partition 0 --to earliest --reason "$R" >reset.out 2>reset.err \
  || fail "reset exited $?: $(cat reset.err)"
"$FTZ" offsets history -q -g "$G" >history.out 2>history.err || fail "history exited $?: $(cat history.err)"
log "$(cat history.out)"
no_controls history.out "history"
assert_eq 1 "$(wc -l <history.out)" "lines of history (one move)"
grep -qF "$G_SHOWN $T [0]" history.out || fail "history does not show the escaped group and topic"
grep -qF 'restore\x1B[2J from backup\x0D' history.out || fail "history does not show the escaped reason"
log "names and reasons are escaped"
