/**
 * docker-compose.cluster.yml, checked without Docker (none on these machines;
 * the file has not been run here): 2 shards × 2 replicas of the current LTS
 * ClickHouse on a 3-node Keeper ensemble, and every name that must agree
 * across the file does (remote_servers hosts = services, macros = each
 * node's place in remote_servers, Keeper ids = raft configuration, the
 * darkscope cluster name = the remote_servers entry).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface Service {
  image?: string;
  hostname?: string;
  environment?: Record<string, string>;
  ports?: string[];
  configs?: Array<{ source: string; target: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const text = readFileSync(fileURLToPath(new URL('../../docker-compose.cluster.yml', import.meta.url)), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; configs: Record<string, { content: string }> };
const services = compose.services;
const chNodes = Object.keys(services).filter((s) => s.startsWith('ch-')).sort();
const keepers = Object.keys(services).filter((s) => s.startsWith('keeper')).sort();
const clusterXml = compose.configs['clickhouse-cluster']?.content ?? '';
const keeperXml = compose.configs.keeper?.content ?? '';

/** remote_servers as cluster name → shards → replica hosts. */
function remoteServers(xml: string): Record<string, string[][]> {
  const body = /<remote_servers[^>]*>([\s\S]*)<\/remote_servers>/.exec(xml)?.[1] ?? '';
  const out: Record<string, string[][]> = {};
  for (const m of body.matchAll(/<([a-z_0-9]+)>([\s\S]*?)<\/\1>/g)) {
    out[m[1]!] = [...m[2]!.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((s) => [...s[1]!.matchAll(/<host>([^<]+)<\/host>/g)].map((h) => h[1]!));
  }
  return out;
}

describe('docker-compose.cluster.yml', () => {
  it('says it was not run here', () => {
    expect(text).toMatch(/NOT RUN HERE/);
  });

  it('runs 4 ClickHouse nodes of the current LTS and 3 Keeper nodes of the same release', () => {
    expect(chNodes).toEqual(['ch-s1r1', 'ch-s1r2', 'ch-s2r1', 'ch-s2r2']);
    expect(keepers).toEqual(['keeper1', 'keeper2', 'keeper3']);
    const main = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8')) as { services: Record<string, Service> };
    for (const n of chNodes) expect(services[n]!.image).toBe(main.services.clickhouse!.image);
    const release = /:(\d+\.\d+)$/.exec(main.services.clickhouse!.image ?? '')?.[1];
    for (const k of keepers) expect(services[k]!.image).toBe(`clickhouse/clickhouse-keeper:${release}`);
  });

  it('declares one cluster of 2 shards × 2 replicas whose hosts are the services, with internal replication', () => {
    const clusters = remoteServers(clusterXml);
    expect(Object.keys(clusters)).toEqual(['darkscope']);
    expect(clusters.darkscope).toEqual([['ch-s1r1', 'ch-s1r2'], ['ch-s2r1', 'ch-s2r2']]);
    expect(clusterXml.match(/<internal_replication>true<\/internal_replication>/g)).toHaveLength(2);
    expect(clusterXml).toContain('<distributed_ddl>');
    for (const k of keepers) expect(clusterXml).toContain(`<node><host>${k}</host><port>9181</port></node>`);
  });

  it('gives each node the macros of its place in the cluster and mounts the cluster config', () => {
    const clusters = remoteServers(clusterXml);
    clusters.darkscope!.forEach((replicas, i) => {
      for (const host of replicas) {
        const s = services[host]!;
        expect(s.hostname).toBe(host);
        expect(s.environment).toMatchObject({ DARKSCOPE_SHARD: String(i + 1), DARKSCOPE_REPLICA: host });
        expect(s.configs).toEqual([{ source: 'clickhouse-cluster', target: '/etc/clickhouse-server/config.d/darkscope-cluster.xml' }]);
        expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(keepers);
      }
    });
    expect(clusterXml).toContain('<shard from_env="DARKSCOPE_SHARD"/>');
    expect(clusterXml).toContain('<replica from_env="DARKSCOPE_REPLICA"/>');
  });

  it('gives each Keeper node its own id from the raft configuration', () => {
    const raft = [...keeperXml.matchAll(/<server><id>(\d+)<\/id><hostname>([^<]+)<\/hostname>/g)].map((m) => [m[1], m[2]]);
    expect(raft).toEqual(keepers.map((k, i) => [String(i + 1), k]));
    keepers.forEach((k, i) => expect(services[k]!.environment?.KEEPER_SERVER_ID).toBe(String(i + 1)));
  });

  it('runs darkscope in cluster mode against that cluster, and publishes ports on 127.0.0.1 only', () => {
    expect(services.darkscope!.environment).toMatchObject({ DARKSCOPE_CLUSTER: 'darkscope', DARKSCOPE_CLICKHOUSE_URL: 'http://ch-s1r1:8123' });
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([n]) => n).sort()).toEqual(['ch-s1r1', 'darkscope']);
    for (const [name, p] of published) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });
});
