/**
 * port series: packets and unique sources of one port over time at 1m, 5m,
 * 1h or 1d intervals, every bucket present (zeros filled in here), plus the
 * port's totals and rank by packets among all ports over the range.
 *
 *   1m  port_1m                         5m  port_1m via toStartOfFiveMinute(t)
 *   1h  port_1h (source_1h with country/ASN filters)
 *   1d  port_1d (source_1d with country/ASN filters)
 *
 * Automatic interval: 1m up to 6 hours and 5m up to 2 days (both only while
 * the range lies inside minute-rollup retention), 1h up to 60 days, 1d
 * beyond. A series has at most MAX_SERIES_POINTS points. Unique sources are
 * merged per bucket; the totals merge them over the whole range (never a sum
 * of buckets).
 */
import { DarkscopeError } from '../errors.js';
import { col } from '../store/row-decoders.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { filtersJson, type QueryFilters } from './filters.js';
import { gapFill } from './gap-fill.js';
import { alignRange, HOUR_GRAIN_MAX_SPAN_SEC, MINUTE_GRAIN_MAX_SPAN_SEC, rawRetainedFrom, type Grain } from './grain.js';
import type { RangeQuery, Tables } from './plan.js';
import { runQuery, type QueryContext } from './runner.js';
import { describePort, type PortDescription } from './services.js';
import { familyFor, fromSql, rowsSql, sourcesSql, whereSql, type Family } from './rollup-families.js';
import { iso, type TimeRange } from './time-range.js';

export type Interval = '1m' | '5m' | '1h' | '1d';
export const INTERVALS: readonly Interval[] = ['1m', '5m', '1h', '1d'];
export const INTERVAL_SECONDS: Readonly<Record<Interval, number>> = { '1m': 60, '5m': 300, '1h': 3_600, '1d': 86_400 };
const INTERVAL_GRAIN: Readonly<Record<Interval, Grain>> = { '1m': 'minute', '5m': 'minute', '1h': 'hour', '1d': 'day' };

/** Longest range read at 5-minute intervals when the interval is automatic. */
export const FIVE_MINUTE_MAX_SPAN_SEC = 2 * 86_400;
export const MAX_SERIES_POINTS = 10_000;

export interface PortSeriesInput extends RangeQuery {
  readonly proto: number;
  readonly port: number;
  /** Default 'auto'. */
  readonly interval?: Interval | 'auto';
}

export interface SeriesPlan {
  readonly family: Family;
  readonly grain: Grain;
  readonly interval: Interval;
  readonly step: number;
  readonly range: TimeRange;
}

export function chooseInterval(range: TimeRange, now: number, rawDays: number, family: Family): Interval {
  const span = range.to - range.from;
  const retained = range.from >= rawRetainedFrom(now, rawDays);
  if (family === 'port' && retained && span <= MINUTE_GRAIN_MAX_SPAN_SEC) return '1m';
  if (family === 'port' && retained && span <= FIVE_MINUTE_MAX_SPAN_SEC) return '5m';
  return span <= HOUR_GRAIN_MAX_SPAN_SEC ? '1h' : '1d';
}

function seriesFilters(input: PortSeriesInput): QueryFilters {
  return { ...input.filters, proto: input.proto, port: input.port };
}

export function planPortSeries(input: PortSeriesInput, now: number, rawDays: number): SeriesPlan {
  const family = familyFor(seriesFilters(input), ['port', 'source']);
  const interval = input.interval === undefined || input.interval === 'auto' ? chooseInterval(input.range, now, rawDays, family) : input.interval;
  const grain = INTERVAL_GRAIN[interval];
  const step = INTERVAL_SECONDS[interval];
  const range = alignRange(input.range, step);
  if (grain === 'minute' && family !== 'port') {
    throw new DarkscopeError('BAD_REQUEST', `interval ${interval} cannot be combined with a country or ASN filter (those are kept per hour): use 1h or 1d`);
  }
  if (grain === 'minute' && range.from < rawRetainedFrom(now, rawDays)) {
    throw new DarkscopeError('RANGE_NOT_RETAINED',
      `interval ${interval} needs minute buckets, computed from raw packets, which are kept for ${rawDays} days (from ${iso(rawRetainedFrom(now, rawDays))}); the range starts ${iso(range.from)}`);
  }
  const points = (range.to - range.from) / step;
  if (points > MAX_SERIES_POINTS) {
    throw new DarkscopeError('RANGE_TOO_LARGE', `the range has ${points} ${interval} buckets, more than the ${MAX_SERIES_POINTS} a series may have`);
  }
  return { family, grain, interval, step, range };
}

export function portSeriesSql(db: Tables, plan: SeriesPlan, input: PortSeriesInput): { buckets: SqlFragment; total: SqlFragment } {
  // Only t, packets and the sources measure besides the filters' columns: day buckets of the port family read port_total_1d.
  const from = fromSql(db, plan.family, plan.grain, plan.range, seriesFilters(input), []);
  const where = whereSql(plan.range, seriesFilters(input));
  const rows = rowsSql(db, plan.family, plan.grain, plan.range, seriesFilters(input), [], []);
  const bucket = plan.interval === '5m' ? sql`toStartOfFiveMinute(t)` : sql`t`;
  return {
    // The bucket alias must not be `t`: ClickHouse would substitute it into the WHERE on t.
    buckets: sql`SELECT toUInt32(${bucket}) AS bucket, sum(packets) AS packets, ${sourcesSql(plan.family)} AS sources
FROM ${from}
${where}
GROUP BY bucket
ORDER BY bucket`,
    // The totals need no buckets: whole days come from the day rollups (see tilesFor).
    total: sql`SELECT sum(packets) AS packets, ${sourcesSql(plan.family)} AS sources
${rows.clause([], undefined, false)}`,
  };
}

/** How many ports had more packets than `packets` over the plan's range (same filters, any port). */
export function portsAboveSql(db: Tables, plan: SeriesPlan, input: PortSeriesInput, packets: number): SqlFragment {
  const { proto: _p, port: _d, ...others } = input.filters;
  const rows = rowsSql(db, plan.family, plan.grain, plan.range, others, [], ['proto', 'dport']);
  return sql`SELECT count() AS above
FROM (
  SELECT proto, dport, sum(packets) AS p
  ${rows.clause([], ['proto', 'dport', 'packets'], false)}
  GROUP BY proto, dport
  HAVING p > ${sqlUInt(packets, 64)}
)`;
}

export interface SeriesPoint {
  /** Bucket start, ISO 8601 UTC. */
  readonly t: string;
  readonly packets: number;
  readonly sources: number;
}

export interface PortSeriesResult extends PortDescription {
  readonly proto: number;
  readonly port: number;
  readonly range: { readonly from: string; readonly to: string };
  readonly grain: Grain;
  readonly interval: Interval;
  readonly filters: Record<string, unknown>;
  readonly total: { readonly packets: number; readonly sources: number };
  /** Rank by packets among all ports over the range (1 = most); null when the port saw nothing. */
  readonly rank: number | null;
  readonly points: SeriesPoint[];
}

const count = col.uint64AsNumber;

export async function portSeries(ctx: QueryContext, input: PortSeriesInput): Promise<PortSeriesResult> {
  const plan = planPortSeries(input, ctx.now(), ctx.rawDays);
  const q = portSeriesSql(ctx.store, plan, input);
  const [rows, totals] = await Promise.all([
    runQuery(ctx, 'port_series.buckets', q.buckets, { bucket: col.number, packets: count, sources: count }),
    runQuery(ctx, 'port_series.total', q.total, { packets: count, sources: count }),
  ]);
  const total = totals[0] ?? { packets: 0, sources: 0 };
  let rank: number | null = null;
  if (total.packets > 0) {
    const above = await runQuery(ctx, 'port_series.rank', portsAboveSql(ctx.store, plan, input, total.packets), { above: count });
    rank = (above[0]?.above ?? 0) + 1;
  }
  const filled = gapFill(rows.map((r) => ({ t: r.bucket, packets: r.packets, sources: r.sources })), plan.range.from, plan.range.to, plan.step, (t) => ({ t, packets: 0, sources: 0 }));
  return {
    proto: input.proto,
    port: input.port,
    ...describePort(input.proto, input.port),
    range: { from: iso(plan.range.from), to: iso(plan.range.to) },
    grain: plan.grain,
    interval: plan.interval,
    filters: filtersJson(input.filters),
    total,
    rank,
    points: filled.map((p) => ({ t: iso(p.t), packets: p.packets, sources: p.sources })),
  };
}
