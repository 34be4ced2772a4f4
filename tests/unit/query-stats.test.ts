import { describe, expect, it } from 'vitest';
import { gapFill } from '../../src/query/gap-fill.js';
import { mad, mean, median, robustScale, robustZ, trendScore } from '../../src/query/stats.js';
import { rankTrends, scorePort, trendParams, type PortDays } from '../../src/query/trends.js';

describe('robust statistics', () => {
  it('median and MAD', () => {
    expect(median([])).toBe(0);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mad([1, 2, 3, 4, 100])).toBe(1); // |x - 3| = 2 1 0 1 97 → median 1
    expect(mean([1, 2, 3, 6])).toBe(3);
  });

  it('modified z-score uses 1.4826·MAD', () => {
    const base = [100, 140, 60, 120, 80, 100, 100];
    // median 100; deviations 0 40 40 20 20 0 0 → MAD 20 → scale 29.652 (above the √100 floor)
    expect(robustScale(base)).toBeCloseTo(29.652, 6);
    expect(robustZ(150, base)).toBeCloseTo(50 / 29.652, 6);
    expect(robustZ(100, base)).toBe(0);
  });

  it('falls back to 1.2533·mean absolute deviation when MAD is 0, and never below √median', () => {
    const spiky = [10, 10, 10, 10, 10, 10, 1010]; // MAD 0; mean |x − 10| = 1000/7
    expect(robustScale(spiky)).toBeCloseTo(1.2533 * (1000 / 7), 6);
    expect(robustScale([100, 100, 100, 100])).toBe(10); // flat: Poisson floor √100
    expect(robustZ(140, [100, 100, 100, 100])).toBe(4);
    expect(robustScale([0, 0, 0])).toBe(1);
    expect(robustZ(7, [0, 0, 0])).toBe(7);
  });

  it('DShield trend score', () => {
    // S=100, T=100 against s=20, t=20: sqrt(80²/20 + 80²/20) = sqrt(640)
    expect(trendScore(100, 100, 20, 20)).toBeCloseTo(Math.sqrt(640), 12);
    expect(trendScore(20, 20, 20, 20)).toBe(0);
    expect(trendScore(12, 30, 10, 40)).toBeCloseTo(Math.sqrt(4 / 10 + 100 / 40), 12);
    expect(trendScore(5, 5, 0, 0)).toBeNull();
  });
});

describe('gap filling', () => {
  it('fills every bucket of [from, to) and keeps the rows it has', () => {
    const rows = [{ t: 120, n: 5 }, { t: 300, n: 7 }, { t: 999, n: 1 }];
    expect(gapFill(rows, 60, 360, 60, (t) => ({ t, n: 0 }))).toEqual([
      { t: 60, n: 0 }, { t: 120, n: 5 }, { t: 180, n: 0 }, { t: 240, n: 0 }, { t: 300, n: 7 },
    ]);
    expect(gapFill([], 0, 0, 60, (t) => ({ t }))).toEqual([]);
    expect(() => gapFill([], 0, 10, 0, (t) => ({ t }))).toThrow(RangeError);
  });
});

describe('trend scoring (pure)', () => {
  const params = trendParams({ baselineDays: 28, recentDays: 1, minPackets: 10, minSources: 5 });
  const days = (n: number) => Array.from({ length: n }, (_, i) => i);
  const flat = (proto: number, port: number, perDay: number, recent: number, sources = perDay, recentSources = recent): PortDays => ({
    proto, port, days: days(29),
    packets: [...new Array(28).fill(perDay), recent], sources: [...new Array(28).fill(sources), recentSources], targets: [...new Array(28).fill(sources), recentSources],
  });

  it('a flat port is not reported', () => {
    expect(scorePort(flat(6, 80, 20, 20), params)).toBeNull();
    expect(scorePort(flat(6, 80, 20, 24), params)).toBeNull(); // z = 4/√20 < 3.5, trend tiny
  });

  it('a jump is a spike by trend score and z-score', () => {
    const r = scorePort(flat(6, 23, 20, 200, 20, 100), params);
    expect(r?.kind).toBe('spike');
    expect(r?.entry.reasons).toEqual(['trend', 'zscore']);
    expect(r?.entry.trendScore).toBeCloseTo(Math.sqrt(640), 9);
    expect(r?.entry.zScore).toBeCloseTo(180 / Math.sqrt(20), 9);
    expect(r?.entry.label).toBe('23/TCP');
  });

  it('more packets from the same sources is a z-score spike only', () => {
    const r = scorePort(flat(6, 445, 20, 400, 20, 20), params);
    expect(r?.entry.reasons).toEqual(['zscore']);
  });

  it('a port with no baseline traffic and enough sources is new; one busy host is not', () => {
    const fresh: PortDays = { proto: 6, port: 37215, days: [28], packets: [50], sources: [25], targets: [40] };
    const r = scorePort(fresh, params);
    expect(r?.kind).toBe('new');
    expect(r?.entry.trendScore).toBeNull();
    expect(r?.entry.reasons).toEqual(['new']);
    expect(scorePort({ ...fresh, sources: [1] }, params)).toBeNull();
  });

  it('ranks spikes by trend score and keeps the limit', () => {
    const ranked = rankTrends([flat(6, 80, 20, 20), flat(6, 23, 20, 200, 20, 100), flat(6, 22, 20, 100, 20, 40),
      { proto: 6, port: 37215, days: [28], packets: [50], sources: [25], targets: [40] }], params);
    expect(ranked.spikes.map((s) => [s.rank, s.port])).toEqual([[1, 23], [2, 22]]);
    expect(ranked.newPorts.map((s) => s.port)).toEqual([37215]);
    expect(rankTrends([flat(6, 23, 20, 200, 20, 100), flat(6, 22, 20, 100, 20, 40)], { ...params, limit: 1 }).spikes).toHaveLength(1);
  });
});
