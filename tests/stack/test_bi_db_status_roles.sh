#!/usr/bin/env bash
# Break-it reproducer: `ftz db status` only reads which migrations are
# applied, but it first runs CREATE SCHEMA IF NOT EXISTS ftz and CREATE
# TABLE IF NOT EXISTS ftz.schema_migrations, which PostgreSQL checks for the
# CREATE right before finding they exist: a login in ftz_writer (the
# consumer's) or ftz_reader cannot run it ("permission denied for
# database"), though both may read ftz.schema_migrations.
# Expected: status works for any role that may read the schema.
source "$(dirname "$0")/../lib.sh"
export PGDATABASE="${FTZ_TEST_DB_PREFIX:-ftz_}$TEST_ID"
P="${FTZ_TEST_ROLE_PREFIX:-ftz_t_}${TEST_ID}"
W="${P}_w" R="${P}_r"
cd "$WORK"
on_exit() {
  local rc=$? r
  for r in "$W" "$R"; do psql -X -q -d "$ADMIN_DB" -c "DROP ROLE IF EXISTS \"$r\"" >/dev/null 2>&1 || log "could not drop $r"; done
  return "$rc"
}
trap 'on_exit; cleanup' EXIT
psql -X -q -d "$ADMIN_DB" -c "CREATE DATABASE \"$PGDATABASE\"" >/dev/null || fail "cannot create $PGDATABASE"
"$FTZ" db migrate -q 2>migrate.err || fail "migrate: $(cat migrate.err)"
q "CREATE ROLE \"$W\" LOGIN IN ROLE ftz_writer" >/dev/null
"$FTZ" db grant-reader "$R" 2>/dev/null || fail "grant-reader failed"
"$FTZ" db status >expected.txt || fail "status as the superuser"
bad=()
for r in "$W" "$R"; do
  rc=0
  PGUSER=$r "$FTZ" db status >got.txt 2>err.txt || rc=$?
  log "status as ${r#"$P"_}: exit $rc $(cat err.txt)"
  [[ $rc -eq 0 ]] && cmp -s expected.txt got.txt || bad+=("${r#"$P"_}")
done
((${#bad[@]} == 0)) || fail "ftz db status fails for: ${bad[*]}"
