/**
 * What an operator sees of `ingest --watch`:
 *   - on a terminal, a status line redrawn every second (files stored,
 *     files waiting, packets stored, rate over the last minute, lag), with
 *     a line above it for each file stored or failed;
 *   - otherwise (systemd, docker), structured log lines: one per file and a
 *     status line every `statusEveryMs`.
 * The lag is now minus the capture time of the newest packet stored.
 */
import type { DarkscopeError } from '../errors.js';
import type { InputStats } from '../ingest/input/index.js';
import { skippedTotal } from '../ingest/input/index.js';
import type { BatchReport, FileOutcome, IngestObserver, InputResult } from '../ingest/pipeline.js';
import type { WatchObserver } from '../ingest/watch/watcher.js';
import type { Logger } from '../logger.js';
import { fmtCount, fmtDuration } from './format/units.js';

export interface WatchDisplayOptions {
  readonly out: NodeJS.WritableStream;
  readonly tty: boolean;
  readonly logger: Logger;
  /** The directory followed. */
  readonly what: string;
  readonly statusEveryMs?: number;
  readonly now?: () => number;
}

/** Rate window: packets stored over the last minute. */
const RATE_WINDOW_MS = 60_000;

export class WatchDisplay implements IngestObserver, WatchObserver {
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private filesStored = 0;
  private filesBefore = 0;
  private filesFailed = 0;
  private waitingFiles = 0;
  private stored = 0;
  private newestSec = 0;
  private readonly recent: Array<{ at: number; rows: number }> = [];
  private drawn = false;
  private lastStored = 0;

  constructor(private readonly o: WatchDisplayOptions) {
    this.now = o.now ?? Date.now;
    this.timer = setInterval(() => this.tick(), o.tty ? 1_000 : (o.statusEveryMs ?? 60_000));
    this.timer.unref();
  }

  batchStored(r: BatchReport): void {
    this.stored += r.rows;
    if (r.maxTsSec > this.newestSec) this.newestSec = r.maxTsSec;
    this.recent.push({ at: this.now(), rows: r.rows });
  }

  inputEnd(stats: InputStats, result: InputResult): void {
    const skipped = skippedTotal(stats);
    const fields = { file: stats.name, records: stats.records, stored: result.stored, alreadyStored: result.alreadyStored, skipped, truncated: stats.truncated, resumedFrom: result.resumedFrom };
    if (this.o.tty) {
      const extra = [
        result.resumedFrom > 0 ? `resumed at record ${result.resumedFrom}` : '',
        skipped > 0 ? `skipped ${skipped} (${Object.entries(stats.skipped).map(([k, v]) => `${k} ${v}`).join(', ')})` : '',
        stats.truncated ? 'ends in a partial record (read again if it grows)' : '',
      ].filter((x) => x !== '');
      this.line(`${stats.name}: stored ${fmtCount(result.stored)} packets${extra.length > 0 ? `; ${extra.join('; ')}` : ''}`);
    } else {
      this.o.logger.info(fields, 'input stored');
    }
  }

  fileDone(path: string, outcome: Exclude<FileOutcome, { kind: 'stopped' }>): void {
    if (outcome.kind === 'already') {
      this.filesBefore++;
      if (this.o.tty) this.line(`${path}: ${outcome.reason}`);
      else this.o.logger.info({ file: path }, outcome.reason);
    } else {
      this.filesStored++;
    }
  }

  fileAfter(path: string, target: string | null): void {
    if (this.o.tty) this.line(target === null ? `${path}: deleted (--after delete)` : `${path}: moved to ${target}`);
  }

  fileFailed(path: string, err: DarkscopeError): void {
    this.filesFailed++;
    if (this.o.tty) this.line(`${path}: ${err.code}: ${err.message} (tried again when it changes)`);
  }

  storeFailed(path: string, err: DarkscopeError, pauseMs: number): void {
    if (this.o.tty) this.line(`${err.code}: ${err.message}; trying ${path} again in ${fmtDuration(pauseMs)}, nothing is lost`);
  }

  retry(err: DarkscopeError, attempt: number, delayMs: number): void {
    if (this.o.tty) this.line(`retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${err.message}`);
  }

  dirFailed(err: DarkscopeError): void {
    if (this.o.tty) this.line(`${err.code}: ${err.message}; looking again shortly`);
  }

  waiting(files: number): void {
    this.waitingFiles = files;
  }

  /** The status as one line. */
  status(): string {
    const t = this.now();
    while (this.recent.length > 0 && this.recent[0].at < t - RATE_WINDOW_MS) this.recent.shift();
    const rate = (this.recent.reduce((a, r) => a + r.rows, 0) / RATE_WINDOW_MS) * 1000;
    const lag = this.newestSec > 0 ? fmtDuration(Math.max(0, t - this.newestSec * 1000)) : 'n/a';
    const files = `${this.filesStored} files stored${this.filesBefore > 0 ? ` (+${this.filesBefore} before)` : ''}, ${this.waitingFiles} waiting${this.filesFailed > 0 ? `, ${this.filesFailed} failed` : ''}`;
    return `watching ${this.o.what}: ${files}, ${fmtCount(this.stored)} packets stored, ${fmtCount(rate)} pkt/s (1 min), lag ${lag}`;
  }

  /** Stops redrawing and clears the status line. */
  finish(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private tick(): void {
    if (this.o.tty) {
      this.o.out.write(`\r\x1b[K${this.status()}`);
      this.drawn = true;
    } else if (this.stored !== this.lastStored || this.waitingFiles > 0) {
      // Quiet when nothing happens: an idle sensor's journal is not filled with copies of one line.
      this.lastStored = this.stored;
      this.o.logger.info({ filesStored: this.filesStored, filesWaiting: this.waitingFiles, filesFailed: this.filesFailed, packetsStored: this.stored, lagSec: this.newestSec > 0 ? Math.round(this.now() / 1000 - this.newestSec) : null }, this.status());
    }
  }

  private clear(): void {
    if (this.o.tty && this.drawn) this.o.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private line(text: string): void {
    this.clear();
    this.o.out.write(`${text}\n`);
  }
}
