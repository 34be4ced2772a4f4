import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { applyRetention, cutoffDayId } from '../../src/store/retention.js';
import { ROLLUPS, rollupColumns, rollupDef, rollupSelect } from '../../src/store/rollups.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlJoin, sqlString, unsafeRawSql } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows } from './helpers/packets.js';

let db: TestDatabase;
// "Today" is 2024-02-15; one hour of data on each of 40 days, 2024-01-06 .. 2024-02-14, plus today.
const NOW = new Date('2024-02-15T12:34:56Z');
const FIRST = dayStart('2024-01-06');
const DAYS = 41;

function id(epoch: number): string {
  return new Date(epoch * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}
const allDays = Array.from({ length: DAYS }, (_, i) => id(FIRST + i * DAY));

async function partitions(table: string): Promise<string[]> {
  const rows = await db.store.query(
    sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${sqlString(db.name)} AND table = ${sqlString(table)} AND active ORDER BY partition`,
    { partition: col.string });
  return rows.map((r) => r.partition);
}

beforeAll(async () => {
  db = await freshDatabase('retention', { create: false });
  await migrate(db.store);
  for (let i = 0; i < DAYS; i++) {
    await insertRows(db.store, generateRows({ count: 20, from: FIRST + i * DAY + 3600, to: FIRST + i * DAY + 7200, seed: i + 1 }));
  }
  // The first design's port_1m, which no view fills since migration 0008: the history an upgraded store keeps in it.
  const legacy = rollupDef('port_1m');
  await db.store.command(sql`INSERT INTO ${db.store.table('port_1m')} (${sqlJoin(rollupColumns(legacy).map((c) => unsafeRawSql(c)))})
${rollupSelect(legacy, db.store.table('packets'))}`);
  // A table that is not darkscope's, with day partitions: retention must never touch it.
  await db.store.command(sql`CREATE TABLE ${db.store.table('unrelated')} (d Date) ENGINE = MergeTree() PARTITION BY toYYYYMMDD(d) ORDER BY d`);
  await db.store.command(sql`INSERT INTO ${db.store.table('unrelated')} VALUES ('2020-01-01')`);
}, 120_000);
afterAll(async () => {
  await db.dispose();
});

describe('retention', () => {
  it('computes cut-off days in UTC', () => {
    expect(cutoffDayId(NOW, 30)).toBe(20240116);
    expect(cutoffDayId(new Date('2024-03-01T00:00:00Z'), 1)).toBe(20240229);
    expect(cutoffDayId(new Date('2024-03-01T23:59:59Z'), 1)).toBe(20240229);
  });

  it('dry run lists exactly the partitions to drop and drops nothing', async () => {
    const res = await applyRetention(db.store, { now: NOW, dryRun: true });
    const raw = res.dropped.filter((d) => d.table === 'packets').map((d) => d.partition);
    const minute = res.dropped.filter((d) => d.table === 'port_1m').map((d) => d.partition);
    expect(raw).toEqual(allDays.filter((d) => d < '20240116'));
    expect(minute).toEqual(allDays.filter((d) => d < '20240201'));
    expect(res.dropped.every((d) => d.rows > 0)).toBe(true);
    expect(res.dropped[0]).toMatchObject({ table: 'packets', partition: '20240106', day: '2024-01-06', rows: 20 });
    expect(await partitions('packets')).toEqual(allDays);
  });

  it('drops raw older than 30 days and the old minute rollups older than 14, nothing else', async () => {
    const res = await applyRetention(db.store, { now: NOW });
    expect(res.dryRun).toBe(false);
    expect(res.dropped).toHaveLength(10 + 26);
    expect(await partitions('packets')).toEqual(allDays.filter((d) => d >= '20240116'));
    expect(await partitions('port_1m')).toEqual(allDays.filter((d) => d >= '20240201'));
    for (const r of ROLLUPS) {
      expect(await partitions(r.table), r.table).toEqual(allDays);
    }
    expect(await partitions('unrelated')).toEqual(['20200101']);
  });

  it('is idempotent and honours custom windows', async () => {
    expect((await applyRetention(db.store, { now: NOW })).dropped).toEqual([]);
    const res = await applyRetention(db.store, { now: NOW, rawDays: 2, minuteDays: 1 });
    expect(res.dropped.filter((d) => d.table === 'packets').map((d) => d.partition).at(-1)).toBe('20240212');
    expect(await partitions('packets')).toEqual(['20240213', '20240214', '20240215']);
    expect(await partitions('port_1m')).toEqual(['20240214', '20240215']);
  });

  it('rejects nonsense windows', async () => {
    await expect(applyRetention(db.store, { rawDays: 0 })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
    await expect(applyRetention(db.store, { minuteDays: 1.5 })).rejects.toMatchObject({ code: 'DARKSCOPE_E_BAD_CONFIG' });
  });
});
