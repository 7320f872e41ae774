#!/usr/bin/env bash
# ftz offsets show: the status of a stored offset whose partition or topic
# is gone from Kafka stays on its own row after the rows are sorted. Found
# by the break-it pass of issue 11: the status pointed into the row's
# buffer, the sort moved the row, and the line printed an empty status (or
# another row's) for a partition Kafka does not have.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
setup_pipeline 3
cd "$WORK"

G=status
T=$(topic ftz.customs.declarations)
# Stored: partition 0 (in range), 7 (the topic has 3) and a topic Kafka does
# not have; partitions 1 and 2 have nothing stored and sort between them.
q "INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition, next_offset)
   VALUES ('$G', '$T', 0, 0), ('$G', '$T', 7, 5), ('$G', '${T}x', 2, 1)"
rc=0
"$FTZ" offsets show -q -g "$G" -t customs --topic "${T}x" >show.out 2>show.err || rc=$?
log "$(cat show.out)"
assert_eq 3 "$rc" "exit status with offsets outside Kafka ($(cat show.err))"
status_of() { awk -v t="$1" -v p="$2" '$2 == t && $3 == p { $1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; sub(/^ +/, ""); print }' show.out; }
assert_eq "ok" "$(status_of "$T" 0)" "status of partition 0"
assert_eq "no stored offset: starts at the log start" "$(status_of "$T" 1)" "status of partition 1"
assert_eq "partition does not exist in Kafka (the topic has 3)" "$(status_of "$T" 7)" \
  "status of partition 7"
assert_eq "topic does not exist in Kafka" "$(status_of "${T}x" 2)" "status of the missing topic"
log "every row has its own status"
