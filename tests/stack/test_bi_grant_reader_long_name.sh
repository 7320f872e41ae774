#!/usr/bin/env bash
# Break-it reproducer: `ftz db grant-reader NAME` with NAME longer than 63
# bytes (NAMEDATALEN). ftz.grant_reader looks NAME up in full (not found),
# then CREATE ROLE %I makes the role under the name cut to 63 bytes; the
# command reports the long name as created, and running it again (which
# docs/bi.md says updates) fails with "already exists".
# Expected: the name refused (it cannot be a role name), or the same role
# found and updated the second time; never a role under another name.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
P="${FTZ_TEST_ROLE_PREFIX:-ftz_t_}"
LONG="${P}${TEST_ID}_$(printf 'L%.0s' $(seq 1 70))"
CUT="${LONG:0:63}"
cd "$WORK"
on_exit() {
  local rc=$?
  [[ -z $CUT ]] || psql -X -q -d "$ADMIN_DB" -c "DROP ROLE IF EXISTS \"$CUT\"" >/dev/null 2>&1 || log "could not drop $CUT"
  return "$rc"
}
trap 'on_exit; cleanup' EXIT
[[ $(psql -X -A -t -q -d "$ADMIN_DB" -c "SELECT count(*) FROM pg_roles WHERE rolname = '$CUT'") == 0 ]] || { CUT=; fail "role $CUT exists already"; }
psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$PGDATABASE\"" >/dev/null || fail "cannot create $PGDATABASE"
"$FTZ" db migrate -q 2>migrate.err || fail "migrate: $(cat migrate.err)"
rc1=0; "$FTZ" db grant-reader "$LONG" 2>g1.err || rc1=$?
rc2=0; "$FTZ" db grant-reader "$LONG" 2>g2.err || rc2=$?
log "first: exit $rc1: $(cat g1.err)"
log "second: exit $rc2: $(cat g2.err)"
made=$(q "SELECT count(*) FROM pg_roles WHERE rolname = '$CUT'")
if [[ $made -ne 0 ]]; then
  fail "grant-reader of a ${#LONG}-byte name made role $CUT (cut to 63 bytes); first exit $rc1, second exit $rc2"
fi
