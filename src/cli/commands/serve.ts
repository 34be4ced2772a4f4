/**
 * `darkscope serve`: the HTTP API and the web view (src/api/app.ts) on --host/--port, until
 * SIGINT or SIGTERM. Shutdown runs in order under a force-exit timer: stop
 * accepting connections and let in-flight requests finish (readiness answers
 * 503 meanwhile), stop the alert evaluator (--alerts) and drain its
 * notifications, then close the ClickHouse client.
 */
import { Command } from 'commander';
import { loadAlertsFile } from '../../alerts/config.js';
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import type { CliContext } from '../context.js';
import { addStoreOptions, overridesFrom } from '../common-options.js';
import { cliConnectOptions, connectStore } from '../store-connection.js';
import { processStopSignal } from '../stop-signal.js';

/** How long shutdown may take before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServeOptions {
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<unknown>;
  /** Called with the listening address (tests). */
  readonly onListening?: (url: string) => void;
}

export async function runServe(ctx: CliContext, o: Record<string, unknown>, opts: ServeOptions = {}): Promise<number> {
  const cfg = loadConfig(ctx.env, { ...overridesFrom(o), host: o.host as string | undefined, port: o.port as string | undefined, queryTimeoutSec: o.queryTimeoutSec as string | undefined, queryCacheSec: o.queryCacheSec as string | undefined, trustProxy: o.trustProxy as string[] | undefined });
  const logger = createLogger(cfg.logLevel, ctx.stderr);
  // A bad alerts file fails before anything connects.
  const alerts = typeof o.alerts === 'string' ? await loadAlertsFile(o.alerts, ctx.env) : undefined;
  const store = await connectStore(cfg, logger, { migrate: true, ...cliConnectOptions(ctx) });
  const signal = opts.stopSignal === undefined ? processStopSignal() : null;
  try {
    const app = await buildApp({ config: cfg, store, logger, alerts });
    const url = await app.listen({ host: cfg.api.host, port: cfg.api.port });
    logger.info({ url, database: store.database, auth: cfg.api.tokens.length > 0 }, 'darkscope API listening');
    ctx.stderr.write(`darkscope API on ${url} (database ${store.database}${cfg.api.tokens.length > 0 ? ', bearer tokens required' : ''}); docs at ${url}/docs; web view at ${url}/\n`);
    if (app.alerts !== null) {
      app.alerts.start();
      ctx.stderr.write(`alerts: ${app.alerts.config.rules.length} rule(s) from ${app.alerts.config.file} every ${app.alerts.status().interval}; GET ${url}/api/v1/alerts\n`);
    }
    opts.onListening?.(url);
    const why = await (opts.stopSignal ?? signal!.promise);
    logger.info({ signal: String(why) }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      ctx.stderr.write(`darkscope: shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting anyway\n`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await app.close();
    } finally {
      clearTimeout(force);
    }
    return 0;
  } finally {
    signal?.dispose();
    await store.close();
  }
}

export function serveCommand(ctx: CliContext, setExit: (code: number) => void): Command {
  const cmd = new Command('serve')
    .description('Serve the web view (/) and the HTTP API (/api/v1/..., /openapi.json, /docs, /metrics, /healthz/*) until SIGINT/SIGTERM')
    .option('--host <address>', 'address to listen on (env DARKSCOPE_API_HOST; default 127.0.0.1)')
    .option('--port <port>', 'TCP port (env DARKSCOPE_API_PORT; default 8080; 0 = any free port)')
    .option('--query-timeout-sec <n>', 'longest a query may run before the request fails with 503 (env DARKSCOPE_QUERY_TIMEOUT_SEC; default 10)')
    .option('--query-cache-sec <n>', 'reuse the result of an identical query for this many seconds, so answers may be that old (env DARKSCOPE_QUERY_CACHE_SEC; default 10; 0 = off)')
    .option('--trust-proxy <list>', 'comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client, for rate limits and logs (env DARKSCOPE_API_TRUST_PROXY; also loopback, linklocal, uniquelocal; default none)', (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''))
    .option('--alerts <file>', 'evaluate the spike and new-port rules of this alerts.yaml on a schedule and notify its targets (see examples/alerts.yaml)');
  addStoreOptions(cmd);
  return cmd
    .addHelpText('after', `
Settings from the environment: DARKSCOPE_API_TOKENS (comma-separated bearer tokens,
16+ characters each; unset = no authentication), DARKSCOPE_API_RATE_LIMIT (requests
per minute per client on /api/v1, default 600, 0 = off), DARKSCOPE_API_MAX_RANGE_DAYS
(default 400), DARKSCOPE_QUERY_MAX_RESULT_ROWS, DARKSCOPE_QUERY_MAX_MEMORY_BYTES.

Examples:
  darkscope serve
  darkscope serve --host 0.0.0.0 --port 8080
  darkscope serve --host 0.0.0.0 --trust-proxy 10.0.0.0/8    # behind a reverse proxy in 10/8
  darkscope serve --alerts alerts.yaml
  curl 'http://127.0.0.1:8080/api/v1/ports/top?from=-24h&limit=10'`)
    .action(async (o: Record<string, unknown>) => {
      setExit(await runServe(ctx, o));
    });
}
