/**
 * The `rollups` part: what each rollup costs the server, measured the way
 * ClickHouse pays for it. A capture is ingested once into a source database;
 * then, on a fresh database per configuration (migrated to the current
 * schema), the server copies those rows with `INSERT INTO packets SELECT *
 * FROM <source>.packets` (the same settings as darkscope's inserts), with:
 *   - no view (the raw table alone): every materialized view of the
 *     database is dropped, whatever its name;
 *   - every view (what an ingest pays);
 *   - the raw table and one view, for each stored rollup (ROLLUPS).
 * Reported: the server's time for each, the rows each rollup holds right
 * after the insert (parts may merge meanwhile, so an upper bound of what
 * stays and a lower bound of what was written) and the unique-count
 * (uniqCombined) states in them, per packet. darkscope's own side is not in
 * these figures.
 *
 * run.ts measures two captures: the bench's synthetic capture and the demo
 * week (bench/demo-week.ts), on which issue #14 states its target of at most
 * one rollup row per packet.
 */
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/store/migrate.js';
import { col } from '../src/store/row-decoders.js';
import { ROLLUPS } from '../src/store/rollups.js';
import { knownSettings, packetInsertSettings } from '../src/store/server-settings.js';
import { sql, sqlIdent, sqlString } from '../src/store/sql.js';
import type { StoreClient } from '../src/store/client.js';
import { freshDatabase, median, serverEnv, storeOf, type Server } from './ingest-compare.js';
import { runSampled } from './proc-sampler.js';

const BIN = fileURLToPath(new URL('../bin/darkscope.js', import.meta.url));
const SOURCE_DB = 'bench_rollup_src';
const TARGET_DB = 'bench_rollup_cost';

/** A capture to measure on, and how to ingest it. */
export interface RollupCapture {
  /** What it is, in the report (e.g. "synthetic capture", "demo week"). */
  readonly name: string;
  readonly file: string;
  readonly packets: number;
  /** `darkscope ingest` arguments besides the database and the file (default: `--sensor bench`). */
  readonly ingestArgs?: readonly string[];
}

export interface RollupCostFigures {
  readonly engine: string;
  readonly capture: string;
  /** Packets stored from the capture (and copied by each configuration): the "per packet" of the figures. */
  readonly packets: number;
  readonly rounds: number;
  /** The materialized views of a freshly migrated database (the "every view" configuration). */
  readonly views: readonly string[];
  /** Median seconds of the server's INSERT ... SELECT. */
  readonly rawOnlySec: number;
  readonly allViewsSec: number;
  /** Per stored rollup: median seconds with the raw table and its view alone; rows and uniqCombined states right after the all-views insert. */
  readonly perView: Array<{ table: string; sec: number; rows: number; states: number }>;
}

async function materializedViews(store: StoreClient): Promise<string[]> {
  const rows = await store.query(
    sql`SELECT name FROM system.tables WHERE database = ${sqlString(TARGET_DB)} AND engine = 'MaterializedView' ORDER BY name`,
    { name: col.string });
  return rows.map((r) => r.name);
}

/** A fresh TARGET_DB keeping only the views in `keep` (every other view dropped), then the timed copy. */
async function timedCopy(server: Server, keep: ReadonlySet<string>): Promise<number> {
  const store = storeOf(server, TARGET_DB);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(TARGET_DB)}`);
    await migrate(store);
    for (const v of await materializedViews(store)) if (!keep.has(v)) await store.command(sql`DROP TABLE ${store.table(v)}`);
    const settings = packetInsertSettings(await knownSettings(store));
    const t0 = performance.now();
    await store.command(sql`INSERT INTO ${store.table('packets')} SELECT * FROM ${sqlIdent(SOURCE_DB)}.${sqlIdent('packets')}`, { settings });
    return (performance.now() - t0) / 1000;
  } finally {
    await store.close();
  }
}

async function rowsAndStates(server: Server): Promise<Map<string, { rows: number; states: number }>> {
  const store = storeOf(server, TARGET_DB);
  try {
    const out = new Map<string, { rows: number; states: number }>();
    for (const r of ROLLUPS) {
      const n = (await store.query(sql`SELECT count() AS n FROM ${store.table(r.table)}`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
      const s = (await store.query(sql`SELECT count() AS n FROM system.columns WHERE database = ${sqlString(TARGET_DB)} AND table = ${sqlString(r.table)} AND startsWith(type, 'AggregateFunction(uniqCombined')`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
      out.set(r.table, { rows: n, states: n * s });
    }
    return out;
  } finally {
    await store.close();
  }
}

/** The views of a freshly migrated database; warns (through `log`) when they are not exactly ROLLUPS' views. */
async function migratedViews(server: Server, log: (s: string) => void): Promise<string[]> {
  const store = storeOf(server, TARGET_DB);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(TARGET_DB)}`);
    await migrate(store);
    const views = await materializedViews(store);
    const expected = ROLLUPS.map((r) => r.view).sort();
    if (views.join() !== expected.join()) {
      log(`rollups: the migrated database's views (${views.join(', ')}) are not the stored rollups' (${expected.join(', ')}): "every view" measures the former`);
    }
    return views;
  } finally {
    await store.close();
  }
}

export async function measureRollupCost(server: Server, capture: RollupCapture, opts: { rounds: number; log: (s: string) => void }): Promise<RollupCostFigures> {
  await freshDatabase(server, SOURCE_DB);
  const ingestArgs = capture.ingestArgs ?? ['--sensor', 'bench'];
  const ingest = await runSampled(process.execPath, [BIN, 'ingest', '--database', SOURCE_DB, ...ingestArgs, capture.file], { env: serverEnv(server) });
  if (ingest.code !== 0) throw new Error(`ingest into ${SOURCE_DB} failed: ${ingest.stderr.slice(-1000)}`);
  const source = storeOf(server, SOURCE_DB);
  let packets: number;
  try {
    packets = (await source.query(sql`SELECT count() AS n FROM ${source.table('packets')}`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
  } finally {
    await source.close();
  }
  if (packets !== capture.packets) opts.log(`rollups: ${capture.name}: ${packets} of its ${capture.packets} packets stored; figures are per stored packet`);
  const views = await migratedViews(server, opts.log);
  const raw: number[] = [];
  const full: number[] = [];
  const each = new Map<string, number[]>(ROLLUPS.map((r) => [r.table, []]));
  let counts = new Map<string, { rows: number; states: number }>();
  for (let round = 1; round <= opts.rounds; round++) {
    raw.push(await timedCopy(server, new Set()));
    full.push(await timedCopy(server, new Set(views)));
    if (round === 1) counts = await rowsAndStates(server);
    for (const r of ROLLUPS) each.get(r.table)?.push(await timedCopy(server, new Set([r.view])));
    opts.log(`rollups on ${server.label}, ${capture.name}: round ${round}/${opts.rounds} raw ${raw.at(-1)?.toFixed(2)} s, all views ${full.at(-1)?.toFixed(2)} s`);
  }
  const store = storeOf(server, TARGET_DB);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(TARGET_DB)}`);
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(SOURCE_DB)}`);
  } finally {
    await store.close();
  }
  return {
    engine: server.name,
    capture: capture.name,
    packets,
    rounds: opts.rounds,
    views,
    rawOnlySec: median(raw),
    allViewsSec: median(full),
    perView: ROLLUPS.map((r) => ({ table: r.table, sec: median(each.get(r.table) ?? []), rows: counts.get(r.table)?.rows ?? 0, states: counts.get(r.table)?.states ?? 0 })),
  };
}
