/**
 * Helpers for the ingest integration tests (tests/integration/ingest-*.test.ts):
 * synthetic captures in a temporary directory, the built binary spawned as a
 * user would run it (so it can be SIGKILLed), and the known-answer checks that
 * every ingest test ends with: raw row count, no duplicate record, and every
 * rollup equal to raw in every bucket after OPTIMIZE FINAL.
 *
 * Every query takes the sensor, so one test database can hold several inputs.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { StoreClient } from '../../../src/store/client.js';
import { ROLLUPS, type RollupDef } from '../../../src/store/rollups.js';
import { col } from '../../../src/store/row-decoders.js';
import { sql, sqlString, type SqlFragment } from '../../../src/store/sql.js';
import { writeSynthCapture, type SynthOptions, type SynthTruth } from '../../../src/synth/generator.js';
import { BIN } from '../../helpers/run-cli.js';

// ---------------------------------------------------------------- files

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), `darkscope-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface SynthFile {
  readonly path: string;
  readonly truth: SynthTruth;
}

/** Writes a seeded synthetic darknet capture and returns its path and truth. */
export async function synthCapture(dir: string, name: string, options: SynthOptions): Promise<SynthFile> {
  const path = join(dir, name);
  const truth = await writeSynthCapture(path, options);
  return { path, truth };
}

// ---------------------------------------------------------------- CLI

/** Environment that points the CLI at a test database. */
export function storeEnv(db: { readonly url: string; readonly name: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { DARKSCOPE_CLICKHOUSE_URL: db.url, DARKSCOPE_DATABASE: db.name, ...extra };
}

export interface BinExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnedBin {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<BinExit>;
  /** True once the process has exited. */
  readonly done: () => boolean;
  /** What it has written to stderr so far. */
  readonly stderrSoFar: () => string;
}

/**
 * Starts the built binary (`npm run build` first; `npm test` does it) with
 * the given arguments, the test's environment plus `env`; `stdin: true`
 * gives it a pipe to write to (child.stdin).
 */
export function spawnBin(args: readonly string[], env: Record<string, string>, opts: { stdin?: boolean } = {}): SpawnedBin {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: [opts.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  let finished = false;
  const exited = new Promise<BinExit>((resolve) => {
    child.on('close', (code, signal) => {
      finished = true;
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.on('error', (e) => {
      finished = true;
      resolve({ code: -1, signal: null, stdout: '', stderr: String(e) });
    });
  });
  return { child, exited, done: () => finished, stderrSoFar: () => Buffer.concat(err).toString('utf8') };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(opts.intervalMs ?? 10);
  }
}

// ---------------------------------------------------------------- store checks

function sensorIs(sensor: string): SqlFragment {
  return sql`sensor = ${sqlString(sensor)}`;
}

/** Raw rows of `sensor`. */
export async function rawCount(store: StoreClient, sensor: string): Promise<number> {
  const r = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')} WHERE ${sensorIs(sensor)}`, { n: col.uint64AsNumber });
  return r[0]?.n ?? -1;
}

/**
 * The raw count once it has stopped changing for `quietMs` (an insert a
 * killed client had fully sent may still be committed by the server).
 */
export async function settledRawCount(store: StoreClient, sensor: string, quietMs = 400): Promise<number> {
  let last = await rawCount(store, sensor);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    await sleep(50);
    const n = await rawCount(store, sensor);
    if (n !== last) {
      last = n;
      since = Date.now();
    }
  }
  return last;
}

export interface RawIntegrity {
  readonly rows: number;
  /** Distinct (batch_key, record_index): equals rows when nothing is stored twice. */
  readonly distinctRecords: number;
  /** Distinct record_index per file key: equals rows too (a record resent under another batch key). */
  readonly distinctFileRecords: number;
}

export async function rawIntegrity(store: StoreClient, sensor: string): Promise<RawIntegrity> {
  const r = await store.query(
    sql`SELECT count() AS rows, uniqExact(batch_key, record_index) AS distinct_records,
               uniqExact(intDiv(batch_key, 4294967296), record_index) AS distinct_file_records
        FROM ${store.table('packets')} WHERE ${sensorIs(sensor)}`,
    { rows: col.uint64AsNumber, distinct_records: col.uint64AsNumber, distinct_file_records: col.uint64AsNumber });
  const x = r[0];
  return { rows: x?.rows ?? -1, distinctRecords: x?.distinct_records ?? -1, distinctFileRecords: x?.distinct_file_records ?? -1 };
}

/** OPTIMIZE TABLE ... FINAL on every rollup table. */
export async function optimizeRollups(store: StoreClient): Promise<void> {
  for (const r of ROLLUPS) await store.command(sql`OPTIMIZE TABLE ${store.table(r.table)} FINAL`);
}

const RAW_BUCKET: Record<RollupDef['bucket'], SqlFragment> = {
  minute: sql`toStartOfMinute(ts)`,
  hour: sql`toStartOfHour(ts)`,
  day: sql`toStartOfDay(ts)`,
};

/** One line per bucket: "t packets bytes" (bytes "-" for rollups without bytes). */
export async function rawBuckets(store: StoreClient, sensor: string, bucket: RollupDef['bucket'], withBytes: boolean): Promise<string[]> {
  const bytes = withBytes ? sql`toString(sum(toUInt64(ip_len)))` : sql`'-'`;
  const rows = await store.query(
    sql`SELECT concat(toString(toUInt32(${RAW_BUCKET[bucket]})), ' ', toString(count()), ' ', ${bytes}) AS line
        FROM ${store.table('packets')} WHERE ${sensorIs(sensor)}
        GROUP BY toUInt32(${RAW_BUCKET[bucket]}) ORDER BY toUInt32(${RAW_BUCKET[bucket]})`,
    { line: col.string });
  return rows.map((r) => r.line);
}

export function hasBytes(r: RollupDef): boolean {
  return r.measures.some((m) => m.name === 'bytes');
}

/** The same lines from a rollup table (aggregated, so valid before or after merges). */
export async function rollupBuckets(store: StoreClient, sensor: string, r: RollupDef, withBytes: boolean): Promise<string[]> {
  const bytes = withBytes ? sql`toString(sum(bytes))` : sql`'-'`;
  const rows = await store.query(
    sql`SELECT concat(toString(toUInt32(t)), ' ', toString(sum(packets)), ' ', ${bytes}) AS line
        FROM ${store.table(r.table)} WHERE ${sensorIs(sensor)}
        GROUP BY toUInt32(t) ORDER BY toUInt32(t)`,
    { line: col.string });
  return rows.map((x) => x.line);
}

/**
 * After OPTIMIZE FINAL on every rollup: for every minute, hour and day, each
 * rollup of that granularity has exactly the raw table's packets (and bytes,
 * where it keeps bytes). Returns the number of buckets checked per granularity.
 */
export async function expectRollupsEqualRaw(store: StoreClient, sensor: string): Promise<Record<RollupDef['bucket'], number>> {
  await optimizeRollups(store);
  const checked: Record<RollupDef['bucket'], number> = { minute: 0, hour: 0, day: 0 };
  for (const r of ROLLUPS) {
    const withBytes = hasBytes(r);
    const expected = await rawBuckets(store, sensor, r.bucket, withBytes);
    const actual = await rollupBuckets(store, sensor, r, withBytes);
    expect(actual.length, `${r.table}: number of ${r.bucket} buckets`).toBe(expected.length);
    expect(actual, `${r.table}: packets${withBytes ? ' and bytes' : ''} per ${r.bucket}`).toEqual(expected);
    checked[r.bucket] = expected.length;
  }
  return checked;
}

/** Every stored record once, `expected` rows in all, rollups equal to raw: the end state of every ingest. */
export async function expectExactlyStored(store: StoreClient, sensor: string, expected: number): Promise<void> {
  const integrity = await rawIntegrity(store, sensor);
  expect(integrity).toEqual({ rows: expected, distinctRecords: expected, distinctFileRecords: expected });
  await expectRollupsEqualRaw(store, sensor);
}

// ---------------------------------------------------------------- summary text

export interface IngestSummaryLines {
  readonly inputs: number;
  readonly alreadyIngested: number;
  readonly read: number;
  readonly stored: number;
  readonly alreadyStored: number;
  readonly skipped: number;
  readonly skippedReasons: Record<string, number>;
  readonly batches: number;
  readonly retries: number;
  readonly elapsed: string;
}

const SUMMARY_RE = new RegExp([
  /^ingest complete: (\d+) inputs?(?: \((\d+) already ingested\))? into (\S+), sensor "([^"]*)"\n/.source,
  /  packets read (\d+), stored (\d+)(?:, already stored before (\d+))?, skipped (\d+)(?: \(([^)]*)\))?\n/.source,
  /  batches (\d+), retries (\d+), elapsed (\d+:\d\d(?::\d\d)?), [\d.]+(?: [kMG])? packets\/s$/.source,
].join(''), 'm');

/** Parses the summary `darkscope ingest` prints last on stderr; throws if there is none. */
export function parseIngestSummary(stderr: string): IngestSummaryLines & { database: string; sensor: string } {
  const m = SUMMARY_RE.exec(stderr);
  if (m === null) throw new Error(`no ingest summary in stderr:\n${stderr.slice(-2000)}`);
  const reasons: Record<string, number> = {};
  for (const part of (m[9] ?? '').split(', ').filter((p) => p !== '')) {
    const [k, v] = part.split(' ');
    reasons[k] = Number(v);
  }
  return {
    inputs: Number(m[1]),
    alreadyIngested: Number(m[2] ?? 0),
    database: m[3],
    sensor: m[4],
    read: Number(m[5]),
    stored: Number(m[6]),
    alreadyStored: Number(m[7] ?? 0),
    skipped: Number(m[8]),
    skippedReasons: reasons,
    batches: Number(m[10]),
    retries: Number(m[11]),
    elapsed: m[12],
  };
}
