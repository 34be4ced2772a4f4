/**
 * The `watch` part: `darkscope ingest --watch` following a spool directory
 * on one engine, as an ops team runs it.
 *   - lag: a rotating writer (tests/support/rotating-writer.ts) writes files
 *     one after the other; for each file, the time from the writer moving on
 *     (it starts the next file) to every packet of it being queryable;
 *   - throughput: a backlog of files dropped at once, packets/s from the
 *     first file appearing to the last packet stored;
 *   - idle: CPU seconds and RSS of the watcher over `idleSec` with nothing
 *     to do.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlString } from '../src/store/sql.js';
import { splitCapture } from '../tests/support/rotating-writer.js';
import { freshDatabase, serverEnv, storeOf, type Server } from './ingest-compare.js';
import { cpuSec, rssMb } from './proc-sampler.js';

const BIN = fileURLToPath(new URL('../bin/darkscope.js', import.meta.url));

export interface WatchFigures {
  readonly engine: string;
  /** Per file of the rotating run: seconds from the writer moving on to all its packets stored. */
  readonly lagSec: number[];
  readonly backlog: { files: number; packets: number; seconds: number; packetsPerSec: number };
  readonly idle: { seconds: number; cpuSec: number; rssMb: number };
}

export async function measureWatch(server: Server, dataDir: string, opts: { rotatingFiles: number; backlogPackets: number; idleSec: number; log: (s: string) => void }): Promise<WatchFigures> {
  const db = 'bench_watch';
  await freshDatabase(server, db);
  const store = storeOf(server, db);
  const spool = join(dataDir, 'watch-spool');
  await rm(spool, { recursive: true, force: true });
  await mkdir(spool, { recursive: true });
  const stored = async (sensor: string): Promise<number> =>
    (await store.query(sql`SELECT count() AS n FROM ${store.table('packets')} WHERE sensor = ${sqlString(sensor)}`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
  const watcher = spawn(process.execPath, [BIN, 'ingest', '--watch', '--database', db, '--sensor', 'bench-watch', '--quiet-ms', '5000', spool],
    { env: { ...process.env, ...serverEnv(server) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  watcher.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  try {
    await sleep(1_500);
    // Rotating: 20 000 packets a file, each written in 200 ms pieces over ~2 s, then the next one starts.
    const rot = await splitCapture({ packets: 20_000 * opts.rotatingFiles, seed: 7, startSec: Math.floor(Date.now() / 1000) - 3600, durationSec: 3600 }, opts.rotatingFiles);
    const lagSec: number[] = [];
    let expected = 0;
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < rot.files.length; i++) {
      const path = join(spool, `rot-${String(i).padStart(3, '0')}.pcap`);
      await writeFile(path, rot.header);
      const body = rot.files[i];
      const pieces = 10;
      for (let p = 0; p < pieces; p++) {
        await writeFile(path, body.subarray(Math.floor((p * body.length) / pieces), Math.floor(((p + 1) * body.length) / pieces)), { flag: 'a' });
        await sleep(200);
      }
      expected += body.length > 0 ? 20_000 : 0;
      // The writer moves on now (the next file starts at once; the last one is followed by a marker file).
      const movedOn = performance.now();
      const target = expected;
      if (i === rot.files.length - 1) await writeFile(join(spool, 'rot-999.pcap'), rot.header);
      pending.push((async () => {
        while ((await stored('bench-watch')) < target) await sleep(20);
        lagSec[i] = (performance.now() - movedOn) / 1000;
      })());
    }
    await Promise.all(pending);
    opts.log(`watch on ${server.label}: lag per file ${lagSec.map((x) => x.toFixed(2)).join(', ')} s`);

    // Backlog: files dropped at once (a sensor's spool after an outage), followed by the file the
    // capture is writing now, so every backlog file counts as complete at once (no quiet time).
    const files = 10;
    const back = await splitCapture({ packets: opts.backlogPackets, seed: 8, startSec: Math.floor(Date.now() / 1000) - 7200, durationSec: 3600 }, files);
    const before = await stored('bench-watch');
    const t0 = performance.now();
    for (let i = 0; i < back.files.length; i++) await writeFile(join(spool, `backlog-${String(i).padStart(3, '0')}.pcap`), Buffer.concat([back.header, back.files[i]]));
    await sleep(5);
    await writeFile(join(spool, 'backlog-999.pcap'), back.header);
    while ((await stored('bench-watch')) < before + back.packets) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    opts.log(`watch on ${server.label}: backlog of ${back.packets} packets in ${seconds.toFixed(1)} s`);

    // Idle: nothing more comes; let the last files' quiet time pass, then sample.
    await sleep(6_000);
    const pid = watcher.pid as number;
    const c0 = cpuSec(pid);
    await sleep(opts.idleSec * 1000);
    const idle = { seconds: opts.idleSec, cpuSec: cpuSec(pid) - c0, rssMb: rssMb(pid) };
    return { engine: server.name, lagSec, backlog: { files, packets: back.packets, seconds, packetsPerSec: back.packets / seconds }, idle };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}; watcher said: ${err.slice(-800)}`);
  } finally {
    watcher.kill('SIGTERM');
    await new Promise((r) => watcher.once('close', r));
    await store.close();
  }
}
