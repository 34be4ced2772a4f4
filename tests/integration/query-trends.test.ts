/**
 * The spike test. Two sensors share the same 28-day baseline for 80/TCP and
 * 23/TCP (day i: 100 + (7i mod 21) packets from 20 + (i mod 5) sources to 50
 * targets, all around 12:00 UTC). On the recent day (2024-03-10):
 *
 *   sensor "spiky": 23/TCP jumps to 1500 packets from 300 sources to 200
 *                   targets, and 37215/TCP appears (120 packets, 40 sources);
 *   sensor "flat":  the baseline pattern simply continues.
 *
 * Hand-computed: baseline median packets 107 (ten days of 100, nine of 107,
 * nine of 114); MAD 7 → scale max(1.4826·7, √107) = 10.3782; mean sources
 * s = 20 + 53/28; mean targets t = 50.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseFilters } from '../../src/query/filters.js';
import { queryContext, type QueryContext } from '../../src/query/runner.js';
import { trends } from '../../src/query/trends.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { dayStart, insertRows, type RawRow } from './helpers/packets.js';

const NOW = dayStart('2024-03-11');
const FIRST = dayStart('2024-02-11'); // baseline day 0
const DAY = 86_400;
const ZERO16 = new Uint8Array(16);

let seq = 0;
function packets(sensor: string, dayIndex: number, dport: number, n: number, sources: number, targets: number, srcBase: number): RawRow[] {
  const out: RawRow[] = [];
  for (let j = 0; j < n; j++) {
    out.push({
      sensor, ts: FIRST + dayIndex * DAY + 12 * 3_600 + j, ts_us: 0, ip_version: 4, src: srcBase + (j % sources), dst: 0xc6336400 + (j % targets),
      src6: ZERO16, dst6: ZERO16, proto: 6, sport: 50000, dport, tcp_flags: 2, class: 'scan', tool: 'none', label: '', country: 'CN', asn: 4134,
      ttl: 64, ip_id: 1, tcp_seq: 1, tcp_window: 1024, tcp_options: 0, ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1,
      batch_key: 1n, record_index: BigInt(seq++),
    });
  }
  return out;
}

function baselineDay(sensor: string, i: number, dport: number): RawRow[] {
  return packets(sensor, i, dport, 100 + ((7 * i) % 21), 20 + (i % 5), 50, 0x0a000000 + dport * 256);
}

function seed(): RawRow[] {
  const out: RawRow[] = [];
  for (const sensor of ['spiky', 'flat']) {
    for (let i = 0; i < 28; i++) out.push(...baselineDay(sensor, i, 80), ...baselineDay(sensor, i, 23));
    out.push(...baselineDay(sensor, 28, 80));
  }
  out.push(...baselineDay('flat', 28, 23));
  out.push(...packets('spiky', 28, 23, 1500, 300, 200, 0x0b000000));
  out.push(...packets('spiky', 28, 37215, 120, 40, 60, 0x0c000000));
  return out;
}

let db: TestDatabase;
let ctx: QueryContext;

beforeAll(async () => {
  db = await freshDatabase('query_trends', { create: false });
  await migrate(db.store);
  await insertRows(db.store, seed(), 100_000); // one insert: 29 day partitions make 29 parts per table already
  ctx = queryContext(loadConfig({}), db.store, { now: () => NOW });
}, 120_000);

afterAll(async () => {
  await db?.dispose();
});

const s = 20 + 53 / 28;
const SCALE = 1.4826 * 7;

describe('trends', () => {
  it('reports the port that jumped and the port that appeared (default windows and thresholds)', async () => {
    const r = await trends(ctx, { filters: parseFilters({ sensor: 'spiky' }) });
    expect(r.windows).toEqual({
      baseline: { from: '2024-02-11T00:00:00Z', to: '2024-03-10T00:00:00Z' },
      recent: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' },
    });
    expect(r.grain).toBe('day');
    expect(r.spikes).toHaveLength(1);
    const spike = r.spikes[0];
    expect(spike).toMatchObject({ rank: 1, proto: 6, port: 23, label: '23/TCP', reasons: ['trend', 'zscore'] });
    expect(spike.recent).toEqual({ packets: 1500, sources: 300, targets: 200 });
    expect(spike.baseline.packets).toBe(107);
    expect(spike.baseline.sources).toBeCloseTo(s, 9);
    expect(spike.baseline.targets).toBe(50);
    expect(spike.trendScore).toBeCloseTo(Math.sqrt((300 - s) ** 2 / s + 150 ** 2 / 50), 6);
    expect(spike.zScore).toBeCloseTo((1500 - 107) / SCALE, 6);
    expect(r.newPorts).toHaveLength(1);
    expect(r.newPorts[0]).toMatchObject({
      rank: 1, port: 37215, label: '37215/TCP', reasons: ['new'], trendScore: null,
      recent: { packets: 120, sources: 40, targets: 60 }, baseline: { packets: 0, sources: 0, targets: 0 },
      note: expect.stringMatching(/CVE-2017-17215/),
    });
  });

  it('a flat series is not reported', async () => {
    const r = await trends(ctx, { filters: parseFilters({ sensor: 'flat' }) });
    expect(r.spikes).toEqual([]);
    expect(r.newPorts).toEqual([]);
  });

  it('thresholds are parameters: a new port needs enough sources a day', async () => {
    const r = await trends(ctx, { filters: parseFilters({ sensor: 'spiky' }), params: { minSources: 41 } });
    expect(r.newPorts).toEqual([]);
    expect(r.spikes.map((x) => x.port)).toEqual([23]);
    const strict = await trends(ctx, { filters: parseFilters({ sensor: 'spiky' }), params: { trendThreshold: 1e6, zThreshold: 1e6 } });
    expect(strict.spikes).toEqual([]);
  });

  it('a `to` off midnight reads hour rollups with the same answer here (traffic is at noon)', async () => {
    const r = await trends(ctx, { to: NOW + 3 * 3_600, filters: parseFilters({ sensor: 'spiky' }) });
    expect(r.grain).toBe('hour');
    expect(r.spikes.map((x) => [x.port, x.recent.packets])).toEqual([[23, 1500]]);
    expect(r.newPorts.map((x) => x.port)).toEqual([37215]);
  });

  it('without a sensor filter both sensors add up; 80/TCP stays quiet', async () => {
    const r = await trends(ctx, { filters: {} });
    expect(r.spikes.map((x) => x.port)).toEqual([23]);
    expect(r.newPorts.map((x) => x.port)).toEqual([37215]);
  });
});
