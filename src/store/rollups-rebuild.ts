/**
 * Rebuilds every rollup table from raw packets, one whole UTC day at a time:
 * DROP PARTITION of the day in each rollup, then INSERT ... SELECT from raw
 * with the SELECT the materialized views use (src/store/rollups.ts).
 *
 * Safety:
 *   - the schema must be fully migrated and unchanged (assertSchemaCurrent),
 *     so the live views are exactly what the builder produces;
 *   - every day is checked before anything is changed: if raw has no rows
 *     for a day that some rollup still has (raw already dropped by
 *     retention), the whole call is refused and nothing is dropped;
 *   - days with neither raw nor rollup rows are skipped.
 * Do not ingest into a day while it is rebuilt: rows the views add between
 * the DROP and the INSERT would be counted twice.
 *
 * Cluster mode: the DROP runs ON CLUSTER on the local rollup tables (once per
 * shard, replicated). The INSERT goes through the rollup's Distributed table
 * and reads raw through the Distributed `packets` with
 * distributed_group_by_no_merge = 1: each shard aggregates its own raw rows
 * completely (as its materialized views do), the initiator only streams the
 * rows on, and insert_distributed_sync = 1 stores them on the shards before
 * the call returns. Per-source rows go to the shard of their source (the
 * source rollups' sharding key is the raw table's); port and geo rows land on
 * any shard, which changes nothing for sums and state merges, so the rebuilt
 * counts are exact. Raw is read from the first replica of each shard
 * (load_balancing = in_order), and the rebuild refuses to start while that
 * replica still has inserts to fetch.
 */

import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import type { ClickHouseSettings } from '@clickhouse/client';
import { onClusterSql, storageTable, storageTableName, systemTableSql } from './cluster/sql.js';
import { SAME_REPLICA_SETTINGS } from './cluster/topology.js';
import { assertSchemaCurrent } from './migrate.js';
import { col } from './row-decoders.js';
import { ROLLUPS, rollupColumns, rollupSelect, type RollupTable } from './rollups.js';
import { sql, sqlJoin, sqlList, sqlString, sqlUInt, unsafeRawSql } from './sql.js';

/** Cluster mode: each shard aggregates its own raw rows; the result is stored on the shards before the INSERT returns. */
const CLUSTER_REBUILD_SETTINGS: ClickHouseSettings = Object.freeze({
  ...SAME_REPLICA_SETTINGS,
  distributed_group_by_no_merge: '1',
  insert_distributed_sync: 1,
});

export interface RebuildOptions {
  /** First day (inclusive): a Date at 00:00:00 UTC or "YYYY-MM-DD". */
  readonly from: Date | string;
  /** Last day (exclusive). */
  readonly to: Date | string;
  /** Report the plan, change nothing. */
  readonly dryRun?: boolean;
}

export interface RebuildDay {
  /** YYYY-MM-DD */
  readonly day: string;
  readonly rawRows: number;
  /** Rows per rollup table before the rebuild (parts are partial: this is not a count of groups). */
  readonly rollupRowsBefore: Readonly<Record<RollupTable, number>>;
  readonly action: 'rebuilt' | 'would_rebuild' | 'skipped_empty';
}

export interface RebuildResult {
  readonly dryRun: boolean;
  readonly days: readonly RebuildDay[];
}

const MAX_DAYS = 3660;

function toDayStart(value: Date | string, name: string): number {
  let ms: number;
  if (typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new DarkscopeError('BAD_CONFIG', `"${name}" must be a day YYYY-MM-DD, got ${JSON.stringify(value)}`);
    ms = Date.parse(`${value}T00:00:00Z`);
  } else {
    ms = value.getTime();
  }
  if (!Number.isFinite(ms)) throw new DarkscopeError('BAD_CONFIG', `"${name}" is not a valid date`);
  if (ms % 86_400_000 !== 0) throw new DarkscopeError('BAD_CONFIG', `"${name}" must be midnight UTC (a whole day), got ${new Date(ms).toISOString()}`);
  return ms / 1000;
}

function dayId(epochSec: number): number {
  const d = new Date(epochSec * 1000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

function dayText(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10);
}

/** Rows per (table, partition) among active parts (cluster mode: summed over shards, keyed by the logical table name). */
async function partitionRows(store: StoreClient, tables: readonly string[], ids: readonly number[]): Promise<Map<string, number>> {
  const names = new Map(tables.map((t) => [storageTableName(store, t), t]));
  const rows = await store.query(
    sql`SELECT table, partition, sum(rows) AS rows FROM ${systemTableSql(store, 'parts')}
        WHERE database = ${sqlString(store.database)} AND active
          AND table IN (${sqlList([...names.keys()], sqlString)})
          AND partition IN (${sqlList(ids, (id) => sqlString(String(id)))})
        GROUP BY table, partition`,
    { table: col.string, partition: col.string, rows: col.uint64AsNumber },
    { settings: (store.cluster ?? null) === null ? undefined : SAME_REPLICA_SETTINGS },
  );
  return new Map(rows.map((r) => [`${names.get(r.table) ?? r.table}/${r.partition}`, r.rows]));
}

/**
 * Cluster mode: refuses while the replica of a shard that the rebuild reads
 * (the first live one, as with in_order) has raw inserts left to fetch.
 */
async function assertRawReplicasCurrent(store: StoreClient): Promise<void> {
  const behind = await store.query(
    sql`SELECT inserts_in_queue, log_pointer, log_max_index FROM ${systemTableSql(store, 'replicas')}
        WHERE database = ${sqlString(store.database)} AND table = ${sqlString(storageTableName(store, 'packets'))}
          AND (inserts_in_queue > 0 OR (log_pointer > 0 AND log_pointer <= log_max_index))`,
    { inserts_in_queue: col.number, log_pointer: col.uint64AsNumber, log_max_index: col.uint64AsNumber },
    { settings: SAME_REPLICA_SETTINGS },
  );
  if (behind.length > 0) {
    throw new DarkscopeError('BAD_CONFIG',
      `refusing to rebuild rollups: a replica of raw packets is still fetching inserts (${behind.map((b) => `${b.inserts_in_queue} queued`).join(', ')}); ` +
      'nothing was changed; run again once `darkscope cluster check` shows empty replication queues');
  }
}

export async function rebuildRollups(store: StoreClient, options: RebuildOptions): Promise<RebuildResult> {
  const from = toDayStart(options.from, 'from');
  const to = toDayStart(options.to, 'to');
  if (to <= from) throw new DarkscopeError('BAD_CONFIG', `"to" (${dayText(to)}) must be after "from" (${dayText(from)})`);
  const dayStarts: number[] = [];
  for (let d = from; d < to; d += 86_400) dayStarts.push(d);
  if (dayStarts.length > MAX_DAYS) throw new DarkscopeError('BAD_CONFIG', `rebuild covers ${dayStarts.length} days; at most ${MAX_DAYS} at once`);
  const dryRun = options.dryRun ?? false;

  await assertSchemaCurrent(store);
  const clustered = (store.cluster ?? null) !== null;
  if (clustered) await assertRawReplicasCurrent(store);

  const tables = ROLLUPS.map((r) => r.table);
  const counts = await partitionRows(store, ['packets', ...tables], dayStarts.map(dayId));
  const plan = dayStarts.map((start) => {
    const id = dayId(start);
    const rollupRowsBefore = Object.fromEntries(tables.map((t) => [t, counts.get(`${t}/${id}`) ?? 0])) as Record<RollupTable, number>;
    return { start, id, rawRows: counts.get(`packets/${id}`) ?? 0, rollupRowsBefore };
  });

  const orphaned = plan.filter((p) => p.rawRows === 0 && Object.values(p.rollupRowsBefore).some((n) => n > 0));
  if (orphaned.length > 0) {
    const days = orphaned.map((p) => dayText(p.start));
    throw new DarkscopeError('BAD_CONFIG',
      `refusing to rebuild rollups: raw packets for ${days.join(', ')} are gone (dropped by retention?) but the rollups still hold ` +
      'those days; rebuilding would erase them. Nothing was changed; choose --from/--to to exclude those days',
      { days });
  }

  const out: RebuildDay[] = [];
  for (const p of plan) {
    const base = { day: dayText(p.start), rawRows: p.rawRows, rollupRowsBefore: p.rollupRowsBefore };
    if (p.rawRows === 0) {
      out.push({ ...base, action: 'skipped_empty' });
      continue;
    }
    if (dryRun) {
      out.push({ ...base, action: 'would_rebuild' });
      continue;
    }
    for (const rollup of ROLLUPS) {
      await store.command(sql`ALTER TABLE ${storageTable(store, rollup.table)}${onClusterSql(store)} DROP PARTITION ${sqlUInt(p.id, 32)}`);
      const columns = sqlJoin(rollupColumns(rollup).map((c) => unsafeRawSql(c)));
      await store.command(sql`INSERT INTO ${store.table(rollup.table)} (${columns})
${rollupSelect(rollup, store.table('packets'), { from: p.start, to: p.start + 86_400 })}`,
      { settings: clustered ? CLUSTER_REBUILD_SETTINGS : undefined });
    }
    out.push({ ...base, action: 'rebuilt' });
  }
  return { dryRun, days: out };
}
