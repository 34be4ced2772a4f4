/**
 * What the scan-event activity rollup (activity_1m and its view, migration
 * 0007) costs the ingest: `darkscope ingest` of the same synthetic capture
 * into a fresh database on darkscope's embedded ClickHouse, with the view and
 * with the view dropped, alternated round by round (A B A B ...). Build first
 * (`npm run build`): it runs bin/darkscope.js.
 *
 *   npx tsx bench/activity-cost.ts [--packets 1000000] [--rounds 3] [--engine embedded|server]
 *
 * `--engine server` measures a private ClickHouse server (Debian's 18.16 here)
 * under bench/.data/clickhouse instead of the embedded engine.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureEmbeddedEngine, stopEmbeddedEngine } from '../src/store/embedded/embedded-engine.js';
import { migrate } from '../src/store/migrate.js';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlIdent } from '../src/store/sql.js';
import { writeSynthCapture } from '../src/synth/generator.js';
import { median, serverEnv, storeOf, type Server } from './ingest-compare.js';
import { runSampled } from './proc-sampler.js';
import { startLocalServer } from '../tests/support/local-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = `${ROOT}bench/.data/`;
const BIN = `${ROOT}bin/darkscope.js`;
const DB = 'bench_activity';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Figures { readonly pps: number; readonly cpuSec: number }

async function run(server: Server, file: string, packets: number, withView: boolean): Promise<Figures> {
  const store = storeOf(server, DB);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(DB)}`);
    await migrate(store);
    if (!withView) await store.command(sql`DROP TABLE ${store.table('activity_1m_mv')}`);
    const r = await runSampled(process.execPath, [BIN, 'ingest', '--database', DB, '--sensor', 'bench', file], { env: serverEnv(server), watch: server.pids });
    if (r.code !== 0) throw new Error(`ingest failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const rows = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')}`, { n: col.uint64AsNumber });
    if (rows[0]?.n !== packets) throw new Error(`stored ${rows[0]?.n} of ${packets} packets`);
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(DB)}`);
    // CPU seconds of darkscope and the engine: steadier than wall time on a shared machine.
    return { pps: packets / (r.wallMs / 1000), cpuSec: r.cpuSec + r.watchedCpuSec };
  } finally {
    await store.close();
  }
}

async function embedded(): Promise<{ server: Server; stop: () => Promise<void> }> {
  const dir = `${DATA}engine`;
  const e = await ensureEmbeddedEngine({ dir });
  return {
    server: {
      name: 'embedded', label: `embedded ClickHouse ${e.state.version}`, url: e.url, username: e.username, password: e.password, tcpPort: null,
      pids: [e.state.supervisorPid, e.state.enginePid].filter((p) => p > 0),
    },
    stop: async () => { await stopEmbeddedEngine(dir); },
  };
}

async function privateServer(): Promise<{ server: Server; stop: () => Promise<void> }> {
  const s = await startLocalServer({ dataDir: `${DATA}clickhouse` });
  return {
    server: { name: 'server', label: `ClickHouse server (${s.binary})`, url: s.url, username: 'default', password: '', tcpPort: s.tcpPort, pids: [s.pid] },
    stop: () => s.stop(),
  };
}

async function main(): Promise<void> {
  const packets = arg('packets', 1_000_000);
  const rounds = arg('rounds', 3);
  mkdirSync(DATA, { recursive: true });
  const file = `${DATA}synth-${packets}.pcap`;
  if (!existsSync(file)) await writeSynthCapture(file, { packets, seed: 1, durationSec: Math.max(3600, Math.round(packets / 2000)) });
  const { server, stop } = process.argv.includes('server') ? await privateServer() : await embedded();
  const figures = { with: [] as Figures[], without: [] as Figures[] };
  try {
    for (let i = 0; i < rounds; i++) {
      for (const withView of [true, false]) {
        const f = await run(server, file, packets, withView);
        (withView ? figures.with : figures.without).push(f);
        process.stderr.write(`round ${i + 1}: ${withView ? 'with' : 'without'} activity_1m_mv ${(f.pps / 1000).toFixed(1)} k packets/s, ${f.cpuSec.toFixed(1)} CPU s\n`);
      }
    }
  } finally {
    await stop();
  }
  const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
  const [w, wo] = [figures.with, figures.without].map((xs) => ({ pps: median(xs.map((x) => x.pps)), cpuSec: median(xs.map((x) => x.cpuSec)) }));
  process.stdout.write(`${server.label}, ${packets.toLocaleString('en-US')} packets, median of ${rounds} (CPU: darkscope + engine):\n` +
    `  without activity_1m_mv  ${(wo.pps / 1000).toFixed(1)} k packets/s  ${wo.cpuSec.toFixed(1)} CPU s\n` +
    `  with activity_1m_mv     ${(w.pps / 1000).toFixed(1)} k packets/s  ${w.cpuSec.toFixed(1)} CPU s  (${pct(w.pps, wo.pps)} packets/s, ${pct(w.cpuSec, wo.cpuSec)} CPU)\n`);
}

await main();
