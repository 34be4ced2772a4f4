/**
 * The SQL engine behind darkscope's embedded ClickHouse: chdb (ClickHouse
 * 26.x in-process) on one data directory. Loaded only by the engine process
 * (engine-main.ts), never by a darkscope command: chdb's signal handlers and
 * its 500 MB library stay out of ingest, serve and report.
 *
 * Each request runs on a connection of its own (about 2 ms to open while the
 * directory is held open): its settings, query parameters and database apply
 * to that request only, and requests run in parallel on libuv's pool.
 * Every query is asynchronous (chdb's synchronous calls block the event loop).
 * Request data never goes through chdb's raw-insert API (a blank line in the
 * data would end it and run the rest as SQL): the HTTP layer spills it to a
 * file and the statement reads it with FROM INFILE.
 */

import { Session } from 'chdb';
import { sqlIdent, sqlString } from '../sql.js';

export interface EngineRunRequest {
  readonly sql: string;
  /** Output format when the statement names none. */
  readonly format: string;
  /** Settings in the order they are applied (readonly last: once set it forbids further SETs). */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly database: string | null;
  /** Set as log_comment, so that KILL QUERY can find the request's query. */
  readonly marker: string;
}

export interface EngineRunResult {
  readonly bytes: Uint8Array;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly elapsedSec: number;
}

export interface SqlEngine {
  /** The engine's `version()`, e.g. 26.7.2.1. */
  readonly version: string;
  /** Runs a statement and returns its whole result. */
  run(req: EngineRunRequest): Promise<EngineRunResult>;
  /** Runs a SELECT-like statement and yields its result chunk by chunk (row formats only). */
  stream(req: EngineRunRequest): AsyncIterable<Uint8Array>;
  /** Cancels the running query of a request (KILL QUERY ... ASYNC; the SYNC form never returns in chdb). */
  kill(marker: string): Promise<void>;
  /** Runs SELECT 1 through the engine (not only the HTTP loop). */
  health(): Promise<void>;
  close(): void;
}

export interface OpenEngineOptions {
  readonly dataDir: string;
  /** max_server_memory_usage in bytes (0: the engine's default). */
  readonly maxMemoryBytes: number;
}

/**
 * Defaults every connection starts with, so that the engine answers like a
 * ClickHouse server: 64-bit integers quoted in JSON (a server's default; chdb's
 * is unquoted).
 */
const CONNECTION_DEFAULTS = ['--output_format_json_quote_64bit_integers=1'];

function setStatement(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `SET ${pairs.map(([name, value]) => `${sqlIdent(name).text} = ${sqlString(value).text}`).join(', ')}`;
}

export async function openChdbEngine(options: OpenEngineOptions): Promise<SqlEngine> {
  const args = options.maxMemoryBytes > 0 ? [...CONNECTION_DEFAULTS, `--max_server_memory_usage=${options.maxMemoryBytes}`] : CONNECTION_DEFAULTS;
  // The first session starts the engine on the directory and holds it open.
  const keeper = new Session(options.dataDir, { connectionArgs: args });
  const version = (await keeper.queryAsync('SELECT version()', { format: 'TabSeparatedRaw' })).text().trim();

  function connect(): Session {
    return new Session(options.dataDir, { connectionArgs: CONNECTION_DEFAULTS });
  }

  async function prepare(conn: Session, req: EngineRunRequest): Promise<void> {
    const pre: Array<readonly [string, string]> = [['log_comment', req.marker], ...req.params.map(([n, v]) => [`param_${n}`, v] as const)];
    const readonly = req.settings.filter(([n]) => n === 'readonly');
    const others = req.settings.filter(([n]) => n !== 'readonly');
    await conn.queryAsync(setStatement([...pre, ...others]));
    if (req.database !== null) await conn.queryAsync(`USE ${sqlIdent(req.database).text}`);
    if (readonly.length > 0) await conn.queryAsync(setStatement(readonly));
  }

  return {
    version,
    async run(req) {
      const conn = connect();
      try {
        await prepare(conn, req);
        const r = await conn.queryAsync(req.sql, { format: req.format });
        return { bytes: r.bytes(), rowsRead: r.rowsRead, bytesRead: r.bytesRead, elapsedSec: r.elapsed };
      } finally {
        conn.close();
      }
    },
    async *stream(req) {
      const conn = connect();
      try {
        await prepare(conn, req);
        for await (const chunk of conn.queryStream(req.sql, { format: req.format })) yield chunk.raw();
      } finally {
        conn.close();
      }
    },
    async kill(marker) {
      const conn = connect();
      try {
        await conn.queryAsync(`KILL QUERY WHERE Settings['log_comment'] = ${sqlString(marker).text} ASYNC`, { format: 'TabSeparated' });
      } finally {
        conn.close();
      }
    },
    async health() {
      await keeper.queryAsync('SELECT 1', { format: 'TabSeparated' });
    },
    close() {
      keeper.close();
    },
  };
}
