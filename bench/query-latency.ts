/**
 * Query latency and API throughput on a seeded history (bench/seed-rollups.ts):
 *
 *   summary        over the last 30 days (hour grain: whole days from the day rollups, the ends from the hour rollups)
 *   ports/top      over the last 30 days (likewise)
 *   port series    23/TCP over the last 30 days at 1h
 *   sources/top    over the last 7 days (whole days from source_total_1d, the ends from raw packets: none in the seed)
 *
 * The seeded history has no raw packets, so the ends of the 7-day sources
 * range cost nothing there. measureDemoWeek() therefore also times summary
 * and sources/top over the demo week ingested for real (bench/demo-week.ts).
 *
 * Each query runs through darkscope's query layer (src/query/*, the same
 * executors the API and the CLI call, with their server-side limits) once to
 * warm up, then `runs` times one after the other; p50/p95 are nearest-rank
 * percentiles of the wall time of each call. Then the HTTP API (buildApp,
 * listening on 127.0.0.1:0) is loaded with autocannon on
 * /api/v1/ports/top?from=-30d. Targets (issue 4): p50 < 50 ms and
 * p95 < 200 ms for summary and ports/top over 30 days, >= 500 requests/s for
 * ports/top. Nothing is asserted: the figures are reported as measured.
 *
 * Two settings differ from `darkscope serve`'s defaults, so that the figures
 * measure the queries rather than the guards: the rate limit is off (600
 * requests per minute per client would turn the load test into 429s) and the
 * per-query timeout is 60 s instead of 10 s (a slower query is reported with
 * its real time instead of failing). Both are reported with the results.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { rangeQueryFrom } from '../src/query/plan.js';
import { portSeries } from '../src/query/port-series.js';
import { queryContext, type QueryContext } from '../src/query/runner.js';
import { summary } from '../src/query/summary.js';
import { topPorts } from '../src/query/top-ports.js';
import { topSources } from '../src/query/top-sources.js';
import { createStoreClient } from '../src/store/client.js';
import { col } from '../src/store/row-decoders.js';
import { sql, sqlIdent, sqlString } from '../src/store/sql.js';
import type { Server } from './ingest-compare.js';
import { ingestDemoWeek, type DemoWeek } from './demo-week.js';
import { FULL_SEED, QUICK_SEED, seedRollups, type SeedResult } from './seed-rollups.js';

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface Histogram {
  average: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p99: number;
  total?: number;
}
interface AutocannonResult {
  requests: Histogram & { total: number; sent: number };
  latency: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; timeout: number }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const TARGETS = { p50Ms: 50, p95Ms: 200, requestsPerSec: 500 } as const;
export const API_PATH = '/api/v1/ports/top?from=-30d';
const QUERY_TIMEOUT_SEC = 60;

export interface QueryBenchOptions {
  readonly quick: boolean;
  /** Timed runs per query (default 30, quick 10), after one warm-up run... */
  readonly runs?: number;
  /** ...unless the timed runs of a query reach this many seconds first (default 10, quick 8; at least 5 runs, quick 3). */
  readonly budgetSec?: number;
  /** autocannon duration, seconds (default 10, quick 3). */
  readonly apiSeconds?: number;
  readonly connections?: number;
  /** Keep the seeded database (default: dropped at the end). */
  readonly keep?: boolean;
  /** `db` is already seeded (by an earlier run with `keep`, or by seed-rollups.ts): measure only, and keep it. */
  readonly seeded?: boolean;
  readonly log?: (msg: string) => void;
}

export interface LatencyFigures {
  readonly name: string;
  /** What was asked, in API terms. */
  readonly request: string;
  readonly grain: string;
  readonly runs: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** A short excerpt of the answer (that the query read real data). */
  readonly answer: string;
  /** The issue's target, where it sets one. */
  readonly target?: { readonly p50Ms: number; readonly p95Ms: number };
}

export interface ApiFigures {
  readonly path: string;
  /** The API's result cache (DARKSCOPE_QUERY_CACHE_SEC): 0 = every request queries ClickHouse. */
  readonly cacheSec: number;
  readonly seconds: number;
  readonly connections: number;
  /** Responses received within the window (autocannon drops the ones still in flight at the end). */
  readonly requests: number;
  /** Requests sent. */
  readonly sent: number;
  readonly requestsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly target: number;
}

export interface QueryFigures {
  /** null when the database was seeded before (QueryBenchOptions.seeded). */
  readonly seed: SeedResult | null;
  readonly settings: { readonly rateLimit: 'off'; readonly queryTimeoutSec: number };
  /** Seconds spent waiting for the seeded tables' background merges to finish, and whether they did within SETTLE_LIMIT_SEC. */
  readonly settle: { readonly seconds: number; readonly settled: boolean };
  /** 1-minute load average before the measurements and after (the machine is shared). */
  readonly loadAvg: { readonly before: number; readonly after: number };
  /** Direct calls of the query layer, result cache off: every run queries ClickHouse. */
  readonly queries: LatencyFigures[];
  /** The API as served (result cache at its default). */
  readonly api: ApiFigures;
  /** The API with the result cache off. */
  readonly apiUncached: ApiFigures;
}

/** Nearest-rank percentile of ascending `xs`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** One timed query: what it asks in API terms, and a call of the query layer returning its grain and a short excerpt of the answer. */
export interface Case {
  readonly name: string;
  readonly request: string;
  readonly target?: LatencyFigures['target'];
  readonly run: () => Promise<{ grain: string; answer: string }>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function summaryCase(ctx: QueryContext, from: string, target?: Case['target']): Case {
  return {
    name: 'summary',
    request: `/api/v1/summary?from=${from}`,
    target,
    run: async () => {
      const s = await summary(ctx, rangeQueryFrom({ from }, ctx));
      const top = s.topPorts.ports[0];
      return { grain: s.grain, answer: `${s.totals.packets} packets, ${s.totals.sources} sources, top ${top?.label ?? '-'} ${pct(top?.share ?? 0)}` };
    },
  };
}

function topSourcesCase(ctx: QueryContext, from: string): Case {
  return {
    name: 'sources/top',
    request: `/api/v1/sources/top?from=${from}`,
    run: async () => {
      const t = await topSources(ctx, rangeQueryFrom({ from }, ctx));
      const s = t.sources[0];
      return { grain: t.grain, answer: s === undefined ? 'none' : `top ${s.ip}: ${s.packets} packets, ${s.ports} ports` };
    },
  };
}

function cases(ctx: QueryContext): Case[] {
  const r30 = () => rangeQueryFrom({ from: '-30d' }, ctx);
  return [
    summaryCase(ctx, '-30d', { p50Ms: TARGETS.p50Ms, p95Ms: TARGETS.p95Ms }),
    {
      name: 'ports/top',
      request: '/api/v1/ports/top?from=-30d',
      target: { p50Ms: TARGETS.p50Ms, p95Ms: TARGETS.p95Ms },
      run: async () => {
        const t = await topPorts(ctx, r30());
        return { grain: t.grain, answer: t.ports.slice(0, 3).map((p) => `${p.label} ${pct(p.share)}`).join(', ') };
      },
    },
    {
      name: 'port series 23/tcp',
      request: '/api/v1/ports/tcp/23/series?from=-30d&interval=1h',
      run: async () => {
        const p = await portSeries(ctx, { ...r30(), proto: 6, port: 23, interval: '1h' });
        return { grain: p.grain, answer: `${p.points.length} points, rank ${p.rank ?? '-'}, ${p.total.sources} sources` };
      },
    },
    topSourcesCase(ctx, '-7d'),
  ];
}

/** One warm-up run of `c`, then up to `runs` timed runs (at least `minRuns`, fewer once they pass `budgetMs`): nearest-rank p50/p95. */
export async function measure(c: Case, runs: number, budgetMs: number, minRuns: number): Promise<LatencyFigures> {
  let last: { grain: string; answer: string } = { grain: '?', answer: '' };
  let errors = 0;
  let firstError: string | undefined;
  /** Wall time of each successful timed run (run 0 warms up and is not counted). */
  const ms: number[] = [];
  let spent = 0;
  for (let i = 0; i <= runs && (i <= minRuns || spent < budgetMs); i++) {
    const t0 = performance.now();
    try {
      last = await c.run();
      if (i > 0) ms.push(performance.now() - t0);
    } catch (e) {
      errors++;
      firstError ??= e instanceof Error ? e.message : String(e);
    }
    if (i > 0) spent += performance.now() - t0;
  }
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    name: c.name,
    request: c.request,
    grain: last.grain,
    runs: ms.length,
    errors,
    firstError,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    minMs: sorted[0] ?? NaN,
    maxMs: sorted[sorted.length - 1] ?? NaN,
    meanMs: ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length),
    answer: last.answer,
    target: c.target,
  };
}

/** autocannon against GET API_PATH of an app built with `config`. */
async function measureApi(config: ReturnType<typeof loadConfig>, store: ReturnType<typeof createStoreClient>, connections: number, seconds: number): Promise<ApiFigures> {
  const app = await buildApp({ config, store, logger: createLogger('silent'), defaultMetrics: false });
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const check = await fetch(`${base}${API_PATH}`);
    if (check.status !== 200) throw new Error(`GET ${API_PATH} answered ${check.status}: ${(await check.text()).slice(0, 300)}`);
    await check.arrayBuffer().catch(() => undefined);
    const r = await autocannon({ url: `${base}${API_PATH}`, connections, duration: seconds, timeout: QUERY_TIMEOUT_SEC });
    return {
      path: API_PATH,
      cacheSec: config.query.cacheSec,
      seconds: r.duration,
      connections,
      requests: r.requests.total,
      sent: r.requests.sent,
      requestsPerSec: r.requests.total / r.duration,
      latencyP50Ms: r.latency.p50,
      latencyP99Ms: r.latency.p99,
      latencyMaxMs: r.latency.max,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      target: TARGETS.requestsPerSec,
    };
  } finally {
    await app.close();
  }
}

/**
 * Seeds `db` (dropped and recreated) on `server`, measures the queries and
 * the API, and drops `db` again unless `keep`.
 */
/** Longest wait for background merges before measuring. */
const SETTLE_LIMIT_SEC = 120;

/**
 * Waits until the server runs no merge in `db`: a freshly seeded database
 * merges its parts for a while, and queries timed during that measure the
 * merges as much as themselves. A database in use has long settled its
 * older partitions, which is what a 30-day query reads.
 */
export async function waitForMerges(store: ReturnType<typeof createStoreClient>, db: string): Promise<{ seconds: number; settled: boolean }> {
  const started = performance.now();
  for (;;) {
    const [row] = await store.query(sql`SELECT count() AS n FROM system.merges WHERE database = ${sqlString(db)}`, { n: col.uint64AsNumber });
    const seconds = (performance.now() - started) / 1000;
    if ((row?.n ?? 0) === 0) return { seconds, settled: true };
    if (seconds >= SETTLE_LIMIT_SEC) return { seconds, settled: false };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The bench's configuration (rate limit off, 60 s query timeout) for `db` on `server`, and a store client (close it). */
export function benchStore(server: Pick<Server, 'url' | 'username' | 'password'>, db: string): { env: Record<string, string>; cfg: ReturnType<typeof loadConfig>; store: ReturnType<typeof createStoreClient> } {
  const env = {
    DARKSCOPE_CLICKHOUSE_URL: server.url,
    DARKSCOPE_CLICKHOUSE_USER: server.username,
    DARKSCOPE_CLICKHOUSE_PASSWORD: server.password,
    DARKSCOPE_DATABASE: db,
    DARKSCOPE_API_RATE_LIMIT: '0',
    DARKSCOPE_QUERY_TIMEOUT_SEC: String(QUERY_TIMEOUT_SEC),
    DARKSCOPE_LOG_LEVEL: 'silent',
  };
  const cfg = loadConfig({ ...env, DARKSCOPE_QUERY_CACHE_SEC: '0' });
  const store = createStoreClient({
    url: cfg.clickhouse.url,
    username: cfg.clickhouse.username,
    password: cfg.clickhouse.password,
    database: cfg.clickhouse.database,
    requestTimeoutMs: (QUERY_TIMEOUT_SEC + 30) * 1000,
  });
  return { env, cfg, store };
}

/** Timed runs per query, the time budget per query, and the least runs (QueryBenchOptions). */
function runPlan(opts: QueryBenchOptions): { runs: number; budgetMs: number; minRuns: number } {
  return { runs: opts.runs ?? (opts.quick ? 10 : 30), budgetMs: (opts.budgetSec ?? (opts.quick ? 8 : 10)) * 1000, minRuns: opts.quick ? 3 : 5 };
}

export async function measureQueries(server: Pick<Server, 'url' | 'username' | 'password'>, db: string, opts: QueryBenchOptions): Promise<QueryFigures> {
  const log = opts.log ?? (() => undefined);
  const { runs, budgetMs, minRuns } = runPlan(opts);
  const apiSeconds = opts.apiSeconds ?? (opts.quick ? 3 : 10);
  const connections = opts.connections ?? 10;

  const seed = opts.seeded === true ? null : await seedRollups(server, db, opts.quick ? QUICK_SEED : FULL_SEED, { log });
  log(`query: ${seed === null ? `measuring ${db} as seeded before` : `seeded ${db} in ${seed.seconds.toFixed(0)} s (migration to 0008 ${seed.migrationSec.toFixed(1)} s)`}; ${runs} runs per query`);

  const { env, cfg, store } = benchStore(server, db);
  try {
    const settle = await waitForMerges(store, db);
    log(`query: ${settle.settled ? `merges settled after ${settle.seconds.toFixed(0)} s` : `merges still running after ${SETTLE_LIMIT_SEC} s; measuring anyway`}`);
    const before = loadavg()[0];
    const ctx = queryContext(cfg, store);
    const queries: LatencyFigures[] = [];
    for (const c of cases(ctx)) {
      const f = await measure(c, runs, budgetMs, minRuns);
      log(`query: ${f.name} p50 ${f.p50Ms.toFixed(0)} ms p95 ${f.p95Ms.toFixed(0)} ms (${f.grain}; ${f.answer})${f.errors > 0 ? `; ${f.errors} errors: ${f.firstError}` : ''}`);
      queries.push(f);
    }
    const apiRun = async (config: ReturnType<typeof loadConfig>): Promise<ApiFigures> => {
      const api = await measureApi(config, store, connections, apiSeconds);
      log(`query: API ${API_PATH} (result cache ${api.cacheSec > 0 ? `${api.cacheSec} s` : 'off'}): ${api.requests} responses of ${api.sent} requests in ${api.seconds} s, ` +
        `${api.requestsPerSec.toFixed(1)} requests/s, p50 ${api.latencyP50Ms} ms, p99 ${api.latencyP99Ms} ms`);
      return api;
    };
    const api = await apiRun(loadConfig(env));
    const apiUncached = await apiRun(cfg);
    return { seed, settings: { rateLimit: 'off', queryTimeoutSec: QUERY_TIMEOUT_SEC }, settle, loadAvg: { before, after: loadavg()[0] }, queries, api, apiUncached };
  } finally {
    if (opts.keep !== true && opts.seeded !== true) {
      await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`).catch(() => undefined);
    }
    await store.close();
  }
}

export interface DemoWeekQueryFigures {
  readonly packets: number;
  /** Wall seconds of `darkscope ingest` of the week (all views). */
  readonly ingestSec: number;
  readonly settle: { readonly seconds: number; readonly settled: boolean };
  readonly queries: LatencyFigures[];
}

/**
 * summary and sources/top over the last 7 days of the demo week, ingested for
 * real into `db` (dropped and recreated, dropped again at the end): unlike the
 * seeded history it has raw packets, so the hours at the ends of the range
 * that the source family reads from raw cost what they cost.
 */
export async function measureDemoWeek(server: Server, db: string, week: DemoWeek, bin: string, opts: QueryBenchOptions): Promise<DemoWeekQueryFigures> {
  const log = opts.log ?? (() => undefined);
  const { runs, budgetMs, minRuns } = runPlan(opts);
  const ingestSec = await ingestDemoWeek(server, db, week, bin);
  log(`query: demo week (${week.packets} packets) ingested into ${db} in ${ingestSec.toFixed(1)} s`);
  const { cfg, store } = benchStore(server, db);
  try {
    const settle = await waitForMerges(store, db);
    const ctx = queryContext(cfg, store);
    const queries: LatencyFigures[] = [];
    for (const c of [summaryCase(ctx, '-7d'), topSourcesCase(ctx, '-7d')]) {
      const f = await measure(c, runs, budgetMs, minRuns);
      log(`query: demo week ${f.name} p50 ${f.p50Ms.toFixed(0)} ms p95 ${f.p95Ms.toFixed(0)} ms (${f.grain}; ${f.answer})${f.errors > 0 ? `; ${f.errors} errors: ${f.firstError}` : ''}`);
      queries.push(f);
    }
    return { packets: week.packets, ingestSec, settle, queries };
  } finally {
    if (opts.keep !== true) await store.command(sql`DROP DATABASE IF EXISTS ${sqlIdent(db)}`).catch(() => undefined);
    await store.close();
  }
}

// `tsx bench/query-latency.ts CLICKHOUSE_URL DATABASE [--quick]`: measure a database seeded before (seed-rollups.ts), e.g. while tuning queries.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [url, db] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (url === undefined || db === undefined) {
    process.stderr.write('usage: tsx bench/query-latency.ts CLICKHOUSE_URL DATABASE [--quick]\n');
    process.exit(2);
  }
  const r = await measureQueries({ url, username: process.env.DARKSCOPE_CLICKHOUSE_USER ?? 'default', password: process.env.DARKSCOPE_CLICKHOUSE_PASSWORD ?? '' }, db, { quick: process.argv.includes('--quick'), seeded: true, log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${JSON.stringify({ queries: r.queries, api: r.api, apiUncached: r.apiUncached }, null, 2)}\n`);
}
