/**
 * A capture writer that behaves like `tcpdump -G/-C -w DIR/cap-%N.pcap` for
 * the watcher tests: it writes one file at a time, appending the file's
 * records in pieces whose sizes ignore record boundaries (buffered writes
 * flushed mid-record), pausing between pieces, then starts the next file.
 * Records are taken from a whole pcap made by the synthetic generator, so the
 * expected packet count is known.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { synthesizeCapture, type SynthOptions } from '../../src/synth/generator.js';
import { Random } from '../../src/synth/random.js';

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;

export interface SplitCapture {
  readonly header: Buffer;
  /** Each file's records, whole, back to back. */
  readonly files: Buffer[];
  readonly packets: number;
}

/** Makes a synthetic capture and cuts its records into `files` roughly equal files. */
export async function splitCapture(options: SynthOptions, files: number): Promise<SplitCapture> {
  const { chunks } = synthesizeCapture(options);
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  const all = Buffer.concat(parts);
  const header = all.subarray(0, PCAP_HEADER);
  const starts: number[] = [];
  for (let at = PCAP_HEADER; at < all.length; at += RECORD_HEADER + all.readUInt32LE(at + 8)) starts.push(at);
  const per = Math.ceil(starts.length / files);
  const out: Buffer[] = [];
  for (let i = 0; i < starts.length; i += per) {
    const end = i + per < starts.length ? starts[i + per] : all.length;
    out.push(all.subarray(starts[i], end));
  }
  return { header, files: out, packets: starts.length };
}

export interface RotationOptions {
  readonly dir: string;
  readonly seed: number;
  /** Largest piece appended at once, bytes. */
  readonly maxPieceBytes: number;
  /** Pause between pieces, ms (up to). */
  readonly maxPauseMs: number;
  readonly name?: (i: number) => string;
}

/** Writes the files one after the other as a rotating writer would; resolves when the last one is complete. */
export async function writeRotating(capture: SplitCapture, o: RotationOptions): Promise<string[]> {
  const random = new Random(o.seed);
  const rnd = (): number => random.float();
  const name = o.name ?? ((i: number) => `cap-${String(i).padStart(4, '0')}.pcap`);
  const paths: string[] = [];
  for (let i = 0; i < capture.files.length; i++) {
    const path = join(o.dir, name(i));
    paths.push(path);
    await writeFile(path, capture.header);
    const body = capture.files[i];
    for (let at = 0; at < body.length;) {
      const n = Math.min(body.length - at, 1 + Math.floor(rnd() * o.maxPieceBytes));
      await appendFile(path, body.subarray(at, at + n));
      at += n;
      await sleep(Math.floor(rnd() * o.maxPauseMs));
    }
  }
  return paths;
}
