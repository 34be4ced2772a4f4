/**
 * The rollups must agree with raw: totals equal after OPTIMIZE FINAL (rows of
 * a key may sit in several parts until a merge: every read aggregates), one row per key after the
 * merge, distinct counts within 1% of uniqExact, and every bucket in UTC
 * although the test server runs in Asia/Kathmandu.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { addressKeySql, ROLLUPS, type RollupDef } from '../../src/store/rollups.js';
import { rollupRows } from './helpers/rollup-rows.js';
import { col } from '../../src/store/row-decoders.js';
import { sql, sqlJoin, sqlString, unsafeRawSql, type SqlFragment } from '../../src/store/sql.js';
import { freshDatabase, type TestDatabase } from './helpers/db.js';
import { DAY, dayStart, generateRows, insertRows, type RawRow } from './helpers/packets.js';

let db: TestDatabase;
let rows: RawRow[];
const FROM = dayStart('2024-03-09') + 20 * 3600; // spans three UTC days, and midnight in Kathmandu
const TO = FROM + 2 * DAY;

beforeAll(async () => {
  db = await freshDatabase('rollups', { create: false });
  await migrate(db.store);
  rows = generateRows({ count: 6000, from: FROM, to: TO, seed: 7, sources: 3000 });
  await insertRows(db.store, rows, 750); // 8 inserts → several parts per partition to merge
}, 120_000);
afterAll(async () => {
  await db.dispose();
});

const BUCKET: Record<RollupDef['bucket'], SqlFragment> = {
  minute: sql`toStartOfMinute(ts)`, hour: sql`toStartOfHour(ts)`, day: sql`toStartOfDay(ts)`,
};

function dims(r: RollupDef): SqlFragment {
  return sqlJoin(r.dimensions.map((d) => unsafeRawSql(d === 'src6' ? 'hex(src6) AS src6' : d)));
}
function dimNames(r: RollupDef): SqlFragment {
  return sqlJoin(r.dimensions.map((d) => unsafeRawSql(d)));
}
const hasBytes = (r: RollupDef): boolean => r.measures.some((m) => m.name === 'bytes');

/** Per-key totals from raw, as sorted text lines. */
async function rawGroups(r: RollupDef): Promise<string[]> {
  const bytes = hasBytes(r) ? sql`sum(toUInt64(ip_len))` : sql`toUInt64(0)`;
  const out = await db.store.query(
    sql`SELECT toString(tuple(toUInt32(${BUCKET[r.bucket]}), ${dims(r)}, count(), ${bytes})) AS k
        FROM ${db.store.table('packets')} GROUP BY toUInt32(${BUCKET[r.bucket]}), ${dimNames(r)}`,
    { k: col.string });
  return out.map((x) => x.k).sort();
}

/** The rollup's rows read WITHOUT aggregation (valid only after OPTIMIZE FINAL). */
async function rollupRowsAsIs(r: RollupDef): Promise<string[]> {
  const bytes = hasBytes(r) ? sql`bytes` : sql`toUInt64(0)`;
  const out = await db.store.query(
    sql`SELECT toString(tuple(toUInt32(t), ${dims(r)}, packets, ${bytes})) AS k FROM ${db.store.table(r.table)}`,
    { k: col.string });
  return out.map((x) => x.k).sort();
}

async function total(table: string, column: string): Promise<number> {
  const out = await db.store.query(sql`SELECT sum(${unsafeRawSql(column)}) AS n FROM ${db.store.table(table)}`, { n: col.uint64AsNumber });
  return out[0]?.n ?? -1;
}

describe('rollups', () => {
  it('sum(packets) and sum(bytes) equal raw before any merge', async () => {
    const bytes = rows.reduce((a, r) => a + r.ip_len, 0);
    expect(await total('packets', '1')).toBe(rows.length);
    for (const r of ROLLUPS) {
      expect(await total(r.table, 'packets'), r.table).toBe(rows.length);
      if (hasBytes(r)) expect(await total(r.table, 'bytes'), r.table).toBe(bytes);
    }
  });

  it('after OPTIMIZE FINAL each key is one row whose counters equal raw', async () => {
    for (const r of ROLLUPS) {
      await db.store.command(sql`OPTIMIZE TABLE ${db.store.table(r.table)} FINAL`);
      const expected = await rawGroups(r);
      const actual = await rollupRowsAsIs(r);
      expect(actual.length, r.table).toBe(expected.length);
      expect(actual, r.table).toEqual(expected);
      expect(await total(r.table, 'packets'), r.table).toBe(rows.length);
    }
  });

  it('buckets are UTC and partitions are UTC days', async () => {
    if ((process.env.DARKSCOPE_TEST_CLICKHOUSE_URL ?? '') === '') {
      const tz = await db.store.query(sql`SELECT timezone() AS tz`, { tz: col.string });
      expect(tz[0]?.tz).toBe('Asia/Kathmandu'); // the harness's deliberately non-UTC server
    }
    const days = ['20240309', '20240310', '20240311'];
    for (const table of ['packets', ...ROLLUPS.map((r) => r.table)]) {
      const parts = await db.store.query(
        sql`SELECT DISTINCT partition FROM system.parts WHERE database = ${sqlString(db.name)} AND table = ${sqlString(table)} AND active ORDER BY partition`,
        { partition: col.string });
      expect(parts.map((p) => p.partition), table).toEqual(days);
    }
    const buckets = await db.store.query(sql`SELECT DISTINCT toUInt32(t) AS t FROM ${db.store.table('port_total_1d')} ORDER BY t`, { t: col.number });
    expect(buckets.map((b) => b.t)).toEqual([dayStart('2024-03-09'), dayStart('2024-03-10'), dayStart('2024-03-11')]);
    const hours = await db.store.query(sql`SELECT DISTINCT toUInt32(t) % 3600 AS r FROM ${db.store.table('port_1h')}`, { r: col.number });
    expect(hours).toEqual([{ r: 0 }]);
    const text = await db.store.query(sql`SELECT toString(min(t)) AS s FROM ${db.store.table('port_total_1d')}`, { s: col.string });
    expect(text[0]?.s).toBe('2024-03-09 00:00:00');
  });

  it('uniqCombined sources/destinations are within 1% of uniqExact, IPv6 included', async () => {
    const exact = await db.store.query(
      sql`SELECT uniqExact(${addressKeySql('src')}) AS s, uniqExact(${addressKeySql('dst')}) AS d,
                 uniqExactIf(${addressKeySql('src')}, ip_version = 6) AS s6
          FROM ${db.store.table('packets')}`,
      { s: col.uint64AsNumber, d: col.uint64AsNumber, s6: col.uint64AsNumber });
    const e = exact[0]!;
    expect(e.s).toBeGreaterThan(2000);
    expect(e.s6).toBeGreaterThan(100);
    for (const table of ['port_1m', 'port_1h', 'port_total_1d', 'total_1h', 'total_1d']) {
      const got = await db.store.query(
        sql`SELECT uniqCombinedMerge(17)(sources) AS s, uniqCombinedMerge(17)(destinations) AS d FROM ${rollupRows(db.store, table)}`,
        { s: col.uint64AsNumber, d: col.uint64AsNumber });
      expect(Math.abs(got[0]!.s - e.s) / e.s, table).toBeLessThan(0.01);
      expect(Math.abs(got[0]!.d - e.d) / e.d, table).toBeLessThan(0.01);
    }
    for (const table of ['country_1h', 'country_1d']) {
      const got = await db.store.query(sql`SELECT uniqCombinedMerge(17)(sources) AS s FROM ${rollupRows(db.store, table)}`, { s: col.uint64AsNumber });
      expect(Math.abs(got[0]!.s - e.s) / e.s, table).toBeLessThan(0.01);
    }
  });

  it('an IPv6 source key never equals an IPv4 one', async () => {
    const out = await db.store.query(
      sql`SELECT min(${addressKeySql('src')}) AS lo6 FROM ${db.store.table('packets')} WHERE ip_version = 6`, { lo6: col.uint64 });
    expect(out[0]!.lo6 >= 2n ** 63n).toBe(true);
  });

  it('source rollups keep first/last seen and per-source counts', async () => {
    const expected = await db.store.query(
      sql`SELECT toString(tuple(ip_version, src, hex(src6), min(toUInt32(ts)), max(toUInt32(ts)), count())) AS k
          FROM ${db.store.table('packets')} GROUP BY ip_version, src, src6`, { k: col.string });
    for (const table of ['source_1h', 'source_total_1d']) {
      const got = await db.store.query(
        sql`SELECT toString(tuple(ip_version, src, hex(src6), toUInt32(minMerge(first_seen)), toUInt32(maxMerge(last_seen)), sum(packets))) AS k
            FROM ${rollupRows(db.store, table)} GROUP BY ip_version, src, src6`, { k: col.string });
      expect(got.map((g) => g.k).sort(), table).toEqual(expected.map((x) => x.k).sort());
    }
    // Each source's ports, counted from the `ports` states of its day rows, within 1% of exact (exact for few ports).
    const ports = await db.store.query(
      sql`SELECT toString(tuple(ip_version, src, hex(src6))) AS k, uniqExact(proto, dport) AS n FROM ${db.store.table('packets')} GROUP BY ip_version, src, src6`,
      { k: col.string, n: col.uint64AsNumber });
    const counted = new Map((await db.store.query(
      sql`SELECT toString(tuple(ip_version, src, hex(src6))) AS k, uniqCombinedMerge(17)(ports) AS n FROM ${db.store.table('source_total_1d')} GROUP BY ip_version, src, src6`,
      { k: col.string, n: col.uint64AsNumber })).map((r) => [r.k, r.n]));
    expect(ports.length).toBeGreaterThan(100);
    for (const p of ports) expect(Math.abs((counted.get(p.k) ?? -1) - p.n), p.k).toBeLessThanOrEqual(Math.max(0, Math.floor(p.n * 0.01)));
  });
});
