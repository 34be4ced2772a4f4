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

/** FileProgress as loaded: also the largest size the file was complete at. */
export interface LoadedProgress extends FileProgress {
  /**
   * Size in bytes of the file when it was last marked complete (0: never).
   * A file that has grown since (a capture still being written when it was
   * read) is complete no longer: reading resumes at `nextRecord`.
   */
  readonly completeSize: number;
}

/** One file earlier progress records know under a path (see ingest/file-continuation.ts). */
export interface PathRecord {
  readonly fileId: string;
  /** The largest size recorded for it. */
  readonly size: number;
  /** Hash of its first min(size, 1 MiB) bytes at that size. */
  readonly headHash: string;
}

export interface ProgressKey {
  readonly sensor: string;
  readonly fileId: string;
  readonly path: string;
  readonly size: number;
  readonly headHash: string;
}

export async function loadProgress(store: StoreClient, sensor: string, fileId: string): Promise<LoadedProgress | null> {
  const rows = await store.query(sql`
    SELECT max(record_index) AS next, max(byte_offset) AS off, max(batches) AS batches, max(complete) AS is_complete,
      max(max_in_flight) AS in_flight, maxIf(size, complete = 1) AS complete_size, count() AS n
    FROM ${store.table('ingest_progress')}
    WHERE sensor = ${sqlString(sensor)} AND file_id = ${sqlString(fileId)}`,
  { next: col.uint64AsNumber, off: col.uint64AsNumber, batches: col.uint64AsNumber, is_complete: col.number, in_flight: col.number, complete_size: col.uint64AsNumber, n: col.uint64AsNumber });
  const r = rows[0];
  if (r === undefined || r.n === 0) return null;
  return { nextRecord: r.next, byteOffset: r.off, batches: r.batches, complete: r.is_complete === 1, maxInFlight: r.in_flight, completeSize: r.complete_size };
}

/** The files recorded under `path` for `sensor`, most recently updated first (at most `limit`). */
export async function progressByPath(store: StoreClient, sensor: string, path: string, limit = 8): Promise<PathRecord[]> {
  const rows = await store.query(sql`
    SELECT file_id, max(size) AS max_size, argMax(head_hash, size) AS head
    FROM ${store.table('ingest_progress')}
    WHERE sensor = ${sqlString(sensor)} AND path = ${sqlString(path)}
    GROUP BY file_id
    ORDER BY max(updated_at) DESC, max_size DESC
    LIMIT ${sqlUInt(limit, 32)}`,
  { file_id: col.string, max_size: col.uint64AsNumber, head: col.string });
  return rows.map((r) => ({ fileId: r.file_id, size: r.max_size, headHash: r.head }));
}

export async function saveProgress(store: StoreClient, key: ProgressKey, p: FileProgress, now = new Date()): Promise<void> {
  await store.command(sql`
    INSERT INTO ${store.table('ingest_progress')} (sensor, file_id, path, size, head_hash, byte_offset, record_index, batches, complete, max_in_flight, updated_at)
    VALUES (${sqlString(key.sensor)}, ${sqlString(key.fileId)}, ${sqlString(key.path)}, ${sqlUInt(key.size, 64)}, ${sqlString(key.headHash)},
      ${sqlUInt(p.byteOffset, 64)}, ${sqlUInt(p.nextRecord, 64)}, ${sqlUInt(p.batches, 64)}, ${sqlUInt(p.complete ? 1 : 0, 8)}, ${sqlUInt(p.maxInFlight, 8)}, ${sqlDateTime(Math.floor(now.getTime() / 1000))})`);
}
