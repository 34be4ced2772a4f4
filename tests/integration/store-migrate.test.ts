import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchemaCurrent, defaultMigrationsDir, loadMigrations, migrate, schemaStatus } from '../../src/store/migrate.js';
import { RAW_COLUMNS } from '../../src/store/raw-columns.js';
import { ROLLUPS } from '../../src/store/rollups.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlString } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';

let db: TestDatabase;
let tmp: string;
/** Every shipped migration version (more are added over time; the first four are the core schema). */
let versions: number[];
beforeAll(async () => {
  db = await freshDatabase('migrate', { create: false });
  versions = (await loadMigrations(db.name)).map((m) => m.version);
  tmp = await mkdtemp(join(tmpdir(), 'darkscope-migrations-'));
});
afterAll(async () => {
  await db.dispose();
  await rm(tmp, { recursive: true, force: true });
});

async function databaseExists(): Promise<boolean> {
  const rows = await db.store.query(sql`SELECT count() AS n FROM system.databases WHERE name = ${sqlString(db.name)}`, { n: col.uint64AsNumber });
  return rows[0]?.n === 1;
}

async function tables(): Promise<string[]> {
  const rows = await db.store.query(
    sql`SELECT name FROM system.tables WHERE database = ${sqlString(db.name)} ORDER BY name`, { name: col.string });
  return rows.map((r) => r.name);
}

describe('migrate', () => {
  it('dry run returns the SQL and creates nothing', async () => {
    const res = await migrate(db.store, { dryRun: true });
    expect(res.dryRun).toBe(true);
    expect(res.applied.map((m) => m.version)).toEqual(versions);
    expect(versions.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(res.sql).toContain(`CREATE DATABASE IF NOT EXISTS \`${db.name}\``);
    expect(res.sql).toContain(`CREATE TABLE IF NOT EXISTS \`${db.name}\`.packets`);
    expect(res.sql).toContain(`CREATE MATERIALIZED VIEW IF NOT EXISTS \`${db.name}\`.port_1m_mv TO \`${db.name}\`.port_1m AS\nSELECT`);
    expect(res.sql).not.toMatch(/\{(db|rollup_select)/);
    expect(await databaseExists()).toBe(false);
  });

  it('creates the database, applies every migration and records them', async () => {
    const res = await migrate(db.store);
    expect(res.applied.map((m) => m.file).slice(0, 4)).toEqual([
      '0001_packets.sql', '0002_ingest_progress.sql', '0003_rollup_tables.sql', '0004_rollup_views.sql',
    ]);
    expect(res.applied.map((m) => m.version)).toEqual(versions);
    expect(res.alreadyApplied).toEqual([]);
    const names = await tables();
    for (const t of ['packets', 'ingest_progress', 'schema_migrations', ...ROLLUPS.flatMap((r) => [r.table, r.view])]) {
      expect(names).toContain(t);
    }
    const rows = await db.store.query(
      sql`SELECT version, name, checksum, toUInt32(applied_at) AS at FROM ${db.store.table('schema_migrations')} ORDER BY version`,
      { version: col.number, name: col.string, checksum: col.string, at: col.number },
    );
    const expected = await loadMigrations(db.name);
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(expected.map((m) => [m.version, m.name, m.checksum]));
    for (const r of rows) expect(Math.abs(r.at - Date.now() / 1000)).toBeLessThan(120);
    await assertSchemaCurrent(db.store);
  });

  it('is idempotent', async () => {
    const res = await migrate(db.store);
    expect(res.applied).toEqual([]);
    expect(res.alreadyApplied).toEqual(versions);
    expect(res.sql).toBe('');
    const n = await db.store.query(sql`SELECT count() AS n FROM ${db.store.table('schema_migrations')}`, { n: col.uint64AsNumber });
    expect(n[0]?.n).toBe(versions.length);
    expect((await migrate(db.store, { dryRun: true })).sql).toBe('');
  });

  it('RAW_COLUMNS matches the live packets table exactly, in order', async () => {
    const rows = await db.store.query(
      sql`SELECT name, type FROM system.columns WHERE database = ${sqlString(db.name)} AND table = 'packets'`,
      { name: col.string, type: col.string },
    );
    expect(rows).toEqual(RAW_COLUMNS.map((c) => ({ name: c.name, type: c.type })));
  });

  it('refuses when an applied migration changed, and reports it in the status', async () => {
    await cp(defaultMigrationsDir(), tmp, { recursive: true });
    const file = join(tmp, '0002_ingest_progress.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace('batches UInt64,', 'batches UInt64,\n    extra UInt8,'));
    const err = await migrate(db.store, { migrationsDir: tmp }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_SCHEMA' });
    expect((err as Error).message).toContain('0002_ingest_progress.sql changed');
    expect((await schemaStatus(db.store, { migrationsDir: tmp })).problems).toHaveLength(1);
  });

  it('applies a new migration, and refuses a database migrated by a newer darkscope', async () => {
    await cp(defaultMigrationsDir(), tmp, { recursive: true, force: true });
    const next = Math.max(...versions) + 1;
    const file = `${String(next).padStart(4, '0')}_extra.sql`;
    await writeFile(join(tmp, file), 'CREATE TABLE IF NOT EXISTS {db}.extra (x UInt8)\nENGINE = MergeTree()\nORDER BY x;\n\n-- two statements\nINSERT INTO {db}.extra VALUES (1);\n');
    const res = await migrate(db.store, { migrationsDir: tmp });
    expect(res.applied.map((m) => m.version)).toEqual([next]);
    expect(res.sql).toContain(`-- ${file}`);
    const x = await db.store.query(sql`SELECT sum(x) AS s FROM ${db.store.table('extra')}`, { s: col.uint64AsNumber });
    expect(x[0]?.s).toBe(1);
    const err = await migrate(db.store).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DARKSCOPE_E_SCHEMA' });
    expect((err as Error).message).toContain('newer darkscope');
    await expect(assertSchemaCurrent(db.store)).rejects.toMatchObject({ code: 'DARKSCOPE_E_SCHEMA' });
  });
});
