/**
 * Schema migrations: ordered plain-SQL files in src/store/migrations,
 * `NNNN_name.sql`, applied in version order and recorded in
 * `<db>.schema_migrations` (version, name, checksum, applied_at).
 *
 * File format:
 *   - statements end with `;` at the end of a line (a `;` at a line end inside
 *     a string literal would split it: don't write one); whole-line `--`
 *     comments are stripped before anything else;
 *   - `{db}` stands for the target database (backquoted), so every name is
 *     qualified: `CREATE TABLE IF NOT EXISTS {db}.packets ...`;
 *   - `{rollup_select:<table>}` expands to that rollup's SELECT from
 *     src/store/rollups.ts (see 0004_rollup_views.sql);
 *   - use IF NOT EXISTS: a migration that failed half-way is re-run from its
 *     first statement.
 *
 * The checksum (sha256) covers the expanded statements, i.e. exactly what was
 * executed. An applied migration whose checksum no longer matches, or an
 * applied version this darkscope does not know, stops `migrate` with a SCHEMA
 * error instead of guessing. There is no lock: run one `migrate` at a time.
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DarkscopeError, ErrorCodes } from '../errors.js';
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { rollupDef, rollupSelect } from './rollups.js';
import { sql, sqlDateTime, sqlIdent, sqlQualified, sqlString, sqlUInt, unsafeRawSql, type SqlFragment } from './sql.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  /** Expanded statements, without the trailing `;`. */
  readonly statements: readonly string[];
  readonly checksum: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: string;
}

export interface MigrateOptions {
  /** Return the SQL that would run, change nothing. */
  readonly dryRun?: boolean;
  /** Directory of .sql files (default: the migrations shipped with darkscope). */
  readonly migrationsDir?: string;
}

export interface MigrateResult {
  readonly database: string;
  readonly dryRun: boolean;
  /** Migrations applied by this call (or that would be, for a dry run). */
  readonly applied: readonly Migration[];
  /** Versions that were already applied before this call. */
  readonly alreadyApplied: readonly number[];
  /** Every statement run (or to run), `;`-terminated, in order. */
  readonly sql: string;
}

export interface SchemaStatus {
  readonly databaseExists: boolean;
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly Migration[];
  /** Applied versions whose file changed since, or that this darkscope does not know. */
  readonly problems: readonly string[];
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations directory next to this module (src/) or, from dist/, back in src/. */
export function defaultMigrationsDir(): string {
  const beside = fileURLToPath(new URL('./migrations/', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../src/store/migrations/', import.meta.url));
}

/**
 * Splits a migration file at `;` line ends. Whole-line `--` comments are
 * removed (so editing a comment does not change the checksum); empty pieces
 * are dropped.
 */
export function splitStatements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) => s.split(/\r?\n/).filter((line) => !line.trim().startsWith('--')).join('\n').trim())
    .filter((s) => s !== '');
}

/** Replaces `{db}` and `{rollup_select:<table>}`; throws on any other `{...}` placeholder. */
export function expandStatement(statement: string, database: string): string {
  const db = sqlIdent(database).text;
  const packets = sqlQualified(database, 'packets');
  return statement.replace(/\{([a-z_]+)(?::([a-z0-9_]+))?\}/g, (whole, key: string, arg: string | undefined) => {
    if (key === 'db' && arg === undefined) return db;
    if (key === 'rollup_select' && arg !== undefined) return rollupSelect(rollupDef(arg), packets).text;
    throw new DarkscopeError('INTERNAL', `unknown placeholder ${whole} in a migration`);
  });
}

export async function loadMigrations(database: string, dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    if (!m) throw new DarkscopeError('INTERNAL', `migration file name ${file} does not match NNNN_name.sql`, { file });
    const version = Number(m[1]);
    if (out.some((o) => o.version === version)) {
      throw new DarkscopeError('INTERNAL', `two migrations have version ${version}`, { file });
    }
    const text = await readFile(`${dir}/${file}`, 'utf8');
    const statements = splitStatements(text).map((s) => expandStatement(s, database));
    if (statements.length === 0) throw new DarkscopeError('INTERNAL', `migration ${file} has no statements`, { file });
    const checksum = createHash('sha256').update(statements.join(';\n')).digest('hex');
    out.push(Object.freeze({ version, name: m[2] ?? '', file, statements: Object.freeze(statements), checksum }));
  }
  return out;
}

function migrationsTableDdl(database: string): SqlFragment {
  return sql`CREATE TABLE IF NOT EXISTS ${sqlQualified(database, 'schema_migrations')}
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime('UTC')
)
ENGINE = MergeTree()
ORDER BY version`;
}

async function exists(store: StoreClient, database: string, table?: string): Promise<boolean> {
  const rows = table === undefined
    ? await store.query(sql`SELECT count() AS n FROM system.databases WHERE name = ${sqlString(database)}`, { n: col.uint64AsNumber })
    : await store.query(sql`SELECT count() AS n FROM system.tables WHERE database = ${sqlString(database)} AND name = ${sqlString(table)}`, { n: col.uint64AsNumber });
  return (rows[0]?.n ?? 0) > 0;
}

/** What is applied, what is pending, and what does not match. Changes nothing. */
export async function schemaStatus(store: StoreClient, options: { migrationsDir?: string } = {}): Promise<SchemaStatus> {
  const database = store.database;
  const migrations = await loadMigrations(database, options.migrationsDir);
  const databaseExists = await exists(store, database);
  let applied: AppliedMigration[] = [];
  if (databaseExists && await exists(store, database, 'schema_migrations')) {
    applied = (await store.query(
      sql`SELECT version, name, checksum, toString(applied_at) AS applied_at FROM ${store.table('schema_migrations')} ORDER BY version`,
      { version: col.number, name: col.string, checksum: col.string, applied_at: col.string },
    )).map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: `${r.applied_at.replace(' ', 'T')}Z` }));
  }
  const problems: string[] = [];
  for (const a of applied) {
    const m = migrations.find((x) => x.version === a.version);
    if (m === undefined) {
      problems.push(`version ${a.version} (${a.name}) is applied in ${database} but unknown to this darkscope: the database was migrated by a newer darkscope`);
    } else if (m.checksum !== a.checksum) {
      problems.push(`migration ${m.file} changed after it was applied to ${database} (checksum ${a.checksum.slice(0, 12)}… recorded, ${m.checksum.slice(0, 12)}… now)`);
    }
  }
  const appliedVersions = new Set(applied.map((a) => a.version));
  const pending = migrations.filter((m) => !appliedVersions.has(m.version));
  return { databaseExists, applied, pending, problems };
}

/** Throws SCHEMA unless every migration is applied and unchanged. */
export async function assertSchemaCurrent(store: StoreClient, options: { migrationsDir?: string } = {}): Promise<void> {
  const status = await schemaStatus(store, options);
  if (!status.databaseExists) throw new DarkscopeError('SCHEMA', `database ${store.database} does not exist`);
  if (status.problems.length > 0) throw new DarkscopeError('SCHEMA', status.problems.join('; '));
  if (status.pending.length > 0) {
    throw new DarkscopeError('SCHEMA', `database ${store.database} lacks migration(s) ${status.pending.map((m) => m.file).join(', ')}`);
  }
}

/**
 * Creates the database if missing, then applies pending migrations in order.
 * Idempotent. With `dryRun`, returns the SQL and changes nothing.
 */
export async function migrate(store: StoreClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  const database = store.database;
  const dryRun = options.dryRun ?? false;
  const status = await schemaStatus(store, options);
  if (status.problems.length > 0) {
    throw new DarkscopeError('SCHEMA', `refusing to migrate ${database}: ${status.problems.join('; ')}`);
  }
  const steps: SqlFragment[] = [];
  if (!status.databaseExists) steps.push(sql`CREATE DATABASE IF NOT EXISTS ${sqlIdent(database)}`);
  if (status.applied.length === 0) steps.push(migrationsTableDdl(database));
  const planned: string[] = steps.map((s) => s.text);
  for (const m of status.pending) {
    planned.push(`-- ${m.file}`);
    planned.push(...m.statements);
  }
  const result = (applied: readonly Migration[]): MigrateResult => ({
    database,
    dryRun,
    applied,
    alreadyApplied: status.applied.map((a) => a.version),
    sql: planned.map((s) => (s.startsWith('-- ') ? s : `${s};`)).join('\n\n') + (planned.length > 0 ? '\n' : ''),
  });
  if (dryRun) return result(status.pending);

  for (const step of steps) await store.command(step);
  const done: Migration[] = [];
  for (const m of status.pending) {
    for (const statement of m.statements) {
      try {
        await store.command(unsafeRawSql(statement));
      } catch (e) {
        // Name the file for statement errors; connection/auth/timeout errors pass through.
        if (e instanceof DarkscopeError && (e.code === ErrorCodes.CLICKHOUSE_QUERY.code || e.code === ErrorCodes.SCHEMA.code)) {
          throw new DarkscopeError(e.code === ErrorCodes.SCHEMA.code ? 'SCHEMA' : 'CLICKHOUSE_QUERY',
            `migration ${m.file} failed: ${e.message}`, { ...e.details, file: m.file }, { cause: e });
        }
        throw e;
      }
    }
    await store.command(sql`INSERT INTO ${store.table('schema_migrations')} (version, name, checksum, applied_at) VALUES
      (${sqlUInt(m.version, 32)}, ${sqlString(m.name)}, ${sqlString(m.checksum)}, ${sqlDateTime(Math.floor(Date.now() / 1000))})`);
    done.push(m);
  }
  return result(done);
}
