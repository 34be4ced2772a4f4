/**
 * Parse ceiling: the same capture read three ways in one process.
 *   1. a minimal record loop (headers only, no objects): the physical ceiling in JS;
 *   2. darkscope's capture reader (records/s);
 *   3. reader + decode + classify (packets/s).
 * Each is run `rounds` times alternately; medians are reported.
 */
import { createReadStream } from 'node:fs';
import { openCaptureFile, FILE_CHUNK_BYTES } from '../src/ingest/capture/index.js';
import { decodeRecord } from '../src/ingest/decode/index.js';
import { createClassifier } from '../src/ingest/classify/index.js';
import { createEnricher } from '../src/ingest/classify/enrich.js';
import { LabelSet } from '../src/ingest/classify/labels.js';

export interface ParseFigures {
  packets: number;
  ceilingPerSec: number;
  readerPerSec: number;
  fullPerSec: number;
}

async function minimalLoop(path: string): Promise<number> {
  let n = 0;
  let carry: Buffer | null = null;
  let first = true;
  for await (const c of createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES })) {
    let buf = c as Buffer;
    if (carry !== null) buf = Buffer.concat([carry, buf]);
    let pos = first ? 24 : 0;
    first = false;
    while (pos + 16 <= buf.length) {
      const len = buf.readUInt32LE(pos + 8);
      if (pos + 16 + len > buf.length) break;
      pos += 16 + len;
      n++;
    }
    carry = pos < buf.length ? buf.subarray(pos) : null;
  }
  return n;
}

async function readerOnly(path: string): Promise<number> {
  const r = await openCaptureFile(path);
  let n = 0;
  for await (const b of r.batches()) n += b.length;
  return n;
}

async function full(path: string, classify: ReturnType<typeof createClassifier>): Promise<number> {
  const r = await openCaptureFile(path);
  let n = 0;
  for await (const batch of r.batches()) {
    for (let i = 0; i < batch.length; i++) {
      const p = decodeRecord(batch[i]);
      if (typeof p !== 'string') {
        classify(p);
        n++;
      }
    }
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn: () => Promise<number>): Promise<{ n: number; perSec: number }> {
  const t0 = performance.now();
  const n = await fn();
  return { n, perSec: n / ((performance.now() - t0) / 1000) };
}

export async function measureParse(path: string, rounds = 3): Promise<ParseFigures> {
  const enricher = await createEnricher({});
  const classify = createClassifier({ labels: LabelSet.empty(), enricher });
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  let packets = 0;
  for (let i = 0; i < rounds; i++) {
    const x = await timed(() => minimalLoop(path));
    const y = await timed(() => readerOnly(path));
    const z = await timed(() => full(path, classify));
    packets = y.n;
    a.push(x.perSec); b.push(y.perSec); c.push(z.perSec);
  }
  return { packets, ceilingPerSec: median(a), readerPerSec: median(b), fullPerSec: median(c) };
}
