/**
 * The HTTP API, built but not started: `buildApp({ config, store, logger })`
 * returns a ready fastify instance; `darkscope serve` listens, tests use
 * `app.inject()`.
 *
 *   /api/v1/summary, /ports/top, /ports/{proto}/{port}/series,
 *   /sources/top, /sources/{ip}, /trends,
 *   /scans, /dos                             query routes (token, rate limit)
 *   /api/v1/alerts                           alerts (with `alerts`: built here, started by serve)
 *   /openapi.json, /docs                     generated from the route schemas
 *   /metrics                                 Prometheus
 *   /healthz/live, /healthz/ready            health (no token, no rate limit)
 *   /, /assets/*                             the web view (src/web, bundled in dist/web; no token: the page
 *                                            asks /api/v1 with the user's token)
 *
 * The app does not own the store: whoever created it closes it after
 * `app.close()` (see src/cli/commands/serve.ts for the shutdown order).
 * The alert evaluator, when there is one, stops in app.close() (onClose).
 */
import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AlertsConfig } from '../alerts/config.js';
import { AlertEvaluator } from '../alerts/evaluator.js';
import type { Config } from '../config.js';
import { DarkscopeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { queryContext, withoutCache, type QueryContext } from '../query/runner.js';
import type { StoreClient } from '../store/client.js';
import { registerAuth } from './auth.js';
import { sendError } from './errors.js';
import { createMetrics, type ApiMetrics } from './metrics.js';
import { alertRoutes } from './routes/alerts.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { portRoutes } from './routes/ports.js';
import { sourceRoutes } from './routes/sources.js';
import { summaryRoutes } from './routes/summary.js';
import { trendRoutes } from './routes/trends.js';
import { defaultWebDir, webRoutes } from './routes/web.js';
import { errorSchema } from './schemas.js';

export interface AppDeps {
  readonly config: Readonly<Config>;
  readonly store: StoreClient;
  readonly logger: Logger;
  /** Current time in epoch seconds (tests pin it). */
  readonly now?: () => number;
  /** Process metrics (event loop, GC, memory); default true. */
  readonly defaultMetrics?: boolean;
  /** alerts.yaml (serve --alerts): builds the evaluator, not started (app.alerts.start()). */
  readonly alerts?: Readonly<AlertsConfig>;
  /** Folder of the web view's bundle (default: dist/web, see routes/web.ts). */
  readonly webDir?: string;
}

export interface DarkscopeApp extends FastifyInstance {
  readonly metrics: ApiMetrics;
  /** The alert evaluator; null without `alerts`. */
  readonly alerts: AlertEvaluator | null;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function buildApp(deps: AppDeps): Promise<DarkscopeApp> {
  const { config, store } = deps;
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'api' }) as unknown as FastifyBaseLogger,
    // One log line per response (below), never whole requests.
    logController: new LogController({ disableRequestLogging: true }),
    // Shutdown answers with darkscope's own 503 body (hook below) instead of fastify's.
    return503OnClosing: false,
    // request.ip (logs, rate limit) is the peer address unless the peer is a trusted proxy.
    trustProxy: config.api.trustProxy.length > 0 ? [...config.api.trustProxy] : false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  });
  let shuttingDown = false;
  const metrics = createMetrics({ defaultMetrics: deps.defaultMetrics });
  const ctx: QueryContext = queryContext(config, store, {
    observer: metrics.observeQuery,
    now: deps.now,
    maxRangeSec: config.api.maxRangeDays * 86_400,
  });

  const alerts = deps.alerts === undefined ? null : new AlertEvaluator({ config: deps.alerts, ctx: withoutCache(ctx), logger: deps.logger });
  if (alerts !== null) {
    const unsubscribe = metrics.observeAlerts(alerts);
    app.addHook('onClose', async () => {
      await alerts.stop();
      unsubscribe();
    });
  }

  app.addSchema(errorSchema);
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new DarkscopeError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`)));
  app.addHook('preClose', async () => { shuttingDown = true; });
  app.addHook('onRequest', async (request, reply) => {
    if (!shuttingDown || request.routeOptions.url === '/healthz/ready') return;
    reply.header('connection', 'close');
    throw new DarkscopeError('SHUTTING_DOWN', 'the server is shutting down');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  registerAuth(app, config.api.tokens);
  metrics.register(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'darkscope API',
        version: version(),
        description: 'Darknet telemetry reports from ClickHouse rollups. Times are UTC; every result reports the range and grain it read.',
      },
      components: config.api.tokens.length > 0 ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {},
      security: config.api.tokens.length > 0 ? [{ bearer: [] }] : [],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { store, isShuttingDown: () => shuttingDown });
  await app.register(webRoutes, { dir: deps.webDir ?? defaultWebDir(), alerts: alerts !== null });
  await app.register(async (v1) => {
    if (config.api.rateLimitPerMinute > 0) {
      await v1.register(rateLimit, {
        max: config.api.rateLimitPerMinute,
        timeWindow: 60_000,
        errorResponseBuilder: (_request, c) => new DarkscopeError('RATE_LIMITED', `more than ${c.max} requests per minute from this client; retry in ${c.after}`),
      });
    }
    await v1.register(summaryRoutes, { ctx });
    await v1.register(portRoutes, { ctx });
    await v1.register(sourceRoutes, { ctx });
    await v1.register(trendRoutes, { ctx });
    await v1.register(eventRoutes, { ctx });
    await v1.register(alertRoutes, { alerts });
  }, { prefix: '/api/v1' });

  await app.ready();
  return Object.assign(app, { metrics, alerts }) as DarkscopeApp;
}
