/**
 * The alert state machine, pure (time is an argument): fed one rule's trends
 * result per evaluation, it returns the transitions to notify.
 *
 *   port listed, no alert          → firing (repeat 0), notified
 *   port listed, alert firing      → deduplicated while the rule's cooldown
 *                                    runs since the last firing notification;
 *                                    after it, firing again (repeat n), notified
 *   port not listed, alert firing  → resolved, notified; the next listing
 *                                    starts a new episode (firing, repeat 0)
 *
 * Only successful evaluations reach the tracker: a failed query resolves
 * nothing (a ClickHouse outage is not the end of a spike).
 */
import type { Grain } from '../query/grain.js';
import { filtersJson } from '../query/filters.js';
import { iso } from '../query/time-range.js';
import type { TrendEntry, TrendsResult } from '../query/trends.js';
import { alertId, type Alert } from './alert.js';
import type { AlertRule, GrafanaLinkConfig } from './config.js';
import { portDashboardLink } from './link.js';

export type AlertEvent = 'firing' | 'resolved';

export interface Transition {
  readonly event: AlertEvent;
  /** 0: the first firing of an episode (and its resolution); n: the n-th reminder after a cooldown. */
  readonly repeat: number;
  readonly alert: Alert;
}

/** One rule's answer in one evaluation. */
export interface RuleResult {
  readonly rule: AlertRule;
  /** Evaluation time, epoch seconds. */
  readonly at: number;
  readonly windows: TrendsResult['windows'];
  readonly grain: Grain;
  /** The spikes or the new ports, per the rule's kind. */
  readonly entries: readonly TrendEntry[];
}

export interface ApplyResult {
  readonly transitions: readonly Transition[];
  /** Firing alerts seen again within their cooldown (not notified). */
  readonly deduplicated: number;
}

interface Active {
  alert: Alert;
  /** Epoch seconds of the last firing notification. */
  notifiedAt: number;
  repeats: number;
}

const sec = (isoText: string): number => Date.parse(isoText) / 1000;

export class AlertTracker {
  private readonly active = new Map<string, Active>();

  constructor(private readonly grafana: GrafanaLinkConfig | null) {}

  apply(r: RuleResult): ApplyResult {
    const transitions: Transition[] = [];
    let deduplicated = 0;
    const seen = new Set<string>();
    for (const entry of r.entries) {
      const id = alertId(r.rule.name, entry.proto, entry.port);
      if (seen.has(id)) continue;
      seen.add(id);
      const prev = this.active.get(id);
      const alert = this.build(r, entry, id, prev?.alert.firedAt ?? iso(r.at));
      if (prev === undefined) {
        this.active.set(id, { alert, notifiedAt: r.at, repeats: 0 });
        transitions.push({ event: 'firing', repeat: 0, alert });
      } else if ((r.at - prev.notifiedAt) * 1000 >= r.rule.cooldownMs) {
        prev.alert = alert;
        prev.notifiedAt = r.at;
        prev.repeats += 1;
        transitions.push({ event: 'firing', repeat: prev.repeats, alert });
      } else {
        prev.alert = alert;
        deduplicated += 1;
      }
    }
    for (const [id, a] of this.active) {
      if (a.alert.rule !== r.rule.name || seen.has(id)) continue;
      this.active.delete(id);
      transitions.push({ event: 'resolved', repeat: 0, alert: { ...a.alert, state: 'resolved', resolvedAt: iso(r.at) } });
    }
    return { transitions, deduplicated };
  }

  /** Alerts firing now, by rule then protocol and port. */
  firing(): Alert[] {
    return [...this.active.values()].map((a) => a.alert)
      .sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.proto - b.proto || a.port - b.port));
  }

  private build(r: RuleResult, e: TrendEntry, id: string, firedAt: string): Alert {
    return Object.freeze({
      id,
      rule: r.rule.name,
      kind: r.rule.kind,
      state: 'firing',
      proto: e.proto,
      port: e.port,
      label: e.label,
      service: e.service,
      scores: { trendScore: e.trendScore, zScore: e.zScore, reasons: [...e.reasons] },
      recent: e.recent,
      baseline: e.baseline,
      window: { baseline: r.windows.baseline, recent: r.windows.recent, grain: r.grain },
      filters: filtersJson(r.rule.filters),
      firedAt,
      lastSeenAt: iso(r.at),
      resolvedAt: null,
      link: portDashboardLink(this.grafana, {
        proto: e.proto, port: e.port, filters: r.rule.filters, from: sec(r.windows.baseline.from), to: sec(r.windows.recent.to),
      }),
    } satisfies Alert);
  }
}
