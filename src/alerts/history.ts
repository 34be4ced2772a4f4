/**
 * Alert history: every notified transition (firing, reminder, resolution),
 * newest last, in memory and bounded (the oldest entries go first). An entry
 * is recorded before any delivery starts and keeps each target's delivery
 * status, so a failing webhook loses nothing here: its entry says "failed".
 */
import type { Alert } from './alert.js';
import type { TargetType } from './config.js';
import type { AlertEvent, Transition } from './tracker.js';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface DeliveryRecord {
  readonly target: string;
  readonly type: TargetType;
  status: DeliveryStatus;
  attempts: number;
  /** Why it failed: timeout, network, http_status, queue_full, shutdown; null otherwise. */
  reason: string | null;
}

export interface HistoryEntry {
  /** 1, 2, 3, ... for the life of the process. */
  readonly seq: number;
  /** When the evaluation produced it. */
  readonly at: string;
  readonly event: AlertEvent;
  readonly repeat: number;
  readonly alert: Alert;
  readonly deliveries: readonly DeliveryRecord[];
}

export class AlertHistory {
  private readonly entries: HistoryEntry[] = [];
  private seq = 0;
  private dropped = 0;

  constructor(readonly capacity: number) {}

  add(t: Transition, at: string, targets: ReadonlyArray<{ name: string; type: TargetType }>): HistoryEntry {
    const entry: HistoryEntry = {
      seq: ++this.seq, at, event: t.event, repeat: t.repeat, alert: t.alert,
      deliveries: targets.map((x) => ({ target: x.name, type: x.type, status: 'pending', attempts: 0, reason: null })),
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      this.entries.shift();
      this.dropped += 1;
    }
    return entry;
  }

  /** Newest first. */
  recent(limit = this.capacity): HistoryEntry[] {
    return this.entries.slice(-limit).reverse();
  }

  /** Entries recorded so far, and those that fell off the end. */
  counts(): { recorded: number; kept: number; dropped: number } {
    return { recorded: this.seq, kept: this.entries.length, dropped: this.dropped };
  }
}
