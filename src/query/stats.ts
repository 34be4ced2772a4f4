/**
 * The statistics behind trends and spikes, as pure functions.
 *
 * DShield's trend score (SANS Internet Storm Center, port reports): with S and
 * T the unique sources and targets of a port in the recent window and s and t
 * their daily means over the baseline window,
 *
 *     score = sqrt((S − s)² / s + (T − t)² / t)
 *
 * a chi-square-like distance from the port's own normal. It is undefined when
 * the baseline saw no traffic (s = 0): those ports are "new ports" instead.
 *
 * Robust z-score on packets (Iglewicz & Hoaglin's modified z-score):
 *
 *     z = (x − median) / scale,  scale = 1.4826 · MAD
 *
 * where MAD is the median absolute deviation of the baseline days. When more
 * than half the baseline days are identical MAD is 0; the scale then falls
 * back to 1.2533 · mean absolute deviation (as IBM SPSS does). Counts are
 * also noisy by nature, so the scale never drops below √median (the standard
 * deviation of a Poisson count with that mean) or 1: a flat baseline of 100
 * packets a day makes 140 a z of 4, not infinity.
 */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const a = [...xs].sort((p, q) => p - q);
  const mid = a.length >> 1;
  return a.length % 2 === 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

/** Median absolute deviation from the median. */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/** 1 / Φ⁻¹(3/4): makes 1.4826 · MAD estimate σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** √(π/2): makes 1.2533 · mean absolute deviation estimate σ for normal data. */
export const MEAN_AD_TO_SIGMA = 1.2533;

/** The scale robustZ divides by (see the file header). */
export function robustScale(baseline: readonly number[]): number {
  const m = median(baseline);
  const d = mad(baseline);
  const spread = d > 0 ? MAD_TO_SIGMA * d : MEAN_AD_TO_SIGMA * mean(baseline.map((x) => Math.abs(x - m)));
  return Math.max(spread, Math.sqrt(Math.max(m, 0)), 1);
}

/** Robust z-score of `x` against the baseline values. */
export function robustZ(x: number, baseline: readonly number[]): number {
  return (x - median(baseline)) / robustScale(baseline);
}

/**
 * DShield trend score; null when the baseline means are zero (the port is
 * new, not trending).
 */
export function trendScore(recentSources: number, recentTargets: number, baselineSources: number, baselineTargets: number): number | null {
  if (!(baselineSources > 0) || !(baselineTargets > 0)) return null;
  const ds = recentSources - baselineSources;
  const dt = recentTargets - baselineTargets;
  return Math.sqrt((ds * ds) / baselineSources + (dt * dt) / baselineTargets);
}

/** part / whole, 0 when whole is 0 (shares of an empty range). */
export function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}
