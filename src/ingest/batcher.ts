/**
 * Groups packets into store batches. A batch closes when it holds `maxRows`
 * packets, when the next packet belongs to another UTC day (a batch never
 * spans two raw partitions, so its insert is one atomic block), at the end of
 * the input, or, for live inputs only, when it is `maxAgeMs` old even if the
 * input is idle. File inputs get no age limit, so their batch boundaries
 * depend only on the data: a resumed run cuts the same batches as the run it
 * resumes.
 *
 * A stop signal (SIGTERM/SIGINT) ends the batches early: the batch being
 * filled is closed and yielded as it is, so a live input loses nothing it
 * has already read, and nothing more is read.
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
  /** Newest packet time in the batch, epoch seconds (for the ingest lag). */
  readonly maxTsSec: number;
}

export interface BatcherOptions {
  readonly maxRows: number;
  /** Encodes each packet as it joins a batch (the batch key's low half is the batch's first record index). */
  readonly builder: RowBatchBuilder;
  /** null: no age limit (file inputs). */
  readonly maxAgeMs: number | null;
  readonly now?: () => number;
  /** When aborted: yield the batch being filled and stop reading. */
  readonly signal?: AbortSignal;
}

/** What the source yields: packets with their record offsets. */
type Chunk = Array<StorablePacket & { recordOffset: number }>;

const TIMEOUT = Symbol('timeout');
const STOP = Symbol('stop');

export async function* batchPackets(
  source: AsyncIterable<Chunk>,
  opts: BatcherOptions,
): AsyncGenerator<PendingBatch, void, undefined> {
  const now = opts.now ?? Date.now;
  const builder = opts.builder;
  const it = source[Symbol.asyncIterator]();
  let day = -1;
  let openedAt = 0;
  let firstIndex = 0;
  let maxTsSec = 0;
  // The last packet's position, copied: a source may reuse its packet objects
  // for the next chunk (PacketSourceOptions.reusePackets), and a batch closed
  // by its age is flushed while the next chunk may be decoding.
  let open = false;
  let lastIndex = 0;
  let lastOffset = 0;
  const flush = (): PendingBatch => {
    open = false;
    return { rows: builder.finish(), day, firstIndex, lastIndex, lastOffset, maxTsSec };
  };
  const signal = opts.signal;
  let pending: Promise<IteratorResult<Chunk>> | null = null;
  try {
    for (;;) {
      if (signal?.aborted === true) break;
      pending ??= it.next();
      const waits: Array<Promise<IteratorResult<Chunk> | typeof TIMEOUT | typeof STOP>> = [pending];
      let timer: NodeJS.Timeout | undefined;
      if (opts.maxAgeMs !== null && open) {
        const left = openedAt + opts.maxAgeMs - now();
        if (left <= 0) {
          yield flush();
          continue;
        }
        waits.push(new Promise<typeof TIMEOUT>((res) => { timer = setTimeout(() => res(TIMEOUT), left); }));
      }
      // A fresh stop promise per wait, its listener removed after: racing one
      // long-lived promise would add a reaction to it per chunk, each holding
      // that chunk's packets until the input ends (680 000 packets held at
      // 1 M read, measured with a heap snapshot).
      let onAbort: (() => void) | undefined;
      if (signal !== undefined) {
        waits.push(new Promise<typeof STOP>((res) => {
          onAbort = () => res(STOP);
          signal.addEventListener('abort', onAbort, { once: true });
        }));
      }
      const r = waits.length === 1 ? await pending : await Promise.race(waits);
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      if (r === STOP) break;
      if (r === TIMEOUT) {
        yield flush();
        continue;
      }
      pending = null;
      if (r.done) break;
      for (const p of r.value) {
        const d = p.tsSec - (p.tsSec % 86_400);
        if (open && (d !== day || builder.count >= opts.maxRows)) yield flush();
        if (!open) {
          open = true;
          day = d;
          maxTsSec = 0;
          openedAt = now();
          firstIndex = p.recordIndex;
          builder.reset(firstIndex >>> 0);
        }
        builder.append(p);
        if (p.tsSec > maxTsSec) maxTsSec = p.tsSec;
        lastIndex = p.recordIndex;
        lastOffset = p.recordOffset;
      }
    }
    if (open) yield flush();
  } finally {
    if (typeof it.return === 'function') {
      // A read still pending (stdin waiting for data) would hold return() until
      // it completes: close without waiting for it then.
      if (pending === null) await it.return();
      else void it.return().catch(() => undefined);
    }
  }
}
