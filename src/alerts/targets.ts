/**
 * Senders for each kind of notification target (alerts.yaml `targets`):
 *
 *   webhook  POST the notification JSON (src/alerts/webhook.ts)
 *   log      one pino line per notification, at the target's level
 *
 * Every sender takes a queued delivery and returns a DeliveryResult.
 */
import type { Dispatcher } from 'undici';
import type { Logger } from '../logger.js';
import type { AlertTarget, LogTarget } from './config.js';
import type { DeliveryJob, Sender } from './delivery-queue.js';
import { postWebhook, type AttemptFailure } from './webhook.js';

export interface SenderDeps {
  readonly dispatcher: Dispatcher;
  /** Alert log lines (the log target) and delivery problems. */
  readonly log: Logger;
  readonly onAttemptFailed?: (target: AlertTarget, f: AttemptFailure, job: DeliveryJob) => void;
}

/** The fields of a notification log line: enough to act on, no secrets. */
export function alertLogFields(job: DeliveryJob): Record<string, unknown> {
  const { entry } = job;
  const a = entry.alert;
  return {
    alertId: a.id, event: entry.event, repeat: entry.repeat, rule: a.rule, kind: a.kind, proto: a.proto, port: a.port, label: a.label,
    trendScore: a.scores.trendScore, zScore: a.scores.zScore, reasons: a.scores.reasons, recent: a.recent, baseline: a.baseline,
    window: a.window.recent, firedAt: a.firedAt, resolvedAt: a.resolvedAt, link: a.link,
  };
}

function logSender(target: LogTarget, log: Logger): Sender {
  return async (job) => {
    const a = job.entry.alert;
    const text = job.entry.event === 'firing'
      ? `alert firing: ${a.label} (${a.rule})${job.entry.repeat > 0 ? `, still firing (reminder ${job.entry.repeat})` : ''}`
      : `alert resolved: ${a.label} (${a.rule})`;
    log[target.level]({ target: target.name, ...alertLogFields(job) }, text);
    return { ok: true, attempts: 1, ms: 0, status: null };
  };
}

export function createSender(target: AlertTarget, deps: SenderDeps): Sender {
  if (target.type === 'log') return logSender(target, deps.log);
  return (job, signal) => postWebhook(target, { body: job.body, event: job.entry.event, deliveryId: job.deliveryId }, {
    dispatcher: deps.dispatcher,
    signal,
    onAttemptFailed: (f) => deps.onAttemptFailed?.(target, f, job),
  });
}
