/**
 * Which rollup grain answers a time range.
 *
 *   minute  span ≤ 6 hours AND the whole range lies inside minute-rollup
 *           retention (DARKSCOPE_RETENTION_MINUTE_DAYS, default 14 days)
 *   hour    span ≤ 60 days (hour rollups are never dropped)
 *   day     anything longer
 *
 * A query reads whole buckets, so the range is widened to the grain's
 * boundaries (`alignRange`): `from` rounded down, `to` rounded up. Every
 * result reports the range it actually covers. Sources and geo rollups have
 * no minute table: queries that read them ask for `finest: 'hour'`.
 */
import type { TimeRange } from '../store/rollups.js';

export type Grain = 'minute' | 'hour' | 'day';

export const GRAIN_SECONDS: Readonly<Record<Grain, number>> = Object.freeze({ minute: 60, hour: 3_600, day: 86_400 });

/** Longest range answered from minute rollups. */
export const MINUTE_GRAIN_MAX_SPAN_SEC = 6 * 3_600;
/** Longest range answered from hour rollups. */
export const HOUR_GRAIN_MAX_SPAN_SEC = 60 * 86_400;

const DAY = 86_400;

/**
 * First instant whose minute rollups are still kept: retention drops whole
 * UTC days before (today − minuteDays), see src/store/retention.ts.
 */
export function minuteRetainedFrom(now: number, minuteDays: number): number {
  return Math.floor(now / DAY) * DAY - minuteDays * DAY;
}

export interface GrainOptions {
  /** The finest grain the query's tables have. */
  readonly finest: Grain;
  /** Days of minute rollups kept (config retention.minuteDays). */
  readonly minuteDays: number;
}

export function chooseGrain(range: TimeRange, now: number, opts: GrainOptions): Grain {
  const span = range.to - range.from;
  if (opts.finest === 'minute' && span <= MINUTE_GRAIN_MAX_SPAN_SEC && floorTo(range.from, 60) >= minuteRetainedFrom(now, opts.minuteDays)) {
    return 'minute';
  }
  if (opts.finest !== 'day' && span <= HOUR_GRAIN_MAX_SPAN_SEC) return 'hour';
  return 'day';
}

export function floorTo(sec: number, step: number): number {
  return Math.floor(sec / step) * step;
}

export function ceilTo(sec: number, step: number): number {
  return Math.ceil(sec / step) * step;
}

/** The range widened to whole buckets of `stepSec` seconds. */
export function alignRange(range: TimeRange, stepSec: number): TimeRange {
  return { from: floorTo(range.from, stepSec), to: ceilTo(range.to, stepSec) };
}
