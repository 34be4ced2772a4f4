import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/query/result-cache.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('ResultCache', () => {
  it('answers an identical key from the cache until the entry is ttl old', async () => {
    const c = clock();
    const cache = new ResultCache({ ttlMs: 1_000, maxEntries: 10, now: c.now });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('q', load)).toEqual({ value: 1, hit: false });
    c.advance(999);
    expect(await cache.get('q', load)).toEqual({ value: 1, hit: true });
    c.advance(1);
    expect(await cache.get('q', load)).toEqual({ value: 2, hit: false });
    expect(await cache.get('other', load)).toEqual({ value: 3, hit: false });
    expect(cache.stats).toEqual({ hits: 1, misses: 3, entries: 2 });
  });

  it('lets identical queries that arrive while one runs wait for it', async () => {
    const cache = new ResultCache({ ttlMs: 1_000, maxEntries: 10 });
    let release: (v: string) => void = () => undefined;
    let loads = 0;
    const load = () => { loads++; return new Promise<string>((r) => { release = r; }); };
    const a = cache.get('q', load);
    const b = cache.get('q', load);
    release('rows');
    expect(await a).toEqual({ value: 'rows', hit: false });
    expect(await b).toEqual({ value: 'rows', hit: true });
    expect(loads).toBe(1);
  });

  it('never keeps a failure', async () => {
    const cache = new ResultCache({ ttlMs: 1_000, maxEntries: 10 });
    await expect(cache.get('q', async () => { throw new Error('server down'); })).rejects.toThrow('server down');
    expect(await cache.get('q', async () => 'ok')).toEqual({ value: 'ok', hit: false });
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const cache = new ResultCache({ ttlMs: 1_000, maxEntries: 2 });
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('a', async () => 'a again'); // a is now the most recent
    await cache.get('c', async () => 'c'); // drops b
    expect(await cache.get('a', async () => 'reloaded')).toEqual({ value: 'a', hit: true });
    expect(await cache.get('b', async () => 'reloaded')).toEqual({ value: 'reloaded', hit: false });
  });
});
