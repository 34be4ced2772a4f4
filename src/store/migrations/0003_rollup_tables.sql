-- Rollup tables, filled by the materialized views of 0004 (and by
-- src/store/rollups-rebuild.ts). All are SummingMergeTree: on merge, rows with
-- the same ORDER BY key add their UInt64 measures and merge their
-- AggregateFunction states. (AggregatingMergeTree would NOT sum the plain
-- counters; see /work/shared/CLICKHOUSE.md.) Every dimension is in ORDER BY, so
-- nothing but the measures is ever summed. Rows are partial until merged:
-- always read with sum(...) / uniqCombinedMerge(17)(...) and GROUP BY.
-- Every rollup is partitioned by UTC day, like packets, so retention and
-- rebuild work one day at a time.
-- first_seen/last_seen are AggregateFunction(min|max, DateTime('UTC')): the
-- state type must match minState(ts) of a DateTime('UTC') column exactly
-- (18.16 refuses AggregateFunction(min, DateTime) for it).

CREATE TABLE IF NOT EXISTS {db}.port_1m
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    dport UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, dport, class, tool, label);

CREATE TABLE IF NOT EXISTS {db}.port_1h
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    dport UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, dport, class, tool, label);

CREATE TABLE IF NOT EXISTS {db}.port_1d
(
    sensor String,
    t DateTime('UTC'),
    proto UInt8,
    dport UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, proto, dport, class, tool, label);

CREATE TABLE IF NOT EXISTS {db}.source_1h
(
    sensor String,
    t DateTime('UTC'),
    ip_version UInt8,
    src UInt32,
    src6 FixedString(16),
    proto UInt8,
    dport UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    country String,
    asn UInt32,
    packets UInt64,
    bytes UInt64,
    first_seen AggregateFunction(min, DateTime('UTC')),
    last_seen AggregateFunction(max, DateTime('UTC')),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, ip_version, src, src6, proto, dport, class, tool, label, country, asn);

CREATE TABLE IF NOT EXISTS {db}.source_1d
(
    sensor String,
    t DateTime('UTC'),
    ip_version UInt8,
    src UInt32,
    src6 FixedString(16),
    proto UInt8,
    dport UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    country String,
    asn UInt32,
    packets UInt64,
    bytes UInt64,
    first_seen AggregateFunction(min, DateTime('UTC')),
    last_seen AggregateFunction(max, DateTime('UTC')),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, ip_version, src, src6, proto, dport, class, tool, label, country, asn);

CREATE TABLE IF NOT EXISTS {db}.geo_1h
(
    sensor String,
    t DateTime('UTC'),
    country String,
    asn UInt32,
    proto UInt8,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    label String,
    packets UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, country, asn, proto, class, label);

CREATE TABLE IF NOT EXISTS {db}.geo_1d
(
    sensor String,
    t DateTime('UTC'),
    country String,
    asn UInt32,
    proto UInt8,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    label String,
    packets UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t, country, asn, proto, class, label);
