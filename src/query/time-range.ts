/**
 * Time ranges for queries: `from` / `to` as ISO 8601 or relative to now.
 *
 *   absolute  2024-03-01                    (00:00:00 UTC that day)
 *             2024-03-01T12:30Z, 2024-03-01T12:30:00+09:00, 2024-03-01 12:30:00
 *             (a date-time without a zone is UTC; fractions of a second are dropped)
 *   relative  now, -90s, -15m, -24h, -30d, -2w, now-24h   (s, m, h, d, w)
 *
 * A range is half-open, [from, to), in whole epoch seconds. Defaults: the last
 * 24 hours (`-24h` to `now`).
 */
import { DarkscopeError } from '../errors.js';
import type { TimeRange } from '../store/rollups.js';

export type { TimeRange };

export const DEFAULT_FROM = '-24h';
export const DEFAULT_TO = 'now';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };
const RELATIVE = /^(?:now)?\s*-\s*(\d{1,7})\s*([smhdw])$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const MAX_EPOCH = 0xffffffff;

function bad(message: string, value: string): DarkscopeError {
  return new DarkscopeError('BAD_TIME_RANGE', message, { value });
}

/** Parses one time (see the file header) to epoch seconds, relative to `now` (epoch seconds). */
export function parseTime(text: string, now: number, name = 'time'): number {
  const t = text.trim();
  if (t === '') throw bad(`${name} is empty`, text);
  if (t.toLowerCase() === 'now') return now;
  const rel = RELATIVE.exec(t.toLowerCase());
  if (rel) return check(now - Number(rel[1]) * UNIT_SECONDS[rel[2]], name, text);
  const d = DATE_ONLY.exec(t);
  if (d) return check(utc(name, text, +d[1], +d[2], +d[3], 0, 0, 0), name, text);
  const dt = DATE_TIME.exec(t);
  if (dt) {
    const base = utc(name, text, +dt[1], +dt[2], +dt[3], +dt[4], +dt[5], dt[6] === undefined ? 0 : +dt[6]);
    return check(base - zoneOffset(dt[7], name, text), name, text);
  }
  throw bad(`${name} "${text}" is neither ISO 8601 (2024-03-01, 2024-03-01T12:00:00Z) nor relative (-24h, -30d, now)`, text);
}

function utc(name: string, text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March: refuse instead of guessing.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw bad(`${name} "${text}" is not a valid calendar date and time`, text);
  }
  return ms / 1000;
}

function zoneOffset(zone: string | undefined, name: string, text: string): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m || +m[2] > 23 || +m[3] > 59) throw bad(`${name} "${text}" has an invalid time zone offset`, text);
  return (m[1] === '-' ? -1 : 1) * (+m[2] * 3_600 + +m[3] * 60);
}

function check(sec: number, name: string, text: string): number {
  if (sec < 0 || sec > MAX_EPOCH) throw bad(`${name} "${text}" is outside 1970-01-01..2106-02-07`, text);
  return sec;
}

export interface RangeInput {
  readonly from?: string;
  readonly to?: string;
}

/**
 * Resolves `from` / `to` (defaults -24h / now) against `now`. `maxSpanSec`
 * bounds the length (RANGE_TOO_LARGE); the API sets it from its config.
 */
export function resolveRange(input: RangeInput, now: number, opts: { maxSpanSec?: number; defaultFrom?: string; defaultTo?: string } = {}): TimeRange {
  const from = parseTime(input.from ?? opts.defaultFrom ?? DEFAULT_FROM, now, 'from');
  const to = parseTime(input.to ?? opts.defaultTo ?? DEFAULT_TO, now, 'to');
  if (from >= to) {
    throw new DarkscopeError('BAD_TIME_RANGE', `"from" (${iso(from)}) must be before "to" (${iso(to)})`, { from: input.from, to: input.to });
  }
  if (opts.maxSpanSec !== undefined && to - from > opts.maxSpanSec) {
    throw new DarkscopeError('RANGE_TOO_LARGE',
      `the range ${iso(from)} .. ${iso(to)} is ${fmtSpan(to - from)}, more than the ${fmtSpan(opts.maxSpanSec)} allowed`);
  }
  return { from, to };
}

/** Epoch seconds as ISO 8601 UTC without milliseconds: 2024-03-01T00:00:00Z. */
export function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

function fmtSpan(sec: number): string {
  if (sec % 86_400 === 0) return `${sec / 86_400} days`;
  if (sec >= 86_400) return `${(sec / 86_400).toFixed(1)} days`;
  return `${(sec / 3_600).toFixed(1)} hours`;
}
