/**
 * Migrations on a real 2-shard × 2-replica cluster: what each node holds
 * after `migrate` in cluster mode, bookkeeping recorded once cluster-wide,
 * the instance id in every ZooKeeper path, refusal of the wrong mode, and
 * `darkscope cluster check` on a healthy and a damaged database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_LAYOUTS, localName } from '../../src/store/cluster/layout.js';
import { createStoreClient } from '../../src/store/client.js';
import { loadMigrations, migrate, schemaStatus } from '../../src/store/migrate.js';
import { col } from '../../src/store/row-decoders.js';
import { ROLLUPS } from '../../src/store/rollups.js';
import { sql, sqlIdent, sqlString } from '../../src/store/sql.js';
import { runCli } from '../helpers/run-cli.js';
import { testDatabaseName } from '../integration/helpers/db.js';
import { freshClusterDatabase, nodeStore, type ClusterTestDatabase } from './helpers/cluster-db.js';

let db: ClusterTestDatabase;
let firstRun: Awaited<ReturnType<typeof migrate>>;

beforeAll(async () => {
  db = await freshClusterDatabase('schema', { migrate: false });
  firstRun = await migrate(db.store);
});

afterAll(async () => {
  await db?.dispose();
});

async function tablesOn(i: number): Promise<Map<string, { engine: string; full: string }>> {
  const rows = await db.node(i).query(
    sql`SELECT name, engine, engine_full FROM system.tables WHERE database = ${sqlString(db.name)}`,
    { name: col.string, engine: col.string, engine_full: col.string });
  return new Map(rows.map((r) => [r.name, { engine: r.engine, full: r.engine_full }]));
}

describe('migrate in cluster mode', () => {
  it('creates on every node a replicated local table and a Distributed table per sharded table, views on the local tables, and replicated bookkeeping', async () => {
    expect(firstRun.applied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const sharded = Object.entries(TABLE_LAYOUTS).filter(([, l]) => l.kind === 'sharded').map(([t]) => t);
    const everywhere = Object.entries(TABLE_LAYOUTS).filter(([, l]) => l.kind === 'everywhere').map(([t]) => t);
    // The views of the stored rollups (migration 0008 dropped the others').
    const views = ROLLUPS.map((r) => r.view);
    const instance = (await schemaStatus(db.store)).instance;
    expect(instance).toMatch(/^[0-9a-f]{16}$/);
    for (let i = 0; i < db.spec.nodes.length; i++) {
      const tables = await tablesOn(i);
      expect([...tables.keys()].sort()).toEqual([...sharded, ...sharded.map(localName), ...everywhere, ...views].sort());
      for (const t of sharded) {
        expect(tables.get(localName(t))?.engine).toMatch(/^Replicated(Summing)?MergeTree$/);
        expect(tables.get(localName(t))?.full).toContain(`'/clickhouse/darkscope/${db.name}/${instance}/${localName(t)}/{shard}', '{replica}'`);
        expect(tables.get(t)?.full).toMatch(new RegExp(`^Distributed\\(${db.spec.cluster}, ${db.name}, ${localName(t)}`));
      }
      expect(tables.get('packets')?.full).toContain('intHash64(src_key)');
      for (const t of everywhere) {
        expect(tables.get(t)?.full).toContain(`'/clickhouse/darkscope/${db.name}/${instance}/${t}', '{shard}-{replica}'`);
      }
      for (const v of views) expect(tables.get(v)?.engine).toBe('MaterializedView');
    }
    // Each shard's replica set has exactly its two replicas registered in ZooKeeper.
    const replicas = await db.store.query(
      sql`SELECT name FROM system.zookeeper WHERE path = ${sqlString(`/clickhouse/darkscope/${db.name}/${instance}/packets_local/2/replicas`)} ORDER BY name`,
      { name: col.string });
    expect(replicas.map((r) => r.name)).toEqual(['s2r1', 's2r2']);
  });

  it('materialized views read packets_local and write the local rollups', async () => {
    const rows = await db.store.query(
      sql`SELECT create_table_query AS q FROM system.tables WHERE database = ${sqlString(db.name)} AND name = 'port_1h_mv'`, { q: col.string });
    expect(rows[0]?.q).toMatch(/TO [`\w]*\.?`?port_1h_local`?/);
    expect(rows[0]?.q).toMatch(/FROM [`\w]*\.`?packets_local`?/);
  });

  it('records each migration once, cluster-wide, with the checksums of the cluster rendering; a second run changes nothing', async () => {
    const expected = await loadMigrations(db.name, undefined, db.spec.cluster);
    for (let i = 0; i < db.spec.nodes.length; i++) {
      const s = db.node(i);
      await s.command(sql`SYSTEM SYNC REPLICA ${s.table('schema_migrations')}`);
      const rows = await s.query(sql`SELECT version, checksum FROM ${s.table('schema_migrations')} ORDER BY version`, { version: col.number, checksum: col.string });
      expect(rows).toEqual(expected.map((m) => ({ version: m.version, checksum: m.checksum })));
    }
    const statusBefore = await schemaStatus(db.node(3));
    const again = await migrate(db.node(3));
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await schemaStatus(db.node(3))).instance).toBe(statusBefore.instance);
    // The cluster rendering differs from the single-node one, and neither depends on the instance id.
    const single = await loadMigrations(db.name);
    expect(expected.map((m) => m.checksum)).not.toEqual(single.map((m) => m.checksum));
    expect(expected.flatMap((m) => m.statements).join('\n')).toContain('{darkscope_instance}');
  });

  it('refuses the cluster database without --cluster, and a single-server database with --cluster', async () => {
    const plain = nodeStore(db.spec, 1, db.name, null);
    try {
      await expect(migrate(plain)).rejects.toMatchObject({ code: 'DARKSCOPE_E_SCHEMA', message: expect.stringMatching(/created on a ClickHouse cluster: pass --cluster/) });
    } finally {
      await plain.close();
    }
    const name = testDatabaseName('single');
    const single = nodeStore(db.spec, 0, name, null);
    const clustered = nodeStore(db.spec, 0, name);
    try {
      await migrate(single);
      await expect(migrate(clustered)).rejects.toMatchObject({ code: 'DARKSCOPE_E_SCHEMA', message: expect.stringMatching(/created for a single server/) });
    } finally {
      await single.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(name)}`);
      await Promise.all([single.close(), clustered.close()]);
    }
  });

  it('names the clusters the server knows when --cluster names another', async () => {
    const s = createStoreClient({ url: db.spec.nodes[0]!.url, database: testDatabaseName('nocluster'), cluster: 'no_such_cluster' });
    try {
      await expect(migrate(s)).rejects.toMatchObject({
        code: 'DARKSCOPE_E_BAD_CONFIG', message: expect.stringContaining(`cluster "no_such_cluster" is not defined on the ClickHouse server at ${db.spec.nodes[0]!.url} (its <remote_servers> has: ${db.spec.cluster})`),
      });
    } finally {
      await s.close();
    }
  });

  it('a dry run prints the ON CLUSTER statements with the instance placeholder and creates nothing', async () => {
    const name = testDatabaseName('dry');
    const s = nodeStore(db.spec, 0, name);
    try {
      const r = await migrate(s, { dryRun: true });
      expect(r.sql).toContain(`CREATE DATABASE IF NOT EXISTS \`${name}\` ON CLUSTER \`${db.spec.cluster}\``);
      expect(r.sql).toContain(`ENGINE = Distributed(\`${db.spec.cluster}\`, \`${name}\`, \`packets_local\`, intHash64(src_key))`);
      expect(r.sql).toContain('{darkscope_instance}');
      const exists = await s.query(sql`SELECT count() AS n FROM system.databases WHERE name = ${sqlString(name)}`, { n: col.uint64AsNumber });
      expect(exists[0]?.n).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('darkscope cluster check', () => {
  const args = () => ['cluster', 'check', '--cluster', db.spec.cluster, '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name];

  it('reports 2 shards, 4 replicas, every table on every node, drained queues: exit 0', async () => {
    const r = await runCli(args());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cluster ${db.spec.cluster}, database ${db.name}: 2 shards, 4 replicas`);
    expect(r.stdout.match(/tables 46\/46/g)).toHaveLength(4);
    expect(r.stdout).toMatch(/DDL queue \/clickhouse\/task_queue\/ddl: \d+ tasks, 0 of the newest \d+ not finished/);
    expect(r.stdout).toContain('OK: every table on every node');
    const json = JSON.parse((await runCli([...args(), '--json'])).stdout) as { nodes: Array<{ missingTables: string[]; replicas: unknown[] }>; problems: string[] };
    expect(json.problems).toEqual([]);
    expect(json.nodes).toHaveLength(4);
    for (const n of json.nodes) expect(n.replicas).toHaveLength(20);
  });

  it('names the node and the table when a table is missing on one node: exit 1', async () => {
    const node3 = db.spec.nodes[3]!;
    await db.node(3).command(sql`DROP TABLE ${db.node(3).table('country_1d_mv')}`);
    const r = await runCli(args());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`shard 2 replica 2 (127.0.0.1:${node3.tcpPort}) lacks country_1d_mv`);
  });

  it('refuses without cluster mode', async () => {
    const r = await runCli(['cluster', 'check', '--clickhouse-url', db.spec.nodes[0]!.url, '--database', db.name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/DARKSCOPE_E_BAD_CONFIG: darkscope cluster check needs cluster mode/);
  });
});
