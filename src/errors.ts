/**
 * darkscope's error catalog. Every error a user can meet has a stable code, an
 * HTTP status where it can reach the API, and a message that says what to do
 * next. Code matches on `code`, never on message text.
 */

export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  /** What the user should do next; appended to the message. */
  readonly hint: string;
}

function spec(code: string, status: number, hint: string): ErrorSpec {
  return Object.freeze({ code, status, hint });
}

export const ErrorCodes = Object.freeze({
  BAD_CAPTURE: spec('DARKSCOPE_E_BAD_CAPTURE', 400,
    'Check that the file is a pcap, pcapng or gzip-compressed capture (tcpdump -w / dumpcap output).'),
  INPUT_NOT_FOUND: spec('DARKSCOPE_E_INPUT_NOT_FOUND', 400,
    'Check the path; use "-" to read from standard input.'),
  INPUT_UNREADABLE: spec('DARKSCOPE_E_INPUT_UNREADABLE', 400,
    'Check the file permissions and that the path is a regular file or a directory of captures.'),
  BAD_SUMMARY_HEADER: spec('DARKSCOPE_E_BAD_SUMMARY_HEADER', 400,
    'A summary CSV needs a header line with at least ts,src,dst,proto,sport,dport,flags (see `darkscope inspect --help`).'),
  BAD_LABELS: spec('DARKSCOPE_E_BAD_LABELS', 400,
    'Each line of a labels file must be "CIDR,label" (e.g. "192.0.2.0/24,research"); lines starting with # are comments.'),
  BAD_CONFIG: spec('DARKSCOPE_E_BAD_CONFIG', 400,
    'Fix the option or environment variable named above; `darkscope <command> --help` lists them all.'),
  REPLICA_BEHIND: spec('DARKSCOPE_E_REPLICA_BEHIND', 409,
    'Nothing was changed. Wait until `darkscope cluster check` shows empty replication queues, then run the command again.'),
  RAW_GONE: spec('DARKSCOPE_E_RAW_GONE', 409,
    'Nothing was changed. Choose --from/--to that leave out the days named above: their rollups are all that is left of them.'),
  SHARDS_UNREACHABLE: spec('DARKSCOPE_E_SHARDS_UNREACHABLE', 503,
    'Bring the unreachable nodes back, or set --cluster-nodes / DARKSCOPE_CLUSTER_NODES to one reachable HTTP URL per shard.'),
  PORT_IN_USE: spec('DARKSCOPE_E_PORT_IN_USE', 409,
    'Choose another port with the option named above, or stop the program listening there (`ss -ltnp` shows it).'),
  ENRICH_DB: spec('DARKSCOPE_E_ENRICH_DB', 500,
    'Reinstall with `npm ci`, or point --geoip/--asn-db at a readable MaxMind .mmdb file.'),
  BAD_SQL_VALUE: spec('DARKSCOPE_E_BAD_SQL_VALUE', 400,
    'The value does not fit the SQL type it is used as; check the request parameters.'),
  CLICKHOUSE_UNREACHABLE: spec('DARKSCOPE_E_CLICKHOUSE_UNREACHABLE', 503,
    'Start your ClickHouse server or fix --clickhouse-url / DARKSCOPE_CLICKHOUSE_URL; without either, darkscope uses its embedded ClickHouse (darkscope clickhouse status).'),
  CLICKHOUSE_AUTH: spec('DARKSCOPE_E_CLICKHOUSE_AUTH', 503,
    'Check --user/--password (DARKSCOPE_CLICKHOUSE_USER / DARKSCOPE_CLICKHOUSE_PASSWORD).'),
  CLICKHOUSE_QUERY: spec('DARKSCOPE_E_CLICKHOUSE_QUERY', 500,
    'This is a darkscope bug or a schema mismatch; run `darkscope migrate` and report the code if it persists.'),
  CLICKHOUSE_TIMEOUT: spec('DARKSCOPE_E_CLICKHOUSE_TIMEOUT', 503,
    'Narrow the time range or filters, or raise the query timeout.'),
  SCHEMA: spec('DARKSCOPE_E_SCHEMA', 500,
    'Run `darkscope migrate` against this database, or check that --database names a darkscope database.'),
  NO_CLICKHOUSE_BINARY: spec('DARKSCOPE_E_NO_CLICKHOUSE_BINARY', 500,
    'Then run the command again (see "Quick start" in the README).'),
  ENGINE_UNAVAILABLE: spec('DARKSCOPE_E_ENGINE_UNAVAILABLE', 503,
    'Use your own ClickHouse server instead: pass --clickhouse-url (or set DARKSCOPE_CLICKHOUSE_URL), e.g. the one in docker-compose.yml.'),
  ENGINE_START: spec('DARKSCOPE_E_ENGINE_START', 503,
    'Read the log named above; `darkscope clickhouse status` shows the store, `darkscope clickhouse stop` then a new command restarts it, or pass --clickhouse-url to use a server of your own.'),
  BAD_REQUEST: spec('DARKSCOPE_E_BAD_REQUEST', 400,
    'Fix the parameter named above; /openapi.json (or `darkscope <command> --help`) lists every parameter and its allowed values.'),
  BAD_TIME_RANGE: spec('DARKSCOPE_E_BAD_TIME_RANGE', 400,
    'Write times as ISO 8601 (2024-03-01, 2024-03-01T12:00:00Z) or relative to now (-24h, -30d, -2w, now); "from" must be before "to".'),
  RANGE_TOO_LARGE: spec('DARKSCOPE_E_RANGE_TOO_LARGE', 400,
    'Narrow the time range or use a coarser interval (the API allows at most DARKSCOPE_API_MAX_RANGE_DAYS days).'),
  RANGE_NOT_RETAINED: spec('DARKSCOPE_E_RANGE_NOT_RETAINED', 400,
    'Minute rollups are kept for the last DARKSCOPE_RETENTION_MINUTE_DAYS days only: use interval 1h or 1d for older data.'),
  QUERY_LIMIT: spec('DARKSCOPE_E_QUERY_LIMIT', 503,
    'The query hit a server limit (result rows or memory): narrow the time range or add filters.'),
  UNAUTHORIZED: spec('DARKSCOPE_E_UNAUTHORIZED', 401,
    'Send "Authorization: Bearer <token>" with one of the tokens configured in DARKSCOPE_API_TOKENS.'),
  NOT_FOUND: spec('DARKSCOPE_E_NOT_FOUND', 404,
    'Check the path; /openapi.json lists every route.'),
  RATE_LIMITED: spec('DARKSCOPE_E_RATE_LIMITED', 429,
    'Slow down: wait for the number of seconds in the Retry-After header, or raise DARKSCOPE_API_RATE_LIMIT.'),
  SHUTTING_DOWN: spec('DARKSCOPE_E_SHUTTING_DOWN', 503,
    'The server is shutting down; retry against another instance or after it restarts.'),
  BAD_ALERTS_FILE: spec('DARKSCOPE_E_BAD_ALERTS_FILE', 400,
    'Fix the field named above (path in the YAML); examples/alerts.yaml documents every field of an alerts file.'),
  WEB_NOT_BUILT: spec('DARKSCOPE_E_WEB_NOT_BUILT', 503,
    'Run `npm run build` (npm ci runs it) to bundle the web view into dist/web; the API under /api/v1 works without it.'),
  INTERNAL: spec('DARKSCOPE_E_INTERNAL', 500, 'This is a bug; please report it with the command you ran.'),
});

export type ErrorName = keyof typeof ErrorCodes;

export interface DarkscopeErrorDetails {
  /** File the error is about, if any. */
  readonly file?: string;
  /** Byte offset in that file (after decompression) where the problem was found. */
  readonly offset?: number;
  readonly [key: string]: unknown;
}

export class DarkscopeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly hint: string;
  readonly details: DarkscopeErrorDetails;

  constructor(name: ErrorName, message: string, details: DarkscopeErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    const s = ErrorCodes[name];
    this.name = 'DarkscopeError';
    this.code = s.code;
    this.status = s.status;
    this.hint = s.hint;
    this.details = details;
  }

  /** One line for a terminal: code, what happened, where, and what to do. */
  toLine(): string {
    const where = this.details.file !== undefined
      ? ` (${this.details.file}${this.details.offset !== undefined ? ` at byte ${this.details.offset}` : ''})`
      : '';
    return `${this.code}: ${this.message}${where}. ${this.hint}`;
  }
}

export function isDarkscopeError(e: unknown): e is DarkscopeError {
  return e instanceof DarkscopeError;
}
