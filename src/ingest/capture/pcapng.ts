/**
 * pcapng reader (IETF draft-ietf-opsawg-pcapng; libpcap sf-pcapng.c).
 *
 * Blocks: type (u32), total length (u32), body, total length again. Handled:
 *   0x0A0D0D0A Section Header (byte-order magic 0x1A2B3C4D decides endianness;
 *              a new section resets the interface list)
 *   0x00000001 Interface Description (link type, snaplen, options if_tsresol
 *              (9) and if_tsoffset (14))
 *   0x00000006 Enhanced Packet, 0x00000003 Simple Packet, 0x00000002 obsolete
 *              Packet Block
 * Every other block type is skipped by its length. Lengths are checked before
 * anything is read or allocated: a block over 16 MiB, under 12 bytes or not a
 * multiple of 4 stops the reader (framing cannot be trusted after it); a
 * packet over 262144 captured bytes inside a well-framed block is dropped and
 * counted, and reading goes on.
 */
import { DarkscopeError } from '../../errors.js';
import type { CaptureRecord } from './record.js';
import { ByteSource } from './byte-source.js';
import { MAX_PCAPNG_BLOCK_BYTES, MAX_RECORD_BYTES, MIN_PCAPNG_BLOCK_BYTES, RECORDS_PER_ARRAY } from './limits.js';
import { DEFAULT_TS_RESOLUTION, splitTimestamp, tsResolutionFrom, type TsResolution } from './pcapng-timestamp.js';
import { type CaptureReader, type CaptureStats, type StopReason, linkTypeOf, newStats, noteEndOfInput, noteLinkType } from './types.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

export function isPcapngMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

interface Iface {
  linkType: number;
  snaplen: number;
  res: TsResolution;
  offsetSec: number;
}

class Stop extends Error {
  constructor(readonly reason: StopReason, readonly at: number, message: string) {
    super(message);
  }
}

export class PcapngReader implements CaptureReader {
  readonly stats: CaptureStats;
  private le = true;
  private ifaces: Iface[] = [];
  private readonly ts = { sec: 0, nsec: 0 };

  private constructor(private readonly src: ByteSource, private readonly name: string, compressed: boolean) {
    this.stats = newStats('pcapng', compressed);
  }

  /** Validates the first Section Header Block; throws BAD_CAPTURE if it is not usable. */
  static async open(src: ByteSource, name: string, compressed: boolean): Promise<PcapngReader> {
    if (!(await src.ensure(12))) {
      throw new DarkscopeError('BAD_CAPTURE', `pcapng section header truncated (${src.available} bytes)`, { file: name, offset: src.offset });
    }
    const r = new PcapngReader(src, name, compressed);
    const b = src.buf;
    const p = src.pos;
    if (!isPcapngMagic(b.subarray(p, p + 4))) {
      throw new DarkscopeError('BAD_CAPTURE', 'not a pcapng file (first block is not a Section Header Block)', { file: name, offset: src.offset });
    }
    const bom = b.readUInt32LE(p + 8);
    if (bom !== BYTE_ORDER_MAGIC && b.readUInt32BE(p + 8) !== BYTE_ORDER_MAGIC) {
      throw new DarkscopeError('BAD_CAPTURE', 'pcapng section header has no valid byte-order magic', { file: name, offset: src.offset + 8 });
    }
    r.stats.byteOrder = bom === BYTE_ORDER_MAGIC ? 'LE' : 'BE';
    const len = bom === BYTE_ORDER_MAGIC ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
    if (len < 28 || len % 4 !== 0 || len > MAX_PCAPNG_BLOCK_BYTES) {
      throw new DarkscopeError('BAD_CAPTURE', `pcapng section header has an impossible length ${len}`, { file: name, offset: src.offset + 4 });
    }
    return r;
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  async *batches(): AsyncGenerator<CaptureRecord[], void, undefined> {
    const src = this.src;
    const stats = this.stats;
    try {
      for (;;) {
        const out: CaptureRecord[] = [];
        let needMore = false;
        try {
          needMore = this.parseAvailable(out);
        } catch (e) {
          if (!(e instanceof Stop)) throw e;
          stats.truncated = true;
          stats.stop = { reason: e.reason, offset: e.at, message: e.message };
        }
        stats.bytes = src.offset;
        if (out.length > 0) yield out;
        if (stats.stop !== null) return;
        if (needMore && !(await src.pull())) {
          noteEndOfInput(stats, src.available, src.offset, src.cutReason, 'a block');
          return;
        }
      }
    } finally {
      await src.close();
    }
  }

  /**
   * Parses the complete blocks in the window, up to RECORDS_PER_ARRAY packets;
   * returns true when more input is needed, false when it stopped at that many.
   */
  private parseAvailable(out: CaptureRecord[]): boolean {
    const src = this.src;
    const b = src.buf;
    const end = b.length;
    const stats = this.stats;
    let pos = src.pos;
    try {
      while (pos + 8 <= end) {
        if (out.length >= RECORDS_PER_ARRAY) return false;
        const blockAt = src.base + pos;
        let type = this.u32(b, pos);
        if (type === SHB) {
          // The byte order may change at every section: read it before the length.
          if (pos + 12 > end) return true;
          const bomLE = b.readUInt32LE(pos + 8);
          if (bomLE === BYTE_ORDER_MAGIC) this.le = true;
          else if (b.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) this.le = false;
          else throw new Stop('bad_block_length', blockAt, 'section header block without a valid byte-order magic');
          type = SHB;
        }
        const len = this.u32(b, pos + 4);
        if (len < MIN_PCAPNG_BLOCK_BYTES || len % 4 !== 0 || len > MAX_PCAPNG_BLOCK_BYTES) {
          throw new Stop('bad_block_length', blockAt, `block of type 0x${type.toString(16)} claims length ${len}; the rest of the file cannot be framed`);
        }
        if (pos + len > end) return true;
        switch (type) {
          case SHB:
            if (len < 28) throw new Stop('bad_block_length', blockAt, `section header block of ${len} bytes is too short`);
            this.ifaces = [];
            stats.sections++;
            break;
          case IDB:
            this.readInterface(b, pos, len, blockAt);
            break;
          case EPB:
          case OPB:
            this.readPacketBlock(b, pos, len, blockAt, type, out);
            break;
          case SPB:
            this.readSimplePacket(b, pos, len, blockAt, out);
            break;
          default:
            stats.skippedBlocks++;
        }
        pos += len;
      }
      return true;
    } finally {
      src.pos = pos;
    }
  }

  private readInterface(b: Buffer, pos: number, len: number, blockAt: number): void {
    if (len < 20) throw new Stop('bad_block_length', blockAt, `interface description block of ${len} bytes is too short`);
    const iface: Iface = {
      linkType: linkTypeOf(this.u16(b, pos + 8)),
      snaplen: this.u32(b, pos + 12),
      res: DEFAULT_TS_RESOLUTION,
      offsetSec: 0,
    };
    // Options: code (u16), length (u16), value padded to 4 bytes.
    let o = pos + 16;
    const optEnd = pos + len - 4;
    while (o + 4 <= optEnd) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === OPT_ENDOFOPT || o + 4 + olen > optEnd) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const res = tsResolutionFrom(b[o + 4]);
        if (res !== null) iface.res = res;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = this.le ? b.readInt32LE(o + 8) : b.readInt32BE(o + 4);
        const lo = this.le ? b.readUInt32LE(o + 4) : b.readUInt32BE(o + 8);
        iface.offsetSec = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    noteLinkType(this.stats, iface.linkType);
  }

  private readPacketBlock(b: Buffer, pos: number, len: number, blockAt: number, type: number, out: CaptureRecord[]): void {
    if (len < 32) throw new Stop('bad_packet_block', blockAt, `packet block of ${len} bytes is too short`);
    const ifId = type === EPB ? this.u32(b, pos + 8) : this.u16(b, pos + 8);
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      throw new Stop('unknown_interface', blockAt, `packet block names interface ${ifId}, but the section describes ${this.ifaces.length}`);
    }
    const hi = this.u32(b, pos + 12);
    const lo = this.u32(b, pos + 16);
    const caplen = this.u32(b, pos + 20);
    const origlen = this.u32(b, pos + 24);
    if (caplen > len - 32) {
      throw new Stop('bad_packet_block', blockAt, `packet block claims ${caplen} captured bytes but holds at most ${len - 32}`);
    }
    if (caplen > MAX_RECORD_BYTES) {
      this.drop('record_too_large');
      return;
    }
    splitTimestamp(hi, lo, iface.res, iface.offsetSec, this.ts);
    this.push(out, blockAt, iface.linkType, ifId, origlen, new Uint8Array(b.buffer, b.byteOffset + pos + 28, caplen));
  }

  private readSimplePacket(b: Buffer, pos: number, len: number, blockAt: number, out: CaptureRecord[]): void {
    if (len < 16) throw new Stop('bad_packet_block', blockAt, `simple packet block of ${len} bytes is too short`);
    const iface = this.ifaces[0];
    if (iface === undefined) throw new Stop('unknown_interface', blockAt, 'simple packet block before any interface description');
    const origlen = this.u32(b, pos + 8);
    let caplen = Math.min(origlen, len - 16);
    if (iface.snaplen !== 0) caplen = Math.min(caplen, iface.snaplen);
    if (caplen > MAX_RECORD_BYTES) {
      this.drop('record_too_large');
      return;
    }
    // Simple packet blocks carry no timestamp: -1 makes the decoder skip the
    // packet as timestamp_out_of_range instead of inventing a time.
    this.ts.sec = -1;
    this.ts.nsec = 0;
    this.push(out, blockAt, iface.linkType, 0, origlen, new Uint8Array(b.buffer, b.byteOffset + pos + 12, caplen));
  }

  private push(out: CaptureRecord[], offset: number, linkType: number, interfaceId: number, originalLength: number, data: Uint8Array): void {
    out.push({ index: this.stats.records++, offset, linkType, interfaceId, tsSec: this.ts.sec, tsNsec: this.ts.nsec, originalLength, data });
  }

  private drop(reason: string): void {
    this.stats.droppedRecords[reason] = (this.stats.droppedRecords[reason] ?? 0) + 1;
  }

  close(): Promise<void> {
    return this.src.close();
  }
}
