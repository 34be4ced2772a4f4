/**
 * Encodes classified packets as RowBinary rows of the raw `packets` table, in
 * RAW_COLUMNS order (checked by a unit test against the column list, and by
 * integration tests against the live table). Writes straight into one growing
 * Buffer: no per-row allocation.
 *
 * RowBinary: integers little-endian at their width, Enum8 as Int8, DateTime
 * as UInt32 seconds, String as LEB128 length + bytes, FixedString(N) as N bytes.
 */
import type { ClassifiedPacket } from '../ingest/packet.js';
import { CLASS_CODES, TOOL_CODES } from './raw-columns.js';

/** What is the same for every row of a batch. */
export interface BatchContext {
  readonly sensor: string;
  readonly toolRules: number;
  /** 64-bit batch key as two 32-bit halves. */
  readonly batchKeyHi: number;
  readonly batchKeyLo: number;
}

/** A packet as the store receives it: classified, with its position in its input. */
export type StorablePacket = ClassifiedPacket & { recordIndex: number };

const ZERO16 = new Uint8Array(16);
/** Upper bound of one row's size, apart from the sensor and label strings. */
const FIXED_ROW_BYTES = 110;

function lebLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

function writeLeb(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

export class PacketRowEncoder {
  private readonly labelCache = new Map<string, Buffer>();
  private readonly countryCache = new Map<string, Buffer>();

  /** Encodes rows [from, to) of `packets` into one Buffer. */
  encode(packets: readonly StorablePacket[], from: number, to: number, ctx: BatchContext): Buffer {
    const sensor = Buffer.from(ctx.sensor, 'utf8');
    let maxLabel = 0;
    for (let i = from; i < to; i++) {
      const l = packets[i].label.length;
      if (l > maxLabel) maxLabel = l;
    }
    const perRow = FIXED_ROW_BYTES + lebLength(sensor.length) + sensor.length + 5 + maxLabel * 3 + 16;
    const buf = Buffer.allocUnsafe(perRow * (to - from));
    let pos = 0;
    for (let i = from; i < to; i++) pos = this.row(buf, pos, packets[i], sensor, ctx);
    return buf.subarray(0, pos);
  }

  private bytesOf(cache: Map<string, Buffer>, s: string): Buffer {
    let b = cache.get(s);
    if (b === undefined) {
      b = Buffer.from(s, 'utf8');
      if (cache.size < 10_000) cache.set(s, b);
    }
    return b;
  }

  private row(buf: Buffer, pos: number, p: StorablePacket, sensor: Buffer, ctx: BatchContext): number {
    pos = writeLeb(buf, pos, sensor.length);
    pos += sensor.copy(buf, pos);
    buf.writeUInt32LE(p.tsSec, pos); pos += 4;
    buf.writeUInt32LE(p.tsUsec, pos); pos += 4;
    buf[pos++] = p.ipVersion;
    buf.writeUInt32LE(p.src4 >>> 0, pos); pos += 4;
    buf.writeUInt32LE(p.dst4 >>> 0, pos); pos += 4;
    buf.set(p.src6 ?? ZERO16, pos); pos += 16;
    buf.set(p.dst6 ?? ZERO16, pos); pos += 16;
    buf[pos++] = p.proto;
    buf.writeUInt16LE(p.sport, pos); pos += 2;
    buf.writeUInt16LE(p.dport, pos); pos += 2;
    buf.writeUInt16LE(p.tcpFlags, pos); pos += 2;
    buf[pos++] = CLASS_CODES[p.trafficClass];
    buf[pos++] = TOOL_CODES[p.tool];
    const label = p.label === '' ? null : this.bytesOf(this.labelCache, p.label);
    if (label === null) buf[pos++] = 0;
    else { pos = writeLeb(buf, pos, label.length); pos += label.copy(buf, pos); }
    const country = p.country === '' ? null : this.bytesOf(this.countryCache, p.country);
    if (country === null) buf[pos++] = 0;
    else { buf[pos++] = country.length; pos += country.copy(buf, pos); }
    buf.writeUInt32LE(p.asn >>> 0, pos); pos += 4;
    buf[pos++] = p.ttl;
    buf.writeUInt16LE(p.ipId, pos); pos += 2;
    buf.writeUInt32LE(p.tcpSeq >>> 0, pos); pos += 4;
    buf.writeUInt16LE(p.tcpWindow, pos); pos += 2;
    buf[pos++] = p.tcpOptions ? 1 : 0;
    buf.writeUInt16LE(p.ipLen, pos); pos += 2;
    buf[pos++] = p.icmpType;
    buf[pos++] = p.icmpCode;
    buf[pos++] = p.fragment ? 1 : 0;
    buf[pos++] = ctx.toolRules;
    buf.writeUInt32LE(ctx.batchKeyLo >>> 0, pos); pos += 4;
    buf.writeUInt32LE(ctx.batchKeyHi >>> 0, pos); pos += 4;
    const ri = p.recordIndex;
    buf.writeUInt32LE(ri % 4294967296, pos); pos += 4;
    buf.writeUInt32LE(Math.floor(ri / 4294967296), pos); pos += 4;
    return pos;
  }
}

/** The column order this encoder writes; a test compares it with RAW_COLUMNS. */
export const ENCODED_COLUMNS = [
  'sensor', 'ts', 'ts_us', 'ip_version', 'src', 'dst', 'src6', 'dst6', 'proto', 'sport', 'dport', 'tcp_flags', 'class', 'tool', 'label',
  'country', 'asn', 'ttl', 'ip_id', 'tcp_seq', 'tcp_window', 'tcp_options', 'ip_len', 'icmp_type', 'icmp_code', 'fragment', 'tool_rules',
  'batch_key', 'record_index',
] as const;
