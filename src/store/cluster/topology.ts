/**
 * The cluster as the connected server sees it (system.clusters): shards with
 * their weights and replicas (host and native TCP port, as written in the
 * server's <remote_servers>).
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import { DarkscopeError } from '../../errors.js';
import type { StoreClient } from '../client.js';
import { col } from '../row-decoders.js';
import { sql, sqlString } from '../sql.js';

export interface ClusterReplica {
  readonly shard: number;
  readonly replica: number;
  /** Host name as configured (what remote() and the DDL queue use). */
  readonly host: string;
  readonly address: string;
  /** Native protocol (TCP) port. */
  readonly port: number;
}

export interface ClusterShard {
  readonly shard: number;
  readonly weight: number;
  readonly replicas: readonly ClusterReplica[];
}

export interface ClusterTopology {
  readonly cluster: string;
  readonly shards: readonly ClusterShard[];
  /** Sum of the shard weights: the modulus of the Distributed engine's shard selection. */
  readonly totalWeight: number;
}

/**
 * Settings for cluster-mode reads and writes that must meet the same replica:
 * Distributed tables then pick the first live replica of each shard in
 * <remote_servers> order (the local one first), for the insert and for the
 * "is this batch already stored?" check after it alike.
 */
export const SAME_REPLICA_SETTINGS: ClickHouseSettings = Object.freeze({ load_balancing: 'in_order' });

/** The cluster's shards and replicas; BAD_CONFIG when the server does not know the cluster. */
export async function loadTopology(store: StoreClient, cluster: string): Promise<ClusterTopology> {
  const rows = await store.query(sql`
    SELECT shard_num, shard_weight, replica_num, host_name, host_address, port
    FROM system.clusters WHERE cluster = ${sqlString(cluster)}
    ORDER BY shard_num, replica_num`,
  { shard_num: col.number, shard_weight: col.number, replica_num: col.number, host_name: col.string, host_address: col.string, port: col.number });
  if (rows.length === 0) {
    const known = await store.query(sql`SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster`, { cluster: col.string });
    throw new DarkscopeError('BAD_CONFIG',
      `cluster "${cluster}" is not defined on the ClickHouse server at ${store.url} (its <remote_servers> has: ${known.map((k) => k.cluster).join(', ') || 'none'})`);
  }
  const shards: ClusterShard[] = [];
  for (const r of rows) {
    let shard = shards.find((s) => s.shard === r.shard_num);
    if (shard === undefined) {
      shard = { shard: r.shard_num, weight: r.shard_weight, replicas: [] };
      shards.push(shard);
    }
    (shard.replicas as ClusterReplica[]).push({ shard: r.shard_num, replica: r.replica_num, host: r.host_name, address: r.host_address, port: r.port });
  }
  return { cluster, shards, totalWeight: shards.reduce((a, s) => a + s.weight, 0) };
}

/** The store's cluster, or an INTERNAL error for cluster-only code called in single-node mode. */
export function clusterOf(store: StoreClient): string {
  const cluster = store.cluster ?? null;
  if (cluster === null) throw new DarkscopeError('INTERNAL', 'cluster-mode code called without a cluster');
  return cluster;
}
