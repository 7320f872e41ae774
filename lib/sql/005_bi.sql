-- 005: the BI layer: views that answer the zone's questions, the customs
-- office as a dimension, and the three roles (owner, writer, reader).
-- docs/bi.md documents every view, parameter and role.
--
-- Applied, like every migration, in one transaction by `ftz db migrate`
-- (lib/src/migrate.c): the roles below are created, and granted, with the
-- views or not at all.

-- ------------------------------------------------------------ parameters
-- The views read their reference lines from ftz.reference_lines when they
-- are queried: an UPDATE of a row changes every view at once (docs/bi.md).
-- 002 holds the opening as a month (201704); the date the views count
-- months from is its own row, as yyyymmdd.
INSERT INTO ftz.reference_lines (name, value, unit, source) VALUES
  ('liaoning_ftz_opening_date', 20170401, 'yyyymmdd',
   'the Liaoning FTZ opened on 1 April 2017 (Liaoning FTZ report)'),
  ('shanghai_ftz_benchmark_months', 48, 'months',
   'the Shanghai FTZ''s 18,000 registrations came in its first four years: 48 months (Liaoning FTZ report)')
ON CONFLICT (name) DO NOTHING;

-- ------------------------------------------------------------ customs office
-- The v2 field customs_office, kept per declaration in the consumer state
-- (what the latest counted revision had; NULL: none given). Nullable and
-- without a default: adding it rewrites nothing.
ALTER TABLE ftz.customs_declarations ADD COLUMN customs_office text COLLATE "C";
COMMENT ON COLUMN ftz.customs_declarations.customs_office IS
  'customs_office of the latest counted revision (schema v2); NULL when the record had none';

-- ------------------------------------------------------------ views
-- Averages are computed here from the stored sums (never stored), with
-- nullif so that a group with nothing to average gives NULL, not an error.
-- Groups whose count measures all came back to zero (a declaration whose
-- revision moved it to another day or area leaves such rows in
-- customs_daily) are left out: they say nothing.

CREATE VIEW ftz.bi_customs_clearance_daily AS
SELECT day, area, direction, transport_mode,
       sum(declarations)::bigint AS declarations,
       sum(cleared)::bigint AS cleared,
       sum(held)::bigint AS held,
       sum(clearance_seconds_sum)::bigint AS clearance_seconds_sum,
       round(sum(clearance_seconds_sum) / nullif(sum(cleared), 0) / 3600, 1)::numeric(12,1)
           AS avg_clearance_hours
FROM ftz.customs_daily
GROUP BY day, area, direction, transport_mode
HAVING sum(declarations) <> 0;
COMMENT ON VIEW ftz.bi_customs_clearance_daily IS
  'Customs declarations and clearance time per day of filed_at (Asia/Shanghai), area, direction and transport mode.';
COMMENT ON COLUMN ftz.bi_customs_clearance_daily.avg_clearance_hours IS
  'clearance_seconds_sum / cleared / 3600, one decimal; NULL when nothing was cleared';

CREATE VIEW ftz.bi_customs_clearance_monthly AS
SELECT date_trunc('month', day)::date AS month, area, direction, transport_mode,
       sum(declarations)::bigint AS declarations,
       sum(cleared)::bigint AS cleared,
       sum(held)::bigint AS held,
       sum(clearance_seconds_sum)::bigint AS clearance_seconds_sum,
       round(sum(clearance_seconds_sum) / nullif(sum(cleared), 0) / 3600, 1)::numeric(12,1)
           AS avg_clearance_hours
FROM ftz.customs_daily
GROUP BY 1, area, direction, transport_mode
HAVING sum(declarations) <> 0;
COMMENT ON VIEW ftz.bi_customs_clearance_monthly IS
  'bi_customs_clearance_daily per month (first day of the month, Asia/Shanghai); the average from the month''s sums.';

CREATE VIEW ftz.bi_trade_by_partner_monthly AS
SELECT date_trunc('month', day)::date AS month, partner_country, direction,
       sum(declarations)::bigint AS declarations,
       sum(declared_value_cny)::numeric(38,2) AS declared_value_cny,
       round(sum(gross_weight_kg_exact), 3) AS gross_weight_kg
FROM ftz.customs_daily
GROUP BY 1, partner_country, direction
HAVING sum(declarations) <> 0;
COMMENT ON VIEW ftz.bi_trade_by_partner_monthly IS
  'Trade per month, partner country (origin for IMPORT, destination for EXPORT) and direction: count, value in CNY, weight in kg (exact sum, to the gram).';

CREATE VIEW ftz.bi_rail_vs_sea AS
WITH p AS (
    SELECT (SELECT value FROM ftz.reference_lines
            WHERE name = 'sea_transit_days_japan_korea_to_europe') AS sea_days
), m AS (
    SELECT date_trunc('month', day)::date AS month, corridor, cargo_category,
           sum(departures)::bigint AS departures,
           sum(arrivals)::bigint AS arrivals,
           sum(transit_seconds_sum)::bigint AS transit_seconds_sum,
           round(sum(transit_seconds_sum) / nullif(sum(arrivals), 0) / 86400, 1)::numeric(12,1)
               AS avg_transit_days
    FROM ftz.rail_daily
    GROUP BY 1, corridor, cargo_category
    HAVING sum(departures) <> 0 OR sum(arrivals) <> 0
)
SELECT m.month, m.corridor, m.cargo_category, m.departures, m.arrivals, m.transit_seconds_sum,
       m.avg_transit_days, p.sea_days, p.sea_days - m.avg_transit_days AS days_saved
FROM m CROSS JOIN p;
COMMENT ON VIEW ftz.bi_rail_vs_sea IS
  'China-Europe rail per month (of the event), corridor and cargo category: departures, arrivals, average transit days against the sea line (reference_lines.sea_transit_days_japan_korea_to_europe).';
COMMENT ON COLUMN ftz.bi_rail_vs_sea.days_saved IS
  'sea_days - avg_transit_days (the rounded average, so the columns add up); NULL without arrivals';

-- Registrations per month of the whole zone, every month from the opening
-- (or the first month with data, if earlier) to the last month with data,
-- months without registrations included, so the running total and the
-- benchmark are drawn as lines.
--
-- months_since_opening: the months elapsed at the END of the month since
-- the opening month began; the opening month (April 2017) is 1, March 2021
-- is 48, a month before the opening is 0 or less.
-- shanghai_benchmark_cumulative: the Shanghai FTZ's 18,000 registrations in
-- its first 48 months read as a straight line from the opening: 18000 / 48
-- = 375 companies by the end of month 1, 18,000 by the end of month 48, and
-- 18,000 after (capped); 0 before the opening. Both 18000 and 48 are
-- reference lines.
CREATE VIEW ftz.bi_registrations_monthly AS
WITH p AS (
    SELECT (SELECT make_date(div(value, 10000)::int, mod(div(value, 100), 100)::int,
                             mod(value, 100)::int)
            FROM ftz.reference_lines WHERE name = 'liaoning_ftz_opening_date') AS opened,
           (SELECT value FROM ftz.reference_lines
            WHERE name = 'shanghai_ftz_registrations_first_4_years') AS sh_total,
           (SELECT value FROM ftz.reference_lines
            WHERE name = 'shanghai_ftz_benchmark_months') AS sh_months
), m AS (
    SELECT month, sum(companies) AS companies, sum(registered_capital_cny) AS capital
    FROM ftz.registrations_monthly
    GROUP BY month
), span AS (
    SELECT least(min(m.month), date_trunc('month', p.opened)::date) AS first_month,
           max(m.month) AS last_month
    FROM m CROSS JOIN p
    GROUP BY p.opened
), months AS (
    SELECT g::date AS month
    FROM span, generate_series(span.first_month, span.last_month, interval '1 month') AS g
), r AS (
    SELECT months.month,
           coalesce(m.companies, 0)::bigint AS companies,
           coalesce(m.capital, 0)::numeric(38,2) AS registered_capital_cny,
           sum(coalesce(m.companies, 0)) OVER (ORDER BY months.month)::bigint
               AS companies_cumulative,
           ((extract(year FROM months.month) - extract(year FROM p.opened)) * 12
            + extract(month FROM months.month) - extract(month FROM p.opened) + 1)::int
               AS months_since_opening,
           p.sh_total, p.sh_months
    FROM months CROSS JOIN p LEFT JOIN m ON m.month = months.month
)
SELECT month, companies, registered_capital_cny, companies_cumulative, months_since_opening,
       round(sh_total * greatest(0, least(months_since_opening, sh_months))
             / nullif(sh_months, 0), 1) AS shanghai_benchmark_cumulative
FROM r;
COMMENT ON VIEW ftz.bi_registrations_monthly IS
  'New companies per month (Asia/Shanghai) in the whole zone, the running total, and the Shanghai FTZ line (18,000 over its first 48 months, linear, capped).';
COMMENT ON COLUMN ftz.bi_registrations_monthly.months_since_opening IS
  'months elapsed at the end of this month since the opening month began: April 2017 is 1, March 2021 is 48';
COMMENT ON COLUMN ftz.bi_registrations_monthly.shanghai_benchmark_cumulative IS
  'shanghai_ftz_registrations_first_4_years * least(months_since_opening, shanghai_ftz_benchmark_months) / shanghai_ftz_benchmark_months; 0 before the opening';

CREATE VIEW ftz.bi_capital_by_area_investor AS
SELECT area, investor_country,
       sum(companies)::bigint AS companies,
       sum(registered_capital_cny)::numeric(38,2) AS registered_capital_cny,
       round(sum(registered_capital_cny) / nullif(sum(companies), 0), 2)
           AS avg_capital_per_company_cny,
       CASE investor_country
           WHEN 'JP' THEN 'Japan'
           WHEN 'KR' THEN 'Korea'
           WHEN 'CN' THEN 'China'
           ELSE 'Other'
       END AS investor_group
FROM ftz.registrations_monthly
GROUP BY area, investor_country
HAVING sum(companies) <> 0;
COMMENT ON VIEW ftz.bi_capital_by_area_investor IS
  'Registered companies and capital per area and investor country, all time; investor_group keeps Japan and Korea visible by name.';
COMMENT ON COLUMN ftz.bi_capital_by_area_investor.investor_group IS
  'Japan (JP), Korea (KR), China (CN), Other (every other country)';

CREATE VIEW ftz.bi_dead_letters_daily AS
SELECT (rejected_at AT TIME ZONE 'Asia/Shanghai')::date AS day, code,
       count(*) AS dead_letters
FROM ftz.dead_letters
GROUP BY 1, code;
COMMENT ON VIEW ftz.bi_dead_letters_daily IS
  'Rejected records per day of rejected_at (Asia/Shanghai) and reason code.';

-- From the consumer state, which holds per declaration exactly what its
-- latest counted revision contributes to customs_daily (CANCELLED: a row
-- that contributes nothing). Summed over offices and modes it equals
-- customs_daily summed over chapters, partners and modes. It scans the
-- state table (no index on day: every batch would pay for one).
CREATE VIEW ftz.bi_customs_by_office_daily AS
SELECT day, coalesce(nullif(customs_office, ''), '(none)') AS customs_office, area, direction,
       count(*) AS declarations,
       count(*) FILTER (WHERE status = 'CLEARED') AS cleared,
       sum(declared_value_cny)::numeric(38,2) AS declared_value_cny,
       sum(coalesce(clearance_seconds, 0))::bigint AS clearance_seconds_sum,
       round(sum(coalesce(clearance_seconds, 0))
             / nullif(count(*) FILTER (WHERE status = 'CLEARED'), 0) / 3600, 1)::numeric(12,1)
           AS avg_clearance_hours,
       count(*) FILTER (WHERE status = 'HELD') AS held
FROM ftz.customs_declarations
WHERE status <> 'CANCELLED'
GROUP BY 1, 2, area, direction;
COMMENT ON VIEW ftz.bi_customs_by_office_daily IS
  'Customs declarations per day of filed_at (Asia/Shanghai), customs office ((none) when the record had none), area and direction, from the consumer state.';

-- ------------------------------------------------------------ roles
-- Roles belong to the cluster, grants to the database: the roles are made
-- once (when missing) by whichever database migrates first; the grants
-- below are made in every database. A role an administrator made before
-- is left as it is. Making a role needs CREATEROLE; a migration run
-- without it works when the three roles already exist.
--
--   ftz_owner   the role to own the schema and run migrations as (docs/bi.md:
--               PGOPTIONS='-c role=ftz_owner' ftz db migrate); an owner
--               needs no grants: it gets only EXECUTE on ftz.grant_reader.
--   ftz_writer  what `ftz aggregate` (and `ftz offsets reset`) use, no more.
--   ftz_reader  BI: USAGE on schema ftz, SELECT on its tables and views.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['ftz_owner', 'ftz_writer', 'ftz_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- Another database's migration made it at the same moment.
                NULL;
            END;
        END IF;
    END LOOP;
END $$;

-- Nobody but the owner creates in schema ftz (it never granted CREATE; said
-- here so that it stays so). Schema public: PostgreSQL 15 already gives
-- CREATE on it to its owner only.
REVOKE CREATE ON SCHEMA ftz FROM PUBLIC;
GRANT USAGE ON SCHEMA ftz TO ftz_reader, ftz_writer;

-- Reader: every table and view of the schema, read only.
GRANT SELECT ON ALL TABLES IN SCHEMA ftz TO ftz_reader;
-- Tables and views later migrations create stay readable: by default
-- privileges for objects created by the role running the migrations, and
-- by ftz_owner (when this role may set them for it: a member, or a
-- superuser). A migration run by any other role must GRANT SELECT ... TO
-- ftz_reader itself (docs/bi.md).
ALTER DEFAULT PRIVILEGES IN SCHEMA ftz GRANT SELECT ON TABLES TO ftz_reader;
DO $$
BEGIN
    IF current_user <> 'ftz_owner'
       AND pg_catalog.pg_has_role(current_user, 'ftz_owner', 'MEMBER') THEN
        ALTER DEFAULT PRIVILEGES FOR ROLE ftz_owner IN SCHEMA ftz
            GRANT SELECT ON TABLES TO ftz_reader;
    END IF;
END $$;

-- Writer: exactly the statements of lib/src/sink*.c and lib/src/offsets.c.
-- Aggregates and customs state: read, insert, update (INSERT ... ON
-- CONFLICT DO UPDATE, the revision's update); offsets: compare-and-set.
GRANT SELECT, INSERT, UPDATE ON ftz.customs_daily, ftz.rail_daily, ftz.registrations_monthly,
    ftz.customs_declarations, ftz.consumer_offsets TO ftz_writer;
-- Append only: counted ids, the topic's group claim, dead letters and the
-- record of offset moves are never updated or deleted by the consumer.
GRANT SELECT, INSERT ON ftz.rail_events, ftz.companies, ftz.topic_groups, ftz.dead_letters,
    ftz.offset_moves TO ftz_writer;
GRANT USAGE ON SEQUENCE ftz.dead_letters_id_seq, ftz.offset_moves_id_seq TO ftz_writer;

-- ------------------------------------------------------------ analyst logins
-- SELECT ftz.grant_reader('alice', NULL): creates LOGIN role alice (or
-- makes an existing one LOGIN), a member of ftz_reader; with a password
-- (best given already hashed, as `ftz db grant-reader --password-file`
-- does with libpq's PQencryptPasswordConn, so the clear text never reaches
-- the server or its logs), sets it. Runs with the caller's rights: it needs
-- CREATEROLE. Refuses roles that would not be read only (a superuser, a
-- role with CREATEROLE, a member of ftz_writer or ftz_owner) and the three
-- group roles. Returns 'created' or 'updated'.
CREATE FUNCTION ftz.grant_reader(p_name text, p_password text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    r pg_catalog.pg_roles%ROWTYPE;
    verb text := 'updated';
BEGIN
    IF p_name IS NULL OR p_name = '' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'a role name is required';
    END IF;
    IF p_name IN ('ftz_owner', 'ftz_writer', 'ftz_reader') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('%s is one of the group roles; an analyst needs a login of its own', p_name);
    END IF;
    IF p_password = '' THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'the password is empty';
    END IF;
    SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname = p_name;
    IF NOT FOUND THEN
        EXECUTE format('CREATE ROLE %I LOGIN', p_name);
        verb := 'created';
    ELSIF r.rolsuper OR r.rolcreaterole
          OR pg_catalog.pg_has_role(p_name, 'ftz_writer', 'MEMBER')
          OR pg_catalog.pg_has_role(p_name, 'ftz_owner', 'MEMBER') THEN
        RAISE EXCEPTION USING ERRCODE = '42501',
            MESSAGE = format('role %s exists and can do more than read (%s); make a separate login for reading',
                             p_name,
                             CASE WHEN r.rolsuper THEN 'superuser'
                                  WHEN r.rolcreaterole THEN 'CREATEROLE'
                                  ELSE 'a member of ftz_writer or ftz_owner' END);
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN', p_name);
    END IF;
    IF p_password IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_password);
    END IF;
    EXECUTE format('GRANT ftz_reader TO %I', p_name);
    RETURN verb;
END $$;
COMMENT ON FUNCTION ftz.grant_reader(text, text) IS
  'Creates or updates a LOGIN role that is a member of ftz_reader (ftz db grant-reader); needs CREATEROLE.';

-- Functions: only who needs them. PostgreSQL grants EXECUTE to PUBLIC by
-- default; the consumer's functions are the writer's, grant_reader the
-- owner's (and superusers'). A later migration that adds a function
-- revokes it from PUBLIC in the same way (docs/bi.md).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ftz FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    ftz.advance_offsets(text, text[], integer[], bigint[], bigint[], bigint[]),
    ftz.claim_topic(text, text),
    ftz.retry_batch(text)
  TO ftz_writer;
GRANT EXECUTE ON FUNCTION ftz.grant_reader(text, text) TO ftz_owner;
