/**
 * Resume bookkeeping in ClickHouse (`ingest_progress`): after each
 * acknowledged batch, where reading of that file may resume. Progress only
 * moves forward, so readers take the maximum instead of relying on merges.
 */
import type { StoreClient } from './client.js';
import { col } from './row-decoders.js';
import { sql, sqlDateTime, sqlString, sqlUInt } from './sql.js';

export interface FileProgress {
  /** Next record index to process (all records before it are stored or skipped). */
  readonly nextRecord: number;
  /** Byte offset of that record in the (decompressed) input, when known. */
  readonly byteOffset: number;
  readonly batches: number;
  readonly complete: boolean;
  /** The widest number of batches any run had in flight on this file. */
  readonly maxInFlight: number;
}

export interface ProgressKey {
  readonly sensor: string;
  readonly fileId: string;
  readonly path: string;
  readonly size: number;
  readonly headHash: string;
}

export async function loadProgress(store: StoreClient, sensor: string, fileId: string): Promise<FileProgress | null> {
  const rows = await store.query(sql`
    SELECT max(record_index) AS next, max(byte_offset) AS off, max(batches) AS batches, max(complete) AS complete,
      max(max_in_flight) AS in_flight, count() AS n
    FROM ${store.table('ingest_progress')}
    WHERE sensor = ${sqlString(sensor)} AND file_id = ${sqlString(fileId)}`,
  { next: col.uint64AsNumber, off: col.uint64AsNumber, batches: col.uint64AsNumber, complete: col.number, in_flight: col.number, n: col.uint64AsNumber });
  const r = rows[0];
  if (r === undefined || r.n === 0) return null;
  return { nextRecord: r.next, byteOffset: r.off, batches: r.batches, complete: r.complete === 1, maxInFlight: r.in_flight };
}

export async function saveProgress(store: StoreClient, key: ProgressKey, p: FileProgress, now = new Date()): Promise<void> {
  await store.command(sql`
    INSERT INTO ${store.table('ingest_progress')} (sensor, file_id, path, size, head_hash, byte_offset, record_index, batches, complete, max_in_flight, updated_at)
    VALUES (${sqlString(key.sensor)}, ${sqlString(key.fileId)}, ${sqlString(key.path)}, ${sqlUInt(key.size, 64)}, ${sqlString(key.headHash)},
      ${sqlUInt(p.byteOffset, 64)}, ${sqlUInt(p.nextRecord, 64)}, ${sqlUInt(p.batches, 64)}, ${sqlUInt(p.complete ? 1 : 0, 8)}, ${sqlUInt(p.maxInFlight, 8)}, ${sqlDateTime(Math.floor(now.getTime() / 1000))})`);
}
