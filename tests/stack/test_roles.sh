#!/usr/bin/env bash
# The roles of migration 005 (docs/bi.md), each boundary proved by a real
# login: an analyst made by `ftz db grant-reader` reads every view and table
# and can write, create or call nothing; a login in ftz_writer runs a real
# `ftz aggregate` (and `ftz offsets reset`) with exact totals and cannot
# create, drop, delete or truncate; a login in ftz_owner runs every
# migration without superuser and owns what it creates, still readable by
# the analyst. Roles are cluster-wide: the test's own carry its id and are
# dropped at the end, pass or fail.
source "$(dirname "$0")/../lib.sh"
setup_pipeline 3
cd "$WORK"

ANALYST="ftz_t_${TEST_ID}_analyst"
HOSTILE="ftz_t_$$_o'brien \"x\"; DROP TABLE ftz.customs_daily; --"
WRITER="ftz_t_${TEST_ID}_writer"
DEPLOYER="ftz_t_${TEST_ID}_deployer"
OWNER_DB="${PGDATABASE}_owner"

# Roles are named through qv (lib.sh): the test builds no SQL from names either.

drop_test_roles() {
  psql -X -q -d "$ADMIN_DB" -c "DROP DATABASE IF EXISTS \"$OWNER_DB\"" >/dev/null 2>&1 || true
  drop_roles "$ANALYST" "$HOSTILE" "$WRITER" "$DEPLOYER"
}
on_exit() {
  local rc=$?
  drop_test_roles
  return "$rc"
}
trap 'on_exit; cleanup' EXIT

# as ROLE PASSWORD SQL: one statement as login ROLE (psql, like q).
as() { PGUSER="$1" PGPASSWORD="$2" psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$3"; }

# denied ROLE PASSWORD WHAT SQL: the statement must fail with "permission
# denied" (or, for DROP, "must be owner"), and change nothing.
denied() {
  local role=$1 pw=$2 what=$3 sql=$4 out
  if out=$(as "$role" "$pw" "$sql" 2>&1); then
    fail "$what: allowed to $(cut -c1-40 <<<"$role"), expected permission denied"
  fi
  grep -q -E "permission denied|must be owner" <<<"$out" \
    || fail "$what: failed, but not for permission: $out"
}

# ---------------------------------------------------------------- data
"$FTZ" simulate -t customs -n 2000 --seed 91 --revision-rate 0.2 >customs.jsonl
"$FTZ" simulate -t rail -n 1500 --seed 92 >rail.jsonl
"$FTZ" simulate -t registration -n 1000 --seed 93 >registration.jsonl
python3 "$HERE/badrecords.py" customs customs.jsonl bad-customs.jsonl exp-customs.txt
produce_checked customs customs.jsonl
produce_checked rail rail.jsonl
produce_checked registration registration.jsonl
"$FTZ" produce -q -t customs --skip-rules -f bad-customs.jsonl || fail "produce bad customs exited $?"

# ---------------------------------------------------------------- the writer
# A login in ftz_writer and nothing else runs the consumer end to end:
# aggregates, state, dead letters (their id sequence), offsets, the topic
# claim, the functions.
WRITER_PW="writer-$RANDOM$RANDOM"
qv "$WRITER" "CREATE ROLE :\"name\" LOGIN IN ROLE ftz_writer" >/dev/null
qv "$WRITER" "ALTER ROLE :\"name\" PASSWORD '$WRITER_PW'" >/dev/null
PGUSER=$WRITER PGPASSWORD=$WRITER_PW "$FTZ" aggregate -q -g roles --until-idle 2 2>writer.err \
  || fail "ftz aggregate as a login in ftz_writer exited $?: $(tail -n 3 writer.err)"
assert_table customs customs.jsonl
assert_table rail rail.jsonl
assert_table registrations registration.jsonl
assert_eq "$(wc -l <exp-customs.txt)" "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters written by the writer"
assert_eq 3 "$(q "SELECT count(*) FROM ftz.topic_groups WHERE consumer_group = 'roles'")" "topics claimed by the writer"
# An operator's move, as the writer: recorded, and reading again counts
# nothing twice.
PGUSER=$WRITER PGPASSWORD=$WRITER_PW "$FTZ" offsets reset -q -g roles -t customs --to earliest \
  --reason "roles test: read again" >reset.out 2>reset.err \
  || fail "ftz offsets reset as the writer exited $?: $(tail -n 3 reset.err)"
assert_eq 3 "$(qv "$WRITER" "SELECT count(*) FROM ftz.offset_moves WHERE moved_by LIKE '%(pg: ' || :'name' || ')'")" \
  "offset moves recorded as the writer"
PGUSER=$WRITER PGPASSWORD=$WRITER_PW "$FTZ" aggregate -q -g roles --until-idle 2 2>writer2.err \
  || fail "second ftz aggregate as the writer exited $?: $(tail -n 3 writer2.err)"
assert_table customs customs.jsonl
assert_eq "$(wc -l <exp-customs.txt)" "$(q "SELECT count(*) FROM ftz.dead_letters")" "dead letters after reading again"

denied "$WRITER" "$WRITER_PW" "writer CREATE TABLE ftz" "CREATE TABLE ftz.w_made (i int)"
denied "$WRITER" "$WRITER_PW" "writer CREATE TABLE public" "CREATE TABLE public.w_made (i int)"
denied "$WRITER" "$WRITER_PW" "writer CREATE VIEW ftz" "CREATE VIEW ftz.w_view AS SELECT 1 AS one"
denied "$WRITER" "$WRITER_PW" "writer DROP TABLE" "DROP TABLE ftz.customs_daily"
denied "$WRITER" "$WRITER_PW" "writer DROP VIEW" "DROP VIEW ftz.bi_rail_vs_sea"
denied "$WRITER" "$WRITER_PW" "writer DELETE" "DELETE FROM ftz.customs_daily"
denied "$WRITER" "$WRITER_PW" "writer TRUNCATE" "TRUNCATE ftz.rail_daily"
denied "$WRITER" "$WRITER_PW" "writer UPDATE offset_moves" "UPDATE ftz.offset_moves SET reason = 'x'"
denied "$WRITER" "$WRITER_PW" "writer DELETE dead_letters" "DELETE FROM ftz.dead_letters"
denied "$WRITER" "$WRITER_PW" "writer UPDATE reference_lines" "UPDATE ftz.reference_lines SET value = 1"
denied "$WRITER" "$WRITER_PW" "writer reads a BI view" "SELECT count(*) FROM ftz.bi_customs_clearance_daily"
denied "$WRITER" "$WRITER_PW" "writer ALTER TABLE" "ALTER TABLE ftz.customs_daily ADD COLUMN x int"
denied "$WRITER" "$WRITER_PW" "writer CREATE ROLE" "CREATE ROLE nobody_at_all"
log "writer: aggregate, offsets reset exact; create, drop, delete, truncate refused"

# ---------------------------------------------------------------- grant-reader
ANALYST_PW='Analyst pw #1 $x "q" \ end'
printf '%s\n' "$ANALYST_PW" >analyst.pw
"$FTZ" db grant-reader "$ANALYST" --password-file analyst.pw 2>grant.err \
  || fail "ftz db grant-reader exited $?: $(cat grant.err)"
grep -q "role $ANALYST created: LOGIN, member of ftz_reader, password set" grant.err \
  || fail "grant-reader did not say what it did: $(cat grant.err)"
assert_eq "t|t|f|f" \
  "$(qv "$ANALYST" "SELECT rolcanlogin, pg_has_role(rolname, 'ftz_reader', 'MEMBER'),
                          pg_has_role(rolname, 'ftz_writer', 'MEMBER'), rolsuper
                   FROM pg_roles WHERE rolname = :'name'")" "the analyst login"
# The password stored is a SCRAM verifier of the file's line, newline
# dropped (the local cluster trusts every local connection, so a login
# alone would not prove it).
qv "$ANALYST" "SELECT rolpassword FROM pg_authid WHERE rolname = :'name'" >verifier.txt
python3 - "$ANALYST_PW" <<'PY' || fail "the stored password is not the file's"
import base64, hashlib, hmac, sys
pw = sys.argv[1].encode()
v = open("verifier.txt").read().strip()
scheme, rest = v.split("$", 1)
assert scheme == "SCRAM-SHA-256", v[:20]
iter_salt, keys = rest.split("$")
iters, salt = iter_salt.split(":")
stored = keys.split(":")[0]
salted = hashlib.pbkdf2_hmac("sha256", pw, base64.b64decode(salt), int(iters))
client = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
assert base64.b64encode(hashlib.sha256(client).digest()).decode() == stored, "StoredKey differs"
PY
# Again, without a password: updated, password kept.
"$FTZ" db grant-reader "$ANALYST" 2>grant2.err || fail "grant-reader again exited $?: $(cat grant2.err)"
grep -q "role $ANALYST updated" grant2.err || fail "second grant-reader: $(cat grant2.err)"
assert_eq "$(cat verifier.txt)" "$(qv "$ANALYST" "SELECT rolpassword FROM pg_authid WHERE rolname = :'name'")" \
  "the password is kept when none is given"
# A name full of quotes and semicolons is a name, nothing else.
"$FTZ" db grant-reader "$HOSTILE" 2>grant3.err || fail "grant-reader of a hostile name exited $?: $(cat grant3.err)"
assert_eq 1 "$(qv "$HOSTILE" "SELECT count(*) FROM pg_roles WHERE rolname = :'name' AND rolcanlogin")" \
  "the hostile name is one role"
assert_eq 1 "$(q "SELECT count(*) FROM pg_tables WHERE schemaname = 'ftz' AND tablename = 'customs_daily'")" \
  "customs_daily still there"
assert_eq 1 "$(as "$HOSTILE" "" "SELECT 1 FROM ftz.bi_dead_letters_daily LIMIT 1")" "the hostile-named analyst reads"
# Logins that would not be read only are refused.
for r in "$WRITER" postgres ftz_writer; do
  set +e
  "$FTZ" db grant-reader "$r" 2>refused.err
  rc=$?
  set -e
  assert_eq 1 "$rc" "grant-reader $r"
  grep -q -E "could do more than read|reserved or group role" refused.err || fail "grant-reader $r: $(cat refused.err)"
done
assert_eq "f" "$(qv "$WRITER" "SELECT pg_has_role(:'name', 'ftz_reader', 'MEMBER')")" "the writer was not made a reader"

# ---------------------------------------------------------------- the reader
# Every view and table, as the superuser sees it.
views=$(q "SELECT table_name FROM information_schema.views WHERE table_schema = 'ftz' ORDER BY 1")
assert_eq 11 "$(wc -l <<<"$views")" "views in schema ftz"
for v in $views $(q "SELECT tablename FROM pg_tables WHERE schemaname = 'ftz' ORDER BY 1"); do
  assert_eq "$(q "SELECT count(*) FROM ftz.$v")" "$(as "$ANALYST" "$ANALYST_PW" "SELECT count(*) FROM ftz.$v")" \
    "the analyst reads ftz.$v"
done
[[ $(as "$ANALYST" "$ANALYST_PW" "SELECT count(*) FROM ftz.bi_customs_clearance_daily") -gt 0 ]] \
  || fail "the analyst sees no rows"
A=("$ANALYST" "$ANALYST_PW")
denied "${A[@]}" "reader INSERT" \
  "INSERT INTO ftz.customs_daily (day, area, direction, hs_chapter, partner_country, transport_mode)
   VALUES ('2026-01-01', 'DALIAN', 'EXPORT', '39', 'JP', 'SEA')"
denied "${A[@]}" "reader UPDATE" "UPDATE ftz.customs_daily SET declarations = declarations + 1"
denied "${A[@]}" "reader DELETE" "DELETE FROM ftz.customs_daily"
denied "${A[@]}" "reader TRUNCATE" "TRUNCATE ftz.customs_daily"
denied "${A[@]}" "reader TRUNCATE state" "TRUNCATE ftz.customs_declarations"
denied "${A[@]}" "reader UPDATE offsets" "UPDATE ftz.consumer_offsets SET next_offset = 0"
denied "${A[@]}" "reader INSERT dead letter" \
  "INSERT INTO ftz.dead_letters (source_topic, source_partition, source_offset, code, reason)
   VALUES ('t', 0, 0, 'X', 'x')"
denied "${A[@]}" "reader UPDATE parameters" "UPDATE ftz.reference_lines SET value = 1"
denied "${A[@]}" "reader CREATE TABLE ftz" "CREATE TABLE ftz.r_made (i int)"
denied "${A[@]}" "reader CREATE TABLE public" "CREATE TABLE public.r_made (i int)"
denied "${A[@]}" "reader CREATE VIEW ftz" "CREATE VIEW ftz.r_view AS SELECT 1 AS one"
denied "${A[@]}" "reader CREATE VIEW public" "CREATE VIEW public.r_view AS SELECT 1 AS one"
denied "${A[@]}" "reader CREATE FUNCTION ftz" \
  "CREATE FUNCTION ftz.r_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'"
denied "${A[@]}" "reader CREATE SCHEMA" "CREATE SCHEMA r_schema"
denied "${A[@]}" "reader nextval" "SELECT nextval('ftz.dead_letters_id_seq')"
denied "${A[@]}" "reader advance_offsets" \
  "SELECT ftz.advance_offsets('g', ARRAY['t'], ARRAY[0], ARRAY[-1]::bigint[], ARRAY[1]::bigint[],
                              ARRAY[0]::bigint[])"
denied "${A[@]}" "reader claim_topic" "SELECT ftz.claim_topic('t', 'g')"
denied "${A[@]}" "reader CREATE ROLE" "CREATE ROLE nobody_at_all"
# grant-reader runs no function of schema ftz (migration 006 dropped it).
assert_eq "" "$(q "SELECT to_regprocedure('ftz.grant_reader(text,text)')")" "no ftz.grant_reader"
# And in the catalog: SELECT and USAGE, nothing else.
assert_eq "" "$(q "SELECT string_agg(table_name || ':' || privilege_type, ' ') FROM information_schema.role_table_grants
                   WHERE grantee = 'ftz_reader' AND privilege_type <> 'SELECT'")" "the reader's table rights"
assert_eq "" "$(q "SELECT string_agg(p.proname, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = 'ftz' AND has_function_privilege('ftz_reader', p.oid, 'EXECUTE')")" \
  "functions the reader may call"
assert_eq "t|f" "$(q "SELECT has_schema_privilege('ftz_reader', 'ftz', 'USAGE'), has_schema_privilege('ftz_reader', 'ftz', 'CREATE')")" \
  "the reader's schema rights"
assert_eq "" "$(q "SELECT string_agg(p.proname, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = 'ftz' AND has_function_privilege('public', p.oid, 'EXECUTE')")" \
  "functions anyone may call"
# A view added later by the role that migrates is readable at once
# (default privileges).
q "CREATE VIEW ftz.later_view AS SELECT count(*) AS n FROM ftz.rail_daily" >/dev/null
assert_eq "$(q "SELECT n FROM ftz.later_view")" "$(as "$ANALYST" "$ANALYST_PW" "SELECT n FROM ftz.later_view")" \
  "a later view is readable by the reader"
log "reader: every view and table read; write, create, call refused"

# ---------------------------------------------------------------- the owner
# Migrations without superuser: a login in ftz_owner, as ftz_owner, in a
# database where ftz_owner may create schemas. Everything it creates is
# ftz_owner's, and readable by the analyst.
psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$OWNER_DB\"" >/dev/null || fail "cannot create $OWNER_DB"
qv "$DEPLOYER" "CREATE ROLE :\"name\" LOGIN IN ROLE ftz_owner" >/dev/null
PGDATABASE=$OWNER_DB q "GRANT CREATE ON DATABASE \"$OWNER_DB\" TO ftz_owner" >/dev/null
PGDATABASE=$OWNER_DB PGUSER=$DEPLOYER PGOPTIONS='-c role=ftz_owner' "$FTZ" db migrate 2>owner-migrate.err \
  || fail "ftz db migrate as ftz_owner exited $?: $(cat owner-migrate.err)"
assert_eq "ftz_owner|0" \
  "$(PGDATABASE=$OWNER_DB q "SELECT nspowner::regrole,
            (SELECT count(*) FROM pg_class WHERE relnamespace = n.oid AND relowner <> n.nspowner)
     FROM pg_namespace n WHERE nspname = 'ftz'")" "schema and objects owned by ftz_owner"
assert_eq 0 "$(PGDATABASE=$OWNER_DB as "$ANALYST" "$ANALYST_PW" "SELECT count(*) FROM ftz.bi_registrations_monthly")" \
  "the analyst reads the owner-made database"
PGDATABASE=$OWNER_DB PGUSER=$DEPLOYER PGOPTIONS='-c role=ftz_owner' \
  psql -X -q -v ON_ERROR_STOP=1 -c "CREATE VIEW ftz.owner_later AS SELECT 42 AS n" \
  || fail "ftz_owner cannot create a view"
assert_eq 42 "$(PGDATABASE=$OWNER_DB as "$ANALYST" "$ANALYST_PW" "SELECT n FROM ftz.owner_later")" \
  "a view ftz_owner adds later is readable by the reader"
denied "$DEPLOYER" "" "a login in ftz_owner does not make roles without CREATEROLE" \
  "CREATE ROLE nobody_at_all"
log "owner: migrations without superuser, objects owned by ftz_owner"
