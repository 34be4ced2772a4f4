/**
 * alerts.yaml validation: the example file parses to the documented values,
 * defaults apply, and every mistake gets one exact message naming the file,
 * the path in the YAML and what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_DEFAULTS, loadAlertsFile, parseAlertsConfig, type WebhookTarget } from '../../src/alerts/config.js';
import { formatDuration, parseDuration } from '../../src/alerts/duration.js';
import { ErrorCodes, isDarkscopeError } from '../../src/errors.js';

const SECRET = 'k'.repeat(32);
const TARGETS = `targets:
  - name: hook
    type: webhook
    url: http://127.0.0.1:9/x
  - name: log
    type: log
`;
const RULE = `rules:
  - name: spikes
    kind: spike
`;

function messageOf(text: string, env: Record<string, string> = {}): string {
  try {
    parseAlertsConfig(text, 'alerts.yaml', env);
  } catch (e) {
    if (!isDarkscopeError(e)) throw e;
    expect(e.code).toBe(ErrorCodes.BAD_ALERTS_FILE.code);
    return e.message;
  }
  throw new Error('expected the alerts file to be rejected');
}

describe('durations', () => {
  it('parses a whole number and a unit, and formats back with the largest exact unit', () => {
    expect(['250ms', '30s', '5m', '6h', '1d', '0', ' 2m '].map(parseDuration)).toEqual([250, 30_000, 300_000, 21_600_000, 86_400_000, 0, 120_000]);
    expect(['5', '5 m', '1.5h', 'm', '-1s', ''].map(parseDuration)).toEqual([null, null, null, null, null, null]);
    expect([300_000, 1_500, 86_400_000, 0, 90_000].map(formatDuration)).toEqual(['5m', '1500ms', '1d', '0', '90s']);
  });
});

describe('a valid file', () => {
  it('examples/alerts.yaml parses to what its comments say', async () => {
    const c = await loadAlertsFile('examples/alerts.yaml', { DARKSCOPE_ALERT_WEBHOOK_SECRET: SECRET });
    expect(c).toMatchObject({ file: 'examples/alerts.yaml', intervalMs: 300_000, historySize: 1_000, grafana: { url: 'http://localhost:3000', dashboardUid: 'darkscope-port' } });
    expect(c.targets.map((t) => [t.name, t.type])).toEqual([['ops-webhook', 'webhook'], ['log', 'log']]);
    const hook = c.targets[0] as WebhookTarget;
    expect(hook).toMatchObject({ url: 'https://hooks.example.org/darkscope', timeoutMs: 5_000, retries: 3, backoffMs: 1_000 });
    expect(hook.secret).toBe(SECRET);
    expect(c.rules.map((r) => [r.name, r.kind, r.align, r.cooldownMs, r.targets])).toEqual([
      ['port-spike', 'spike', 'hour', 21_600_000, ['ops-webhook', 'log']],
      ['new-port', 'newPort', 'day', 21_600_000, ['ops-webhook', 'log']],
    ]);
    expect(c.rules[0].filters).toEqual({ proto: 6, excludeLabels: ['research'] });
    expect(c.rules[0].params).toMatchObject({ recentDays: 1, baselineDays: 28, trendThreshold: 10, zThreshold: 3.5, minPackets: 100, limit: 100 });
    expect(c.rules[1].params).toMatchObject({ baselineDays: 14, minSources: 20 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.rules[0]) && Object.isFrozen(c.targets[0])).toBe(true);
  });

  it('the secret stays out of JSON and inspection', () => {
    const c = parseAlertsConfig(`${TARGETS.replace('url: http://127.0.0.1:9/x', `url: http://127.0.0.1:9/x\n    secret: "${SECRET}"`)}${RULE}`, 'alerts.yaml');
    expect((c.targets[0] as WebhookTarget).secret).toBe(SECRET);
    expect(JSON.stringify(c)).not.toContain(SECRET);
  });

  it('defaults: 5m interval, 6h cooldown, every target, hour alignment, limit 100, no Grafana link', () => {
    const c = parseAlertsConfig(TARGETS + RULE, 'alerts.yaml');
    expect(c).toMatchObject({ intervalMs: ALERT_DEFAULTS.intervalMs, historySize: 1_000, grafana: null });
    expect(c.rules[0]).toMatchObject({ align: 'hour', cooldownMs: 6 * 3_600_000, targets: ['hook', 'log'], filters: {} });
    expect(c.rules[0].params).toEqual({ recentDays: 1, baselineDays: 28, trendThreshold: 10, zThreshold: 3.5, minPackets: 100, minSources: 10, limit: 100 });
    expect(c.targets[0]).toMatchObject({ secret: null, timeoutMs: 5_000, retries: 3, backoffMs: 1_000 });
    expect(c.targets[1]).toEqual({ name: 'log', type: 'log', level: 'warn' });
  });

  it('a rule cooldown overrides the top-level one; the Grafana URL loses its trailing slash', () => {
    const c = parseAlertsConfig(`cooldown: 1h\ngrafana: {url: "https://g.example/grafana/"}\n${TARGETS}${RULE}    cooldown: 0\n  - name: other\n    kind: newPort\n`, 'alerts.yaml');
    expect(c.rules.map((r) => r.cooldownMs)).toEqual([0, 3_600_000]);
    expect(c.grafana).toEqual({ url: 'https://g.example/grafana', dashboardUid: 'darkscope-port' });
  });
});

describe('exact messages', () => {
  const cases: Array<[string, string, string]> = [
    ['YAML syntax, with line and column', 'targets: [\n', 'alerts.yaml line 2, column 1: '],
    ['duplicate keys', `interval: 5m\ninterval: 6m\n${TARGETS}${RULE}`, 'alerts.yaml line 2, column 1: Map keys must be unique'],
    ['an empty file', '# nothing\n', 'alerts.yaml: the file is empty; it needs "rules" and "targets"'],
    ['a list at the top', '- a\n', 'alerts.yaml: the top level must be a mapping (interval, cooldown, historySize, grafana, targets, rules), not a list'],
    ['an unknown top-level field', `intervall: 5m\n${TARGETS}${RULE}`, 'alerts.yaml: intervall is not a known field (known: interval, cooldown, historySize, grafana, targets, rules)'],
    ['no targets', RULE, 'alerts.yaml: the file is missing "targets"'],
    ['no rules', TARGETS, 'alerts.yaml: the file is missing "rules"'],
    ['empty rules', `${TARGETS}rules: []\n`, 'alerts.yaml: rules is empty; it needs at least one entry'],
    ['rules not a list', `${TARGETS}rules: {name: a}\n`, 'alerts.yaml: rules must be a list, not a mapping'],
    ['interval not a duration', `interval: 5 minutes\n${TARGETS}${RULE}`, 'alerts.yaml: interval "5 minutes" is not a duration (write e.g. 500ms, 30s, 5m, 6h, 1d)'],
    ['interval too short', `interval: 500ms\n${TARGETS}${RULE}`, 'alerts.yaml: interval value 500ms is less than min allowed 1s'],
    ['cooldown too long', `cooldown: 31d\n${TARGETS}${RULE}`, 'alerts.yaml: cooldown value 31d is more than max allowed 30d'],
    ['historySize not an integer', `historySize: 10.5\n${TARGETS}${RULE}`, 'alerts.yaml: historySize value 10.5 is not an integer'],
    ['historySize zero', `historySize: 0\n${TARGETS}${RULE}`, 'alerts.yaml: historySize value 0 is less than min allowed 1'],
    ['a rule without a name', `${TARGETS}rules:\n  - kind: spike\n`, 'alerts.yaml: rules[0] is missing "name"'],
    ['a rule without a kind', `${TARGETS}rules:\n  - name: a\n`, 'alerts.yaml: rules[0] is missing "kind"'],
    ['a bad kind', `${TARGETS}rules:\n  - name: a\n    kind: spikes\n`, 'alerts.yaml: rules[0].kind "spikes" must be one of spike, newPort'],
    ['a bad rule name', `${TARGETS}rules:\n  - name: "port spike"\n    kind: spike\n`, 'alerts.yaml: rules[0].name "port spike" must be 1-63 letters, digits, _ . - (starting with a letter or digit)'],
    ['a duplicate rule name', `${TARGETS}${RULE}  - name: spikes\n    kind: newPort\n`, 'alerts.yaml: rules[1].name "spikes" is already used by rules[0]'],
    ['a typo in a rule', `${TARGETS}${RULE}    treshold: 5\n`, 'alerts.yaml: rules[0].treshold is not a known field (known: name, kind, filters, align, cooldown, targets, recentDays, baselineDays, trendThreshold, zThreshold, minPackets, minSources, limit)'],
    ['recentDays out of range', `${TARGETS}${RULE}    recentDays: 0\n`, 'alerts.yaml: rules[0].recentDays value 0 is less than min allowed 1'],
    ['baselineDays out of range', `${TARGETS}${RULE}    baselineDays: 400\n`, 'alerts.yaml: rules[0].baselineDays value 400 is more than max allowed 365'],
    ['a threshold as text', `${TARGETS}${RULE}    zThreshold: high\n`, 'alerts.yaml: rules[0].zThreshold value "high" is not a number'],
    ['a parameter of the other kind', `${TARGETS}${RULE}    minSources: 20\n`, 'alerts.yaml: rules[0].minSources does not apply to kind spike (only to newPort)'],
    ['a bad align', `${TARGETS}${RULE}    align: week\n`, 'alerts.yaml: rules[0].align "week" must be one of hour, day'],
    ['an unknown target', `${TARGETS}${RULE}    targets: [hook, pager]\n`, 'alerts.yaml: rules[0].targets[1] "pager" names no target (targets: hook, log)'],
    ['no targets for a rule', `${TARGETS}${RULE}    targets: []\n`, 'alerts.yaml: rules[0].targets is empty; name at least one target'],
    ['a bad filter value (the API\'s message)', `${TARGETS}${RULE}    filters: {proto: tcpp}\n`, 'alerts.yaml: rules[0].filters.proto "tcpp" must be tcp, udp, icmp, icmpv6, sctp, gre, esp or a number 0..255'],
    ['a bad country', `${TARGETS}${RULE}    filters: {country: Japan}\n`, 'alerts.yaml: rules[0].filters.country "Japan" must be a two-letter ISO 3166 code such as JP'],
    ['an unknown filter', `${TARGETS}${RULE}    filters: {exclude_label: research}\n`, 'alerts.yaml: rules[0].filters.exclude_label is not a known field (known: sensor, proto, port, class, tool, label, excludeLabel, country, asn)'],
    ['a non-string label in a list', `${TARGETS}${RULE}    filters: {excludeLabel: [research, 7]}\n`, 'alerts.yaml: rules[0].filters.excludeLabel[1] must be a string, not 7'],
    ['a non-string sensor', `${TARGETS}${RULE}    filters: {sensor: [a]}\n`, 'alerts.yaml: rules[0].filters.sensor must be a string, not a list'],
    ['filters not a mapping', `${TARGETS}${RULE}    filters: tcp\n`, 'alerts.yaml: rules[0].filters must be a mapping (sensor, proto, port, class, tool, label, excludeLabel, country, asn), not "tcp"'],
    ['a target without a type', `targets:\n  - name: x\n${RULE}`, 'alerts.yaml: targets[0] is missing "type"'],
    ['a bad target type', `targets:\n  - name: x\n    type: email\n${RULE}`, 'alerts.yaml: targets[0].type "email" must be one of webhook, log'],
    ['a webhook without a URL', `targets:\n  - name: x\n    type: webhook\n${RULE}`, 'alerts.yaml: targets[0] is missing "url"'],
    ['a webhook URL that is not http', `targets:\n  - name: x\n    type: webhook\n    url: ftp://example.org/\n${RULE}`, 'alerts.yaml: targets[0].url "ftp://example.org/" must use http or https'],
    ['a webhook URL that is not a URL', `targets:\n  - name: x\n    type: webhook\n    url: hooks.example.org\n${RULE}`, 'alerts.yaml: targets[0].url "hooks.example.org" is not a valid URL'],
    ['a log field on a webhook', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    level: info\n${RULE}`, 'alerts.yaml: targets[0].level is not a known field (known: name, type, url, secret, secretEnv, timeout, retries, backoff)'],
    ['a bad log level', `targets:\n  - name: x\n    type: log\n    level: debug\n${RULE}`, 'alerts.yaml: targets[0].level "debug" must be one of info, warn, error'],
    ['timeout too short', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    timeout: 10ms\n${RULE}`, 'alerts.yaml: targets[0].timeout value 10ms is less than min allowed 100ms'],
    ['too many retries', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    retries: 11\n${RULE}`, 'alerts.yaml: targets[0].retries value 11 is more than max allowed 10'],
    ['a short secret (never echoed)', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    secret: hunter2\n${RULE}`, 'alerts.yaml: targets[0].secret has 7 characters, fewer than min allowed 16'],
    ['secret and secretEnv', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    secret: "${SECRET}"\n    secretEnv: S\n${RULE}`, 'alerts.yaml: targets[0] has both "secret" and "secretEnv"; keep one'],
    ['an unset secretEnv', `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    secretEnv: HOOK_SECRET\n${RULE}`, 'alerts.yaml: targets[0].secretEnv names "HOOK_SECRET", which is not set (or empty) in the environment'],
    ['a duplicate target name', `targets:\n  - {name: x, type: log}\n  - {name: x, type: log}\n${RULE}`, 'alerts.yaml: targets[1].name "x" is already used by targets[0]'],
    ['grafana without a URL', `grafana: {dashboardUid: abc}\n${TARGETS}${RULE}`, 'alerts.yaml: grafana is missing "url"'],
    ['a bad dashboard uid', `grafana: {url: "http://g/", dashboardUid: "a b"}\n${TARGETS}${RULE}`, 'alerts.yaml: grafana.dashboardUid "a b" must be 1-40 letters, digits, _ or -'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const message = messageOf(text);
    if (expected.endsWith(': ')) expect(message.startsWith(expected)).toBe(true);
    else expect(message).toBe(expected);
  });

  it('secretEnv reads the environment given, not process.env', () => {
    const text = `targets:\n  - name: x\n    type: webhook\n    url: http://a/\n    secretEnv: HOOK_SECRET\n${RULE}`;
    const c = parseAlertsConfig(text, 'alerts.yaml', { HOOK_SECRET: SECRET });
    expect((c.targets[0] as WebhookTarget).secret).toBe(SECRET);
    expect(messageOf(text, { HOOK_SECRET: 'short' })).toBe('alerts.yaml: targets[0].secretEnv has 5 characters, fewer than min allowed 16');
  });

  it('a file that cannot be read names the path and the reason', async () => {
    await expect(loadAlertsFile('/nonexistent/alerts.yaml')).rejects.toMatchObject({
      code: 'DARKSCOPE_E_BAD_ALERTS_FILE', message: '/nonexistent/alerts.yaml: cannot read the alerts file (ENOENT)',
    });
  });
});
