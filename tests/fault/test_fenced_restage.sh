#!/usr/bin/env bash
# A member fenced while its next batch is already staged (one partition,
# small fixed-size batches, an operator's `ftz offsets reset` mid-drain):
# it must re-read the stored offset and stage anew, never send the dropped
# batch again. Before the fix, the sink knew a staged batch by its memory
# and size, so after the reset it sent the dropped batch's offsets again
# and again (fenced on the same stale offset many times) or wrote through
# a null array and crashed.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"
"$FTZ" simulate -t customs -n 5000 --seed 5 >customs.jsonl
produce_checked customs customs.jsonl
# Slower commits keep a batch in flight while the next one is staged.
q "CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS \$\$
   BEGIN PERFORM pg_catalog.pg_sleep(0.02); RETURN NULL; END \$\$;
   CREATE CONSTRAINT TRIGGER slow AFTER UPDATE ON ftz.consumer_offsets
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.slow();" >/dev/null
GROUP="restage.$TEST_ID"
member_start m "$GROUP" -t customs --batch 20
wait_committed 400 30 m
"$FTZ" offsets reset -g "$GROUP" -t customs --to earliest --reason "test: fence a running member" \
  >reset.out 2>&1 || fail "reset: $(cat reset.out)"
log "reset: $(head -n 1 reset.out)"
wait_committed 5000 60 m
member_alive m
grep -q 'runtime error' m.err && fail "the member hit undefined behaviour: $(grep -m1 'runtime error' m.err)"
member_stop m
fences=$(grep -c 'not committed, redoing' m.err || true)
log "fenced $fences time(s) after the reset"
# The batch in flight and, at most, one attempt already under way when the
# reset landed; a stale staged batch would be fenced again on every retry.
(( fences >= 1 )) || fail "the reset did not fence the running member; the test proves nothing"
(( fences <= 3 )) || fail "fenced $fences times: the member kept sending a dropped batch ($(grep -o 'stored offset is no longer [0-9]*' m.err | sort | uniq -c | sort -rn | head -n 3 | tr '\n' ';'))"
report_exactness customs customs.jsonl
assert_daily customs.jsonl
