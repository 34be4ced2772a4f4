/**
 * Migration 0008 (the second rollup design) on a database that holds history
 * in the first design's rollups: the new tables are filled from the old ones
 * with the same rows the new views would have written from the raw packets,
 * the old tables keep their rows and receive nothing more, a rerun of the
 * backfill adds nothing, and new packets reach the new rollups through their
 * views, which the rollup check then compares with raw.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { checkDayRollups } from '../../src/store/rollup-check.js';
import { ROLLUPS, rollupSelect, type RollupDef } from '../../src/store/rollups.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlJoin, sqlString, unsafeRawSql, type SqlFragment } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows } from './helpers/packets.js';

let db: TestDatabase;
let firstDesign: string;
const FROM = dayStart('2024-08-01');
const OLD_TABLES = ['port_1m', 'port_1d', 'source_1h', 'source_1d', 'geo_1h', 'geo_1d', 'activity_1m'];

/** A measure's final value: counters summed, states merged. */
function finalSql(def: RollupDef, name: string): SqlFragment {
  const m = def.measures.find((x) => x.name === name);
  if (m === undefined) throw new Error(`${def.table} has no measure ${name}`);
  const col = unsafeRawSql(name);
  if (m.expr.text.startsWith('uniqCombinedState')) return sql`uniqCombinedMerge(17)(${col})`;
  if (m.expr.text.startsWith('minState')) return sql`toUInt32(minMerge(${col}))`;
  if (m.expr.text.startsWith('maxState')) return sql`toUInt32(maxMerge(${col}))`;
  return sql`sum(${col})`;
}

/** Every key of a rollup with its final measures, as sorted text. */
async function finalRows(def: RollupDef, from: SqlFragment): Promise<string[]> {
  const dims = sqlJoin(def.dimensions.map((d) => unsafeRawSql(d === 'src6' ? 'hex(src6)' : d)));
  const measures = sqlJoin(def.measures.map((m) => finalSql(def, m.name)));
  const rows = await db.store.query(sql`SELECT toString(tuple(toUInt32(t), ${dims}, ${measures})) AS k FROM ${from} GROUP BY t, ${sqlJoin(def.dimensions.map((d) => unsafeRawSql(d)))}`, { k: col.string });
  return rows.map((r) => r.k).sort();
}

/** Packets counted by a rollup table: unlike its row count, background merges leave it as it is. */
async function packetSum(table: string): Promise<number> {
  const r = await db.store.query(sql`SELECT sum(packets) AS n FROM ${db.store.table(table)}`, { n: col.uint64AsNumber });
  return r[0]?.n ?? -1;
}

beforeAll(async () => {
  // The first design: migrations 0001-0007 only.
  firstDesign = await mkdtemp(join(tmpdir(), 'darkscope-first-design-'));
  const shipped = fileURLToPath(new URL('../../src/store/migrations/', import.meta.url));
  for (const f of (await readdir(shipped)).filter((x) => /^000[1-7]_.*\.sql$/.test(x))) await cp(join(shipped, f), join(firstDesign, f));
  db = await freshDatabase('upgrade', { create: false });
  await migrate(db.store, { migrationsDir: firstDesign });
  await insertRows(db.store, generateRows({ count: 4000, from: FROM, to: FROM + 2 * DAY, seed: 8, sources: 300 }), 250);
  await migrate(db.store);
}, 180_000);

afterAll(async () => {
  await db?.dispose();
  if (firstDesign !== undefined) await rm(firstDesign, { recursive: true, force: true });
});

describe('migration 0008 on a database of the first design', () => {
  it('fills every new rollup with exactly the rows its view would write from the raw packets', async () => {
    for (const def of ROLLUPS) {
      const stored = await finalRows(def, db.store.table(def.table));
      expect(stored.length, def.table).toBeGreaterThan(0);
      expect(stored, def.table).toEqual(await finalRows(def, sql`(${rollupSelect(def, db.store.table('packets'))})`));
    }
  });

  it('keeps the old rollups as they were, fed by no view', async () => {
    const views = await db.store.query(
      sql`SELECT name FROM system.tables WHERE database = ${sqlString(db.name)} AND engine = 'MaterializedView' ORDER BY name`, { name: col.string });
    expect(views.map((v) => v.name)).toEqual(ROLLUPS.map((r) => r.view).sort());
    // Packets, not rows: the old tables' parts may still be merging (their row counts fall meanwhile).
    const before = await Promise.all(OLD_TABLES.map(packetSum));
    expect(before.every((n) => n > 0)).toBe(true);
    await insertRows(db.store, generateRows({ count: 500, from: FROM + DAY, to: FROM + 2 * DAY, seed: 9, sources: 50 }), 250);
    expect(await Promise.all(OLD_TABLES.map(packetSum))).toEqual(before);
    for (const day of [FROM, FROM + DAY]) for (const sensor of ['s1', 's2']) expect((await checkDayRollups(db.store, sensor, day)).mismatched).toEqual([]);
  });

  it('adds nothing when its backfill runs again (a rerun after a failure)', async () => {
    const before = await Promise.all(ROLLUPS.map((r) => packetSum(r.table)));
    const m = (await loadMigrations(db.name)).find((x) => x.version === 8)!;
    const backfills = m.statements.filter((s) => s.startsWith('INSERT'));
    expect(backfills.length).toBe(6);
    for (const s of backfills) await db.store.command(unsafeRawSql(s));
    expect(await Promise.all(ROLLUPS.map((r) => packetSum(r.table)))).toEqual(before);
  });

  it('lets the rollup check find a day missing from a new rollup', async () => {
    await db.store.command(sql`ALTER TABLE ${db.store.table('source_total_1d')} DROP PARTITION 20240801`);
    const broken = await checkDayRollups(db.store, 's1', FROM);
    expect(broken.mismatched).toEqual(['source_total_1d']);
  });
});
