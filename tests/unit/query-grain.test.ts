import { describe, expect, it } from 'vitest';
import { isDarkscopeError } from '../../src/errors.js';
import { parseFilters } from '../../src/query/filters.js';
import { alignRange, chooseGrain, rawRetainedFrom } from '../../src/query/grain.js';
import { planQuery } from '../../src/query/plan.js';
import { tilesFor } from '../../src/query/rollup-families.js';
import { chooseInterval, planPortSeries } from '../../src/query/port-series.js';
import { planSummary } from '../../src/query/summary.js';
import { planTrends } from '../../src/query/trends.js';

const H = 3_600;
const D = 86_400;
const NOW = Date.UTC(2024, 2, 10, 12, 0, 0) / 1000; // 2024-03-10T12:00Z
const TODAY = NOW - 12 * H;
const minute = { finest: 'minute' as const, fromRaw: ['minute' as const], rawDays: 14 };

describe('chooseGrain', () => {
  it('minute for short recent ranges, hour up to 60 days, day beyond', () => {
    expect(chooseGrain({ from: NOW - 6 * H, to: NOW }, NOW, minute)).toBe('minute');
    expect(chooseGrain({ from: NOW - 6 * H - 60, to: NOW }, NOW, minute)).toBe('hour');
    expect(chooseGrain({ from: NOW - 60 * D, to: NOW }, NOW, minute)).toBe('hour');
    expect(chooseGrain({ from: NOW - 60 * D - H, to: NOW }, NOW, minute)).toBe('day');
    expect(chooseGrain({ from: NOW - 365 * D, to: NOW }, NOW, minute)).toBe('day');
  });

  it('never picks a grain computed from raw packets outside raw retention', () => {
    // Retention keeps the days from (today - 14) on.
    expect(rawRetainedFrom(NOW, 14)).toBe(TODAY - 14 * D);
    expect(chooseGrain({ from: TODAY - 14 * D, to: TODAY - 14 * D + H }, NOW, minute)).toBe('minute');
    expect(chooseGrain({ from: TODAY - 14 * D - 60, to: TODAY - 14 * D + H }, NOW, minute)).toBe('hour');
    expect(chooseGrain({ from: NOW - 20 * D, to: NOW - 20 * D + H }, NOW, { ...minute, rawDays: 30 })).toBe('minute');
    // Sources: hour rows come from raw too, so an old range is read by day.
    const source = { finest: 'hour' as const, fromRaw: ['hour' as const], rawDays: 14 };
    expect(chooseGrain({ from: TODAY - 14 * D, to: TODAY - 7 * D + H }, NOW, source)).toBe('hour');
    expect(chooseGrain({ from: TODAY - 14 * D - H, to: TODAY - 7 * D }, NOW, source)).toBe('day');
  });

  it('respects the finest grain a family has', () => {
    expect(chooseGrain({ from: NOW - H, to: NOW }, NOW, { finest: 'hour', fromRaw: [], rawDays: 14 })).toBe('hour');
  });

  it('widens a range to whole buckets', () => {
    expect(alignRange({ from: NOW - 5 * H - 1234, to: NOW + 1 }, H)).toEqual({ from: NOW - 6 * H, to: NOW + H });
    expect(alignRange({ from: TODAY, to: TODAY + D }, D)).toEqual({ from: TODAY, to: TODAY + D });
  });
});

describe('planQuery', () => {
  it('reads port rollups unless a country or ASN filter needs source rollups', () => {
    const range = { from: NOW - H, to: NOW };
    expect(planQuery({ range, filters: {} }, NOW, 14, ['port', 'source'])).toEqual({ family: 'port', grain: 'minute', range });
    const p = planQuery({ range, filters: parseFilters({ country: 'cn' }) }, NOW, 14, ['port', 'source']);
    expect(p.family).toBe('source');
    expect(p.grain).toBe('hour');
  });

  it('summary reads at least hour grain and falls back to source rollups for countries when geo cannot filter', () => {
    const plan = planSummary({ range: { from: NOW - H, to: NOW }, filters: parseFilters({ tool: 'mirai' }) }, NOW, 14);
    expect(plan).toMatchObject({ family: 'port', grain: 'hour', geoFamily: 'source', researchFamily: 'mix' });
    // The mix rollups have no port: a port filter reads the port rollups for the shares.
    expect(planSummary({ range: { from: NOW - H, to: NOW }, filters: parseFilters({ port: 23 }) }, NOW, 14).researchFamily).toBe('port');
    expect(planSummary({ range: { from: NOW - H, to: NOW }, filters: {} }, NOW, 14).geoFamily).toBe('geo');
  });
});

describe('port series intervals', () => {
  it('auto: 1m up to 6 h, 5m up to 2 days (retained), 1h up to 60 days, then 1d', () => {
    expect(chooseInterval({ from: NOW - 6 * H, to: NOW }, NOW, 14, 'port')).toBe('1m');
    expect(chooseInterval({ from: NOW - 2 * D, to: NOW }, NOW, 14, 'port')).toBe('5m');
    expect(chooseInterval({ from: NOW - 3 * D, to: NOW }, NOW, 14, 'port')).toBe('1h');
    expect(chooseInterval({ from: NOW - 30 * D, to: NOW - 30 * D + H }, NOW, 14, 'port')).toBe('1h');
    expect(chooseInterval({ from: NOW - H, to: NOW }, NOW, 14, 'source')).toBe('1h');
    expect(chooseInterval({ from: NOW - 61 * D, to: NOW }, NOW, 14, 'port')).toBe('1d');
  });

  it('explains what cannot be read', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isDarkscopeError(e) ? e.code : String(e);
      }
      return 'no error';
    };
    const base = { proto: 6, port: 23, filters: {} };
    expect(code(() => planPortSeries({ ...base, range: { from: NOW - 30 * D, to: NOW - 29 * D }, interval: '1m' }, NOW, 14))).toBe('DARKSCOPE_E_RANGE_NOT_RETAINED');
    expect(code(() => planPortSeries({ ...base, filters: { country: 'JP' }, range: { from: NOW - H, to: NOW }, interval: '5m' }, NOW, 14))).toBe('DARKSCOPE_E_BAD_REQUEST');
    expect(code(() => planPortSeries({ ...base, range: { from: NOW - 10 * D, to: NOW }, interval: '1m' }, NOW, 14))).toBe('DARKSCOPE_E_RANGE_TOO_LARGE');
    expect(planPortSeries({ ...base, range: { from: NOW - 90 * 60 - 7, to: NOW }, interval: '5m' }, NOW, 14))
      .toEqual({ family: 'port', grain: 'minute', interval: '5m', step: 300, range: { from: NOW - 95 * 60, to: NOW } });
  });
});

describe('trend windows', () => {
  it('default to the 28 days before yesterday and yesterday, from day rollups', () => {
    const p = planTrends({ filters: {} }, NOW);
    expect(p.grain).toBe('day');
    expect(p.recent).toEqual({ from: TODAY - D, to: TODAY });
    expect(p.baseline).toEqual({ from: TODAY - 29 * D, to: TODAY - D });
    expect(p.params).toMatchObject({ recentDays: 1, baselineDays: 28, trendThreshold: 10, zThreshold: 3.5, minPackets: 100, minSources: 10 });
  });

  it('a `to` off midnight reads hour rollups, rounded down to the hour', () => {
    const p = planTrends({ to: NOW + 59, filters: {}, params: { baselineDays: 7, recentDays: 2 } }, NOW);
    expect(p.grain).toBe('hour');
    expect(p.recent).toEqual({ from: NOW - 2 * D, to: NOW });
    expect(p.baseline).toEqual({ from: NOW - 9 * D, to: NOW - 2 * D });
  });

  it('checks parameters', () => {
    expect(() => planTrends({ filters: {}, params: { recentDays: 0 } }, NOW)).toThrow(/recentDays 0 must be an integer from 1 to 30/);
    expect(() => planTrends({ filters: {}, params: { baselineDays: 1 } }, NOW)).toThrow(/baselineDays 1/);
  });
});

describe('tilesFor', () => {
  const DAY = 86_400;
  const midnight = Math.floor(NOW / DAY) * DAY;

  it('reads the whole days of an hour-grain range from day rollups and the edges from hour rollups', () => {
    const range = { from: midnight - 30 * DAY + 5 * 3_600, to: midnight + 7 * 3_600 };
    expect(tilesFor('port', 'hour', range, ['proto', 'dport'])).toEqual([
      { grain: 'hour', range: { from: range.from, to: midnight - 29 * DAY } },
      { grain: 'day', range: { from: midnight - 29 * DAY, to: midnight } },
      { grain: 'hour', range: { from: midnight, to: range.to } },
    ]);
    // port_total_1d has no class: a query that needs it reads the hour rollups only.
    expect(tilesFor('port', 'hour', range, ['proto', 'dport', 'class'])).toEqual([{ grain: 'hour', range }]);
    expect(tilesFor('port', 'hour', range)).toEqual([{ grain: 'hour', range }]);
  });

  it('has no hour tiles when the range is whole days, and no day tile without a whole day', () => {
    expect(tilesFor('geo', 'hour', { from: midnight - 2 * DAY, to: midnight }, ['country'])).toEqual([{ grain: 'day', range: { from: midnight - 2 * DAY, to: midnight } }]);
    const short = { from: midnight - 20 * 3_600, to: midnight + 20 * 3_600 };
    expect(tilesFor('port', 'hour', short)).toEqual([{ grain: 'hour', range: short }]);
  });

  it('keeps minute and day grains, and families without day rollups, in one tile', () => {
    const range = { from: midnight - 3 * DAY, to: midnight + 3_600 };
    expect(tilesFor('port', 'minute', range)).toEqual([{ grain: 'minute', range }]);
    expect(tilesFor('source', 'day', range)).toEqual([{ grain: 'day', range }]);
    expect(tilesFor('total', 'hour', range).map((t) => t.grain)).toEqual(['day', 'hour']);
  });
});
