/**
 * A short-lived cache of query results, shared by the requests of one API
 * process. Dashboards and briefings ask the same questions over and over (a
 * Grafana board refreshing, ten analysts opening the same report), and the
 * query layer writes the same SQL for all of them: ranges are widened to whole
 * buckets of their grain, so `from=-30d` reads the same hours for an hour.
 *
 * Keyed by the SQL text. An entry lives `ttlMs` (an answer is at most that
 * old); identical queries that arrive while one is running wait for it instead
 * of running again; failures are never kept. At most `maxEntries` results are
 * held, the least recently used going first.
 */
export interface ResultCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Milliseconds clock (tests). */
  readonly now?: () => number;
}

interface Entry {
  readonly value: Promise<unknown>;
  /** Set once the value has resolved: it expires this long after. */
  expiresAt: number;
}

export class ResultCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;

  constructor(opts: ResultCacheOptions) {
    this.#ttlMs = opts.ttlMs;
    this.#max = Math.max(1, opts.maxEntries);
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Hits (including waits on a running query) and misses so far. */
  get stats(): { readonly hits: number; readonly misses: number; readonly entries: number } {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size };
  }

  /** The cached result of `key`, or `load()`'s, cached. `hit` tells whether `load` was skipped. */
  async get<T>(key: string, load: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    const found = this.#entries.get(key);
    if (found !== undefined && found.expiresAt > this.#now()) {
      this.#entries.delete(key);
      this.#entries.set(key, found); // most recently used last
      this.#hits++;
      return { value: (await found.value) as T, hit: true };
    }
    if (found !== undefined) this.#entries.delete(key);
    this.#misses++;
    const entry: Entry = { value: load(), expiresAt: Number.POSITIVE_INFINITY };
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    try {
      const value = (await entry.value) as T;
      entry.expiresAt = this.#now() + this.#ttlMs;
      return { value, hit: false };
    } catch (e) {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      throw e;
    }
  }
}
