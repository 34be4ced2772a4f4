/**
 * How darkscope's tables are laid out on a ClickHouse cluster.
 *
 *   sharded      packets and every rollup: a local table `<name>_local`
 *                (Replicated*MergeTree, one replica set per shard) on every
 *                node, plus a Distributed table `<name>` in front of it, so
 *                every query written against `<name>` reads all shards.
 *   everywhere   small bookkeeping tables (schema_migrations, ingest_progress,
 *                sensors): one Replicated*MergeTree replica set spanning every
 *                node of the cluster, under the table's own name, so each node
 *                reads them locally and a row written once is on every node.
 *
 * Raw packets are sharded by intHash64(src_key) (the source address key, see
 * address-key.ts): every packet of one source lands on one shard, so the
 * per-source rollups of a source live on one shard too. Unique counts are
 * uniqCombined states merged across shards by the query (correct by
 * construction: merging states is a union of the underlying sets).
 *
 * ZooKeeper / Keeper paths: `/clickhouse/darkscope/<database>/<instance>/<table>`
 * (+ `/{shard}` for sharded tables). `<instance>` is random, chosen when the
 * database is first created in cluster mode (see migrate.ts), so dropping and
 * recreating a database never reuses a path a half-dropped replica may still
 * hold. Migration texts carry INSTANCE_PLACEHOLDER instead of the id, so their
 * checksums do not depend on it.
 */
import { DarkscopeError } from '../../errors.js';

export type TableLayout =
  | { readonly kind: 'sharded'; readonly shardingKey: string | null }
  | { readonly kind: 'everywhere' };

/** The sharding expression of raw packets (TypeScript twin: shard-slot.ts). */
export const PACKETS_SHARDING_KEY = 'intHash64(src_key)';

/**
 * Every table a migration creates, with its layout. A migration that creates
 * a table missing here fails to render in cluster mode: decide its layout
 * first. The rollups' Distributed tables have no sharding key: they are only
 * read (ClickHouse refuses inserts into a multi-shard Distributed table
 * without one). Each shard's rollups are written by its own materialized
 * views, and by rollups-rebuild.ts on each shard.
 */
export const TABLE_LAYOUTS: Readonly<Record<string, TableLayout>> = Object.freeze({
  packets: { kind: 'sharded', shardingKey: PACKETS_SHARDING_KEY },
  port_1m: { kind: 'sharded', shardingKey: null },
  port_1h: { kind: 'sharded', shardingKey: null },
  port_1d: { kind: 'sharded', shardingKey: null },
  source_1h: { kind: 'sharded', shardingKey: null },
  source_1d: { kind: 'sharded', shardingKey: null },
  geo_1h: { kind: 'sharded', shardingKey: null },
  geo_1d: { kind: 'sharded', shardingKey: null },
  // Totals have a sharding key so that migration 0006 can fill them from the
  // port rollups through the Distributed table (rows of one bucket may then
  // sit on several shards; reads merge them like any rollup).
  total_1h: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  total_1d: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  // Filled by its view from each shard's packets (all of a source on one shard)
  // and by 0007's backfill, which reads packets through the Distributed table:
  // the sharding key sends each source's rows back to the shard holding its packets.
  activity_1m: { kind: 'sharded', shardingKey: 'intHash64(if(ip_version = 4, toUInt64(src), bitOr(bitXor(reinterpretAsUInt64(substring(src6, 1, 8)), reinterpretAsUInt64(substring(src6, 9, 8))), 9223372036854775808)))' },
  // The second design (0008): filled from the old rollups through the
  // Distributed tables, so each has a sharding key; per-source rows go back to
  // the shard holding the source's packets, like activity_1m.
  port_total_1d: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  source_total_1d: { kind: 'sharded', shardingKey: 'intHash64(if(ip_version = 4, toUInt64(src), bitOr(bitXor(reinterpretAsUInt64(substring(src6, 1, 8)), reinterpretAsUInt64(substring(src6, 9, 8))), 9223372036854775808)))' },
  country_1h: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  country_1d: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  mix_1h: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  mix_1d: { kind: 'sharded', shardingKey: 'toUInt32(t)' },
  schema_migrations: { kind: 'everywhere' },
  ingest_progress: { kind: 'everywhere' },
  sensors: { kind: 'everywhere' },
});

/** Stands for the database's instance id in rendered migrations; replaced just before they run. */
export const INSTANCE_PLACEHOLDER = '{darkscope_instance}';

/** A fresh instance id: 16 hex digits. */
export const INSTANCE_ID = /^[0-9a-f]{16}$/;

export function layoutOf(table: string): TableLayout {
  const layout = TABLE_LAYOUTS[table];
  if (layout === undefined) {
    throw new DarkscopeError('INTERNAL',
      `table ${table} has no cluster layout: add it to TABLE_LAYOUTS in src/store/cluster/layout.ts (sharded or everywhere)`);
  }
  return layout;
}

export function isSharded(table: string): boolean {
  return TABLE_LAYOUTS[table]?.kind === 'sharded';
}

/** The per-node table behind a sharded table's Distributed table. */
export function localName(table: string): string {
  return `${table}_local`;
}

/** The name that holds the rows on each node: `<name>_local` for sharded tables, the name itself otherwise. */
export function storageName(table: string): string {
  return isSharded(table) ? localName(table) : table;
}

/** ZooKeeper path of a table's replica set; `{shard}` is the server's macro. */
export function zookeeperPath(database: string, table: string): string {
  const base = `/clickhouse/darkscope/${database}/${INSTANCE_PLACEHOLDER}/${storageName(table)}`;
  return isSharded(table) ? `${base}/{shard}` : base;
}

/**
 * Replica name inside that replica set. Sharded tables: `{replica}` (unique
 * within a shard). Tables on every node: `{shard}-{replica}`, unique across
 * the whole cluster even where replica macros repeat from shard to shard.
 */
export function replicaName(table: string): string {
  return isSharded(table) ? '{replica}' : '{shard}-{replica}';
}

/** Reads the instance id back from a table's engine_full (its ZooKeeper path). */
export function instanceFromEngine(database: string, engineFull: string): string | null {
  const m = new RegExp(`/clickhouse/darkscope/${database}/([0-9a-f]{16})/`).exec(engineFull);
  return m ? (m[1] ?? null) : null;
}
