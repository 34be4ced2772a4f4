/**
 * Prometheus metrics for the alert evaluator, fed by its observer. Labels are
 * rule names, target types, outcomes and reasons: all bounded by alerts.yaml
 * and the code, never ports or addresses.
 *
 *   darkscope_alerts_firing{rule}                                gauge
 *   darkscope_alert_transitions_total{event}                     firing, repeat, resolved
 *   darkscope_alert_evaluations_total{outcome}                   ok, partial, error, skipped
 *   darkscope_alert_evaluation_duration_seconds                  histogram
 *   darkscope_alert_notifications_sent_total{target_type}
 *   darkscope_alert_notifications_failed_total{target_type,reason}
 *   darkscope_alert_notification_retries_total{target_type}
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AlertEvaluator } from './evaluator.js';

/** Registers the metrics on `registry` and subscribes them to `alerts`; returns the unsubscribe. */
export function registerAlertMetrics(registry: Registry, alerts: AlertEvaluator): () => void {
  const rules = alerts.config.rules.map((r) => r.name);
  new Gauge({
    name: 'darkscope_alerts_firing',
    help: 'Alerts firing now, by rule',
    labelNames: ['rule'] as const,
    registers: [registry],
    collect() {
      const counts = new Map(rules.map((r) => [r, 0]));
      for (const a of alerts.firing()) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
      for (const [rule, n] of counts) this.set({ rule }, n);
    },
  });
  const transitions = new Counter({
    name: 'darkscope_alert_transitions_total',
    help: 'Notified alert transitions: firing (new episode), repeat (reminder after the cooldown), resolved',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const evaluations = new Counter({
    name: 'darkscope_alert_evaluations_total',
    help: 'Alert evaluations by outcome (skipped: the previous one was still running at the tick)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'darkscope_alert_evaluation_duration_seconds',
    help: 'Time one alert evaluation took (every rule)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const sent = new Counter({
    name: 'darkscope_alert_notifications_sent_total',
    help: 'Alert notifications delivered, by target type',
    labelNames: ['target_type'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'darkscope_alert_notifications_failed_total',
    help: 'Alert notifications given up on, by target type and reason (timeout, network, http_status, queue_full, shutdown)',
    labelNames: ['target_type', 'reason'] as const,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'darkscope_alert_notification_retries_total',
    help: 'Webhook attempts that failed and were retried, by target type',
    labelNames: ['target_type'] as const,
    registers: [registry],
  });
  return alerts.subscribe((e) => {
    switch (e.type) {
      case 'evaluation':
        evaluations.inc({ outcome: e.report.outcome });
        duration.observe(e.report.ms / 1000);
        break;
      case 'skipped':
        evaluations.inc({ outcome: 'skipped' });
        break;
      case 'transition':
        transitions.inc({ event: e.transition.event === 'resolved' ? 'resolved' : e.transition.repeat > 0 ? 'repeat' : 'firing' });
        break;
      case 'retry':
        retries.inc({ target_type: e.targetType });
        break;
      case 'delivery':
        if (e.report.result.ok) sent.inc({ target_type: e.report.type });
        else failed.inc({ target_type: e.report.type, reason: e.report.result.reason });
        break;
    }
  });
}
