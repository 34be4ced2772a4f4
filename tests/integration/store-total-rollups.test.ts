/**
 * Migration 0006 adds the total rollups to a database that already holds
 * traffic: the history is merged from the port rollups, new packets reach
 * them through their views, and running the migration again adds nothing.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, loadMigrations, migrate } from '../../src/store/migrate.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, unsafeRawSql } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { ingestFiles } from './helpers/in-process-ingest.js';
import { synthCapture, tempDir, type TempDir } from './helpers/ingest.js';

let db: TestDatabase;
let dir: TempDir;
let before0006: string;
beforeAll(async () => {
  db = await freshDatabase('totals', { create: false });
  dir = await tempDir('totals');
  before0006 = await mkdtemp(join(tmpdir(), 'darkscope-migrations-'));
  await cp(defaultMigrationsDir(), before0006, { recursive: true, filter: (src) => !/000[6-9]_|00[1-9]\d_/.test(src) });
});
afterAll(async () => {
  await db.dispose();
  await dir.remove();
  await rm(before0006, { recursive: true, force: true });
});

/** Per (sensor, bucket): packets, bytes, sources and destinations of the total rollup and of the port rollup it summarises. */
async function compare(grain: '1h' | '1d') {
  const per = (table: string) => sql`SELECT sensor, toUInt32(t) AS bucket, sum(packets) AS packets, sum(bytes) AS bytes,
    uniqCombinedMerge(17)(sources) AS sources, uniqCombinedMerge(17)(destinations) AS destinations
    FROM ${db.store.table(table)} GROUP BY sensor, t ORDER BY sensor, bucket`;
  const schema = { sensor: col.string, bucket: col.number, packets: col.uint64AsNumber, bytes: col.uint64AsNumber, sources: col.uint64AsNumber, destinations: col.uint64AsNumber };
  return {
    total: await db.store.query(per(`total_${grain}`), schema),
    port: await db.store.query(per(`port_${grain}`), schema),
  };
}

async function totalRows(): Promise<number> {
  const r = await db.store.query(sql`SELECT count() AS n FROM ${db.store.table('total_1h')}`, { n: col.uint64AsNumber });
  return r[0]?.n ?? 0;
}

describe('total rollups (migration 0006)', () => {
  it('fill from the port rollups of traffic stored before, then follow new packets through their views', async () => {
    await migrate(db.store, { migrationsDir: before0006 });
    // 120 days of history: the backfill writes 120 day partitions in one INSERT, more than
    // max_partitions_per_insert_block (100) allows on current releases unless migrate lifts it.
    const first = await synthCapture(dir.path, 'a.pcap', { packets: 30_000, seed: 61, durationSec: 120 * 86_400 });
    await ingestFiles(db.store, [first.path], { sensor: 'a' });

    const res = await migrate(db.store);
    // 0007 (activity) comes after: its backfill reads the same 120 days of raw packets; 0008 (the second
    // rollup design) then fills its tables from the first design's 120 days (port_1h keeps its view).
    expect(res.applied.map((m) => m.name)).toEqual(['total_rollups', 'activity', 'rollups_v2']);
    for (const grain of ['1h', '1d'] as const) {
      const { total, port } = await compare(grain);
      expect(total.length).toBeGreaterThan(grain === '1h' ? 2000 : 100);
      // Merging the port states per bucket gives exactly the state the totals hold.
      expect(total).toEqual(port);
    }
    expect(total1hPackets(await compare('1h'))).toBe(first.truth.packets);

    const second = await synthCapture(dir.path, 'b.pcap', { packets: 20_000, seed: 62, durationSec: 86_400 });
    await ingestFiles(db.store, [second.path], { sensor: 'b' });
    await db.store.command(sql`OPTIMIZE TABLE ${db.store.table('total_1h')} FINAL`);
    const after = await compare('1h');
    expect(after.total.map((r) => [r.sensor, r.bucket, r.packets, r.bytes])).toEqual(after.port.map((r) => [r.sensor, r.bucket, r.packets, r.bytes]));
    expect(total1hPackets(after)).toBe(first.truth.packets + second.truth.packets);
    for (const [i, r] of after.total.entries()) {
      const p = after.port[i];
      expect(Math.abs(r.sources - (p?.sources ?? 0))).toBeLessThanOrEqual(Math.max(1, (p?.sources ?? 0) * 0.01));
    }
  });

  it('a second migrate run, or the backfill statement run again, adds nothing', async () => {
    const rows = await totalRows();
    expect((await migrate(db.store)).applied).toEqual([]);
    // The migration's own backfill statements, run again: the tables are not empty, so they insert nothing.
    const m0006 = (await loadMigrations(db.name)).find((m) => m.version === 6);
    const backfill = m0006?.statements.filter((s) => s.startsWith('INSERT INTO')) ?? [];
    expect(backfill).toHaveLength(2);
    for (const s of backfill) await db.store.command(unsafeRawSql(s));
    expect(await totalRows()).toBe(rows);
  });
});

function total1hPackets(c: { total: Array<{ packets: number }> }): number {
  return c.total.reduce((a, r) => a + r.packets, 0);
}
