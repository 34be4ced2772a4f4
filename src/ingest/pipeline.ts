/**
 * The ingest pipeline: input → decode → classify → batch → store, one input
 * after another, with at most `maxInFlight` batches being written at once
 * (the reader waits when the store is behind, so memory stays bounded).
 *
 * Resume: after each batch is stored, the file's progress is saved in
 * ClickHouse; an in-flight slot is released only once its progress is saved,
 * so after a crash at most `maxInFlight` batches can be stored without their
 * progress. A rerun reads the file again from the saved record, cuts the same
 * batches (their boundaries depend only on the data), and checks them against
 * what is already stored before sending, until `maxInFlight` batches in a row
 * are entirely new (see "checking mode" below; this also covers a run whose
 * progress rows were lost).
 *
 * A file that grew since it was read (still being written then) keeps its
 * first identity and resumes at its saved record (file-continuation.ts).
 *
 * Stop (SIGTERM/SIGINT, `signal`): the batch being filled is closed and
 * stored, its progress saved, and the input is left incomplete, so the next
 * run resumes after it.
 */
import type { Logger } from 'pino';
import type { Classifiers } from './classifiers.js';
import type { BatchWriter } from '../store/batch-writer.js';
import type { StoreClient } from '../store/client.js';
import { loadProgress, saveProgress, type FileProgress, type ProgressKey } from '../store/ingest-progress.js';
import { RowBatchBuilder, type StorablePacket } from '../store/packet-rows.js';
import { withRetry, type RetryHooks } from '../store/retry.js';
import { checkDayRollups } from '../store/rollup-check.js';
import { rebuildRollups } from '../store/rollups-rebuild.js';
import { MAX_IN_FLIGHT_LIMIT } from '../config.js';
import { TOOL_RULES_VERSION } from './classify/index.js';
import { batchPackets, type PendingBatch } from './batcher.js';
import { continuedIdentity } from './file-continuation.js';
import { fileIdentity, type FileIdentity } from './file-identity.js';
import { openInput, packetSource, type InputFormat, type InputSpec, type InputStats, type SourcePacket } from './input/index.js';
import type { DarkscopeError } from '../errors.js';

export interface IngestOptions {
  readonly sensor: string;
  readonly batchRows: number;
  readonly batchAgeMs: number;
  readonly maxInFlight: number;
  readonly format?: InputFormat;
  readonly retry?: RetryHooks['policy'];
  /** Aborted on SIGTERM/SIGINT: finish the batch in flight, save progress, stop. */
  readonly signal?: AbortSignal;
}

/** Per-file options of a watcher (ingest/watch). */
export interface FileOptions {
  /**
   * The file may still be written: a last summary line without its newline
   * is left for a later read instead of being decoded (a capture's partial
   * last record never is decoded).
   */
  readonly mayGrow?: boolean;
}

export interface BatchReport {
  readonly input: string;
  readonly rows: number;
  readonly alreadyStored: number;
  readonly retries: number;
  readonly ms: number;
  /** Newest packet time in the batch, epoch seconds. */
  readonly maxTsSec: number;
}

/** Everything the pipeline reports; the progress display, logs and metrics hang off it. */
export interface IngestObserver {
  inputStart?(spec: InputSpec, resumeFrom: number): void;
  inputSkipped?(spec: InputSpec, reason: string): void;
  batchStored?(report: BatchReport): void;
  retry?(err: DarkscopeError, attempt: number, delayMs: number): void;
  /** Called often while reading, with the stats of the current input. */
  reading?(stats: InputStats): void;
  inputEnd?(stats: InputStats, result: InputResult): void;
  /** A day's rollups were rebuilt from raw after a server failure during an insert. */
  repair?(day: string, tables: readonly string[]): void;
}

export interface InputResult {
  readonly name: string;
  readonly stored: number;
  readonly alreadyStored: number;
  readonly batches: number;
  readonly retries: number;
  readonly resumedFrom: number;
}

/** How one file's ingest ended. */
export type FileOutcome =
  | { readonly kind: 'done'; readonly result: InputResult; readonly stats: InputStats }
  | { readonly kind: 'already'; readonly reason: string }
  | { readonly kind: 'stopped'; readonly result: InputResult; readonly stats: InputStats };

export interface IngestSummary {
  inputs: number;
  inputsSkipped: number;
  records: number;
  decoded: number;
  stored: number;
  alreadyStored: number;
  skipped: Record<string, number>;
  truncatedInputs: string[];
  batches: number;
  retries: number;
  elapsedMs: number;
  /** A stop signal ended the run before every input was read to its end. */
  interrupted: boolean;
}

export interface IngestDeps {
  readonly store: StoreClient;
  readonly writer: BatchWriter;
  readonly classifiers: Classifiers;
  readonly logger: Logger;
  readonly stdin?: AsyncIterable<Uint8Array>;
  readonly observer?: IngestObserver;
}

export async function ingestInputs(specs: readonly InputSpec[], deps: IngestDeps, opts: IngestOptions): Promise<IngestSummary> {
  const t0 = Date.now();
  const summary = emptySummary(specs.length);
  for (const spec of specs) {
    if (opts.signal?.aborted === true) {
      summary.interrupted = true;
      break;
    }
    const r = await ingestFile(spec, deps, opts, summary);
    if (r.kind === 'already') summary.inputsSkipped++;
    if (r.kind === 'stopped') {
      summary.interrupted = true;
      break;
    }
  }
  summary.elapsedMs = Date.now() - t0;
  return summary;
}

export function emptySummary(inputs: number): IngestSummary {
  return { inputs, inputsSkipped: 0, records: 0, decoded: 0, stored: 0, alreadyStored: 0, skipped: {}, truncatedInputs: [], batches: 0, retries: 0, elapsedMs: 0, interrupted: false };
}

/** Ingests one input, adding its counts to `summary`. */
export async function ingestFile(spec: InputSpec, deps: IngestDeps, opts: IngestOptions, summary: IngestSummary, fileOpts: FileOptions = {}): Promise<FileOutcome> {
  const { store, observer } = deps;
  const log = deps.logger.child({ input: spec.name });
  let identity = await fileIdentity(spec, opts.sensor);
  const retryHooks: RetryHooks = { policy: opts.retry, onRetry: (e, a, d) => { summary.retries++; observer?.retry?.(e, a, d); log.warn({ attempt: a, delayMs: d, code: e.code }, e.message); } };
  const ctx = { url: store.url, database: store.database };
  let progress = identity.resumable
    ? (await withRetry(ctx, retryHooks, () => loadProgress(store, opts.sensor, identity.fileId))).value
    : null;
  if (identity.resumable && progress === null) {
    const base = identity;
    const earlier = (await withRetry(ctx, retryHooks, () => continuedIdentity(store, opts.sensor, base))).value;
    if (earlier !== null) {
      identity = earlier;
      progress = (await withRetry(ctx, retryHooks, () => loadProgress(store, opts.sensor, earlier.fileId))).value;
      if (progress !== null && progress.completeSize < identity.size) log.info({ from: progress.completeSize, to: identity.size }, 'file grew since it was read; reading the new records');
    }
  }
  if (progress !== null && progress.completeSize > 0 && progress.completeSize >= identity.size) {
    const reason = `already ingested for sensor "${opts.sensor}" (${progress.nextRecord} records)`;
    observer?.inputSkipped?.(spec, reason);
    return { kind: 'already', reason };
  }
  const resumeFrom = progress?.nextRecord ?? 0;
  observer?.inputStart?.(spec, resumeFrom);
  if (resumeFrom > 0) log.info({ resumeFrom }, 'resuming');

  const input = await openInput(spec, { format: opts.format, stdin: deps.stdin, holdPartialLine: fileOpts.mayGrow === true });
  const classify = deps.classifiers.forInput(input);
  // The batcher encodes each packet as it comes: the source may reuse its packet objects.
  const source = packetSource(input, { skipBelowIndex: resumeFrom, reusePackets: true });
  const stats = source.stats;

  async function* classified(): AsyncGenerator<Array<StorablePacket & { recordOffset: number }>> {
    for await (const batch of source.batches()) {
      for (let i = 0; i < batch.length; i++) classify(batch[i]);
      observer?.reading?.(stats);
      yield batch as unknown as Array<SourcePacket & StorablePacket>;
    }
  }

  const key: ProgressKey = { sensor: opts.sensor, fileId: identity.fileId, path: identity.path, size: identity.size, headHash: identity.headHash };
  const result = { name: spec.name, stored: 0, alreadyStored: 0, batches: progress?.batches ?? 0, retries: 0, resumedFrom: resumeFrom };
  // How far past its saved progress an earlier run may have stored batches:
  // the widest --max-in-flight any run used on this file (recorded with the
  // progress), never less than this run's.
  const window = Math.max(opts.maxInFlight, progress?.maxInFlight ?? 0);
  const tracker = new ProgressTracker(identity, key, store, ctx, retryHooks, result.batches, window);
  if (identity.resumable && progress === null) {
    // The "started" record, saved before the first insert: from now on, a file
    // without a progress record is a file nothing was ever stored from.
    await tracker.start(resumeFrom);
  }
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  // Checking mode: batches are sent one at a time, each after asking the store
  // which of its records are already there, until `window` batches in a row
  // turn out to be entirely new. Batches were dispatched in order with at
  // most `window` in flight, so after that many new ones no later batch can
  // have been stored by an earlier run. A file with saved progress starts in
  // checking mode. A file without any (never started, or its records were
  // deleted) has its first batch checked: if that one was stored already,
  // checking goes on with the widest window darkscope allows.
  let checking = identity.resumable;
  let checkWindow = progress === null ? 1 : window;
  let newInARow = 0;
  /** Days in which a retried batch met already-stored rows: their rollups are verified at the end. */
  const suspectDays = new Set<number>();
  /** Days verified (and repaired if needed) when checking mode met already-stored rows. */
  const repairedDays = new Set<number>();

  const builder = new RowBatchBuilder({ sensor: opts.sensor, toolRules: TOOL_RULES_VERSION, batchKeyHi: identity.keyHi, batchKeyLo: 0 }, opts.batchRows);
  const batches = batchPackets(classified(), { maxRows: opts.batchRows, maxAgeMs: identity.resumable ? null : opts.batchAgeMs, builder, signal: opts.signal });
  try {
    for await (const batch of batches) {
      const limit = checking ? 1 : opts.maxInFlight;
      while (inFlight.size >= limit && failure === null) await Promise.race(inFlight);
      if (failure !== null) break;
      const entry = tracker.add(batch);
      const checkFirst = checking;
      const started = Date.now();
      const p: Promise<void> = deps.writer
        .write({ keyHi: identity.keyHi, day: batch.day, rows: batch.rows }, { checkFirst, ...retryHooks })
        .then(async (w) => {
          result.stored += w.rowsWritten;
          result.alreadyStored += w.rowsAlreadyStored;
          result.retries += w.retries;
          if (w.rowsAlreadyStored > 0) {
            if (checkFirst) {
              // Verified now, not at the end of the input: a run killed again before its end
              // would otherwise leave the day unverified, its progress already past this batch.
              // Checked batches are sent one at a time, so no insert of this run is in flight.
              // Once per day for rows an earlier run stored (the check covers the whole day);
              // again after any attempt of this run failed (it may have cut views off).
              if (!repairedDays.has(batch.day) || w.retries > 0) await repairRollups(store, opts.sensor, [batch.day], log, observer);
              repairedDays.add(batch.day);
            } else {
              suspectDays.add(batch.day);
            }
          }
          if (checkFirst) {
            if (w.rowsAlreadyStored > 0) {
              if (progress === null) checkWindow = MAX_IN_FLIGHT_LIMIT;
              newInARow = 0;
            } else {
              newInARow++;
            }
            if (newInARow >= checkWindow) checking = false;
          }
          observer?.batchStored?.({ input: spec.name, rows: w.rowsWritten, alreadyStored: w.rowsAlreadyStored, retries: w.retries, ms: Date.now() - started, maxTsSec: batch.maxTsSec });
          await tracker.done(entry);
        })
        .catch((e: unknown) => {
          failure ??= e;
          // Batches queued behind this one can never have their progress saved.
          tracker.fail(e);
        })
        .finally(() => {
          inFlight.delete(p);
          builder.recycle(batch.rows.bytes);
        });
      inFlight.add(p);
    }
  } finally {
    // Also when reading fails: let the inserts already sent finish before returning.
    await Promise.allSettled(inFlight);
  }
  if (failure === null && suspectDays.size > 0) await repairRollups(store, opts.sensor, [...suspectDays].sort(), log, observer);
  summary.records += stats.records;
  summary.decoded += stats.decoded;
  summary.stored += result.stored;
  summary.alreadyStored += result.alreadyStored;
  summary.batches += tracker.batches - (progress?.batches ?? 0);
  for (const [k, v] of Object.entries(stats.skipped)) summary.skipped[k] = (summary.skipped[k] ?? 0) + (v ?? 0);
  if (stats.truncated) summary.truncatedInputs.push(spec.name);
  if (failure !== null) throw failure;
  if (opts.signal?.aborted === true) {
    await tracker.settle();
    result.batches = tracker.batches;
    return { kind: 'stopped', result, stats };
  }
  if (identity.resumable) await tracker.complete(stats.records);
  result.batches = tracker.batches;
  observer?.inputEnd?.(stats, result);
  return { kind: 'done', result, stats };
}

interface TrackedBatch {
  readonly batch: PendingBatch;
  stored: boolean;
  /** Resolves when this batch's progress (or a later one's, covering it) is saved. */
  readonly saved: Promise<void>;
  markSaved(): void;
  markFailed(e: unknown): void;
}

/**
 * Saves progress in batch order: a batch's progress is written only when it
 * and every batch before it are stored; `done()` resolves once the batch's
 * own progress is saved.
 */
class ProgressTracker {
  private readonly queue: TrackedBatch[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failed: unknown = null;

  constructor(
    private readonly identity: FileIdentity,
    private readonly key: ProgressKey,
    private readonly store: StoreClient,
    private readonly ctx: { url: string; database: string },
    private readonly retry: RetryHooks,
    public batches: number,
    /** Recorded with every progress save (see the pipeline's checking mode). */
    private readonly maxInFlight: number,
  ) {}

  /** Saves the "started" record of a file before anything of it is stored. */
  async start(nextRecord: number): Promise<void> {
    await this.save({ nextRecord, byteOffset: 0, batches: this.batches, complete: false, maxInFlight: this.maxInFlight });
  }

  add(batch: PendingBatch): TrackedBatch {
    let markSaved!: () => void;
    let markFailed!: (e: unknown) => void;
    const saved = new Promise<void>((res, rej) => { markSaved = res; markFailed = rej; });
    saved.catch(() => undefined);
    const t: TrackedBatch = { batch, stored: false, saved, markSaved, markFailed };
    if (this.failed !== null) t.markFailed(this.failed);
    this.queue.push(t);
    return t;
  }

  async done(t: TrackedBatch): Promise<void> {
    t.stored = true;
    while (this.queue.length > 0 && this.queue[0].stored) {
      const head = this.queue.shift() as TrackedBatch;
      this.batches++;
      const p: FileProgress = { nextRecord: head.batch.lastIndex + 1, byteOffset: head.batch.lastOffset, batches: this.batches, complete: false, maxInFlight: this.maxInFlight };
      this.chain = this.chain.then(() => this.save(p)).then(() => head.markSaved(), (e: unknown) => { head.markFailed(e); throw e; });
    }
    await t.saved;
  }

  /** A batch failed: nothing queued behind it will ever have its progress saved. */
  fail(e: unknown): void {
    this.failed ??= e;
    for (const t of this.queue) t.markFailed(e);
  }

  /** Waits for the progress saves already queued. */
  async settle(): Promise<void> {
    await this.chain;
  }

  async complete(records: number): Promise<void> {
    await this.chain;
    await this.save({ nextRecord: records, byteOffset: this.identity.size, batches: this.batches, complete: true, maxInFlight: this.maxInFlight });
  }

  private async save(p: FileProgress): Promise<void> {
    if (!this.identity.resumable) return;
    await withRetry(this.ctx, this.retry, () => saveProgress(this.store, this.key, p));
  }
}

/**
 * Verifies the rollups of days where already-stored rows were met (a resend
 * after a failure, or a resume) and rebuilds a day from raw when a rollup
 * lacks rows: the server may have died between writing raw rows and their
 * materialized views' rows (see store/rollup-check.ts).
 */
async function repairRollups(store: StoreClient, sensor: string, days: readonly number[], log: Logger, observer?: IngestObserver): Promise<void> {
  for (const day of days) {
    const check = await checkDayRollups(store, sensor, day);
    if (check.mismatched.length === 0) continue;
    const from = new Date(day * 1000).toISOString().slice(0, 10);
    const to = new Date((day + 86_400) * 1000).toISOString().slice(0, 10);
    log.warn({ day: from, tables: check.mismatched }, 'rollups miss rows stored in raw (server failure during an insert); rebuilding the day from raw');
    observer?.repair?.(from, check.mismatched);
    await rebuildRollups(store, { from, to });
  }
}
