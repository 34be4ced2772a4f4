/** The web view's URL state (src/web/state.ts): what a link holds, and the API parameters it becomes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTERS, parseHash, rangeParams, REFRESH_CHOICES, timeSeconds, toHash, TRAFFIC_CLASSES, trendParams, type Filters, type View, type ViewState,
} from '../../src/web/state.js';

const NOW = Date.UTC(2026, 11, 7, 12, 30) / 1000;

describe('URL state', () => {
  it('reads each view and its filters', () => {
    expect(parseHash('')).toEqual({ view: { page: 'overview' }, filters: DEFAULT_FILTERS });
    expect(parseHash('#/')).toEqual({ view: { page: 'overview' }, filters: DEFAULT_FILTERS });
    expect(parseHash('#/ports/TCP/23?from=-7d&sensor=tokyo-1&class=scan&exclude=research&refresh=60&baseline=4')).toEqual({
      view: { page: 'port', proto: 'tcp', port: 23 },
      filters: { ...DEFAULT_FILTERS, from: '-7d', sensor: 'tokyo-1', trafficClass: 'scan', excludeResearch: true, refresh: 60, baselineDays: 4 },
    });
    expect(parseHash('#/sources/2001%3Adb8%3A%3A5?to=2026-11-16T00%3A00Z').view).toEqual({ page: 'source', ip: '2001:db8::5' });
    expect(parseHash('#/sources/2001%3Adb8%3A%3A5?to=2026-11-16T00%3A00Z').filters.to).toBe('2026-11-16T00:00Z');
    expect(parseHash('#/trends').view).toEqual({ page: 'trends' });
  });

  it('falls back to defaults on anything malformed instead of passing it on', () => {
    const cases: Array<[string, Partial<ViewState['filters']>, View]> = [
      ['#/ports/tcp/70000', {}, { page: 'overview' }],
      ['#/ports/t%ZZ/23', {}, { page: 'overview' }],
      ['#/ports/tcp;drop/23', {}, { page: 'overview' }],
      ['#/sources/<img>', {}, { page: 'overview' }],
      ['#/nowhere', {}, { page: 'overview' }],
      ['#/?class=worm&refresh=7&baseline=1&from=' + 'x'.repeat(41), {}, { page: 'overview' }],
      ['#/?from=-24h%3Cscript%3E&exclude=other', {}, { page: 'overview' }],
    ];
    for (const [hash, filters, view] of cases) expect(parseHash(hash), hash).toEqual({ view, filters: { ...DEFAULT_FILTERS, ...filters } });
  });

  it('writes only what differs from the defaults, and reads back what it wrote', () => {
    expect(toHash({ view: { page: 'overview' }, filters: DEFAULT_FILTERS })).toBe('#/');
    expect(toHash({ view: { page: 'port', proto: 'udp', port: 53 }, filters: { ...DEFAULT_FILTERS, from: '-7d', excludeResearch: true } }))
      .toBe('#/ports/udp/53?from=-7d&exclude=research');
    const view: fc.Arbitrary<View> = fc.oneof(
      fc.constant({ page: 'overview' as const }),
      fc.constant({ page: 'trends' as const }),
      fc.record({ page: fc.constant('port' as const), proto: fc.constantFrom('tcp', 'udp', 'icmp', '47'), port: fc.integer({ min: 0, max: 65_535 }) }),
      fc.record({ page: fc.constant('source' as const), ip: fc.oneof(fc.ipV4(), fc.constantFrom('2001:db8::5', '::1')) }),
    );
    const filters: fc.Arbitrary<Filters> = fc.record({
      from: fc.constantFrom('-24h', '-7d', '-90m', '2026-11-16', '2026-11-16T00:00:00Z', '2026-11-16 12:00:00+09:00'),
      to: fc.constantFrom('now', '-1h', '2026-11-17T00:00Z'),
      sensor: fc.string({ maxLength: 40 }).filter((s) => s.trim() === s),
      trafficClass: fc.constantFrom('' as const, ...TRAFFIC_CLASSES),
      excludeResearch: fc.boolean(),
      refresh: fc.constantFrom(...REFRESH_CHOICES),
      baselineDays: fc.integer({ min: 2, max: 365 }),
    });
    fc.assert(fc.property(view, filters, (v, f) => {
      expect(parseHash(toHash({ view: v, filters: f }))).toEqual({ view: v, filters: f });
    }));
  });
});

describe('API parameters', () => {
  it('the range and filters as the API names them', () => {
    expect(rangeParams(DEFAULT_FILTERS).toString()).toBe('from=-24h&to=now');
    const f: Filters = { ...DEFAULT_FILTERS, from: '-7d', sensor: 'a&b=c', trafficClass: 'backscatter', excludeResearch: true };
    expect(rangeParams(f).toString()).toBe('from=-7d&to=now&sensor=a%26b%3Dc&class=backscatter&excludeLabel=research');
  });

  it('trends: the recent window is the range in whole days (1..30), the baseline as chosen', () => {
    const t = (from: string, to = 'now', baselineDays = 28) => Object.fromEntries(trendParams({ ...DEFAULT_FILTERS, from, to, baselineDays }, NOW));
    expect(t('-24h')).toEqual({ to: 'now', recentDays: '1', baselineDays: '28' });
    expect(t('-6h')).toEqual({ to: 'now', recentDays: '1', baselineDays: '28' });
    expect(t('-3d', 'now', 4)).toEqual({ to: 'now', recentDays: '3', baselineDays: '4' });
    expect(t('-49h')).toMatchObject({ recentDays: '3' });
    expect(t('-90d')).toMatchObject({ recentDays: '30' });
    expect(t('2026-11-30T16:00:00Z', '2026-12-07T16:00:00Z')).toEqual({ to: '2026-12-07T16:00:00Z', recentDays: '7', baselineDays: '28' });
    // Unreadable or reversed ranges: one day, and the API says what is wrong with the times.
    expect(t('yesterday')).toMatchObject({ recentDays: '1' });
    expect(t('2026-12-07', '2026-12-01')).toMatchObject({ recentDays: '1' });
  });

  it('reads times as the server does (UTC unless a zone is given)', () => {
    expect(timeSeconds('now', NOW)).toBe(NOW);
    expect(timeSeconds('-15m', NOW)).toBe(NOW - 900);
    expect(timeSeconds('now-2w', NOW)).toBe(NOW - 14 * 86_400);
    expect(timeSeconds('2026-12-01', NOW)).toBe(Date.UTC(2026, 11, 1) / 1000);
    expect(timeSeconds('2026-12-01 06:00', NOW)).toBe(Date.UTC(2026, 11, 1, 6) / 1000);
    expect(timeSeconds('2026-12-01T06:00:00+09:00', NOW)).toBe(Date.UTC(2026, 10, 30, 21) / 1000);
    expect(timeSeconds('06:00', NOW)).toBeNull();
  });
});
