/**
 * Shows ingest progress: a redrawn bar on a terminal (bytes, packets/s, ETA),
 * or a plain line every few seconds when stderr is not a terminal.
 */
import type { DarkscopeError } from '../errors.js';
import type { InputSpec, InputStats } from '../ingest/input/index.js';
import type { BatchReport, IngestObserver, InputResult } from '../ingest/pipeline.js';
import { inputStatsText } from './format/input-stats.js';
import { fmtBytes, fmtCount, fmtDuration } from './format/units.js';

export interface ProgressDisplayOptions {
  readonly out: NodeJS.WritableStream;
  readonly tty: boolean;
  /** Sum of the input files' sizes (0 when unknown, e.g. stdin). */
  readonly totalBytes: number;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class ProgressDisplay implements IngestObserver {
  private readonly started: number;
  private last = 0;
  private doneBytes = 0;
  private currentBytes = 0;
  private currentCompressed = false;
  private stored = 0;
  private drawn = false;
  private readonly now: () => number;
  private readonly interval: number;

  constructor(private readonly o: ProgressDisplayOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.interval = o.intervalMs ?? (o.tty ? 200 : 5000);
  }

  inputStart(spec: InputSpec, resumeFrom: number): void {
    this.line(resumeFrom > 0 ? `${spec.name}: resuming at record ${resumeFrom}` : `${spec.name}: reading`);
  }

  inputSkipped(spec: InputSpec, reason: string): void {
    this.doneBytes += spec.size;
    this.line(`${spec.name}: skipped, ${reason}`);
  }

  reading(stats: InputStats): void {
    this.currentCompressed = stats.compressed;
    this.currentBytes = stats.compressed ? 0 : stats.bytes;
    const t = this.now();
    if (t - this.last >= this.interval) {
      this.last = t;
      this.draw();
    }
  }

  batchStored(r: BatchReport): void {
    this.stored += r.rows + r.alreadyStored;
  }

  retry(err: DarkscopeError, attempt: number, delayMs: number): void {
    this.line(`retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${err.message}`);
  }

  inputEnd(stats: InputStats, result: InputResult): void {
    this.doneBytes += this.currentCompressed ? 0 : stats.bytes;
    this.currentBytes = 0;
    this.line(`${inputStatsText(stats)}\n  stored ${result.stored}${result.alreadyStored > 0 ? `, already stored ${result.alreadyStored}` : ''}, batches ${result.batches}`);
  }

  /** Clears the bar before the final summary. */
  finish(): void {
    if (this.o.tty && this.drawn) this.o.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private status(): string {
    const elapsed = this.now() - this.started;
    const rate = elapsed > 0 ? (this.stored / elapsed) * 1000 : 0;
    const bytes = this.doneBytes + this.currentBytes;
    const parts = [`${fmtCount(this.stored)} packets stored`, `${fmtCount(rate)} pkt/s`, `elapsed ${fmtDuration(elapsed)}`];
    if (this.o.totalBytes > 0 && bytes > 0) {
      const frac = Math.min(1, bytes / this.o.totalBytes);
      const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : 0;
      const width = 24;
      const filled = Math.round(frac * width);
      return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${fmtBytes(bytes)}/${fmtBytes(this.o.totalBytes)} ${parts.join(', ')}, ETA ${fmtDuration(eta)}`;
    }
    return `${fmtBytes(bytes)} read, ${parts.join(', ')}`;
  }

  private draw(): void {
    if (this.o.tty) {
      this.o.out.write(`\r\x1b[K${this.status()}`);
      this.drawn = true;
    } else {
      this.o.out.write(`progress: ${this.status()}\n`);
    }
  }

  private line(text: string): void {
    this.finish();
    this.o.out.write(`${text}\n`);
  }
}
