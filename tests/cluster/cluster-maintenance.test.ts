/**
 * Retention and rollup rebuild in cluster mode, both run on one replica of
 * each shard: partitions dropped on every shard and every replica; a day's
 * rollups rebuilt from each shard's raw rows into that shard's rollups, with
 * exact counts and the same unique-count answers as the views gave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient, type StoreClient } from '../../src/store/client.js';
import { applyRetention } from '../../src/store/retention.js';
import { rebuildRollups } from '../../src/store/rollups-rebuild.js';
import { col } from '../../src/store/row-decoders.js';
import { uniqMergeSql } from '../../src/store/rollups.js';
import { sql, sqlDateTime, sqlString, sqlUInt } from '../../src/store/sql.js';
import { runCli } from '../helpers/run-cli.js';
import { synthCapture, tempDir, type TempDir } from '../integration/helpers/ingest.js';
import { clusterEnv, freshClusterDatabase, rollupVersusRaw, syncAllReplicas, type ClusterTestDatabase } from './helpers/cluster-db.js';

const D0 = Date.UTC(2026, 3, 1) / 1000;
const DAY = 86_400;
const dayId = (t: number) => Number(new Date(t * 1000).toISOString().slice(0, 10).replace(/-/g, ''));
const dayText = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

let dir: TempDir;
let db: ClusterTestDatabase;

beforeAll(async () => {
  dir = await tempDir('cluster-maintenance');
  const [capture, fresh] = await Promise.all([
    synthCapture(dir.path, 'four-days.pcap', { packets: 80_000, seed: 41, startSec: D0, durationSec: 4 * DAY }),
    freshClusterDatabase('maintenance'),
  ]);
  db = fresh;
  const r = await runCli(['ingest', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name,
    '--sensor', 'm', '--no-enrich', capture.path], { env: clusterEnv(db.spec) });
  expect(r.stderr).toContain('stored 80000');
}, 180_000);

afterAll(async () => {
  await db?.dispose();
  await dir?.remove();
});

async function partitions(store: StoreClient, table: string): Promise<string[]> {
  const rows = await store.query(
    sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${sqlString(store.database)} AND table = ${sqlString(table)} AND active ORDER BY partition`,
    { partition: col.string });
  return rows.map((r) => r.partition);
}

async function rawPerDay(store: StoreClient): Promise<Map<string, number>> {
  const rows = await store.query(sql`SELECT toString(toYYYYMMDD(ts)) AS d, count() AS n FROM ${store.table('packets')} GROUP BY d ORDER BY d`,
    { d: col.string, n: col.uint64AsNumber });
  return new Map(rows.map((r) => [r.d, r.n]));
}

describe('retention on a cluster', () => {
  const now = new Date((D0 + 4 * DAY + 3_600) * 1000);

  it('lists the same partitions a single server would, with rows summed over shards', async () => {
    const perDay = await rawPerDay(db.store);
    const r = await applyRetention(db.store, { now, rawDays: 2, minuteDays: 1, dryRun: true });
    const raw = r.dropped.filter((d) => d.table === 'packets');
    expect(raw.map((d) => d.partition)).toEqual([String(dayId(D0)), String(dayId(D0 + DAY))]);
    for (const d of raw) expect(d.rows).toBe(perDay.get(d.partition));
    // Since migration 0008 no view fills port_1m: a new store has no minute partitions to drop.
    expect(r.dropped.filter((d) => d.table === 'port_1m')).toEqual([]);
  });

  it('drops them on every shard and every replica, and nothing else', async () => {
    const before = await rawPerDay(db.store);
    const r = await applyRetention(db.store, { now, rawDays: 2, minuteDays: 1 });
    expect(r.dropped).toHaveLength(2);
    await syncAllReplicas(db);
    for (let i = 0; i < db.spec.nodes.length; i++) {
      const s = db.node(i);
      expect(await partitions(s, 'packets_local'), `node ${i}`).toEqual([String(dayId(D0 + 2 * DAY)), String(dayId(D0 + 3 * DAY))]);
      expect((await partitions(s, 'port_1h_local')).length, `node ${i}`).toBe(4);
    }
    const after = await rawPerDay(db.store);
    expect([...after.keys()]).toEqual([String(dayId(D0 + 2 * DAY)), String(dayId(D0 + 3 * DAY))]);
    for (const [d, n] of after) expect(n).toBe(before.get(d));
  });
});

describe('rollup rebuild on a cluster', () => {
  const uniques = (store: StoreClient) => store.query(
    sql`SELECT toString(t) AS hour, proto, dport, sum(packets) AS packets, ${uniqMergeSql(sql`sources`)} AS sources, ${uniqMergeSql(sql`destinations`)} AS destinations
        FROM ${store.table('port_1h')} WHERE t >= ${sqlDateTime(D0 + 2 * DAY)} GROUP BY hour, proto, dport ORDER BY hour, proto, dport`,
    { hour: col.string, proto: col.number, dport: col.number, packets: col.uint64AsNumber, sources: col.uint64AsNumber, destinations: col.uint64AsNumber });

  it('rebuilds days that one shard lost, with exact counts and the unique counts the views gave', async () => {
    const expected = await uniques(db.store);
    expect(expected.length).toBeGreaterThan(100);
    // Shard 2 loses a day of hourly port rows and of source rows (replicated to its second replica).
    await db.node(2).command(sql`ALTER TABLE ${db.node(2).table('port_1h_local')} DROP PARTITION ${sqlUInt(dayId(D0 + 3 * DAY), 32)}`);
    await db.node(2).command(sql`ALTER TABLE ${db.node(2).table('source_total_1d_local')} DROP PARTITION ${sqlUInt(dayId(D0 + 3 * DAY), 32)}`);
    expect(await uniques(db.store)).not.toEqual(expected);

    const r = await rebuildRollups(db.store, { from: dayText(D0 + 2 * DAY), to: dayText(D0 + 4 * DAY) });
    expect(r.days.map((d) => d.action)).toEqual(['rebuilt', 'rebuilt']);
    await syncAllReplicas(db);
    expect(await uniques(db.store)).toEqual(expected);
    for (const x of await rollupVersusRaw(db.store, 'm')) {
      const kept = x.raw.filter((line) => Number(line.split(' ')[0]) >= D0 + 2 * DAY);
      const rollup = x.rollup.filter((line) => Number(line.split(' ')[0]) >= D0 + 2 * DAY);
      expect(rollup, x.table).toEqual(kept);
    }
  });

  it('rebuilds each shard\'s rollups from that shard\'s raw rows, on both replicas', async () => {
    for (const i of [0, 1, 2, 3]) {
      const s = db.node(i);
      const raw = await s.query(sql`SELECT count() AS n FROM ${s.table('packets_local')}`, { n: col.uint64AsNumber });
      for (const table of ['port_1h_local', 'source_total_1d_local', 'country_1d_local', 'mix_1h_local']) {
        const x = await s.query(sql`SELECT sum(packets) AS n FROM ${s.table(table)} WHERE t >= ${sqlDateTime(D0 + 2 * DAY)}`, { n: col.uint64AsNumber });
        expect(x[0]?.n, `node ${i} ${table}`).toBe(raw[0]?.n);
      }
    }
  });

  it('says which shards it could not reach when the nodes\' HTTP URLs are not known', async () => {
    // Without clusterNodes, darkscope tries each host of system.clusters on node 0's own port: in this
    // harness every replica is 127.0.0.1, so only shard 1 is found.
    const blind = createStoreClient({ url: db.spec.nodes[0]!.url, database: db.name, cluster: db.spec.cluster });
    try {
      await expect(applyRetention(blind, { now: new Date(), dryRun: true })).rejects.toMatchObject({
        code: 'DARKSCOPE_E_SHARDS_UNREACHABLE',
        message: expect.stringMatching(/has 2 shards, but darkscope reached a replica of only 1 over HTTP \(shard 1 at /),
        hint: expect.stringContaining('set --cluster-nodes / DARKSCOPE_CLUSTER_NODES'),
      });
    } finally {
      await blind.close();
    }
  });

  it('refuses days whose raw packets retention dropped', async () => {
    await expect(rebuildRollups(db.store, { from: dayText(D0), to: dayText(D0 + 4 * DAY) }))
      .rejects.toMatchObject({ code: 'DARKSCOPE_E_RAW_GONE', message: expect.stringMatching(/raw packets for 2026-04-01, 2026-04-02 are gone/) });
  });

  it('darkscope retention --cluster finds the shards through --cluster-nodes', async () => {
    const args = ['retention', '--dry-run', '--raw-days', '1', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name];
    const r = await runCli([...args, '--cluster-nodes', db.spec.nodes.map((n) => n.url).join(',')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`would drop packets ${dayText(D0 + 3 * DAY)}`);
    const blind = await runCli(args);
    expect(blind.code).toBe(1);
    expect(blind.stderr).toMatch(/DARKSCOPE_E_SHARDS_UNREACHABLE: cluster \S+ has 2 shards, but darkscope reached a replica of only 1/);
  });
});
