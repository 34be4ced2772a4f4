/**
 * Scan events and DoS attacks with known answers, ingested from pcap files
 * cut inside the events and in small batches (so every event spans files and
 * batches): a zmap horizontal scan of 23/TCP with a 401 s pause (under the
 * 480 s expiry: one event) and a later 50-address burst (a separate event,
 * below 100 addresses: none); a masscan vertical scan (200 ports on 3
 * addresses); a Mirai strobe scan (23 and 2323 on 150 addresses); a SYN
 * flood's backscatter from 192.0.2.80:80 (3000 SYN-ACKs over 600 s, 5 per
 * second); a 20-packet backscatter trickle below every threshold. The darknet
 * is 198.18.0.0/20 (4096 addresses).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { dosAttacks } from '../../src/query/dos-attacks.js';
import { queryContext, withoutCache, type QueryContext } from '../../src/query/runner.js';
import { scanEventCounts } from '../../src/query/scan-event-counts.js';
import { scanEvents, type ScanEvent } from '../../src/query/scan-events.js';
import { migrate } from '../../src/store/migrate.js';
import { rebuildRollups } from '../../src/store/rollups-rebuild.js';
import { saveSensorDarknets } from '../../src/store/sensors.js';
import { ip4n } from '../helpers/frames.js';
import { runCli } from '../helpers/run-cli.js';
import { nth, SYN_ACK, writeProbeFiles, type Probe } from '../helpers/event-traffic.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { ingestFiles } from './helpers/in-process-ingest.js';
import { tempDir, type TempDir } from './helpers/ingest.js';
import { dayStart } from './helpers/packets.js';

const D = dayStart('2024-06-03');
const T0 = D + 10 * 3600;
const T1 = D + 12 * 3600;
const DARK = '198.18.0.0';
const DARKNET_SIZE = 4096;
const DAY = { from: D, to: D + 86_400 };

function probes(): Probe[] {
  const out: Probe[] = [];
  // A: zmap (IP ID 54321), 23/TCP, 1024 addresses; a 401 s pause after the 512th.
  for (let i = 0; i < 1024; i++) {
    out.push({ ts: i < 512 ? T0 + i : T0 + 400 + i, src: '203.0.113.5', dst: nth(DARK, i), proto: 'tcp', dport: 23, ipId: 54321 });
  }
  // A's later burst: 600 s after A ended, 50 addresses.
  for (let i = 0; i < 50; i++) out.push({ ts: T0 + 1423 + 600 + i, src: '203.0.113.5', dst: nth(DARK, 2000 + i), proto: 'tcp', dport: 23, ipId: 54321 });
  // B: masscan (IP ID = dst ^ dport ^ seq), ports 1..200 on 3 addresses, 10 probes a second.
  for (let k = 0; k < 600; k++) {
    const dport = 1 + (k % 200);
    const dst = nth(DARK, 4000 + Math.floor(k / 200));
    out.push({ ts: T0 + 3000 + Math.floor(k / 10), src: '203.0.113.9', dst, proto: 'tcp', dport, seq: 7, ipId: (ip4n(dst) ^ dport ^ 7) & 0xffff });
  }
  // C: Mirai (sequence number = destination), 23 and 2323 alternately, 150 addresses each.
  for (let k = 0; k < 300; k++) {
    const dst = nth(DARK, 100 + Math.floor(k / 2));
    out.push({ ts: T0 + 5000 + k, src: '203.0.113.20', dst, proto: 'tcp', dport: k % 2 === 0 ? 23 : 2323, seq: ip4n(dst), ipId: 77 });
  }
  // D: SYN flood backscatter from 192.0.2.80:80, 5 SYN-ACKs a second for 600 s, 3000 addresses.
  for (let i = 0; i < 3000; i++) {
    out.push({ ts: T1 + Math.floor(i / 5), src: '192.0.2.80', dst: nth(DARK, (i * 7) % DARKNET_SIZE), proto: 'tcp', sport: 80, dport: 1024 + i, flags: SYN_ACK });
  }
  // E: 20 RSTs from another host, one a minute: below every DoS threshold.
  for (let i = 0; i < 20; i++) out.push({ ts: T1 + 3600 + i * 60, src: '192.0.2.99', dst: nth(DARK, i), proto: 'tcp', sport: 443, dport: 5000, flags: 0x14 });
  return out;
}

let db: TestDatabase;
let dir: TempDir;
let files: string[];
let ctx: QueryContext;

async function ingest(): Promise<void> {
  await ingestFiles(db.store, files, { sensor: 's1', batchRows: 250 });
}

beforeAll(async () => {
  db = await freshDatabase('query_events', { create: false });
  await migrate(db.store);
  await saveSensorDarknets(db.store, 's1', ['198.18.0.0/20']);
  dir = await tempDir('events');
  files = await writeProbeFiles(dir.path, 'events', probes(), [700, 1500, 2600, 4000]);
  await ingest();
  ctx = queryContext(loadConfig({}), db.store, { now: () => D + 2 * 86_400 });
}, 180_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

function brief(e: ScanEvent): unknown {
  return [e.type, e.source, e.portLabel, e.portCount, e.start, e.end, e.packets, e.addresses, e.tool];
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

describe('scan events', () => {
  it('finds each scan once, whole across files and batches, with its type, size and tool', async () => {
    const r = await scanEvents(ctx, { range: DAY, filters: {} });
    expect(r.events.map(brief)).toEqual([
      ['horizontal', '203.0.113.5', '23/TCP', 1, iso(T0), iso(T0 + 1423), 1024, 1024, 'zmap'],
      ['vertical', '203.0.113.9', '1/TCP +199', 200, iso(T0 + 3000), iso(T0 + 3059), 600, 3, 'masscan'],
      ['horizontal', '203.0.113.20', '23/TCP', 1, iso(T0 + 5000), iso(T0 + 5298), 150, 150, 'mirai'],
      ['horizontal', '203.0.113.20', '2323/TCP', 1, iso(T0 + 5001), iso(T0 + 5299), 150, 150, 'mirai'],
      ['strobe', '203.0.113.20', '23/TCP +1', 2, iso(T0 + 5000), iso(T0 + 5299), 300, 150, 'mirai'],
    ].sort((a, b) => (String(a[4]) < String(b[4]) ? -1 : String(a[4]) > String(b[4]) ? 1 : 0)));
    expect(r.params).toEqual({ expirySec: 480, minAddresses: 100, strobeMinPorts: 2, verticalMinPorts: 10 });
  });

  it('reports rate, IPv4 rate and coverage from the darknet size', async () => {
    const r = await scanEvents(ctx, { range: DAY, filters: { port: 23, tool: 'zmap' } });
    expect(r.events).toHaveLength(1);
    const a = r.events[0]!;
    expect(a.durationSec).toBe(1423);
    expect(a.rate).toBeCloseTo(1024 / 1423, 10);
    expect(a.ipv4Rate).toBeCloseTo((1024 / 1423) * (2 ** 32 / DARKNET_SIZE), 4);
    expect(a.ipv4Coverage).toBe(0.25);
    expect(a.ports).toEqual([23]);
    expect(a.sensor).toBe('s1');
  });

  it('applies the expiry, the size threshold, the type, port and range filters', async () => {
    // An expiry of 300 s splits A at its 401 s pause: two halves of 512 addresses.
    const split = await scanEvents(ctx, { range: DAY, filters: { port: 23, tool: 'zmap' }, expirySec: 300 });
    expect(split.events.map((e) => [e.start, e.end, e.addresses])).toEqual([[iso(T0), iso(T0 + 511), 512], [iso(T0 + 912), iso(T0 + 1423), 512]]);
    // 50 addresses are enough for A's later burst.
    const small = await scanEvents(ctx, { range: DAY, filters: { port: 23, tool: 'zmap' }, minAddresses: 50 });
    expect(small.events.map((e) => e.addresses)).toEqual([1024, 50]);
    const big = await scanEvents(ctx, { range: DAY, filters: {}, minAddresses: 1000, types: ['horizontal'] });
    expect(big.events.map((e) => e.source)).toEqual(['203.0.113.5']);
    const port2323 = await scanEvents(ctx, { range: DAY, filters: { port: 2323 } });
    expect(port2323.events.map((e) => [e.type, e.portLabel])).toEqual([['strobe', '23/TCP +1'], ['horizontal', '2323/TCP']]);
    const vertical = await scanEvents(ctx, { range: DAY, filters: {}, types: ['vertical'] });
    expect(vertical.events.map((e) => e.source)).toEqual(['203.0.113.9']);
    // Events starting in the range only: A started before 10:10 and is left out; B's ports include 23.
    const later = await scanEvents(ctx, { range: { from: T0 + 600, to: D + 86_400 }, filters: { port: 23 } });
    expect(later.events.map((e) => [e.type, e.source])).toEqual([['vertical', '203.0.113.9'], ['horizontal', '203.0.113.20'], ['strobe', '203.0.113.20']]);
    const udp = await scanEvents(ctx, { range: DAY, filters: { proto: 17 } });
    expect(udp.events).toEqual([]);
  });

  it('refuses an expiry shorter than a bucket and filters it cannot apply', async () => {
    await expect(scanEvents(ctx, { range: DAY, filters: {}, expirySec: 30 })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_REQUEST' });
    await expect(scanEvents(ctx, { range: DAY, filters: { country: 'JP' } })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_REQUEST' });
  });
});

describe('DoS attacks', () => {
  it('finds the SYN flood with its rates, ports and addresses', async () => {
    const r = await dosAttacks(ctx, { range: DAY, filters: {} });
    expect(r.params).toEqual({ timeoutSec: 300, minPackets: 25, minDurationSec: 60, minPeakPerMinute: 30 });
    expect(r.attacks).toHaveLength(1);
    const a = r.attacks[0]!;
    expect([a.victim, a.proto, a.ports, a.start, a.end, a.durationSec, a.packets, a.addresses]).toEqual(
      ['192.0.2.80', 6, [80], iso(T1), iso(T1 + 599), 599, 3000, 3000]);
    expect(a.peakRate).toBe(5);
    expect(a.meanRate).toBeCloseTo(3000 / 599, 10);
    expect(a.victimRate).toBeCloseTo((3000 / 599) * 2 ** 20, 3);
  });

  it('applies thresholds and filters', async () => {
    // The trickle's packets are 60 s apart: a 60 s timeout keeps them together (no gap is longer).
    const trickle = await dosAttacks(ctx, { range: DAY, filters: {}, minPackets: 1, minDurationSec: 0, minPeakPerMinute: 1, timeoutSec: 60 });
    expect(trickle.attacks.map((a) => [a.victim, a.packets, a.durationSec, a.peakRate])).toEqual([['192.0.2.80', 3000, 599, 5], ['192.0.2.99', 20, 1140, 1 / 60]]);
    const port443 = await dosAttacks(ctx, { range: DAY, filters: { port: 443 }, minPackets: 20, minDurationSec: 0, minPeakPerMinute: 1 });
    expect(port443.attacks.map((a) => [a.victim, a.packets, a.ports])).toEqual([['192.0.2.99', 20, [443]]]);
    // Its busiest minute has one packet: below corsaro's 30 a minute.
    expect((await dosAttacks(ctx, { range: DAY, filters: { port: 443 }, minPackets: 20, minDurationSec: 0 })).attacks).toEqual([]);
    expect((await dosAttacks(ctx, { range: DAY, filters: { port: 81 } })).attacks).toEqual([]);
    await expect(dosAttacks(ctx, { range: DAY, filters: { tool: 'zmap' } })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_REQUEST' });
  });
});

describe('scan events per port and day', () => {
  it('counts horizontal events by the day they start', async () => {
    const r = await scanEventCounts(ctx, { range: DAY, filters: {} });
    expect(r.days).toEqual([
      { day: '2024-06-03', proto: 6, port: 23, label: '23/TCP', events: 2, sources: 2 },
      { day: '2024-06-03', proto: 6, port: 2323, label: '2323/TCP', events: 1, sources: 1 },
    ]);
    expect((await scanEventCounts(ctx, { range: DAY, filters: { tool: 'mirai' }, portsPerDay: 1 })).days.map((d) => d.label)).toEqual(['23/TCP']);
  });
});

describe('CLI', () => {
  const store = () => ['--clickhouse-url', db.url, '--database', db.name];
  const range = ['--from', '2024-06-03', '--to', '2024-06-04'];

  it('scans and dos in every format', async () => {
    const json = await runCli(['scans', ...range, '--port', '23/tcp', '--tool', 'zmap', '--format', 'json', ...store()]);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(await scanEvents(ctx, { range: DAY, filters: { proto: 6, port: 23, tool: 'zmap' } }));
    const table = await runCli(['scans', ...range, '--type', 'vertical', '--type', 'strobe', ...store()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Scan events starting 2024-06-03 00:00:00 – 2024-06-04 00:00:00 UTC: 2');
    expect(table.stdout).toMatch(/vertical +203\.0\.113\.9 +1\/TCP \+199 +600 +3 /);
    const csv = await runCli(['scans', ...range, '--min-addresses', '1000', '--format', 'csv', ...store()]);
    expect(csv.stdout.split('\r\n')[1]).toMatch(/^2024-06-03T10:00:00Z,2024-06-03T10:23:43Z,horizontal,203\.0\.113\.5,23\/TCP,1,1024,1024,/);
    const md = await runCli(['scans', ...range, '--expiry', '300', '--port', '23', '--tool', 'zmap', '--format', 'md', ...store()]);
    expect(md.stdout.split('\n').filter((l) => l.includes('203.0.113.5'))).toHaveLength(2);
    const dos = await runCli(['dos', ...range, ...store()]);
    expect(dos.stdout).toContain('DoS attacks (from backscatter) starting 2024-06-03 00:00:00 – 2024-06-04 00:00:00 UTC: 1');
    expect(dos.stdout).toMatch(/192\.0\.2\.80 +6 +80 +3,000 +3,000 /);
    const dosJson = await runCli(['dos', ...range, '--min-packets', '20', '--min-peak-per-minute', '1', '--timeout', '120', '--format', 'json', ...store()]);
    expect((JSON.parse(dosJson.stdout) as { attacks: unknown[] }).attacks).toHaveLength(2);
    const bad = await runCli(['scans', ...range, '--expiry', '5', ...store()]);
    expect(bad.code).toBe(2);
  });

  it('report shows scan events per port and day', async () => {
    const page = await runCli(['report', ...range, ...store()]);
    expect(page.code).toBe(0);
    expect(page.stdout).toContain('Scan events per port and day: horizontal scans of >= 100 darknet addresses, 480 s expiry');
    expect(page.stdout).toMatch(/2024-06-03 +23\/TCP +2 +2\n/);
    const md = await runCli(['report', ...range, '--class', 'scan', '--format', 'md', ...store()]);
    expect(md.stdout).toContain('(filters class not applied');
    expect(md.stdout).toContain('| 2024-06-03 | 2323/TCP | 1 | 1 |');
    const json = await runCli(['report', ...range, '--format', 'json', ...store()]);
    expect((JSON.parse(json.stdout) as { scanEvents: unknown }).scanEvents).toEqual(await scanEventCounts(ctx, { range: DAY, filters: {} }));
  });
});

describe('kept whole', () => {
  it('a rerun of the same files changes nothing', async () => {
    const before = [await scanEvents(ctx, { range: DAY, filters: {} }), await dosAttacks(ctx, { range: DAY, filters: {} })];
    await ingest();
    expect([await scanEvents(ctx, { range: DAY, filters: {} }), await dosAttacks(ctx, { range: DAY, filters: {} })]).toEqual(before);
  });

  it('events come from the raw packets: a rollup rebuild leaves them as they were', async () => {
    const ctx = withoutCache(queryContext(loadConfig({}), db.store, { now: () => D + 2 * 86_400 }));
    const before = [await scanEvents(ctx, { range: DAY, filters: {} }), await dosAttacks(ctx, { range: DAY, filters: {} })];
    expect((before[0] as { events: unknown[] }).events.length).toBeGreaterThan(0);
    await rebuildRollups(db.store, { from: '2024-06-03', to: '2024-06-04' });
    expect([await scanEvents(ctx, { range: DAY, filters: {} }), await dosAttacks(ctx, { range: DAY, filters: {} })]).toEqual(before);
  });
});

describe('API', () => {
  it('serves /scans and /dos as JSON and CSV', async () => {
    const app = await buildApp({ config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0' }), store: db.store, logger: createLogger('silent'), now: () => D + 2 * 86_400, defaultMetrics: false });
    try {
      const range = 'from=2024-06-03&to=2024-06-04';
      const scans = await app.inject({ url: `/api/v1/scans?${range}&port=23&proto=tcp&tool=zmap` });
      expect(scans.statusCode).toBe(200);
      expect(scans.json().events.map((e: ScanEvent) => [e.source, e.addresses, e.ipv4Coverage])).toEqual([['203.0.113.5', 1024, 0.25]]);
      const types = await app.inject({ url: `/api/v1/scans?${range}&type=vertical&type=strobe&minAddresses=100` });
      expect(types.json().events.map((e: ScanEvent) => e.type)).toEqual(['vertical', 'strobe']);
      const csv = await app.inject({ url: `/api/v1/scans?${range}&type=vertical&format=csv` });
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\r\n')[1]).toContain('203.0.113.9');
      const dos = await app.inject({ url: `/api/v1/dos?${range}&minPackets=100` });
      expect(dos.json().attacks.map((a: { victim: string; packets: number }) => [a.victim, a.packets])).toEqual([['192.0.2.80', 3000]]);
      const dosCsv = await app.inject({ url: `/api/v1/dos?${range}&format=csv` });
      expect(dosCsv.body).toContain('192.0.2.80');
      const bad = await app.inject({ url: `/api/v1/scans?${range}&expiry=10` });
      expect(bad.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});

