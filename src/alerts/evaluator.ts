/**
 * The alert evaluator behind `darkscope serve --alerts alerts.yaml`: every
 * `interval` it runs each rule's trends query, feeds the answers to the state
 * machine (tracker.ts), records each transition in the history, and hands the
 * notifications to one background queue per target.
 *
 * - Runs never overlap: a tick that finds the previous run still going is
 *   skipped (and reported), and the next tick starts a new one. A slow
 *   ClickHouse delays at most its own run (every query is bounded by the
 *   query timeout); a slow webhook delays only its own queue, never a run.
 * - A rule whose query fails keeps its alerts as they are (nothing resolves
 *   because ClickHouse was down) and the other rules still run.
 * - `stop()` clears the timer, waits a bounded time for a run in flight,
 *   drains the queues for a bounded time, then aborts what is left.
 *
 * Built, not started: `buildApp` creates one, `serve` starts it, tests call
 * `evaluate()` with an injected clock.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { isDarkscopeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { floorTo } from '../query/grain.js';
import type { QueryContext } from '../query/runner.js';
import { iso } from '../query/time-range.js';
import { trends } from '../query/trends.js';
import type { Alert } from './alert.js';
import type { AlertRule, AlertsConfig, TargetType } from './config.js';
import { DeliveryQueue, type DeliveryReport } from './delivery-queue.js';
import { formatDuration } from './duration.js';
import { AlertHistory, type HistoryEntry } from './history.js';
import { notificationOf } from './notification.js';
import { createSender } from './targets.js';
import { AlertTracker, type Transition } from './tracker.js';
import type { AttemptFailure } from './webhook.js';

export interface RuleOutcome {
  readonly rule: string;
  readonly ok: boolean;
  /** Ports the query listed (ok only). */
  readonly listed: number;
  /** The error code when the query failed. */
  readonly error: string | null;
}

export interface EvaluationReport {
  /** The evaluation's clock, ISO. */
  readonly at: string;
  readonly ms: number;
  /** ok: every rule ran; partial: some failed; error: all failed. */
  readonly outcome: 'ok' | 'partial' | 'error';
  readonly rules: readonly RuleOutcome[];
  readonly transitions: number;
  readonly deduplicated: number;
}

export type AlertingEvent =
  | { readonly type: 'evaluation'; readonly report: EvaluationReport }
  | { readonly type: 'skipped' }
  | { readonly type: 'transition'; readonly transition: Transition }
  | { readonly type: 'retry'; readonly targetType: TargetType }
  | { readonly type: 'delivery'; readonly report: DeliveryReport };

export type AlertingObserver = (e: AlertingEvent) => void;

export interface EvaluatorStatus {
  readonly interval: string;
  readonly started: boolean;
  readonly running: boolean;
  readonly evaluations: number;
  readonly skipped: number;
  readonly pendingDeliveries: number;
  readonly last: EvaluationReport | null;
}

export interface EvaluatorDeps {
  readonly config: Readonly<AlertsConfig>;
  readonly ctx: QueryContext;
  readonly logger: Logger;
  /** Evaluation clock, epoch seconds (default: the query context's). */
  readonly now?: () => number;
  /** The trends query (tests substitute a slow or failing one). */
  readonly runTrends?: typeof trends;
  /** Pending deliveries per target before new ones fail with queue_full (default 1000). */
  readonly queueCapacity?: number;
  /** At stop: longest wait for a run in flight, then for the queues to drain (default 2 s and 3 s). */
  readonly stopWaitMs?: number;
  readonly drainMs?: number;
}

const ALIGN_SEC = { hour: 3_600, day: 86_400 } as const;

export class AlertEvaluator {
  private readonly log: Logger;
  private readonly tracker: AlertTracker;
  private readonly history: AlertHistory;
  private readonly queues: Map<string, DeliveryQueue>;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });
  private readonly observers = new Set<AlertingObserver>();
  private readonly now: () => number;
  private readonly runTrends: typeof trends;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<EvaluationReport> | null = null;
  private stopped = false;
  private evaluations = 0;
  private skipped = 0;
  private last: EvaluationReport | null = null;

  constructor(private readonly deps: EvaluatorDeps) {
    const { config } = deps;
    this.log = deps.logger.child({ module: 'alerts' });
    this.tracker = new AlertTracker(config.grafana);
    this.history = new AlertHistory(config.historySize);
    this.now = deps.now ?? deps.ctx.now;
    this.runTrends = deps.runTrends ?? trends;
    const senderDeps = { dispatcher: this.agent, log: this.log, onAttemptFailed: this.attemptFailed.bind(this) };
    this.queues = new Map(config.targets.map((t) => [
      t.name,
      new DeliveryQueue(t, createSender(t, senderDeps), deps.queueCapacity ?? 1_000, (r) => this.delivered(r)),
    ]));
  }

  get config(): Readonly<AlertsConfig> {
    return this.deps.config;
  }

  /** Subscribes to evaluations, transitions, retries and deliveries (metrics and tests); returns the unsubscribe. */
  subscribe(observer: AlertingObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Evaluates now, then every interval until stop(). */
  start(): void {
    if (this.timer !== null || this.stopped) return;
    const { config } = this.deps;
    this.log.info({ file: config.file, rules: config.rules.length, targets: config.targets.length, interval: formatDuration(config.intervalMs) }, 'alert evaluation started');
    this.timer = setInterval(() => this.tick(), config.intervalMs);
    this.timer.unref();
    this.tick();
  }

  /** Runs one evaluation; while one is running, returns that one instead (runs never overlap). */
  evaluate(): Promise<EvaluationReport> {
    this.inFlight ??= this.run().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  firing(): Alert[] {
    return this.tracker.firing();
  }

  /** Notified transitions, newest first. */
  recent(limit?: number): HistoryEntry[] {
    return this.history.recent(limit);
  }

  status(): EvaluatorStatus {
    let pending = 0;
    for (const q of this.queues.values()) pending += q.pending;
    return {
      interval: formatDuration(this.deps.config.intervalMs),
      started: this.timer !== null,
      running: this.inFlight !== null,
      evaluations: this.evaluations,
      skipped: this.skipped,
      pendingDeliveries: pending,
      last: this.last,
    };
  }

  /** Resolves when every queue is empty (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight !== null) {
      const ac = new AbortController();
      await Promise.race([this.inFlight.catch(() => {}), sleep(this.deps.stopWaitMs ?? 2_000, undefined, { signal: ac.signal }).catch(() => {})]);
      ac.abort();
    }
    await Promise.all([...this.queues.values()].map((q) => q.close(this.deps.drainMs ?? 3_000)));
    await this.agent.close().catch(() => this.agent.destroy());
    this.log.info({ ...this.history.counts() }, 'alert evaluation stopped');
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.inFlight !== null) {
      this.skipped += 1;
      this.log.warn({ interval: formatDuration(this.deps.config.intervalMs) }, 'alert evaluation still running at the next tick; skipping this one');
      this.emit({ type: 'skipped' });
      return;
    }
    this.evaluate().catch((e: unknown) => {
      this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'alert evaluation failed');
    });
  }

  private async run(): Promise<EvaluationReport> {
    const start = performance.now();
    const at = this.now();
    const outcomes: RuleOutcome[] = [];
    let transitions = 0;
    let deduplicated = 0;
    for (const rule of this.deps.config.rules) {
      const r = await this.evaluateRule(rule, at);
      outcomes.push(r.outcome);
      for (const t of r.transitions) this.notify(t, rule, at);
      transitions += r.transitions.length;
      deduplicated += r.deduplicated;
    }
    const failed = outcomes.filter((o) => !o.ok).length;
    const report: EvaluationReport = {
      at: iso(at),
      ms: Math.round(performance.now() - start),
      outcome: failed === 0 ? 'ok' : failed === outcomes.length ? 'error' : 'partial',
      rules: outcomes,
      transitions,
      deduplicated,
    };
    this.evaluations += 1;
    this.last = report;
    this.log.debug({ ...report, rules: undefined, failedRules: failed }, 'alert evaluation done');
    this.emit({ type: 'evaluation', report });
    return report;
  }

  private async evaluateRule(rule: AlertRule, at: number): Promise<{ outcome: RuleOutcome; transitions: readonly Transition[]; deduplicated: number }> {
    try {
      const result = await this.runTrends(this.deps.ctx, { to: floorTo(at, ALIGN_SEC[rule.align]), filters: rule.filters, params: rule.params });
      const entries = rule.kind === 'spike' ? result.spikes : result.newPorts;
      const applied = this.tracker.apply({ rule, at, windows: result.windows, grain: result.grain, entries });
      return { outcome: { rule: rule.name, ok: true, listed: entries.length, error: null }, ...applied };
    } catch (e) {
      const code = isDarkscopeError(e) ? e.code : 'DARKSCOPE_E_INTERNAL';
      this.log.warn({ rule: rule.name, code, err: e instanceof Error ? e.message : String(e) }, 'alert rule evaluation failed; its alerts keep their state');
      return { outcome: { rule: rule.name, ok: false, listed: 0, error: code }, transitions: [], deduplicated: 0 };
    }
  }

  /** Records the transition, then queues one delivery per target of the rule (never waits for them). */
  private notify(t: Transition, rule: AlertRule, at: number): void {
    const targets = rule.targets.map((name) => this.queues.get(name)!.target);
    const entry = this.history.add(t, iso(at), targets);
    this.emit({ type: 'transition', transition: t });
    const body = JSON.stringify(notificationOf(entry));
    entry.deliveries.forEach((record) => {
      this.queues.get(record.target)!.enqueue({ entry, record, body, deliveryId: randomUUID() });
    });
  }

  private attemptFailed(target: { name: string; type: TargetType }, f: AttemptFailure, job: { entry: HistoryEntry }): void {
    const fields = { target: target.name, type: target.type, alertId: job.entry.alert.id, event: job.entry.event, attempt: f.attempt, reason: f.reason, error: f.error };
    if (f.retryInMs !== null) {
      this.log.warn({ ...fields, retryInMs: f.retryInMs }, 'alert notification attempt failed; retrying');
      this.emit({ type: 'retry', targetType: target.type });
    }
  }

  private delivered(r: DeliveryReport): void {
    const fields = { target: r.target, type: r.type, alertId: r.alertId, event: r.event, attempts: r.result.attempts, ms: r.result.ms };
    if (r.result.ok) this.log.debug(fields, 'alert notification sent');
    else this.log.error({ ...fields, reason: r.result.reason, error: r.result.error }, 'alert notification failed; the alert stays in the history');
    this.emit({ type: 'delivery', report: r });
  }

  private emit(e: AlertingEvent): void {
    for (const o of this.observers) {
      try {
        o(e);
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'alert observer failed');
      }
    }
  }
}
