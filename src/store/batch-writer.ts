/**
 * Writes one batch of packets to the raw table as a single RowBinary insert
 * (one atomic block: a batch never spans two day partitions), retrying what
 * can be retried with exponential backoff and jitter. After any failure that
 * may have happened after the data was sent, and for batches that a crashed
 * run may already have written, it first asks the store which of the batch's
 * records are already there and sends only the others: nothing lost, nothing
 * stored twice.
 */
import { Readable } from 'node:stream';
import type { StoreClient } from './client.js';
import { withoutRecords, type EncodedRows } from './packet-rows.js';
import { RAW_COLUMNS } from './raw-columns.js';
import { sql, sqlIdent, sqlJoin } from './sql.js';
import { withRetry, type RetryHooks } from './retry.js';
import { storedRanges, type StoredRange } from './stored-ranges.js';

export interface PacketBatch {
  /** Upper half of the batch key: identifies the input file (see ingest/file-identity.ts). */
  readonly keyHi: number;
  /** 00:00 UTC of the day every packet of the batch belongs to (epoch seconds). */
  readonly day: number;
  /** The rows, encoded with this batch's key. */
  readonly rows: EncodedRows;
}

export interface WriteOptions extends RetryHooks {
  /** Check for already-stored records before the first attempt (first batches after a resume). */
  readonly checkFirst: boolean;
}

export interface WriteResult {
  /** Rows sent in the insert that succeeded. */
  readonly rowsWritten: number;
  /** Rows found already stored (by an earlier attempt or run) and not sent again. */
  readonly rowsAlreadyStored: number;
  readonly retries: number;
}

function inRanges(ri: number, ranges: readonly StoredRange[]): boolean {
  for (const r of ranges) if (ri >= r.first && ri <= r.last) return true;
  return false;
}

export class BatchWriter {
  private readonly insertQuery: string;

  constructor(private readonly store: StoreClient) {
    const cols = sqlJoin(RAW_COLUMNS.map((c) => sqlIdent(c.name)));
    this.insertQuery = sql`INSERT INTO ${store.table('packets')} (${cols}) FORMAT RowBinary`.text;
  }

  async write(batch: PacketBatch, opts: WriteOptions): Promise<WriteResult> {
    const ctx = { url: this.store.url, database: this.store.database };
    const { value, retries } = await withRetry(ctx, opts, async (attempt) => {
      let rows = batch.rows;
      // After a failed attempt the data may have been stored all the same: look before sending again.
      if ((opts.checkFirst || attempt > 0) && rows.count > 0) {
        const ranges = await storedRanges(this.store, batch.keyHi, batch.day, rows.recordIndexes[0], rows.recordIndexes[rows.count - 1]);
        if (ranges.length > 0) rows = withoutRecords(rows, (ri) => inRanges(ri, ranges));
      }
      if (rows.count > 0) await this.insert(rows.bytes);
      return { rowsWritten: rows.count, rowsAlreadyStored: batch.rows.count - rows.count };
    });
    return { ...value, retries };
  }

  private async insert(rows: Buffer): Promise<void> {
    const res = await this.store.clickhouse.exec({ query: this.insertQuery, values: Readable.from([rows]) });
    for await (const _chunk of res.stream) {
      // drain the (empty) response so the socket is released
    }
  }
}
