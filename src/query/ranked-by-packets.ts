/**
 * Rankings by packets whose measures merge unique-count states (top ports,
 * top sources), in two queries. The first chooses the N entries from their
 * packet counts alone, reading no state; the second computes the costly
 * measures for those N only, named as literals, so every tile of the range
 * reads the states of those keys and nothing else. Merging states is what
 * costs, and a month of rollups holds tens of thousands of ports and hundreds
 * of thousands of sources. (One query with `key IN (subquery)` ran the
 * subquery once per tile and read every state of every tile on 18.16.) Ties
 * in packets go to the lower key. On a cluster both queries read every shard.
 */
import { col } from '../store/row-decoders.js';
import { sql, sqlBytes, sqlJoin, sqlString, sqlUInt, type SqlFragment } from '../store/sql.js';
import { PORT_KEY_SQL, type RowsSql } from './rollup-families.js';

export interface PortKey {
  readonly proto: number;
  readonly port: number;
}

/**
 * The `limit` ports with the most packets in `rows`, most first. Columns:
 * PORT_KEY_COLUMNS. Grouped by one UInt32 (PORT_KEY_SQL): on 18.16 twice as
 * fast as by the pair.
 */
export function portRankSql(rows: RowsSql, limit: SqlFragment): SqlFragment {
  return sql`SELECT toUInt8(intDiv(key, 65536)) AS proto, toUInt16(key % 65536) AS port
FROM (
  SELECT ${PORT_KEY_SQL} AS key, sum(packets) AS total
  ${rows.clause([], ['proto', 'dport', 'packets'], false)}
  GROUP BY key
  ORDER BY total DESC, key
  LIMIT ${limit}
)
ORDER BY total DESC, key`;
}

export const PORT_KEY_COLUMNS = { proto: col.number, port: col.number } as const;

/** `(proto, dport) IN (the ports)`; false when there are none. */
export function portKeysCondition(keys: readonly PortKey[]): SqlFragment {
  if (keys.length === 0) return sql`0`;
  return sql`(proto, dport) IN (${sqlJoin(keys.map((k) => sql`(${sqlUInt(k.proto, 8)}, ${sqlUInt(k.port, 16)})`))})`;
}

/**
 * The chosen ports with `measures` (SELECT items after `proto, dport AS port`,
 * including `packets`; none may read `t`), most packets first.
 */
export function portsByPacketsSql(rows: RowsSql, measures: SqlFragment, keys: readonly PortKey[]): SqlFragment {
  return sql`SELECT proto, dport AS port, ${measures}
${rows.clause([portKeysCondition(keys)], undefined, false)}
GROUP BY proto, dport
ORDER BY packets DESC, proto, port`;
}

export interface SourceKey {
  readonly ipVersion: number;
  readonly src: number;
  /** The 16 address bytes of an IPv6 source (all zero for IPv4), as hex. */
  readonly src6Hex: string;
}

/**
 * The `limit` sources with the most packets in `rows`, most first. Columns:
 * SOURCE_KEY_COLUMNS. IPv4 sources are ranked by their UInt32 alone and IPv6
 * sources by their 16 bytes, then the two lists merged: grouping by
 * (ip_version, src, src6) together is about twice as slow on 18.16. (An IPv4
 * row's src6 is all zero, an IPv6 row's src is 0.)
 */
export function sourceRankSql(rows: RowsSql, limit: SqlFragment): SqlFragment {
  // The constants are named in the outer SELECTs only: an alias ip_version next to the
  // tiles' WHERE ip_version = 4 would replace the column there (ClickHouse resolves
  // aliases anywhere in a SELECT) and let every row through.
  return sql`SELECT ip_version, src, src6_hex
FROM (
  SELECT toUInt8(4) AS ip_version, src, ${sqlString(ZERO_SRC6_HEX)} AS src6_hex, total FROM (
    SELECT src, sum(packets) AS total
    ${rows.clause([sql`ip_version = 4`], ['ip_version', 'src', 'packets'], false)}
    GROUP BY src
    ORDER BY total DESC, src
    LIMIT ${limit}
  )
  UNION ALL
  SELECT toUInt8(6) AS ip_version, toUInt32(0) AS src, src6_hex, total FROM (
    SELECT hex(src6) AS src6_hex, sum(packets) AS total
    ${rows.clause([sql`ip_version = 6`], ['ip_version', 'src6', 'packets'], false)}
    GROUP BY src6
    ORDER BY total DESC, src6
    LIMIT ${limit}
  )
)
ORDER BY total DESC, ip_version, src, src6_hex
LIMIT ${limit}`;
}

const ZERO_SRC6_HEX = '0'.repeat(32);

export const SOURCE_KEY_COLUMNS = { ip_version: col.number, src: col.number, src6_hex: col.string } as const;

/** `(ip_version, src, src6) IN (the sources)`; false when there are none. */
export function sourceKeysCondition(keys: readonly SourceKey[]): SqlFragment {
  if (keys.length === 0) return sql`0`;
  return sql`(ip_version, src, src6) IN (${sqlJoin(keys.map((k) =>
    sql`(${sqlUInt(k.ipVersion, 8)}, ${sqlUInt(k.src, 32)}, ${sqlBytes(Buffer.from(k.src6Hex, 'hex'))})`))})`;
}
