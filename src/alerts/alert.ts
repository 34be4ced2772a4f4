/**
 * An alert: one port that one rule reported, from the evaluation that first
 * saw it (firing) to the one that no longer did (resolved). Its id is stable
 * across evaluations and restarts: `<rule>:<port>/<proto>`, e.g.
 * `port-spike:23/tcp`; `firedAt` tells one episode of the same id from the
 * next.
 */
import type { Grain } from '../query/grain.js';
import { protoName } from '../net/protocols.js';
import type { TrendEntry } from '../query/trends.js';
import type { RuleKind } from './config.js';

export type AlertState = 'firing' | 'resolved';

export interface AlertWindow {
  readonly baseline: { readonly from: string; readonly to: string };
  readonly recent: { readonly from: string; readonly to: string };
  readonly grain: Grain;
}

export interface AlertScores {
  /** DShield trend score; null for new ports. */
  readonly trendScore: number | null;
  /** Robust z-score of recent daily packets against the baseline days. */
  readonly zScore: number;
  /** Why the trends query listed the port: "trend", "zscore", "new". */
  readonly reasons: readonly string[];
}

export interface Alert {
  readonly id: string;
  readonly rule: string;
  readonly kind: RuleKind;
  readonly state: AlertState;
  readonly proto: number;
  readonly port: number;
  /** "23/TCP". */
  readonly label: string;
  /** IANA service name ('' when unassigned). */
  readonly service: string;
  readonly scores: AlertScores;
  /** Daily means over the recent window. */
  readonly recent: TrendEntry['recent'];
  /** Median daily packets, mean daily sources and targets over the baseline window. */
  readonly baseline: TrendEntry['baseline'];
  /** The windows of the last evaluation that saw the port. */
  readonly window: AlertWindow;
  /** The rule's filters. */
  readonly filters: Readonly<Record<string, unknown>>;
  readonly firedAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt: string | null;
  /** The port drill-down dashboard for this port, filters and window; null without `grafana` in alerts.yaml. */
  readonly link: string | null;
}

/** `port-spike:23/tcp`, `new-ports:0/icmp`, `x:0/proto41`. */
export function alertId(rule: string, proto: number, port: number): string {
  return `${rule}:${port}/${protoName(proto).toLowerCase().replace(/\s+/g, '')}`;
}
