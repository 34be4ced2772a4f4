/**
 * Events from the raw packets grouped by key and minute (the grain of the
 * `activity_1m` rollup, which is not stored; src/store/rollups.ts): the
 * shared assembly behind scan events (scan-events.ts) and DoS attacks
 * (dos-attacks.ts), and the arithmetic both report.
 *
 * One SELECT per kind of event, three levels deep, the same on ClickHouse
 * 18.16 and 26.x (no window functions), over the packets of the keys that
 * have at least `minPackets` packets in the read window (busyKeysSql):
 *   1. buckets   one row per (key, minute), grouped from the raw packets
 *                directly: first and last second, packets, the destination
 *                state, the ports, tool packet counts (grouping by
 *                activity_1m's dimensions first, then by the key, made a
 *                state per port and merged them: 10.7 s against 6.0 s for a
 *                source's ports in an hour of 5 M packets on 18.16);
 *   2. keys      one row per key with those columns as arrays sorted by
 *                minute, and the event number of each bucket: a bucket starts
 *                a new event when its first second is more than `gapSec`
 *                after the previous bucket's last second (arrayCumSum of those
 *                starts);
 *   3. events    ARRAY JOIN back to buckets, GROUP BY (key, event number):
 *                start, end, packets, peak packets in a minute, distinct
 *                darknet addresses (merged states), ports, tool.
 * A gap inside one minute is shorter than 60 s, so with `gapSec` >= 60
 * (MIN_GAP_SEC) splitting at bucket boundaries is exactly the split a pass
 * over the raw packets makes (to the second: raw times are whole seconds).
 *
 * The read window reaches EVENT_CONTEXT_SEC before `from`, so an event that
 * was already running at `from` is recognised as starting earlier and left
 * out, and as far after `to`, so an event starting before `to` is measured
 * whole unless it lasts longer than that.
 */
import { DarkscopeError } from '../errors.js';
import { ACTIVITY_ROLLUP, bucketStart, rollupMeasure, uniqMergeSql } from '../store/rollups.js';
import { col } from '../store/row-decoders.js';
import { sql, sqlDateTime, sqlJoin, sqlString, sqlUInt, unsafeRawSql, type SqlFragment } from '../store/sql.js';
import { countArray } from './decoders.js';
import type { ScanTool } from './filters.js';
import type { Tables } from './rollup-families.js';
import type { TimeRange } from './time-range.js';

/** Shortest gap (event expiry / inactivity timeout) the minute buckets split exactly. */
export const MIN_GAP_SEC = 60;
/** Longest gap accepted (one day). */
export const MAX_GAP_SEC = 86_400;
/** How far before `from` and after `to` the assembly reads (see the file header). */
export const EVENT_CONTEXT_SEC = 86_400;
/** Ports listed per event (the count covers all). */
export const EVENT_PORTS_LISTED = 50;
/** The size of IPv4, for extrapolating from a darknet's share of it. */
export const IPV4_SPACE = 2 ** 32;

export interface EventSelect {
  /** `scan` for scan events, `backscatter` for DoS attacks. */
  readonly class: 'scan' | 'backscatter';
  /** The key includes the port (horizontal scans) or not (a source's ports together). */
  readonly byPort: boolean;
  readonly gapSec: number;
  /** Events starting in [from, to). */
  readonly range: TimeRange;
  readonly sensor?: string;
  readonly proto?: number;
  /** Only events touching this port. */
  readonly port?: number;
  readonly tool?: ScanTool;
  /** Conditions on the event columns (HAVING), e.g. `addresses >= 100`. */
  readonly having: readonly SqlFragment[];
  /**
   * Fewest packets an event that passes `having` can have (e.g. 100 when it
   * needs 100 addresses: every address takes a packet). Keys with fewer
   * packets in the whole read window cannot hold such an event, so their
   * packets are left out before the per-minute grouping (see the file
   * header); 0 or 1: no such bound.
   */
  readonly minPackets: number;
  /** Events listed, the first by start; null: all (for an enclosing aggregate). */
  readonly limit: number | null;
}

export function checkGap(name: string, value: number): number {
  if (!Number.isInteger(value) || value < MIN_GAP_SEC || value > MAX_GAP_SEC) {
    throw new DarkscopeError('BAD_REQUEST', `${name} must be a whole number of seconds from ${MIN_GAP_SEC} to ${MAX_GAP_SEC}, got ${value}`);
  }
  return value;
}

const TOOL_SQL = sql`multiIf(zmap_packets + masscan_packets + mirai_packets = 0, 'none',
    zmap_packets >= masscan_packets AND zmap_packets >= mirai_packets, 'zmap',
    masscan_packets >= mirai_packets, 'masscan', 'mirai')`;

/**
 * The event number of each bucket of a key, in minute order: a bucket starts
 * an event when its first second is more than `gap` after the previous
 * bucket's last second (the first bucket: its first second is more than
 * `gap` after 0). Written from groupArray directly, not from the sorted
 * arrays' aliases: ClickHouse 18.16 drops a column that only an alias used by
 * another alias of the same SELECT needs ("Not found column l in block").
 */
export function eventNumbersSql(gap: SqlFragment): SqlFragment {
  return sql`arrayCumSum(arrayMap((x, p) -> toUInt32(x > p + ${gap}),
      arraySort((x, y) -> y, groupArray(f), groupArray(t)),
      arrayPushFront(arrayPopBack(arraySort((x, y) -> y, groupArray(l), groupArray(t))), toUInt32(0))))`;
}

/** The event SELECT (see the file header). Columns: see EVENT_COLUMNS. */
export function activityEventsSql(db: Tables, e: EventSelect): SqlFragment {
  const gap = sqlUInt(checkGap('gap', e.gapSec), 32);
  const windowFrom = Math.max(0, e.range.from - EVENT_CONTEXT_SEC);
  const windowTo = Math.min(0xffffffff, e.range.to + EVENT_CONTEXT_SEC);
  // The buckets are the raw packets of the window's whole minutes.
  const window = { from: windowFrom - (windowFrom % 60), to: Math.min(0xffffffff, Math.ceil(windowTo / 60) * 60) };
  const port = activityPort();
  const where = [
    sql`ts >= ${sqlDateTime(window.from)}`,
    sql`ts < ${sqlDateTime(window.to)}`,
    sql`class = ${sqlString(e.class)}`,
    ...(e.sensor === undefined ? [] : [sql`sensor = ${sqlString(e.sensor)}`]),
    ...(e.proto === undefined ? [] : [sql`proto = ${sqlUInt(e.proto, 8)}`]),
    ...(e.byPort && e.port !== undefined ? [sql`${port} = ${sqlUInt(e.port, 16)}`] : []),
  ];
  if (e.minPackets > 1) where.push(busyKeysSql(db, e, window, where.slice(2)));
  const keyCols = e.byPort ? ['sensor', 'ip_version', 'src', 'src6', 'proto', 'port'] : ['sensor', 'ip_version', 'src', 'src6', 'proto'];
  const key = sqlJoin(keyCols.map((k) => unsafeRawSql(k)));
  // The same key over raw packets: the port is computed (a backscatter packet's port is its source port).
  const rawKey = sqlJoin(keyCols.map((k) => (k === 'port' ? sql`${port} AS port` : unsafeRawSql(k))));
  const having = [
    sql`start_at >= ${sqlUInt(e.range.from, 32)}`,
    sql`start_at < ${sqlUInt(e.range.to, 32)}`,
    ...(!e.byPort && e.port !== undefined ? [sql`has(all_ports, ${sqlUInt(e.port, 16)})`] : []),
    ...(e.tool === undefined ? [] : [sql`tool_name = ${sqlString(e.tool)}`]),
    ...e.having,
  ];
  const sorted = (arr: string, of: string) => sql`arraySort((x, y) -> y, groupArray(${unsafeRawSql(of)}), groupArray(t)) AS ${unsafeRawSql(arr)}`;
  return sql`SELECT ${key}, ev, hex(src6) AS src6_hex,
  min(f) AS start_at, max(l) AS end_at, sum(p) AS packets_total, max(p) AS peak_minute,
  ${uniqMergeSql(sql`d`)} AS addresses,
  groupUniqArrayArray(pl) AS all_ports, length(all_ports) AS port_count,
  arraySlice(arraySort(all_ports), 1, ${sqlUInt(EVENT_PORTS_LISTED, 32)}) AS port_list,
  sum(zm) AS zmap_packets, sum(ms) AS masscan_packets, sum(mi) AS mirai_packets, ${TOOL_SQL} AS tool_name,
  argMax(lb, l) AS last_label, argMax(cc, l) AS last_country, argMax(ax, l) AS last_asn
FROM
(
  SELECT ${key},
    ${sorted('fs', 'f')}, ${sorted('ls', 'l')}, ${sorted('ps', 'p')}, ${sorted('ds', 'd')}, ${sorted('pls', 'pl')},
    ${sorted('zms', 'zm')}, ${sorted('mss', 'ms')}, ${sorted('mis', 'mi')},
    ${sorted('lbs', 'lb')}, ${sorted('ccs', 'cc')}, ${sorted('axs', 'ax')},
    ${eventNumbersSql(gap)} AS evs
  FROM
  (
    SELECT ${rawKey}, ${bucketStart('minute', 'ts')} AS t,
      toUInt32(min(ts)) AS f, toUInt32(max(ts)) AS l, count() AS p,
      ${rollupMeasure(ACTIVITY_ROLLUP, 'destinations').expr} AS d, groupUniqArray(${port}) AS pl,
      countIf(tool = 'zmap') AS zm, countIf(tool = 'masscan') AS ms, countIf(tool = 'mirai') AS mi,
      any(label) AS lb, any(country) AS cc, any(asn) AS ax
    FROM ${db.table('packets')}
    WHERE ${sqlJoin(where, unsafeRawSql(' AND '))}
    GROUP BY ${key}, t
  )
  GROUP BY ${key}
)
ARRAY JOIN fs AS f, ls AS l, ps AS p, ds AS d, pls AS pl, zms AS zm, mss AS ms, mis AS mi, lbs AS lb, ccs AS cc, axs AS ax, evs AS ev
GROUP BY ${key}, ev
HAVING ${sqlJoin(having, unsafeRawSql(' AND '))}
${e.limit === null ? sql`` : sql`ORDER BY start_at, sensor, ip_version, src, src6, proto${e.byPort ? sql`, port` : sql``}
LIMIT ${sqlUInt(e.limit, 32)}`}`;
}

/**
 * `(key) IN (keys with at least e.minPackets packets of the class in the
 * window)`, on raw packets. On a darknet most sources send a handful of
 * packets per port: a 6-hour scan-event read of 5 M packets grouped every
 * one of them by source, port and minute (37 s, and past 18.16's 4 GB query
 * memory limit); the keys that can reach 100 addresses are a small part.
 */
function busyKeysSql(db: Tables, e: EventSelect, window: TimeRange, conditions: readonly SqlFragment[]): SqlFragment {
  const key = sqlJoin([sql`sensor, ip_version, src, src6, proto`, ...(e.byPort ? [activityPort()] : [])]);
  return sql`(${key}) IN (SELECT ${key} FROM ${db.table('packets')}
  WHERE ts >= ${sqlDateTime(window.from)} AND ts < ${sqlDateTime(window.to)} AND ${sqlJoin([...conditions], unsafeRawSql(' AND '))}
  GROUP BY ${key}
  HAVING count() >= ${sqlUInt(e.minPackets, 32)})`;
}

/** The port of a packet in an event: the destination port of a scan, the source port of backscatter. */
function activityPort(): SqlFragment {
  const port = ACTIVITY_ROLLUP.computed?.port;
  if (port === undefined) throw new DarkscopeError('INTERNAL', 'the activity rollup has no computed port');
  return port;
}

/** Decoders of activityEventsSql's columns (those the readers use). */
export const EVENT_COLUMNS = {
  sensor: col.string, ip_version: col.number, src: col.number, src6_hex: col.string, proto: col.number,
  start_at: col.number, end_at: col.number, packets_total: col.uint64AsNumber, peak_minute: col.uint64AsNumber,
  addresses: col.uint64AsNumber, port_count: col.uint64AsNumber, port_list: countArray,
  tool_name: col.string, last_label: col.string, last_country: col.string, last_asn: col.number,
} as const;

// ------------------------------------------------------------------ arithmetic

/** Seconds from the first to the last packet. */
export function durationSec(startAt: number, endAt: number): number {
  return Math.max(0, endAt - startAt);
}

/** Packets per second over the event (a single-second event counts as one second). */
export function meanRate(packets: number, startAt: number, endAt: number): number {
  return packets / Math.max(1, durationSec(startAt, endAt));
}

/**
 * Share of IPv4 a scan covered, estimated as the share of the darknet it hit
 * (Durumeric et al. 2014: a scanner probing addresses uniformly hits the
 * darknet in proportion to its size). Null when the darknet's size is
 * unknown or not IPv4 (the source is IPv6); at most 1.
 */
export function ipv4Coverage(addresses: number, darknetSize: number | null, ipVersion: number): number | null {
  if (darknetSize === null || darknetSize <= 0 || ipVersion !== 4) return null;
  return Math.min(1, addresses / darknetSize);
}

/**
 * A rate seen at the darknet extrapolated to all of IPv4: multiplied by
 * 2^32 / darknet size (Moore et al. 2006 for backscatter: spoofed sources are
 * uniform, so the darknet receives its share of the victim's replies;
 * Durumeric et al. 2014 for a scan's probing rate). Null when unknown.
 */
export function extrapolateRate(rate: number, darknetSize: number | null, ipVersion: number): number | null {
  if (darknetSize === null || darknetSize <= 0 || ipVersion !== 4) return null;
  return rate * (IPV4_SPACE / darknetSize);
}
