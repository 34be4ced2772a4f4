/**
 * `ingest --watch DIR`: follows a capture directory (tcpdump -G / -C
 * rotation, a sensor's exporter, a backlog copied in) and ingests every file
 * in name order, once, as soon as it is complete (readiness.ts).
 *
 * One file at a time, through the same `ingestFile` as a one-shot ingest, so
 * resume, exactly-once and the rollup repair are the pipeline's. A file read
 * while it may still grow is read up to its last whole record; what it gains
 * later is read when it is ready again (file-continuation.ts).
 *
 * Wake-ups: a change notification on the directory (fs.watch), the earliest
 * moment a waiting file may turn ready, and a slow listing every `pollMs` for
 * filesystems without notifications. Idle, the watcher costs one listing per
 * `pollMs`.
 *
 * Failures:
 *   - the store (unreachable, full disk, rejected insert): the file is
 *     retried after a growing pause (up to STORE_PAUSE_MAX_MS); its progress
 *     is saved, so nothing is lost or stored twice;
 *   - the file (bad magic, unreadable, deleted before it was read): reported,
 *     and tried again only once it changes (unreadable: also after
 *     FILE_RETRY_MS, as permissions may be fixed).
 *
 * Stop: aborting `signal` lets the file being read finish its batch in
 * flight and save its progress; the watcher then returns.
 */
import { watch, type FSWatcher } from 'node:fs';
import { isDarkscopeError, DarkscopeError } from '../../errors.js';
import { backoffDelay } from '../../store/retry.js';
import type { AfterAction } from '../../config.js';
import type { InputSpec } from '../input/index.js';
import { emptySummary, ingestFile, type FileOutcome, type IngestDeps, type IngestOptions, type IngestSummary } from '../pipeline.js';
import { applyAfterAction } from './after-action.js';
import { listDirectory, nameOrder, type ListedFile } from '../input/directory-listing.js';
import { readiness, type SeenFile } from './readiness.js';

/** Longest pause between tries while the store fails. */
export const STORE_PAUSE_MAX_MS = 60_000;
/** An unreadable file is tried again after this long even if unchanged. */
export const FILE_RETRY_MS = 60_000;

export interface WatchOptions extends IngestOptions {
  readonly dir: string;
  readonly quietMs: number;
  readonly pollMs: number;
  readonly after: AfterAction;
  readonly signal: AbortSignal;
}

/** What the watcher reports besides the pipeline's per-batch events. */
export interface WatchObserver {
  /** A file's ingest ended (stored now, or found stored before). */
  fileDone?(path: string, outcome: Exclude<FileOutcome, { kind: 'stopped' }>): void;
  /** --after delete / move:DIR was applied (target null: deleted). */
  fileAfter?(path: string, target: string | null): void;
  /** A file could not be ingested; it is tried again once it changes (or at `retryAtMs`). */
  fileFailed?(path: string, err: DarkscopeError, retryAtMs: number | null): void;
  /** The store failed; the same file is tried again after `pauseMs`. */
  storeFailed?(path: string, err: DarkscopeError, pauseMs: number): void;
  /** After each look at the directory: files seen that are not stored (yet). */
  waiting?(files: number): void;
  /** The directory cannot be listed (gone, unreadable); looked at again after `pollMs`. */
  dirFailed?(err: DarkscopeError): void;
}

export interface WatchDeps extends IngestDeps {
  readonly watchObserver?: WatchObserver;
}

export interface WatchSummary extends IngestSummary {
  filesDone: number;
  filesFailed: number;
}

interface Tracked {
  seen: SeenFile & { readonly path: string };
  /** Size at which every packet of it is stored (-1: not yet). */
  storedSize: number;
  /** A failed try, and when it may be tried again without a change. */
  failed: { size: number; mtimeMs: number; retryAtMs: number } | null;
  /** --after failed for it (e.g. permissions): not tried again until the file changes. */
  afterBlocked: boolean;
}

/** Follows `opts.dir` until `opts.signal` is aborted. */
export async function watchDirectory(deps: WatchDeps, opts: WatchOptions): Promise<WatchSummary> {
  const obs = deps.watchObserver;
  const log = deps.logger.child({ watch: opts.dir });
  const t0 = Date.now();
  const summary: WatchSummary = { ...emptySummary(0), filesDone: 0, filesFailed: 0 };
  const files = new Map<string, Tracked>();
  const wake = new Wake(opts.signal);
  const notifier = watchNotifications(opts.dir, () => wake.poke(), log);
  let storeFailures = 0;
  try {
    while (!opts.signal.aborted) {
      let listing: ListedFile[];
      try {
        listing = await listDirectory(opts.dir);
      } catch (e) {
        const err = asFileError(e, opts.dir);
        log.warn({ code: err.code }, err.message);
        obs?.dirFailed?.(err);
        await wake.sleepUntil(Date.now() + opts.pollMs);
        continue;
      }
      const t = Date.now();
      track(files, listing, t);
      const all = [...files.values()].map((f) => f.seen);
      let nextWake = t + opts.pollMs;
      let next: { f: Tracked; final: boolean } | null = null;
      let waiting = 0;
      for (const f of [...files.values()].sort((a, b) => nameOrder.compare(a.seen.name, b.seen.name))) {
        if (f.seen.size === 0) continue; // created, nothing written yet
        const r = readiness(f.seen, all, t, opts.quietMs);
        if (f.storedSize === f.seen.size) {
          // Stored. --after delete/move waits until no more writes are expected.
          if (opts.after.kind !== 'keep' && !f.afterBlocked) {
            if (r.final) {
              await applyAfter(opts.after, f, files, obs, log);
            } else if (r.wakeAtMs !== null) {
              nextWake = Math.min(nextWake, r.wakeAtMs);
            }
          }
          continue;
        }
        waiting++;
        if (f.failed !== null && f.failed.size === f.seen.size && f.failed.mtimeMs === f.seen.mtimeMs && t < f.failed.retryAtMs) {
          nextWake = Math.min(nextWake, f.failed.retryAtMs);
          continue;
        }
        if (!r.ready) {
          if (r.wakeAtMs !== null) nextWake = Math.min(nextWake, r.wakeAtMs);
          continue;
        }
        next ??= { f, final: r.final };
      }
      obs?.waiting?.(waiting);
      if (next === null) {
        await wake.sleepUntil(nextWake);
        continue;
      }
      const { f } = next;
      const spec: InputSpec = { name: f.seen.path, kind: 'file', size: f.seen.size };
      try {
        const outcome = await ingestFile(spec, deps, opts, summary, { mayGrow: !next.final });
        storeFailures = 0;
        if (outcome.kind === 'stopped') break;
        f.storedSize = spec.size;
        f.failed = null;
        summary.inputs++;
        summary.filesDone++;
        if (outcome.kind === 'already') summary.inputsSkipped++;
        obs?.fileDone?.(spec.name, outcome);
      } catch (e) {
        const err = asFileError(e, spec.name);
        if (isStoreFailure(err)) {
          const pause = backoffDelay(storeFailures++, { baseDelayMs: 1_000, maxDelayMs: STORE_PAUSE_MAX_MS, giveUpAfterMs: Infinity });
          log.warn({ code: err.code, pauseMs: pause }, `${err.message}; trying ${spec.name} again in ${Math.round(pause / 1000)} s (its progress is saved)`);
          obs?.storeFailed?.(spec.name, err, pause);
          await wake.sleepUntil(Date.now() + pause, false);
          continue;
        }
        const retryAtMs = err.code === 'DARKSCOPE_E_INPUT_UNREADABLE' ? Date.now() + FILE_RETRY_MS : Number.POSITIVE_INFINITY;
        f.failed = { size: f.seen.size, mtimeMs: f.seen.mtimeMs, retryAtMs };
        summary.filesFailed++;
        log.error({ code: err.code, file: spec.name }, `${err.message}; the watcher goes on and tries this file again when it changes`);
        obs?.fileFailed?.(spec.name, err, Number.isFinite(retryAtMs) ? retryAtMs : null);
      }
    }
  } finally {
    notifier?.close();
    wake.dispose();
  }
  summary.elapsedMs = Date.now() - t0;
  return summary;
}

/** Merges a listing into the tracked files: new ones added, changes dated, vanished ones dropped. */
function track(files: Map<string, Tracked>, listing: readonly ListedFile[], t: number): void {
  const names = new Set<string>();
  for (const l of listing) {
    names.add(l.name);
    const f = files.get(l.name);
    if (f === undefined) {
      files.set(l.name, { seen: { name: l.name, path: l.path, size: l.size, mtimeMs: l.mtimeMs, changedAtMs: l.mtimeMs }, storedSize: -1, failed: null, afterBlocked: false });
    } else if (f.seen.size !== l.size || f.seen.mtimeMs !== l.mtimeMs) {
      // Seen changing now: date the change no earlier than this listing (a lagging clock on a network filesystem).
      f.seen = { ...f.seen, size: l.size, mtimeMs: l.mtimeMs, changedAtMs: Math.max(l.mtimeMs, t) };
      f.afterBlocked = false;
      // Shrunk or rewritten in place (tcpdump -W reusing a name): a different file now.
      if (l.size < f.storedSize) f.storedSize = -1;
    }
  }
  for (const name of [...files.keys()]) if (!names.has(name)) files.delete(name);
}

async function applyAfter(action: AfterAction, f: Tracked, files: Map<string, Tracked>, obs: WatchObserver | undefined, log: IngestDeps['logger']): Promise<void> {
  try {
    const target = await applyAfterAction(action, f.seen.path);
    files.delete(f.seen.name);
    log.info({ file: f.seen.path, target }, target === null ? 'ingested file deleted (--after delete)' : 'ingested file moved (--after move)');
    obs?.fileAfter?.(f.seen.path, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      files.delete(f.seen.name);
      return;
    }
    // Not retried until the file changes: a permission problem would otherwise be logged every listing.
    f.afterBlocked = true;
    log.error({ file: f.seen.path, code }, `cannot ${action.kind} "${f.seen.path}" after ingesting it (${code ?? String(e)}); it stays where it is`);
  }
}

/** Store trouble (retrying can help) as opposed to trouble with the file itself. */
function isStoreFailure(e: DarkscopeError): boolean {
  return e.code.startsWith('DARKSCOPE_E_CLICKHOUSE') || e.code === 'DARKSCOPE_E_SCHEMA' || e.code === 'DARKSCOPE_E_ENGINE_UNAVAILABLE' || e.code === 'DARKSCOPE_E_ENGINE_START';
}

function asFileError(e: unknown, path: string): DarkscopeError {
  if (isDarkscopeError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DarkscopeError('INPUT_NOT_FOUND', `"${path}" was removed before it was read`, { file: path });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'EIO') {
    return new DarkscopeError('INPUT_UNREADABLE', `cannot read "${path}" (${code})`, { file: path });
  }
  return new DarkscopeError('INPUT_UNREADABLE', `cannot read "${path}" (${e instanceof Error ? e.message : String(e)})`, { file: path });
}

function watchNotifications(dir: string, onChange: () => void, log: IngestDeps['logger']): FSWatcher | null {
  try {
    const w = watch(dir, { persistent: false }, onChange);
    w.on('error', (e) => log.debug({ err: e.message }, 'directory notifications stopped; listing every --poll-ms'));
    return w;
  } catch (e) {
    log.debug({ err: (e as Error).message }, 'no directory notifications here; listing every --poll-ms');
    return null;
  }
}

/** Fewest milliseconds between two listings woken by change notifications (a file being written notifies on every write). */
const LIST_GAP_MS = 500;

/**
 * The watcher's sleep: ends at a given time, on the stop signal, or (when
 * it accepts them) on a change notification, but no sooner than LIST_GAP_MS
 * after the previous wake-up, so a file written packet by packet does not
 * turn into a listing per write.
 */
class Wake {
  private lastWoke = 0;
  private poked = false;
  private onPoke: (() => void) | null = null;

  constructor(private readonly signal: AbortSignal) {}

  poke(): void {
    this.poked = true;
    this.onPoke?.();
  }

  /** Sleeps until `atMs` (epoch ms), the stop signal, or a change notification (unless `acceptPokes` is false). */
  async sleepUntil(atMs: number, acceptPokes = true): Promise<void> {
    if (this.signal.aborted) return;
    const earliest = this.lastWoke + LIST_GAP_MS;
    const until = acceptPokes && this.poked ? Math.min(atMs, earliest) : atMs;
    await new Promise<void>((res) => {
      let timer: NodeJS.Timeout;
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        this.onPoke = null;
        res();
      };
      timer = setTimeout(done, Math.max(0, until - Date.now()));
      this.signal.addEventListener('abort', done, { once: true });
      if (acceptPokes) {
        this.onPoke = () => {
          this.onPoke = null;
          clearTimeout(timer);
          timer = setTimeout(done, Math.max(0, Math.min(until, earliest) - Date.now()));
        };
      }
    });
    if (acceptPokes) this.poked = false;
    this.lastWoke = Date.now();
  }

  dispose(): void {
    this.onPoke = null;
  }
}
