/**
 * Prometheus metrics: one registry per app (no process-wide singleton), HTTP
 * request durations by route, and ClickHouse query durations and errors fed
 * by the query layer's observer; alert counts when serve runs with --alerts
 * (src/alerts/metrics.ts).
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { registerAlertMetrics } from '../alerts/metrics.js';
import type { AlertEvaluator } from '../alerts/evaluator.js';
import type { QueryObserver } from '../query/runner.js';

export interface ApiMetrics {
  readonly registry: Registry;
  /** Subscribe the query layer to this. */
  readonly observeQuery: QueryObserver;
  /** Adds the HTTP timing hook and GET /metrics to `app`. */
  register(app: FastifyInstance): void;
  /** Adds the alert metrics, fed by `alerts`; returns the unsubscribe. */
  observeAlerts(alerts: AlertEvaluator): () => void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'darkscope_' });
  const http = new Histogram({
    name: 'darkscope_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const queries = new Histogram({
    name: 'darkscope_clickhouse_query_duration_seconds',
    help: 'ClickHouse query duration by query and outcome',
    labelNames: ['query', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'darkscope_clickhouse_query_errors_total',
    help: 'ClickHouse queries that failed, by query and darkscope error code',
    labelNames: ['query', 'code'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeQuery(e) {
      queries.observe({ query: e.query, outcome: e.ok ? 'ok' : 'error' }, e.ms / 1000);
      if (!e.ok) errors.inc({ query: e.query, code: e.code ?? 'unknown' });
    },
    observeAlerts(alerts) {
      return registerAlertMetrics(registry, alerts);
    },
    register(app) {
      app.addHook('onResponse', async (request, reply) => {
        http.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
      app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      });
    },
  };
}
