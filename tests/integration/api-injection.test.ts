/**
 * Injection property test against the real server: random strings (quotes,
 * backslashes, NUL, control characters, Unicode, SQL fragments) are stored as
 * a packet's label or sensor, then sent back through the API's filters. The
 * filter must match exactly that row, and the value must come back unchanged.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type DarkscopeApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { dayStart, insertRows, type RawRow } from './helpers/packets.js';

const D = dayStart('2024-03-10');
const ZERO16 = new Uint8Array(16);
let db: TestDatabase;
let app: DarkscopeApp;
let n = 0;
let stored = 0;

function row(sensor: string, label: string, src: number): RawRow {
  stored++;
  return {
    sensor, ts: D + 12 * 3_600, ts_us: 0, ip_version: 4, src, dst: 0xc6336401, src6: ZERO16, dst6: ZERO16, proto: 6, sport: 1234, dport: 23,
    tcp_flags: 2, class: 'scan', tool: 'none', label, country: 'ZZ', asn: 64512, ttl: 64, ip_id: 1, tcp_seq: 1, tcp_window: 1024, tcp_options: 0,
    ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1, batch_key: 1n, record_index: BigInt(n),
  };
}

const nasty = fc.constantFrom(
  "'", '\\', "\\'", "''", '\u0000', '\n', '\r\n', '\t', '\u001b', '\u007f', '`', '"', ';', '--', '/*', '*/', '%', '+', '&', '=', '#', '?',
  "') UNION SELECT name, 1 FROM system.tables --", "' OR 1=1 --", "\\' OR ''='", '{db}', '{x:String}', 'FORMAT JSON', '\u00e9', '\u{1F600}',
  '\u2028', '\ufeff', '\ufffd', '\u{10ffff}', 'research',
);
const text = fc.array(fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'binary-ascii', maxLength: 8 })), { maxLength: 6 })
  .map((xs) => xs.join(''))
  .filter((s) => s.length <= 256);

const q = (params: Record<string, string>) => Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
const RANGE = { from: '2024-03-10', to: '2024-03-11' };

beforeAll(async () => {
  db = await freshDatabase('api_injection', { create: false });
  await migrate(db.store);
  app = await buildApp({
    config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0' }),
    store: db.store,
    logger: createLogger('silent'),
    now: () => D + 86_400,
    defaultMetrics: false,
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.dispose();
});

describe('user values reach ClickHouse only as values', () => {
  it('a label filter matches the stored label exactly and returns it unchanged', async () => {
    // Each run stores a handful of labels in one insert (one sensor each), then reads every one back.
    await fc.assert(fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 6 }), async (labels) => {
      const cases = labels.map((label) => ({ label, sensor: `inj-${++n}` }));
      await insertRows(db.store, cases.map((c, i) => row(c.sensor, c.label, 0x0a000000 + n * 8 + i)));
      for (const { label, sensor } of cases) {
        const r = await app.inject({ url: `/api/v1/sources/top?${q({ ...RANGE, sensor, label })}` });
        expect(r.statusCode, r.body).toBe(200);
        const body = r.json() as { filters: { label: string }; sources: Array<{ label: string; packets: number }> };
        expect(body.filters.label).toBe(label);
        expect(body.sources).toHaveLength(1);
        expect(body.sources[0].label).toBe(label);
        expect(body.sources[0].packets).toBe(1);
        const excluded = await app.inject({ url: `/api/v1/ports/top?${q({ ...RANGE, sensor, excludeLabel: label })}` });
        expect(excluded.statusCode).toBe(200);
        expect((excluded.json() as { ports: unknown[] }).ports).toEqual([]);
        const other = await app.inject({ url: `/api/v1/ports/top?${q({ ...RANGE, sensor, label: `${label}x` })}` });
        expect((other.json() as { ports: unknown[] }).ports).toEqual([]);
      }
    }), { numRuns: 25 });
  }, 120_000);

  it('a sensor name comes back unchanged through the summary', async () => {
    await fc.assert(fc.asyncProperty(fc.array(text.filter((s) => s.length < 250), { minLength: 1, maxLength: 6 }), async (names) => {
      const sensors = names.map((name) => `${name}\u0001${++n}`);
      await insertRows(db.store, sensors.map((sensor, i) => row(sensor, '', 0x0b000000 + n * 8 + i)));
      for (const sensor of sensors) {
        const r = await app.inject({ url: `/api/v1/summary?${q({ ...RANGE, sensor })}` });
        expect(r.statusCode, r.body).toBe(200);
        const body = r.json() as { totals: { packets: number }; darknet: { sensors: string[] }; filters: { sensor: string } };
        expect(body.totals.packets).toBe(1);
        expect(body.darknet.sensors).toEqual([sensor]);
        expect(body.filters.sensor).toBe(sensor);
      }
    }), { numRuns: 15 });
  }, 120_000);

  it('SQL in other parameters is refused by validation or matches nothing', async () => {
    const probes = [
      `/api/v1/ports/top?${q({ ...RANGE, proto: "6 OR 1=1" })}`,
      `/api/v1/ports/top?${q({ ...RANGE, country: "' OR" })}`,
      `/api/v1/ports/top?${q({ ...RANGE, asn: '1; DROP TABLE packets' })}`,
      `/api/v1/ports/top?${q({ from: "2024-03-10' OR '1'='1", to: '2024-03-11' })}`,
      `/api/v1/sources/${encodeURIComponent("1.2.3.4' OR 1=1 --")}`,
      `/api/v1/ports/${encodeURIComponent("6) OR (1")}/23/series`,
    ];
    for (const url of probes) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(400);
    }
    // Nothing was dropped or rewritten along the way: every stored row is still counted.
    const total = await app.inject({ url: `/api/v1/ports/top?${q(RANGE)}` });
    expect((total.json() as { total: { packets: number } }).total.packets).toBe(stored);
  });
});
