/**
 * A fresh, uniquely named darkscope database on the test cluster, with a
 * cluster-mode client per node:
 *
 *   const db = await freshClusterDatabase('ingest');   // darkscope_test_ingest_3f9a1c2e, migrated
 *   db.store                 // cluster-mode client on node 0 (shard 1, replica 1)
 *   db.node(2)               // the same database through node 2 (shard 2, replica 1)
 *   afterAll(() => db.dispose());   // DROP DATABASE ... ON CLUSTER, clients closed
 *
 * Like the integration helpers, destructive calls refuse any database whose
 * name does not start with darkscope_test_.
 */
import { inject } from 'vitest';
import type { LocalClusterSpec } from '../../support/local-cluster.js';
import { createStoreClient, type StoreClient } from '../../../src/store/client.js';
import { migrate } from '../../../src/store/migrate.js';
import { col } from '../../../src/store/row-decoders.js';
import { ROLLUPS } from '../../../src/store/rollups.js';
import { sql, sqlIdent, sqlString } from '../../../src/store/sql.js';
import { assertTestDatabase, testDatabaseName } from '../../integration/helpers/db.js';

export function clusterSpec(): LocalClusterSpec {
  return inject('cluster');
}

export interface ClusterTestDatabase {
  readonly name: string;
  readonly spec: LocalClusterSpec;
  /** Cluster-mode client on node 0. */
  readonly store: StoreClient;
  /** Cluster-mode client on node `i` (shard-major: 0 s1r1, 1 s1r2, 2 s2r1, 3 s2r2). */
  node(i: number): StoreClient;
  dispose(): Promise<void>;
}

/**
 * A client for `database` on node `i`; `cluster: null` for single-node mode.
 * It knows every node's HTTP URL (the harness's nodes share 127.0.0.1 on
 * different ports, so the default "same port on each host" cannot find them).
 */
export function nodeStore(spec: LocalClusterSpec, i: number, database: string, cluster: string | null = spec.cluster): StoreClient {
  const node = spec.nodes[i];
  if (node === undefined) throw new RangeError(`no node ${i}`);
  return createStoreClient({ url: node.url, database, cluster, clusterNodes: spec.nodes.map((n) => n.url), requestTimeoutMs: 180_000 });
}

/** Environment for a darkscope CLI run against the test cluster: the nodes' HTTP URLs. */
export function clusterEnv(spec: LocalClusterSpec): Record<string, string> {
  return { DARKSCOPE_CLUSTER_NODES: spec.nodes.map((n) => n.url).join(',') };
}

export async function freshClusterDatabase(prefix: string, options: { migrate?: boolean } = {}): Promise<ClusterTestDatabase> {
  const spec = clusterSpec();
  const name = testDatabaseName(prefix);
  const clients = new Map<number, StoreClient>();
  const node = (i: number): StoreClient => {
    let c = clients.get(i);
    if (c === undefined) {
      c = nodeStore(spec, i, name);
      clients.set(i, c);
    }
    return c;
  };
  const store = node(0);
  if (options.migrate ?? true) await migrate(store);
  return {
    name,
    spec,
    store,
    node,
    async dispose() {
      try {
        assertTestDatabase(name);
        await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(name)} ON CLUSTER ${sqlIdent(spec.cluster)}`);
      } finally {
        await Promise.all([...clients.values()].map((c) => c.close()));
      }
    },
  };
}

/** The replicated (local or everywhere) tables of a database on one node. */
export async function replicatedTables(store: StoreClient): Promise<string[]> {
  const rows = await store.query(
    sql`SELECT name FROM system.tables WHERE database = ${sqlString(store.database)} AND engine LIKE 'Replicated%' ORDER BY name`,
    { name: col.string });
  return rows.map((r) => r.name);
}

/** SYSTEM SYNC REPLICA for every replicated table on every node: each replica has fetched everything logged so far. */
export async function syncAllReplicas(db: ClusterTestDatabase): Promise<void> {
  await Promise.all(db.spec.nodes.map(async (_, i) => {
    const s = db.node(i);
    await Promise.all((await replicatedTables(s)).map((t) => s.command(sql`SYSTEM SYNC REPLICA ${s.table(t)}`)));
  }));
}

/**
 * OPTIMIZE TABLE ... FINAL of every replicated table that has parts, run on
 * the leader replica of each replica set (the others replicate the merge),
 * then SYSTEM SYNC REPLICA everywhere so every replica has merged. On 18.16,
 * OPTIMIZE of a replicated table without parts fails with "Unknown log entry
 * type: 0", which also breaks OPTIMIZE ... ON CLUSTER (the same request
 * reaches every replica, and the non-leaders forward it to the leader).
 */
export async function optimizeEverywhere(db: ClusterTestDatabase): Promise<void> {
  for (let i = 0; i < db.spec.nodes.length; i++) {
    const s = db.node(i);
    const leading = await s.query(
      sql`SELECT table FROM system.replicas WHERE database = ${sqlString(s.database)} AND is_leader
            AND table IN (SELECT table FROM system.parts WHERE database = ${sqlString(s.database)} AND active) ORDER BY table`,
      { table: col.string });
    for (const { table } of leading) await s.command(sql`OPTIMIZE TABLE ${s.table(table)} FINAL`);
  }
  await syncAllReplicas(db);
}

/** count() of a table on one node (its own rows only for a local table). */
export async function countOn(store: StoreClient, table: string, where = sql`1`): Promise<number> {
  const rows = await store.query(sql`SELECT count() AS n FROM ${store.table(table)} WHERE ${where}`, { n: col.uint64AsNumber });
  return rows[0]?.n ?? 0;
}

const BUCKET = { minute: sql`toStartOfMinute(ts)`, hour: sql`toStartOfHour(ts)`, day: sql`toStartOfDay(ts)` } as const;

/**
 * For every rollup and every bucket of its grain: packets (and bytes where
 * kept) of `sensor` in the rollup, next to the same from raw, read through
 * the Distributed tables. Equal lists mean the rollups equal raw.
 */
export async function rollupVersusRaw(store: StoreClient, sensor: string): Promise<Array<{ table: string; rollup: string[]; raw: string[] }>> {
  const out: Array<{ table: string; rollup: string[]; raw: string[] }> = [];
  for (const r of ROLLUPS) {
    const bytes = r.measures.some((m) => m.name === 'bytes');
    const raw = await store.query(
      sql`SELECT concat(toString(toUInt32(${BUCKET[r.bucket]})), ' ', toString(count()), ' ', ${bytes ? sql`toString(sum(toUInt64(ip_len)))` : sql`'-'`}) AS line
          FROM ${store.table('packets')} WHERE sensor = ${sqlString(sensor)} GROUP BY ${BUCKET[r.bucket]} ORDER BY ${BUCKET[r.bucket]}`,
      { line: col.string });
    const rollup = await store.query(
      sql`SELECT concat(toString(toUInt32(t)), ' ', toString(sum(packets)), ' ', ${bytes ? sql`toString(sum(bytes))` : sql`'-'`}) AS line
          FROM ${store.table(r.table)} WHERE sensor = ${sqlString(sensor)} GROUP BY t ORDER BY t`,
      { line: col.string });
    out.push({ table: r.table, rollup: rollup.map((x) => x.line), raw: raw.map((x) => x.line) });
  }
  return out;
}

/** Rows, and distinct (batch_key, record_index), of `sensor` (or all) through the Distributed table. */
export async function rawIntegrity(store: StoreClient, sensor?: string): Promise<{ rows: number; distinct: number }> {
  const where = sensor === undefined ? sql`1` : sql`sensor = ${sqlString(sensor)}`;
  const r = await store.query(
    sql`SELECT count() AS rows, uniqExact(batch_key, record_index) AS distinct_records FROM ${store.table('packets')} WHERE ${where}`,
    { rows: col.uint64AsNumber, distinct_records: col.uint64AsNumber });
  return { rows: r[0]?.rows ?? -1, distinct: r[0]?.distinct_records ?? -1 };
}
