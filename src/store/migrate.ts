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
 *
 * Cluster mode (`store.cluster` set): every statement is rendered for the
 * cluster by src/store/cluster/render.ts (ON CLUSTER, Replicated engines,
 * local + Distributed tables) and the checksum covers the rendered text with
 * the instance placeholder unexpanded (so it is the same on every run).
 * schema_migrations is one replica set over every node: a migration is
 * recorded once, cluster-wide. The database's instance id (part of every
 * ZooKeeper path, see cluster/layout.ts) is chosen when schema_migrations is
 * created and read back from that table's own engine definition, which every
 * node has locally. A database is either single-node or cluster: the other
 * mode refuses it with a SCHEMA error that says which one it is.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { ClickHouseSettings } from '@clickhouse/client';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DarkscopeError, ErrorCodes } from '../errors.js';
import type { StoreClient } from './client.js';
import { INSTANCE_PLACEHOLDER, instanceFromEngine } from './cluster/layout.js';
import { renderForCluster } from './cluster/render.js';
import { loadTopology } from './cluster/topology.js';
import { col } from './row-decoders.js';
import { rollupDef, rollupSelect } from './rollups.js';
import { backfillSettings, knownSettings } from './server-settings.js';
import { sql, sqlDateTime, sqlIdent, sqlQualified, sqlString, sqlUInt, unsafeRawSql } from './sql.js';

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
  /** Cluster mode: the database's instance id once schema_migrations exists (null before, and in single-node mode). */
  readonly instance: string | null;
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

/**
 * The migrations in `dir`, expanded for `database`; with `cluster`, rendered
 * for that cluster (statements keep INSTANCE_PLACEHOLDER; see withInstance).
 */
export async function loadMigrations(database: string, dir: string = defaultMigrationsDir(), cluster: string | null = null): Promise<Migration[]> {
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
    const expanded = splitStatements(text).map((s) => expandStatement(s, database));
    const statements = cluster === null ? expanded : expanded.flatMap((s) => renderForCluster(s, database, cluster));
    if (statements.length === 0) throw new DarkscopeError('INTERNAL', `migration ${file} has no statements`, { file });
    const checksum = createHash('sha256').update(statements.join(';\n')).digest('hex');
    out.push(Object.freeze({ version, name: m[2] ?? '', file, statements: Object.freeze(statements), checksum }));
  }
  return out;
}

function migrationsTableDdl(database: string, cluster: string | null): string[] {
  const single = sql`CREATE TABLE IF NOT EXISTS ${sqlQualified(database, 'schema_migrations')}
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime('UTC')
)
ENGINE = MergeTree()
ORDER BY version`.text;
  return cluster === null ? [single] : renderForCluster(single, database, cluster);
}

function createDatabaseDdl(database: string, cluster: string | null): string[] {
  const single = sql`CREATE DATABASE IF NOT EXISTS ${sqlIdent(database)}`.text;
  return cluster === null ? [single] : renderForCluster(single, database, cluster);
}

/** A rendered statement with the instance placeholder replaced (single-node statements have none). */
export function withInstance(statement: string, instance: string | null): string {
  if (!statement.includes(INSTANCE_PLACEHOLDER)) return statement;
  if (instance === null) throw new DarkscopeError('INTERNAL', 'a cluster statement needs the database instance id');
  return statement.split(INSTANCE_PLACEHOLDER).join(instance);
}

async function databaseExists(store: StoreClient, database: string): Promise<boolean> {
  const rows = await store.query(sql`SELECT count() AS n FROM system.databases WHERE name = ${sqlString(database)}`, { n: col.uint64AsNumber });
  return (rows[0]?.n ?? 0) > 0;
}

/** engine and engine_full of a table on the node the store talks to, or null when it does not exist. */
async function tableEngine(store: StoreClient, database: string, table: string): Promise<{ engine: string; full: string } | null> {
  const rows = await store.query(
    sql`SELECT engine, engine_full FROM system.tables WHERE database = ${sqlString(database)} AND name = ${sqlString(table)}`,
    { engine: col.string, engine_full: col.string });
  const r = rows[0];
  return r === undefined ? null : { engine: r.engine, full: r.engine_full };
}

/** The cluster a Distributed table reads (first engine argument), e.g. `Distributed(darkscope, db, packets_local, ...)`. */
function distributedCluster(engineFull: string): string | null {
  const m = /^Distributed\(\s*['`]?([A-Za-z0-9_]+)/.exec(engineFull);
  return m ? (m[1] ?? null) : null;
}

/**
 * Whether `database` was created in the mode the store is in, and its
 * instance id (cluster mode). Problems are SCHEMA messages that say what to do.
 */
async function schemaMode(store: StoreClient, database: string): Promise<{ tableExists: boolean; instance: string | null; problems: string[] }> {
  const cluster = store.cluster ?? null;
  const migrations = await tableEngine(store, database, 'schema_migrations');
  if (migrations === null) return { tableExists: false, instance: null, problems: [] };
  const replicated = migrations.engine.startsWith('Replicated');
  if (cluster === null) {
    return replicated
      ? { tableExists: true, instance: null, problems: [`database ${database} was created on a ClickHouse cluster: pass --cluster NAME (DARKSCOPE_CLUSTER) to use it`] }
      : { tableExists: true, instance: null, problems: [] };
  }
  if (!replicated) {
    return { tableExists: true, instance: null, problems: [`database ${database} was created for a single server, not for cluster ${cluster}: a cluster needs a database created in cluster mode (choose a new --database, or run without --cluster)`] };
  }
  const instance = instanceFromEngine(database, migrations.full);
  if (instance === null) {
    return { tableExists: true, instance: null, problems: [`${database}.schema_migrations is replicated but its ZooKeeper path is not darkscope's (/clickhouse/darkscope/${database}/<instance>/...): it was not created by darkscope`] };
  }
  const packets = await tableEngine(store, database, 'packets');
  const other = packets === null ? null : distributedCluster(packets.full);
  if (other !== null && other !== cluster) {
    return { tableExists: true, instance, problems: [`database ${database} is laid out on cluster ${other}, not ${cluster}: pass --cluster ${other}`] };
  }
  return { tableExists: true, instance, problems: [] };
}

/** What is applied, what is pending, and what does not match. Changes nothing. */
export async function schemaStatus(store: StoreClient, options: { migrationsDir?: string } = {}): Promise<SchemaStatus> {
  const database = store.database;
  const migrations = await loadMigrations(database, options.migrationsDir, store.cluster ?? null);
  const dbExists = await databaseExists(store, database);
  const mode = dbExists ? await schemaMode(store, database) : { tableExists: false, instance: null, problems: [] };
  if (mode.problems.length > 0) return { databaseExists: dbExists, instance: mode.instance, applied: [], pending: [], problems: mode.problems };
  let applied: AppliedMigration[] = [];
  if (mode.tableExists) {
    // Cluster mode: fetch what other nodes recorded before reading this node's replica.
    if ((store.cluster ?? null) !== null) await store.command(sql`SYSTEM SYNC REPLICA ${store.table('schema_migrations')}`);
    const rows = (await store.query(
      sql`SELECT version, name, checksum, toString(applied_at) AS applied_at FROM ${store.table('schema_migrations')} ORDER BY version, applied_at`,
      { version: col.number, name: col.string, checksum: col.string, applied_at: col.string },
    )).map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: `${r.applied_at.replace(' ', 'T')}Z` }));
    // Two migrate runs at once may both record a version: identical rows count once.
    applied = rows.filter((r, i) => !rows.slice(0, i).some((p) => p.version === r.version && p.checksum === r.checksum));
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
  return { databaseExists: dbExists, instance: mode.instance, applied, pending, problems };
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
/** An INSERT statement, after any leading `--` comment lines. */
export function isInsert(statement: string): boolean {
  return /^(?:\s*--[^\n]*\n)*\s*INSERT\s/i.test(statement);
}

export async function migrate(store: StoreClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  const database = store.database;
  const dryRun = options.dryRun ?? false;
  const status = await schemaStatus(store, options);
  if (status.problems.length > 0) {
    throw new DarkscopeError('SCHEMA', `refusing to migrate ${database}: ${status.problems.join('; ')}`);
  }
  const cluster = store.cluster ?? null;
  const steps: string[] = [];
  // On a cluster the database may be missing on some node (added later, or down at creation): CREATE ... ON CLUSTER is idempotent.
  if (!status.databaseExists || (cluster !== null && status.pending.length > 0)) steps.push(...createDatabaseDdl(database, cluster));
  if (status.applied.length === 0) steps.push(...migrationsTableDdl(database, cluster));
  // The instance id is chosen once, when schema_migrations is created (dry runs show the placeholder).
  const instance = cluster === null ? null : (status.instance ?? (dryRun ? null : randomBytes(8).toString('hex')));
  const shown = (s: string): string => (instance === null ? s : withInstance(s, instance));
  const planned: string[] = steps.map(shown);
  if (cluster !== null && instance === null && (steps.length > 0 || status.pending.length > 0)) {
    planned.unshift(`-- ${INSTANCE_PLACEHOLDER}: 16 random hex digits, chosen when the database is created on cluster ${cluster}`);
  }
  for (const m of status.pending) {
    planned.push(`-- ${m.file}`);
    planned.push(...m.statements.map(shown));
  }
  const result = (applied: readonly Migration[]): MigrateResult => ({
    database,
    dryRun,
    applied,
    alreadyApplied: status.applied.map((a) => a.version),
    sql: planned.map((s) => (s.startsWith('-- ') ? s : `${s};`)).join('\n\n') + (planned.length > 0 ? '\n' : ''),
  });
  if (dryRun) return result(status.pending);

  // A cluster the server does not know fails here with the names it does know, not half-way through ON CLUSTER statements.
  if (cluster !== null && steps.length > 0) await loadTopology(store, cluster);
  for (const step of steps) await store.command(unsafeRawSql(withInstance(step, instance)));
  const done: Migration[] = [];
  // INSERT ... SELECT statements backfill history: one partition per day, more than a block may hold by default.
  // Cluster: they write through Distributed tables; sync, so the rows are on their shards when the migration is recorded.
  const backfill: ClickHouseSettings = status.pending.some((m) => m.statements.some(isInsert))
    ? { ...backfillSettings(await knownSettings(store)), ...(cluster === null ? {} : { insert_distributed_sync: 1 as const }) }
    : {};
  for (const m of status.pending) {
    for (const statement of m.statements) {
      try {
        await store.command(unsafeRawSql(withInstance(statement, instance)), isInsert(statement) ? { settings: backfill } : {});
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
