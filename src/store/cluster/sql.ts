/**
 * SQL pieces that differ between a single server and a cluster, for the
 * maintenance code (retention, rollup rebuild) that works on the tables that
 * hold the rows rather than on the Distributed tables queries read.
 */
import type { StoreClient } from '../client.js';
import { sql, sqlIdent, sqlQualified, sqlString, unsafeRawSql, type SqlFragment } from '../sql.js';
import { storageName } from './layout.js';

function clusterName(store: StoreClient): string | null {
  return store.cluster ?? null;
}

/** `` ON CLUSTER `c` `` in cluster mode, nothing on a single server. */
export function onClusterSql(store: StoreClient): SqlFragment {
  const cluster = clusterName(store);
  return cluster === null ? sql`` : sql` ON CLUSTER ${sqlIdent(cluster)}`;
}

/** The table that holds a table's rows on each node: `packets_local` etc. in cluster mode, the table itself otherwise. */
export function storageTableName(store: StoreClient, table: string): string {
  return clusterName(store) === null ? table : storageName(table);
}

/** Qualified storageTableName. */
export function storageTable(store: StoreClient, table: string): SqlFragment {
  return sqlQualified(store.database, storageTableName(store, table));
}

/**
 * A system table (parts, replicas) of the whole database: this server's, or
 * in cluster mode one replica per shard (the cluster() table function; 18.16
 * has no clusterAllReplicas). Sum parts' rows over it to count a table's rows.
 */
export function systemTableSql(store: StoreClient, table: 'parts' | 'replicas'): SqlFragment {
  const cluster = clusterName(store);
  const name = unsafeRawSql(table);
  return cluster === null ? sql`system.${name}` : sql`cluster(${sqlString(cluster)}, system, ${name})`;
}
