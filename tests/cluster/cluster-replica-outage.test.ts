/**
 * A replica stopped while an ingest runs and started again: nothing is lost,
 * nothing stored twice, and the two replicas of each shard converge. The
 * stopped node is shard 2's first replica, the one the Distributed inserts
 * of shard 2 go to (load_balancing = in_order): while it is down the inserts
 * fail over to shard 2's second replica, and after its restart it fetches
 * what it missed from the replication log.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterNode, stopClusterNode } from '../support/local-cluster.js';
import { col } from '../../src/store/row-decoders.js';
import { sql } from '../../src/store/sql.js';
import { runCli } from '../helpers/run-cli.js';
import { synthCapture, tempDir, type SynthFile, type TempDir } from '../integration/helpers/ingest.js';
import { startCli } from './helpers/cli-process.js';
import {
  clusterEnv, countOn, freshClusterDatabase, optimizeEverywhere, rawIntegrity, rollupVersusRaw, syncAllReplicas, type ClusterTestDatabase,
} from './helpers/cluster-db.js';

const STOPPED = 2; // shard 2, replica 1
const PACKETS = 200_000;

let dir: TempDir;
let db: ClusterTestDatabase;
let capture: SynthFile;

beforeAll(async () => {
  dir = await tempDir('cluster-outage');
  [capture, db] = await Promise.all([
    synthCapture(dir.path, 'outage.pcap', { packets: PACKETS, seed: 31, startSec: Date.UTC(2026, 2, 1) / 1000, durationSec: 86_400 }),
    freshClusterDatabase('outage'),
  ]);
}, 120_000);

afterAll(async () => {
  // The node must run again for the next test file, whatever happened here.
  await startClusterNode(db.spec, STOPPED, process.env).catch(() => undefined);
  await db?.dispose();
  await dir?.remove();
});

async function rows(): Promise<number> {
  return (await rawIntegrity(db.store)).rows;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Writes `chunk` to the ingest's standard input, waiting for the pipe to drain. */
async function feed(stdin: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  if (!stdin.write(chunk)) await new Promise<void>((resolve) => stdin.once('drain', () => resolve()));
}

/** The raw row count once it has grown past `atLeast` and stayed put for a second (every batch read so far flushed). */
async function settledAbove(atLeast: number): Promise<number> {
  let last = -1;
  let since = Date.now();
  await until(`more than ${atLeast} rows, settled`, async () => {
    const n = await rows();
    if (n !== last) {
      last = n;
      since = Date.now();
    }
    return n > atLeast && Date.now() - since >= 1_000;
  });
  return last;
}

describe('a replica stopped during ingest and restarted', () => {
  let stdout = '';
  let stderr = '';

  // The capture reaches the ingest through its standard input in three parts, so
  // the test decides what is written before, during and after the outage.
  it('the ingest goes on while the replica is down and finishes once it is back', async () => {
    const bytes = readFileSync(capture.path);
    const cut1 = Math.floor(bytes.length * 0.35);
    const cut2 = Math.floor(bytes.length * 0.7);
    const run = startCli(['ingest', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name,
      '--sensor', 'outage', '--batch-rows', '10000', '--batch-age-ms', '200', '--no-enrich', '-'], clusterEnv(db.spec), { stdin: true });
    const stdin = run.stdin!;
    await feed(stdin, bytes.subarray(0, cut1));
    const before = await settledAbove(40_000);
    const secondReplicaBefore = await countOn(db.node(3), 'packets_local');

    await stopClusterNode(db.spec, STOPPED);
    await feed(stdin, bytes.subarray(cut1, cut2));
    const during = await settledAbove(before + 40_000);
    // Shard 2's new rows went to its second replica while its first was down.
    expect(await countOn(db.node(3), 'packets_local')).toBeGreaterThan(secondReplicaBefore);

    await startClusterNode(db.spec, STOPPED, process.env);
    await feed(stdin, bytes.subarray(cut2));
    stdin.end();
    const r = await run.done;
    stdout = r.stdout;
    stderr = r.stderr;
    expect(during).toBeLessThan(PACKETS);
    expect(stderr).toContain(`packets read ${PACKETS}, stored ${PACKETS}`);
    expect(r.code).toBe(0);
  });

  it('stores every packet exactly once', async () => {
    expect(await rawIntegrity(db.store)).toEqual({ rows: PACKETS, distinct: PACKETS });
    expect(stdout).toBe('');
  });

  it('the restarted replica catches up: both replicas of each shard hold the same rows, rollups included', async () => {
    await syncAllReplicas(db);
    const raw = await Promise.all([0, 1, 2, 3].map((i) => countOn(db.node(i), 'packets_local')));
    expect(raw[2]).toBe(raw[3]);
    expect(raw[0]).toBe(raw[1]);
    expect(raw[0]! + raw[2]!).toBe(PACKETS);
    // (Not compared with raw per shard: if the stop cut an insert between its raw part and its views' parts,
    // the ingest rebuilt that day's rollups at the end, and rebuilt port and geo rows may sit on either shard.)
    for (const table of ['port_1h_local', 'port_total_1d_local', 'source_total_1d_local', 'country_1d_local', 'mix_1d_local']) {
      const sums = await Promise.all([0, 1, 2, 3].map(async (i) => {
        const s = db.node(i);
        const x = await s.query(sql`SELECT sum(packets) AS n FROM ${s.table(table)}`, { n: col.uint64AsNumber });
        return x[0]?.n ?? -1;
      }));
      expect(sums[0], table).toBe(sums[1]);
      expect(sums[2], table).toBe(sums[3]);
      expect(sums[0]! + sums[2]!, table).toBe(PACKETS);
    }
  });

  it('rollups equal raw after OPTIMIZE FINAL everywhere, and cluster check is clean again', async () => {
    await optimizeEverywhere(db);
    for (const r of await rollupVersusRaw(db.store, 'outage')) expect(r.rollup, r.table).toEqual(r.raw);
    // The restarted replica reads each table's replication log on its own schedule: until it has, the check
    // (rightly) reports that table as not yet caught up, so give it a few seconds.
    const runCheck = () => runCli(['cluster', 'check', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name], { env: clusterEnv(db.spec) });
    let check = await runCheck();
    for (let i = 0; i < 30 && check.code !== 0 && check.stdout.includes('has not read its replication log'); i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      check = await runCheck();
    }
    expect(check.stdout).toContain('OK: every table on every node');
    expect(check.code).toBe(0);
  });
});
