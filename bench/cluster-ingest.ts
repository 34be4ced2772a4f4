/**
 * Ingest into a ClickHouse cluster next to a single server, on this machine:
 * the same capture, `darkscope ingest` as a user runs it, into
 *
 *   single     one standalone clickhouse-server, today's single-node schema;
 *   2x1        2 shards, no replication (cluster mode, Distributed inserts);
 *   2x2        2 shards × 2 replicas (what tests/cluster runs on).
 *
 * The cluster is the test harness's (src/store/cluster/local-cluster.ts):
 * ZooKeeper and four servers, all on loopback, sharing this machine's cores
 * with darkscope itself, so it measures the overhead of the cluster path
 * (sharding, Distributed inserts, ZooKeeper commits, replication), not the
 * scale-out a cluster of real machines gives. Rounds alternate the targets;
 * medians are reported, with the CPU seconds the servers (and ZooKeeper)
 * spent per run, read from /proc.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster } from '../tests/support/local-cluster.js';
import { createStoreClient, type StoreClient } from '../src/store/client.js';
import { readServerState, startLocalServer, type LocalServer } from '../tests/support/local-server.js';
import { migrate } from '../src/store/migrate.js';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlIdent } from '../src/store/sql.js';
import { median } from './ingest-compare.js';
import { cpuSec, rssMb, runSampled } from './proc-sampler.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}bin/darkscope.js`;

export type ClusterTarget = 'single' | '2x1' | '2x2';

export interface ClusterIngestRun {
  readonly target: ClusterTarget;
  readonly packets: number;
  readonly stored: number;
  readonly wallSec: number;
  readonly packetsPerSec: number;
  /** CPU of the darkscope process. */
  readonly clientCpuSec: number;
  /** CPU of every server (and ZooKeeper) during the run. */
  readonly serverCpuSec: number;
}

export interface ClusterIngestSummary {
  readonly target: ClusterTarget;
  readonly rounds: number;
  readonly packetsPerSec: number;
  readonly wallSec: number;
  readonly clientCpuSec: number;
  readonly serverCpuSec: number;
  readonly allStored: boolean;
}

export interface ClusterIngestFigures {
  readonly packets: number;
  readonly runs: readonly ClusterIngestRun[];
  readonly summary: readonly ClusterIngestSummary[];
  /** Measured once: cluster start-up time and the servers' resident memory after the runs. */
  readonly clusterStartSec: number;
  readonly nodeRssMb: readonly number[];
  readonly zookeeperRssMb: number;
}

const CLUSTER = 'darkscope_bench';
const CLUSTER_2X1 = 'darkscope_bench_2x1';

async function clusterPids(cluster: LocalCluster): Promise<number[]> {
  const pids: number[] = [];
  for (const n of cluster.nodes) {
    const s = await readServerState(n.dataDir);
    if (s !== null) pids.push(s.pid);
  }
  const zk = JSON.parse(readFileSync(join(cluster.zookeeper.dataDir, 'zookeeper.json'), 'utf8')) as { pid: number };
  return [...pids, zk.pid];
}

interface Target {
  readonly name: ClusterTarget;
  readonly url: string;
  readonly cluster: string | null;
  readonly pids: readonly number[];
}

async function oneRun(t: Target, file: string, packets: number, round: number): Promise<ClusterIngestRun> {
  const database = `bench_cluster_${t.name.replace('x', '_')}_${round}`;
  const store: StoreClient = createStoreClient({ url: t.url, database, cluster: t.cluster, requestTimeoutMs: 300_000 });
  try {
    const onCluster = t.cluster === null ? sql`` : sql` ON CLUSTER ${sqlIdent(t.cluster)}`;
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(database)}${onCluster}`);
    await migrate(store);
    const cpu0 = t.pids.reduce((a, p) => a + cpuSec(p), 0);
    const env: NodeJS.ProcessEnv = { DARKSCOPE_CLICKHOUSE_URL: t.url, DARKSCOPE_DATABASE: database, DARKSCOPE_CLUSTER: t.cluster ?? '' };
    const r = await runSampled(process.execPath, [BIN, 'ingest', '--sensor', 'bench', file], { env });
    if (r.code !== 0) throw new Error(`darkscope ingest into ${t.name} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const serverCpuSec = t.pids.reduce((a, p) => a + cpuSec(p), 0) - cpu0;
    const rows = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')}`, { n: col.uint64AsNumber });
    await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(database)}${onCluster}`);
    return {
      target: t.name, packets, stored: rows[0]?.n ?? 0, wallSec: r.wallMs / 1000, packetsPerSec: packets / (r.wallMs / 1000),
      clientCpuSec: r.cpuSec, serverCpuSec,
    };
  } finally {
    await store.close();
  }
}

export function summarizeClusterRuns(runs: readonly ClusterIngestRun[]): ClusterIngestSummary[] {
  const targets: ClusterTarget[] = ['single', '2x1', '2x2'];
  return targets.filter((t) => runs.some((r) => r.target === t)).map((t) => {
    const rs = runs.filter((r) => r.target === t);
    return {
      target: t,
      rounds: rs.length,
      packetsPerSec: median(rs.map((r) => r.packetsPerSec)),
      wallSec: median(rs.map((r) => r.wallSec)),
      clientCpuSec: median(rs.map((r) => r.clientCpuSec)),
      serverCpuSec: median(rs.map((r) => r.serverCpuSec)),
      allStored: rs.every((r) => r.stored === r.packets),
    };
  });
}

/**
 * Starts a standalone server and the local cluster under `dataDir`, ingests
 * `file` (`packets` packets) `rounds` times into each target, stops
 * everything, and returns the figures.
 */
export async function measureClusterIngest(opts: { file: string; packets: number; rounds: number; dataDir: string; log?: (msg: string) => void }): Promise<ClusterIngestFigures> {
  const log = opts.log ?? (() => undefined);
  await rm(opts.dataDir, { recursive: true, force: true });
  let single: LocalServer | undefined;
  let cluster: LocalCluster | undefined;
  try {
    single = await startLocalServer({ dataDir: join(opts.dataDir, 'single') });
    const t0 = performance.now();
    cluster = await startLocalCluster({
      dataDir: join(opts.dataDir, 'cluster'), shards: 2, replicas: 2, cluster: CLUSTER, extraClusters: { [CLUSTER_2X1]: [[0], [2]] },
    });
    const clusterStartSec = (performance.now() - t0) / 1000;
    log(`cluster started in ${clusterStartSec.toFixed(1)} s: ZooKeeper :${cluster.zookeeper.port}, nodes ${cluster.nodes.map((n) => n.url).join(' ')}`);
    const pids = await clusterPids(cluster);
    const node0 = cluster.nodes[0]?.url ?? '';
    const targets: Target[] = [
      { name: 'single', url: single.url, cluster: null, pids: [single.pid] },
      { name: '2x1', url: node0, cluster: CLUSTER_2X1, pids },
      { name: '2x2', url: node0, cluster: CLUSTER, pids },
    ];
    const runs: ClusterIngestRun[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const t of targets) {
        log(`cluster ingest round ${round}/${opts.rounds}: ${t.name}`);
        runs.push(await oneRun(t, opts.file, opts.packets, round));
      }
    }
    const nodeRssMb = pids.slice(0, -1).map(rssMb);
    const zookeeperRssMb = rssMb(pids[pids.length - 1] ?? 0);
    return { packets: opts.packets, runs, summary: summarizeClusterRuns(runs), clusterStartSec, nodeRssMb, zookeeperRssMb };
  } finally {
    await cluster?.stop();
    await single?.stop();
  }
}
