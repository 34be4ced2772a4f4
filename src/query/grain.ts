/**
 * Which rollup grain answers a time range.
 *
 *   minute  span ≤ 6 hours AND the whole range lies inside raw-packet
 *           retention (DARKSCOPE_RETENTION_RAW_DAYS, default 30 days): minute
 *           rows are computed from raw packets
 *   hour    span ≤ 60 days (hour rollups are never dropped), AND, for a family
 *           whose hour rows are computed from raw (sources), inside raw retention
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
 * First instant whose raw packets are still kept: retention drops whole UTC
 * days before (today − rawDays), see src/store/retention.ts.
 */
export function rawRetainedFrom(now: number, rawDays: number): number {
  return Math.floor(now / DAY) * DAY - rawDays * DAY;
}

export interface GrainOptions {
  /** The finest grain the query's tables have. */
  readonly finest: Grain;
  /** Grains of the family computed from raw packets (see rawGrains in rollup-families.ts). */
  readonly fromRaw: readonly Grain[];
  /** Days of raw packets kept (config retention.rawDays). */
  readonly rawDays: number;
}

export function chooseGrain(range: TimeRange, now: number, opts: GrainOptions): Grain {
  const span = range.to - range.from;
  const kept = (g: Grain) => !opts.fromRaw.includes(g) || floorTo(range.from, GRAIN_SECONDS[g]) >= rawRetainedFrom(now, opts.rawDays);
  if (opts.finest === 'minute' && span <= MINUTE_GRAIN_MAX_SPAN_SEC && kept('minute')) return 'minute';
  if (opts.finest !== 'day' && span <= HOUR_GRAIN_MAX_SPAN_SEC && kept('hour')) return 'hour';
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
