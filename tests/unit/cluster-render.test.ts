/**
 * Cluster mode without a server: how migrations render for a cluster, the
 * instance placeholder and checksums, the TypeScript twin of intHash64, where
 * the batch writer finds src_key, the --cluster setting, and the config the
 * harness writes for cluster nodes and ZooKeeper. The same statements run on
 * a real cluster in tests/cluster.
 */
import { describe, expect, it } from 'vitest';
import { clusterCheckText } from '../../src/cli/commands/cluster.js';
import { loadConfig } from '../../src/config.js';
import { addressKey } from '../../src/store/address-key.js';
import { SRC_KEY_FROM_END } from '../../src/store/batch-writer.js';
import type { ClusterCheck } from '../../src/store/cluster/check.js';
import { INSTANCE_PLACEHOLDER, TABLE_LAYOUTS, instanceFromEngine, storageName, zookeeperPath } from '../../src/store/cluster/layout.js';
import { createdNames, renderForCluster } from '../../src/store/cluster/render.js';
import { renderZooConfig } from '../support/local-zookeeper.js';
import { intHash64, shardSlot } from '../../src/store/cluster/shard-slot.js';
import { renderClusterConfig, renderServerConfig } from '../support/local-server.js';
import { expandStatement, loadMigrations, splitStatements, withInstance } from '../../src/store/migrate.js';
import { encodeRows, type StorablePacket } from '../../src/store/packet-rows.js';

const DB = 'db_c';
const C = 'dark';

describe('renderForCluster', () => {
  it('adds ON CLUSTER to CREATE DATABASE', () => {
    expect(renderForCluster('CREATE DATABASE IF NOT EXISTS `db_c`', DB, C)).toEqual(['CREATE DATABASE IF NOT EXISTS `db_c` ON CLUSTER `dark`']);
  });

  it('turns a sharded table into a replicated local table per shard and a Distributed table over it', () => {
    const single = expandStatement('CREATE TABLE IF NOT EXISTS {db}.packets\n(\n    src_key UInt64,\n    ts DateTime(\'UTC\')\n)\nENGINE = MergeTree()\nPARTITION BY toYYYYMMDD(ts)\nORDER BY ts', DB);
    expect(renderForCluster(single, DB, C)).toEqual([
      'CREATE TABLE IF NOT EXISTS `db_c`.`packets_local` ON CLUSTER `dark`\n(\n    src_key UInt64,\n    ts DateTime(\'UTC\')\n)\n' +
        "ENGINE = ReplicatedMergeTree('/clickhouse/darkscope/db_c/{darkscope_instance}/packets_local/{shard}', '{replica}')\nPARTITION BY toYYYYMMDD(ts)\nORDER BY ts",
      'CREATE TABLE IF NOT EXISTS `db_c`.`packets` ON CLUSTER `dark` AS `db_c`.`packets_local`\nENGINE = Distributed(`dark`, `db_c`, `packets_local`, intHash64(src_key))',
    ]);
  });

  it('replicates bookkeeping tables over every node, keeping engine arguments', () => {
    const single = 'CREATE TABLE IF NOT EXISTS `db_c`.ingest_progress\n(\n    sensor String,\n    updated_at DateTime(\'UTC\')\n)\nENGINE = ReplacingMergeTree(updated_at)\nORDER BY sensor';
    expect(renderForCluster(single, DB, C)).toEqual([
      'CREATE TABLE IF NOT EXISTS `db_c`.`ingest_progress` ON CLUSTER `dark`\n(\n    sensor String,\n    updated_at DateTime(\'UTC\')\n)\n' +
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/darkscope/db_c/{darkscope_instance}/ingest_progress', '{shard}-{replica}', updated_at)\nORDER BY sensor",
    ]);
  });

  it('points materialized views from packets_local to the local rollup', () => {
    const view = 'CREATE MATERIALIZED VIEW IF NOT EXISTS `db_c`.port_1h_mv TO `db_c`.port_1h AS\nSELECT count() AS packets FROM `db_c`.`packets`\nGROUP BY t';
    expect(renderForCluster(view, DB, C)).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS `db_c`.`port_1h_mv` ON CLUSTER `dark` TO `db_c`.`port_1h_local` AS\nSELECT count() AS packets FROM `db_c`.`packets_local`\nGROUP BY t',
    ]);
  });

  it('refuses statements it has no rule for, and tables without a layout', () => {
    expect(() => renderForCluster('INSERT INTO `db_c`.port_1h (t)\nSELECT t FROM `db_c`.port_1d', DB, C)).toThrow(/port_1h is not a sharded table with a sharding key/);
    expect(() => renderForCluster('ALTER TABLE `db_c`.packets ADD COLUMN x UInt8', DB, C)).toThrow(/cannot render "ALTER TABLE.*add a rule to src\/store\/cluster\/render\.ts/);
    expect(() => renderForCluster('CREATE TABLE IF NOT EXISTS `db_c`.mystery\n(\n    x UInt8\n)\nENGINE = MergeTree()\nORDER BY x', DB, C))
      .toThrow(/table mystery has no cluster layout/);
    expect(() => renderForCluster('CREATE TABLE IF NOT EXISTS `other`.packets\n(\n    x UInt8\n)\nENGINE = MergeTree()\nORDER BY x', DB, C)).toThrow(/names database other/);
  });
});

describe('shipped migrations in cluster mode', () => {
  it('render completely, create every table of TABLE_LAYOUTS, and keep the instance placeholder', async () => {
    const ms = await loadMigrations(DB, undefined, C);
    const statements = ms.flatMap((m) => m.statements);
    // Everything but the INSERT ... SELECT backfills of migrations 0006, 0007 and 0008 (run once, through Distributed tables).
    const inserts = statements.filter((s) => s.startsWith('INSERT INTO'));
    expect(inserts.map((s) => s.split(' ')[2])).toEqual(['`db_c`.`total_1h`', '`db_c`.`total_1d`', '`db_c`.`activity_1m`',
      '`db_c`.`port_total_1d`', '`db_c`.`source_total_1d`', '`db_c`.`country_1h`', '`db_c`.`country_1d`', '`db_c`.`mix_1h`', '`db_c`.`mix_1d`']);
    // 0008 drops the old views on every node.
    expect(statements).toContain('DROP TABLE IF EXISTS `db_c`.`port_1m_mv` ON CLUSTER `dark`');
    for (const s of statements.filter((x) => !inserts.includes(x))) expect(s).toContain('ON CLUSTER `dark`');
    const created = createdNames(statements);
    for (const t of Object.keys(TABLE_LAYOUTS).filter((t) => t !== 'schema_migrations')) expect(created).toContain(storageName(t));
    expect(statements.filter((s) => s.includes(INSTANCE_PLACEHOLDER)).length).toBe(Object.keys(TABLE_LAYOUTS).length - 1);
    // Views read each node's own packets_local (the backfills read every shard through `packets`).
    expect(statements.filter((x) => !inserts.includes(x)).join('\n')).not.toMatch(/`db_c`\.`?packets`?\n/);
  });

  it('have checksums that are stable, differ from the single-node ones, and leave single-node rendering unchanged', async () => {
    const [a, b, single, singleAgain] = await Promise.all([loadMigrations(DB, undefined, C), loadMigrations(DB, undefined, C), loadMigrations(DB), loadMigrations(DB, undefined, null)]);
    expect(a.map((m) => m.checksum)).toEqual(b.map((m) => m.checksum));
    expect(a.map((m) => m.checksum)).not.toEqual(single.map((m) => m.checksum));
    expect(singleAgain).toEqual(single);
    expect(single.flatMap((m) => m.statements).join('\n')).not.toContain('ON CLUSTER');
  });

  it('substitute the instance id only when running', () => {
    const s = renderForCluster(splitStatements('CREATE TABLE IF NOT EXISTS {db}.sensors\n(\n    sensor String\n)\nENGINE = MergeTree()\nORDER BY sensor;\n').map((x) => expandStatement(x, DB))[0]!, DB, C)[0]!;
    expect(withInstance(s, '0123456789abcdef')).toContain("'/clickhouse/darkscope/db_c/0123456789abcdef/sensors'");
    expect(() => withInstance(s, null)).toThrow(/instance id/);
    expect(withInstance('SELECT 1', null)).toBe('SELECT 1');
    expect(instanceFromEngine(DB, "ReplicatedMergeTree('/clickhouse/darkscope/db_c/0123456789abcdef/schema_migrations', '{shard}-{replica}') ORDER BY version")).toBe('0123456789abcdef');
    expect(instanceFromEngine(DB, 'MergeTree ORDER BY version')).toBeNull();
    expect(zookeeperPath(DB, 'port_1m')).toBe('/clickhouse/darkscope/db_c/{darkscope_instance}/port_1m_local/{shard}');
  });
});

describe('intHash64 and shard slots', () => {
  it('equal ClickHouse\'s intHash64 (values read from 18.16)', () => {
    expect(intHash64(1n)).toBe(10577349846663553072n);
    expect(intHash64(2n)).toBe(18198135717204167749n);
    expect(intHash64(4294967295n)).toBe(9168733277332772950n);
    expect(intHash64(9223372036854775808n)).toBe(7378616448805205431n);
    expect(intHash64(18446744073709551615n)).toBe(14600443904207254319n);
  });

  it('spread sources evenly over the slots', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[shardSlot(BigInt(0x0a000000 + i), 3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('the batch writer reads each row\'s src_key where the encoder put it', () => {
    const p = (i: number, v6: boolean): StorablePacket => ({
      tsSec: 1_700_000_000, tsUsec: 0, ipVersion: v6 ? 6 : 4, src4: v6 ? 0 : 0x08080800 + i, dst4: 1, src6: v6 ? Uint8Array.from({ length: 16 }, (_, k) => k * i) : null,
      dst6: null, proto: 6, sport: 1, dport: 23, tcpFlags: 2, tcpSeq: 0, tcpWindow: 0, tcpOptions: false, ipId: 0, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0,
      fragment: false, trafficClass: 'scan', tool: 'none', label: i % 2 === 0 ? 'research' : '', country: 'JP', asn: 1, recordIndex: i,
    });
    const packets = [p(1, false), p(2, true), p(3, false)];
    const rows = encodeRows(packets, { sensor: 'sensor-with-a-long-name', toolRules: 1, batchKeyHi: 1, batchKeyLo: 2 });
    packets.forEach((x, i) => {
      expect(rows.bytes.readBigUInt64LE(rows.starts[i + 1]! - SRC_KEY_FROM_END)).toBe(addressKey(x.ipVersion, x.src4, x.src6));
    });
  });
});

describe('the --cluster setting', () => {
  it('is null by default and for an empty DARKSCOPE_CLUSTER; the flag beats the environment', () => {
    expect(loadConfig({}).clickhouse.cluster).toBeNull();
    expect(loadConfig({ DARKSCOPE_CLUSTER: '' }).clickhouse.cluster).toBeNull();
    expect(loadConfig({ DARKSCOPE_CLUSTER: 'telescope' }).clickhouse.cluster).toBe('telescope');
    expect(loadConfig({ DARKSCOPE_CLUSTER: 'telescope' }, { cluster: 'other_1' }).clickhouse.cluster).toBe('other_1');
  });

  it('takes the nodes\' HTTP URLs from --cluster-nodes or DARKSCOPE_CLUSTER_NODES, and rejects what is not one', () => {
    expect(loadConfig({}).clickhouse.clusterNodes).toEqual([]);
    expect(loadConfig({ DARKSCOPE_CLUSTER_NODES: 'http://a:8123, https://b:8443' }).clickhouse.clusterNodes).toEqual(['http://a:8123', 'https://b:8443']);
    expect(loadConfig({ DARKSCOPE_CLUSTER_NODES: 'http://a:8123' }, { clusterNodes: ['http://c:8123'] }).clickhouse.clusterNodes).toEqual(['http://c:8123']);
    expect(() => loadConfig({ DARKSCOPE_CLUSTER_NODES: 'ch-s2r1:8123' })).toThrow('"DARKSCOPE_CLUSTER_NODES" entry "ch-s2r1:8123" is not an http(s) URL (e.g. http://ch-s2r1:8123)');
    expect(() => loadConfig({}, { clusterNodes: ['tcp://x:9000'] })).toThrow('--cluster-nodes entry "tcp://x:9000" is not an http(s) URL');
  });

  it('rejects names that are not identifiers, with the exact message', () => {
    expect(() => loadConfig({ DARKSCOPE_CLUSTER: 'my-cluster' })).toThrow(
      'cluster name "my-cluster" must match ^[A-Za-z_][A-Za-z0-9_]{0,62}$ (a <remote_servers> name from the ClickHouse server config)');
  });
});

describe('config of a local cluster node and of ZooKeeper', () => {
  const cluster = {
    zookeeper: [{ host: '127.0.0.1', port: 2181 }],
    macros: { shard: '2', replica: 's2r1' },
    clusters: { dark: [[{ host: '127.0.0.1', port: 9001 }, { host: '127.0.0.1', port: 9002 }], [{ host: '127.0.0.1', port: 9003 }]] },
  };

  it('declares ZooKeeper, the macros, the cluster with internal replication, and the DDL queue', () => {
    const xml = renderClusterConfig(cluster);
    expect(xml).toContain('<node><host>127.0.0.1</host><port>2181</port></node>');
    expect(xml).toContain('<shard>2</shard>');
    expect(xml).toContain('<replica>s2r1</replica>');
    expect(xml.match(/<internal_replication>true<\/internal_replication>/g)).toHaveLength(2);
    expect(xml).toContain('<replica><host>127.0.0.1</host><port>9003</port></replica>');
    expect(xml).toContain('<path>/clickhouse/task_queue/ddl</path>');
    const server = renderServerConfig({ dir: '/tmp/x', displayName: 'n', httpPort: 1, tcpPort: 2, interserverPort: 3, timezone: 'UTC', cluster });
    expect(server.indexOf('<remote_servers>')).toBeLessThan(server.indexOf('</clickhouse>'));
    expect(renderServerConfig({ dir: '/tmp/x', displayName: 'n', httpPort: 1, tcpPort: 2, interserverPort: 3, timezone: 'UTC' })).not.toContain('zookeeper');
    expect(() => renderClusterConfig({ ...cluster, macros: { 'bad name': 'x' } })).toThrow(/macro name "bad name"/);
  });

  it('runs ZooKeeper on loopback without its admin server', () => {
    const cfg = renderZooConfig('/tmp/zk', 31234);
    expect(cfg).toContain('clientPort=31234\nclientPortAddress=127.0.0.1');
    expect(cfg).toContain('admin.enableServer=false');
    expect(cfg).toContain('4lw.commands.whitelist=ruok');
    expect(cfg).toContain('dataDir=/tmp/zk/data');
  });
});

describe('cluster check report', () => {
  const base: ClusterCheck = {
    cluster: 'dark', database: 'd', expectedTables: ['packets', 'packets_local'],
    shards: [{ shard: 1, weight: 1, replicas: [{ shard: 1, replica: 1, host: 'h1', address: '10.0.0.1', port: 9000 }, { shard: 1, replica: 2, host: 'h2', address: '10.0.0.2', port: 9000 }] }],
    nodes: [
      { shard: 1, replica: 1, host: 'h1', port: 9000, error: null, tablesPresent: 2, missingTables: [], replicas: [], queueEntries: 3, failingEntries: [], maxDelaySec: 0 },
      { shard: 1, replica: 2, host: 'h2', port: 9000, error: 'Connection refused', tablesPresent: 0, missingTables: [], replicas: [], queueEntries: 0, failingEntries: [], maxDelaySec: 0 },
    ],
    ddl: { path: '/clickhouse/task_queue/ddl', tasks: 5, examined: 5, unfinished: [{ name: 'query-0000000004', query: 'CREATE TABLE ...', hosts: 2, finished: 1, ageSec: 300 }], error: null },
    problems: ['shard 1 replica 2 (h2:9000) did not answer: Connection refused'],
  };

  it('shows every replica, the DDL queue and the problems', () => {
    const text = clusterCheckText(base);
    expect(text).toContain('cluster dark, database d: 1 shard, 2 replicas');
    expect(text).toContain('    replica 1  h1:9000  tables 2/2  replication queue 3 (0 inserts)  max delay 0 s');
    expect(text).toContain('    replica 2  h2:9000  UNREACHABLE  Connection refused');
    expect(text).toContain('  query-0000000004  1/2 hosts  300 s  CREATE TABLE ...');
    expect(text).toContain('1 problem:\n  - shard 1 replica 2 (h2:9000) did not answer: Connection refused');
    expect(clusterCheckText({ ...base, problems: [] })).toContain('OK: every table on every node');
  });
});
