/**
 * The query runner against the real server: read-only, time, row and memory
 * limits become stable error codes; the observer sees every query; and the
 * source-key expression used on source rollups counts exactly like the port
 * rollups' merged states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isDarkscopeError, type DarkscopeError } from '../../src/errors.js';
import { queryContext, runQuery, type QueryEvent } from '../../src/query/runner.js';
import { SOURCE_KEY_SQL } from '../../src/query/rollup-families.js';
import { migrate } from '../../src/store/migrate.js';
import { col } from '../../src/store/row-decoders.js';
import { sql } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { dayStart, generateRows, insertRows } from './helpers/packets.js';

let db: TestDatabase;
const events: QueryEvent[] = [];

beforeAll(async () => {
  db = await freshDatabase('query_runner', { create: false });
  await migrate(db.store);
  await insertRows(db.store, generateRows({ count: 3000, from: dayStart('2024-03-10'), to: dayStart('2024-03-10') + 6 * 3_600, seed: 11, sources: 1500, ipv6Share: 0.3 }), 3000);
}, 60_000);

afterAll(async () => {
  await db?.dispose();
});

function ctx(env: Record<string, string> = {}) {
  return queryContext(loadConfig(env), db.store, { observer: (e) => events.push(e) });
}

async function failure(p: Promise<unknown>): Promise<DarkscopeError> {
  try {
    await p;
  } catch (e) {
    if (isDarkscopeError(e)) return e;
    throw e;
  }
  throw new Error('expected the query to fail');
}

describe('runQuery', () => {
  it('a query slower than DARKSCOPE_QUERY_TIMEOUT_SEC fails with CLICKHOUSE_TIMEOUT (HTTP 503)', async () => {
    const start = Date.now();
    const e = await failure(runQuery(ctx({ DARKSCOPE_QUERY_TIMEOUT_SEC: '1' }), 'slow', sql`SELECT count() AS n FROM system.numbers WHERE sipHash64(number) = 1`, { n: col.uint64 }));
    expect(e.code).toBe('DARKSCOPE_E_CLICKHOUSE_TIMEOUT');
    expect(e.status).toBe(503);
    expect(e.message).toBe('the query did not finish within 1 s');
    expect(Date.now() - start).toBeLessThan(8_000);
    expect(events.at(-1)).toMatchObject({ query: 'slow', ok: false, code: 'DARKSCOPE_E_CLICKHOUSE_TIMEOUT' });
  });

  it('result-row and memory limits fail with QUERY_LIMIT', async () => {
    const rows = await failure(runQuery(ctx({ DARKSCOPE_QUERY_MAX_RESULT_ROWS: '1000' }), 'rows', sql`SELECT number AS n FROM system.numbers LIMIT 5000`, { n: col.number }));
    expect(rows.code).toBe('DARKSCOPE_E_QUERY_LIMIT');
    expect(rows.message).toBe('the query exceeded the server limit on result rows (1000)');
    const mem = await failure(runQuery(ctx({ DARKSCOPE_QUERY_MAX_MEMORY_BYTES: '10000000' }), 'memory',
      sql`SELECT length(groupArray(number)) AS n FROM (SELECT number FROM system.numbers LIMIT 50000000)`, { n: col.number }));
    expect(mem.code).toBe('DARKSCOPE_E_QUERY_LIMIT');
  });

  it('runs read-only: no DDL, no inserts', async () => {
    const e = await failure(runQuery(ctx(), 'ddl', sql`CREATE TABLE ${db.store.table('evil')} (x UInt8) ENGINE = Memory`, {}));
    expect(e.code).toBe('DARKSCOPE_E_CLICKHOUSE_QUERY');
    expect(e.details.clickhouseCode).toBe(164); // READONLY
  });

  it('reports successful queries to the observer', async () => {
    const rows = await runQuery(ctx(), 'ok', sql`SELECT sum(packets) AS n FROM ${db.store.table('port_1h')}`, { n: col.uint64AsNumber });
    expect(rows).toEqual([{ n: 3000 }]);
    expect(events.at(-1)).toMatchObject({ query: 'ok', ok: true });
  });
});

describe('unique sources from source rollups', () => {
  it('the source-key expression counts exactly like the port rollups (IPv6 included)', async () => {
    const rows = await runQuery(ctx(), 'keys', sql`SELECT
        (SELECT uniqCombined(17)(${SOURCE_KEY_SQL}) FROM ${db.store.table('source_total_1d')}) AS from_sources,
        (SELECT uniqCombinedMerge(17)(sources) FROM ${db.store.table('port_1h')}) AS from_ports,
        (SELECT uniqExact(src_key) FROM ${db.store.table('packets')}) AS exact`,
    { from_sources: col.uint64AsNumber, from_ports: col.uint64AsNumber, exact: col.uint64AsNumber });
    expect(rows[0].from_sources).toBe(rows[0].from_ports);
    expect(Math.abs(rows[0].from_sources - rows[0].exact) / rows[0].exact).toBeLessThan(0.01);
  });
});
