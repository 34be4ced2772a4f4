/**
 * The columns of the raw `packets` table, in table order, with their exact
 * ClickHouse types (as `system.columns` prints them). The RowBinary writer
 * encodes rows in this order; tests/integration/store-migrate.test.ts checks
 * the list against the live table, so it cannot drift from
 * migrations/0001_packets.sql.
 */

export interface RawColumn {
  readonly name: string;
  readonly type: string;
}

export const CLASS_ENUM = "Enum8('other' = 0, 'scan' = 1, 'backscatter' = 2)";
export const TOOL_ENUM = "Enum8('none' = 0, 'mirai' = 1, 'zmap' = 2, 'masscan' = 3)";

/** Enum8 values as stored (the RowBinary writer writes these Int8 codes). */
export const CLASS_CODES = Object.freeze({ other: 0, scan: 1, backscatter: 2 } as const);
export const TOOL_CODES = Object.freeze({ none: 0, mirai: 1, zmap: 2, masscan: 3 } as const);

export const RAW_COLUMNS = Object.freeze([
  { name: 'sensor', type: 'String' },
  { name: 'ts', type: "DateTime('UTC')" },
  { name: 'ts_us', type: 'UInt32' },
  { name: 'ip_version', type: 'UInt8' },
  { name: 'src', type: 'UInt32' },
  { name: 'dst', type: 'UInt32' },
  { name: 'src6', type: 'FixedString(16)' },
  { name: 'dst6', type: 'FixedString(16)' },
  { name: 'proto', type: 'UInt8' },
  { name: 'sport', type: 'UInt16' },
  { name: 'dport', type: 'UInt16' },
  { name: 'tcp_flags', type: 'UInt16' },
  { name: 'class', type: CLASS_ENUM },
  { name: 'tool', type: TOOL_ENUM },
  { name: 'label', type: 'String' },
  { name: 'country', type: 'String' },
  { name: 'asn', type: 'UInt32' },
  { name: 'ttl', type: 'UInt8' },
  { name: 'ip_id', type: 'UInt16' },
  { name: 'tcp_seq', type: 'UInt32' },
  { name: 'tcp_window', type: 'UInt16' },
  { name: 'tcp_options', type: 'UInt8' },
  { name: 'ip_len', type: 'UInt32' },
  { name: 'icmp_type', type: 'UInt8' },
  { name: 'icmp_code', type: 'UInt8' },
  { name: 'fragment', type: 'UInt8' },
  { name: 'tool_rules', type: 'UInt8' },
  { name: 'batch_key', type: 'UInt64' },
  { name: 'record_index', type: 'UInt64' },
  { name: 'src_key', type: 'UInt64' },
  { name: 'dst_key', type: 'UInt64' },
] as const satisfies readonly RawColumn[]);

export type RawColumnName = (typeof RAW_COLUMNS)[number]['name'];
