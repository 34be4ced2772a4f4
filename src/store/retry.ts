/**
 * Retrying store calls: which failures are worth retrying (overload and
 * transient network trouble; never schema or parse errors), and exponential
 * backoff with jitter.
 */
import { DarkscopeError } from '../errors.js';
import { toStoreError, type ErrorContext } from './client.js';

export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Give up when a call has been failing for this long. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ baseDelayMs: 250, maxDelayMs: 10_000, giveUpAfterMs: 10 * 60_000 });

/** ClickHouse error codes worth retrying. */
const RETRIABLE_CODES = new Set([
  3 /* UNEXPECTED_END_OF_FILE */, 159 /* TIMEOUT_EXCEEDED */, 202 /* TOO_MANY_SIMULTANEOUS_QUERIES */, 209 /* SOCKET_TIMEOUT */,
  210 /* NETWORK_ERROR */, 241 /* MEMORY_LIMIT_EXCEEDED */, 242 /* TABLE_IS_READ_ONLY */, 252 /* TOO_MANY_PARTS */,
  319 /* UNKNOWN_STATUS_OF_INSERT */, 425 /* SYSTEM_ERROR */,
  // Cluster mode: a shard's node went away under a Distributed insert or query, or ZooKeeper/Keeper
  // did. Safe to retry: the batch writer checks what is already stored before sending again.
  32 /* ATTEMPT_TO_READ_AFTER_EOF */, 225 /* NO_ZOOKEEPER */, 244 /* UNEXPECTED_ZOOKEEPER_ERROR */,
  279 /* ALL_CONNECTION_TRIES_FAILED */, 999 /* KEEPER_EXCEPTION */,
]);

export function isRetriable(e: DarkscopeError): boolean {
  if (e.code === 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' || e.code === 'DARKSCOPE_E_CLICKHOUSE_TIMEOUT') return true;
  const code = e.details.clickhouseCode;
  if (typeof code === 'number') return RETRIABLE_CODES.has(code);
  // No server code and no errno: the connection broke in an unexpected way (e.g. "socket hang up").
  return e.code === 'DARKSCOPE_E_CLICKHOUSE_QUERY' && /socket|hang up|aborted|closed|reset|ECONN/i.test(e.message);
}

/** Exponential backoff with jitter: between half and all of min(max, base * 2^attempt). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 20));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export interface RetryHooks {
  readonly policy?: RetryPolicy;
  readonly onRetry?: (err: DarkscopeError, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `fn(attempt)` until it succeeds, a non-retriable error occurs, or the
 * policy gives up. Errors are mapped to DarkscopeErrors first.
 */
export async function withRetry<T>(ctx: ErrorContext, hooks: RetryHooks, fn: (attempt: number) => Promise<T>): Promise<{ value: T; retries: number }> {
  const policy = hooks.policy ?? DEFAULT_RETRY;
  const sleep = hooks.sleep ?? realSleep;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await fn(attempt), retries: attempt };
    } catch (err) {
      const e = toStoreError(err, ctx);
      if (!isRetriable(e)) throw e;
      const waited = Date.now() - started;
      if (waited > policy.giveUpAfterMs) {
        throw new DarkscopeError(e.code === 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' ? 'CLICKHOUSE_UNREACHABLE' : 'CLICKHOUSE_TIMEOUT',
          `gave up after ${Math.round(waited / 1000)} s of retries (${e.message}); progress is saved, run the same command again to resume`,
          e.details, { cause: e });
      }
      const delay = backoffDelay(attempt, policy, hooks.random);
      hooks.onRetry?.(e, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
