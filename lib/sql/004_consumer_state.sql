-- 004: the consumer's bookkeeping, made for concurrent members and fast
-- batches: per-entity state only as wide as exactly-once needs; the
-- offsets compare-and-set as one function that also stores a fingerprint
-- of each partition's last counted message and claims the topic for one
-- consumer group; an error the sink raises on purpose; dead letters told
-- apart by what they hold.
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

-- A stored offset inside the partition's log does not prove it is the
-- same log: a topic deleted, re-created and refilled past the stored
-- offset would otherwise have its first records skipped unseen. With each
-- batch the consumer stores a fingerprint of the last message it counted
-- in each partition (a 64-bit hash of its key and value); on assignment it
-- reads that message again and compares. A deliberate move (ftz offsets
-- reset, --on-gap skip) clears it: the next commit stores a new one.
ALTER TABLE ftz.consumer_offsets ADD COLUMN last_fingerprint bigint;
COMMENT ON COLUMN ftz.consumer_offsets.last_fingerprint IS
  'hash of the key and value of the message at next_offset - 1, as counted; NULL: unknown';

-- The aggregate tables hold one count of each topic: a second consumer
-- group reading the same topic into the same database would count every
-- record twice. The consumer checks for that when it starts, but two
-- groups starting at once both pass that check; the first offset a group
-- stores for a topic claims the topic here, in the same transaction, and a
-- second group's claim fails (SQLSTATE FZ002) however the two are timed.
CREATE TABLE ftz.topic_groups (
    topic           text        PRIMARY KEY,
    consumer_group  text        NOT NULL,
    claimed_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ftz.topic_groups IS
  'The one consumer group whose offsets of each topic this database holds. To hand a topic to another group on purpose: delete its row and the old group''s rows in ftz.consumer_offsets.';
INSERT INTO ftz.topic_groups (topic, consumer_group)
SELECT topic, min(consumer_group) FROM ftz.consumer_offsets GROUP BY topic;

CREATE FUNCTION ftz.claim_topic(p_topic text, p_group text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    owner text;
BEGIN
    INSERT INTO ftz.topic_groups (topic, consumer_group) VALUES (p_topic, p_group)
    ON CONFLICT (topic) DO NOTHING;
    SELECT consumer_group INTO owner FROM ftz.topic_groups WHERE topic = p_topic;
    IF owner IS DISTINCT FROM p_group THEN
        RAISE EXCEPTION USING ERRCODE = 'FZ002',
            MESSAGE = format('this database already aggregates %s for consumer group "%s"; a second group would count every record twice. Run with -g %s, or use another database',
                             p_topic, owner, owner);
    END IF;
END $$;

-- The fence of every batch: moves each partition's next offset from the
-- offset the batch started at to the one after its last message, in the
-- (topic, partition) order the caller sorted them in (so two members lock
-- offset rows in one order). expected < 0: no row may exist yet. If any
-- row does not hold the expected offset, another member owns the
-- partition now: SQLSTATE FZ001 aborts the whole batch transaction.
-- A partition's first offset also claims its topic (ftz.claim_topic), and
-- each offset is stored with the fingerprint of the message before it.
CREATE FUNCTION ftz.advance_offsets(p_group text, p_topics text[], p_partitions integer[],
                                    p_expected bigint[], p_next bigint[],
                                    p_fingerprints bigint[])
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
    i integer;
    n integer;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_topics, 1), 0) LOOP
        IF p_expected[i] < 0 THEN
            PERFORM ftz.claim_topic(p_topics[i], p_group);
            INSERT INTO ftz.consumer_offsets (consumer_group, topic, partition, next_offset,
                                              last_fingerprint)
            VALUES (p_group, p_topics[i], p_partitions[i], p_next[i], p_fingerprints[i])
            ON CONFLICT DO NOTHING;
        ELSE
            UPDATE ftz.consumer_offsets SET next_offset = p_next[i],
                   last_fingerprint = p_fingerprints[i], updated_at = now()
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

-- A dead letter is one message: where it was (topic, partition, offset)
-- and what it held. A topic deleted and re-created reuses offsets, so a
-- new rejected record at an old dead letter's offset is a new row; the
-- same message delivered again is not.
ALTER TABLE ftz.dead_letters ADD COLUMN message_md5 text
    GENERATED ALWAYS AS (md5(coalesce(record_key, '\x'::bytea) || '\x00'::bytea
                             || coalesce(payload, '\x'::bytea))) STORED;
ALTER TABLE ftz.dead_letters
    DROP CONSTRAINT dead_letters_source_topic_source_partition_source_offset_key;
ALTER TABLE ftz.dead_letters ADD CONSTRAINT dead_letters_message_key
    UNIQUE (source_topic, source_partition, source_offset, message_md5);
COMMENT ON COLUMN ftz.dead_letters.message_md5 IS
  'md5 of the key, a zero byte and the value: with the source position, what makes a dead letter one message';

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
