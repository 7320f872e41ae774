#!/usr/bin/env bash
# "One group per database": ftz aggregate refuses to start when
# ftz.consumer_offsets already holds ANOTHER group's offsets for one of its
# topics. The check is made once, at start, and nothing enforces it when a
# batch commits. Two groups started at the same moment on a database that
# holds no offsets yet (two deployments with different -g, a typo in one)
# both pass it and both store offsets. From then on NEITHER can start
# again, each told to use the other:
#   ftz aggregate: this database already aggregates T for consumer group
#   "B"; ... Run with -g B            (and the same for B, naming A)
# `ftz offsets reset` refuses both groups too: only hand-written SQL gets
# the pipeline going again.
# Expected: the second group refused (its first commit fails), so that the
# first one can be restarted.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

"$FTZ" simulate -t registration -n 1500 --seed 7 >registrations.jsonl
produce_checked registration registrations.jsonl

timeout -k 5 60 "$FTZ" aggregate -g brk-group-a -t registration --until-idle 2 2>a.err &
pa=$!
timeout -k 5 60 "$FTZ" aggregate -g brk-group-b -t registration --until-idle 2 2>b.err &
pb=$!
ra=0 rb=0
wait $pa || ra=$?
wait $pb || rb=$?
log "group a exit $ra, group b exit $rb; groups with offsets: $(q "SELECT string_agg(DISTINCT consumer_group, ', ') FROM ftz.consumer_offsets")"
assert_table registrations registrations.jsonl
assert_eq 1 "$(q "SELECT count(DISTINCT consumer_group) FROM ftz.consumer_offsets")" \
  "groups holding offsets of one topic in one database"

# Whichever group holds the offsets must be able to run again.
g=$(q "SELECT min(consumer_group) FROM ftz.consumer_offsets")
timeout -k 5 60 "$FTZ" aggregate -g "$g" -t registration --until-idle 2 2>again.err \
  || fail "group $g cannot run again: $(tail -n 1 again.err)"
