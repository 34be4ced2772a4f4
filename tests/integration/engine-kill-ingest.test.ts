/**
 * The embedded engine process killed with SIGKILL in the middle of an
 * ingest, on a store of its own. chdb commits an insert's raw part before
 * its materialized views' parts, so a kill can leave raw rows without their
 * rollup rows (seen in 4 of 6 kills when measured). The supervisor restarts
 * the engine on the same port; the ingest retries, finds what is already
 * stored, verifies the rollups of those days and rebuilds them from raw when
 * they differ. At the end raw holds every packet once and every rollup
 * equals raw; a rerun of the same capture stores nothing more.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient, type StoreClient } from '../../src/store/client.js';
import { ensureEmbeddedEngine, stopEmbeddedEngine } from '../../src/store/embedded/embedded-engine.js';
import { migrate } from '../../src/store/migrate.js';
import { testDatabaseName } from './helpers/db.js';
import { ingestFiles } from './helpers/in-process-ingest.js';
import { expectExactlyStored, rawCount, synthCapture, tempDir, waitFor, type TempDir } from './helpers/ingest.js';
import { dayStart } from './helpers/packets.js';

const BATCH_ROWS = 20_000;
const RETRY = { baseDelayMs: 100, maxDelayMs: 1_000, giveUpAfterMs: 120_000 };

let dir: TempDir;
let store: StoreClient;
const engineDir = () => join(dir.path, 'engine');
const enginePid = (): number => (JSON.parse(readFileSync(join(engineDir(), 'state.json'), 'utf8')) as { enginePid: number }).enginePid;

beforeAll(async () => {
  dir = await tempDir('engine-kill');
  const engine = await ensureEmbeddedEngine({ dir: engineDir(), emptyPassword: true });
  store = createStoreClient({ url: engine.url, database: testDatabaseName('engine_kill') });
  await migrate(store);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await stopEmbeddedEngine(engineDir());
  await dir?.remove();
});

describe('embedded engine killed during an ingest', () => {
  const SENSOR = 'kill';
  const PACKETS = 200_000;

  it('raw holds every packet once and rollups equal raw, after two kills and a rerun', async () => {
    const capture = await synthCapture(dir.path, 'kill.pcap', { packets: PACKETS, seed: 31, startSec: dayStart('2024-07-05') + 3600, durationSec: 4 * 3600 });
    const run = ingestFiles(store, [capture.path], { sensor: SENSOR, batchRows: BATCH_ROWS, maxInFlight: 2, retry: RETRY });
    run.catch(() => undefined);
    for (const atLeast of [1, 5]) {
      // Kill the moment raw shows the batch: its views are likely still being written.
      // (While the engine restarts after the first kill, the probe's own queries fail: ask again.)
      await waitFor(`batch ${atLeast} in raw`, async () => ((await rawCount(store, SENSOR).catch(() => 0)) >= atLeast * BATCH_ROWS ? true : undefined), { timeoutMs: 60_000, intervalMs: 10 });
      process.kill(enginePid(), 'SIGKILL');
    }
    const s = await run;
    expect(s.retries).toBeGreaterThan(0);
    expect(s.stored + s.alreadyStored).toBe(PACKETS);
    await expectExactlyStored(store, SENSOR, PACKETS);

    const again = await ingestFiles(store, [capture.path], { sensor: SENSOR, batchRows: BATCH_ROWS, maxInFlight: 2, retry: RETRY });
    expect(again.stored).toBe(0);
    await expectExactlyStored(store, SENSOR, PACKETS);
  }, 240_000);
});
