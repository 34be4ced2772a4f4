/**
 * The embedded engine's HTTP interface: the part of ClickHouse's HTTP
 * protocol that @clickhouse/client, darkscope and curl users need, on
 * 127.0.0.1 only, in front of a SqlEngine (chdb-engine.ts in production;
 * the HTTP layer itself knows nothing of chdb).
 *
 * - GET/HEAD `/ping` and bare `GET /`: `Ok.`; `/darkscope/health` runs SELECT 1 in the engine.
 * - `/` with the query in `?query=` and/or the body; settings, `param_*`,
 *   `database`, `default_format`, `query_id` as URL parameters; GET runs
 *   read-only (readonly = 2), as on a server.
 * - INSERT data (the body after `?query=INSERT ... FORMAT X`, or after the
 *   format name in the body) is written to a file in the engine's temporary
 *   directory and read with FROM INFILE: it is never parsed as SQL.
 * - Results are streamed for row formats (JSONEachRow, TabSeparated,
 *   RowBinary, CSV, ...) and sent whole for the others (JSON, Pretty, ...).
 * - Errors as the server writes them (engine-errors.ts). A request whose
 *   client goes away before its answer is complete has its query killed,
 *   except an INSERT, which completes once its data has arrived (as on a
 *   server), so its views are never cut off from its raw part.
 * - X-ClickHouse-Query-Id, -Format, -Timezone, -Summary and
 *   -Exception-Code headers; basic auth, X-ClickHouse-User/-Key, ?user=&password=.
 */

import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, createInflate, createBrotliDecompress } from 'node:zlib';
import type { Logger } from 'pino';
import { sqlString } from '../sql.js';
import type { EngineRunRequest, SqlEngine } from './chdb-engine.js';
import { EngineError, EngineErrorCode, failureOf, httpStatusForCode } from './engine-errors.js';
import { readRequestParams, type EngineRequestParams } from './request-params.js';
import { analyzeStatement, insertFromFile, isStreamableKind, type StatementInfo } from './statement-text.js';

export interface EngineHttpOptions {
  readonly engine: SqlEngine;
  /** The `default` user's password ('' for a test store that takes none, like a fresh server's default user). */
  readonly password: string;
  /** Where INSERT data is spilled before the engine reads it. */
  readonly tmpDir: string;
  readonly timezone: string;
  readonly log: Logger;
  /** Requests running at once before TOO_MANY_SIMULTANEOUS_QUERIES (default 64). */
  readonly maxConcurrent?: number;
}

/** The longest query text read into memory (the server's max_query_size is 256 KiB; INSERT data is not counted). */
const MAX_QUERY_BYTES = 1 << 20;

/** Formats whose output is a sequence of independent rows, so chunks can be sent as they come. */
const STREAMED_FORMATS = new Set(['jsoneachrow', 'jsonstringseachrow', 'jsoncompacteachrow', 'jsoncompactstringseachrow',
  'jsonlines', 'ndjson', 'tabseparated', 'tsv', 'tabseparatedraw', 'tsvraw', 'csv', 'rowbinary', 'native', 'values', 'lineasstring']);

function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json') || f === 'ndjson') return f.includes('eachrow') || f === 'jsonlines' || f === 'ndjson' ? 'application/x-ndjson; charset=UTF-8' : 'application/json; charset=UTF-8';
  if (f.startsWith('rowbinary') || f === 'native' || f === 'parquet' || f === 'arrow') return 'application/octet-stream';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}

function passwordMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function decodedBody(req: IncomingMessage): Readable {
  const enc = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (enc === '' || enc === 'identity') return req;
  const inflater = enc === 'gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : enc === 'br' ? createBrotliDecompress() : null;
  if (inflater === null) throw new EngineError(EngineErrorCode.BAD_ARGUMENTS, `Unknown Content-Encoding ${JSON.stringify(enc)}`);
  req.on('error', (e) => inflater.destroy(e));
  return req.pipe(inflater);
}

interface Prepared {
  readonly sql: string;
  readonly info: StatementInfo;
  /** INSERT data file, removed when the request ends. */
  readonly dataFile: string | null;
}

/**
 * Reads the statement: from ?query= (the body is then INSERT data, or the
 * rest of the query), or from the body (INSERT data after the format name is
 * spilled without ever being held whole in memory).
 */
async function prepareStatement(req: IncomingMessage, params: EngineRequestParams, tmpDir: string): Promise<Prepared> {
  const body = decodedBody(req);
  const dataPath = join(tmpDir, `insert-${randomUUID()}.data`);
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;

  async function spill(first: Buffer): Promise<void> {
    const out = createWriteStream(dataPath);
    async function* rest(): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      for (;;) {
        const n = await it.next();
        if (n.done === true) return;
        yield n.value;
      }
    }
    await pipeline(Readable.from(rest()), out);
  }

  if (params.query !== null) {
    const info = analyzeStatement(params.query);
    if (info.kind === 'INSERT' && info.takesData) {
      const inline = Buffer.from(params.query.slice(info.dataStart), 'utf8');
      await spill(inline);
      return { sql: insertFromFile(params.query, info, sqlString(dataPath).text), info, dataFile: dataPath };
    }
  }
  for (;;) {
    const n = await it.next();
    if (n.done === true) break;
    chunks.push(n.value);
    size += n.value.length;
    if (size > MAX_QUERY_BYTES) {
      // Only an INSERT with inline data may be this long: look for where its data starts.
      const head = Buffer.concat(chunks);
      const text = (params.query !== null ? `${params.query} ` : '') + head.subarray(0, MAX_QUERY_BYTES).toString('utf8');
      const info = analyzeStatement(text);
      if (params.query === null && info.kind === 'INSERT' && info.takesData && info.dataStart < text.length) {
        const dataOffset = Buffer.byteLength(text.slice(0, info.dataStart), 'utf8');
        await spill(head.subarray(dataOffset));
        return { sql: insertFromFile(text, info, sqlString(dataPath).text), info, dataFile: dataPath };
      }
      throw new EngineError(229, `Query is too large (over ${MAX_QUERY_BYTES} bytes): send INSERT data after the format name or as the body of ?query=INSERT ... FORMAT`);
    }
  }
  const bodyText = Buffer.concat(chunks).toString('utf8');
  const text = params.query === null ? bodyText : bodyText.length > 0 ? `${params.query}\n${bodyText}` : params.query;
  const info = analyzeStatement(text);
  if (info.kind === 'INSERT' && info.takesData) {
    const dataOffset = Buffer.byteLength(text.slice(0, info.dataStart), 'utf8');
    await spill(Buffer.from(text, 'utf8').subarray(dataOffset));
    return { sql: insertFromFile(text, info, sqlString(dataPath).text), info, dataFile: dataPath };
  }
  return { sql: text, info, dataFile: null };
}

export interface EngineHttpServer {
  readonly server: Server;
  /** Requests being answered now. */
  running(): number;
  /** Stops accepting, waits for running requests (up to timeoutMs), then closes every socket. */
  close(timeoutMs: number): Promise<void>;
}

export function createEngineHttpServer(options: EngineHttpOptions): EngineHttpServer {
  const { engine, log } = options;
  const maxConcurrent = options.maxConcurrent ?? 64;
  const runningIds = new Set<string>();
  let inFlight = 0;

  function baseHeaders(queryId: string): Record<string, string> {
    return {
      'X-ClickHouse-Server-Display-Name': 'darkscope-embedded',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': options.timezone,
    };
  }

  function sendFailure(res: ServerResponse, queryId: string, err: unknown): void {
    const f = failureOf(err, engine.version);
    if (res.headersSent) {
      // Mid-stream: the server appends the exception to the body; the cut connection tells the client it failed.
      res.end(`\n${f.text}\n`);
      res.destroy();
      return;
    }
    res.writeHead(httpStatusForCode(f.code), {
      ...baseHeaders(queryId),
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(f.code),
    });
    res.end(`${f.text}\n`);
  }

  async function answer(req: IncomingMessage, res: ServerResponse, queryId: string): Promise<void> {
    const params = readRequestParams({ url: req.url ?? '/', headers: req.headers });
    if (params.user !== 'default' || !passwordMatches(params.password, options.password)) {
      throw new EngineError(EngineErrorCode.AUTHENTICATION_FAILED, `${params.user}: Authentication failed: password is incorrect, or there is no user with such name`);
    }
    if (params.queryId !== null && runningIds.has(params.queryId)) {
      throw new EngineError(EngineErrorCode.QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING, `Query with id = ${params.queryId} is already running`);
    }
    if (inFlight > maxConcurrent) {
      throw new EngineError(EngineErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES, `Too many simultaneous queries. Maximum: ${maxConcurrent}`);
    }
    if (params.queryId !== null) runningIds.add(params.queryId);
    let prepared: Prepared | null = null;
    try {
      prepared = await prepareStatement(req, params, options.tmpDir);
      const { info } = prepared;
      if (info.statements === 0) throw new EngineError(EngineErrorCode.SYNTAX_ERROR, 'Empty query');
      if (info.statements > 1) throw new EngineError(EngineErrorCode.SYNTAX_ERROR, 'Multi-statements are not allowed');
      const format = info.format ?? params.defaultFormat ?? 'TabSeparated';
      const settings = [...params.settings];
      if (req.method === 'GET' && !settings.some(([n]) => n === 'readonly')) settings.push(['readonly', '2']);
      const marker = `darkscope-engine:${randomUUID()}`;
      const run: EngineRunRequest = { sql: prepared.sql, format, settings, params: params.params, database: params.database, marker };
      let finished = false;
      // An INSERT whose data has arrived is finished, as a server does: killed half way, its raw part
      // could be committed without its materialized views' parts (seen when an ingest was SIGKILLed).
      const killable = info.kind !== 'INSERT';
      res.on('close', () => {
        if (!finished && killable) {
          log.debug({ queryId }, 'client went away before the answer ended: killing its query');
          engine.kill(marker).catch((e: unknown) => log.warn({ queryId, err: (e as Error).message }, 'could not kill query'));
        }
      });
      const gzip = params.compressResponse && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const headers = { ...baseHeaders(queryId), 'X-ClickHouse-Format': format, 'Content-Type': contentType(format), ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) };
      const sink = (): NodeJS.WritableStream => {
        if (!gzip) return res;
        const z = createGzip();
        z.pipe(res);
        return z;
      };
      if (isStreamableKind(info.kind) && STREAMED_FORMATS.has(format.toLowerCase())) {
        const chunks = engine.stream(run)[Symbol.asyncIterator]();
        const first = await chunks.next(); // errors before the first row still get their own status
        res.writeHead(200, headers);
        const out = sink();
        let n = first;
        while (n.done !== true) {
          if (!out.write(n.value)) await new Promise((r) => out.once('drain', r));
          if (res.destroyed) return;
          n = await chunks.next();
        }
        finished = true;
        out.end();
        return;
      }
      const r = await engine.run(run);
      finished = true;
      const summary = {
        read_rows: String(r.rowsRead), read_bytes: String(r.bytesRead), written_rows: '0', written_bytes: '0',
        total_rows_to_read: String(r.rowsRead), result_rows: '0', result_bytes: String(r.bytes.length),
        elapsed_ns: String(Math.round(r.elapsedSec * 1e9)),
      };
      res.writeHead(200, { ...headers, 'X-ClickHouse-Summary': JSON.stringify(summary) });
      sink().end(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
    } finally {
      if (params.queryId !== null) runningIds.delete(params.queryId);
      if (prepared?.dataFile != null) await rm(prepared.dataFile, { force: true });
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const plainGet = req.method === 'GET' || req.method === 'HEAD';
    if ((path === '/ping' && plainGet) || (path === '/' && plainGet && !(req.url ?? '').includes('?'))) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (path === '/darkscope/health' && plainGet) {
      engine.health().then(
        () => res.end('Ok.\n'),
        (e: unknown) => { res.writeHead(503); res.end(`${(e as Error).message}\n`); },
      );
      return;
    }
    const queryId = new URL(req.url ?? '/', 'http://engine').searchParams.get('query_id') ?? randomUUID();
    if (path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end(`There is no handle ${path}\n\nUse / or /ping for health checks.\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST' });
      res.end();
      return;
    }
    inFlight++;
    answer(req, res, queryId)
      .catch((err: unknown) => {
        const f = failureOf(err, engine.version);
        log.debug({ queryId, code: f.code }, 'request failed');
        sendFailure(res, queryId, err);
        req.resume(); // discard the rest of a body nobody read
      })
      .finally(() => { inFlight--; });
  });
  server.keepAliveTimeout = 10_000;
  server.requestTimeout = 0; // long queries are bounded by max_execution_time, not by the socket

  return {
    server,
    running: () => inFlight,
    async close(timeoutMs) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      server.closeAllConnections();
      await closed;
    },
  };
}
