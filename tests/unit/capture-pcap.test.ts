import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DarkscopeError } from '../../src/errors.js';
import { MAX_RECORD_BYTES } from '../../src/ingest/capture/index.js';
import { writePcap, type TestPacket } from '../helpers/capture-writer.js';
import { readAll } from '../helpers/read-all.js';

const pkts: TestPacket[] = [
  { tsSec: 1_600_000_000, tsFrac: 123_456, data: Uint8Array.from([1, 2, 3, 4]) },
  { tsSec: 1_600_000_001, tsFrac: 999_999, data: new Uint8Array(60).fill(7), originalLength: 1500 },
  { tsSec: 0xffffffff, tsFrac: 0, data: new Uint8Array(0) },
];

describe('classic pcap reader', () => {
  for (const littleEndian of [true, false]) {
    for (const nanos of [false, true]) {
      it(`reads ${littleEndian ? 'LE' : 'BE'} ${nanos ? 'ns' : 'µs'} files with exact fields`, async () => {
        const file = writePcap(pkts, { littleEndian, nanos, linkType: 113 });
        for (const chunk of [1, 7, 1 << 20]) {
          const { reader, records } = await readAll(file, chunk);
          expect(reader.stats).toMatchObject({
            format: 'pcap', byteOrder: littleEndian ? 'LE' : 'BE', tsPrecision: nanos ? 'ns' : 'us',
            linkTypes: [113], records: 3, truncated: false, stop: null, bytes: file.length,
          });
          expect(records.map((r) => [r.index, r.tsSec, r.tsNsec, r.originalLength, r.data.length, r.linkType])).toEqual([
            [0, 1_600_000_000, nanos ? 123_456 : 123_456_000, 4, 4, 113],
            [1, 1_600_000_001, nanos ? 999_999 : 999_999_000, 1500, 60, 113],
            [2, 0xffffffff, 0, 0, 0, 113],
          ]);
          expect(Array.from(records[0].data)).toEqual([1, 2, 3, 4]);
          expect(records[1].offset).toBe(24 + 16 + 4);
        }
      });
    }
  }

  it('masks FCS/extension bits off the link type (libpcap LT_LINKTYPE)', async () => {
    const { reader, records } = await readAll(writePcap(pkts.slice(0, 1), { linkType: 0x30000001 }));
    expect(reader.stats.linkTypes).toEqual([1]);
    expect(records[0].linkType).toBe(1);
  });

  it('reads gzip-compressed captures, detected by magic, not by name', async () => {
    const file = gzipSync(writePcap(pkts));
    const { reader, records } = await readAll(file, 5, 'capture.pcapng');
    expect(reader.stats.compressed).toBe(true);
    expect(reader.stats.format).toBe('pcap');
    expect(records).toHaveLength(3);
  });

  it('a cut gzip stream keeps the records before the cut and reports truncation', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ tsSec: i, tsFrac: 0, data: new Uint8Array(100).fill(i & 0xff) }));
    const gz = gzipSync(writePcap(many));
    const { reader, records } = await readAll(gz.subarray(0, Math.floor(gz.length / 2)), 4096);
    expect(reader.stats.truncated).toBe(true);
    expect(reader.stats.stop?.reason).toBe('truncated');
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(2000);
    records.forEach((r, i) => expect(r.tsSec).toBe(i));
  });

  it('a file cut inside a record ends cleanly with everything before the cut', async () => {
    const file = writePcap(pkts);
    const cut = file.subarray(0, 24 + 16 + 4 + 16 + 10);
    const { reader, records } = await readAll(cut);
    expect(records).toHaveLength(1);
    expect(reader.stats.truncated).toBe(true);
    expect(reader.stats.stop).toMatchObject({ reason: 'truncated', offset: 24 + 20 });
  });

  it('never allocates a record above the 262144-byte limit: stops with record_too_large', async () => {
    const hostile: TestPacket[] = [pkts[0], { tsSec: 1, tsFrac: 0, data: new Uint8Array(8), capturedLengthField: 0x7fffffff }];
    const { reader, records } = await readAll(writePcap(hostile));
    expect(records).toHaveLength(1);
    expect(reader.stats.stop).toMatchObject({ reason: 'record_too_large', offset: 24 + 16 + 4 });
    expect(reader.stats.truncated).toBe(true);
  });

  it('accepts a record exactly at the limit and above the snaplen (as libpcap does)', async () => {
    const big = { tsSec: 1, tsFrac: 0, data: new Uint8Array(MAX_RECORD_BYTES) };
    const { reader, records } = await readAll(writePcap([big], { snaplen: 65535 }), 65536);
    expect(records[0].data.length).toBe(MAX_RECORD_BYTES);
    expect(reader.stats.truncated).toBe(false);
  });

  it('rejects what is not a capture with DARKSCOPE_E_BAD_CAPTURE naming file and offset', async () => {
    const cases: Array<[Uint8Array, RegExp, number]> = [
      [new Uint8Array(0), /empty input/, 0],
      [Uint8Array.from([0xd4, 0xc3]), /too short/, 0],
      [Buffer.from('hello world, not a capture'), /unknown magic 0x68656c6c/, 0],
      [writePcap([], { versionMajor: 1 }), /unsupported pcap version 1/, 4],
      [writePcap([]).subarray(0, 20), /header truncated/, 0],
      [gzipSync(Buffer.from('plain text')), /unknown magic .* inside gzip/, 0],
    ];
    for (const [buf, msg, offset] of cases) {
      const err = await readAll(buf, 3, 'x.pcap').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DarkscopeError);
      expect((err as DarkscopeError).code).toBe('DARKSCOPE_E_BAD_CAPTURE');
      expect((err as DarkscopeError).message).toMatch(msg);
      expect((err as DarkscopeError).details).toMatchObject({ file: 'x.pcap', offset });
    }
  });

  it('pulls input only as the consumer asks (backpressure)', async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ tsSec: i, tsFrac: 0, data: new Uint8Array(1000) }));
    const file = writePcap(many);
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < file.length; i += 10_000) {
        pulled++;
        yield file.subarray(i, i + 10_000);
      }
    }
    const { openCapture } = await import('../../src/ingest/capture/index.js');
    const reader = await openCapture(source(), { name: 'slow' });
    const it = reader.batches();
    await it.next();
    expect(pulled).toBeLessThanOrEqual(2);
    await it.return(undefined);
  });
});
