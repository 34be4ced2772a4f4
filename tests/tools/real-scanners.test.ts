/**
 * Real scanners: captures of zmap and masscan runs made by
 * tests/tools/capture-scanners.sh (inside two private network namespaces
 * joined by a veth pair; nothing leaves them), ingested and found as scan
 * events: zmap -p 23 over a /24 as one horizontal scan of 256 addresses by
 * zmap, masscan -p0-1000 on 3 hosts as one vertical scan of 1001 ports by
 * masscan. Part of `npm run test:full` (project `tools`): needs root and
 * Debian's zmap, masscan, tcpdump and iproute2, and fails (never skips)
 * without them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { queryContext, withoutCache, type QueryContext } from '../../src/query/runner.js';
import { scanEvents } from '../../src/query/scan-events.js';
import { migrate } from '../../src/store/migrate.js';
import { saveSensorDarknets } from '../../src/store/sensors.js';
import { freshDatabase, type TestDatabase } from '../integration/helpers/db.js';
import { ingestFiles } from '../integration/helpers/in-process-ingest.js';
import { tempDir, type TempDir } from '../integration/helpers/ingest.js';

const SCRIPT = fileURLToPath(new URL('./capture-scanners.sh', import.meta.url));
const INSTALL = 'apt-get update && apt-get install -y zmap masscan tcpdump iproute2';

function requireTools(): void {
  const missing = ['zmap', 'masscan', 'tcpdump', 'ip'].filter((t) =>
    spawnSync('bash', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`], { encoding: 'utf8' }).status !== 0);
  if (missing.length > 0) {
    throw new Error(`The real-scanner tests need ${missing.join(', ')}. Install them (as root): ${INSTALL}`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The real-scanner tests need root: they create network namespaces and run zmap and masscan inside them.');
  }
}

let db: TestDatabase;
let dir: TempDir;
let ctx: QueryContext;
let started: number;

beforeAll(async () => {
  requireTools();
  dir = await tempDir('scanners');
  started = Math.floor(Date.now() / 1000);
  const r = spawnSync('bash', [SCRIPT, dir.path], { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`capture-scanners.sh failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  db = await freshDatabase('real_scanners', { create: false });
  await migrate(db.store);
  for (const tool of ['zmap', 'masscan']) {
    await saveSensorDarknets(db.store, tool, ['198.18.0.0/24']);
    await ingestFiles(db.store, [join(dir.path, `${tool}.pcap`)], { sensor: tool });
  }
  ctx = withoutCache(queryContext(loadConfig({}), db.store));
}, 240_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

const range = () => ({ from: started - 60, to: Math.floor(Date.now() / 1000) + 60 });

describe('real zmap and masscan runs', () => {
  it('zmap -p 23 over a /24 is one horizontal scan of 256 addresses by zmap', async () => {
    const r = await scanEvents(ctx, { range: range(), filters: { sensor: 'zmap' } });
    expect(r.events.map((e) => [e.type, e.source, e.portLabel, e.packets, e.addresses, e.tool, e.ipv4Coverage])).toEqual([
      ['horizontal', '198.19.0.1', '23/TCP', 256, 256, 'zmap', 1],
    ]);
  });

  it('masscan -p0-1000 on three hosts is one vertical scan of 1001 ports by masscan', async () => {
    const r = await scanEvents(ctx, { range: range(), filters: { sensor: 'masscan' } });
    expect(r.events.map((e) => [e.type, e.source, e.portCount, e.ports.slice(0, 3), e.packets, e.addresses, e.tool])).toEqual([
      ['vertical', '198.19.0.1', 1001, [0, 1, 2], 3003, 3, 'masscan'],
    ]);
  });
});
