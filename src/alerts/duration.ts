/**
 * Durations as alerts.yaml writes them: a whole number and a unit, `250ms`,
 * `30s`, `5m`, `6h`, `1d`, or `0`. Parsed to milliseconds; formatted back the
 * same way for messages ("value 500ms is less than min allowed 1s").
 */

const UNITS: Readonly<Record<string, number>> = Object.freeze({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 });

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (m) return Number(m[1]) * UNITS[m[2]];
  return text.trim() === '0' ? 0 : null;
}

/** The largest unit that divides `ms` exactly: 300000 → "5m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
