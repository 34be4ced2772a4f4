/**
 * Settings that differ between ClickHouse releases, chosen for the server at
 * hand from its system.settings (18.16 rejects a setting it does not know).
 *
 * Packets inserts (packetInsertSettings):
 * Every insert feeds the raw table and nine materialized views. By default
 * ClickHouse runs the views one after the other in the inserting thread;
 * parallel_view_processing runs them on several threads (measured on 18.16,
 * 2 cores, 5 M packets: 164 k packets/s without it, 205-211 k with it).
 *
 * Releases since 20.x (the setting appeared there) also merge rows of equal
 * key inside each inserted block of a Summing/Aggregating/Replacing table
 * before writing it (optimize_on_insert, on by default). For darkscope's
 * rollups that work is wasted: every rollup query reads with sum()/merge
 * and GROUP BY, so unmerged rows give the same answers, and background
 * merges fold them later anyway. Measured on 26.7 (400 000 demo rows, nine
 * views): 4.4 s with defaults, 2.9 s with optimize_on_insert = 0, 1.8 s with
 * both settings. 18.16 has no such setting.
 *
 * Backfills (backfillSettings): a migration's INSERT ... SELECT over the
 * history (0006 fills the totals from the port rollups) writes one partition
 * per day; releases since 19.x refuse a block of more than 100 partitions
 * (max_partitions_per_insert_block), so a store with more than 100 days of
 * history could not migrate. The backfill lifts that limit where it exists.
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { sql, sqlList, sqlString } from './sql.js';

/** The settings darkscope sends only when the server knows them. */
export const OPTIONAL_SETTINGS = Object.freeze(['optimize_on_insert', 'max_partitions_per_insert_block'] as const);

/** Pure: the insert settings for a server that knows the given setting names. */
export function packetInsertSettings(known: ReadonlySet<string>): ClickHouseSettings {
  const settings: ClickHouseSettings = { parallel_view_processing: 1 };
  if (known.has('optimize_on_insert')) settings.optimize_on_insert = 0;
  return Object.freeze(settings);
}

/** Pure: settings for an INSERT ... SELECT that rewrites history (migration backfills). */
export function backfillSettings(known: ReadonlySet<string>): ClickHouseSettings {
  const settings: ClickHouseSettings = {};
  if (known.has('max_partitions_per_insert_block')) settings.max_partitions_per_insert_block = '0';
  return Object.freeze(settings);
}

/** Which of OPTIONAL_SETTINGS the server knows (one small query). */
export async function knownSettings(store: StoreClient): Promise<Set<string>> {
  const rows = await store.query(
    sql`SELECT name FROM system.settings WHERE name IN (${sqlList(OPTIONAL_SETTINGS, sqlString)})`,
    { name: col.string },
  );
  return new Set(rows.map((r) => r.name));
}
