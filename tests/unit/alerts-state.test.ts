/**
 * The alert state machine (no server, time as an argument): fire → dedupe
 * within the cooldown → reminder after it → resolve → fire again as a new
 * episode; rules do not touch each other's alerts; the bounded history.
 */
import { describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert.js';
import { parseAlertsConfig, type AlertRule } from '../../src/alerts/config.js';
import { AlertHistory } from '../../src/alerts/history.js';
import { AlertTracker, type RuleResult } from '../../src/alerts/tracker.js';
import { describePort } from '../../src/query/services.js';
import type { TrendEntry } from '../../src/query/trends.js';

const T0 = Date.UTC(2024, 2, 11) / 1000;
const MIN = 60;

const config = parseAlertsConfig(`
cooldown: 30m
grafana: {url: "https://grafana.example"}
targets: [{name: log, type: log}]
rules:
  - {name: port-spike, kind: spike, filters: {sensor: tokyo-1, excludeLabel: research}}
  - {name: new-port, kind: newPort}
`, 'alerts.yaml');
const [spikeRule, newRule] = config.rules;

function entry(port: number, z: number, proto = 6): TrendEntry {
  return {
    rank: 1, proto, port, ...describePort(proto, port),
    recent: { packets: 1500, sources: 300, targets: 200 }, baseline: { packets: 107, sources: 21.9, targets: 50 },
    trendScore: 60.5, zScore: z, reasons: ['trend', 'zscore'],
  };
}

function result(rule: AlertRule, at: number, entries: TrendEntry[]): RuleResult {
  return {
    rule, at, grain: 'hour', entries,
    windows: { baseline: { from: '2024-02-11T00:00:00Z', to: '2024-03-10T00:00:00Z' }, recent: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' } },
  };
}

describe('alert ids', () => {
  it('are <rule>:<port>/<proto>, stable and readable', () => {
    expect(alertId('port-spike', 6, 23)).toBe('port-spike:23/tcp');
    expect(alertId('port-spike', 17, 53)).toBe('port-spike:53/udp');
    expect(alertId('x', 1, 0)).toBe('x:0/icmp');
    expect(alertId('x', 41, 0)).toBe('x:0/proto41');
  });
});

describe('AlertTracker', () => {
  it('fire → dedupe within the cooldown → reminder after it → resolve → fire again', () => {
    const t = new AlertTracker(config.grafana);
    // 1. first listing: firing, notified
    const fire = t.apply(result(spikeRule, T0, [entry(23, 134)]));
    expect(fire.deduplicated).toBe(0);
    expect(fire.transitions).toHaveLength(1);
    const first = fire.transitions[0];
    expect(first).toMatchObject({ event: 'firing', repeat: 0 });
    expect(first.alert).toMatchObject({
      id: 'port-spike:23/tcp', rule: 'port-spike', kind: 'spike', state: 'firing', proto: 6, port: 23, label: '23/TCP', service: 'telnet',
      scores: { trendScore: 60.5, zScore: 134, reasons: ['trend', 'zscore'] },
      recent: { packets: 1500, sources: 300, targets: 200 },
      window: { grain: 'hour', recent: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' } },
      filters: { sensor: 'tokyo-1', excludeLabels: ['research'] },
      firedAt: '2024-03-11T00:00:00Z', lastSeenAt: '2024-03-11T00:00:00Z', resolvedAt: null,
    });
    expect(first.alert.link).toMatch(/^https:\/\/grafana\.example\/d\/darkscope-port\?var-proto=6&var-port=23&/);
    expect(t.firing().map((a) => a.id)).toEqual(['port-spike:23/tcp']);

    // 2. listed again 5 and 29 minutes later: deduplicated, but the alert follows the latest scores
    for (const m of [5, 29]) {
      const again = t.apply(result(spikeRule, T0 + m * MIN, [entry(23, 140 + m)]));
      expect(again).toEqual({ transitions: [], deduplicated: 1 });
    }
    expect(t.firing()[0]).toMatchObject({ firedAt: '2024-03-11T00:00:00Z', lastSeenAt: '2024-03-11T00:29:00Z', scores: { zScore: 169 } });

    // 3. the cooldown (30m since the last notification) has passed: a reminder, then quiet again
    const reminder = t.apply(result(spikeRule, T0 + 30 * MIN, [entry(23, 150)]));
    expect(reminder.transitions.map((x) => [x.event, x.repeat, x.alert.firedAt])).toEqual([['firing', 1, '2024-03-11T00:00:00Z']]);
    expect(t.apply(result(spikeRule, T0 + 45 * MIN, [entry(23, 150)])).deduplicated).toBe(1);

    // 4. no longer listed: resolved, notified, not firing any more
    const resolve = t.apply(result(spikeRule, T0 + 50 * MIN, []));
    expect(resolve.transitions).toHaveLength(1);
    expect(resolve.transitions[0]).toMatchObject({
      event: 'resolved', repeat: 0,
      alert: { id: 'port-spike:23/tcp', state: 'resolved', firedAt: '2024-03-11T00:00:00Z', lastSeenAt: '2024-03-11T00:45:00Z', resolvedAt: '2024-03-11T00:50:00Z' },
    });
    expect(t.firing()).toEqual([]);
    expect(t.apply(result(spikeRule, T0 + 55 * MIN, [])).transitions).toEqual([]);

    // 5. listed again (even within the old cooldown): a new episode, notified as firing
    const again = t.apply(result(spikeRule, T0 + 60 * MIN, [entry(23, 120)]));
    expect(again.transitions.map((x) => [x.event, x.repeat, x.alert.id, x.alert.firedAt])).toEqual([['firing', 0, 'port-spike:23/tcp', '2024-03-11T01:00:00Z']]);
  });

  it('a rule resolves only its own alerts; each port is its own alert', () => {
    const t = new AlertTracker(null);
    t.apply(result(spikeRule, T0, [entry(23, 100), entry(2323, 50)]));
    t.apply(result(newRule, T0, [{ ...entry(37215, 0), trendScore: null, reasons: ['new'] }]));
    expect(t.firing().map((a) => a.id)).toEqual(['new-port:37215/tcp', 'port-spike:23/tcp', 'port-spike:2323/tcp']);
    expect(t.firing()[0].link).toBeNull();
    // the spike rule lists only 23 now: 2323 resolves, the new-port alert is untouched
    const r = t.apply(result(spikeRule, T0 + 5 * MIN, [entry(23, 100)]));
    expect(r.transitions.map((x) => [x.event, x.alert.id])).toEqual([['resolved', 'port-spike:2323/tcp']]);
    expect(r.deduplicated).toBe(1);
    expect(t.firing().map((a) => a.id)).toEqual(['new-port:37215/tcp', 'port-spike:23/tcp']);
  });

  it('cooldown 0 notifies every evaluation while firing', () => {
    const c = parseAlertsConfig('targets: [{name: log, type: log}]\nrules: [{name: r, kind: spike, cooldown: 0}]\n', 'alerts.yaml');
    const t = new AlertTracker(null);
    const repeats = [0, 1, 2].map((i) => t.apply(result(c.rules[0], T0 + i * MIN, [entry(23, 100)])).transitions.map((x) => x.repeat));
    expect(repeats).toEqual([[0], [1], [2]]);
  });
});

describe('AlertHistory', () => {
  it('keeps the newest entries up to its capacity, newest first, with a delivery record per target', () => {
    const h = new AlertHistory(3);
    const t = new AlertTracker(null);
    const fired = t.apply(result(spikeRule, T0, [entry(23, 100)])).transitions[0];
    for (let i = 0; i < 5; i++) h.add(fired, `2024-03-11T00:0${i}:00Z`, [{ name: 'hook', type: 'webhook' }, { name: 'log', type: 'log' }]);
    expect(h.recent().map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(h.recent(2).map((e) => e.at)).toEqual(['2024-03-11T00:04:00Z', '2024-03-11T00:03:00Z']);
    expect(h.counts()).toEqual({ recorded: 5, kept: 3, dropped: 2 });
    expect(h.recent()[0].deliveries).toEqual([
      { target: 'hook', type: 'webhook', status: 'pending', attempts: 0, reason: null },
      { target: 'log', type: 'log', status: 'pending', attempts: 0, reason: null },
    ]);
  });
});
