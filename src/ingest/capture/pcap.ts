/**
 * Classic libpcap savefile reader.
 *
 * File header (24 bytes): magic, version major/minor, thiszone, sigfigs,
 * snaplen, link type. Magic values (read as a little-endian u32):
 *   0xa1b2c3d4 / 0xd4c3b2a1  microsecond timestamps (LE / BE file)
 *   0xa1b23c4d / 0x4d3cb2a1  nanosecond timestamps  (LE / BE file)
 *   0xa1b2cd34 / 0x34cdb2a1  "modified" (Kuznetzov) pcap: 24-byte record headers
 * Record header: ts_sec, ts_frac, incl_len, orig_len (+ ifindex, protocol,
 * pkt_type, pad for the modified format). Format references: libpcap
 * sf-pcap.c and pcap-savefile(5).
 */
import { DarkscopeError } from '../../errors.js';
import type { CaptureRecord } from './record.js';
import { ByteSource } from './byte-source.js';
import { MAX_RECORD_BYTES, RECORDS_PER_ARRAY } from './limits.js';
import { type CaptureReader, type CaptureStats, linkTypeOf, newStats, noteEndOfInput, noteLinkType } from './types.js';

export const PCAP_FILE_HEADER_BYTES = 24;

interface PcapHeader {
  littleEndian: boolean;
  nanos: boolean;
  recordHeaderBytes: number;
  linkType: number;
  snaplen: number;
}

/** Recognises a classic pcap magic (first 4 bytes). */
export function isPcapMagic(b: Uint8Array): boolean {
  return pcapMagic(b) !== null;
}

function pcapMagic(b: Uint8Array): Omit<PcapHeader, 'linkType' | 'snaplen'> | null {
  if (b.length < 4) return null;
  const le = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  switch (le) {
    case 0xa1b2c3d4: return { littleEndian: true, nanos: false, recordHeaderBytes: 16 };
    case 0xd4c3b2a1: return { littleEndian: false, nanos: false, recordHeaderBytes: 16 };
    case 0xa1b23c4d: return { littleEndian: true, nanos: true, recordHeaderBytes: 16 };
    case 0x4d3cb2a1: return { littleEndian: false, nanos: true, recordHeaderBytes: 16 };
    case 0xa1b2cd34: return { littleEndian: true, nanos: false, recordHeaderBytes: 24 };
    case 0x34cdb2a1: return { littleEndian: false, nanos: false, recordHeaderBytes: 24 };
    default: return null;
  }
}

function parseHeader(buf: Buffer, pos: number, name: string): PcapHeader {
  const m = pcapMagic(buf.subarray(pos, pos + 4));
  if (m === null) throw new DarkscopeError('BAD_CAPTURE', 'not a pcap file (unknown magic number)', { file: name, offset: 0 });
  const u16 = (o: number) => (m.littleEndian ? buf.readUInt16LE(pos + o) : buf.readUInt16BE(pos + o));
  const u32 = (o: number) => (m.littleEndian ? buf.readUInt32LE(pos + o) : buf.readUInt32BE(pos + o));
  const major = u16(4);
  if (major !== 2) {
    throw new DarkscopeError('BAD_CAPTURE', `unsupported pcap version ${major}.${u16(6)} (only 2.x exists in practice)`, { file: name, offset: 4 });
  }
  return { ...m, snaplen: u32(16), linkType: linkTypeOf(u32(20)) };
}

export class PcapReader implements CaptureReader {
  readonly stats: CaptureStats;
  private readonly header: PcapHeader;

  private constructor(private readonly src: ByteSource, header: PcapHeader, compressed: boolean) {
    this.header = header;
    this.stats = newStats('pcap', compressed);
    this.stats.byteOrder = header.littleEndian ? 'LE' : 'BE';
    this.stats.tsPrecision = header.nanos ? 'ns' : 'us';
    this.stats.sections = 1;
    noteLinkType(this.stats, header.linkType);
  }

  /** Reads and validates the file header; throws BAD_CAPTURE if it is not a usable pcap header. */
  static async open(src: ByteSource, name: string, compressed: boolean): Promise<PcapReader> {
    if (!(await src.ensure(PCAP_FILE_HEADER_BYTES))) {
      throw new DarkscopeError('BAD_CAPTURE', `pcap file header truncated (${src.available} of ${PCAP_FILE_HEADER_BYTES} bytes)`, { file: name, offset: src.offset });
    }
    const header = parseHeader(src.buf, src.pos, name);
    src.pos += PCAP_FILE_HEADER_BYTES;
    const reader = new PcapReader(src, header, compressed);
    reader.stats.bytes = src.offset;
    return reader;
  }

  async *batches(): AsyncGenerator<CaptureRecord[], void, undefined> {
    const src = this.src;
    const stats = this.stats;
    const { littleEndian: le, nanos, recordHeaderBytes: rh, linkType } = this.header;
    const fracToNs = nanos ? 1 : 1000;
    let index = stats.records;
    try {
      for (;;) {
        const buf = src.buf;
        const end = buf.length;
        // Plain Uint8Array views are cheaper to create than Buffer.subarray().
        const ab = buf.buffer;
        const abOff = buf.byteOffset;
        let pos = src.pos;
        const out: CaptureRecord[] = [];
        let full = false;
        while (pos + rh <= end) {
          if (out.length === RECORDS_PER_ARRAY) {
            full = true;
            break;
          }
          const tsSec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
          const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
          const incl = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
          const orig = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
          if (incl > MAX_RECORD_BYTES) {
            stats.stop = {
              reason: 'record_too_large',
              offset: src.base + pos,
              message: `record ${index} claims ${incl} captured bytes, more than the ${MAX_RECORD_BYTES}-byte limit; the rest of the file cannot be framed`,
            };
            stats.truncated = true;
            break;
          }
          const dataStart = pos + rh;
          if (dataStart + incl > end) break;
          out.push({
            index,
            offset: src.base + pos,
            linkType,
            interfaceId: 0,
            tsSec,
            tsNsec: frac * fracToNs,
            originalLength: orig,
            data: new Uint8Array(ab, abOff + dataStart, incl),
          });
          index++;
          pos = dataStart + incl;
        }
        src.pos = pos;
        stats.records = index;
        stats.bytes = src.offset;
        if (out.length > 0) yield out;
        if (stats.stop !== null) return;
        if (full) continue;
        if (!(await src.pull())) {
          noteEndOfInput(stats, src.available, src.offset, src.cutReason, `record ${index}`);
          return;
        }
      }
    } finally {
      await src.close();
    }
  }

  close(): Promise<void> {
    return this.src.close();
  }
}
