/**
 * Deterministic raw packet rows for store tests, inserted with a plain
 * `INSERT ... VALUES` built by the SQL encoder (so these tests also exercise
 * the encoder on every column type).
 */

import type { StoreClient } from '../../../src/store/client.js';
import { RAW_COLUMNS, type RawColumnName } from '../../../src/store/raw-columns.js';
import { sql, sqlBytes, sqlJoin, sqlString, sqlUInt, unsafeRawSql, type SqlFragment } from '../../../src/store/sql.js';

export interface RawRow {
  sensor: string;
  ts: number;
  ts_us: number;
  ip_version: 4 | 6;
  src: number;
  dst: number;
  src6: Uint8Array;
  dst6: Uint8Array;
  proto: number;
  sport: number;
  dport: number;
  tcp_flags: number;
  class: 'other' | 'scan' | 'backscatter';
  tool: 'none' | 'mirai' | 'zmap' | 'masscan';
  label: string;
  country: string;
  asn: number;
  ttl: number;
  ip_id: number;
  tcp_seq: number;
  tcp_window: number;
  tcp_options: number;
  ip_len: number;
  icmp_type: number;
  icmp_code: number;
  fragment: number;
  tool_rules: number;
  batch_key: bigint;
  record_index: bigint;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZERO16 = new Uint8Array(16);

export interface GenerateOptions {
  count: number;
  /** Epoch seconds; rows are spread uniformly over [from, to). */
  from: number;
  to: number;
  seed?: number;
  /** Number of distinct IPv4 sources to draw from (default 2000). */
  sources?: number;
  /** Fraction of IPv6 rows (default 0.1). */
  ipv6Share?: number;
  sensors?: readonly string[];
}

export function generateRows(o: GenerateOptions): RawRow[] {
  const r = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const int = (n: number): number => Math.floor(r() * n);
  const sensors = o.sensors ?? ['s1', 's2'];
  const nSources = o.sources ?? 2000;
  const rows: RawRow[] = [];
  for (let i = 0; i < o.count; i++) {
    const v6 = r() < (o.ipv6Share ?? 0.1);
    const srcIndex = int(nSources);
    const src6 = new Uint8Array(16);
    const dst6 = new Uint8Array(16);
    if (v6) {
      src6.set([0x20, 0x01, 0x0d, 0xb8, 0xff, 0x00]);
      src6[14] = (srcIndex >> 8) & 0xff;
      src6[15] = srcIndex & 0xff;
      dst6.set([0x20, 0x01, 0x0d, 0xb8, 0, 1]);
      dst6[15] = int(256);
    }
    const proto = pick([6, 6, 6, 17, 1]);
    rows.push({
      sensor: pick(sensors),
      ts: o.from + int(o.to - o.from),
      ts_us: int(1_000_000),
      ip_version: v6 ? 6 : 4,
      src: v6 ? 0 : (0x0a000000 + srcIndex * 7919) >>> 0,
      dst: v6 ? 0 : (0xc6336400 + int(256)) >>> 0,
      src6: v6 ? src6 : ZERO16,
      dst6: v6 ? dst6 : ZERO16,
      proto,
      sport: proto === 1 ? 0 : 1024 + int(60000),
      dport: proto === 1 ? 0 : pick([22, 23, 80, 443, 445, 3389, 8080, 2323]),
      tcp_flags: proto === 6 ? pick([0x02, 0x12, 0x04, 0x10]) : 0,
      class: pick(['scan', 'scan', 'backscatter', 'other'] as const),
      tool: pick(['none', 'none', 'mirai', 'zmap', 'masscan'] as const),
      label: pick(['', '', 'research', "it's \\ odd"]),
      country: pick(['', 'US', 'CN', 'DE']),
      asn: pick([0, 4134, 15169]),
      ttl: 32 + int(200),
      ip_id: int(65536),
      tcp_seq: int(2 ** 32),
      tcp_window: int(65536),
      tcp_options: int(2),
      ip_len: 40 + int(1400),
      icmp_type: proto === 1 ? 8 : 0,
      icmp_code: 0,
      fragment: 0,
      tool_rules: int(4),
      batch_key: BigInt(1 + Math.floor(i / 500)),
      record_index: BigInt(i),
    });
  }
  return rows;
}

/** Columns this helper supplies: all but the address keys, which the table's DEFAULT computes (so tests exercise that path). */
const SUPPLIED = RAW_COLUMNS.filter((c) => c.name !== 'src_key' && c.name !== 'dst_key');
type SuppliedName = Exclude<RawColumnName, 'src_key' | 'dst_key'>;

function encode(name: SuppliedName, type: string, row: RawRow): SqlFragment {
  const v = row[name];
  if (v instanceof Uint8Array) return sqlBytes(v);
  if (typeof v === 'string') return sqlString(v);
  if (typeof v === 'bigint') return sqlUInt(v, 64);
  const bits = /^UInt(8|16|32|64)$/.exec(type)?.[1];
  if (name === 'ts') return sqlUInt(v, 32); // DateTime accepts epoch seconds in VALUES
  if (bits === undefined) throw new Error(`no test encoder for ${name} ${type}`);
  return sqlUInt(v, Number(bits) as 8 | 16 | 32 | 64);
}

/** Inserts rows into `<db>.packets` in batches of `batchSize` (each batch is one INSERT, one or more parts). */
export async function insertRows(store: StoreClient, rows: readonly RawRow[], batchSize = 1000): Promise<void> {
  const columns = sqlJoin(SUPPLIED.map((c) => unsafeRawSql(c.name)));
  for (let i = 0; i < rows.length; i += batchSize) {
    const tuples = rows.slice(i, i + batchSize).map((row) =>
      sql`(${sqlJoin(SUPPLIED.map((c) => encode(c.name as SuppliedName, c.type, row)))})`);
    await store.command(sql`INSERT INTO ${store.table('packets')} (${columns}) VALUES ${sqlJoin(tuples, unsafeRawSql(',\n'))}`);
  }
}

export const DAY = 86_400;
/** 00:00:00 UTC of a YYYY-MM-DD day, in epoch seconds. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}
