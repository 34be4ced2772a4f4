/**
 * The rollup tables and the one SELECT that fills each of them.
 *
 * `rollupSelect` is the single source of each rollup's definition: the
 * migration runner expands `{rollup_select:<table>}` in
 * migrations/0004_rollup_views.sql with it (the materialized views), and
 * rollups-rebuild.ts re-inserts a day from raw with the same text plus a
 * WHERE on that day. A view and its rebuild therefore cannot drift apart.
 */

import { DarkscopeError } from '../errors.js';
import { sql, sqlDateTime, sqlJoin, unsafeRawSql, type SqlFragment } from './sql.js';

/**
 * The 64-bit key of an address for uniqCombined: the raw table's precomputed
 * `src_key` / `dst_key` columns (the IPv4 value, or for IPv6 a 64-bit fold of
 * the 16 bytes with the top bit set, so an IPv6 key never equals an IPv4 one).
 * Use this everywhere sources or destinations are counted (e.g. uniqExact in
 * queries that must agree with the rollups).
 */
export function addressKeySql(side: 'src' | 'dst'): SqlFragment {
  return side === 'src' ? sql`src_key` : sql`dst_key`;
}

/**
 * HyperLogLog precision of every unique-count state: uniqCombined's default,
 * 17, written out so that every reader names the same precision (use
 * uniqMergeSql()). A lower precision saves little ingest time (15 was
 * measured at about 8% less server CPU) but is biased by 1.5-2.4% between
 * about 80 000 and 95 000 distinct values, outside the 1% darkscope promises;
 * 17 stays within about 0.2-0.5% against uniqExact.
 */
export const UNIQ_PRECISION = 17;
const UNIQ_PRECISION_SQL = unsafeRawSql(String(UNIQ_PRECISION));

/** `uniqCombinedMerge(17)(column)`: the unique count of a rollup state column. */
export function uniqMergeSql(column: SqlFragment): SqlFragment {
  return sql`uniqCombinedMerge(${UNIQ_PRECISION_SQL})(${column})`;
}

export type RollupTable =
  | 'port_1m' | 'port_1h' | 'port_1d'
  | 'source_1h' | 'source_1d'
  | 'geo_1h' | 'geo_1d'
  | 'total_1h' | 'total_1d'
  | 'activity_1m';

export interface RollupDef {
  readonly table: RollupTable;
  /** The materialized view that feeds it. */
  readonly view: string;
  /** Time bucket of `t`; every bucket lies inside one UTC day. */
  readonly bucket: 'minute' | 'hour' | 'day';
  /** Dimension columns after `t`, in the table's ORDER BY order. */
  readonly dimensions: readonly string[];
  /** Measure columns with the aggregate that produces each. */
  readonly measures: ReadonlyArray<{ readonly name: string; readonly expr: SqlFragment }>;
  /** Dimensions computed from raw columns (name → expression); the others are raw columns of the same name. */
  readonly computed?: Readonly<Record<string, SqlFragment>>;
  /** Only the raw packets matching this condition (none: every packet). */
  readonly where?: SqlFragment;
}

const BUCKET_SQL: Record<RollupDef['bucket'], SqlFragment> = {
  minute: sql`toStartOfMinute(ts)`,
  hour: sql`toStartOfHour(ts)`,
  day: sql`toStartOfDay(ts)`,
};

const packets = { name: 'packets', expr: sql`count()` };
const bytes = { name: 'bytes', expr: sql`sum(toUInt64(ip_len))` };
const sources = { name: 'sources', expr: sql`uniqCombinedState(${UNIQ_PRECISION_SQL})(${addressKeySql('src')})` };
const destinations = { name: 'destinations', expr: sql`uniqCombinedState(${UNIQ_PRECISION_SQL})(${addressKeySql('dst')})` };
const firstSeen = { name: 'first_seen', expr: sql`minState(ts)` };
const lastSeen = { name: 'last_seen', expr: sql`maxState(ts)` };

const PORT_DIMS = ['sensor', 'proto', 'dport', 'class', 'tool', 'label'] as const;
const SOURCE_DIMS = ['sensor', 'ip_version', 'src', 'src6', 'proto', 'dport', 'class', 'tool', 'label', 'country', 'asn'] as const;
const GEO_DIMS = ['sensor', 'country', 'asn', 'proto', 'class', 'label'] as const;
/**
 * The totals of a sensor per bucket (migrations/0006_total_rollups.sql): one
 * row per hour or day, so the unique sources and destinations of a long range
 * merge a few dozen states instead of one per port row.
 */
const TOTAL_DIMS = ['sensor'] as const;

function def(table: RollupTable, bucket: RollupDef['bucket'], dimensions: readonly string[], measures: RollupDef['measures']): RollupDef {
  return Object.freeze({ table, view: `${table}_mv`, bucket, dimensions, measures });
}

export const ROLLUPS: readonly RollupDef[] = Object.freeze([
  def('port_1m', 'minute', PORT_DIMS, [packets, bytes, sources, destinations]),
  def('port_1h', 'hour', PORT_DIMS, [packets, bytes, sources, destinations]),
  def('port_1d', 'day', PORT_DIMS, [packets, bytes, sources, destinations]),
  def('source_1h', 'hour', SOURCE_DIMS, [packets, bytes, firstSeen, lastSeen, destinations]),
  def('source_1d', 'day', SOURCE_DIMS, [packets, bytes, firstSeen, lastSeen, destinations]),
  def('geo_1h', 'hour', GEO_DIMS, [packets, sources]),
  def('geo_1d', 'day', GEO_DIMS, [packets, sources]),
  def('total_1h', 'hour', TOTAL_DIMS, [packets, bytes, sources, destinations]),
  def('total_1d', 'day', TOTAL_DIMS, [packets, bytes, sources, destinations]),
]);

/**
 * Per-source activity of scans and backscatter by minute, the input of scan
 * events and DoS attacks (src/query/scan-events.ts, dos-attacks.ts;
 * migrations/0007_activity.sql). `port` is the destination port of a scan and
 * the source port of backscatter (the victim's port). The minute bucket keeps
 * the first and last packet time, so gaps between buckets are measured
 * exactly; an event expiry of at least one bucket (60 s) therefore splits
 * events exactly as a pass over the raw packets would. Not in ROLLUPS: it
 * counts only the scan and backscatter packets, so its totals differ from raw.
 */
export const ACTIVITY_ROLLUP: RollupDef = Object.freeze({
  table: 'activity_1m',
  view: 'activity_1m_mv',
  bucket: 'minute',
  dimensions: ['sensor', 'class', 'ip_version', 'src', 'src6', 'proto', 'port', 'tool', 'label', 'country', 'asn'],
  measures: [packets, firstSeen, lastSeen, destinations],
  computed: { port: sql`if(class = 'backscatter', sport, dport)` },
  where: sql`class IN ('scan', 'backscatter')`,
});

/** Every table a materialized view fills from packets: what rebuild and the rollup check cover. */
export const ALL_ROLLUPS: readonly RollupDef[] = Object.freeze([...ROLLUPS, ACTIVITY_ROLLUP]);

export function rollupDef(table: string): RollupDef {
  const found = ALL_ROLLUPS.find((r) => r.table === table);
  if (found === undefined) throw new DarkscopeError('INTERNAL', `unknown rollup table ${JSON.stringify(table)}`);
  return found;
}

/** The output columns of a rollup SELECT, in order (for `INSERT INTO t (cols) SELECT`). */
export function rollupColumns(rollup: RollupDef): string[] {
  return ['t', ...rollup.dimensions, ...rollup.measures.map((m) => m.name)];
}

export interface TimeRange {
  /** Inclusive, epoch seconds. */
  readonly from: number;
  /** Exclusive, epoch seconds. */
  readonly to: number;
}

/**
 * The SELECT that turns raw packets into rows of `rollup`. `packetsTable` is
 * the qualified raw table (`store.table('packets')`); `range` adds a WHERE on
 * ts (used by rebuild; the views have none).
 */
export function rollupSelect(rollup: RollupDef, packetsTable: SqlFragment, range?: TimeRange): SqlFragment {
  const dims = rollup.dimensions.map((d) => unsafeRawSql(d));
  const computed = rollup.computed ?? {};
  const select = sqlJoin([
    sql`${BUCKET_SQL[rollup.bucket]} AS t`,
    ...rollup.dimensions.map((d) => {
      const expr = computed[d];
      return expr === undefined ? unsafeRawSql(d) : sql`${expr} AS ${unsafeRawSql(d)}`;
    }),
    ...rollup.measures.map((m) => sql`${m.expr} AS ${unsafeRawSql(m.name)}`),
  ], unsafeRawSql(',\n    '));
  const conditions = [
    ...(range === undefined ? [] : [sql`ts >= ${sqlDateTime(range.from)} AND ts < ${sqlDateTime(range.to)}`]),
    ...(rollup.where === undefined ? [] : [rollup.where]),
  ];
  const where = conditions.length === 0 ? sql`` : sql`\nWHERE ${sqlJoin(conditions, unsafeRawSql(' AND '))}`;
  return sql`SELECT
    ${select}
FROM ${packetsTable}${where}
GROUP BY t, ${sqlJoin(dims)}`;
}
