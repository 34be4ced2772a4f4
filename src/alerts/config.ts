/**
 * alerts.yaml: what `darkscope serve --alerts` evaluates and where it sends
 * notifications. Parsed once, validated with exact messages that name the
 * file, the path in the YAML and what is wrong, then frozen:
 *
 *   alerts.yaml: rules[0].recentDays value 0 is less than min allowed 1
 *   alerts.yaml: targets[1].url "ftp://x" must use http or https
 *   alerts.yaml line 4, column 3: Map keys must be unique
 *
 * Every field is documented in examples/alerts.yaml. Secrets (a webhook's
 * `secret`, or the variable `secretEnv` names) live only here and in the
 * signer; nothing logs this object.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { DarkscopeError, isDarkscopeError } from '../errors.js';
import { parseFilters, type FilterInput, type QueryFilters } from '../query/filters.js';
import { DEFAULT_TREND_PARAMS, trendParams, type TrendParams } from '../query/trends.js';
import { formatDuration, parseDuration } from './duration.js';

export type RuleKind = 'spike' | 'newPort';
/** Where the recent window ends: the last whole hour (hour rollups) or the last UTC midnight (day rollups). */
export type WindowAlign = 'hour' | 'day';

export interface AlertRule {
  /** Unique; part of every alert id (`<rule>:<proto>/<port>`). */
  readonly name: string;
  readonly kind: RuleKind;
  readonly filters: QueryFilters;
  /** The trends query's windows and thresholds (src/query/trends.ts). */
  readonly params: TrendParams;
  readonly align: WindowAlign;
  /** While an alert stays firing, at most one firing notification per cooldown. */
  readonly cooldownMs: number;
  /** Names of the targets this rule notifies. */
  readonly targets: readonly string[];
}

export interface WebhookTarget {
  readonly name: string;
  readonly type: 'webhook';
  readonly url: string;
  /** HMAC-SHA256 key for the X-Darkscope-Signature header; null = unsigned. */
  readonly secret: string | null;
  /** Per attempt: connect, send, and the complete response. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for retriable failures only. */
  readonly retries: number;
  /** Wait before retry n: backoff · 2^(n−1), at most 30 s. */
  readonly backoffMs: number;
}

export interface LogTarget {
  readonly name: string;
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
}

export type AlertTarget = WebhookTarget | LogTarget;
export type TargetType = AlertTarget['type'];
export const TARGET_TYPES: readonly TargetType[] = Object.freeze(['webhook', 'log']);

export interface GrafanaLinkConfig {
  /** Base URL of Grafana, without a trailing slash. */
  readonly url: string;
  /** uid of the port drill-down dashboard (dashboards/json/port.json). */
  readonly dashboardUid: string;
}

export interface AlertsConfig {
  /** The file it came from, as given (for messages). */
  readonly file: string;
  readonly intervalMs: number;
  /** Alerts kept in GET /api/v1/alerts's recent list (oldest dropped first). */
  readonly historySize: number;
  /** null: alerts carry no dashboard link. */
  readonly grafana: GrafanaLinkConfig | null;
  readonly targets: readonly AlertTarget[];
  readonly rules: readonly AlertRule[];
}

export const ALERT_DEFAULTS = Object.freeze({
  intervalMs: 300_000,
  cooldownMs: 6 * 3_600_000,
  historySize: 1_000,
  dashboardUid: 'darkscope-port',
  align: 'hour' as WindowAlign,
  /** More than the trends default (20): a firing port that drops out of the list would read as resolved. */
  limit: 100,
  timeoutMs: 5_000,
  retries: 3,
  backoffMs: 1_000,
});

type Env = Readonly<Record<string, string | undefined>>;
type Plain = Record<string, unknown>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const UID = /^[A-Za-z0-9_-]{1,40}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const TOP_FIELDS = ['interval', 'cooldown', 'historySize', 'grafana', 'targets', 'rules'];
const GRAFANA_FIELDS = ['url', 'dashboardUid'];
const FILTER_FIELDS = ['sensor', 'proto', 'port', 'class', 'tool', 'label', 'excludeLabel', 'country', 'asn'];
const WEBHOOK_FIELDS = ['name', 'type', 'url', 'secret', 'secretEnv', 'timeout', 'retries', 'backoff'];
const LOG_FIELDS = ['name', 'type', 'level'];

/** Each trend parameter: the kinds it applies to and its range (the same as the trends query's). */
const PARAMS: ReadonlyArray<{ key: keyof TrendParams; kinds: readonly RuleKind[]; min: number; max: number; integer: boolean }> = [
  { key: 'recentDays', kinds: ['spike', 'newPort'], min: 1, max: 30, integer: true },
  { key: 'baselineDays', kinds: ['spike', 'newPort'], min: 2, max: 365, integer: true },
  { key: 'trendThreshold', kinds: ['spike'], min: 0, max: 1e9, integer: false },
  { key: 'zThreshold', kinds: ['spike'], min: 0, max: 1e9, integer: false },
  { key: 'minPackets', kinds: ['spike', 'newPort'], min: 0, max: 1e12, integer: true },
  { key: 'minSources', kinds: ['newPort'], min: 0, max: 1e9, integer: true },
  { key: 'limit', kinds: ['spike', 'newPort'], min: 1, max: 10_000, integer: true },
];
const RULE_FIELDS = ['name', 'kind', 'filters', 'align', 'cooldown', 'targets', ...PARAMS.map((p) => p.key)];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v === 'string' ? `"${v.slice(0, 80)}"` : String(v);
}

/** Reads one YAML mapping, with its path, and turns every problem into an exact message. */
class Fields {
  constructor(
    private readonly file: string,
    readonly path: string,
    private readonly obj: Plain,
  ) {}

  static of(file: string, path: string, value: unknown, known: readonly string[]): Fields {
    const f = new Fields(file, path, {});
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw f.fail(`${path === '' ? 'the top level' : path} must be a mapping (${known.join(', ')}), not ${describe(value)}`);
    }
    const unknown = Object.keys(value).find((k) => !known.includes(k));
    if (unknown !== undefined) throw f.fail(`${f.at(unknown)} is not a known field (known: ${known.join(', ')})`);
    return new Fields(file, path, value as Plain);
  }

  fail(message: string): DarkscopeError {
    return new DarkscopeError('BAD_ALERTS_FILE', `${this.file}: ${message}`, { path: this.path });
  }

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  string(key: string, options: { required?: boolean; pattern?: RegExp; rule?: string } = {}): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (options.required) throw this.fail(`${this.path === '' ? 'the file' : this.path} is missing "${key}"`);
      return undefined;
    }
    if (typeof v !== 'string') throw this.fail(`${this.at(key)} must be a string, not ${describe(v)}`);
    if (options.pattern !== undefined && !options.pattern.test(v)) {
      throw this.fail(`${this.at(key)} "${v.slice(0, 80)}" must be ${options.rule ?? `match ${options.pattern.source}`}`);
    }
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], def?: T): T {
    const v = this.string(key, { required: def === undefined });
    if (v === undefined) return def as T;
    if (!(allowed as readonly string[]).includes(v)) throw this.fail(`${this.at(key)} "${v}" must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  number(key: string, def: number, min: number, max: number, integer: boolean): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw this.fail(`${this.at(key)} value ${describe(v)} is not ${integer ? 'an integer' : 'a number'}`);
    }
    if (v < min) throw this.fail(`${this.at(key)} value ${v} is less than min allowed ${min}`);
    if (v > max) throw this.fail(`${this.at(key)} value ${v} is more than max allowed ${max}`);
    return v;
  }

  duration(key: string, def: number, min: number, max: number): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    const ms = typeof v === 'string' ? parseDuration(v) : v === 0 ? 0 : null;
    if (ms === null) throw this.fail(`${this.at(key)} ${describe(v)} is not a duration (write e.g. 500ms, 30s, 5m, 6h, 1d)`);
    if (ms < min) throw this.fail(`${this.at(key)} value ${v} is less than min allowed ${formatDuration(min)}`);
    if (ms > max) throw this.fail(`${this.at(key)} value ${v} is more than max allowed ${formatDuration(max)}`);
    return ms;
  }

  list(key: string, options: { required?: boolean } = {}): unknown[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (options.required) throw this.fail(`${this.path === '' ? 'the file' : this.path} is missing "${key}"`);
      return undefined;
    }
    if (!Array.isArray(v)) throw this.fail(`${this.at(key)} must be a list, not ${describe(v)}`);
    if (options.required && v.length === 0) throw this.fail(`${this.at(key)} is empty; it needs at least one entry`);
    return v;
  }
}

function httpUrl(f: Fields, key: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw f.fail(`${f.at(key)} "${value.slice(0, 200)}" is not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw f.fail(`${f.at(key)} "${value.slice(0, 200)}" must use http or https`);
  return value;
}

function grafana(file: string, value: unknown): GrafanaLinkConfig | null {
  if (value === undefined || value === null) return null;
  const f = Fields.of(file, 'grafana', value, GRAFANA_FIELDS);
  const url = httpUrl(f, 'url', f.string('url', { required: true })!);
  const dashboardUid = f.string('dashboardUid', { pattern: UID, rule: '1-40 letters, digits, _ or -' }) ?? ALERT_DEFAULTS.dashboardUid;
  return Object.freeze({ url: url.replace(/\/+$/, ''), dashboardUid });
}

function target(file: string, value: unknown, i: number, env: Env): AlertTarget {
  const path = `targets[${i}]`;
  const type = Fields.of(file, path, value, [...new Set([...WEBHOOK_FIELDS, ...LOG_FIELDS])]).oneOf('type', TARGET_TYPES);
  const f = Fields.of(file, path, value, type === 'webhook' ? WEBHOOK_FIELDS : LOG_FIELDS);
  const name = f.string('name', { required: true, pattern: NAME, rule: '1-63 letters, digits, _ . - (starting with a letter or digit)' })!;
  if (type === 'log') {
    return Object.freeze({ name, type, level: f.oneOf('level', ['info', 'warn', 'error'] as const, 'warn') });
  }
  const url = httpUrl(f, 'url', f.string('url', { required: true })!);
  if (f.has('secret') && f.has('secretEnv')) throw f.fail(`${path} has both "secret" and "secretEnv"; keep one`);
  let secret = f.string('secret') ?? null;
  const secretEnv = f.string('secretEnv', { pattern: ENV_NAME, rule: 'an environment variable name' });
  if (secretEnv !== undefined) {
    const v = env[secretEnv];
    if (v === undefined || v === '') throw f.fail(`${f.at('secretEnv')} names "${secretEnv}", which is not set (or empty) in the environment`);
    secret = v;
  }
  // The secret itself never appears in a message.
  if (secret !== null && secret.length < 16) throw f.fail(`${f.at(secretEnv === undefined ? 'secret' : 'secretEnv')} has ${secret.length} characters, fewer than min allowed 16`);
  const out = {
    name, type, url, secret,
    timeoutMs: f.duration('timeout', ALERT_DEFAULTS.timeoutMs, 100, 60_000),
    retries: f.number('retries', ALERT_DEFAULTS.retries, 0, 10, true),
    backoffMs: f.duration('backoff', ALERT_DEFAULTS.backoffMs, 0, 60_000),
  };
  // Not enumerable: the secret stays out of JSON.stringify, logs and inspection.
  Object.defineProperty(out, 'secret', { enumerable: false });
  return Object.freeze(out);
}

function filters(file: string, path: string, value: unknown): QueryFilters {
  if (value === undefined || value === null) return Object.freeze({});
  const f = Fields.of(file, path, value, FILTER_FIELDS);
  const input: Record<string, unknown> = {};
  for (const key of FILTER_FIELDS) {
    const v = f.raw(key);
    if (v === undefined || v === null) continue;
    const numeric = key === 'proto' || key === 'port' || key === 'asn';
    if (key === 'excludeLabel' && Array.isArray(v)) {
      v.forEach((x, j) => { if (typeof x !== 'string') throw f.fail(`${f.at(key)}[${j}] must be a string, not ${describe(x)}`); });
    } else if (typeof v !== 'string' && !(numeric && typeof v === 'number')) {
      throw f.fail(`${f.at(key)} must be a ${numeric ? 'string or number' : 'string'}${key === 'excludeLabel' ? ' or a list of strings' : ''}, not ${describe(v)}`);
    }
    input[key] = v;
  }
  try {
    // The query layer's own parser: the same names, values and messages as the API's filters.
    return parseFilters(input as FilterInput);
  } catch (e) {
    if (isDarkscopeError(e)) throw f.fail(`${path}.${e.message}`);
    throw e;
  }
}

function rule(file: string, value: unknown, i: number, targetNames: readonly string[], cooldownMs: number): AlertRule {
  const path = `rules[${i}]`;
  const f = Fields.of(file, path, value, RULE_FIELDS);
  const name = f.string('name', { required: true, pattern: NAME, rule: '1-63 letters, digits, _ . - (starting with a letter or digit)' })!;
  const kind = f.oneOf('kind', ['spike', 'newPort'] as const);
  const params: Record<string, number> = {};
  for (const p of PARAMS) {
    if (f.has(p.key) && !p.kinds.includes(kind)) throw f.fail(`${f.at(p.key)} does not apply to kind ${kind} (only to ${p.kinds.join(', ')})`);
    const def = p.key === 'limit' ? ALERT_DEFAULTS.limit : DEFAULT_TREND_PARAMS[p.key];
    params[p.key] = f.number(p.key, def, p.min, p.max, p.integer);
  }
  const names = f.list('targets');
  const targets = names === undefined ? targetNames : names.map((n, j) => {
    if (typeof n !== 'string') throw f.fail(`${path}.targets[${j}] must be a string, not ${describe(n)}`);
    if (!targetNames.includes(n)) throw f.fail(`${path}.targets[${j}] "${n}" names no target (targets: ${targetNames.join(', ')})`);
    return n;
  });
  if (targets.length === 0) throw f.fail(`${path}.targets is empty; name at least one target`);
  return Object.freeze({
    name, kind,
    filters: filters(file, `${path}.filters`, f.raw('filters')),
    params: trendParams(params as Partial<TrendParams>),
    align: f.oneOf('align', ['hour', 'day'] as const, ALERT_DEFAULTS.align),
    cooldownMs: f.duration('cooldown', cooldownMs, 0, 30 * 86_400_000),
    targets: Object.freeze([...new Set(targets)]),
  });
}

function unique(f: Fields, key: string, names: readonly string[]): void {
  names.forEach((n, i) => {
    const first = names.indexOf(n);
    if (first !== i) throw f.fail(`${key}[${i}].name "${n}" is already used by ${key}[${first}]`);
  });
}

/** Validates the text of an alerts file; `file` names it in messages, `env` supplies `secretEnv` values. */
export function parseAlertsConfig(text: string, file: string, env: Env = {}): Readonly<AlertsConfig> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = lineCounter.linePos(err.pos[0]);
    const where = ` line ${pos.line}, column ${pos.col}`;
    throw new DarkscopeError('BAD_ALERTS_FILE', `${file}${where}: ${err.message.split('\n')[0]}`, { path: '' });
  }
  const root = doc.toJS({ maxAliasCount: 1_000 }) as unknown;
  if (root === null || root === undefined) {
    throw new DarkscopeError('BAD_ALERTS_FILE', `${file}: the file is empty; it needs "rules" and "targets"`, { path: '' });
  }
  const top = Fields.of(file, '', root, TOP_FIELDS);
  const targetList = top.list('targets', { required: true })!;
  const targets = targetList.map((t, i) => target(file, t, i, env));
  unique(top, 'targets', targets.map((t) => t.name));
  const cooldownMs = top.duration('cooldown', ALERT_DEFAULTS.cooldownMs, 0, 30 * 86_400_000);
  const rules = top.list('rules', { required: true })!.map((r, i) => rule(file, r, i, targets.map((t) => t.name), cooldownMs));
  unique(top, 'rules', rules.map((r) => r.name));
  return Object.freeze({
    file,
    intervalMs: top.duration('interval', ALERT_DEFAULTS.intervalMs, 1_000, 86_400_000),
    historySize: top.number('historySize', ALERT_DEFAULTS.historySize, 1, 100_000, true),
    grafana: grafana(file, top.raw('grafana')),
    targets: Object.freeze(targets),
    rules: Object.freeze(rules),
  });
}

/** Reads and validates an alerts file. */
export async function loadAlertsFile(path: string, env: Env = {}): Promise<Readonly<AlertsConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new DarkscopeError('BAD_ALERTS_FILE', `${path}: cannot read the alerts file (${code})`, { path: '' }, { cause: e });
  }
  return parseAlertsConfig(text, path, env);
}
