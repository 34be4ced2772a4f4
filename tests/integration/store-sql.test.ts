import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreClient, type StoreClient } from '../../src/store/client.js';
import { col } from '../../src/store/row-decoders.js';
import {
  sql, sqlBytes, sqlDateTime, sqlFloat, sqlIdent, sqlInt, sqlIPv4, sqlList, sqlString, sqlUInt,
} from '../../src/store/sql.js';
import { clickhouseUrl } from './helpers/db.js';

let store: StoreClient;
beforeAll(() => {
  store = createStoreClient({ url: clickhouseUrl(), database: 'default' });
});
afterAll(async () => {
  await store.close();
});

async function roundTrip(s: string): Promise<string> {
  const rows = await store.query(sql`SELECT ${sqlString(s)} AS v`, { v: col.string });
  return rows[0]?.v as string;
}

const nasty = fc.constantFrom(
  "'", "\\", "\\'", "''", '\u0000', '\n', '\r\n', '\t', '\u001b', '\u007f', '`', '"', ';', '--', '/*', '*/',
  "') UNION SELECT name FROM system.tables --", "\\' OR 1=1 --", '{db}', '{x:String}', '$1', '?', '%s',
  'é', '😀', '\u2028', '\ufeff', '\ufffd', '\u{10ffff}', 'FORMAT JSON', ';\n',
);

describe('sqlString round-trips through the server', () => {
  it('returns random strings unchanged (full Unicode, controls, quotes, injections)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(nasty, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })), { maxLength: 8 }).map((xs) => xs.join('')),
        async (s) => {
          expect(await roundTrip(s)).toBe(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stores exactly the UTF-8 bytes', async () => {
    const s = "a\u0000'\\é😀";
    const rows = await store.query(sql`SELECT hex(${sqlString(s)}) AS h, length(${sqlString(s)}) AS n`, { h: col.string, n: col.uint64AsNumber });
    expect(rows[0]).toEqual({ h: Buffer.from(s, 'utf8').toString('hex').toUpperCase(), n: Buffer.byteLength(s) });
  });
});

describe('other encoders round-trip through the server', () => {
  it('sqlBytes keeps every byte', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 40 }), async (bytes) => {
      const rows = await store.query(sql`SELECT hex(${sqlBytes(bytes)}) AS h`, { h: col.string });
      expect(rows[0]?.h).toBe(Buffer.from(bytes).toString('hex').toUpperCase());
    }), { numRuns: 100 });
  });

  it('integers of every width, including the extremes', async () => {
    const cases: Array<[bigint, 8 | 16 | 32 | 64, boolean]> = [
      [0n, 8, false], [255n, 8, false], [65535n, 16, false], [4294967295n, 32, false], [18446744073709551615n, 64, false],
      [-128n, 8, true], [127n, 8, true], [-32768n, 16, true], [-2147483648n, 32, true],
      [-9223372036854775808n, 64, true], [9223372036854775807n, 64, true],
    ];
    for (const [v, bits, signed] of cases) {
      const lit = signed ? sqlInt(v, bits) : sqlUInt(v, bits);
      const rows = await store.query(sql`SELECT toString(${lit}) AS v, toString(3 -${lit}) AS d`, { v: col.string, d: col.string });
      expect(rows[0]?.v, lit.text).toBe(v.toString());
    }
    await fc.assert(fc.asyncProperty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), async (v) => {
      const rows = await store.query(sql`SELECT toString(${sqlInt(v, 64)}) AS v`, { v: col.string });
      expect(rows[0]?.v).toBe(v.toString());
    }), { numRuns: 100 });
  });

  it('floats (normal range) come back as the same double', async () => {
    await fc.assert(fc.asyncProperty(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => x === 0 || Math.abs(x) >= 2.2250738585072014e-308),
      async (x) => {
        const rows = await store.query(sql`SELECT toFloat64(${sqlFloat(x)}) AS v`, { v: col.number });
        expect(rows[0]?.v).toBe(x === 0 ? 0 : x);
      },
    ), { numRuns: 200 });
  });

  it('DateTime is the same instant whatever the server time zone', async () => {
    // 2^32-1 keeps its value, but 18.16 prints the last days before 2106-02-07 wrapped to 1970: text is checked up to 2100.
    for (const sec of [0, 1, 1704067199, 1704067200, 4102444800, 2 ** 32 - 1]) {
      const rows = await store.query(
        sql`SELECT toUInt32(${sqlDateTime(sec)}) AS n, toString(${sqlDateTime(sec)}) AS s`,
        { n: col.number, s: col.string },
      );
      expect(rows[0]?.n).toBe(sec);
      if (sec !== 0 && sec <= 4102444800) expect(rows[0]?.s).toBe(new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' '));
    }
  });

  it('IPv4 matches the server\'s own conversion', async () => {
    await fc.assert(fc.asyncProperty(fc.ipV4(), async (ip) => {
      const rows = await store.query(sql`SELECT ${sqlIPv4(ip)} = IPv4StringToNum(${sqlString(ip)}) AS same`, { same: col.number });
      expect(rows[0]?.same).toBe(1);
    }), { numRuns: 100 });
  });

  it('identifiers and lists', async () => {
    const rows = await store.query(
      sql`SELECT 5 AS ${sqlIdent('select')}, 3 IN (${sqlList([1, 2, 3], (n) => sqlUInt(n, 8))}) AS hit`,
      { select: col.number, hit: col.number },
    );
    expect(rows[0]).toEqual({ select: 5, hit: 1 });
  });
});
