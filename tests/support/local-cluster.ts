/**
 * A real ClickHouse cluster on one machine, for the cluster tests and
 * `npm run bench`: one ZooKeeper (local-zookeeper.ts) and shards × replicas
 * clickhouse-server processes (local-server.ts) on loopback ports, each with
 * <zookeeper>, <macros> (shard, replica), <remote_servers> and
 * <distributed_ddl> in its config.
 *
 * The cluster is described by a plain JSON-able spec (ports, directories,
 * macros), so a test worker other than the process that started the cluster
 * can stop and restart one node (startClusterNode / stopClusterNode), and
 * stopLocalCluster stops every node by the pid in its state file, whoever
 * started it last.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  freePort, startLocalServer, stopLocalServer, type ClusterNodeConfig, type LocalServer,
} from './local-server.js';
import { startZooKeeper, stopZooKeeper } from './local-zookeeper.js';

export interface LocalClusterOptions {
  /** Directory for ZooKeeper and every node (created if missing). */
  readonly dataDir: string;
  /** Default 2. */
  readonly shards?: number;
  /** Replicas per shard; default 2. */
  readonly replicas?: number;
  /** The <remote_servers> name; default "darkscope". */
  readonly cluster?: string;
  /** ClickHouse binary (default: found as local-server.ts finds it). */
  readonly bin?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Default time zone of every node (default UTC). */
  readonly timezone?: string;
  /** ZooKeeper classpath (default: Debian's package). */
  readonly zookeeperClasspath?: string;
  /**
   * More <remote_servers> entries over the same nodes: name → shards → node
   * indexes, e.g. `{ darkscope_2x1: [[0], [2]] }` (2 shards, no replication).
   */
  readonly extraClusters?: Readonly<Record<string, ReadonlyArray<readonly number[]>>>;
}

export interface ClusterNodeSpec {
  /** 0-based position in `nodes` (shard-major). */
  readonly index: number;
  /** 1-based shard and replica numbers, as in system.clusters. */
  readonly shard: number;
  readonly replica: number;
  readonly dataDir: string;
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly interserverPort: number;
  /** `<macros>` of the node. */
  readonly macros: Readonly<Record<string, string>>;
}

export interface LocalClusterSpec {
  readonly cluster: string;
  readonly dataDir: string;
  readonly timezone: string;
  readonly bin?: string;
  readonly zookeeper: { readonly port: number; readonly dataDir: string };
  readonly nodes: readonly ClusterNodeSpec[];
  /** Further clusters over the same nodes (shards of node indexes). */
  readonly extraClusters?: Readonly<Record<string, ReadonlyArray<readonly number[]>>>;
}

export interface LocalCluster extends LocalClusterSpec {
  /** The spec alone (JSON), for handing to test workers. */
  readonly spec: LocalClusterSpec;
  stop(): Promise<void>;
}

/** The cluster part of node `index`'s config. */
export function nodeClusterConfig(spec: LocalClusterSpec, index: number): ClusterNodeConfig {
  const node = spec.nodes[index];
  if (node === undefined) throw new RangeError(`no node ${index} in the cluster`);
  const address = (n: ClusterNodeSpec) => ({ host: '127.0.0.1', port: n.tcpPort });
  const shards: Array<Array<{ host: string; port: number }>> = [];
  for (const n of spec.nodes) (shards[n.shard - 1] ??= []).push(address(n));
  const clusters: Record<string, Array<Array<{ host: string; port: number }>>> = { [spec.cluster]: shards };
  for (const [name, layout] of Object.entries(spec.extraClusters ?? {})) {
    clusters[name] = layout.map((members) => members.map((i) => {
      const n = spec.nodes[i];
      if (n === undefined) throw new RangeError(`cluster ${name} names node ${i}, which does not exist`);
      return address(n);
    }));
  }
  return {
    zookeeper: [{ host: '127.0.0.1', port: spec.zookeeper.port }],
    macros: node.macros,
    clusters,
  };
}

/** (Re)starts one node with its recorded ports and data; detached, so it outlives the process that started it. */
export async function startClusterNode(spec: LocalClusterSpec, index: number, env?: NodeJS.ProcessEnv): Promise<LocalServer> {
  const node = spec.nodes[index];
  if (node === undefined) throw new RangeError(`no node ${index} in the cluster`);
  return startLocalServer({
    dataDir: node.dataDir,
    httpPort: node.httpPort,
    tcpPort: node.tcpPort,
    interserverPort: node.interserverPort,
    timezone: spec.timezone,
    bin: spec.bin,
    env,
    detached: true,
    cluster: nodeClusterConfig(spec, index),
  });
}

/** Stops one node by the pid in its state file (SIGTERM; SIGKILL after `timeoutMs`). */
export async function stopClusterNode(spec: LocalClusterSpec, index: number, options: { timeoutMs?: number } = {}): Promise<void> {
  const node = spec.nodes[index];
  if (node === undefined) throw new RangeError(`no node ${index} in the cluster`);
  await stopLocalServer(node.dataDir, options);
}

/** Stops every node, then ZooKeeper. */
export async function stopLocalCluster(spec: LocalClusterSpec): Promise<void> {
  await Promise.all(spec.nodes.map((_, i) => stopClusterNode(spec, i)));
  await stopZooKeeper(spec.zookeeper.dataDir);
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const dataDir = resolve(options.dataDir);
  const shardCount = options.shards ?? 2;
  const replicaCount = options.replicas ?? 2;
  const cluster = options.cluster ?? 'darkscope';
  await mkdir(dataDir, { recursive: true });
  const zk = await startZooKeeper({ dataDir: join(dataDir, 'zookeeper'), classpath: options.zookeeperClasspath, env: options.env, detached: true });
  const nodes: ClusterNodeSpec[] = [];
  for (let s = 1; s <= shardCount; s++) {
    for (let r = 1; r <= replicaCount; r++) {
      const httpPort = await freePort();
      nodes.push({
        index: nodes.length,
        shard: s,
        replica: r,
        dataDir: join(dataDir, `s${s}r${r}`),
        url: `http://127.0.0.1:${httpPort}`,
        httpPort,
        tcpPort: await freePort(),
        interserverPort: await freePort(),
        macros: { shard: String(s), replica: `s${s}r${r}` },
      });
    }
  }
  const spec: LocalClusterSpec = {
    cluster, dataDir, timezone: options.timezone ?? 'UTC', bin: options.bin, zookeeper: { port: zk.port, dataDir: zk.dataDir }, nodes,
    extraClusters: options.extraClusters,
  };
  try {
    await Promise.all(nodes.map((_, i) => startClusterNode(spec, i, options.env)));
  } catch (e) {
    await stopLocalCluster(spec);
    throw e;
  }
  return Object.freeze({ ...spec, spec, stop: () => stopLocalCluster(spec) });
}
