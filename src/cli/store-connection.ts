/** Opens the ClickHouse store for a command: connect, check credentials, apply pending migrations on first use. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createStoreClient, type StoreClient } from '../store/client.js';
import { migrate } from '../store/migrate.js';
import { resolveClickHouse } from './clickhouse-target.js';

export interface ConnectOptions {
  /** Apply pending migrations (first use). */
  readonly migrate: boolean;
  /** Environment for finding a ClickHouse binary when the managed server must be started. */
  readonly env?: NodeJS.ProcessEnv;
}

export async function connectStore(cfg: Config, log: Logger, opts: ConnectOptions): Promise<StoreClient> {
  const target = await resolveClickHouse(cfg, log, { env: opts.env });
  if (target.source === 'managed-started') log.warn({ url: target.url }, 'started a local ClickHouse server (stop it with: darkscope clickhouse stop)');
  const store = createStoreClient({
    url: target.url,
    database: cfg.clickhouse.database,
    username: cfg.clickhouse.username,
    password: cfg.clickhouse.password,
    requestTimeoutMs: cfg.clickhouse.requestTimeoutMs,
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
