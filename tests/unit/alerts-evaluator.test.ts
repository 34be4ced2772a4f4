/**
 * The evaluator's schedule and failure handling with a substituted trends
 * query (no server): runs never overlap and a slow query only skips ticks; a
 * failing rule resolves nothing while the others still run; stop() is bounded
 * even when a query hangs; the log target writes one line per notification.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAlertsConfig, type AlertsConfig } from '../../src/alerts/config.js';
import { AlertEvaluator, type AlertingEvent } from '../../src/alerts/evaluator.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { queryContext } from '../../src/query/runner.js';
import { describePort } from '../../src/query/services.js';
import { DarkscopeError } from '../../src/errors.js';
import type { trends, TrendsInput, TrendsResult } from '../../src/query/trends.js';
import type { StoreClient } from '../../src/store/client.js';

const NOW = Date.UTC(2024, 2, 11, 0, 30) / 1000;
const ctx = queryContext(loadConfig({}), {} as StoreClient, { now: () => NOW });

function config(extra = ''): AlertsConfig {
  return parseAlertsConfig(`
targets: [{name: log, type: log, level: warn}]
rules:
  - {name: spikes, kind: spike, filters: {sensor: a}}
  - {name: fresh, kind: newPort, align: day, filters: {sensor: b}}
${extra}`, 'alerts.yaml');
}

function result(ports: number[], kind: 'spike' | 'newPort'): TrendsResult {
  const entries = ports.map((port, i) => ({
    rank: i + 1, proto: 6, port, ...describePort(6, port), recent: { packets: 500, sources: 50, targets: 20 }, baseline: { packets: 0, sources: 0, targets: 0 },
    trendScore: kind === 'spike' ? 40 : null, zScore: 9, reasons: kind === 'spike' ? ['trend'] : ['new'],
  }));
  return {
    windows: { baseline: { from: '2024-02-11T00:00:00Z', to: '2024-03-10T00:00:00Z' }, recent: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' } },
    grain: 'day', params: {} as TrendsResult['params'], filters: {},
    spikes: kind === 'spike' ? entries : [], newPorts: kind === 'newPort' ? entries : [],
  };
}

function logLines(): { stream: PassThrough; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => { text += c.toString('utf8'); });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

let evaluator: AlertEvaluator | undefined;
afterEach(async () => {
  await evaluator?.stop();
  evaluator = undefined;
});

describe('schedule', () => {
  it('never overlaps runs: a slow query skips ticks, and evaluation goes on after it', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const slow = (async (_ctx: unknown, input: TrendsInput) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      calls += 1;
      await new Promise((r) => setTimeout(r, calls <= 2 ? 150 : 5));
      active -= 1;
      return input.filters.sensor === 'a' ? result([23], 'spike') : result([], 'newPort');
    }) as unknown as typeof trends;
    const events: AlertingEvent[] = [];
    evaluator = new AlertEvaluator({ config: { ...config(), intervalMs: 40 }, ctx, logger: createLogger('silent'), runTrends: slow });
    evaluator.subscribe((e) => events.push(e));
    evaluator.start();
    await new Promise((r) => setTimeout(r, 700));
    expect(maxActive).toBe(1);
    const status = evaluator.status();
    expect(status.skipped).toBeGreaterThanOrEqual(3);
    expect(status.evaluations).toBeGreaterThanOrEqual(5);
    expect(events.filter((e) => e.type === 'skipped')).toHaveLength(status.skipped);
    expect(status).toMatchObject({ interval: '40ms', started: true, last: { at: '2024-03-11T00:30:00Z', outcome: 'ok' } });
  });

  it('windows end at the last whole hour (align hour) or the last UTC midnight (align day)', async () => {
    const inputs: TrendsInput[] = [];
    const spy = (async (_ctx: unknown, input: TrendsInput) => { inputs.push(input); return result([], 'spike'); }) as unknown as typeof trends;
    evaluator = new AlertEvaluator({ config: config(), ctx, logger: createLogger('silent'), runTrends: spy, now: () => NOW + 3 * 3_600 + 59 });
    await evaluator.evaluate();
    expect(inputs.map((i) => i.to)).toEqual([NOW - 1_800 + 3 * 3_600, Date.UTC(2024, 2, 11) / 1000]);
    expect(inputs[0].params).toMatchObject({ limit: 100, recentDays: 1, baselineDays: 28 });
  });
});

describe('failures', () => {
  it('a failing rule keeps its alerts firing; the other rule still runs and resolves', async () => {
    let fail = false;
    let freshPorts = [37215];
    const fake = (async (_ctx: unknown, input: TrendsInput) => {
      const isSpike = input.filters.sensor === 'a';
      if (isSpike && fail) throw new DarkscopeError('CLICKHOUSE_TIMEOUT', 'the query did not finish within 10 s');
      return isSpike ? result([23], 'spike') : result(freshPorts, 'newPort');
    }) as unknown as typeof trends;
    evaluator = new AlertEvaluator({ config: config(), ctx, logger: createLogger('silent'), runTrends: fake, now: () => NOW + 60 });
    const first = await evaluator.evaluate();
    expect(first).toMatchObject({ outcome: 'ok', transitions: 2 });
    expect(evaluator.firing().map((a) => a.id)).toEqual(['fresh:37215/tcp', 'spikes:23/tcp']);
    fail = true;
    freshPorts = [];
    const second = await evaluator.evaluate();
    expect(second).toMatchObject({
      outcome: 'partial', transitions: 1,
      rules: [{ rule: 'spikes', ok: false, listed: 0, error: 'DARKSCOPE_E_CLICKHOUSE_TIMEOUT' }, { rule: 'fresh', ok: true, listed: 0, error: null }],
    });
    expect(evaluator.firing().map((a) => a.id)).toEqual(['spikes:23/tcp']);
    expect(evaluator.recent().map((e) => [e.event, e.alert.id])).toEqual([['resolved', 'fresh:37215/tcp'], ['firing', 'fresh:37215/tcp'], ['firing', 'spikes:23/tcp']]);
  });

  it('stop() is bounded when a query hangs, and later notifications fail as shutdown but stay in the history', async () => {
    let release!: () => void;
    let released = false;
    const hang = (() => (released
      ? Promise.resolve(result([23], 'spike'))
      : new Promise<TrendsResult>((resolve) => { release = () => { released = true; resolve(result([23], 'spike')); }; }))) as unknown as typeof trends;
    evaluator = new AlertEvaluator({ config: config(), ctx, logger: createLogger('silent'), runTrends: hang, stopWaitMs: 100, drainMs: 100 });
    const running = evaluator.evaluate();
    const t = performance.now();
    await evaluator.stop();
    expect(performance.now() - t).toBeLessThan(1_000);
    release();
    await running;
    // the query finished after stop: its transitions are recorded, their deliveries failed as shutdown
    await new Promise((r) => setTimeout(r, 20));
    const history = evaluator.recent();
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((e) => e.deliveries.every((d) => d.status === 'failed' && d.reason === 'shutdown'))).toBe(true);
  });
});

describe('log target', () => {
  it('writes one line per notification (firing, then resolved) with the alert fields', async () => {
    const { stream, lines } = logLines();
    let ports = [23];
    const fake = (async () => result(ports, 'spike')) as unknown as typeof trends;
    const cfg = parseAlertsConfig('targets: [{name: log, type: log, level: warn}]\nrules: [{name: spikes, kind: spike}]\ngrafana: {url: "http://g"}\n', 'alerts.yaml');
    evaluator = new AlertEvaluator({ config: cfg, ctx, logger: createLogger('info', stream), runTrends: fake });
    await evaluator.evaluate();
    ports = [];
    await evaluator.evaluate();
    await evaluator.idle();
    const notes = lines().filter((l) => l.target === 'log');
    expect(notes.map((l) => [l.level, l.msg, l.alertId, l.event])).toEqual([
      [40, 'alert firing: 23/TCP (spikes)', 'spikes:23/tcp', 'firing'],
      [40, 'alert resolved: 23/TCP (spikes)', 'spikes:23/tcp', 'resolved'],
    ]);
    expect(notes[0]).toMatchObject({ module: 'alerts', rule: 'spikes', proto: 6, port: 23, zScore: 9, trendScore: 40, link: expect.stringMatching(/^http:\/\/g\/d\/darkscope-port\?var-proto=6&var-port=23/) });
    expect(evaluator.recent().flatMap((e) => e.deliveries.map((d) => d.status))).toEqual(['sent', 'sent']);
  });
});
