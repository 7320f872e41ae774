-- 002: China-Europe rail events and company registrations.

-- Rail events per day (of event_time, Asia/Shanghai), corridor, direction,
-- cargo category and goods origin. Each event_id counts once.
CREATE TABLE ftz.rail_daily (
    day                       date   NOT NULL,
    corridor                  text   NOT NULL,
    direction                 text   NOT NULL,
    cargo_category            text   NOT NULL,
    goods_origin_country      text   NOT NULL,
    departures                bigint NOT NULL DEFAULT 0,
    border_crossings          bigint NOT NULL DEFAULT 0,
    arrivals                  bigint NOT NULL DEFAULT 0,
    teu_departed              bigint NOT NULL DEFAULT 0,
    cargo_value_departed_cny  numeric(38,2) NOT NULL DEFAULT 0,
    transit_seconds_sum       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, corridor, direction, cargo_category, goods_origin_country)
);
COMMENT ON COLUMN ftz.rail_daily.transit_seconds_sum IS
  'sum over ARRIVED events of floor((event_time - departed_at) / 1 s)';

-- Every counted rail event: what "each event_id counts once" checks.
CREATE TABLE ftz.rail_events (
    event_id             text PRIMARY KEY,
    shipment_id          text NOT NULL,
    train_id             text NOT NULL,
    container_id         text NOT NULL,
    corridor             text NOT NULL,
    direction            text NOT NULL,
    event_type           text NOT NULL,
    station              text NOT NULL,
    country              text NOT NULL,
    cargo_category       text NOT NULL,
    goods_origin_country text NOT NULL,
    teu                  integer NOT NULL,
    cargo_value_cny      numeric(38,2) NOT NULL,
    event_time           timestamptz NOT NULL,
    departed_at          timestamptz,
    day                  date NOT NULL,
    transit_seconds      bigint,
    source_partition     integer NOT NULL,
    source_offset        bigint NOT NULL
);
CREATE INDEX rail_events_shipment_idx ON ftz.rail_events (shipment_id);

-- New companies per month (of registered_at, Asia/Shanghai), area,
-- industry, enterprise type and investor country. Each uscc counts once:
-- the first valid registration.
CREATE TABLE ftz.registrations_monthly (
    month                   date   NOT NULL,
    area                    text   NOT NULL,
    industry                text   NOT NULL,
    enterprise_type         text   NOT NULL,
    investor_country        text   NOT NULL,
    companies               bigint NOT NULL DEFAULT 0,
    registered_capital_cny  numeric(38,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (month, area, industry, enterprise_type, investor_country)
);

-- Every counted company.
CREATE TABLE ftz.companies (
    uscc                    text PRIMARY KEY,
    company_name            text NOT NULL,
    area                    text NOT NULL,
    enterprise_type         text NOT NULL,
    industry                text NOT NULL,
    investor_country        text NOT NULL,
    registered_capital_cny  numeric(38,2) NOT NULL,
    registered_at           timestamptz NOT NULL,
    event_time              timestamptz NOT NULL,
    month                   date NOT NULL,
    source_partition        integer NOT NULL,
    source_offset           bigint NOT NULL
);

-- Reference lines the report compares against (docs/domain.md).
CREATE TABLE ftz.reference_lines (
    name   text PRIMARY KEY,
    value  numeric NOT NULL,
    unit   text NOT NULL,
    source text NOT NULL
);
INSERT INTO ftz.reference_lines VALUES
  ('shanghai_ftz_registrations_first_4_years', 18000, 'companies',
   'Shanghai FTZ, first four years (Liaoning FTZ report)'),
  ('sea_transit_days_japan_korea_to_europe', 30, 'days',
   'by sea through the Strait of Malacca: more than 30 days (Liaoning FTZ report)'),
  ('liaoning_ftz_opened', 201704, 'yyyymm', 'April 2017 (Liaoning FTZ report)');

-- Averages and running totals are views over the sums.
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
