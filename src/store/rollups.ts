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

/** The rollups stored in tables, each filled by a materialized view over packets (migration 0008). */
export type RollupTable =
  | 'port_1h' | 'port_total_1d'
  | 'source_total_1d'
  | 'country_1h' | 'country_1d'
  | 'mix_1h' | 'mix_1d'
  | 'total_1h' | 'total_1d';

/**
 * The rollups computed from raw packets when a query reads them (never
 * stored): the finest grains, whose rows would be nearly one per packet.
 * A query reads `(rollupSelect(def, packets, range))` in their place, the
 * same rows a view would have written.
 */
export type VirtualRollup = 'port_1m' | 'source_1h' | 'activity_1m';

export interface RollupDef {
  readonly table: RollupTable | VirtualRollup;
  /** The materialized view that feeds it (stored rollups only). */
  readonly view: string;
  /** Stored in a table by a view (true), or computed from raw packets by each query that reads it. */
  readonly stored: boolean;
  /** Time bucket of `t`; every bucket lies inside one UTC day. */
  readonly bucket: 'minute' | 'hour' | 'day';
  /** Dimension columns after `t`, in the table's ORDER BY order. */
  readonly dimensions: readonly string[];
  /** Measure columns with the aggregate that produces each from packets and the one that re-aggregates them. */
  readonly measures: readonly Measure[];
  /** Dimensions computed from raw columns (name → expression); the others are raw columns of the same name. */
  readonly computed?: Readonly<Record<string, SqlFragment>>;
  /** Only the raw packets matching this condition (none: every packet). */
  readonly where?: SqlFragment;
}

export interface Measure {
  readonly name: string;
  /** The aggregate over raw packets. */
  readonly expr: SqlFragment;
  /** The aggregate over rows of this measure that gives the same value for a coarser bucket (sum, or the -MergeState of a state). */
  readonly regroup: SqlFragment;
}

const BUCKET_START: Record<RollupDef['bucket'], SqlFragment> = {
  minute: sql`toStartOfMinute`,
  hour: sql`toStartOfHour`,
  day: sql`toStartOfDay`,
};

/** The start of the `bucket` holding `time` (raw packets' ts, or a rollup's own t). */
export function bucketStart(bucket: RollupDef['bucket'], time: 'ts' | 't'): SqlFragment {
  return sql`${BUCKET_START[bucket]}(${unsafeRawSql(time)})`;
}

function counter(name: string, expr: SqlFragment): Measure {
  return { name, expr, regroup: sql`sum(${unsafeRawSql(name)})` };
}

function uniqState(name: string, of: SqlFragment): Measure {
  return { name, expr: sql`uniqCombinedState(${UNIQ_PRECISION_SQL})(${of})`, regroup: sql`uniqCombinedMergeState(${UNIQ_PRECISION_SQL})(${unsafeRawSql(name)})` };
}

const packets = counter('packets', sql`count()`);
const bytes = counter('bytes', sql`sum(toUInt64(ip_len))`);
const sources = uniqState('sources', addressKeySql('src'));
const destinations = uniqState('destinations', addressKeySql('dst'));
const firstSeen: Measure = { name: 'first_seen', expr: sql`minState(ts)`, regroup: sql`minMergeState(first_seen)` };
const lastSeen: Measure = { name: 'last_seen', expr: sql`maxState(ts)`, regroup: sql`maxMergeState(last_seen)` };
/**
 * The (protocol, destination port) pairs a source sent to, as one UInt32
 * each (proto * 65536 + dport, PORT_KEY in the query layer): lets the
 * per-source day rollup, which has no port dimension, still count a source's
 * ports.
 */
const ports = uniqState('ports', sql`toUInt32(toUInt32(proto) * 65536 + dport)`);

const PORT_DIMS = ['sensor', 'proto', 'dport', 'class', 'tool', 'label'] as const;
const SOURCE_DIMS = ['sensor', 'ip_version', 'src', 'src6', 'proto', 'dport', 'class', 'tool', 'label', 'country', 'asn'] as const;
/** Per source and day: the source dimensions without the port. */
const SOURCE_TOTAL_DIMS = ['sensor', 'ip_version', 'src', 'src6', 'class', 'tool', 'label', 'country', 'asn'] as const;
const COUNTRY_HOUR_DIMS = ['sensor', 'country', 'proto', 'class', 'label'] as const;
/**
 * The totals of a sensor per bucket (migrations/0006_total_rollups.sql): one
 * row per hour or day, so the unique sources and destinations of a long range
 * merge a few dozen states instead of one per port row.
 */
const TOTAL_DIMS = ['sensor'] as const;
/** Packets by protocol, class, tool and label: the traffic mix of a report, no unique counts. */
const MIX_DIMS = ['sensor', 'proto', 'class', 'tool', 'label'] as const;

function stored(table: RollupTable, bucket: RollupDef['bucket'], dimensions: readonly string[], measures: readonly Measure[]): RollupDef {
  return Object.freeze({ table, view: `${table}_mv`, stored: true, bucket, dimensions, measures });
}

/**
 * The stored rollups (migration 0008): what the views fill, rebuild rewrites
 * and the rollup check compares with raw. Why these: every stored row costs the
 * server about as much to write as a raw packet (bench/README.md, "rollups"),
 * and on a sparse darknet the per-minute and per-source-and-port keys hold
 * one or two packets each. So only grains that aggregate are stored, the day
 * rollups keep only the dimensions long ranges are asked by (a day table
 * missing a filtered column is answered from its hour table, see
 * src/query/rollup-families.ts), and the finest grains are computed from raw
 * (VIRTUAL_ROLLUPS).
 */
export const ROLLUPS: readonly RollupDef[] = Object.freeze([
  stored('port_1h', 'hour', PORT_DIMS, [packets, bytes, sources, destinations]),
  stored('port_total_1d', 'day', ['sensor', 'proto', 'dport'], [packets, bytes, sources, destinations]),
  stored('source_total_1d', 'day', SOURCE_TOTAL_DIMS, [packets, bytes, firstSeen, lastSeen, destinations, ports]),
  stored('country_1h', 'hour', COUNTRY_HOUR_DIMS, [packets, sources]),
  stored('country_1d', 'day', ['sensor', 'country'], [packets, sources]),
  stored('mix_1h', 'hour', MIX_DIMS, [packets, bytes]),
  stored('mix_1d', 'day', MIX_DIMS, [packets, bytes]),
  stored('total_1h', 'hour', TOTAL_DIMS, [packets, bytes, sources, destinations]),
  stored('total_1d', 'day', TOTAL_DIMS, [packets, bytes, sources, destinations]),
]);

function computedOnRead(table: VirtualRollup, bucket: RollupDef['bucket'], dimensions: readonly string[], measures: readonly Measure[], extra: Pick<RollupDef, 'computed' | 'where'> = {}): RollupDef {
  return Object.freeze({ table, view: '', stored: false, bucket, dimensions, measures, ...extra });
}

/**
 * Per-source activity of scans and backscatter by minute, the input of scan
 * events and DoS attacks (src/query/scan-events.ts, dos-attacks.ts). `port`
 * is the destination port of a scan and the source port of backscatter (the
 * victim's port). The minute bucket keeps the first and last packet time, so
 * gaps between buckets are measured exactly; an event expiry of at least one
 * bucket (60 s) therefore splits events exactly as a pass over the raw
 * packets would. Counts only the scan and backscatter packets.
 */
export const ACTIVITY_ROLLUP: RollupDef = computedOnRead('activity_1m', 'minute',
  ['sensor', 'class', 'ip_version', 'src', 'src6', 'proto', 'port', 'tool', 'label', 'country', 'asn'],
  [packets, firstSeen, lastSeen, destinations],
  { computed: { port: sql`if(class = 'backscatter', sport, dport)` }, where: sql`class IN ('scan', 'backscatter')` });

/** The rollups computed from raw on read (see VirtualRollup). */
export const VIRTUAL_ROLLUPS: readonly RollupDef[] = Object.freeze([
  computedOnRead('port_1m', 'minute', PORT_DIMS, [packets, bytes, sources, destinations]),
  computedOnRead('source_1h', 'hour', SOURCE_DIMS, [packets, bytes, firstSeen, lastSeen, destinations, ports]),
  ACTIVITY_ROLLUP,
]);

/** A stored or virtual rollup by name. */
export function rollupDef(table: string): RollupDef {
  const found = [...ROLLUPS, ...VIRTUAL_ROLLUPS].find((r) => r.table === table);
  if (found === undefined) throw new DarkscopeError('INTERNAL', `unknown rollup table ${JSON.stringify(table)}`);
  return found;
}

/** The measure `name` of `rollup` (its expression over raw packets, its regroup over rows). */
export function rollupMeasure(rollup: RollupDef, name: string): Measure {
  const found = rollup.measures.find((m) => m.name === name);
  if (found === undefined) throw new DarkscopeError('INTERNAL', `rollup ${rollup.table} has no measure ${JSON.stringify(name)}`);
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
 * ts (rebuild, and reads of a virtual rollup; the views have none), and
 * `conditions` more conditions on raw columns (a query's filters).
 * `perBucket` false: no `t`, one row per dimension tuple over the whole
 * range, for a query that reads no bucket (a ranking over six hours of 5 M
 * raw packets grouped by port: 0.7-1.1 s per minute and port, 0.08-0.17 s
 * per port, on 18.16). With no dimension kept either, there is no GROUP BY:
 * one row over the range (zero packets when there was none).
 */
export function rollupSelect(rollup: RollupDef, packetsTable: SqlFragment, range?: TimeRange, more: readonly SqlFragment[] = [], keep?: ReadonlySet<string>, perBucket = true): SqlFragment {
  const { dimensions, measures } = kept(rollup, keep);
  const dims = dimensions.map((d) => unsafeRawSql(d));
  const computed = rollup.computed ?? {};
  const select = sqlJoin([
    ...(perBucket ? [sql`${bucketStart(rollup.bucket, 'ts')} AS t`] : []),
    ...dimensions.map((d) => {
      const expr = computed[d];
      return expr === undefined ? unsafeRawSql(d) : sql`${expr} AS ${unsafeRawSql(d)}`;
    }),
    ...measures.map((m) => sql`${m.expr} AS ${unsafeRawSql(m.name)}`),
  ], unsafeRawSql(',\n    '));
  const conditions = [
    ...(range === undefined ? [] : [sql`ts >= ${sqlDateTime(range.from)} AND ts < ${sqlDateTime(range.to)}`]),
    ...(rollup.where === undefined ? [] : [rollup.where]),
    ...more,
  ];
  const where = conditions.length === 0 ? sql`` : sql`\nWHERE ${sqlJoin(conditions, unsafeRawSql(' AND '))}`;
  const groups = [...(perBucket ? [sql`t`] : []), ...dims];
  return sql`SELECT
    ${select}
FROM ${packetsTable}${where}${groups.length === 0 ? sql`` : sql`
GROUP BY ${sqlJoin(groups)}`}`;
}

/**
 * The dimensions and measures of `rollup` named in `keep` (all of them
 * without `keep`). A SELECT over raw packets grouped by fewer dimensions
 * gives, for those it keeps, the sums and unique counts the full rows would
 * after re-aggregation: a query reading a few columns of a rollup computed
 * from raw groups by those only (a 7-day source ranking whose last hours held
 * 5 M raw packets: 4.1 s grouped by all eleven dimensions, 0.85 s by the
 * address alone, on 18.16).
 */
function kept(rollup: RollupDef, keep: ReadonlySet<string> | undefined): { dimensions: readonly string[]; measures: readonly Measure[] } {
  if (keep === undefined) return rollup;
  return { dimensions: rollup.dimensions.filter((d) => keep.has(d)), measures: rollup.measures.filter((m) => keep.has(m.name)) };
}

/**
 * Rows of `rollup` (stored, finer than `bucket`) re-aggregated into `bucket`:
 * the rows a rollup of the same dimensions and measures at that grain would
 * hold, e.g. port_1h read as a per-day table with the port_1h dimensions.
 * `from` is what to read (the table, or another such SELECT in brackets);
 * `range` must be aligned to `bucket`.
 */
export function regroupSelect(rollup: RollupDef, from: SqlFragment, bucket: RollupDef['bucket'], range: TimeRange, more: readonly SqlFragment[] = [], keep?: ReadonlySet<string>): SqlFragment {
  const { dimensions, measures } = kept(rollup, keep);
  const dims = dimensions.map((d) => unsafeRawSql(d));
  const select = sqlJoin([
    sql`${bucketStart(bucket, 't')} AS t`,
    ...dims,
    ...measures.map((m) => sql`${m.regroup} AS ${unsafeRawSql(m.name)}`),
  ], unsafeRawSql(',\n    '));
  const conditions = [sql`t >= ${sqlDateTime(range.from)} AND t < ${sqlDateTime(range.to)}`, ...more];
  return sql`SELECT
    ${select}
FROM ${from}
WHERE ${sqlJoin(conditions, unsafeRawSql(' AND '))}
GROUP BY ${sqlJoin([sql`t`, ...dims])}`;
}
