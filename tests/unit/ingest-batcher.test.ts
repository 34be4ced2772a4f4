import { describe, expect, it } from 'vitest';
import { batchPackets, type PendingBatch } from '../../src/ingest/batcher.js';
import { RowBatchBuilder, type StorablePacket } from '../../src/store/packet-rows.js';

type P = StorablePacket & { recordOffset: number };

function pkt(recordIndex: number, tsSec: number): P {
  return {
    tsSec, tsUsec: 0, ipVersion: 4, src4: 1, dst4: 2, src6: null, dst6: null, proto: 6, sport: 1, dport: 23, tcpFlags: 2, tcpSeq: 0, tcpWindow: 0,
    tcpOptions: false, ipId: 0, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0, fragment: false, trafficClass: 'scan', tool: 'none', label: '',
    country: '', asn: 0, recordIndex, recordOffset: recordIndex * 100,
  };
}

async function* chunks(list: P[][], gapMs = 0): AsyncGenerator<P[]> {
  for (const c of list) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    yield c;
  }
}

const builder = () => new RowBatchBuilder({ sensor: 's', toolRules: 1, batchKeyHi: 7, batchKeyLo: 0 }, 4);

async function collect(gen: AsyncGenerator<PendingBatch>): Promise<PendingBatch[]> {
  const out: PendingBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe('batcher', () => {
  const DAY = 86_400;
  const base = 20_000 * DAY;

  it('closes a batch at maxRows and at a UTC day boundary, never spanning two days', async () => {
    const input = [[pkt(0, base + 10), pkt(1, base + 20), pkt(2, base + 30)], [pkt(3, base + DAY - 1), pkt(5, base + DAY), pkt(6, base + DAY + 1)]];
    const out = await collect(batchPackets(chunks(input), { maxRows: 3, maxAgeMs: null, builder: builder() }));
    expect(out.map((b) => [b.firstIndex, b.lastIndex, b.rows.count, b.day, b.lastOffset])).toEqual([
      [0, 2, 3, base, 200],
      [3, 3, 1, base, 300],
      [5, 6, 2, base + DAY, 600],
    ]);
    expect(Array.from(out[2].rows.recordIndexes)).toEqual([5, 6]);
  });

  it('cuts the same batches whatever the source chunking (resume depends on it)', async () => {
    const all = Array.from({ length: 25 }, (_, i) => pkt(i, base + i));
    const a = await collect(batchPackets(chunks([all]), { maxRows: 10, maxAgeMs: null, builder: builder() }));
    const b = await collect(batchPackets(chunks(all.map((p) => [p])), { maxRows: 10, maxAgeMs: null, builder: builder() }));
    expect(a.map((x) => [x.firstIndex, x.lastIndex])).toEqual([[0, 9], [10, 19], [20, 24]]);
    expect(b.map((x) => [x.firstIndex, x.lastIndex])).toEqual(a.map((x) => [x.firstIndex, x.lastIndex]));
    expect(b.map((x) => x.rows.bytes.equals(a[b.indexOf(x)].rows.bytes))).toEqual([true, true, true]);
  });

  it('flushes a batch that reached its age while a live input is idle', async () => {
    const out: Array<[number, number]> = [];
    const t0 = Date.now();
    for await (const b of batchPackets(chunks([[pkt(0, base)], [pkt(1, base + 1)]], 300), { maxRows: 100, maxAgeMs: 50, builder: builder() })) {
      out.push([b.firstIndex, Date.now() - t0]);
    }
    expect(out.map((o) => o[0])).toEqual([0, 1]);
    // The first batch went out before the second packet arrived (~600 ms).
    expect(out[0][1]).toBeLessThan(550);
  });

  it('on a stop signal yields the batch being filled and reads no further, even while a read is pending', async () => {
    const ac = new AbortController();
    let pulled = 0;
    async function* live(): AsyncGenerator<P[]> {
      yield [pkt(0, base), pkt(1, base + 1)];
      pulled++;
      yield [pkt(2, base + 2)];
      pulled++;
      await new Promise(() => undefined); // stdin with nothing more to say
    }
    const out: PendingBatch[] = [];
    setTimeout(() => ac.abort('SIGTERM'), 100);
    for await (const b of batchPackets(live(), { maxRows: 100, maxAgeMs: 60_000, builder: builder(), signal: ac.signal })) out.push(b);
    expect(out.map((b) => [b.firstIndex, b.lastIndex, b.rows.count, b.maxTsSec])).toEqual([[0, 2, 3, base + 2]]);
    expect(pulled).toBe(2);
  });

  it('reports the newest packet time of each batch (for the ingest lag)', async () => {
    const input = [[pkt(0, base + 50), pkt(1, base + 10), pkt(2, base + 30)]];
    const out = await collect(batchPackets(chunks(input), { maxRows: 2, maxAgeMs: null, builder: builder() }));
    expect(out.map((b) => b.maxTsSec)).toEqual([base + 50, base + 30]);
  });
});
