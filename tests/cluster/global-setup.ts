/**
 * vitest globalSetup for tests/cluster: provides `cluster`, the spec of a
 * real ClickHouse cluster on this machine (tests/support/local-cluster.ts):
 * one ZooKeeper (Debian's `zookeeper` package) and 2 shards × 2 replicas of
 * clickhouse-server on loopback ports, with the integration tests' non-UTC
 * default time zone. Stopped at teardown by the pids in each node's state
 * file (a test may have restarted a node). No ZooKeeper or ClickHouse → the
 * run fails with install instructions (never skips).
 *
 * 4 nodes measured here (18.16, 2 cores): start about 1.5 s, about 80 MB RSS
 * each idle plus about 80 MB for ZooKeeper; see README "Running on a
 * ClickHouse cluster".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { isDarkscopeError } from '../../src/errors.js';
import { startLocalCluster, stopLocalCluster, type LocalClusterSpec } from '../support/local-cluster.js';
import { TEST_SERVER_TIMEZONE } from '../integration/global-setup-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster the cluster tests run on: nodes (shard-major), ports, ZooKeeper. */
    cluster: LocalClusterSpec;
  }
}

export const TEST_CLUSTER = 'darkscope_test';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'darkscope-cluster-'));
  let spec: LocalClusterSpec;
  try {
    const cluster = await startLocalCluster({
      dataDir,
      shards: 2,
      replicas: 2,
      cluster: TEST_CLUSTER,
      bin: process.env.DARKSCOPE_CLICKHOUSE_BIN,
      env: process.env,
      timezone: TEST_SERVER_TIMEZONE,
    });
    spec = cluster.spec;
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    if (isDarkscopeError(e) && e.code === 'DARKSCOPE_E_NO_CLICKHOUSE_BINARY') {
      throw new Error(
        'Cluster tests need ZooKeeper and a ClickHouse server, and one of them was not found.\n' +
        '  Install both:  apt-get update && apt-get install -y zookeeper clickhouse-server\n' +
        '  or point DARKSCOPE_CLICKHOUSE_BIN at a `clickhouse` binary and DARKSCOPE_ZOOKEEPER_CLASSPATH at a ZooKeeper 3.5+ classpath.\n' +
        `  (${e.message})`,
      );
    }
    throw e;
  }
  project.provide('cluster', spec);
  return async () => {
    await stopLocalCluster(spec);
    await rm(dataDir, { recursive: true, force: true });
  };
}
