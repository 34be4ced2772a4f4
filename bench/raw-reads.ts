/**
 * The reads computed from raw packets (`npm run bench -- --parts rawreads`).
 *
 * Since migration 0008 the finest grains have no stored rollup: port_1m,
 * source_1h and activity_1m (VIRTUAL_ROLLUPS in src/store/rollups.ts) are
 * grouped from the raw packets when a query reads them
 * (src/query/rollup-families.ts picks the tiles). The seeded history of the
 * query part has no raw packets, so it cannot time them. This part writes a
 * synthetic capture of `packets` packets spread over the 6 hours before the
 * latest 12:00 UTC (so every packet lies in the range these grains cover;
 * the queries' "now" is that 12:00, so a 7-day range always reads the six
 * hours from raw as its last partial day, whatever hour the bench runs at),
 * ingests it with `darkscope ingest --sensor big` into a fresh database on
 * each engine, and times, with the result cache off:
 *
 *   sources/top     last 7 days, 50 sources (the last hours from raw: the ranking, then the 50 sources' measures)
 *   ports/top       last hour (minute grain, from raw)
 *   port series     23/TCP over the last 6 hours at 1m (from raw)
 *   source profile  the busiest source over 7 days (its hours from raw, fingerprints from raw)
 *   scan events     last 6 hours (activity_1m from raw)
 *   DoS attacks     last 6 hours (activity_1m from raw)
 *
 * The capture is cached under bench/.data/raw-reads/ for the hour it was
 * written for; an earlier hour's capture is deleted and a new one written.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dosAttacks } from '../src/query/dos-attacks.js';
import { rangeQueryFrom } from '../src/query/plan.js';
import { portSeries } from '../src/query/port-series.js';
import { queryContext, type QueryContext } from '../src/query/runner.js';
import { scanEvents } from '../src/query/scan-events.js';
import { sourceProfile } from '../src/query/source-profile.js';
import { topPorts } from '../src/query/top-ports.js';
import { topSources } from '../src/query/top-sources.js';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlIdent } from '../src/store/sql.js';
import { writeSynthCapture } from '../src/synth/generator.js';
import { freshDatabase, serverEnv, type Server } from './ingest-compare.js';
import { runSampled } from './proc-sampler.js';
import { benchStore, measure, waitForMerges, type Case, type LatencyFigures } from './query-latency.js';

const HOUR = 3_600;
const DAY = 86_400;
/** The UTC hour the capture ends at: the queries' "now". */
export const CAPTURE_END_HOUR = 12;
/** Hours of packets before the current hour. */
export const RAW_HOURS = 6;
export const RAW_SENSOR = 'big';
/** Sources sources/top asks for (the API's maximum page, what a dashboard table shows). */
const TOP_SOURCES = 50;
/**
 * Two backscatter bursts (a victim answering a spoofed flood), so that DoS
 * attacks finds attacks to assemble: the generator's baseline backscatter is
 * spread over many victims, none reaching corsaro's thresholds.
 */
const DOS_BURSTS = [{ from: 0.3, length: 0.02, share: 0.3 }, { from: 0.7, length: 0.01, share: 0.5 }];
/** Part of the capture's file name: changed with the options above, so a capture written by older code is not reused. */
const CAPTURE_VERSION = 'b2';

export interface RawCapture {
  readonly file: string;
  readonly packets: number;
  /** The packets' span: [startSec, endSec), endSec the start of the hour the capture was written in. */
  readonly startSec: number;
  readonly endSec: number;
  /** Seconds spent writing it (0 when reused). */
  readonly generatedSec: number;
}

/**
 * A capture of `packets` packets over the RAW_HOURS hours before the latest
 * 12:00 UTC (CAPTURE_END_HOUR), under `dataDir`raw-reads/ (reused until the
 * next 12:00). Runs at any hour then read the same shape: when the capture
 * ended at the current hour, a run just after midnight read its 7-day source
 * ranking from the stored day rollups, one at 10:00 six hours of raw packets.
 */
export async function rawCapture(dataDir: string, packets: number, nowMs = Date.now()): Promise<RawCapture> {
  const nowSec = Math.floor(nowMs / 1000);
  const today = Math.floor(nowSec / DAY) * DAY + CAPTURE_END_HOUR * HOUR;
  const endSec = today <= nowSec ? today : today - DAY;
  const startSec = endSec - RAW_HOURS * HOUR;
  const dir = `${dataDir}raw-reads/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}raw-${CAPTURE_VERSION}-${packets}-${startSec}.pcap`;
  let generatedSec = 0;
  if (!existsSync(file)) {
    // Older captures are stale (their packets fall out of the minute grain's range) and large.
    for (const old of readdirSync(dir)) if (/^raw-[\w-]+\.pcap(\.tmp)?$/.test(old)) rmSync(`${dir}${old}`);
    const t0 = performance.now();
    // Written under a temporary name, so an interrupted run leaves no truncated capture to reuse.
    await writeSynthCapture(`${file}.tmp`, { packets, seed: 7, startSec, durationSec: endSec - startSec, bursts: DOS_BURSTS });
    renameSync(`${file}.tmp`, file);
    generatedSec = (performance.now() - t0) / 1000;
  }
  return { file, packets, startSec, endSec, generatedSec };
}

export interface RawReadsOptions {
  readonly quick: boolean;
  /** Timed runs per query after one warm-up (default 10, quick 5)... */
  readonly runs?: number;
  /** ...unless they reach this many seconds first (default 20, quick 10; at least 3 runs). */
  readonly budgetSec?: number;
  /** The queries' "now", epoch seconds: the same on every engine, so that they read the same packets (default: the clock; the bench gives the capture's end). */
  readonly nowSec?: number;
  readonly log?: (msg: string) => void;
}

export interface RawReadsFigures {
  readonly engine: string;
  readonly packets: number;
  /** Packets in the raw table after the ingest. */
  readonly stored: number;
  readonly range: { readonly from: string; readonly to: string };
  /** The queries' "now" (RawReadsOptions.nowSec). */
  readonly now: string;
  /** Wall seconds of `darkscope ingest` (all views). */
  readonly ingestSec: number;
  readonly settle: { readonly seconds: number; readonly settled: boolean };
  readonly loadAvg: { readonly before: number; readonly after: number };
  /** The source the profile was asked about (the busiest over 7 days). */
  readonly profiled: string;
  readonly queries: LatencyFigures[];
}

function cases(ctx: QueryContext, busiest: string): Case[] {
  const last = (from: string) => rangeQueryFrom({ from }, ctx);
  return [
    {
      name: 'sources/top',
      request: `/api/v1/sources/top?from=-7d&limit=${TOP_SOURCES}`,
      run: async () => {
        const t = await topSources(ctx, { ...last('-7d'), limit: TOP_SOURCES });
        const s = t.sources[0];
        return { grain: t.grain, answer: `${t.sources.length} sources, top ${s?.ip ?? '-'}: ${s?.packets ?? 0} packets, ${s?.ports ?? 0} ports` };
      },
    },
    {
      name: 'ports/top',
      request: '/api/v1/ports/top?from=-1h',
      run: async () => {
        const t = await topPorts(ctx, last('-1h'));
        return { grain: t.grain, answer: t.ports.slice(0, 3).map((p) => `${p.label} ${p.packets}`).join(', ') };
      },
    },
    {
      name: 'port series 23/tcp',
      request: '/api/v1/ports/tcp/23/series?from=-6h&interval=1m',
      run: async () => {
        const p = await portSeries(ctx, { ...last('-6h'), proto: 6, port: 23, interval: '1m' });
        return { grain: p.grain, answer: `${p.points.length} points, ${p.total.packets} packets, ${p.total.sources} sources` };
      },
    },
    {
      name: 'source profile',
      request: `/api/v1/sources/${busiest}?from=-7d`,
      run: async () => {
        const p = await sourceProfile(ctx, { ...last('-7d'), ip: busiest });
        return { grain: p.grain, answer: `${p.totals.packets} packets, ${p.ports.length} ports, ${p.timeline.points.length} timeline points, ${p.fingerprints.top.length} fingerprints` };
      },
    },
    {
      name: 'scan events',
      request: '/api/v1/scans?from=-6h',
      run: async () => {
        const r = await scanEvents(ctx, last('-6h'));
        const by = (t: string) => r.events.filter((e) => e.type === t).length;
        return { grain: 'minute', answer: `${r.events.length} events (${by('horizontal')} horizontal, ${by('strobe')} strobe, ${by('vertical')} vertical)` };
      },
    },
    {
      name: 'DoS attacks',
      request: '/api/v1/dos?from=-6h',
      run: async () => {
        const r = await dosAttacks(ctx, last('-6h'));
        return { grain: 'minute', answer: `${r.attacks.length} attacks` };
      },
    },
  ];
}

/**
 * Ingests `capture` into `db` on `server` (dropped and recreated first,
 * dropped again at the end) with `darkscope ingest`, then times the reads.
 */
export async function measureRawReads(server: Server, db: string, capture: RawCapture, bin: string, opts: RawReadsOptions): Promise<RawReadsFigures> {
  const log = opts.log ?? (() => undefined);
  const runs = opts.runs ?? (opts.quick ? 5 : 10);
  const budgetMs = (opts.budgetSec ?? (opts.quick ? 10 : 20)) * 1000;
  const minRuns = 3;
  await freshDatabase(server, db);
  const { cfg, store } = benchStore(server, db);
  try {
    const r = await runSampled(process.execPath, [bin, 'ingest', '--database', db, '--sensor', RAW_SENSOR, capture.file], { env: serverEnv(server) });
    if (r.code !== 0) throw new Error(`ingest of ${capture.file} into ${db} on ${server.name} failed (exit ${r.code}): ${r.stderr.slice(-1000)}`);
    const ingestSec = r.wallMs / 1000;
    const [row] = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')}`, { n: col.uint64AsNumber });
    const stored = row?.n ?? 0;
    log(`rawreads: ${stored} of ${capture.packets} packets ingested into ${db} on ${server.label} in ${ingestSec.toFixed(1)} s`);
    const settle = await waitForMerges(store, db);
    const before = loadavg()[0];
    const nowSec = opts.nowSec;
    const ctx = queryContext(cfg, store, nowSec === undefined ? {} : { now: () => nowSec });
    if (ctx.cache !== undefined) throw new Error('rawreads: the result cache must be off');
    const top = await topSources(ctx, { ...rangeQueryFrom({ from: '-7d' }, ctx), limit: 1 });
    const busiest = top.sources[0]?.ip;
    if (busiest === undefined) throw new Error(`rawreads: no source in ${db} over the last 7 days`);
    const queries: LatencyFigures[] = [];
    for (const c of cases(ctx, busiest)) {
      const f = await measure(c, runs, budgetMs, minRuns);
      log(`rawreads: ${f.name} p50 ${f.p50Ms.toFixed(0)} ms p95 ${f.p95Ms.toFixed(0)} ms (${f.grain}; ${f.answer})${f.errors > 0 ? `; ${f.errors} errors: ${f.firstError}` : ''}`);
      queries.push(f);
    }
    return {
      engine: server.name,
      packets: capture.packets,
      stored,
      range: { from: new Date(capture.startSec * 1000).toISOString(), to: new Date(capture.endSec * 1000).toISOString() },
      now: new Date(ctx.now() * 1000).toISOString(),
      ingestSec,
      settle,
      loadAvg: { before, after: loadavg()[0] },
      profiled: busiest,
      queries,
    };
  } finally {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`).catch(() => undefined);
    await store.close();
  }
}

/** The capture's size on disk, MiB. */
export function captureMiB(capture: RawCapture): number {
  return statSync(capture.file).size / 2 ** 20;
}
