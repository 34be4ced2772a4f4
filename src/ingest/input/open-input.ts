/**
 * Opens one input (file or stdin) and decides what it is from its first
 * bytes: gzip is unwrapped first; then a pcap/pcapng magic means a capture,
 * and otherwise the summary-line formats are tried (or the one the user forced).
 */
import { createReadStream } from 'node:fs';
import { DarkscopeError } from '../../errors.js';
import { FILE_CHUNK_BYTES, gunzipChunks, InputCutError, isGzipMagic, openCapture, sniffCapture, type CaptureReader } from '../capture/index.js';
import { isSummaryFormat, sniffSummaryFormat, type SummaryFormat } from '../summary/index.js';
import type { InputSpec } from './expand-inputs.js';
import { peek } from './peek.js';

/** What the user may force with --format; 'auto' sniffs. */
export type InputFormat = 'auto' | 'capture' | SummaryFormat;

export type OpenedInput =
  | { readonly kind: 'capture'; readonly name: string; readonly reader: CaptureReader }
  | {
    readonly kind: 'summary'; readonly name: string; readonly format: SummaryFormat; readonly compressed: boolean;
    readonly chunks: AsyncIterable<Uint8Array>; readonly holdPartialLine: boolean;
  };

/** Bytes looked at to recognise a summary format (its first line). */
const SNIFF_BYTES = 8192;

export interface OpenInputOptions {
  format?: InputFormat;
  /** Standard input stream (injected so tests can feed their own). */
  stdin?: AsyncIterable<Uint8Array>;
  /** Start reading a file at this byte offset (resume of an uncompressed classic pcap is done by the caller). */
  start?: number;
  /** Summary inputs: keep a last line without its newline unread (the file may still be written). */
  holdPartialLine?: boolean;
}

export function inputChunks(spec: InputSpec, opts: OpenInputOptions = {}): AsyncIterable<Uint8Array> {
  if (spec.kind === 'stdin') return opts.stdin ?? process.stdin;
  // A file is read up to the size its identity was taken at, even if it grows meanwhile:
  // what it holds beyond that is read when it is ingested again (see file-continuation.ts).
  const end = spec.size > 0 ? spec.size - 1 : undefined;
  return createReadStream(spec.name, { highWaterMark: FILE_CHUNK_BYTES, start: opts.start, end });
}

export async function openInput(spec: InputSpec, opts: OpenInputOptions = {}): Promise<OpenedInput> {
  const format = opts.format ?? 'auto';
  let p = await peekOrThrow(inputChunks(spec, opts), spec.name);
  let compressed = false;
  if (isGzipMagic(p.head)) {
    compressed = true;
    p = await peekOrThrow(gunzipChunks(p.chunks), spec.name);
  }
  if (p.head.length === 0) {
    throw new DarkscopeError('BAD_CAPTURE', `empty input${compressed ? ' inside gzip' : ''}, nothing to read`, { file: spec.name, offset: 0 });
  }
  const kind = sniffCapture(p.head);
  if (format === 'capture' || (format === 'auto' && kind !== 'unknown')) {
    const reader = await openCapture(p.chunks, { name: spec.name, decompressed: compressed });
    return { kind: 'capture', name: spec.name, reader };
  }
  const holdPartialLine = opts.holdPartialLine === true;
  if (isSummaryFormat(format)) return { kind: 'summary', name: spec.name, format, compressed, chunks: p.chunks, holdPartialLine };
  const sniffed = sniffSummaryFormat(p.head.subarray(0, SNIFF_BYTES));
  if (sniffed !== null) return { kind: 'summary', name: spec.name, format: sniffed, compressed, chunks: p.chunks, holdPartialLine };
  await closeChunks(p.chunks);
  const hex = p.head.subarray(0, 4).toString('hex');
  throw new DarkscopeError('BAD_CAPTURE',
    `not a capture (unknown magic 0x${hex}) and not a recognised summary format (jsonl, csv with a ts,src,dst header, nict2022)${compressed ? ', inside gzip' : ''}`,
    { file: spec.name, offset: 0 });
}

async function peekOrThrow(chunks: AsyncIterable<Uint8Array>, name: string) {
  try {
    return await peek(chunks, SNIFF_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DarkscopeError('INPUT_NOT_FOUND', `no such file "${name}"`, { file: name });
    if (code === 'EACCES' || code === 'EISDIR') throw new DarkscopeError('INPUT_UNREADABLE', `cannot read "${name}" (${code})`, { file: name });
    if (e instanceof InputCutError) throw new DarkscopeError('BAD_CAPTURE', `gzip stream is corrupt at its start: ${e.message}`, { file: name, offset: 0 });
    throw e;
  }
}

async function closeChunks(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const it = chunks[Symbol.asyncIterator]();
  if (typeof it.return === 'function') await it.return();
}
