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
import { addressKeyHalves } from './address-key.js';
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

/** Upper bound of one row's size, apart from the sensor and label strings. */
const FIXED_ROW_BYTES = 130;

function writeLeb(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Rows of one batch, encoded, with where each row starts and which record it came from. */
export interface EncodedRows {
  readonly count: number;
  /** RowBinary bytes of all rows, in order. */
  readonly bytes: Buffer;
  /** starts[i] is the byte offset of row i; starts[count] is bytes.length. */
  readonly starts: Uint32Array;
  readonly recordIndexes: Float64Array;
}

/** Spare batch buffers a builder keeps (one per batch in flight is plenty). */
const MAX_SPARE_BUFFERS = 8;

/**
 * Encodes packets into one batch's RowBinary rows as they arrive, so the
 * packet objects can be dropped at once: a batch costs its encoded size
 * (about 130 bytes a row), not the packets' objects.
 */
export class RowBatchBuilder {
  /** The buffer being filled; null between finish() and the next append (a batch waiting to be sent holds the only one). */
  private buf: Buffer | null;
  private pos = 0;
  private n = 0;
  private starts: Uint32Array;
  private indexes: Float64Array;
  private readonly labelCache = new Map<string, Buffer>();
  private readonly countryCache = new Map<string, Buffer>();
  private readonly key: [number, number] = [0, 0];
  private readonly sensor: Buffer;
  private ctx: BatchContext;
  /** Byte size of a fresh buffer (what `expectedRows` rows take). */
  private readonly capacity: number;
  /** Buffers of written batches, given back by recycle() for the next batches. */
  private readonly spare: Buffer[] = [];

  constructor(ctx: BatchContext, expectedRows: number) {
    this.ctx = ctx;
    this.sensor = Buffer.from(ctx.sensor, 'utf8');
    const rows = Math.max(16, expectedRows);
    this.capacity = rows * (FIXED_ROW_BYTES + this.sensor.length + 16);
    this.buf = null;
    this.starts = new Uint32Array(rows + 1);
    this.indexes = new Float64Array(rows);
  }

  get count(): number {
    return this.n;
  }

  /** Starts a new batch with this batch key (the builder's buffers are handed out by finish()). */
  reset(batchKeyLo: number): void {
    this.ctx = { ...this.ctx, batchKeyLo };
    this.pos = 0;
    this.n = 0;
  }

  append(p: StorablePacket): void {
    const need = FIXED_ROW_BYTES + this.sensor.length + 5 + p.label.length * 3 + 16;
    // Never from Node's shared pool: recycle() reuses the whole ArrayBuffer.
    this.buf ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    if (this.pos + need > this.buf.length) this.grow(need);
    if (this.n + 1 >= this.starts.length) {
      const s = new Uint32Array(this.starts.length * 2);
      s.set(this.starts);
      this.starts = s;
      const ix = new Float64Array(this.indexes.length * 2);
      ix.set(this.indexes);
      this.indexes = ix;
    }
    this.starts[this.n] = this.pos;
    this.indexes[this.n] = p.recordIndex;
    this.pos = this.row(this.buf as Buffer, this.pos, p);
    this.n++;
  }

  /**
   * The encoded rows. The bytes are the builder's own buffer, handed over
   * without a copy; the next append takes a spare buffer (or a new one), so
   * while a finished batch waits for its turn no second buffer is held.
   */
  finish(): EncodedRows {
    this.starts[this.n] = this.pos;
    const rows: EncodedRows = {
      count: this.n,
      bytes: this.buf === null ? Buffer.alloc(0) : this.buf.subarray(0, this.pos),
      starts: this.starts.slice(0, this.n + 1),
      recordIndexes: this.indexes.slice(0, this.n),
    };
    this.buf = null;
    this.pos = 0;
    this.n = 0;
    return rows;
  }

  /**
   * Gives back the bytes of a batch that nothing reads any more (its insert
   * has settled), so that later batches are encoded into the same memory.
   * Batch buffers live for seconds, long enough for V8 to move them to the
   * old generation, where they would wait for a rare full collection: reusing
   * them keeps ingest memory at (batches in flight + 1) buffers, however
   * large the input.
   */
  recycle(bytes: Buffer): void {
    const ab = bytes.buffer;
    if (bytes.byteOffset !== 0 || ab.byteLength < this.capacity || ab === this.buf?.buffer) return;
    if (this.spare.length < MAX_SPARE_BUFFERS && !this.spare.some((b) => b.buffer === ab)) this.spare.push(Buffer.from(ab));
  }

  private grow(need: number): void {
    const old = this.buf as Buffer;
    const b = Buffer.allocUnsafeSlow(Math.max(old.length * 2, this.pos + need));
    old.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  private bytesOf(cache: Map<string, Buffer>, s: string): Buffer {
    let b = cache.get(s);
    if (b === undefined) {
      b = Buffer.from(s, 'utf8');
      if (cache.size < 10_000) cache.set(s, b);
    }
    return b;
  }

  private row(buf: Buffer, pos: number, p: StorablePacket): number {
    const ctx = this.ctx;
    pos = putBytes(buf, writeLeb(buf, pos, this.sensor.length), this.sensor);
    pos = putU32(buf, pos, p.tsSec);
    pos = putU32(buf, pos, p.tsUsec);
    buf[pos++] = p.ipVersion;
    pos = putU32(buf, pos, p.src4);
    pos = putU32(buf, pos, p.dst4);
    pos = p.src6 === null ? putZeros16(buf, pos) : putBytes(buf, pos, p.src6);
    pos = p.dst6 === null ? putZeros16(buf, pos) : putBytes(buf, pos, p.dst6);
    buf[pos++] = p.proto;
    pos = putU16(buf, pos, p.sport);
    pos = putU16(buf, pos, p.dport);
    pos = putU16(buf, pos, p.tcpFlags);
    buf[pos++] = CLASS_CODES[p.trafficClass];
    buf[pos++] = TOOL_CODES[p.tool];
    if (p.label === '') buf[pos++] = 0;
    else {
      const label = this.bytesOf(this.labelCache, p.label);
      pos = putBytes(buf, writeLeb(buf, pos, label.length), label);
    }
    if (p.country === '') buf[pos++] = 0;
    else {
      const country = this.bytesOf(this.countryCache, p.country);
      buf[pos++] = country.length;
      pos = putBytes(buf, pos, country);
    }
    pos = putU32(buf, pos, p.asn);
    buf[pos++] = p.ttl;
    pos = putU16(buf, pos, p.ipId);
    pos = putU32(buf, pos, p.tcpSeq);
    pos = putU16(buf, pos, p.tcpWindow);
    buf[pos++] = p.tcpOptions ? 1 : 0;
    pos = putU32(buf, pos, p.ipLen);
    buf[pos++] = p.icmpType;
    buf[pos++] = p.icmpCode;
    buf[pos++] = p.fragment ? 1 : 0;
    buf[pos++] = ctx.toolRules;
    pos = putU32(buf, pos, ctx.batchKeyLo);
    pos = putU32(buf, pos, ctx.batchKeyHi);
    const ri = p.recordIndex;
    pos = putU32(buf, pos, ri % 4294967296);
    pos = putU32(buf, pos, Math.floor(ri / 4294967296));
    const k = this.key;
    addressKeyHalves(p.ipVersion, p.src4, p.src6, k);
    pos = putU32(buf, pos, k[0]);
    pos = putU32(buf, pos, k[1]);
    addressKeyHalves(p.ipVersion, p.dst4, p.dst6, k);
    pos = putU32(buf, pos, k[0]);
    return putU32(buf, pos, k[1]);
  }
}

// Byte stores instead of Buffer.write*/copy: those check their arguments on
// every call, which cost about as much as the rest of the encoder together
// (CPU profile of a 1 M-packet ingest). A typed-array store keeps the low 8
// bits of the value, which is the little-endian byte wanted.

/** `v` (0..2^32-1) as 4 little-endian bytes. */
function putU32(buf: Buffer, pos: number, v: number): number {
  buf[pos] = v;
  buf[pos + 1] = v >>> 8;
  buf[pos + 2] = v >>> 16;
  buf[pos + 3] = v >>> 24;
  return pos + 4;
}

/** `v` (0..65535) as 2 little-endian bytes. */
function putU16(buf: Buffer, pos: number, v: number): number {
  buf[pos] = v;
  buf[pos + 1] = v >>> 8;
  return pos + 2;
}

function putBytes(buf: Buffer, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos + i] = bytes[i];
  return pos + bytes.length;
}

function putZeros16(buf: Buffer, pos: number): number {
  for (let i = 0; i < 16; i++) buf[pos + i] = 0;
  return pos + 16;
}

/** Encodes a whole list of packets as one batch (tests and tools; the pipeline appends as it goes). */
export function encodeRows(packets: readonly StorablePacket[], ctx: BatchContext): EncodedRows {
  const b = new RowBatchBuilder(ctx, packets.length);
  for (const p of packets) b.append(p);
  return b.finish();
}

/** The rows of `rows` whose record index is not in `drop`, as a new EncodedRows. */
export function withoutRecords(rows: EncodedRows, drop: (recordIndex: number) => boolean): EncodedRows {
  const parts: Buffer[] = [];
  const starts: number[] = [0];
  const indexes: number[] = [];
  let size = 0;
  for (let i = 0; i < rows.count; i++) {
    if (drop(rows.recordIndexes[i])) continue;
    const row = rows.bytes.subarray(rows.starts[i], rows.starts[i + 1]);
    parts.push(row);
    size += row.length;
    starts.push(size);
    indexes.push(rows.recordIndexes[i]);
  }
  return { count: indexes.length, bytes: Buffer.concat(parts, size), starts: Uint32Array.from(starts), recordIndexes: Float64Array.from(indexes) };
}

/** The column order this encoder writes; a test compares it with RAW_COLUMNS. */
export const ENCODED_COLUMNS = [
  'sensor', 'ts', 'ts_us', 'ip_version', 'src', 'dst', 'src6', 'dst6', 'proto', 'sport', 'dport', 'tcp_flags', 'class', 'tool', 'label',
  'country', 'asn', 'ttl', 'ip_id', 'tcp_seq', 'tcp_window', 'tcp_options', 'ip_len', 'icmp_type', 'icmp_code', 'fragment', 'tool_rules',
  'batch_key', 'record_index', 'src_key', 'dst_key',
] as const;
