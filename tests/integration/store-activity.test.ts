/**
 * The activity rollup (migration 0007): its view keeps it equal to a single
 * pass over raw packets whatever the insert blocks; the migration's backfill
 * fills it from packets stored before the migration, and does nothing when
 * rerun; the rollup check compares it with the raw scans and backscatter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { checkDayRollups } from '../../src/store/rollup-check.js';
import { ACTIVITY_ROLLUP, rollupSelect } from '../../src/store/rollups.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, unsafeRawSql, type SqlFragment } from '../../src/store/sql.js';
import { freshDatabase, truncateTestTable, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows } from './helpers/packets.js';

let db: TestDatabase;
const FROM = dayStart('2024-08-01');

/** Finalised rows of a SELECT with the activity columns, sorted. */
async function activity(from: SqlFragment): Promise<string[]> {
  const rows = await db.store.query(sql`SELECT toString(tuple(toUInt32(t), sensor, class, ip_version, src, hex(src6), proto, port, tool, label, country, asn,
      sum(packets), toUInt32(minMerge(first_seen)), toUInt32(maxMerge(last_seen)), uniqCombinedMerge(17)(destinations))) AS k
    FROM ${from}
    GROUP BY t, sensor, class, ip_version, src, src6, proto, port, tool, label, country, asn`, { k: col.string });
  return rows.map((r) => r.k).sort();
}

const onePass = () => activity(sql`(${rollupSelect(ACTIVITY_ROLLUP, db.store.table('packets'))})`);

beforeAll(async () => {
  db = await freshDatabase('activity', { create: false });
  await migrate(db.store);
  await insertRows(db.store, generateRows({ count: 3000, from: FROM, to: FROM + 2 * DAY, seed: 21, sources: 40 }), 170);
}, 120_000);

afterAll(async () => {
  await db?.dispose();
});

describe('activity_1m', () => {
  it('equals one pass over the raw packets, with scans and backscatter only', async () => {
    const stored = await activity(db.store.table('activity_1m'));
    expect(stored.length).toBeGreaterThan(100);
    expect(stored).toEqual(await onePass());
    const classes = await db.store.query(sql`SELECT DISTINCT toString(class) AS c FROM ${db.store.table('activity_1m')} ORDER BY c`, { c: col.string });
    expect(classes.map((r) => r.c)).toEqual(['backscatter', 'scan']);
  });

  it('is backfilled by migration 0007 from packets stored before it, once', async () => {
    const before = await activity(db.store.table('activity_1m'));
    const m = (await loadMigrations(db.name)).find((x) => x.version === 7)!;
    const backfill = m.statements.find((s) => s.startsWith('INSERT'))!;
    await truncateTestTable(db.store, 'activity_1m');
    await db.store.command(unsafeRawSql(backfill));
    expect(await activity(db.store.table('activity_1m'))).toEqual(before);
    await db.store.command(unsafeRawSql(backfill)); // a rerun after a failure: the table is not empty, nothing is added
    expect(await activity(db.store.table('activity_1m'))).toEqual(before);
  });

  it('is checked against the raw scans and backscatter of a day', async () => {
    const ok = await checkDayRollups(db.store, 's1', FROM);
    expect(ok.mismatched).toEqual([]);
    await db.store.command(sql`ALTER TABLE ${db.store.table('activity_1m')} DROP PARTITION 20240801`);
    const broken = await checkDayRollups(db.store, 's1', FROM);
    expect(broken.mismatched).toEqual(['activity_1m']);
  });
});
