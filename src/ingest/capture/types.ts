import type { CaptureRecord } from './record.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** Why a reader stopped before the end of its input. */
export type StopReason =
  /** The input ends inside a record or block header or body. */
  | 'truncated'
  /** A record claims more captured bytes than libpcap's limit (framing lost). */
  | 'record_too_large'
  /** A pcapng block length is impossible (too small, not a multiple of 4, or over 16 MiB). */
  | 'bad_block_length'
  /** A pcapng packet block does not fit in its own block. */
  | 'bad_packet_block'
  /** A pcapng packet names an interface that was never described. */
  | 'unknown_interface';

export interface CaptureStop {
  readonly reason: StopReason;
  /** Byte offset (in the decompressed stream) of the record or block that could not be read. */
  readonly offset: number;
  readonly message: string;
}

export interface CaptureStats {
  format: CaptureFormat;
  compressed: boolean;
  /** 'LE' or 'BE' for pcap; for pcapng, the byte order of the first section. */
  byteOrder: 'LE' | 'BE';
  /** Timestamp unit of a classic pcap ('us' or 'ns'); 'per-interface' for pcapng. */
  tsPrecision: 'us' | 'ns' | 'per-interface';
  /** Distinct link types seen (from the file header or interface descriptions). */
  linkTypes: number[];
  /** Records handed out. */
  records: number;
  /** Bytes consumed so far (decompressed). */
  bytes: number;
  /** pcapng sections (SHBs) seen; 1 for pcap. */
  sections: number;
  /** pcapng blocks skipped because their type is not a packet or interface block. */
  skippedBlocks: number;
  /** Packet records dropped by the reader itself, by reason (e.g. oversized pcapng packets). */
  droppedRecords: Record<string, number>;
  /** True when the input stopped early: a cut inside a record, or framing that could not be trusted. */
  truncated: boolean;
  stop: CaptureStop | null;
}

export interface CaptureReader {
  readonly stats: CaptureStats;
  /**
   * Records in file order, in arrays of whatever was decodable from one chunk
   * of input. The next chunk is read only when the consumer asks for the next
   * array (backpressure). Records' `data` are views: copy them to keep them
   * past the consumer's own processing if needed.
   */
  batches(): AsyncGenerator<CaptureRecord[], void, undefined>;
  /** Stops reading and releases the input (safe to call at any time). */
  close(): Promise<void>;
}

export function newStats(format: CaptureFormat, compressed: boolean): CaptureStats {
  return {
    format,
    compressed,
    byteOrder: 'LE',
    tsPrecision: format === 'pcap' ? 'us' : 'per-interface',
    linkTypes: [],
    records: 0,
    bytes: 0,
    sections: 0,
    skippedBlocks: 0,
    droppedRecords: {},
    truncated: false,
    stop: null,
  };
}

export function noteLinkType(stats: CaptureStats, linkType: number): void {
  if (!stats.linkTypes.includes(linkType)) stats.linkTypes.push(linkType);
}

/** LINKTYPE_* value of a link-type field: libpcap's LT_LINKTYPE() drops FCS/extension bits. */
export function linkTypeOf(field: number): number {
  return field & 0x03ffffff;
}

/**
 * Called when the input has ended: marks the capture truncated when bytes of
 * an incomplete record or block remain, or the input itself was cut.
 */
export function noteEndOfInput(stats: CaptureStats, leftover: number, at: number, cutReason: string | null, what: string): void {
  if (leftover === 0 && cutReason === null) return;
  stats.truncated = true;
  const detail = leftover > 0 ? `input ends inside ${what} (${leftover} bytes of it present)` : 'input ends early';
  stats.stop = { reason: 'truncated', offset: at, message: cutReason === null ? detail : `${detail}: ${cutReason}` };
}
