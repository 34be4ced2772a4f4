import { describe, expect, it } from 'vitest';
import { isDarkscopeError, type DarkscopeError } from '../../src/errors.js';
import { iso, parseTime, resolveRange } from '../../src/query/time-range.js';

const NOW = Date.UTC(2024, 2, 10, 12, 34, 56) / 1000; // 2024-03-10T12:34:56Z

function err(fn: () => unknown): DarkscopeError {
  try {
    fn();
  } catch (e) {
    if (isDarkscopeError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseTime', () => {
  it('reads relative times against now', () => {
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('NOW', NOW)).toBe(NOW);
    expect(parseTime('-90s', NOW)).toBe(NOW - 90);
    expect(parseTime('-15m', NOW)).toBe(NOW - 900);
    expect(parseTime('-24h', NOW)).toBe(NOW - 86_400);
    expect(parseTime('-30d', NOW)).toBe(NOW - 30 * 86_400);
    expect(parseTime('-2w', NOW)).toBe(NOW - 14 * 86_400);
    expect(parseTime('now-6h', NOW)).toBe(NOW - 6 * 3_600);
    expect(parseTime(' -1d ', NOW)).toBe(NOW - 86_400);
  });

  it('reads ISO 8601 dates and date-times, zone-less as UTC', () => {
    expect(parseTime('2024-03-01', NOW)).toBe(Date.UTC(2024, 2, 1) / 1000);
    expect(parseTime('2024-03-01T12:30Z', NOW)).toBe(Date.UTC(2024, 2, 1, 12, 30) / 1000);
    expect(parseTime('2024-03-01T12:30:15.999Z', NOW)).toBe(Date.UTC(2024, 2, 1, 12, 30, 15) / 1000);
    expect(parseTime('2024-03-01 12:30:00', NOW)).toBe(Date.UTC(2024, 2, 1, 12, 30) / 1000);
    expect(parseTime('2024-03-01T09:00:00+09:00', NOW)).toBe(Date.UTC(2024, 2, 1, 0, 0) / 1000);
    expect(parseTime('2024-03-01T00:00:00-0530', NOW)).toBe(Date.UTC(2024, 2, 1, 5, 30) / 1000);
  });

  it('refuses what it cannot read, with BAD_TIME_RANGE', () => {
    for (const bad of ['', 'yesterday', '24h', '-24y', '2024-02-30', '2024-13-01', '2024-03-01T25:00Z', '1709251200', '2024-03-01T10:00+25:00', "' OR 1=1"]) {
      expect(err(() => parseTime(bad, NOW)).code, bad).toBe('DARKSCOPE_E_BAD_TIME_RANGE');
    }
    expect(err(() => parseTime('-100000d', NOW)).message).toMatch(/outside 1970-01-01/);
  });
});

describe('resolveRange', () => {
  it('defaults to the last 24 hours', () => {
    expect(resolveRange({}, NOW)).toEqual({ from: NOW - 86_400, to: NOW });
  });

  it('requires from < to', () => {
    const e = err(() => resolveRange({ from: '2024-03-02', to: '2024-03-01' }, NOW));
    expect(e.code).toBe('DARKSCOPE_E_BAD_TIME_RANGE');
    expect(e.message).toBe('"from" (2024-03-02T00:00:00Z) must be before "to" (2024-03-01T00:00:00Z)');
  });

  it('enforces a maximum span with RANGE_TOO_LARGE', () => {
    expect(resolveRange({ from: '-30d' }, NOW, { maxSpanSec: 30 * 86_400 }).from).toBe(NOW - 30 * 86_400);
    const e = err(() => resolveRange({ from: '-31d' }, NOW, { maxSpanSec: 30 * 86_400 }));
    expect(e.code).toBe('DARKSCOPE_E_RANGE_TOO_LARGE');
    expect(e.message).toMatch(/is 31 days, more than the 30 days allowed$/);
  });

  it('prints ISO without milliseconds', () => {
    expect(iso(0)).toBe('1970-01-01T00:00:00Z');
  });
});
