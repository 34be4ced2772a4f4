-- Per-source scan and backscatter activity by minute: the input from which
-- scan events and DoS attacks are assembled at query time
-- (src/query/scan-events.ts, src/query/dos-attacks.ts; the design is in
-- docs/ARCHITECTURE.md, "Scan events and DoS attacks"). Only packets of class
-- scan or backscatter. `port` is the destination port of a scan and the source
-- port of backscatter (the victim's port); 0 for ICMP. first_seen/last_seen
-- keep the exact first and last second of each bucket, so the gap between two
-- buckets of a source is known to the second. Same engine and rules as 0003:
-- SummingMergeTree, partial rows, always read with sum(), minMerge(),
-- maxMerge(), uniqCombinedMerge(17)() and GROUP BY.
CREATE TABLE IF NOT EXISTS {db}.activity_1m
(
    sensor String,
    t DateTime('UTC'),
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    ip_version UInt8,
    src UInt32,
    src6 FixedString(16),
    proto UInt8,
    port UInt16,
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    country String,
    asn UInt32,
    packets UInt64,
    first_seen AggregateFunction(min, DateTime('UTC')),
    last_seen AggregateFunction(max, DateTime('UTC')),
    destinations AggregateFunction(uniqCombined(17), UInt64)
)
ENGINE = SummingMergeTree()
PARTITION BY toYYYYMMDD(t)
ORDER BY (sensor, class, t, ip_version, src, src6, proto, port, tool, label, country, asn);

-- History: the activity of everything already stored, from raw packets. Runs
-- only while the table is empty, so a rerun after a failure never doubles a
-- row. Like 0006, migrate while no ingest runs (or rebuild afterwards).
INSERT INTO {db}.activity_1m (t, sensor, class, ip_version, src, src6, proto, port, tool, label, country, asn, packets, first_seen, last_seen, destinations)
SELECT * FROM (SELECT
    toStartOfMinute(ts) AS t,
    sensor,
    class,
    ip_version,
    src,
    src6,
    proto,
    if(class = 'backscatter', sport, dport) AS port,
    tool,
    label,
    country,
    asn,
    count() AS packets,
    minState(ts) AS first_seen,
    maxState(ts) AS last_seen,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
WHERE class IN ('scan', 'backscatter')
GROUP BY t, sensor, class, ip_version, src, src6, proto, port, tool, label, country, asn)
WHERE (SELECT count() FROM {db}.activity_1m) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.activity_1m_mv TO {db}.activity_1m AS
SELECT
    toStartOfMinute(ts) AS t,
    sensor,
    class,
    ip_version,
    src,
    src6,
    proto,
    if(class = 'backscatter', sport, dport) AS port,
    tool,
    label,
    country,
    asn,
    count() AS packets,
    minState(ts) AS first_seen,
    maxState(ts) AS last_seen,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
WHERE class IN ('scan', 'backscatter')
GROUP BY t, sensor, class, ip_version, src, src6, proto, port, tool, label, country, asn;
