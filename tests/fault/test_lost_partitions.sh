#!/usr/bin/env bash
# A batch run (--until-idle) whose member loses every partition for a while
# (it was stopped past its session timeout, so the group took them back)
# must not take "owns nothing" for "at the end of everything" and exit 0
# with the backlog unread: it rejoins, gets its partitions back and drains.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
"$FTZ" simulate -t customs -n 40000 --seed 71 >customs.jsonl
produce_checked customs customs.jsonl
total=$(wc -l <customs.jsonl)
GROUP="lost.$TEST_ID"
# Small, slowed batches: the stop comes long before the end.
q "CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS \$\$
   BEGIN PERFORM pg_catalog.pg_sleep(0.01); RETURN NULL; END \$\$;
   CREATE CONSTRAINT TRIGGER slow AFTER UPDATE ON ftz.consumer_offsets
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.slow();" >/dev/null
member_start a "$GROUP" -t customs --batch 200 --until-idle 3 -X session.timeout.ms=6000
wait_committed 2000 30 a
kill -STOP "${MEMBER_PID[a]}"
log "member stopped at $(committed_offsets) of $total committed; waiting past its session timeout"
sleep 9
kill -CONT "${MEMBER_PID[a]}"
rc=0
wait "${MEMBER_PID[a]}" || rc=$?
(( rc == 0 )) || fail "the member exited $rc: $(tail -n 3 a.err)"
grep -qE "partitions lost|rebalance|revok" a.err || log "note: the member did not see its partitions taken (no loss logged)"
assert_eq "$total" "$(committed_offsets)" "every message committed before the batch run ended"
report_exactness customs customs.jsonl
assert_daily customs.jsonl

# Phase 2: a batch-run member that owns nothing while another member holds
# the only partition must wait for it (up to its connect timeout), not exit
# 0 at once as though everything were read; when the other member leaves,
# it takes the partition over and drains.
"$FTZ" simulate -t customs -n 20000 --seed 72 >more.jsonl
produce_checked customs more.jsonl
total=$((total + $(wc -l <more.jsonl)))
# Static members: the range assignor orders them by instance id, so b keeps
# the partition when c joins (and, leaving, holds it until its session
# times out: c has to wait several seconds more).
member_start b "$GROUP" -t customs --batch 200 -X group.instance.id=a-holder \
  -X session.timeout.ms=6000
wait_until 30 "member b to own the partition" grep -q "assigned .*customs.declarations \[0\]" b.err
member_start c "$GROUP" -t customs --batch 200 --until-idle 2 -X group.instance.id=z-waiter
sleep 6
member_alive c   # owning nothing for 6 s is no reason to stop
member_stop b
rc=0
wait "${MEMBER_PID[c]}" || rc=$?
(( rc == 0 )) || fail "member c exited $rc: $(tail -n 3 c.err)"
assert_eq "$total" "$(committed_offsets)" "every message committed by the member that waited"
report_exactness customs customs.jsonl more.jsonl
assert_daily customs.jsonl more.jsonl
