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
    -- UInt32: an IPv6 packet's length (40 + payload length) reaches 65 575.
    ip_len UInt32,
    icmp_type UInt8,
    icmp_code UInt8,
    fragment UInt8,
    tool_rules UInt8,
    batch_key UInt64,
    record_index UInt64,
    -- 64-bit keys of the addresses for unique counts (see src/store/address-key.ts):
    -- the IPv4 value, or for IPv6 the XOR of the two 64-bit halves with the top bit
    -- set. darkscope's writer sends them precomputed; the DEFAULT fills them for any
    -- other insert path with exactly the same value. Every rollup counts these keys,
    -- so no view has to hash IPv6 addresses row by row.
    src_key UInt64 DEFAULT if(ip_version = 4, toUInt64(src), bitOr(bitXor(reinterpretAsUInt64(substring(src6, 1, 8)), reinterpretAsUInt64(substring(src6, 9, 8))), 9223372036854775808)),
    dst_key UInt64 DEFAULT if(ip_version = 4, toUInt64(dst), bitOr(bitXor(reinterpretAsUInt64(substring(dst6, 1, 8)), reinterpretAsUInt64(substring(dst6, 9, 8))), 9223372036854775808))
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(ts)
ORDER BY (sensor, proto, dport, ts);
