import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/ingest/capture/index.js';
import { RECORDS_PER_ARRAY } from '../../src/ingest/capture/limits.js';
import { chunked, writePcap, writePcapng, type TestPacket } from '../helpers/capture-writer.js';

const COUNT = 3 * RECORDS_PER_ARRAY + 17;
const packets: TestPacket[] = Array.from({ length: COUNT }, (_, i) => ({ tsSec: 1_700_000_000 + i, tsFrac: i, data: new Uint8Array(20 + (i % 7)).fill(i & 0xff) }));

async function arrays(file: Uint8Array, name: string): Promise<Array<Array<{ index: number; tsSec: number; len: number; first: number }>>> {
  // One chunk holds the whole file, so only the cap splits the records.
  const reader = await openCapture(chunked(file, file.length), { name });
  const out: Array<Array<{ index: number; tsSec: number; len: number; first: number }>> = [];
  for await (const batch of reader.batches()) out.push(batch.map((r) => ({ index: r.index, tsSec: r.tsSec, len: r.data.length, first: r.data[0] })));
  return out;
}

describe('records per array', () => {
  for (const [format, file] of [['pcap', writePcap(packets)], ['pcapng', writePcapng([{ interfaces: [{ linkType: 1 }], packets }])]] as const) {
    it(`${format}: a window of ${COUNT} records is handed out in arrays of at most ${RECORDS_PER_ARRAY}, every record once, in order`, async () => {
      const got = await arrays(file, `x.${format}`);
      expect(got.map((a) => a.length)).toEqual([RECORDS_PER_ARRAY, RECORDS_PER_ARRAY, RECORDS_PER_ARRAY, 17]);
      expect(got.flat()).toEqual(packets.map((p, i) => ({ index: i, tsSec: p.tsSec, len: p.data.length, first: i & 0xff })));
    });
  }
});
