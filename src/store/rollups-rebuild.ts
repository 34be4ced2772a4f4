/**
 * Rebuilds every rollup table from raw packets, one whole UTC day at a time:
 * DROP PARTITION of the day in each rollup, then INSERT ... SELECT from raw
 * with the SELECT the materialized views use (src/store/rollups.ts).
 *
 * Safety:
 *   - the schema must be fully migrated and unchanged (assertSchemaCurrent),
 *     so the live views are exactly what the builder produces;
 *   - every day is checked before anything is changed: if raw has no rows
 *     for a day that some rollup still has (raw already dropped by
 *     retention), the whole call is refused and nothing is dropped;
 *   - days with neither raw nor rollup rows are skipped.
 * Do not ingest into a day while it is rebuilt: rows the views add between
 * the DROP and the INSERT would be counted twice.
 *
 * Cluster mode: the same, on one replica of each shard (cluster/shards.ts),
 * from that shard's `packets_local` into its own `<rollup>_local` tables,
 * exactly as each shard's materialized views fill them; the shard's other
 * replicas follow through the replication log. The checks are per shard, and
 * the rebuild refuses to start while a replica it reads still has raw
 * inserts to fetch.
 */

import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import { assertSchemaCurrent } from './migrate.js';
import { col } from './row-decoders.js';
import { ROLLUPS, rollupColumns, rollupSelect, type RollupTable } from './rollups.js';
import { openSites, partitionRows, siteTable, type Site } from './sites.js';
import { sql, sqlJoin, sqlString, sqlUInt, unsafeRawSql } from './sql.js';

export interface RebuildOptions {
  /** First day (inclusive): a Date at 00:00:00 UTC or "YYYY-MM-DD". */
  readonly from: Date | string;
  /** Last day (exclusive). */
  readonly to: Date | string;
  /** Report the plan, change nothing. */
  readonly dryRun?: boolean;
}

export interface RebuildDay {
  /** YYYY-MM-DD */
  readonly day: string;
  readonly rawRows: number;
  /** Rows per rollup table before the rebuild (parts are partial: this is not a count of groups). */
  readonly rollupRowsBefore: Readonly<Record<RollupTable, number>>;
  readonly action: 'rebuilt' | 'would_rebuild' | 'skipped_empty';
}

export interface RebuildResult {
  readonly dryRun: boolean;
  readonly days: readonly RebuildDay[];
}

const MAX_DAYS = 3660;

function toDayStart(value: Date | string, name: string): number {
  let ms: number;
  if (typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new DarkscopeError('BAD_CONFIG', `"${name}" must be a day YYYY-MM-DD, got ${JSON.stringify(value)}`);
    ms = Date.parse(`${value}T00:00:00Z`);
  } else {
    ms = value.getTime();
  }
  if (!Number.isFinite(ms)) throw new DarkscopeError('BAD_CONFIG', `"${name}" is not a valid date`);
  if (ms % 86_400_000 !== 0) throw new DarkscopeError('BAD_CONFIG', `"${name}" must be midnight UTC (a whole day), got ${new Date(ms).toISOString()}`);
  return ms / 1000;
}

function dayId(epochSec: number): number {
  const d = new Date(epochSec * 1000);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

function dayText(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 10);
}

/** Cluster mode: refuses while the replica the rebuild reads still has raw inserts to fetch. */
async function assertRawReplicaCurrent(site: Site): Promise<void> {
  const behind = await site.store.query(
    sql`SELECT inserts_in_queue FROM system.replicas
        WHERE database = ${sqlString(site.store.database)} AND table = ${sqlString(site.name('packets'))}
          AND (inserts_in_queue > 0 OR (log_pointer > 0 AND log_pointer <= log_max_index))`,
    { inserts_in_queue: col.number },
  );
  if (behind.length > 0) {
    throw new DarkscopeError('REPLICA_BEHIND',
      `refusing to rebuild rollups: the replica of raw packets at ${site.store.url} is still fetching inserts (${behind[0]?.inserts_in_queue ?? 0} queued)`);
  }
}

export async function rebuildRollups(store: StoreClient, options: RebuildOptions): Promise<RebuildResult> {
  const from = toDayStart(options.from, 'from');
  const to = toDayStart(options.to, 'to');
  if (to <= from) throw new DarkscopeError('BAD_CONFIG', `"to" (${dayText(to)}) must be after "from" (${dayText(from)})`);
  const dayStarts: number[] = [];
  for (let d = from; d < to; d += 86_400) dayStarts.push(d);
  if (dayStarts.length > MAX_DAYS) throw new DarkscopeError('BAD_CONFIG', `rebuild covers ${dayStarts.length} days; at most ${MAX_DAYS} at once`);
  const dryRun = options.dryRun ?? false;

  await assertSchemaCurrent(store);
  const { sites, close } = await openSites(store);
  try {
    if ((store.cluster ?? null) !== null) for (const site of sites) await assertRawReplicaCurrent(site);

    const tables = ROLLUPS.map((r) => r.table);
    const ids = dayStarts.map(dayId);
    const counts = await Promise.all(sites.map(async (site) =>
      new Map((await partitionRows(site, ['packets', ...tables], ids)).map((r) => [`${r.table}/${r.partition}`, r.rows]))));
    const rowsAt = (i: number, table: string, id: number): number => counts[i]?.get(`${table}/${id}`) ?? 0;
    const plan = dayStarts.map((start) => {
      const id = dayId(start);
      const sum = (table: string) => sites.reduce((a, _, i) => a + rowsAt(i, table, id), 0);
      const rollupRowsBefore = Object.fromEntries(tables.map((t) => [t, sum(t)])) as Record<RollupTable, number>;
      // A site (shard) with rollup rows but no raw rows for the day: its raw rows are gone.
      const orphaned = sites.some((_, i) => rowsAt(i, 'packets', id) === 0 && tables.some((t) => rowsAt(i, t, id) > 0));
      return { start, id, rawRows: sum('packets'), rollupRowsBefore, orphaned };
    });

    const orphaned = plan.filter((p) => p.orphaned);
    if (orphaned.length > 0) {
      const days = orphaned.map((p) => dayText(p.start));
      throw new DarkscopeError('RAW_GONE',
        `refusing to rebuild rollups: raw packets for ${days.join(', ')} are gone (dropped by retention?) but the rollups still hold ` +
        'those days; rebuilding would erase them',
        { days });
    }

    const out: RebuildDay[] = [];
    for (const p of plan) {
      const base = { day: dayText(p.start), rawRows: p.rawRows, rollupRowsBefore: p.rollupRowsBefore };
      if (p.rawRows === 0) {
        out.push({ ...base, action: 'skipped_empty' });
        continue;
      }
      if (dryRun) {
        out.push({ ...base, action: 'would_rebuild' });
        continue;
      }
      for (const [i, site] of sites.entries()) {
        const s = site.store;
        const packets = siteTable(site, 'packets');
        for (const rollup of ROLLUPS) {
          const target = siteTable(site, rollup.table);
          await s.command(sql`ALTER TABLE ${target} DROP PARTITION ${sqlUInt(p.id, 32)}`);
          if (rowsAt(i, 'packets', p.id) === 0) continue; // nothing of this day on this shard
          const columns = sqlJoin(rollupColumns(rollup).map((c) => unsafeRawSql(c)));
          await s.command(sql`INSERT INTO ${target} (${columns})
${rollupSelect(rollup, packets, { from: p.start, to: p.start + 86_400 })}`);
        }
      }
      out.push({ ...base, action: 'rebuilt' });
    }
    return { dryRun, days: out };
  } finally {
    await close();
  }
}
