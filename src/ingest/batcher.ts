/**
 * Groups packets into store batches. A batch closes when it holds `maxRows`
 * packets, when the next packet belongs to another UTC day (a batch never
 * spans two raw partitions, so its insert is one atomic block), at the end of
 * the input, or, for live inputs only, when it is `maxAgeMs` old even if the
 * input is idle. File inputs get no age limit, so their batch boundaries
 * depend only on the data: a resumed run cuts the same batches as the run it
 * resumes.
 */
import type { StorablePacket } from '../store/packet-rows.js';

export interface PendingBatch {
  readonly packets: StorablePacket[];
  /** 00:00 UTC of the batch's day, epoch seconds. */
  readonly day: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Byte offset of the last packet's record. */
  readonly lastOffset: number;
}

export interface BatcherOptions {
  readonly maxRows: number;
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
  const it = source[Symbol.asyncIterator]();
  let current: Array<StorablePacket & { recordOffset: number }> = [];
  let day = -1;
  let openedAt = 0;
  const flush = (): PendingBatch => {
    const packets = current;
    current = [];
    const last = packets[packets.length - 1];
    return { packets, day, firstIndex: packets[0].recordIndex, lastIndex: last.recordIndex, lastOffset: last.recordOffset };
  };
  let pending: Promise<IteratorResult<Array<StorablePacket & { recordOffset: number }>>> | null = null;
  try {
    for (;;) {
      pending ??= it.next();
      let r: IteratorResult<Array<StorablePacket & { recordOffset: number }>> | typeof TIMEOUT;
      if (opts.maxAgeMs !== null && current.length > 0) {
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
        if (current.length > 0 && (d !== day || current.length >= opts.maxRows)) yield flush();
        if (current.length === 0) {
          day = d;
          openedAt = now();
        }
        current.push(p);
      }
    }
    if (current.length > 0) yield flush();
  } finally {
    if (typeof it.return === 'function') await it.return();
  }
}
