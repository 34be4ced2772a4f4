/**
 * Every query against a small, explicit data set whose answers are computed
 * by hand below (seven sources on 2024-03-10, sensor s1, darknet
 * 198.51.100.0/24). The rows go in as raw packets; the rollups fill through
 * the materialized views, so these tests also cover the views.
 *
 *   src            label     cc  asn     packets  port        class        tool  when (UTC)              dst          ip_len
 *   A 203.0.113.1  -         CN  4134    10       23/tcp      scan         mirai 10:00..10:09 (1/min)    .1 .. .10    60
 *   B 203.0.113.2  -         CN  4134     5       2323/tcp    scan         mirai 10:30..10:34            .1 .. .5     60
 *   C 203.0.113.3  -         US  15169    4       23/tcp      scan         none  12:00 12:01 13:00 13:01 .1 .. .4     40
 *   R 192.0.2.10   research  US  396982   8       443/tcp     scan         zmap  14:00..14:07            .1 .. .8     40
 *   K 198.18.0.9   -         DE  3320     3       40000/tcp   backscatter  none  16:00..16:02            .20 .21 .22  40
 *   U 2001:db8::7  -         JP  2497     2       53/udp      other        none  18:00 18:01             v6 ::1 ::2   80
 *   I 203.0.113.4  -         CN  4134     1       ICMP        other        none  20:00                   .1           28
 *
 * Totals: 33 packets, 1688 bytes, 7 sources, 15 destinations (13 IPv4 + 2 IPv6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';
import { parseFilters } from '../../src/query/filters.js';
import { portSeries } from '../../src/query/port-series.js';
import { queryContext, type QueryContext } from '../../src/query/runner.js';
import { sourceProfile } from '../../src/query/source-profile.js';
import { summary } from '../../src/query/summary.js';
import { topPorts } from '../../src/query/top-ports.js';
import { topSources } from '../../src/query/top-sources.js';
import { migrate } from '../../src/store/migrate.js';
import { saveSensorDarknets } from '../../src/store/sensors.js';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { dayStart, insertRows, type RawRow } from './helpers/packets.js';

const D = dayStart('2024-03-10');
const NOW = dayStart('2024-03-11');
const H = 3_600;
const ZERO16 = new Uint8Array(16);

function v4(ip: string): number {
  return parseIPv4(ip)!;
}

let seq = 0;
function row(o: Partial<RawRow> & { ts: number }): RawRow {
  return {
    sensor: 's1', ts_us: 0, ip_version: 4, src: 0, dst: 0, src6: ZERO16, dst6: ZERO16, proto: 6, sport: 40000, dport: 23,
    tcp_flags: 0x02, class: 'scan', tool: 'none', label: '', country: '', asn: 0, ttl: 64, ip_id: 1, tcp_seq: 1, tcp_window: 1024,
    tcp_options: 0, ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1, batch_key: 1n, record_index: BigInt(seq++),
    ...o,
  };
}

function rows(): RawRow[] {
  const out: RawRow[] = [];
  const net = (n: number) => v4(`198.51.100.${n}`);
  for (let i = 0; i < 10; i++) {
    out.push(row({ ts: D + 10 * H + i * 60, src: v4('203.0.113.1'), dst: net(i + 1), dport: 23, tool: 'mirai', country: 'CN', asn: 4134, ip_len: 60, ttl: 50, tcp_window: 14600 }));
  }
  for (let i = 0; i < 5; i++) {
    out.push(row({ ts: D + 10 * H + 1800 + i * 60, src: v4('203.0.113.2'), dst: net(i + 1), dport: 2323, tool: 'mirai', country: 'CN', asn: 4134, ip_len: 60 }));
  }
  [12 * H, 12 * H + 60, 13 * H, 13 * H + 60].forEach((t, i) => {
    out.push(row({ ts: D + t, src: v4('203.0.113.3'), dst: net(i + 1), dport: 23, country: 'US', asn: 15169 }));
  });
  for (let i = 0; i < 8; i++) {
    out.push(row({ ts: D + 14 * H + i * 60, src: v4('192.0.2.10'), dst: net(i + 1), dport: 443, tool: 'zmap', label: 'research', country: 'US', asn: 396982, ip_id: 54321 }));
  }
  for (let i = 0; i < 3; i++) {
    out.push(row({ ts: D + 16 * H + i * 60, src: v4('198.18.0.9'), dst: net(20 + i), dport: 40000, class: 'backscatter', tcp_flags: 0x12, country: 'DE', asn: 3320 }));
  }
  for (let i = 0; i < 2; i++) {
    out.push(row({
      ts: D + 18 * H + i * 60, ip_version: 6, src6: parseIPv6('2001:db8::7')!, dst6: parseIPv6(`2001:db8:1::${i + 1}`)!, proto: 17, dport: 53,
      tcp_flags: 0, class: 'other', country: 'JP', asn: 2497, ip_len: 80,
    }));
  }
  out.push(row({ ts: D + 20 * H, src: v4('203.0.113.4'), dst: net(1), proto: 1, sport: 0, dport: 0, tcp_flags: 0, class: 'other', country: 'CN', asn: 4134, ip_len: 28, icmp_type: 8 }));
  return out;
}

let db: TestDatabase;
let ctx: QueryContext;

beforeAll(async () => {
  db = await freshDatabase('query_answers', { create: false });
  await migrate(db.store);
  await insertRows(db.store, rows(), 10); // several inserts → several parts: answers must not depend on merges
  await saveSensorDarknets(db.store, 's1', ['198.51.100.0/24']);
  ctx = queryContext(loadConfig({}), db.store, { now: () => NOW });
}, 120_000);

afterAll(async () => {
  await db?.dispose();
});

const day = { from: D, to: D + 24 * H };

describe('summary', () => {
  it('reports the whole day', async () => {
    const r = await summary(ctx, { range: day, filters: {} });
    expect(r.range).toEqual({ from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' });
    expect(r.grain).toBe('hour');
    expect(r.totals).toEqual({ packets: 33, bytes: 1688, sources: 7, destinations: 15 });
    expect(r.darknet).toEqual({ sensors: ['s1'], size: 256, packetsPerAddress: 33 / 256 });
    expect(r.research).toEqual({ label: 'research', packets: 8, share: 8 / 33 });
    expect(r.classes).toEqual([
      { class: 'scan', packets: 27, share: 27 / 33 }, { class: 'backscatter', packets: 3, share: 3 / 33 }, { class: 'other', packets: 3, share: 3 / 33 },
    ]);
    expect(r.protocols.map((p) => [p.name, p.packets])).toEqual([['TCP', 30], ['UDP', 2], ['ICMP', 1]]);
    expect(r.topPorts.ports.map((p) => [p.rank, p.label, p.packets, p.sources])).toEqual([
      [1, '23/TCP', 14, 2], [2, '443/TCP', 8, 1], [3, '2323/TCP', 5, 1], [4, '40000/TCP', 3, 1], [5, '53/UDP', 2, 1], [6, 'ICMP', 1, 1],
    ]);
    expect(r.topPorts.ports[0]).toMatchObject({ service: 'telnet', share: 14 / 33, note: expect.stringMatching(/Mirai/) });
    expect(r.topPorts.share).toBe(1);
    expect(r.topPorts.otherShare).toBe(0);
    expect(r.topCountries.map((c) => [c.rank, c.country, c.sources, c.packets])).toEqual([[1, 'CN', 3, 16], [2, 'US', 2, 12], [3, 'DE', 1, 3], [4, 'JP', 1, 2]]);
  });

  it('top N ports leave the rest to "other ports"', async () => {
    const r = await summary(ctx, { range: day, filters: {}, topPorts: 2, topCountries: 1 });
    expect(r.topPorts.ports.map((p) => p.label)).toEqual(['23/TCP', '443/TCP']);
    expect(r.topPorts.share).toBe(22 / 33);
    expect(r.topPorts.otherShare).toBeCloseTo(11 / 33, 12);
    expect(r.topCountries).toHaveLength(1);
  });

  it('excluding research', async () => {
    const r = await summary(ctx, { range: day, filters: parseFilters({ excludeLabel: ['research'] }) });
    expect(r.totals).toEqual({ packets: 25, bytes: 1688 - 320, sources: 6, destinations: 15 });
    expect(r.research).toEqual({ label: 'research', packets: 8, share: 8 / 33 }); // the share ignores label filters
    expect(r.topPorts.ports.map((p) => p.label)).toEqual(['23/TCP', '2323/TCP', '40000/TCP', '53/UDP', 'ICMP']);
    expect(r.topCountries.map((c) => [c.country, c.sources, c.packets])).toEqual([['CN', 3, 16], ['US', 1, 4], ['DE', 1, 3], ['JP', 1, 2]]);
    expect(r.filters).toEqual({ excludeLabels: ['research'] });
  });

  it('class filter', async () => {
    const r = await summary(ctx, { range: day, filters: parseFilters({ class: 'backscatter' }) });
    expect(r.totals).toEqual({ packets: 3, bytes: 120, sources: 1, destinations: 3 });
    expect(r.topPorts.ports.map((p) => p.label)).toEqual(['40000/TCP']);
    expect(r.classes.map((c) => c.packets)).toEqual([0, 3, 0]);
    expect(r.topCountries.map((c) => c.country)).toEqual(['DE']);
  });

  it('country filter (read from source rollups)', async () => {
    const r = await summary(ctx, { range: day, filters: parseFilters({ country: 'cn' }) });
    expect(r.totals).toEqual({ packets: 16, bytes: 600 + 300 + 28, sources: 3, destinations: 10 });
    expect(r.topPorts.ports.map((p) => [p.label, p.packets, p.sources])).toEqual([['23/TCP', 10, 1], ['2323/TCP', 5, 1], ['ICMP', 1, 1]]);
    expect(r.topCountries.map((c) => [c.country, c.sources])).toEqual([['CN', 3]]);
  });

  it('tool filter reads countries from source rollups (geo has no tool)', async () => {
    const r = await summary(ctx, { range: day, filters: parseFilters({ tool: 'mirai' }) });
    expect(r.totals.packets).toBe(15);
    expect(r.topCountries.map((c) => [c.country, c.sources, c.packets])).toEqual([['CN', 2, 15]]);
  });

  it('grain selection: a 70-day range reads day rollups with the same answers', async () => {
    const r = await summary(ctx, { range: { from: dayStart('2024-01-01'), to: NOW }, filters: {} });
    expect(r.grain).toBe('day');
    expect(r.totals).toEqual({ packets: 33, bytes: 1688, sources: 7, destinations: 15 });
  });

  it('a sensor with no traffic', async () => {
    const r = await summary(ctx, { range: day, filters: parseFilters({ sensor: 's2' }) });
    expect(r.totals).toEqual({ packets: 0, bytes: 0, sources: 0, destinations: 0 });
    expect(r.darknet).toEqual({ sensors: [], size: null, packetsPerAddress: null });
    expect(r.topPorts).toEqual({ ports: [], share: 0, otherShare: 0 });
  });
});

describe('top ports', () => {
  it('ranks by packets or by unique sources', async () => {
    const byPackets = await topPorts(ctx, { range: day, filters: {} });
    expect(byPackets.total).toEqual({ packets: 33, sources: 7 });
    expect(byPackets.ports[0]).toMatchObject({ rank: 1, proto: 6, port: 23, label: '23/TCP', packets: 14, bytes: 760, sources: 2, destinations: 10, share: 14 / 33 });
    const bySources = await topPorts(ctx, { range: day, filters: {}, by: 'sources', limit: 3 });
    expect(bySources.ports.map((p) => [p.label, p.sources, p.packets])).toEqual([['23/TCP', 2, 14], ['443/TCP', 1, 8], ['2323/TCP', 1, 5]]);
  });

  it('grain selection: a short recent range reads minute rollups and cuts at the minute', async () => {
    const r = await topPorts(ctx, { range: { from: D + 10 * H, to: D + 12 * H }, filters: {} });
    expect(r.grain).toBe('minute');
    expect(r.ports.map((p) => [p.label, p.packets])).toEqual([['23/TCP', 10], ['2323/TCP', 5]]);
    // Read from raw packets grouped by port over the range (no minute): the measures and the total are the range's.
    expect(r.ports.map((p) => [p.packets, p.bytes, p.sources, p.destinations])).toEqual([[10, 600, 1, 10], [5, 300, 1, 5]]);
    expect(r.total).toEqual({ packets: 15, sources: 2 });
    const bySources = await topPorts(ctx, { range: { from: D + 10 * H, to: D + 12 * H }, filters: {}, by: 'sources' });
    expect(bySources.ports.map((p) => [p.label, p.sources, p.packets, p.destinations])).toEqual([['23/TCP', 1, 10, 10], ['2323/TCP', 1, 5, 5]]);
    const cut = await topPorts(ctx, { range: { from: D + 10 * H + 5 * 60, to: D + 10 * H + 31 * 60 }, filters: {} });
    expect(cut.ports.map((p) => [p.label, p.packets])).toEqual([['23/TCP', 5], ['2323/TCP', 1]]);
    expect(cut.ports.map((p) => p.destinations)).toEqual([5, 1]);
    expect(cut.total).toEqual({ packets: 6, sources: 2 });
  });

  it('with a proto filter and with an ASN filter', async () => {
    expect((await topPorts(ctx, { range: day, filters: parseFilters({ proto: 'udp' }) })).ports.map((p) => p.label)).toEqual(['53/UDP']);
    const asn = await topPorts(ctx, { range: day, filters: parseFilters({ asn: '15169' }) });
    expect(asn.grain).toBe('hour');
    expect(asn.ports.map((p) => [p.label, p.packets, p.sources])).toEqual([['23/TCP', 4, 1]]);
  });
});

describe('port series', () => {
  it('hourly, gaps filled with zeros, unique sources merged over the range', async () => {
    const r = await portSeries(ctx, { range: day, filters: {}, proto: 6, port: 23, interval: '1h' });
    expect(r).toMatchObject({ label: '23/TCP', grain: 'hour', interval: '1h', total: { packets: 14, sources: 2 }, rank: 1 });
    expect(r.points).toHaveLength(24);
    expect(r.points[0]).toEqual({ t: '2024-03-10T00:00:00Z', packets: 0, sources: 0 });
    expect(r.points.filter((p) => p.packets > 0)).toEqual([
      { t: '2024-03-10T10:00:00Z', packets: 10, sources: 1 },
      { t: '2024-03-10T12:00:00Z', packets: 2, sources: 1 },
      { t: '2024-03-10T13:00:00Z', packets: 2, sources: 1 },
    ]);
    // Summing the hourly sources would say 3; C is one source in two hours.
    expect(r.points.reduce((a, p) => a + p.sources, 0)).toBe(3);
  });

  it('hourly over partial days: totals and rank from whole days plus edge hours equal the hourly buckets', async () => {
    // The whole of 2024-03-10 from the day rollups, two empty hours at each edge from the hour rollups.
    const wide = await portSeries(ctx, { range: { from: D - 2 * H, to: D + 26 * H }, filters: {}, proto: 6, port: 23, interval: '1h' });
    expect(wide.points).toHaveLength(28);
    expect(wide).toMatchObject({ total: { packets: 14, sources: 2 }, rank: 1 });
    // From 11:00 on 2024-03-10 to the end of 2024-03-11: the packets are in the edge hours, the whole day is empty.
    const edge = await portSeries(ctx, { range: { from: D + 11 * H, to: D + 48 * H }, filters: {}, proto: 6, port: 23, interval: '1h' });
    expect(edge.points.filter((p) => p.packets > 0).map((p) => [p.t, p.packets])).toEqual([['2024-03-10T12:00:00Z', 2], ['2024-03-10T13:00:00Z', 2]]);
    expect(edge.total).toEqual({ packets: 4, sources: 1 });
  });

  it('1m and 5m from minute rollups, buckets in UTC', async () => {
    const m = await portSeries(ctx, { range: { from: D + 10 * H, to: D + 11 * H }, filters: {}, proto: 6, port: 23 });
    expect(m.interval).toBe('1m');
    expect(m.points).toHaveLength(60);
    expect(m.points.slice(0, 11).map((p) => p.packets)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(m.total).toEqual({ packets: 10, sources: 1 });
    expect(m.rank).toBe(1);
    // The rank counts the ports above it over the same minutes, from raw packets grouped by port.
    const second = await portSeries(ctx, { range: { from: D + 10 * H, to: D + 11 * H }, filters: {}, proto: 6, port: 2323, interval: '1m' });
    expect(second).toMatchObject({ total: { packets: 5, sources: 1 }, rank: 2 });
    const five = await portSeries(ctx, { range: { from: D + 10 * H, to: D + 11 * H }, filters: {}, proto: 6, port: 23, interval: '5m' });
    expect(five.points.map((p) => p.packets)).toEqual([5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(five.points[1].t).toBe('2024-03-10T10:05:00Z');
  });

  it('daily over three days, and the rank of a smaller port', async () => {
    const r = await portSeries(ctx, { range: { from: D - 24 * H, to: D + 48 * H }, filters: {}, proto: 6, port: 2323, interval: '1d' });
    expect(r.points).toEqual([
      { t: '2024-03-09T00:00:00Z', packets: 0, sources: 0 }, { t: '2024-03-10T00:00:00Z', packets: 5, sources: 1 }, { t: '2024-03-11T00:00:00Z', packets: 0, sources: 0 },
    ]);
    expect(r.rank).toBe(3);
    const none = await portSeries(ctx, { range: day, filters: {}, proto: 6, port: 9999, interval: '1h' });
    expect(none.rank).toBeNull();
    expect(none.total).toEqual({ packets: 0, sources: 0 });
  });

  it('country filter reads source rollups', async () => {
    const r = await portSeries(ctx, { range: day, filters: parseFilters({ country: 'US' }), proto: 6, port: 23 });
    expect(r.interval).toBe('1h');
    expect(r.total).toEqual({ packets: 4, sources: 1 });
  });
});

describe('top sources', () => {
  it('ranks sources with their measures', async () => {
    const r = await topSources(ctx, { range: day, filters: {} });
    expect(r.sources.map((s) => [s.ip, s.packets])).toEqual([
      ['203.0.113.1', 10], ['192.0.2.10', 8], ['203.0.113.2', 5], ['203.0.113.3', 4], ['198.18.0.9', 3], ['2001:db8::7', 2], ['203.0.113.4', 1],
    ]);
    expect(r.sources[0]).toEqual({
      rank: 1, ip: '203.0.113.1', ipVersion: 4, packets: 10, bytes: 600, ports: 1, destinations: 10,
      firstSeen: '2024-03-10T10:00:00Z', lastSeen: '2024-03-10T10:09:00Z', classes: { scan: 10, backscatter: 0, other: 0 },
      tools: ['mirai'], country: 'CN', asn: 4134, label: '',
    });
    expect(r.sources[1]).toMatchObject({ ip: '192.0.2.10', label: 'research', tools: ['zmap'], country: 'US', asn: 396982 });
    expect(r.sources[5]).toMatchObject({ ip: '2001:db8::7', ipVersion: 6, destinations: 2, classes: { scan: 0, backscatter: 0, other: 2 } });
  });

  it('a short list is the head of the long one (IPv4 and IPv6 ranked apart, then merged)', async () => {
    // Each limit must list exactly that many sources, the same as the first ones of the full ranking.
    const all = (await topSources(ctx, { range: day, filters: {} })).sources.map((s) => [s.ip, s.packets]);
    for (const limit of [1, 2, 5, 6]) {
      const r = await topSources(ctx, { range: day, filters: {}, limit });
      expect(r.sources.map((s) => [s.ip, s.packets]), `limit ${limit}`).toEqual(all.slice(0, limit));
    }
  });

  it('hours read from raw packets: the ranking and the measures of the chosen sources', async () => {
    // 12:00-24:00 has no whole day: the source hours are computed from raw packets, grouped only by what each step reads.
    const half = { from: D + 12 * H, to: D + 24 * H };
    const r = await topSources(ctx, { range: half, filters: {} });
    expect(r.sources.map((s) => [s.ip, s.packets])).toEqual([['192.0.2.10', 8], ['203.0.113.3', 4], ['198.18.0.9', 3], ['2001:db8::7', 2], ['203.0.113.4', 1]]);
    expect(r.sources[1]).toEqual({
      rank: 2, ip: '203.0.113.3', ipVersion: 4, packets: 4, bytes: 160, ports: 1, destinations: 4,
      firstSeen: '2024-03-10T12:00:00Z', lastSeen: '2024-03-10T13:01:00Z', classes: { scan: 4, backscatter: 0, other: 0 },
      tools: [], country: 'US', asn: 15169, label: '',
    });
    expect(r.sources[3]).toMatchObject({ ip: '2001:db8::7', ipVersion: 6, destinations: 2, ports: 1 });
    expect((await topSources(ctx, { range: half, filters: {}, limit: 2 })).sources.map((s) => s.ip)).toEqual(['192.0.2.10', '203.0.113.3']);
    const port = await topSources(ctx, { range: half, filters: parseFilters({ port: 23, proto: 'tcp' }) });
    expect(port.sources.map((s) => [s.ip, s.packets, s.destinations])).toEqual([['203.0.113.3', 4, 4]]);
  });

  it('for one port, excluding research', async () => {
    const r = await topSources(ctx, { range: day, filters: parseFilters({ port: 23, proto: 'tcp' }) });
    expect(r.sources.map((s) => [s.ip, s.packets])).toEqual([['203.0.113.1', 10], ['203.0.113.3', 4]]);
    const nr = await topSources(ctx, { range: day, filters: parseFilters({ excludeLabel: 'research' }), limit: 2, by: 'destinations' });
    expect(nr.sources.map((s) => [s.ip, s.destinations])).toEqual([['203.0.113.1', 10], ['203.0.113.2', 5]]);
  });
});

describe('source profile', () => {
  it('an IPv4 source: totals, ports, timeline and fingerprints', async () => {
    const r = await sourceProfile(ctx, { range: day, filters: {}, ip: '203.0.113.3' });
    expect(r).toMatchObject({ ip: '203.0.113.3', ipVersion: 4, found: true, grain: 'hour' });
    expect(r.totals).toMatchObject({ packets: 4, bytes: 160, ports: 1, destinations: 4, firstSeen: '2024-03-10T12:00:00Z', lastSeen: '2024-03-10T13:01:00Z', country: 'US', asn: 15169 });
    expect(r.ports).toEqual([{ proto: 6, port: 23, label: '23/TCP', service: 'telnet', description: 'Telnet', note: expect.any(String), packets: 4, firstSeen: '2024-03-10T12:00:00Z', lastSeen: '2024-03-10T13:01:00Z' }]);
    expect(r.timeline.interval).toBe('1h');
    expect(r.timeline.points).toHaveLength(24);
    expect(r.timeline.points.filter((p) => p.packets > 0)).toEqual([{ t: '2024-03-10T12:00:00Z', packets: 2 }, { t: '2024-03-10T13:00:00Z', packets: 2 }]);
    expect(r.fingerprints.range).toEqual({ from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' });
    expect(r.fingerprints.top).toEqual([{ ttl: 64, tcpWindow: 1024, tcpFlags: 2, tcpFlagsText: 'S', tcpOptions: false, packets: 4 }]);
  });

  it('an IPv6 source, and one that sent nothing', async () => {
    const r = await sourceProfile(ctx, { range: day, filters: {}, ip: '2001:DB8:0::7' });
    expect(r).toMatchObject({ ip: '2001:db8::7', ipVersion: 6, found: true, totals: { packets: 2, country: 'JP', classes: { other: 2 } } });
    expect(r.ports.map((p) => p.label)).toEqual(['53/UDP']);
    const none = await sourceProfile(ctx, { range: day, filters: {}, ip: '192.0.2.200', fingerprints: false });
    expect(none).toMatchObject({ found: false, totals: { packets: 0, firstSeen: null, lastSeen: null, tools: [] }, ports: [], fingerprints: { range: null, top: [] } });
  });
});

describe('CLI (same answers, calling the query layer)', () => {
  const store = () => ['--clickhouse-url', db.url, '--database', db.name];
  const range = ['--from', '2024-03-10', '--to', '2024-03-11'];

  it('report --format json equals the summary', async () => {
    const r = await runCli(['report', ...range, '--exclude-label', 'research', '--format', 'json', ...store()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { scanEvents, ...rest } = JSON.parse(r.stdout) as { scanEvents: { days: unknown[] } };
    expect(rest).toEqual(await summary(ctx, { range: day, filters: parseFilters({ excludeLabel: 'research' }) }));
    // None of these sources reaches 100 darknet addresses: no scan events (query-events.test.ts has them).
    expect(scanEvents.days).toEqual([]);
  });

  it('report as a page, Markdown and CSV', async () => {
    const page = await runCli(['report', ...range, ...store()]);
    expect(page.code).toBe(0);
    expect(page.stdout).toContain('darkscope observation report');
    expect(page.stdout).toMatch(/Packets observed\s+33\n/);
    expect(page.stdout).toMatch(/Packets per darknet address\s+0\.1\n/);
    expect(page.stdout).toMatch(/ 1  23\/TCP +telnet +14  42\.4% +2  Telnet: default-credential/);
    const md = await runCli(['report', ...range, '--format', 'md', ...store()]);
    expect(md.stdout).toContain('| 1 | 23/TCP | telnet | 14 | 42.4% | 2 |');
    const csv = await runCli(['report', ...range, '--format', 'csv', ...store()]);
    expect(csv.stdout.split('\r\n').slice(0, 3)).toEqual(['section,key,packets,share,sources', 'total,all,33,1,7', `total,research,8,${8 / 33},`]);
  });

  it('top-ports, port, sources, source, trends', async () => {
    const tp = await runCli(['top-ports', ...range, '--by', 'sources', '--limit', '2', '--format', 'csv', ...store()]);
    expect(tp.code).toBe(0);
    expect(tp.stdout.split('\r\n')[1]).toMatch(/^1,23\/TCP,6,23,telnet,14,/);
    const port = await runCli(['port', '23/tcp', ...range, '--interval', '1h', '--format', 'json', ...store()]);
    expect(JSON.parse(port.stdout)).toMatchObject({ total: { packets: 14, sources: 2 }, rank: 1 });
    const src = await runCli(['sources', ...range, '--port', '23/tcp', ...store()]);
    expect(src.stdout).toMatch(/1 {2}203\.0\.113\.1 +10 /);
    const one = await runCli(['source', '203.0.113.1', ...range, ...store()]);
    expect(one.stdout).toContain('Tools      mirai');
    expect(one.stdout).toContain('Origin     CN, AS4134');
    const tr = await runCli(['trends', '--to', '2024-03-11', '--min-packets', '1', '--min-sources', '1', '--format', 'json', ...store()]);
    expect(JSON.parse(tr.stdout)).toMatchObject({ grain: 'day', spikes: [], newPorts: expect.any(Array) });
  });

  it('bad input is one line with a code', async () => {
    const r = await runCli(['source', 'nope', ...store()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^darkscope: DARKSCOPE_E_BAD_REQUEST: "nope" is not an IPv4 or IPv6 address\. /);
    const t = await runCli(['report', '--from', 'yesterday', ...store()]);
    expect(t.stderr).toMatch(/^darkscope: DARKSCOPE_E_BAD_TIME_RANGE: from "yesterday"/);
  });
});
