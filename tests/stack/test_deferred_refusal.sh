#!/usr/bin/env bash
# PostgreSQL refuses a batch at COMMIT (an operator's DEFERRABLE INITIALLY
# DEFERRED constraint trigger, SQLSTATE 23514). The isolation pass applies
# rows under savepoints, where a deferred constraint never fires, so it
# finds no record to blame. docs/exactly-once.md: "Only a refusal no single
# record explains stops the consumer." What happens instead: the batch is
# redone for ever, every 30 s, logging only
#   WARN BATCH batch of 50 messages not committed, redoing it in 30.0s: no
#        single record explains the refusal
# (the server's message, naming what was refused, is lost), and a batch run
# (--until-idle 2) never ends.
# Expected, either: the refused records dead-lettered (SINK_REJECTED, e.g.
# with SET CONSTRAINTS ALL IMMEDIATE while isolating) and the rest counted,
# exit 0; or one clear error carrying PostgreSQL's message, exit 1.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 1
cd "$WORK"

"$FTZ" simulate -t customs -n 50 --seed 5 >customs.jsonl
q "CREATE FUNCTION public.refuse_chapter_39() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN
     IF NEW.hs_chapter = '39' THEN
       RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'deferred refusal of ' || NEW.declaration_id;
     END IF;
     RETURN NULL;
   END \$\$;
   CREATE CONSTRAINT TRIGGER refuse_chapter_39 AFTER INSERT OR UPDATE ON ftz.customs_declarations
   DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.refuse_chapter_39()" >/dev/null
produce_checked customs customs.jsonl

rc=0
timeout -k 5 60 "$FTZ" aggregate -g brk-deferred --until-idle 2 -t customs 2>agg.err || rc=$?
log "exit $rc; $(grep -c 'not committed' agg.err) batches redone"
((rc != 124 && rc != 137)) \
  || fail "a batch run did not end within 60 s; it kept redoing: $(grep 'not committed' agg.err | tail -n 1 | cut -c 1-200)"
if ((rc == 0)); then
  refused=$(q "SELECT count(*) FROM ftz.dead_letters WHERE code = 'SINK_REJECTED'")
  ((refused > 0)) || fail "exit 0 but nothing dead-lettered"
  log "refused records dead-lettered: $refused"
else
  log_has agg.err 'deferred refusal of' \
    || fail "exit $rc without PostgreSQL's message: $(tail -n 1 agg.err)"
fi
