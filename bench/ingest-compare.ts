/**
 * Ingest comparison on one capture, each run into a fresh database, the
 * pipelines and engines alternated round by round (A B C A B C ...) so that a
 * noisy machine hurts them alike. Reports medians per pipeline and engine.
 */
import { fileURLToPath } from 'node:url';
import { createStoreClient, type StoreClient } from '../src/store/client.js';
import { migrate } from '../src/store/migrate.js';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlIdent } from '../src/store/sql.js';
import { runSampled, type ProcRun } from './proc-sampler.js';
import { createStage, tsharkPipeline } from './tshark-ingest.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}bin/darkscope.js`;
const TSX = `${ROOT}node_modules/.bin/tsx`;

/** A ClickHouse the bench measures: darkscope's embedded engine or a ClickHouse server. */
export interface Server {
  /** Short name in tables: `embedded` or `server`. */
  readonly name: string;
  /** What it is, with its version (e.g. "embedded ClickHouse 26.7.2.1"). */
  readonly label: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Native-protocol port for clickhouse-client; null when there is none (the embedded engine). */
  readonly tcpPort: number | null;
  /** Its processes, watched for CPU and memory while a pipeline runs. */
  readonly pids: readonly number[];
}

/** The environment that points a darkscope command at `server`. */
export function serverEnv(server: Server): NodeJS.ProcessEnv {
  return { DARKSCOPE_CLICKHOUSE_URL: server.url, DARKSCOPE_CLICKHOUSE_USER: server.username, DARKSCOPE_CLICKHOUSE_PASSWORD: server.password };
}

export function storeOf(server: Server, database: string): StoreClient {
  return createStoreClient({ url: server.url, username: server.username, password: server.password, database, requestTimeoutMs: 1_800_000 });
}

export interface IngestRun {
  pipeline: string;
  /** `Server.name` of the ClickHouse it stored into. */
  engine: string;
  packets: number;
  stored: number;
  wallSec: number;
  cpuSec: number;
  peakRssMb: number;
  /** The ClickHouse processes during the run: CPU seconds used and peak RSS. */
  serverCpuSec: number;
  serverPeakRssMb: number;
  packetsPerSec: number;
}

export async function freshDatabase(server: Server, db: string): Promise<void> {
  const store = storeOf(server, db);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`);
    await migrate(store);
  } finally {
    await store.close();
  }
}

async function finish(pipeline: string, r: ProcRun, server: Server, db: string, packets: number): Promise<IngestRun> {
  if (r.code !== 0) throw new Error(`${pipeline} on ${server.name} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const store = storeOf(server, db);
  try {
    const rows = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')}`, { n: col.uint64AsNumber });
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`);
    return {
      pipeline, engine: server.name, packets, stored: rows[0]?.n ?? 0, wallSec: r.wallMs / 1000, cpuSec: r.cpuSec, peakRssMb: r.peakRssMb,
      serverCpuSec: r.watchedCpuSec, serverPeakRssMb: r.watchedPeakRssMb, packetsPerSec: packets / (r.wallMs / 1000),
    };
  } finally {
    await store.close();
  }
}

export async function runDarkscope(server: Server, file: string, packets: number, db = 'bench_darkscope'): Promise<IngestRun> {
  await freshDatabase(server, db);
  const r = await runSampled(process.execPath, [BIN, 'ingest', '--database', db, '--sensor', 'bench', file], { env: serverEnv(server), watch: server.pids });
  return finish('darkscope', r, server, db, packets);
}

export async function runNaive(server: Server, file: string, packets: number, db = 'bench_naive'): Promise<IngestRun> {
  await freshDatabase(server, db);
  const r = await runSampled(TSX, [`${ROOT}bench/naive-ingest.ts`, file, server.url, db], { env: serverEnv(server), watch: server.pids });
  return finish('naive (pcap-parser + JSONEachRow)', r, server, db, packets);
}

/** Needs clickhouse-client and the server's native port. */
export async function runTshark(server: Server, file: string, packets: number, db = 'bench_tshark'): Promise<IngestRun> {
  if (server.tcpPort === null) throw new Error(`the tshark pipeline needs a native port (clickhouse-client); ${server.name} has none`);
  await freshDatabase(server, db);
  createStage(server.tcpPort, db);
  const r = await runSampled('bash', ['-c', tsharkPipeline(file, server.tcpPort, db)], { watch: server.pids });
  return finish('tshark -T fields | clickhouse-client', r, server, db, packets);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface PipelineSummary {
  pipeline: string;
  engine: string;
  rounds: number;
  packetsPerSec: number;
  cpuSec: number;
  peakRssMb: number;
  wallSec: number;
  serverCpuSec: number;
  serverPeakRssMb: number;
  allStored: boolean;
}

export function summarize(runs: IngestRun[]): PipelineSummary[] {
  const by = new Map<string, IngestRun[]>();
  for (const r of runs) {
    const key = `${r.engine}\t${r.pipeline}`;
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.values()].map((rs) => ({
    pipeline: rs[0].pipeline,
    engine: rs[0].engine,
    rounds: rs.length,
    packetsPerSec: median(rs.map((r) => r.packetsPerSec)),
    cpuSec: median(rs.map((r) => r.cpuSec)),
    peakRssMb: median(rs.map((r) => r.peakRssMb)),
    wallSec: median(rs.map((r) => r.wallSec)),
    serverCpuSec: median(rs.map((r) => r.serverCpuSec)),
    serverPeakRssMb: median(rs.map((r) => r.serverPeakRssMb)),
    allStored: rs.every((r) => r.stored === r.packets),
  }));
}
