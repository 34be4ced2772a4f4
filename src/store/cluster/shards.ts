/**
 * One replica of each shard, over HTTP: where cluster-mode maintenance runs
 * (retention's DROP PARTITION, the rollup rebuild). A statement on one
 * replica of a ReplicatedMergeTree reaches the shard's other replicas through
 * its replication log, so once per shard is exactly right.
 *
 * Why not ALTER ... ON CLUSTER: on ClickHouse 18.16 the ON CLUSTER queue runs
 * an ALTER of a replicated table through a per-shard ZooKeeper lock whose
 * "already executed?" check is not repeated after taking the lock; two
 * replicas of a shard can both run it, the second then fails to create the
 * `executed` node ("Node exists"), and that server's DDL worker stops for
 * good ("Unexpected ZooKeeper error ... Terminating"): every later ON CLUSTER
 * statement waits for it until the server restarts. It happened in the
 * cluster tests (DROP PARTITION ... ON CLUSTER, two replicas per shard on one
 * machine); later releases re-check under the lock. Running on one replica
 * per shard avoids that path on every release, and lets the rebuild
 * aggregate each shard's raw rows into that shard's own rollup tables, as its
 * materialized views do.
 *
 * Which URL reaches a node: the explicit `clusterNodes` of the store (any
 * number, any order), or each replica's host from system.clusters with the
 * scheme and port of the store's own URL. A replica's shard is its `shard`
 * macro, the one in the ZooKeeper paths of its tables.
 */
import { DarkscopeError } from '../../errors.js';
import type { StoreClient } from '../client.js';
import { col } from '../row-decoders.js';
import { sql } from '../sql.js';
import { clusterOf, loadTopology } from './topology.js';

export interface ShardNode {
  /** The node's `shard` macro. */
  readonly shard: string;
  readonly url: string;
  /** A client for the node (same database, user and settings); closed by ShardNodes.close(). */
  readonly store: StoreClient;
}

export interface ShardNodes {
  readonly nodes: readonly ShardNode[];
  close(): Promise<void>;
}

function hostUrl(base: string, host: string): string {
  const u = new URL(base);
  u.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return u.toString().replace(/\/$/, '');
}

async function shardMacro(store: StoreClient): Promise<string> {
  const rows = await store.query(sql`SELECT substitution FROM system.macros WHERE macro = 'shard'`, { substitution: col.string });
  const shard = rows[0]?.substitution;
  if (shard === undefined) throw new DarkscopeError('BAD_CONFIG', `the ClickHouse server at ${store.url} has no <macros><shard> in its config`);
  return shard;
}

/**
 * A reachable replica of every shard. BAD_CONFIG, naming what was reached,
 * when some shard has no replica darkscope can reach over HTTP.
 */
export async function connectShards(store: StoreClient): Promise<ShardNodes> {
  const cluster = clusterOf(store);
  if (store.withUrl === undefined) throw new DarkscopeError('INTERNAL', 'this store client cannot connect to other nodes');
  const topology = await loadTopology(store, cluster);
  const given = store.clusterNodes ?? [];
  // Candidates grouped by the shard they are expected to serve (explicit URLs: unknown until asked).
  const candidates: string[][] = given.length > 0
    ? [given.slice()]
    : topology.shards.map((s) => s.replicas.map((r) => hostUrl(store.url, r.host)));
  const found = new Map<string, ShardNode>();
  const opened: StoreClient[] = [];
  const failures: string[] = [];
  try {
    for (const group of candidates) {
      for (const url of group) {
        const node = store.withUrl(url);
        opened.push(node);
        let shard: string;
        try {
          shard = await shardMacro(node);
        } catch (e) {
          failures.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        if (!found.has(shard)) found.set(shard, { shard, url, store: node });
        // Implicit candidates: one replica of the shard is enough.
        if (given.length === 0) break;
      }
    }
    if (found.size < topology.shards.length) {
      throw new DarkscopeError('SHARDS_UNREACHABLE',
        `cluster ${cluster} has ${topology.shards.length} shards, but darkscope reached a replica of only ${found.size} over HTTP ` +
        `(${[...found.values()].map((n) => `shard ${n.shard} at ${n.url}`).join(', ') || 'none'}${failures.length > 0 ? `; failed: ${failures.join('; ')}` : ''}); ` +
        'retention and rollup rebuild run on one replica of each shard');
    }
  } catch (e) {
    await Promise.all(opened.map((c) => c.close()));
    throw e;
  }
  const used = new Set([...found.values()].map((n) => n.store));
  await Promise.all(opened.filter((c) => !used.has(c)).map((c) => c.close()));
  return {
    nodes: [...found.values()].sort((a, b) => a.shard.localeCompare(b.shard, 'en', { numeric: true })),
    async close() {
      await Promise.all([...used].map((c) => c.close()));
    },
  };
}
