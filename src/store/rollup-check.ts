/**
 * Are a day's rollups whole? An insert writes the raw part first and then one
 * part per materialized view, not atomically: a server that dies in between
 * leaves raw rows whose rollup rows are missing, and a retry that finds the
 * raw rows will not send them again. The pipeline therefore checks every day
 * in which it found already-stored rows, and rebuilds that day's rollups from
 * raw when a rollup's packet total differs from the raw count.
 */
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { ROLLUPS } from './rollups.js';
import { sql, sqlDateTime, sqlString, type SqlFragment } from './sql.js';

export interface DayCheck {
  /** 00:00 UTC of the day, epoch seconds. */
  readonly day: number;
  readonly rawPackets: number;
  /** Rollup tables whose packet total for the day and sensor differs from raw. */
  readonly mismatched: readonly string[];
}

export async function checkDayRollups(store: StoreClient, sensor: string, day: number): Promise<DayCheck> {
  const where = (time: 'ts' | 't') => {
    const c = time === 'ts' ? sql`ts` : sql`t`;
    return sql`sensor = ${sqlString(sensor)} AND ${c} >= ${sqlDateTime(day)} AND ${c} < ${sqlDateTime(day + 86_400)}`;
  };
  const rawCount = async (only?: SqlFragment): Promise<number> => {
    const cond = only === undefined ? where('ts') : sql`${where('ts')} AND ${only}`;
    const raw = await store.query(sql`SELECT count() AS n FROM ${store.table('packets')} WHERE ${cond}`, { n: col.uint64AsNumber });
    return raw[0]?.n ?? 0;
  };
  const rawPackets = await rawCount();
  const mismatched: string[] = [];
  for (const r of ROLLUPS) {
    // A rollup of some packets only (one with a `where`) is compared with those packets.
    const expected = r.where === undefined ? rawPackets : await rawCount(r.where);
    const rows = await store.query(sql`SELECT sum(packets) AS n FROM ${store.table(r.table)} WHERE ${where('t')}`, { n: col.uint64AsNumber });
    if ((rows[0]?.n ?? 0) !== expected) mismatched.push(r.table);
  }
  return { day, rawPackets, mismatched };
}
