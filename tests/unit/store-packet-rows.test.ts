import { describe, expect, it } from 'vitest';
import { addressKey } from '../../src/store/address-key.js';
import { ENCODED_COLUMNS, encodeRows, RowBatchBuilder, withoutRecords, type StorablePacket } from '../../src/store/packet-rows.js';
import { RAW_COLUMNS } from '../../src/store/raw-columns.js';

function packet(over: Partial<StorablePacket> = {}): StorablePacket {
  return {
    tsSec: 1_700_000_000, tsUsec: 42, ipVersion: 4, src4: 0x08080808, dst4: 0xc6120007, src6: null, dst6: null, proto: 6, sport: 40000, dport: 23,
    tcpFlags: 0x02, tcpSeq: 0xc6120007, tcpWindow: 1024, tcpOptions: true, ipId: 4242, ttl: 52, ipLen: 44, icmpType: 0, icmpCode: 0, fragment: false,
    trafficClass: 'scan', tool: 'mirai', label: 'research', country: 'US', asn: 15169, recordIndex: 2 ** 33 + 5, ...over,
  };
}

describe('RowBinary rows of the raw table', () => {
  it('writes the columns in the table order', () => {
    expect([...ENCODED_COLUMNS]).toEqual(RAW_COLUMNS.map((c) => c.name));
  });

  it('encodes every field at its RowBinary width', () => {
    const rows = encodeRows([packet()], { sensor: 'tokyo-1', toolRules: 1, batchKeyHi: 0xabcdef01, batchKeyLo: 0x10 });
    const b = rows.bytes;
    let o = 0;
    const str = () => { const n = b[o++]; const s = b.toString('utf8', o, o + n); o += n; return s; };
    const u8 = () => b[o++];
    const u16 = () => { const v = b.readUInt16LE(o); o += 2; return v; };
    const u32 = () => { const v = b.readUInt32LE(o); o += 4; return v; };
    const u64 = () => { const v = b.readBigUInt64LE(o); o += 8; return v; };
    const fixed = () => { const v = b.subarray(o, o + 16); o += 16; return Buffer.from(v); };
    expect(str()).toBe('tokyo-1');
    expect([u32(), u32(), u8(), u32(), u32()]).toEqual([1_700_000_000, 42, 4, 0x08080808, 0xc6120007]);
    expect(fixed().equals(Buffer.alloc(16))).toBe(true);
    expect(fixed().equals(Buffer.alloc(16))).toBe(true);
    expect([u8(), u16(), u16(), u16(), u8(), u8()]).toEqual([6, 40000, 23, 2, 1, 1]);
    expect([str(), str(), u32(), u8(), u16(), u32(), u16(), u8(), u32(), u8(), u8(), u8(), u8()]).toEqual(
      ['research', 'US', 15169, 52, 4242, 0xc6120007, 1024, 1, 44, 0, 0, 0, 1]);
    expect(u64()).toBe(0xabcdef01_00000010n);
    expect(u64()).toBe(2n ** 33n + 5n);
    expect(u64()).toBe(0x08080808n);
    expect(u64()).toBe(0xc6120007n);
    expect(o).toBe(b.length);
    expect(Array.from(rows.starts)).toEqual([0, b.length]);
  });

  it('IPv6 rows carry the addresses and a key with the top bit set', () => {
    const src6 = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const rows = encodeRows([packet({ ipVersion: 6, src4: 0, dst4: 0, src6, dst6: new Uint8Array(16).fill(0xff), label: '', country: '' })], { sensor: 's', toolRules: 1, batchKeyHi: 0, batchKeyLo: 0 });
    const k = rows.bytes.readBigUInt64LE(rows.bytes.length - 16);
    expect(k).toBe(addressKey(6, 0, src6));
    expect(k >> 63n).toBe(1n);
    // XOR of the two little-endian halves: bytes 1..8 and 9..16.
    expect(k & ((1n << 63n) - 1n)).toBe((Buffer.from(src6).readBigUInt64LE(0) ^ Buffer.from(src6).readBigUInt64LE(8)) & ((1n << 63n) - 1n));
  });

  it('drops rows by record index, keeping the others byte for byte', () => {
    const ctx = { sensor: 's', toolRules: 1, batchKeyHi: 1, batchKeyLo: 2 };
    const all = encodeRows([0, 1, 2, 3].map((i) => packet({ recordIndex: i, label: i === 2 ? 'x'.repeat(200) : '' })), ctx);
    const kept = withoutRecords(all, (ri) => ri === 1 || ri === 3);
    expect(Array.from(kept.recordIndexes)).toEqual([0, 2]);
    expect(kept.bytes.equals(Buffer.concat([all.bytes.subarray(all.starts[0], all.starts[1]), all.bytes.subarray(all.starts[2], all.starts[3])]))).toBe(true);
    expect(kept.starts[kept.count]).toBe(kept.bytes.length);
  });
});

describe('RowBatchBuilder buffers', () => {
  const ctx = { sensor: 's', toolRules: 1, batchKeyHi: 1, batchKeyLo: 0 };

  it('encodes the next batches into the buffers of batches given back, never into one still handed out', () => {
    const b = new RowBatchBuilder(ctx, 4);
    const fill = (first: number) => { for (let i = 0; i < 3; i++) b.append(packet({ recordIndex: first + i })); return b.finish(); };
    const one = fill(0);
    const oneCopy = Buffer.from(one.bytes);
    const two = fill(3);
    expect(two.bytes.buffer).not.toBe(one.bytes.buffer);
    expect(one.bytes.equals(oneCopy)).toBe(true); // the second batch did not touch the first
    b.recycle(one.bytes);
    b.recycle(one.bytes); // twice is harmless
    const three = fill(6);
    expect(three.bytes.buffer).toBe(one.bytes.buffer);
    expect(Array.from(three.recordIndexes)).toEqual([6, 7, 8]);
    expect(three.bytes.equals(encodeRows([6, 7, 8].map((i) => packet({ recordIndex: i })), ctx).bytes)).toBe(true);
    const four = fill(9); // no spare left: a fresh buffer
    expect([one, two, three].some((r) => r.bytes.buffer === four.bytes.buffer)).toBe(false);
  });

  it('holds no buffer between finish() and the next append', () => {
    const b = new RowBatchBuilder(ctx, 4);
    b.append(packet());
    const rows = b.finish();
    b.recycle(rows.bytes); // given back before any new row: the next batch reuses it
    b.append(packet({ recordIndex: 1 }));
    expect(b.finish().bytes.buffer).toBe(rows.bytes.buffer);
    expect(b.finish().count).toBe(0);
  });

  it('ignores bytes that are not a whole batch buffer of its size', () => {
    const b = new RowBatchBuilder(ctx, 4);
    b.append(packet());
    const rows = b.finish();
    b.recycle(rows.bytes.subarray(1));
    b.recycle(Buffer.alloc(8));
    b.append(packet());
    expect(b.finish().bytes.buffer).not.toBe(rows.bytes.buffer);
  });
});
