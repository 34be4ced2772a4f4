/**
 * Which rollup family a query reads, and how each family's measures are
 * written in SQL.
 *
 *   port    port_1m* / port_1h / port_total_1d   sensor proto dport class tool label
 *   source  source_1h* / source_total_1d         ... the port dimensions + country asn (and the source address)
 *   geo     country_1h / country_1d              sensor country proto class label
 *   mix     mix_1h / mix_1d                      sensor proto class tool label (packets and bytes only)
 *   total   total_1h / total_1d                  sensor (headline totals, nothing else)
 *
 * (*) computed from raw packets by the query (src/store/rollups.ts,
 * VIRTUAL_ROLLUPS), so available only while raw packets are kept. The day
 * tables keep fewer dimensions than their family: port_total_1d has the port
 * only, source_total_1d no port, country_1d the country only. A query names
 * the columns it reads (`columns`); a day table missing one of them, or one
 * of the filters, is read from the family's next finer grain instead,
 * re-aggregated to days, so the answer is the same (see fromSql).
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
import { regroupSelect, rollupDef, rollupSelect, UNIQ_PRECISION, uniqMergeSql, type RollupDef, type RollupTable, type VirtualRollup } from '../store/rollups.js';
import { sql, sqlDateTime, sqlJoin, unsafeRawSql, type SqlFragment } from '../store/sql.js';
import { activeFilters, filterColumn, filterConditions, type FilterName, type QueryFilters } from './filters.js';
import type { Grain } from './grain.js';
import type { TimeRange } from './time-range.js';

export type Family = 'port' | 'source' | 'geo' | 'total' | 'mix';

const TABLES: Readonly<Record<Family, Partial<Record<Grain, RollupTable | VirtualRollup>>>> = {
  port: { minute: 'port_1m', hour: 'port_1h', day: 'port_total_1d' },
  source: { hour: 'source_1h', day: 'source_total_1d' },
  geo: { hour: 'country_1h', day: 'country_1d' },
  total: { hour: 'total_1h', day: 'total_1d' },
  mix: { hour: 'mix_1h', day: 'mix_1d' },
};

const GRAINS: readonly Grain[] = ['minute', 'hour', 'day'];

function defAt(family: Family, grain: Grain): RollupDef | undefined {
  const table = TABLES[family][grain];
  return table === undefined ? undefined : rollupDef(table);
}

function finestDef(family: Family): RollupDef {
  for (const g of GRAINS) {
    const d = defAt(family, g);
    if (d !== undefined) return d;
  }
  throw new DarkscopeError('INTERNAL', `the ${family} family has no rollup`);
}

/** The columns a family can filter and group by: its finest rollup's dimensions. */
const COLUMNS = Object.fromEntries(
  (Object.keys(TABLES) as Family[]).map((f) => [f, new Set(finestDef(f).dimensions)]),
) as unknown as Readonly<Record<Family, ReadonlySet<string>>>;

/** Grains of a family that are computed from raw packets (available only while raw is kept). */
export function rawGrains(family: Family): Grain[] {
  return GRAINS.filter((g) => defAt(family, g)?.stored === false);
}

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
  return finestDef(family).bucket;
}

/** What a pure SQL builder needs from the store: qualified table names. */
export type Tables = Pick<StoreClient, 'table'>;

/** The dimension columns a query reads: every filter's column and `columns` (all of the family's when not given). */
function neededColumns(family: Family, f: QueryFilters, columns: readonly string[] | undefined): string[] {
  // A source row's address is what sourcesSql() counts: always read with the row.
  const address = family === 'source' ? ADDRESS_COLUMNS : [];
  return [...new Set([...activeFilters(f).map((n) => filterColumn(n)), ...address, ...(columns ?? [...COLUMNS[family]])])];
}

/** The columns of a source row's address (SOURCE_KEY_SQL). */
const ADDRESS_COLUMNS: readonly string[] = ['ip_version', 'src', 'src6'];

function hasColumns(def: RollupDef, needed: readonly string[]): boolean {
  return needed.every((c) => def.dimensions.includes(c));
}

/**
 * What to read for `family` at `grain` over `range` (aligned to the grain):
 *   - a stored rollup that has every column needed: its table;
 *   - a stored rollup missing a column: the next finer grain's rows
 *     re-aggregated into this grain (regroupSelect), e.g. port_1h by day for
 *     a class filter over a year;
 *   - a virtual rollup: its SELECT over the raw packets of the range, with
 *     the filters and `extra` applied to the packets first (so `extra` may
 *     only name columns that raw packets have under the same name).
 * Each gives the rows the family's finest rollup would hold at this grain,
 * with at least the needed columns, so a query's SQL over them is the same.
 */
export function fromSql(db: Tables, family: Family, grain: Grain, range: TimeRange, f: QueryFilters, columns?: readonly string[], extra: readonly SqlFragment[] = []): SqlFragment {
  const needed = neededColumns(family, f, columns);
  // Given columns: a SELECT computed here (from raw, or regrouped) has only those dimensions, and every measure.
  const keep = columns === undefined ? undefined : new Set([...needed, ...finestDef(family).measures.map((m) => m.name)]);
  return tileSql(db, family, grain, range, f, needed, keep, extra);
}

/**
 * fromSql with the needed dimensions worked out, and `keep` the dimensions
 * and measures a computed SELECT produces (all without it); a stored table
 * is read as it is.
 */
function tileSql(db: Tables, family: Family, grain: Grain, range: TimeRange, f: QueryFilters, needed: readonly string[], keep: ReadonlySet<string> | undefined, extra: readonly SqlFragment[], perBucket = true): SqlFragment {
  const def = defAt(family, grain);
  if (def === undefined) throw new DarkscopeError('INTERNAL', `no ${grain} rollup for the ${family} family`);
  const raw = perBucket ? undefined : rawSource(family, grain, needed);
  if (!def.stored || raw !== undefined) {
    return sql`(${rollupSelect(raw ?? def, db.table('packets'), range, [...filterConditions(f), ...extra], keep, perBucket)})`;
  }
  if (hasColumns(def, needed)) return db.table(def.table);
  const finer = finerGrain(family, grain);
  const finerDef = finer === undefined ? undefined : defAt(family, finer);
  if (finer === undefined || finerDef === undefined || !hasColumns(finerDef, needed)) {
    throw new DarkscopeError('INTERNAL', `the ${family} family has no rollup with the columns ${needed.join(', ')}`);
  }
  return sql`(${regroupSelect(finerDef, tileSql(db, family, finer, range, f, needed, keep, extra), def.bucket, range, [...filterConditions(f), ...extra], keep)})`;
}

function finerGrain(family: Family, grain: Grain): Grain | undefined {
  return GRAINS.slice(0, GRAINS.indexOf(grain)).reverse().find((g) => defAt(family, g) !== undefined);
}

/**
 * The rollup computed from raw packets that a tile of `family` at `grain`
 * is made from (its own, or the finer one it is regrouped from when the
 * stored table lacks a needed column); undefined when it reads a stored table.
 */
function rawSource(family: Family, grain: Grain, needed: readonly string[]): RollupDef | undefined {
  const def = defAt(family, grain);
  if (def === undefined) return undefined;
  if (!def.stored) return def;
  if (hasColumns(def, needed)) return undefined;
  const finer = finerGrain(family, grain);
  return finer === undefined ? undefined : rawSource(family, finer, needed);
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
 * table (when the day table has every column `needed`; else all from the
 * hour table). Hour and day rollups hold the same packets (both are filled from
 * every insert, rebuilt and retained together), so the answer is the hour
 * grain's, from a twenty-fourth of the rows for every whole day. Any other
 * grain, a family without day rollups, or a range without a whole day is one
 * tile.
 */
export function tilesFor(family: Family, grain: Grain, range: TimeRange, needed: readonly string[] = [...COLUMNS[family]]): Tile[] {
  const firstDay = Math.ceil(range.from / DAY) * DAY;
  const lastDay = Math.floor(range.to / DAY) * DAY;
  const day = defAt(family, 'day');
  if (grain !== 'hour' || day === undefined || !hasColumns(day, needed) || lastDay <= firstDay) return [{ grain, range }];
  const tiles: Tile[] = [];
  if (range.from < firstDay) tiles.push({ grain: 'hour', range: { from: range.from, to: firstDay } });
  tiles.push({ grain: 'day', range: { from: firstDay, to: lastDay } });
  if (lastDay < range.to) tiles.push({ grain: 'hour', range: { from: lastDay, to: range.to } });
  return tiles;
}

const DAY = 86_400;

/** The rows a query aggregates: `FROM ${from} ${where([...])}`, or `${clause([...])}`. */
export interface RowsSql {
  readonly from: SqlFragment;
  /** The WHERE clause (or nothing), with `outer` conditions added. */
  where(outer?: readonly SqlFragment[]): SqlFragment;
  /**
   * `FROM ... WHERE ...` with the `outer` conditions applied inside every
   * tile (not after the union, which ClickHouse 18.16 would read whole), and,
   * when `columns` is given, only those columns (and t) read from each tile:
   * a ranking by packets then reads no unique-count state at all. A tile
   * computed from raw packets applies `outer` to the packets too, before
   * grouping (the measures of 50 chosen sources over hours holding 5 M raw
   * packets: 1.8 s -> 0.6 s on 18.16), so like `extra` the conditions may only
   * name columns raw packets have under the same name. With `columns`, such a
   * tile has only those and the filters' columns: `outer` and rowsSql's
   * `extra` may then name no other. `perBucket` false (for a query that
   * reads no `t`): the rows have no `t`, and a tile computed from raw
   * packets is grouped over its whole range instead of per bucket (its
   * packets are already limited to the range); see rollupSelect.
   */
  clause(outer?: readonly SqlFragment[], columns?: readonly string[], perBucket?: boolean): SqlFragment;
}

/**
 * The rollup rows of `family` in `range` that pass the filters and `extra`,
 * read tile by tile (see tilesFor): one table with a WHERE, or a UNION ALL of
 * the day table and the hour tables, each with its own WHERE and the same
 * columns (`t`, the columns needed, the family's measures). Conditions given
 * to `where()` apply to the rows after the union; those given to `clause()`
 * inside each tile.
 */
export function rowsSql(db: Tables, family: Family, grain: Grain, range: TimeRange, f: QueryFilters, extra: readonly SqlFragment[] = [], columns?: readonly string[]): RowsSql {
  const needed = neededColumns(family, f, columns);
  const tiles = tilesFor(family, grain, range, needed);
  const filters = [...filterConditions(f), ...extra];
  const measures = finestDef(family).measures.map((m) => m.name);
  // A tile computed from raw (or regrouped) groups by the needed columns when the query named its columns,
  // and under a clause() listing columns by those and the filters' only: the tile's WHERE (filters,
  // `extra`, the clause's conditions) is applied to it, so those must name only such columns.
  const filterColumns = activeFilters(f).map((n) => filterColumn(n));
  const tileFrom = (t: Tile, only?: readonly string[], outer: readonly SqlFragment[] = [], perBucket = true) => tileSql(db, family, t.grain, t.range, f, needed,
    only !== undefined ? new Set([...filterColumns, ...only]) : columns === undefined ? undefined : new Set([...needed, ...measures]), [...extra, ...outer], perBucket);
  // A tile grouped over its whole range has no t to compare; its packets were read from that range only.
  const timeConditions = (t: Tile, perBucket: boolean) => (perBucket || rawSource(family, t.grain, needed) === undefined ? rangeConditions(t.range) : []);
  if (tiles.length === 1) {
    const tile = tiles[0] as Tile;
    const from = tileFrom(tile);
    const where = (outer: readonly SqlFragment[] = [], perBucket = true) => conditionsSql([...timeConditions(tile, perBucket), ...filters, ...outer]);
    return {
      from,
      where,
      clause: (outer = [], only, perBucket = true) => sql`FROM ${only === undefined && outer.length === 0 && perBucket ? from : tileFrom(tile, only, outer, perBucket)}\n${where(outer, perBucket)}`,
    };
  }
  // Tables of one family differ in their dimensions: each tile lists the same columns, in the same order.
  const union = (outer: readonly SqlFragment[], only?: readonly string[], perBucket = true) => {
    const names = (only ?? [...needed, ...measures]).filter((c) => c !== 't');
    const list = sqlJoin([...(perBucket ? ['t'] : []), ...names].map((c) => unsafeRawSql(c)));
    const selects = tiles.map((t) => sql`SELECT ${list} FROM ${tileFrom(t, only, outer, perBucket)}
  ${conditionsSql([...timeConditions(t, perBucket), ...filters, ...outer])}`);
    return sql`(
  ${sqlJoin(selects, unsafeRawSql('\n  UNION ALL\n  '))}
)`;
  };
  const from = union([]);
  return {
    from,
    where: (outer = []) => conditionsSql(outer),
    clause: (outer = [], only, perBucket = true) => sql`FROM ${outer.length === 0 && only === undefined && perBucket ? from : union(outer, only, perBucket)}`,
  };
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
