/**
 * One capture, two engines, one answer: the same captures ingested through
 * darkscope's embedded ClickHouse (26.x) and through the suite's ClickHouse
 * server (18.16 here) give identical `darkscope report --format json`, and
 * the same top ports and trends through the other report formats.
 *
 * Runs in the integration-server project only (`npm run test:full`): it
 * needs the server and starts an embedded engine of its own beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEmbeddedEngine, stopEmbeddedEngine } from '../../src/store/embedded/embedded-engine.js';
import { col } from '../../src/store/row-decoders.js';
import { createStoreClient } from '../../src/store/client.js';
import { sql } from '../../src/store/sql.js';
import { runCli } from '../helpers/run-cli.js';
import { dropTestDatabase, freshDatabase, testDatabaseName, type TestDatabase } from './helpers/db.js';
import { synthCapture, tempDir, type SynthFile, type TempDir } from './helpers/ingest.js';
import { DAY, dayStart } from './helpers/packets.js';
import { TEST_SERVER_TIMEZONE } from './global-setup-server.js';

const START = dayStart('2024-05-06');
let dir: TempDir;
let engineDir: TempDir;
let server: TestDatabase;
let embeddedUrl: string;
const embeddedDb = testDatabaseName('same_report');
let captures: SynthFile[];

beforeAll(async () => {
  dir = await tempDir('same-report');
  engineDir = await tempDir('same-report-engine');
  const engine = await ensureEmbeddedEngine({ dir: engineDir.path, emptyPassword: true, env: { ...process.env, TZ: TEST_SERVER_TIMEZONE } });
  embeddedUrl = engine.url;
  server = await freshDatabase('same_report', { create: false });
  captures = [
    // A week of baseline traffic, then a new exploit wave on a port that was quiet until day 6.
    await synthCapture(dir.path, 'week.pcap', {
      packets: 30_000, seed: 5, startSec: START, durationSec: 7 * DAY, quietPorts: [37215],
      onsets: [{ port: 37215, proto: 'tcp', from: 5 / 7, share: 0.2 }],
    }),
    await synthCapture(dir.path, 'extra.pcap', { packets: 4_000, seed: 6, startSec: START + 2 * DAY, durationSec: DAY, ipv6Share: 0.1, quietPorts: [37215] }),
  ];
}, 180_000);

afterAll(async () => {
  await server?.dispose();
  if (embeddedUrl !== undefined) {
    const store = createStoreClient({ url: embeddedUrl, database: embeddedDb });
    try {
      await dropTestDatabase(store, embeddedDb);
    } finally {
      await store.close();
    }
  }
  if (engineDir !== undefined) await stopEmbeddedEngine(engineDir.path);
  await engineDir?.remove();
  await dir?.remove();
});

const targets = () => [
  { name: 'embedded', args: ['--clickhouse-url', embeddedUrl, '--database', embeddedDb] },
  { name: 'server', args: ['--clickhouse-url', server.url, '--database', server.name] },
];
const range = ['--from', '2024-05-06', '--to', '2024-05-13'];

describe('the same captures on both engines', () => {
  it('store the same packets', async () => {
    for (const t of targets()) {
      const r = await runCli(['ingest', '--sensor', 'both', ...t.args, ...captures.map((c) => c.path)]);
      expect(r.code, `${t.name}: ${r.stderr}`).toBe(0);
    }
    const expected = captures.reduce((n, c) => n + c.truth.packets, 0);
    for (const url of [embeddedUrl, server.url]) {
      const store = createStoreClient({ url, database: url === embeddedUrl ? embeddedDb : server.name });
      try {
        const [row] = await store.query(sql`SELECT count() AS n, uniqExact(src) AS s FROM ${store.table('packets')}`, { n: col.uint64AsNumber, s: col.uint64AsNumber });
        expect(row.n).toBe(expected);
        expect(row.s).toBeGreaterThan(1000);
      } finally {
        await store.close();
      }
    }
  });

  it('give identical report --format json', async () => {
    const [a, b] = await Promise.all(targets().map((t) => runCli(['report', ...range, '--format', 'json', ...t.args])));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const embedded = JSON.parse(a.stdout) as { totals: { packets: number } };
    expect(embedded.totals.packets).toBe(captures.reduce((n, c) => n + c.truth.packets, 0));
    expect(JSON.parse(b.stdout)).toEqual(embedded);
  });

  it('give identical trends: 37215/TCP new on both', async () => {
    const args = ['trends', '--to', '2024-05-13', '--recent-days', '2', '--baseline-days', '5', '--format', 'json'];
    const [a, b] = await Promise.all(targets().map((t) => runCli([...args, ...t.args])));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const embedded = JSON.parse(a.stdout) as { newPorts: Array<{ label?: string; portLabel?: string; port?: number }> };
    expect(JSON.stringify(embedded.newPorts)).toContain('37215');
    expect(JSON.parse(b.stdout)).toEqual(embedded);
  });

  it('give identical reports as a page, Markdown and CSV', async () => {
    for (const format of ['table', 'md', 'csv']) {
      const [a, b] = await Promise.all(targets().map((t) => runCli(['report', ...range, '--format', format, ...t.args])));
      expect(a.code, a.stderr).toBe(0);
      expect(b.stdout, format).toBe(a.stdout);
    }
  });
});
