/**
 * What a notification says, the same for every target: the webhook POSTs it
 * as JSON, the log target writes its fields.
 *
 *   { "version": 1, "event": "firing", "repeat": 0, "at": "2024-03-11T00:00:00Z",
 *     "alert": { "id": "port-spike:23/tcp", "state": "firing", "port": 23, ... } }
 *
 * The body is serialized once per delivery, so every retry sends the same
 * bytes under the same signature and delivery id.
 */
import type { Alert } from './alert.js';
import type { HistoryEntry } from './history.js';
import type { AlertEvent } from './tracker.js';

export interface Notification {
  readonly version: 1;
  readonly event: AlertEvent;
  /** 0: first firing of an episode (or its resolution); n: n-th reminder after a cooldown. */
  readonly repeat: number;
  /** When the evaluation that produced it ran. */
  readonly at: string;
  readonly alert: Alert;
}

export function notificationOf(entry: HistoryEntry): Notification {
  return { version: 1, event: entry.event, repeat: entry.repeat, at: entry.at, alert: entry.alert };
}
