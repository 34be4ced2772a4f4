/**
 * Reads one HTTP request to the embedded engine the way a ClickHouse server
 * reads it: the query text from `?query=` and/or the body, credentials from
 * Basic auth, X-ClickHouse-User/-Key or `?user=&password=`, and every other
 * URL parameter as either a query parameter (`param_name`), one of the
 * HTTP interface's own parameters, or a setting. Pure; unit-tested.
 */

import { EngineError, EngineErrorCode } from './engine-errors.js';

export interface EngineRequestParams {
  /** The `query` URL parameter (null when absent: the body is the query). */
  readonly query: string | null;
  readonly database: string | null;
  readonly defaultFormat: string | null;
  /** Client's query id (null: the engine makes one). */
  readonly queryId: string | null;
  readonly user: string;
  readonly password: string;
  /** Settings for this request only, name → value as sent. */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  /** Query parameters ({name:Type} placeholders), name without the `param_` prefix → value. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** Client asked for a compressed response (enable_http_compression=1). */
  readonly compressResponse: boolean;
}

/** URL parameters of the HTTP interface that are not settings; the engine ignores the ones it does not need. */
const NOT_SETTINGS = new Set([
  'query', 'database', 'default_format', 'query_id', 'user', 'password', 'quota_key',
  'session_id', 'session_timeout', 'session_check', 'compress', 'decompress', 'buffer_size',
  'wait_end_of_query', 'role', 'stacktrace', 'enable_http_compression',
]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RequestHead {
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

function header(head: RequestHead, name: string): string | undefined {
  const v = head.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function basicAuth(value: string | undefined): { user: string; password: string } | null {
  if (value === undefined) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function readRequestParams(head: RequestHead): EngineRequestParams {
  const url = new URL(head.url, 'http://engine');
  const q = url.searchParams;
  if (q.has('session_id')) {
    throw new EngineError(EngineErrorCode.NOT_IMPLEMENTED, 'Sessions (session_id) are not supported by darkscope\'s embedded ClickHouse: send each request on its own');
  }
  const settings: Array<[string, string]> = [];
  const params: Array<[string, string]> = [];
  for (const [name, value] of q) {
    if (name.startsWith('param_')) {
      const p = name.slice('param_'.length);
      if (!NAME.test(p)) throw new EngineError(EngineErrorCode.BAD_ARGUMENTS, `Query parameter name ${JSON.stringify(p)} is not a valid identifier`);
      params.push([p, value]);
    } else if (!NOT_SETTINGS.has(name)) {
      if (!NAME.test(name)) throw new EngineError(EngineErrorCode.UNKNOWN_SETTING, `Unknown setting '${name}'`);
      settings.push([name, value]);
    }
  }
  const basic = basicAuth(header(head, 'authorization'));
  const headerUser = header(head, 'x-clickhouse-user');
  const headerKey = header(head, 'x-clickhouse-key');
  const user = basic?.user ?? headerUser ?? q.get('user') ?? 'default';
  const password = basic?.password ?? headerKey ?? q.get('password') ?? '';
  const database = q.get('database') ?? header(head, 'x-clickhouse-database') ?? null;
  if (database !== null && !NAME.test(database)) {
    throw new EngineError(EngineErrorCode.BAD_ARGUMENTS, `Database name ${JSON.stringify(database)} is not a plain identifier`);
  }
  const defaultFormat = q.get('default_format') ?? header(head, 'x-clickhouse-format') ?? null;
  if (defaultFormat !== null && !NAME.test(defaultFormat)) {
    throw new EngineError(EngineErrorCode.UNKNOWN_FORMAT, `Unknown format ${JSON.stringify(defaultFormat)}`);
  }
  return {
    query: q.get('query'),
    database,
    defaultFormat,
    queryId: q.get('query_id'),
    user,
    password,
    settings,
    params,
    compressResponse: q.get('enable_http_compression') === '1',
  };
}
