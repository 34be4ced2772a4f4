/**
 * Retention without TTL (18.16 has none): drop whole UTC-day partitions of
 * the raw `packets` table older than `rawDays`, and of the minute rollup
 * `port_1m` older than `minuteDays`. Nothing else is ever dropped: hourly and
 * daily rollups are kept forever, and a partition whose id is not a
 * YYYYMMDD day is left alone.
 *
 * "Older than N days": with today = D (UTC), day partitions before D - N are
 * dropped; D - N itself is kept. E.g. rawDays 30 on 2024-02-15 keeps
 * 2024-01-16 onwards.
 *
 * Note: ClickHouse refuses to drop a partition larger than the server's
 * `max_partition_size_to_drop` (50 GB by default); that surfaces as a
 * CLICKHOUSE_QUERY error naming the partition.
 *
 * Cluster mode: partitions are listed over all shards (one replica each) and
 * dropped from the local tables with ALTER TABLE <table>_local ON CLUSTER ...
 * DROP PARTITION, which ClickHouse runs once per shard and replicates; rows
 * are summed over shards. A node that is down gets the drop from the DDL
 * queue and its replication log when it is back (the call itself then waits
 * for it up to distributed_ddl_task_timeout and fails: rerun it, it is
 * idempotent).
 */

import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import { onClusterSql, storageTable, storageTableName, systemTableSql } from './cluster/sql.js';
import { SAME_REPLICA_SETTINGS } from './cluster/topology.js';
import { col } from './row-decoders.js';
import { sql, sqlString, sqlUInt } from './sql.js';

export interface RetentionOptions {
  /** Days of raw packets to keep (default 30). */
  readonly rawDays?: number;
  /** Days of minute rollups to keep (default 14). */
  readonly minuteDays?: number;
  /** "Today" (default: now). */
  readonly now?: Date;
  /** List what would be dropped, drop nothing. */
  readonly dryRun?: boolean;
}

export interface DroppedPartition {
  readonly table: 'packets' | 'port_1m';
  /** The partition id, e.g. "20240115". */
  readonly partition: string;
  /** The same day as YYYY-MM-DD. */
  readonly day: string;
  readonly rows: number;
}

export interface RetentionResult {
  readonly dryRun: boolean;
  /** Partitions dropped (or that would be), oldest first per table. */
  readonly dropped: readonly DroppedPartition[];
}

export const DEFAULT_RAW_DAYS = 30;
export const DEFAULT_MINUTE_DAYS = 14;

const DAY_ID = /^(\d{4})(\d{2})(\d{2})$/;

function checkDays(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DarkscopeError('BAD_CONFIG', `"${name}" value ${value} is less than min allowed 1`);
  }
  return value;
}

/** YYYYMMDD of the UTC day `days` before `now`. */
export function cutoffDayId(now: Date, days: number): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const d = new Date(midnight - days * 86_400_000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

export async function applyRetention(store: StoreClient, options: RetentionOptions = {}): Promise<RetentionResult> {
  const now = options.now ?? new Date();
  const rules = [
    { table: 'packets' as const, cutoff: cutoffDayId(now, checkDays('rawDays', options.rawDays ?? DEFAULT_RAW_DAYS)) },
    { table: 'port_1m' as const, cutoff: cutoffDayId(now, checkDays('minuteDays', options.minuteDays ?? DEFAULT_MINUTE_DAYS)) },
  ];
  const dryRun = options.dryRun ?? false;
  const dropped: DroppedPartition[] = [];
  for (const rule of rules) {
    const parts = await store.query(
      sql`SELECT partition, sum(rows) AS rows FROM ${systemTableSql(store, 'parts')}
          WHERE database = ${sqlString(store.database)} AND table = ${sqlString(storageTableName(store, rule.table))} AND active
          GROUP BY partition ORDER BY partition`,
      { partition: col.string, rows: col.uint64AsNumber },
      { settings: (store.cluster ?? null) === null ? undefined : SAME_REPLICA_SETTINGS },
    );
    for (const p of parts) {
      const m = DAY_ID.exec(p.partition);
      if (!m) continue; // not a day partition: not ours to judge
      const id = Number(p.partition);
      if (id >= rule.cutoff) continue;
      if (!dryRun) {
        await store.command(sql`ALTER TABLE ${storageTable(store, rule.table)}${onClusterSql(store)} DROP PARTITION ${sqlUInt(id, 32)}`);
      }
      dropped.push({ table: rule.table, partition: p.partition, day: `${m[1]}-${m[2]}-${m[3]}`, rows: p.rows });
    }
  }
  return { dryRun, dropped };
}
