/**
 * The same generated capture (200 000 packets over 3 days, a little IPv6,
 * research-labelled scanners, a new port appearing on the last day) ingested
 * into a single-server database and into the 2-shard cluster: every query of
 * the query layer (src/query) returns exactly the same answer, unique counts
 * included (merged from the shards' uniqCombined states, never summed), and
 * the rollup tables agree group by group.
 *
 * The single-server database lives on node 0 of the cluster, created without
 * --cluster: plain MergeTree tables, today's schema, on the same binary.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseFilters } from '../../src/query/filters.js';
import { portSeries } from '../../src/query/port-series.js';
import { queryContext, type QueryContext } from '../../src/query/runner.js';
import { sourceProfile } from '../../src/query/source-profile.js';
import { summary } from '../../src/query/summary.js';
import { topPorts } from '../../src/query/top-ports.js';
import { topSources } from '../../src/query/top-sources.js';
import { trends } from '../../src/query/trends.js';
import type { StoreClient } from '../../src/store/client.js';
import { col } from '../../src/store/row-decoders.js';
import { uniqMergeSql } from '../../src/store/rollups.js';
import { sql, sqlIdent, sqlString, type SqlFragment } from '../../src/store/sql.js';
import { RESEARCH_CIDR } from '../../src/synth/darknet-model.js';
import { runCli } from '../helpers/run-cli.js';
import { testDatabaseName } from '../integration/helpers/db.js';
import { synthCapture, tempDir, type SynthFile, type TempDir } from '../integration/helpers/ingest.js';
import { rollupRows } from '../integration/helpers/rollup-rows.js';
import { clusterEnv, countOn, freshClusterDatabase, nodeStore, type ClusterTestDatabase } from './helpers/cluster-db.js';

const START = Date.UTC(2026, 0, 5) / 1000;
const DAYS = 3;
const END = START + DAYS * 86_400;
const RANGE = { from: START, to: END };

let dir: TempDir;
let capture: SynthFile;
let cluster: ClusterTestDatabase;
let single: StoreClient;
let singleName: string;

function ingestArgs(url: string, database: string, labels: string): string[] {
  return ['ingest', '--clickhouse-url', url, '--database', database, '--sensor', 'tokyo', '--darknet', '198.18.0.0/16',
    '--labels', labels, '--batch-rows', '50000', capture.path];
}

beforeAll(async () => {
  dir = await tempDir('cluster-queries');
  capture = await synthCapture(dir.path, 'three-days.pcap', {
    packets: 200_000, seed: 11, startSec: START, durationSec: DAYS * 86_400, ipv6Share: 0.01,
    onsets: [{ port: 37215, proto: 'tcp', from: 0.7, share: 0.05 }], quietPorts: [37215],
  });
  const labels = join(dir.path, 'labels.csv');
  await writeFile(labels, `${RESEARCH_CIDR},research\n`);
  cluster = await freshClusterDatabase('queries');
  singleName = testDatabaseName('queries_single');
  single = nodeStore(cluster.spec, 0, singleName, null);
  const url = cluster.spec.nodes[0]!.url;
  const [a, b] = await Promise.all([
    runCli(ingestArgs(url, singleName, labels)),
    runCli([...ingestArgs(url, cluster.name, labels), '--cluster', cluster.spec.cluster], { env: clusterEnv(cluster.spec) }),
  ]);
  expect(a.stderr).toContain('stored 200000');
  expect(b.stderr).toContain('stored 200000');
  expect([a.code, b.code]).toEqual([0, 0]);
}, 240_000);

afterAll(async () => {
  await single?.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(singleName)}`);
  await single?.close();
  await cluster?.dispose();
  await dir?.remove();
});

function contexts(): [QueryContext, QueryContext] {
  const cfg = loadConfig({});
  return [queryContext(cfg, single, { now: () => END }), queryContext(cfg, cluster.store, { now: () => END })];
}

/** Runs `q` on both and expects the same answer; returns it. */
async function same<T>(q: (ctx: QueryContext) => Promise<T>): Promise<T> {
  const [s, c] = contexts();
  const [a, b] = await Promise.all([q(s), q(c)]);
  expect(b).toEqual(a);
  return a;
}

describe('a capture ingested into one server and into a 2-shard cluster', () => {
  it('is split between the shards by source, and both replicas of each shard hold their shard', async () => {
    const counts = await Promise.all([0, 1, 2, 3].map((i) => countOn(cluster.node(i), 'packets_local')));
    expect(counts[0]).toBe(counts[1]);
    expect(counts[2]).toBe(counts[3]);
    expect(counts[0]! + counts[2]!).toBe(200_000);
    expect(Math.min(counts[0]!, counts[2]!)).toBeGreaterThan(40_000);
    // No source on both shards.
    const shard2 = sqlString(`127.0.0.1:${cluster.spec.nodes[2]!.tcpPort}`);
    const both = await cluster.node(0).query(
      sql`SELECT count() AS n FROM ${cluster.node(0).table('packets_local')} WHERE src_key IN (SELECT src_key FROM remote(${shard2}, ${sqlIdent(cluster.name)}, packets_local))`,
      { n: col.uint64AsNumber });
    expect(both[0]?.n).toBe(0);
  });

  it('summary: totals, unique sources and destinations, research share, classes, protocols, top ports and countries', async () => {
    const r = await same((ctx) => summary(ctx, { range: RANGE, filters: {} }));
    expect(r.totals.packets).toBe(200_000);
    expect(r.totals.sources).toBeGreaterThan(1_000);
    expect(r.research.packets).toBeGreaterThan(0);
    await same((ctx) => summary(ctx, { range: RANGE, filters: parseFilters({ class: 'scan' }) }));
    await same((ctx) => summary(ctx, { range: RANGE, filters: parseFilters({ country: r.topCountries[0]!.country }) }));
    await same((ctx) => summary(ctx, { range: { from: START + 3_600, to: START + 5 * 3_600 }, filters: {} }));
  });

  it('top ports by packets and by sources, with and without filters', async () => {
    const r = await same((ctx) => topPorts(ctx, { range: RANGE, filters: {}, limit: 50 }));
    expect(r.ports).toHaveLength(50);
    await same((ctx) => topPorts(ctx, { range: RANGE, filters: {}, by: 'sources', limit: 50 }));
    await same((ctx) => topPorts(ctx, { range: RANGE, filters: parseFilters({ tool: 'mirai' }), limit: 20 }));
    await same((ctx) => topPorts(ctx, { range: RANGE, filters: parseFilters({ excludeLabel: ['research'] }), limit: 20 }));
  });

  it('port series at 1m, 5m, 1h and 1d', async () => {
    const [top] = (await topPorts(contexts()[0], { range: RANGE, filters: {}, limit: 1 })).ports;
    const port = { proto: top!.proto, port: top!.port };
    const r = await same((ctx) => portSeries(ctx, { range: RANGE, filters: {}, ...port }));
    expect(r.points.length).toBeGreaterThanOrEqual(72);
    await same((ctx) => portSeries(ctx, { range: RANGE, filters: {}, ...port, interval: '1d' }));
    await same((ctx) => portSeries(ctx, { range: { from: START + 7_200, to: START + 4 * 3_600 }, filters: {}, ...port, interval: '1m' }));
    await same((ctx) => portSeries(ctx, { range: { from: START, to: START + 86_400 }, filters: {}, ...port, interval: '5m' }));
    await same((ctx) => portSeries(ctx, { range: RANGE, filters: {}, proto: 6, port: 37215, interval: '1h' }));
  });

  it('top sources by packets, ports and destinations', async () => {
    const r = await same((ctx) => topSources(ctx, { range: RANGE, filters: {}, limit: 50 }));
    expect(r.sources).toHaveLength(50);
    await same((ctx) => topSources(ctx, { range: RANGE, filters: {}, by: 'ports', limit: 50 }));
    await same((ctx) => topSources(ctx, { range: RANGE, filters: {}, by: 'destinations', limit: 50 }));
    await same((ctx) => topSources(ctx, { range: RANGE, filters: parseFilters({ class: 'backscatter' }), limit: 20 }));
  });

  it('source profiles (rollups and raw fingerprints), IPv4 and IPv6', async () => {
    const top = (await topSources(contexts()[0], { range: RANGE, filters: {}, limit: 5 })).sources;
    const v6 = await single.query(sql`SELECT IPv6NumToString(src6) AS ip FROM ${single.table('packets')} WHERE ip_version = 6 GROUP BY ip ORDER BY count() DESC, ip LIMIT 1`, { ip: col.string });
    const ips = [...top.map((s) => s.ip), ...v6.map((r) => r.ip)];
    expect(ips.some((ip) => ip.includes(':'))).toBe(true);
    for (const ip of ips) {
      const r = await same((ctx) => sourceProfile(ctx, { range: { from: END - 86_400, to: END }, filters: {}, ip }));
      expect(r.found).toBe(true);
    }
  });

  it('trends: spikes and new ports against the baseline', async () => {
    const r = await same((ctx) => trends(ctx, { to: END, filters: {}, params: { recentDays: 1, baselineDays: 2, minPackets: 20, minSources: 3 } }));
    expect(r.newPorts.map((p) => p.port)).toContain(37215);
  });

  it('every rollup agrees group by group: packets and bytes summed, unique counts merged across shards', async () => {
    const groups = async (store: StoreClient, table: string, measures: SqlFragment) => store.query(
      sql`SELECT toString(t) AS t, sensor, proto, dport, toString(class) AS class, sum(packets) AS packets, ${measures} AS m
          FROM ${rollupRows(store, table)} GROUP BY t, sensor, proto, dport, class ORDER BY t, sensor, proto, dport, class`,
      { t: col.string, sensor: col.string, proto: col.number, dport: col.number, class: col.string, packets: col.uint64AsNumber, m: col.uint64AsNumber });
    for (const table of ['port_1m', 'port_1h']) {
      const [a, b] = await Promise.all([groups(single, table, uniqMergeSql(sql`sources`)), groups(cluster.store, table, uniqMergeSql(sql`sources`))]);
      expect(b.length).toBe(a.length);
      expect(b).toEqual(a);
    }
    const [a, b] = await Promise.all([groups(single, 'source_1h', uniqMergeSql(sql`destinations`)), groups(cluster.store, 'source_1h', uniqMergeSql(sql`destinations`))]);
    expect(b).toEqual(a);
    // The day rollups with fewer dimensions.
    const days = async (store: StoreClient, table: string, key: SqlFragment, measures: SqlFragment) => store.query(
      sql`SELECT toString(tuple(t, sensor, ${key}, sum(packets), ${measures})) AS k FROM ${rollupRows(store, table)} GROUP BY t, sensor, ${key} ORDER BY k`, { k: col.string });
    for (const [table, key, measures] of [
      ['port_total_1d', sql`proto, dport`, uniqMergeSql(sql`sources`)],
      ['source_total_1d', sql`ip_version, src, src6`, sql`${uniqMergeSql(sql`destinations`)}, ${uniqMergeSql(sql`ports`)}`],
      ['country_1d', sql`country`, uniqMergeSql(sql`sources`)],
      ['mix_1d', sql`proto, class, tool, label`, sql`sum(bytes)`],
    ] as const) {
      const [x, y] = await Promise.all([days(single, table, key, measures), days(cluster.store, table, key, measures)]);
      expect(x.length, table).toBeGreaterThan(0);
      expect(y, table).toEqual(x);
    }
  });
});
