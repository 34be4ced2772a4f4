/** Opens the ClickHouse store for a command: connect, check credentials, apply pending migrations on first use. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createStoreClient, type StoreClient } from '../store/client.js';
import { migrate } from '../store/migrate.js';
import { legacyStoreNotice, resolveClickHouse } from './clickhouse-target.js';
import type { CliContext } from './context.js';

export interface ConnectOptions {
  /** Apply pending migrations (first use). */
  readonly migrate: boolean;
  /** Environment of the embedded engine when it must be started. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where to tell the user that darkscope started its own server (a terminal line; default: the log). */
  readonly notice?: (line: string) => void;
}

export async function connectStore(cfg: Config, log: Logger, opts: ConnectOptions): Promise<StoreClient> {
  const target = await resolveClickHouse(cfg, log, { env: opts.env });
  if (target.source === 'embedded-started') {
    const lines = [`darkscope: started darkscope's embedded ClickHouse at ${target.url} (data in ${cfg.home}/engine; stop it with: darkscope clickhouse stop)`];
    const legacy = legacyStoreNotice(cfg);
    if (legacy !== null) lines.push(legacy);
    for (const line of lines) {
      if (opts.notice !== undefined) opts.notice(line);
      else log.warn({ url: target.url }, line);
    }
  }
  const store = createStoreClient({
    url: target.url,
    database: cfg.clickhouse.database,
    username: target.credentials?.username ?? cfg.clickhouse.username,
    password: target.credentials?.password ?? cfg.clickhouse.password,
    requestTimeoutMs: cfg.clickhouse.requestTimeoutMs,
    cluster: cfg.clickhouse.cluster,
    clusterNodes: cfg.clickhouse.clusterNodes,
  });
  try {
    await store.ping();
    if (opts.migrate) {
      const r = await migrate(store);
      if (r.applied.length > 0) log.info({ database: store.database, versions: r.applied.map((m) => m.version) }, 'schema migrations applied');
    }
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** What a CLI command passes to connectStore: its environment, and its terminal for notices. */
export function cliConnectOptions(ctx: CliContext): Pick<ConnectOptions, 'env' | 'notice'> {
  return { env: ctx.env as NodeJS.ProcessEnv, notice: (line) => ctx.stderr.write(`${line}\n`) };
}
