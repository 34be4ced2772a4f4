/**
 * Crash and resume, with the built binary (npm run build first): a 400 000
 * packet capture (40 batches of 10 000) is killed with SIGKILL at four seeded
 * random points, then run to completion; the result must be exact (every
 * packet once, rollups equal raw), and a further run must store nothing.
 * Variants: progress rows lost after a kill; a batch failing after a later one
 * was stored; a rerun with a smaller --max-in-flight; the same file under a
 * second sensor.
 *
 * Seed: DARKSCOPE_TEST_SEED (default below); it is printed with every failure.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DarkscopeError } from '../../src/errors.js';
import { fileIdentity } from '../../src/ingest/file-identity.js';
import { loadProgress } from '../../src/store/ingest-progress.js';
import { migrate } from '../../src/store/migrate.js';
import { sql, sqlString } from '../../src/store/sql.js';
import { runCli } from '../helpers/run-cli.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { ingestFiles, ScriptedWriter, settleWithin } from './helpers/in-process-ingest.js';
import {
  expectExactlyStored, parseIngestSummary, rawCount, rawIntegrity, settledRawCount, spawnBin, storeEnv, synthCapture, tempDir, waitFor,
  type SynthFile, type TempDir,
} from './helpers/ingest.js';
import { dayStart, rng } from './helpers/packets.js';

const SEED = Number(process.env.DARKSCOPE_TEST_SEED ?? 20240501);
const BATCH_ROWS = 10_000;

let db: TestDatabase;
let dir: TempDir;
let random: () => number;

beforeAll(async () => {
  db = await freshDatabase('ingest_resume', { create: false });
  await migrate(db.store); // so count() can be polled from the first moment
  dir = await tempDir('resume');
  random = rng(SEED);
}, 60_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

/** `--max-in-flight 2` (the default, explicit so the environment cannot change it) unless `extra` says otherwise. */
function ingestArgs(sensor: string, path: string, extra: string[] = []): string[] {
  return ['ingest', '--sensor', sensor, '--batch-rows', String(BATCH_ROWS), '--max-in-flight', '2', ...extra, path];
}

async function progressOf(sensor: string, path: string, size: number) {
  const id = await fileIdentity({ name: path, kind: 'file', size }, sensor);
  return loadProgress(db.store, sensor, id.fileId);
}

interface Kill {
  readonly delayMs: number;
  readonly target: number;
  readonly resumedFrom: number;
  readonly storedBefore: number;
  readonly storedAfter: number;
}

/**
 * Spawns an ingest, waits `delayMs`, then until raw holds at least `target`
 * rows (and more than before), and kills it with SIGKILL. Fails if the ingest
 * finished first.
 */
async function killDuring(sensor: string, path: string, target: number, delayMs: number): Promise<{ storedBefore: number; storedAfter: number; stderr: string }> {
  const storedBefore = await rawCount(db.store, sensor);
  const run = spawnBin(ingestArgs(sensor, path), storeEnv(db));
  await sleep(delayMs);
  const seen = await waitFor(`raw rows >= ${target} (seed ${SEED})`, async () => {
    if (run.done()) return 'exited' as const;
    const n = await rawCount(db.store, sensor);
    return n >= target && n > storedBefore ? n : undefined;
  }, { timeoutMs: 60_000, intervalMs: 25 });
  if (seen === 'exited') {
    expect.fail(`the ingest ended before it could be killed (seed ${SEED}, target ${target}): ${(await run.exited).stderr.slice(-500)}`);
  }
  run.child.kill('SIGKILL');
  const exit = await run.exited;
  expect(exit.signal, `seed ${SEED}: not killed (exit ${exit.code}, seen ${seen}, target ${target}): ${exit.stderr.slice(-800)}`).toBe('SIGKILL');
  return { storedBefore, storedAfter: await settledRawCount(db.store, sensor), stderr: exit.stderr };
}

describe('SIGKILL at four random points, then a run to completion', () => {
  const SENSOR = 'killed';
  const PACKETS = 400_000;
  let capture: SynthFile;
  let size: number;

  beforeAll(async () => {
    // 06:00 UTC + 24 h: 300 000 packets on the first day, 100 000 on the second.
    capture = await synthCapture(dir.path, 'killed.pcap', { packets: PACKETS, seed: 11, startSec: dayStart('2024-05-01') + 6 * 3600, durationSec: 86_400 });
    size = (await stat(capture.path)).size;
  }, 60_000);

  it('ends with every packet stored once and rollups equal to raw', async () => {
    const kills: Kill[] = [];
    for (let k = 0; k < 4; k++) {
      const target = Math.floor(PACKETS * (0.1 + 0.2 * k + 0.12 * random()));
      const delayMs = Math.floor(random() * 300);
      const progress = await progressOf(SENSOR, capture.path, size);
      const resumedFrom = progress?.nextRecord ?? 0;
      const { storedBefore, storedAfter, stderr } = await killDuring(SENSOR, capture.path, target, delayMs);
      kills.push({ delayMs, target, resumedFrom, storedBefore, storedAfter });
      const ctx = `seed ${SEED}, kills ${JSON.stringify(kills)}`;
      // A resumed run starts at the saved record, never before what progress says is stored.
      expect(stderr, ctx).toContain(resumedFrom > 0 ? `${capture.path}: resuming at record ${resumedFrom}` : `${capture.path}: reading`);
      expect(storedAfter, ctx).toBeLessThan(PACKETS);
      expect(storedAfter, ctx).toBeGreaterThanOrEqual(target);
      const integrity = await rawIntegrity(db.store, SENSOR);
      expect(integrity, ctx).toEqual({ rows: storedAfter, distinctRecords: storedAfter, distinctFileRecords: storedAfter });
      // Progress never claims more than is stored, and lags by at most max-in-flight (2) batches.
      const after = await progressOf(SENSOR, capture.path, size);
      expect(after?.nextRecord ?? 0, ctx).toBeLessThanOrEqual(storedAfter);
      expect(storedAfter - (after?.nextRecord ?? 0), ctx).toBeLessThanOrEqual(2 * BATCH_ROWS);
    }

    const before = await rawCount(db.store, SENSOR);
    const progress = await progressOf(SENSOR, capture.path, size);
    const resumeAt = progress?.nextRecord ?? 0;
    expect(resumeAt).toBeGreaterThan(0);
    const fin = await spawnBin(ingestArgs(SENSOR, capture.path), storeEnv(db)).exited;
    const ctx = `seed ${SEED}, kills ${JSON.stringify(kills)}`;
    expect(fin.code, `${ctx}\n${fin.stderr}`).toBe(0);
    expect(fin.stderr).toContain(`${capture.path}: resuming at record ${resumeAt}`);
    const s = parseIngestSummary(fin.stderr);
    expect(s, ctx).toMatchObject({
      read: PACKETS - resumeAt,
      stored: PACKETS - before,
      alreadyStored: before - resumeAt,
      skipped: 0,
      retries: 0,
    });
    await expectExactlyStored(db.store, SENSOR, PACKETS);
    expect((await progressOf(SENSOR, capture.path, size))?.complete).toBe(true);
  }, 180_000);

  it('a further run says the file is already ingested and stores nothing', async () => {
    const again = await spawnBin(ingestArgs(SENSOR, capture.path), storeEnv(db)).exited;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`${capture.path}: skipped, already ingested for sensor "${SENSOR}" (${PACKETS} records)`);
    expect(parseIngestSummary(again.stderr)).toMatchObject({ inputs: 1, alreadyIngested: 1, read: 0, stored: 0, alreadyStored: 0, batches: 0 });
    expect(await rawIntegrity(db.store, SENSOR)).toEqual({ rows: PACKETS, distinctRecords: PACKETS, distinctFileRecords: PACKETS });
  });
});

describe('progress rows lost after a kill (crash between insert and progress save)', () => {
  const SENSOR = 'lost';
  const PACKETS = 150_000;

  it('the rerun starts from record 0, finds every stored batch, and ends exact', async () => {
    const capture = await synthCapture(dir.path, 'lost.pcap', { packets: PACKETS, seed: 12, startSec: dayStart('2024-05-03') + 12 * 3600, durationSec: 43_200 });
    const target = Math.floor(PACKETS * (0.45 + 0.25 * random()));
    const { storedAfter } = await killDuring(SENSOR, capture.path, target, Math.floor(random() * 200));
    expect(storedAfter).toBeGreaterThanOrEqual(target);
    expect(storedAfter).toBeLessThan(PACKETS);

    // Forget this file's progress, as if every save had been lost: a mutation on 18.16, so wait for it.
    await db.store.command(sql`ALTER TABLE ${db.store.table('ingest_progress')} DELETE WHERE sensor = ${sqlString(SENSOR)}`);
    const bytes = (await stat(capture.path)).size;
    await waitFor('progress rows deleted', async () => ((await progressOf(SENSOR, capture.path, bytes)) === null ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });

    const fin = await spawnBin(ingestArgs(SENSOR, capture.path), storeEnv(db)).exited;
    expect(fin.code, fin.stderr).toBe(0);
    expect(fin.stderr).toContain(`${capture.path}: reading`);
    expect(fin.stderr).not.toContain('resuming');
    expect(parseIngestSummary(fin.stderr), `seed ${SEED}, killed at ${storedAfter}`).toMatchObject({
      read: PACKETS, stored: PACKETS - storedAfter, alreadyStored: storedAfter, skipped: 0,
    });
    await expectExactlyStored(db.store, SENSOR, PACKETS);
  }, 120_000);
});

describe('a batch that fails after a later batch was stored', () => {
  const SENSOR = 'failed';
  const PACKETS = 100_000;
  let capture: SynthFile;

  beforeAll(async () => {
    capture = await synthCapture(dir.path, 'failed.pcap', { packets: PACKETS, seed: 13, startSec: dayStart('2024-05-05') + 3600, durationSec: 7200 });
  });

  // Regression: when batch n fails for good while batch n+1's insert succeeded,
  // n+1 waited for its progress to be saved, which never happens (progress is
  // saved in order), so the ingest hung. A failure now rejects every queued wait.
  it('the ingest rejects with that batch error instead of hanging', async () => {
    let failHeld: (e: unknown) => void = () => undefined;
    const held = new Promise<never>((_, reject) => { failHeld = reject; });
    held.catch(() => undefined);
    const writer = new ScriptedWriter(db.store, async (n, send) => {
      if (n === 2) return held; // in flight while batch 3 is stored ...
      const r = await send();
      if (n === 3) failHeld(new DarkscopeError('CLICKHOUSE_QUERY', 'injected failure of batch 2')); // ... then it fails
      return r;
    });
    const run = ingestFiles(db.store, [capture.path], { sensor: SENSOR, batchRows: BATCH_ROWS, maxInFlight: 2, writer });
    run.catch(() => undefined);
    const outcome = await settleWithin(run, 5_000);
    expect(outcome.state).toBe('rejected');
    expect(outcome.state === 'rejected' ? (outcome.error as Error).message : '').toContain('injected failure of batch 2');
    expect(await rawCount(db.store, SENSOR)).toBe(3 * BATCH_ROWS); // batches 0, 1 and 3
  }, 30_000);

  it('a rerun stores exactly the missing batches', async () => {
    const fin = await spawnBin(ingestArgs(SENSOR, capture.path, ['--max-in-flight', '2']), storeEnv(db)).exited;
    expect(fin.code, fin.stderr).toBe(0);
    expect(fin.stderr).toContain(`${capture.path}: resuming at record ${2 * BATCH_ROWS}`);
    expect(parseIngestSummary(fin.stderr)).toMatchObject({ read: PACKETS - 2 * BATCH_ROWS, stored: PACKETS - 3 * BATCH_ROWS, alreadyStored: BATCH_ROWS });
    await expectExactlyStored(db.store, SENSOR, PACKETS);
  }, 60_000);
});

// Regression: how far past its saved progress a killed run can have stored
// depends on THAT run's --max-in-flight, not the rerun's. A run with 4 in
// flight can leave batches n..n+2 unstored and n+3 stored; a rerun with 2 used
// to stop checking after n and n+1 and send n+3 again. Progress now records
// the widest --max-in-flight used on the file.
describe('a rerun with a smaller --max-in-flight than the killed run', () => {
  const SENSOR = 'narrower';
  const PACKETS = 100_000;

  it('stores nothing twice', async () => {
    const capture = await synthCapture(dir.path, 'narrower.pcap', { packets: PACKETS, seed: 14, startSec: dayStart('2024-05-06') + 3600, durationSec: 7200 });
    // The killed run, reproduced exactly: --max-in-flight 4, batches 5-7 still in
    // flight (never stored) when batch 8's insert is acknowledged, then the crash.
    let failHeld: (e: unknown) => void = () => undefined;
    const held = new Promise<never>((_, reject) => { failHeld = reject; });
    held.catch(() => undefined);
    let eighthStored: () => void = () => undefined;
    const eighth = new Promise<void>((resolve) => { eighthStored = resolve; });
    const writer = new ScriptedWriter(db.store, async (n, send) => {
      if (n >= 5 && n <= 7) return held;
      if (n > 8) return new Promise<never>(() => undefined); // the process is gone
      const r = await send();
      if (n === 8) eighthStored();
      return r;
    });
    const crashed = ingestFiles(db.store, [capture.path], { sensor: SENSOR, batchRows: BATCH_ROWS, maxInFlight: 4, writer });
    crashed.catch(() => undefined);
    await settleWithin(eighth, 30_000);
    failHeld(new DarkscopeError('CLICKHOUSE_UNREACHABLE', 'killed'));
    const size = (await stat(capture.path)).size;
    await waitFor('progress of batches 0-4', async () => ((await progressOf(SENSOR, capture.path, size))?.nextRecord === 5 * BATCH_ROWS ? true : undefined));
    expect(await rawCount(db.store, SENSOR)).toBe(6 * BATCH_ROWS); // batches 0-4 and 8

    const fin = await spawnBin(ingestArgs(SENSOR, capture.path, ['--max-in-flight', '2']), storeEnv(db)).exited;
    expect(fin.code, fin.stderr).toBe(0);
    expect(fin.stderr).toContain(`${capture.path}: resuming at record ${5 * BATCH_ROWS}`);
    expect(parseIngestSummary(fin.stderr)).toMatchObject({ read: PACKETS - 5 * BATCH_ROWS, stored: PACKETS - 6 * BATCH_ROWS, alreadyStored: BATCH_ROWS });
    await expectExactlyStored(db.store, SENSOR, PACKETS);
  }, 60_000);
});

// Regression: the stored-range check looked for the file's batch keys but not
// the sensor, so a capture already stored for one sensor was found "already
// stored" for a second sensor too, and nothing was stored. Batch keys now
// carry a hash of (sensor, file).
describe('the same capture under a second sensor', () => {
  it('is stored in full for the second sensor too', async () => {
    const PACKETS = 20_000;
    const capture = await synthCapture(dir.path, 'two-sensors.pcap', { packets: PACKETS, seed: 15, startSec: dayStart('2024-05-07'), durationSec: 600 });
    for (const sensor of ['first', 'second']) {
      const r = await runCli(['ingest', '--sensor', sensor, '--batch-rows', '5000', '--no-enrich', capture.path], { env: storeEnv(db) });
      expect(r.code, r.stderr).toBe(0);
      expect(parseIngestSummary(r.stderr), sensor).toMatchObject({ read: PACKETS, stored: PACKETS, alreadyStored: 0 });
    }
    await expectExactlyStored(db.store, 'first', PACKETS);
    await expectExactlyStored(db.store, 'second', PACKETS);
  }, 60_000);
});
