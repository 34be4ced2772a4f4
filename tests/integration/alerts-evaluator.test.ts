/**
 * Alerts end to end on a real database, with local webhook receivers
 * (node:http on 127.0.0.1).
 *
 * Data (sensor "spiky", the trends test's pattern): a 28-day baseline for
 * 80/TCP and 23/TCP (day i: 100 + (7i mod 21) packets from 20 + (i mod 5)
 * sources to 50 targets, around 12:00 UTC); on the recent day (2024-03-10)
 * 23/TCP jumps to 1500 packets from 300 sources to 200 targets and 37215/TCP
 * appears (120 packets, 40 sources). Evaluated at NOW = 2024-03-11 00:00 the
 * rules list 23/TCP (spike) and 37215/TCP (new port); evaluated two days
 * later the recent window is empty and both resolve.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertsConfig, type AlertsConfig } from '../../src/alerts/config.js';
import { AlertEvaluator, type AlertingEvent } from '../../src/alerts/evaluator.js';
import type { Notification } from '../../src/alerts/notification.js';
import { verifySignature } from '../../src/alerts/signature.js';
import { buildApp, type DarkscopeApp } from '../../src/api/app.js';
import { runServe } from '../../src/cli/commands/serve.js';
import type { CliContext } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { queryContext } from '../../src/query/runner.js';
import { migrate } from '../../src/store/migrate.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { receiver, type Receiver } from './helpers/webhook-receiver.js';
import { dayStart, insertRows, type RawRow } from './helpers/packets.js';

const NOW = dayStart('2024-03-11');
const LATER = NOW + 2 * 86_400;
const FIRST = dayStart('2024-02-11');
const DAY = 86_400;
const ZERO16 = new Uint8Array(16);
const SECRET = 'integration-webhook-secret-0123';
const TOKEN = 'alerts-test-token-0123456789';

let seq = 0;
function packets(dayIndex: number, dport: number, n: number, sources: number, targets: number, srcBase: number): RawRow[] {
  const out: RawRow[] = [];
  for (let j = 0; j < n; j++) {
    out.push({
      sensor: 'spiky', ts: FIRST + dayIndex * DAY + 12 * 3_600 + j, ts_us: 0, ip_version: 4, src: srcBase + (j % sources), dst: 0xc6336400 + (j % targets),
      src6: ZERO16, dst6: ZERO16, proto: 6, sport: 50000, dport, tcp_flags: 2, class: 'scan', tool: 'none', label: '', country: 'CN', asn: 4134,
      ttl: 64, ip_id: 1, tcp_seq: 1, tcp_window: 1024, tcp_options: 0, ip_len: 40, icmp_type: 0, icmp_code: 0, fragment: 0, tool_rules: 1,
      batch_key: 1n, record_index: BigInt(seq++),
    });
  }
  return out;
}

function seed(): RawRow[] {
  const base = (i: number, dport: number) => packets(i, dport, 100 + ((7 * i) % 21), 20 + (i % 5), 50, 0x0a000000 + dport * 256);
  const out: RawRow[] = [];
  for (let i = 0; i < 28; i++) out.push(...base(i, 80), ...base(i, 23));
  out.push(...base(28, 80));
  out.push(...packets(28, 23, 1500, 300, 200, 0x0b000000));
  out.push(...packets(28, 37215, 120, 40, 60, 0x0c000000));
  return out;
}

// ------------------------------------------------------------ receivers

/** A URL nothing listens on: a port that was just bound and released. */
async function closedUrl(): Promise<string> {
  const r = await receiver();
  const url = r.url;
  await r.close();
  return url;
}

const notifications = (r: Receiver): Notification[] => r.received.map((x) => JSON.parse(x.raw) as Notification);

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const RULES = `
rules:
  - name: port-spike
    kind: spike
    filters: {sensor: spiky}
  - name: new-port
    kind: newPort
    filters: {sensor: spiky}
`;

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase('alerts', { create: false });
  await migrate(db.store);
  await insertRows(db.store, seed(), 100_000);
}, 120_000);

afterAll(async () => {
  await db?.dispose();
});

describe('through the app: webhook, dedupe, resolution, GET /api/v1/alerts, /metrics', () => {
  let hook: Receiver;
  let app: DarkscopeApp;
  let now = NOW;

  beforeAll(async () => {
    hook = await receiver();
    const alerts = parseAlertsConfig(`
cooldown: 1h
grafana: {url: "https://grafana.example"}
targets:
  - {name: hook, type: webhook, url: "${hook.url}", secret: "${SECRET}", timeout: 2s, retries: 1, backoff: 50ms}
${RULES}`, 'alerts.yaml');
    app = await buildApp({
      config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0', DARKSCOPE_API_TOKENS: TOKEN }),
      store: db.store, logger: createLogger('silent'), now: () => now, defaultMetrics: false, alerts,
    });
  });

  afterAll(async () => {
    await app?.close();
    await hook?.close();
  });

  it('a firing alert reaches the webhook once, with the right fields and a valid signature', async () => {
    const report = await app.alerts!.evaluate();
    expect(report).toMatchObject({ at: '2024-03-11T00:00:00Z', outcome: 'ok', transitions: 2, rules: [{ rule: 'port-spike', ok: true, listed: 1 }, { rule: 'new-port', ok: true, listed: 1 }] });
    await app.alerts!.idle();
    expect(hook.received).toHaveLength(2);
    for (const r of hook.received) {
      expect(verifySignature(SECRET, r.raw, r.headers['x-darkscope-signature'] as string)).toBe(true);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-darkscope-event']).toBe('firing');
      expect(r.headers['x-darkscope-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const [spike, fresh] = notifications(hook);
    const s = 20 + 53 / 28;
    expect(spike).toMatchObject({
      version: 1, event: 'firing', repeat: 0, at: '2024-03-11T00:00:00Z',
      alert: {
        id: 'port-spike:23/tcp', rule: 'port-spike', kind: 'spike', state: 'firing', proto: 6, port: 23, label: '23/TCP', service: 'telnet',
        scores: { reasons: ['trend', 'zscore'] }, recent: { packets: 1500, sources: 300, targets: 200 }, baseline: { packets: 107, targets: 50 },
        window: { grain: 'day', baseline: { from: '2024-02-11T00:00:00Z', to: '2024-03-10T00:00:00Z' }, recent: { from: '2024-03-10T00:00:00Z', to: '2024-03-11T00:00:00Z' } },
        filters: { sensor: 'spiky' }, firedAt: '2024-03-11T00:00:00Z', resolvedAt: null,
        link: `https://grafana.example/d/darkscope-port?var-proto=6&var-port=23&var-sensor=spiky&var-exclude_label=(none)&from=${FIRST * 1000}&to=${NOW * 1000}`,
      },
    });
    expect(spike.alert.scores.trendScore).toBeCloseTo(Math.sqrt((300 - s) ** 2 / s + 150 ** 2 / 50), 6);
    expect(spike.alert.scores.zScore).toBeCloseTo((1500 - 107) / (1.4826 * 7), 6);
    expect(fresh.alert).toMatchObject({ id: 'new-port:37215/tcp', kind: 'newPort', port: 37215, scores: { trendScore: null, reasons: ['new'] }, recent: { packets: 120, sources: 40 } });
  });

  it('the same ports at the next evaluation are deduplicated (cooldown 1h)', async () => {
    now = NOW + 300;
    expect(await app.alerts!.evaluate()).toMatchObject({ outcome: 'ok', transitions: 0, deduplicated: 2 });
    await app.alerts!.idle();
    expect(hook.received).toHaveLength(2);
  });

  it('GET /api/v1/alerts lists the firing alerts and the history (bearer token required)', async () => {
    expect((await app.inject({ url: '/api/v1/alerts' })).statusCode).toBe(401);
    const r = await app.inject({ url: '/api/v1/alerts', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({
      evaluation: { interval: '5m', started: false, running: false, evaluations: 2, skipped: 0, pendingDeliveries: 0, last: { at: '2024-03-11T00:05:00Z', deduplicated: 2 } },
    });
    expect(body.firing.map((a: { id: string; lastSeenAt: string }) => [a.id, a.lastSeenAt])).toEqual([
      ['new-port:37215/tcp', '2024-03-11T00:05:00Z'], ['port-spike:23/tcp', '2024-03-11T00:05:00Z'],
    ]);
    expect(body.firing[1]).toMatchObject({ state: 'firing', port: 23, scores: { reasons: ['trend', 'zscore'] }, link: expect.stringContaining('/d/darkscope-port?') });
    expect(body.recent).toMatchObject([
      { seq: 2, event: 'firing', alert: { id: 'new-port:37215/tcp' }, deliveries: [{ target: 'hook', type: 'webhook', status: 'sent', attempts: 1, reason: null }] },
      { seq: 1, event: 'firing', alert: { id: 'port-spike:23/tcp' }, deliveries: [{ target: 'hook', status: 'sent' }] },
    ]);
    const one = await app.inject({ url: '/api/v1/alerts?limit=1', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(one.json().recent).toHaveLength(1);
    const bad = await app.inject({ url: '/api/v1/alerts?limit=0', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bad.statusCode).toBe(400);
    const spec = (await app.inject({ url: '/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } })).json() as { paths: Record<string, { get: { parameters: Array<{ name: string }> } }> };
    expect(spec.paths['/api/v1/alerts'].get.parameters.map((p) => p.name)).toEqual(['limit']);
  });

  it('when the spike data is gone (evaluated two days later) the resolution is notified', async () => {
    now = LATER;
    expect(await app.alerts!.evaluate()).toMatchObject({ outcome: 'ok', transitions: 2, rules: [{ listed: 0 }, { listed: 0 }] });
    await app.alerts!.idle();
    const resolved = notifications(hook).slice(2);
    expect(resolved.map((n) => [n.event, n.alert.id, n.alert.state, n.alert.firedAt, n.alert.resolvedAt])).toEqual([
      ['resolved', 'port-spike:23/tcp', 'resolved', '2024-03-11T00:00:00Z', '2024-03-13T00:00:00Z'],
      ['resolved', 'new-port:37215/tcp', 'resolved', '2024-03-11T00:00:00Z', '2024-03-13T00:00:00Z'],
    ]);
    expect(hook.received.slice(2).every((r) => r.headers['x-darkscope-event'] === 'resolved' && verifySignature(SECRET, r.raw, r.headers['x-darkscope-signature'] as string))).toBe(true);
    const body = (await app.inject({ url: '/api/v1/alerts', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(body.firing).toEqual([]);
    expect(body.recent.map((e: { event: string }) => e.event)).toEqual(['resolved', 'resolved', 'firing', 'firing']);
  });

  it('/metrics counts alerts by rule and notifications by target type, with no port labels', async () => {
    const text = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    expect(text).toContain('darkscope_alerts_firing{rule="port-spike"} 0');
    expect(text).toContain('darkscope_alerts_firing{rule="new-port"} 0');
    expect(text).toContain('darkscope_alert_notifications_sent_total{target_type="webhook"} 4');
    expect(text).toContain('darkscope_alert_transitions_total{event="firing"} 2');
    expect(text).toContain('darkscope_alert_transitions_total{event="resolved"} 2');
    expect(text).toContain('darkscope_alert_evaluations_total{outcome="ok"} 3');
    expect(text).not.toMatch(/^darkscope_alert\w*\{[^}]*port=/m);
    expect(text).not.toContain('37215');
  });
});

describe('failing receivers: retries, evaluation not blocked, nothing lost from the history', () => {
  let ok: Receiver;
  let slow: Receiver;
  let evaluator: AlertEvaluator;
  let now = NOW;
  const events: AlertingEvent[] = [];

  beforeAll(async () => {
    ok = await receiver();
    slow = await receiver({ delayMs: 3_000 });
    const dead = await closedUrl();
    const config: AlertsConfig = parseAlertsConfig(`
cooldown: 1h
targets:
  - {name: dead, type: webhook, url: "${dead}", timeout: 300ms, retries: 2, backoff: 50ms}
  - {name: slow, type: webhook, url: "${slow.url}", timeout: 1s, retries: 1, backoff: 50ms}
  - {name: ok, type: webhook, url: "${ok.url}", timeout: 2s}
${RULES}`, 'alerts.yaml');
    evaluator = new AlertEvaluator({
      // 100 ms between evaluations: far shorter than the slow receiver's deliveries
      config: { ...config, intervalMs: 100 },
      ctx: queryContext(loadConfig({}), db.store, { now: () => now }),
      logger: createLogger('silent'),
    });
    evaluator.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await evaluator?.stop();
    await ok?.close();
    await slow?.close();
  });

  it('keeps evaluating on schedule while deliveries retry; the healthy target is not held up', async () => {
    evaluator.start();
    // The first evaluation fires 2 alerts → 2 deliveries per target.
    await until(() => ok.received.length === 2, 5_000);
    // While the slow target is still working through its queue (each delivery 1000 + 50 + 1000 ms) ...
    await until(() => evaluator.status().evaluations >= 4, 5_000);
    const status = evaluator.status();
    expect(status.pendingDeliveries).toBeGreaterThan(0);
    // ... and the healthy receiver had both before the slow one gave up on the first.
    expect(events.some((e) => e.type === 'delivery' && e.report.target === 'slow')).toBe(false);
    await evaluator.idle();
    expect(evaluator.status().evaluations).toBeGreaterThan(status.evaluations);
  });

  it('retried: the closed port 3 attempts (network), the slow receiver 2 (timeout)', () => {
    const deliveries = events.flatMap((e) => (e.type === 'delivery' ? [e.report] : []));
    const by = (target: string) => deliveries.filter((d) => d.target === target).map((d) => d.result);
    expect(by('dead')).toEqual([
      expect.objectContaining({ ok: false, attempts: 3, reason: 'network', error: 'ECONNREFUSED' }),
      expect.objectContaining({ ok: false, attempts: 3, reason: 'network' }),
    ]);
    expect(by('slow')).toEqual([
      expect.objectContaining({ ok: false, attempts: 2, reason: 'timeout' }),
      expect.objectContaining({ ok: false, attempts: 2, reason: 'timeout' }),
    ]);
    expect(by('ok')).toEqual([expect.objectContaining({ ok: true, attempts: 1, status: 204 }), expect.objectContaining({ ok: true, attempts: 1 })]);
    // the slow receiver saw every attempt, with the same delivery id and body on the retry
    expect(slow.received).toHaveLength(4);
    expect(slow.received[0].headers['x-darkscope-delivery']).toBe(slow.received[1].headers['x-darkscope-delivery']);
    expect(slow.received[0].raw).toBe(slow.received[1].raw);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2 * 2 + 2 * 1);
  });

  it('the history keeps both alerts with each target\'s outcome; resolution is recorded too', async () => {
    const fired = evaluator.recent();
    expect(fired.map((e) => [e.event, e.alert.id])).toEqual([['firing', 'new-port:37215/tcp'], ['firing', 'port-spike:23/tcp']]);
    for (const e of fired) {
      expect(e.deliveries).toEqual([
        { target: 'dead', type: 'webhook', status: 'failed', attempts: 3, reason: 'network' },
        { target: 'slow', type: 'webhook', status: 'failed', attempts: 2, reason: 'timeout' },
        { target: 'ok', type: 'webhook', status: 'sent', attempts: 1, reason: null },
      ]);
    }
    expect(evaluator.firing()).toHaveLength(2);
    now = LATER;
    await until(() => evaluator.firing().length === 0, 5_000);
    const all = evaluator.recent();
    expect(all.slice(0, 2).map((e) => [e.event, e.alert.id, e.alert.resolvedAt])).toEqual([
      ['resolved', 'new-port:37215/tcp', '2024-03-13T00:00:00Z'], ['resolved', 'port-spike:23/tcp', '2024-03-13T00:00:00Z'],
    ]);
    await until(() => ok.received.length === 4, 5_000);
    expect(notifications(ok).slice(2).map((n) => n.event)).toEqual(['resolved', 'resolved']);
  });
});

describe('darkscope serve --alerts', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'darkscope-alerts-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  function cli(env: Record<string, string> = {}): { ctx: CliContext; log: () => string } {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (c: Buffer) => { text += c.toString(); });
    return {
      ctx: { env: { HOME: '/nonexistent', DARKSCOPE_LOG_LEVEL: 'warn', ...env }, stdout: new PassThrough(), stderr, stdin: (async function* () {})(), isTTY: false },
      log: () => text,
    };
  }

  it('evaluates on start, serves GET /api/v1/alerts, and stops the evaluator on shutdown', async () => {
    const file = join(dir, 'alerts.yaml');
    await writeFile(file, `interval: 1m\ntargets:\n  - {name: hook, type: webhook, url: "http://127.0.0.1:9/", secretEnv: HOOK_SECRET}\n${RULES}`);
    const { ctx, log } = cli({ HOOK_SECRET: SECRET });
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
    let url = '';
    let exit: number | undefined;
    await new Promise<void>((resolve) => {
      void runServe(ctx, { clickhouseUrl: db.url, database: db.name, port: '0', alerts: file },
        { stopSignal, onListening: (u) => { url = u; resolve(); } }).then((code) => { exit = code; });
    });
    expect(log()).toContain(`alerts: 2 rule(s) from ${file} every 1m; GET ${url}/api/v1/alerts`);
    await expect.poll(async () => ((await (await fetch(`${url}/api/v1/alerts`)).json()) as { evaluation: { evaluations: number } }).evaluation.evaluations, { timeout: 10_000 }).toBe(1);
    const body = await (await fetch(`${url}/api/v1/alerts`)).json();
    // today's windows hold none of the 2024 data: nothing fires
    expect(body).toMatchObject({ evaluation: { interval: '1m', started: true, last: { outcome: 'ok' } }, firing: [], recent: [] });
    stop();
    await expect.poll(() => exit, { timeout: 10_000 }).toBe(0);
  });

  it('a bad alerts file stops serve before it connects, with the exact message', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, `targets: [{name: log, type: log}]\nrules: [{name: r, kind: spike, zThreshold: -1}]\n`);
    const { ctx } = cli();
    await expect(runServe(ctx, { clickhouseUrl: 'http://127.0.0.1:9', port: '0', alerts: file })).rejects.toMatchObject({
      code: 'DARKSCOPE_E_BAD_ALERTS_FILE', message: `${file}: rules[0].zThreshold value -1 is less than min allowed 0`,
    });
  });

  it('without --alerts, GET /api/v1/alerts is a 404 that says so, and not in /openapi.json', async () => {
    const app = await buildApp({ config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0' }), store: db.store, logger: createLogger('silent'), defaultMetrics: false });
    try {
      const r = await app.inject({ url: '/api/v1/alerts' });
      expect(r.statusCode).toBe(404);
      expect(r.json().error).toMatchObject({ code: 'DARKSCOPE_E_NOT_FOUND', message: 'alerts are not enabled on this server: start it with `darkscope serve --alerts alerts.yaml`' });
      expect(app.alerts).toBeNull();
      const spec = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
      expect(Object.keys(spec.paths)).not.toContain('/api/v1/alerts');
    } finally {
      await app.close();
    }
  });
});
