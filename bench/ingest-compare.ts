/**
 * Ingest comparison on one capture, each run into a fresh database of the same
 * ClickHouse server, alternating the pipelines round by round (A B C A B C ...)
 * so that a noisy machine hurts them alike. Reports medians.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSampled, type ProcRun } from './proc-sampler.js';
import { createStage, tsharkPipeline } from './tshark-ingest.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}bin/darkscope.js`;
const TSX = `${ROOT}node_modules/.bin/tsx`;

export interface Server {
  url: string;
  tcpPort: number;
}

export interface IngestRun {
  pipeline: string;
  packets: number;
  stored: number;
  wallSec: number;
  cpuSec: number;
  peakRssMb: number;
  packetsPerSec: number;
}

function clickhouse(server: Server, query: string): string {
  return execFileSync('clickhouse-client', ['--port', String(server.tcpPort), '--query', query], { encoding: 'utf8' }).trim();
}

function freshDatabase(server: Server, db: string): void {
  clickhouse(server, `DROP DATABASE IF EXISTS ${db}`);
  execFileSync(process.execPath, [BIN, 'migrate', '--database', db], { env: { ...process.env, DARKSCOPE_CLICKHOUSE_URL: server.url }, stdio: 'ignore' });
}

function finish(pipeline: string, r: ProcRun, server: Server, db: string, packets: number): IngestRun {
  if (r.code !== 0) throw new Error(`${pipeline} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  const stored = Number(clickhouse(server, `SELECT count() FROM ${db}.packets`));
  clickhouse(server, `DROP DATABASE IF EXISTS ${db}`);
  return { pipeline, packets, stored, wallSec: r.wallMs / 1000, cpuSec: r.cpuSec, peakRssMb: r.peakRssMb, packetsPerSec: packets / (r.wallMs / 1000) };
}

export async function runDarkscope(server: Server, file: string, packets: number, db = 'bench_darkscope'): Promise<IngestRun> {
  freshDatabase(server, db);
  const r = await runSampled(process.execPath, [BIN, 'ingest', '--database', db, '--sensor', 'bench', file], { env: { DARKSCOPE_CLICKHOUSE_URL: server.url } });
  return finish('darkscope', r, server, db, packets);
}

export async function runNaive(server: Server, file: string, packets: number, db = 'bench_naive'): Promise<IngestRun> {
  freshDatabase(server, db);
  const r = await runSampled(TSX, [`${ROOT}bench/naive-ingest.ts`, file, server.url, db]);
  return finish('naive (pcap-parser + JSONEachRow)', r, server, db, packets);
}

export async function runTshark(server: Server, file: string, packets: number, db = 'bench_tshark'): Promise<IngestRun> {
  freshDatabase(server, db);
  createStage(server.tcpPort, db);
  const r = await runSampled('bash', ['-c', tsharkPipeline(file, server.tcpPort, db)]);
  return finish('tshark -T fields | clickhouse-client', r, server, db, packets);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface PipelineSummary {
  pipeline: string;
  rounds: number;
  packetsPerSec: number;
  cpuSec: number;
  peakRssMb: number;
  wallSec: number;
  allStored: boolean;
}

export function summarize(runs: IngestRun[]): PipelineSummary[] {
  const by = new Map<string, IngestRun[]>();
  for (const r of runs) by.set(r.pipeline, [...(by.get(r.pipeline) ?? []), r]);
  return [...by.entries()].map(([pipeline, rs]) => ({
    pipeline,
    rounds: rs.length,
    packetsPerSec: median(rs.map((r) => r.packetsPerSec)),
    cpuSec: median(rs.map((r) => r.cpuSec)),
    peakRssMb: median(rs.map((r) => r.peakRssMb)),
    wallSec: median(rs.map((r) => r.wallSec)),
    allStored: rs.every((r) => r.stored === r.packets),
  }));
}
