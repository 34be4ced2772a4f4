/**
 * The demo week (src/demo/scenario.ts, what `darkscope demo` ingests): 400 000
 * packets over the 7 days ending at the current hour, sensor "demo", darknet
 * 198.18.0.0/16, research scanners labelled by a labels file. Issue #14's
 * targets are stated on it (at most one rollup row per packet), and unlike
 * the seeded history it has raw packets, so queries that read raw on the
 * fly (the source family's hours) pay for it here.
 *
 * The week moves with the clock, so the capture is written for the current
 * hour (and reused within that hour) under bench/.data/demo-week/.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { demoLabels, demoScenario, DEMO_DARKNET, DEMO_SENSOR } from '../src/demo/scenario.js';
import { col } from '../src/store/row-decoders.js';
import { sql } from '../src/store/sql.js';
import { writeSynthCapture } from '../src/synth/generator.js';
import { freshDatabase, serverEnv, storeOf, type Server } from './ingest-compare.js';
import { runSampled } from './proc-sampler.js';

export interface DemoWeek {
  readonly file: string;
  readonly labels: string;
  readonly packets: number;
  /** The week: [startSec, endSec), endSec the current hour. */
  readonly startSec: number;
  readonly endSec: number;
  /** `darkscope ingest` arguments besides the database and the file, as `darkscope demo` gives them. */
  readonly ingestArgs: readonly string[];
}

/** The demo week's capture and labels file under `dataDir`, written unless this hour's exists (earlier hours' captures are deleted). */
export async function demoWeek(dataDir: string, nowMs = Date.now()): Promise<DemoWeek> {
  const scenario = demoScenario(nowMs);
  const startSec = scenario.startSec ?? 0;
  const endSec = startSec + (scenario.durationSec ?? 0);
  const dir = `${dataDir}demo-week/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}demo-week-${endSec}.pcap`;
  const labels = `${dir}labels.csv`;
  writeFileSync(labels, demoLabels());
  if (!existsSync(file)) {
    for (const old of readdirSync(dir)) if (/^demo-week-\d+\.pcap$/.test(old)) rmSync(`${dir}${old}`);
    await writeSynthCapture(file, scenario);
  }
  return {
    file, labels, packets: scenario.packets, startSec, endSec,
    ingestArgs: ['--sensor', DEMO_SENSOR, '--darknet', DEMO_DARKNET, '--labels', labels],
  };
}

/** `darkscope ingest` of the demo week into a fresh `db` on `server`; the wall seconds. Throws unless every packet is stored. */
export async function ingestDemoWeek(server: Server, db: string, week: DemoWeek, bin: string): Promise<number> {
  await freshDatabase(server, db);
  const r = await runSampled(process.execPath, [bin, 'ingest', '--database', db, ...week.ingestArgs, week.file], { env: serverEnv(server) });
  if (r.code !== 0) throw new Error(`ingest of the demo week into ${db} failed (exit ${r.code}): ${r.stderr.slice(-1000)}`);
  const store = storeOf(server, db);
  try {
    const [row] = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')}`, { n: col.uint64AsNumber });
    if (row?.n !== week.packets) throw new Error(`the demo week stored ${row?.n ?? 0} of ${week.packets} packets in ${db}`);
  } finally {
    await store.close();
  }
  return r.wallMs / 1000;
}
