import { describe, expect, it } from 'vitest';
import { pcapngEpbRaw, writePcapng } from '../helpers/capture-writer.js';
import { readAll } from '../helpers/read-all.js';

const d = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

describe('pcapng reader', () => {
  for (const littleEndian of [true, false]) {
    it(`reads ${littleEndian ? 'LE' : 'BE'} sections with EPBs on several interfaces`, async () => {
      const file = writePcapng([{
        littleEndian,
        interfaces: [{ linkType: 1 }, { linkType: 113 }],
        unknownBlockTypes: [0x00000005, 0x0bad],
        packets: [
          { tsSec: 1_600_000_000, tsFrac: 250_000, data: d(5), originalLength: 90 },
          { tsSec: 1_600_000_001, tsFrac: 1, data: d(64), interfaceId: 1 },
        ],
      }]);
      for (const chunk of [1, 13, 1 << 20]) {
        const { reader, records } = await readAll(file, chunk, 'x.pcapng');
        expect(reader.stats).toMatchObject({ format: 'pcapng', byteOrder: littleEndian ? 'LE' : 'BE', linkTypes: [1, 113], records: 2, sections: 1, skippedBlocks: 2, truncated: false });
        expect(records.map((r) => [r.interfaceId, r.linkType, r.tsSec, r.tsNsec, r.originalLength, r.data.length])).toEqual([
          [0, 1, 1_600_000_000, 250_000_000, 90, 5],
          [1, 113, 1_600_000_001, 1000, 64, 64],
        ]);
      }
    });
  }

  it('handles several sections with different byte orders; each section resets interfaces', async () => {
    const file = writePcapng([
      { littleEndian: true, interfaces: [{ linkType: 1 }], packets: [{ tsSec: 10, tsFrac: 0, data: d(4) }] },
      { littleEndian: false, interfaces: [{ linkType: 101 }], packets: [{ tsSec: 20, tsFrac: 5, data: d(8) }, { tsSec: 21, tsFrac: 0, data: d(3) }] },
    ]);
    const { reader, records } = await readAll(file, 17);
    expect(reader.stats.sections).toBe(2);
    expect(records.map((r) => [r.index, r.linkType, r.tsSec, r.tsNsec])).toEqual([[0, 1, 10, 0], [1, 101, 20, 5000], [2, 101, 21, 0]]);
  });

  it('applies if_tsresol (decimal and binary) and if_tsoffset', async () => {
    const head = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 9 }, { linkType: 1, tsresol: 0x80 | 10, tsoffset: 100 }, { linkType: 1, tsresol: 3 }], packets: [] }]);
    const ns = 1_700_000_000_123_456_789n;
    const file = Buffer.concat([head,
      pcapngEpbRaw(true, 0, ns, d(4)),
      pcapngEpbRaw(true, 1, 5n * 1024n + 512n, d(4)),
      pcapngEpbRaw(true, 2, 1_700_000_000_999n, d(4)),
    ]);
    const { records } = await readAll(file);
    expect(records.map((r) => [r.tsSec, r.tsNsec])).toEqual([[1_700_000_000, 123_456_789], [105, 500_000_000], [1_700_000_000, 999_000_000]]);
  });

  it('reads simple packet blocks (no timestamp: the decoder must not invent one)', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1, snaplen: 10 }], simple: true, packets: [{ tsSec: 0, tsFrac: 0, data: d(20), originalLength: 20 }] }]);
    const { records } = await readAll(file);
    expect(records).toHaveLength(1);
    expect(records[0].data.length).toBe(10);
    expect(records[0].tsSec).toBe(-1);
  });

  it('stops on an impossible block length before allocating it', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ tsSec: 1, tsFrac: 0, data: d(4) }, { tsSec: 2, tsFrac: 0, data: d(4) }] }]);
    const secondEpbAt = file.length - 36;
    for (const bad of [0x7ffffffc, 8, 37]) {
      const copy = Buffer.from(file);
      copy.writeUInt32LE(bad, secondEpbAt + 4);
      const { reader, records } = await readAll(copy);
      expect(records).toHaveLength(1);
      expect(reader.stats.stop).toMatchObject({ reason: 'bad_block_length', offset: secondEpbAt });
    }
  });

  it('stops on a packet that does not fit its block, or names an unknown interface', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ tsSec: 1, tsFrac: 0, data: d(4), capturedLengthField: 400 }] }]);
    expect((await readAll(file)).reader.stats.stop?.reason).toBe('bad_packet_block');
    const file2 = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ tsSec: 1, tsFrac: 0, data: d(4), interfaceId: 3 }] }]);
    expect((await readAll(file2)).reader.stats.stop?.reason).toBe('unknown_interface');
  });

  it('drops (and counts) a packet above 262144 bytes inside a well-framed block, then goes on', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ tsSec: 1, tsFrac: 0, data: d(300_000) }, { tsSec: 2, tsFrac: 0, data: d(10) }] }]);
    const { reader, records } = await readAll(file, 65536);
    expect(records.map((r) => r.tsSec)).toEqual([2]);
    expect(reader.stats.droppedRecords).toEqual({ record_too_large: 1 });
    expect(reader.stats.truncated).toBe(false);
  });

  it('a cut inside a block keeps earlier packets and sets truncated', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ tsSec: 1, tsFrac: 0, data: d(4) }, { tsSec: 2, tsFrac: 0, data: d(40) }] }]);
    const { reader, records } = await readAll(file.subarray(0, file.length - 10));
    expect(records).toHaveLength(1);
    expect(reader.stats).toMatchObject({ truncated: true, stop: { reason: 'truncated' } });
  });
});
