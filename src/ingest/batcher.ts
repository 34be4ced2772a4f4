/**
 * Groups packets into store batches. A batch closes when it holds `maxRows`
 * packets, when the next packet belongs to another UTC day (a batch never
 * spans two raw partitions, so its insert is one atomic block), at the end of
 * the input, or, for live inputs only, when it is `maxAgeMs` old even if the
 * input is idle. File inputs get no age limit, so their batch boundaries
 * depend only on the data: a resumed run cuts the same batches as the run it
 * resumes.
 */
import type { EncodedRows, RowBatchBuilder, StorablePacket } from '../store/packet-rows.js';

export interface PendingBatch {
  /** The batch's rows, already encoded for the store. */
  readonly rows: EncodedRows;
  /** 00:00 UTC of the batch's day, epoch seconds. */
  readonly day: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Byte offset of the last packet's record. */
  readonly lastOffset: number;
}

export interface BatcherOptions {
  readonly maxRows: number;
  /** Encodes each packet as it joins a batch (the batch key's low half is the batch's first record index). */
  readonly builder: RowBatchBuilder;
  /** null: no age limit (file inputs). */
  readonly maxAgeMs: number | null;
  readonly now?: () => number;
}

const TIMEOUT = Symbol('timeout');

export async function* batchPackets(
  source: AsyncIterable<Array<StorablePacket & { recordOffset: number }>>,
  opts: BatcherOptions,
): AsyncGenerator<PendingBatch, void, undefined> {
  const now = opts.now ?? Date.now;
  const builder = opts.builder;
  const it = source[Symbol.asyncIterator]();
  let day = -1;
  let openedAt = 0;
  let firstIndex = 0;
  let last: (StorablePacket & { recordOffset: number }) | null = null;
  const flush = (): PendingBatch => {
    const l = last as StorablePacket & { recordOffset: number };
    last = null;
    return { rows: builder.finish(), day, firstIndex, lastIndex: l.recordIndex, lastOffset: l.recordOffset };
  };
  let pending: Promise<IteratorResult<Array<StorablePacket & { recordOffset: number }>>> | null = null;
  try {
    for (;;) {
      pending ??= it.next();
      let r: IteratorResult<Array<StorablePacket & { recordOffset: number }>> | typeof TIMEOUT;
      if (opts.maxAgeMs !== null && last !== null) {
        const left = openedAt + opts.maxAgeMs - now();
        if (left <= 0) {
          yield flush();
          continue;
        }
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<typeof TIMEOUT>((res) => { timer = setTimeout(() => res(TIMEOUT), left); });
        r = await Promise.race([pending, timeout]);
        clearTimeout(timer);
        if (r === TIMEOUT) {
          yield flush();
          continue;
        }
      } else {
        r = await pending;
      }
      pending = null;
      if (r.done) break;
      for (const p of r.value) {
        const d = p.tsSec - (p.tsSec % 86_400);
        if (last !== null && (d !== day || builder.count >= opts.maxRows)) yield flush();
        if (last === null) {
          day = d;
          openedAt = now();
          firstIndex = p.recordIndex;
          builder.reset(firstIndex >>> 0);
        }
        builder.append(p);
        last = p;
      }
    }
    if (last !== null) yield flush();
  } finally {
    if (typeof it.return === 'function') await it.return();
  }
}
