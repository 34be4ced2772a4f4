/**
 * Which records of a file are already stored, for one UTC day: the check that
 * makes resends and resumes exact. A batch is one atomic insert (it never
 * spans two day partitions), so each stored batch key covers one contiguous,
 * complete range of record indexes.
 *
 * Cluster mode: an insert through the Distributed table is atomic per shard,
 * not across shards (a failed insert may have stored some shards' rows), so
 * ranges are reported per shard slot (see cluster/shard-slot.ts): a range
 * with a slot covers only the records of that slot.
 */
import { DarkscopeError } from '../errors.js';
import type { StoreClient } from './client.js';
import { PACKETS_SHARDING_KEY } from './cluster/layout.js';
import { shardSlot } from './cluster/shard-slot.js';
import { SAME_REPLICA_SETTINGS } from './cluster/topology.js';
import { col } from './row-decoders.js';
import { sql, sqlDateTime, sqlUInt, unsafeRawSql } from './sql.js';

export interface StoredRange {
  readonly first: number;
  readonly last: number;
  readonly rows: number;
  /** Cluster mode: the shard slot these records went to (only that slot's records in [first, last] are stored). */
  readonly slot?: number;
}

export interface StoredRangeOptions {
  /** Cluster mode: the cluster's total shard weight; ranges then come per slot. */
  readonly shardSlots?: number;
}

/** Stored record ranges of the file whose batch keys start with `keyHi`, among records [first, last], on `day` (epoch seconds of 00:00 UTC). */
export async function storedRanges(store: StoreClient, keyHi: number, day: number, first: number, last: number, options: StoredRangeOptions = {}): Promise<StoredRange[]> {
  const where = sql`WHERE ts >= ${sqlDateTime(day)} AND ts < ${sqlDateTime(day + 86_400)}
      AND intDiv(batch_key, 4294967296) = ${sqlUInt(keyHi, 32)}
      AND record_index >= ${sqlUInt(first, 64)} AND record_index <= ${sqlUInt(last, 64)}`;
  if (options.shardSlots === undefined) {
    return store.query(sql`
    SELECT min(record_index) AS first, max(record_index) AS last, count() AS rows
    FROM ${store.table('packets')}
    ${where}
    GROUP BY batch_key`,
    { first: col.uint64AsNumber, last: col.uint64AsNumber, rows: col.uint64AsNumber });
  }
  const slots = options.shardSlots;
  const rows = await store.query(sql`
    SELECT min(record_index) AS first, max(record_index) AS last, count() AS rows,
      toUInt32(modulo(${unsafeRawSql(PACKETS_SHARDING_KEY)}, ${sqlUInt(slots, 32)})) AS slot, any(src_key) AS sample_key
    FROM ${store.table('packets')}
    ${where}
    GROUP BY batch_key, slot`,
  { first: col.uint64AsNumber, last: col.uint64AsNumber, rows: col.uint64AsNumber, slot: col.number, sample_key: col.string },
  { settings: SAME_REPLICA_SETTINGS });
  return rows.map((r) => {
    // The slot darkscope computes for a row must be the server's, or the resend filter would be wrong.
    const mine = shardSlot(BigInt(r.sample_key), slots);
    if (mine !== r.slot) {
      throw new DarkscopeError('INTERNAL', `shard slot mismatch for src_key ${r.sample_key}: server ${r.slot}, darkscope ${mine} (did intHash64 change?)`);
    }
    return { first: r.first, last: r.last, rows: r.rows, slot: r.slot };
  });
}
