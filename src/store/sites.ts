/**
 * Where maintenance (retention, rollup rebuild) works on the tables that hold
 * the rows: this server, or in cluster mode one replica of each shard
 * (cluster/shards.ts), on that shard's `<table>_local` tables. A statement
 * there reaches the shard's other replicas through its replication log.
 */
import type { StoreClient } from './client.js';
import { localName } from './cluster/layout.js';
import { connectShards } from './cluster/shards.js';
import { col } from './row-decoders.js';
import { sql, sqlList, sqlString, type SqlFragment } from './sql.js';

export interface Site {
  readonly store: StoreClient;
  /** The table holding a table's rows here: the table itself, or `<table>_local` on a cluster node. */
  readonly name: (table: string) => string;
}

export interface Sites {
  readonly sites: readonly Site[];
  /** Closes the clients opened for the shards (nothing on a single server). */
  close(): Promise<void>;
}

export async function openSites(store: StoreClient): Promise<Sites> {
  if ((store.cluster ?? null) === null) return { sites: [{ store, name: (t) => t }], close: async () => undefined };
  const shards = await connectShards(store);
  return { sites: shards.nodes.map((n) => ({ store: n.store, name: localName })), close: () => shards.close() };
}

/** `db.<the table holding table's rows at the site>`. */
export function siteTable(site: Site, table: string): SqlFragment {
  return site.store.table(site.name(table));
}

export interface PartitionRows {
  /** The darkscope table name (not its `_local` name). */
  readonly table: string;
  readonly partition: string;
  readonly rows: number;
}

/** Rows of the active parts at a site, per table and partition; only the partitions `ids` when given. */
export async function partitionRows(site: Site, tables: readonly string[], ids?: readonly number[]): Promise<PartitionRows[]> {
  const names = new Map(tables.map((t) => [site.name(t), t]));
  const only = ids === undefined ? sql`` : sql`
          AND partition IN (${sqlList(ids, (id) => sqlString(String(id)))})`;
  const rows = await site.store.query(
    sql`SELECT table, partition, sum(rows) AS rows FROM system.parts
        WHERE database = ${sqlString(site.store.database)} AND active
          AND table IN (${sqlList([...names.keys()], sqlString)})${only}
        GROUP BY table, partition
        ORDER BY table, partition`,
    { table: col.string, partition: col.string, rows: col.uint64AsNumber },
  );
  return rows.map((r) => ({ table: names.get(r.table) ?? r.table, partition: r.partition, rows: r.rows }));
}
