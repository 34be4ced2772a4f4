/**
 * `darkscope cluster check`: the health of a darkscope database on a
 * cluster, seen from the one node darkscope talks to.
 *
 *   shards and replicas     system.clusters
 *   per node                remote('host:tcp_port', system, tables | replicas | replication_queue)
 *                           (18.16 has no clusterAllReplicas): every darkscope table present,
 *                           replication queue, errors and lag, read-only replicas
 *   DDL queue               the ON CLUSTER task queue in ZooKeeper through system.zookeeper
 *                           (18.16 has no system.distributed_ddl_queue): tasks not yet
 *                           finished on every host they name
 *
 * remote() connects with darkscope's own user and password when given (they
 * then appear in that query's text in the server's query log, like any
 * remote() call); otherwise with the server's default user.
 */
import { DarkscopeError, isDarkscopeError } from '../../errors.js';
import type { StoreClient } from '../client.js';
import { loadMigrations } from '../migrate.js';
import { col } from '../row-decoders.js';
import { sql, sqlJoin, sqlString, type SqlFragment } from '../sql.js';
import { createdNames } from './render.js';
import { clusterOf, loadTopology, type ClusterShard } from './topology.js';

export const DEFAULT_DDL_PATH = '/clickhouse/task_queue/ddl';

export interface CheckOptions {
  /** Credentials for remote(); default: the server's default user. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** ZooKeeper path of the ON CLUSTER queue (<distributed_ddl><path>); default /clickhouse/task_queue/ddl. */
  readonly ddlPath?: string;
  /** Newest DDL tasks examined (default 100). */
  readonly ddlTasks?: number;
  /** Replication delay above which a replica counts as lagging (default 60 s). */
  readonly maxDelaySec?: number;
  /** A DDL task unfinished for longer than this is a problem (default 60 s). */
  readonly ddlGraceSec?: number;
  readonly migrationsDir?: string;
  /** Current time, epoch seconds (tests). */
  readonly now?: number;
}

export interface ReplicaTableState {
  readonly table: string;
  readonly readonly: boolean;
  readonly sessionExpired: boolean;
  readonly queueSize: number;
  readonly insertsInQueue: number;
  readonly absoluteDelay: number;
  readonly activeReplicas: number;
  readonly totalReplicas: number;
}

export interface NodeCheck {
  readonly shard: number;
  readonly replica: number;
  readonly host: string;
  readonly port: number;
  /** Null when the node answered; otherwise why not. */
  readonly error: string | null;
  readonly tablesPresent: number;
  readonly missingTables: readonly string[];
  readonly replicas: readonly ReplicaTableState[];
  /** Replication queue entries of this database on the node, and those that keep failing. */
  readonly queueEntries: number;
  readonly failingEntries: ReadonlyArray<{ readonly table: string; readonly type: string; readonly tries: number; readonly error: string }>;
  readonly maxDelaySec: number;
}

export interface DdlTask {
  readonly name: string;
  readonly query: string;
  readonly hosts: number;
  readonly finished: number;
  readonly ageSec: number;
}

export interface DdlQueueCheck {
  readonly path: string;
  /** Tasks in the queue, and how many of the newest were examined. */
  readonly tasks: number;
  readonly examined: number;
  readonly unfinished: readonly DdlTask[];
  readonly error: string | null;
}

export interface ClusterCheck {
  readonly cluster: string;
  readonly database: string;
  readonly shards: readonly ClusterShard[];
  readonly expectedTables: readonly string[];
  readonly nodes: readonly NodeCheck[];
  readonly ddl: DdlQueueCheck;
  /** Empty when healthy; each a one-line description. */
  readonly problems: readonly string[];
}

function remoteSql(host: string, port: number, table: string, auth: CheckOptions['auth']): SqlFragment {
  const args: SqlFragment[] = [sqlString(`${host}:${port}`), sql`system`, sqlString(table)];
  if (auth !== undefined) args.push(sqlString(auth.user), sqlString(auth.password));
  return sql`remote(${sqlJoin(args)})`;
}

function message(e: unknown): string {
  return isDarkscopeError(e) ? e.message : e instanceof Error ? e.message : String(e);
}

async function checkNode(store: StoreClient, r: { shard: number; replica: number; host: string; port: number }, expected: readonly string[], options: CheckOptions): Promise<NodeCheck> {
  const db = sqlString(store.database);
  const base = { shard: r.shard, replica: r.replica, host: r.host, port: r.port };
  try {
    const tables = await store.query(
      sql`SELECT name FROM ${remoteSql(r.host, r.port, 'tables', options.auth)} WHERE database = ${db}`, { name: col.string });
    const present = new Set(tables.map((t) => t.name));
    const replicas = await store.query(sql`
      SELECT table, is_readonly, is_session_expired, queue_size, inserts_in_queue, absolute_delay, active_replicas, total_replicas
      FROM ${remoteSql(r.host, r.port, 'replicas', options.auth)} WHERE database = ${db} ORDER BY table`,
    {
      table: col.string, is_readonly: col.number, is_session_expired: col.number, queue_size: col.number, inserts_in_queue: col.number,
      absolute_delay: col.uint64AsNumber, active_replicas: col.number, total_replicas: col.number,
    });
    const queue = await store.query(sql`
      SELECT table, toString(type) AS type, num_tries, last_exception
      FROM ${remoteSql(r.host, r.port, 'replication_queue', options.auth)} WHERE database = ${db}`,
    { table: col.string, type: col.string, num_tries: col.number, last_exception: col.string });
    const states = replicas.map((x) => ({
      table: x.table, readonly: x.is_readonly === 1, sessionExpired: x.is_session_expired === 1, queueSize: x.queue_size,
      insertsInQueue: x.inserts_in_queue, absoluteDelay: x.absolute_delay, activeReplicas: x.active_replicas, totalReplicas: x.total_replicas,
    }));
    return {
      ...base,
      error: null,
      tablesPresent: expected.filter((t) => present.has(t)).length,
      missingTables: expected.filter((t) => !present.has(t)),
      replicas: states,
      queueEntries: queue.length,
      failingEntries: queue.filter((q) => q.last_exception !== '' && q.num_tries >= 3)
        .map((q) => ({ table: q.table, type: q.type, tries: q.num_tries, error: q.last_exception.split('\n')[0]?.slice(0, 200) ?? '' })),
      maxDelaySec: states.reduce((a, s) => Math.max(a, s.absoluteDelay), 0),
    };
  } catch (e) {
    return { ...base, error: message(e), tablesPresent: 0, missingTables: [], replicas: [], queueEntries: 0, failingEntries: [], maxDelaySec: 0 };
  }
}

/** Unfinished ON CLUSTER tasks among the newest `limit` in the queue at `path`. */
async function checkDdlQueue(store: StoreClient, path: string, limit: number, now: number): Promise<DdlQueueCheck> {
  try {
    const tasks = await store.query(
      sql`SELECT name, value, toUInt32(ctime) AS created FROM system.zookeeper WHERE path = ${sqlString(path)} ORDER BY name DESC`,
      { name: col.string, value: col.string, created: col.number });
    const newest = tasks.slice(0, limit);
    const unfinished: DdlTask[] = [];
    for (const t of newest) {
      const children = await store.query(
        sql`SELECT name, numChildren AS n FROM system.zookeeper WHERE path = ${sqlString(`${path}/${t.name}`)}`,
        { name: col.string, n: col.number });
      const finished = children.find((c) => c.name === 'finished')?.n ?? 0;
      const hostList = /^hosts: \[(.*)\]$/m.exec(t.value)?.[1] ?? '';
      const hosts = hostList.trim() === '' ? 0 : hostList.split(',').length;
      if (finished < hosts) {
        const query = (/^query: (.*)$/m.exec(t.value)?.[1] ?? '').slice(0, 200);
        unfinished.push({ name: t.name, query, hosts, finished, ageSec: Math.max(0, now - t.created) });
      }
    }
    return { path, tasks: tasks.length, examined: newest.length, unfinished, error: null };
  } catch (e) {
    return { path, tasks: 0, examined: 0, unfinished: [], error: message(e) };
  }
}

export async function checkCluster(store: StoreClient, options: CheckOptions = {}): Promise<ClusterCheck> {
  const cluster = clusterOf(store);
  const topology = await loadTopology(store, cluster);
  const migrations = await loadMigrations(store.database, options.migrationsDir, cluster);
  const expected = ['schema_migrations', ...createdNames(migrations.flatMap((m) => m.statements))];
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const nodes: NodeCheck[] = [];
  for (const shard of topology.shards) {
    for (const r of shard.replicas) nodes.push(await checkNode(store, r, expected, options));
  }
  const ddl = await checkDdlQueue(store, options.ddlPath ?? DEFAULT_DDL_PATH, options.ddlTasks ?? 100, now);

  const maxDelay = options.maxDelaySec ?? 60;
  const grace = options.ddlGraceSec ?? 60;
  const problems: string[] = [];
  for (const n of nodes) {
    const where = `shard ${n.shard} replica ${n.replica} (${n.host}:${n.port})`;
    if (n.error !== null) {
      problems.push(`${where} did not answer: ${n.error}`);
      continue;
    }
    if (n.missingTables.length === expected.length) problems.push(`${where} has no darkscope table of ${store.database}: run darkscope migrate --cluster ${cluster}`);
    else if (n.missingTables.length > 0) problems.push(`${where} lacks ${n.missingTables.join(', ')}`);
    for (const s of n.replicas) {
      if (s.readonly) problems.push(`${where}: ${s.table} is read-only${s.sessionExpired ? ' (ZooKeeper session expired)' : ''}`);
      if (s.absoluteDelay > maxDelay) problems.push(`${where}: ${s.table} ${delayText(s.absoluteDelay, now)}`);
    }
    const down = n.replicas.filter((s) => s.activeReplicas < s.totalReplicas);
    if (down.length > 0) {
      const s = down[0] as ReplicaTableState;
      problems.push(`${where}: ${s.totalReplicas - s.activeReplicas} of ${s.totalReplicas} replicas of ${s.table}${down.length > 1 ? ` (and ${down.length - 1} more tables)` : ''} are not active`);
    }
    for (const f of n.failingEntries) problems.push(`${where}: ${f.type} on ${f.table} failed ${f.tries} times: ${f.error}`);
  }
  if (ddl.error !== null) problems.push(`cannot read the DDL queue at ${ddl.path}: ${ddl.error}`);
  for (const t of ddl.unfinished) {
    if (t.ageSec > grace) problems.push(`DDL task ${t.name} finished on ${t.finished} of ${t.hosts} hosts after ${t.ageSec} s: ${t.query}`);
  }
  return { cluster, database: store.database, shards: topology.shards, expectedTables: expected, nodes, ddl, problems };
}

/**
 * A replica that has not read its replication log since its server started
 * reports the current time as its delay (ClickHouse knows nothing better):
 * say so instead of quoting decades, since it usually means a restart moments
 * ago that the next check will no longer see.
 */
function delayText(delaySec: number, now: number): string {
  return delaySec >= now - 86_400
    ? 'has not read its replication log since its server started (just restarted? check again in a few seconds)'
    : `is ${delaySec} s behind its other replicas`;
}

/** Throws BAD_CONFIG for a check that cannot run at all (not cluster mode). */
export function assertClusterMode(store: StoreClient): void {
  if ((store.cluster ?? null) === null) {
    throw new DarkscopeError('BAD_CONFIG', 'darkscope cluster check needs cluster mode: pass --cluster NAME or set DARKSCOPE_CLUSTER');
  }
}
