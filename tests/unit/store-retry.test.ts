import { describe, expect, it } from 'vitest';
import { DarkscopeError } from '../../src/errors.js';
import { backoffDelay, isRetriable, withRetry } from '../../src/store/retry.js';

const err = (name: 'CLICKHOUSE_UNREACHABLE' | 'CLICKHOUSE_QUERY' | 'SCHEMA' | 'CLICKHOUSE_TIMEOUT', code?: number, msg = 'x') =>
  new DarkscopeError(name, msg, code === undefined ? {} : { clickhouseCode: code });

describe('retry policy', () => {
  it('retries outages, timeouts and overload, never schema or parse errors', () => {
    expect(isRetriable(err('CLICKHOUSE_UNREACHABLE'))).toBe(true);
    expect(isRetriable(err('CLICKHOUSE_TIMEOUT'))).toBe(true);
    expect(isRetriable(err('CLICKHOUSE_QUERY', 252))).toBe(true); // TOO_MANY_PARTS
    expect(isRetriable(err('CLICKHOUSE_QUERY', 241))).toBe(true); // MEMORY_LIMIT_EXCEEDED
    expect(isRetriable(err('CLICKHOUSE_QUERY', 27))).toBe(false); // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    expect(isRetriable(err('SCHEMA', 60))).toBe(false); // UNKNOWN_TABLE
    expect(isRetriable(err('CLICKHOUSE_QUERY', undefined, 'ClickHouse request failed: socket hang up'))).toBe(true);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000, giveUpAfterMs: 10_000 };
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });

  it('calls again after a retriable failure and stops on the first other one', async () => {
    const slept: number[] = [];
    let calls = 0;
    const r = await withRetry({ url: 'u' }, { sleep: async (ms) => { slept.push(ms); }, random: () => 1 }, async () => {
      calls++;
      if (calls < 3) throw err('CLICKHOUSE_UNREACHABLE');
      return 'ok';
    });
    expect(r).toEqual({ value: 'ok', retries: 2 });
    expect(slept).toEqual([250, 500]);
    await expect(withRetry({ url: 'u' }, { sleep: async () => undefined }, async () => { throw err('SCHEMA', 60); })).rejects.toMatchObject({ code: 'DARKSCOPE_E_SCHEMA' });
  });

  it('gives up after the policy window with a message saying progress is saved', async () => {
    const e = await withRetry({ url: 'u' }, { policy: { baseDelayMs: 1, maxDelayMs: 1, giveUpAfterMs: 20 }, sleep: (ms) => new Promise((r) => setTimeout(r, ms + 10)) }, async () => {
      throw err('CLICKHOUSE_UNREACHABLE');
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DarkscopeError);
    expect((e as DarkscopeError).message).toMatch(/gave up after .* run the same command again to resume/);
  });
});
