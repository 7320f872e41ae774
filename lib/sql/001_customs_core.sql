-- 001: the schema, customs aggregates, per-declaration state, consumer
-- offsets and dead letters. Applied once by `ftz db migrate`; never edit a
-- migration that has shipped, add a new one.

CREATE SCHEMA IF NOT EXISTS ftz;

-- Customs declarations per day (of filed_at, Asia/Shanghai), area,
-- direction, HS chapter, partner country and transport mode. Only the
-- highest revision of each declaration counts; CANCELLED counts nowhere.
CREATE TABLE ftz.customs_daily (
    day                    date    NOT NULL,
    area                   text    NOT NULL,
    direction              text    NOT NULL,
    hs_chapter             text    NOT NULL,
    partner_country        text    NOT NULL,
    transport_mode         text    NOT NULL,
    declarations           bigint  NOT NULL DEFAULT 0,
    declared_value_cny     numeric(38,2) NOT NULL DEFAULT 0,
    gross_weight_kg        double precision NOT NULL DEFAULT 0,
    cleared                bigint  NOT NULL DEFAULT 0,
    held                   bigint  NOT NULL DEFAULT 0,
    clearance_seconds_sum  bigint  NOT NULL DEFAULT 0,
    -- Exact running sum behind gross_weight_kg: retracting a replaced
    -- revision from a float sum would leave rounding residue.
    gross_weight_kg_exact  numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (day, area, direction, hs_chapter, partner_country, transport_mode)
);
COMMENT ON TABLE ftz.customs_daily IS
  'Customs declarations per day of filed_at (Asia/Shanghai); latest revision of each declaration only, CANCELLED excluded.';
COMMENT ON COLUMN ftz.customs_daily.partner_country IS
  'origin_country for IMPORT, destination_country for EXPORT';
COMMENT ON COLUMN ftz.customs_daily.clearance_seconds_sum IS
  'sum over CLEARED declarations of floor((cleared_at - filed_at) / 1 s)';

-- The latest counted revision of each declaration: what the revision rule
-- compares against and what a new revision retracts.
CREATE TABLE ftz.customs_declarations (
    declaration_id      text     PRIMARY KEY,
    revision            integer  NOT NULL,
    status              text     NOT NULL,
    area                text     NOT NULL,
    direction           text     NOT NULL,
    hs_code             text     NOT NULL,
    origin_country      text     NOT NULL,
    destination_country text     NOT NULL,
    transport_mode      text     NOT NULL,
    declared_value_cny  numeric(38,2) NOT NULL,
    gross_weight_kg     double precision NOT NULL,
    gross_weight_kg_exact numeric NOT NULL,
    filed_at            timestamptz NOT NULL,
    cleared_at          timestamptz,
    event_time          timestamptz NOT NULL,
    -- Aggregate key and measures as counted, kept so that retraction
    -- subtracts exactly what was added.
    day                 date     NOT NULL,
    hs_chapter          text     NOT NULL,
    partner_country     text     NOT NULL,
    clearance_seconds   bigint,
    source_partition    integer  NOT NULL,
    source_offset       bigint   NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Where each consumer group is in each partition: the next offset to
-- read. Written in the same transaction as the aggregates, with a
-- compare-and-set, so it is the source of truth for exactly-once.
CREATE TABLE ftz.consumer_offsets (
    consumer_group  text    NOT NULL,
    topic           text    NOT NULL,
    partition       integer NOT NULL,
    next_offset     bigint  NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- One row per rejected record.
CREATE TABLE ftz.dead_letters (
    id                bigserial PRIMARY KEY,
    source_topic      text    NOT NULL,
    source_partition  integer NOT NULL,
    source_offset     bigint  NOT NULL,
    record_key        bytea,
    payload           bytea,
    code              text    NOT NULL,
    reason            text    NOT NULL,
    rejected_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_topic, source_partition, source_offset)
);
CREATE INDEX dead_letters_code_idx ON ftz.dead_letters (code, rejected_at);

-- Averages are views over the sums, never stored.
CREATE VIEW ftz.customs_clearance AS
SELECT day, area, direction, transport_mode,
       sum(declarations) AS declarations,
       sum(cleared) AS cleared,
       CASE WHEN sum(cleared) > 0
            THEN round(sum(clearance_seconds_sum)::numeric / sum(cleared) / 3600, 2)
       END AS avg_clearance_hours
FROM ftz.customs_daily
GROUP BY day, area, direction, transport_mode;
