/**
 * How numbers and times read on the page. Pure (no DOM), unit-tested in Node.
 * Counts keep every digit (the same figure the API answers, grouped by
 * thousands); shares are percentages; times are UTC, as everywhere in darkscope.
 */

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 400000 → "400,000". */
export function formatCount(n: number): string {
  return grouped.format(n);
}

/** 0.276045 → "27.6%"; below 0.1% two significant digits ("0.042%"). */
export function formatShare(share: number): string {
  const pct = share * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) < 0.1) return `${pct.toPrecision(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** Scores and per-day means: at most one decimal, thousands grouped; null → "–". */
export function formatScore(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 0 }).format(x);
}

/** 1234567 bytes → "1.2 MB" (decimal units, as network people count). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** "2026-11-16T00:00:00Z" → "2026-11-16 00:00 UTC"; null or unparseable → "–". */
export function formatTime(iso: string | null): string {
  if (iso === null) return '–';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** The range a result reports: "2026-11-16 00:00 – 2026-11-17 00:00 UTC". */
export function formatRange(r: { readonly from: string; readonly to: string }): string {
  return `${formatTime(r.from).replace(' UTC', '')} – ${formatTime(r.to)}`;
}

/** An AS number for display: 0 (unknown) → "–". */
export function formatAsn(asn: number): string {
  return asn === 0 ? '–' : `AS${asn}`;
}

/** Empty strings (unknown country, no label, no service) → "–". */
export function orDash(s: string): string {
  return s === '' ? '–' : s;
}
