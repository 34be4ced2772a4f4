/** Capture-timestamp checks: the only part of a record the link layer does not describe. */

import type { SkipReason } from '../packet.js';

const MAX_TS_SEC = 0xffffffff;

/**
 * Why a (seconds, microseconds) pair cannot be stored, or null when it can.
 * Negated comparisons so NaN fails too.
 */
export function timestampSkip(tsSec: number, tsUsec: number): SkipReason | null {
  if (!(tsUsec >= 0 && tsUsec < 1e6)) return 'bad_timestamp';
  if (!(tsSec >= 0 && tsSec <= MAX_TS_SEC)) return 'timestamp_out_of_range';
  return null;
}

/**
 * Nanoseconds within the second to whole microseconds (floor). Anything
 * outside 0..999999999 (or NaN) maps outside 0..999999, so `timestampSkip`
 * still rejects it.
 */
export function nsecToUsec(tsNsec: number): number {
  return Math.floor(tsNsec / 1000);
}
