-- ftz db grant-reader runs its checks and statements itself, against
-- pg_catalog (lib/src/roles.c): a function in schema ftz would run with
-- the rights of the administrator who calls it, and the schema's owner
-- could rewrite it (CREATE OR REPLACE) to escalate. The function of
-- migration 005 goes.
DROP FUNCTION IF EXISTS ftz.grant_reader(text, text);

-- `ftz db status` reads ftz.schema_migrations: so may every role.
GRANT SELECT ON ftz.schema_migrations TO ftz_writer, ftz_reader;
