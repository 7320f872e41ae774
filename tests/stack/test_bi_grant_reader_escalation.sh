#!/usr/bin/env bash
# Break-it reproducer: `ftz db grant-reader NAME` promises a read-only
# login (docs/bi.md: "It refuses a superuser, a role with CREATEROLE, a
# member of ftz_writer or ftz_owner ... such a login would not be read
# only"). It checks rolsuper/rolcreaterole of NAME itself and membership in
# ftz_writer/ftz_owner only, so it turns into LOGIN, "member of ftz_reader",
# an existing NOLOGIN role that
#   - is a member of a superuser role (SET ROLE gives superuser),
#   - is a member of pg_write_all_data (writes every ftz table),
#   - is a member of pg_execute_server_program (runs shell commands),
#   - owns a table of schema ftz (may write, alter, drop it).
# Expected: each is refused (exit 1) and stays NOLOGIN.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
P="${FTZ_TEST_ROLE_PREFIX:-ftz_t_}${TEST_ID}"
SUMEMBER="${P}_sumember" WAD="${P}_wad" PROG="${P}_prog" TABOWNER="${P}_tabowner"
cd "$WORK"

on_exit() {
  local rc=$? r
  psql -X -q -c "ALTER TABLE ftz.reference_lines OWNER TO CURRENT_USER" >/dev/null 2>&1 || true
  drop_roles "$SUMEMBER" "$WAD" "$PROG" "$TABOWNER"
  return "$rc"
}
trap 'on_exit; cleanup' EXIT

psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$PGDATABASE\"" >/dev/null || fail "cannot create $PGDATABASE"
"$FTZ" db migrate -q 2>migrate.err || fail "migrate: $(cat migrate.err)"

SUPER=$(q "SELECT current_user")
assert_eq t "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" "the test runs as a superuser"
qv "$SUMEMBER" "CREATE ROLE :\"name\" NOLOGIN; GRANT \"$SUPER\" TO :\"name\";" >/dev/null
qv "$WAD" "CREATE ROLE :\"name\" NOLOGIN IN ROLE pg_write_all_data" >/dev/null
qv "$PROG" "CREATE ROLE :\"name\" NOLOGIN IN ROLE pg_execute_server_program" >/dev/null
qv "$TABOWNER" "CREATE ROLE :\"name\" NOLOGIN; ALTER TABLE ftz.reference_lines OWNER TO :\"name\";" >/dev/null

bad=()
for r in "$SUMEMBER" "$WAD" "$PROG" "$TABOWNER"; do
  rc=0
  "$FTZ" db grant-reader "$r" 2>grant.err || rc=$?
  login=$(qv "$r" "SELECT rolcanlogin FROM pg_roles WHERE rolname = :'name'")
  log "grant-reader ${r#"$P"_}: exit $rc, LOGIN=$login: $(cat grant.err)"
  if [[ $rc -eq 0 || $login == t ]]; then bad+=("${r#"$P"_}"); fi
done
# What such a "reader" can do, for the record.
if [[ $(qv "$SUMEMBER" "SELECT rolcanlogin FROM pg_roles WHERE rolname = :'name'") == t ]]; then
  got=$(PGUSER=$SUMEMBER psql -X -A -t -q -c "SET ROLE \"$SUPER\"; SELECT rolsuper FROM pg_roles WHERE rolname = current_user" 2>&1 || true)
  log "the 'reader' $SUMEMBER after SET ROLE $SUPER: rolsuper=$got"
fi
((${#bad[@]} == 0)) || fail "grant-reader made these roles LOGIN as readers though they are not read only: ${bad[*]}"
