/** Opens the ClickHouse store for a command: connect, check credentials, apply pending migrations on first use. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createStoreClient, type StoreClient } from '../store/client.js';
import { migrate } from '../store/migrate.js';

export async function connectStore(cfg: Config, log: Logger, opts: { migrate: boolean }): Promise<StoreClient> {
  const store = createStoreClient({
    url: cfg.clickhouse.url,
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
