-- Raw packets: one row per captured packet, one partition per UTC day.
-- Column order and types are mirrored in src/store/raw-columns.ts (RowBinary writer).
-- IPv4 addresses are UInt32 (src/dst) with src6/dst6 all zero bytes; IPv6 rows
-- have src/dst = 0 and the 16 address bytes in src6/dst6.
-- country is a String ('' when unknown) rather than FixedString(2), so an unknown
-- country reads back as '' instead of two NUL bytes.
CREATE TABLE IF NOT EXISTS {db}.packets
(
    sensor String,
    ts DateTime('UTC'),
    ts_us UInt32,
    ip_version UInt8,
    src UInt32,
    dst UInt32,
    src6 FixedString(16),
    dst6 FixedString(16),
    proto UInt8,
    sport UInt16,
    dport UInt16,
    tcp_flags UInt16,
    class Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2),
    tool Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3),
    label String,
    country String,
    asn UInt32,
    ttl UInt8,
    ip_id UInt16,
    tcp_seq UInt32,
    tcp_window UInt16,
    tcp_options UInt8,
    ip_len UInt16,
    icmp_type UInt8,
    icmp_code UInt8,
    fragment UInt8,
    tool_rules UInt8,
    batch_key UInt64,
    record_index UInt64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(ts)
ORDER BY (sensor, proto, dport, ts);
