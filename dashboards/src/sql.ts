/**
 * SQL pieces shared by the dashboard panels: dashboard-variable filters, the
 * rollup families and their grains, and time buckets.
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
import { DEFAULT_MINUTE_DAYS } from '../../src/store/retention.js';
import { UNIQ_PRECISION } from '../../src/store/rollups.js';
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

/** Rollup families: tables with the same dimensions at different grains. */
export type Family = 'port' | 'geo' | 'source';

/** Which filters a family can apply (the columns its tables have). */
export const FAMILY_FILTERS: Readonly<Record<Family, readonly Filter[]>> = Object.freeze({
  port: ['sensor', 'proto', 'port', 'portExact', 'protoExact', 'class', 'excludeLabel'],
  geo: ['sensor', 'proto', 'protoExact', 'class', 'excludeLabel', 'country'],
  source: ['sensor', 'proto', 'port', 'portExact', 'protoExact', 'class', 'excludeLabel', 'country', 'ip'],
});

export const FILTER_NAMES: Readonly<Record<Filter, string>> = Object.freeze({
  sensor: 'sensor', proto: 'protocol', port: 'port', portExact: 'port', protoExact: 'protocol',
  class: 'class', excludeLabel: 'excluded labels', country: 'country', ip: 'source address',
});

/**
 * `$__timeFilter(t) AND <filters> AND <extra>` for a table of `family`.
 * Throws when a filter needs a column the family does not have.
 */
export function where(family: Family, filters: readonly Filter[], extra: readonly string[] = []): string {
  for (const f of filters) {
    if (!FAMILY_FILTERS[family].includes(f)) throw new Error(`the ${family} rollups cannot filter by ${f}`);
  }
  return ['$__timeFilter(t)', ...filters.map((f) => FILTER_SQL[f]), ...extra].join('\n  AND ');
}

/** A sentence for panel descriptions: which dashboard filters the panel honours. */
export function filterNote(filters: readonly Filter[]): string {
  const names = [...new Set(filters.map((f) => FILTER_NAMES[f]))];
  return names.length === 0 ? 'Dashboard filters: none.' : `Dashboard filters: ${names.join(', ')}.`;
}

export interface Grain {
  readonly table: string;
  /** Bucket width of the table's `t`. */
  readonly seconds: number;
  /** When this grain serves the dashboard's range (conditions of one family are mutually exclusive). */
  readonly when: string;
}

/** Seconds covered by the dashboard's time range. */
export const RANGE_SECONDS = '(toUInt32($__toTime) - toUInt32($__fromTime))';

/**
 * The query layer's grain rule (src/query/grain.ts, chooseGrain) in SQL:
 * minutes for ranges up to MINUTE_GRAIN_MAX_SPAN_SEC that lie inside the
 * minute rollups' retention (the default DARKSCOPE_RETENTION_MINUTE_DAYS:
 * generated dashboards cannot read the server's config), hours up to
 * HOUR_GRAIN_MAX_SPAN_SEC, days beyond. Exactly one condition per family
 * holds for any range.
 */
const MINUTE_RETAINED_FROM = `intDiv(toUInt32(now()), 86400) * 86400 - ${DEFAULT_MINUTE_DAYS * 86_400}`;
export const MINUTE_GRAIN_WHEN = `${RANGE_SECONDS} <= ${MINUTE_GRAIN_MAX_SPAN_SEC} AND intDiv(toUInt32($__fromTime), 60) * 60 >= ${MINUTE_RETAINED_FROM}`;
const HOUR_SPAN = `${RANGE_SECONDS} <= ${HOUR_GRAIN_MAX_SPAN_SEC}`;
const DAY_SPAN = `${RANGE_SECONDS} > ${HOUR_GRAIN_MAX_SPAN_SEC}`;

/** The grains of each family, finest first (see MINUTE_GRAIN_WHEN). */
export const GRAINS: Readonly<Record<Family, readonly Grain[]>> = Object.freeze({
  port: [
    { table: 'port_1m', seconds: 60, when: MINUTE_GRAIN_WHEN },
    { table: 'port_1h', seconds: 3600, when: `NOT (${MINUTE_GRAIN_WHEN}) AND ${HOUR_SPAN}` },
    { table: 'port_1d', seconds: 86_400, when: DAY_SPAN },
  ],
  geo: [
    { table: 'geo_1h', seconds: 3600, when: HOUR_SPAN },
    { table: 'geo_1d', seconds: 86_400, when: DAY_SPAN },
  ],
  source: [
    { table: 'source_1h', seconds: 3600, when: HOUR_SPAN },
    { table: 'source_1d', seconds: 86_400, when: DAY_SPAN },
  ],
});

/** The hourly table of a family (top-N tables and stats over the range read it). */
export function hourly(family: Family): string {
  return `${family}_1h`;
}

/**
 * Start of the panel-interval bucket holding `t`, never finer than the grain:
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
 * UNION ALL and ordered by time. `branch` writes the SELECT for one table
 * given its bucket expression and its grain condition (put it in WHERE).
 */
export function seriesOverGrains(family: Family, branch: (table: string, bucketSql: string, grainCondition: string) => string): string {
  const parts = GRAINS[family].map((g) => branch(g.table, bucket(g.seconds), g.when));
  return `SELECT * FROM (\n${parts.join('\nUNION ALL\n')}\n)\nORDER BY time`;
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
      SELECT sensor, ip_version, src, src6, proto, port, t,
        toUInt32(minMerge(first_seen)) AS f, toUInt32(maxMerge(last_seen)) AS l, uniqCombinedMergeState(${UNIQ_PRECISION})(destinations) AS d
      FROM activity_1m
      WHERE t >= toDateTime(toUInt32($__fromTime) - ${EVENT_CONTEXT_SEC}) AND t <= $__toTime AND class = 'scan'
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
