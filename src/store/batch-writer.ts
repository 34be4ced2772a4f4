/**
 * Writes one batch of packets to the raw table as a single RowBinary insert
 * (one atomic block: a batch never spans two day partitions), retrying what
 * can be retried with exponential backoff and jitter. After any failure that
 * may have happened after the data was sent, and for batches that a crashed
 * run may already have written, it first asks the store which of the batch's
 * records are already there and sends only the others: nothing lost, nothing
 * stored twice.
 *
 * Cluster mode (store.cluster set): the insert goes through the Distributed
 * `packets` table with insert_distributed_sync = 1, so an acknowledged insert
 * is stored on every shard it touches (not queued on the node for later
 * delivery); inserts and checks prefer the same replica of each shard
 * (load_balancing = in_order). A Distributed insert is atomic per shard only,
 * so the check works per shard slot: rows of a slot that is already stored
 * are dropped, the others resent. A resend that reaches a lagging replica of
 * a shard which did store the rows is the identical block and is dropped by
 * ReplicatedMergeTree's block deduplication, materialized views included
 * (verified on 18.16 in tests/cluster).
 */
import { Readable } from 'node:stream';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { StoreClient } from './client.js';
import { shardSlot } from './cluster/shard-slot.js';
import { loadTopology, SAME_REPLICA_SETTINGS } from './cluster/topology.js';
import { knownSettings, packetInsertSettings } from './server-settings.js';
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

/** Byte offset of src_key from the end of an encoded row: the last two columns are src_key, dst_key (UInt64 each). */
export const SRC_KEY_FROM_END = 16;

/** Cluster mode: drop a row when a range of its own shard slot covers it. */
function storedInSlot(rows: EncodedRows, ranges: readonly StoredRange[], slots: number): (ri: number) => boolean {
  const slotOf = new Map<number, number>();
  for (let i = 0; i < rows.count; i++) {
    slotOf.set(rows.recordIndexes[i], shardSlot(rows.bytes.readBigUInt64LE(rows.starts[i + 1] - SRC_KEY_FROM_END), slots));
  }
  return (ri) => {
    const slot = slotOf.get(ri);
    for (const r of ranges) if (r.slot === slot && ri >= r.first && ri <= r.last) return true;
    return false;
  };
}

export class BatchWriter {
  private readonly insertQuery: string;
  /** Cluster mode: the total shard weight, loaded once. */
  private slots: Promise<number> | undefined;
  /** The insert settings for this server (see server-settings.ts), loaded once. */
  private settings: Promise<ClickHouseSettings> | undefined;

  constructor(private readonly store: StoreClient) {
    const cols = sqlJoin(RAW_COLUMNS.map((c) => sqlIdent(c.name)));
    this.insertQuery = sql`INSERT INTO ${store.table('packets')} (${cols}) FORMAT RowBinary`.text;
  }

  private shardSlots(): Promise<number> | undefined {
    const cluster = this.store.cluster ?? null;
    if (cluster === null) return undefined;
    this.slots ??= loadTopology(this.store, cluster).then((t) => t.totalWeight);
    this.slots.catch(() => { this.slots = undefined; }); // retried on the next attempt
    return this.slots;
  }

  /** The settings every packets insert carries on this store. */
  insertSettings(): Promise<ClickHouseSettings> {
    this.settings ??= knownSettings(this.store).then((known) => {
      const base = packetInsertSettings(known);
      return (this.store.cluster ?? null) === null ? base : Object.freeze({ ...base, ...SAME_REPLICA_SETTINGS, insert_distributed_sync: 1 });
    });
    this.settings.catch(() => { this.settings = undefined; }); // retried on the next attempt
    return this.settings;
  }

  async write(batch: PacketBatch, opts: WriteOptions): Promise<WriteResult> {
    const ctx = { url: this.store.url, database: this.store.database };
    const { value, retries } = await withRetry(ctx, opts, async (attempt) => {
      let rows = batch.rows;
      // After a failed attempt the data may have been stored all the same: look before sending again.
      if ((opts.checkFirst || attempt > 0) && rows.count > 0) {
        const slots = await this.shardSlots();
        const ranges = await storedRanges(this.store, batch.keyHi, batch.day, rows.recordIndexes[0], rows.recordIndexes[rows.count - 1], { shardSlots: slots });
        if (ranges.length > 0) {
          const current = rows;
          rows = withoutRecords(rows, slots === undefined ? (ri) => inRanges(ri, ranges) : storedInSlot(current, ranges, slots));
        }
      }
      if (rows.count > 0) await this.insert(rows.bytes);
      return { rowsWritten: rows.count, rowsAlreadyStored: batch.rows.count - rows.count };
    });
    return { ...value, retries };
  }

  private async insert(rows: Buffer): Promise<void> {
    const settings = await this.insertSettings();
    const res = await this.store.clickhouse.exec({
      query: this.insertQuery,
      values: Readable.from([rows]),
      clickhouse_settings: settings,
    });
    for await (const _chunk of res.stream) {
      // drain the (empty) response so the socket is released
    }
  }
}
