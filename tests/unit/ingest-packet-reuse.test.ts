import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { batchPackets } from '../../src/ingest/batcher.js';
import { openInput } from '../../src/ingest/input/open-input.js';
import { packetSource, type SourcePacket } from '../../src/ingest/input/packet-source.js';
import { RowBatchBuilder, type StorablePacket } from '../../src/store/packet-rows.js';
import { synthesizeCapture } from '../../src/synth/generator.js';

/** The bytes again in pieces of `size` bytes (records then span pieces, and the reader yields a chunk per piece). */
async function* pieces(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const c of chunks) for (let at = 0; at < c.length; at += size) yield c.subarray(at, at + size);
}

/** Every packet of a generated capture, each chunk copied out before the next is read. */
async function readAll(reusePackets: boolean, skipBelowIndex = 0): Promise<{ packets: SourcePacket[]; chunks: number; sameArray: boolean }> {
  // IPv6, ICMP, UDP and backscatter mixed in, so consecutive packets in one reused object differ in every field.
  const { chunks } = synthesizeCapture({ packets: 30_000, seed: 5, ipv6Share: 0.2, icmpShare: 0.1, udpShare: 0.2, backscatterShare: 0.1 });
  const input = await openInput({ name: '-', kind: 'stdin', size: 0 }, { stdin: pieces(chunks, 50_000) });
  const source = packetSource(input, { reusePackets, skipBelowIndex });
  const packets: SourcePacket[] = [];
  let count = 0;
  let first: SourcePacket[] | null = null;
  let sameArray = true;
  for await (const chunk of source.batches()) {
    first ??= chunk;
    if (chunk !== first) sameArray = false;
    count++;
    for (const p of chunk) packets.push({ ...p, src6: p.src6 === null ? null : Uint8Array.from(p.src6), dst6: p.dst6 === null ? null : Uint8Array.from(p.dst6) });
  }
  return { packets, chunks: count, sameArray };
}

describe('capture source reusing its packet objects', () => {
  it('yields the same packets as fresh objects, field for field, over many chunks', async () => {
    const fresh = await readAll(false);
    const reused = await readAll(true);
    expect(fresh.chunks).toBeGreaterThan(20);
    expect(fresh.sameArray).toBe(false);
    expect(reused.sameArray).toBe(true);
    expect(reused.packets.length).toBe(30_000);
    expect(reused.packets.some((p) => p.ipVersion === 6)).toBe(true);
    expect(reused.packets).toEqual(fresh.packets);
  });

  it('skips the records of a resume the same way', async () => {
    const fresh = await readAll(false, 12_345);
    const reused = await readAll(true, 12_345);
    expect(reused.packets[0].recordIndex).toBe(12_345);
    expect(reused.packets).toEqual(fresh.packets);
  });
});

describe('batcher memory', () => {
  it('does not keep the chunks it has encoded while a stop signal is attached', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const refs: Array<WeakRef<object>> = [];
    async function* chunks(): AsyncGenerator<Array<StorablePacket & { recordOffset: number }>> {
      for (let c = 0; c < 40; c++) {
        const chunk = Array.from({ length: 100 }, (_, i) => ({
          tsSec: 1_700_000_000, tsUsec: 0, ipVersion: 4 as const, src4: 1, dst4: 2, src6: null, dst6: null, proto: 6, sport: 1, dport: 23, tcpFlags: 2,
          tcpSeq: 0, tcpWindow: 0, tcpOptions: false, ipId: 0, ttl: 64, ipLen: 40, icmpType: 0, icmpCode: 0, fragment: false,
          trafficClass: 'scan' as const, tool: 'none' as const, label: '', country: '', asn: 0, recordIndex: c * 100 + i, recordOffset: 0,
        }));
        refs.push(new WeakRef(chunk));
        yield chunk;
        // Let the consumer's promise callbacks run before the next chunk.
        await new Promise((r) => setImmediate(r));
      }
    }
    const stop = new AbortController();
    const builder = new RowBatchBuilder({ sensor: 's', toolRules: 1, batchKeyHi: 1, batchKeyLo: 0 }, 1_000_000);
    const batches = batchPackets(chunks(), { maxRows: 1_000_000, maxAgeMs: null, builder, signal: stop.signal });
    // One batch for the whole input: it is yielded only at the end, so every chunk has been encoded by then.
    const first = batches.next();
    const done = await first;
    expect(done.done).toBe(false);
    if (done.done !== true) expect(done.value.rows.count).toBe(4000);
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    // The batcher is still open (not returned), so a leak through its stop wait would still hold them.
    const held = refs.slice(0, -1).filter((r) => r.deref() !== undefined).length;
    expect(held).toBe(0);
    await batches.return(undefined);
  });
});
