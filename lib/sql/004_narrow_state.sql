-- 004: per-entity state only as wide as exactly-once needs, the offsets
-- compare-and-set as one function, and an error the sink raises on purpose.
--
-- The state tables are bookkeeping for the consumer, not a store of
-- records: every statement of a batch writes one row per new entity, so
-- each column and index there costs on every record. They keep what the
-- de-duplication and revision rules compare against, and (customs) what a
-- replaced revision retracts. The records themselves stay in Kafka.

-- Keys compare byte by byte (COLLATE "C"): they are ASCII codes and ids,
-- and every batch looks up and orders thousands of them; a linguistic
-- collation would compare each pair through strcoll for the same order.

-- Customs: the latest counted revision of each declaration, with the
-- aggregate key and measures it contributed, so that a newer revision
-- retracts exactly that.
CREATE TABLE ftz.customs_state (
    declaration_id          text COLLATE "C" PRIMARY KEY,
    revision                integer  NOT NULL,
    status                  text     NOT NULL,
    day                     date     NOT NULL,
    area                    text     NOT NULL,
    direction               text     NOT NULL,
    hs_chapter              text     NOT NULL,
    partner_country         text     NOT NULL,
    transport_mode          text     NOT NULL,
    declared_value_cny      numeric(38,2) NOT NULL,
    gross_weight_kg_exact   numeric  NOT NULL,
    clearance_seconds       bigint
);
INSERT INTO ftz.customs_state
SELECT declaration_id, revision, status, day, area, direction, hs_chapter, partner_country,
       transport_mode, declared_value_cny, gross_weight_kg_exact, clearance_seconds
FROM ftz.customs_declarations;
DROP TABLE ftz.customs_declarations;
ALTER TABLE ftz.customs_state RENAME TO customs_declarations;
ALTER INDEX ftz.customs_state_pkey RENAME TO customs_declarations_pkey;
COMMENT ON TABLE ftz.customs_declarations IS
  'Consumer state: the latest counted revision of each declaration and what it contributed to customs_daily.';

-- Rail: every counted event id (each counts once).
CREATE TABLE ftz.rail_state (event_id text COLLATE "C" PRIMARY KEY);
INSERT INTO ftz.rail_state SELECT event_id FROM ftz.rail_events;
DROP TABLE ftz.rail_events;
ALTER TABLE ftz.rail_state RENAME TO rail_events;
ALTER INDEX ftz.rail_state_pkey RENAME TO rail_events_pkey;
COMMENT ON TABLE ftz.rail_events IS 'Consumer state: every counted rail event_id.';

-- Registrations: every counted USCC (the first valid registration counts).
CREATE TABLE ftz.companies_state (uscc text COLLATE "C" PRIMARY KEY);
INSERT INTO ftz.companies_state SELECT uscc FROM ftz.companies;
DROP TABLE ftz.companies;
ALTER TABLE ftz.companies_state RENAME TO companies;
ALTER INDEX ftz.companies_state_pkey RENAME TO companies_pkey;
COMMENT ON TABLE ftz.companies IS 'Consumer state: every counted company USCC.';

-- The fence of every batch: moves each partition's next offset from the
-- offset the batch started at to the one after its last message, in the
-- (topic, partition) order the caller sorted them in (so two members lock
-- offset rows in one order). expected < 0: no row may exist yet. If any
-- row does not hold the expected offset, another member owns the
-- partition now: SQLSTATE FZ001 aborts the whole batch transaction.
CREATE FUNCTION ftz.advance_offsets(p_group text, p_topics text[], p_partitions integer[],
                                    p_expected bigint[], p_next bigint[])
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    i integer;
    n integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_topics, 1), 0) LOOP
        IF p_expected[i] < 0 THEN
            INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition, next_offset)
            VALUES (p_group, p_topics[i], p_partitions[i], p_next[i])
            ON CONFLICT DO NOTHING;
        ELSE
            UPDATE ftz.consumer_offsets SET next_offset = p_next[i], updated_at = now()
            WHERE consumer_group = p_group AND topic = p_topics[i]
              AND partition = p_partitions[i] AND next_offset = p_expected[i];
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n <> 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'FZ001',
                MESSAGE = format('%s [%s]: stored offset is no longer %s; another consumer has taken the partition',
                                 p_topics[i], p_partitions[i],
                                 CASE WHEN p_expected[i] < 0 THEN 'unset' ELSE p_expected[i]::text END);
        END IF;
    END LOOP;
END $$;

-- Raised by a batch statement that found another member had just written
-- the same new entity (two first revisions of one declaration in flight
-- at once): SQLSTATE 40001, so the batch is retried and then sees it.
CREATE FUNCTION ftz.retry_batch(p_message text) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = p_message;
END $$;

-- The aggregate tables' text keys compare byte by byte too (same order for
-- their ASCII values). The views over them are re-created unchanged.
DROP VIEW ftz.customs_clearance;
DROP VIEW ftz.rail_transit;
DROP VIEW ftz.registrations_cumulative;
ALTER TABLE ftz.customs_daily
    ALTER area TYPE text COLLATE "C", ALTER direction TYPE text COLLATE "C",
    ALTER hs_chapter TYPE text COLLATE "C", ALTER partner_country TYPE text COLLATE "C",
    ALTER transport_mode TYPE text COLLATE "C";
ALTER TABLE ftz.rail_daily
    ALTER corridor TYPE text COLLATE "C", ALTER direction TYPE text COLLATE "C",
    ALTER cargo_category TYPE text COLLATE "C",
    ALTER goods_origin_country TYPE text COLLATE "C";
ALTER TABLE ftz.registrations_monthly
    ALTER area TYPE text COLLATE "C", ALTER industry TYPE text COLLATE "C",
    ALTER enterprise_type TYPE text COLLATE "C", ALTER investor_country TYPE text COLLATE "C";

CREATE VIEW ftz.customs_clearance AS
SELECT day, area, direction, transport_mode,
       sum(declarations) AS declarations,
       sum(cleared) AS cleared,
       CASE WHEN sum(cleared) > 0
            THEN round(sum(clearance_seconds_sum)::numeric / sum(cleared) / 3600, 2)
       END AS avg_clearance_hours
FROM ftz.customs_daily
GROUP BY day, area, direction, transport_mode;

CREATE VIEW ftz.rail_transit AS
SELECT corridor, direction,
       sum(arrivals) AS arrivals,
       CASE WHEN sum(arrivals) > 0
            THEN round(sum(transit_seconds_sum)::numeric / sum(arrivals) / 86400, 1)
       END AS avg_transit_days,
       (SELECT value FROM ftz.reference_lines
        WHERE name = 'sea_transit_days_japan_korea_to_europe') AS sea_benchmark_days
FROM ftz.rail_daily GROUP BY corridor, direction;

CREATE VIEW ftz.registrations_cumulative AS
SELECT month, area,
       sum(companies) AS companies,
       sum(registered_capital_cny) AS registered_capital_cny,
       sum(sum(companies)) OVER (PARTITION BY area ORDER BY month) AS companies_cumulative,
       CASE WHEN sum(companies) > 0
            THEN round(sum(registered_capital_cny) / sum(companies), 2)
       END AS capital_per_company
FROM ftz.registrations_monthly GROUP BY month, area;
