/**
 * Retention without TTL (18.16 has none): drop whole UTC-day partitions of
 * the raw `packets` table older than `rawDays`, and of the first design's
 * minute rollup `port_1m` (kept by migration 0008, no longer filled: its
 * history shrinks away) older than `minuteDays`. Nothing else is ever
 * dropped: hourly and daily rollups are kept forever, and a partition whose
 * id is not a YYYYMMDD day is left alone.
 *
 * "Older than N days": with today = D (UTC), day partitions before D - N are
 * dropped; D - N itself is kept. E.g. rawDays 30 on 2024-02-15 keeps
 * 2024-01-16 onwards.
 *
 * Note: ClickHouse refuses to drop a partition larger than the server's
 * `max_partition_size_to_drop` (50 GB by default); that surfaces as a
 * CLICKHOUSE_QUERY error naming the partition.
 *
 * Cluster mode: partitions are listed on one replica of each shard
 * (cluster/shards.ts) and dropped there from the local table (`packets_local`,
 * `port_1m_local`); the shard's other replicas follow through the replication
 * log, including one that is down now, once it is back. Rows are summed over
 * the shards.
 */

import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import { openSites, partitionRows, siteTable, type Site } from './sites.js';
import { sql, sqlUInt } from './sql.js';

export interface RetentionOptions {
  /** Days of raw packets to keep (default 30). */
  readonly rawDays?: number;
  /** Days of the first design's minute rollups (port_1m) to keep (default 14). */
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
  const { sites, close } = await openSites(store);
  try {
    const dropped: DroppedPartition[] = [];
    for (const rule of rules) {
      // partition → rows summed over the sites, and the sites that have it
      const byPartition = new Map<string, { rows: number; holders: Site[] }>();
      for (const site of sites) {
        for (const p of await partitionRows(site, [rule.table])) {
          const e = byPartition.get(p.partition) ?? { rows: 0, holders: [] };
          e.rows += p.rows;
          e.holders.push(site);
          byPartition.set(p.partition, e);
        }
      }
      for (const partition of [...byPartition.keys()].sort()) {
        const m = DAY_ID.exec(partition);
        if (!m) continue; // not a day partition: not ours to judge
        const id = Number(partition);
        if (id >= rule.cutoff) continue;
        const e = byPartition.get(partition) as { rows: number; holders: Site[] };
        if (!dryRun) {
          for (const h of e.holders) await h.store.command(sql`ALTER TABLE ${siteTable(h, rule.table)} DROP PARTITION ${sqlUInt(id, 32)}`);
        }
        dropped.push({ table: rule.table, partition, day: `${m[1]}-${m[2]}-${m[3]}`, rows: e.rows });
      }
    }
    return { dryRun, dropped };
  } finally {
    await close();
  }
}
