/**
 * One background queue per notification target: the evaluator enqueues and
 * moves on, a worker delivers one notification at a time (so a receiver sees
 * an alert's firing before its resolution), and a slow or dead target only
 * delays its own queue. The queue is bounded: past `capacity` pending
 * deliveries a new one fails at once (reason queue_full) instead of growing
 * memory. Every outcome is written into the history entry's delivery record
 * and reported to `onResult`, where logs and metrics subscribe.
 *
 * `close(drainMs)` stops accepting, lets pending deliveries finish for up to
 * `drainMs`, then aborts the one in flight and fails the rest (shutdown).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TargetType } from './config.js';
import type { DeliveryRecord, HistoryEntry } from './history.js';
import type { DeliveryResult } from './webhook.js';

export interface DeliveryJob {
  readonly entry: HistoryEntry;
  readonly record: DeliveryRecord;
  /** The notification JSON, serialized once (every retry sends these bytes). */
  readonly body: string;
  readonly deliveryId: string;
}

export interface DeliveryReport {
  readonly target: string;
  readonly type: TargetType;
  readonly alertId: string;
  readonly event: HistoryEntry['event'];
  readonly result: DeliveryResult;
}

export type Sender = (job: DeliveryJob, signal: AbortSignal) => Promise<DeliveryResult>;

export class DeliveryQueue {
  private readonly jobs: DeliveryJob[] = [];
  private readonly abort = new AbortController();
  private worker: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly target: { readonly name: string; readonly type: TargetType },
    private readonly send: Sender,
    private readonly capacity: number,
    private readonly onResult: (r: DeliveryReport) => void,
  ) {}

  /** Deliveries waiting or in flight. */
  get pending(): number {
    return this.jobs.length + (this.worker === null ? 0 : 1);
  }

  enqueue(job: DeliveryJob): void {
    if (this.closed) return this.finish(job, { ok: false, attempts: 0, ms: 0, reason: 'shutdown', error: 'the alert service is stopping' });
    if (this.jobs.length >= this.capacity) {
      return this.finish(job, { ok: false, attempts: 0, ms: 0, reason: 'queue_full', error: `${this.capacity} deliveries already waiting for this target` });
    }
    this.jobs.push(job);
    this.worker ??= this.drain();
  }

  /** Resolves when nothing is waiting or in flight. */
  async idle(): Promise<void> {
    while (this.worker !== null) await this.worker;
  }

  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const timer = new AbortController();
    await Promise.race([this.idle(), sleep(drainMs, undefined, { signal: timer.signal }).catch(() => {})]);
    timer.abort();
    this.abort.abort();
    for (const job of this.jobs.splice(0)) {
      this.finish(job, { ok: false, attempts: 0, ms: 0, reason: 'shutdown', error: 'not delivered before shutdown' });
    }
    await this.idle();
  }

  private async drain(): Promise<void> {
    try {
      for (let job = this.jobs.shift(); job !== undefined; job = this.jobs.shift()) {
        let result: DeliveryResult;
        try {
          result = await this.send(job, this.abort.signal);
        } catch (e) {
          result = { ok: false, attempts: 1, ms: 0, reason: 'network', error: e instanceof Error ? e.message : String(e) };
        }
        this.finish(job, result);
      }
    } finally {
      this.worker = null;
    }
  }

  private finish(job: DeliveryJob, result: DeliveryResult): void {
    job.record.status = result.ok ? 'sent' : 'failed';
    job.record.attempts = result.attempts;
    job.record.reason = result.ok ? null : result.reason;
    this.onResult({ target: this.target.name, type: this.target.type, alertId: job.entry.alert.id, event: job.entry.event, result });
  }
}
