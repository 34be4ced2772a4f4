/**
 * Opens a capture from any byte stream: sniffs gzip, then pcap or pcapng from
 * the magic bytes (never from the file name: real captures named .pcapng are
 * often classic pcap).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DarkscopeError } from '../../errors.js';
import { ByteSource, InputCutError } from './byte-source.js';
import { isPcapMagic, PcapReader } from './pcap.js';
import { isPcapngMagic, PcapngReader } from './pcapng.js';
import type { CaptureReader } from './types.js';

/** Chunk size for file reads: large chunks keep the per-chunk overhead low. */
export const FILE_CHUNK_BYTES = 1 << 20;

export function isGzipMagic(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

export type SniffedKind = 'pcap' | 'pcapng' | 'gzip' | 'unknown';

/** What the first bytes of an input look like. */
export function sniffCapture(head: Uint8Array): SniffedKind {
  if (isGzipMagic(head)) return 'gzip';
  if (isPcapngMagic(head)) return 'pcapng';
  if (isPcapMagic(head)) return 'pcap';
  return 'unknown';
}

export interface OpenCaptureOptions {
  /** Name used in errors and reports (the path, or "-" for stdin). */
  name: string;
  /** The input was already decompressed by the caller (reported in the stats). */
  decompressed?: boolean;
}

/**
 * Opens a capture on a stream of chunks. Throws DARKSCOPE_E_BAD_CAPTURE (with
 * the name and byte offset) when the input is not a capture at all.
 */
export async function openCapture(input: AsyncIterable<Uint8Array>, opts: OpenCaptureOptions): Promise<CaptureReader> {
  let src = new ByteSource(input);
  if (!(await src.ensure(4))) {
    const n = src.available;
    await src.close();
    throw new DarkscopeError('BAD_CAPTURE', n === 0 ? 'empty input, no capture header' : `input of ${n} bytes is too short for a capture header`, { file: opts.name, offset: 0 });
  }
  let compressed = opts.decompressed === true;
  if (isGzipMagic(src.buf.subarray(src.pos))) {
    compressed = true;
    src = new ByteSource(gunzipChunks(remaining(src)));
    if (!(await src.ensure(4))) {
      await src.close();
      throw new DarkscopeError('BAD_CAPTURE', 'gzip stream holds no capture header', { file: opts.name, offset: 0 });
    }
  }
  const head = src.buf.subarray(src.pos, src.pos + 4);
  try {
    if (isPcapngMagic(head)) return await PcapngReader.open(src, opts.name, compressed);
    if (isPcapMagic(head)) return await PcapReader.open(src, opts.name, compressed);
  } catch (e) {
    await src.close();
    throw e;
  }
  await src.close();
  const hex = Buffer.from(head).toString('hex');
  throw new DarkscopeError('BAD_CAPTURE', `not a capture file: unknown magic 0x${hex}${compressed ? ' inside gzip' : ''}`, { file: opts.name, offset: 0 });
}

/** Opens a capture file by path. */
export async function openCaptureFile(path: string): Promise<CaptureReader> {
  return openCapture(createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES }), { name: path });
}

/** What remains of a byte source (its buffered bytes first), as chunks; closes it when done. */
async function* remaining(src: ByteSource): AsyncGenerator<Uint8Array> {
  try {
    if (src.available > 0) yield src.buf.subarray(src.pos);
    src.pos = src.buf.length;
    while (await src.pull()) {
      yield src.buf;
      src.pos = src.buf.length;
    }
  } finally {
    await src.close();
  }
}

/**
 * Decompresses a gzip stream. A corrupt or cut stream ends the output with
 * InputCutError, so a reader keeps the records before it and reports the
 * input as truncated.
 */
export async function* gunzipChunks(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const compressed = Readable.from(input, { objectMode: false });
  compressed.pipe(gunzip);
  compressed.on('error', (e) => gunzip.destroy(e));
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // zlib errors (corrupt data, unexpected end) cut the input; anything else is a real failure.
    if (typeof code === 'string' && code.startsWith('Z_')) throw new InputCutError(`gzip: ${(e as Error).message}`);
    throw e;
  } finally {
    compressed.destroy();
    gunzip.destroy();
  }
}
