-- Rollups, second design (issue #14; the figures are in bench/README.md,
-- "rollups"). Every stored rollup row costs the server about as much as a
-- raw packet, and on a sparse darknet the finest keys (a port's minute, a
-- source's hour and port, a source's minute of activity) hold one or two
-- packets each: the first design wrote about four rollup rows per packet of
-- the demo week. This one stores only grains that aggregate:
--   port_1h          kept as it is (0003/0004)
--   port_total_1d    per port and day, over every class, tool and label (was port_1d)
--   source_total_1d  per source and day, over every port; `ports` counts them (was source_1d)
--   country_1h       per country, protocol, class and label and hour (was geo_1h, without ASN)
--   country_1d       per country and day (was geo_1d)
--   mix_1h, mix_1d   packets by protocol, class, tool and label (report shares)
--   total_1h, total_1d  kept as they are (0006)
-- and computes port_1m, source_1h and activity_1m from raw packets when a
-- query reads them (src/store/rollups.ts, VIRTUAL_ROLLUPS).
--
-- The old tables stay as they were when this migration ran (history; no
-- query reads them any more, no view fills them): port_1m, port_1d,
-- source_1h, source_1d, geo_1h, geo_1d, activity_1m. README, "Upgrading to
-- the second rollup design", says how to drop them once they are not needed.
-- The new tables are filled from the old ones (each INSERT only while its
-- table is empty, so a rerun after a failure never doubles a row); like 0006,
-- migrate while no ingest runs (or run `darkscope rollups rebuild` over that
-- time afterwards). Same engine and rules as 0003: SummingMergeTree, partial
-- rows, always read with sum() / -Merge and GROUP BY.

CREATE TABLE IF NOT EXISTS {db}.port_total_1d
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    dport UInt16,
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, dport);

CREATE TABLE IF NOT EXISTS {db}.source_total_1d
(
    sensor String,
    t DateTime('UTC'),
    ip_version UInt8,
    src UInt32,
    src6 FixedString(16),
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    country String,
    asn UInt32,
    packets UInt64,
    bytes UInt64,
    first_seen AggregateFunction(min, DateTime('UTC')),
    last_seen AggregateFunction(max, DateTime('UTC')),
    destinations AggregateFunction(uniqCombined(17), UInt64),
    ports AggregateFunction(uniqCombined(17), UInt32)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, ip_version, src, src6, class, tool, label, country, asn);

CREATE TABLE IF NOT EXISTS {db}.country_1h
(
    sensor String,
    t DateTime('UTC'),
    country String,
    proto UInt8,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    label String,
    packets UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, country, proto, class, label);

CREATE TABLE IF NOT EXISTS {db}.country_1d
(
    sensor String,
    t DateTime('UTC'),
    country String,
    packets UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, country);

CREATE TABLE IF NOT EXISTS {db}.mix_1h
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    packets UInt64,
    bytes UInt64
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, class, tool, label);

CREATE TABLE IF NOT EXISTS {db}.mix_1d
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    packets UInt64,
    bytes UInt64
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, class, tool, label);

-- From here on the old rollups receive nothing.
DROP TABLE IF EXISTS {db}.port_1m_mv;

DROP TABLE IF EXISTS {db}.port_1d_mv;

DROP TABLE IF EXISTS {db}.source_1h_mv;

DROP TABLE IF EXISTS {db}.source_1d_mv;

DROP TABLE IF EXISTS {db}.geo_1h_mv;

DROP TABLE IF EXISTS {db}.geo_1d_mv;

DROP TABLE IF EXISTS {db}.activity_1m_mv;

-- History, from the old rollups: their rows fold into the new keys (counters
-- summed, states merged). source_1d's rows are one per port, so counting
-- their ports gives each source's ports.
INSERT INTO {db}.port_total_1d (sensor, t, proto, dport, packets, bytes, sources, destinations)
SELECT sensor, t, proto, dport, sum(packets), sum(bytes), uniqCombinedMergeState(17)(sources), uniqCombinedMergeState(17)(destinations)
FROM {db}.port_1d
WHERE (SELECT count() FROM {db}.port_total_1d) = 0
GROUP BY sensor, t, proto, dport;

INSERT INTO {db}.source_total_1d (sensor, t, ip_version, src, src6, class, tool, label, country, asn, packets, bytes, first_seen, last_seen, destinations, ports)
SELECT sensor, t, ip_version, src, src6, class, tool, label, country, asn, sum(packets), sum(bytes), minMergeState(first_seen), maxMergeState(last_seen), uniqCombinedMergeState(17)(destinations), uniqCombinedState(17)(toUInt32(toUInt32(proto) * 65536 + dport))
FROM {db}.source_1d
WHERE (SELECT count() FROM {db}.source_total_1d) = 0
GROUP BY sensor, t, ip_version, src, src6, class, tool, label, country, asn;

INSERT INTO {db}.country_1h (sensor, t, country, proto, class, label, packets, sources)
SELECT sensor, t, country, proto, class, label, sum(packets), uniqCombinedMergeState(17)(sources)
FROM {db}.geo_1h
WHERE (SELECT count() FROM {db}.country_1h) = 0
GROUP BY sensor, t, country, proto, class, label;

INSERT INTO {db}.country_1d (sensor, t, country, packets, sources)
SELECT sensor, t, country, sum(packets), uniqCombinedMergeState(17)(sources)
FROM {db}.geo_1d
WHERE (SELECT count() FROM {db}.country_1d) = 0
GROUP BY sensor, t, country;

INSERT INTO {db}.mix_1h (sensor, t, proto, class, tool, label, packets, bytes)
SELECT sensor, t, proto, class, tool, label, sum(packets), sum(bytes)
FROM {db}.port_1h
WHERE (SELECT count() FROM {db}.mix_1h) = 0
GROUP BY sensor, t, proto, class, tool, label;

INSERT INTO {db}.mix_1d (sensor, t, proto, class, tool, label, packets, bytes)
SELECT sensor, t, proto, class, tool, label, sum(packets), sum(bytes)
FROM {db}.port_1d
WHERE (SELECT count() FROM {db}.mix_1d) = 0
GROUP BY sensor, t, proto, class, tool, label;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_total_1d_mv TO {db}.port_total_1d AS
{rollup_select:port_total_1d};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.source_total_1d_mv TO {db}.source_total_1d AS
{rollup_select:source_total_1d};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.country_1h_mv TO {db}.country_1h AS
{rollup_select:country_1h};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.country_1d_mv TO {db}.country_1d AS
{rollup_select:country_1d};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mix_1h_mv TO {db}.mix_1h AS
{rollup_select:mix_1h};

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.mix_1d_mv TO {db}.mix_1d AS
{rollup_select:mix_1d};
