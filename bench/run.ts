/**
 * `npm run bench`: darkscope's performance figures, measured side by side with
 * the alternatives in one run. Never part of `npm test`.
 *
 *   npm run bench                 all parts, both engines (about 30 minutes on 2 cores)
 *   npm run bench -- --quick      a 5-minute subset (smaller captures, 1 round)
 *   npm run bench -- --parts parse,ingest --packets 5000000 --rounds 3
 *   npm run bench -- --parts query    seeded rollups (migrated to 0008 in place): query latency, API throughput; the demo week's sources/top and summary
 *   npm run bench -- --parts cluster --cluster-packets 1000000
 *   npm run bench -- --parts watch    ingest --watch: lag per rotated file, backlog packets/s, idle CPU/RSS
 *   npm run bench -- --parts rollups  the server's time for raw alone, all views and each view; rollup rows and states per packet (bench capture and demo week)
 *   npm run bench -- --parts rawreads --raw-packets 2000000   reads of the grains computed from raw packets (minute, source hours, scan activity) on a large sensor
 *
 * Both engines side by side in one run (`--engines embedded,server`, the
 * default): darkscope's embedded ClickHouse, started on a store under
 * bench/.data/engine, and a private ClickHouse server under bench/.data/
 * (or set DARKSCOPE_BENCH_CLICKHOUSE_URL, _USER, _PASSWORD and _TCP_PORT to
 * use a running one). Results: bench/results/latest.json and a table on stdout.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createStoreClient } from '../src/store/client.js';
import { ensureEmbeddedEngine, stopEmbeddedEngine } from '../src/store/embedded/embedded-engine.js';
import { startLocalServer, type LocalServer } from '../tests/support/local-server.js';
import { col } from '../src/store/row-decoders.js';
import { sql } from '../src/store/sql.js';
import { writeSynthCapture } from '../src/synth/generator.js';
import { measureClusterIngest } from './cluster-ingest.js';
import { runDarkscope, runNaive, runTshark, summarize, type IngestRun, type PipelineSummary, type Server } from './ingest-compare.js';
import { measureParse, type ParseFigures } from './parse-ceiling.js';
import { measureQueries, type QueryFigures } from './query-latency.js';
import { ensureTshark } from './tshark-ingest.js';
import { runSampled } from './proc-sampler.js';
import { measureWatch, type WatchFigures } from './watch-follow.js';
import { measureRollupCost, type RollupCapture, type RollupCostFigures } from './rollup-cost.js';
import { demoWeek } from './demo-week.js';
import { captureMiB, measureRawReads, RAW_HOURS, rawCapture, type RawReadsFigures } from './raw-reads.js';
import { measureDemoWeek, type DemoWeekQueryFigures } from './query-latency.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = `${ROOT}bench/.data/`;
const BIN = `${ROOT}bin/darkscope.js`;

interface Args {
  quick: boolean;
  parts: Set<string>;
  /** Which ClickHouse to measure, in this order: `embedded` (darkscope's own), `server` (a ClickHouse server). */
  engines: string[];
  /** The capture of the side-by-side ingest comparison (and of the parse part). */
  packets: number;
  /** The memory part's two darkscope ingests: a normal capture and one 10x larger. */
  midPackets: number;
  bigPackets: number;
  clusterPackets: number;
  /** The rawreads part's capture: packets over the 6 hours before the current hour. */
  rawPackets: number;
  rounds: number;
  clusterRounds: number;
}

/**
 * Sizes chosen so that every part fits in 15 minutes on a 2-core machine:
 * tshark stores about 23 k packets/s and the naive pipeline about 50 k, so the
 * three-way comparison runs on 1 M packets (3 rounds, about 3.5 minutes);
 * darkscope alone then ingests 5 M and 50 M packets (about 5 minutes).
 */
function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const parts = new Set((get('parts') ?? 'parse,ingest,rollups,memory,query,rawreads,watch,cluster').split(','));
  const rounds = Number(get('rounds') ?? (quick ? 1 : 3));
  const engines = (get('engines') ?? 'embedded,server').split(',');
  for (const e of engines) if (e !== 'embedded' && e !== 'server') throw new Error(`--engines: "${e}" is not embedded or server`);
  return {
    quick,
    parts,
    engines,
    packets: Number(get('packets') ?? (quick ? 500_000 : 1_000_000)),
    midPackets: Number(get('mid-packets') ?? (quick ? 1_000_000 : 5_000_000)),
    bigPackets: Number(get('big-packets') ?? (quick ? 5_000_000 : 50_000_000)),
    clusterPackets: Number(get('cluster-packets') ?? (quick ? 500_000 : 1_000_000)),
    rawPackets: Number(get('raw-packets') ?? (quick ? 1_000_000 : 5_000_000)),
    rounds,
    clusterRounds: Number(get('cluster-rounds') ?? 1),
  };
}

async function capture(packets: number): Promise<string> {
  mkdirSync(DATA, { recursive: true });
  const path = `${DATA}synth-${packets}.pcap`;
  if (!existsSync(path)) {
    const t0 = performance.now();
    await writeSynthCapture(path, { packets, seed: 1, durationSec: Math.max(3600, Math.round(packets / 2000)) });
    log(`generated ${path} (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return path;
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

interface Running {
  server: Server;
  stop: () => Promise<void>;
}

async function versionOf(url: string, username: string, password: string): Promise<string> {
  const store = createStoreClient({ url, username, password, database: 'system' });
  try {
    const rows = await store.query(sql`SELECT version() AS v`, { v: col.string });
    return rows[0]?.v ?? '?';
  } finally {
    await store.close();
  }
}

/** darkscope's embedded ClickHouse on its own store under bench/.data/engine (what `darkscope` uses with no URL). */
async function embedded(): Promise<Running> {
  const dir = `${DATA}engine`;
  const e = await ensureEmbeddedEngine({ dir });
  const pids = [e.state.supervisorPid, e.state.enginePid].filter((p) => p > 0);
  log(`embedded ClickHouse ${e.state.version} at ${e.url} (store ${dir}; engine pid ${e.state.enginePid}, supervisor pid ${e.state.supervisorPid})`);
  return {
    server: { name: 'embedded', label: `embedded ClickHouse ${e.state.version}`, url: e.url, username: e.username, password: e.password, tcpPort: null, pids },
    stop: async () => { await stopEmbeddedEngine(dir); },
  };
}

/** A private ClickHouse server, or the one DARKSCOPE_BENCH_CLICKHOUSE_URL names. */
async function clickhouseServer(): Promise<Running> {
  const url = process.env.DARKSCOPE_BENCH_CLICKHOUSE_URL;
  if (url !== undefined) {
    const username = process.env.DARKSCOPE_BENCH_CLICKHOUSE_USER ?? 'default';
    const password = process.env.DARKSCOPE_BENCH_CLICKHOUSE_PASSWORD ?? '';
    const label = `ClickHouse server ${await versionOf(url, username, password)} (${url})`;
    const tcpPort = Number(process.env.DARKSCOPE_BENCH_CLICKHOUSE_TCP_PORT ?? 9000);
    return { server: { name: 'server', label, url, username, password, tcpPort, pids: [] }, stop: async () => undefined };
  }
  const s: LocalServer = await startLocalServer({ dataDir: `${DATA}clickhouse` });
  const version = await versionOf(s.url, 'default', '');
  log(`ClickHouse server ${version} started at ${s.url} (${s.binary})`);
  return {
    server: { name: 'server', label: `ClickHouse server ${version}`, url: s.url, username: 'default', password: '', tcpPort: s.tcpPort, pids: [s.pid] },
    stop: () => s.stop(),
  };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    args: { ...args, parts: [...args.parts] },
  };
  const lines: string[] = [];
  const file = args.parts.has('ingest') || args.parts.has('rollups') ? await capture(args.packets) : '';

  if (args.parts.has('parse')) {
    const p: ParseFigures = await measureParse(await capture(args.midPackets), args.rounds);
    results.parse = p;
    lines.push(`parse (${fmt(p.packets)} packets, median of ${args.rounds}):`,
      `  minimal record loop (ceiling)      ${fmt(p.ceilingPerSec / 1e6, 2)} M records/s`,
      `  darkscope reader                   ${fmt(p.readerPerSec / 1e6, 2)} M records/s  (${fmt((p.readerPerSec / p.ceilingPerSec) * 100, 1)}% of ceiling)`,
      `  reader + decode + classify         ${fmt(p.fullPerSec / 1e6, 2)} M packets/s  (${fmt((p.fullPerSec / p.ceilingPerSec) * 100, 1)}% of ceiling)`);
  }

  const running: Running[] = [];
  try {
    if (['ingest', 'rollups', 'memory', 'query', 'rawreads', 'watch'].some((p) => args.parts.has(p))) {
      for (const e of args.engines) running.push(e === 'embedded' ? await embedded() : await clickhouseServer());
    }
    const targets = running.map((r) => r.server);
    results.engines = targets.map((t) => ({ name: t.name, label: t.label }));
    const ingestSummaries: PipelineSummary[] = [];
    if (args.parts.has('ingest') && targets.length > 0) {
      const withTshark = targets.some((t) => t.tcpPort !== null) && ensureTshark();
      const runs: IngestRun[] = [];
      for (let round = 1; round <= args.rounds; round++) {
        for (const t of targets) {
          log(`ingest round ${round}/${args.rounds} on ${t.label}`);
          runs.push(await runDarkscope(t, file, args.packets));
          runs.push(await runNaive(t, file, args.packets));
          if (withTshark && t.tcpPort !== null) runs.push(await runTshark(t, file, args.packets));
        }
      }
      const s = summarize(runs);
      ingestSummaries.push(...s);
      results.ingest = { runs, summary: s };
      lines.push(`ingest (${fmt(args.packets)} packets with all rollups, median of ${args.rounds}; RSS: peak of the pipeline's processes / of the ClickHouse processes):`);
      for (const t of targets) {
        lines.push(`  on ${t.label}:`);
        const mine = s.filter((x) => x.engine === t.name);
        const ds = mine.find((x) => x.pipeline === 'darkscope');
        for (const x of mine) {
          const ratio = ds !== undefined && x !== ds ? `  (darkscope ${fmt(ds.packetsPerSec / x.packetsPerSec, 2)}x)` : '';
          lines.push(`    ${x.pipeline.padEnd(38)} ${fmt(x.packetsPerSec / 1e3, 1).padStart(7)} k packets/s  cpu ${fmt(x.cpuSec, 1)} s + ClickHouse ${fmt(x.serverCpuSec, 1)} s  ` +
            `RSS ${fmt(x.peakRssMb)} / ${fmt(x.serverPeakRssMb)} MB${x.allStored ? '' : '  (not every packet stored)'}${ratio}`);
        }
      }
    }
    if (args.parts.has('rollups')) {
      const figures: RollupCostFigures[] = [];
      const week = await demoWeek(DATA);
      const captures: RollupCapture[] = [
        { name: 'synthetic capture', file, packets: args.packets },
        { name: 'demo week', file: week.file, packets: week.packets, ingestArgs: week.ingestArgs },
      ];
      for (const t of targets) {
        for (const c of captures) {
          log(`rollups on ${t.label}, ${c.name}: the server's INSERT ... SELECT of ${fmt(c.packets)} packets with no view, all views, each view`);
          const r = await measureRollupCost(t, c, { rounds: args.rounds, log });
          figures.push(r);
          const perPacket = (n: number) => fmt(n / r.packets, 2);
          const rows = r.perView.reduce((a, v) => a + v.rows, 0);
          const states = r.perView.reduce((a, v) => a + v.states, 0);
          lines.push(`rollups on ${t.label}, ${r.capture} (the server copying ${fmt(r.packets)} stored packets, median of ${r.rounds}; rows right after the insert):`,
            `  raw table alone ${fmt(r.rawOnlySec, 2)} s; with every view (${r.views.length}) ${fmt(r.allViewsSec, 2)} s (${fmt(r.allViewsSec / r.rawOnlySec, 1)}x raw); ` +
            `${perPacket(rows)} rollup rows and ${perPacket(states)} unique-count states per packet`);
          for (const v of r.perView) {
            lines.push(`    ${v.table.padEnd(16)} raw + this view ${fmt(v.sec, 2).padStart(6)} s (+${fmt(Math.max(0, v.sec - r.rawOnlySec), 2)} s)  ${perPacket(v.rows)} rows/packet  ${perPacket(v.states)} states/packet`);
          }
        }
      }
      results.rollups = figures;
    }
    if (args.parts.has('memory') && targets.length > 0) {
      const t = targets[0];
      const mid = await capture(args.midPackets);
      const big = await capture(args.bigPackets);
      log(`memory: ingest of ${fmt(args.midPackets)} and ${fmt(args.bigPackets)} packets on ${t.label}`);
      const small = await runDarkscope(t, mid, args.midPackets, 'bench_mem_small');
      const large = await runDarkscope(t, big, args.bigPackets, 'bench_mem_large');
      results.memory = { engine: t.name, small, large };
      const row = (n: number, r: IngestRun) =>
        `  ${fmt(n).padStart(10)} packets  darkscope peak RSS ${fmt(r.peakRssMb).padStart(4)} MB (ClickHouse ${fmt(r.serverPeakRssMb)} MB)  ${fmt(r.packetsPerSec / 1e3, 1).padStart(6)} k packets/s  cpu ${fmt(r.cpuSec, 1)} s${r.stored === n ? '' : `  (stored ${fmt(r.stored)})`}`;
      lines.push(`memory and throughput (darkscope ingest alone, all rollups, on ${t.label}):`, row(args.midPackets, small), row(args.bigPackets, large));
    }
    const queryFigures: Array<{ engine: Server; q: QueryFigures; demo: DemoWeekQueryFigures }> = [];
    if (args.parts.has('query')) {
      const week = await demoWeek(DATA);
      for (const t of targets) {
        log(`query on ${t.label}: seeding rollups, then query latency and API throughput`);
        const q = await measureQueries(t, 'bench_query', { quick: args.quick, log });
        log(`query on ${t.label}: the demo week, ingested, then summary and sources/top over it`);
        const demo = await measureDemoWeek(t, 'bench_query_demo', week, BIN, { quick: args.quick, log });
        queryFigures.push({ engine: t, q, demo });
        const seed = q.seed;
        if (seed === null) throw new Error('the query part seeds its own database');
        const sz = seed.size;
        const m = (n: number) => `${fmt(n / 1e6, 1)} M`;
        const settled = q.settle.settled ? `merges settled in ${fmt(q.settle.seconds)} s` : `merges still running after ${fmt(q.settle.seconds)} s`;
        lines.push(`query on ${t.label} (timed runs after a warm-up; ${settled}; 1-min load average ${fmt(q.loadAvg.before, 1)} before, ${fmt(q.loadAvg.after, 1)} after):`,
          `  seed: ${sz.dayDays} d of day, ${sz.hourDays} d of hour rollups (first design, ${sz.sourceDays} d of source rollups) in ${fmt(seed.seconds)} s, ` +
          `of which the migration to 0008 ${fmt(seed.migrationSec, 1)} s ` +
          `(port_1h ${m(seed.rows.port_1h)} rows, port_total_1d ${m(seed.rows.port_total_1d)}, source_total_1d ${m(seed.rows.source_total_1d)}, ` +
          `country_1h ${m(seed.rows.country_1h)}, mix_1h ${m(seed.rows.mix_1h)}); ` +
          `a day: ${m(seed.lastDay.packets)} packets, ${fmt(seed.lastDay.ports)} ports, ${fmt(seed.lastDay.sources)} sources`);
        for (const x of q.queries) {
          const target = x.target === undefined ? '' : `  (target p50 < ${x.target.p50Ms}, p95 < ${x.target.p95Ms})`;
          lines.push(`  ${x.request.padEnd(52)} ${x.grain.padEnd(6)} p50 ${fmt(x.p50Ms).padStart(6)} ms  p95 ${fmt(x.p95Ms).padStart(6)} ms  ${String(x.runs).padStart(2)} runs${x.errors > 0 ? `  ${x.errors} errors` : ''}${target}`);
        }
        for (const a of [q.api, q.apiUncached]) {
          lines.push(`  API ${a.path}, result cache ${a.cacheSec > 0 ? `${fmt(a.cacheSec)} s` : 'off'} (autocannon, ${a.connections} connections, ${fmt(a.seconds)} s): ` +
            `${fmt(a.requestsPerSec, 1)} requests/s (${fmt(a.requests)} responses of ${fmt(a.sent)} requests), latency p50 ${fmt(a.latencyP50Ms)} ms p99 ${fmt(a.latencyP99Ms)} ms` +
            `${a.errors + a.non2xx > 0 ? `, ${a.errors} errors, ${a.non2xx} non-2xx` : ''}  (target >= ${a.target} requests/s)`);
        }
        lines.push(`  demo week, not seeded (${fmt(demo.packets)} packets ingested for real in ${fmt(demo.ingestSec, 1)} s; raw packets read at the ends of the range):`);
        for (const x of demo.queries) {
          lines.push(`  ${x.request.padEnd(52)} ${x.grain.padEnd(6)} p50 ${fmt(x.p50Ms).padStart(6)} ms  p95 ${fmt(x.p95Ms).padStart(6)} ms  ${String(x.runs).padStart(2)} runs${x.errors > 0 ? `  ${x.errors} errors: ${x.firstError?.slice(0, 200)}` : ''}`);
        }
      }
      results.query = Object.fromEntries(queryFigures.map(({ engine, q, demo }) => [engine.name, { ...q, demoWeek: demo }]));
    }
    if (args.parts.has('rawreads') && targets.length > 0) {
      const c = await rawCapture(DATA, args.rawPackets);
      // The queries run as of the capture's end (see rawCapture): the same ranges every run.
      const nowMs = c.endSec * 1000;
      log(`rawreads: ${c.generatedSec > 0 ? `generated ${c.file} in ${fmt(c.generatedSec, 1)} s` : `reusing ${c.file}`} (${fmt(captureMiB(c))} MiB)`);
      const figures: RawReadsFigures[] = [];
      for (const t of targets) {
        log(`rawreads on ${t.label}: ingest of ${fmt(c.packets)} packets, then the reads computed from raw`);
        figures.push(await measureRawReads(t, 'bench_raw', c, BIN, { quick: args.quick, nowSec: Math.floor(nowMs / 1000), log }));
      }
      results.rawreads = { capture: { packets: c.packets, hours: RAW_HOURS, startSec: c.startSec, endSec: c.endSec }, engines: figures };
      lines.push(`rawreads (${fmt(c.packets)} packets over the ${RAW_HOURS} hours before ${new Date(c.endSec * 1000).toISOString().slice(0, 16)}Z, one sensor; ` +
        `queries as of ${new Date(nowMs).toISOString().slice(0, 16)}Z on every engine; rollups computed from raw on read; result cache off; p50/p95 ms after a warm-up):`);
      for (const f of figures) {
        const t = targets.find((x) => x.name === f.engine);
        lines.push(`  ${(t?.label ?? f.engine).padEnd(34)} ingest ${fmt(f.ingestSec, 1)} s (${fmt(f.stored)} stored); load average ${fmt(f.loadAvg.before, 1)} before, ${fmt(f.loadAvg.after, 1)} after; profiled ${f.profiled}`);
      }
      lines.push(`  ${''.padEnd(58)} ${figures.map((f) => f.engine.padStart(24)).join('')}`);
      for (const [i, q] of (figures[0]?.queries ?? []).entries()) {
        const cells = figures.map((f) => {
          const x = f.queries[i];
          return `${fmt(x.p50Ms).padStart(7)} / ${fmt(x.p95Ms).padStart(6)} (${String(x.runs).padStart(2)})${x.errors > 0 ? '!' : ' '}`.padStart(24);
        });
        lines.push(`  ${`${q.request} [${q.grain}]`.padEnd(58)} ${cells.join('')}`);
      }
      for (const f of figures) {
        for (const x of f.queries) {
          lines.push(`    ${f.engine} ${x.name}: ${x.answer}${x.errors > 0 ? `; ${x.errors} errors: ${x.firstError?.slice(0, 200)}` : ''}`);
        }
      }
    }
    if (args.parts.has('watch')) {
      const figures: WatchFigures[] = [];
      for (const t of targets) {
        log(`watch on ${t.label}: a rotating writer, a backlog, then idle`);
        const w = await measureWatch(t, DATA, { rotatingFiles: 5, backlogPackets: args.quick ? 200_000 : 1_000_000, idleSec: args.quick ? 10 : 30, log });
        figures.push(w);
        const sorted = [...w.lagSec].sort((a, b) => a - b);
        lines.push(`ingest --watch on ${t.label} (quiet time 5 s):`,
          `  lag from the writer moving on to a file's packets being queryable: median ${fmt(sorted[Math.floor(sorted.length / 2)], 2)} s, max ${fmt(sorted[sorted.length - 1], 2)} s (${w.lagSec.length} files of 20 000 packets)`,
          `  backlog of ${w.backlog.files} files dropped at once: ${fmt(w.backlog.packets)} packets in ${fmt(w.backlog.seconds, 1)} s, ${fmt(w.backlog.packetsPerSec / 1e3, 1)} k packets/s`,
          `  idle watcher: ${fmt(w.idle.cpuSec, 2)} CPU s over ${w.idle.seconds} s, RSS ${fmt(w.idle.rssMb)} MB`);
      }
      results.watch = figures;
    }
    if (targets.length > 1 && (ingestSummaries.length > 0 || queryFigures.length > 0)) {
      lines.push('engines side by side:');
      for (const t of targets) {
        const ds = ingestSummaries.find((x) => x.engine === t.name && x.pipeline === 'darkscope');
        const found = queryFigures.find((x) => x.engine === t);
        const q = found?.q;
        const part = (name: string) => {
          const f = q?.queries.find((x) => x.name === name);
          return f === undefined ? '' : `  ${name} p50/p95 ${fmt(f.p50Ms)}/${fmt(f.p95Ms)} ms`;
        };
        const demo = found?.demo.queries.find((x) => x.name === 'sources/top');
        const ingest = ds === undefined ? '' : `ingest ${fmt(ds.packetsPerSec / 1e3, 1)} k packets/s, RSS darkscope ${fmt(ds.peakRssMb)} MB, ClickHouse ${fmt(ds.serverPeakRssMb)} MB`;
        lines.push(`  ${t.label.padEnd(34)} ${ingest}${part('summary')}${part('ports/top')}${part('sources/top')}` +
          `${demo === undefined ? '' : `  demo-week sources/top p50/p95 ${fmt(demo.p50Ms)}/${fmt(demo.p95Ms)} ms`}`);
      }
    }
  } catch (e) {
    // A later part failed: keep the figures of the parts that finished.
    process.stdout.write(`\n${lines.join('\n')}\n\n(bench stopped early: ${e instanceof Error ? e.message.slice(0, 300) : String(e)})\n`);
    throw e;
  } finally {
    for (const r of running) await r.stop();
  }

  if (args.parts.has('cluster')) {
    const c = await measureClusterIngest({ file: await capture(args.clusterPackets), packets: args.clusterPackets, rounds: args.clusterRounds, dataDir: `${DATA}cluster`, log });
    results.cluster = c;
    const single = c.summary.find((x) => x.target === 'single');
    lines.push(`cluster (${fmt(args.clusterPackets)} packets, darkscope ingest, median of ${args.clusterRounds}; every server on this machine):`);
    for (const x of c.summary) {
      const label = { single: 'single server', '2x1': '2 shards x 1 replica', '2x2': '2 shards x 2 replicas' }[x.target];
      const ratio = single !== undefined && x !== single ? `  (${fmt(x.packetsPerSec / single.packetsPerSec, 2)}x single)` : '';
      lines.push(`  ${label.padEnd(38)} ${fmt(x.packetsPerSec / 1e3, 1).padStart(8)} k packets/s  server cpu ${fmt(x.serverCpuSec, 1)} s  darkscope cpu ${fmt(x.clientCpuSec, 1)} s${x.allStored ? '' : '  (not every packet stored)'}${ratio}`);
    }
    lines.push(`  cluster start ${fmt(c.clusterStartSec, 1)} s; RSS after the runs: nodes ${c.nodeRssMb.map((m) => fmt(m)).join(' / ')} MB, ZooKeeper ${fmt(c.zookeeperRssMb)} MB`);
  }

  results.elapsedSec = (performance.now() - started) / 1000;
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${lines.join('\n')}\n\nelapsed ${fmt(results.elapsedSec as number)} s; results in bench/results/latest.json\n`);
}

await main();
