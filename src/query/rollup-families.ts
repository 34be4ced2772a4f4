/**
 * Which rollup family a query reads, and how each family's measures are
 * written in SQL.
 *
 *   port    port_1m / port_1h / port_1d    sensor proto dport class tool label
 *   source  source_1h / source_1d          ... the port dimensions + country asn (and the source address)
 *   geo     geo_1h / geo_1d                sensor country asn proto class label
 *   total   total_1h / total_1d            sensor (headline totals, nothing else)
 *
 * A query names the families it can use in order of preference (cheapest
 * first); the first one that has a column for every active filter wins. E.g.
 * top ports read `port_*` unless a country or ASN filter is set, which only
 * `source_*` can apply.
 *
 * Rollup rows are partial until ClickHouse merges them, so every measure is
 * an aggregate: sum() for counters, uniqCombinedMerge(17) for unique-count
 * states, minMerge/maxMerge for first/last seen. Unique counts are merged
 * over the whole range asked for, never summed across buckets.
 */
import { DarkscopeError } from '../errors.js';
import type { StoreClient } from '../store/client.js';
import { UNIQ_PRECISION, uniqMergeSql, type RollupTable } from '../store/rollups.js';
import { sql, sqlDateTime, sqlJoin, unsafeRawSql, type SqlFragment } from '../store/sql.js';
import { activeFilters, filterColumn, filterConditions, type FilterName, type QueryFilters } from './filters.js';
import type { Grain } from './grain.js';
import type { TimeRange } from './time-range.js';

export type Family = 'port' | 'source' | 'geo' | 'total';

const COLUMNS: Readonly<Record<Family, ReadonlySet<string>>> = {
  port: new Set(['sensor', 'proto', 'dport', 'class', 'tool', 'label']),
  source: new Set(['sensor', 'proto', 'dport', 'class', 'tool', 'label', 'country', 'asn']),
  geo: new Set(['sensor', 'proto', 'class', 'label', 'country', 'asn']),
  total: new Set(['sensor']),
};

const TABLES: Readonly<Record<Family, Partial<Record<Grain, RollupTable>>>> = {
  port: { minute: 'port_1m', hour: 'port_1h', day: 'port_1d' },
  source: { hour: 'source_1h', day: 'source_1d' },
  geo: { hour: 'geo_1h', day: 'geo_1d' },
  total: { hour: 'total_1h', day: 'total_1d' },
};

export function canApply(family: Family, f: QueryFilters): boolean {
  return activeFilters(f).every((name: FilterName) => COLUMNS[family].has(filterColumn(name)));
}

/** The first family in `preference` that can apply every active filter. */
export function familyFor(f: QueryFilters, preference: readonly Family[]): Family {
  const found = preference.find((fam) => canApply(fam, f));
  if (found === undefined) {
    const names = activeFilters(f).filter((n) => !preference.some((fam) => COLUMNS[fam].has(filterColumn(n))));
    throw new DarkscopeError('BAD_REQUEST', `this query cannot apply the filter(s) ${names.join(', ')}`);
  }
  return found;
}

export function finestGrain(family: Family): Grain {
  return TABLES[family].minute !== undefined ? 'minute' : 'hour';
}

export function rollupTable(family: Family, grain: Grain): RollupTable {
  const t = TABLES[family][grain];
  if (t === undefined) throw new DarkscopeError('INTERNAL', `no ${grain} rollup for the ${family} family`);
  return t;
}

/** What a pure SQL builder needs from the store: qualified table names. */
export type Tables = Pick<StoreClient, 'table'>;

export function tableSql(db: Tables, family: Family, grain: Grain): SqlFragment {
  return db.table(rollupTable(family, grain));
}

/** `WHERE t >= from AND t < to AND <filters>` for a rollup table. */
export function whereSql(range: TimeRange, f: QueryFilters, extra: readonly SqlFragment[] = []): SqlFragment {
  return conditionsSql([...rangeConditions(range), ...filterConditions(f), ...extra]);
}

function rangeConditions(range: TimeRange): SqlFragment[] {
  return [sql`t >= ${sqlDateTime(range.from)}`, sql`t < ${sqlDateTime(range.to)}`];
}

function conditionsSql(conds: readonly SqlFragment[]): SqlFragment {
  return conds.length === 0 ? sql`` : sql`WHERE ${sqlJoin(conds, unsafeRawSql('\n  AND '))}`;
}

/**
 * The family that answers a range's headline totals (packets, bytes, unique
 * sources and destinations of everything selected): the small total rollups
 * when the filters allow (at most a sensor) and the grain is hour or coarser,
 * else `family` itself.
 */
export function headlineFamily(family: Family, grain: Grain, f: QueryFilters): Family {
  return grain !== 'minute' && canApply('total', f) ? 'total' : family;
}

/** A (protocol, port) pair as one UInt32, `proto * 65536 + dport`: grouping by it is much faster than by the pair on 18.16. */
export const PORT_KEY_SQL = sql`toUInt32(proto) * 65536 + dport`;

/** A part of a range read from one grain's table. */
export interface Tile {
  readonly grain: Grain;
  readonly range: TimeRange;
}

/**
 * How an hour-grain range is read: its whole UTC days from the day table and
 * the hours before the first and after the last whole day from the hour
 * table. Hour and day rollups hold the same packets (both are filled from
 * every insert, rebuilt and retained together), so the answer is the hour
 * grain's, from a twenty-fourth of the rows for every whole day. Any other
 * grain, a family without day rollups, or a range without a whole day is one
 * tile.
 */
export function tilesFor(family: Family, grain: Grain, range: TimeRange): Tile[] {
  const firstDay = Math.ceil(range.from / DAY) * DAY;
  const lastDay = Math.floor(range.to / DAY) * DAY;
  if (grain !== 'hour' || TABLES[family].day === undefined || lastDay <= firstDay) return [{ grain, range }];
  const tiles: Tile[] = [];
  if (range.from < firstDay) tiles.push({ grain: 'hour', range: { from: range.from, to: firstDay } });
  tiles.push({ grain: 'day', range: { from: firstDay, to: lastDay } });
  if (lastDay < range.to) tiles.push({ grain: 'hour', range: { from: lastDay, to: range.to } });
  return tiles;
}

const DAY = 86_400;

/** The rows a query aggregates: `FROM ${from} ${where([...])}`. */
export interface RowsSql {
  readonly from: SqlFragment;
  /** The WHERE clause (or nothing), with `outer` conditions added. */
  where(outer?: readonly SqlFragment[]): SqlFragment;
}

/**
 * The rollup rows of `family` in `range` that pass the filters and `extra`,
 * read tile by tile (see tilesFor): one table with a WHERE, or a UNION ALL of
 * the day table and the hour table, each with its own WHERE. Conditions given
 * to `where()` apply to the rows after the union.
 */
export function rowsSql(db: Tables, family: Family, grain: Grain, range: TimeRange, f: QueryFilters, extra: readonly SqlFragment[] = []): RowsSql {
  const tiles = tilesFor(family, grain, range);
  const filters = [...filterConditions(f), ...extra];
  if (tiles.length === 1) {
    return { from: tableSql(db, family, grain), where: (outer = []) => conditionsSql([...rangeConditions(range), ...filters, ...outer]) };
  }
  const hours = tiles.filter((t) => t.grain === 'hour').map((t) => sqlJoin(rangeConditions(t.range), unsafeRawSql(' AND ')));
  const day = tiles.find((t) => t.grain === 'day');
  if (day === undefined) throw new DarkscopeError('INTERNAL', 'a tiled range has a day tile');
  const hourRange = hours.length === 1 ? hours[0] as SqlFragment : sql`(${sqlJoin(hours.map((h) => sql`(${h})`), unsafeRawSql(' OR '))})`;
  const from = sql`(
  SELECT * FROM ${tableSql(db, family, 'day')}
  ${conditionsSql([...rangeConditions(day.range), ...filters])}
  UNION ALL
  SELECT * FROM ${tableSql(db, family, 'hour')}
  ${conditionsSql([hourRange, ...filters])}
)`;
  return { from, where: (outer = []) => conditionsSql(outer) };
}

const PRECISION = unsafeRawSql(String(UNIQ_PRECISION));

/**
 * The source address key of a `source_*` row, identical to `packets.src_key`
 * (migrations/0001_packets.sql, src/store/address-key.ts): the IPv4 value, or
 * for IPv6 the XOR of the two 64-bit halves with the top bit set. Counting it
 * with uniqCombined(17) gives the same estimate as merging the port rollups'
 * `sources` states for the same set of addresses.
 */
export const SOURCE_KEY_SQL = sql`if(ip_version = 4, toUInt64(src), bitOr(bitXor(reinterpretAsUInt64(substring(src6, 1, 8)), reinterpretAsUInt64(substring(src6, 9, 8))), 9223372036854775808))`;

/** Unique sources over the rows aggregated. */
export function sourcesSql(family: Family): SqlFragment {
  return family === 'source' ? sql`uniqCombined(${PRECISION})(${SOURCE_KEY_SQL})` : uniqMergeSql(sql`sources`);
}

/** Unique darknet destinations over the rows aggregated (geo rollups have none). */
export function destinationsSql(family: Family): SqlFragment {
  if (family === 'geo') throw new DarkscopeError('INTERNAL', 'geo rollups have no destinations');
  return uniqMergeSql(sql`destinations`);
}

/** Bytes over the rows aggregated (geo rollups have none). */
export function bytesSql(family: Family): SqlFragment {
  if (family === 'geo') throw new DarkscopeError('INTERNAL', 'geo rollups have no bytes');
  return sql`sum(bytes)`;
}
