/**
 * Which records of a file are already stored, for one UTC day: the check that
 * makes resends and resumes exact. A batch is one atomic insert (it never
 * spans two day partitions), so each stored batch key covers one contiguous,
 * complete range of record indexes.
 */
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { sql, sqlDateTime, sqlUInt } from './sql.js';

export interface StoredRange {
  readonly first: number;
  readonly last: number;
  readonly rows: number;
}

/** Stored record ranges of the file whose batch keys start with `keyHi`, among records [first, last], on `day` (epoch seconds of 00:00 UTC). */
export async function storedRanges(store: StoreClient, keyHi: number, day: number, first: number, last: number): Promise<StoredRange[]> {
  const rows = await store.query(sql`
    SELECT min(record_index) AS first, max(record_index) AS last, count() AS rows
    FROM ${store.table('packets')}
    WHERE ts >= ${sqlDateTime(day)} AND ts < ${sqlDateTime(day + 86_400)}
      AND intDiv(batch_key, 4294967296) = ${sqlUInt(keyHi, 32)}
      AND record_index >= ${sqlUInt(first, 64)} AND record_index <= ${sqlUInt(last, 64)}
    GROUP BY batch_key`,
  { first: col.uint64AsNumber, last: col.uint64AsNumber, rows: col.uint64AsNumber });
  return rows;
}
