-- Materialized views from packets into each rollup table (the first design;
-- migration 0008 drops most of them). Frozen: the SELECT bodies are the text
-- that src/store/rollups.ts produced when this migration was written, so the
-- checksum recorded by databases that applied it still matches. Never edit a
-- frozen migration; change the rollups with a new one.

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1m_mv TO {db}.port_1m AS
SELECT
    toStartOfMinute(ts) AS t,
    sensor,
    proto,
    dport,
    class,
    tool,
    label,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    uniqCombinedState(17)(src_key) AS sources,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor, proto, dport, class, tool, label;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1h_mv TO {db}.port_1h AS
SELECT
    toStartOfHour(ts) AS t,
    sensor,
    proto,
    dport,
    class,
    tool,
    label,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    uniqCombinedState(17)(src_key) AS sources,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor, proto, dport, class, tool, label;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.port_1d_mv TO {db}.port_1d AS
SELECT
    toStartOfDay(ts) AS t,
    sensor,
    proto,
    dport,
    class,
    tool,
    label,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    uniqCombinedState(17)(src_key) AS sources,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor, proto, dport, class, tool, label;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.source_1h_mv TO {db}.source_1h AS
SELECT
    toStartOfHour(ts) AS t,
    sensor,
    ip_version,
    src,
    src6,
    proto,
    dport,
    class,
    tool,
    label,
    country,
    asn,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    minState(ts) AS first_seen,
    maxState(ts) AS last_seen,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor, ip_version, src, src6, proto, dport, class, tool, label, country, asn;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.source_1d_mv TO {db}.source_1d AS
SELECT
    toStartOfDay(ts) AS t,
    sensor,
    ip_version,
    src,
    src6,
    proto,
    dport,
    class,
    tool,
    label,
    country,
    asn,
    count() AS packets,
    sum(toUInt64(ip_len)) AS bytes,
    minState(ts) AS first_seen,
    maxState(ts) AS last_seen,
    uniqCombinedState(17)(dst_key) AS destinations
FROM {db}.`packets`
GROUP BY t, sensor, ip_version, src, src6, proto, dport, class, tool, label, country, asn;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.geo_1h_mv TO {db}.geo_1h AS
SELECT
    toStartOfHour(ts) AS t,
    sensor,
    country,
    asn,
    proto,
    class,
    label,
    count() AS packets,
    uniqCombinedState(17)(src_key) AS sources
FROM {db}.`packets`
GROUP BY t, sensor, country, asn, proto, class, label;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.geo_1d_mv TO {db}.geo_1d AS
SELECT
    toStartOfDay(ts) AS t,
    sensor,
    country,
    asn,
    proto,
    class,
    label,
    count() AS packets,
    uniqCombinedState(17)(src_key) AS sources
FROM {db}.`packets`
GROUP BY t, sensor, country, asn, proto, class, label;
