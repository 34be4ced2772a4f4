/** The `sensors` table: which address space each sensor observes. */
import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { sql, sqlDateTime, sqlList, sqlString, sqlUInt } from './sql.js';

/** Number of addresses covered by a list of IPv4/IPv6 CIDRs (IPv6 capped at 2^53 for arithmetic). */
export function darknetSize(cidrs: readonly string[]): number {
  let total = 0;
  for (const c of cidrs) {
    const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(c.trim());
    if (!m) throw new DarkscopeError('BAD_CONFIG', `--darknet value "${c}" is not a CIDR (e.g. 198.18.0.0/15)`);
    const v6 = m[1].includes(':');
    const len = Number(m[2]);
    if ((!v6 && (len > 32 || !/^\d{1,3}(\.\d{1,3}){3}$/.test(m[1]))) || (v6 && len > 128)) {
      throw new DarkscopeError('BAD_CONFIG', `--darknet value "${c}" is not a valid CIDR`);
    }
    total += 2 ** Math.min(53, (v6 ? 128 : 32) - len);
  }
  return Math.min(total, Number.MAX_SAFE_INTEGER);
}

export async function saveSensorDarknets(store: StoreClient, sensor: string, cidrs: readonly string[]): Promise<void> {
  const size = darknetSize(cidrs);
  await store.command(sql`
    INSERT INTO ${store.table('sensors')} (sensor, darknets, darknet_size, updated_at)
    VALUES (${sqlString(sensor)}, [${sqlList(cidrs, sqlString)}], ${sqlUInt(size, 64)}, ${sqlDateTime(Math.floor(Date.now() / 1000))})`);
}

export interface SensorInfo {
  readonly sensor: string;
  readonly darknets: readonly string[];
  readonly darknetSize: number;
}

export async function loadSensors(store: StoreClient): Promise<SensorInfo[]> {
  const rows = await store.query(sql`
    SELECT sensor, argMax(darknet_size, updated_at) AS size, toString(argMax(darknets, updated_at)) AS nets
    FROM ${store.table('sensors')} GROUP BY sensor ORDER BY sensor`,
  { sensor: col.string, size: col.uint64AsNumber, nets: col.string });
  return rows.map((r) => ({ sensor: r.sensor, darknetSize: r.size, darknets: JSON.parse(r.nets.replace(/'/g, '"')) as string[] }));
}
