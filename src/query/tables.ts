/**
 * Which rollup family a query reads, and how each family's measures are
 * written in SQL.
 *
 *   port    port_1m / port_1h / port_1d    sensor proto dport class tool label
 *   source  source_1h / source_1d          ... the port dimensions + country asn (and the source address)
 *   geo     geo_1h / geo_1d                sensor country asn proto class label
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

export type Family = 'port' | 'source' | 'geo';

const COLUMNS: Readonly<Record<Family, ReadonlySet<string>>> = {
  port: new Set(['sensor', 'proto', 'dport', 'class', 'tool', 'label']),
  source: new Set(['sensor', 'proto', 'dport', 'class', 'tool', 'label', 'country', 'asn']),
  geo: new Set(['sensor', 'proto', 'class', 'label', 'country', 'asn']),
};

const TABLES: Readonly<Record<Family, Partial<Record<Grain, RollupTable>>>> = {
  port: { minute: 'port_1m', hour: 'port_1h', day: 'port_1d' },
  source: { hour: 'source_1h', day: 'source_1d' },
  geo: { hour: 'geo_1h', day: 'geo_1d' },
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
  const conds = [sql`t >= ${sqlDateTime(range.from)}`, sql`t < ${sqlDateTime(range.to)}`, ...filterConditions(f), ...extra];
  return sql`WHERE ${sqlJoin(conds, unsafeRawSql('\n  AND '))}`;
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
