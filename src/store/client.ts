/**
 * The store's ClickHouse client: a thin wrapper over @clickhouse/client that
 * only accepts SQL built by the encoder (`SqlFragment`), decodes rows through
 * typed column decoders, and turns every failure into one DarkscopeError with
 * a one-line message.
 *
 * Database handling: the database is NOT sent as the connection's default
 * database. darkscope always writes qualified names (`store.table('packets')`
 * → `` `db`.`packets` ``), so the same client can run `CREATE DATABASE` for a
 * database that does not exist yet (18.16 rejects every request whose
 * `?database=` names a missing database, even `CREATE DATABASE IF NOT EXISTS`).
 */

import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { DarkscopeError, type ErrorName } from '../errors.js';
import { decodeRow, type RowOf, type RowSchema } from './row-decoders.js';
import { sqlIdent, sqlQualified, type SqlFragment, isSqlFragment } from './sql.js';

export interface StoreClientOptions {
  /** http(s)://host:port; credentials in the URL are used unless username/password are given. */
  readonly url: string;
  /** The darkscope database (qualifies every table name). */
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
  /** Per-request timeout on the client side (default DEFAULT_REQUEST_TIMEOUT_MS, 60 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Settings sent with every request. */
  readonly clickhouseSettings?: ClickHouseSettings;
  /**
   * Cluster mode: the remote_servers cluster the database is laid out on
   * (see src/store/cluster/layout.ts). Null or absent: a single server.
   * Requests then also carry CLUSTER_READ_SETTINGS.
   */
  readonly cluster?: string | null;
  /**
   * Cluster mode: HTTP URLs of the cluster's nodes, for the maintenance that
   * runs on one replica of each shard (retention, rollup rebuild). Empty:
   * each node's host from system.clusters with this URL's scheme and port.
   */
  readonly clusterNodes?: readonly string[];
}

/**
 * Sent with every request in cluster mode: Distributed tables read (and
 * write) the first live replica of each shard in <remote_servers> order, the
 * local one first, skipping a replica more than 5 s behind while another is
 * current. An ingester therefore reads back what it wrote, and a replica
 * that is catching up after a restart is not read until it has.
 */
export const CLUSTER_READ_SETTINGS: ClickHouseSettings = Object.freeze({
  load_balancing: 'in_order',
  max_replica_delay_for_distributed_queries: '5',
});

export interface QueryOptions {
  readonly settings?: ClickHouseSettings;
  readonly queryId?: string;
  readonly abortSignal?: AbortSignal;
}

export interface StoreClient {
  readonly database: string;
  /**
   * The cluster the database is laid out on; null or absent for a single
   * server. Queries read the same table names either way.
   */
  readonly cluster?: string | null;
  /** Cluster mode: the nodes' HTTP URLs when given (see StoreClientOptions.clusterNodes). */
  readonly clusterNodes?: readonly string[];
  /** A client for the same database, user and settings on another server (cluster maintenance). Close it when done. */
  withUrl?(url: string): StoreClient;
  /** The server URL without credentials (safe to log). */
  readonly url: string;
  /** The underlying client, for streaming inserts (RowBinary). Errors from it are not mapped: use toStoreError. */
  readonly clickhouse: ClickHouseClient;
  /** `` `database`.`name` `` */
  table(name: string): SqlFragment;
  /** Runs a SELECT and decodes every row with the schema's decoders. */
  query<S extends RowSchema>(query: SqlFragment, schema: S, options?: QueryOptions): Promise<Array<RowOf<S>>>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT, ALTER). */
  command(query: SqlFragment, options?: QueryOptions): Promise<void>;
  /** Checks that the server answers and accepts the credentials (runs SELECT 1). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Per-request timeout when none is given (DARKSCOPE_CLICKHOUSE_TIMEOUT_MS). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** ClickHouse error codes darkscope maps to something other than CLICKHOUSE_QUERY. */
const AUTH_CODES = new Set([192 /* UNKNOWN_USER */, 193 /* WRONG_PASSWORD */, 194 /* REQUIRED_PASSWORD */,
  195 /* IP_ADDRESS_NOT_ALLOWED */, 516 /* AUTHENTICATION_FAILED, 20.x+ */]);
const TIMEOUT_CODES = new Set([159 /* TIMEOUT_EXCEEDED */, 209 /* SOCKET_TIMEOUT */]);
const SCHEMA_CODES = new Set([81 /* UNKNOWN_DATABASE */, 60 /* UNKNOWN_TABLE */]);
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

export function createStoreClient(options: StoreClientOptions): StoreClient {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new DarkscopeError('BAD_CONFIG', `ClickHouse URL is not a valid URL: ${JSON.stringify(options.url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DarkscopeError('BAD_CONFIG', `ClickHouse URL must start with http:// or https://, got ${JSON.stringify(parsed.protocol)}`);
  }
  const username = options.username ?? (parsed.username !== '' ? decodeURIComponent(parsed.username) : 'default');
  const password = options.password ?? (parsed.password !== '' ? decodeURIComponent(parsed.password) : '');
  parsed.username = '';
  parsed.password = '';
  const url = parsed.toString().replace(/\/$/, '');
  const database = options.database;
  sqlQualified(database, 'x'); // validates the name once, up front
  const cluster = options.cluster ?? null;
  if (cluster !== null) sqlIdent(cluster); // likewise
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new DarkscopeError('BAD_CONFIG', `"requestTimeoutMs" value ${requestTimeoutMs} is less than min allowed 1`);
  }

  const clickhouse = createClient({
    url,
    username,
    password,
    request_timeout: requestTimeoutMs,
    // Cluster settings first: a request's own settings (readonly = 1 last) come after them.
    clickhouse_settings: cluster === null ? options.clickhouseSettings : { ...CLUSTER_READ_SETTINGS, ...options.clickhouseSettings },
    application: 'darkscope',
    // The client would log every failed request with a stack trace; darkscope
    // reports failures itself, as one DarkscopeError.
    log: { level: ClickHouseLogLevel.OFF },
  });
  const context = { url, database, username };

  function textOf(query: SqlFragment): string {
    if (!isSqlFragment(query)) {
      throw new DarkscopeError('BAD_SQL_VALUE', 'store queries must be built with sql`...` (got a plain value)');
    }
    return query.text;
  }

  const clusterNodes = Object.freeze([...(options.clusterNodes ?? [])]);
  return Object.freeze({
    database,
    cluster,
    clusterNodes,
    withUrl(other: string): StoreClient {
      return createStoreClient({ ...options, url: other, username, password });
    },
    url,
    clickhouse,
    table(name: string): SqlFragment {
      return sqlQualified(database, name);
    },
    async query<S extends RowSchema>(query: SqlFragment, schema: S, opts: QueryOptions = {}): Promise<Array<RowOf<S>>> {
      const text = textOf(query);
      let raw: unknown[];
      try {
        const rs = await clickhouse.query({
          query: text,
          format: 'JSONEachRow',
          clickhouse_settings: opts.settings,
          query_id: opts.queryId,
          abort_signal: opts.abortSignal,
        });
        raw = await rs.json<unknown>();
      } catch (err) {
        throw toStoreError(err, context);
      }
      return raw.map((r) => decodeRow(r, schema));
    },
    async command(query: SqlFragment, opts: QueryOptions = {}): Promise<void> {
      const text = textOf(query);
      try {
        await clickhouse.command({
          query: text,
          clickhouse_settings: opts.settings,
          query_id: opts.queryId,
          abort_signal: opts.abortSignal,
        });
      } catch (err) {
        throw toStoreError(err, context);
      }
    },
    async ping(): Promise<void> {
      await selectOne(clickhouse, context);
    },
    async close(): Promise<void> {
      await clickhouse.close();
    },
  });
}

/**
 * Checks reachability and credentials, throwing CLICKHOUSE_UNREACHABLE,
 * CLICKHOUSE_AUTH or CLICKHOUSE_TIMEOUT with a one-line message. `/ping`
 * alone is not enough: it answers `Ok.` without authenticating, so this runs
 * `SELECT 1`.
 */
export async function pingOrThrow(store: StoreClient): Promise<void> {
  await store.ping();
}

async function selectOne(clickhouse: ClickHouseClient, context: ErrorContext): Promise<void> {
  try {
    const rs = await clickhouse.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
    await rs.json();
  } catch (err) {
    throw toStoreError(err, context);
  }
}

export interface ErrorContext {
  readonly url: string;
  readonly database?: string;
  readonly username?: string;
}

/** The numeric ClickHouse error code in a server error, from either message format. */
export function clickhouseErrorCode(err: unknown): number | undefined {
  if (err instanceof ClickHouseError) {
    const n = Number(err.code);
    return Number.isInteger(n) ? n : undefined;
  }
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  // 18.16: "Code: 193, e.displayText() = DB::Exception: ..."; current: "Code: 516. DB::Exception: ..."
  const m = /\bCode: (\d+)[,.]/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The human part of a server error, on one line. */
function serverMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  let m = message;
  const ex = /DB::Exception: ([\s\S]*?)(?:, e\.what\(\) = |\s*\([A-Z0-9_]{3,}\)|$)/.exec(message);
  if (ex && ex[1] !== undefined) m = ex[1];
  m = m.replace(/\s+/g, ' ').trim();
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

function errnoOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    const inner = (e as { errors?: unknown[] }).errors; // AggregateError (IPv4 + IPv6 connect attempts)
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errnoOf(inner[0]);
      if (c !== undefined) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps anything thrown by @clickhouse/client to a DarkscopeError. DarkscopeErrors pass through. */
export function toStoreError(err: unknown, context: ErrorContext): DarkscopeError {
  if (err instanceof DarkscopeError) return err;
  const details = { url: context.url, ...(context.database !== undefined ? { database: context.database } : {}) };
  const errno = errnoOf(err);
  if (errno !== undefined && UNREACHABLE_ERRNO.has(errno)) {
    return new DarkscopeError('CLICKHOUSE_UNREACHABLE', `cannot reach ClickHouse at ${context.url} (${errno})`, { ...details, errno }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/^Timeout error\.?$/.test(message) || errno === 'ETIMEDOUT') {
    return new DarkscopeError('CLICKHOUSE_TIMEOUT', `ClickHouse at ${context.url} did not answer in time`, details, { cause: err });
  }
  const code = clickhouseErrorCode(err);
  if (code !== undefined) {
    let name: ErrorName = 'CLICKHOUSE_QUERY';
    let text = `ClickHouse error ${code}: ${serverMessage(err)}`;
    if (AUTH_CODES.has(code)) {
      name = 'CLICKHOUSE_AUTH';
      text = `ClickHouse at ${context.url} rejected user "${context.username ?? 'default'}": ${serverMessage(err)}`;
    } else if (TIMEOUT_CODES.has(code)) {
      name = 'CLICKHOUSE_TIMEOUT';
    } else if (SCHEMA_CODES.has(code)) {
      name = 'SCHEMA';
    }
    return new DarkscopeError(name, text, { ...details, clickhouseCode: code }, { cause: err });
  }
  return new DarkscopeError('CLICKHOUSE_QUERY', `ClickHouse request failed: ${message.replace(/\s+/g, ' ').slice(0, 300)}`, details, { cause: err });
}
