/** `darkscope cluster check`: shards, replicas, replication queues and lag, the DDL queue, and every table on every node. */
import { parseIntegerOption } from '../../integer-option.js';
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { assertClusterMode, checkCluster, DEFAULT_DDL_PATH, type ClusterCheck } from '../../store/cluster/check.js';
import type { CliContext } from '../context.js';
import { addStoreOptions, overridesFrom } from '../common-options.js';
import { connectStore } from '../store-connection.js';

export function clusterCheckText(r: ClusterCheck): string {
  const replicas = r.shards.reduce((a, s) => a + s.replicas.length, 0);
  const lines = [`cluster ${r.cluster}, database ${r.database}: ${r.shards.length} shard${r.shards.length === 1 ? '' : 's'}, ${replicas} replica${replicas === 1 ? '' : 's'}`];
  for (const shard of r.shards) {
    lines.push(`  shard ${shard.shard} (weight ${shard.weight})`);
    for (const n of r.nodes.filter((x) => x.shard === shard.shard)) {
      const head = `    replica ${n.replica}  ${n.host}:${n.port}`;
      if (n.error !== null) {
        lines.push(`${head}  UNREACHABLE  ${n.error}`);
        continue;
      }
      const inserts = n.replicas.reduce((a, s) => a + s.insertsInQueue, 0);
      lines.push(`${head}  tables ${n.tablesPresent}/${r.expectedTables.length}  replication queue ${n.queueEntries} (${inserts} inserts)  max delay ${n.maxDelaySec} s` +
        `${n.missingTables.length > 0 ? `  missing: ${n.missingTables.join(', ')}` : ''}`);
    }
  }
  lines.push(r.ddl.error !== null
    ? `DDL queue ${r.ddl.path}: unreadable (${r.ddl.error})`
    : `DDL queue ${r.ddl.path}: ${r.ddl.tasks} task${r.ddl.tasks === 1 ? '' : 's'}, ${r.ddl.unfinished.length} of the newest ${r.ddl.examined} not finished on every host`);
  for (const t of r.ddl.unfinished) lines.push(`  ${t.name}  ${t.finished}/${t.hosts} hosts  ${t.ageSec} s  ${t.query}`);
  if (r.problems.length === 0) {
    lines.push('OK: every table on every node, no lagging or read-only replica, no stuck replication or DDL task');
  } else {
    lines.push(`${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`, ...r.problems.map((p) => `  - ${p}`));
  }
  return `${lines.join('\n')}\n`;
}

export function clusterCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const check = new Command('check')
    .description('Report shards, replicas, replication queues and lag, the ON CLUSTER DDL queue, and whether every darkscope table exists on every node; exit 1 on any problem')
    .option('--ddl-path <path>', `ZooKeeper path of the server's <distributed_ddl> queue (default ${DEFAULT_DDL_PATH})`)
    .option('--max-delay-sec <n>', 'replication delay that counts as a problem (default 60)')
    .option('--json', 'print the report as JSON');
  addStoreOptions(check).action(async (o: Record<string, unknown>) => {
    const cfg = loadConfig(ctx.env, overridesFrom(o));
    const store = await connectStore(cfg, createLogger(cfg.logLevel, ctx.stderr), { migrate: false, env: ctx.env as NodeJS.ProcessEnv });
    try {
      assertClusterMode(store);
      const maxDelay = o.maxDelaySec === undefined ? undefined : parseIntegerOption(o.maxDelaySec, '--max-delay-sec', 0, 86_400);
      const r = await checkCluster(store, {
        auth: { user: cfg.clickhouse.username, password: cfg.clickhouse.password },
        ddlPath: typeof o.ddlPath === 'string' ? o.ddlPath : undefined,
        maxDelaySec: maxDelay,
      });
      ctx.stdout.write(o.json === true ? `${JSON.stringify(r, null, 2)}\n` : clusterCheckText(r));
      setExit(r.problems.length === 0 ? 0 : 1);
    } finally {
      await store.close();
    }
  });
  return new Command('cluster').description('Operate darkscope on a ClickHouse cluster (see docs/CLUSTER.md)').addCommand(check);
}
