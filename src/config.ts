/**
 * darkscope's configuration: loaded once from the environment plus command-line
 * overrides, validated with exact messages, frozen, and passed down. Besides the
 * CLI's entry point, only the embedded engine's processes read the
 * environment (TZ, UV_THREADPOOL_SIZE for the engine they start).
 */
import { isIP } from 'node:net';
import { DarkscopeError } from './errors.js';
import { parseIntegerOption } from './integer-option.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './store/client.js';
import { DEFAULT_MINUTE_DAYS, DEFAULT_RAW_DAYS } from './store/retention.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The level of a command that prints its own progress and summary (ingest,
 * demo, the query commands): its logs stay at `quiet` so they do not drown
 * that output, unless the user asked for a level, which then applies as given
 * (`--log-level info` included).
 */
export function commandLogLevel(cfg: Pick<Config, 'logLevel' | 'logLevelGiven'>, quiet: LogLevel = 'warn'): LogLevel {
  return cfg.logLevelGiven ? cfg.logLevel : quiet;
}

export interface Config {
  readonly clickhouse: {
    /** URL given explicitly (flag or environment); null when the default is in use. */
    readonly explicitUrl: string | null;
    readonly url: string;
    readonly database: string;
    readonly username: string;
    readonly password: string;
    readonly requestTimeoutMs: number;
    /**
     * Cluster mode: the cluster (a <remote_servers> name in the server config)
     * the database is laid out on; null for a single server.
     */
    readonly cluster: string | null;
    /**
     * Cluster mode: HTTP URLs of the nodes, for retention and rollup rebuild,
     * which run on one replica of each shard. Empty: each node's host (from
     * system.clusters) with the scheme and port of `url`.
     */
    readonly clusterNodes: readonly string[];
  };
  readonly ingest: {
    readonly sensor: string;
    readonly labelFiles: readonly string[];
    readonly darknets: readonly string[];
    readonly geoipPath: string | null;
    readonly asnDbPath: string | null;
    readonly enrich: boolean;
    readonly batchRows: number;
    readonly batchAgeMs: number;
    readonly maxInFlight: number;
    /** --watch: a file that has not changed for this long is complete. */
    readonly quietMs: number;
    /** --watch: how often the directory is listed (besides change notifications). */
    readonly pollMs: number;
    /** --watch: what becomes of a file once every packet of it is stored. */
    readonly after: AfterAction;
    /** Prometheus metrics of a running ingest; null: none. */
    readonly metrics: { readonly host: string; readonly port: number } | null;
  };
  readonly retention: {
    readonly rawDays: number;
    readonly minuteDays: number;
  };
  /** Limits applied to every query the API and the report commands send (per query, on the server). */
  readonly query: {
    /** max_execution_time: a query running longer fails with CLICKHOUSE_TIMEOUT (HTTP 503). */
    readonly timeoutSec: number;
    /** max_result_rows (result_overflow_mode = throw). */
    readonly maxResultRows: number;
    /** max_memory_usage, bytes. */
    readonly maxMemoryBytes: number;
    /** Seconds an API process reuses the result of an identical query; 0 = off. */
    readonly cacheSec: number;
  };
  readonly api: {
    readonly host: string;
    readonly port: number;
    /** Bearer tokens; empty = no authentication. */
    readonly tokens: readonly string[];
    /** Longest time range a request may ask for, in days. */
    readonly maxRangeDays: number;
    /** Requests per minute per client address on /api/v1; 0 = no rate limit. */
    readonly rateLimitPerMinute: number;
    /**
     * Reverse proxies whose X-Forwarded-For is believed (addresses, CIDRs or
     * loopback / linklocal / uniquelocal); empty = the peer address is the client.
     */
    readonly trustProxy: readonly string[];
  };
  /** --log-level / DARKSCOPE_LOG_LEVEL, 'info' when neither is given. */
  readonly logLevel: LogLevel;
  /** True when --log-level or DARKSCOPE_LOG_LEVEL set logLevel (see commandLogLevel). */
  readonly logLevelGiven: boolean;
  /** darkscope's embedded ClickHouse (used when no ClickHouse URL is given). */
  readonly engine: {
    /** max_server_memory_usage of the engine process, bytes; 0 = half of the machine's memory. */
    readonly maxMemoryBytes: number;
  };
  /** darkscope's own files: the embedded engine's store (DARKSCOPE_HOME/engine). */
  readonly home: string;
}

/** Command-line values that override the environment (undefined = not given). */
export interface ConfigOverrides {
  clickhouseUrl?: string;
  database?: string;
  user?: string;
  password?: string;
  cluster?: string;
  clusterNodes?: string[];
  sensor?: string;
  labels?: string[];
  darknet?: string[];
  geoip?: string;
  asnDb?: string;
  enrich?: boolean;
  batchRows?: string | number;
  batchAgeMs?: string | number;
  maxInFlight?: string | number;
  quietMs?: string | number;
  pollMs?: string | number;
  after?: string;
  metricsPort?: string | number;
  metricsHost?: string;
  rawDays?: string | number;
  minuteDays?: string | number;
  logLevel?: string;
  host?: string;
  port?: string | number;
  queryTimeoutSec?: string | number;
  queryCacheSec?: string | number;
  trustProxy?: string[];
}

export const DEFAULT_CLICKHOUSE_URL = 'http://localhost:8123';

/** What `ingest --watch` does with a file once every packet of it is stored (--after). */
export type AfterAction = { readonly kind: 'keep' } | { readonly kind: 'delete' } | { readonly kind: 'move'; readonly dir: string };

/** Parses --after / DARKSCOPE_AFTER: keep, delete or move:DIR. */
export function parseAfterAction(text: string, source = '--after'): AfterAction {
  if (text === 'keep') return { kind: 'keep' };
  if (text === 'delete') return { kind: 'delete' };
  if (text.startsWith('move:') && text.length > 'move:'.length) return { kind: 'move', dir: text.slice('move:'.length) };
  throw new DarkscopeError('BAD_CONFIG', `"${source}" value "${text}" must be keep, delete or move:DIR (e.g. move:/var/spool/darknet/done)`);
}
/** The most batches ingest may have in flight (--max-in-flight). */
export const MAX_IN_FLIGHT_LIMIT = 16;

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

function bad(message: string): DarkscopeError {
  return new DarkscopeError('BAD_CONFIG', message);
}

/** A setting's command-line flag and environment variable. */
interface Setting {
  readonly flag: string;
  readonly env: string;
}

function int(flag: string | number | undefined, env: Env, s: Setting, def: number, min: number, max: number): number {
  const value = flag !== undefined ? String(flag) : env[s.env];
  const source = flag !== undefined ? `--${s.flag}` : `"${s.env}"`;
  if (value === undefined || value === '') return def;
  return parseIntegerOption(value, source, min, max);
}

function list(flag: string[] | undefined, env: Env, envName: string): string[] {
  if (flag !== undefined) return flag;
  const v = env[envName];
  return v === undefined || v.trim() === '' ? [] : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A list setting whose every entry must pass `valid`; the error names the flag or variable and says what an entry must be. */
function checkedList(flag: string[] | undefined, env: Env, s: Setting, valid: (entry: string) => boolean, must: string): string[] {
  const entries = list(flag, env, s.env);
  const source = flag !== undefined ? `--${s.flag}` : `"${s.env}"`;
  for (const entry of entries) {
    if (!valid(entry)) throw bad(`${source} entry "${entry}" is not ${must}`);
  }
  return entries;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SENSOR = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOST = /^[A-Za-z0-9_.:[\]-]{1,253}$/;
/** Shortest accepted API token: shorter ones are guessable. */
export const MIN_API_TOKEN_LENGTH = 16;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Address groups a trusted proxy may be named by (as proxy-addr, which fastify uses, knows them). */
const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'] as const;

function isProxySpec(entry: string): boolean {
  if ((PROXY_KEYWORDS as readonly string[]).includes(entry)) return true;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
  if (m === null) return false;
  const family = isIP(m[1] as string);
  if (family === 0) return false;
  return m[2] === undefined || Number(m[2]) <= (family === 4 ? 32 : 128);
}

export function loadConfig(env: Env, o: ConfigOverrides = {}): Readonly<Config> {
  // An empty variable counts as unset (e.g. DARKSCOPE_CLICKHOUSE_URL= in a compose file).
  const explicitUrl = o.clickhouseUrl ?? (nonEmpty(env.DARKSCOPE_CLICKHOUSE_URL) ? env.DARKSCOPE_CLICKHOUSE_URL : null) ?? null;
  const url = explicitUrl ?? DEFAULT_CLICKHOUSE_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(`ClickHouse URL "${url}" is not a valid URL (expected e.g. ${DEFAULT_CLICKHOUSE_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw bad(`ClickHouse URL "${url}" must use http or https (the HTTP interface, port 8123 by default)`);
  }
  const database = o.database ?? env.DARKSCOPE_DATABASE ?? 'darkscope';
  if (!IDENT.test(database)) throw bad(`database name "${database}" must match ${IDENT.source}`);
  const clusterText = o.cluster ?? env.DARKSCOPE_CLUSTER ?? '';
  const cluster = clusterText === '' ? null : clusterText;
  if (cluster !== null && !IDENT.test(cluster)) {
    throw bad(`cluster name "${cluster}" must match ${IDENT.source} (a <remote_servers> name from the ClickHouse server config)`);
  }
  const clusterNodes = checkedList(o.clusterNodes, env, { flag: 'cluster-nodes', env: 'DARKSCOPE_CLUSTER_NODES' }, isHttpUrl,
    'an http(s) URL (e.g. http://ch-s2r1:8123)');
  const sensor = o.sensor ?? env.DARKSCOPE_SENSOR ?? 'default';
  if (!SENSOR.test(sensor)) throw bad(`sensor name "${sensor}" must be 1-64 characters of letters, digits, _ . : -`);
  const logLevelText = o.logLevel ?? env.DARKSCOPE_LOG_LEVEL;
  const logLevel = (logLevelText ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw bad(`log level "${logLevel}" must be one of ${LEVELS.join(', ')}`);
  const host = o.host ?? env.DARKSCOPE_API_HOST ?? '127.0.0.1';
  if (!HOST.test(host)) throw bad(`API host "${host}" must be an address or host name (e.g. 127.0.0.1, 0.0.0.0, ::)`);
  const tokens = list(undefined, env, 'DARKSCOPE_API_TOKENS');
  tokens.forEach((t, i) => {
    // The token itself is never part of the message.
    if (t.length < MIN_API_TOKEN_LENGTH) throw bad(`"DARKSCOPE_API_TOKENS" token #${i + 1} has ${t.length} characters, fewer than min allowed ${MIN_API_TOKEN_LENGTH}`);
    if (!/^[\x21-\x7e]+$/.test(t)) throw bad(`"DARKSCOPE_API_TOKENS" token #${i + 1} must be printable ASCII without spaces`);
  });
  const trustProxy = checkedList(o.trustProxy, env, { flag: 'trust-proxy', env: 'DARKSCOPE_API_TRUST_PROXY' }, isProxySpec,
    `an address, a CIDR (e.g. 10.0.0.0/8) or one of ${PROXY_KEYWORDS.join(', ')}`);
  const metricsHost = o.metricsHost ?? env.DARKSCOPE_METRICS_HOST ?? '127.0.0.1';
  if (!HOST.test(metricsHost)) throw bad(`metrics host "${metricsHost}" must be an address or host name (e.g. 127.0.0.1, 0.0.0.0, ::)`);
  const metricsGiven = o.metricsPort !== undefined || nonEmpty(env.DARKSCOPE_METRICS_PORT);
  const metrics = metricsGiven
    ? { host: metricsHost, port: int(o.metricsPort, env, { flag: 'metrics-port', env: 'DARKSCOPE_METRICS_PORT' }, 0, 0, 65_535) }
    : null;
  const home = env.DARKSCOPE_HOME ?? `${env.HOME ?? '.'}/.local/share/darkscope`;
  const cfg: Config = {
    clickhouse: {
      explicitUrl,
      url,
      database,
      username: o.user ?? env.DARKSCOPE_CLICKHOUSE_USER ?? 'default',
      password: o.password ?? env.DARKSCOPE_CLICKHOUSE_PASSWORD ?? '',
      requestTimeoutMs: int(undefined, env, { flag: 'clickhouse-timeout-ms', env: 'DARKSCOPE_CLICKHOUSE_TIMEOUT_MS' }, DEFAULT_REQUEST_TIMEOUT_MS, 1_000, 3_600_000),
      cluster,
      clusterNodes,
    },
    ingest: {
      sensor,
      labelFiles: list(o.labels, env, 'DARKSCOPE_LABELS'),
      darknets: list(o.darknet, env, 'DARKSCOPE_DARKNET'),
      geoipPath: o.geoip ?? env.DARKSCOPE_GEOIP ?? null,
      asnDbPath: o.asnDb ?? env.DARKSCOPE_ASN_DB ?? null,
      enrich: o.enrich ?? env.DARKSCOPE_ENRICH !== '0',
      batchRows: int(o.batchRows, env, { flag: 'batch-rows', env: 'DARKSCOPE_BATCH_ROWS' }, 200_000, 1, 5_000_000),
      batchAgeMs: int(o.batchAgeMs, env, { flag: 'batch-age-ms', env: 'DARKSCOPE_BATCH_AGE_MS' }, 1_000, 10, 600_000),
      maxInFlight: int(o.maxInFlight, env, { flag: 'max-in-flight', env: 'DARKSCOPE_MAX_IN_FLIGHT' }, 2, 1, MAX_IN_FLIGHT_LIMIT),
      quietMs: int(o.quietMs, env, { flag: 'quiet-ms', env: 'DARKSCOPE_QUIET_MS' }, 30_000, 100, 86_400_000),
      pollMs: int(o.pollMs, env, { flag: 'poll-ms', env: 'DARKSCOPE_POLL_MS' }, 2_000, 50, 600_000),
      after: o.after !== undefined ? parseAfterAction(o.after) : nonEmpty(env.DARKSCOPE_AFTER) ? parseAfterAction(env.DARKSCOPE_AFTER, 'DARKSCOPE_AFTER') : { kind: 'keep' },
      metrics,
    },
    retention: {
      rawDays: int(o.rawDays, env, { flag: 'raw-days', env: 'DARKSCOPE_RETENTION_RAW_DAYS' }, DEFAULT_RAW_DAYS, 1, 36_500),
      minuteDays: int(o.minuteDays, env, { flag: 'minute-days', env: 'DARKSCOPE_RETENTION_MINUTE_DAYS' }, DEFAULT_MINUTE_DAYS, 1, 36_500),
    },
    query: {
      timeoutSec: int(o.queryTimeoutSec, env, { flag: 'query-timeout-sec', env: 'DARKSCOPE_QUERY_TIMEOUT_SEC' }, 10, 1, 3_600),
      maxResultRows: int(undefined, env, { flag: 'query-max-result-rows', env: 'DARKSCOPE_QUERY_MAX_RESULT_ROWS' }, 1_000_000, 1_000, 1_000_000_000),
      maxMemoryBytes: int(undefined, env, { flag: 'query-max-memory-bytes', env: 'DARKSCOPE_QUERY_MAX_MEMORY_BYTES' }, 4_000_000_000, 10_000_000, 1_000_000_000_000),
      cacheSec: int(o.queryCacheSec, env, { flag: 'query-cache-sec', env: 'DARKSCOPE_QUERY_CACHE_SEC' }, 10, 0, 3_600),
    },
    api: {
      host,
      port: int(o.port, env, { flag: 'port', env: 'DARKSCOPE_API_PORT' }, 8080, 0, 65_535),
      tokens,
      maxRangeDays: int(undefined, env, { flag: 'api-max-range-days', env: 'DARKSCOPE_API_MAX_RANGE_DAYS' }, 400, 1, 36_500),
      rateLimitPerMinute: int(undefined, env, { flag: 'api-rate-limit', env: 'DARKSCOPE_API_RATE_LIMIT' }, 600, 0, 1_000_000),
      trustProxy,
    },
    logLevel,
    logLevelGiven: logLevelText !== undefined,
    engine: {
      maxMemoryBytes: int(undefined, env, { flag: 'engine-max-memory-bytes', env: 'DARKSCOPE_ENGINE_MAX_MEMORY_BYTES' }, 0, 0, 1_000_000_000_000_000),
    },
    home,
  };
  return deepFreeze(cfg);
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object);
  return Object.freeze(o);
}
