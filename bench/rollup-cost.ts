/**
 * The `rollups` part: what each rollup costs the server, measured the way
 * ClickHouse pays for it. The capture is ingested once into a source
 * database; then, on a fresh database per configuration, the server copies
 * those rows with `INSERT INTO packets SELECT * FROM <source>.packets` (the
 * same settings as darkscope's inserts), with:
 *   - no view (the raw table alone),
 *   - every view (what an ingest pays),
 *   - the raw table and one view, for each view.
 * Reported: the server's time for each, the rows each rollup holds right
 * after the insert (parts may merge meanwhile, so an upper bound of what
 * stays and a lower bound of what was written) and the unique-count states
 * in them, per packet. darkscope's own side is not in these figures.
 */
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/store/migrate.js';
import { col } from '../src/store/row-decoders.js';
import { ALL_ROLLUPS } from '../src/store/rollups.js';
import { knownSettings, packetInsertSettings } from '../src/store/server-settings.js';
import { sql, sqlIdent, sqlString } from '../src/store/sql.js';
import { freshDatabase, median, serverEnv, storeOf, type Server } from './ingest-compare.js';
import { runSampled } from './proc-sampler.js';

const BIN = fileURLToPath(new URL('../bin/darkscope.js', import.meta.url));
const SOURCE_DB = 'bench_rollup_src';
const TARGET_DB = 'bench_rollup_cost';

export interface RollupCostFigures {
  readonly engine: string;
  readonly packets: number;
  readonly rounds: number;
  /** Median seconds of the server's INSERT ... SELECT. */
  readonly rawOnlySec: number;
  readonly allViewsSec: number;
  /** Per view: median seconds with the raw table and that view alone. */
  readonly perView: Array<{ table: string; sec: number; rows: number; states: number }>;
}

async function timedCopy(server: Server, keep: ReadonlySet<string>): Promise<number> {
  const store = storeOf(server, TARGET_DB);
  try {
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(TARGET_DB)}`);
    await migrate(store);
    for (const r of ALL_ROLLUPS) if (!keep.has(r.table)) await store.command(sql`DROP TABLE ${store.table(r.view)}`);
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
    for (const r of ALL_ROLLUPS) {
      const n = (await store.query(sql`SELECT count() AS n FROM ${store.table(r.table)}`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
      const s = (await store.query(sql`SELECT count() AS n FROM system.columns WHERE database = ${sqlString(TARGET_DB)} AND table = ${sqlString(r.table)} AND startsWith(type, 'AggregateFunction')`, { n: col.uint64AsNumber }))[0]?.n ?? 0;
      out.set(r.table, { rows: n, states: n * s });
    }
    return out;
  } finally {
    await store.close();
  }
}

export async function measureRollupCost(server: Server, file: string, packets: number, opts: { rounds: number; log: (s: string) => void }): Promise<RollupCostFigures> {
  await freshDatabase(server, SOURCE_DB);
  const ingest = await runSampled(process.execPath, [BIN, 'ingest', '--database', SOURCE_DB, '--sensor', 'bench', file], { env: serverEnv(server) });
  if (ingest.code !== 0) throw new Error(`ingest into ${SOURCE_DB} failed: ${ingest.stderr.slice(-1000)}`);
  const all = new Set(ALL_ROLLUPS.map((r) => r.table));
  const raw: number[] = [];
  const full: number[] = [];
  const each = new Map<string, number[]>(ALL_ROLLUPS.map((r) => [r.table, []]));
  let counts = new Map<string, { rows: number; states: number }>();
  for (let round = 1; round <= opts.rounds; round++) {
    raw.push(await timedCopy(server, new Set()));
    full.push(await timedCopy(server, all));
    if (round === 1) counts = await rowsAndStates(server);
    for (const r of ALL_ROLLUPS) each.get(r.table)?.push(await timedCopy(server, new Set([r.table])));
    opts.log(`rollups on ${server.label}: round ${round}/${opts.rounds} raw ${raw.at(-1)?.toFixed(2)} s, all views ${full.at(-1)?.toFixed(2)} s`);
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
    packets,
    rounds: opts.rounds,
    rawOnlySec: median(raw),
    allViewsSec: median(full),
    perView: ALL_ROLLUPS.map((r) => ({ table: r.table, sec: median(each.get(r.table) ?? []), rows: counts.get(r.table)?.rows ?? 0, states: counts.get(r.table)?.states ?? 0 })),
  };
}
