/**
 * Alerts follow the data: `darkscope serve --alerts` (interval 1s, a spike
 * rule, a local webhook receiver) runs while `darkscope ingest --watch`
 * follows a spool directory. Four weeks of quiet 23/TCP baseline are in the
 * store; a capture holding a 23/TCP spike over the last whole hours is then
 * written into the spool. The webhook must receive the firing notification
 * for 23/tcp without anything else being run: the watcher stores the file
 * once it is quiet, and the next evaluation lists the port.
 *
 * The windows are aligned to the real clock (serve evaluates at "now"), so
 * the data is placed relative to the last whole hour.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alerts/notification.js';
import { runServe } from '../../src/cli/commands/serve.js';
import type { CliContext } from '../../src/cli/context.js';
import { migrate } from '../../src/store/migrate.js';
import { writePcap, type TestPacket } from '../helpers/capture-writer.js';
import { ethernet, ipv4, tcp } from '../helpers/frames.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { spawnBin, storeEnv, type SpawnedBin } from './helpers/ingest.js';
import { DAY, insertRows, type RawRow } from './helpers/packets.js';
import { receiver, type Receiver } from './helpers/webhook-receiver.js';

const SENSOR = 'live';
const ZERO16 = new Uint8Array(16);
const lastHour = Math.floor(Date.now() / 1000 / 3600) * 3600;
/** The recent window: the 24 whole hours before the last whole hour (align: hour, recentDays 1). */
const recentStart = lastHour - DAY;

let db: TestDatabase;
let dir: string;
let hook: Receiver;

/** Day i of the 28-day baseline before the recent window: a quiet 23/TCP, 100-120 packets from 20-24 sources. */
function baseline(): RawRow[] {
  const out: RawRow[] = [];
  let seq = 0;
  for (let i = 0; i < 28; i++) {
    const n = 100 + ((7 * i) % 21);
    const sources = 20 + (i % 5);
    const t0 = recentStart - (28 - i) * DAY + 3_600;
    for (let j = 0; j < n; j++) {
      out.push({
        sensor: SENSOR, ts: t0 + j, ts_us: 0, ip_version: 4, src: 0x0a000000 + (j % sources), dst: 0xc6336400 + (j % 50), src6: ZERO16, dst6: ZERO16,
        proto: 6, sport: 50000, dport: 23, tcp_flags: 2, class: 'scan', tool: 'none', label: '', country: 'CN', asn: 4134, ttl: 64, ip_id: 1,
        tcp_seq: 1, tcp_window: 1024, tcp_options: 0, ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1,
        batch_key: 1n, record_index: BigInt(seq++),
      });
    }
  }
  return out;
}

/** The spike: 1 500 SYNs to 23/TCP from 300 sources to 200 darknet addresses, two hours before the last whole hour. */
function spikeCapture(): Buffer {
  const packets: TestPacket[] = [];
  for (let j = 0; j < 1_500; j++) {
    const src = `11.0.${Math.floor((j % 300) / 256)}.${(j % 300) % 256}`;
    const dst = `198.51.100.${j % 200}`;
    packets.push({ tsSec: lastHour - 2 * 3_600 + j, tsFrac: 0, data: ethernet(ipv4(tcp({ sport: 40000 + (j % 1000), dport: 23, flags: 0x02 }), { src, dst, ttl: 50, id: j })) });
  }
  return writePcap(packets);
}

beforeAll(async () => {
  db = await freshDatabase('watch_alerts', { create: false });
  await migrate(db.store);
  await insertRows(db.store, baseline(), 10_000);
  dir = await mkdtemp(join(tmpdir(), 'darkscope-watch-alerts-'));
  hook = await receiver();
}, 60_000);

afterAll(async () => {
  await hook?.close();
  await db?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('alerts follow a watched directory', () => {
  it('a spike written into the spool fires the webhook within the alert interval plus the quiet time', async () => {
    const spool = join(dir, 'spool');
    await mkdir(spool);
    const alerts = join(dir, 'alerts.yaml');
    await writeFile(alerts, [
      'interval: 1s',
      'targets:',
      `  - {name: hook, type: webhook, url: "${hook.url}", retries: 0}`,
      'rules:',
      `  - {name: port-spike, kind: spike, filters: {sensor: ${SENSOR}}}`,
      '',
    ].join('\n'));
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (c: Buffer) => { log += c.toString(); });
    const ctx: CliContext = { env: { HOME: '/nonexistent', DARKSCOPE_LOG_LEVEL: 'warn', DARKSCOPE_API_RATE_LIMIT: '0' }, stdout: new PassThrough(), stderr, stdin: (async function* () {})(), isTTY: false };
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
    let serveExit: number | undefined;
    await new Promise<void>((resolve, reject) => {
      runServe(ctx, { clickhouseUrl: db.url, database: db.name, port: '0', alerts }, { stopSignal, onListening: () => resolve() })
        .then((code) => { serveExit = code; }, reject);
    });
    let watcher: SpawnedBin | null = null;
    try {
      watcher = spawnBin(['ingest', '--watch', '--sensor', SENSOR, '--quiet-ms', '1000', '--poll-ms', '300', spool], storeEnv(db));
      // Some evaluations over the baseline alone: nothing fires.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(hook.received, log).toEqual([]);
      const written = performance.now();
      await writeFile(join(spool, 'spike.pcap'), spikeCapture());
      await expect.poll(() => hook.received.length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(0);
      const firing = JSON.parse(hook.received[0].raw) as Notification;
      expect(firing).toMatchObject({ event: 'firing', alert: { rule: 'port-spike', port: 23, proto: 6 } });
      const seconds = (hook.received[0].at - written) / 1000;
      // Not a timing assertion: the figure is for the reader (quiet time 1 s + interval 1 s + one evaluation).
      console.log(`watch-alerts: webhook ${seconds.toFixed(1)} s after the spike file was written`);
    } finally {
      watcher?.child.kill('SIGTERM');
      const exit = await watcher?.exited;
      stop();
      await expect.poll(() => serveExit, { timeout: 15_000 }).toBe(0);
      expect(exit?.code, exit?.stderr.slice(-1000)).toBe(0);
    }
  }, 90_000);
});
