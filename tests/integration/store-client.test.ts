import { afterAll, describe, expect, it } from 'vitest';
import { createStoreClient, pingOrThrow, type StoreClient } from '../../src/store/client.js';
import { freePort } from '../support/local-server.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlUInt } from '../../src/store/sql.js';
import { clickhouseUrl } from './helpers/db.js';

const clients: StoreClient[] = [];
function client(opts: Partial<Parameters<typeof createStoreClient>[0]> = {}): StoreClient {
  const c = createStoreClient({ url: clickhouseUrl(), database: 'default', ...opts });
  clients.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; line: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string; toLine(): string };
    return { code: err.code, message: err.message, line: err.toLine() };
  }
  throw new Error('expected a failure');
}

describe('store client', () => {
  it('pings and decodes typed rows, UInt64 deliberately', async () => {
    const c = client();
    await c.ping();
    const rows = await c.query(
      sql`SELECT toUInt64(${sqlUInt(18446744073709551615n, 64)}) AS big, toUInt64(42) AS n, toUInt8(1) AS b, 'x' AS s`,
      { big: col.uint64, n: col.uint64AsNumber, b: col.bool, s: col.string },
    );
    expect(rows).toEqual([{ big: 18446744073709551615n, n: 42, b: true, s: 'x' }]);
  });

  it('refuses to decode a UInt64 string as a plain number', async () => {
    const f = await failure(client().query(sql`SELECT toUInt64(1) AS n`, { n: col.number }));
    expect(f.code).toBe('DARKSCOPE_E_SCHEMA');
  });

  it('wrong port → CLICKHOUSE_UNREACHABLE', async () => {
    const port = await freePort();
    const f = await failure(client({ url: `http://127.0.0.1:${port}` }).ping());
    expect(f.code).toBe('DARKSCOPE_E_CLICKHOUSE_UNREACHABLE');
    expect(f.line).not.toContain('\n');
    expect(f.message).toContain(`127.0.0.1:${port}`);
  });

  it('unknown host → CLICKHOUSE_UNREACHABLE', async () => {
    const f = await failure(client({ url: 'http://darkscope-no-such-host.invalid:8123' }).ping());
    expect(f.code).toBe('DARKSCOPE_E_CLICKHOUSE_UNREACHABLE');
  });

  it('wrong password → CLICKHOUSE_AUTH, one line', async () => {
    const f = await failure(pingOrThrow(client({ password: 'definitely-wrong-password' })));
    expect(f.code).toBe('DARKSCOPE_E_CLICKHOUSE_AUTH');
    expect(f.line).not.toContain('\n');
    expect(f.line).not.toContain('definitely-wrong-password');
  });

  it('unknown user → CLICKHOUSE_AUTH', async () => {
    const f = await failure(client({ username: 'darkscope_no_such_user', password: 'x' }).ping());
    expect(f.code).toBe('DARKSCOPE_E_CLICKHOUSE_AUTH');
  });

  it('credentials in the URL are used and not shown', async () => {
    const u = new URL(clickhouseUrl());
    u.username = 'default';
    u.password = 'secret-in-url';
    const c = client({ url: u.toString() });
    expect(c.url).not.toContain('secret-in-url');
    expect((await failure(c.ping())).code).toBe('DARKSCOPE_E_CLICKHOUSE_AUTH');
  });

  it('missing database or table → SCHEMA; bad SQL → CLICKHOUSE_QUERY', async () => {
    const c = client({ database: 'darkscope_test_missing_db' });
    expect((await failure(c.query(sql`SELECT count() AS n FROM ${c.table('packets')}`, { n: col.uint64 }))).code).toBe('DARKSCOPE_E_SCHEMA');
    const g = await failure(client().command(sql`SELEC 1`));
    expect(g.code).toBe('DARKSCOPE_E_CLICKHOUSE_QUERY');
    expect(g.line).not.toContain('\n');
  });

  it('client timeout and server max_execution_time → CLICKHOUSE_TIMEOUT', async () => {
    const slow = client({ requestTimeoutMs: 300 });
    expect((await failure(slow.query(sql`SELECT sleep(2) AS x`, { x: col.number }))).code).toBe('DARKSCOPE_E_CLICKHOUSE_TIMEOUT');
    const f = await failure(client().query(
      sql`SELECT count() AS n FROM system.numbers`,
      { n: col.uint64 },
      { settings: { max_execution_time: 1, timeout_overflow_mode: 'throw' } },
    ));
    expect(f.code).toBe('DARKSCOPE_E_CLICKHOUSE_TIMEOUT');
  });
});
