/**
 * pcapng timestamps: a 64-bit count of interface-specific units since the
 * epoch (plus the interface's if_tsoffset in seconds). if_tsresol: high bit 0
 * means 10^-v seconds per unit, high bit 1 means 2^-v (pcapng spec, section
 * "Interface Description Block", option if_tsresol; default 10^-6).
 */

export interface TsResolution {
  /** Units per second as a number when it is exactly representable (<= 2^53). */
  readonly unitsPerSec: number;
  readonly unitsPerSecBig: bigint;
  /** Nanoseconds per unit when that is a whole number (10^-v with v <= 9), else 0. */
  readonly nsPerUnit: number;
}

export const DEFAULT_TS_RESOLUTION: TsResolution = resolutionFromOption(6);

/** Returns null for a resolution that cannot be represented (more than 2^63 units per second). */
export function tsResolutionFrom(tsresol: number): TsResolution | null {
  const pow2 = (tsresol & 0x80) !== 0;
  const v = tsresol & 0x7f;
  if (pow2 ? v > 63 : v > 18) return null;
  return pow2 ? pow2Resolution(v) : resolutionFromOption(v);
}

function resolutionFromOption(v: number): TsResolution {
  const big = 10n ** BigInt(v);
  return { unitsPerSec: Number(big), unitsPerSecBig: big, nsPerUnit: v <= 9 ? 10 ** (9 - v) : 0 };
}

function pow2Resolution(v: number): TsResolution {
  const big = 1n << BigInt(v);
  return { unitsPerSec: Number(big), unitsPerSecBig: big, nsPerUnit: 0 };
}

/** Writes seconds and nanoseconds of a (hi, lo) timestamp into `out`. */
export function splitTimestamp(hi: number, lo: number, res: TsResolution, offsetSec: number, out: { sec: number; nsec: number }): void {
  // Fast path: the 64-bit value fits a double exactly and the unit divides a nanosecond.
  if (hi < 0x200000 && res.nsPerUnit !== 0) {
    const units = hi * 4294967296 + lo;
    const sec = Math.floor(units / res.unitsPerSec);
    out.sec = sec + offsetSec;
    out.nsec = (units - sec * res.unitsPerSec) * res.nsPerUnit;
    return;
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const sec = units / res.unitsPerSecBig;
  const frac = units - sec * res.unitsPerSecBig;
  out.sec = Number(sec) + offsetSec;
  out.nsec = Number((frac * 1_000_000_000n) / res.unitsPerSecBig);
}
