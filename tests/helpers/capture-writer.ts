/**
 * A tiny pcap / pcapng writer for tests: darkscope's own fixtures are generated
 * by code, with the expected values right next to them.
 */

export interface TestPacket {
  tsSec: number;
  /** Fraction in the file's unit (µs or ns for pcap; units of if_tsresol for pcapng). */
  tsFrac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  originalLength?: number;
  /** pcapng interface id (default 0). */
  interfaceId?: number;
  /** Override the stored captured length (for hostile files). */
  capturedLengthField?: number;
}

export interface PcapOptions {
  linkType?: number;
  littleEndian?: boolean;
  nanos?: boolean;
  snaplen?: number;
  versionMajor?: number;
}

export function writePcap(packets: TestPacket[], opts: PcapOptions = {}): Buffer {
  const le = opts.littleEndian ?? true;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(h, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, opts.versionMajor ?? 2, 4);
  w16(h, 4, 6);
  w32(h, 0, 8);
  w32(h, 0, 12);
  w32(h, opts.snaplen ?? 262144, 16);
  w32(h, opts.linkType ?? 1, 20);
  parts.push(h);
  for (const p of packets) {
    const r = Buffer.alloc(16);
    w32(r, p.tsSec, 0);
    w32(r, p.tsFrac, 4);
    w32(r, p.capturedLengthField ?? p.data.length, 8);
    w32(r, p.originalLength ?? p.data.length, 12);
    parts.push(r, Buffer.from(p.data));
  }
  return Buffer.concat(parts);
}

export interface PcapngInterface {
  linkType: number;
  snaplen?: number;
  /** Raw if_tsresol option byte (omitted when undefined: default µs). */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
}

export interface PcapngSection {
  littleEndian?: boolean;
  interfaces: PcapngInterface[];
  /** Packets written as EPBs (or SPBs when simple is set). */
  packets: TestPacket[];
  simple?: boolean;
  /** Extra unknown blocks of this type placed before the packets. */
  unknownBlockTypes?: number[];
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

class BlockWriter {
  constructor(private readonly le: boolean) {}
  block(type: number, body: Buffer): Buffer {
    const len = 12 + pad4(body.length);
    const b = Buffer.alloc(len);
    this.u32(b, type, 0);
    this.u32(b, len, 4);
    body.copy(b, 8);
    this.u32(b, len, len - 4);
    return b;
  }
  u32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  u16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }
}

export function writePcapng(sections: PcapngSection[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of sections) {
    const le = s.littleEndian ?? true;
    const w = new BlockWriter(le);
    const shb = Buffer.alloc(16);
    w.u32(shb, 0x1a2b3c4d, 0);
    w.u16(shb, 1, 4);
    w.u16(shb, 0, 6);
    shb.writeInt32LE(-1, 8);
    shb.writeInt32LE(-1, 12);
    parts.push(w.block(0x0a0d0d0a, shb));
    for (const i of s.interfaces) {
      const opts: Buffer[] = [];
      if (i.tsresol !== undefined) {
        const o = Buffer.alloc(8);
        w.u16(o, 9, 0);
        w.u16(o, 1, 2);
        o[4] = i.tsresol;
        opts.push(o);
      }
      if (i.tsoffset !== undefined) {
        const o = Buffer.alloc(12);
        w.u16(o, 14, 0);
        w.u16(o, 8, 2);
        const hi = Math.floor(i.tsoffset / 4294967296);
        const lo = i.tsoffset - hi * 4294967296;
        if (le) { o.writeUInt32LE(lo, 4); o.writeInt32LE(hi, 8); } else { o.writeInt32BE(hi, 4); o.writeUInt32BE(lo, 8); }
        opts.push(o);
      }
      if (opts.length > 0) opts.push(Buffer.alloc(4));
      const body = Buffer.concat([Buffer.alloc(8), ...opts]);
      w.u16(body, i.linkType, 0);
      w.u32(body, i.snaplen ?? 262144, 4);
      parts.push(w.block(1, body));
    }
    for (const t of s.unknownBlockTypes ?? []) parts.push(w.block(t, Buffer.from('darkscope-test-block')));
    for (const p of s.packets) {
      if (s.simple) {
        const body = Buffer.alloc(4 + pad4(p.data.length));
        w.u32(body, p.originalLength ?? p.data.length, 0);
        Buffer.from(p.data).copy(body, 4);
        parts.push(w.block(3, body));
        continue;
      }
      const body = Buffer.alloc(20 + pad4(p.data.length));
      // Units assume the default microsecond resolution; use pcapngEpbRaw for others.
      const units = BigInt(p.tsSec) * 1_000_000n + BigInt(p.tsFrac);
      w.u32(body, p.interfaceId ?? 0, 0);
      w.u32(body, Number(units >> 32n), 4);
      w.u32(body, Number(units & 0xffffffffn), 8);
      w.u32(body, p.capturedLengthField ?? p.data.length, 12);
      w.u32(body, p.originalLength ?? p.data.length, 16);
      Buffer.from(p.data).copy(body, 20);
      parts.push(w.block(6, body));
    }
  }
  return Buffer.concat(parts);
}

/** Writes an EPB whose 64-bit timestamp is given directly in interface units. */
export function pcapngEpbRaw(le: boolean, interfaceId: number, units: bigint, data: Uint8Array): Buffer {
  const w = new BlockWriter(le);
  const body = Buffer.alloc(20 + pad4(data.length));
  w.u32(body, interfaceId, 0);
  w.u32(body, Number(units >> 32n), 4);
  w.u32(body, Number(units & 0xffffffffn), 8);
  w.u32(body, data.length, 12);
  w.u32(body, data.length, 16);
  Buffer.from(data).copy(body, 20);
  return w.block(6, body);
}

/** A readable stream of `buf` cut into chunks of `size` bytes (to exercise chunk boundaries). */
export async function* chunked(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}
