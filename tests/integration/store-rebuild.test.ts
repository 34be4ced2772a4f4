import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { rebuildRollups } from '../../src/store/rollups-rebuild.js';
import { ROLLUPS, type RollupDef } from '../../src/store/rollups.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlJoin, sqlUInt, unsafeRawSql } from '../../src/store/sql.js';
import { freshDatabase, truncateTestTable, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows } from './helpers/packets.js';

let db: TestDatabase;
const FROM = dayStart('2024-05-01');

/** Everything a rollup says, finalised and sorted: counters and distinct counts per key. */
async function snapshot(r: RollupDef): Promise<string[]> {
  const dims = sqlJoin(['t', ...r.dimensions].map((d) => unsafeRawSql(d === 'src6' ? 'hex(src6)' : d === 't' ? 'toUInt32(t)' : d)));
  const measures = sqlJoin(r.measures.map((m) => {
    if (m.name === 'packets' || m.name === 'bytes') return unsafeRawSql(`sum(${m.name})`);
    if (m.name === 'first_seen') return unsafeRawSql('toUInt32(minMerge(first_seen))');
    if (m.name === 'last_seen') return unsafeRawSql('toUInt32(maxMerge(last_seen))');
    return unsafeRawSql(`uniqCombinedMerge(17)(${m.name})`);
  }));
  const rows = await db.store.query(
    sql`SELECT toString(tuple(${dims}, ${measures})) AS k FROM ${db.store.table(r.table)} GROUP BY ${sqlJoin(['t', ...r.dimensions].map((d) => unsafeRawSql(d)))}`,
    { k: col.string });
  return rows.map((x) => x.k).sort();
}

async function snapshotAll(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const r of ROLLUPS) out[r.table] = await snapshot(r);
  return out;
}

let before: Record<string, string[]>;

beforeAll(async () => {
  db = await freshDatabase('rebuild', { create: false });
  await migrate(db.store);
  await insertRows(db.store, generateRows({ count: 3000, from: FROM, to: FROM + 3 * DAY, seed: 3 }), 500);
  before = await snapshotAll();
}, 120_000);
afterAll(async () => {
  await db.dispose();
});

describe('rebuildRollups', () => {
  it('dry run plans and changes nothing', async () => {
    const res = await rebuildRollups(db.store, { from: '2024-04-30', to: '2024-05-04', dryRun: true });
    expect(res.days.map((d) => [d.day, d.action])).toEqual([
      ['2024-04-30', 'skipped_empty'], ['2024-05-01', 'would_rebuild'], ['2024-05-02', 'would_rebuild'], ['2024-05-03', 'would_rebuild'],
    ]);
    expect(res.days.slice(1).reduce((a, d) => a + d.rawRows, 0)).toBe(3000);
    expect(await snapshotAll()).toEqual(before);
  });

  it('restores truncated rollups exactly', async () => {
    for (const r of ROLLUPS) await truncateTestTable(db.store, r.table);
    expect((await snapshot(ROLLUPS[0]!)).length).toBe(0);
    const res = await rebuildRollups(db.store, { from: new Date('2024-05-01T00:00:00Z'), to: '2024-05-04' });
    expect(res.days.map((d) => d.action)).toEqual(['rebuilt', 'rebuilt', 'rebuilt']);
    expect(await snapshotAll()).toEqual(before);
  });

  it('replaces (does not add to) a day that still has rollups', async () => {
    await rebuildRollups(db.store, { from: '2024-05-02', to: '2024-05-03' });
    expect(await snapshotAll()).toEqual(before);
  });

  it('refuses, changing nothing, when raw for a day is gone but rollups have it', async () => {
    await db.store.command(sql`ALTER TABLE ${db.store.table('packets')} DROP PARTITION ${sqlUInt(20240502, 32)}`);
    const err = await rebuildRollups(db.store, { from: '2024-05-01', to: '2024-05-04' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_RAW_GONE', status: 409, details: { days: ['2024-05-02'] } });
    expect((err as { hint: string }).hint).toContain('Nothing was changed. Choose --from/--to');
    expect((err as Error).message).toContain('raw packets for 2024-05-02 are gone');
    expect(await snapshotAll()).toEqual(before);
    // Days whose raw is still there can be rebuilt on their own.
    const ok = await rebuildRollups(db.store, { from: '2024-05-03', to: '2024-05-04' });
    expect(ok.days.map((d) => d.action)).toEqual(['rebuilt']);
    expect(await snapshotAll()).toEqual(before);
  });

  it('rejects ranges that are not whole UTC days', async () => {
    await expect(rebuildRollups(db.store, { from: new Date('2024-05-01T01:00:00Z'), to: '2024-05-02' }))
      .rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
    await expect(rebuildRollups(db.store, { from: '2024-05-02', to: '2024-05-02' }))
      .rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
    await expect(rebuildRollups(db.store, { from: '2024/05/02', to: '2024-05-03' }))
      .rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
  });
});
