/**
 * Runs the query layer's SELECTs: every one read-only and bounded on the
 * server (readonly=1, max_execution_time, max_result_rows, max_memory_usage),
 * timed for an observer (metrics and logs subscribe from outside), and with
 * server limits turned into stable error codes:
 *
 *   timeout (159, 160) or no answer in time → CLICKHOUSE_TIMEOUT (503)
 *   result rows (396) or memory (241)       → QUERY_LIMIT (503)
 */
import type { ClickHouseSettings } from '@clickhouse/client';
import type { Config } from '../config.js';
import { DarkscopeError, isDarkscopeError } from '../errors.js';
import type { StoreClient } from '../store/client.js';
import type { RowOf, RowSchema } from '../store/row-decoders.js';
import type { SqlFragment } from '../store/sql.js';
import { ResultCache } from './result-cache.js';

export interface QueryLimits {
  /** max_execution_time, seconds. */
  readonly timeoutSec: number;
  readonly maxResultRows: number;
  readonly maxMemoryBytes: number;
}

export interface QueryEvent {
  /** Which query: e.g. "summary.totals". */
  readonly query: string;
  readonly ms: number;
  readonly ok: boolean;
  /** The DarkscopeError code when it failed. */
  readonly code?: string;
}

export type QueryObserver = (event: QueryEvent) => void;

export interface QueryContext {
  readonly store: StoreClient;
  readonly limits: QueryLimits;
  /** Days of raw packets kept: the grains computed from raw (minute; per source, hour) and drill-downs. */
  readonly rawDays: number;
  /** Current time, epoch seconds. */
  readonly now: () => number;
  /** Longest range a request may ask for, seconds (the API sets it; unset = no limit). */
  readonly maxRangeSec?: number;
  readonly observer?: QueryObserver;
  /** Results of identical SQL shared for a few seconds (see result-cache.ts); unset = every query runs. */
  readonly cache?: ResultCache;
}

/** Most query results one process keeps (config query.cacheSec sets how long). */
export const RESULT_CACHE_ENTRIES = 500;

export function queryContext(cfg: Readonly<Config>, store: StoreClient, extra: { observer?: QueryObserver; now?: () => number; maxRangeSec?: number } = {}): QueryContext {
  return Object.freeze({
    cache: cfg.query.cacheSec > 0 ? new ResultCache({ ttlMs: cfg.query.cacheSec * 1000, maxEntries: RESULT_CACHE_ENTRIES }) : undefined,
    store,
    limits: cfg.query,
    rawDays: cfg.retention.rawDays,
    now: extra.now ?? (() => Math.floor(Date.now() / 1000)),
    maxRangeSec: extra.maxRangeSec,
    observer: extra.observer,
  });
}

/** The same context without the result cache: for readers that must see every new row (alert evaluation). */
export function withoutCache(ctx: QueryContext): QueryContext {
  const { cache: _cache, ...rest } = ctx;
  return Object.freeze(rest);
}

/** The settings sent with every query. */
export function querySettings(limits: QueryLimits): ClickHouseSettings {
  return {
    max_execution_time: limits.timeoutSec,
    max_result_rows: String(limits.maxResultRows),
    result_overflow_mode: 'throw',
    max_memory_usage: String(limits.maxMemoryBytes),
    readonly: '1',
  } as ClickHouseSettings;
}

const LIMIT_CODES = new Set([396 /* TOO_MANY_ROWS_OR_BYTES */, 241 /* MEMORY_LIMIT_EXCEEDED */]);
const SLOW_CODES = new Set([159 /* TIMEOUT_EXCEEDED */, 160 /* TOO_SLOW: estimated to exceed max_execution_time */]);
/** Extra client-side wait beyond max_execution_time before giving up on an answer. */
const CLIENT_GRACE_MS = 5_000;

export function mapQueryError(err: unknown, limits: QueryLimits, aborted: boolean): DarkscopeError {
  if (aborted) {
    return new DarkscopeError('CLICKHOUSE_TIMEOUT', `the query did not finish within ${limits.timeoutSec} s`, {}, { cause: err });
  }
  if (!isDarkscopeError(err)) {
    return new DarkscopeError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
  }
  const code = err.details.clickhouseCode;
  if (typeof code === 'number' && SLOW_CODES.has(code)) {
    return new DarkscopeError('CLICKHOUSE_TIMEOUT', `the query did not finish within ${limits.timeoutSec} s`, { clickhouseCode: code }, { cause: err });
  }
  if (typeof code === 'number' && LIMIT_CODES.has(code)) {
    const what = code === 241 ? `memory (${limits.maxMemoryBytes} bytes)` : `result rows (${limits.maxResultRows})`;
    return new DarkscopeError('QUERY_LIMIT', `the query exceeded the server limit on ${what}`, { clickhouseCode: code }, { cause: err });
  }
  return err;
}

/**
 * Runs one SELECT under the context's limits and reports it to the observer;
 * with a cache, an identical SELECT answered in the last seconds is not run
 * again (nor observed). Callers must not modify the rows they get.
 */
export async function runQuery<S extends RowSchema>(ctx: QueryContext, name: string, query: SqlFragment, schema: S): Promise<Array<RowOf<S>>> {
  if (ctx.cache === undefined) return runUncached(ctx, name, query, schema);
  const { value } = await ctx.cache.get(`${name}\n${query.text}`, () => runUncached(ctx, name, query, schema));
  return value;
}

async function runUncached<S extends RowSchema>(ctx: QueryContext, name: string, query: SqlFragment, schema: S): Promise<Array<RowOf<S>>> {
  return observe(ctx, name, async () => {
    const signal = AbortSignal.timeout(ctx.limits.timeoutSec * 1000 + CLIENT_GRACE_MS);
    try {
      return await ctx.store.query(query, schema, { settings: querySettings(ctx.limits), abortSignal: signal });
    } catch (e) {
      throw mapQueryError(e, ctx.limits, signal.aborted);
    }
  });
}

/** Times `fn` and reports it to the observer (also for reads that do not go through runQuery). */
export async function observe<T>(ctx: QueryContext, name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const out = await fn();
    ctx.observer?.({ query: name, ms: performance.now() - start, ok: true });
    return out;
  } catch (e) {
    ctx.observer?.({ query: name, ms: performance.now() - start, ok: false, code: isDarkscopeError(e) ? e.code : 'DARKSCOPE_E_INTERNAL' });
    throw e;
  }
}
