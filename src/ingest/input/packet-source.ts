/**
 * One stream of decoded packets from any input: capture records go through
 * the decoder, summary lines through their line decoder. Whatever cannot be
 * decoded is counted by reason; the rest flows on in batches, pulled by the
 * consumer (backpressure all the way to the file).
 */
import type { CaptureRecord } from '../capture/record.js';
import type { CaptureStop } from '../capture/index.js';
import { decodeRecordInto, newPacketSlots } from '../decode/index.js';
import type { PacketSlots, PacketSummary, SkipReason } from '../packet.js';
import { createSummaryStats, readSummaryLines, type SummaryFormat } from '../summary/index.js';
import type { OpenedInput } from './open-input.js';

/** A decoded packet with where it came from: record index (or line number) and byte offset of its record. */
export type SourcePacket = PacketSummary & { recordIndex: number; recordOffset: number };

export interface InputStats {
  name: string;
  format: 'pcap' | 'pcapng' | SummaryFormat;
  compressed: boolean;
  /** Capture records, or non-blank summary lines, read. */
  records: number;
  decoded: number;
  skipped: Partial<Record<SkipReason | 'record_too_large', number>>;
  truncated: boolean;
  stop: CaptureStop | null;
  linkTypes: number[];
  /** Bytes consumed (decompressed), for progress. */
  bytes: number;
  /** First bad summary lines with their numbers (summary inputs only). */
  badLines: Array<{ line: number; error: string }>;
}

export interface PacketSourceOptions {
  /** Records (or lines) with an index below this are read but not decoded (resume). */
  skipBelowIndex?: number;
  /**
   * Captures: decode every chunk into the same array and packet objects, so
   * reading allocates no packet per record (ingest's garbage and peak memory
   * were dominated by them). A chunk and its packets are then valid only until
   * the consumer asks for the next chunk: it must copy what it keeps (the
   * batcher encodes each packet into its batch at once). Summary inputs
   * always yield fresh objects.
   */
  reusePackets?: boolean;
}

export function newInputStats(name: string, format: InputStats['format'], compressed: boolean): InputStats {
  return { name, format, compressed, records: 0, decoded: 0, skipped: {}, truncated: false, stop: null, linkTypes: [], bytes: 0, badLines: [] };
}

export function countSkip(stats: InputStats, reason: SkipReason | 'record_too_large', n = 1): void {
  stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
}

/** Total of stats.skipped. */
export function skippedTotal(stats: InputStats): number {
  let n = 0;
  for (const v of Object.values(stats.skipped)) n += v ?? 0;
  return n;
}

export interface PacketSource {
  readonly stats: InputStats;
  batches(): AsyncGenerator<SourcePacket[], void, undefined>;
}

export function packetSource(input: OpenedInput, opts: PacketSourceOptions = {}): PacketSource {
  return input.kind === 'capture' ? captureSource(input, opts) : summarySource(input, opts);
}

function captureSource(input: Extract<OpenedInput, { kind: 'capture' }>, opts: PacketSourceOptions): PacketSource {
  const reader = input.reader;
  const stats = newInputStats(input.name, reader.stats.format, reader.stats.compressed);
  const skipBelow = opts.skipBelowIndex ?? 0;
  const sync = () => {
    const rs = reader.stats;
    stats.records = rs.records;
    stats.bytes = rs.bytes;
    stats.truncated = rs.truncated;
    stats.stop = rs.stop;
    stats.linkTypes = rs.linkTypes;
    stats.skipped.record_too_large = rs.droppedRecords.record_too_large;
    if (stats.skipped.record_too_large === undefined) delete stats.skipped.record_too_large;
  };
  return {
    stats,
    async *batches() {
      // Reused: one set of packet objects and one array for every chunk; else new ones per chunk.
      let pool: PacketSlots[] = [];
      let out: SourcePacket[] = [];
      for await (const records of reader.batches()) {
        if (opts.reusePackets !== true) {
          pool = [];
          out = [];
        }
        decodeInto(records, skipBelow, stats, pool, out);
        sync();
        if (out.length > 0) yield out;
      }
      sync();
    },
  };
}

/** Decodes `records` into the packet objects of `pool` (grown as needed); `out` is refilled from its start with the packets. */
function decodeInto(records: CaptureRecord[], skipBelow: number, stats: InputStats, pool: PacketSlots[], out: SourcePacket[]): void {
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    if (rec.index < skipBelow) continue;
    if (n === pool.length) pool.push(newPacketSlots());
    const p = pool[n];
    const skip = decodeRecordInto(rec, p);
    if (skip !== null) {
      countSkip(stats, skip);
      continue;
    }
    p.recordIndex = rec.index;
    p.recordOffset = rec.offset;
    out[n++] = p;
    stats.decoded++;
  }
  out.length = n;
}

function summarySource(input: Extract<OpenedInput, { kind: 'summary' }>, opts: PacketSourceOptions): PacketSource {
  const stats = newInputStats(input.name, input.format, input.compressed);
  const skipBelow = opts.skipBelowIndex ?? 0;
  const s = createSummaryStats();
  return {
    stats,
    async *batches() {
      for await (const results of readSummaryLines(input.chunks, { format: input.format, name: input.name, stats: s, holdPartialLine: input.holdPartialLine })) {
        const out: SourcePacket[] = [];
        for (const r of results) {
          stats.records++;
          if (r.line < skipBelow) continue;
          if ('packet' in r) {
            const p = r.packet as SourcePacket;
            p.recordIndex = r.line;
            p.recordOffset = 0;
            out.push(p);
            stats.decoded++;
          } else {
            countSkip(stats, r.reason);
          }
        }
        stats.badLines = s.badLineSamples;
        if (out.length > 0) yield out;
      }
      stats.badLines = s.badLineSamples;
      // A last line left unread: the input ends in a partial record, like a cut capture.
      if (s.heldTailLines > 0) stats.truncated = true;
    },
  };
}
