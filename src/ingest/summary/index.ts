/**
 * Packet-summary line input: sensors that already export one line per packet
 * (jsonl, csv, or the NICT Darknet Dataset 2022 CSV) feed darkscope these
 * instead of captures.
 *
 * readSummaryLines pulls the input chunk by chunk (it reads only while the
 * consumer asks for more), splits it into lines of at most 64 KiB, and yields
 * arrays of up to `batchSize` results in line order: a packet, or a bad line
 * with its 1-based line number and why it is bad. A bad line never stops the
 * read. Blank lines and header lines are counted as ignored. The only errors
 * thrown are whole-input problems: a CSV header without the required columns
 * (BAD_SUMMARY_HEADER), invalid options (BAD_CONFIG), or a read error from the
 * input itself.
 *
 *   const stats = createSummaryStats();
 *   for await (const batch of readSummaryLines(stream, { format: 'csv', name: path, stats })) {
 *     for (const r of batch) if ('packet' in r) sink(r.packet); else skip(r.reason, r.line, r.error);
 *   }
 */

import { DarkscopeError } from '../../errors.js';
import type { PacketSummary } from '../packet.js';
import { createCsvDecoder } from './csv.js';
import { createJsonlDecoder } from './jsonl.js';
import type { LineDecoder } from './line-decoder.js';
import { LineSplitter, MAX_LINE_BYTES, type SplitLine } from './line-splitter.js';
import { createNict2022Decoder } from './nict2022.js';
import { isSummaryFormat, SUMMARY_FORMATS, type SummaryFormat } from './summary-format.js';

export { parseIPv4, parseIPv6 } from '../../net/ip-parse.js';
export { MAX_LINE_BYTES } from './line-splitter.js';
export { sniffSummaryFormat } from './sniff.js';
export {
  isSummaryFormat,
  SUMMARY_FORMAT_TRAITS,
  SUMMARY_FORMATS,
  type SummaryFormat,
  type SummaryFormatTraits,
} from './summary-format.js';

export const DEFAULT_BATCH_SIZE = 4096;
/** How many bad lines are kept with their line number and reason; the rest are only counted. */
export const MAX_BAD_LINE_SAMPLES = 100;

export interface SummaryPacketLine {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly packet: PacketSummary;
}

export interface SummaryBadLine {
  readonly line: number;
  readonly reason: 'bad_summary_line';
  /** What is wrong with the line, e.g. `"dport" value 70000 is not an integer in 0..65535`. */
  readonly error: string;
}

/** One result per non-blank, non-header line. Tell them apart with `'packet' in r`. */
export type SummaryLineResult = SummaryPacketLine | SummaryBadLine;

export interface SummaryStats {
  /** Physical lines read, including blank, header and bad lines. */
  linesRead: number;
  packets: number;
  /** Blank lines and header lines. */
  ignoredLines: number;
  badLines: number;
  /** The first MAX_BAD_LINE_SAMPLES bad lines; `badLines - badLineSamples.length` more were only counted. */
  badLineSamples: Array<{ line: number; error: string }>;
  /** 1 when a last line without newline was left unread (holdPartialLine). */
  heldTailLines: number;
}

export function createSummaryStats(): SummaryStats {
  return { linesRead: 0, packets: 0, ignoredLines: 0, badLines: 0, badLineSamples: [], heldTailLines: 0 };
}

export interface ReadSummaryOptions {
  format: SummaryFormat;
  /** The input's name (a path, or "-" for stdin), used in error details. */
  name: string;
  /** Results per yielded array (default 4096). */
  batchSize?: number;
  /** Counts are kept here as the read goes, so progress can be shown; also the generator's return value. */
  stats?: SummaryStats;
  /**
   * A last line without its newline is left unread and counted in
   * `stats.heldTailLines` (the file may still be written; a cut line could
   * decode as a wrong packet, e.g. port 2 for 23).
   */
  holdPartialLine?: boolean;
}

function createDecoder(format: SummaryFormat, name: string): LineDecoder {
  switch (format) {
    case 'jsonl': return createJsonlDecoder();
    case 'csv': return createCsvDecoder(name);
    case 'nict2022': return createNict2022Decoder();
  }
}

function checkOptions(opts: ReadSummaryOptions): number {
  if (!isSummaryFormat(opts.format)) {
    throw new DarkscopeError('BAD_CONFIG',
      `"format" value ${JSON.stringify(opts.format)} is not one of ${SUMMARY_FORMATS.join(', ')}`, { file: opts.name });
  }
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DarkscopeError('BAD_CONFIG', `"batchSize" value ${String(batchSize)} is not an integer of at least 1`);
  }
  return batchSize;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Read summary lines from `input` (a Readable or any async iterable of bytes/strings). */
export async function* readSummaryLines(
  input: AsyncIterable<Uint8Array | string>,
  opts: ReadSummaryOptions,
): AsyncGenerator<SummaryLineResult[], SummaryStats, undefined> {
  const batchSize = checkOptions(opts);
  const stats = opts.stats ?? createSummaryStats();
  const decoder = createDecoder(opts.format, opts.name);
  const splitter = new LineSplitter();
  let batch: SummaryLineResult[] = [];

  const addBad = (line: number, error: string): void => {
    stats.badLines++;
    if (stats.badLineSamples.length < MAX_BAD_LINE_SAMPLES) stats.badLineSamples.push({ line, error });
    batch.push({ line, reason: 'bad_summary_line', error });
  };

  const handle = (at: SplitLine): void => {
    stats.linesRead++;
    if (at.text === null) {
      addBad(at.line, `line is longer than ${MAX_LINE_BYTES} bytes`);
      return;
    }
    if (isBlank(at.text)) {
      stats.ignoredLines++;
      return;
    }
    const r = decoder.decode(at.text, at);
    if (r === null) {
      stats.ignoredLines++;
    } else if (r.ok) {
      stats.packets++;
      batch.push({ line: at.line, packet: r.packet });
    } else {
      addBad(at.line, r.error);
    }
  };

  for await (const chunk of input) {
    for (const at of splitter.push(toBuffer(chunk))) {
      handle(at);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
  }
  for (const at of splitter.end()) {
    if (opts.holdPartialLine === true) stats.heldTailLines++;
    else handle(at);
  }
  if (batch.length > 0) yield batch;
  return stats;
}
