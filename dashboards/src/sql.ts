/**
 * SQL pieces shared by the dashboard panels: dashboard-variable filters, what
 * each panel reads (raw packets or a stored rollup) and its measures, the
 * grains of the time series, and time buckets.
 *
 * Everything here is SQL TEXT with the plugin's macros and Grafana variables
 * in it; no value from TypeScript is ever interpolated (there is none: the
 * values come from Grafana variables at query time).
 *
 * Portability (ClickHouse 18.16 and current releases):
 * - no $__timeInterval / $__timeGroup (they expand to toStartOfInterval):
 *   buckets are `intDiv(toUInt32(t), N) * N` on epoch seconds, which is also
 *   UTC-aligned whatever the server's time zone;
 * - string literals are never compared to numeric columns with IN (18.16
 *   rejects `proto IN ('6')`): variables are cast with toUInt*OrZero or the
 *   column is compared as text;
 * - rollups hold partial rows: every read aggregates (sum, uniqCombinedMerge).
 */
import { portLabelSql } from '../../src/net/protocols.js';
import { EVENT_CONTEXT_SEC, eventNumbersSql } from '../../src/query/activity-events.js';
import { HOUR_GRAIN_MAX_SPAN_SEC, MINUTE_GRAIN_MAX_SPAN_SEC } from '../../src/query/grain.js';
import { DEFAULT_SCAN_EXPIRY_SEC, DEFAULT_SCAN_MIN_ADDRESSES } from '../../src/query/scan-events.js';
import { RAW_COLUMNS } from '../../src/store/raw-columns.js';
import { DEFAULT_RAW_DAYS } from '../../src/store/retention.js';
import { rollupDef, UNIQ_PRECISION, type RollupTable } from '../../src/store/rollups.js';
import { unsafeRawSql } from '../../src/store/sql.js';

/** Unique count of a rollup state column (`uniqCombinedMerge(17)(col)`), same precision as the views write. */
export function uniq(column: string): string {
  return `uniqCombinedMerge(${UNIQ_PRECISION})(${column})`;
}

export function uniqIf(column: string, condition: string): string {
  return `uniqCombinedMergeIf(${UNIQ_PRECISION})(${column}, ${condition})`;
}

/** The dashboard filters a panel can apply, each bound to one template variable. */
export type Filter =
  | 'sensor' // multi, All: sensor IN (...)
  | 'proto' // multi, All: protocol numbers
  | 'port' // optional text box: '' = every port
  | 'portExact' // the drill-down's port (text box, required)
  | 'protoExact' // the drill-down's protocol (single)
  | 'class' // multi, All
  | 'excludeLabel' // multi: labels to leave out ('(none)' leaves nothing out)
  | 'country' // multi, All
  | 'ip'; // the source drill-down's address

export const FILTER_SQL: Readonly<Record<Filter, string>> = Object.freeze({
  sensor: '$__conditionalAll(sensor IN (${sensor:singlequote}), $sensor)',
  proto: '$__conditionalAll(toString(proto) IN (${proto:singlequote}), $proto)',
  port: "(${port:singlequote} = '' OR dport = toUInt16OrZero(${port:singlequote}))",
  portExact: 'dport = toUInt16OrZero(${port:singlequote})',
  protoExact: 'proto = toUInt8OrZero(${proto:singlequote})',
  class: '$__conditionalAll(toString(class) IN (${class:singlequote}), $class)',
  excludeLabel: 'label NOT IN (${exclude_label:singlequote})',
  country: '$__conditionalAll(country IN (${country:singlequote}), $country)',
  // IPv4 text → src, IPv6 text → src6. Both conversions always get a valid
  // address of their family (the other one is replaced by 0.0.0.0 / ::), so
  // neither throws on current releases, where IPv4StringToNum('2001:db8::1')
  // is an error and constant arguments are folded even in an untaken branch.
  ip: "ip_version = if(position(${ip:singlequote}, ':') > 0, 6, 4)"
    + "\n  AND src = IPv4StringToNum(if(position(${ip:singlequote}, ':') > 0, '0.0.0.0', ${ip:singlequote}))"
    + "\n  AND src6 = IPv6StringToNum(if(position(${ip:singlequote}, ':') > 0, ${ip:singlequote}, '::'))",
});

/** The columns each filter reads. */
export const FILTER_COLUMNS: Readonly<Record<Filter, readonly string[]>> = Object.freeze({
  sensor: ['sensor'], proto: ['proto'], port: ['dport'], portExact: ['dport'], protoExact: ['proto'],
  class: ['class'], excludeLabel: ['label'], country: ['country'], ip: ['ip_version', 'src', 'src6'],
});

export const FILTER_NAMES: Readonly<Record<Filter, string>> = Object.freeze({
  sensor: 'sensor', proto: 'protocol', port: 'port', portExact: 'port', protoExact: 'protocol',
  class: 'class', excludeLabel: 'excluded labels', country: 'country', ip: 'source address',
});

/**
 * What a panel reads: the raw `packets` table or one of the stored rollups
 * (migration 0008; src/store/rollups.ts). The rollups that migration stopped
 * filling (port_1m, port_1d, source_1h, source_1d, geo_1h, geo_1d,
 * activity_1m) are empty on a new database and never read here: minute and
 * per-source-and-port figures come from the raw packets.
 */
export interface Rows {
  readonly table: string;
  /** `ts` (raw packets: the packet's second) or `t` (a rollup row: its bucket's start). */
  readonly time: 'ts' | 't';
  /** Width of the time buckets: 1 for raw packets. */
  readonly seconds: number;
  /** Columns a panel can filter and group by. */
  readonly columns: readonly string[];
}

function rollupRows(table: RollupTable): Rows {
  const def = rollupDef(table);
  const seconds = def.bucket === 'minute' ? 60 : def.bucket === 'hour' ? 3600 : 86_400;
  return Object.freeze({ table, time: 't', seconds, columns: Object.freeze([...def.dimensions]) });
}

/** Raw packets: every column, only while raw retention keeps them (DARKSCOPE_RETENTION_RAW_DAYS). */
export const PACKETS: Rows = Object.freeze({ table: 'packets', time: 'ts', seconds: 1, columns: Object.freeze(RAW_COLUMNS.map((c) => c.name)) });
export const PORT_1H = rollupRows('port_1h');
export const PORT_TOTAL_1D = rollupRows('port_total_1d');
export const COUNTRY_1H = rollupRows('country_1h');
export const SOURCE_TOTAL_1D = rollupRows('source_total_1d');

const isRaw = (rows: Rows): boolean => rows.table === PACKETS.table;

/** `(proto, dport)` as one UInt32, as the `ports` state of source_total_1d counts it (src/store/rollups.ts). */
export const PORT_KEY = 'toUInt32(toUInt32(proto) * 65536 + dport)';

/**
 * The measures, written for raw packets or for rollup rows: the same
 * figure either way (count() = sum of the rollups' counters; a uniqCombined(17)
 * of the address keys gives the estimate the merged states give).
 */
export const measure = Object.freeze({
  packets: (rows: Rows): string => (isRaw(rows) ? 'count()' : 'sum(packets)'),
  packetsIf: (rows: Rows, cond: string): string => (isRaw(rows) ? `countIf(${cond})` : `sumIf(packets, ${cond})`),
  sources: (rows: Rows): string => (isRaw(rows) ? `uniqCombined(${UNIQ_PRECISION})(src_key)` : uniq('sources')),
  sourcesIf: (rows: Rows, cond: string): string => (isRaw(rows) ? `uniqCombinedIf(${UNIQ_PRECISION})(src_key, ${cond})` : uniqIf('sources', cond)),
  destinations: (rows: Rows): string => (isRaw(rows) ? `uniqCombined(${UNIQ_PRECISION})(dst_key)` : uniq('destinations')),
  ports: (rows: Rows): string => (isRaw(rows) ? `uniqCombined(${UNIQ_PRECISION})(${PORT_KEY})` : uniq('ports')),
});

/** Day rows whose day overlaps the range (a plain $__timeFilter(t) would miss the day holding the range start). */
export const DAYS_OVERLAPPING = 't >= toDateTime(intDiv(toUInt32($__fromTime), 86400) * 86400) AND t <= $__toTime';

/**
 * The range condition on `rows`: `$__timeFilter(ts)` for raw packets (exact
 * to the second), `$__timeFilter(t)` for hour rollups (hour buckets starting
 * inside the range), the days overlapping the range for day rollups.
 */
export function timeCondition(rows: Rows): string {
  return rows.seconds === 86_400 ? DAYS_OVERLAPPING : `$__timeFilter(${rows.time})`;
}

function checkFilters(rows: Rows, filters: readonly Filter[]): void {
  for (const f of filters) {
    if (!FILTER_COLUMNS[f].every((c) => rows.columns.includes(c))) throw new Error(`${rows.table} cannot filter by ${f}`);
  }
}

/**
 * `<time condition> AND <filters> AND <extra>` for `rows`.
 * Throws when a filter needs a column the table does not have.
 */
export function where(rows: Rows, filters: readonly Filter[], extra: readonly string[] = []): string {
  checkFilters(rows, filters);
  return [timeCondition(rows), ...filters.map((f) => FILTER_SQL[f]), ...extra].join('\n  AND ');
}

/** A sentence for panel descriptions: which dashboard filters the panel honours. */
export function filterNote(filters: readonly Filter[]): string {
  const names = [...new Set(filters.map((f) => FILTER_NAMES[f]))];
  return names.length === 0 ? 'Dashboard filters: none.' : `Dashboard filters: ${names.join(', ')}.`;
}

/** Seconds covered by the dashboard's time range. */
export const RANGE_SECONDS = '(toUInt32($__toTime) - toUInt32($__fromTime))';

/**
 * The query layer's grain rule (src/query/grain.ts, chooseGrain) in SQL.
 * Minute rows and a source's hour rows are computed from raw packets, so
 * those grains serve only ranges that start inside raw retention (the
 * default DARKSCOPE_RETENTION_RAW_DAYS: generated dashboards cannot read the
 * server's config): minutes for ranges up to MINUTE_GRAIN_MAX_SPAN_SEC,
 * hours up to HOUR_GRAIN_MAX_SPAN_SEC, days beyond. Exactly one condition
 * per family holds for any range.
 */
const RAW_RETAINED_FROM = `intDiv(toUInt32(now()), 86400) * 86400 - ${DEFAULT_RAW_DAYS * 86_400}`;
const rawKept = (grainSeconds: number) => `intDiv(toUInt32($__fromTime), ${grainSeconds}) * ${grainSeconds} >= ${RAW_RETAINED_FROM}`;
export const MINUTE_GRAIN_WHEN = `${RANGE_SECONDS} <= ${MINUTE_GRAIN_MAX_SPAN_SEC} AND ${rawKept(60)}`;
const HOUR_SPAN = `${RANGE_SECONDS} <= ${HOUR_GRAIN_MAX_SPAN_SEC}`;
const DAY_SPAN = `${RANGE_SECONDS} > ${HOUR_GRAIN_MAX_SPAN_SEC}`;
const SOURCE_HOUR_WHEN = `${HOUR_SPAN} AND ${rawKept(3600)}`;

/** Series families: what a time series reads at each grain. */
export type Family = 'port' | 'source';

export interface Grain {
  /** The grain's name, as src/query/grain.ts names it. */
  readonly name: 'minute' | 'hour' | 'day';
  /** Bucket width of the grain (never finer than its rows' buckets). */
  readonly seconds: number;
  /** When this grain serves the dashboard's range. */
  readonly when: string;
  /** What the grain reads, by the columns a panel needs (its filters' and its own). */
  rows(columns: readonly string[]): Rows;
}

/** The first of `candidates` that has every column in `columns`. */
function firstWith(candidates: readonly Rows[], columns: readonly string[]): Rows {
  const found = candidates.find((r) => columns.every((c) => r.columns.includes(c)));
  if (found === undefined) throw new Error(`none of ${candidates.map((r) => r.table).join(', ')} has the columns ${columns.join(', ')}`);
  return found;
}

/**
 * The grains of each family, finest first. port: minutes from raw packets,
 * hours from port_1h, days from port_total_1d when it has every column the
 * panel needs (sensor, proto, dport) and else from port_1h in day buckets.
 * source: hours from raw packets, days from source_total_1d.
 */
export const GRAINS: Readonly<Record<Family, readonly Grain[]>> = Object.freeze({
  port: [
    { name: 'minute', seconds: 60, when: MINUTE_GRAIN_WHEN, rows: (c) => firstWith([PACKETS], c) },
    { name: 'hour', seconds: 3600, when: `NOT (${MINUTE_GRAIN_WHEN}) AND ${HOUR_SPAN}`, rows: (c) => firstWith([PORT_1H], c) },
    { name: 'day', seconds: 86_400, when: DAY_SPAN, rows: (c) => firstWith([PORT_TOTAL_1D, PORT_1H], c) },
  ],
  source: [
    { name: 'hour', seconds: 3600, when: SOURCE_HOUR_WHEN, rows: (c) => firstWith([PACKETS], c) },
    { name: 'day', seconds: 86_400, when: `NOT (${SOURCE_HOUR_WHEN})`, rows: (c) => firstWith([SOURCE_TOTAL_1D], c) },
  ],
});

/**
 * Start of the panel-interval bucket holding `column`, never finer than the grain:
 * `toDateTime(intDiv(toUInt32(t), greatest($__interval_s, grain)) * greatest(...), 'UTC')`.
 * Grafana's rounded intervals of an hour or more are whole hours, so buckets
 * on hourly rows stay aligned.
 */
export function bucket(grainSeconds: number, column = 't'): string {
  const width = `greatest($__interval_s, ${grainSeconds})`;
  return `toDateTime(intDiv(toUInt32(${column}), ${width}) * ${width}, 'UTC')`;
}

/**
 * A time series read from the grain that fits the dashboard range: one
 * branch per grain, exactly one of which has a true condition, joined with
 * UNION ALL and ordered by time. `columns` are the columns the branch reads
 * besides its filters' (they choose the table of a grain); `branch` writes
 * the SELECT for one grain given its rows, its bucket expression and the
 * WHERE conditions (time range, filters, grain condition).
 */
export function seriesOverGrains(family: Family, filters: readonly Filter[], columns: readonly string[],
  branch: (rows: Rows, bucketSql: string, whereSql: string) => string): string {
  const needed = [...new Set([...filters.flatMap((f) => FILTER_COLUMNS[f]), ...columns])];
  const parts = GRAINS[family].map((g) => {
    const rows = g.rows(needed);
    return branch(rows, bucket(g.seconds, rows.time), where(rows, filters, [g.when]));
  });
  return `SELECT * FROM (\n${parts.join('\nUNION ALL\n')}\n)\nORDER BY time`;
}

/**
 * Whole UTC days inside the range, [FIRST_WHOLE_DAY, LAST_WHOLE_DAY) in epoch
 * seconds (empty when the range holds no whole day: then FIRST >= LAST).
 */
const FIRST_WHOLE_DAY = 'intDiv(toUInt32($__fromTime) + 86399, 86400) * 86400';
const LAST_WHOLE_DAY = 'intDiv(toUInt32($__toTime), 86400) * 86400';

/** The measures of source_total_1d rows, and the aggregate over raw packets that gives each. */
const SOURCE_DAY_MEASURES = Object.freeze({
  packets: 'count()',
  destinations: `uniqCombinedState(${UNIQ_PRECISION})(dst_key)`,
  ports: `uniqCombinedState(${UNIQ_PRECISION})(${PORT_KEY})`,
});
export type SourceDayMeasure = keyof typeof SOURCE_DAY_MEASURES;

/**
 * The per-source rows of the range, as source_total_1d rows (`dimensions`
 * of source_total_1d and the `measures` asked for): the whole UTC days of
 * the range from source_total_1d, the rest (the part days at either end, or
 * all of a range without a whole day) from raw packets, as the query layer
 * tiles a range (src/query/rollup-families.ts, tilesFor). Exact to the
 * second while raw packets are kept; beyond raw retention only the whole
 * days remain. Aggregate with sum(packets) and uniqCombinedMerge(17). Both
 * ClickHouse 18.16 and 26.x read only the partitions of the part days for
 * the raw branch.
 */
export function sourceDayRows(dimensions: readonly string[], filters: readonly Filter[], measures: readonly SourceDayMeasure[]): string {
  checkFilters(SOURCE_TOTAL_1D, filters);
  for (const d of dimensions) if (!SOURCE_TOTAL_1D.columns.includes(d)) throw new Error(`source_total_1d has no column ${d}`);
  if (measures.length === 0) throw new Error('sourceDayRows needs a measure');
  const rawColumns = [...dimensions, ...measures.map((m) => `${SOURCE_DAY_MEASURES[m]} AS ${m}`)].join(', ');
  const dayColumns = [...dimensions, ...measures].join(', ');
  const conds = filters.map((f) => `\n      AND ${FILTER_SQL[f]}`).join('');
  const groupBy = dimensions.length === 0 ? '' : `\n    GROUP BY ${dimensions.join(', ')}`;
  // When the range holds no whole day (FIRST >= LAST), every packet is before FIRST or from LAST on.
  return `(
    SELECT ${rawColumns}
    FROM packets
    WHERE $__timeFilter(ts) AND (ts < toDateTime(${FIRST_WHOLE_DAY}) OR ts >= toDateTime(${LAST_WHOLE_DAY}))${conds}${groupBy}
    UNION ALL
    SELECT ${dayColumns}
    FROM source_total_1d
    WHERE t >= toDateTime(${FIRST_WHOLE_DAY}) AND t < toDateTime(${LAST_WHOLE_DAY})${conds}
  )`;
}

/** `23/TCP`, `53/UDP`, `ICMP`: the port label the API and reports print (portLabel in src/net/protocols.ts). */
export const PORT_LABEL = portLabelSql('proto', 'dport');

/** Source address as text (IPv4 from src, IPv6 from src6). */
export const SOURCE_TEXT = 'if(ip_version = 4, IPv4NumToString(src), IPv6NumToString(src6))';

/**
 * Horizontal scan events starting in the dashboard's range, counted per UTC
 * day and port (the 10 busiest per day): the assembly of
 * src/query/activity-events.ts written with the plugin's macros, with the
 * default expiry and size of src/query/scan-events.ts (a day of context
 * before the range, so a scan running at its start is not counted as new).
 * Its minute buckets are computed from the raw scan packets, as the query
 * layer computes activity_1m (src/store/rollups.ts, ACTIVITY_ROLLUP: for a
 * scan the port is the destination port), so events are found only while
 * raw packets are kept.
 */
export const SCAN_EVENTS_PER_PORT_AND_DAY = `SELECT toString(toDate(toDateTime(start_at, 'UTC'))) AS day, ${portLabelSql('proto', 'port')} AS port_label,
  count() AS events, uniqExact(ip_version, src, src6) AS sources
FROM (
  SELECT proto, port, ip_version, src, src6, min(f) AS start_at, ${uniq('d')} AS addresses
  FROM (
    SELECT sensor, ip_version, src, src6, proto, port,
      arraySort((x, y) -> y, groupArray(f), groupArray(t)) AS fs, arraySort((x, y) -> y, groupArray(l), groupArray(t)) AS ls,
      arraySort((x, y) -> y, groupArray(d), groupArray(t)) AS ds,
      ${eventNumbersSql(unsafeRawSql(String(DEFAULT_SCAN_EXPIRY_SEC))).text} AS evs
    FROM (
      SELECT sensor, ip_version, src, src6, proto, dport AS port, toStartOfMinute(ts) AS t,
        toUInt32(min(ts)) AS f, toUInt32(max(ts)) AS l, uniqCombinedState(${UNIQ_PRECISION})(dst_key) AS d
      FROM packets
      WHERE ts >= toDateTime(toUInt32($__fromTime) - ${EVENT_CONTEXT_SEC}) AND ts <= $__toTime AND class = 'scan'
        AND ${FILTER_SQL.sensor} AND ${FILTER_SQL.proto}
      GROUP BY sensor, ip_version, src, src6, proto, port, t
    )
    GROUP BY sensor, ip_version, src, src6, proto, port
  )
  ARRAY JOIN fs AS f, ls AS l, ds AS d, evs AS ev
  GROUP BY sensor, ip_version, src, src6, proto, port, ev
  HAVING addresses >= ${DEFAULT_SCAN_MIN_ADDRESSES} AND start_at >= toUInt32($__fromTime) AND start_at <= toUInt32($__toTime)
)
GROUP BY day, proto, port
ORDER BY day DESC, events DESC, proto, port
LIMIT 10 BY day`;
