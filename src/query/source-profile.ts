/**
 * source profile: everything darkscope knows about one source address over a
 * range. Totals, class mix, tools, country/ASN/label (source rollups); the
 * ports it touched with counts and first/last seen; a zero-filled timeline
 * (hourly up to 7 days, daily beyond); and header fingerprints.
 *
 * Fingerprints are the one part read from raw packets, because rollups do not
 * keep TTL, TCP window or flags: the most common (TTL, window, flags, options)
 * combinations over the last FINGERPRINT_MAX_DAYS days of the range that raw
 * retention still holds. `fingerprints.range` is null when none of the range
 * is retained (or fingerprints were not asked for).
 */
import { col } from '../store/row-decoders.js';
import { sql, sqlDateTime, sqlJoin, sqlUInt, unsafeRawSql, type SqlFragment } from '../store/sql.js';
import { tcpFlagsText } from '../net/protocols.js';
import { filterConditions, filtersJson } from './filters.js';
import { gapFill } from './gap-fill.js';
import type { Grain } from './grain.js';
import { planQuery, type Plan, type RangeQuery, type Tables } from './plan.js';
import { runQuery, type QueryContext } from './runner.js';
import { describePort, type PortDescription } from './services.js';
import { addressText, parseSourceAddress, sourceCondition, type SourceAddress } from './source-address.js';
import { fromSql, rowsSql, whereSql } from './rollup-families.js';
import { iso, type TimeRange } from './time-range.js';
import { SOURCE_MEASURE_COLUMNS, SOURCE_MEASURE_DIMENSIONS, SOURCE_MEASURES, sourceMeasures, type SourceMeasures } from './top-sources.js';

export const DEFAULT_PROFILE_PORTS = 100;
/** Longest stretch of raw packets read for fingerprints. */
export const FINGERPRINT_MAX_DAYS = 7;
export const FINGERPRINT_ROWS = 10;
/** Timeline interval: hourly up to this span, daily beyond. */
export const HOURLY_TIMELINE_MAX_SEC = 7 * 86_400;

const DAY = 86_400;

export interface SourceProfileInput extends RangeQuery {
  /** IPv4 or IPv6 text. */
  readonly ip: string;
  readonly portsLimit?: number;
  /** Read raw packets for fingerprints (default true). */
  readonly fingerprints?: boolean;
}

export interface ProfilePlan extends Plan {
  readonly address: SourceAddress;
  readonly timeline: { readonly interval: '1h' | '1d'; readonly step: number };
  /** Raw range read for fingerprints; null when none. */
  readonly raw: TimeRange | null;
}

export function planSourceProfile(input: SourceProfileInput, now: number, rawDays: number): ProfilePlan {
  const address = parseSourceAddress(input.ip);
  const base = planQuery(input, now, rawDays, ['source']);
  const hourly = base.grain === 'hour' && base.range.to - base.range.from <= HOURLY_TIMELINE_MAX_SEC;
  const rawFrom = Math.max(input.range.from, Math.floor(now / DAY) * DAY - rawDays * DAY, input.range.to - FINGERPRINT_MAX_DAYS * DAY);
  const raw = input.fingerprints === false || rawFrom >= input.range.to ? null : { from: rawFrom, to: input.range.to };
  return { ...base, address, timeline: hourly ? { interval: '1h', step: 3_600 } : { interval: '1d', step: DAY }, raw };
}

export interface ProfileQueries {
  readonly totals: SqlFragment;
  readonly ports: SqlFragment;
  readonly timeline: SqlFragment;
  readonly fingerprints: SqlFragment | null;
}

export function sourceProfileSql(db: Tables, plan: ProfilePlan, input: SourceProfileInput): ProfileQueries {
  // The ports need the port columns (rows computed from raw at hour grain and finer); the totals and
  // the timeline only the source's own, so whole days come from source_total_1d.
  const source = [sourceCondition(plan.address)];
  const from = fromSql(db, plan.family, plan.grain, plan.range, input.filters, undefined, source);
  const sourceOnly = fromSql(db, plan.family, plan.grain, plan.range, input.filters, SOURCE_MEASURE_DIMENSIONS, source);
  const totalRows = rowsSql(db, plan.family, plan.grain, plan.range, input.filters, source, SOURCE_MEASURE_DIMENSIONS);
  const where = whereSql(plan.range, input.filters, source);
  const bucket = plan.timeline.interval === '1d' && plan.grain === 'hour' ? sql`toStartOfDay(t)` : sql`t`;
  let fingerprints: SqlFragment | null = null;
  if (plan.raw !== null) {
    const conds = [sql`ts >= ${sqlDateTime(plan.raw.from)}`, sql`ts < ${sqlDateTime(plan.raw.to)}`, sourceCondition(plan.address), ...filterConditions(input.filters)];
    fingerprints = sql`SELECT ttl, tcp_window, tcp_flags, tcp_options, count() AS packets
FROM ${db.table('packets')}
WHERE ${sqlJoin(conds, unsafeRawSql('\n  AND '))}
GROUP BY ttl, tcp_window, tcp_flags, tcp_options
ORDER BY packets DESC, ttl, tcp_window, tcp_flags, tcp_options
LIMIT ${sqlUInt(FINGERPRINT_ROWS, 32)}`;
  }
  return {
    totals: sql`SELECT ${SOURCE_MEASURES}
FROM ${totalRows.from}
${totalRows.where()}`,
    ports: sql`SELECT proto, dport AS port, sum(packets) AS packets,
  toUInt32(minMerge(first_seen)) AS first_seen_at, toUInt32(maxMerge(last_seen)) AS last_seen_at
FROM ${from}
${where}
GROUP BY proto, dport
ORDER BY packets DESC, proto, port
LIMIT ${sqlUInt(input.portsLimit ?? DEFAULT_PROFILE_PORTS, 32)}`,
    timeline: sql`SELECT toUInt32(${bucket}) AS bucket, sum(packets) AS packets
FROM ${sourceOnly}
${where}
GROUP BY bucket
ORDER BY bucket`,
    fingerprints,
  };
}

export interface ProfilePort extends PortDescription {
  readonly proto: number;
  readonly port: number;
  readonly packets: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface Fingerprint {
  readonly ttl: number;
  readonly tcpWindow: number;
  readonly tcpFlags: number;
  /** tcpdump-style flags: S (SYN), '.' (ACK), R, F, ... */
  readonly tcpFlagsText: string;
  readonly tcpOptions: boolean;
  readonly packets: number;
}

export interface SourceProfileResult {
  readonly ip: string;
  readonly ipVersion: 4 | 6;
  readonly range: { readonly from: string; readonly to: string };
  readonly grain: Grain;
  readonly filters: Record<string, unknown>;
  /** False when the source sent nothing in the range. */
  readonly found: boolean;
  readonly totals: SourceMeasures;
  readonly ports: ProfilePort[];
  readonly timeline: { readonly interval: '1h' | '1d'; readonly points: Array<{ t: string; packets: number }> };
  readonly fingerprints: { readonly range: { readonly from: string; readonly to: string } | null; readonly top: Fingerprint[] };
}

const count = col.uint64AsNumber;

export async function sourceProfile(ctx: QueryContext, input: SourceProfileInput): Promise<SourceProfileResult> {
  const plan = planSourceProfile(input, ctx.now(), ctx.rawDays);
  const q = sourceProfileSql(ctx.store, plan, input);
  const [totals, ports, timeline, prints] = await Promise.all([
    runQuery(ctx, 'source_profile.totals', q.totals, SOURCE_MEASURE_COLUMNS),
    runQuery(ctx, 'source_profile.ports', q.ports, { proto: col.number, port: col.number, packets: count, first_seen_at: col.number, last_seen_at: col.number }),
    runQuery(ctx, 'source_profile.timeline', q.timeline, { bucket: col.number, packets: count }),
    q.fingerprints === null
      ? Promise.resolve([])
      : runQuery(ctx, 'source_profile.fingerprints', q.fingerprints,
        { ttl: col.number, tcp_window: col.number, tcp_flags: col.number, tcp_options: col.number, packets: count }),
  ]);
  const t = sourceMeasures(totals[0]);
  const points = gapFill(timeline.map((r) => ({ t: r.bucket, packets: r.packets })), plan.range.from, plan.range.to, plan.timeline.step, (at) => ({ t: at, packets: 0 }));
  return {
    ip: addressText(plan.address),
    ipVersion: plan.address.ipVersion,
    range: { from: iso(plan.range.from), to: iso(plan.range.to) },
    grain: plan.grain,
    filters: filtersJson(input.filters),
    found: t.packets > 0,
    totals: t,
    ports: ports.map((p) => ({
      proto: p.proto, port: p.port, ...describePort(p.proto, p.port),
      packets: p.packets, firstSeen: iso(p.first_seen_at), lastSeen: iso(p.last_seen_at),
    })),
    timeline: { interval: plan.timeline.interval, points: points.map((p) => ({ t: iso(p.t), packets: p.packets })) },
    fingerprints: {
      range: plan.raw === null ? null : { from: iso(plan.raw.from), to: iso(plan.raw.to) },
      top: prints.map((p) => ({
        ttl: p.ttl, tcpWindow: p.tcp_window, tcpFlags: p.tcp_flags, tcpFlagsText: tcpFlagsText(p.tcp_flags),
        tcpOptions: p.tcp_options !== 0, packets: p.packets,
      })),
    },
  };
}
