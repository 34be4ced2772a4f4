/**
 * Every route end to end through app.inject() on a real database: known
 * answers in JSON, the same tables as CSV, readiness, and `darkscope serve`
 * listening on a real socket and shutting down cleanly.
 *
 * Data (2024-03-10, sensor s1): 203.0.113.1 sends 6 packets to 23/TCP at
 * 10:00..10:05 (CN, mirai); 192.0.2.10 (label research) sends 4 to 443/TCP at
 * 11:00..11:03 (US); 2001:db8::5 sends 2 to 53/UDP at 12:00, 12:01 (JP).
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type DarkscopeApp } from '../../src/api/app.js';
import { runServe } from '../../src/cli/commands/serve.js';
import { loadConfig } from '../../src/config.js';
import { parseIPv4, parseIPv6 } from '../../src/net/ip-parse.js';
import { createLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { dayStart, insertRows, type RawRow } from './helpers/packets.js';

const D = dayStart('2024-03-10');
const ZERO16 = new Uint8Array(16);
let db: TestDatabase;
let app: DarkscopeApp;

function row(o: Partial<RawRow> & { ts: number }, i: number): RawRow {
  return {
    sensor: 's1', ts_us: 0, ip_version: 4, src: 0, dst: 0xc6336401 + i, src6: ZERO16, dst6: ZERO16, proto: 6, sport: 1234, dport: 23,
    tcp_flags: 2, class: 'scan', tool: 'none', label: '', country: '', asn: 0, ttl: 64, ip_id: 1, tcp_seq: 1, tcp_window: 1024, tcp_options: 0,
    ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1, batch_key: 1n, record_index: BigInt(i), ...o,
  };
}

function seed(): RawRow[] {
  const out: RawRow[] = [];
  for (let i = 0; i < 6; i++) out.push(row({ ts: D + 10 * 3600 + i * 60, src: parseIPv4('203.0.113.1')!, tool: 'mirai', country: 'CN', asn: 4134 }, out.length));
  for (let i = 0; i < 4; i++) out.push(row({ ts: D + 11 * 3600 + i * 60, src: parseIPv4('192.0.2.10')!, dport: 443, label: 'research', country: 'US', asn: 396982 }, out.length));
  for (let i = 0; i < 2; i++) {
    out.push(row({ ts: D + 12 * 3600 + i * 60, ip_version: 6, src6: parseIPv6('2001:db8::5')!, dst6: parseIPv6('2001:db8:1::1')!, proto: 17, dport: 53, class: 'other', country: 'JP', asn: 2497 }, out.length));
  }
  return out;
}

beforeAll(async () => {
  db = await freshDatabase('api_routes', { create: false });
  await migrate(db.store);
  await insertRows(db.store, seed());
  app = await buildApp({ config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0' }), store: db.store, logger: createLogger('silent'), now: () => D + 86_400, defaultMetrics: false });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.dispose();
});

const RANGE = 'from=2024-03-10&to=2024-03-11';

describe('routes', () => {
  it('GET /api/v1/summary', async () => {
    const r = await app.inject({ url: `/api/v1/summary?${RANGE}&excludeLabel=research` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      range: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' }, grain: 'hour',
      totals: { packets: 8, bytes: 320, sources: 2, destinations: 7 }, research: { packets: 4, share: 4 / 12 },
      topPorts: { ports: [{ rank: 1, label: '23/TCP', packets: 6, sources: 1 }, { rank: 2, label: '53/UDP', packets: 2 }], share: 1, otherShare: 0 },
      topCountries: [{ country: 'CN', sources: 1, packets: 6 }, { country: 'JP', sources: 1, packets: 2 }],
    });
    const csv = await app.inject({ url: `/api/v1/summary?${RANGE}&format=csv` });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n').slice(0, 2)).toEqual(['section,key,packets,share,sources', 'total,all,12,1,3']);
  });

  it('GET /api/v1/ports/top (JSON and CSV)', async () => {
    const r = await app.inject({ url: `/api/v1/ports/top?${RANGE}&by=sources&limit=2` });
    expect((r.json() as { ports: Array<{ label: string }> }).ports.map((p) => p.label)).toEqual(['23/TCP', '443/TCP']);
    const csv = await app.inject({ url: `/api/v1/ports/top?${RANGE}&format=csv` });
    expect(csv.body.split('\r\n')[1]).toBe('1,23/TCP,6,23,telnet,6,0.5,1,6,240,Telnet: default-credential logins by Mirai and its variants');
  });

  it('GET /api/v1/ports/{proto}/{port}/series (zero-filled)', async () => {
    const r = await app.inject({ url: `/api/v1/ports/tcp/23/series?from=2024-03-10T09:58:00Z&to=2024-03-10T10:08:00Z&interval=1m` });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { interval: string; rank: number; points: Array<{ packets: number }> };
    expect(body.interval).toBe('1m');
    expect(body.rank).toBe(1);
    expect(body.points.map((p) => p.packets)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 0, 0]);
    const csv = await app.inject({ url: `/api/v1/ports/6/23/series?${RANGE}&interval=1h&format=csv` });
    expect(csv.body.split('\r\n').slice(10, 12)).toEqual(['2024-03-10T09:00:00Z,0,0', '2024-03-10T10:00:00Z,6,1']);
  });

  it('GET /api/v1/sources/top and /api/v1/sources/{ip}', async () => {
    const top = await app.inject({ url: `/api/v1/sources/top?${RANGE}&port=23&proto=tcp` });
    expect(top.json()).toMatchObject({ sources: [{ rank: 1, ip: '203.0.113.1', packets: 6, tools: ['mirai'], country: 'CN', asn: 4134 }] });
    const csv = await app.inject({ url: `/api/v1/sources/top?${RANGE}&format=csv` });
    expect(csv.body.split('\r\n')[3]).toMatch(/^3,2001:db8::5,2,1,1,2024-03-10T12:00:00Z,2024-03-10T12:01:00Z,0,0,2,,JP,2497,$/);
    const v6 = await app.inject({ url: `/api/v1/sources/${encodeURIComponent('2001:db8::5')}?${RANGE}` });
    expect(v6.json()).toMatchObject({ ip: '2001:db8::5', ipVersion: 6, found: true, totals: { packets: 2 }, ports: [{ label: '53/UDP', packets: 2 }] });
  });

  it('GET /api/v1/trends', async () => {
    const r = await app.inject({ url: '/api/v1/trends?to=2024-03-11&baselineDays=7&minPackets=1&minSources=1' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ grain: 'day', newPorts: [{ label: '23/TCP' }, { label: '443/TCP' }, { label: '53/UDP' }], spikes: [] });
    const csv = await app.inject({ url: '/api/v1/trends?to=2024-03-11&baselineDays=7&minPackets=1&minSources=1&format=csv' });
    expect(csv.body.split('\r\n')[1]).toMatch(/^new,1,23\/TCP,6,23,telnet,6,1,6,0,0,0,,6,new$/);
  });

  it('readiness and metrics with a real server', async () => {
    expect((await app.inject({ url: '/healthz/ready' })).json()).toEqual({ status: 'ready', clickhouse: 'ok' });
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/darkscope_clickhouse_query_duration_seconds_count\{query="summary\.totals",outcome="ok"\} \d+/);
  });
});

describe('darkscope serve', () => {
  it('listens, answers, and shuts down in order on the stop signal', async () => {
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (c: Buffer) => { log += c.toString(); });
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
    let url = '';
    let exit: number | undefined;
    const listening = new Promise<void>((resolve) => {
      void runServe({ env: { HOME: '/nonexistent', DARKSCOPE_LOG_LEVEL: 'warn' }, stdout: new PassThrough(), stderr, stdin: (async function* () {})(), isTTY: false },
        { clickhouseUrl: db.url, database: db.name, port: '0' },
        { stopSignal, onListening: (u) => { url = u; resolve(); } }).then((code) => { exit = code; });
    });
    await listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(log).toContain(`darkscope API on ${url} (database ${db.name})`);
    expect(await (await fetch(`${url}/healthz/ready`)).json()).toEqual({ status: 'ready', clickhouse: 'ok' });
    const top = await fetch(`${url}/api/v1/ports/top?${RANGE}`);
    expect(top.status).toBe(200);
    stop();
    await expect.poll(() => exit, { timeout: 10_000 }).toBe(0);
    await expect(fetch(`${url}/healthz/live`)).rejects.toThrow();
  });
});
