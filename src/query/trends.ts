/**
 * trends: ports whose recent activity departs from their own baseline, and
 * ports that are new.
 *
 * Windows (days of 24 hours ending at `to`):
 *
 *   |<------------- baselineDays (28) ------------->|<- recentDays (1) ->|
 *                                                                        to (default: today 00:00 UTC)
 *
 * For every port with at least `minPackets` packets a day in the recent
 * window, the query returns per-day packets, unique sources and unique
 * targets (darknet destinations), merged per day from the rollup states.
 * Here, with S, T the recent daily means of sources and targets and s, t the
 * baseline daily means (days without traffic count as 0):
 *
 *   trend score  sqrt((S−s)²/s + (T−t)²/t)           (DShield, see stats.ts)
 *   z-score      robust z of recent daily packets vs the baseline days
 *
 * A port is a spike when it rose (S > s or T > t) with trend score ≥
 * trendThreshold (10), or when its z-score ≥ zThreshold (3.5, Iglewicz and
 * Hoaglin's outlier cut-off). A port is new when the baseline window saw no
 * packets at all and the recent window has at least `minSources` sources a
 * day (10): a campaign, not one host probing (37215/TCP in late 2020).
 *
 * `to` on a UTC midnight reads day rollups; any other `to` is rounded down to
 * the hour and reads hour rollups (windows still 24-hour days ending at `to`).
 */
import { DarkscopeError } from '../errors.js';
import { col } from '../store/row-decoders.js';
import { sql, sqlUInt, type SqlFragment } from '../store/sql.js';
import { countArray } from './decoders.js';
import { filtersJson, type QueryFilters } from './filters.js';
import { floorTo, type Grain } from './grain.js';
import type { Tables } from './plan.js';
import { runQuery, type QueryContext } from './runner.js';
import { describePort, type PortDescription } from './services.js';
import { mean, median, robustZ, trendScore } from './stats.js';
import { destinationsSql, familyFor, fromSql, sourcesSql, whereSql, type Family } from './rollup-families.js';
import { iso, type TimeRange } from './time-range.js';

const DAY = 86_400;

export interface TrendParams {
  /** Days in the recent window (1..30). */
  readonly recentDays: number;
  /** Days in the baseline window before it (2..365). */
  readonly baselineDays: number;
  readonly trendThreshold: number;
  readonly zThreshold: number;
  /** Minimum packets a day in the recent window for a port to be considered at all. */
  readonly minPackets: number;
  /** Minimum sources a day in the recent window for a new port. */
  readonly minSources: number;
  /** Most spikes and most new ports returned (each). */
  readonly limit: number;
}

export const DEFAULT_TREND_PARAMS: TrendParams = Object.freeze({
  recentDays: 1,
  baselineDays: 28,
  trendThreshold: 10,
  zThreshold: 3.5,
  minPackets: 100,
  minSources: 10,
  limit: 20,
});

export interface TrendsInput {
  /** End of the recent window, epoch seconds (default: today 00:00 UTC). */
  readonly to?: number;
  readonly filters: QueryFilters;
  readonly params?: Partial<TrendParams>;
}

export interface TrendsPlan {
  readonly family: Family;
  readonly grain: Grain;
  readonly params: TrendParams;
  readonly baseline: TimeRange;
  readonly recent: TimeRange;
}

function checkParam(name: string, v: number, min: number, max: number, integer: boolean): void {
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new DarkscopeError('BAD_REQUEST', `${name} ${v} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
}

export function trendParams(p: Partial<TrendParams> = {}): TrendParams {
  const out = { ...DEFAULT_TREND_PARAMS, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) } as TrendParams;
  checkParam('recentDays', out.recentDays, 1, 30, true);
  checkParam('baselineDays', out.baselineDays, 2, 365, true);
  checkParam('trendThreshold', out.trendThreshold, 0, 1e9, false);
  checkParam('zThreshold', out.zThreshold, 0, 1e9, false);
  checkParam('minPackets', out.minPackets, 0, 1e12, true);
  checkParam('minSources', out.minSources, 0, 1e9, true);
  checkParam('limit', out.limit, 1, 10_000, true);
  return Object.freeze(out);
}

export function planTrends(input: TrendsInput, now: number): TrendsPlan {
  const params = trendParams(input.params);
  const family = familyFor(input.filters, ['port', 'source']);
  const requested = input.to ?? floorTo(now, DAY);
  const to = floorTo(requested, 3_600);
  const grain: Grain = to % DAY === 0 ? 'day' : 'hour';
  const split = to - params.recentDays * DAY;
  const start = split - params.baselineDays * DAY;
  if (start < 0) throw new DarkscopeError('BAD_TIME_RANGE', `the baseline window would start before 1970 (to ${iso(to)})`);
  return { family, grain, params, baseline: { from: start, to: split }, recent: { from: split, to } };
}

export function trendsSql(db: Tables, plan: TrendsPlan, input: TrendsInput): SqlFragment {
  const { params } = plan;
  const start = sqlUInt(plan.baseline.from, 32);
  const minRecent = sqlUInt(Math.ceil(params.minPackets * params.recentDays), 64);
  const window = { from: plan.baseline.from, to: plan.recent.to };
  return sql`SELECT proto, port, groupArray(day) AS days, groupArray(p) AS packets, groupArray(s) AS sources, groupArray(d) AS targets
FROM (
  SELECT proto, dport AS port, toUInt16(intDiv(toUInt32(t) - ${start}, 86400)) AS day,
    sum(packets) AS p, ${sourcesSql(plan.family)} AS s, ${destinationsSql(plan.family)} AS d
  FROM ${fromSql(db, plan.family, plan.grain, window, input.filters, ['proto', 'dport'])}
  ${whereSql(window, input.filters)}
  GROUP BY proto, port, day
)
GROUP BY proto, port
HAVING sumIf(p, day >= ${sqlUInt(params.baselineDays, 16)}) >= ${minRecent}`;
}

/** Per-day values of one port, as the query returns them (days without traffic missing). */
export interface PortDays {
  readonly proto: number;
  readonly port: number;
  readonly days: readonly number[];
  readonly packets: readonly number[];
  readonly sources: readonly number[];
  readonly targets: readonly number[];
}

export interface TrendEntry extends PortDescription {
  readonly rank: number;
  readonly proto: number;
  readonly port: number;
  /** Daily means over the recent window. */
  readonly recent: { readonly packets: number; readonly sources: number; readonly targets: number };
  /** Baseline: median daily packets, mean daily sources and targets. */
  readonly baseline: { readonly packets: number; readonly sources: number; readonly targets: number };
  /** DShield trend score; null for new ports. */
  readonly trendScore: number | null;
  readonly zScore: number;
  /** Why it is listed: "trend", "zscore", "new". */
  readonly reasons: string[];
}

type Scored = Omit<TrendEntry, 'rank'>;

/** Scores one port's days (pure: everything after the query). Returns null when it is neither a spike nor new. */
export function scorePort(d: PortDays, params: TrendParams): { kind: 'spike' | 'new'; entry: Scored } | null {
  const n = params.baselineDays + params.recentDays;
  const vec = (xs: readonly number[]): number[] => {
    const out = new Array<number>(n).fill(0);
    d.days.forEach((day, i) => { if (day >= 0 && day < n) out[day] += xs[i]; });
    return out;
  };
  const [p, s, t] = [vec(d.packets), vec(d.sources), vec(d.targets)];
  const b = params.baselineDays;
  const recent = { packets: mean(p.slice(b)), sources: mean(s.slice(b)), targets: mean(t.slice(b)) };
  const baseline = { packets: median(p.slice(0, b)), sources: mean(s.slice(0, b)), targets: mean(t.slice(0, b)) };
  const isNew = p.slice(0, b).every((x) => x === 0);
  const score = trendScore(recent.sources, recent.targets, baseline.sources, baseline.targets);
  const z = robustZ(recent.packets, p.slice(0, b));
  const base = { proto: d.proto, port: d.port, ...describePort(d.proto, d.port), recent, baseline, trendScore: score, zScore: z };
  if (recent.packets < params.minPackets) return null;
  if (isNew) {
    return recent.sources >= params.minSources ? { kind: 'new', entry: { ...base, reasons: ['new'] } } : null;
  }
  const reasons: string[] = [];
  const rose = recent.sources > baseline.sources || recent.targets > baseline.targets;
  if (score !== null && score >= params.trendThreshold && rose) reasons.push('trend');
  if (z >= params.zThreshold) reasons.push('zscore');
  return reasons.length > 0 ? { kind: 'spike', entry: { ...base, reasons } } : null;
}

export interface TrendsResult {
  readonly windows: {
    readonly baseline: { readonly from: string; readonly to: string };
    readonly recent: { readonly from: string; readonly to: string };
  };
  readonly grain: Grain;
  readonly params: TrendParams;
  readonly filters: Record<string, unknown>;
  readonly spikes: TrendEntry[];
  readonly newPorts: TrendEntry[];
}

/** Ranks scored ports: spikes by trend score, then z-score; new ports by sources, then packets. */
export function rankTrends(days: readonly PortDays[], params: TrendParams): { spikes: TrendEntry[]; newPorts: TrendEntry[] } {
  const spikes: Scored[] = [];
  const fresh: Scored[] = [];
  for (const d of days) {
    const r = scorePort(d, params);
    if (r !== null) (r.kind === 'spike' ? spikes : fresh).push(r.entry);
  }
  const byPort = (a: Scored, b: Scored) => a.proto - b.proto || a.port - b.port;
  spikes.sort((a, b) => (b.trendScore ?? -1) - (a.trendScore ?? -1) || b.zScore - a.zScore || byPort(a, b));
  fresh.sort((a, b) => b.recent.sources - a.recent.sources || b.recent.packets - a.recent.packets || byPort(a, b));
  const rank = (xs: Scored[]): TrendEntry[] => xs.slice(0, params.limit).map((x, i) => ({ rank: i + 1, ...x }));
  return { spikes: rank(spikes), newPorts: rank(fresh) };
}

export async function trends(ctx: QueryContext, input: TrendsInput): Promise<TrendsResult> {
  const plan = planTrends(input, ctx.now());
  const rows = await runQuery(ctx, 'trends', trendsSql(ctx.store, plan, input), {
    proto: col.number, port: col.number, days: countArray, packets: countArray, sources: countArray, targets: countArray,
  });
  const ranked = rankTrends(rows, plan.params);
  return {
    windows: {
      baseline: { from: iso(plan.baseline.from), to: iso(plan.baseline.to) },
      recent: { from: iso(plan.recent.from), to: iso(plan.recent.to) },
    },
    grain: plan.grain,
    params: plan.params,
    filters: filtersJson(input.filters),
    ...ranked,
  };
}
