/**
 * The API through app.inject() with a fake store (no server): parameter
 * validation, limits, error bodies, auth on/off, rate limiting, readiness,
 * OpenAPI, metrics, CSV, and the settings every query carries.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type DarkscopeApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { DarkscopeError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createStoreClient, type QueryOptions, type StoreClient } from '../../src/store/client.js';
import type { RowSchema } from '../../src/store/row-decoders.js';
import { sqlQualified, type SqlFragment } from '../../src/store/sql.js';

interface FakeStore extends StoreClient {
  readonly calls: Array<{ sql: string; options?: QueryOptions }>;
}

function fakeStore(opts: { rows?: (columns: string[]) => unknown[]; fail?: () => Error; ping?: () => Promise<void> } = {}): FakeStore {
  const calls: FakeStore['calls'] = [];
  return {
    database: 'fake',
    url: 'http://127.0.0.1:1',
    clickhouse: undefined as never,
    calls,
    table: (name: string) => sqlQualified('fake', name),
    async query<S extends RowSchema>(q: SqlFragment, schema: S, options?: QueryOptions) {
      calls.push({ sql: q.text, options });
      if (opts.fail) throw opts.fail();
      return (opts.rows?.(Object.keys(schema)) ?? []) as never;
    },
    async command() {},
    ping: opts.ping ?? (async () => {}),
    async close() {},
  };
}

const NOW = Date.UTC(2024, 2, 10, 12) / 1000;
let app: DarkscopeApp | undefined;

async function make(store: StoreClient, env: Record<string, string> = {}): Promise<DarkscopeApp> {
  app = await buildApp({
    config: loadConfig({ DARKSCOPE_API_RATE_LIMIT: '0', ...env }),
    store,
    logger: createLogger('silent'),
    now: () => NOW,
    defaultMetrics: false,
  });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

const errorOf = (body: string) => (JSON.parse(body) as { error: { code: string; message: string; hint: string } }).error;

describe('parameters and limits', () => {
  it('rejects unknown parameters, out-of-range limits and bad enums with BAD_REQUEST', async () => {
    const a = await make(fakeStore());
    const cases: Array<[string, string]> = [
      ['/api/v1/ports/top?foo=1', 'unknown querystring parameter "foo"'],
      ['/api/v1/ports/top?limit=10001', 'querystring parameter "limit" must be <= 10000'],
      ['/api/v1/ports/top?limit=0', 'querystring parameter "limit" must be >= 1'],
      ['/api/v1/ports/top?limit=ten', 'querystring parameter "limit" must be integer'],
      ['/api/v1/summary?class=worm', 'querystring parameter "class" must be equal to one of the allowed values: scan, backscatter, other'],
      ['/api/v1/sources/top?country=CHN', 'querystring parameter "country" must match pattern "^[A-Za-z]{2}$"'],
      ['/api/v1/ports/tcp/99999/series', 'port "99999" must be a number 0..65535'],
      ['/api/v1/ports/xyz/23/series', 'proto "xyz" must be tcp, udp, icmp, icmpv6, sctp, gre, esp or a number 0..255'],
      ['/api/v1/sources/not-an-ip', '"not-an-ip" is not an IPv4 or IPv6 address'],
      ['/api/v1/trends?recentDays=0', 'querystring parameter "recentDays" must be >= 1'],
    ];
    for (const [url, message] of cases) {
      const r = await a.inject({ url });
      expect(r.statusCode, url).toBe(400);
      expect(errorOf(r.body), url).toMatchObject({ code: 'DARKSCOPE_E_BAD_REQUEST', message });
    }
  });

  it('bounds the time range', async () => {
    const a = await make(fakeStore(), { DARKSCOPE_API_MAX_RANGE_DAYS: '30' });
    expect((await a.inject({ url: '/api/v1/ports/top?from=-30d' })).statusCode).toBe(200);
    const r = await a.inject({ url: '/api/v1/ports/top?from=-31d' });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body).code).toBe('DARKSCOPE_E_RANGE_TOO_LARGE');
    const bad = await a.inject({ url: '/api/v1/summary?from=yesterday' });
    expect(errorOf(bad.body)).toMatchObject({ code: 'DARKSCOPE_E_BAD_TIME_RANGE', message: expect.stringContaining('"yesterday"') });
  });

  it('answers unknown routes with NOT_FOUND', async () => {
    const a = await make(fakeStore());
    const r = await a.inject({ url: '/api/v1/nope?x=1' });
    expect(r.statusCode).toBe(404);
    expect(errorOf(r.body)).toEqual({ code: 'DARKSCOPE_E_NOT_FOUND', message: 'no route GET /api/v1/nope', hint: expect.any(String) });
  });
});

describe('queries', () => {
  it('every query runs read-only with time, row and memory limits', async () => {
    const store = fakeStore();
    const a = await make(store, { DARKSCOPE_QUERY_TIMEOUT_SEC: '7' });
    expect((await a.inject({ url: '/api/v1/summary' })).statusCode).toBe(200);
    const queries = store.calls.filter((c) => c.options?.settings !== undefined);
    expect(queries.length).toBe(5); // totals, mix, top port ranking, top ports, countries
    for (const c of queries) {
      expect(c.options?.settings).toEqual({ max_execution_time: 7, max_result_rows: '1000000', result_overflow_mode: 'throw', max_memory_usage: '4000000000', readonly: '1' });
      expect(c.options?.abortSignal).toBeInstanceOf(AbortSignal);
    }
  });

  it('a slow query is a 503 with a clear body; a server limit too', async () => {
    const timeout = new DarkscopeError('CLICKHOUSE_TIMEOUT', 'ClickHouse at http://10.1.2.3:8123 did not answer in time');
    const a = await make(fakeStore({ fail: () => timeout }));
    const r = await a.inject({ url: '/api/v1/ports/top' });
    expect(r.statusCode).toBe(503);
    expect(errorOf(r.body)).toEqual({
      code: 'DARKSCOPE_E_CLICKHOUSE_TIMEOUT',
      message: 'the query did not finish within the time the server allows',
      hint: 'Narrow the time range or filters, or raise the query timeout.',
    });
    expect(r.body).not.toContain('10.1.2.3');
    await a.close();
    const limited = new DarkscopeError('CLICKHOUSE_QUERY', 'ClickHouse error 241: Memory limit (for query) exceeded', { clickhouseCode: 241 });
    const b = await make(fakeStore({ fail: () => limited }));
    const r2 = await b.inject({ url: '/api/v1/sources/top' });
    expect(r2.statusCode).toBe(503);
    expect(errorOf(r2.body).code).toBe('DARKSCOPE_E_QUERY_LIMIT');
  });

  it('server errors never leak SQL, addresses or stacks', async () => {
    const leak = new DarkscopeError('CLICKHOUSE_QUERY', "ClickHouse error 62: Syntax error: failed at position 8: SELECT secret FROM `db`.`packets` WHERE label = 'x'", { clickhouseCode: 62 });
    const a = await make(fakeStore({ fail: () => leak }));
    const r = await a.inject({ url: '/api/v1/summary' });
    expect(r.statusCode).toBe(500);
    expect(errorOf(r.body)).toMatchObject({ code: 'DARKSCOPE_E_CLICKHOUSE_QUERY', message: 'internal error' });
    expect(r.body).not.toMatch(/SELECT|packets|stack|at .*\.ts/);
    await a.close();
    const b = await make(fakeStore({ fail: () => new TypeError('x is undefined at /work/src/query/summary.ts:12') }));
    const r2 = await b.inject({ url: '/api/v1/summary' });
    expect(r2.statusCode).toBe(500);
    expect(errorOf(r2.body)).toMatchObject({ code: 'DARKSCOPE_E_INTERNAL', message: 'internal error' });
  });

  it('format=csv returns text/csv with the table columns', async () => {
    const ports = [{ proto: 6, port: 23, packets: '30', bytes: '1800', sources: '3', destinations: '20' }, { proto: 17, port: 53, packets: '10', bytes: '600', sources: '1', destinations: '5' }];
    // The ranking (proto, port), then the chosen ports' measures, and the total.
    const rows = (cols: string[]) => (cols.join() === 'proto,port' ? ports.map(({ proto, port }) => ({ proto, port }))
      : cols.includes('destinations') ? ports : [{ packets: '40', sources: '4' }]);
    const a = await make(fakeStore({ rows }));
    const r = await a.inject({ url: '/api/v1/ports/top?format=csv' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.body).toBe([
      'rank,port_label,proto,port,service,packets,share,sources,destinations,bytes,note',
      '1,23/TCP,6,23,telnet,30,0.75,3,20,1800,Telnet: default-credential logins by Mirai and its variants',
      '2,53/UDP,17,53,domain,10,0.25,1,5,600,',
      '',
    ].join('\r\n'));
    const json = await a.inject({ url: '/api/v1/ports/top' });
    expect(json.json()).toMatchObject({ grain: 'hour', by: 'packets', total: { packets: 40, sources: 4 }, ports: [{ rank: 1, label: '23/TCP', share: 0.75 }, { rank: 2 }] });
  });
});

describe('authentication', () => {
  const TOKEN = 'tok_0123456789abcdef';
  it('is off without DARKSCOPE_API_TOKENS', async () => {
    const a = await make(fakeStore());
    expect((await a.inject({ url: '/api/v1/ports/top' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('requires a valid bearer token for everything but health', async () => {
    const a = await make(fakeStore(), { DARKSCOPE_API_TOKENS: `other_token_abcdefgh, ${TOKEN}` });
    const none = await a.inject({ url: '/api/v1/ports/top' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="darkscope"');
    expect(errorOf(none.body)).toMatchObject({ code: 'DARKSCOPE_E_UNAUTHORIZED', message: 'this API needs a bearer token' });
    const wrong = await a.inject({ url: '/api/v1/ports/top', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(errorOf(wrong.body).message).toBe('the bearer token is not valid');
    expect((await a.inject({ url: '/api/v1/ports/top', headers: { authorization: `Basic ${TOKEN}` } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/api/v1/ports/top', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await a.inject({ url: '/api/v1/ports/top', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await a.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await a.inject({ url: '/openapi.json' })).statusCode).toBe(401);
    expect((await a.inject({ url: '/healthz/live' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/healthz/ready' })).statusCode).toBe(200);
  });
});

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the limit, per client, never on health', async () => {
    const a = await make(fakeStore(), { DARKSCOPE_API_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i++) expect((await a.inject({ url: '/api/v1/ports/top' })).statusCode).toBe(200);
    const r = await a.inject({ url: '/api/v1/ports/top' });
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(errorOf(r.body)).toMatchObject({ code: 'DARKSCOPE_E_RATE_LIMITED', message: expect.stringMatching(/^more than 3 requests per minute/) });
    expect((await a.inject({ url: '/api/v1/ports/top', remoteAddress: '127.0.0.9' })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await a.inject({ url: '/healthz/live' })).statusCode).toBe(200);
  });

  it('counts clients behind a trusted proxy by X-Forwarded-For, and ignores that header from anyone else', async () => {
    const fwd = (client: string, peer = '10.1.2.3') => ({ url: '/api/v1/ports/top', remoteAddress: peer, headers: { 'x-forwarded-for': client } });
    const behind = await make(fakeStore(), { DARKSCOPE_API_RATE_LIMIT: '2', DARKSCOPE_API_TRUST_PROXY: '10.0.0.0/8' });
    for (let i = 0; i < 2; i++) expect((await behind.inject(fwd('198.51.100.1'))).statusCode).toBe(200);
    expect((await behind.inject(fwd('198.51.100.1'))).statusCode).toBe(429);
    // Another client through the same proxy has its own budget.
    expect((await behind.inject(fwd('198.51.100.2'))).statusCode).toBe(200);
    // A peer outside the trusted range cannot pick its own identity with the header.
    for (let i = 0; i < 2; i++) expect((await behind.inject(fwd(`203.0.113.${i}`, '192.0.2.50'))).statusCode).toBe(200);
    expect((await behind.inject(fwd('203.0.113.99', '192.0.2.50'))).statusCode).toBe(429);
    await behind.close();

    const direct = await make(fakeStore(), { DARKSCOPE_API_RATE_LIMIT: '2' });
    for (let i = 0; i < 2; i++) expect((await direct.inject(fwd(`198.51.100.${i}`))).statusCode).toBe(200);
    expect((await direct.inject(fwd('198.51.100.77'))).statusCode).toBe(429);
  });
});

describe('health', () => {
  it('live always; ready only while ClickHouse answers', async () => {
    let up = true;
    const a = await make(fakeStore({ ping: async () => { if (!up) throw new DarkscopeError('CLICKHOUSE_UNREACHABLE', 'down'); } }));
    expect((await a.inject({ url: '/healthz/ready' })).json()).toEqual({ status: 'ready', clickhouse: 'ok' });
    up = false;
    const r = await a.inject({ url: '/healthz/ready' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: 'unavailable', clickhouse: 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' });
    expect((await a.inject({ url: '/healthz/live' })).json()).toEqual({ status: 'ok' });
  });

  it('ready fails against a real client whose server is down', async () => {
    const store = createStoreClient({ url: 'http://127.0.0.1:1', database: 'darkscope' });
    try {
      const a = await make(store);
      const r = await a.inject({ url: '/healthz/ready' });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ status: 'unavailable', clickhouse: 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE' });
      const q = await a.inject({ url: '/api/v1/ports/top' });
      expect(q.statusCode).toBe(503);
      expect(errorOf(q.body)).toMatchObject({ code: 'DARKSCOPE_E_CLICKHOUSE_UNREACHABLE', message: 'the database is not reachable' });
    } finally {
      await store.close();
    }
  });

  it('a hung ClickHouse makes readiness fail after the ping timeout', async () => {
    const a = await make(fakeStore({ ping: () => new Promise(() => {}) }));
    const r = await a.inject({ url: '/healthz/ready' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: 'unavailable', clickhouse: 'DARKSCOPE_E_CLICKHOUSE_TIMEOUT' });
  });
});

describe('OpenAPI, docs and metrics', () => {
  it('/openapi.json documents every route from its schemas', async () => {
    const a = await make(fakeStore());
    const doc = (await a.inject({ url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, { get: { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> } }> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/dos', '/api/v1/ports/top', '/api/v1/ports/{proto}/{port}/series', '/api/v1/scans', '/api/v1/sources/top', '/api/v1/sources/{ip}',
      '/api/v1/summary', '/api/v1/trends', '/healthz/live', '/healthz/ready',
    ]);
    const top = doc.paths['/api/v1/ports/top'].get;
    expect(top.parameters?.map((p) => p.name).sort()).toEqual(
      ['asn', 'by', 'class', 'country', 'excludeLabel', 'format', 'from', 'label', 'limit', 'proto', 'sensor', 'to', 'tool'].sort());
    expect(Object.keys(top.responses).sort()).toEqual(['200', '4XX', '5XX']);
    const docs = await a.inject({ url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('/metrics exposes request and query durations', async () => {
    const a = await make(fakeStore());
    await a.inject({ url: '/api/v1/ports/top' });
    const m = (await a.inject({ url: '/metrics' })).body;
    expect(m).toContain('darkscope_http_request_duration_seconds_count{method="GET",route="/api/v1/ports/top",status="200"} 1');
    expect(m).toContain('darkscope_clickhouse_query_duration_seconds_count{query="top_ports.ports",outcome="ok"} 1');
    expect(m).toContain('# TYPE darkscope_clickhouse_query_errors_total counter');
  });
});
