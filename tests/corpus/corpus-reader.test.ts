import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../src/ingest/capture/index.js';
import { corpusEntries } from '../helpers/corpus.js';
import { readAll } from '../helpers/read-all.js';

const entries = corpusEntries();

describe('corpus: every real capture reads with the README packet count', () => {
  it.each(entries.map((e) => [e.file, e] as const))('%s', async (_f, e) => {
    const reader = await openCaptureFile(e.path);
    let n = 0;
    for await (const b of reader.batches()) {
      for (const r of b) expect(r.data.length).toBeLessThanOrEqual(262_144);
      n += b.length;
    }
    expect(n).toBe(e.packets);
    expect(reader.stats.truncated).toBe(false);
    expect(reader.stats.bytes).toBe(e.bytes);
  });
});

/** Offsets where a record (pcap) or block (pcapng) starts or the file ends: cuts there leave nothing partial. */
function boundaries(full: Buffer): Set<number> {
  const out = new Set<number>([full.length]);
  if (full[0] === 0x0a) {
    // pcapng, little-endian sections (all corpus files are LE).
    for (let o = 0; o + 8 <= full.length; o += full.readUInt32LE(o + 4)) out.add(o);
  } else {
    const le = full.readUInt32LE(0) === 0xa1b2c3d4 || full.readUInt32LE(0) === 0xa1b23c4d;
    for (let o = 24; o + 16 <= full.length; o += 16 + (le ? full.readUInt32LE(o + 8) : full.readUInt32BE(o + 8))) out.add(o);
  }
  return out;
}

describe('corpus: cut at every byte offset', () => {
  const small = entries.filter((e) => e.bytes <= 3000);
  it.each(small.map((e) => [e.file, e] as const))('%s reads cleanly at every cut', async (_f, e) => {
    const full = readFileSync(e.path);
    const whole = await readAll(full);
    const clean = boundaries(full);
    const headerBytes = full[0] === 0x0a ? 28 : 24;
    for (let cut = headerBytes; cut < full.length; cut++) {
      const { reader, records } = await readAll(full.subarray(0, cut), 64);
      expect(records.length).toBeLessThanOrEqual(e.packets);
      // What was read before the cut is exactly the start of the full file's records.
      records.forEach((r, i) => expect(Buffer.from(r.data).equals(Buffer.from(whole.records[i].data))).toBe(true));
      // A cut inside a record or block is reported; a cut between them is a shorter, complete file.
      expect(reader.stats.truncated).toBe(!clean.has(cut));
      if (!clean.has(cut)) expect(reader.stats.stop?.reason).toBe('truncated');
    }
  });
});

describe('differential: pcap-parser reads the same records on classic captures', () => {
  const require = createRequire(import.meta.url);
  const pcapParser = require('pcap-parser') as { parse(input: Readable): NodeJS.EventEmitter };

  interface OracleRecord { sec: number; frac: number; orig: number; data: Buffer }
  async function oracle(buf: Buffer): Promise<OracleRecord[] | null> {
    const parser = pcapParser.parse(Readable.from([buf]));
    const got: OracleRecord[] = [];
    let failed = false;
    parser.on('packet', (p: { header: { timestampSeconds: number; timestampMicroseconds: number; originalLength: number }; data: Buffer }) => {
      got.push({ sec: p.header.timestampSeconds, frac: p.header.timestampMicroseconds, orig: p.header.originalLength, data: Buffer.from(p.data) });
    });
    // pcap-parser emits 'error' and then 'end' when it gives up on a file.
    await new Promise<void>((resolve) => {
      parser.on('error', () => { failed = true; });
      parser.on('end', () => resolve());
    });
    return failed ? null : got;
  }

  const classic = entries.filter((e) => e.file.endsWith('.pcap'));
  it.each(classic.map((e) => [e.file, e] as const))('%s', async (_f, e) => {
    const buf = readFileSync(e.path);
    const expected = await oracle(buf);
    const { reader, records } = await readAll(buf);
    if (expected === null) {
      // pcap-parser has no nanosecond magic: only those files may fail in the oracle.
      expect(reader.stats.tsPrecision).toBe('ns');
      return;
    }
    expect(records.length).toBe(expected.length);
    records.forEach((r, i) => {
      expect(r.tsSec).toBe(expected[i].sec);
      expect(r.tsNsec).toBe(expected[i].frac * 1000);
      expect(r.originalLength).toBe(expected[i].orig);
      expect(Buffer.from(r.data).equals(expected[i].data)).toBe(true);
    });
  });
});
