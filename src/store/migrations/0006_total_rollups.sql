-- Totals per sensor and hour / day: packets, bytes, unique sources and unique
-- darknet destinations. They make the headline figures of a long range (a
-- 30-day summary) merge a few dozen unique-count states instead of one per
-- port row. Same engine and rules as 0003 (SummingMergeTree, read with sum()
-- and uniqCombinedMerge(17)).

CREATE TABLE IF NOT EXISTS {db}.total_1h
(
    sensor String,
    t DateTime('UTC'),
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t);

CREATE TABLE IF NOT EXISTS {db}.total_1d
(
    sensor String,
    t DateTime('UTC'),
    packets UInt64,
    bytes UInt64,
    sources AggregateFunction(uniqCombined(17), UInt64),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, t);

-- History: the totals of everything already stored, merged from the port
-- rollups (their rows split each bucket's traffic by port, so merging their
-- states gives the bucket's states). Each INSERT runs only while its table is
-- empty, so re-running this migration after a failure never doubles a row.
-- The views come after: packets ingested between these INSERTs and the views
-- would be missing from the totals, so migrate while no ingest runs (or run
-- `darkscope rollups rebuild` over that time afterwards).

INSERT INTO {db}.total_1h (sensor, t, packets, bytes, sources, destinations)
SELECT sensor, t, sum(packets), sum(bytes), uniqCombinedMergeState(17)(sources), uniqCombinedMergeState(17)(destinations)
FROM {db}.port_1h
WHERE (SELECT count() FROM {db}.total_1h) = 0
GROUP BY sensor, t;

INSERT INTO {db}.total_1d (sensor, t, packets, bytes, sources, destinations)
SELECT sensor, t, sum(packets), sum(bytes), uniqCombinedMergeState(17)(sources), uniqCombinedMergeState(17)(destinations)
FROM {db}.port_1d
WHERE (SELECT count() FROM {db}.total_1d) = 0
GROUP BY sensor, t;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.total_1h_mv TO {db}.total_1h AS
SELECT
    toStartOfHour(ts) AS t,
    sensor,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    uniqCombinedState(17)(src_key) AS sources,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.total_1d_mv TO {db}.total_1d AS
SELECT
    toStartOfDay(ts) AS t,
    sensor,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    uniqCombinedState(17)(src_key) AS sources,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor;
