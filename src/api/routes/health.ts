/**
 * Health checks, reachable without a token and never rate-limited:
 *   /healthz/live   the process answers (200 while it runs)
 *   /healthz/ready  ClickHouse answers and the server is not shutting down (else 503)
 */
import type { FastifyPluginAsync } from 'fastify';
import { isDarkscopeError } from '../../errors.js';
import type { StoreClient } from '../../store/client.js';

export interface HealthOptions {
  readonly store: StoreClient;
  readonly isShuttingDown: () => boolean;
  /** How long readiness waits for ClickHouse (default 2000 ms). */
  readonly pingTimeoutMs?: number;
}

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, clickhouse: { type: 'string' } },
};

/** Resolves to null when ClickHouse answered, else the error code. */
async function pingCode(store: StoreClient, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('DARKSCOPE_E_CLICKHOUSE_TIMEOUT'), timeoutMs); });
  try {
    return await Promise.race([store.ping().then(() => null, (e: unknown) => (isDarkscopeError(e) ? e.code : 'DARKSCOPE_E_INTERNAL')), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  const config = { public: true, rateLimit: false } as const;
  app.get('/healthz/live', { config, schema: { tags: ['health'], summary: 'Liveness', response: { 200: statusSchema } } },
    async () => ({ status: 'ok' }));
  app.get('/healthz/ready', {
    config,
    schema: { tags: ['health'], summary: 'Readiness: ClickHouse reachable and not shutting down', response: { 200: statusSchema, 503: statusSchema } },
  }, async (_request, reply) => {
    if (opts.isShuttingDown()) return reply.status(503).send({ status: 'shutting_down' });
    const code = await pingCode(opts.store, opts.pingTimeoutMs ?? 2_000);
    if (code !== null) return reply.status(503).send({ status: 'unavailable', clickhouse: code });
    return { status: 'ready', clickhouse: 'ok' };
  });
};
