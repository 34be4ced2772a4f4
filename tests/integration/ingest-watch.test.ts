/**
 * Live sensors, with the built binary (npm run build first):
 *   - `ingest --watch DIR` while captures are written into DIR the way
 *     tcpdump rotates them (a file grows in pieces cut mid-record, then the
 *     next one starts), the watcher SIGKILLed at seeded random moments and
 *     started again: at the end every packet is stored once, every rollup
 *     equals raw, and SIGTERM ends it with exit 0;
 *   - a sensor's backlog dropped in late (gzip, an older name), a file that
 *     is not a capture, a cut capture and --after move:DIR: the good packets
 *     are kept, the bad file is reported and left alone, the watcher goes on;
 *   - a live stream on stdin: rows are queryable while the stream is open,
 *     SIGTERM stores the batch being filled, SIGKILL loses at most that batch
 *     and never stores a packet twice.
 *
 * Seed: DARKSCOPE_TEST_SEED (default below); it is printed with every failure.
 */
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import {
  expectExactlyStored, expectRollupsEqualRaw, rawCount, rawIntegrity, settledRawCount, spawnBin, storeEnv, synthCapture, tempDir, waitFor,
  type SpawnedBin, type TempDir,
} from './helpers/ingest.js';
import { dayStart, rng } from './helpers/packets.js';
import { splitCapture, writeRotating } from '../support/rotating-writer.js';

const SEED = Number(process.env.DARKSCOPE_TEST_SEED ?? 20261207);

let db: TestDatabase;
let dir: TempDir;

beforeAll(async () => {
  db = await freshDatabase('ingest_watch', { create: false });
  await migrate(db.store);
  dir = await tempDir('watch');
}, 60_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

function watchArgs(sensor: string, spool: string, extra: string[] = []): string[] {
  return ['ingest', '--watch', '--sensor', sensor, '--quiet-ms', '1500', '--poll-ms', '300', '--batch-rows', '2000', ...extra, spool];
}

async function stopWith(run: SpawnedBin, signal: NodeJS.Signals): Promise<Awaited<SpawnedBin['exited']>> {
  run.child.kill(signal);
  return run.exited;
}

describe('ingest --watch on a rotating capture directory', () => {
  it('stores every packet once across SIGKILLs at random moments while files grow and rotate', async () => {
    const random = rng(SEED);
    const SENSOR = 'watch-kill';
    const spool = join(dir.path, 'spool-kill');
    await import('node:fs/promises').then((fs) => fs.mkdir(spool));
    // Eight files across a UTC midnight (batches never span two days).
    const capture = await splitCapture({ packets: 60_000, seed: SEED, startSec: dayStart('2024-08-01') + 20 * 3600, durationSec: 8 * 3600 }, 8);
    const writing = writeRotating(capture, { dir: spool, seed: SEED, maxPieceBytes: 48_000, maxPauseMs: 80 });
    let writerDone = false;
    void writing.then(() => { writerDone = true; });
    const kills: string[] = [];
    let run = spawnBin(watchArgs(SENSOR, spool), storeEnv(db));
    for (let k = 0; k < 4 && !writerDone; k++) {
      const delay = 600 + Math.floor(random() * 1_800);
      await sleep(delay);
      const exit = await stopWith(run, 'SIGKILL');
      const stored = await rawCount(db.store, SENSOR);
      kills.push(`after ${delay} ms: ${exit.signal ?? `exit ${exit.code}`}, ${stored} stored`);
      expect(exit.signal, `seed ${SEED}: watcher ended on its own before the kill: ${exit.stderr.slice(-800)}`).toBe('SIGKILL');
      run = spawnBin(watchArgs(SENSOR, spool), storeEnv(db));
    }
    await writing;
    const why = `seed ${SEED}; kills: ${kills.join('; ')}`;
    await waitFor(`all ${capture.packets} packets stored (${why})`,
      async () => ((await rawCount(db.store, SENSOR)) >= capture.packets ? true : undefined), { timeoutMs: 90_000, intervalMs: 200 });
    // Past the quiet time: nothing more may come in (a packet stored twice would show here).
    await sleep(2_500);
    const fin = await stopWith(run, 'SIGTERM');
    expect(fin.code, `${why}\n${fin.stderr.slice(-1500)}`).toBe(0);
    expect(fin.stderr).toMatch(/stopped by SIGTERM: \d+ file\(s\) done/);
    expect(kills.length, why).toBeGreaterThanOrEqual(2);
    await expectExactlyStored(db.store, SENSOR, capture.packets);
  }, 240_000);

  it('takes a late gzip backlog file, keeps the good packets of a cut file, reports a non-capture and goes on; --after move:DIR moves only stored files', async () => {
    const SENSOR = 'watch-backlog';
    const spool = join(dir.path, 'spool-backlog');
    const done = join(dir.path, 'done');
    await import('node:fs/promises').then((fs) => fs.mkdir(spool));
    const day = dayStart('2024-08-03');
    const a = await synthCapture(dir.path, 'a.pcap', { packets: 3_000, seed: SEED + 1, startSec: day + 3600, durationSec: 600 });
    const b = await synthCapture(dir.path, 'b.pcap', { packets: 2_000, seed: SEED + 2, startSec: day + 7200, durationSec: 600 });
    const c = await synthCapture(dir.path, 'c.pcap', { packets: 1_000, seed: SEED + 3, startSec: day + 9000, durationSec: 600 });
    const run = spawnBin(watchArgs(SENSOR, spool, ['--after', `move:${done}`]), storeEnv(db));
    await copyFile(a.path, join(spool, '20240803-0100.pcap'));
    // The cut file: c without the last 30 bytes (the middle of its last record).
    const { readFile } = await import('node:fs/promises');
    const cBytes = await readFile(c.path);
    await writeFile(join(spool, '20240803-0230.pcap'), cBytes.subarray(0, cBytes.length - 30));
    await writeFile(join(spool, '20240803-0300.pcap'), 'this is not a capture\n');
    // A backlog file arriving late, under an older name, compressed.
    await sleep(500);
    await writeFile(join(spool, '20240803-0000.pcap.gz'), gzipSync(await readFile(b.path)));
    const expected = a.truth.packets + b.truth.packets + c.truth.packets - 1;
    await waitFor('the three good files stored and moved', async () => {
      const n = await rawCount(db.store, SENSOR);
      const moved = await readdir(done).catch(() => [] as string[]);
      return n >= expected && moved.length === 3 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const fin = await stopWith(run, 'SIGTERM');
    expect(fin.code, fin.stderr.slice(-1500)).toBe(0);
    expect(fin.stderr).toContain('DARKSCOPE_E_BAD_CAPTURE');
    expect(fin.stderr).toContain('20240803-0300.pcap');
    expect((await readdir(done)).sort()).toEqual(['20240803-0000.pcap.gz', '20240803-0100.pcap', '20240803-0230.pcap']);
    expect(await readdir(spool)).toEqual(['20240803-0300.pcap']);
    await expectExactlyStored(db.store, SENSOR, expected);
  }, 120_000);
});

describe('a live stream on stdin', () => {
  /** A pcap stream: the header, then the records in pieces. */
  async function streamPieces(packets: number, seed: number, startSec: number): Promise<{ header: Buffer; records: Buffer[]; packets: number }> {
    const cap = await splitCapture({ packets, seed, startSec, durationSec: 300 }, 1);
    const body = cap.files[0];
    const records: Buffer[] = [];
    for (let at = 0; at < body.length; at += 16 + body.readUInt32LE(at + 8)) records.push(body.subarray(at, at + 16 + body.readUInt32LE(at + 8)));
    return { header: cap.header, records, packets: cap.packets };
  }

  it('makes rows queryable while the stream is open, and SIGTERM stores the batch being filled', async () => {
    const SENSOR = 'stream-term';
    const s = await streamPieces(5_000, SEED + 10, dayStart('2024-08-05') + 3600);
    const run = spawnBin(['ingest', '--sensor', SENSOR, '--batch-age-ms', '3000', '--metrics-port', '0', '-'], storeEnv(db), { stdin: true });
    const stdin = run.child.stdin!;
    stdin.write(s.header);
    stdin.write(Buffer.concat(s.records.slice(0, 2_000)));
    await waitFor('the first packets queryable with the stream still open', async () => ((await rawCount(db.store, SENSOR)) === 2_000 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    expect(run.done()).toBe(false);
    stdin.write(Buffer.concat(s.records.slice(2_000)));
    // Every packet read (the metrics say so), then SIGTERM: the batch being filled must be stored.
    const metricsUrl = /metrics on (http:\/\/\S+)/.exec(run.stderrSoFar())?.[1];
    expect(metricsUrl, run.stderrSoFar()).toBeDefined();
    await waitFor('every packet read', async () => {
      const text = await (await fetch(metricsUrl as string)).text();
      return /^darkscope_ingest_records_read_total (\d+)$/m.exec(text)?.[1] === String(s.packets) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    const fin = await stopWith(run, 'SIGTERM');
    expect(fin.code, fin.stderr.slice(-1500)).toBe(0);
    expect(fin.stderr).toContain('stopped by SIGTERM: the batch being filled was stored');
    expect(await settledRawCount(db.store, SENSOR)).toBe(s.packets);
    await expectExactlyStored(db.store, SENSOR, s.packets);
  }, 60_000);

  it('loses at most the batch being filled when SIGKILLed, and stores nothing twice', async () => {
    const SENSOR = 'stream-kill';
    const s = await streamPieces(6_000, SEED + 11, dayStart('2024-08-06') + 3600);
    const run = spawnBin(['ingest', '--sensor', SENSOR, '--batch-age-ms', '200', '-'], storeEnv(db), { stdin: true });
    const stdin = run.child.stdin!;
    stdin.on('error', () => undefined); // EPIPE after the kill
    stdin.write(s.header);
    stdin.write(Buffer.concat(s.records.slice(0, 3_000)));
    await waitFor('the first half stored', async () => ((await rawCount(db.store, SENSOR)) === 3_000 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    stdin.write(Buffer.concat(s.records.slice(3_000)));
    const exit = await stopWith(run, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const stored = await settledRawCount(db.store, SENSOR);
    expect(stored).toBeGreaterThanOrEqual(3_000);
    expect(stored).toBeLessThanOrEqual(s.packets);
    const integrity = await rawIntegrity(db.store, SENSOR);
    expect(integrity.distinctRecords).toBe(integrity.rows);
    await expectRollupsEqualRaw(db.store, SENSOR);
  }, 60_000);
});
