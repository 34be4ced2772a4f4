/**
 * Zero-filled time series: ClickHouse returns only the buckets that have
 * rows (18.16 has no WITH FILL), so the query layer fills the rest.
 */

/**
 * Every bucket start in [from, to) with step `step` seconds, taking the row
 * for that start from `rows` (keyed by `t`, epoch seconds) or `zero(t)`.
 * `from` must be a bucket start. Rows outside the range are ignored.
 */
export function gapFill<R extends { t: number }>(rows: readonly R[], from: number, to: number, step: number, zero: (t: number) => R): R[] {
  if (!(step > 0) || !Number.isInteger(step)) throw new RangeError(`step must be a positive integer, got ${step}`);
  const byT = new Map<number, R>();
  for (const r of rows) byT.set(r.t, r);
  const out: R[] = [];
  for (let t = from; t < to; t += step) out.push(byT.get(t) ?? zero(t));
  return out;
}
